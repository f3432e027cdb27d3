//! ClientNamenodeProtocol's calls of a writer: create and append, blocks
//! and pipelines (getAdditionalDatanode included), leases.
//!
//! Where Hadoop's protocol leaves out what Tusk's names (the file of
//! updateBlockForPipeline, the full last block before the first addBlock of
//! an append), it is looked up in the namesystem, without permission checks:
//! the lease checks of the call itself still apply.

use common::RemoteException;
use common::ids::DatanodeUuid;
use proto::hadoop::hdfs as hadoop;
use proto::hdfs as pb;
use proto::hdfs::client_protocol_server::ClientProtocol;
use tonic::Status;

use super::IpcServer;
use super::convert;
use super::dispatch::Call;
use super::errors::unsupported_status as unsupported;

type CallResult<T> = Result<T, Status>;

const CREATE_FLAG_APPEND: u32 = hadoop::CreateFlagProto::Append as u32;
const CREATE_FLAG_OVERWRITE: u32 = hadoop::CreateFlagProto::Overwrite as u32;
const CREATE_FLAG_NEW_BLOCK: u32 = hadoop::CreateFlagProto::NewBlock as u32;

fn missing(what: &str) -> Status {
    RemoteException::io(format!("the NameNode answered without {what}")).into()
}

impl IpcServer {
    pub(super) async fn create(
        &self,
        call: &Call,
        r: hadoop::CreateRequestProto,
    ) -> CallResult<hadoop::CreateResponseProto> {
        if r.create_flag & CREATE_FLAG_APPEND != 0 {
            return Err(unsupported(
                "create with CreateFlag.APPEND",
                "open an existing file with append",
            ));
        }
        if r.ec_policy_name
            .as_deref()
            .is_some_and(|name| !name.is_empty())
        {
            return Err(unsupported(
                "create with an erasure coding policy",
                "every file is replicated",
            ));
        }
        let request = call.request(pb::CreateRequest {
            src: r.src,
            masked: r.masked.perm,
            client_name: r.client_name,
            overwrite: r.create_flag & CREATE_FLAG_OVERWRITE != 0,
            create_parent: r.create_parent,
            replication: r.replication,
            block_size: r.block_size,
        });
        let status = self.client.create(request).await?.into_inner().fs;
        Ok(hadoop::CreateResponseProto {
            fs: status.map(convert::file_status),
        })
    }

    /// A partial last block is continued: its located block is answered. After
    /// a full one, no block is: the client's first addBlock names none.
    pub(super) async fn append(
        &self,
        call: &Call,
        r: hadoop::AppendRequestProto,
    ) -> CallResult<hadoop::AppendResponseProto> {
        if r.flag.unwrap_or(0) & CREATE_FLAG_NEW_BLOCK != 0 {
            return Err(unsupported(
                "append with CreateFlag.NEW_BLOCK",
                "an append continues the file's partial last block",
            ));
        }
        let request = call.request(pb::AppendRequest {
            src: r.src,
            client_name: r.client_name,
        });
        let appended = self.client.append(request).await?.into_inner();
        let pool = self.block_pool_id();
        Ok(hadoop::AppendResponseProto {
            block: appended
                .block
                .map(|block| convert::located_block(block, &pool)),
            stat: appended.fs.map(convert::file_status),
        })
    }

    pub(super) async fn add_block(
        &self,
        call: &Call,
        r: hadoop::AddBlockRequestProto,
    ) -> CallResult<hadoop::AddBlockResponseProto> {
        let previous = match &r.previous {
            Some(previous) => Some(convert::block(previous)),
            None => self.full_last_block(&r.src),
        };
        let excluded_node_uuids = r
            .exclude_nodes
            .iter()
            .map(|node| node.id.datanode_uuid.clone())
            .collect();
        let request = call.request(pb::AddBlockRequest {
            file_id: r.file_id(),
            src: r.src,
            client_name: r.client_name,
            previous,
            excluded_node_uuids,
        });
        let allocated = self.client.add_block(request).await?.into_inner();
        let block = allocated.block.ok_or_else(|| missing("the new block"))?;
        Ok(hadoop::AddBlockResponseProto {
            block: convert::located_block(block, &self.block_pool_id()),
        })
    }

