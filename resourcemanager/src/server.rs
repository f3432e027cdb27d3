//! A running ResourceManager: its state behind the client (8032), scheduler
//! (8030), resource-tracker (8031) and admin (8033) gRPC ports and the web
//! port (8088),
//! an AM launcher, and the liveness monitor of NodeManagers and AMs.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use client::yarn::NmClient;
use common::http::DaemonHttp;
use common::net::ConnectionLimits;
use proto::yarn::application_client_protocol_server::ApplicationClientProtocolServer;
use proto::yarn::application_master_protocol_server::ApplicationMasterProtocolServer;
use proto::yarn::resource_manager_administration_protocol_server::ResourceManagerAdministrationProtocolServer;
use proto::yarn::resource_tracker_server::ResourceTrackerServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use crate::config::ResourceManagerConfig;
use crate::rpc::{AdminService, ClientService, MasterService, TrackerService};
use crate::scheduler::{Scheduler, SchedulerError};
use crate::state::{AmLaunch, RmState};

const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Why a ResourceManager could not start.
#[derive(Debug, thiserror::Error)]
pub enum ResourceManagerError {
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// What the RPC adapters share: configuration and the locked state.
pub struct Core {
    pub config: ResourceManagerConfig,
    state: Mutex<RmState>,
}

impl Core {
    /// The state, for one short synchronous change (never across an await).
    pub fn lock(&self) -> MutexGuard<'_, RmState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts each AM container on its NodeManager, in the background.
    pub fn launch(self: &Arc<Self>, launches: Vec<AmLaunch>) {
        for launch in launches {
            let core = self.clone();
            tokio::spawn(async move { core.launch_one(launch).await });
        }
    }

    async fn launch_one(&self, launch: AmLaunch) {
        let result = match NmClient::connect(&launch.container.node_id, &launch.user) {
            Ok(nm) => nm
                .start_container(launch.container.clone(), launch.launch_context)
                .await
                .map(|_| ()),
            Err(error) => Err(error),
        };
        let mut state = self.lock();
        match result {
            Ok(()) => state.am_launched(launch.attempt),
            Err(error) => {
                warn!(attempt = %launch.attempt, %error, "AM launch failed");
                state.am_launch_failed(launch.attempt, &error.to_string());
            }
        }
    }
}

/// The addresses a ResourceManager serves on.
#[derive(Clone, Copy, Debug)]
pub struct RmAddresses {
    pub client: SocketAddr,
    pub scheduler: SocketAddr,
    pub tracker: SocketAddr,
    pub admin: SocketAddr,
    pub webapp: SocketAddr,
}

/// A ResourceManager serving until [`ResourceManager::stop`].
pub struct ResourceManager {
    core: Arc<Core>,
    addresses: RmAddresses,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl ResourceManager {
    /// Binds every port (0 picks a free one) and starts serving.
    pub async fn start(config: ResourceManagerConfig) -> Result<Self, ResourceManagerError> {
        let scheduler = Scheduler::new(config.scheduler.clone(), &config.queues)?;
        let (client_listener, client) = bind(config.client_address).await?;
        let (scheduler_listener, scheduler_address) = bind(config.scheduler_address).await?;
        let (tracker_listener, tracker) = bind(config.tracker_address).await?;
        let (admin_listener, admin) = bind(config.admin_address).await?;
        let (web_listener, webapp) = bind(config.webapp_address).await?;
        let mut state = RmState::new(scheduler, config.am_max_attempts, config.clock.clone());
        state.web_proxy = crate::proxy::proxy_base(webapp);
        state.max_application_priority = config.max_application_priority;
        state.refresh_nodes(config.host_lists.clone());
        let core = Arc::new(Core {
            state: Mutex::new(state),
            config,
        });
        let limits = ConnectionLimits::of(&core.config.conf);
        let (shutdown, _) = watch::channel(false);
        let mut tasks = Vec::new();
        let client_service = ApplicationClientProtocolServer::new(ClientService(core.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        tasks.push(serve(
            client_listener,
            limits,
            client_service,
            shutdown.subscribe(),
        ));
        let master_service = ApplicationMasterProtocolServer::new(MasterService(core.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        tasks.push(serve(
            scheduler_listener,
            limits,
            master_service,
            shutdown.subscribe(),
        ));
        let tracker_service = ResourceTrackerServer::new(TrackerService(core.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES);
        tasks.push(serve(
            tracker_listener,
            limits,
            tracker_service,
            shutdown.subscribe(),
        ));
        let admin_service =
            ResourceManagerAdministrationProtocolServer::new(AdminService(core.clone()));
        tasks.push(serve(
            admin_listener,
            limits,
            admin_service,
            shutdown.subscribe(),
        ));
        let beans_of = core.clone();
        let router = crate::web::router(core.clone()).merge(common::http::routes(
            DaemonHttp::new("ResourceManager", &core.config.conf)
                .beans(move || crate::web::beans(&beans_of))
                .pages(crate::web::PAGES),
        ));
        let mut web_stop = shutdown.subscribe();
        tasks.push(tokio::spawn(async move {
            let result = axum::serve(web_listener, router)
                .with_graceful_shutdown(async move {
                    let _ = web_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                error!(%error, "ResourceManager web server failed");
            }
        }));
        tasks.push(tokio::spawn(run_liveness_monitor(
            core.clone(),
            shutdown.subscribe(),
        )));
        let addresses = RmAddresses {
            client,
            scheduler: scheduler_address,
            tracker,
            admin,
            webapp,
        };
        info!(client = %client, scheduler = %scheduler_address, tracker = %tracker, admin = %admin, web = %webapp, "ResourceManager started");
        Ok(Self {
            core,
            addresses,
            shutdown,
            tasks,
        })
    }

    pub fn addresses(&self) -> RmAddresses {
        self.addresses
    }

    /// The shared state, for in-process checks.
    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Stops serving and waits for the servers to end.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        info!("ResourceManager stopped");
    }
}

async fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), ResourceManagerError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ResourceManagerError::Bind { address, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ResourceManagerError::Bind { address, source })?;
    Ok((listener, local))
}

fn serve<S>(
    listener: TcpListener,
    limits: ConnectionLimits,
    service: S,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()>
where
    S: tonic::codegen::Service<
            tonic::codegen::http::Request<tonic::body::Body>,
            Response = tonic::codegen::http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    tokio::spawn(async move {
        let incoming = common::net::incoming(listener, limits);
        let result = tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(error) = result {
            error!(%error, "ResourceManager RPC server failed");
        }
    })
}

/// Expires NodeManagers and AMs that went silent, a few times per expiry interval.
async fn run_liveness_monitor(core: Arc<Core>, mut stop: watch::Receiver<bool>) {
    let (nm_expiry, am_expiry) = (core.config.nm_expiry, core.config.am_expiry);
    let period = (nm_expiry.min(am_expiry) / 4).max(std::time::Duration::from_millis(10));
    let mut ticks = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let launches = core.lock().check_liveness(nm_expiry, am_expiry);
        core.launch(launches);
    }
}
