//! Where DistCp's paths live: a cluster through the client crate's
//! [`FileSystem`] (`hdfs://`, `webhdfs://`), or the local disk of the
//! process (`file://`, meaningful where the task runs). [`Resolver`] turns a
//! path argument or a listed URI into a store and a path on it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use client::fs::{FileSystem, Reader, Writer};
use client::webhdfs::{WebHdfsClient, webhdfs_authority};
use client::{CreateOptions, DfsClient, FileChecksum, FileStatus};
use common::conf::DEFAULT_NAMENODE_PORT;
use common::{Configuration, FsPermission, RemoteException};

type Result<T> = std::result::Result<T, RemoteException>;

/// A file system DistCp reads or writes.
#[derive(Clone)]
pub(crate) enum Store {
    /// A cluster, over RPC or WebHDFS.
    Remote(Box<FileSystem>),
    /// The local file system of this process.
    Local,
}

/// A path on a store, with the store's URI prefix (`hdfs://host:port`,
/// `webhdfs://host:port`, `file://`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    pub fs_uri: String,
    pub path: String,
}

impl Location {
    /// The fully qualified URI.
    pub fn uri(&self) -> String {
        format!("{}{}", self.fs_uri, self.path)
    }

    /// The location of `relative` (`""` or `/a/b`) below this one.
    pub fn join(&self, relative: &str) -> Location {
        let path = if relative.is_empty() {
            self.path.clone()
        } else if self.path == "/" {
            relative.to_string()
        } else {
            format!("{}{relative}", self.path)
        };
        Location {
            fs_uri: self.fs_uri.clone(),
            path,
        }
    }

    /// The location of the parent directory.
    pub fn parent(&self) -> Location {
        Location {
            fs_uri: self.fs_uri.clone(),
            path: common::path::parent(&self.path).to_string(),
        }
    }
}

/// A path argument split into scheme, authority and path (`None` scheme for
/// a plain path, which is on the default file system).
pub(crate) fn split_uri(arg: &str) -> (Option<&str>, &str, &str) {
    let Some((scheme, rest)) = arg.split_once(':') else {
        return (None, "", arg);
    };
    if scheme.is_empty() || scheme.contains('/') {
        return (None, "", arg);
    }
    match rest.strip_prefix("//") {
        Some(rest) => match rest.find('/') {
            Some(slash) => (Some(scheme), &rest[..slash], &rest[slash..]),
            None => (Some(scheme), rest, "/"),
        },
        None => (Some(scheme), "", rest),
    }
}

/// Turns path arguments and listed URIs into stores, keeping one client per
/// file system.
pub(crate) struct Resolver {
    conf: Configuration,
    default_fs: std::result::Result<DfsClient, RemoteException>,
    user: String,
    umask: FsPermission,
    stores: HashMap<String, Store>,
}

impl Resolver {
    /// A resolver for `conf`'s default file system; must be made inside a
    /// tokio runtime's context.
    pub fn new(conf: &Configuration) -> Self {
        let default_fs = DfsClient::from_conf(conf);
        let (user, umask) = match &default_fs {
            Ok(fs) => (fs.user().to_string(), fs.umask()),
            Err(_) => (common::user::current_user(), FsPermission::new(0o022)),
        };
        Self {
            conf: conf.clone(),
            default_fs,
            user,
            umask,
            stores: HashMap::new(),
        }
    }

    /// The umask new files and directories get.
    pub fn umask(&self) -> FsPermission {
        self.umask
    }

