//! The SecondaryNameNode: every `dfs.namenode.checkpoint.period`, or once
//! `dfs.namenode.checkpoint.txns` transactions are not yet in an image, it
//! asks the NameNode to roll its edit log, downloads the newest fsimage (only
//! when it does not already hold it in memory) and the finalized segments
//! after it, merges them in its own memory, saves the new image in its
//! checkpoint dir and uploads it with its MD5. Its checkpoint dir has a name
//! dir's layout, so `hdfs namenode -importCheckpoint` can start from it.

mod checkpoint_dir;
pub(crate) mod transfer;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::conf::keys;
use common::conf::{ConfError, TimeUnit};
use common::faults::{self, Channel};
use common::{Configuration, RemoteException};
use proto::hdfs as pb;
use proto::hdfs::namenode_protocol_client::NamenodeProtocolClient;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use crate::checkpoint::CheckpointConfig;
use crate::checkpoint::transfer::storage_info_param;
use crate::namespace::{Limits, Namespace};
use crate::storage::{StorageError, StorageInfo};
use crate::{NameNodeConfig, fsimage};
use checkpoint_dir::CheckpointDir;
pub use transfer::TransferError;

/// The SecondaryNameNode's typed configuration.
#[derive(Clone, Debug)]
pub struct SecondaryConfig {
    /// The NameNode's RPC `host:port`.
    pub namenode_rpc: String,
    /// The NameNode's HTTP `host:port` (`dfs.namenode.http-address`).
    pub namenode_http: String,
    /// `dfs.namenode.secondary.http-address`.
    pub http_address: SocketAddr,
    /// `dfs.namenode.checkpoint.dir`: where images are kept.
    pub checkpoint_dirs: Vec<PathBuf>,
    /// `dfs.namenode.checkpoint.edits.dir`: where downloaded edits are kept.
    pub edits_dirs: Vec<PathBuf>,
    pub period: Duration,
    pub txns: u64,
    pub check_period: Duration,
    pub checkpoint: CheckpointConfig,
    pub limits: Limits,
    /// The user the SecondaryNameNode acts as (it must be the superuser).
    pub user: String,
    /// The configuration this was read from, which `/conf` shows.
    pub conf: Configuration,
}

impl SecondaryConfig {
    /// Refused in an HA cluster, as Hadoop's: the standby checkpoints.
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        refuse_ha(conf)?;
        let namenode = NameNodeConfig::from_conf(conf)?;
        let namenode_rpc = conf.namenode_rpc_address()?;
        let (http_host, http_port) = conf.get_socket_addr(keys::DFS_NAMENODE_HTTP_ADDRESS)?;
        let http_host = if http_host == "0.0.0.0" || http_host.is_empty() {
            namenode_rpc
                .rsplit_once(':')
                .map(|(host, _)| host.to_string())
                .unwrap_or(http_host)
        } else {
            http_host
        };
        let checkpoint_dirs = conf.get_local_dirs(keys::DFS_NAMENODE_CHECKPOINT_DIR)?;
        let edits_dirs = if conf
            .get_trimmed(keys::DFS_NAMENODE_CHECKPOINT_EDITS_DIR)
            .is_some()
        {
            conf.get_local_dirs(keys::DFS_NAMENODE_CHECKPOINT_EDITS_DIR)?
        } else {
            checkpoint_dirs.clone()
        };
        Ok(Self {
            namenode_rpc,
            namenode_http: format!("{http_host}:{http_port}"),
            http_address: conf
                .get_resolved_socket_addr(keys::DFS_NAMENODE_SECONDARY_HTTP_ADDRESS)?,
            checkpoint_dirs,
            edits_dirs,
            period: conf.get_duration(keys::DFS_NAMENODE_CHECKPOINT_PERIOD, TimeUnit::Seconds)?,
            txns: conf.get_u64(keys::DFS_NAMENODE_CHECKPOINT_TXNS)?.max(1),
            check_period: conf
                .get_duration(
                    keys::DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD,
                    TimeUnit::Seconds,
                )?
                .max(Duration::from_millis(10)),
            checkpoint: namenode.checkpoint,
            limits: namenode.namesystem.limits,
            user: common::user::os_user(),
            conf: namenode.conf,
        })
    }
}

