//! The block scanner: a background thread that re-reads every finalized
//! replica once per scan period (`dfs.datanode.scan.period.hours`), least
//! recently scanned first, at most `dfs.block.scanner.volume.bytes.per.second`,
//! and reports each corrupt one. It does not quarantine: the report's
//! receiver decides (the NameNode re-replicates, then orders a delete).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing::{error, info, warn};

use crate::storage::{BlockStore, ReplicaInfo, ReplicaState, StorageError, VerifyOutcome};

/// The shortest pause between two passes, so a zero period cannot spin.
const MIN_SCAN_PERIOD: Duration = Duration::from_secs(1);

/// Starts the scanner thread. `bytes_per_second == 0` disables the scanner
/// (the handle then has nothing to stop). The first pass starts at once;
/// `on_corrupt` runs on the scanner thread with the replica and the reason.
pub fn start(
    store: Arc<BlockStore>,
    bytes_per_second: u64,
    scan_period: Duration,
    progress: Arc<ScannerProgress>,
    on_corrupt: impl Fn(ReplicaInfo, String) + Send + 'static,
) -> ScannerHandle {
    let stop = Arc::new(StopSignal::default());
    if bytes_per_second == 0 {
        info!("block scanner disabled (dfs.block.scanner.volume.bytes.per.second = 0)");
        return ScannerHandle { stop, thread: None };
    }
    let scanner = BlockScanner {
        store,
        bytes_per_second,
        scan_period: scan_period.max(MIN_SCAN_PERIOD),
        on_corrupt: Box::new(on_corrupt),
        last_scanned: HashMap::new(),
        scans: 0,
        stop: Arc::clone(&stop),
        progress,
    };
    let thread = std::thread::Builder::new()
        .name("block-scanner".into())
        .spawn(move || scanner.run());
    let thread = match thread {
        Ok(thread) => Some(thread),
        Err(err) => {
            error!(error = %err, "cannot start the block scanner thread");
            None
        }
    };
    ScannerHandle { stop, thread }
}

/// How far the block scanner got, for the DataNode's page.
#[derive(Debug, Default)]
pub struct ScannerProgress {
    /// Passes finished since the DataNode started.
    pub passes: AtomicU64,
    /// Replicas due in the current (or last) pass, and verified so far in it.
    pub due: AtomicU64,
    pub verified: AtomicU64,
    /// Replicas found corrupt since the DataNode started.
    pub corrupt: AtomicU64,
    /// When the last pass ended, in milliseconds since the epoch (0: none yet).
    pub last_pass_end_millis: AtomicI64,
}

/// Stops the scanner when asked or dropped.
pub struct ScannerHandle {
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl ScannerHandle {
    /// Asks the scanner to stop and waits for its thread. A replica being
    /// verified is finished first, without throttling.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.raise();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            error!("the block scanner thread panicked");
        }
    }
}

impl Drop for ScannerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A stop flag that sleepers can wait on.
#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    fn raise(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    fn is_raised(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `timeout` unless raised first; true if raised.
    fn wait(&self, timeout: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, timeout, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }
}

/// The state of the scanner thread.
struct BlockScanner {
    store: Arc<BlockStore>,
    bytes_per_second: u64,
    scan_period: Duration,
    on_corrupt: Box<dyn Fn(ReplicaInfo, String) + Send>,
    /// Block id -> sequence number of its last scan.
    last_scanned: HashMap<u64, u64>,
    scans: u64,
    stop: Arc<StopSignal>,
    progress: Arc<ScannerProgress>,
}

impl BlockScanner {
    fn run(mut self) {
        info!(bytes_per_second = self.bytes_per_second, period = ?self.scan_period, "block scanner started");
        loop {
            let pass_started = Instant::now();
            self.scan_pass();
            let next_pass = pass_started + self.scan_period;
            if self
                .stop
                .wait(next_pass.saturating_duration_since(Instant::now()))
            {
                info!("block scanner stopped");
                return;
            }
        }
    }

    /// Verifies every finalized replica once, least recently scanned first.
    fn scan_pass(&mut self) {
        let mut due: Vec<ReplicaInfo> = self
            .store
            .replicas()
            .into_iter()
            .filter(|replica| replica.state == ReplicaState::Finalized)
            .collect();
        // Never-scanned replicas (None) sort first.
        due.sort_by_key(|replica| {
            (
                self.last_scanned.get(&replica.block_id).copied(),
                replica.block_id,
            )
        });
        let present: HashSet<u64> = due.iter().map(|replica| replica.block_id).collect();
        self.last_scanned
            .retain(|block_id, _| present.contains(block_id));

        let mut pacer = Pacer {
            bytes_per_second: self.bytes_per_second,
            next_read: Instant::now(),
        };
        let (mut healthy, mut corrupt) = (0u64, 0u64);
        self.progress.due.store(due.len() as u64, Ordering::Relaxed);
        self.progress.verified.store(0, Ordering::Relaxed);
        for replica in due {
            if self.stop.is_raised() {
                return;
            }
            let stop = &self.stop;
            let outcome = self
                .store
                .verify(replica.block_id, &mut |bytes| pacer.admit(bytes, stop));
            self.scans += 1;
            self.last_scanned.insert(replica.block_id, self.scans);
            self.progress.verified.fetch_add(1, Ordering::Relaxed);
            match outcome {
                Ok(VerifyOutcome::Healthy) => healthy += 1,
                Ok(VerifyOutcome::Corrupt(reason)) => {
                    corrupt += 1;
                    self.progress.corrupt.fetch_add(1, Ordering::Relaxed);
                    warn!(block_id = replica.block_id, %reason, "block scanner found a corrupt replica");
                    (self.on_corrupt)(replica, reason);
                }
                // Deleted or reopened by an append since the listing.
                Err(StorageError::ReplicaNotFound(_) | StorageError::Superseded(_)) => {}
                Err(err) => {
                    warn!(block_id = replica.block_id, error = %err, "block scanner cannot verify replica")
                }
            }
        }
        self.progress.passes.fetch_add(1, Ordering::Relaxed);
        self.progress
            .last_pass_end_millis
            .store(common::time::now_millis(), Ordering::Relaxed);
        info!(healthy, corrupt, "block scanner pass done");
    }
}

