//! The NameNode: the namespace in memory, made durable by an fsimage and an
//! edit log, served to clients over gRPC (ClientProtocol) and HTTP, and the
//! SecondaryNameNode that checkpoints it.
//!
//! Inside, `namespace` and `placement` are the pure domain (inode tree, checks,
//! records; replica placement); `editlog`, `fsimage`, `storage`, `namesystem`
//! and `blockmanager` own state and I/O; `rpc`, `datanode_rpc`, `hadoop_ipc`
//! (Hadoop IPC beside gRPC on the RPC port) and `web` are thin adapters;
//! `server` runs it all. The modules are private: this facade
//! is what the command line, the mini-cluster, benchmarks and tests use.

mod audit;
mod blockmanager;
mod checkpoint;
mod config;
mod datanode_rpc;
mod editlog;
mod fsimage;
mod ha;
mod hadoop_ipc;
mod journalnode;
mod lease;
mod lease_recovery;
mod namespace;
mod namesystem;
mod retry_cache;
mod rpc;
mod safemode;
mod secondary;
mod server;
mod startup_progress;
mod storage;
mod trash_emptier;
mod web;
mod webhdfs;

mod placement;
mod qjournal;

pub use audit::{AUDIT_LOG_FILE, AuditLogConfig, CallerContextLimits};
pub use checkpoint::import::import_checkpoint;
pub use config::NameNodeConfig;
pub use editlog::terminate_on_journal_failure;
pub use ha::bootstrap;
pub use ha::{HaConfig, HaState};
pub use journalnode::{JOURNALNODE_NODE_NAME, JournalNode, JournalNodeConfig, JournalNodeError};
pub use namespace::{Block, Caller, CreateRequest, Limits, Namespace};
pub use namesystem::{Namesystem, NamesystemConfig};
pub use placement::additional_racks_required;
pub use qjournal::{
    QJM_NODE_NAME, QuorumError, QuorumJournal, QuorumUri, SharedEditsError, format_shared_edits,
    initialize_shared_edits,
};
pub use retry_cache::{RetryCache, RetryCacheConfig, RpcIds};
pub use secondary::{SecondaryConfig, SecondaryDaemon, SecondaryError, SecondaryNameNode};
pub use server::{NameNode, NameNodeError};
pub use storage::StorageError;

pub mod zkfc;

/// The on-disk formats, for the offline viewers (`hdfs oiv`, `hdfs oev`) and
/// for benchmarks that lay out name dirs without a running NameNode.
pub mod formats {
    pub use crate::editlog::record::{
        SegmentError, SegmentScan, encode, file_header, first_txid, read_segment,
    };
    pub use crate::fsimage::{ImageError, ImageReader, Md5Check, load, md5_path, save};
    pub use crate::storage::{LAYOUT_VERSION, NameDirs, finalized_segment_name};
}
