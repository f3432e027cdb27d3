//! The open edit segment, one copy per name directory, and on the quorum of
//! JournalNodes when the NameNode has one (`dfs.namenode.shared.edits.dir`).
//! Each batch goes to the JournalNodes in parallel with the local fsync; it
//! is durable only when both are. The syncer is a plain thread: it waits for
//! the quorum's calls, which run on the quorum client's own runtime.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};

use tracing::{error, info};

use super::record;
use crate::qjournal::{QuorumError, QuorumJournal};
use crate::storage::{finalized_segment_name, inprogress_segment_name, sync_dir, write_seen_txid};

/// The in-progress segment being appended to, in every healthy name dir.
pub struct Journal {
    copies: Vec<(PathBuf, File)>,
    segment_start: u64,
    quorum: Option<SharedJournal>,
}

/// The quorum a [`Journal`] writes to besides its name dirs.
struct SharedJournal {
    quorum: QuorumJournal,
    /// The last txid written to the open segment.
    last_txid: u64,
}

static EXIT_ON_JOURNAL_FAILURE: AtomicBool = AtomicBool::new(false);

/// Makes a failure of the required journals (the quorum, or every name
/// dir) end the process with status 1, as Hadoop's NameNode does
/// (`ExitUtil.terminate`), so its ZKFC fails over and nothing it applied
/// without making it durable is ever served. Only the `hdfs namenode`
/// daemon calls it: in-process NameNodes (tests, the mini-cluster) refuse
/// every later operation instead.
pub fn terminate_on_journal_failure() {
    EXIT_ON_JOURNAL_FAILURE.store(true, Ordering::Release);
}

fn quorum_failure(quorum: &QuorumJournal, segment_start: u64, error: QuorumError) -> io::Error {
    let message = format!(
        "Error: flush failed for required journal (JournalAndStream(mgr=QJM to [{}], stream=QuorumOutputStream starting at txid {segment_start})): {error}",
        quorum.addresses().join(", ")
    );
    if EXIT_ON_JOURNAL_FAILURE.load(Ordering::Acquire) {
        error!("FATAL {message}");
        eprintln!("FATAL {message}");
        std::process::exit(1);
    }
    io::Error::other(message)
}

/// Every name dir failed a sync (a full or broken disk): as Hadoop's
/// `FSEditLog.logSync`, a daemon NameNode ends, for what it applied in
/// memory is not durable anywhere.
fn local_failure(error: io::Error) -> io::Error {
    let message = format!("Could not sync enough journals to persistent storage: {error}");
    if EXIT_ON_JOURNAL_FAILURE.load(Ordering::Acquire) {
        error!("FATAL {message}");
        eprintln!("FATAL {message}");
        std::process::exit(1);
    }
    io::Error::new(error.kind(), message)
}

impl Journal {
    /// Creates `edits_inprogress_<start>` (header only) in each `current/`
    /// directory and records `start` in `seen_txid`.
    pub fn open_segment(current_dirs: &[PathBuf], start_txid: u64) -> io::Result<Self> {
        let mut copies = Vec::with_capacity(current_dirs.len());
        for dir in current_dirs {
            let mut file = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(dir.join(inprogress_segment_name(start_txid)))?;
            file.write_all(&record::file_header())?;
            file.sync_all()?;
            sync_dir(dir)?;
            write_seen_txid(dir, start_txid)?;
            copies.push((dir.clone(), file));
        }
        Ok(Self {
            copies,
            segment_start: start_txid,
            quorum: None,
        })
    }

    /// Also writes to `quorum`: opens the current segment on it. Call it
    /// from a blocking thread (not async code) once the NameNode is the
    /// quorum's writer ([`QuorumJournal::recover_for_write`]).
    pub fn with_quorum(mut self, quorum: QuorumJournal) -> io::Result<Self> {
        let start = self.segment_start;
        quorum
            .block_on(quorum.start_segment(start))
            .map_err(|error| quorum_failure(&quorum, start, error))?;
        self.quorum = Some(SharedJournal {
            quorum,
            last_txid: start - 1,
        });
        Ok(self)
    }

    pub fn segment_start(&self) -> u64 {
        self.segment_start
    }

    /// The JournalNodes this journal also writes to.
    pub fn quorum(&self) -> Option<&QuorumJournal> {
        self.quorum.as_ref().map(|shared| &shared.quorum)
    }

