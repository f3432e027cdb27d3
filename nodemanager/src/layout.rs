//! Where a NodeManager keeps containers' files, as Hadoop lays them out:
//! `<local-dir>/usercache/<user>/appcache/<app>/{<container>,filecache}` and
//! `<log-dir>/<app>/<container>/{stdout,stderr}`.

use std::path::{Path, PathBuf};

use common::yarn::{ApplicationId, ContainerId};

/// An application's directory under one local dir (`LOCAL_DIRS` entries).
pub fn app_dir(local_dir: &Path, user: &str, application: ApplicationId) -> PathBuf {
    local_dir
        .join("usercache")
        .join(user)
        .join("appcache")
        .join(application.to_string())
}

/// A container's working directory.
pub fn container_work_dir(local_dir: &Path, user: &str, container: ContainerId) -> PathBuf {
    app_dir(local_dir, user, container.application()).join(container.to_string())
}

/// The per-application cache of localized files.
pub fn file_cache_dir(local_dir: &Path, user: &str, application: ApplicationId) -> PathBuf {
    app_dir(local_dir, user, application).join("filecache")
}

/// A container's log directory under one log dir (`LOG_DIRS` entries).
pub fn container_log_dir(log_dir: &Path, container: ContainerId) -> PathBuf {
    log_dir
        .join(container.application().to_string())
        .join(container.to_string())
}

/// An application's log directory under one log dir.
pub fn app_log_dir(log_dir: &Path, application: ApplicationId) -> PathBuf {
    log_dir.join(application.to_string())
}
