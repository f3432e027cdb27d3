//! The replica map, shared by the store and its writers.
//!
//! The map's mutex is held only for in-memory changes: every file operation
//! runs after it is released. A writer owns its replica through an `epoch`
//! stamped into the map entry; recovery or deletion replaces or removes the
//! entry, and the old writer's later calls then fail with `Superseded`.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use common::ids::DatanodeUuid;

use super::scan::FoundReplica;
use super::volume::{self, Volume};
use super::{BlockKey, ReplicaInfo, ReplicaState, StorageError};

/// The state shared by the store and its writers.
pub(super) struct StoreInner {
    pub volumes: Vec<Volume>,
    pub bytes_per_checksum: u32,
    pub datanode_uuid: DatanodeUuid,
    state: Mutex<StoreState>,
    /// Serializes `set_cluster` (which rewrites VERSION files) without the map lock.
    pub binding: Mutex<()>,
    next_volume: AtomicUsize,
    /// Signalled when a replica is queued for the digester, when the last
    /// writer closes, or to stop the digester.
    digests_queued: Condvar,
    /// `dfs.datanode.drop.cache.behind.writes`.
    drop_cache_behind_writes: AtomicBool,
}

/// How long the digester leaves a finalized replica alone while other
/// replicas are being written: hashing competes with the writes for CPU and
/// disk, so it waits for a pause, but not longer than this.
const DIGEST_DEFERRAL: Duration = Duration::from_secs(10);

/// How long no replica must have been written for a pause to count: a
/// client moving on to its next block leaves a gap of a few milliseconds.
const WRITES_PAUSE: Duration = Duration::from_millis(500);

pub(super) struct StoreState {
    pub cluster_id: Option<String>,
    pub block_pool: Option<String>,
    pub replicas: HashMap<u64, Replica>,
    next_epoch: u64,
    /// Finalized replicas whose digests are pending, oldest first: block ids
    /// only, one per finalize, so it is bounded by the replicas finalized
    /// since the digester last caught up.
    digest_queue: VecDeque<(u64, Instant)>,
    /// Replicas whose `digests_pending` is set.
    pending_digests: usize,
    /// Open replica writers.
    writers: usize,
    /// When the last writer closed (None while any is open).
    writers_closed_at: Option<Instant>,
}

pub(super) struct Replica {
    generation_stamp: u64,
    pub length: u64,
    state: ReplicaState,
    pub volume: usize,
    pub bytes_per_checksum: u32,
    /// Which writer (or loaded instance) owns the entry.
    epoch: u64,
    /// The CRC of an rbw replica's partial last chunk as of `length`, as its
    /// writer published it: the CRC on disk may already cover later bytes.
    last_chunk_crc: Option<u32>,
    /// Finalized, and the digester has yet to record its MD5 and SHA-1.
    digests_pending: bool,
}

/// A replica's entry and the paths of its files, copied out of the map.
pub(super) struct Located {
    pub info: ReplicaInfo,
    pub volume: usize,
    pub bytes_per_checksum: u32,
    pub epoch: u64,
    pub last_chunk_crc: Option<u32>,
    pub data: PathBuf,
    pub meta: PathBuf,
}

/// How much longer the digester leaves alone a replica queued at
/// `queued_at`, given when the last writer closed (None: writes go on).
fn digest_wait(queued_at: Instant, writers_closed_at: Option<Instant>, now: Instant) -> Duration {
    let deferral_left = DIGEST_DEFERRAL.saturating_sub(now.saturating_duration_since(queued_at));
    let pause_left = match writers_closed_at {
        Some(closed_at) => WRITES_PAUSE.saturating_sub(now.saturating_duration_since(closed_at)),
        None => DIGEST_DEFERRAL,
    };
    deferral_left.min(pause_left)
}

impl StoreState {
    fn new_epoch(&mut self) -> u64 {
        self.next_epoch += 1;
        self.next_epoch
    }

