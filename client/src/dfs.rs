//! [`DfsClient`]: one gRPC channel to the NameNode, shared by clones.

use std::sync::atomic::{AtomicU64, Ordering};

use common::conf::keys;
use common::faults::{self, Channel};
use common::{Configuration, FsPermission, RemoteException};
use proto::hdfs as pb;
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use tonic::transport::Endpoint;

use crate::Result;
use crate::status::{ContentSummary, FileStatus, FsStats, ServerDefaults};

/// Calls the ClientProtocol method `$method` with `$message` as the
/// client's user: the reply's message, or the NameNode's RemoteException.
macro_rules! call {
    ($client:expr, $method:ident, $message:expr) => {
        $client
            .rpc
            .clone()
            .$method($client.request($message))
            .await
            .map(tonic::Response::into_inner)
            .map_err(from_status)
    };
}

/// Whether readers check a whole block's MD5 and SHA-1 (on by default;
/// per-chunk CRC32C is always checked). Tusk's own key.
pub const VERIFY_BLOCK_DIGESTS_KEY: &str = keys::DFS_CLIENT_READ_VERIFY_BLOCK_DIGESTS;
/// How often a client writing files renews its leases (HDFS's LeaseRenewer
/// renews at half the 60 s soft limit). Milliseconds.
pub const LEASE_RENEW_INTERVAL_KEY: &str = keys::DFS_CLIENT_LEASE_RENEW_INTERVAL_MS;

const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// What `hdfs dfsadmin -safemode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeModeAction {
    Get,
    Enter,
    Leave,
}

const DEFAULT_LEASE_RENEW_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// How to create a file.
#[derive(Clone, Debug)]
pub struct CreateOptions {
    pub permission: FsPermission,
    pub overwrite: bool,
    pub create_parent: bool,
    pub replication: u16,
    pub block_size: u64,
}

/// A client of one NameNode. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct DfsClient {
    rpc: ClientProtocolClient<Channel>,
    authority: String,
    user: String,
    client_name: String,
    umask: FsPermission,
    verify_block_digests: bool,
    lease_renew_interval: std::time::Duration,
}

