//! [`DfsClient`]: one gRPC channel to the NameNode, shared by clones, or for
//! a HA nameservice one per NameNode with failover between them ([`failover`]).
//!
//! Its methods are grouped by who needs them: [`fs`] is the file-system API
//! of users and tools, [`pipeline`] the calls the readers and writers of
//! block data make, [`admin`] what `hdfs dfsadmin` asks.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use common::conf::keys;
use common::faults::{self, Channel};
use common::{Configuration, FsPermission, RemoteException};
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Endpoint;
use tracing::info;

use crate::Result;

/// Calls the ClientProtocol method `$method` with `$message` as the
/// client's user: the reply's message, or the NameNode's RemoteException.
/// With `at_most_once` the call carries the client id and a new call id, so
/// a retry of it (the same ids) is answered from the NameNode's retry cache.
/// A client of one NameNode retries a refused connection as
/// [`ConnectRetry`] says; a client of a nameservice fails over and retries
/// (see [`failover`]).
macro_rules! call {
    ($client:expr, $method:ident, $message:expr) => {
        call!(@ $client, $method, $message, None)
    };
    ($client:expr, $method:ident, $message:expr, at_most_once) => {
        call!(@ $client, $method, $message, Some($client.next_call_id()))
    };
    (@ $client:expr, $method:ident, $message:expr, $call_id:expr) => {{
        let client = &$client;
        let call_id: Option<u32> = $call_id;
        let message = $message;
        let attempt = |mut rpc: proto::hdfs::client_protocol_client::ClientProtocolClient<
            common::faults::Channel,
        >| {
            let request = client.request(message.clone(), call_id);
            async move { rpc.$method(request).await.map(tonic::Response::into_inner) }
        };
        match &client.failover {
            None => client.invoke_retrying_connect(attempt).await,
            Some(failover) => failover.invoke(stringify!($method), attempt).await,
        }
    }};
}

mod admin;
pub mod failover;
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

/// A client of one NameNode, or of the NameNodes of a HA nameservice. Cheap
/// to clone; clones share the connections, the client id and its call ids.
#[derive(Clone)]
pub struct DfsClient {
    rpc: ClientProtocolClient<Channel>,
    /// The NameNodes of a HA nameservice; `None` for a single NameNode.
    failover: Option<Arc<failover::FailoverProxies>>,
    /// The 16-byte id of this client (hex), for the NameNode's retry cache.
    client_id: MetadataValue<Ascii>,
    next_call_id: Arc<AtomicU32>,
    authority: String,
    user: String,
    client_name: String,
    umask: FsPermission,
    verify_block_digests: bool,
    lease_renew_interval: std::time::Duration,
    connect_retry: ConnectRetry,
    replace_datanode: crate::ReplaceDatanodeOnFailure,
}

/// How a client of one NameNode retries a call whose connection was refused
/// (nothing was sent, so any call may be retried): Hadoop's
/// `RetryUpToMaximumCountWithFixedSleep` from `ipc.client.connect.max.retries`
/// and `ipc.client.connect.retry.interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectRetry {
    pub max_retries: u32,
    pub interval: Duration,
}

impl ConnectRetry {
    /// The policy of `conf` (Hadoop's defaults: 10 retries, 1 s apart).
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let conf_error =
            |error: common::conf::ConfError| RemoteException::illegal_argument(error.to_string());
        Ok(Self {
            max_retries: conf
                .get_u32(keys::IPC_CLIENT_CONNECT_MAX_RETRIES)
                .map_err(conf_error)?,
            interval: conf
                .get_duration(
                    keys::IPC_CLIENT_CONNECT_RETRY_INTERVAL,
                    common::conf::TimeUnit::Milliseconds,
                )
                .map_err(conf_error)?,
        })
    }
}

