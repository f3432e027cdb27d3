//! The NameNode's side of checkpointing: it hands out its newest fsimage and
//! finalized edit segments, rolls its edit log on request, receives a merged
//! image, verifies it (the advertised MD5 as it arrives, then the header and
//! the framing of every record) before installing it in every name dir, and purges images and edits no longer needed.
//!
//! An upload is written to `fsimage.ckpt_<txid>` in each dir; only a verified
//! image is renamed to `fsimage_<txid>`, so a checkpointer that dies or sends
//! garbage leaves the name dirs as they were.

pub mod import;
pub mod protocol;
pub mod retention;
pub mod stream;
pub mod transfer;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use common::Configuration;
use common::conf::ConfError;
use common::conf::keys;
use tokio_stream::{Stream, StreamExt};
use tracing::{info, warn};

use crate::fsimage;
use crate::namesystem::Namesystem;
use crate::storage::{self, FileListing, StorageError, StorageInfo, image_name, sync_dir};
use retention::RetentionPolicy;
use stream::FileSink;

/// Prefix of an uploaded image before it is verified and installed.
const UPLOAD_PREFIX: &str = "fsimage.ckpt_";

/// How checkpoints are transferred and retained.
#[derive(Clone, Copy, Debug)]
pub struct CheckpointConfig {
    pub retention: RetentionPolicy,
    /// `dfs.image.transfer.bandwidthPerSec`: bytes per second for image and
    /// edit transfers, 0 for no limit.
    pub transfer_bandwidth: u64,
}

impl CheckpointConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        Ok(Self {
            retention: RetentionPolicy {
                images_retained: conf
                    .get_u32(keys::DFS_NAMENODE_NUM_CHECKPOINTS_RETAINED)?
                    .max(1) as usize,
                extra_edits_retained: conf.get_u64(keys::DFS_NAMENODE_NUM_EXTRA_EDITS_RETAINED)?,
                max_extra_segments: conf
                    .get_u32(keys::DFS_NAMENODE_MAX_EXTRA_EDITS_SEGMENTS_RETAINED)?
                    as usize,
            },
            transfer_bandwidth: conf.get_size_bytes(keys::DFS_IMAGE_TRANSFER_BANDWIDTH_PER_SEC)?,
        })
    }
}

/// Why an uploaded image was refused; each maps to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Another upload is running, or a newer image is already installed.
    #[error("{0}")]
    Conflict(String),
    /// The uploader belongs to another namespace.
    #[error("{0}")]
    Forbidden(String),
    /// The image is damaged or does not fit this namespace.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(String),
}

/// What a checkpoint is taken against (Hadoop's CheckpointSignature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointSignature {
    pub info: StorageInfo,
    pub most_recent_checkpoint_txid: u64,
    /// First txid of the segment the roll opened.
    pub cur_segment_txid: u64,
}

/// The checkpoint service of one NameNode.
pub struct Checkpoints {
    namesystem: Arc<Namesystem>,
    config: CheckpointConfig,
    /// Held by the one upload (and purge) allowed at a time.
    upload: tokio::sync::Mutex<()>,
}

impl Checkpoints {
    pub fn new(namesystem: Arc<Namesystem>, config: CheckpointConfig) -> Arc<Self> {
        Arc::new(Self {
            namesystem,
            config,
            upload: tokio::sync::Mutex::new(()),
        })
    }

    pub fn namesystem(&self) -> &Arc<Namesystem> {
        &self.namesystem
    }

    pub fn config(&self) -> &CheckpointConfig {
        &self.config
    }

    fn listing(&self) -> Result<FileListing, StorageError> {
        storage::list_files(&self.namesystem.current_dirs())
    }

