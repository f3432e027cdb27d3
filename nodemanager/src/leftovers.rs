//! What an earlier run of this NodeManager left on its disks: applications
//! with a directory under a local dir (`usercache/<user>/appcache/<app>`) or
//! a log dir (`<app>/<container>/`). A NodeManager that crashed never heard
//! that they ended; restarted, it reports them to the ResourceManager as its
//! running applications (Hadoop's `runningApplications`), and the RM names
//! those that are over in its next heartbeat answer, which the NodeManager
//! then aggregates and removes as it does any application that ends.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::yarn::{ApplicationId, ContainerId};

/// An application found on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeftApplication {
    /// Its user, from the `usercache/<user>` holding its files; `None` when
    /// only its logs are left.
    pub user: Option<String>,
    /// The containers with a log directory.
    pub containers: BTreeSet<ContainerId>,
}

/// Every application with files under `local_dirs` or `log_dirs`.
pub fn find(
    local_dirs: &[PathBuf],
    log_dirs: &[PathBuf],
) -> BTreeMap<ApplicationId, LeftApplication> {
    let mut found: BTreeMap<ApplicationId, LeftApplication> = BTreeMap::new();
    for local_dir in local_dirs {
        for (user, users_dir) in named_entries(&local_dir.join("usercache")) {
            for (app_name, _) in named_entries(&users_dir.join("appcache")) {
                if let Ok(application) = app_name.parse::<ApplicationId>() {
                    found.entry(application).or_default().user = Some(user.clone());
                }
            }
        }
    }
    for log_dir in log_dirs {
        for (app_name, app_dir) in named_entries(log_dir) {
            let Ok(application) = app_name.parse::<ApplicationId>() else {
                continue;
            };
            let left = found.entry(application).or_default();
            for (container_name, _) in named_entries(&app_dir) {
                if let Ok(container) = container_name.parse::<ContainerId>()
                    && container.application() == application
                {
                    left.containers.insert(container);
                }
            }
        }
    }
    found
}

/// The directories in `dir` with UTF-8 names; none when it cannot be read.
fn named_entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter_map(|entry| Some((entry.file_name().into_string().ok()?, entry.path())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout;

    #[test]
    fn applications_are_found_by_their_files_and_logs() {
        let root = tempfile::tempdir().unwrap();
        let (local, logs) = (root.path().join("local"), root.path().join("logs"));
        let with_files: ApplicationId = "application_1700000000000_0001".parse().unwrap();
        let logs_only: ApplicationId = "application_1700000000000_0002".parse().unwrap();
        let container: ContainerId = "container_1700000000000_0001_01_000001".parse().unwrap();
        let other: ContainerId = "container_1700000000000_0002_01_000002".parse().unwrap();
        std::fs::create_dir_all(layout::container_work_dir(&local, "alice", container)).unwrap();
        std::fs::create_dir_all(layout::container_log_dir(&logs, container)).unwrap();
        std::fs::create_dir_all(layout::container_log_dir(&logs, other)).unwrap();
        std::fs::create_dir_all(logs.join("not-an-application")).unwrap();
        std::fs::write(logs.join("application_1700000000000_0003"), b"a file").unwrap();

        let found = find(&[local], &[logs]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[&with_files],
            LeftApplication {
                user: Some("alice".to_string()),
                containers: BTreeSet::from([container]),
            }
        );
        assert_eq!(found[&logs_only].user, None);
        assert_eq!(found[&logs_only].containers, BTreeSet::from([other]));
    }
}