impl DfsClient {
    /// Connects (lazily) to the NameNode named by `fs.defaultFS`, as the
    /// current user (`HADOOP_USER_NAME` or the OS user): one NameNode, or
    /// every NameNode of a HA nameservice (`hdfs://mycluster`). Must run
    /// inside a tokio runtime.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let default_fs = conf
            .get_string(keys::FS_DEFAULT_FS)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        Self::for_uri(conf, &default_fs)
    }

    /// [`DfsClient::from_conf`] for the file system `hdfs://<authority>` of `uri`
    /// rather than `fs.defaultFS`: the client settings come from `conf` all the same.
    pub fn for_uri(conf: &Configuration, uri: &str) -> Result<Self> {
        let umask = umask_from_conf(conf)?;
        let user = common::user::current_user();
        let mut client = match ha_nameservice(conf, uri) {
            Some(nameservice) => Self::connect_nameservice(conf, &nameservice, &user, umask)?,
            None => Self::connect(&namenode_authority(uri)?, &user, umask)?,
        };
        client.verify_block_digests = conf
            .get_bool(VERIFY_BLOCK_DIGESTS_KEY)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        client.connect_retry = ConnectRetry::from_conf(conf)?;
        client.replace_datanode = crate::ReplaceDatanodeOnFailure::from_conf(conf)?;
        client.lease_renew_interval = conf
            .get_duration(
                LEASE_RENEW_INTERVAL_KEY,
                common::conf::TimeUnit::Milliseconds,
            )
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        Ok(client)
    }

    /// Connects (lazily) to `host:port` as `user`. A refused connection
    /// fails the call at once ([`DfsClient::from_conf`] retries as the conf says).
    pub fn connect(authority: &str, user: &str, umask: FsPermission) -> Result<Self> {
        Ok(Self::with_rpc(
            rpc_client(authority)?,
            None,
            authority,
            user,
            umask,
        ))
    }

    /// Connects (lazily) to every NameNode of the HA nameservice
    /// `nameservice` as `user`; calls fail over between them with the
    /// `dfs.client.failover.*` policy of `conf`. The conf error naming the
    /// key when the nameservice lacks one.
    pub fn connect_nameservice(
        conf: &Configuration,
        nameservice: &str,
        user: &str,
        umask: FsPermission,
    ) -> Result<Self> {
        failover::check_proxy_provider(conf, nameservice)?;
        let namenodes = conf
            .nameservice(nameservice)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        let policy = failover::FailoverPolicy::from_conf(conf)?;
        let ping = conf
            .get_duration(
                keys::IPC_PING_INTERVAL,
                common::conf::TimeUnit::Milliseconds,
            )
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        let proxies = failover::FailoverProxies::new(&namenodes, policy, |authority| {
            pinged_rpc_client(authority, ping)
        })?;
        let first = proxies.first().clone();
        Ok(Self::with_rpc(
            first,
            Some(Arc::new(proxies)),
            nameservice,
            user,
            umask,
        ))
    }

    fn with_rpc(
        rpc: ClientProtocolClient<Channel>,
        failover: Option<Arc<failover::FailoverProxies>>,
        authority: &str,
        user: &str,
        umask: FsPermission,
    ) -> Self {
        Self {
            rpc,
            failover,
            client_id: new_client_id(),
            next_call_id: Arc::new(AtomicU32::new(0)),
            authority: authority.to_string(),
            user: user.to_string(),
            client_name: new_client_name(),
            umask,
            verify_block_digests: true,
            lease_renew_interval: DEFAULT_LEASE_RENEW_INTERVAL,
            connect_retry: ConnectRetry {
                max_retries: 0,
                interval: Duration::ZERO,
            },
            replace_datanode: crate::ReplaceDatanodeOnFailure::default(),
        }
    }

    /// Runs `attempt` on the NameNode, again after a pause while its
    /// connection is refused, up to the [`ConnectRetry`] policy; logs each
    /// retry as Hadoop's `ipc.Client` does.
    async fn invoke_retrying_connect<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut(ClientProtocolClient<Channel>) -> Fut,
        Fut: Future<Output = std::result::Result<T, tonic::Status>>,
    {
        let ConnectRetry {
            max_retries,
            interval,
        } = self.connect_retry;
        let mut tried = 0;
        loop {
            let status = match attempt(self.rpc.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(status) => status,
            };
            let refused = failover::is_network_error(&status)
                && common::net::is_connection_refused(status.message());
            if !refused || tried >= max_retries {
                return Err(from_status(status));
            }
            info!(
                "Retrying connect to server: {}. Already tried {tried} time(s); retry policy is \
                 RetryUpToMaximumCountWithFixedSleep(maxRetries={max_retries}, sleepTime={} \
                 MILLISECONDS)",
                self.authority,
                interval.as_millis()
            );
            tried += 1;
            tokio::time::sleep(interval).await;
        }
    }

    /// `host:port` of the NameNode, or the nameservice's name.
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

    /// When writers replace a DataNode their pipeline lost
    /// (`dfs.client.block.write.replace-datanode-on-failure.*`).
    pub fn replace_datanode(&self) -> crate::ReplaceDatanodeOnFailure {
        self.replace_datanode
    }

    /// The umask applied to new files and directories (`fs.permissions.umask-mode`).
    pub fn umask(&self) -> FsPermission {
        self.umask
    }

    /// `hdfs://host:port` (or `hdfs://nameservice`), the URI of this file system.
    pub fn uri(&self) -> String {
        format!("hdfs://{}", self.authority)
    }

    /// The id the NameNode's retry cache knows this client by: 16 bytes, in hex.
    pub fn client_id(&self) -> &str {
        self.client_id.to_str().unwrap_or_default()
    }

    /// A new call id for an at-most-once call; its retries reuse it.
    fn next_call_id(&self) -> u32 {
        self.next_call_id.fetch_add(1, Ordering::Relaxed)
    }

    fn request<T>(&self, message: T, call_id: Option<u32>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(user) = self.user.parse() {
            request.metadata_mut().insert(proto::USER_METADATA, user);
        }
        if let Some(call_id) = call_id {
            let metadata = request.metadata_mut();
            metadata.insert(proto::CLIENT_ID_METADATA, self.client_id.clone());
            metadata.insert(proto::CALL_ID_METADATA, MetadataValue::from(call_id));
        }
        request
    }
}

