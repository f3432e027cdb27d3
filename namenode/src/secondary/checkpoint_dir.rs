//! The SecondaryNameNode's own storage: `dfs.namenode.checkpoint.dir` holds
//! `current/VERSION` and the merged images (a name dir's layout), and
//! `dfs.namenode.checkpoint.edits.dir` the segments downloaded to merge.
//! Downloads land in `*.download` files and take their real names only once
//! complete and checked. Every method blocks.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::checkpoint::retention::RetentionPolicy;
use crate::checkpoint::stream::WrittenFile;
use crate::fsimage;
use crate::namespace::Namespace;
use crate::storage::{
    self, NameDirs, StorageError, StorageInfo, finalized_segment_name, image_name, sync_dir,
};

use super::SecondaryError;

/// The locked checkpoint (and edits) dirs; cheap to clone.
#[derive(Clone)]
pub struct CheckpointDir {
    inner: Arc<Dirs>,
}

struct Dirs {
    image_currents: Vec<PathBuf>,
    edits_currents: Vec<PathBuf>,
    _locks: Vec<NameDirs>,
}

fn io_error(context: String) -> impl FnOnce(std::io::Error) -> StorageError {
    move |source| StorageError::Io { context, source }
}

impl CheckpointDir {
    /// Locks the dirs (`in_use.lock`), so two SecondaryNameNodes, or a
    /// running one and `-importCheckpoint`, never share them.
    pub fn lock(checkpoint_dirs: &[PathBuf], edits_dirs: &[PathBuf]) -> Result<Self, StorageError> {
        let mut locks = vec![NameDirs::lock(checkpoint_dirs)?];
        let separate_edits: Vec<PathBuf> = edits_dirs
            .iter()
            .filter(|dir| !checkpoint_dirs.contains(dir))
            .cloned()
            .collect();
        if !separate_edits.is_empty() {
            locks.push(NameDirs::lock(&separate_edits)?);
        }
        let currents = |dirs: &[PathBuf]| dirs.iter().map(|dir| dir.join("current")).collect();
        Ok(Self {
            inner: Arc::new(Dirs {
                image_currents: currents(checkpoint_dirs),
                edits_currents: currents(edits_dirs),
                _locks: locks,
            }),
        })
    }

    /// Records the NameNode's identity in a fresh dir, or checks that the
    /// dir belongs to the same namespace.
    pub fn check_identity(&self, info: &StorageInfo) -> Result<(), SecondaryError> {
        for current in self
            .inner
            .image_currents
            .iter()
            .chain(&self.inner.edits_currents)
        {
            fs::create_dir_all(current)
                .map_err(io_error(format!("cannot create {}", current.display())))?;
        }
        for current in &self.inner.image_currents {
            if !current.join("VERSION").exists() {
                info.write(current).map_err(io_error(format!(
                    "cannot write VERSION in {}",
                    current.display()
                )))?;
                continue;
            }
            let recorded = StorageInfo::read(current)?;
            if recorded.namespace_id != info.namespace_id || recorded.cluster_id != info.cluster_id
            {
                return Err(SecondaryError::Inconsistent(format!(
                    "Inconsistent checkpoint fields: {} has namespaceID {} and clusterID {}, \
                     but the NameNode has namespaceID {} and clusterID {} \
                     (run `hdfs secondarynamenode -format` to start afresh)",
                    current.display(),
                    recorded.namespace_id,
                    recorded.cluster_id,
                    info.namespace_id,
                    info.cluster_id
                )));
            }
        }
        Ok(())
    }

    /// Empties the dirs (`hdfs secondarynamenode -format`).
    pub fn format(&self) -> Result<(), StorageError> {
        for current in self
            .inner
            .image_currents
            .iter()
            .chain(&self.inner.edits_currents)
        {
            if current.exists() {
                fs::remove_dir_all(current)
                    .map_err(io_error(format!("cannot clear {}", current.display())))?;
            }
        }
        Ok(())
    }

    pub fn image_path(&self, txid: u64) -> PathBuf {
        self.inner.image_currents[0].join(image_name(txid))
    }

