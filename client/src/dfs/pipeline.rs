//! What readers and writers of block data ask the NameNode: blocks and their
//! locations, pipeline recovery, bad replicas, leases, closing a file.

use common::RemoteException;
use common::ids::DatanodeUuid;
use proto::hdfs as pb;

use super::DfsClient;
use crate::Result;

impl DfsClient {
    /// Allocates the next block of a file being written; `previous` is the
    /// last block with its final length; `excluded` DataNodes are avoided.
    pub async fn add_block(
        &self,
        path: &str,
        file_id: u64,
        previous: Option<pb::Block>,
        excluded: &[DatanodeUuid],
    ) -> Result<pb::LocatedBlock> {
        let request = pb::AddBlockRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
            previous,
            file_id,
            excluded_node_uuids: excluded.iter().map(DatanodeUuid::to_string).collect(),
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

    /// Pipeline recovery with a replacement: the whole pipeline for `block`
    /// of `path`, `existing` first, then `count` more DataNodes, none of
    /// `excluded`.
    pub async fn get_additional_datanode(
        &self,
        path: &str,
        block: pb::Block,
        existing: &[pb::DatanodeInfo],
        excluded: &[DatanodeUuid],
        count: u32,
    ) -> Result<Vec<pb::DatanodeInfo>> {
        let request = pb::GetAdditionalDatanodeRequest {
            src: path.to_string(),
            client_name: self.client_name.clone(),
            block: Some(block),
            existing_uuids: existing
                .iter()
                .map(|node| node.datanode_uuid.clone())
                .collect(),
            excluded_uuids: excluded.iter().map(DatanodeUuid::to_string).collect(),
            num_additional: count,
        };
        let response = call!(self, get_additional_datanode, request)?;
        Ok(response
            .block
            .map(|located| located.locations)
            .unwrap_or_default())
    }

    /// Pipeline recovery: the block continues on `nodes` with its new stamp.
    pub async fn update_pipeline(
        &self,
        path: &str,
        old_block: pb::Block,
        new_block: pb::Block,
        nodes: &[DatanodeUuid],
    ) -> Result<()> {
        let request = pb::UpdatePipelineRequest {
            client_name: self.client_name.clone(),
            old_block: Some(old_block),
            new_block: Some(new_block),
            new_node_uuids: nodes.iter().map(DatanodeUuid::to_string).collect(),
            src: path.to_string(),
        };
        call!(self, update_pipeline, request)?;
        Ok(())
    }

    /// Tells the NameNode a replica is bad.
    pub async fn report_bad_block(
        &self,
        block: pb::Block,
        datanode_uuid: &DatanodeUuid,
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
        let response = call!(self, complete, request, at_most_once)?;
        Ok(response.result)
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
}
