//! `BlockStore`: the DataNode's replicas on its volumes.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, PoisonError};

use common::ids::{BlockId, DatanodeUuid, GenerationStamp};
use md5::{Digest, Md5};
use tracing::{debug, info, warn};

use super::meta::{self, DigestState, Digests, MetaHeader};
use super::reader::{self, Hashed, ReplicaReader};
use super::replica_map::{Located, Replica, StoreInner};
use super::volume::{self, VersionFile, Volume};
use super::writer::ReplicaWriter;
use super::{
    BlockKey, DigestOutcome, ReplicaInfo, ReplicaState, StorageError, StorageUsage, VerifyOutcome,
    VolumeReport, io_error, open_error, rbw, scan, write_error,
};

/// How often a reader looks a replica up again when its files moved under
/// it (a finalize or a recovery in between).
const OPEN_ATTEMPTS: usize = 4;

/// The DataNode's replicas on its volumes. Send + Sync; share it in an `Arc`.
/// A replica's MD5-of-CRCs ([`BlockStore::crc_md5`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrcMd5 {
    pub md5: [u8; 16],
    pub bytes_per_crc: u32,
    pub crc_count: u64,
}

pub struct BlockStore {
    inner: Arc<StoreInner>,
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
        let identity = volume::load_identity(&volumes)?;
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
        let mut found = HashMap::new();
        if let Some(pool) = &block_pool {
            for volume in &volumes {
                volume.create_pool_dirs(pool)?;
            }
            found = scan::scan_volumes(&volumes, pool)?;
        }
        info!(
            volumes = volumes.len(),
            replicas = found.len(),
            datanode_uuid = %identity.datanode_uuid,
            block_pool = block_pool.as_deref().unwrap_or(""),
            "opened block store"
        );
        let inner = StoreInner::new(volumes, bytes_per_checksum, identity, block_pool, found);
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The DataNode's permanent identity, shared by all its volumes.
    pub fn datanode_uuid(&self) -> DatanodeUuid {
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
        let bad_pool = matches!(block_pool_id, "" | "." | "..") || block_pool_id.contains('/');
        if cluster_id.is_empty() || bad_pool {
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
    /// space (round-robin among ties). `ReplicaAlreadyExists` if any replica
    /// of the block id is here.
    pub fn create_rbw(&self, block: BlockKey) -> Result<ReplicaWriter, StorageError> {
        rbw::create(&self.inner, block)
    }

    /// Pipeline recovery or append: takes the rbw replica of `block_id` over
    /// (its generation stamp must be <= `new_generation_stamp`), cuts it to
    /// `bytes_acked` if it is longer (never extends it), renames its meta file
    /// to the new stamp, and returns a writer positioned at the resulting
    /// length. Any earlier writer of the replica is superseded.
    pub fn recover_rbw(
        &self,
        block_id: BlockId,
        new_generation_stamp: GenerationStamp,
        bytes_acked: u64,
    ) -> Result<ReplicaWriter, StorageError> {
        rbw::recover(&self.inner, block_id.0, new_generation_stamp.0, bytes_acked)
    }

    /// Append: reopens the replica of `block_id`, which must hold `length`
    /// bytes with `bytes_per_checksum`, as rbw at `new_generation_stamp`
    /// (at most that stamp before), and returns a writer positioned at its
    /// end. A finalized replica moves back to `rbw/` and loses its digests
    /// (the digester records them again after the next finalize).
    pub fn append(
        &self,
        block_id: BlockId,
        new_generation_stamp: GenerationStamp,
        length: u64,
        bytes_per_checksum: u32,
    ) -> Result<ReplicaWriter, StorageError> {
        rbw::reopen(
            &self.inner,
            block_id.0,
            new_generation_stamp.0,
            length,
            bytes_per_checksum,
        )
    }

    /// Close recovery: the pipeline failed after the block's last packet was
    /// sent, so this replica must hold all `length` bytes. It ends finalized
    /// at `new_generation_stamp`, whether it was still being written or
    /// already finalized (its meta file is then renamed to the new stamp).
    pub fn recover_close(
        &self,
        block_id: BlockId,
        new_generation_stamp: GenerationStamp,
        length: u64,
    ) -> Result<ReplicaInfo, StorageError> {
        let (block_id, new_generation_stamp) = (block_id.0, new_generation_stamp.0);
        let located = self.inner.locate(block_id)?;
        let short = |had: u64| {
            StorageError::InvalidArgument(format!(
                "blk_{block_id}: close recovery needs {length} bytes, the replica has {had}"
            ))
        };
        if located.info.state == ReplicaState::Rbw {
            let writer = rbw::recover(&self.inner, block_id, new_generation_stamp, length)?;
            if writer.bytes_written() != length {
                return Err(short(writer.bytes_written()));
            }
            return writer.finalize();
        }
        let old_stamp = located.info.generation_stamp;
        if located.info.length != length {
            return Err(short(located.info.length));
        }
        if old_stamp > new_generation_stamp {
            return Err(StorageError::GenerationStamp {
                block_id,
                replica: old_stamp,
                requested: new_generation_stamp,
                operation: "close recovery needs at most",
            });
        }
        if old_stamp < new_generation_stamp {
            let renamed = located
                .meta
                .with_file_name(volume::meta_file_name(block_id, new_generation_stamp));
            fs::rename(&located.meta, &renamed).map_err(io_error(format!(
                "cannot rename {} to {}",
                located.meta.display(),
                renamed.display()
            )))?;
            let dir = renamed.parent().unwrap_or(Path::new("."));
            volume::sync_dir(dir).map_err(io_error(format!("cannot fsync {}", dir.display())))?;
            self.inner
                .restamp_finalized(block_id, old_stamp, new_generation_stamp)?;
        }
        info!(
            block_id,
            generation_stamp = new_generation_stamp,
            length,
            "close recovery"
        );
        Ok(ReplicaInfo {
            generation_stamp: new_generation_stamp,
            ..located.info
        })
    }

    /// Truncate recovery (HDFS-3107, in place): cuts the finalized replica
    /// of `block_id` to `new_length` and finalizes it again at
    /// `new_generation_stamp`. It goes the append's way back to rbw (links
    /// first, so a crash leaves the replica whole at one stamp or the
    /// other), is cut like a recovered rbw replica (data file, chunk CRCs,
    /// the CRC of a new partial last chunk, all fsynced at finalize), and
    /// its MD5 and SHA-1 are pending again: the digester re-reads the cut
    /// replica, checking its CRCs, and records them.
    pub fn truncate_finalized(
        &self,
        block_id: BlockId,
        new_generation_stamp: GenerationStamp,
        new_length: u64,
    ) -> Result<ReplicaInfo, StorageError> {
        let located = self.inner.locate(block_id.0)?;
        if located.info.state != ReplicaState::Finalized {
            return Err(StorageError::WrongState {
                block_id: block_id.0,
                state: located.info.state,
                needed: ReplicaState::Finalized,
                operation: "truncate",
            });
        }
        if located.info.length < new_length {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: cannot truncate a replica of {} bytes to {new_length}",
                located.info.length
            )));
        }
        let reopened = rbw::reopen(
            &self.inner,
            block_id.0,
            new_generation_stamp.0,
            located.info.length,
            located.bytes_per_checksum,
        )?;
        drop(reopened);
        let writer = rbw::recover(&self.inner, block_id.0, new_generation_stamp.0, new_length)?;
        debug_assert_eq!(writer.bytes_written(), new_length);
        let finalized = writer.finalize()?;
        info!(
            block_id = block_id.0,
            generation_stamp = new_generation_stamp.0,
            old_length = located.info.length,
            new_length,
            "truncated finalized replica"
        );
        Ok(finalized)
    }

    /// A reader of the replica of `block_id`, finalized or being written
    /// (readable up to its length now), whose generation stamp is at least
    /// `min_generation_stamp`.
    pub fn open_replica(
        &self,
        block_id: BlockId,
        min_generation_stamp: GenerationStamp,
    ) -> Result<ReplicaReader, StorageError> {
        let (block_id, min_generation_stamp) = (block_id.0, min_generation_stamp.0);
        let (located, data, meta) = self.open_files(block_id, false)?;
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
        let Some(located) = self.inner.take(block_id)? else {
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

    /// Each volume's space and the replicas it holds.
    pub fn volumes(&self) -> Vec<VolumeReport> {
        let mut reports: Vec<VolumeReport> = self
            .inner
            .volumes
            .iter()
            .map(|volume| VolumeReport {
                root: volume.root.clone(),
                ..VolumeReport::default()
            })
            .collect();
        {
            let state = self.inner.state();
            for replica in state.replicas.values() {
                if let Some(report) = reports.get_mut(replica.volume) {
                    report.replicas += 1;
                    report.dfs_used += replica.length
                        + meta::meta_file_len(replica.length, replica.bytes_per_checksum);
                }
            }
        }
        for (report, volume) in reports.iter_mut().zip(&self.inner.volumes) {
            match volume.space() {
                Ok((capacity, remaining)) => {
                    report.capacity = capacity;
                    report.remaining = remaining;
                }
                Err(_) => report.failed = true,
            }
        }
        reports
    }

    /// The block pool the volumes serve; None until the first registration.
    pub fn block_pool(&self) -> Option<String> {
        self.inner.state().block_pool.clone()
    }

    /// The MD5 and SHA-1 recorded for a finalized replica; None while the
    /// digester has yet to record them.
    pub fn digests(&self, block_id: u64) -> Result<Option<Digests>, StorageError> {
        let (located, _data, meta) = self.open_files(block_id, false)?;
        if located.info.state != ReplicaState::Finalized {
            return Err(StorageError::WrongState {
                block_id,
                state: located.info.state,
                needed: ReplicaState::Finalized,
                operation: "digests",
            });
        }
        match MetaHeader::read(&meta, &located.meta)?.digests {
            DigestState::Recorded(digests) => Ok(Some(digests)),
            DigestState::Pending => Ok(None),
            DigestState::Unset => Err(StorageError::Malformed {
                path: located.meta.clone(),
                reason: "finalized replica without digests".into(),
            }),
        }
    }

    /// Hadoop's block checksum of a finalized replica (MD5MD5CRC32C's inner
    /// part): the MD5 of its chunk CRCs as the meta file stores them (4 bytes
    /// big-endian each, the last one over a partial chunk), with the chunk
    /// size and count, so a file's checksum compares with a Hadoop cluster's.
    pub fn crc_md5(&self, block_id: u64) -> Result<CrcMd5, StorageError> {
        let (located, _data, meta) = self.open_files(block_id, false)?;
        let header = MetaHeader::read(&meta, &located.meta)?;
        let chunks = meta::chunk_count(located.info.length, header.bytes_per_checksum);
        let mut md5 = Md5::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut offset = meta::crc_offset(0);
        let mut left = chunks * meta::CRC_LEN;
        while left > 0 {
            let take = left.min(buffer.len() as u64) as usize;
            meta.read_exact_at(&mut buffer[..take], offset)
                .map_err(io_error(format!("cannot read {}", located.meta.display())))?;
            md5.update(&buffer[..take]);
            offset += take as u64;
            left -= take as u64;
        }
        Ok(CrcMd5 {
            md5: md5.finalize().into(),
            bytes_per_crc: header.bytes_per_checksum,
            crc_count: chunks,
        })
    }

    /// The digests of a finalized replica, computing and recording them now
    /// if they are pending (the digester's work, also done on demand for
    /// BLOCK_CHECKSUM). Computing re-reads the replica and checks every
    /// chunk's CRC; a mismatch (or a missing file) records nothing and is
    /// `Corrupt`. Setting `stop` ends the computation early with
    /// `Interrupted`.
    pub fn record_digests(
        &self,
        block_id: u64,
        stop: &AtomicBool,
    ) -> Result<DigestOutcome, StorageError> {
        let (located, data, meta) = match self.open_files(block_id, true) {
            Ok(opened) => opened,
            Err(StorageError::MissingFile { path, .. }) => {
                if let Ok(located) = self.inner.locate(block_id) {
                    self.inner.digests_settled(block_id, located.epoch);
                }
                return Ok(DigestOutcome::Corrupt(format!(
                    "{} is missing",
                    path.display()
                )));
            }
            Err(err) => return Err(err),
        };
        if located.info.state != ReplicaState::Finalized {
            return Err(StorageError::WrongState {
                block_id,
                state: located.info.state,
                needed: ReplicaState::Finalized,
                operation: "recording digests",
            });
        }
        let digests = match reader::digests(&located, &data, &meta, stop)? {
            Hashed::Recorded(digests) => digests,
            Hashed::Computed(digests) => {
                let volume_root = &self.inner.volumes[located.volume].root;
                // Under the map lock (a few bytes into the page cache): an
                // append reopening the replica meanwhile makes them wrong.
                self.inner
                    .while_current(block_id, located.epoch, || {
                        meta::write_digests(&meta, &digests)
                    })
                    .ok_or(StorageError::Superseded(block_id))?
                    .and_then(|()| meta.sync_data())
                    .map_err(write_error(volume_root, &located.meta))?;
                debug!(block_id, "recorded replica digests");
                digests
            }
            Hashed::Corrupt(_) if !self.is_current(block_id, located.epoch) => {
                // An append changed the replica under the digester.
                return Err(StorageError::Superseded(block_id));
            }
            Hashed::Corrupt(reason) => {
                self.inner.digests_settled(block_id, located.epoch);
                return Ok(DigestOutcome::Corrupt(reason));
            }
        };
        self.inner.digests_settled(block_id, located.epoch);
        Ok(DigestOutcome::Recorded(digests))
    }

    /// Whether writers drop their data from the page cache behind them
    /// (`dfs.datanode.drop.cache.behind.writes`; off until set).
    pub fn set_drop_cache_behind_writes(&self, on: bool) {
        self.inner.set_drop_cache_behind_writes(on);
    }

    /// Finalized replicas the digester has yet to hash: queued, or being
    /// hashed. A replica found corrupt no longer counts (its meta header
    /// still says pending, so a restart checks it again); one whose files
    /// cannot be read stays counted.
    pub fn pending_digests(&self) -> usize {
        self.inner.pending_digests()
    }

    /// For the digester: waits for the next finalized replica whose digests
    /// are pending; None once `stop` is set and [`BlockStore::wake_digester`]
    /// called.
    pub fn next_pending_digests(&self, stop: &AtomicBool) -> Option<u64> {
        self.inner.next_pending_digests(stop)
    }

    /// Wakes a digester waiting for work, to see its stop flag.
    pub fn wake_digester(&self) {
        self.inner.wake_digester();
    }

    /// Re-reads a replica: every chunk against its CRC, then (finalized) the
    /// MD5 and SHA-1 against the header if they are recorded yet. `throttle`
    /// gets each run's byte count before the run is read.
    pub fn verify(
        &self,
        block_id: u64,
        throttle: &mut dyn FnMut(u64),
    ) -> Result<VerifyOutcome, StorageError> {
        match self.open_files(block_id, false) {
            Ok((located, data, meta)) => match reader::verify(&located, &data, &meta, throttle)? {
                // An append changed the replica while it was read.
                VerifyOutcome::Corrupt(_) if !self.is_current(block_id, located.epoch) => {
                    Err(StorageError::Superseded(block_id))
                }
                outcome => Ok(outcome),
            },
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
            .inner
            .take(block_id)?
            .ok_or(StorageError::ReplicaNotFound(block_id))?;
        for path in [&located.data, &located.meta] {
            match common::durable::set_aside_corrupt(path) {
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

    /// Whether the replica of `block_id` is still the one of `epoch`.
    fn is_current(&self, block_id: u64, epoch: u64) -> bool {
        self.inner.while_current(block_id, epoch, || ()).is_some()
    }

    /// Opens a replica's data and meta files (the meta file writable when
    /// asked), looking it up again if a finalize or recovery moved them in
    /// between.
    fn open_files(
        &self,
        block_id: u64,
        writable_meta: bool,
    ) -> Result<(Located, File, File), StorageError> {
        let mut located = self.inner.locate(block_id)?;
        for _ in 0..OPEN_ATTEMPTS {
            let opened = File::open(&located.data)
                .map_err(|err| (located.data.clone(), err))
                .and_then(|data| {
                    OpenOptions::new()
                        .read(true)
                        .write(writable_meta)
                        .open(&located.meta)
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