    /// The store and absolute, normalized location `arg` names.
    pub fn resolve(&mut self, arg: &str) -> Result<(Store, Location)> {
        let (scheme, authority, path) = split_uri(arg);
        let absolute = |path: &str, user: &str| {
            common::path::normalize(&common::path::make_absolute(path, user))
        };
        match scheme {
            None => {
                let fs = self.default_fs.clone()?;
                let location = Location {
                    fs_uri: fs.uri(),
                    path: absolute(path, &self.user),
                };
                Ok((Store::Remote(Box::new(FileSystem::Dfs(fs))), location))
            }
            Some("file") => {
                let path = if path.starts_with('/') {
                    common::path::normalize(path)
                } else {
                    let cwd = std::env::current_dir()
                        .map_err(|error| RemoteException::io(error.to_string()))?;
                    common::path::normalize(&cwd.join(path).to_string_lossy())
                };
                let location = Location {
                    fs_uri: "file://".to_string(),
                    path,
                };
                Ok((Store::Local, location))
            }
            Some("hdfs") => {
                let fs = self.dfs_for(authority)?;
                let location = Location {
                    fs_uri: fs.uri(),
                    path: absolute(path, &self.user),
                };
                Ok((Store::Remote(Box::new(FileSystem::Dfs(fs))), location))
            }
            Some("webhdfs") => {
                let (fs, fs_uri) = self.webhdfs_for(authority);
                let location = Location {
                    fs_uri,
                    path: absolute(path, &self.user),
                };
                Ok((Store::Remote(Box::new(fs)), location))
            }
            Some(other) => Err(RemoteException::io(format!(
                "No FileSystem for scheme \"{other}\""
            ))),
        }
    }

    /// The DFS client of `hdfs://<authority>` (the default one when empty).
    fn dfs_for(&mut self, authority: &str) -> Result<DfsClient> {
        if authority.is_empty() {
            return self.default_fs.clone();
        }
        let authority = if authority.contains(':') || self.conf.is_ha_nameservice(authority) {
            authority.to_string()
        } else {
            format!("{authority}:{DEFAULT_NAMENODE_PORT}")
        };
        if let Ok(fs) = &self.default_fs
            && fs.authority() == authority
        {
            return Ok(fs.clone());
        }
        let uri = format!("hdfs://{authority}");
        if let Some(Store::Remote(remote)) = self.stores.get(&uri)
            && let FileSystem::Dfs(fs) = remote.as_ref()
        {
            return Ok(fs.clone());
        }
        let fs = if self.conf.is_ha_nameservice(&authority) {
            DfsClient::connect_nameservice(&self.conf, &authority, &self.user, self.umask)?
        } else {
            DfsClient::connect(&authority, &self.user, self.umask)?
        };
        self.stores
            .insert(uri, Store::Remote(Box::new(FileSystem::Dfs(fs.clone()))));
        Ok(fs)
    }

    /// `webhdfs://<authority>` (port 9870 when none is given; the default
    /// file system's host when empty) and its URI prefix.
    fn webhdfs_for(&mut self, authority: &str) -> (FileSystem, String) {
        let authority = webhdfs_authority(
            authority,
            self.default_fs.as_ref().ok().map(|fs| fs.authority()),
        );
        let uri = format!("webhdfs://{authority}");
        let store = self.stores.entry(uri.clone()).or_insert_with(|| {
            Store::Remote(Box::new(FileSystem::WebHdfs {
                client: WebHdfsClient::new(&authority, &self.user),
                umask: self.umask,
            }))
        });
        match store {
            Store::Remote(fs) => (fs.as_ref().clone(), uri),
            Store::Local => unreachable!("webhdfs URIs map to remote stores"),
        }
    }
}

fn local_error(path: &str, error: std::io::Error) -> RemoteException {
    if error.kind() == std::io::ErrorKind::NotFound {
        return RemoteException::not_found(path);
    }
    RemoteException::io(format!("'{path}': {error}"))
}

