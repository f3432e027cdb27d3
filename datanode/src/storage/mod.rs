//! The DataNode's on-disk block store: volumes, replicas being written (rbw),
//! finalized replicas, their checksums and whole-replica digests.
//!
//! # Layout of one volume (`dfs.datanode.data.dir` may list several)
//!
//! ```text
//! <vol>/in_use.lock                      flock'd while a DataNode uses the volume
//! <vol>/current/VERSION                  datanodeUuid, clusterID, storageType, layoutVersion, cTime
//! <vol>/current/<pool>/rbw/blk_<id>                         replica data being written
//! <vol>/current/<pool>/rbw/blk_<id>_<gs>.meta               its checksums
//! <vol>/current/<pool>/finalized/subdir<A>/subdir<B>/blk_<id>        A = (id >> 16) & 0x1F
//! <vol>/current/<pool>/finalized/subdir<A>/subdir<B>/blk_<id>_<gs>.meta  B = (id >> 8) & 0x1F
//! ```
//!
//! `VERSION` is a Java properties file, rewritten as temp file + fsync + rename.
//!
//! # The `.meta` file (all integers big-endian)
//!
//! ```text
//! offset  size  field
//!      0     2  version = 1                       \
//!      2     1  checksum type = 2 (CRC32C)         > Hadoop's 7-byte header
//!      3     4  bytes per checksum (bpc)          /
//!      7     1  flags: 1 = digests, 2 = pending   \
//!      8    16  MD5 of the whole replica data      > Tusk extension, zeros until recorded
//!     24    20  SHA-1 of the whole replica data   /
//!     44   4*n  CRC32C of each chunk of bpc bytes (the last chunk may be partial)
//! ```
//!
//! Flags 2 (digests pending) marks a replica finalized (or being finalized)
//! whose digests are not recorded yet.
//!
//! Writing appends data and CRCs (disk space allocated ahead, writeback
//! started every few MiB); finalize sets the pending flag, fsyncs both files
//! and moves them into `finalized/`. The digester ([`crate::digester`]) then
//! re-reads the replica, checks every chunk's CRC while hashing it, and
//! records MD5 and SHA-1 (digests first, then the flag byte, then
//! fdatasync), so hashing stays off the write path. Until then the replica
//! is checked by its CRCs alone, and BLOCK_CHECKSUM computes its digests on
//! demand. On open, finalized replicas are trusted by their header and
//! lengths (the block scanner re-reads them later) and pending ones are
//! queued for the digester; rbw replicas are cut to their longest valid
//! prefix. Anything inconsistent is renamed aside with a `.corrupt` suffix
//! and logged, never deleted.

mod meta;
mod rbw;
mod reader;
mod replica_map;
mod scan;
mod store;
mod volume;
mod writer;

#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

pub use meta::Digests;
pub use reader::ReplicaReader;
pub use store::{BlockStore, CrcMd5};
pub use writer::ReplicaWriter;

/// (id, generation stamp) of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockKey {
    /// The block id the NameNode assigned.
    pub id: u64,
    /// Bumped by every pipeline recovery, so stale replicas can be told apart.
    pub generation_stamp: u64,
}

/// Where a replica is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Complete and checksummed (its digests recorded, or pending); its
    /// data never changes again.
    Finalized,
    /// Being written (or left behind by a writer that went away).
    Rbw,
}

/// What a block report says about one replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaInfo {
    /// The block id.
    pub block_id: u64,
    /// The replica's generation stamp.
    pub generation_stamp: u64,
    /// Bytes of data (for an rbw replica: bytes written so far).
    pub length: u64,
    /// Finalized or being written.
    pub state: ReplicaState,
}

/// Space figures for heartbeats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageUsage {
    /// Sum of the sizes of the file systems holding the volumes.
    pub capacity: u64,
    /// Bytes of replica data and meta files.
    pub dfs_used: u64,
    /// Sum of the space available to this process on each volume.
    pub remaining: u64,
    /// Volumes whose file system could not be queried.
    pub failed_volumes: u32,
}

/// One volume, as the DataNode's page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeReport {
    /// The volume's directory (an entry of `dfs.datanode.data.dir`).
    pub root: std::path::PathBuf,
    /// The size of its file system and the space left to this process; 0 when failed.
    pub capacity: u64,
    pub remaining: u64,
    /// Bytes of the replicas it holds (data + meta) and how many replicas.
    pub dfs_used: u64,
    pub replicas: usize,
    /// Its file system could not be queried.
    pub failed: bool,
}

/// The result of re-reading a replica.
#[derive(Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// Every chunk matches its CRC and (finalized, digests recorded) the
    /// digests match.
    Healthy,
    /// Why not: which chunk and offset, or which digest, mismatched.
    Corrupt(String),
}