/// The HA nameservice an `hdfs://` URI names, if it names one.
fn ha_nameservice(conf: &Configuration, uri: &str) -> Option<String> {
    let host = uri.strip_prefix("hdfs://")?.split('/').next()?;
    conf.is_ha_nameservice(host).then(|| host.to_string())
}

/// A ClientProtocol client of `host:port`, connecting lazily.
fn rpc_client(authority: &str) -> Result<ClientProtocolClient<Channel>> {
    Ok(client_of(namenode_endpoint(authority)?))
}

/// [`rpc_client`] for a NameNode of a HA nameservice: while calls are in flight it is
/// pinged every `ping` and a NameNode that does not answer within `ping` fails them, so
/// they fail over. (A paused process's kernel still accepts connections: without pings a
/// call to it would wait forever; Hadoop's client pings every `ipc.ping.interval`.)
fn pinged_rpc_client(authority: &str, ping: Duration) -> Result<ClientProtocolClient<Channel>> {
    let endpoint = namenode_endpoint(authority)?
        .http2_keep_alive_interval(ping)
        .keep_alive_timeout(ping)
        .keep_alive_while_idle(false);
    Ok(client_of(endpoint))
}

fn namenode_endpoint(authority: &str) -> Result<Endpoint> {
    Ok(Endpoint::from_shared(format!("http://{authority}"))
        .map_err(|error| {
            RemoteException::illegal_argument(format!(
                "invalid NameNode address '{authority}': {error}"
            ))
        })?
        .tcp_nodelay(true))
}

fn client_of(endpoint: Endpoint) -> ClientProtocolClient<Channel> {
    ClientProtocolClient::new(faults::channel(faults::CLIENT, endpoint))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// 16 random bytes in hex (Hadoop's `ClientId.getClientId`, a UUID's bytes).
fn new_client_id() -> MetadataValue<Ascii> {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    MetadataValue::try_from(hex).expect("hex is valid metadata")
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

    #[test]
    fn a_nameservice_uri_names_it() {
        let mut conf = Configuration::new();
        conf.set("dfs.nameservices", "mycluster");
        conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
        assert_eq!(
            ha_nameservice(&conf, "hdfs://mycluster/x").as_deref(),
            Some("mycluster")
        );
        assert_eq!(ha_nameservice(&conf, "hdfs://nn:8020"), None);
        assert_eq!(ha_nameservice(&conf, "file:///"), None);
    }

    #[tokio::test]
    async fn a_nameservice_client_keeps_the_logical_uri() {
        let mut conf = Configuration::new();
        conf.set("fs.defaultFS", "hdfs://mycluster");
        conf.set("dfs.nameservices", "mycluster");
        conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
        conf.set("dfs.namenode.rpc-address.mycluster.nn1", "127.0.0.1:1");
        let error = DfsClient::from_conf(&conf).err().unwrap();
        assert!(
            error
                .message
                .contains("dfs.namenode.rpc-address.mycluster.nn2"),
            "{error}"
        );
        conf.set("dfs.namenode.rpc-address.mycluster.nn2", "127.0.0.1:2");
        let client = DfsClient::from_conf(&conf).unwrap();
        assert_eq!(client.uri(), "hdfs://mycluster");
        assert_eq!(client.client_id().len(), 32);
        assert_ne!(
            client.client_id(),
            DfsClient::from_conf(&conf).unwrap().client_id()
        );
    }
}
