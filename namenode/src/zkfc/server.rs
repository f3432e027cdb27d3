//! The ZKFC daemon: its ZooKeeper session, HealthMonitor, elector and ZKFCProtocol server;
//! and `-formatZK`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use proto::hdfs::zkfc_protocol_server::{ZkfcProtocol, ZkfcProtocolServer};
use proto::hdfs::{
    CedeActiveRequest, CedeActiveResponse, GracefulFailoverRequest, GracefulFailoverResponse,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

use super::ZkfcError;
use super::config::ZkfcConfig;
use super::elector::{self, Command, ElectorState};
use super::health::{self, HealthState};
use super::target::{HaServiceClient, SERVICE_FAILED_EXCEPTION};

/// A running ZKFC; [`ZkFailoverController::stop`] closes its ZooKeeper session (so its lock,
/// if it held it, goes at once) and its RPC server.
pub struct ZkFailoverController {
    address: SocketAddr,
    status: watch::Receiver<ElectorState>,
    health: watch::Receiver<HealthState>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl ZkFailoverController {
    /// Checks the configuration and ZooKeeper (the nameservice's znode must exist), binds the
    /// ZKFCProtocol server on the local NameNode's host and `dfs.ha.zkfc.port` (port 0 picks
    /// one), then starts monitoring and electing.
    pub async fn start(mut config: ZkfcConfig) -> Result<Self, ZkfcError> {
        if !config.automatic_failover {
            return Err(ZkfcError::AutomaticFailoverNotEnabled(config.local.clone()));
        }
        let zk =
            elector::connect(&config)
                .await
                .map_err(|source| ZkfcError::ZooKeeperUnreachable {
                    quorum: config.quorum.clone(),
                    source,
                })?;
        let znode = config.znode();
        match zk.check_stat(&znode).await {
            Ok(Some(_)) => {}
            Ok(None) => return Err(ZkfcError::NoParentZnode),
            Err(source) => {
                return Err(ZkfcError::ZooKeeper {
                    path: znode,
                    source,
                });
            }
        }
        if config.fencing.is_empty() {
            return Err(ZkfcError::NoFencer(config.local.clone()));
        }
        let listener = tokio::net::TcpListener::bind(&config.local.zkfc_address)
            .await
            .map_err(|source| ZkfcError::Bind {
                address: config.local.zkfc_address.clone(),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| ZkfcError::Bind {
            address: config.local.zkfc_address.clone(),
            source,
        })?;
        let host = config
            .local
            .zkfc_address
            .rsplit_once(':')
            .map_or(config.local.zkfc_address.as_str(), |(host, _)| host)
            .to_string();
        config.local.zkfc_address = format!("{host}:{}", address.port());
        let config = Arc::new(config);
        tracing::info!(
            "Starting ZK failover controller for {} (ZKFC RPC at {address}, ZooKeeper {})",
            config.local,
            config.quorum
        );

        let (shutdown, shutdown_rx) = watch::channel(false);
        let (health_tx, health) = watch::channel(HealthState::Initializing);
        let (status_tx, status) = watch::channel(ElectorState::Init);
        let (commands_tx, commands) = mpsc::channel(16);
        let local = HaServiceClient::connect(&config.local.rpc_address, config.health.rpc_timeout)?;
        let monitor = tokio::spawn(health::monitor(local, config.health, health_tx));
        let elector = elector::Elector::new(
            config.clone(),
            &config.local,
            zk,
            health.clone(),
            commands,
            shutdown_rx.clone(),
            status_tx,
        )?;
        let elector = tokio::spawn(elector.run());
        let service = ZkfcService {
            config: config.clone(),
            commands: commands_tx,
            health: health.clone(),
            status: status.clone(),
        };
        let mut stop_rx = shutdown_rx;
        let server = tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .add_service(ZkfcProtocolServer::new(service))
                .serve_with_incoming_shutdown(
                    common::net::incoming(listener, common::net::ConnectionLimits::default()),
                    async move {
                        let _ = stop_rx.changed().await;
                    },
                )
                .await;
            if let Err(error) = served {
                tracing::error!("ZKFC RPC server failed: {error}");
            }
        });
        Ok(Self {
            address,
            status,
            health,
            shutdown,
            tasks: vec![elector, server, monitor],
        })
    }

    /// Address of the ZKFCProtocol server.
    pub fn zkfc_address(&self) -> SocketAddr {
        self.address
    }

    /// Where the local NameNode stands in the election.
    pub fn state(&self) -> ElectorState {
        *self.status.borrow()
    }

    /// The HealthMonitor's last state of the local NameNode.
    pub fn health(&self) -> HealthState {
        *self.health.borrow()
    }

    /// Waits up to `timeout` for the election state `state`; whether it was reached.
    pub async fn wait_for_state(&self, state: ElectorState, timeout: Duration) -> bool {
        let mut status = self.status.clone();
        matches!(
            tokio::time::timeout(timeout, status.wait_for(|current| *current == state)).await,
            Ok(Ok(_))
        )
    }

    /// Stops the ZKFC: the session closes (our lock goes; the breadcrumb stays, so the next
    /// active fences our NameNode), the RPC server stops.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        let mut tasks = std::mem::take(&mut self.tasks);
        if let Some(monitor) = tasks.pop() {
            monitor.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for ZkFailoverController {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

struct ZkfcService {
    config: Arc<ZkfcConfig>,
    commands: mpsc::Sender<Command>,
    health: watch::Receiver<HealthState>,
    status: watch::Receiver<ElectorState>,
}

fn service_failed(message: String) -> tonic::Status {
    let mut status = tonic::Status::failed_precondition(message);
    status.metadata_mut().insert(
        proto::EXCEPTION_METADATA,
        tonic::metadata::MetadataValue::from_static(SERVICE_FAILED_EXCEPTION),
    );
    status
}

#[tonic::async_trait]
impl ZkfcProtocol for ZkfcService {
    async fn cede_active(
        &self,
        request: tonic::Request<CedeActiveRequest>,
    ) -> Result<tonic::Response<CedeActiveResponse>, tonic::Status> {
        let millis = request.into_inner().millis_to_cede;
        let (reply, done) = oneshot::channel();
        self.commands
            .send(Command::Cede { millis, reply })
            .await
            .map_err(|_| service_failed("The failover controller is stopping".into()))?;
        done.await
            .map_err(|_| service_failed("The failover controller is stopping".into()))?;
        Ok(tonic::Response::new(CedeActiveResponse {}))
    }

    async fn graceful_failover(
        &self,
        _request: tonic::Request<GracefulFailoverRequest>,
    ) -> Result<tonic::Response<GracefulFailoverResponse>, tonic::Status> {
        elector::graceful_failover(
            self.config.clone(),
            self.commands.clone(),
            self.health.clone(),
            self.status.clone(),
        )
        .await
        .map_err(service_failed)?;
        Ok(tonic::Response::new(GracefulFailoverResponse {}))
    }
}

/// `hdfs zkfc -formatZK`: creates `<parent>/<ns>`. When it exists it is cleared first if
/// `force`, or if `confirm(znode)` agrees; otherwise nothing changes and `Ok(false)` is
/// returned.
pub async fn format_zk(
    config: &ZkfcConfig,
    force: bool,
    confirm: impl FnOnce(&str) -> bool,
) -> Result<bool, ZkfcError> {
    if !config.automatic_failover {
        return Err(ZkfcError::AutomaticFailoverNotEnabled(config.local.clone()));
    }
    let zk = elector::connect(config)
        .await
        .map_err(|source| ZkfcError::ZooKeeperUnreachable {
            quorum: config.quorum.clone(),
            source,
        })?;
    let znode = config.znode();
    let zk_error = |source| ZkfcError::ZooKeeper {
        path: znode.clone(),
        source,
    };
    if zk.check_stat(&znode).await.map_err(zk_error)?.is_some() {
        if !force && !confirm(&znode) {
            return Ok(false);
        }
        tracing::info!("Recursively deleting {znode} from ZK...");
        delete_recursively(&zk, &znode).await.map_err(zk_error)?;
        tracing::info!("Successfully deleted {znode} from ZK.");
    }
    zk.mkdir(
        &znode,
        &CreateMode::Persistent.with_acls(Acls::anyone_all()),
    )
    .await
    .map_err(zk_error)?;
    tracing::info!("Successfully created {znode} in ZK.");
    Ok(true)
}

async fn delete_recursively(zk: &Client, path: &str) -> Result<(), ZkError> {
    let mut pending = vec![path.to_string()];
    let mut order = Vec::new();
    while let Some(node) = pending.pop() {
        match zk.list_children(&node).await {
            Ok(children) => {
                pending.extend(children.into_iter().map(|child| format!("{node}/{child}")));
                order.push(node);
            }
            Err(ZkError::NoNode) => {}
            Err(error) => return Err(error),
        }
    }
    for node in order.iter().rev() {
        match zk.delete(node, None).await {
            Ok(()) | Err(ZkError::NoNode) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
