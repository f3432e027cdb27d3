//! The file systems of a cluster (Hadoop's `FileSystem` per scheme): `hdfs://` through the
//! DFS client, `webhdfs://` through the WebHDFS client. The `hdfs dfs` shell and DistCp
//! call the same methods on either; what only `hdfs://` can do fails on `webhdfs://` with
//! an error naming the scheme.

use crate::webhdfs::{WebHdfsClient, WebHdfsReader, WebHdfsWriter};
use crate::{
    ContentSummary, CreateOptions, DfsClient, FileChecksum, FileReader, FileStatus, FileWriter,
};
use common::{ExceptionKind, FsPermission, RemoteException};

/// A file system: a cluster over RPC or over WebHDFS.
#[derive(Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "path items held the DFS client unboxed before; boxing would allocate per clone"
)]
pub enum FileSystem {
    /// `hdfs://`
    Dfs(DfsClient),
    /// `webhdfs://`, with the umask new files and directories get.
    WebHdfs {
        client: WebHdfsClient,
        umask: FsPermission,
    },
}

impl FileSystem {
    /// `hdfs://authority` or `webhdfs://authority`, the prefix of qualified paths.
    pub fn uri(&self) -> String {
        match self {
            Self::Dfs(fs) => fs.uri(),
            Self::WebHdfs { client, .. } => client.uri(),
        }
    }

    /// The umask applied to new files and directories.
    pub fn umask(&self) -> FsPermission {
        match self {
            Self::Dfs(fs) => fs.umask(),
            Self::WebHdfs { umask, .. } => *umask,
        }
    }

    /// The DFS client, for what only `hdfs://` supports; `what` (`-df`, `moving to the
    /// trash`) names it in the error on another file system.
    pub fn dfs(&self, what: &str) -> Result<&DfsClient, RemoteException> {
        match self {
            Self::Dfs(fs) => Ok(fs),
            Self::WebHdfs { .. } => Err(RemoteException::new(
                ExceptionKind::UnsupportedOperation,
                format!("{what} is not supported on webhdfs:// file systems"),
            )),
        }
    }

