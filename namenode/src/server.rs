//! A running NameNode: its namesystem behind an RPC listener (gRPC and
//! Hadoop IPC) and an HTTP listener.

use std::net::SocketAddr;
use std::sync::Arc;

use common::conf::ConfError;
use common::http::DaemonHttp;
use common::http::csrf::{self, CsrfGuard};
use common::metrics::RpcMetrics;
use common::webui::series::{SAMPLE_PERIOD, SeriesStore};
use proto::hdfs::client_protocol_server::ClientProtocolServer;
use proto::hdfs::datanode_protocol_server::DatanodeProtocolServer;
use proto::hdfs::ha_service_protocol_server::HaServiceProtocolServer;
use proto::hdfs::namenode_protocol_server::NamenodeProtocolServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use crate::checkpoint::Checkpoints;
use crate::checkpoint::protocol::NamenodeRpc;
use crate::config::NameNodeConfig;
use crate::datanode_rpc::DatanodeRpc;
use crate::ha::HaState;
use crate::ha::service::HaServiceRpc;
use crate::hadoop_ipc::{IpcServer, share_rpc_port};
use crate::namesystem::Namesystem;
use crate::retry_cache::RetryCache;
use crate::rpc::ClientRpc;
use crate::storage::StorageError;

const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Why a NameNode could not start.
#[derive(Debug, thiserror::Error)]
pub enum NameNodeError {
    #[error(transparent)]
    Config(#[from] ConfError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// A NameNode serving on its ports until [`NameNode::stop`].
pub struct NameNode {
    namesystem: Arc<Namesystem>,
    rpc_address: SocketAddr,
    http_address: SocketAddr,
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl NameNode {
    /// Loads the namespace and starts serving. Port 0 picks a free port.
    pub async fn start(config: NameNodeConfig) -> Result<Self, NameNodeError> {
        let rpc_listener = bind(config.rpc_address).await?;
        let http_listener = bind(config.http_address).await?;
        let rpc_address = rpc_listener
            .local_addr()
            .map_err(|source| NameNodeError::Bind {
                address: config.rpc_address,
                source,
            })?;
        let http_address = http_listener
            .local_addr()
            .map_err(|source| NameNodeError::Bind {
                address: config.http_address,
                source,
            })?;
        let namesystem_config = config.namesystem.clone();
        let namesystem = tokio::task::spawn_blocking(move || Namesystem::open(namesystem_config))
            .await
            .map_err(|error| {
                StorageError::Invalid(format!("namespace loading failed: {error}"))
            })??;

        let (shutdown, _) = watch::channel(false);
        let retry_cache = Arc::new(RetryCache::new(config.retry_cache));
        namesystem.replay_into(retry_cache.clone());
        let client_rpc = Arc::new(ClientRpc::new(namesystem.clone(), retry_cache));
        let service = ClientProtocolServer::from_arc(client_rpc.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let datanode_service = DatanodeProtocolServer::new(DatanodeRpc::new(namesystem.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let checkpoints = Checkpoints::new(namesystem.clone(), config.checkpoint);
        let namenode_service = NamenodeProtocolServer::new(NamenodeRpc::new(checkpoints.clone()));
        let ha_service = HaServiceProtocolServer::new(HaServiceRpc::new(namesystem.clone()));
        let mut rpc_stop = shutdown.subscribe();
        let rpc_metrics = RpcMetrics::new();
        let layer = rpc_metrics.layer();
        // Hadoop IPC shares the RPC port: the acceptor serves the
        // connections opening with `hrpc` and hands the others to tonic.
        let ipc = IpcServer::new(
            client_rpc,
            namesystem.clone(),
            config.ipc.clone(),
            rpc_metrics.clone(),
        );
        let (rpc_acceptor, incoming) = share_rpc_port(rpc_listener, ipc, shutdown.subscribe());
        let rpc_server = tokio::spawn(async move {
            let result = tonic::transport::Server::builder()
                .layer(layer)
                .add_service(service)
                .add_service(datanode_service)
                .add_service(namenode_service)
                .add_service(ha_service)
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = rpc_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "NameNode RPC server failed");
            }
        });
        let mut http_stop = shutdown.subscribe();
        let beans_of = namesystem.clone();
        let series =
            SeriesStore::start(SAMPLE_PERIOD, crate::web::rpc_sampler(rpc_metrics.clone()));
        let webhdfs = CsrfGuard::apply(
            CsrfGuard::from_conf(&config.conf, &csrf::WEBHDFS),
            crate::webhdfs::router(
                namesystem.clone(),
                rpc_address,
                config
                    .namesystem
                    .ha
                    .as_ref()
                    .map(|ha| ha.nameservice.clone()),
                &config.http_static_user,
            ),
        );
        let router = crate::web::router(namesystem.clone(), &config.http_static_user)
            .merge(series.route())
            .merge(crate::checkpoint::transfer::router(checkpoints.clone()))
            .merge(webhdfs)
            .merge(common::http::routes(
                DaemonHttp::new("NameNode", &config.conf)
                    .beans(move || {
                        let mut beans = crate::web::beans(&beans_of);
                        beans.extend(crate::web::rpc_beans(&rpc_metrics, rpc_address.port()));
                        beans
                    })
                    .pages(crate::web::PAGES),
            ));
        checkpoints.purge().await;
        let http_server = tokio::spawn(async move {
            // WebHDFS audits the peer's address.
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let result = axum::serve(http_listener, service)
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "NameNode HTTP server failed");
            }
        });
        let monitor = tokio::spawn(run_block_monitor(namesystem.clone(), shutdown.subscribe()));
        let lease_monitor =
            tokio::spawn(run_lease_monitor(namesystem.clone(), shutdown.subscribe()));
        let trash_emptier = tokio::spawn(run_trash_emptier(
            namesystem.clone(),
            rpc_address,
            shutdown.subscribe(),
        ));
        let tailer = tokio::spawn(crate::ha::run_tailer(
            namesystem.clone(),
            shutdown.subscribe(),
        ));
        let standby_checkpointer = tokio::spawn(crate::ha::run_standby_checkpointer(
            checkpoints.clone(),
            shutdown.subscribe(),
        ));
        info!(rpc = %rpc_address, http = %http_address, cluster_id = %namesystem.storage_info().cluster_id, ha_state = %namesystem.ha_state(), "NameNode started");
        Ok(Self {
            namesystem,
            rpc_address,
            http_address,
            shutdown,
            servers: vec![
                rpc_acceptor,
                rpc_server,
                http_server,
                monitor,
                lease_monitor,
                trash_emptier,
                tailer,
                standby_checkpointer,
            ],
        })
    }

    pub fn rpc_address(&self) -> SocketAddr {
        self.rpc_address
    }

    pub fn http_address(&self) -> SocketAddr {
        self.http_address
    }

    pub fn namesystem(&self) -> &Arc<Namesystem> {
        &self.namesystem
    }

    /// Stops serving, waits for the servers, and finalizes the edit log.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for server in self.servers {
            let _ = server.await;
        }
        let namesystem = self.namesystem;
        let _ = tokio::task::spawn_blocking(move || namesystem.close()).await;
        info!("NameNode stopped");
    }

