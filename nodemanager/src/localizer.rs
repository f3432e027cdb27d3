//! Localization: a container's local resources copied from the DFS once
//! per application into its file cache, checked against the size and
//! modification time recorded at submission, linked into the working dir.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use client::DfsClient;
use common::yarn::ApplicationId;
use proto::yarn as pb;
use tokio::io::AsyncWriteExt;
use tokio::sync::OnceCell;

type CacheKey = (ApplicationId, String);

/// Why a local resource could not be made available, worded as Hadoop's
/// localizer reports it in the container's diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum LocalizationError {
    #[error("Resource {0} cannot be localized: no distributed file system (fs.defaultFS)")]
    NoFileSystem(String),
    #[error("File does not exist: {0}")]
    NotFound(String),
    #[error("{path}: {source}")]
    Remote {
        path: String,
        source: client::RemoteException,
    },
    #[error("Resource {path} changed on src filesystem (expected {expected}, was {was})")]
    Modified {
        path: String,
        expected: i64,
        was: i64,
    },
    #[error("Resource {path} changed on src filesystem (expected size {expected}, was {was})")]
    Resized {
        path: String,
        expected: u64,
        was: u64,
    },
    #[error("Invalid local resource name '{0}'")]
    InvalidName(String),
    #[error("cannot link {}: {source}", path.display())]
    Link {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The per-application caches of this NodeManager.
pub struct Localizer {
    dfs: Option<DfsClient>,
    cached: Mutex<HashMap<CacheKey, Arc<OnceCell<PathBuf>>>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl Localizer {
    /// `dfs` is `None` when no DFS is configured: then any local resource fails.
    pub fn new(dfs: Option<DfsClient>) -> Self {
        Self {
            dfs,
            cached: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// Makes every resource available in `work_dir` under its name.
    pub async fn localize(
        &self,
        application: ApplicationId,
        cache_dir: &Path,
        work_dir: &Path,
        resources: &[pb::LocalResource],
    ) -> Result<(), LocalizationError> {
        for resource in resources {
            let cell = {
                let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
                cached
                    .entry((application, resource.path.clone()))
                    .or_default()
                    .clone()
            };
            let local = cell
                .get_or_try_init(|| self.download(cache_dir, resource))
                .await?;
            if resource.name.contains('/') || resource.name.is_empty() {
                return Err(LocalizationError::InvalidName(resource.name.clone()));
            }
            let link = work_dir.join(&resource.name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(local, &link)
                .map_err(|source| LocalizationError::Link { path: link, source })?;
        }
        Ok(())
    }

    /// Forgets an application's cache (its files go with its app dir).
    pub fn forget(&self, application: ApplicationId) {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached.retain(|(app, _), _| *app != application);
    }

    async fn download(
        &self,
        cache_dir: &Path,
        resource: &pb::LocalResource,
    ) -> Result<PathBuf, LocalizationError> {
        let Some(dfs) = &self.dfs else {
            return Err(LocalizationError::NoFileSystem(resource.path.clone()));
        };
        let remote = |source| LocalizationError::Remote {
            path: resource.path.clone(),
            source,
        };
        let path = client::yarn::dfs_path(&resource.path);
        let status = match dfs.get_file_info(path).await {
            Ok(Some(status)) => status,
            Ok(None) => return Err(LocalizationError::NotFound(resource.path.clone())),
            Err(error) => return Err(remote(error)),
        };
        if resource.timestamp != 0 && status.modification_time != resource.timestamp {
            return Err(LocalizationError::Modified {
                path: resource.path.clone(),
                expected: resource.timestamp,
                was: status.modification_time,
            });
        }
        if resource.timestamp != 0 && status.length != resource.size {
            return Err(LocalizationError::Resized {
                path: resource.path.clone(),
                expected: resource.size,
                was: status.length,
            });
        }
        let unique = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = cache_dir.join(unique.to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|source| LocalizationError::Create {
                path: dir.clone(),
                source,
            })?;
        let name = common::path::basename(path).to_string();
        let target = dir.join(if name.is_empty() {
            "resource".to_string()
        } else {
            name
        });
        let partial = target.with_extension("tmp");
        let mut reader = dfs.open(path).await.map_err(remote)?;
        let mut file = tokio::fs::File::create(&partial).await.map_err(|source| {
            LocalizationError::Create {
                path: partial.clone(),
                source,
            }
        })?;
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = reader.read(&mut buffer).await.map_err(remote)?;
            if read == 0 {
                break;
            }
            file.write_all(&buffer[..read])
                .await
                .map_err(|source| LocalizationError::Write {
                    path: partial.clone(),
                    source,
                })?;
        }
        file.flush().await?;
        drop(file);
        let mode = if resource.executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(mode))?;
        std::fs::rename(&partial, &target)?;
        Ok(target)
    }
}
