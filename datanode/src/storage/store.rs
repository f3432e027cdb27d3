//! `BlockStore`: the replica map over the volumes.
//!
//! The map's mutex is held only for in-memory changes: every file operation
//! runs after it is released. A writer owns its replica through an `epoch`
//! stamped into the map entry; recovery or deletion replaces or removes the
//! entry, and the old writer's later calls then fail with `Superseded`.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::{info, warn};

use super::meta::{self, BlockHasher, MetaHeader};
use super::reader::{self, ReplicaReader};
use super::scan;
use super::volume::{self, VersionFile, Volume};
use super::writer::ReplicaWriter;
use super::{
    BlockKey, ReplicaInfo, ReplicaState, StorageError, StorageUsage, VerifyOutcome, io_error,
    write_error,
};

/// How often a reader re-looks a replica up when its files moved under it
/// (a finalize or a recovery in between).
const OPEN_ATTEMPTS: usize = 4;

/// The DataNode's replicas on its volumes. Send + Sync; share it in an `Arc`.
pub struct BlockStore {
    inner: Arc<StoreInner>,
}

/// The state shared by the store and its writers.
pub(super) struct StoreInner {
    pub volumes: Vec<Volume>,
    bytes_per_checksum: u32,
    datanode_uuid: String,
    state: Mutex<StoreState>,
    /// Serializes `set_cluster` (which rewrites VERSION files) without the map lock.
    binding: Mutex<()>,
    next_volume: AtomicUsize,
}

struct StoreState {
    cluster_id: Option<String>,
    block_pool: Option<String>,
    replicas: HashMap<u64, Replica>,
    next_epoch: u64,
}

struct Replica {
    generation_stamp: u64,
    length: u64,
    state: ReplicaState,
    volume: usize,
    bytes_per_checksum: u32,
    /// Which writer (or loaded instance) owns the entry.
    epoch: u64,
}

/// A replica's entry and the paths of its files, copied out of the map.
pub(super) struct Located {
    pub info: ReplicaInfo,
    pub volume: usize,
    pub bytes_per_checksum: u32,
    pub epoch: u64,
    pub data: PathBuf,
    pub meta: PathBuf,
}

impl StoreState {
    fn new_epoch(&mut self) -> u64 {
        self.next_epoch += 1;
        self.next_epoch
    }
}

impl StoreInner {
    fn state(&self) -> MutexGuard<'_, StoreState> {
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

    fn locate(&self, block_id: u64) -> Result<Located, StorageError> {
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
            data,
            meta,
        }
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

    /// Makes an rbw replica readable up to `length`.
    pub fn publish_length(
        &self,
        block_id: u64,
        epoch: u64,
        length: u64,
    ) -> Result<(), StorageError> {
        self.update_owned(block_id, epoch, |replica| replica.length = length)
    }

    /// Records that the writer of `epoch` moved the replica into finalized/.
    pub fn mark_finalized(
        &self,
        block_id: u64,
        epoch: u64,
        length: u64,
    ) -> Result<(), StorageError> {
        self.update_owned(block_id, epoch, |replica| {
            replica.length = length;
            replica.state = ReplicaState::Finalized;
        })
    }

    /// Removes the entry if the writer of `epoch` still owns it.
    pub fn forget_owned(&self, block_id: u64, epoch: u64) -> bool {
        let mut state = self.state();
        let owned = state
            .replicas
            .get(&block_id)
            .is_some_and(|replica| replica.epoch == epoch);
        if owned {
            state.replicas.remove(&block_id);
        }
        owned
    }