    /// Stops as a crash would, for tests' in-process crashes: the edit log
    /// syncs nothing more and keeps its segment in progress, then the servers
    /// stop; nothing is flushed or saved. The name dirs can be loaded again.
    pub async fn kill(self) {
        let namesystem = self.namesystem.clone();
        let _ = tokio::task::spawn_blocking(move || namesystem.crash()).await;
        let _ = self.shutdown.send(true);
        for server in self.servers {
            let _ = server.await;
        }
        info!("NameNode killed");
    }

    /// Waits until the servers end (they end on [`NameNode::stop`] or failure).
    pub async fn wait(&mut self) {
        for server in &mut self.servers {
            let _ = server.await;
        }
    }
}

/// Liveness and redundancy work, every `dfs.namenode.redundancy.interval.seconds`.
async fn run_block_monitor(namesystem: Arc<Namesystem>, mut stop: watch::Receiver<bool>) {
    let period = namesystem.blocks().config().redundancy_interval;
    let mut ticks = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if namesystem.in_safe_mode() || namesystem.ha_state() == HaState::Standby {
            // As HDFS: no redundancy work until the block reports are in,
            // nor on a standby (it only declares DataNodes dead).
            if !namesystem.in_safe_mode() {
                namesystem
                    .blocks()
                    .run_monitor(namesystem.blocks().config().clock.now());
            }
            namesystem.check_safe_mode();
            continue;
        }
        let round = namesystem
            .blocks()
            .run_monitor(namesystem.blocks().config().clock.now());
        if round.transfers_scheduled + round.replicas_to_delete + round.newly_dead > 0 {
            tracing::info!(
                dead = round.newly_dead,
                transfers = round.transfers_scheduled,
                deletions = round.replicas_to_delete,
                "block redundancy work scheduled"
            );
        }
    }
}

/// Recovers files whose lease passed the hard limit, every
/// `dfs.namenode.lease-recheck-interval-ms`.
async fn run_lease_monitor(namesystem: Arc<Namesystem>, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(namesystem.config().lease_recheck_interval);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if !namesystem.in_safe_mode() && namesystem.ha_state() == HaState::Active {
            namesystem.recover_expired_leases().await;
        }
    }
}

/// The trash emptier, run only while active (with HA it starts on each
/// transition to active and stops on each transition to standby).
async fn run_trash_emptier(
    namesystem: Arc<Namesystem>,
    rpc_address: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let settings = namesystem.config().clone();
    let emptier = move |stop| {
        tokio::spawn(crate::trash_emptier::run(
            rpc_address,
            settings.superuser.clone(),
            settings.trash_interval,
            settings.trash_checkpoint_interval,
            stop,
        ))
    };
    let Some(ha) = &namesystem.ha else {
        let _ = emptier(stop).await;
        return;
    };
    let mut states = ha.subscribe();
    loop {
        tokio::select! {
            _ = states.wait_for(|state| *state == HaState::Active) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let (stop_emptier, emptier_stop) = watch::channel(false);
        let running = emptier(emptier_stop);
        let stopping = tokio::select! {
            _ = states.wait_for(|state| *state == HaState::Standby) => false,
            _ = stop.wait_for(|stop| *stop) => true,
        };
        let _ = stop_emptier.send(true);
        let _ = running.await;
        if stopping {
            return;
        }
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, NameNodeError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| NameNodeError::Bind { address, source })
}