/// Hadoop's refusal of a SecondaryNameNode whose nameservice has HA NameNodes.
fn refuse_ha(conf: &Configuration) -> Result<(), ConfError> {
    let nameservice = conf.get_trimmed(keys::DFS_NAMESERVICE_ID).or_else(|| {
        let ids = conf.nameservice_ids();
        (ids.len() == 1).then(|| ids[0].clone())
    });
    match nameservice {
        Some(id) if conf.is_ha_nameservice(&id) => {
            let key = common::conf::key_with_suffixes(keys::DFS_HA_NAMENODES_PREFIX, &[&id]);
            Err(ConfError::Invalid {
                value: conf.get(&key).unwrap_or_default(),
                key,
                expected: "Cannot use SecondaryNameNode in an HA cluster. The Standby Namenode will perform checkpointing.".into(),
            })
        }
        _ => Ok(()),
    }
}

/// Why a checkpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum SecondaryError {
    #[error("NameNode call failed: {0}")]
    Rpc(#[from] RemoteException),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Inconsistent(String),
}

/// What one checkpoint did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointReport {
    /// The txid of the new image (the old one when there was nothing to merge).
    pub txid: u64,
    /// Transactions merged into it.
    pub merged_txns: u64,
    pub image_bytes: u64,
    /// Whether the NameNode's image had to be downloaded first.
    pub downloaded_image: bool,
    pub duration: Duration,
}

/// The merged namespace kept between checkpoints.
struct MergedImage {
    namespace: Namespace,
    txid: u64,
}

/// Progress shown on the web page.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub last_checkpoint_millis: Option<i64>,
    pub last_checkpoint_txid: Option<u64>,
}

/// The name the SecondaryNameNode connects out as, for the fault rules of
/// tests (see [`common::faults`]).
const SECONDARY_NODE_NAME: &str = "snn";

/// A SecondaryNameNode bound to its NameNode and checkpoint dirs.
pub struct SecondaryNameNode {
    config: SecondaryConfig,
    rpc: NamenodeProtocolClient<Channel>,
    transfer: transfer::TransferClient,
    dir: CheckpointDir,
    merged: tokio::sync::Mutex<Option<MergedImage>>,
    status: Mutex<Status>,
}

impl SecondaryNameNode {
    /// Locks the checkpoint dirs; connects to the NameNode lazily.
    pub fn new(config: SecondaryConfig) -> Result<Arc<Self>, SecondaryError> {
        let endpoint =
            tonic::transport::Endpoint::from_shared(format!("http://{}", config.namenode_rpc))
                .map_err(|error| {
                    SecondaryError::Inconsistent(format!(
                        "invalid NameNode address {}: {error}",
                        config.namenode_rpc
                    ))
                })?
                .connect_timeout(Duration::from_secs(20));
        let rpc = NamenodeProtocolClient::new(faults::channel(SECONDARY_NODE_NAME, endpoint))
            .max_decoding_message_size(64 * 1024 * 1024);
        let dir = CheckpointDir::lock(&config.checkpoint_dirs, &config.edits_dirs)?;
        Ok(Arc::new(Self {
            transfer: transfer::TransferClient::new(
                SECONDARY_NODE_NAME,
                config.namenode_http.clone(),
                config.checkpoint.transfer_bandwidth,
            ),
            rpc,
            dir,
            merged: tokio::sync::Mutex::new(None),
            status: Mutex::new(Status::default()),
            config,
        }))
    }

