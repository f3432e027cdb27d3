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
    ) -> Result<(), String> {
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
                return Err(format!("Invalid local resource name '{}'", resource.name));
            }
            let link = work_dir.join(&resource.name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(local, &link)
                .map_err(|error| format!("cannot link {}: {error}", link.display()))?;
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
    ) -> Result<PathBuf, String> {
        let Some(dfs) = &self.dfs else {
            return Err(format!(
                "Resource {} cannot be localized: no distributed file system (fs.defaultFS)",
                resource.path
            ));
        };
        let path = client::yarn::dfs_path(&resource.path);
        let status = match dfs.get_file_info(path).await {
            Ok(Some(status)) => status,
            Ok(None) => return Err(format!("File does not exist: {}", resource.path)),
            Err(error) => return Err(format!("{}: {error}", resource.path)),
        };
        if resource.timestamp != 0 && status.modification_time != resource.timestamp {
            return Err(format!(
                "Resource {} changed on src filesystem (expected {}, was {})",
                resource.path, resource.timestamp, status.modification_time
            ));
        }
        if resource.timestamp != 0 && status.length != resource.size {
            return Err(format!(
                "Resource {} changed on src filesystem (expected size {}, was {})",
                resource.path, resource.size, status.length
            ));
        }
        let unique = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = cache_dir.join(unique.to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        let name = common::path::basename(path).to_string();
        let target = dir.join(if name.is_empty() {
            "resource".to_string()
        } else {
            name
        });
        let partial = target.with_extension("tmp");
        let mut reader = dfs
            .open(path)
            .await
            .map_err(|error| format!("{}: {error}", resource.path))?;
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|error| format!("cannot create {}: {error}", partial.display()))?;
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = reader
                .read(&mut buffer)
                .await
                .map_err(|error| format!("{}: {error}", resource.path))?;
            if read == 0 {
                break;
            }
            file.write_all(&buffer[..read])
                .await
                .map_err(|error| format!("{}: {error}", partial.display()))?;
        }
        file.flush().await.map_err(|error| error.to_string())?;
        drop(file);
        let mode = if resource.executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(mode))
            .map_err(|error| error.to_string())?;
        std::fs::rename(&partial, &target).map_err(|error| error.to_string())?;
        Ok(target)
    }
}