fn millis(time: std::io::Result<std::time::SystemTime>) -> i64 {
    time.ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A local file's status in the DFS's terms (owner and group by name only
/// for this process's own user; numbers otherwise).
fn local_status(path: &str, metadata: &std::fs::Metadata) -> FileStatus {
    // /proc/self belongs to this process's user.
    let own_uid = std::fs::metadata("/proc/self").map_or(u32::MAX, |proc| proc.uid());
    let user = common::user::current_user();
    let owner = if metadata.uid() == own_uid {
        user.clone()
    } else {
        metadata.uid().to_string()
    };
    FileStatus {
        path: path.to_string(),
        is_dir: metadata.is_dir(),
        length: if metadata.is_dir() { 0 } else { metadata.len() },
        permission: FsPermission::new((metadata.permissions().mode() & 0o7777) as u16),
        owner,
        group: metadata.gid().to_string(),
        modification_time: millis(metadata.modified()),
        access_time: millis(metadata.accessed()),
        replication: if metadata.is_dir() { 0 } else { 1 },
        block_size: if metadata.is_dir() { 0 } else { 32 << 20 },
        file_id: metadata.ino(),
        children_num: 0,
        under_construction: false,
    }
}

/// A file open for reading.
pub(crate) enum Source {
    Remote(Box<Reader>),
    Local(std::fs::File),
}

impl Source {
    /// Reads up to `buf.len()` bytes; 0 at the end.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        match self {
            Self::Remote(reader) => reader.read(buf).await,
            Self::Local(file) => file
                .read(buf)
                .map_err(|error| RemoteException::io(error.to_string())),
        }
    }
}

/// A file open for writing.
pub(crate) enum Sink {
    Remote(Box<Writer>),
    Local(std::io::BufWriter<std::fs::File>),
}

impl Sink {
    /// Writes all of `data`.
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        match self {
            Self::Remote(writer) => writer.write(data).await,
            Self::Local(file) => file
                .write_all(data)
                .map_err(|error| RemoteException::io(error.to_string())),
        }
    }

    /// Completes the file (durably, on the local disk).
    pub async fn close(self) -> Result<()> {
        match self {
            Self::Remote(writer) => (*writer).close().await,
            Self::Local(file) => {
                let file = file
                    .into_inner()
                    .map_err(|error| RemoteException::io(error.to_string()))?;
                file.sync_all()
                    .map_err(|error| RemoteException::io(error.to_string()))
            }
        }
    }
}

impl Store {
    /// The status of `path`, or None when nothing is there.
    pub async fn stat(&self, path: &str) -> Result<Option<FileStatus>> {
        match self {
            Self::Remote(fs) => fs.get_file_info(path).await,
            Self::Local => match std::fs::metadata(path) {
                Ok(metadata) => Ok(Some(local_status(path, &metadata))),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(local_error(path, error)),
            },
        }
    }

    /// The entries of a directory, sorted by name.
    pub async fn list(&self, path: &str) -> Result<Vec<FileStatus>> {
        match self {
            Self::Remote(fs) => fs.list(path).await,
            Self::Local => {
                let mut entries = Vec::new();
                for entry in std::fs::read_dir(path).map_err(|error| local_error(path, error))? {
                    let entry = entry.map_err(|error| local_error(path, error))?;
                    let child = common::path::join(path, &entry.file_name().to_string_lossy());
                    let metadata =
                        std::fs::metadata(&child).map_err(|error| local_error(&child, error))?;
                    entries.push(local_status(&child, &metadata));
                }
                entries.sort_by(|left, right| left.path.cmp(&right.path));
                Ok(entries)
            }
        }
    }

    /// Opens `path` for reading.
    pub async fn open(&self, path: &str) -> Result<Source> {
        match self {
            Self::Remote(fs) => Ok(Source::Remote(Box::new(fs.open(path).await?))),
            Self::Local => std::fs::File::open(path)
                .map(Source::Local)
                .map_err(|error| local_error(path, error)),
        }
    }

    /// Creates (or replaces) `path`, with its missing parents.
    pub async fn create(&self, path: &str, options: &CreateOptions) -> Result<Sink> {
        match self {
            Self::Remote(fs) => Ok(Sink::Remote(Box::new(
                fs.create_writer(path, options).await?,
            ))),
            Self::Local => {
                let parent = common::path::parent(path);
                std::fs::create_dir_all(parent).map_err(|error| local_error(parent, error))?;
                let file = std::fs::File::create(path).map_err(|error| local_error(path, error))?;
                Ok(Sink::Local(std::io::BufWriter::with_capacity(
                    1 << 20,
                    file,
                )))
            }
        }
    }

