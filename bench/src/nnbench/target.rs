//! What the benchmark talks to (the namesystem in-process, or a NameNode over
//! gRPC), the paths it uses, and one operation on one path.

use std::sync::Arc;

use client::{CreateOptions, DfsClient};
use common::FsPermission;
use namenode::Namesystem;
use namenode::{Caller, CreateRequest};

/// Replication of the benchmark's files (no DataNode is involved).
const REPLICATION: u16 = 3;
const BLOCK_SIZE: u64 = 128 * 1024 * 1024;
const DIRECTORY_MODE: u16 = 0o755;
const FILE_MODE: u16 = 0o644;

/// A tree of the benchmark: `/nnbench/<area>/dir<j>/<leaf><k>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Where `mkdirs` creates its directories.
    Dirs,
    /// Where `create` creates the files the later ops use.
    Files,
}

impl Area {
    fn root(self) -> &'static str {
        match self {
            Self::Dirs => "/nnbench/mkdirs",
            Self::Files => "/nnbench/files",
        }
    }
}

/// One kind of operation, applied to the `index`-th path of its batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Creates `dir<index>` of an area (with its ancestors): setup, untimed.
    MakeParent(Area),
    /// `mkdirs` of `sub<k>` in the `Dirs` area.
    Mkdir,
    /// Create and complete: an empty, closed file.
    Create,
    /// `getFileInfo` of a created file.
    FileStatus,
    /// `file<k>` to `renamed<k>` in the same directory.
    Rename,
    /// Deletes `renamed<k>` if the files were renamed, else `file<k>`.
    Delete { renamed: bool },
}

/// How the benchmark spreads its entries over directories.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Entries per directory.
    pub files_per_dir: u64,
}

impl Layout {
    /// `/nnbench/<area>/dir<j>`.
    pub fn parent(&self, area: Area, index: u64) -> String {
        format!("{}/dir{index}", area.root())
    }

    /// The `index`-th entry named `<leaf><k>` of an area.
    pub fn entry(&self, area: Area, leaf: &str, index: u64) -> String {
        let directory = index / self.files_per_dir;
        let position = index % self.files_per_dir;
        format!("{}/dir{directory}/{leaf}{position}", area.root())
    }

    /// How many parent directories `count` entries need.
    pub fn parents_for(&self, count: u64) -> u64 {
        count.div_ceil(self.files_per_dir)
    }
}

/// The namesystem called directly, or gRPC clients of a NameNode.
pub enum Target {
    /// The namesystem of this process, called as `caller`.
    InProcess {
        namesystem: Arc<Namesystem>,
        caller: Caller,
    },
    /// Worker `w` uses `clients[w % len]`: clients are separate connections.
    Rpc { clients: Vec<DfsClient> },
}

impl Target {
    /// Runs `task` on its `index`-th path as worker `worker`. The error is
    /// Hadoop-style: `op 'path': reason`.
    pub async fn execute(
        &self,
        worker: usize,
        task: Task,
        index: u64,
        layout: &Layout,
    ) -> Result<(), String> {
        match self {
            Self::InProcess { namesystem, caller } => {
                in_process(namesystem, caller, worker, task, index, layout).await
            }
            Self::Rpc { clients } => {
                over_rpc(&clients[worker % clients.len()], task, index, layout).await
            }
        }
    }
}

fn failure(op: &str, path: &str, reason: impl std::fmt::Display) -> String {
    format!("{op} '{path}': {reason}")
}

/// A create op's `complete`: the file must really be closed.
fn completed<E: std::fmt::Display>(path: &str, closed: Result<bool, E>) -> Result<(), String> {
    match closed {
        Ok(true) => Ok(()),
        Ok(false) => Err(failure(
            "complete",
            path,
            "the NameNode did not close the file",
        )),
        Err(error) => Err(failure("complete", path, error)),
    }
}