    /// The last block of `src` when it is full: Hadoop's addBlock names no
    /// `previous` for the first block of an append that starts at a block
    /// boundary, Tusk's names that block.
    fn full_last_block(&self, src: &str) -> Option<pb::Block> {
        let config = self.namesystem.config();
        let internal = self.namesystem.caller(&config.superuser);
        let namespace = self.namesystem.read();
        let (blocks, _) = namespace.file_blocks(src, &internal).ok()?;
        let (_, block_size, _) = namespace.open_file_layout(src).ok()?;
        let last = *blocks.last()?;
        (last.num_bytes >= block_size).then(|| crate::rpc::block_proto(last))
    }

    pub(super) async fn abandon_block(
        &self,
        call: &Call,
        r: hadoop::AbandonBlockRequestProto,
    ) -> CallResult<hadoop::AbandonBlockResponseProto> {
        let request = call.request(pb::AbandonBlockRequest {
            b: Some(convert::block(&r.b)),
            file_id: r.file_id(),
            src: r.src,
            holder: r.holder,
        });
        self.client.abandon_block(request).await?;
        Ok(hadoop::AbandonBlockResponseProto {})
    }

    pub(super) async fn complete(
        &self,
        call: &Call,
        r: hadoop::CompleteRequestProto,
    ) -> CallResult<hadoop::CompleteResponseProto> {
        let request = call.request(pb::CompleteRequest {
            last: r.last.as_ref().map(convert::block),
            file_id: r.file_id(),
            src: r.src,
            client_name: r.client_name,
        });
        let result = self.client.complete(request).await?.into_inner().result;
        Ok(hadoop::CompleteResponseProto { result })
    }

    /// Pipeline recovery of a Hadoop client: more DataNodes for the block
    /// it writes, after those it still has (it copies the block to them).
    pub(super) async fn get_additional_datanode(
        &self,
        call: &Call,
        r: hadoop::GetAdditionalDatanodeRequestProto,
    ) -> CallResult<hadoop::GetAdditionalDatanodeResponseProto> {
        let uuids = |nodes: &[hadoop::DatanodeInfoProto]| -> Vec<DatanodeUuid> {
            nodes
                .iter()
                .map(|node| DatanodeUuid::from(node.id.datanode_uuid.clone()))
                .collect()
        };
        let pipeline = self.namesystem.additional_datanodes(
            &r.src,
            &r.client_name,
            &uuids(&r.existings),
            &uuids(&r.excludes),
            r.num_additional_nodes as usize,
            &call.peer.ip().to_string(),
        )?;
        let located = pb::LocatedBlock {
            block: Some(convert::block(&r.blk)),
            offset: 0,
            locations: pipeline.iter().map(crate::rpc::datanode_proto).collect(),
            corrupt: false,
        };
        Ok(hadoop::GetAdditionalDatanodeResponseProto {
            block: convert::located_block(located, &self.block_pool_id()),
        })
    }

    /// hflush/hsync: the blocks are logged as they are allocated and
    /// readers of an open file ask its DataNodes for the length written, so
    /// there is nothing to persist; the writer's lease is checked.
    pub(super) async fn fsync(
        &self,
        _call: &Call,
        r: hadoop::FsyncRequestProto,
    ) -> CallResult<hadoop::FsyncResponseProto> {
        self.check_lease(&r.src, &r.client)?;
        Ok(hadoop::FsyncResponseProto {})
    }

    /// Refuses a writer's call unless `client_name` writes `src` (and this
    /// NameNode is active).
    fn check_lease(&self, src: &str, client_name: &str) -> CallResult<()> {
        Ok(self.namesystem.check_writer(src, client_name)?)
    }

