//! The DataNode's side of DatanodeProtocol: one lazily connected channel.

use common::faults::{self, Channel};
use common::ids::{DatanodeUuid, GenerationStamp};
use proto::hdfs as pb;
use proto::hdfs::datanode_protocol_client::DatanodeProtocolClient;
use tonic::transport::Endpoint;
use tracing::warn;

use crate::storage::{ReplicaInfo, ReplicaState, StorageError};

/// Why this DataNode could not register with its NameNode.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("invalid NameNode address '{address}': {source}")]
    Address {
        address: String,
        source: tonic::transport::Error,
    },
    /// The NameNode refused or did not answer.
    #[error("{}", .0.message())]
    Rpc(#[from] tonic::Status),
    /// Binding the volumes to the NameNode's cluster failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Join(#[from] tokio::task::JoinError),
}

/// A handle on the NameNode for one DataNode. Cheap to clone.
#[derive(Clone)]
pub struct NamenodeLink {
    rpc: DatanodeProtocolClient<Channel>,
    uuid: DatanodeUuid,
    /// This DataNode's name for the fault rules (see [`common::faults`]).
    node_name: std::sync::Arc<str>,
}

fn block_of(replica: &ReplicaInfo) -> pb::Block {
    pb::Block {
        block_id: replica.block_id,
        generation_stamp: replica.generation_stamp,
        num_bytes: replica.length,
    }
}

impl NamenodeLink {
    pub fn connect(
        namenode_address: &str,
        uuid: DatanodeUuid,
        node_name: &str,
    ) -> Result<Self, RegisterError> {
        let endpoint = Endpoint::from_shared(format!("http://{namenode_address}"))
            .map_err(|source| RegisterError::Address {
                address: namenode_address.to_string(),
                source,
            })?
            .tcp_nodelay(true);
        let rpc = DatanodeProtocolClient::new(faults::channel(node_name, endpoint))
            .max_decoding_message_size(256 * 1024 * 1024)
            .max_encoding_message_size(256 * 1024 * 1024);
        Ok(Self {
            rpc,
            uuid,
            node_name: node_name.into(),
        })
    }

    pub fn uuid(&self) -> &DatanodeUuid {
        &self.uuid
    }

    /// The name this DataNode connects out as (see [`common::faults`]).
    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    pub async fn register(
        &self,
        registration: pb::DatanodeRegistration,
    ) -> Result<pb::RegisterDatanodeResponse, tonic::Status> {
        let request = pb::RegisterDatanodeRequest {
            registration: Some(registration),
        };
        Ok(self
            .rpc
            .clone()
            .register_datanode(request)
            .await?
            .into_inner())
    }

    pub async fn heartbeat(
        &self,
        storage: pb::StorageReport,
        xceiver_count: u32,
    ) -> Result<Vec<pb::DatanodeCommand>, tonic::Status> {
        let request = pb::HeartbeatRequest {
            datanode_uuid: self.uuid.to_string(),
            storage: Some(storage),
            xceiver_count,
        };
        Ok(self
            .rpc
            .clone()
            .send_heartbeat(request)
            .await?
            .into_inner()
            .commands)
    }

    pub async fn block_report(&self, replicas: &[ReplicaInfo]) -> Result<(), tonic::Status> {
        fail::fail_point!("datanode::block_report", |_| Err(
            tonic::Status::unavailable("injected block report failure")
        ));
        let replicas = replicas
            .iter()
            .map(|replica| pb::ReplicaReport {
                block: Some(block_of(replica)),
                state: match replica.state {
                    ReplicaState::Finalized => pb::ReplicaState::Finalized,
                    ReplicaState::Rbw => pb::ReplicaState::Rbw,
                }
                .into(),
            })
            .collect();
        let request = pb::BlockReportRequest {
            datanode_uuid: self.uuid.to_string(),
            replicas,
        };
        self.rpc.clone().block_report(request).await?;
        Ok(())
    }

    async fn incremental(&self, block: pb::Block, status: pb::ReceivedDeletedStatus) {
        let request = pb::BlockReceivedAndDeletedRequest {
            datanode_uuid: self.uuid.to_string(),
            blocks: vec![pb::ReceivedDeletedBlock {
                block: Some(block),
                status: status.into(),
            }],
        };
        if let Err(error) = self.rpc.clone().block_received_and_deleted(request).await {
            // The next full block report carries it anyway.
            warn!(block = block.block_id, %error, "incremental block report failed");
        }
    }

    /// Tells the NameNode a replica was finalized here.
    pub async fn block_received(&self, replica: &ReplicaInfo) {
        self.incremental(block_of(replica), pb::ReceivedDeletedStatus::Received)
            .await;
    }

    /// Tells the NameNode a replica was deleted here.
    pub async fn block_deleted(&self, block: pb::Block) {
        self.incremental(block, pb::ReceivedDeletedStatus::Deleted)
            .await;
    }

    /// Reports a corrupt local replica.
    pub async fn report_bad_block(&self, replica: &ReplicaInfo, reason: String) {
        let request = pb::ReportBadBlocksRequest {
            blocks: vec![pb::BadBlock {
                block: Some(block_of(replica)),
                datanode_uuid: self.uuid.to_string(),
                reason,
            }],
        };
        if let Err(error) = self.rpc.clone().report_bad_blocks(request).await {
            warn!(block = replica.block_id, %error, "reporting a bad block failed");
        }
    }

    /// Reports the outcome of a block recovery this node led; the NameNode
    /// closes the file.
    pub async fn commit_block_synchronization(
        &self,
        block: pb::Block,
        new_generation_stamp: GenerationStamp,
        new_length: u64,
        new_target_uuids: Vec<DatanodeUuid>,
    ) -> Result<(), tonic::Status> {
        let request = pb::CommitBlockSynchronizationRequest {
            block: Some(block),
            new_generation_stamp: new_generation_stamp.0,
            new_length,
            close_file: true,
            delete_block: false,
            new_target_uuids: new_target_uuids.into_iter().map(String::from).collect(),
        };
        self.rpc
            .clone()
            .commit_block_synchronization(request)
            .await?;
        Ok(())
    }
}
