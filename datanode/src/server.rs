//! A running DataNode: block store, data-transfer server, and the service
//! loop that registers with the NameNode, reports blocks, heartbeats and
//! carries out the commands it gets back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use common::http::DaemonHttp;
use common::http::csrf::{self, CsrfGuard};
use common::ids::{DatanodeUuid, GenerationStamp};
use common::required::Required;
use proto::hdfs as pb;
use proto::hdfs::inter_datanode_protocol_server::InterDatanodeProtocolServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::config::DataNodeConfig;
use crate::digester;
use crate::namenode::{NamenodeLink, RegisterError};
use crate::recovery::{self, InterDatanodeService};
use crate::scanner;
use crate::storage::{BlockStore, StorageError};
use crate::xfer::{self, TransferContext};

/// Why a DataNode could not start.
#[derive(Debug, thiserror::Error)]
pub enum DataNodeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot register with the NameNode at {address}: {source}")]
    Register {
        address: String,
        source: RegisterError,
    },
}

/// A DataNode serving until [`DataNode::stop`].
pub struct DataNode {
    uuid: DatanodeUuid,
    xfer_address: SocketAddr,
    advertised_host: String,
    store: Arc<BlockStore>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    scanner: Option<scanner::ScannerHandle>,
    digester: Option<digester::DigesterHandle>,
}

impl DataNode {
    pub async fn start(config: DataNodeConfig) -> Result<Self, DataNodeError> {
        let dirs = config.data_dirs.clone();
        let bytes_per_checksum = config.bytes_per_checksum;
        let store =
            tokio::task::spawn_blocking(move || BlockStore::open(&dirs, bytes_per_checksum))
                .await
                .map_err(|error| StorageError::Io {
                    context: "opening the block store".into(),
                    source: std::io::Error::other(error),
                })??;
        store.set_drop_cache_behind_writes(config.drop_cache_behind_writes);
        let store = Arc::new(store);
        let (listener, xfer_address) = bind(config.xfer_address).await?;
        let (ipc_listener, ipc_address) = bind(config.ipc_address).await?;
        let (http_listener, http_address) = bind(config.http_address).await?;
        let advertised_host = match &config.hostname {
            Some(host) => host.clone(),
            None if xfer_address.ip().is_unspecified() => "127.0.0.1".to_string(),
            None => xfer_address.ip().to_string(),
        };
        let uuid = store.datanode_uuid();
        let namenode =
            NamenodeLink::connect(&config.namenode_addresses, uuid.clone(), &config.node_name)
                .map_err(|source| DataNodeError::Register {
                    address: config.namenode_addresses.join(","),
                    source,
                })?;
        let registration = pb::DatanodeRegistration {
            datanode_uuid: uuid.to_string(),
            host: advertised_host.clone(),
            xfer_port: u32::from(xfer_address.port()),
            ipc_port: u32::from(ipc_address.port()),
            http_port: u32::from(http_address.port()),
            cluster_id: store.cluster_id().unwrap_or_default(),
        };
        let registered = register_with_all(&namenode, &store, &registration).await?;

        let context = Arc::new(TransferContext {
            store: store.clone(),
            namenode: namenode.clone(),
            bytes_per_checksum,
            xceivers: AtomicU32::new(0),
            op_timeout: config.socket_timeout,
        });
        let (stop, _) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(xfer::serve(
            listener,
            context.clone(),
            stop.subscribe(),
        ))];
        let ipc_service = InterDatanodeProtocolServer::new(InterDatanodeService::new(
            store.clone(),
            namenode.clone(),
        ));
        let mut ipc_stop = stop.subscribe();
        let limits = common::net::ConnectionLimits::of(&config.conf);
        tasks.push(tokio::spawn(async move {
            let incoming = common::net::incoming(ipc_listener, limits);
            let result = tonic::transport::Server::builder()
                .add_service(ipc_service)
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = ipc_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                warn!(%error, "DataNode IPC server failed");
            }
        }));
        let mut http_stop = stop.subscribe();
        let (beans_of, beans_uuid) = (context.clone(), uuid.clone());
        let scanner_progress = Arc::new(scanner::ScannerProgress::default());
        let scanner_enabled = config.scanner_bytes_per_second > 0;
        let webhdfs = CsrfGuard::apply(
            CsrfGuard::from_conf(&config.conf, &csrf::WEBHDFS),
            crate::webhdfs::router(&config),
        );
        let router = crate::web::router(
            context.clone(),
            uuid.clone(),
            scanner_enabled.then(|| scanner_progress.clone()),
        )
        .merge(webhdfs)
        .merge(common::http::routes(
            DaemonHttp::new("DataNode", &config.conf)
                .beans(move || crate::web::beans(&beans_of, &beans_uuid))
                .pages(crate::web::PAGES),
        ));
        tasks.push(tokio::spawn(async move {
            let result = axum::serve(http_listener, router)
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                warn!(%error, "DataNode HTTP server failed");
            }
        }));
        for (index, registered) in registered.into_iter().enumerate() {
            tasks.push(tokio::spawn(service_loop(
                index,
                registered,
                config.clone(),
                context.clone(),
                registration.clone(),
                stop.subscribe(),
            )));
        }
        let report_corrupt = || {
            let namenode = namenode.clone();
            let runtime = tokio::runtime::Handle::current();
            move |replica, reason| {
                let namenode = namenode.clone();
                runtime.spawn(async move { namenode.report_bad_block(&replica, reason).await });
            }
        };
        let scanner = (config.scanner_bytes_per_second > 0).then(|| {
            scanner::start(
                store.clone(),
                config.scanner_bytes_per_second,
                config.scan_period,
                scanner_progress.clone(),
                report_corrupt(),
            )
        });
        let digester = Some(digester::start(store.clone(), report_corrupt()));
        info!(datanode = %uuid, xfer = %xfer_address, ipc = %ipc_address, http = %http_address, host = %advertised_host, "DataNode started");
        Ok(Self {
            uuid,
            xfer_address,
            advertised_host,
            store,
            stop,
            tasks,
            scanner,
            digester,
        })
    }

    pub fn uuid(&self) -> &DatanodeUuid {
        &self.uuid
    }

    pub fn xfer_address(&self) -> SocketAddr {
        self.xfer_address
    }

    /// The host name the DataNode advertises to the NameNode.
    pub fn host(&self) -> &str {
        &self.advertised_host
    }

    pub fn store(&self) -> &Arc<BlockStore> {
        &self.store
    }

    /// Stops serving (transfers under way are cut) and releases the volumes.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
        if let Some(scanner) = self.scanner.take() {
            let _ = tokio::task::spawn_blocking(move || scanner.stop()).await;
        }
        if let Some(digester) = self.digester.take() {
            let _ = tokio::task::spawn_blocking(move || digester.stop()).await;
        }
        info!(datanode = %self.uuid, "DataNode stopped");
    }
}

