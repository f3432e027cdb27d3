//! ClientProtocol over gRPC: decode, call the namesystem, encode. No logic,
//! except that non-idempotent calls go through the retry cache.

use std::sync::Arc;

use common::ids::{BlockId, DatanodeUuid, GenerationStamp};
use common::required::Required;
use common::user::{CallOrigin, CallProtocol, CallerContext};
use common::{FsPermission, RemoteException};
use proto::hdfs as pb;
use proto::hdfs::client_protocol_server::ClientProtocol;
use tonic::{Request, Response, Status};

use crate::blockmanager::{AdminState, DatanodeLocation};
use crate::ha::OperationCategory;
use crate::namespace::{Block, Caller, CreateRequest, INodeStatus};
use crate::namesystem::{LocatedBlock, Namesystem};
use crate::retry_cache::{RetryCache, RpcIds};

/// The user name of a request that names none (Hadoop's anonymous web user).
const ANONYMOUS_USER: &str = "dr.who";

/// The ClientProtocol service of one NameNode.
pub struct ClientRpc {
    namesystem: Arc<Namesystem>,
    retry_cache: Arc<RetryCache>,
}

impl ClientRpc {
    pub fn new(namesystem: Arc<Namesystem>, retry_cache: Arc<RetryCache>) -> Self {
        Self {
            namesystem,
            retry_cache,
        }
    }

    /// The status of `path` as a create or append that the edit log says
    /// was applied answers a retry of it.
    fn replayed_status(&self, path: &str, caller: &Caller) -> Result<pb::FileStatus, Status> {
        let status = self
            .namesystem
            .file_info(path, caller)?
            .ok_or_else(|| RemoteException::not_found(path))?;
        Ok(status_proto(status))
    }

    /// Runs a create: the first answer of a create the retry cache caches.
    async fn create_once(
        &self,
        r: &pb::CreateRequest,
        caller: &Caller,
    ) -> Result<pb::CreateResponse, Status> {
        let config = self.namesystem.config();
        let replication = match r.replication {
            0 => Ok(config.default_replication),
            value => replication(value),
        };
        let block_size = if r.block_size == 0 {
            config.default_block_size
        } else {
            r.block_size
        };
        let result = match replication {
            Ok(replication) => {
                let create = CreateRequest {
                    path: &r.src,
                    permission: permission(r.masked),
                    client_name: &r.client_name,
                    overwrite: r.overwrite,
                    create_parent: r.create_parent,
                    replication,
                    block_size,
                };
                self.namesystem.create(&create, caller).await
            }
            Err(error) => Err(error),
        };
        Ok(result.map(|status| pb::CreateResponse {
            fs: Some(status_proto(status)),
        })?)
    }

    /// Who sends `request`, from where (the Hadoop IPC layer asks too, for
    /// the calls it serves from the namesystem directly); a Hadoop IPC call's
    /// caller context rides in the request's extensions.
    pub(crate) fn caller<T>(&self, request: &Request<T>) -> Caller {
        let user = request
            .metadata()
            .get(proto::USER_METADATA)
            .and_then(|value| value.to_str().ok())
            .filter(|user| !user.is_empty())
            .unwrap_or(ANONYMOUS_USER);
        let origin = CallOrigin {
            address: request.remote_addr().map(|address| address.ip()),
            protocol: CallProtocol::Rpc,
            caller_context: request.extensions().get::<CallerContext>().cloned(),
        };
        self.namesystem.caller(user).with_origin(origin)
    }
}

type RpcResult<T> = Result<Response<T>, Status>;

fn reply<T>(result: Result<T, RemoteException>) -> RpcResult<T> {
    result.map(Response::new).map_err(Status::from)
}

fn permission(bits: u32) -> FsPermission {
    FsPermission::new(bits as u16)
}

fn replication(value: u32) -> Result<u16, RemoteException> {
    u16::try_from(value).map_err(|_| {
        RemoteException::illegal_argument(format!("replication {value} is out of range"))
    })
}

pub(crate) fn block(block: &pb::Block) -> Block {
    Block {
        id: BlockId(block.block_id),
        generation_stamp: GenerationStamp(block.generation_stamp),
        num_bytes: block.num_bytes,
    }
}