    pub fn config(&self) -> &SecondaryConfig {
        &self.config
    }

    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(user) = self.config.user.parse() {
            request.metadata_mut().insert(proto::USER_METADATA, user);
        }
        request
    }

    /// Transactions the NameNode logged after its newest image.
    pub async fn uncheckpointed_txns(&self) -> Result<u64, SecondaryError> {
        let reply = self
            .rpc
            .clone()
            .get_transaction_id(self.request(pb::GetTransactionIdRequest {}))
            .await
            .map_err(|status| RemoteException::from_status(&status))?
            .into_inner();
        Ok(reply.txid.saturating_sub(reply.most_recent_checkpoint_txid))
    }

    /// Takes one checkpoint now. Any failure drops the in-memory image, so
    /// the next attempt starts again from the NameNode's.
    pub async fn checkpoint(&self) -> Result<CheckpointReport, SecondaryError> {
        let started = Instant::now();
        let mut merged = self.merged.lock().await;
        let signature = self
            .rpc
            .clone()
            .roll_edit_log(self.request(pb::RollEditLogRequest {}))
            .await
            .map_err(|status| RemoteException::from_status(&status))?
            .into_inner()
            .signature
            .ok_or_else(|| SecondaryError::Inconsistent("roll returned no signature".into()))?;
        let info = StorageInfo {
            namespace_id: signature.namespace_id,
            cluster_id: signature.cluster_id.clone(),
            block_pool_id: signature.block_pool_id.clone(),
            ctime: signature.ctime,
        };
        let dir = self.dir.clone();
        let identity = info.clone();
        blocking(move || dir.check_identity(&identity)).await??;

        let held = merged.take();
        let downloaded_image = held
            .as_ref()
            .is_none_or(|image| image.txid != signature.most_recent_checkpoint_txid);
        let mut image = match held {
            Some(image) if !downloaded_image => image,
            _ => {
                self.download_image(signature.most_recent_checkpoint_txid)
                    .await?
            }
        };
        let end = signature.cur_segment_txid.saturating_sub(1);
        let start_txid = image.txid;
        if image.txid < end {
            image = self.merge_edits(image, end).await?;
            let txid = image.txid;
            let (image, written) = self.save_and_upload(image, &info).await?;
            *merged = Some(image);
            let mut status = self
                .status
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            status.last_checkpoint_millis = Some(common::time::now_millis());
            status.last_checkpoint_txid = Some(txid);
            drop(status);
            return Ok(CheckpointReport {
                txid,
                merged_txns: txid - start_txid,
                image_bytes: written,
                downloaded_image,
                duration: started.elapsed(),
            });
        }
        let txid = image.txid;
        *merged = Some(image);
        Ok(CheckpointReport {
            txid,
            merged_txns: 0,
            image_bytes: 0,
            downloaded_image,
            duration: started.elapsed(),
        })
    }

    async fn download_image(&self, txid: u64) -> Result<MergedImage, SecondaryError> {
        let paths = self.dir.image_download_paths(txid);
        let downloaded = self
            .transfer
            .download(&format!("getimage=1&txid={txid}"), paths.clone())
            .await?;
        let dir = self.dir.clone();
        let limits = self.config.limits.clone();
        let namespace = blocking(move || {
            dir.install_downloaded_image(
                txid,
                &paths,
                &downloaded.written,
                downloaded.advertised_md5,
            )?;
            let loaded = fsimage::load(&dir.image_path(txid), limits)
                .map_err(|error| SecondaryError::Storage(error.into()))?;
            Ok::<_, SecondaryError>(loaded.namespace)
        })
        .await??;
        info!(txid, "downloaded the NameNode's fsimage");
        Ok(MergedImage { namespace, txid })
    }

    async fn merge_edits(
        &self,
        mut image: MergedImage,
        end: u64,
    ) -> Result<MergedImage, SecondaryError> {
        let manifest = self
            .rpc
            .clone()
            .get_edit_log_manifest(self.request(pb::GetEditLogManifestRequest {
                since_txid: image.txid + 1,
            }))
            .await
            .map_err(|status| RemoteException::from_status(&status))?
            .into_inner();
        for log in manifest.logs {
            if log.start_txid > end {
                break;
            }
            if log.end_txid <= image.txid {
                continue;
            }
            if log.start_txid != image.txid + 1 || log.end_txid > end {
                return Err(SecondaryError::Inconsistent(format!(
                    "the NameNode's edit log does not continue the image at txid {}: next segment is {}-{}",
                    image.txid, log.start_txid, log.end_txid
                )));
            }
            let paths = self
                .dir
                .segment_download_paths(log.start_txid, log.end_txid);
            self.transfer
                .download(
                    &format!(
                        "getedit=1&startTxId={}&endTxId={}",
                        log.start_txid, log.end_txid
                    ),
                    paths.clone(),
                )
                .await?;
            let dir = self.dir.clone();
            let (start, segment_end) = (log.start_txid, log.end_txid);
            image = blocking(move || {
                dir.apply_downloaded_segment(&mut image.namespace, &paths, start, segment_end)?;
                image.txid = segment_end;
                Ok::<_, SecondaryError>(image)
            })
            .await??;
        }
        if image.txid != end {
            return Err(SecondaryError::Inconsistent(format!(
                "the NameNode's finalized edits end at txid {} but its roll ended at txid {end}",
                image.txid
            )));
        }
        Ok(image)
    }

    async fn save_and_upload(
        &self,
        image: MergedImage,
        info: &StorageInfo,
    ) -> Result<(MergedImage, u64), SecondaryError> {
        let dir = self.dir.clone();
        let namespace_id = info.namespace_id;
        let (image, path, md5) = blocking(move || {
            let (path, md5) = dir.save_image(&image.namespace, image.txid, namespace_id)?;
            Ok::<_, SecondaryError>((image, path, md5))
        })
        .await??;
        let file = std::fs::File::open(&path).map_err(|source| StorageError::Io {
            context: format!("cannot open {}", path.display()),
            source,
        })?;
        let len = file
            .metadata()
            .map_err(|source| StorageError::Io {
                context: format!("cannot stat {}", path.display()),
                source,
            })?
            .len();
        info!(
            txid = image.txid,
            bytes = len,
            "uploading fsimage to the NameNode"
        );
        let query = format!(
            "txid={}&storageInfo={}",
            image.txid,
            percent_encode(&storage_info_param(info))
        );
        self.transfer.upload(&query, file, len, &md5).await?;
        let dir = self.dir.clone();
        let retention = self.config.checkpoint.retention;
        blocking(move || dir.purge(retention)).await?;
        Ok((image, len))
    }

    /// `hdfs secondarynamenode -format`: forgets the merged image and empties
    /// the checkpoint dirs.
    pub async fn format(&self) -> Result<(), SecondaryError> {
        let mut merged = self.merged.lock().await;
        *merged = None;
        let dir = self.dir.clone();
        blocking(move || dir.format()).await??;
        Ok(())
    }

    /// Checkpoints whenever the period has passed or enough transactions
    /// accumulated, until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut last_checkpoint = Instant::now();
        let mut ticks = tokio::time::interval(self.config.check_period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|stop| *stop) => return,
            }
            let due_by_period = last_checkpoint.elapsed() >= self.config.period;
            let due_by_txns = match self.uncheckpointed_txns().await {
                Ok(count) => count >= self.config.txns,
                Err(failure) => {
                    warn!(error = %failure, "cannot ask the NameNode for its transaction count");
                    continue;
                }
            };
            if !due_by_period && !due_by_txns {
                continue;
            }
            match self.checkpoint().await {
                Ok(report) => {
                    last_checkpoint = Instant::now();
                    info!(
                        txid = report.txid,
                        merged = report.merged_txns,
                        bytes = report.image_bytes,
                        millis = report.duration.as_millis() as u64,
                        "checkpoint done"
                    );
                }
                Err(failure) => error!(error = %failure, "Exception in doCheckpoint"),
            }
        }
    }
}

