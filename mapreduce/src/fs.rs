//! [`FileSystem`]: blocking DFS access for job binaries and tests (writing
//! control files, reading small results, sampling input), on its own
//! runtime so callers need no async code.

use std::io::Read;

use client::FileStatus;
use common::Configuration;
use common::conf::{ConfError, keys};

use crate::Error;
use crate::dfs_io::{Dfs, absolute_path};

/// A blocking DFS client for job code.
pub struct FileSystem {
    dfs: Dfs,
    _runtime: tokio::runtime::Runtime,
}

impl FileSystem {
    /// Connects to `fs.defaultFS` of `conf`. Not for use inside a tokio runtime.
    pub fn from_conf(conf: &Configuration) -> Result<Self, Error> {
        let runtime = crate::dfs_io::io_runtime(1)?;
        Ok(Self {
            dfs: Dfs::connect(conf, &runtime)?,
            _runtime: runtime,
        })
    }

    /// `path` made absolute (relative paths are under `/user/<user>`).
    pub fn absolute(&self, path: &str) -> String {
        absolute_path(path, self.dfs.user())
    }

    /// A fresh directory path for a job's temporary files, under the
    /// staging dir (`yarn.app.mapreduce.am.staging-dir`/<user>/.staging).
    pub fn temp_dir(&self, conf: &Configuration, name: &str) -> Result<String, ConfError> {
        let staging = conf.get_string(keys::YARN_APP_MAPREDUCE_AM_STAGING_DIR)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        Ok(format!(
            "{staging}/{}/.staging/{name}-{nanos}",
            self.dfs.user()
        ))
    }

    /// Writes a whole (small) file, replacing nothing.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let mut out = self.dfs.create(&self.absolute(path), 1, 128 << 20)?;
        out.write_all(bytes)?;
        out.close()?;
        Ok(())
    }

    /// Reads a whole (small) file.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, Error> {
        let mut bytes = Vec::new();
        self.open(path, 0)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Opens `path` for streaming reads from `offset`.
    pub fn open(&self, path: &str, offset: u64) -> Result<impl Read + Send + use<>, Error> {
        let mut input = self.dfs.open(&self.absolute(path))?;
        input.seek(offset);
        Ok(input)
    }

    /// The entries of a directory (or the file itself), sorted by name.
    pub fn list(&self, path: &str) -> Result<Vec<FileStatus>, Error> {
        let path = self.absolute(path);
        self.dfs.call(async |client| client.list(&path).await)
    }

    /// Whether `path` exists.
    pub fn exists(&self, path: &str) -> Result<bool, Error> {
        let path = self.absolute(path);
        Ok(self
            .dfs
            .call(async |client| client.get_file_info(&path).await)?
            .is_some())
    }

    /// Deletes `path` (recursively when asked); false if it was not there.
    pub fn delete(&self, path: &str, recursive: bool) -> Result<bool, Error> {
        let path = self.absolute(path);
        self.dfs
            .call(async |client| client.delete(&path, recursive).await)
    }
}
