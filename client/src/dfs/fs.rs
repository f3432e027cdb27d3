//! The file-system API of users and tools: namespace calls, file status,
//! opening files to read and write.

use common::required::Required;
use common::{FsPermission, RemoteException};
use proto::hdfs as pb;

use super::{CreateOptions, DfsClient};
use crate::Result;
use crate::status::{ContentSummary, FileStatus, ServerDefaults};

impl DfsClient {
    /// Creates a directory; with `create_parent`, missing ancestors too.
    /// `permission` is applied as given (callers mask it with the umask).
    pub async fn mkdirs(
        &self,
        path: &str,
        permission: FsPermission,
        create_parent: bool,
    ) -> Result<()> {
        let request = pb::MkdirsRequest {
            src: path.to_string(),
            masked: permission.bits().into(),
            create_parent,
        };
        call!(self, mkdirs, request, at_most_once)?;
        Ok(())
    }

    /// The status of `path`, or `None` when it does not exist.
    pub async fn get_file_info(&self, path: &str) -> Result<Option<FileStatus>> {
        let request = pb::GetFileInfoRequest {
            src: path.to_string(),
        };
        let response = call!(self, get_file_info, request)?;
        Ok(response
            .fs
            .map(|status| FileStatus::from_proto(path.to_string(), status)))
    }

    /// The status of `path`; `'path': No such file or directory` when absent.
    pub async fn stat(&self, path: &str) -> Result<FileStatus> {
        self.get_file_info(path)
            .await?
            .ok_or_else(|| RemoteException::not_found(path))
    }

    /// The entries of a directory, sorted by name (fetched in pages of
    /// `dfs.ls.limit`), or the file itself when `path` is a file.
    pub async fn list(&self, path: &str) -> Result<Vec<FileStatus>> {
        let mut entries = Vec::new();
        let mut start_after = Vec::new();
        loop {
            let request = pb::GetListingRequest {
                src: path.to_string(),
                start_after: std::mem::take(&mut start_after),
            };
            let response = call!(self, get_listing, request)?;
            let Some(listing) = response.dir_list else {
                return Err(RemoteException::not_found(path));
            };
            let page_len = listing.partial_listing.len();
            for entry in listing.partial_listing {
                if entry.name.is_empty() {
                    // A file lists as itself.
                    entries.push(FileStatus::from_proto(path.to_string(), entry));
                    continue;
                }
                start_after.clone_from(&entry.name);
                let name = String::from_utf8_lossy(&entry.name).into_owned();
                entries.push(FileStatus::from_proto(
                    common::path::join(path, &name),
                    entry,
                ));
            }
            if listing.remaining_entries == 0 || page_len == 0 {
                return Ok(entries);
            }
        }
    }

    /// Renames `src` to `dst`. With `move_into_directory` (FileSystem#rename,
    /// what `-mv` uses) an existing directory `dst` receives `src` inside it;
    /// with `overwrite` an existing file or empty directory `dst` is replaced.
    pub async fn rename(
        &self,
        src: &str,
        dst: &str,
        overwrite: bool,
        move_into_directory: bool,
    ) -> Result<()> {
        let request = pb::RenameRequest {
            src: src.to_string(),
            dst: dst.to_string(),
            overwrite,
            move_into_directory,
        };
        call!(self, rename, request, at_most_once)?;
        Ok(())
    }

    /// Moves the blocks of `sources`, in order, to the end of `target` and removes the
    /// sources (Hadoop's `concat`).
    pub async fn concat(&self, target: &str, sources: &[String]) -> Result<()> {
        let request = pb::ConcatRequest {
            trg: target.to_string(),
            srcs: sources.to_vec(),
        };
        call!(self, concat, request, at_most_once)?;
        Ok(())
    }

    /// Cuts the file at `path` to `new_length` (Hadoop's `truncate`). True
    /// when it has that length now; false when the DataNodes are cutting its
    /// last block: it is not to be written again until that is done (its
    /// status says it is no longer under construction).
    pub async fn truncate(&self, path: &str, new_length: u64) -> Result<bool> {
        let request = pb::TruncateRequest {
            src: path.to_string(),
            new_length,
            client_name: self.client_name.clone(),
        };
        let response = call!(self, truncate, request, at_most_once)?;
        Ok(response.result)
    }

    /// Deletes `path` (a non-empty directory only when `recursive`). Returns
    /// false when nothing was there.
    pub async fn delete(&self, path: &str, recursive: bool) -> Result<bool> {
        let request = pb::DeleteRequest {
            src: path.to_string(),
            recursive,
        };
        let response = call!(self, delete, request, at_most_once)?;
        Ok(response.result)
    }

    /// Sets a file's replication; false when `path` is a directory.
    pub async fn set_replication(&self, path: &str, replication: u16) -> Result<bool> {
        let request = pb::SetReplicationRequest {
            src: path.to_string(),
            replication: replication.into(),
        };
        let response = call!(self, set_replication, request)?;
        Ok(response.result)
    }

    /// Sets the permission bits of `path` (`-chmod`).
    pub async fn set_permission(&self, path: &str, permission: FsPermission) -> Result<()> {
        let request = pb::SetPermissionRequest {
            src: path.to_string(),
            permission: permission.bits().into(),
        };
        call!(self, set_permission, request)?;
        Ok(())
    }