    /// The txid of the newest fsimage in the name dirs (blocking: lists them).
    pub fn most_recent_checkpoint_txid(&self) -> Result<u64, StorageError> {
        Ok(self
            .listing()?
            .images
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0))
    }

    /// A copy of the image at `txid`, if the name dirs hold one.
    pub fn image_path(&self, txid: u64) -> Result<Option<PathBuf>, StorageError> {
        Ok(self
            .listing()?
            .images
            .get(&txid)
            .and_then(|copies| copies.first().cloned()))
    }

    /// A copy of the finalized segment `start`-`end`, if there is one.
    pub fn segment_path(&self, start: u64, end: u64) -> Result<Option<PathBuf>, StorageError> {
        Ok(self.listing()?.finalized.get(&start).and_then(|copies| {
            copies
                .iter()
                .find(|(copy_end, _)| *copy_end == end)
                .map(|(_, path)| path.clone())
        }))
    }

    /// `(start, end)` of the finalized segments holding txids at or after
    /// `since_txid`, in order.
    pub fn manifest(&self, since_txid: u64) -> Result<Vec<(u64, u64)>, StorageError> {
        let listing = self.listing()?;
        let mut segments = Vec::new();
        for (start, copies) in &listing.finalized {
            let end = copies[0].0;
            if end >= since_txid {
                segments.push((*start, end));
            }
        }
        Ok(segments)
    }

    /// Rolls the edit log for a checkpointer (superuser only, refused in
    /// safe mode as Hadoop's rollEditLog).
    pub async fn roll(&self, user: &str) -> Result<CheckpointSignature, common::RemoteException> {
        let caller = self.namesystem.caller(user);
        let cur_segment_txid = self.namesystem.roll_edits(&caller).await?;
        let most_recent_checkpoint_txid = self.blocking_newest_image().await?;
        Ok(CheckpointSignature {
            info: self.namesystem.storage_info().clone(),
            most_recent_checkpoint_txid,
            cur_segment_txid,
        })
    }

    /// [`Checkpoints::most_recent_checkpoint_txid`] off the runtime threads.
    pub async fn blocking_newest_image(&self) -> Result<u64, common::RemoteException> {
        let currents = self.namesystem.current_dirs();
        tokio::task::spawn_blocking(move || storage::list_files(&currents))
            .await
            .map_err(|error| common::RemoteException::io(error.to_string()))?
            .map(|listing| listing.images.keys().next_back().copied().unwrap_or(0))
            .map_err(|error| common::RemoteException::io(error.to_string()))
    }

    /// Receives the image a checkpointer merged at `txid`, checks it against
    /// `advertised_md5` and its structure before installing it in every
    /// name dir; then purges what is no longer needed.
    pub async fn receive_image<S, E>(
        &self,
        txid: u64,
        advertised_md5: &str,
        uploader: &StorageInfo,
        mut body: S,
    ) -> Result<(), UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let Ok(_upload) = self.upload.try_lock() else {
            return Err(UploadError::Conflict(format!(
                "Another checkpointer is already in the process of uploading a checkpoint made at transaction ID {txid}"
            )));
        };
        let info = self.namesystem.storage_info();
        if uploader.namespace_id != info.namespace_id || uploader.cluster_id != info.cluster_id {
            return Err(UploadError::Forbidden(format!(
                "This namenode has namespace ID {} and cluster ID {}, but the checkpoint is of namespace ID {} and cluster ID {}",
                info.namespace_id, info.cluster_id, uploader.namespace_id, uploader.cluster_id
            )));
        }
        let newest = self
            .blocking_newest_image()
            .await
            .map_err(|error| UploadError::Io(error.message))?;
        if txid <= newest {
            return Err(UploadError::Conflict(format!(
                "Another checkpointer already uploaded a checkpoint for txid {txid}: the newest image is at txid {newest}"
            )));
        }
        let last_synced = self.namesystem.synced_txid();
        if txid > last_synced {
            return Err(UploadError::Invalid(format!(
                "the checkpoint at txid {txid} is beyond the edit log, which ends at txid {last_synced}"
            )));
        }

        let currents = self.namesystem.current_dirs();
        let uploads: Vec<PathBuf> = currents
            .iter()
            .map(|current| current.join(upload_name(txid)))
            .collect();
        let sink = FileSink::create(uploads.clone()).map_err(|error| {
            UploadError::Io(format!("cannot create {}: {error}", uploads[0].display()))
        })?;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|error| {
                warn!(txid, %error, "checkpoint upload broke off");
                UploadError::Io(format!("upload of the checkpoint broke off: {error}"))
            })?;
            sink.write(chunk)
                .await
                .map_err(|error| UploadError::Io(error.to_string()))?;
        }
        let written = sink
            .finish()
            .await
            .map_err(|error| UploadError::Io(format!("cannot store the checkpoint: {error}")))?;
        if written.md5_hex != advertised_md5.to_ascii_lowercase() {
            remove_files(&uploads);
            return Err(UploadError::Invalid(format!(
                "File {} computed digest {} does not match advertised digest {advertised_md5}",
                upload_name(txid),
                written.md5_hex
            )));
        }

        let namespace_id = info.namespace_id;
        let first = uploads[0].clone();
        let verified = tokio::task::spawn_blocking(move || {
            let header = fsimage::check_structure(&first).map_err(|error| error.to_string())?;
            if header.last_txid != txid || header.namespace_id != namespace_id {
                return Err(format!(
                    "the image holds txid {} of namespace {} instead of txid {txid} of namespace {namespace_id}",
                    header.last_txid, header.namespace_id
                ));
            }
            Ok(())
        })
        .await
        .map_err(|error| UploadError::Io(error.to_string()))?;
        if let Err(reason) = verified {
            for upload in &uploads {
                set_aside_corrupt(upload);
            }
            warn!(txid, %reason, "refused a corrupt checkpoint");
            return Err(UploadError::Invalid(format!(
                "refused the checkpoint at txid {txid}: {reason}"
            )));
        }

        let retention = self.config.retention;
        let min_txid_to_keep = tokio::task::spawn_blocking(move || -> io::Result<u64> {
            for (current, upload) in currents.iter().zip(&uploads) {
                let image = current.join(image_name(txid));
                fs::rename(upload, &image)?;
                fsimage::write_md5_file(&image, &written.md5_hex, &image_name(txid))?;
                sync_dir(current)?;
            }
            Ok(purge(&currents, retention))
        })
        .await
        .map_err(|error| UploadError::Io(error.to_string()))?
        .map_err(|error| UploadError::Io(format!("cannot install the checkpoint: {error}")))?;
        info!(txid, bytes = written.len, "installed a checkpoint image");
        if let Some(editlog) = self.namesystem.editlog() {
            editlog.purge_shared_logs(min_txid_to_keep).await;
        }
        Ok(())
    }

    /// Purges old images and edits and leftovers of broken uploads.
    pub async fn purge(&self) {
        let _upload = self.upload.lock().await;
        let currents = self.namesystem.current_dirs();
        let retention = self.config.retention;
        let _ = tokio::task::spawn_blocking(move || purge(&currents, retention)).await;
    }
}