    /// Appends `bytes` to every copy and makes them durable. A directory that
    /// fails is dropped (and logged) as long as another one still works.
    pub fn write_and_sync(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Some(shared) = &self.quorum else {
            return self
                .for_each_copy("append to edit log", |_, file| {
                    file.write_all(bytes)?;
                    file.sync_data()
                })
                .map_err(local_failure);
        };
        let count = record::split_framed(bytes, usize::MAX)
            .map_err(io::Error::other)?
            .len() as u32;
        let first_txid = shared.last_txid + 1;
        let quorum = shared.quorum.clone();
        let segment_start = self.segment_start;
        let batch = bytes.to_vec();
        let remote = shared.quorum.spawn(async move {
            quorum
                .send_edits(segment_start, first_txid, count, &batch)
                .await
        });
        let local = self.for_each_copy("append to edit log", |_, file| {
            file.write_all(bytes)?;
            file.sync_data()
        });
        let shared = self.quorum.as_mut().expect("checked above");
        let remote = shared
            .quorum
            .block_on(remote)
            .map_err(|error| io::Error::other(format!("quorum journal task failed: {error}")))?;
        local?;
        remote.map_err(|error| quorum_failure(&shared.quorum, segment_start, error))?;
        shared.last_txid = first_txid + u64::from(count) - 1;
        Ok(())
    }

    /// Runs `call` on the quorum (when there is one) and waits for it.
    fn on_quorum<F>(&self, call: impl FnOnce(QuorumJournal) -> F) -> io::Result<()>
    where
        F: std::future::Future<Output = Result<(), QuorumError>>,
    {
        let Some(shared) = &self.quorum else {
            return Ok(());
        };
        shared
            .quorum
            .block_on(call(shared.quorum.clone()))
            .map_err(|error| quorum_failure(&shared.quorum, self.segment_start, error))
    }

    /// Renames the segment to `edits_<start>-<last>` (or removes it when it
    /// holds no record) and opens `edits_inprogress_<last + 1>`.
    pub fn roll(&mut self, last_txid: u64) -> io::Result<()> {
        let start = self.segment_start;
        if last_txid < start {
            return Ok(());
        }
        self.for_each_copy("finalize edit segment", |dir, _| {
            finalize_segment(dir, start, last_txid)
        })?;
        self.on_quorum(|quorum| async move { quorum.finalize_segment(start, last_txid).await })?;
        let dirs: Vec<PathBuf> = self.copies.iter().map(|(dir, _)| dir.clone()).collect();
        let quorum = self.quorum.take();
        *self = Self::open_segment(&dirs, last_txid + 1)?;
        self.quorum = quorum;
        self.on_quorum(|quorum| async move { quorum.start_segment(last_txid + 1).await })?;
        if let Some(shared) = &mut self.quorum {
            shared.last_txid = last_txid;
        }
        info!(segment_start = last_txid + 1, "rolled edit log");
        Ok(())
    }

    /// Finalizes the segment on a clean shutdown.
    pub fn close(&mut self, last_txid: u64) -> io::Result<()> {
        let start = self.segment_start;
        if last_txid >= start {
            self.on_quorum(
                |quorum| async move { quorum.finalize_segment(start, last_txid).await },
            )?;
        }
        self.for_each_copy("finalize edit segment", |dir, _| {
            if last_txid < start {
                fs::remove_file(dir.join(inprogress_segment_name(start)))?;
                return sync_dir(dir);
            }
            finalize_segment(dir, start, last_txid)
        })
    }

    fn for_each_copy(
        &mut self,
        what: &str,
        mut action: impl FnMut(&Path, &mut File) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut last_error = None;
        self.copies.retain_mut(|(dir, file)| match action(dir, file) {
            Ok(()) => true,
            Err(failure) => {
                error!(dir = %dir.display(), error = %failure, "cannot {what}; dropping this name dir");
                last_error = Some(failure);
                false
            }
        });
        match last_error {
            Some(failure) if self.copies.is_empty() => Err(io::Error::new(
                failure.kind(),
                format!("cannot {what} in any name dir: {failure}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Renames `edits_inprogress_<start>` to `edits_<start>-<last>` durably.
pub fn finalize_segment(current_dir: &Path, start: u64, last: u64) -> io::Result<()> {
    fs::rename(
        current_dir.join(inprogress_segment_name(start)),
        current_dir.join(finalized_segment_name(start, last)),
    )?;
    sync_dir(current_dir)
}