    /// Creates a directory and its missing parents.
    pub async fn mkdirs(&self, path: &str, permission: FsPermission) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.mkdirs(path, permission, true).await,
            Self::Local => std::fs::create_dir_all(path).map_err(|error| local_error(path, error)),
        }
    }

    /// Renames `src` over `dst` (a file).
    pub async fn rename_over(&self, src: &str, dst: &str) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.rename(src, dst, true, false).await,
            Self::Local => std::fs::rename(src, dst).map_err(|error| local_error(src, error)),
        }
    }

    /// Deletes a file or a directory tree, if it is there.
    pub async fn delete_tree(&self, path: &str) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.delete(path, true).await.map(|_| ()),
            Self::Local => {
                let removed = match std::fs::symlink_metadata(path) {
                    Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path),
                    Ok(_) => std::fs::remove_file(path),
                    Err(error) => Err(error),
                };
                match removed {
                    Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                        Err(local_error(path, error))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    /// Deletes a file, if it is there.
    pub async fn delete_file(&self, path: &str) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.delete(path, false).await.map(|_| ()),
            Self::Local => match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(local_error(path, error))
                }
                _ => Ok(()),
            },
        }
    }

    /// The file's checksum, when the store has file checksums (the local
    /// file system has none, as Hadoop's).
    pub async fn checksum(&self, path: &str) -> Result<Option<FileChecksum>> {
        match self {
            Self::Remote(fs) => fs.file_checksum(path).await.map(Some),
            Self::Local => Ok(None),
        }
    }

    pub async fn set_permission(&self, path: &str, permission: FsPermission) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.set_permission(path, permission).await,
            Self::Local => {
                let mode = std::fs::Permissions::from_mode(u32::from(permission.bits()));
                std::fs::set_permissions(path, mode).map_err(|error| local_error(path, error))
            }
        }
    }

    /// Sets owner and group where the store can (not on the local disk:
    /// that needs root, and Hadoop's names may not be local users).
    pub async fn set_owner(
        &self,
        path: &str,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.set_owner(path, owner, group).await,
            Self::Local => Ok(()),
        }
    }

    pub async fn set_times(&self, path: &str, mtime: i64, atime: i64) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.set_times(path, mtime, atime).await,
            Self::Local => {
                let at = |millis: i64| {
                    std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis.max(0) as u64)
                };
                let times = std::fs::FileTimes::new()
                    .set_modified(at(mtime))
                    .set_accessed(at(atime));
                std::fs::File::options()
                    .write(true)
                    .open(path)
                    .or_else(|_| std::fs::File::open(path))
                    .and_then(|file| file.set_times(times))
                    .map_err(|error| local_error(path, error))
            }
        }
    }

    /// Sets a file's replication where the store has replicas.
    pub async fn set_replication(&self, path: &str, replication: u16) -> Result<()> {
        match self {
            Self::Remote(fs) => fs.set_replication(path, replication).await.map(|_| ()),
            Self::Local => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_uris_and_plain_paths() {
        assert_eq!(split_uri("/a/b"), (None, "", "/a/b"));
        assert_eq!(split_uri("rel/x"), (None, "", "rel/x"));
        assert_eq!(
            split_uri("hdfs://nn:8020/a"),
            (Some("hdfs"), "nn:8020", "/a")
        );
        assert_eq!(split_uri("hdfs://nn:8020"), (Some("hdfs"), "nn:8020", "/"));
        assert_eq!(split_uri("file:///tmp/x"), (Some("file"), "", "/tmp/x"));
        assert_eq!(split_uri("file:/tmp/x"), (Some("file"), "", "/tmp/x"));
        assert_eq!(split_uri("hdfs:///x"), (Some("hdfs"), "", "/x"));
    }

    #[test]
    fn joins_relative_paths_below_locations() {
        let root = Location {
            fs_uri: "hdfs://nn:1".into(),
            path: "/".into(),
        };
        assert_eq!(root.join("/a").uri(), "hdfs://nn:1/a");
        let dir = root.join("/d");
        assert_eq!(dir.join("").path, "/d");
        assert_eq!(dir.join("/x/y").path, "/d/x/y");
        assert_eq!(dir.join("/x/y").parent().path, "/d/x");
    }
}
