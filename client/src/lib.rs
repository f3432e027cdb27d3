//! The DFS client: typed, async access to a NameNode for tools and applications.
//!
//! Errors are [`RemoteException`]s whose message reads after a command name
//! (`mkdir: '/a/b': No such file or directory`); an unreachable NameNode is an
//! I/O error saying so. [`webhdfs::WebHdfsClient`] makes the same calls over
//! WebHDFS (`webhdfs://`).

mod dfs;
pub mod fs;
pub(crate) mod read;
mod replace_datanode;
mod status;
pub mod trash;
pub mod webhdfs;
mod write;
pub mod yarn;

pub use dfs::{
    CreateOptions, DfsClient, LEASE_RENEW_INTERVAL_KEY, SafeModeAction, VERIFY_BLOCK_DIGESTS_KEY,
};
pub use read::{FileChecksum, FileReader};
pub use replace_datanode::{ReplaceDatanodeOnFailure, ReplacePolicy};
pub use status::{ContentSummary, FileStatus, FsStats, QuotaUsage, ServerDefaults};
pub use write::FileWriter;

pub use common::RemoteException;

/// Result of a client call.
pub type Result<T> = std::result::Result<T, RemoteException>;
