//! A running NodeManager: ContainerManagement on its port, a web port, the
//! heartbeat loop to the ResourceManager and the memory monitor.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::faults::Channel;
use common::http::DaemonHttp;
use common::yarn::{ApplicationId, exit_status};
use proto::yarn as pb;
use proto::yarn::container_management_server::ContainerManagementServer;
use proto::yarn::resource_tracker_client::ResourceTrackerClient;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use crate::aux_services::{AuxServiceContext, AuxServices};
use crate::config::NodeManagerConfig;
use crate::containers::ContainerManager;
use crate::rpc::ContainerManagementService;

/// Why a NodeManager could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeManagerError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("Failed to initialize {name}: {reason}")]
    AuxService { name: String, reason: String },
    #[error("{0}")]
    Client(#[from] client::RemoteException),
}

/// A NodeManager serving until [`NodeManager::stop`].
pub struct NodeManager {
    manager: Arc<ContainerManager>,
    address: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl NodeManager {
    /// Binds its ports, starts the auxiliary services named in the
    /// configuration (from `available`), and starts heartbeating to the RM.
    pub async fn start(
        config: NodeManagerConfig,
        available: AuxServices,
    ) -> Result<Self, NodeManagerError> {
        let listener = bind(config.address).await?;
        let address = local(&listener, config.address)?;
        let web_listener = bind(config.webapp_address).await?;
        let web_address = local(&web_listener, config.webapp_address)?;
        let node_id = format!("{}:{}", config.hostname, address.port());
        let http_address = format!("{}:{}", config.hostname, web_address.port());
        let context = AuxServiceContext {
            conf: config.conf.clone(),
            local_dirs: config.local_dirs.clone(),
            host: config.hostname.clone(),
        };
        let mut aux_services: AuxServices = Vec::new();
        let mut aux_metadata = BTreeMap::new();
        for name in &config.aux_services {
            let Some(service) = available.iter().find(|service| service.name() == name) else {
                return Err(NodeManagerError::AuxService {
                    name: name.clone(),
                    reason: "no such auxiliary service in this NodeManager".to_string(),
                });
            };
            let metadata =
                service
                    .start(&context)
                    .map_err(|error| NodeManagerError::AuxService {
                        name: name.clone(),
                        reason: error.to_string(),
                    })?;
            aux_metadata.insert(name.clone(), metadata);
            aux_services.push(service.clone());
        }
        let default_fs = config.conf.get(common::conf::keys::FS_DEFAULT_FS);
        let dfs = if default_fs.is_some_and(|uri| uri.starts_with("hdfs://")) {
            Some(client::DfsClient::from_conf(&config.conf)?)
        } else {
            None
        };
        let manager = Arc::new(ContainerManager::new(
            config,
            node_id.clone(),
            http_address,
            aux_services,
            aux_metadata,
            dfs,
        ));
        let (local_dirs, log_dirs) = (
            manager.config.local_dirs.clone(),
            manager.config.log_dirs.clone(),
        );
        let leftovers =
            tokio::task::spawn_blocking(move || crate::leftovers::find(&local_dirs, &log_dirs))
                .await
                .unwrap_or_default();
        manager.adopt_leftovers(leftovers);
        let (shutdown, _) = watch::channel(false);
        let mut tasks = Vec::new();
        let service = ContainerManagementServer::new(ContainerManagementService(manager.clone()))
            .max_decoding_message_size(64 * 1024 * 1024);
        let mut rpc_stop = shutdown.subscribe();
        let limits = common::net::ConnectionLimits::of(&manager.config.conf);
        tasks.push(tokio::spawn(async move {
            let incoming = common::net::incoming(listener, limits);
            let result = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = rpc_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                error!(%error, "NodeManager RPC server failed");
            }
        }));
        let beans_of = manager.clone();
        let router = crate::web::router(manager.clone()).merge(common::http::routes(
            DaemonHttp::new("NodeManager", &manager.config.conf)
                .beans(move || crate::web::beans(&beans_of))
                .pages(crate::web::PAGES),
        ));
        let mut web_stop = shutdown.subscribe();
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(web_listener, router)
                .with_graceful_shutdown(async move {
                    let _ = web_stop.wait_for(|stop| *stop).await;
                })
                .await;
        }));
        tasks.push(tokio::spawn(run_heartbeats(
            manager.clone(),
            shutdown.subscribe(),
        )));
        tasks.push(tokio::spawn(run_monitor(
            manager.clone(),
            shutdown.subscribe(),
        )));
        info!(node = %node_id, memory_mb = manager.config.memory_mb, vcores = manager.config.vcores, "NodeManager started");
        Ok(Self {
            manager,
            address,
            shutdown,
            tasks,
        })
    }

    /// `host:port`, the id the RM knows this node by.
    pub fn node_id(&self) -> &str {
        &self.manager.node_id
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn http_address(&self) -> &str {
        &self.manager.http_address
    }

    /// The containers of this node (for in-process checks).
    pub fn containers(&self) -> &Arc<ContainerManager> {
        &self.manager
    }

    /// Stops heartbeating and serving, then kills every container, as a
    /// crash would look to the RM: it finds out by the missing heartbeats.
    pub async fn stop(self) {
        self.manager.stop_accepting();
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.manager.kill_all(
            exit_status::KILLED_BY_RESOURCEMANAGER,
            "Container killed on NodeManager shutdown",
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self.manager.all_complete() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for service in &self.manager.aux_services {
            service.stop();
        }
        info!(node = %self.manager.node_id, "NodeManager stopped");
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, NodeManagerError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| NodeManagerError::Bind { address, source })
}

fn local(listener: &TcpListener, address: SocketAddr) -> Result<SocketAddr, NodeManagerError> {
    listener
        .local_addr()
        .map_err(|source| NodeManagerError::Bind { address, source })
}

/// Registers, then heartbeats every interval the RM gives (sooner when a
/// container completes); registers again when the RM asks for a resync.
async fn run_heartbeats(manager: Arc<ContainerManager>, mut stop: watch::Receiver<bool>) {
    let channel = match client::yarn::channel(&manager.config.tracker_address) {
        Ok(channel) => channel,
        Err(error) => {
            error!(%error, "invalid resource tracker address");
            return;
        }
    };
    let mut tracker = ResourceTrackerClient::new(channel);
    let mut interval = Duration::from_millis(1000);
    let mut registered = false;
    loop {
        if !registered {
            match register(&manager, &mut tracker).await {
                Ok(next) => {
                    interval = next;
                    registered = true;
                }
                Err(status) => {
                    warn!(error = %status.message(), "cannot register with the ResourceManager")
                }
            }
        }
        if registered {
            match heartbeat(&manager, &mut tracker).await {
                Ok(true) => {}
                Ok(false) => {
                    warn!(
                        "ResourceManager asked for a resync: killing containers and registering again"
                    );
                    manager.kill_all(
                        exit_status::KILLED_BY_RESOURCEMANAGER,
                        "Container killed on resync with the ResourceManager",
                    );
                    registered = false;
                    continue;
                }
                Err(status) => {
                    warn!(error = %status.message(), "heartbeat to the ResourceManager failed")
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = manager.heartbeat_now.notified() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

async fn register(
    manager: &ContainerManager,
    tracker: &mut ResourceTrackerClient<Channel>,
) -> Result<Duration, tonic::Status> {
    let request = pb::RegisterNodeManagerRequest {
        node_id: manager.node_id.clone(),
        http_address: manager.http_address.clone(),
        capability: Some(pb::Resource {
            memory_mb: manager.config.memory_mb,
            vcores: manager.config.vcores,
        }),
        rack: String::new(),
        running_applications: manager
            .application_ids()
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    let response = tracker.register_node_manager(request).await?.into_inner();
    info!(node = %manager.node_id, rack = %response.rack, "registered with the ResourceManager");
    Ok(Duration::from_millis(
        response.heartbeat_interval_ms.max(1) as u64
    ))
}

/// One heartbeat; `Ok(false)` when the RM wants this node to register again.
async fn heartbeat(
    manager: &Arc<ContainerManager>,
    tracker: &mut ResourceTrackerClient<Channel>,
) -> Result<bool, tonic::Status> {
    let aggregated = manager.take_aggregated();
    let request = pb::NodeHeartbeatRequest {
        node_id: manager.node_id.clone(),
        container_statuses: manager.statuses(None),
        healthy: true,
        health_report: String::new(),
        log_aggregated_applications: aggregated.clone(),
    };
    let response = match tracker.node_heartbeat(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            manager.requeue_aggregated(aggregated);
            return Err(status);
        }
    };
    if response.resync {
        return Ok(false);
    }
    manager.acknowledge(&response.containers_acknowledged);
    for text in &response.containers_to_cleanup {
        if let Ok(id) = text.parse() {
            manager.kill(
                id,
                exit_status::KILLED_BY_RESOURCEMANAGER,
                "Container Killed by ResourceManager",
            );
        }
    }
    for text in &response.applications_to_cleanup {
        if let Ok(application) = text.parse::<ApplicationId>() {
            manager.finish_application(application);
        }
    }
    Ok(true)
}

async fn run_monitor(manager: Arc<ContainerManager>, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(manager.config.monitor_interval);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let manager = manager.clone();
        let _ = tokio::task::spawn_blocking(move || manager.check_memory()).await;
    }
}
