//! Blocking access to the DFS for task threads: the async client driven on
//! the job's tokio runtime, behind `std::io`-style streams that buffer so
//! each runtime hop moves a large piece.

use std::io;

use client::{CreateOptions, DfsClient, FileReader, FileWriter};
use common::FsPermission;
use tokio::runtime::Handle;

use crate::Error;

/// Bytes gathered before a write goes to the DFS writer.
const WRITE_CHUNK: usize = 1 << 20;

/// A multi-threaded runtime with `workers` threads for a job process's
/// async I/O (DFS, RPC), driven from plain threads.
pub(crate) fn io_runtime(workers: usize) -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
}

/// A DFS client usable from plain threads (never from a runtime worker).
#[derive(Clone)]
pub(crate) struct Dfs {
    client: DfsClient,
    runtime: Handle,
}

impl Dfs {
    pub(crate) fn new(client: DfsClient, runtime: Handle) -> Self {
        Self { client, runtime }
    }

    /// Connects to `fs.defaultFS` of `conf`, driven on `runtime`.
    pub(crate) fn connect(
        conf: &common::Configuration,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Self, Error> {
        let client = {
            let _entered = runtime.enter();
            DfsClient::from_conf(conf)?
        };
        Ok(Self::new(client, runtime.handle().clone()))
    }

    /// The async client (for code already on the runtime).
    pub(crate) fn client(&self) -> &DfsClient {
        &self.client
    }

    /// `hdfs://host:port`.
    pub(crate) fn uri(&self) -> String {
        self.client.uri()
    }

    /// The user the job runs as.
    pub(crate) fn user(&self) -> &str {
        self.client.user()
    }

    /// Runs one client call to completion.
    pub(crate) fn call<T>(
        &self,
        call: impl AsyncFnOnce(&DfsClient) -> client::Result<T>,
    ) -> Result<T, Error> {
        Ok(self.runtime.block_on(call(&self.client))?)
    }

    /// Opens `path` for streaming reads.
    pub(crate) fn open(&self, path: &str) -> Result<DfsInput, Error> {
        let reader = self.call(async |client| client.open(path).await)?;
        Ok(DfsInput {
            reader,
            runtime: self.runtime.clone(),
        })
    }

    /// Creates `path` (parents too) for streaming writes.
    pub(crate) fn create(
        &self,
        path: &str,
        replication: u16,
        block_size: u64,
    ) -> Result<DfsOutput, Error> {
        let options = CreateOptions {
            permission: FsPermission::default_for(false, self.client.umask()),
            overwrite: false,
            create_parent: true,
            replication,
            block_size,
        };
        let writer = self.call(async |client| client.create_writer(path, &options).await)?;
        Ok(DfsOutput {
            writer,
            runtime: self.runtime.clone(),
            buffer: Vec::with_capacity(WRITE_CHUNK),
        })
    }
}

/// A file being read; implements [`io::Read`].
pub(crate) struct DfsInput {
    reader: FileReader,
    runtime: Handle,
}

impl DfsInput {
    /// Moves the read position.
    pub(crate) fn seek(&mut self, position: u64) {
        self.reader.seek(position);
    }
}

impl io::Read for DfsInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.runtime
            .block_on(self.reader.read(buf))
            .map_err(io::Error::other)
    }
}

/// A file being written; [`DfsOutput::close`] finishes it.
pub(crate) struct DfsOutput {
    writer: FileWriter,
    runtime: Handle,
    buffer: Vec<u8>,
}

impl DfsOutput {
    /// Appends `bytes`.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= WRITE_CHUNK {
            self.flush_buffer()?;
        }
        Ok(())
    }

    fn flush_buffer(&mut self) -> Result<(), Error> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.runtime.block_on(self.writer.write(&self.buffer))?;
        self.buffer.clear();
        Ok(())
    }

    /// Flushes and closes the file; returns the bytes written (HDFS_BYTES_WRITTEN).
    pub(crate) fn close(mut self) -> Result<u64, Error> {
        self.flush_buffer()?;
        let written = self.writer.bytes_written();
        self.runtime.block_on(self.writer.close())?;
        Ok(written)
    }
}

/// A path as the NameNode wants it: `hdfs://host:port` stripped, relative
/// paths under the user's home `/user/<user>` (Hadoop's working directory).
pub(crate) fn absolute_path(path: &str, user: &str) -> String {
    common::path::make_absolute(path, user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_absolute() {
        assert_eq!(absolute_path("/in", "ann"), "/in");
        assert_eq!(absolute_path("in/a", "ann"), "/user/ann/in/a");
        assert_eq!(absolute_path("hdfs://nn:8020/x/y", "ann"), "/x/y");
        assert_eq!(absolute_path("hdfs://nn:8020", "ann"), "/");
    }
}