    /// Marks a finalized replica's digests pending and queues it.
    fn queue_digests(&mut self, block_id: u64) {
        let Some(replica) = self.replicas.get_mut(&block_id) else {
            return;
        };
        if !replica.digests_pending {
            replica.digests_pending = true;
            self.pending_digests += 1;
            self.digest_queue.push_back((block_id, Instant::now()));
        }
    }

    /// Removes a replica, keeping the pending count right.
    fn remove(&mut self, block_id: u64) -> Option<Replica> {
        let replica = self.replicas.remove(&block_id)?;
        if replica.digests_pending {
            self.pending_digests -= 1;
        }
        Some(replica)
    }
}

impl Replica {
    pub fn info(&self, block_id: u64) -> ReplicaInfo {
        ReplicaInfo {
            block_id,
            generation_stamp: self.generation_stamp,
            length: self.length,
            state: self.state,
        }
    }
}

impl StoreInner {
    pub fn new(
        volumes: Vec<Volume>,
        bytes_per_checksum: u32,
        identity: volume::VersionFile,
        block_pool: Option<String>,
        found: HashMap<u64, FoundReplica>,
    ) -> Self {
        let mut state = StoreState {
            cluster_id: identity.cluster_id,
            block_pool,
            replicas: HashMap::with_capacity(found.len()),
            next_epoch: 0,
            digest_queue: VecDeque::new(),
            pending_digests: 0,
            writers: 0,
            // No writes yet: replicas pending since before a restart go at once.
            writers_closed_at: Some(
                Instant::now()
                    .checked_sub(WRITES_PAUSE)
                    .unwrap_or_else(Instant::now),
            ),
        };
        for (block_id, found) in found {
            let replica = Replica {
                generation_stamp: found.info.generation_stamp,
                length: found.info.length,
                state: found.info.state,
                volume: found.volume,
                bytes_per_checksum: found.bytes_per_checksum,
                epoch: state.new_epoch(),
                last_chunk_crc: None,
                digests_pending: false,
            };
            state.replicas.insert(block_id, replica);
            if found.digests_pending {
                state.queue_digests(block_id);
            }
        }
        Self {
            volumes,
            bytes_per_checksum,
            datanode_uuid: identity.datanode_uuid,
            state: Mutex::new(state),
            binding: Mutex::new(()),
            next_volume: AtomicUsize::new(0),
            digests_queued: Condvar::new(),
            drop_cache_behind_writes: AtomicBool::new(false),
        }
    }

    pub fn drop_cache_behind_writes(&self) -> bool {
        self.drop_cache_behind_writes.load(Ordering::Relaxed)
    }

    pub fn set_drop_cache_behind_writes(&self, on: bool) {
        self.drop_cache_behind_writes.store(on, Ordering::Relaxed);
    }

    /// Counts a new replica writer (see `DIGEST_DEFERRAL`).
    pub fn writer_opened(&self) {
        let mut state = self.state();
        state.writers += 1;
        state.writers_closed_at = None;
    }

    /// Uncounts a replica writer; after the last one the digester goes on
    /// once `WRITES_PAUSE` has passed.
    pub fn writer_closed(&self) {
        let mut state = self.state();
        state.writers -= 1;
        if state.writers == 0 {
            state.writers_closed_at = Some(Instant::now());
            drop(state);
            self.digests_queued.notify_all();
        }
    }

    pub fn state(&self) -> MutexGuard<'_, StoreState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The paths of a replica's files.
    pub fn replica_paths(
        &self,
        pool: &str,
        volume: usize,
        block: BlockKey,
        state: ReplicaState,
    ) -> (PathBuf, PathBuf) {
        let dir = self.volumes[volume].replica_dir(pool, block.id, state);
        (
            dir.join(volume::data_file_name(block.id)),
            dir.join(volume::meta_file_name(block.id, block.generation_stamp)),
        )
    }

    pub fn block_pool(&self) -> Result<String, StorageError> {
        self.state()
            .block_pool
            .clone()
            .ok_or(StorageError::NoBlockPool)
    }