    /// The status of `path`, or `None` when it does not exist.
    pub async fn get_file_info(&self, path: &str) -> Result<Option<FileStatus>, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.get_file_info(path).await,
            Self::WebHdfs { client, .. } => client.get_file_info(path).await,
        }
    }

    /// The entries of a directory, sorted by name, or the file itself.
    pub async fn list(&self, path: &str) -> Result<Vec<FileStatus>, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.list(path).await,
            Self::WebHdfs { client, .. } => client.list(path).await,
        }
    }

    /// Creates a directory; over WebHDFS missing ancestors are always created (callers
    /// without `-p` check the parent first).
    pub async fn mkdirs(
        &self,
        path: &str,
        permission: FsPermission,
        create_parent: bool,
    ) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.mkdirs(path, permission, create_parent).await,
            Self::WebHdfs { client, .. } => client.mkdirs(path, permission).await,
        }
    }

    /// Renames `src` to `dst` as [`DfsClient::rename`] does. WebHDFS's RENAME always moves
    /// into an existing directory and never overwrites, so `overwrite` deletes a file `dst`
    /// first and `move_into_directory` must be true unless `dst` is known not to be a
    /// directory.
    pub async fn rename(
        &self,
        src: &str,
        dst: &str,
        overwrite: bool,
        move_into_directory: bool,
    ) -> Result<(), RemoteException> {
        let client = match self {
            Self::Dfs(fs) => return fs.rename(src, dst, overwrite, move_into_directory).await,
            Self::WebHdfs { client, .. } => client,
        };
        if overwrite
            && let Some(existing) = client.get_file_info(dst).await?
            && !existing.is_dir
        {
            client.delete(dst, false).await?;
        }
        if client.rename(src, dst).await? {
            return Ok(());
        }
        Err(RemoteException::io(format!(
            "rename '{src}' to '{dst}' failed"
        )))
    }

    /// Deletes `path`; whether something was deleted.
    pub async fn delete(&self, path: &str, recursive: bool) -> Result<bool, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.delete(path, recursive).await,
            Self::WebHdfs { client, .. } => client.delete(path, recursive).await,
        }
    }

    /// Cuts the file at `path` to `new_length`: true when done, false while
    /// the DataNodes cut its last block (Hadoop's `FileSystem.truncate`).
    pub async fn truncate(&self, path: &str, new_length: u64) -> Result<bool, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.truncate(path, new_length).await,
            Self::WebHdfs { client, .. } => client.truncate(path, new_length).await,
        }
    }

    /// Moves the blocks of `sources`, in order, to the end of `target`.
    pub async fn concat(&self, target: &str, sources: &[String]) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.concat(target, sources).await,
            Self::WebHdfs { client, .. } => client.concat(target, sources).await,
        }
    }

    /// Sets a file's replication; false for a directory.
    pub async fn set_replication(
        &self,
        path: &str,
        replication: u16,
    ) -> Result<bool, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.set_replication(path, replication).await,
            Self::WebHdfs { client, .. } => client.set_replication(path, replication).await,
        }
    }

    /// Sets the permission bits of `path`.
    pub async fn set_permission(
        &self,
        path: &str,
        permission: FsPermission,
    ) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.set_permission(path, permission).await,
            Self::WebHdfs { client, .. } => client.set_permission(path, permission).await,
        }
    }

    /// Sets the owner and/or group of `path`.
    pub async fn set_owner(
        &self,
        path: &str,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.set_owner(path, owner, group).await,
            Self::WebHdfs { client, .. } => client.set_owner(path, owner, group).await,
        }
    }

    /// Sets the modification and access times of `path`.
    pub async fn set_times(
        &self,
        path: &str,
        mtime: i64,
        atime: i64,
    ) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.set_times(path, mtime, atime).await,
            Self::WebHdfs { client, .. } => client.set_times(path, mtime, atime).await,
        }
    }

    /// Sizes and counts below `path`.
    pub async fn content_summary(&self, path: &str) -> Result<ContentSummary, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.content_summary(path).await,
            Self::WebHdfs { client, .. } => client.content_summary(path).await,
        }
    }

    /// The file's checksum (the same value on both file systems).
    pub async fn file_checksum(&self, path: &str) -> Result<FileChecksum, RemoteException> {
        match self {
            Self::Dfs(fs) => fs.file_checksum(path).await,
            Self::WebHdfs { client, .. } => client.file_checksum(path).await,
        }
    }

    /// Opens `path` for reading from its start.
    pub async fn open(&self, path: &str) -> Result<Reader, RemoteException> {
        self.open_at(path, 0).await
    }

    /// Opens `path` for reading from `offset`.
    pub async fn open_at(&self, path: &str, offset: u64) -> Result<Reader, RemoteException> {
        match self {
            Self::Dfs(fs) => {
                let mut reader = fs.open(path).await?;
                reader.seek(offset);
                Ok(Reader::Dfs(Box::new(reader)))
            }
            Self::WebHdfs { client, .. } => {
                Ok(Reader::WebHdfs(client.open(path, offset, None).await?))
            }
        }
    }

    /// Creates `path` and returns a writer for its bytes.
    pub async fn create_writer(
        &self,
        path: &str,
        options: &CreateOptions,
    ) -> Result<Writer, RemoteException> {
        match self {
            Self::Dfs(fs) => Ok(Writer::Dfs(Box::new(
                fs.create_writer(path, options).await?,
            ))),
            Self::WebHdfs { client, .. } => {
                Ok(Writer::WebHdfs(client.create(path, options).await?))
            }
        }
    }

    /// Creates the empty file `path`.
    pub async fn create_empty(
        &self,
        path: &str,
        options: &CreateOptions,
    ) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(fs) => fs.create_empty(path, options).await,
            Self::WebHdfs { client, .. } => client.create(path, options).await?.close().await,
        }
    }
}

/// A file open for reading on either file system.
pub enum Reader {
    Dfs(Box<FileReader>),
    WebHdfs(WebHdfsReader),
}

impl Reader {
    /// Reads up to `buf.len()` bytes; 0 at the end.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, RemoteException> {
        match self {
            Self::Dfs(reader) => reader.read(buf).await,
            Self::WebHdfs(reader) => reader.read(buf).await,
        }
    }

    /// The offset of the next byte read.
    pub fn position(&self) -> u64 {
        match self {
            Self::Dfs(reader) => reader.position(),
            Self::WebHdfs(reader) => reader.position(),
        }
    }
}

/// A file open for writing on either file system.
pub enum Writer {
    Dfs(Box<FileWriter>),
    WebHdfs(WebHdfsWriter),
}

impl Writer {
    /// Writes all of `data`.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(writer) => writer.write(data).await,
            Self::WebHdfs(writer) => writer.write(data).await,
        }
    }

    /// Completes the file.
    pub async fn close(self) -> Result<(), RemoteException> {
        match self {
            Self::Dfs(writer) => (*writer).close().await,
            Self::WebHdfs(writer) => writer.close().await,
        }
    }
}
