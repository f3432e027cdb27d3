//! The edit log: every namespace mutation, durable before it is acknowledged.
//!
//! Group commit with a double buffer: mutations append their record to the
//! pending buffer under the namespace write lock (cheap, in memory), then wait
//! for their txid outside any lock. A dedicated syncer thread swaps the
//! buffer out, writes it and fsyncs once for every record in it, while new
//! records fill the other buffer. Rolls are markers in the buffer, so the
//! syncer splits segments exactly where they were asked for.

mod journal;
pub mod record;

use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use common::RemoteException;
use proto::namenode_storage::EditRecord;
use proto::namenode_storage::edit_record::Op;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::qjournal::QuorumJournal;

pub use journal::{Journal, finalize_segment, terminate_on_journal_failure};

/// Durability progress as seen by waiters.
#[derive(Clone, Debug, Default)]
struct SyncState {
    synced_txid: u64,
    /// First txid of the segment the journal has open (rolls done so far).
    segment_start: u64,
    failure: Option<Arc<str>>,
}

struct Pending {
    buffer: Vec<u8>,
    next_txid: u64,
    /// Byte offsets in `buffer` where a segment ends, with its last txid.
    rolls: Vec<(usize, u64)>,
    /// Start txid of the segment that records now go to.
    segment_start: u64,
    closing: bool,
    failed: bool,
    /// Crashed (see [`EditLog::abandon`]): the syncer stops, syncing nothing.
    abandoned: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wakeup: Condvar,
    synced: watch::Sender<SyncState>,
}

/// The NameNode's edit log.
pub struct EditLog {
    shared: Arc<Shared>,
    syncer: Mutex<Option<thread::JoinHandle<()>>>,
    /// The JournalNodes this log also writes to, as their writer.
    quorum: Option<QuorumJournal>,
}

