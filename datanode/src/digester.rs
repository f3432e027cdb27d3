//! The digester: a background thread, at the lowest CPU priority, that
//! records the MD5 and SHA-1 of each replica shortly after it is finalized.
//!
//! Hashing a block inline would bound every write stream by MD5's speed on
//! one core; instead finalize marks the replica's digests pending and the
//! digester re-reads it, checks every chunk's CRC while hashing, and records
//! the digests in its meta header. It waits for a pause in the node's writes
//! (at most 10 s) before taking a replica, so it does not compete with them
//! for CPU and disk. Replicas left pending by a restart are queued again
//! when the store opens. A replica whose CRCs no longer match is reported,
//! like the block scanner does, and nothing is recorded for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use tracing::{error, info, warn};

use crate::storage::{BlockStore, DigestOutcome, ReplicaInfo, StorageError};

/// Starts the digester thread; `on_corrupt` runs on it with the replica and
/// the reason when a pending replica fails its CRCs.
pub fn start(
    store: Arc<BlockStore>,
    on_corrupt: impl Fn(ReplicaInfo, String) + Send + 'static,
) -> DigesterHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("digester".into())
            .spawn(move || run(&store, &stop, &on_corrupt))
    };
    let thread = match thread {
        Ok(thread) => Some(thread),
        Err(err) => {
            error!(error = %err, "cannot start the digester thread; digests are computed on demand only");
            None
        }
    };
    DigesterHandle {
        store,
        stop,
        thread,
    }
}

/// Stops the digester when asked or dropped.
pub struct DigesterHandle {
    store: Arc<BlockStore>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DigesterHandle {
    /// Stops the digester and waits for its thread; a replica being hashed
    /// is left pending (it is hashed again after a restart).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.store.wake_digester();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            error!("the digester thread panicked");
        }
    }
}

impl Drop for DigesterHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(store: &BlockStore, stop: &AtomicBool, on_corrupt: &dyn Fn(ReplicaInfo, String)) {
    if let Err(error) = common::os::set_thread_idle() {
        warn!(%error, "cannot lower the digester's priority");
    }
    info!(pending = store.pending_digests(), "digester started");
    while let Some(block_id) = store.next_pending_digests(stop) {
        match store.record_digests(block_id, stop) {
            Ok(DigestOutcome::Recorded(_)) => {}
            Ok(DigestOutcome::Corrupt(reason)) => {
                warn!(block_id, %reason, "digester found a corrupt replica");
                if let Some(replica) = store.replica(block_id) {
                    on_corrupt(replica, reason);
                }
            }
            // Deleted, reopened by an append (queued again at its finalize), or stopping.
            Err(
                StorageError::ReplicaNotFound(_)
                | StorageError::Superseded(_)
                | StorageError::Interrupted(_),
            ) => {}
            Err(err) => {
                warn!(block_id, error = %err, "cannot record replica digests; they stay pending until a restart or a checksum request")
            }
        }
    }
    info!("digester stopped");
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;
    use std::os::unix::fs::FileExt;
    use std::path::{Path, PathBuf};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use md5::{Digest, Md5};
    use sha1::Sha1;

    use super::*;
    use crate::storage::{BlockKey, Digests};

    const DEADLINE: Duration = Duration::from_secs(60);

    fn data() -> Vec<u8> {
        (0..70_000u32).map(|index| (index % 253) as u8).collect()
    }

    /// Writes and finalizes blocks `ids` (digests pending) into `store`.
    fn write_blocks(store: &BlockStore, ids: std::ops::RangeInclusive<u64>) {
        let data = data();
        for id in ids {
            let mut writer = store
                .create_rbw(BlockKey {
                    id,
                    generation_stamp: 1,
                })
                .unwrap();
            for (index, packet) in data.chunks(64 * 1024).enumerate() {
                let checksums: Vec<u32> = packet.chunks(512).map(crc32c::crc32c).collect();
                writer
                    .write_packet((index * 64 * 1024) as u64, packet, &checksums)
                    .unwrap();
            }
            writer.finalize().unwrap();
        }
    }