/// Spaces reads out to at most `bytes_per_second`, without saving up credit
/// while idle.
struct Pacer {
    bytes_per_second: u64,
    next_read: Instant,
}

impl Pacer {
    /// Waits until `bytes` more may be read (returns at once once stopped).
    fn admit(&mut self, bytes: u64, stop: &StopSignal) {
        let now = Instant::now();
        if self.next_read > now {
            stop.wait(self.next_read - now);
        }
        let cost = Duration::from_secs_f64(bytes as f64 / self.bytes_per_second as f64);
        self.next_read = self.next_read.max(Instant::now()) + cost;
    }
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;
    use std::os::unix::fs::FileExt;
    use std::path::PathBuf;
    use std::sync::mpsc;

    use super::*;
    use crate::storage::BlockKey;

    const HOUR: Duration = Duration::from_secs(3600);

    /// A store holding finalized blocks 1..=count of 2000 bytes each, their
    /// digests pending (no digester runs).
    fn store_with_blocks(count: u64) -> (tempfile::TempDir, PathBuf, Arc<BlockStore>) {
        let temp = tempfile::tempdir().unwrap();
        let volume = temp.path().join("vol");
        let store = BlockStore::open(std::slice::from_ref(&volume), 512).unwrap();
        store.set_cluster("CID-1", "BP-1").unwrap();
        let data: Vec<u8> = (0..2000u32).map(|index| (index % 251) as u8).collect();
        let checksums: Vec<u32> = data.chunks(512).map(crc32c::crc32c).collect();
        for id in 1..=count {
            let mut writer = store
                .create_rbw(BlockKey {
                    id,
                    generation_stamp: 1,
                })
                .unwrap();
            writer.write_packet(0, &data, &checksums).unwrap();
            writer.finalize().unwrap();
        }
        (temp, volume, Arc::new(store))
    }

    /// Flips one bit of the byte at `offset` of `path`.
    fn flip_bit(path: &std::path::Path, offset: u64) {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let mut byte = [0u8];
        file.read_exact_at(&mut byte, offset).unwrap();
        file.write_all_at(&[byte[0] ^ 0x10], offset).unwrap();
        let mut flipped = [0u8];
        file.read_exact_at(&mut flipped, offset).unwrap();
        assert_ne!(flipped, byte, "the byte really flipped");
    }

    /// The first report of a scanner over `store`.
    fn first_report(store: &Arc<BlockStore>) -> (ReplicaInfo, String) {
        let (sender, reports) = mpsc::channel();
        let progress = Arc::new(ScannerProgress::default());
        let handle = start(
            Arc::clone(store),
            64 << 20,
            HOUR,
            progress.clone(),
            move |replica, reason| {
                let _ = sender.send((replica, reason));
            },
        );
        let report = reports.recv_timeout(Duration::from_secs(60)).unwrap();
        handle.stop();
        assert!(reports.try_recv().is_err(), "only one block is corrupt");
        assert_eq!(progress.corrupt.load(Ordering::Relaxed), 1);
        assert_eq!(
            progress.due.load(Ordering::Relaxed),
            store.replicas().len() as u64,
            "every finalized replica is due in the first pass"
        );
        assert!(progress.verified.load(Ordering::Relaxed) >= 1);
        report
    }

    #[test]
    fn scanner_reports_a_flipped_byte_in_a_replica_whose_digests_are_pending() {
        let (_temp, volume, store) = store_with_blocks(3);
        assert_eq!(store.pending_digests(), 3, "no digester ran");
        flip_bit(
            &volume.join("current/BP-1/finalized/subdir0/subdir0/blk_2"),
            1100,
        );
        let (replica, reason) = first_report(&store);
        assert_eq!((replica.block_id, replica.length), (2, 2000));
        assert!(reason.contains("chunk 2 at offset 1024"), "{reason}");
    }

    #[test]
    fn scanner_checks_recorded_digests() {
        let (_temp, volume, store) = store_with_blocks(2);
        let no_stop = std::sync::atomic::AtomicBool::new(false);
        for id in 1..=2 {
            store.record_digests(id, &no_stop).unwrap();
        }
        // Byte 9 of the meta file is the second byte of the recorded MD5.
        flip_bit(
            &volume.join("current/BP-1/finalized/subdir0/subdir0/blk_1_1.meta"),
            9,
        );
        let (replica, reason) = first_report(&store);
        assert_eq!(replica.block_id, 1);
        assert!(reason.starts_with("MD5 of "), "{reason}");
    }

    #[test]
    fn stop_interrupts_a_throttled_pass() {
        let (_temp, _volume, store) = store_with_blocks(2);
        // At one byte per second the second block would wait half an hour.
        let handle = start(store, 1, HOUR, Default::default(), |replica, reason| {
            panic!("blk_{} reported: {reason}", replica.block_id)
        });
        handle.stop();
    }

    #[test]
    fn zero_rate_disables_the_scanner() {
        let (_temp, _volume, store) = store_with_blocks(1);
        let handle = start(store, 0, HOUR, Default::default(), |_, _| {
            panic!("a disabled scanner reports nothing")
        });
        assert!(handle.thread.is_none());
        handle.stop();
    }
}