/// A finalized replica's digests, recorded or computed on demand.
#[derive(Debug, PartialEq, Eq)]
pub enum DigestOutcome {
    /// The replica's MD5 and SHA-1, now recorded in its meta header.
    Recorded(Digests),
    /// The digests were pending and a chunk, a length or the header is
    /// wrong, or a file is missing: the replica is corrupt (nothing was
    /// recorded).
    Corrupt(String),
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An I/O error, with what was being done to which file.
    #[error("{context}: {source}")]
    Io {
        /// What failed, naming the file or directory.
        context: String,
        /// The OS error.
        source: io::Error,
    },
    /// A volume's file system is full.
    #[error("volume {} is full: cannot write {}", volume.display(), path.display())]
    DiskFull {
        /// The volume's root directory.
        volume: PathBuf,
        /// The file being written.
        path: PathBuf,
    },
    /// Another DataNode (or another store in this process) holds the volume.
    #[error("Cannot lock storage {}. The directory is already locked", dir.display())]
    AlreadyLocked {
        /// The volume's root directory.
        dir: PathBuf,
    },
    /// The volume belongs to another cluster (Hadoop's message).
    #[error(
        "Incompatible clusterIDs in {}: namenode clusterID = {namenode}; datanode clusterID = {datanode}",
        dir.display()
    )]
    IncompatibleClusterId {
        /// The volume's root directory.
        dir: PathBuf,
        /// The clusterID the NameNode sent.
        namenode: String,
        /// The clusterID in the volume's VERSION.
        datanode: String,
    },
    /// The volume holds another block pool than the NameNode's.
    #[error(
        "Incompatible block pools in {}: namenode block pool = {namenode}; datanode block pool = {datanode}",
        dir.display()
    )]
    IncompatibleBlockPool {
        /// The volume's root directory.
        dir: PathBuf,
        /// The block pool the NameNode sent.
        namenode: String,
        /// The block pool found on disk.
        datanode: String,
    },
    /// A file on disk is malformed (VERSION, a meta header, ...).
    #[error("{}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A known replica's file is not there.
    #[error("replica blk_{block_id}: {} is missing", path.display())]
    MissingFile {
        /// The block id.
        block_id: u64,
        /// The missing file.
        path: PathBuf,
    },
    /// `create_rbw` of a block that already has a replica here.
    #[error(
        "replica blk_{block_id} already exists ({state:?}, generation stamp {generation_stamp})"
    )]
    ReplicaAlreadyExists {
        /// The block id.
        block_id: u64,
        /// The existing replica's generation stamp.
        generation_stamp: u64,
        /// The existing replica's state.
        state: ReplicaState,
    },
    /// No replica of that block here.
    #[error("replica blk_{0} not found")]
    ReplicaNotFound(u64),
    /// The replica is not in the state the operation needs.
    #[error("replica blk_{block_id} is {state:?}: {operation} needs {needed:?}")]
    WrongState {
        /// The block id.
        block_id: u64,
        /// The replica's state.
        state: ReplicaState,
        /// The state the operation needs.
        needed: ReplicaState,
        /// What was attempted.
        operation: &'static str,
    },
    /// The replica's generation stamp is not acceptable for the operation.
    #[error(
        "replica blk_{block_id} has generation stamp {replica}, {operation} asked for {requested}"
    )]
    GenerationStamp {
        /// The block id.
        block_id: u64,
        /// The replica's generation stamp.
        replica: u64,
        /// The generation stamp in the request.
        requested: u64,
        /// What was asked (e.g. "a read of at least").
        operation: &'static str,
    },
    /// The replica was deleted, finalized or taken over by another writer.
    #[error("replica blk_{0} was deleted or taken over by another writer")]
    Superseded(u64),
    /// The work on the replica stopped because its caller is stopping.
    #[error("replica blk_{0}: stopped before the work on it was done")]
    Interrupted(u64),
    /// No block pool yet: the DataNode has not registered with a NameNode.
    #[error("no block pool: the DataNode has not registered with a NameNode yet")]
    NoBlockPool,
    /// A caller broke the API's contract (bad offset, checksum count, ...).
    #[error("{0}")]
    InvalidArgument(String),
}

/// Wraps an I/O error with what was being done.
fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> StorageError {
    let context = context.into();
    move |source| StorageError::Io { context, source }
}

/// Wraps an error from writing `path` on `volume`; a full disk gets its own variant.
fn write_error(volume: &Path, path: &Path) -> impl FnOnce(io::Error) -> StorageError {
    let volume = volume.to_path_buf();
    let path = path.to_path_buf();
    move |source| match source.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => StorageError::DiskFull { volume, path },
        _ => StorageError::Io {
            context: format!("cannot write {}", path.display()),
            source,
        },
    }
}

/// Wraps an error from opening a replica's file; a missing file gets its own variant.
fn open_error(block_id: u64, path: &Path, err: io::Error) -> StorageError {
    if err.kind() == io::ErrorKind::NotFound {
        return StorageError::MissingFile {
            block_id,
            path: path.to_path_buf(),
        };
    }
    io_error(format!("cannot open {}", path.display()))(err)
}