async fn in_process(
    namesystem: &Namesystem,
    caller: &Caller,
    worker: usize,
    task: Task,
    index: u64,
    layout: &Layout,
) -> Result<(), String> {
    let directory_mode = FsPermission::new(DIRECTORY_MODE);
    match task {
        Task::MakeParent(area) => {
            let path = layout.parent(area, index);
            namesystem
                .mkdirs(&path, directory_mode, true, caller)
                .await
                .map_err(|error| failure("mkdirs", &path, error))
        }
        Task::Mkdir => {
            let path = layout.entry(Area::Dirs, "sub", index);
            namesystem
                .mkdirs(&path, directory_mode, false, caller)
                .await
                .map_err(|error| failure("mkdirs", &path, error))
        }
        Task::Create => {
            let path = layout.entry(Area::Files, "file", index);
            let client_name = format!("NNBench-inprocess-{worker}");
            let request = CreateRequest {
                path: &path,
                permission: FsPermission::new(FILE_MODE),
                client_name: &client_name,
                overwrite: false,
                create_parent: false,
                replication: REPLICATION,
                block_size: BLOCK_SIZE,
            };
            let status = namesystem
                .create(&request, caller)
                .await
                .map_err(|error| failure("create", &path, error))?;
            let closed = namesystem
                .complete(&path, &client_name, status.id, None)
                .await;
            completed(&path, closed)
        }
        Task::FileStatus => {
            let path = layout.entry(Area::Files, "file", index);
            match namesystem.file_info(&path, caller) {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(failure("fileStatus", &path, "No such file or directory")),
                Err(error) => Err(failure("fileStatus", &path, error)),
            }
        }
        Task::Rename => {
            let (source, destination) = (
                layout.entry(Area::Files, "file", index),
                layout.entry(Area::Files, "renamed", index),
            );
            namesystem
                .rename(&source, &destination, false, false, caller)
                .await
                .map_err(|error| failure("rename", &source, error))
        }
        Task::Delete { renamed } => {
            let path = layout.entry(Area::Files, if renamed { "renamed" } else { "file" }, index);
            match namesystem.delete(&path, false, caller).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(failure("delete", &path, "No such file or directory")),
                Err(error) => Err(failure("delete", &path, error)),
            }
        }
    }
}

async fn over_rpc(
    client: &DfsClient,
    task: Task,
    index: u64,
    layout: &Layout,
) -> Result<(), String> {
    let directory_mode = FsPermission::new(DIRECTORY_MODE);
    match task {
        Task::MakeParent(area) => {
            let path = layout.parent(area, index);
            client
                .mkdirs(&path, directory_mode, true)
                .await
                .map_err(|error| failure("mkdirs", &path, error))
        }
        Task::Mkdir => {
            let path = layout.entry(Area::Dirs, "sub", index);
            client
                .mkdirs(&path, directory_mode, false)
                .await
                .map_err(|error| failure("mkdirs", &path, error))
        }
        Task::Create => {
            let path = layout.entry(Area::Files, "file", index);
            let options = CreateOptions {
                permission: FsPermission::new(FILE_MODE),
                overwrite: false,
                create_parent: false,
                replication: REPLICATION,
                block_size: BLOCK_SIZE,
            };
            let status = client
                .create(&path, &options)
                .await
                .map_err(|error| failure("create", &path, error))?;
            completed(&path, client.complete(&path, status.file_id, None).await)
        }
        Task::FileStatus => {
            let path = layout.entry(Area::Files, "file", index);
            match client.get_file_info(&path).await {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(failure("fileStatus", &path, "No such file or directory")),
                Err(error) => Err(failure("fileStatus", &path, error)),
            }
        }
        Task::Rename => {
            let (source, destination) = (
                layout.entry(Area::Files, "file", index),
                layout.entry(Area::Files, "renamed", index),
            );
            client
                .rename(&source, &destination, false, false)
                .await
                .map_err(|error| failure("rename", &source, error))
        }
        Task::Delete { renamed } => {
            let path = layout.entry(Area::Files, if renamed { "renamed" } else { "file" }, index);
            match client.delete(&path, false).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(failure("delete", &path, "No such file or directory")),
                Err(error) => Err(failure("delete", &path, error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_fill_directories_of_files_per_dir() {
        let layout = Layout {
            files_per_dir: 1000,
        };
        assert_eq!(
            layout.entry(Area::Files, "file", 0),
            "/nnbench/files/dir0/file0"
        );
        assert_eq!(
            layout.entry(Area::Files, "file", 1999),
            "/nnbench/files/dir1/file999"
        );
        assert_eq!(
            layout.entry(Area::Dirs, "sub", 2000),
            "/nnbench/mkdirs/dir2/sub0"
        );
        assert_eq!(layout.parent(Area::Dirs, 2), "/nnbench/mkdirs/dir2");
        assert_eq!((layout.parents_for(1000), layout.parents_for(1001)), (1, 2));
    }
}