/// Binds `address`; port 0 picks a free one, hence the bound address back.
async fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), DataNodeError> {
    let error = |source| DataNodeError::Bind { address, source };
    let listener = TcpListener::bind(address).await.map_err(error)?;
    let bound = listener.local_addr().map_err(error)?;
    Ok((listener, bound))
}

/// Registers with every NameNode at once, until one of them takes the
/// registration: the others (down, or slower) register from their service
/// loops, so a NameNode that is down holds up none of the others. Which
/// NameNodes took it. Fails when none did: with one NameNode, as its
/// registration failed.
async fn register_with_all(
    namenode: &NamenodeLink,
    store: &Arc<BlockStore>,
    registration: &pb::DatanodeRegistration,
) -> Result<Vec<bool>, DataNodeError> {
    let mut attempts = tokio::task::JoinSet::new();
    for index in 0..namenode.namenodes() {
        let namenode = namenode.clone();
        let store = store.clone();
        let registration = registration.clone();
        attempts.spawn(async move {
            let outcome = register(index, &namenode, &store, &registration).await;
            (index, outcome)
        });
    }
    let mut registered = vec![false; namenode.namenodes()];
    let mut first_error = None;
    while let Some(attempt) = attempts.join_next().await {
        match attempt {
            Ok((index, Ok(()))) => {
                registered[index] = true;
                return Ok(registered);
            }
            Ok((index, Err(source))) => {
                warn!(namenode = namenode.address(index), error = %source, "registration failed");
                first_error.get_or_insert((index, source));
            }
            Err(error) => {
                first_error.get_or_insert((0, RegisterError::from(error)));
            }
        }
    }
    match first_error {
        Some((index, source)) => Err(DataNodeError::Register {
            address: namenode.address(index).to_string(),
            source,
        }),
        None => Ok(registered),
    }
}

/// The store's space, as heartbeats and registrations report it.
fn storage_report(store: &BlockStore) -> pb::StorageReport {
    let usage = store.usage();
    pb::StorageReport {
        capacity: usage.capacity,
        dfs_used: usage.dfs_used,
        remaining: usage.remaining,
        failed_volumes: usage.failed_volumes,
    }
}

