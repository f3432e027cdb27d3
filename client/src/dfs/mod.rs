//! [`DfsClient`]: one gRPC channel to the NameNode, shared by clones.
//!
//! Its methods are grouped by who needs them: [`fs`] is the file-system API
//! of users and tools, [`pipeline`] the calls the readers and writers of
//! block data make, [`admin`] what `hdfs dfsadmin` asks.

use std::sync::atomic::{AtomicU64, Ordering};

use common::conf::keys;
use common::faults::{self, Channel};
use common::{Configuration, FsPermission, RemoteException};
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use tonic::transport::Endpoint;

use crate::Result;

/// Calls the ClientProtocol method `$method` with `$message` as the
/// client's user: the reply's message, or the NameNode's RemoteException.
macro_rules! call {
    ($client:expr, $method:ident, $message:expr) => {
        $client
            .rpc
            .clone()
            .$method($client.request($message))
            .await
            .map(tonic::Response::into_inner)
            .map_err(from_status)
    };
}

mod admin;
mod fs;
mod pipeline;

pub use admin::SafeModeAction;

/// Whether readers check a whole block's MD5 and SHA-1 (on by default;
/// per-chunk CRC32C is always checked). Tusk's own key.
pub const VERIFY_BLOCK_DIGESTS_KEY: &str = keys::DFS_CLIENT_READ_VERIFY_BLOCK_DIGESTS;
/// How often a client writing files renews its leases (HDFS's LeaseRenewer
/// renews at half the 60 s soft limit). Milliseconds.
pub const LEASE_RENEW_INTERVAL_KEY: &str = keys::DFS_CLIENT_LEASE_RENEW_INTERVAL_MS;

const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

const DEFAULT_LEASE_RENEW_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// How to create a file.
#[derive(Clone, Debug)]
pub struct CreateOptions {
    pub permission: FsPermission,
    pub overwrite: bool,
    pub create_parent: bool,
    pub replication: u16,
    pub block_size: u64,
}

/// A client of one NameNode. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct DfsClient {
    rpc: ClientProtocolClient<Channel>,
    authority: String,
    user: String,
    client_name: String,
    umask: FsPermission,
    verify_block_digests: bool,
    lease_renew_interval: std::time::Duration,
}

impl DfsClient {
    /// Connects (lazily) to the NameNode named by `fs.defaultFS`, as the
    /// current user (`HADOOP_USER_NAME` or the OS user). Must run inside a
    /// tokio runtime.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let default_fs = conf
            .get_string(keys::FS_DEFAULT_FS)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        let authority = namenode_authority(&default_fs)?;
        let umask = umask_from_conf(conf)?;
        let mut client = Self::connect(&authority, &common::user::current_user(), umask)?;
        client.verify_block_digests = conf
            .get_bool(VERIFY_BLOCK_DIGESTS_KEY)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        client.lease_renew_interval = conf
            .get_duration(
                LEASE_RENEW_INTERVAL_KEY,
                common::conf::TimeUnit::Milliseconds,
            )
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        Ok(client)
    }

    /// Connects (lazily) to `host:port` as `user`.
    pub fn connect(authority: &str, user: &str, umask: FsPermission) -> Result<Self> {
        let endpoint = Endpoint::from_shared(format!("http://{authority}"))
            .map_err(|error| {
                RemoteException::illegal_argument(format!(
                    "invalid NameNode address '{authority}': {error}"
                ))
            })?
            .tcp_nodelay(true);
        let rpc = ClientProtocolClient::new(faults::channel(faults::CLIENT, endpoint))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            rpc,
            authority: authority.to_string(),
            user: user.to_string(),
            client_name: new_client_name(),
            umask,
            verify_block_digests: true,
            lease_renew_interval: DEFAULT_LEASE_RENEW_INTERVAL,
        })
    }

    /// `host:port` of the NameNode.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The user this client acts as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The name this client holds leases under.
    pub fn client_name(&self) -> &str {
        &self.client_name
    }

    /// Whether readers check whole-block digests ([`VERIFY_BLOCK_DIGESTS_KEY`]).
    pub fn verify_block_digests(&self) -> bool {
        self.verify_block_digests
    }

    /// The umask applied to new files and directories (`fs.permissions.umask-mode`).
    pub fn umask(&self) -> FsPermission {
        self.umask
    }

    /// `hdfs://host:port`, the URI of this file system.
    pub fn uri(&self) -> String {
        format!("hdfs://{}", self.authority)
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(user) = self.user.parse() {
            request.metadata_mut().insert(proto::USER_METADATA, user);
        }
        request
    }
}

fn from_status(status: tonic::Status) -> RemoteException {
    RemoteException::from_status(&status)
}

/// `host:port` of the NameNode in an `hdfs://` URI (port 8020 when absent).
pub fn namenode_authority(uri: &str) -> Result<String> {
    common::conf::hdfs_authority(uri).ok_or_else(|| {
        RemoteException::illegal_argument(format!(
            "fs.defaultFS is '{uri}', not an hdfs:// URI (set it in core-site.xml or with -fs)"
        ))
    })
}

fn umask_from_conf(conf: &Configuration) -> Result<FsPermission> {
    let text = conf
        .get_string(keys::FS_PERMISSIONS_UMASK_MODE)
        .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
    FsPermission::from_octal(text.trim()).ok_or_else(|| {
        RemoteException::illegal_argument(format!(
            "invalid value for fs.permissions.umask-mode: '{text}' (expected an octal mode)"
        ))
    })
}

fn new_client_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    format!(
        "DFSClient_NONMAPREDUCE_{}_{}_{}",
        nanos,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_from_default_fs() {
        assert_eq!(namenode_authority("hdfs://nn:9000").unwrap(), "nn:9000");
        assert_eq!(namenode_authority("hdfs://nn").unwrap(), "nn:8020");
        assert_eq!(namenode_authority("hdfs://nn:9000/x").unwrap(), "nn:9000");
        assert!(namenode_authority("file:///").is_err());
        assert!(namenode_authority("hdfs:///x").is_err());
    }
}