impl EditLog {
    /// Starts logging into `journal`'s open segment; `last_txid` is the last
    /// durable txid before it.
    pub fn start(journal: Journal, last_txid: u64) -> Self {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buffer: Vec::with_capacity(1 << 20),
                next_txid: last_txid + 1,
                rolls: Vec::new(),
                segment_start: journal.segment_start(),
                closing: false,
                failed: false,
                abandoned: false,
            }),
            wakeup: Condvar::new(),
            synced: watch::Sender::new(SyncState {
                synced_txid: last_txid,
                segment_start: journal.segment_start(),
                failure: None,
            }),
        });
        let quorum = journal.quorum().cloned();
        let syncer_shared = shared.clone();
        let syncer = thread::Builder::new()
            .name("edit-log-syncer".into())
            .spawn(move || run_syncer(&syncer_shared, journal))
            .expect("spawning the edit log syncer thread");
        Self {
            shared,
            syncer: Mutex::new(Some(syncer)),
            quorum,
        }
    }

    /// Asks the shared journal (when this log writes one) to drop the
    /// segments ending before `min_txid_to_keep`, as Hadoop's active does
    /// after a checkpoint; the standby never purges shared storage. A
    /// failure is logged: the segments are only kept longer.
    pub async fn purge_shared_logs(&self, min_txid_to_keep: u64) {
        let Some(quorum) = &self.quorum else {
            return;
        };
        if min_txid_to_keep == 0 {
            return;
        }
        match quorum.purge_logs(min_txid_to_keep).await {
            Ok(()) => info!(min_txid_to_keep, "purged the shared edits"),
            Err(error) => warn!(min_txid_to_keep, %error, "cannot purge the shared edits"),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Buffers `op` as the next transaction and returns its txid. Call it
    /// under the namespace write lock so txids follow the order of changes.
    pub fn append(&self, op: Op) -> Result<u64, RemoteException> {
        let mut pending = self.pending();
        if pending.failed || pending.closing {
            return Err(RemoteException::io(
                "edit log is not writable (a previous sync failed or the NameNode is stopping)",
            ));
        }
        let txid = pending.next_txid;
        pending.next_txid += 1;
        let (rpc_client_id, rpc_call_id) = crate::retry_cache::logged_rpc_ids();
        let record = EditRecord {
            txid,
            op: Some(op),
            rpc_client_id,
            rpc_call_id,
        };
        record::encode(&record, &mut pending.buffer);
        drop(pending);
        self.shared.wakeup.notify_one();
        Ok(txid)
    }

    /// The txid of the last buffered transaction.
    pub fn last_txid(&self) -> u64 {
        self.pending().next_txid - 1
    }

    /// Ends the current segment after the last buffered record; records
    /// appended later start a new one. Returns the new segment's first txid
    /// (the current one's when it is still empty). Call it under the
    /// namespace write lock, then wait for [`EditLog::wait_synced`] of
    /// `first txid - 1`.
    pub fn roll(&self) -> u64 {
        let mut pending = self.pending();
        let next = pending.next_txid;
        if pending.segment_start == next {
            return next;
        }
        let at = pending.buffer.len();
        pending.rolls.push((at, next - 1));
        pending.segment_start = next;
        drop(pending);
        self.shared.wakeup.notify_one();
        next
    }

    /// Waits until `txid` is durable in every healthy name dir.
    pub async fn wait_synced(&self, txid: u64) -> Result<(), RemoteException> {
        if self.shared.synced.borrow().synced_txid >= txid {
            return Ok(());
        }
        self.wait_until(|state| state.synced_txid >= txid).await
    }

    /// Waits until the segments before `first_txid` (a [`EditLog::roll`]'s
    /// answer) are finalized in every journal, as Hadoop's `rollEditLog`
    /// has done when it returns.
    pub async fn wait_rolled(&self, first_txid: u64) -> Result<(), RemoteException> {
        self.wait_until(|state| state.segment_start >= first_txid)
            .await
    }

    /// Waits until the syncer's progress satisfies `done`, or fails with
    /// the sync failure that stopped it short of that.
    async fn wait_until(&self, done: impl Fn(&SyncState) -> bool) -> Result<(), RemoteException> {
        let mut receiver = self.shared.synced.subscribe();
        let state = receiver
            .wait_for(|state| done(state) || state.failure.is_some())
            .await
            .map_err(|_| RemoteException::io("edit log syncer stopped"))?;
        match &state.failure {
            Some(failure) if !done(&state) => Err(RemoteException::io(failure.to_string())),
            _ => Ok(()),
        }
    }

    /// The last durable txid.
    pub fn synced_txid(&self) -> u64 {
        self.shared.synced.borrow().synced_txid
    }

    /// Flushes what is buffered, finalizes the open segment and stops the
    /// syncer. Later appends fail.
    pub fn close(&self) {
        self.pending().closing = true;
        self.stop_syncer();
    }

    /// Stops the syncer as a crash would: what is buffered is never synced
    /// (nor acknowledged) and the open segment stays in progress. Later
    /// appends and waits fail. For tests' in-process crashes.
    pub fn abandon(&self) {
        {
            let mut pending = self.pending();
            pending.abandoned = true;
            pending.failed = true;
        }
        self.stop_syncer();
        self.shared.synced.send_modify(|state| {
            state.failure = Some("edit log abandoned (NameNode killed)".into())
        });
    }

    fn stop_syncer(&self) {
        self.shared.wakeup.notify_one();
        let handle = self
            .syncer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for EditLog {
    fn drop(&mut self) {
        self.close();
    }
}

fn run_syncer(shared: &Shared, mut journal: Journal) {
    let mut spare = Vec::with_capacity(1 << 20);
    loop {
        let (bytes, rolls, last_txid, closing) = {
            let mut pending = shared
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            while pending.buffer.is_empty()
                && pending.rolls.is_empty()
                && !pending.closing
                && !pending.abandoned
            {
                pending = shared
                    .wakeup
                    .wait(pending)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if pending.abandoned {
                return;
            }
            std::mem::swap(&mut pending.buffer, &mut spare);
            (
                std::mem::take(&mut spare),
                std::mem::take(&mut pending.rolls),
                pending.next_txid - 1,
                pending.closing,
            )
        };
        let mut result = write_with_rolls(&mut journal, &bytes, &rolls);
        if result.is_ok() && closing {
            result = journal.close(last_txid);
        }
        match result {
            Ok(()) => {
                shared.synced.send_modify(|state| {
                    state.synced_txid = last_txid;
                    state.segment_start = journal.segment_start();
                });
            }
            Err(failure) => {
                error!(error = %failure, "edit log sync failed; the NameNode stops accepting writes");
                shared
                    .pending
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .failed = true;
                shared
                    .synced
                    .send_modify(|state| state.failure = Some(failure.to_string().into()));
                return;
            }
        }
        spare = bytes;
        spare.clear();
        if closing {
            return;
        }
    }
}

fn write_with_rolls(
    journal: &mut Journal,
    bytes: &[u8],
    rolls: &[(usize, u64)],
) -> std::io::Result<()> {
    fail::fail_point!("editlog::sync", |_| Err(std::io::Error::other(
        "injected edit log sync failure"
    )));
    let mut written = 0;
    for &(offset, last_txid) in rolls {
        journal.write_and_sync(&bytes[written..offset])?;
        journal.roll(last_txid)?;
        written = offset;
    }
    journal.write_and_sync(&bytes[written..])
}