pub(crate) fn block_proto(block: Block) -> pb::Block {
    pb::Block {
        block_id: block.id.0,
        generation_stamp: block.generation_stamp.0,
        num_bytes: block.num_bytes,
    }
}

/// DataNode uuids as the wire carries them.
pub(crate) fn uuids(uuids: Vec<String>) -> Vec<DatanodeUuid> {
    uuids.into_iter().map(DatanodeUuid::from).collect()
}

pub(crate) fn datanode_proto(location: &DatanodeLocation) -> pb::DatanodeInfo {
    let address = &location.address;
    pb::DatanodeInfo {
        datanode_uuid: address.uuid.to_string(),
        host: address.host.clone(),
        xfer_port: address.xfer_port.into(),
        ipc_port: address.ipc_port.into(),
        http_port: address.http_port.into(),
        rack: location.rack.clone(),
    }
}

fn located_proto(located: LocatedBlock) -> pb::LocatedBlock {
    pb::LocatedBlock {
        block: Some(block_proto(located.block)),
        offset: located.offset,
        locations: located
            .locations
            .locations
            .iter()
            .map(datanode_proto)
            .collect(),
        corrupt: located.locations.corrupt,
    }
}

/// The caller's IP, to place replicas near a writer and sort them for a reader.
fn peer_host<T>(request: &Request<T>) -> String {
    request
        .remote_addr()
        .map(|address| address.ip().to_string())
        .unwrap_or_default()
}

fn status_proto(status: INodeStatus) -> pb::FileStatus {
    let file_type = if status.is_directory {
        pb::FileType::Directory
    } else {
        pb::FileType::File
    };
    pb::FileStatus {
        file_type: file_type.into(),
        name: status.name,
        length: status.length,
        permission: status.permission.bits().into(),
        owner: status.owner,
        group: status.group,
        modification_time: status.mtime,
        access_time: status.atime,
        replication: status.replication.into(),
        block_size: status.block_size,
        file_id: status.id,
        children_num: status.children_num,
        under_construction: status.under_construction,
    }
}