    pub fn locate(&self, block_id: u64) -> Result<Located, StorageError> {
        let state = self.state();
        let replica = state
            .replicas
            .get(&block_id)
            .ok_or(StorageError::ReplicaNotFound(block_id))?;
        let pool = state
            .block_pool
            .as_deref()
            .ok_or(StorageError::NoBlockPool)?;
        Ok(self.located(pool, block_id, replica))
    }

    fn located(&self, pool: &str, block_id: u64, replica: &Replica) -> Located {
        let block = BlockKey {
            id: block_id,
            generation_stamp: replica.generation_stamp,
        };
        let (data, meta) = self.replica_paths(pool, replica.volume, block, replica.state);
        Located {
            info: replica.info(block_id),
            volume: replica.volume,
            bytes_per_checksum: replica.bytes_per_checksum,
            epoch: replica.epoch,
            last_chunk_crc: replica.last_chunk_crc,
            data,
            meta,
        }
    }

    /// Adds an empty rbw entry on `volume` for a new writer, or says why not.
    pub fn reserve_rbw(&self, block: BlockKey, volume: usize) -> Result<Located, StorageError> {
        let mut state = self.state();
        let pool = state.block_pool.clone().ok_or(StorageError::NoBlockPool)?;
        if let Some(existing) = state.replicas.get(&block.id) {
            return Err(StorageError::ReplicaAlreadyExists {
                block_id: block.id,
                generation_stamp: existing.generation_stamp,
                state: existing.state,
            });
        }
        let replica = Replica {
            generation_stamp: block.generation_stamp,
            length: 0,
            state: ReplicaState::Rbw,
            volume,
            bytes_per_checksum: self.bytes_per_checksum,
            epoch: state.new_epoch(),
            last_chunk_crc: None,
            digests_pending: false,
        };
        let located = self.located(&pool, block.id, &replica);
        state.replicas.insert(block.id, replica);
        Ok(located)
    }

    /// Gives an rbw replica to a recovering writer: checks its state and
    /// stamp, and stops readers at `bytes_acked` at once if it is longer.
    pub fn take_over_rbw(
        &self,
        block_id: u64,
        new_generation_stamp: u64,
        bytes_acked: u64,
    ) -> Result<Located, StorageError> {
        let mut state = self.state();
        let epoch = state.new_epoch();
        let pool = state.block_pool.clone().ok_or(StorageError::NoBlockPool)?;
        let replica = state
            .replicas
            .get_mut(&block_id)
            .ok_or(StorageError::ReplicaNotFound(block_id))?;
        if replica.state != ReplicaState::Rbw {
            return Err(StorageError::WrongState {
                block_id,
                state: replica.state,
                needed: ReplicaState::Rbw,
                operation: "recovery",
            });
        }
        if replica.generation_stamp > new_generation_stamp {
            return Err(StorageError::GenerationStamp {
                block_id,
                replica: replica.generation_stamp,
                requested: new_generation_stamp,
                operation: "recovery needs at most",
            });
        }
        if bytes_acked < replica.length {
            replica.length = bytes_acked;
            replica.last_chunk_crc = None;
        }
        replica.epoch = epoch;
        Ok(self.located(&pool, block_id, replica))
    }

    /// Append: the finalized replica of `epoch`, whose files were linked
    /// into rbw/ at `new_generation_stamp`, is being written again; its
    /// digests are no longer pending (a new finalize queues it again).
    /// `partial_chunk_crc` is the CRC of its partial last chunk, if any.
    pub fn reopen_finalized(
        &self,
        block_id: u64,
        epoch: u64,
        new_generation_stamp: u64,
        partial_chunk_crc: Option<u32>,
    ) -> Result<Located, StorageError> {
        let mut state = self.state();
        let new_epoch = state.new_epoch();
        let pool = state.block_pool.clone().ok_or(StorageError::NoBlockPool)?;
        let replica = match state.replicas.get_mut(&block_id) {
            Some(replica) if replica.epoch == epoch && replica.state == ReplicaState::Finalized => {
                replica
            }
            _ => return Err(StorageError::Superseded(block_id)),
        };
        replica.state = ReplicaState::Rbw;
        replica.generation_stamp = new_generation_stamp;
        replica.epoch = new_epoch;
        replica.last_chunk_crc = partial_chunk_crc;
        let was_pending = std::mem::take(&mut replica.digests_pending);
        let located = self.located(&pool, block_id, replica);
        if was_pending {
            state.pending_digests -= 1;
        }
        Ok(located)
    }