/// Registers with NameNode `index` (telling it the store's space), binds the store to its
/// cluster, sends it a full report.
async fn register(
    index: usize,
    namenode: &NamenodeLink,
    store: &Arc<BlockStore>,
    registration: &pb::DatanodeRegistration,
) -> Result<(), RegisterError> {
    let response = namenode
        .register(index, registration.clone(), storage_report(store))
        .await?;
    let store_for_cluster = store.clone();
    tokio::task::spawn_blocking(move || {
        store_for_cluster.set_cluster(&response.cluster_id, &response.block_pool_id)
    })
    .await??;
    let replicas = store.replicas();
    namenode.block_report(index, &replicas).await?;
    Ok(())
}

/// The service loop of NameNode `index` (Hadoop's `BPServiceActor`):
/// registration until it succeeds, heartbeats carrying out the commands of
/// the active NameNode, full block reports.
async fn service_loop(
    index: usize,
    mut registered: bool,
    config: DataNodeConfig,
    context: Arc<TransferContext>,
    registration: pb::DatanodeRegistration,
    mut stop: watch::Receiver<bool>,
) {
    let namenode = context.namenode.clone();
    let mut heartbeat = tokio::time::interval(config.heartbeat_interval);
    let mut last_report = Instant::now();
    loop {
        tokio::select! {
            _ = heartbeat.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if !registered {
            match register(index, &namenode, &context.store, &registration).await {
                Ok(()) => {
                    info!(namenode = namenode.address(index), "registered");
                    registered = true;
                    last_report = Instant::now();
                }
                Err(error) => {
                    warn!(namenode = namenode.address(index), %error, "registration failed");
                    continue;
                }
            }
        }
        let storage = storage_report(&context.store);
        let response = match namenode
            .heartbeat(index, storage, context.xceivers.load(Ordering::Relaxed))
            .await
        {
            Ok(response) => response,
            Err(status) => {
                warn!(namenode = namenode.address(index), error = %status.message(), "heartbeat failed");
                continue;
            }
        };
        let obey = namenode.obeys(index, response.ha_status.as_ref());
        for command in response.commands {
            let reregister = matches!(
                command.command,
                Some(pb::datanode_command::Command::Reregister(_))
            );
            if obey || reregister {
                execute(index, command, &context, &registration).await;
            } else {
                debug!(
                    namenode = namenode.address(index),
                    ?command,
                    "ignoring a command from a NameNode that is not active"
                );
            }
        }
        if last_report.elapsed() >= config.block_report_interval {
            last_report = Instant::now();
            if let Err(status) = namenode
                .block_report(index, &context.store.replicas())
                .await
            {
                warn!(namenode = namenode.address(index), error = %status.message(), "block report failed");
            }
        }
    }
}

/// Carries out a command of NameNode `index`.
async fn execute(
    index: usize,
    command: pb::DatanodeCommand,
    context: &Arc<TransferContext>,
    registration: &pb::DatanodeRegistration,
) {
    match command.command {
        Some(pb::datanode_command::Command::Invalidate(invalidate)) => {
            for block in invalidate.blocks {
                let store = context.store.clone();
                let deleted =
                    tokio::task::spawn_blocking(move || store.delete(block.block_id)).await;
                match deleted {
                    Ok(Ok(_)) => context.namenode.block_deleted(block).await,
                    Ok(Err(error)) => {
                        warn!(block = block.block_id, %error, "deleting a replica failed")
                    }
                    Err(error) => {
                        warn!(block = block.block_id, %error, "deleting a replica failed")
                    }
                }
            }
        }
        Some(pb::datanode_command::Command::Transfer(transfer)) => {
            let context = context.clone();
            tokio::spawn(async move {
                let block = match transfer.block.required("block") {
                    Ok(block) => block,
                    Err(error) => return warn!(%error, "ignoring a transfer command"),
                };
                if let Err(error) = xfer::send_replica(&context, block, transfer.targets).await {
                    warn!(block = block.block_id, %error, "replica transfer failed");
                }
            });
        }
        Some(pb::datanode_command::Command::Reregister(_)) => {
            info!("NameNode asked this DataNode to register again");
            if let Err(error) =
                register(index, &context.namenode, &context.store, registration).await
            {
                warn!(%error, "re-registration failed");
            }
        }
        Some(pb::datanode_command::Command::Recover(recover)) => {
            let namenode = context.namenode.clone();
            tokio::spawn(async move {
                let block = match recover.block.required("block") {
                    Ok(block) => block,
                    Err(error) => return warn!(%error, "ignoring a block recovery command"),
                };
                if let Err(error) = recovery::recover_block(
                    &namenode,
                    block,
                    GenerationStamp(recover.new_generation_stamp),
                    recover.new_length,
                    recover.replicas,
                )
                .await
                {
                    warn!(block = block.block_id, %error, "block recovery failed");
                }
            });
        }
        None => {}
    }
}