impl DfsClient {
    /// Connects (lazily) to the NameNode named by `fs.defaultFS`, as the
    /// current user (`HADOOP_USER_NAME` or the OS user). Must run inside a
    /// tokio runtime.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let default_fs = conf
            .get_string(keys::FS_DEFAULT_FS)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        let authority = namenode_authority(&default_fs)?;
        let umask = umask_from_conf(conf)?;
        let mut client = Self::connect(&authority, &common::user::current_user(), umask)?;
        client.verify_block_digests = conf
            .get_bool(VERIFY_BLOCK_DIGESTS_KEY)
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        client.lease_renew_interval = conf
            .get_duration(
                LEASE_RENEW_INTERVAL_KEY,
                common::conf::TimeUnit::Milliseconds,
            )
            .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
        Ok(client)
    }

    /// Connects (lazily) to `host:port` as `user`.
    pub fn connect(authority: &str, user: &str, umask: FsPermission) -> Result<Self> {
        let endpoint = Endpoint::from_shared(format!("http://{authority}"))
            .map_err(|error| {
                RemoteException::illegal_argument(format!(
                    "invalid NameNode address '{authority}': {error}"
                ))
            })?
            .tcp_nodelay(true);
        let rpc = ClientProtocolClient::new(faults::channel(faults::CLIENT, endpoint))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            rpc,
            authority: authority.to_string(),
            user: user.to_string(),
            client_name: new_client_name(),
            umask,
            verify_block_digests: true,
            lease_renew_interval: DEFAULT_LEASE_RENEW_INTERVAL,
        })
    }

    /// `host:port` of the NameNode.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The user this client acts as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The name this client holds leases under.
    pub fn client_name(&self) -> &str {
        &self.client_name
    }

    /// Whether readers check whole-block digests ([`VERIFY_BLOCK_DIGESTS_KEY`]).
    pub fn verify_block_digests(&self) -> bool {
        self.verify_block_digests
    }

    /// The umask applied to new files and directories (`fs.permissions.umask-mode`).
    pub fn umask(&self) -> FsPermission {
        self.umask
    }

    /// `hdfs://host:port`, the URI of this file system.
    pub fn uri(&self) -> String {
        format!("hdfs://{}", self.authority)
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Ok(user) = self.user.parse() {
            request.metadata_mut().insert(proto::USER_METADATA, user);
        }
        request
    }

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
        call!(self, mkdirs, request)?;
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
        call!(self, rename, request)?;
        Ok(())
    }

    /// Deletes `path` (a non-empty directory only when `recursive`). Returns
    /// false when nothing was there.
    pub async fn delete(&self, path: &str, recursive: bool) -> Result<bool> {
        let request = pb::DeleteRequest {
            src: path.to_string(),
            recursive,
        };
        let response = call!(self, delete, request)?;
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

    pub async fn content_summary(&self, path: &str) -> Result<ContentSummary> {
        let request = pb::GetContentSummaryRequest {
            path: path.to_string(),
        };
        let response = call!(self, get_content_summary, request)?;
        Ok(response.summary.unwrap_or_default().into())
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
        let response = call!(self, create, request)?;
        let status = response
            .fs
            .ok_or_else(|| RemoteException::io("create: NameNode returned no file status"))?;
        Ok(FileStatus::from_proto(path.to_string(), status))
    }

    /// Allocates the next block of a file being written; `previous` is the
    /// last block with its final length; `excluded` DataNodes are avoided.
    pub async fn add_block(
        &self,
        path: &str,
        file_id: u64,
        previous: Option<pb::Block>,
        excluded: &[String],
    ) -> Result<pb::LocatedBlock> {
        let request = pb::AddBlockRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
            previous,
            file_id,
            excluded_node_uuids: excluded.to_vec(),
        };
        let response = call!(self, add_block, request)?;
        response
            .block
            .ok_or_else(|| RemoteException::io("addBlock: NameNode returned no block"))
    }

    /// Pipeline recovery: a new generation stamp for the block being written.
    pub async fn update_block_for_pipeline(
        &self,
        path: &str,
        block: pb::Block,
    ) -> Result<pb::Block> {
        let request = pb::UpdateBlockForPipelineRequest {
            block: Some(block),
            client_name: self.client_name.clone(),
            src: path.to_string(),
        };
        let response = call!(self, update_block_for_pipeline, request)?;
        response
            .block
            .and_then(|located| located.block)
            .ok_or_else(|| {
                RemoteException::io("updateBlockForPipeline: NameNode returned no block")
            })
    }

    /// Pipeline recovery: the block continues on `nodes` with its new stamp.
    pub async fn update_pipeline(
        &self,
        path: &str,
        old_block: pb::Block,
        new_block: pb::Block,
        nodes: &[String],
    ) -> Result<()> {
        let request = pb::UpdatePipelineRequest {
            client_name: self.client_name.clone(),
            old_block: Some(old_block),
            new_block: Some(new_block),
            new_node_uuids: nodes.to_vec(),
            src: path.to_string(),
        };
        call!(self, update_pipeline, request)?;
        Ok(())
    }

    /// Tells the NameNode a replica is bad.
    pub async fn report_bad_block(
        &self,
        block: pb::Block,
        datanode_uuid: &str,
        reason: &str,
    ) -> Result<()> {
        let bad = pb::BadBlock {
            block: Some(block),
            datanode_uuid: datanode_uuid.to_string(),
            reason: reason.to_string(),
        };
        let request = pb::ClientReportBadBlocksRequest { blocks: vec![bad] };
        call!(self, report_bad_blocks, request)?;
        Ok(())
    }

    /// A file's length, its blocks overlapping `[offset, offset + length)`
    /// with their locations (nearest first), and whether it is still open.
    pub async fn block_locations(
        &self,
        path: &str,
        offset: u64,
        length: u64,
    ) -> Result<(u64, Vec<pb::LocatedBlock>, bool)> {
        let request = pb::GetBlockLocationsRequest {
            src: path.to_string(),
            offset,
            length,
        };
        let response = call!(self, get_block_locations, request)?;
        Ok((
            response.file_length,
            response.blocks,
            response.under_construction,
        ))
    }

    /// DataNodes as the NameNode sees them (`dfsadmin -report`).
    pub async fn datanode_report(
        &self,
        kind: pb::DatanodeReportType,
    ) -> Result<Vec<pb::DatanodeReport>> {
        let request = pb::GetDatanodeReportRequest {
            r#type: kind.into(),
        };
        let response = call!(self, get_datanode_report, request)?;
        Ok(response.reports)
    }

    /// The file's MD5-of-MD5s checksum (`hdfs dfs -checksum`).
    pub async fn file_checksum(&self, path: &str) -> Result<crate::FileChecksum> {
        crate::read::file_checksum(self, path).await
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
        let defaults = self.server_defaults().await?;
        Ok(crate::FileWriter::new(
            self.clone(),
            path.to_string(),
            status.file_id,
            status.block_size,
            defaults.bytes_per_checksum.max(1),
            None,
        ))
    }

    /// Reopens a closed file and returns a writer appending to it (new data
    /// starts a new block).
    pub async fn append_writer(&self, path: &str) -> Result<crate::FileWriter> {
        let request = pb::AppendRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
        };
        let response = call!(self, append, request)?;
        let status = FileStatus::from_proto(path.to_string(), response.fs.unwrap_or_default());
        let defaults = self.server_defaults().await?;
        Ok(crate::FileWriter::new(
            self.clone(),
            path.to_string(),
            status.file_id,
            status.block_size,
            defaults.bytes_per_checksum.max(1),
            response.last_block,
        ))
    }

    /// Renews every lease this client holds.
    pub async fn renew_lease(&self) -> Result<()> {
        let request = pb::RenewLeaseRequest {
            client_name: self.client_name.clone(),
        };
        call!(self, renew_lease, request)?;
        Ok(())
    }

    /// How often writers renew this client's leases.
    pub fn lease_renew_interval(&self) -> std::time::Duration {
        self.lease_renew_interval
    }

    /// `dfsadmin -refreshNodes`: the NameNode rereads `dfs.hosts.exclude`.
    pub async fn refresh_nodes(&self) -> Result<()> {
        call!(self, refresh_nodes, pb::RefreshNodesRequest {})?;
        Ok(())
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

    /// Gives up the last block of a file being written.
    pub async fn abandon_block(&self, path: &str, file_id: u64, block: pb::Block) -> Result<()> {
        let request = pb::AbandonBlockRequest {
            b: Some(block),
            src: path.to_string(),
            holder: self.client_name.clone(),
            file_id,
        };
        call!(self, abandon_block, request)?;
        Ok(())
    }

    /// Closes a file being written; `last` is its last block with final length.
    pub async fn complete(
        &self,
        path: &str,
        file_id: u64,
        last: Option<pb::Block>,
    ) -> Result<bool> {
        let request = pb::CompleteRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
            last,
            file_id,
        };
        let response = call!(self, complete, request)?;
        Ok(response.result)
    }

    /// Creates an empty, closed file (what `-touchz` does).
    pub async fn create_empty(&self, path: &str, options: &CreateOptions) -> Result<()> {
        let status = self.create(path, options).await?;
        self.complete(path, status.file_id, None).await?;
        Ok(())
    }

    pub async fn fs_stats(&self) -> Result<FsStats> {
        let response = call!(self, get_fs_stats, pb::GetFsStatsRequest {})?;
        Ok(response.into())
    }

    /// Enters, leaves or queries safe mode; returns whether it is on.
    pub async fn set_safe_mode(&self, action: SafeModeAction) -> Result<bool> {
        let action = match action {
            SafeModeAction::Get => pb::SafeModeAction::Get,
            SafeModeAction::Enter => pb::SafeModeAction::Enter,
            SafeModeAction::Leave => pb::SafeModeAction::Leave,
        };
        let request = pb::SetSafeModeRequest {
            action: action.into(),
        };
        let response = call!(self, set_safe_mode, request)?;
        Ok(response.result)
    }

    /// Writes a new fsimage (the NameNode must be in safe mode); returns its txid.
    pub async fn save_namespace(&self) -> Result<u64> {
        let response = call!(self, save_namespace, pb::SaveNamespaceRequest {})?;
        Ok(response.txid)
    }

    /// Finalizes the current edit segment; returns the first txid of the new one.
    pub async fn roll_edits(&self) -> Result<u64> {
        let response = call!(self, roll_edits, pb::RollEditsRequest {})?;
        Ok(response.new_segment_txid)
    }

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