    /// Changes owner and/or group; `None` leaves that one unchanged.
    pub async fn set_owner(
        &self,
        path: &str,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> Result<()> {
        let request = pb::SetOwnerRequest {
            src: path.to_string(),
            username: owner.unwrap_or_default().to_string(),
            groupname: group.unwrap_or_default().to_string(),
        };
        call!(self, set_owner, request)?;
        Ok(())
    }

    /// Sets modification and access times in ms; -1 leaves one unchanged.
    pub async fn set_times(&self, path: &str, mtime: i64, atime: i64) -> Result<()> {
        let request = pb::SetTimesRequest {
            src: path.to_string(),
            mtime,
            atime,
        };
        call!(self, set_times, request)?;
        Ok(())
    }

    /// Length, file and directory counts and space consumed below `path` (`-count`, `-du -s`).
    pub async fn content_summary(&self, path: &str) -> Result<ContentSummary> {
        let request = pb::GetContentSummaryRequest {
            path: path.to_string(),
        };
        let response = call!(self, get_content_summary, request)?;
        Ok(response.summary.required("summary")?.into())
    }

    /// Creates a file open for writing by this client and returns its status.
    pub async fn create(&self, path: &str, options: &CreateOptions) -> Result<FileStatus> {
        let request = pb::CreateRequest {
            src: path.to_string(),
            masked: options.permission.bits().into(),
            client_name: self.client_name.clone(),
            overwrite: options.overwrite,
            create_parent: options.create_parent,
            replication: options.replication.into(),
            block_size: options.block_size,
        };
        let response = call!(self, create, request, at_most_once)?;
        let status = response
            .fs
            .ok_or_else(|| RemoteException::io("create: NameNode returned no file status"))?;
        Ok(FileStatus::from_proto(path.to_string(), status))
    }

    /// Creates an empty, closed file (what `-touchz` does).
    pub async fn create_empty(&self, path: &str, options: &CreateOptions) -> Result<()> {
        let status = self.create(path, options).await?;
        self.complete(path, status.file_id, None).await?;
        Ok(())
    }

    /// Opens a file for reading.
    pub async fn open(&self, path: &str) -> Result<crate::FileReader> {
        crate::FileReader::open(self.clone(), path).await
    }

    /// Creates a file and returns a writer for its data (close it to finish).
    pub async fn create_writer(
        &self,
        path: &str,
        options: &CreateOptions,
    ) -> Result<crate::FileWriter> {
        let status = self.create(path, options).await?;
        self.writer(status, None, None, false).await
    }

    /// Reopens a closed file and returns a writer appending to it: a partial
    /// last block is continued, after a full one new data starts a new block.
    pub async fn append_writer(&self, path: &str) -> Result<crate::FileWriter> {
        let request = pb::AppendRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
        };
        let response = call!(self, append, request, at_most_once)?;
        let status = FileStatus::from_proto(path.to_string(), response.fs.required("fs")?);
        match response.block {
            Some(reopened) => self.writer(status, None, Some(reopened), true).await,
            None => self.writer(status, response.last_block, None, true).await,
        }
    }

    /// A writer of the file `status` describes, open by this client;
    /// `last_block` is the full last block an append starts a new block
    /// after, `reopened` the partial one it continues; `appending` for an
    /// append (which replaces any DataNode its pipeline loses).
    async fn writer(
        &self,
        status: FileStatus,
        last_block: Option<pb::Block>,
        reopened: Option<pb::LocatedBlock>,
        appending: bool,
    ) -> Result<crate::FileWriter> {
        let defaults = self.server_defaults().await?;
        Ok(crate::FileWriter::new(
            self.clone(),
            crate::write::WrittenFile {
                path: status.path,
                file_id: status.file_id,
                block_size: status.block_size,
                replication: status.replication,
                appending,
            },
            defaults.bytes_per_checksum.max(1),
            last_block,
            reopened,
        ))
    }

    /// The file's checksum as Hadoop gives it (MD5MD5CRC32C, `hdfs dfs -checksum`).
    pub async fn file_checksum(&self, path: &str) -> Result<crate::FileChecksum> {
        crate::read::file_checksum(self, path).await
    }

    /// `recoverLease` (`hdfs debug recoverLease`): true once the file is
    /// closed; otherwise its recovery started and the caller asks again.
    pub async fn recover_lease(&self, path: &str) -> Result<bool> {
        let request = pb::RecoverLeaseRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
        };
        let response = call!(self, recover_lease, request)?;
        Ok(response.closed)
    }

    /// The NameNode's block size, checksum chunk, replication and trash defaults.
    pub async fn server_defaults(&self) -> Result<ServerDefaults> {
        let response = call!(self, get_server_defaults, pb::GetServerDefaultsRequest {})?;
        Ok(ServerDefaults {
            block_size: response.block_size,
            bytes_per_checksum: response.bytes_per_checksum,
            replication: response.replication as u16,
            trash_interval_minutes: response.trash_interval_minutes,
            block_pool_id: response.block_pool_id,
        })
    }
}
