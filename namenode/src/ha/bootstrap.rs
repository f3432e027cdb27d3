//! `hdfs namenode -bootstrapStandby` (Hadoop's `BootstrapStandby`): formats
//! this NameNode's name dirs with the other NameNode's cluster and namespace
//! and downloads its newest fsimage over HTTP, so this NameNode can start as
//! the standby of the pair.

use std::fs;
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::config::NameNodeConfig;
use crate::fsimage;
use crate::qjournal::QJM_NODE_NAME;
use crate::secondary::transfer::TransferClient;
use crate::storage::{
    LAYOUT_VERSION, NameDirs, StorageError, StorageInfo, image_name, write_seen_txid,
};

/// Why the bootstrap failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// Not an HA NameNode.
    #[error("HA is not enabled for this namenode.")]
    NotHa,
    /// The name dirs hold a namespace and neither `-force` nor the user
    /// allowed formatting them.
    #[error("Running in non-interactive mode, and data appears to exist in {0}. Not formatting.")]
    AlreadyFormatted(String),
    /// The other NameNode could not be asked or its answer is unusable.
    #[error("Unable to fetch namespace information from the other NameNode at {address}: {reason}")]
    OtherNameNode { address: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What the bootstrap installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The other NameNode's HTTP address the image came from.
    pub other_http_address: String,
    pub namespace_id: u64,
    pub cluster_id: String,
    pub block_pool_id: String,
    /// The txid of the downloaded fsimage.
    pub image_txid: u64,
}

/// Whether any of `config`'s name dirs holds a formatted namespace.
pub fn is_formatted(config: &NameNodeConfig) -> bool {
    config
        .namesystem
        .name_dirs
        .iter()
        .any(|dir| dir.join("current").join("VERSION").exists())
}

