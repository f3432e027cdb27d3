//! ClientProtocol over gRPC: decode, call the namesystem, encode. No logic.

use std::sync::Arc;

use common::{FsPermission, RemoteException};
use proto::hdfs as pb;
use proto::hdfs::client_protocol_server::ClientProtocol;
use tonic::{Request, Response, Status};

use crate::namespace::{Block, Caller, CreateRequest, INodeStatus};
use crate::namesystem::Namesystem;

/// The user name of a request that names none (Hadoop's anonymous web user).
const ANONYMOUS_USER: &str = "dr.who";

/// The ClientProtocol service of one NameNode.
pub struct ClientRpc {
    namesystem: Arc<Namesystem>,
}

impl ClientRpc {
    pub fn new(namesystem: Arc<Namesystem>) -> Self {
        Self { namesystem }
    }

    fn caller<T>(&self, request: &Request<T>) -> Caller {
        let user = request
            .metadata()
            .get(proto::USER_METADATA)
            .and_then(|value| value.to_str().ok())
            .filter(|user| !user.is_empty())
            .unwrap_or(ANONYMOUS_USER);
        self.namesystem.caller(user)
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
    u16::try_from(value).map_err(|_| RemoteException::illegal_argument(format!("replication {value} is out of range")))
}

fn block(block: &pb::Block) -> Block {
    Block {
        id: block.block_id,
        generation_stamp: block.generation_stamp,
        num_bytes: block.num_bytes,
    }
}

fn block_proto(block: Block) -> pb::Block {
    pb::Block {
        block_id: block.id,
        generation_stamp: block.generation_stamp,
        num_bytes: block.num_bytes,
    }
}

fn status_proto(status: INodeStatus) -> pb::FileStatus {
    let file_type = if status.is_directory { pb::FileType::Directory } else { pb::FileType::File };
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
        let r = request.into_inner();
        let result = self.namesystem.mkdirs(&r.src, permission(r.masked), r.create_parent, &caller).await;
        reply(result.map(|()| pb::MkdirsResponse { result: true }))
    }

