//! Log aggregation: when an application ends, every container log it left
//! on this node is uploaded as one file,
//! `<remote-app-log-dir>/<user>/<suffix>/<app>/<host>_<port>`, in the
//! layout `yarn logs` prints.

use std::collections::BTreeSet;
use std::path::Path;

use client::CreateOptions;
use common::FsPermission;
use common::yarn::{ApplicationId, ContainerId};
use tokio::io::AsyncReadExt;

use crate::containers::ContainerManager;
use crate::layout;

/// The aggregated log file of `application` from node `node_id`.
pub fn remote_log_file(
    remote_dir: &str,
    suffix: &str,
    user: &str,
    application: ApplicationId,
    node_id: &str,
) -> String {
    format!(
        "{}/{user}/{suffix}/{application}/{}",
        remote_dir.trim_end_matches('/'),
        node_id.replace(':', "_")
    )
}

/// Why an application's logs could not be aggregated.
#[derive(Debug, thiserror::Error)]
pub enum LogAggregationError {
    #[error("no distributed file system configured (fs.defaultFS)")]
    NoFileSystem,
    #[error("{path}: {source}")]
    Remote {
        path: String,
        source: client::RemoteException,
    },
    #[error(transparent)]
    Dfs(#[from] client::RemoteException),
    #[error("{}: {source}", path.display())]
    Open {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Uploads the logs of `containers` to the DFS.
pub async fn aggregate(
    manager: &ContainerManager,
    application: ApplicationId,
    user: &str,
    containers: &BTreeSet<ContainerId>,
) -> Result<(), LogAggregationError> {
    let Some(dfs) = &manager.dfs else {
        return Err(LogAggregationError::NoFileSystem);
    };
    let config = &manager.config;
    let path = remote_log_file(
        &config.remote_app_log_dir,
        &config.remote_app_log_dir_suffix,
        user,
        application,
        &manager.node_id,
    );
    let defaults = dfs.server_defaults().await?;
    let options = CreateOptions {
        permission: FsPermission::new(0o640),
        overwrite: true,
        create_parent: true,
        replication: defaults.replication,
        block_size: defaults.block_size,
    };
    let remote = |source| LogAggregationError::Remote {
        path: path.clone(),
        source,
    };
    let mut writer = dfs.create_writer(&path, &options).await.map_err(remote)?;
    let node_label = manager.node_id.replace(':', "_");
    for container in containers {
        let header = format!(
            "Container: {container} on {node_label}\nLogAggregationType: AGGREGATED\n{}\n",
            "=".repeat(74)
        );
        writer.write(header.as_bytes()).await?;
        for log_dir in &config.log_dirs {
            let dir = layout::container_log_dir(log_dir, *container);
            for file in sorted_files(&dir) {
                append_log(&mut writer, &file).await?;
            }
        }
    }
    writer.close().await.map_err(remote)?;
    tracing::info!(%application, %path, "container logs aggregated");
    Ok(())
}

fn sorted_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

async fn append_log(
    writer: &mut client::FileWriter,
    file: &Path,
) -> Result<(), LogAggregationError> {
    let mut input =
        tokio::fs::File::open(file)
            .await
            .map_err(|source| LogAggregationError::Open {
                path: file.to_path_buf(),
                source,
            })?;
    let metadata = input.metadata().await?;
    let modified = metadata
        .modified()
        .ok()
        .map(chrono::DateTime::<chrono::Local>::from)
        .map(|time| time.format("%a %b %d %H:%M:%S %z %Y").to_string())
        .unwrap_or_default();
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let length = metadata.len();
    let header = format!(
        "LogType:{name}\nLogLastModifiedTime:{modified}\nLogLength:{length}\nLogContents:\n"
    );
    writer.write(header.as_bytes()).await?;
    // Copy exactly the length announced, even if the file grew meanwhile.
    let mut remaining = length;
    let mut buffer = vec![0u8; 256 * 1024];
    while remaining > 0 {
        let want = buffer.len().min(remaining as usize);
        let read = input.read(&mut buffer[..want]).await?;
        if read == 0 {
            break;
        }
        writer.write(&buffer[..read]).await?;
        remaining -= read as u64;
    }
    let footer = format!("\nEnd of LogType:{name}\n{}\n\n", "*".repeat(74));
    writer.write(footer.as_bytes()).await?;
    Ok(())
}
