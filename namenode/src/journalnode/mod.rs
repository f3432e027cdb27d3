//! The JournalNode (`hdfs journalnode`): keeps the shared edit log of a
//! NameNode (or an HA pair) as one of a quorum. QJournalProtocol over gRPC on
//! `dfs.journalnode.rpc-address`, finalized segments over HTTP on
//! `dfs.journalnode.http-address` (`/getJournal`), journals under
//! `dfs.journalnode.edits.dir/<journalId>/current`, and a syncer that copies
//! finalized segments it lacks from its peers.

mod cache;
mod journal;
mod rpc;
mod syncer;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::conf::{ConfError, TimeUnit, keys};
use common::{Configuration, RemoteException};
use proto::hdfs::q_journal_protocol_server::QJournalProtocolServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use journal::Journal;

const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// The fault-injection name of JournalNodes (`jn` unless told otherwise).
pub const JOURNALNODE_NODE_NAME: &str = "jn";

/// Where a JournalNode listens and keeps its journals.
#[derive(Clone, Debug)]
pub struct JournalNodeConfig {
    /// `dfs.journalnode.rpc-address`.
    pub rpc_address: SocketAddr,
    /// `dfs.journalnode.http-address`.
    pub http_address: SocketAddr,
    /// `dfs.journalnode.edits.dir`.
    pub edits_dir: PathBuf,
    /// `dfs.journalnode.edit-cache-size.bytes`.
    pub cache_bytes: usize,
    /// `dfs.journalnode.enable.sync`.
    pub sync_enabled: bool,
    /// `dfs.journalnode.sync.interval` (milliseconds).
    pub sync_interval: Duration,
    /// `dfs.namenode.shared.edits.dir`: the peers to sync from.
    pub shared_edits: Option<String>,
    /// This node's name for fault injection.
    pub node_name: String,
    /// The configuration this was read from, which `/conf` shows.
    pub conf: Configuration,
}

impl JournalNodeConfig {
    /// Reads the `dfs.journalnode.*` keys.
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let edits_dir = conf
            .get_local_dirs_or_default(keys::DFS_JOURNALNODE_EDITS_DIR)?
            .into_iter()
            .next()
            .ok_or_else(|| ConfError::Missing {
                key: keys::DFS_JOURNALNODE_EDITS_DIR.into(),
            })?;
        Ok(Self {
            rpc_address: conf.get_resolved_socket_addr(keys::DFS_JOURNALNODE_RPC_ADDRESS)?,
            http_address: conf.get_resolved_socket_addr(keys::DFS_JOURNALNODE_HTTP_ADDRESS)?,
            edits_dir,
            cache_bytes: usize::try_from(
                conf.get_size_bytes(keys::DFS_JOURNALNODE_EDIT_CACHE_SIZE_BYTES)?,
            )
            .unwrap_or(usize::MAX),
            sync_enabled: conf.get_bool(keys::DFS_JOURNALNODE_ENABLE_SYNC)?,
            sync_interval: conf
                .get_duration(keys::DFS_JOURNALNODE_SYNC_INTERVAL, TimeUnit::Milliseconds)?,
            shared_edits: conf.get_trimmed(keys::DFS_NAMENODE_SHARED_EDITS_DIR),
            node_name: JOURNALNODE_NODE_NAME.to_string(),
            conf: conf.clone(),
        })
    }
}

