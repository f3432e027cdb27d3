//! `/ws/v1/node/containerlogs/{containerid}/{filename}`: a container's log
//! file as plain text, found only under this node's log dirs: the id must
//! parse and the file name must be a plain name, so no path escapes them.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use common::rest::{RestError, respond};
use common::yarn::ContainerId;

use crate::containers::ContainerManager;
use crate::layout;

/// A file name with no directory part, `.` or `..`.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// The log files of a container on this node, by name.
pub fn log_file_names(manager: &ContainerManager, container: ContainerId) -> Vec<String> {
    log_files(manager, container)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The log files of a container on this node with their sizes in bytes, by name.
pub fn log_files(manager: &ContainerManager, container: ContainerId) -> Vec<(String, u64)> {
    let mut files = Vec::new();
    for dir in &manager.config.log_dirs {
        let Ok(entries) = std::fs::read_dir(layout::container_log_dir(dir, container)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.push((name, metadata.len()));
            }
        }
    }
    files.sort();
    files
}

/// The containers of `application` that left logs on this node (running or finished).
pub fn containers_with_logs(
    manager: &ContainerManager,
    application: common::yarn::ApplicationId,
) -> Vec<ContainerId> {
    let mut containers = Vec::new();
    for dir in &manager.config.log_dirs {
        let Ok(entries) = std::fs::read_dir(layout::app_log_dir(dir, application)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(container) = entry.file_name().to_string_lossy().parse::<ContainerId>()
                && container.application() == application
            {
                containers.push(container);
            }
        }
    }
    containers.sort();
    containers.dedup();
    containers
}

/// Where the log file `file` of `container` is, when it exists under a log dir and
/// `file` is a plain name.
pub fn log_path(manager: &ContainerManager, container: ContainerId, file: &str) -> Option<PathBuf> {
    if !is_plain_file_name(file) {
        return None;
    }
    candidate_paths(manager, container, file)
        .into_iter()
        .find(|path| path.is_file())
}

fn candidate_paths(manager: &ContainerManager, container: ContainerId, file: &str) -> Vec<PathBuf> {
    manager
        .config
        .log_dirs
        .iter()
        .map(|dir| layout::container_log_dir(dir, container).join(file))
        .collect()
}

pub async fn container_log(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
    Path((container, file)): Path<(String, String)>,
) -> Response<String> {
    let Ok(container_id) = container.parse::<ContainerId>() else {
        let error = RestError::bad_request(format!("Invalid ContainerId: {container}"));
        return respond(&headers, Err(error));
    };
    let not_found = || {
        respond(
            &headers,
            Err(RestError::not_found(
                "Cannot find this log on the local disk.",
            )),
        )
    };
    if !is_plain_file_name(&file) {
        return not_found();
    }
    for path in candidate_paths(&manager, container_id, &file) {
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let mut response = Response::new(String::from_utf8_lossy(&bytes).into_owned());
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return response;
    }
    not_found()
}

#[cfg(test)]
mod tests {
    use super::is_plain_file_name;

    #[test]
    fn only_plain_names_are_served() {
        assert!(is_plain_file_name("stdout"));
        assert!(is_plain_file_name("syslog.1"));
        for bad in ["", ".", "..", "../stdout", "a/b", "/etc/passwd", "a\\b"] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