    /// Runs `action` if the entry of `block_id` is still the one of `epoch`
    /// (no append, recovery or deletion replaced it since), holding the map
    /// lock so that none slips in meanwhile; None if it was replaced.
    pub fn while_current<T>(
        &self,
        block_id: u64,
        epoch: u64,
        action: impl FnOnce() -> T,
    ) -> Option<T> {
        let state = self.state();
        state
            .replicas
            .get(&block_id)
            .is_some_and(|replica| replica.epoch == epoch)
            .then(action)
    }

    /// Removes a replica from the map, returning where its files are.
    pub fn take(&self, block_id: u64) -> Result<Option<Located>, StorageError> {
        let mut state = self.state();
        let Some(replica) = state.remove(block_id) else {
            return Ok(None);
        };
        let pool = state
            .block_pool
            .as_deref()
            .ok_or(StorageError::NoBlockPool)?;
        Ok(Some(self.located(pool, block_id, &replica)))
    }

    /// Applies `change` to the entry if the writer of `epoch` still owns it.
    fn update_owned(
        &self,
        block_id: u64,
        epoch: u64,
        change: impl FnOnce(&mut Replica),
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        match state.replicas.get_mut(&block_id) {
            Some(replica) if replica.epoch == epoch => {
                change(replica);
                Ok(())
            }
            _ => Err(StorageError::Superseded(block_id)),
        }
    }

    /// `Superseded` unless the writer of `epoch` still owns the replica.
    pub fn check_owned(&self, block_id: u64, epoch: u64) -> Result<(), StorageError> {
        self.update_owned(block_id, epoch, |_| {})
    }

    /// Makes an rbw replica readable up to `length`; `last_chunk_crc` is the
    /// CRC of its last chunk if that is partial.
    pub fn publish_length(
        &self,
        block_id: u64,
        epoch: u64,
        length: u64,
        last_chunk_crc: Option<u32>,
    ) -> Result<(), StorageError> {
        self.update_owned(block_id, epoch, |replica| {
            replica.length = length;
            replica.last_chunk_crc = last_chunk_crc;
        })
    }

    /// Records the new stamp of a recovered replica whose meta file was renamed.
    pub fn set_generation_stamp(
        &self,
        block_id: u64,
        epoch: u64,
        generation_stamp: u64,
    ) -> Result<(), StorageError> {
        self.update_owned(block_id, epoch, |replica| {
            replica.generation_stamp = generation_stamp
        })
    }

    /// Records the new stamp of a finalized replica whose meta file was
    /// renamed from `old` to `new`, if nothing changed it meanwhile.
    pub fn restamp_finalized(&self, block_id: u64, old: u64, new: u64) -> Result<(), StorageError> {
        let mut state = self.state();
        match state.replicas.get_mut(&block_id) {
            Some(replica)
                if replica.state == ReplicaState::Finalized && replica.generation_stamp == old =>
            {
                replica.generation_stamp = new;
                Ok(())
            }
            _ => Err(StorageError::Superseded(block_id)),
        }
    }

    /// Records that the writer of `epoch` moved the replica into finalized/,
    /// and queues it for the digester.
    pub fn mark_finalized(
        &self,
        block_id: u64,
        epoch: u64,
        length: u64,
    ) -> Result<(), StorageError> {
        let mut state = self.state();
        match state.replicas.get_mut(&block_id) {
            Some(replica) if replica.epoch == epoch => {
                replica.length = length;
                replica.state = ReplicaState::Finalized;
                replica.last_chunk_crc = None;
            }
            _ => return Err(StorageError::Superseded(block_id)),
        }
        state.queue_digests(block_id);
        drop(state);
        self.digests_queued.notify_one();
        Ok(())
    }