/// A running SecondaryNameNode daemon: the checkpoint loop and its web port.
pub struct SecondaryDaemon {
    secondary: Arc<SecondaryNameNode>,
    http_address: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl SecondaryDaemon {
    pub async fn start(config: SecondaryConfig) -> Result<Self, SecondaryError> {
        let listener = TcpListener::bind(config.http_address)
            .await
            .map_err(|source| StorageError::Io {
                context: format!("cannot listen on {}", config.http_address),
                source,
            })?;
        let http_address = listener.local_addr().map_err(|source| StorageError::Io {
            context: "cannot read the bound address".into(),
            source,
        })?;
        let secondary = SecondaryNameNode::new(config)?;
        let (shutdown, _) = watch::channel(false);
        let mut http_stop = shutdown.subscribe();
        let router = web::router(secondary.clone(), http_address);
        let http = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = http_stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(failure) = served {
                error!(error = %failure, "SecondaryNameNode HTTP server failed");
            }
        });
        let checkpointer = tokio::spawn(secondary.clone().run(shutdown.subscribe()));
        info!(
            http = %http_address,
            namenode = %secondary.config.namenode_rpc,
            checkpoint_dir = %secondary.config.checkpoint_dirs[0].display(),
            "SecondaryNameNode started"
        );
        Ok(Self {
            secondary,
            http_address,
            shutdown,
            tasks: vec![http, checkpointer],
        })
    }

    pub fn http_address(&self) -> SocketAddr {
        self.http_address
    }

    pub fn secondary(&self) -> &Arc<SecondaryNameNode> {
        &self.secondary
    }

    /// Stops the loop (after a checkpoint in progress) and the web port.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SecondaryError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| SecondaryError::Inconsistent(format!("checkpoint task failed: {error}")))
}

/// Percent-encodes a query parameter value.
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b':') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ha_cluster_refuses_the_secondary_namenode() {
        let mut conf = Configuration::new();
        conf.set(keys::DFS_NAMESERVICES, "mycluster");
        conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
        let error = SecondaryConfig::from_conf(&conf).unwrap_err().to_string();
        assert!(
            error.contains("Cannot use SecondaryNameNode in an HA cluster. The Standby Namenode will perform checkpointing."),
            "{error}"
        );
    }
}