fn from_status(status: tonic::Status) -> RemoteException {
    RemoteException::from_status(&status)
}

/// `host:port` of the NameNode in an `hdfs://` URI (port 8020 when absent).
pub fn namenode_authority(uri: &str) -> Result<String> {
    common::conf::hdfs_authority(uri).ok_or_else(|| {
        RemoteException::illegal_argument(format!(
            "fs.defaultFS is '{uri}', not an hdfs:// URI (set it in core-site.xml or with -fs)"
        ))
    })
}

fn umask_from_conf(conf: &Configuration) -> Result<FsPermission> {
    let text = conf
        .get_string(keys::FS_PERMISSIONS_UMASK_MODE)
        .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
    FsPermission::from_octal(text.trim()).ok_or_else(|| {
        RemoteException::illegal_argument(format!(
            "invalid value for fs.permissions.umask-mode: '{text}' (expected an octal mode)"
        ))
    })
}

fn new_client_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    format!(
        "DFSClient_NONMAPREDUCE_{}_{}_{}",
        nanos,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_from_default_fs() {
        assert_eq!(namenode_authority("hdfs://nn:9000").unwrap(), "nn:9000");
        assert_eq!(namenode_authority("hdfs://nn").unwrap(), "nn:8020");
        assert_eq!(namenode_authority("hdfs://nn:9000/x").unwrap(), "nn:9000");
        assert!(namenode_authority("file:///").is_err());
        assert!(namenode_authority("hdfs:///x").is_err());
    }
}