    async fn get_file_info(&self, request: Request<pb::GetFileInfoRequest>) -> RpcResult<pb::GetFileInfoResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.file_info(&request.into_inner().src, &caller);
        reply(result.map(|status| pb::GetFileInfoResponse { fs: status.map(status_proto) }))
    }

    async fn get_listing(&self, request: Request<pb::GetListingRequest>) -> RpcResult<pb::GetListingResponse> {
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
        let r = request.into_inner();
        let result = self.namesystem.rename(&r.src, &r.dst, r.overwrite, r.move_into_directory, &caller).await;
        reply(result.map(|()| pb::RenameResponse {}))
    }

    async fn delete(&self, request: Request<pb::DeleteRequest>) -> RpcResult<pb::DeleteResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.delete(&r.src, r.recursive, &caller).await;
        reply(result.map(|result| pb::DeleteResponse { result }))
    }

    async fn set_replication(&self, request: Request<pb::SetReplicationRequest>) -> RpcResult<pb::SetReplicationResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = match replication(r.replication) {
            Ok(replication) => self.namesystem.set_replication(&r.src, replication, &caller).await,
            Err(error) => Err(error),
        };
        reply(result.map(|result| pb::SetReplicationResponse { result }))
    }

    async fn set_permission(&self, request: Request<pb::SetPermissionRequest>) -> RpcResult<pb::SetPermissionResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.set_permission(&r.src, permission(r.permission), &caller).await;
        reply(result.map(|()| pb::SetPermissionResponse {}))
    }

    async fn set_owner(&self, request: Request<pb::SetOwnerRequest>) -> RpcResult<pb::SetOwnerResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.set_owner(&r.src, &r.username, &r.groupname, &caller).await;
        reply(result.map(|()| pb::SetOwnerResponse {}))
    }

    async fn set_times(&self, request: Request<pb::SetTimesRequest>) -> RpcResult<pb::SetTimesResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.set_times(&r.src, r.mtime, r.atime, &caller).await;
        reply(result.map(|()| pb::SetTimesResponse {}))
    }

    async fn get_content_summary(&self, request: Request<pb::GetContentSummaryRequest>) -> RpcResult<pb::GetContentSummaryResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.content_summary(&request.into_inner().path, &caller);
        reply(result.map(|summary| pb::GetContentSummaryResponse {
            summary: Some(pb::ContentSummary {
                length: summary.length,
                file_count: summary.file_count,
                directory_count: summary.directory_count,
                quota: -1,
                space_consumed: summary.space_consumed,
                space_quota: -1,
            }),
        }))
    }

    async fn create(&self, request: Request<pb::CreateRequest>) -> RpcResult<pb::CreateResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let config = self.namesystem.config();
        let replication = match r.replication {
            0 => Ok(config.default_replication),
            value => replication(value),
        };
        let block_size = if r.block_size == 0 { config.default_block_size } else { r.block_size };
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
                self.namesystem.create(&create, &caller).await
            }
            Err(error) => Err(error),
        };
        reply(result.map(|status| pb::CreateResponse { fs: Some(status_proto(status)) }))
    }

    async fn add_block(&self, request: Request<pb::AddBlockRequest>) -> RpcResult<pb::AddBlockResponse> {
        let r = request.into_inner();
        let previous = r.previous.as_ref().map(block);
        let result = self.namesystem.add_block(&r.src, &r.client_name, r.file_id, previous).await;
        reply(result.map(|block| pb::AddBlockResponse {
            block: Some(pb::LocatedBlock {
                block: Some(block_proto(block)),
                offset: 0,
                locations: Vec::new(),
                corrupt: false,
            }),
        }))
    }

    async fn abandon_block(&self, request: Request<pb::AbandonBlockRequest>) -> RpcResult<pb::AbandonBlockResponse> {
        let r = request.into_inner();
        let block_id = r.b.map(|block| block.block_id).unwrap_or_default();
        let result = self.namesystem.abandon_block(&r.src, &r.holder, r.file_id, block_id).await;
        reply(result.map(|()| pb::AbandonBlockResponse {}))
    }

    async fn complete(&self, request: Request<pb::CompleteRequest>) -> RpcResult<pb::CompleteResponse> {
        let r = request.into_inner();
        let last = r.last.as_ref().map(block);
        let result = self.namesystem.complete(&r.src, &r.client_name, r.file_id, last).await;
        reply(result.map(|()| pb::CompleteResponse { result: true }))
    }

    async fn get_block_locations(&self, request: Request<pb::GetBlockLocationsRequest>) -> RpcResult<pb::GetBlockLocationsResponse> {
        let caller = self.caller(&request);
        let r = request.into_inner();
        let result = self.namesystem.file_blocks(&r.src, &caller).map(|(blocks, under_construction)| {
            let mut offset = 0;
            let mut located = Vec::new();
            for block in &blocks {
                let end = offset + block.num_bytes;
                let overlaps = end > r.offset && offset < r.offset.saturating_add(r.length.max(1));
                if overlaps {
                    located.push(pb::LocatedBlock {
                        block: Some(block_proto(*block)),
                        offset,
                        locations: Vec::new(),
                        corrupt: false,
                    });
                }
                offset = end;
            }
            pb::GetBlockLocationsResponse { file_length: offset, blocks: located, under_construction }
        });
        reply(result)
    }

    async fn get_fs_stats(&self, _request: Request<pb::GetFsStatsRequest>) -> RpcResult<pb::GetFsStatsResponse> {
        let counts = self.namesystem.counts();
        Ok(Response::new(pb::GetFsStatsResponse {
            files_total: counts.files_total,
            blocks_total: counts.blocks_total,
            ..Default::default()
        }))
    }

    async fn set_safe_mode(&self, request: Request<pb::SetSafeModeRequest>) -> RpcResult<pb::SetSafeModeResponse> {
        let caller = self.caller(&request);
        let enter = match request.into_inner().action() {
            pb::SafeModeAction::Enter => Some(true),
            pb::SafeModeAction::Leave => Some(false),
            pb::SafeModeAction::Get | pb::SafeModeAction::Unspecified => None,
        };
        let result = self.namesystem.set_safe_mode(enter, &caller);
        reply(result.map(|result| pb::SetSafeModeResponse { result }))
    }

    async fn save_namespace(&self, request: Request<pb::SaveNamespaceRequest>) -> RpcResult<pb::SaveNamespaceResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.save_namespace(&caller).await;
        reply(result.map(|txid| pb::SaveNamespaceResponse { txid }))
    }

    async fn roll_edits(&self, request: Request<pb::RollEditsRequest>) -> RpcResult<pb::RollEditsResponse> {
        let caller = self.caller(&request);
        let result = self.namesystem.roll_edits(&caller).await;
        reply(result.map(|new_segment_txid| pb::RollEditsResponse { new_segment_txid }))
    }

    async fn get_server_defaults(&self, _request: Request<pb::GetServerDefaultsRequest>) -> RpcResult<pb::GetServerDefaultsResponse> {
        let config = self.namesystem.config();
        Ok(Response::new(pb::GetServerDefaultsResponse {
            block_size: config.default_block_size,
            bytes_per_checksum: config.bytes_per_checksum,
            replication: config.default_replication.into(),
            trash_interval_minutes: config.trash_interval_minutes,
        }))
    }

    async fn update_block_for_pipeline(&self, _request: Request<pb::UpdateBlockForPipelineRequest>) -> RpcResult<pb::UpdateBlockForPipelineResponse> {
        Err(Status::unimplemented("updateBlockForPipeline"))
    }

    async fn update_pipeline(&self, _request: Request<pb::UpdatePipelineRequest>) -> RpcResult<pb::UpdatePipelineResponse> {
        Err(Status::unimplemented("updatePipeline"))
    }

    async fn report_bad_blocks(&self, _request: Request<pb::ClientReportBadBlocksRequest>) -> RpcResult<pb::ClientReportBadBlocksResponse> {
        Err(Status::unimplemented("reportBadBlocks"))
    }

    async fn renew_lease(&self, _request: Request<pb::RenewLeaseRequest>) -> RpcResult<pb::RenewLeaseResponse> {
        Err(Status::unimplemented("renewLease"))
    }

    async fn recover_lease(&self, _request: Request<pb::RecoverLeaseRequest>) -> RpcResult<pb::RecoverLeaseResponse> {
        Err(Status::unimplemented("recoverLease"))
    }

    async fn get_datanode_report(&self, _request: Request<pb::GetDatanodeReportRequest>) -> RpcResult<pb::GetDatanodeReportResponse> {
        Err(Status::unimplemented("getDatanodeReport"))
    }

    async fn refresh_nodes(&self, _request: Request<pb::RefreshNodesRequest>) -> RpcResult<pb::RefreshNodesResponse> {
        Err(Status::unimplemented("refreshNodes"))
    }
}