/// Why a JournalNode could not start.
#[derive(Debug, thiserror::Error)]
pub enum JournalNodeError {
    #[error(transparent)]
    Config(#[from] ConfError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create {dir}: {source}")]
    Storage {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// The journals of one JournalNode, by id.
pub(crate) struct Journals {
    edits_dir: PathBuf,
    cache_bytes: usize,
    http_url: String,
    http_port: u16,
    /// This node's name for fault injection (its calls to peers).
    node_name: String,
    journals: Mutex<HashMap<String, Arc<Mutex<Journal>>>>,
    killed: AtomicBool,
}

impl Journals {
    /// Journal `journal_id`, loaded on first use.
    fn get(&self, journal_id: &str) -> Result<Arc<Mutex<Journal>>, RemoteException> {
        if self.killed.load(Ordering::Acquire) {
            return Err(RemoteException::io("JournalNode is stopped"));
        }
        if journal_id.is_empty()
            || journal_id.starts_with('.')
            || !journal_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(RemoteException::illegal_argument(format!(
                "Invalid journal id: {journal_id}"
            )));
        }
        let mut journals = self
            .journals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(journals
            .entry(journal_id.to_string())
            .or_insert_with(|| {
                Arc::new(Mutex::new(Journal::open(
                    &self.edits_dir,
                    journal_id,
                    self.cache_bytes,
                )))
            })
            .clone())
    }

    /// Runs `action` on journal `journal_id` under its lock, off the runtime
    /// threads (every write is fsynced).
    async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        journal_id: &str,
        action: impl FnOnce(&mut Journal) -> Result<T, RemoteException> + Send + 'static,
    ) -> Result<T, RemoteException> {
        let journal = self.get(journal_id)?;
        let journals = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut journal = journal
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if journals.killed.load(Ordering::Acquire) {
                return Err(RemoteException::io("JournalNode is stopped"));
            }
            action(&mut journal)
        })
        .await
        .map_err(|error| RemoteException::io(format!("journal task failed: {error}")))?
    }

    /// Ids of the journals present under the edits dir.
    fn journal_ids(&self) -> Vec<String> {
        std::fs::read_dir(&self.edits_dir)
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok())
                    .filter(|entry| entry.path().join("current").join("VERSION").exists())
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A JournalNode serving until [`JournalNode::stop`] or [`JournalNode::kill`].
pub struct JournalNode {
    rpc_address: SocketAddr,
    http_address: SocketAddr,
    journals: Arc<Journals>,
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

async fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), JournalNodeError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| JournalNodeError::Bind { address, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| JournalNodeError::Bind { address, source })?;
    Ok((listener, local))
}

impl JournalNode {
    /// Starts serving. Port 0 picks a free port.
    pub async fn start(config: JournalNodeConfig) -> Result<Self, JournalNodeError> {
        std::fs::create_dir_all(&config.edits_dir).map_err(|source| JournalNodeError::Storage {
            dir: config.edits_dir.clone(),
            source,
        })?;
        let (rpc_listener, rpc_address) = bind(config.rpc_address).await?;
        let (http_listener, http_address) = bind(config.http_address).await?;
        let journals = Arc::new(Journals {
            edits_dir: config.edits_dir.clone(),
            cache_bytes: config.cache_bytes,
            http_url: format!("http://{http_address}"),
            http_port: http_address.port(),
            node_name: config.node_name.clone(),
            journals: Mutex::new(HashMap::new()),
            killed: AtomicBool::new(false),
        });
        let (shutdown, _) = watch::channel(false);
        let service = QJournalProtocolServer::new(rpc::JournalRpc::new(journals.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let mut rpc_stop = shutdown.subscribe();
        let limits = common::net::ConnectionLimits::of(&config.conf);
        let rpc_server = tokio::spawn(async move {
            let incoming = common::net::incoming(rpc_listener, limits);
            let result = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = rpc_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "JournalNode RPC server failed");
            }
        });
        let mut http_stop = shutdown.subscribe();
        let router = web::router(journals.clone()).merge(common::http::routes(
            common::http::DaemonHttp::new("JournalNode", &config.conf).pages(web::PAGES),
        ));
        let http_server = tokio::spawn(async move {
            let result = axum::serve(http_listener, router)
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "JournalNode HTTP server failed");
            }
        });
        let mut servers = vec![rpc_server, http_server];
        if config.sync_enabled
            && let Some(uri) = &config.shared_edits
        {
            servers.push(tokio::spawn(syncer::run(
                journals.clone(),
                syncer::peers(uri, rpc_address),
                config.sync_interval,
                config.node_name.clone(),
                shutdown.subscribe(),
            )));
        }
        info!(rpc = %rpc_address, http = %http_address, dir = %config.edits_dir.display(), "JournalNode started");
        Ok(Self {
            rpc_address,
            http_address,
            journals,
            shutdown,
            servers,
        })
    }

    pub fn rpc_address(&self) -> SocketAddr {
        self.rpc_address
    }

    pub fn http_address(&self) -> SocketAddr {
        self.http_address
    }

    /// Stops serving and waits for the servers.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for server in self.servers {
            let _ = server.await;
        }
        info!(rpc = %self.rpc_address, "JournalNode stopped");
    }

    /// Stops as a crash would: from now on no call is applied (every
    /// acknowledged write is already on disk; nothing else is flushed) and
    /// calls in flight fail, then the servers close their connections.
    pub async fn kill(self) {
        self.journals.killed.store(true, Ordering::Release);
        let _ = self.shutdown.send(true);
        for server in self.servers {
            let _ = server.await;
        }
        info!(rpc = %self.rpc_address, "JournalNode killed");
    }
}