#[tonic::async_trait]
impl ClientProtocol for ClientRpc {
    async fn mkdirs(&self, request: Request<pb::MkdirsRequest>) -> RpcResult<pb::MkdirsResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let replayed = || Ok(pb::MkdirsResponse { result: true });
        let call = async {
            let result = self
                .namesystem
                .mkdirs(&r.src, permission(r.masked), r.create_parent, &caller)
                .await;
            Ok(result.map(|()| pb::MkdirsResponse { result: true })?)
        };
        self.retry_cache
            .run(ids, replayed, call)
            .await
            .map(Response::new)
    }

    async fn get_file_info(
        &self,
        request: Request<pb::GetFileInfoRequest>,
    ) -> RpcResult<pb::GetFileInfoResponse> {
        let caller = self.caller(&request);
        let result = self
            .namesystem
            .file_info(&request.into_inner().src, &caller);
        reply(result.map(|status| pb::GetFileInfoResponse {
            fs: status.map(status_proto),
        }))
    }

    async fn get_listing(
        &self,
        request: Request<pb::GetListingRequest>,
    ) -> RpcResult<pb::GetListingResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.listing(&r.src, &r.start_after, &caller);
        reply(result.map(|listing| pb::GetListingResponse {
            dir_list: listing.map(|listing| pb::DirectoryListing {
                partial_listing: listing.entries.into_iter().map(status_proto).collect(),
                remaining_entries: listing.remaining,
            }),
        }))
    }

    async fn rename(&self, request: Request<pb::RenameRequest>) -> RpcResult<pb::RenameResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let call = async {
            let result = self
                .namesystem
                .rename(&r.src, &r.dst, r.overwrite, r.move_into_directory, &caller)
                .await;
            Ok(result.map(|()| pb::RenameResponse {})?)
        };
        self.retry_cache
            .run(ids, || Ok(pb::RenameResponse {}), call)
            .await
            .map(Response::new)
    }

    async fn concat(&self, request: Request<pb::ConcatRequest>) -> RpcResult<pb::ConcatResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let call = async {
            let result = self.namesystem.concat(&r.trg, &r.srcs, &caller).await;
            Ok(result.map(|()| pb::ConcatResponse {})?)
        };
        self.retry_cache
            .run(ids, || Ok(pb::ConcatResponse {}), call)
            .await
            .map(Response::new)
    }

    async fn truncate(
        &self,
        request: Request<pb::TruncateRequest>,
    ) -> RpcResult<pb::TruncateResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let client_machine = peer_host(&request);
        let r = request.into_inner();
        // A retry of a truncate that was done: true once the file is closed.
        let replayed = || {
            let status = self.replayed_status(&r.src, &caller)?;
            Ok(pb::TruncateResponse {
                result: !status.under_construction,
            })
        };
        let call = async {
            let truncated = self
                .namesystem
                .truncate(
                    &r.src,
                    r.new_length,
                    &r.client_name,
                    &client_machine,
                    &caller,
                )
                .await;
            Ok(truncated.map(|result| pb::TruncateResponse { result })?)
        };
        self.retry_cache
            .run(ids, replayed, call)
            .await
            .map(Response::new)
    }

    async fn delete(&self, request: Request<pb::DeleteRequest>) -> RpcResult<pb::DeleteResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let call = async {
            let result = self.namesystem.delete(&r.src, r.recursive, &caller).await;
            Ok(result.map(|result| pb::DeleteResponse { result })?)
        };
        self.retry_cache
            .run(ids, || Ok(pb::DeleteResponse { result: true }), call)
            .await
            .map(Response::new)
    }

    async fn set_replication(
        &self,
        request: Request<pb::SetReplicationRequest>,
    ) -> RpcResult<pb::SetReplicationResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = match replication(r.replication) {
            Ok(replication) => {
                self.namesystem
                    .set_replication(&r.src, replication, &caller)
                    .await
            }
            Err(error) => Err(error),
        };
        reply(result.map(|result| pb::SetReplicationResponse { result }))
    }

    async fn set_permission(
        &self,
        request: Request<pb::SetPermissionRequest>,
    ) -> RpcResult<pb::SetPermissionResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self
            .namesystem
            .set_permission(&r.src, permission(r.permission), &caller)
            .await;
        reply(result.map(|()| pb::SetPermissionResponse {}))
    }

    async fn set_owner(
        &self,
        request: Request<pb::SetOwnerRequest>,
    ) -> RpcResult<pb::SetOwnerResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self
            .namesystem
            .set_owner(&r.src, &r.username, &r.groupname, &caller)
            .await;
        reply(result.map(|()| pb::SetOwnerResponse {}))
    }

    async fn set_times(
        &self,
        request: Request<pb::SetTimesRequest>,
    ) -> RpcResult<pb::SetTimesResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self
            .namesystem
            .set_times(&r.src, r.mtime, r.atime, &caller)
            .await;
        reply(result.map(|()| pb::SetTimesResponse {}))
    }

    async fn get_content_summary(
        &self,
        request: Request<pb::GetContentSummaryRequest>,
    ) -> RpcResult<pb::GetContentSummaryResponse> {
        let caller = self.caller(&request);
        let result = self
            .namesystem
            .content_summary(&request.into_inner().path, &caller);
        reply(result.map(|summary| pb::GetContentSummaryResponse {
            summary: Some(pb::ContentSummary {
                length: summary.length,
                file_count: summary.file_count,
                directory_count: summary.directory_count,
                quota: summary.quota,
                space_consumed: summary.space_consumed,
                space_quota: summary.space_quota,
            }),
        }))
    }

    async fn get_quota_usage(
        &self,
        request: Request<pb::GetQuotaUsageRequest>,
    ) -> RpcResult<pb::GetQuotaUsageResponse> {
        let caller = self.caller(&request);
        let result = self
            .namesystem
            .quota_usage(&request.into_inner().path, &caller);
        reply(result.map(|usage| pb::GetQuotaUsageResponse {
            usage: Some(pb::QuotaUsage {
                file_and_directory_count: usage.file_and_directory_count,
                quota: usage.quota,
                space_consumed: usage.space_consumed,
                space_quota: usage.space_quota,
            }),
        }))
    }

    async fn set_quota(
        &self,
        request: Request<pb::SetQuotaRequest>,
    ) -> RpcResult<pb::SetQuotaResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self
            .namesystem
            .set_quota(
                &r.path,
                r.namespace_quota,
                r.space_quota,
                r.storage_type.as_deref(),
                &caller,
            )
            .await;
        reply(result.map(|()| pb::SetQuotaResponse {}))
    }

    async fn create(&self, request: Request<pb::CreateRequest>) -> RpcResult<pb::CreateResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let replayed = || {
            Ok(pb::CreateResponse {
                fs: Some(self.replayed_status(&r.src, &caller)?),
            })
        };
        self.retry_cache
            .run(ids, replayed, self.create_once(&r, &caller))
            .await
            .map(Response::new)
    }

    async fn add_block(
        &self,
        request: Request<pb::AddBlockRequest>,
    ) -> RpcResult<pb::AddBlockResponse> {
        let writer = peer_host(&request);
        let r = request.into_inner();
        let previous = r.previous.as_ref().map(block);
        let excluded = uuids(r.excluded_node_uuids);
        let result = self
            .namesystem
            .add_block(
                &r.src,
                &r.client_name,
                r.file_id,
                previous,
                Some(&writer),
                &excluded,
            )
            .await;
        reply(result.map(|allocated| pb::AddBlockResponse {
            block: Some(pb::LocatedBlock {
                block: Some(block_proto(allocated.block)),
                offset: allocated.offset,
                locations: allocated.targets.iter().map(datanode_proto).collect(),
                corrupt: false,
            }),
        }))
    }

    async fn abandon_block(
        &self,
        request: Request<pb::AbandonBlockRequest>,
    ) -> RpcResult<pb::AbandonBlockResponse> {
        let r = request.into_inner();
        let block_id = BlockId(r.b.required("b")?.block_id);
        let result = self
            .namesystem
            .abandon_block(&r.src, &r.holder, r.file_id, block_id)
            .await;
        reply(result.map(|()| pb::AbandonBlockResponse {}))
    }

    async fn complete(
        &self,
        request: Request<pb::CompleteRequest>,
    ) -> RpcResult<pb::CompleteResponse> {
        let ids = RpcIds::of(&request);
        let r = request.into_inner();
        let last = r.last.as_ref().map(block);
        let call = async {
            let result = self
                .namesystem
                .complete(&r.src, &r.client_name, r.file_id, last)
                .await;
            Ok(result.map(|result| pb::CompleteResponse { result })?)
        };
        self.retry_cache
            .run(ids, || Ok(pb::CompleteResponse { result: true }), call)
            .await
            .map(Response::new)
    }

    async fn get_block_locations(
        &self,
        request: Request<pb::GetBlockLocationsRequest>,
    ) -> RpcResult<pb::GetBlockLocationsResponse> {
        let caller = self.caller(&request);
        let reader = peer_host(&request);
        let r = request.into_inner();
        let result = self
            .namesystem
            .block_locations(&r.src, r.offset, r.length, &reader, &caller);
        reply(result.map(|(blocks, file_length, under_construction)| {
            pb::GetBlockLocationsResponse {
                file_length,
                blocks: blocks.into_iter().map(located_proto).collect(),
                under_construction,
            }
        }))
    }

    async fn get_fs_stats(
        &self,
        _request: Request<pb::GetFsStatsRequest>,
    ) -> RpcResult<pb::GetFsStatsResponse> {
        self.namesystem.check_operation(OperationCategory::Read)?;
        let counts = self.namesystem.counts();
        let stats = self.namesystem.blocks().stats();
        Ok(Response::new(pb::GetFsStatsResponse {
            capacity: stats.capacity,
            used: stats.used,
            remaining: stats.remaining,
            under_replicated: stats.under_replicated,
            corrupt_blocks: stats.corrupt_blocks,
            missing_blocks: stats.missing_blocks,
            files_total: counts.files_total,
            blocks_total: counts.blocks_total,
        }))
    }

    async fn set_safe_mode(
        &self,
        request: Request<pb::SetSafeModeRequest>,
    ) -> RpcResult<pb::SetSafeModeResponse> {
        let caller = self.caller(&request);
        let enter = match request.into_inner().action() {
            pb::SafeModeAction::Enter => Some(true),
            pb::SafeModeAction::Leave => Some(false),
            pb::SafeModeAction::Get | pb::SafeModeAction::Unspecified => None,
        };
        let result = self.namesystem.set_safe_mode(enter, &caller);
        reply(result.map(|result| pb::SetSafeModeResponse { result }))
    }

    async fn save_namespace(
        &self,
        request: Request<pb::SaveNamespaceRequest>,
    ) -> RpcResult<pb::SaveNamespaceResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.save_namespace(&caller).await;
        reply(result.map(|txid| pb::SaveNamespaceResponse { txid }))
    }

    async fn roll_edits(
        &self,
        request: Request<pb::RollEditsRequest>,
    ) -> RpcResult<pb::RollEditsResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.roll_edits(&caller).await;
        reply(result.map(|new_segment_txid| pb::RollEditsResponse { new_segment_txid }))
    }

    async fn get_server_defaults(
        &self,
        _request: Request<pb::GetServerDefaultsRequest>,
    ) -> RpcResult<pb::GetServerDefaultsResponse> {
        self.namesystem.check_operation(OperationCategory::Read)?;
        let config = self.namesystem.config();
        Ok(Response::new(pb::GetServerDefaultsResponse {
            block_size: config.default_block_size,
            bytes_per_checksum: config.bytes_per_checksum,
            replication: config.default_replication.into(),
            trash_interval_minutes: config.trash_interval.as_secs() / 60,
            block_pool_id: self.namesystem.storage_info().block_pool_id.clone(),
        }))
    }

    async fn update_block_for_pipeline(
        &self,
        request: Request<pb::UpdateBlockForPipelineRequest>,
    ) -> RpcResult<pb::UpdateBlockForPipelineResponse> {
        let r = request.into_inner();
        let block_id = BlockId(r.block.required("block")?.block_id);
        let result = self
            .namesystem
            .update_block_for_pipeline(&r.src, &r.client_name, block_id)
            .await;
        reply(result.map(|block| pb::UpdateBlockForPipelineResponse {
            block: Some(pb::LocatedBlock {
                block: Some(block_proto(block)),
                offset: 0,
                locations: Vec::new(),
                corrupt: false,
            }),
        }))
    }

    async fn update_pipeline(
        &self,
        request: Request<pb::UpdatePipelineRequest>,
    ) -> RpcResult<pb::UpdatePipelineResponse> {
        self.namesystem.check_operation(OperationCategory::Write)?;
        let r = request.into_inner();
        let new_block = block(&r.new_block.required("new_block")?);
        self.namesystem
            .update_pipeline(new_block, &uuids(r.new_node_uuids));
        Ok(Response::new(pb::UpdatePipelineResponse {}))
    }

    async fn get_additional_datanode(
        &self,
        request: Request<pb::GetAdditionalDatanodeRequest>,
    ) -> RpcResult<pb::GetAdditionalDatanodeResponse> {
        let writer = peer_host(&request);
        let r = request.into_inner();
        let pipeline = self.namesystem.additional_datanodes(
            &r.src,
            &r.client_name,
            &uuids(r.existing_uuids),
            &uuids(r.excluded_uuids),
            r.num_additional as usize,
            &writer,
        )?;
        Ok(Response::new(pb::GetAdditionalDatanodeResponse {
            block: Some(pb::LocatedBlock {
                block: Some(r.block.required("block")?),
                offset: 0,
                locations: pipeline.iter().map(datanode_proto).collect(),
                corrupt: false,
            }),
        }))
    }

    async fn report_bad_blocks(
        &self,
        request: Request<pb::ClientReportBadBlocksRequest>,
    ) -> RpcResult<pb::ClientReportBadBlocksResponse> {
        self.namesystem.check_operation(OperationCategory::Write)?;
        for bad in request.into_inner().blocks {
            let reported = block(&bad.block.required("block")?);
            self.namesystem.blocks().report_bad_block(
                &DatanodeUuid::from(bad.datanode_uuid),
                reported,
                &bad.reason,
            )?;
        }
        Ok(Response::new(pb::ClientReportBadBlocksResponse {}))
    }

    async fn renew_lease(
        &self,
        request: Request<pb::RenewLeaseRequest>,
    ) -> RpcResult<pb::RenewLeaseResponse> {
        self.namesystem.check_operation(OperationCategory::Write)?;
        self.namesystem
            .renew_lease(&request.into_inner().client_name);
        Ok(Response::new(pb::RenewLeaseResponse {}))
    }

    async fn recover_lease(
        &self,
        request: Request<pb::RecoverLeaseRequest>,
    ) -> RpcResult<pb::RecoverLeaseResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let closed = self.namesystem.recover_lease(&r.src, &caller).await;
        reply(closed.map(|closed| pb::RecoverLeaseResponse { closed }))
    }

    async fn append(&self, request: Request<pb::AppendRequest>) -> RpcResult<pb::AppendResponse> {
        let caller = self.caller(&request);
        let ids = RpcIds::of(&request);
        let writer = peer_host(&request);
        let r = request.into_inner();
        let replayed = || {
            let status = self.replayed_status(&r.src, &caller)?;
            let (blocks, _, _) =
                self.namesystem
                    .block_locations(&r.src, 0, status.length, &writer, &caller)?;
            let last = blocks.last().cloned();
            let reopened = last
                .clone()
                .filter(|located| located.block.num_bytes < status.block_size);
            Ok(pb::AppendResponse {
                fs: Some(status),
                last_block: last.map(|located| block_proto(located.block)),
                block: reopened.map(located_proto),
            })
        };
        let call = async {
            let appended = self
                .namesystem
                .append(&r.src, &r.client_name, &writer, &caller)
                .await;
            Ok(appended.map(|appended| pb::AppendResponse {
                fs: Some(status_proto(appended.status)),
                last_block: appended.last.map(block_proto),
                block: appended.reopened.map(located_proto),
            })?)
        };
        self.retry_cache
            .run(ids, replayed, call)
            .await
            .map(Response::new)
    }

    async fn get_datanode_report(
        &self,
        request: Request<pb::GetDatanodeReportRequest>,
    ) -> RpcResult<pb::GetDatanodeReportResponse> {
        let kind = request.into_inner().r#type();
        let reports = self
            .namesystem
            .blocks()
            .datanode_report()
            .into_iter()
            .filter(|node| match kind {
                pb::DatanodeReportType::All => true,
                pb::DatanodeReportType::Live => node.alive,
                pb::DatanodeReportType::Dead => !node.alive,
                pb::DatanodeReportType::Decommissioning => {
                    node.admin_state == AdminState::DecommissionInProgress
                }
            })
            .map(|node| pb::DatanodeReport {
                info: Some(datanode_proto(&node.location)),
                storage: Some(pb::StorageReport {
                    capacity: node.capacity,
                    dfs_used: node.dfs_used,
                    remaining: node.remaining,
                    failed_volumes: 0,
                }),
                live: node.alive,
                admin_state: match node.admin_state {
                    AdminState::Normal => pb::AdminState::Normal,
                    AdminState::DecommissionInProgress => pb::AdminState::DecommissionInProgress,
                    AdminState::Decommissioned => pb::AdminState::Decommissioned,
                }
                .into(),
                last_heartbeat_millis: node.last_heartbeat_millis,
                num_blocks: node.num_blocks,
                xceiver_count: node.xceivers,
            })
            .collect();
        Ok(Response::new(pb::GetDatanodeReportResponse { reports }))
    }

    async fn refresh_nodes(
        &self,
        request: Request<pb::RefreshNodesRequest>,
    ) -> RpcResult<pb::RefreshNodesResponse> {
        let caller = self.caller(&request);
        reply(
            self.namesystem
                .refresh_nodes(&caller)
                .map(|_| pb::RefreshNodesResponse {}),
        )
    }
}