    pub fn image_download_paths(&self, txid: u64) -> Vec<PathBuf> {
        let name = format!("{}.download", image_name(txid));
        self.inner
            .image_currents
            .iter()
            .map(|current| current.join(&name))
            .collect()
    }

    /// Checks a downloaded image against the NameNode's advertised MD5 and
    /// gives it its real name and `.md5`.
    pub fn install_downloaded_image(
        &self,
        txid: u64,
        downloads: &[PathBuf],
        written: &WrittenFile,
        advertised_md5: Option<String>,
    ) -> Result<(), SecondaryError> {
        if let Some(advertised) = advertised_md5
            && advertised.to_ascii_lowercase() != written.md5_hex
        {
            for download in downloads {
                let _ = fs::remove_file(download);
            }
            return Err(SecondaryError::Inconsistent(format!(
                "downloaded fsimage {txid} has MD5 {} but the NameNode advertised {advertised}",
                written.md5_hex
            )));
        }
        for (current, download) in self.inner.image_currents.iter().zip(downloads) {
            let image = current.join(image_name(txid));
            fs::rename(download, &image)
                .map_err(io_error(format!("cannot rename {}", download.display())))?;
            fsimage::write_md5_file(&image, &written.md5_hex, &image_name(txid)).map_err(
                io_error(format!("cannot write the MD5 of {}", image.display())),
            )?;
            sync_dir(current).map_err(io_error(format!("cannot sync {}", current.display())))?;
        }
        Ok(())
    }

    pub fn segment_download_paths(&self, start: u64, end: u64) -> Vec<PathBuf> {
        let name = format!("{}.download", finalized_segment_name(start, end));
        self.inner
            .edits_currents
            .iter()
            .map(|current| current.join(&name))
            .collect()
    }

    /// Names a downloaded segment and replays it into `namespace` (checked
    /// end to end before anything is applied, as at NameNode startup).
    pub fn apply_downloaded_segment(
        &self,
        namespace: &mut Namespace,
        downloads: &[PathBuf],
        start: u64,
        end: u64,
    ) -> Result<(), SecondaryError> {
        let mut copies = Vec::with_capacity(downloads.len());
        for (current, download) in self.inner.edits_currents.iter().zip(downloads) {
            let segment = current.join(finalized_segment_name(start, end));
            fs::rename(download, &segment)
                .map_err(io_error(format!("cannot rename {}", download.display())))?;
            sync_dir(current).map_err(io_error(format!("cannot sync {}", current.display())))?;
            copies.push((end, segment));
        }
        storage::replay_finalized(namespace, &copies, start, end)?;
        namespace.take_removed_blocks();
        Ok(())
    }

    /// Saves the merged image in every checkpoint dir; returns a copy's
    /// path and its MD5.
    pub fn save_image(
        &self,
        namespace: &Namespace,
        txid: u64,
        namespace_id: u64,
    ) -> Result<(PathBuf, String), SecondaryError> {
        for current in &self.inner.image_currents {
            let path = current.join(image_name(txid));
            fsimage::save(namespace, txid, namespace_id, &path)
                .map_err(io_error(format!("cannot save {}", path.display())))?;
        }
        let path = self.image_path(txid);
        let md5 = fsimage::read_md5_file(&path).map_err(io_error(format!(
            "cannot read the MD5 of {}",
            path.display()
        )))?;
        Ok((path, md5))
    }

    /// Keeps the images and edits the retention policy asks for.
    pub fn purge(&self, retention: RetentionPolicy) {
        let mut currents: Vec<PathBuf> = self.inner.image_currents.clone();
        for current in &self.inner.edits_currents {
            if !currents.contains(current) {
                currents.push(current.clone());
            }
        }
        crate::checkpoint::purge(&currents, retention);
    }

    /// The checkpoint dirs (for the web page).
    pub fn image_dirs(&self) -> Vec<&Path> {
        self.inner
            .image_currents
            .iter()
            .map(|current| current.parent().unwrap_or(current))
            .collect()
    }
}