    /// Clears the pending mark of a replica whose digests were recorded (or
    /// that turned out corrupt), if the entry is still the one of `epoch`.
    pub fn digests_settled(&self, block_id: u64, epoch: u64) {
        let mut state = self.state();
        if let Some(replica) = state.replicas.get_mut(&block_id)
            && replica.epoch == epoch
            && replica.digests_pending
        {
            replica.digests_pending = false;
            state.pending_digests -= 1;
        }
    }

    /// Finalized replicas whose digests are not recorded yet.
    pub fn pending_digests(&self) -> usize {
        self.state().pending_digests
    }

    /// Waits for the next replica queued for the digester, and for a pause
    /// in the writes (`WRITES_PAUSE`), but at most `DIGEST_DEFERRAL` after
    /// it was queued; None once `stop` is set (see
    /// [`StoreInner::wake_digester`]).
    pub fn next_pending_digests(&self, stop: &AtomicBool) -> Option<u64> {
        let mut state = self.state();
        loop {
            if stop.load(Ordering::Acquire) {
                return None;
            }
            let mut wait = None;
            while let Some(&(block_id, queued_at)) = state.digest_queue.front() {
                let pending = state
                    .replicas
                    .get(&block_id)
                    .is_some_and(|replica| replica.digests_pending);
                if !pending {
                    state.digest_queue.pop_front();
                    continue;
                }
                let wait_left = digest_wait(queued_at, state.writers_closed_at, Instant::now());
                if !wait_left.is_zero() {
                    wait = Some(wait_left);
                    break;
                }
                state.digest_queue.pop_front();
                return Some(block_id);
            }
            state = match wait {
                Some(timeout) => {
                    self.digests_queued
                        .wait_timeout(state, timeout)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .digests_queued
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Wakes a digester waiting in `next_pending_digests` (after setting its
    /// stop flag: taking the lock orders the two).
    pub fn wake_digester(&self) {
        let _state = self.state();
        self.digests_queued.notify_all();
    }

    /// Removes the entry if the writer of `epoch` still owns it.
    pub fn forget_owned(&self, block_id: u64, epoch: u64) -> bool {
        let mut state = self.state();
        let owned = state
            .replicas
            .get(&block_id)
            .is_some_and(|replica| replica.epoch == epoch);
        if owned {
            state.remove(block_id);
        }
        owned
    }

    /// The volume with the most free space; round-robin among volumes within
    /// 1% of it (volumes sharing a file system always tie).
    pub fn choose_volume(&self) -> usize {
        let free: Vec<Option<u64>> = self
            .volumes
            .iter()
            .map(|volume| volume.space().ok().map(|(_, free)| free))
            .collect();
        let turn = self.next_volume.fetch_add(1, Ordering::Relaxed);
        let Some(most) = free.iter().flatten().max().copied() else {
            return turn % self.volumes.len();
        };
        let enough = most - most / 100;
        let candidates: Vec<usize> = (0..self.volumes.len())
            .filter(|index| free[*index].is_some_and(|space| space >= enough))
            .collect();
        candidates[turn % candidates.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digester_waits_for_a_pause_in_the_writes_but_not_forever() {
        let now = Instant::now() + DIGEST_DEFERRAL;
        let ago = |millis| now - Duration::from_millis(millis);
        // Writes go on: a replica just queued waits the whole deferral, one
        // queued longer ago only what is left of it.
        assert_eq!(digest_wait(now, None, now), DIGEST_DEFERRAL);
        assert_eq!(
            digest_wait(ago(4_000), None, now),
            DIGEST_DEFERRAL - Duration::from_secs(4)
        );
        assert_eq!(digest_wait(ago(10_000), None, now), Duration::ZERO);
        // The writes paused 100 ms ago: wait for the rest of the pause.
        assert_eq!(
            digest_wait(ago(1_000), Some(ago(100)), now),
            WRITES_PAUSE - Duration::from_millis(100)
        );
        // Long enough since the last writer closed: hash now.
        assert_eq!(digest_wait(now, Some(ago(1_000)), now), Duration::ZERO);
    }
}