    fn open_store(volume: &Path) -> Arc<BlockStore> {
        let store = BlockStore::open(&[volume.to_path_buf()], 512).unwrap();
        store.set_cluster("CID-1", "BP-1").unwrap();
        Arc::new(store)
    }

    fn temp_volume() -> (tempfile::TempDir, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let volume = temp.path().join("vol");
        (temp, volume)
    }

    fn expected() -> Digests {
        Digests {
            md5: Md5::digest(data()).into(),
            sha1: Sha1::digest(data()).into(),
        }
    }

    /// Polls until no digest is pending; false at the deadline.
    fn drained(store: &BlockStore) -> bool {
        let deadline = Instant::now() + DEADLINE;
        while store.pending_digests() > 0 {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    fn never_corrupt(replica: ReplicaInfo, reason: String) {
        panic!("blk_{} reported: {reason}", replica.block_id)
    }

    #[test]
    fn the_digester_records_what_finalize_left_pending() {
        let (_temp, volume) = temp_volume();
        let store = open_store(&volume);
        write_blocks(&store, 1..=3);
        assert_eq!(store.pending_digests(), 3);
        let digester = start(Arc::clone(&store), never_corrupt);
        assert!(drained(&store), "{} still pending", store.pending_digests());
        // A replica finalized while the digester waits wakes it.
        write_blocks(&store, 4..=4);
        assert!(drained(&store), "{} still pending", store.pending_digests());
        digester.stop();
        for id in 1..=4 {
            assert_eq!(store.digests(id).unwrap(), Some(expected()), "blk_{id}");
        }
    }

    #[test]
    fn a_restart_recomputes_pending_digests() {
        let (_temp, volume) = temp_volume();
        let store = open_store(&volume);
        // A DataNode that stopped before its digester got to them.
        write_blocks(&store, 1..=2);
        drop(store);

        let store = open_store(&volume);
        assert_eq!(store.pending_digests(), 2);
        let digester = start(Arc::clone(&store), never_corrupt);
        assert!(drained(&store), "{} still pending", store.pending_digests());
        digester.stop();
        for id in 1..=2 {
            assert_eq!(store.digests(id).unwrap(), Some(expected()), "blk_{id}");
        }
        drop(store);
        // Recorded on disk: nothing is pending after the next restart.
        assert_eq!(open_store(&volume).pending_digests(), 0);
    }

    #[test]
    fn the_digester_reports_a_replica_failing_its_crcs() {
        let (_temp, volume) = temp_volume();
        let store = open_store(&volume);
        write_blocks(&store, 1..=2);
        let path = volume.join("current/BP-1/finalized/subdir0/subdir0/blk_2");
        let file = OpenOptions::new().write(true).open(path).unwrap();
        file.write_all_at(b"!", 66_000).unwrap();

        let (sender, reports) = mpsc::channel();
        let digester = start(Arc::clone(&store), move |replica, reason| {
            let _ = sender.send((replica, reason));
        });
        let (replica, reason) = reports.recv_timeout(DEADLINE).unwrap();
        assert_eq!((replica.block_id, replica.length), (2, 70_000));
        assert!(reason.contains("chunk 128 at offset 65536"), "{reason}");
        assert!(drained(&store), "{} still pending", store.pending_digests());
        digester.stop();
        assert_eq!(store.digests(1).unwrap(), Some(expected()));
        assert_eq!(store.digests(2).unwrap(), None, "nothing recorded");
        assert!(reports.try_recv().is_err(), "one report");
    }

    #[test]
    fn a_stopped_digester_releases_the_store() {
        let (_temp, volume) = temp_volume();
        let store = open_store(&volume);
        start(Arc::clone(&store), never_corrupt).stop();
        assert_eq!(Arc::strong_count(&store), 1);
        drop(store);
        open_store(&volume);
    }
}