/// Formats the name dirs as the other NameNode's namespace and installs its
/// newest fsimage. Refuses formatted dirs unless `force`.
pub async fn bootstrap_standby(
    config: &NameNodeConfig,
    force: bool,
) -> Result<Bootstrapped, BootstrapError> {
    let ha = config.namesystem.ha.as_ref().ok_or(BootstrapError::NotHa)?;
    let roots = &config.namesystem.name_dirs;
    if is_formatted(config) && !force {
        return Err(BootstrapError::AlreadyFormatted(list(roots)));
    }
    let mut last_error = None;
    for address in &ha.other_http_addresses {
        match bootstrap_from(config, address).await {
            Ok(done) => return Ok(done),
            Err(error) => {
                tracing::warn!(%error, other = %address, "cannot bootstrap from this NameNode");
                last_error = Some(error);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| BootstrapError::OtherNameNode {
        address: ha.nameservice.clone(),
        reason: "the nameservice has no other NameNode".into(),
    }))
}

async fn bootstrap_from(
    config: &NameNodeConfig,
    address: &str,
) -> Result<Bootstrapped, BootstrapError> {
    let other = |reason: String| BootstrapError::OtherNameNode {
        address: address.to_string(),
        reason,
    };
    let (cluster_id, block_pool_id) = namenode_info_retrying(address).await.map_err(other)?;
    let dirs = NameDirs::lock(&config.namesystem.name_dirs)?;
    let currents = dirs.current_dirs();
    for current in &currents {
        if current.exists() {
            fs::remove_dir_all(current)
                .map_err(io(format!("cannot clear {}", current.display())))?;
        }
        fs::create_dir_all(current).map_err(io(format!("cannot create {}", current.display())))?;
    }
    let downloads: Vec<PathBuf> = currents
        .iter()
        .map(|current| current.join("fsimage.ckpt_bootstrap"))
        .collect();
    let client = TransferClient::new(
        QJM_NODE_NAME,
        address.to_string(),
        config.checkpoint.transfer_bandwidth,
    );
    let downloaded = client
        .download("getimage=1&txid=latest", downloads.clone())
        .await
        .map_err(|error| other(error.to_string()))?;
    if let Some(advertised) = &downloaded.advertised_md5
        && !advertised.eq_ignore_ascii_case(&downloaded.written.md5_hex)
    {
        return Err(other(format!(
            "the image's MD5 {} does not match the advertised {advertised}",
            downloaded.written.md5_hex
        )));
    }
    let first = downloads[0].clone();
    let header = tokio::task::spawn_blocking(move || fsimage::check_structure(&first))
        .await
        .map_err(|error| other(error.to_string()))?
        .map_err(|error| other(error.to_string()))?;
    let info = StorageInfo {
        namespace_id: header.namespace_id,
        cluster_id: cluster_id.clone(),
        block_pool_id: block_pool_id.clone(),
        ctime: 0,
    };
    let txid = header.last_txid;
    for (current, download) in currents.iter().zip(&downloads) {
        let image = current.join(image_name(txid));
        fs::rename(download, &image).map_err(io(format!("cannot install {}", image.display())))?;
        fsimage::write_md5_file(&image, &downloaded.written.md5_hex, &image_name(txid))
            .map_err(io(format!("cannot write the MD5 of {}", image.display())))?;
        info.write(current)
            .map_err(io(format!("cannot write {}/VERSION", current.display())))?;
        write_seen_txid(current, txid)
            .map_err(io(format!("cannot write {}/seen_txid", current.display())))?;
    }
    tracing::info!(
        other = %address,
        namespace_id = info.namespace_id,
        cluster_id = %cluster_id,
        layout_version = LAYOUT_VERSION,
        image_txid = txid,
        "bootstrapped the standby's name dirs"
    );
    Ok(Bootstrapped {
        other_http_address: address.to_string(),
        namespace_id: info.namespace_id,
        cluster_id,
        block_pool_id,
        image_txid: txid,
    })
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> StorageError {
    move |source| StorageError::Io { context, source }
}

fn list(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|dir| dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How often, and how far apart, the other NameNode is tried while it does
/// not answer (Hadoop's `ipc.client.connect.max.retries` and
/// `ipc.client.connect.retry.interval` defaults): it may still be starting.
const CONNECT_ATTEMPTS: u32 = 10;
const CONNECT_RETRY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// [`namenode_info`], tried again while the other NameNode does not answer.
async fn namenode_info_retrying(address: &str) -> Result<(String, String), String> {
    let mut attempt = 1;
    loop {
        match namenode_info(address).await {
            Ok(info) => return Ok(info),
            Err(error) if attempt < CONNECT_ATTEMPTS => {
                tracing::info!(other = %address, attempt, %error, "retrying the other NameNode");
                attempt += 1;
                tokio::time::sleep(CONNECT_RETRY_INTERVAL).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// The other NameNode's cluster and block pool ids, from its `/jmx`
/// NameNodeInfo bean.
async fn namenode_info(address: &str) -> Result<(String, String), String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| error.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(connection);
    let request = Request::get(format!("http://{address}/jmx"))
        .header(hyper::header::HOST, address)
        .body(Empty::<Bytes>::new())
        .map_err(|error| error.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|error| error.to_string())?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("/jmx answered {status}"));
    }
    let jmx: serde_json::Value =
        serde_json::from_slice(&body).map_err(|error| format!("/jmx: {error}"))?;
    let bean = jmx["beans"]
        .as_array()
        .and_then(|beans| {
            beans
                .iter()
                .find(|bean| bean["name"] == "Hadoop:service=NameNode,name=NameNodeInfo")
        })
        .ok_or("/jmx has no NameNodeInfo bean")?;
    let text = |key: &str| {
        bean[key]
            .as_str()
            .filter(|value| !value.is_empty())
            .map(str::to_string)
            .ok_or(format!("/jmx NameNodeInfo has no {key}"))
    };
    Ok((text("ClusterId")?, text("BlockPoolId")?))
}