    /// The volume with the most free space; round-robin among volumes within
    /// 1% of it (volumes sharing a file system always tie).
    fn choose_volume(&self) -> usize {
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

impl Replica {
    fn info(&self, block_id: u64) -> ReplicaInfo {
        ReplicaInfo {
            block_id,
            generation_stamp: self.generation_stamp,
            length: self.length,
            state: self.state,
        }
    }
}

impl BlockStore {
    /// Opens (creating if needed) every volume, locks it, loads or creates
    /// VERSION (one random datanodeUuid shared by all volumes; no clusterID
    /// until `set_cluster`), and loads the replicas already on disk: finalized
    /// ones by their meta header, rbw ones cut to their longest valid prefix;
    /// anything inconsistent is renamed aside (`.corrupt`) and logged.
    pub fn open(data_dirs: &[PathBuf], bytes_per_checksum: u32) -> Result<Self, StorageError> {
        if data_dirs.is_empty() {
            return Err(StorageError::InvalidArgument(
                "dfs.datanode.data.dir lists no directory".into(),
            ));
        }
        if bytes_per_checksum == 0 {
            return Err(StorageError::InvalidArgument(
                "bytes per checksum must be positive".into(),
            ));
        }
        let mut volumes = Vec::new();
        for dir in data_dirs {
            volumes.push(Volume::lock(dir)?);
        }
        let identity = load_identity(&volumes)?;
        let mut pools = BTreeSet::new();
        for volume in &volumes {
            pools.extend(volume.block_pools()?);
        }
        if pools.len() > 1 {
            return Err(StorageError::InvalidArgument(format!(
                "the data dirs hold several block pools ({}); a Tusk DataNode serves one",
                pools.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        let block_pool = pools.pop_first();
        let mut replicas = HashMap::new();
        let mut next_epoch = 0;
        if let Some(pool) = &block_pool {
            for volume in &volumes {
                volume.create_pool_dirs(pool)?;
            }
            for (block_id, found) in scan::scan_volumes(&volumes, pool)? {
                next_epoch += 1;
                let info = found.info;
                replicas.insert(
                    block_id,
                    Replica {
                        generation_stamp: info.generation_stamp,
                        length: info.length,
                        state: info.state,
                        volume: found.volume,
                        bytes_per_checksum: found.bytes_per_checksum,
                        epoch: next_epoch,
                    },
                );
            }
        }
        info!(
            volumes = volumes.len(),
            replicas = replicas.len(),
            datanode_uuid = %identity.datanode_uuid,
            block_pool = block_pool.as_deref().unwrap_or(""),
            "opened block store"
        );
        let state = StoreState {
            cluster_id: identity.cluster_id,
            block_pool,
            replicas,
            next_epoch,
        };
        let inner = StoreInner {
            volumes,
            bytes_per_checksum,
            datanode_uuid: identity.datanode_uuid,
            state: Mutex::new(state),
            binding: Mutex::new(()),
            next_volume: AtomicUsize::new(0),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The DataNode's permanent identity, shared by all its volumes.
    pub fn datanode_uuid(&self) -> String {
        self.inner.datanode_uuid.clone()
    }

    /// The cluster the volumes belong to; None until the first registration.
    pub fn cluster_id(&self) -> Option<String> {
        self.inner.state().cluster_id.clone()
    }

    /// Binds the store to the NameNode's cluster and block pool at
    /// registration: writes clusterID into every VERSION and creates the block
    /// pool dirs. A volume bound to another cluster is
    /// `IncompatibleClusterId`.
    pub fn set_cluster(&self, cluster_id: &str, block_pool_id: &str) -> Result<(), StorageError> {
        if cluster_id.is_empty() || block_pool_id.is_empty() || block_pool_id.contains('/') {
            return Err(StorageError::InvalidArgument(format!(
                "invalid cluster {cluster_id:?} or block pool {block_pool_id:?}"
            )));
        }
        let _binding = self
            .inner
            .binding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut versions = Vec::new();
        for volume in &self.inner.volumes {
            let version = volume.read_version()?;
            if let Some(existing) = version
                .as_ref()
                .and_then(|version| version.cluster_id.as_deref())
                && existing != cluster_id
            {
                return Err(StorageError::IncompatibleClusterId {
                    dir: volume.root.clone(),
                    namenode: cluster_id.to_string(),
                    datanode: existing.to_string(),
                });
            }
            versions.push(version);
        }
        if let Some(existing) = self.inner.state().block_pool.clone()
            && existing != block_pool_id
        {
            return Err(StorageError::IncompatibleBlockPool {
                dir: self.inner.volumes[0].root.clone(),
                namenode: block_pool_id.to_string(),
                datanode: existing,
            });
        }
        let wanted = VersionFile {
            datanode_uuid: self.inner.datanode_uuid.clone(),
            cluster_id: Some(cluster_id.to_string()),
        };
        for (volume, version) in self.inner.volumes.iter().zip(versions) {
            if version.as_ref() != Some(&wanted) {
                volume.write_version(&wanted)?;
            }
            volume.create_pool_dirs(block_pool_id)?;
        }
        let mut state = self.inner.state();
        state.cluster_id = Some(cluster_id.to_string());
        state.block_pool = Some(block_pool_id.to_string());
        Ok(())
    }

    /// Starts a new replica being written, on the volume with the most free
    /// space. `ReplicaAlreadyExists` if any replica of the block id is here.
    pub fn create_rbw(&self, block: BlockKey) -> Result<ReplicaWriter, StorageError> {
        let volume = self.inner.choose_volume();
        let (pool, epoch) = {
            let mut state = self.inner.state();
            let pool = state.block_pool.clone().ok_or(StorageError::NoBlockPool)?;
            if let Some(existing) = state.replicas.get(&block.id) {
                return Err(StorageError::ReplicaAlreadyExists {
                    block_id: block.id,
                    generation_stamp: existing.generation_stamp,
                    state: existing.state,
                });
            }
            let epoch = state.new_epoch();
            let replica = Replica {
                generation_stamp: block.generation_stamp,
                length: 0,
                state: ReplicaState::Rbw,
                volume,
                bytes_per_checksum: self.inner.bytes_per_checksum,
                epoch,
            };
            state.replicas.insert(block.id, replica);
            (pool, epoch)
        };
        let (data_path, meta_path) =
            self.inner
                .replica_paths(&pool, volume, block, ReplicaState::Rbw);
        let files = create_replica_files(
            &self.inner.volumes[volume].root,
            &data_path,
            &meta_path,
            self.inner.bytes_per_checksum,
        );
        let (data, meta) = match files {
            Ok(files) => files,
            Err(err) => {
                self.inner.forget_owned(block.id, epoch);
                return Err(err);
            }
        };
        let located = Located {
            info: ReplicaInfo {
                block_id: block.id,
                generation_stamp: block.generation_stamp,
                length: 0,
                state: ReplicaState::Rbw,
            },
            volume,
            bytes_per_checksum: self.inner.bytes_per_checksum,
            epoch,
            data: data_path,
            meta: meta_path,
        };
        Ok(ReplicaWriter::new(
            Arc::clone(&self.inner),
            located,
            data,
            meta,
            BlockHasher::default(),
        ))
    }

    /// Pipeline recovery or append: takes the rbw replica of `block_id` over
    /// (its generation stamp must be <= `new_generation_stamp`), cuts it to
    /// `bytes_acked` if it is longer, renames its meta file to the new stamp,
    /// and returns a writer positioned at the resulting length. Any earlier
    /// writer of the replica is superseded.
    pub fn recover_rbw(
        &self,
        block_id: u64,
        new_generation_stamp: u64,
        bytes_acked: u64,
    ) -> Result<ReplicaWriter, StorageError> {
        let mut located = {
            let mut state = self.inner.state();
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
            // Readers must not read past the cut from now on.
            replica.length = replica.length.min(bytes_acked);
            replica.epoch = epoch;
            self.inner.located(&pool, block_id, replica)
        };
        let open = |path: &Path| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|err| open_error(block_id, path, err))
        };
        let (data, meta) = (open(&located.data)?, open(&located.meta)?);
        let hasher = cut_rbw(
            &self.inner.volumes[located.volume].root,
            &located,
            &data,
            &meta,
        )?;
        let old_meta = located.meta.clone();
        if located.info.generation_stamp != new_generation_stamp {
            located
                .meta
                .set_file_name(volume::meta_file_name(block_id, new_generation_stamp));
            fs::rename(&old_meta, &located.meta).map_err(io_error(format!(
                "cannot rename {} to {}",
                old_meta.display(),
                located.meta.display()
            )))?;
            let dir = located.meta.parent().unwrap_or(Path::new("."));
            volume::sync_dir(dir).map_err(io_error(format!("cannot sync {}", dir.display())))?;
        }
        self.inner
            .update_owned(block_id, located.epoch, |replica| {
                replica.generation_stamp = new_generation_stamp
            })?;
        located.info.generation_stamp = new_generation_stamp;
        info!(
            block_id,
            generation_stamp = new_generation_stamp,
            length = located.info.length,
            "recovered rbw replica"
        );
        Ok(ReplicaWriter::new(
            Arc::clone(&self.inner),
            located,
            data,
            meta,
            hasher,
        ))
    }

    /// A reader of the replica of `block_id`, finalized or being written
    /// (readable up to its length now), whose generation stamp is at least
    /// `min_generation_stamp`.
    pub fn open_replica(
        &self,
        block_id: u64,
        min_generation_stamp: u64,
    ) -> Result<ReplicaReader, StorageError> {
        let (located, data, meta) = self.open_files(block_id)?;
        if located.info.generation_stamp < min_generation_stamp {
            return Err(StorageError::GenerationStamp {
                block_id,
                replica: located.info.generation_stamp,
                requested: min_generation_stamp,
                operation: "a read needs at least",
            });
        }
        ReplicaReader::new(located, data, meta)
    }

    /// Removes a replica's files, whatever its state. Ok(false) if there was none.
    pub fn delete(&self, block_id: u64) -> Result<bool, StorageError> {
        let Some(located) = self.take(block_id)? else {
            return Ok(false);
        };
        for path in [&located.data, &located.meta] {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(io_error(format!("cannot delete {}", path.display()))(err)),
            }
        }
        info!(block_id, "deleted replica");
        Ok(true)
    }

    /// Every replica, for full block reports.
    pub fn replicas(&self) -> Vec<ReplicaInfo> {
        let state = self.inner.state();
        state
            .replicas
            .iter()
            .map(|(block_id, replica)| replica.info(*block_id))
            .collect()
    }

    /// One replica, if it is here.
    pub fn replica(&self, block_id: u64) -> Option<ReplicaInfo> {
        self.inner
            .state()
            .replicas
            .get(&block_id)
            .map(|replica| replica.info(block_id))
    }

    /// Capacity and remaining space (statvfs of each volume) and the bytes
    /// replicas use (data + meta). A volume whose file system cannot be
    /// queried counts as failed.
    pub fn usage(&self) -> StorageUsage {
        let dfs_used = {
            let state = self.inner.state();
            let replica_bytes = |replica: &Replica| {
                replica.length + meta::meta_file_len(replica.length, replica.bytes_per_checksum)
            };
            state.replicas.values().map(replica_bytes).sum()
        };
        let mut usage = StorageUsage {
            dfs_used,
            ..StorageUsage::default()
        };
        for volume in &self.inner.volumes {
            match volume.space() {
                Ok((capacity, remaining)) => {
                    usage.capacity += capacity;
                    usage.remaining += remaining;
                }
                Err(err) => {
                    warn!(volume = %volume.root.display(), error = %err, "cannot query volume space");
                    usage.failed_volumes += 1;
                }
            }
        }
        usage
    }

    /// The MD5 and SHA-1 recorded when the replica was finalized.
    pub fn digests(&self, block_id: u64) -> Result<([u8; 16], [u8; 20]), StorageError> {
        let (located, _data, meta) = self.open_files(block_id)?;
        if located.info.state != ReplicaState::Finalized {
            return Err(StorageError::WrongState {
                block_id,
                state: located.info.state,
                needed: ReplicaState::Finalized,
                operation: "digests",
            });
        }
        let header = MetaHeader::read(&meta, &located.meta)?;
        let digests = header.digests.ok_or_else(|| StorageError::Malformed {
            path: located.meta.clone(),
            reason: "finalized replica without digests".into(),
        })?;
        Ok((digests.md5, digests.sha1))
    }

    /// Re-reads a replica: every chunk against its CRC, then (finalized) the
    /// MD5 and SHA-1 against the header. `throttle` gets each run's byte count
    /// before the run is read.
    pub fn verify(
        &self,
        block_id: u64,
        throttle: &mut dyn FnMut(u64),
    ) -> Result<VerifyOutcome, StorageError> {
        match self.open_files(block_id) {
            Ok((located, data, meta)) => reader::verify(&located, &data, &meta, throttle),
            Err(StorageError::MissingFile { path, .. }) => Ok(VerifyOutcome::Corrupt(format!(
                "{} is missing",
                path.display()
            ))),
            Err(err) => Err(err),
        }
    }

    /// Renames a corrupt replica's files aside (`.corrupt`) and forgets it.
    pub fn quarantine(&self, block_id: u64) -> Result<(), StorageError> {
        let located = self
            .take(block_id)?
            .ok_or(StorageError::ReplicaNotFound(block_id))?;
        for path in [&located.data, &located.meta] {
            match volume::set_aside(path) {
                Ok(aside) => {
                    warn!(block_id, file = %aside.display(), "quarantined corrupt replica file")
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(io_error(format!("cannot set {} aside", path.display()))(
                        err,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Removes a replica from the map, returning where its files are.
    fn take(&self, block_id: u64) -> Result<Option<Located>, StorageError> {
        let mut state = self.inner.state();
        let Some(replica) = state.replicas.remove(&block_id) else {
            return Ok(None);
        };
        let pool = state
            .block_pool
            .as_deref()
            .ok_or(StorageError::NoBlockPool)?;
        Ok(Some(self.inner.located(pool, block_id, &replica)))
    }

    /// Opens a replica's data and meta files, looking it up again if a
    /// finalize or recovery moved them in between.
    fn open_files(&self, block_id: u64) -> Result<(Located, File, File), StorageError> {
        let mut located = self.inner.locate(block_id)?;
        for _ in 0..OPEN_ATTEMPTS {
            let opened = File::open(&located.data)
                .map_err(|err| (located.data.clone(), err))
                .and_then(|data| {
                    File::open(&located.meta)
                        .map(|meta| (data, meta))
                        .map_err(|err| (located.meta.clone(), err))
                });
            match opened {
                Ok((data, meta)) => return Ok((located, data, meta)),
                Err((path, err)) if err.kind() == io::ErrorKind::NotFound => {
                    let again = self.inner.locate(block_id)?;
                    if (&again.data, &again.meta) == (&located.data, &located.meta) {
                        return Err(StorageError::MissingFile { block_id, path });
                    }
                    located = again;
                }
                Err((path, err)) => return Err(open_error(block_id, &path, err)),
            }
        }
        Err(StorageError::Superseded(block_id))
    }
}

/// The VERSION identity shared by all volumes; fresh volumes get it written.
fn load_identity(volumes: &[Volume]) -> Result<VersionFile, StorageError> {
    let mut versions = Vec::new();
    for volume in volumes {
        versions.push(volume.read_version()?);
    }
    let mut identity: Option<(VersionFile, &Path)> = None;
    for (volume, version) in volumes.iter().zip(&versions) {
        let Some(version) = version else { continue };
        let Some((known, known_dir)) = &mut identity else {
            identity = Some((version.clone(), &volume.root));
            continue;
        };
        let differs = |what: &str, mine: &str, theirs: &str| {
            StorageError::InvalidArgument(format!(
                "{} has {what} {mine} but {} has {theirs}: the data dirs belong to different DataNodes",
                volume.root.display(),
                known_dir.display()
            ))
        };
        if version.datanode_uuid != known.datanode_uuid {
            return Err(differs(
                "datanodeUuid",
                &version.datanode_uuid,
                &known.datanode_uuid,
            ));
        }
        match (&version.cluster_id, &known.cluster_id) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                return Err(differs("clusterID", mine, theirs));
            }
            (Some(mine), None) => known.cluster_id = Some(mine.clone()),
            _ => {}
        }
    }
    let identity = match identity {
        Some((identity, _)) => identity,
        None => VersionFile {
            datanode_uuid: volume::random_uuid(),
            cluster_id: None,
        },
    };
    for (volume, version) in volumes.iter().zip(versions) {
        if version.as_ref() != Some(&identity) {
            volume.write_version(&identity)?;
        }
    }
    Ok(identity)
}

/// Creates the meta file (header only) and the empty data file of a new rbw replica.
fn create_replica_files(
    volume_root: &Path,
    data: &Path,
    meta: &Path,
    bytes_per_checksum: u32,
) -> Result<(File, File), StorageError> {
    let create = |path: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(write_error(volume_root, path))
    };
    let meta_file = create(meta)?;
    let header = MetaHeader::new(bytes_per_checksum).encode();
    let data_file = meta_file
        .write_all_at(&header, 0)
        .map_err(write_error(volume_root, meta))
        .and_then(|()| create(data));
    match data_file {
        Ok(data_file) => Ok((data_file, meta_file)),
        Err(err) => {
            if let Err(remove) = fs::remove_file(meta) {
                warn!(file = %meta.display(), error = %remove, "cannot remove the meta file of a failed create");
            }
            Err(err)
        }
    }
}

/// Cuts a recovered rbw replica's files to `located.info.length` (fixing the
/// CRC of a now-partial last chunk) and hashes the remaining prefix.
fn cut_rbw(
    volume_root: &Path,
    located: &Located,
    data: &File,
    meta: &File,
) -> Result<BlockHasher, StorageError> {
    let header = MetaHeader::read(meta, &located.meta)?;
    let bytes_per_checksum = header.bytes_per_checksum;
    let length = located.info.length;
    let file_len = |file: &File, path: &Path| {
        file.metadata()
            .map(|metadata| metadata.len())
            .map_err(io_error(format!("cannot stat {}", path.display())))
    };
    let data_len = file_len(data, &located.data)?;
    let meta_len = file_len(meta, &located.meta)?;
    let meta_wanted = meta::meta_file_len(length, bytes_per_checksum);
    if data_len < length || meta_len < meta_wanted {
        return Err(StorageError::Malformed {
            path: located.data.clone(),
            reason: format!(
                "{data_len} data and {meta_len} meta bytes are too few for a replica of {length} bytes"
            ),
        });
    }
    if data_len > length {
        data.set_len(length)
            .map_err(write_error(volume_root, &located.data))?;
        let partial = length % u64::from(bytes_per_checksum);
        if partial != 0 {
            let last_start = length - partial;
            let mut chunk = vec![0u8; partial as usize];
            data.read_exact_at(&mut chunk, last_start)
                .map_err(io_error(format!("cannot read {}", located.data.display())))?;
            let crc = crc32c::crc32c(&chunk).to_be_bytes();
            let crc_at = meta::crc_offset(last_start / u64::from(bytes_per_checksum));
            meta.write_all_at(&crc, crc_at)
                .map_err(write_error(volume_root, &located.meta))?;
        }
    }
    if meta_len > meta_wanted {
        meta.set_len(meta_wanted)
            .map_err(write_error(volume_root, &located.meta))?;
    }
    BlockHasher::of_prefix(data, length, &located.data)
}

fn open_error(block_id: u64, path: &Path, err: io::Error) -> StorageError {
    if err.kind() == io::ErrorKind::NotFound {
        return StorageError::MissingFile {
            block_id,
            path: path.to_path_buf(),
        };
    }
    io_error(format!("cannot open {}", path.display()))(err)
}