    /// Pipeline recovery, step 1. Hadoop names only the block: its file is
    /// the one of the client's open files that it ends.
    pub(super) async fn update_block_for_pipeline(
        &self,
        call: &Call,
        r: hadoop::UpdateBlockForPipelineRequestProto,
    ) -> CallResult<hadoop::UpdateBlockForPipelineResponseProto> {
        let block = convert::block(&r.block);
        let src = self
            .open_file_ending_with(&r.client_name, block.block_id)
            .ok_or_else(|| {
                RemoteException::io(format!(
                    "{}:blk_{}_{} does not exist or is not under Construction",
                    r.block.pool_id, block.block_id, block.generation_stamp
                ))
            })?;
        let request = call.request(pb::UpdateBlockForPipelineRequest {
            block: Some(block),
            client_name: r.client_name,
            src,
        });
        let updated = self.client.update_block_for_pipeline(request).await?;
        let block = updated
            .into_inner()
            .block
            .ok_or_else(|| missing("the block"))?;
        Ok(hadoop::UpdateBlockForPipelineResponseProto {
            block: convert::located_block(block, &self.block_pool_id()),
        })
    }

    fn open_file_ending_with(&self, client_name: &str, block_id: u64) -> Option<String> {
        let open_files = self.namesystem.leases.paths_of(client_name);
        let internal = self.namesystem.caller(&self.namesystem.config().superuser);
        let namespace = self.namesystem.read();
        open_files.into_iter().find(|path| {
            namespace
                .file_blocks(path, &internal)
                .is_ok_and(|(blocks, _)| blocks.last().is_some_and(|last| last.id.0 == block_id))
        })
    }

    /// Pipeline recovery, step 2.
    pub(super) async fn update_pipeline(
        &self,
        call: &Call,
        r: hadoop::UpdatePipelineRequestProto,
    ) -> CallResult<hadoop::UpdatePipelineResponseProto> {
        let request = call.request(pb::UpdatePipelineRequest {
            client_name: r.client_name,
            old_block: Some(convert::block(&r.old_block)),
            new_block: Some(convert::block(&r.new_block)),
            new_node_uuids: r
                .new_nodes
                .into_iter()
                .map(|node| node.datanode_uuid)
                .collect(),
            src: String::new(),
        });
        self.client.update_pipeline(request).await?;
        Ok(hadoop::UpdatePipelineResponseProto {})
    }

    pub(super) async fn report_bad_blocks(
        &self,
        call: &Call,
        r: hadoop::ReportBadBlocksRequestProto,
    ) -> CallResult<hadoop::ReportBadBlocksResponseProto> {
        let mut blocks = Vec::new();
        for located in r.blocks {
            let block = convert::block(&located.b);
            for node in located.locs {
                blocks.push(pb::BadBlock {
                    block: Some(block),
                    datanode_uuid: node.id.datanode_uuid,
                    reason: "reported by a client".to_string(),
                });
            }
        }
        let request = call.request(pb::ClientReportBadBlocksRequest { blocks });
        self.client.report_bad_blocks(request).await?;
        Ok(hadoop::ReportBadBlocksResponseProto {})
    }

    pub(super) async fn renew_lease(
        &self,
        call: &Call,
        r: hadoop::RenewLeaseRequestProto,
    ) -> CallResult<hadoop::RenewLeaseResponseProto> {
        let request = call.request(pb::RenewLeaseRequest {
            client_name: r.client_name,
        });
        self.client.renew_lease(request).await?;
        Ok(hadoop::RenewLeaseResponseProto {})
    }

    pub(super) async fn recover_lease(
        &self,
        call: &Call,
        r: hadoop::RecoverLeaseRequestProto,
    ) -> CallResult<hadoop::RecoverLeaseResponseProto> {
        let request = call.request(pb::RecoverLeaseRequest {
            src: r.src,
            client_name: r.client_name,
        });
        let closed = self
            .client
            .recover_lease(request)
            .await?
            .into_inner()
            .closed;
        Ok(hadoop::RecoverLeaseResponseProto { result: closed })
    }
}
