//! What can go wrong in the DistributedShell client and AM.

use common::RemoteException;
use common::yarn::InvalidId;

/// A DistributedShell failure, worded as Hadoop's client and AM print it.
#[derive(Debug, thiserror::Error)]
pub enum DistributedShellError {
    /// The command line is wrong; the caller prints the usage after it.
    #[error("{0}")]
    Usage(String),
    /// The AM's environment (set by the client, passed by the NodeManager)
    /// is missing or malformed.
    #[error("{0}")]
    Environment(String),
    #[error(transparent)]
    InvalidId(#[from] InvalidId),
    /// A call to the RM, a NodeManager or the DFS failed.
    #[error(transparent)]
    Remote(#[from] RemoteException),
    /// The script to run could not be read locally.
    #[error("cannot read {path}: {source}")]
    ReadScript {
        path: String,
        source: std::io::Error,
    },
    /// The script could not be created in the DFS.
    #[error("{path}: {source}")]
    UploadScript {
        path: String,
        source: RemoteException,
    },
    /// The client cannot name the program the AM container runs.
    #[error("cannot find this program: {0}")]
    CurrentExe(std::io::Error),
}