fn upload_name(txid: u64) -> String {
    format!("{UPLOAD_PREFIX}{txid:019}")
}

/// Applies the retention policy to `currents` and removes leftover uploads.
/// Only call it while no upload is running. Failures are logged. Returns the
/// first txid kept ([`retention::PurgePlan::min_txid_to_keep`]).
pub fn purge(currents: &[PathBuf], retention: RetentionPolicy) -> u64 {
    let listing = match storage::list_files(currents) {
        Ok(listing) => listing,
        Err(error) => {
            warn!(%error, "cannot list name dirs for purging");
            return 0;
        }
    };
    let images: Vec<u64> = listing.images.keys().copied().collect();
    let segments: Vec<(u64, u64)> = listing
        .finalized
        .iter()
        .flat_map(|(start, copies)| copies.iter().map(move |(end, _)| (*start, *end)))
        .collect();
    let plan = retention::plan(&images, &segments, retention);
    for txid in &plan.images {
        for path in &listing.images[txid] {
            remove_logged(path);
            remove_logged(&fsimage::md5_path(path));
        }
    }
    for (start, end) in &plan.segments {
        for (copy_end, path) in &listing.finalized[start] {
            if copy_end == end {
                remove_logged(path);
            }
        }
    }
    for current in currents {
        let Ok(entries) = fs::read_dir(current) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(UPLOAD_PREFIX) && !common::durable::is_set_aside(&name) {
                remove_logged(&entry.path());
            }
        }
        if let Err(error) = sync_dir(current) {
            warn!(dir = %current.display(), %error, "cannot sync name dir after purging");
        }
    }
    if !plan.images.is_empty() || !plan.segments.is_empty() {
        info!(
            images = ?plan.images,
            segments = plan.segments.len(),
            "purged old images and edits"
        );
    }
    plan.min_txid_to_keep
}

fn remove_logged(path: &Path) {
    if let Err(error) = fs::remove_file(path)
        && error.kind() != io::ErrorKind::NotFound
    {
        warn!(file = %path.display(), %error, "cannot purge");
    }
}

fn remove_files(paths: &[PathBuf]) {
    for path in paths {
        remove_logged(path);
    }
}

fn set_aside_corrupt(path: &Path) {
    if let Err(error) = common::durable::set_aside_corrupt(path) {
        warn!(file = %path.display(), %error, "cannot set aside a corrupt checkpoint");
    }
}
