//! Block recovery (HDFS's BlockRecoveryWorker and InterDatanodeProtocol).
//!
//! When a writer vanished, the NameNode picks one DataNode of the block's
//! pipeline as primary. The primary asks every holder for its replica
//! (`InitReplicaRecovery`), chooses the length all can agree on, has each
//! holder cut its replica to that length and finalize it
//! (`UpdateReplicaUnderRecovery`), and reports the outcome to the NameNode
//! (`commitBlockSynchronization`), which closes the file.
//!
//! The agreed length: a finalized replica's length if there is one (the
//! writer finished the block), else the shortest replica being written,
//! which holds only bytes every downstream node acknowledged.

use std::sync::Arc;

use common::faults;
use common::ids::{BlockId, DatanodeUuid, GenerationStamp};
use common::required::Required;
use proto::hdfs as pb;
use proto::hdfs::inter_datanode_protocol_client::InterDatanodeProtocolClient;
use proto::hdfs::inter_datanode_protocol_server::InterDatanodeProtocol;
use tonic::transport::Endpoint;
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use crate::namenode::NamenodeLink;
use crate::storage::{BlockStore, ReplicaInfo, ReplicaState, StorageError};

/// The InterDatanodeProtocol service on the DataNode's IPC port.
pub struct InterDatanodeService {
    store: Arc<BlockStore>,
    namenode: NamenodeLink,
}

impl InterDatanodeService {
    pub fn new(store: Arc<BlockStore>, namenode: NamenodeLink) -> Self {
        Self { store, namenode }
    }
}

fn storage_status(error: StorageError) -> Status {
    Status::failed_precondition(error.to_string())
}

fn block_proto(replica: &ReplicaInfo) -> pb::Block {
    pb::Block {
        block_id: replica.block_id,
        generation_stamp: replica.generation_stamp,
        num_bytes: replica.length,
    }
}

#[tonic::async_trait]
impl InterDatanodeProtocol for InterDatanodeService {
    async fn init_replica_recovery(
        &self,
        request: Request<pb::InitReplicaRecoveryRequest>,
    ) -> Result<Response<pb::InitReplicaRecoveryResponse>, Status> {
        let request = request.into_inner();
        let response = match self.store.replica(request.block_id) {
            Some(replica) if replica.generation_stamp <= request.recovery_id => {
                pb::InitReplicaRecoveryResponse {
                    found: true,
                    state: match replica.state {
                        ReplicaState::Finalized => pb::ReplicaState::Finalized,
                        ReplicaState::Rbw => pb::ReplicaState::Rbw,
                    }
                    .into(),
                    block: Some(block_proto(&replica)),
                }
            }
            Some(replica) => {
                return Err(Status::failed_precondition(format!(
                    "blk_{}: replica stamp {} is newer than recovery id {}",
                    replica.block_id, replica.generation_stamp, request.recovery_id
                )));
            }
            None => pb::InitReplicaRecoveryResponse::default(),
        };
        Ok(Response::new(response))
    }

    async fn update_replica_under_recovery(
        &self,
        request: Request<pb::UpdateReplicaUnderRecoveryRequest>,
    ) -> Result<Response<pb::UpdateReplicaUnderRecoveryResponse>, Status> {
        let request = request.into_inner();
        let store = self.store.clone();
        let finalized = tokio::task::spawn_blocking(move || {
            finalize_recovered(
                &store,
                BlockId(request.block_id),
                GenerationStamp(request.recovery_id),
                request.new_length,
            )
        })
        .await
        .map_err(|error| Status::internal(error.to_string()))??;
        self.namenode.block_received(&finalized).await;
        Ok(Response::new(pb::UpdateReplicaUnderRecoveryResponse {
            block: Some(block_proto(&finalized)),
        }))
    }
}

/// Cuts the replica to `length` and finalizes it at `generation_stamp`. A
/// finalized replica at an older stamp is cut (a truncate); one already at
/// that stamp must already have that length.
fn finalize_recovered(
    store: &BlockStore,
    block_id: BlockId,
    generation_stamp: GenerationStamp,
    length: u64,
) -> Result<ReplicaInfo, Status> {
    let replica = store
        .replica(block_id.0)
        .ok_or_else(|| Status::not_found(format!("blk_{block_id}: no replica here")))?;
    if replica.state == ReplicaState::Finalized {
        if replica.length == length && replica.generation_stamp == generation_stamp.0 {
            return Ok(replica);
        }
        if replica.length >= length && replica.generation_stamp < generation_stamp.0 {
            return store
                .truncate_finalized(block_id, generation_stamp, length)
                .map_err(storage_status);
        }
        return Err(Status::failed_precondition(format!(
            "blk_{block_id}: finalized replica (stamp {}, {} bytes) cannot become stamp {generation_stamp}, {length} bytes",
            replica.generation_stamp, replica.length
        )));
    }
    let writer = store
        .recover_rbw(block_id, generation_stamp, length)
        .map_err(storage_status)?;
    if writer.bytes_written() < length {
        return Err(Status::failed_precondition(format!(
            "blk_{block_id}: replica has {} bytes, fewer than the {length} agreed",
            writer.bytes_written()
        )));
    }
    writer.finalize().map_err(storage_status)
}

/// Why a block recovery this DataNode led failed.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("blk_{0}: no replica left to recover")]
    NoReplica(BlockId),
    #[error("blk_{0}: no replica could be updated")]
    NotUpdated(BlockId),
    /// A replica holder could not be reached.
    #[error(transparent)]
    Connect(#[from] tonic::transport::Error),
    /// A holder or the NameNode refused a call.
    #[error("{}", .0.message())]
    Rpc(#[from] Status),
    /// A holder's answer lacked a required field.
    #[error(transparent)]
    Malformed(#[from] common::RemoteException),
}

/// What one holder said about its replica.
struct Holder {
    info: pb::DatanodeInfo,
    client: InterDatanodeProtocolClient<faults::Channel>,
    state: pb::ReplicaState,
    block: pb::Block,
}

/// Leads the recovery of `block` (as the NameNode knows it) to `recovery_id`
/// across `replicas`, then reports the outcome to the NameNode. A truncate
/// recovery (`truncate_to`) cuts every replica long enough to that length,
/// finalized ones included, instead of agreeing on one.
pub async fn recover_block(
    namenode: &NamenodeLink,
    block: pb::Block,
    recovery_id: GenerationStamp,
    truncate_to: Option<u64>,
    replicas: Vec<pb::DatanodeInfo>,
) -> Result<(), RecoveryError> {
    let mut holders = Vec::new();
    for info in replicas {
        let asked = ask_holder(
            namenode.node_name(),
            &info,
            &block,
            recovery_id,
            truncate_to.is_some(),
        );
        match asked.await {
            Ok(Some(holder)) => holders.push(holder),
            Ok(None) => {}
            Err(error) => {
                warn!(block = block.block_id, datanode = %info.datanode_uuid, %error, "replica holder unreachable during block recovery")
            }
        }
    }
    let agreed = match truncate_to {
        Some(new_length) => (!holders.is_empty()).then_some((recovery_id, new_length)),
        None => agreed_replica(&holders, recovery_id),
    };
    let (generation_stamp, length) =
        agreed.ok_or(RecoveryError::NoReplica(BlockId(block.block_id)))?;
    let mut recovered_on = Vec::new();
    for holder in &mut holders {
        let usable = holder.block.num_bytes >= length
            && (truncate_to.is_some()
                || holder.state == pb::ReplicaState::Rbw
                || GenerationStamp(holder.block.generation_stamp) == generation_stamp);
        if !usable {
            continue;
        }
        let update = pb::UpdateReplicaUnderRecoveryRequest {
            block_id: block.block_id,
            recovery_id: generation_stamp.0,
            new_length: length,
        };
        match holder.client.update_replica_under_recovery(update).await {
            Ok(_) => recovered_on.push(DatanodeUuid::from(holder.info.datanode_uuid.as_str())),
            Err(status) => {
                warn!(block = block.block_id, datanode = %holder.info.datanode_uuid, error = %status.message(), "replica update failed during block recovery")
            }
        }
    }
    if recovered_on.is_empty() {
        return Err(RecoveryError::NotUpdated(BlockId(block.block_id)));
    }
    info!(
        block = block.block_id,
        %generation_stamp,
        length,
        replicas = recovered_on.len(),
        "block recovered"
    );
    namenode
        .commit_block_synchronization(block, generation_stamp, length, recovered_on)
        .await?;
    Ok(())
}

async fn ask_holder(
    from: &str,
    info: &pb::DatanodeInfo,
    block: &pb::Block,
    recovery_id: GenerationStamp,
    truncating: bool,
) -> Result<Option<Holder>, RecoveryError> {
    let endpoint = Endpoint::from_shared(format!("http://{}:{}", info.host, info.ipc_port))?;
    let mut client = InterDatanodeProtocolClient::new(faults::channel(from, endpoint));
    let request = pb::InitReplicaRecoveryRequest {
        block_id: block.block_id,
        recovery_id: recovery_id.0,
    };
    let response = client.init_replica_recovery(request).await?.into_inner();
    if !response.found {
        return Ok(None);
    }
    let replica = response.block.required("block")?;
    // A replica older than the block the NameNode knows missed a pipeline
    // recovery: it has no say. A truncate's replicas are all older: the
    // NameNode gave the block its new stamp when it cut the file.
    if !truncating && replica.generation_stamp < block.generation_stamp {
        return Ok(None);
    }
    Ok(Some(Holder {
        info: info.clone(),
        client,
        state: response.state(),
        block: replica,
    }))
}

/// (generation stamp, length) every usable replica can be brought to.
fn agreed_replica(
    holders: &[Holder],
    recovery_id: GenerationStamp,
) -> Option<(GenerationStamp, u64)> {
    if let Some(finalized) = holders
        .iter()
        .find(|holder| holder.state == pb::ReplicaState::Finalized)
    {
        return Some((
            GenerationStamp(finalized.block.generation_stamp),
            finalized.block.num_bytes,
        ));
    }
    holders
        .iter()
        .map(|holder| holder.block.num_bytes)
        .min()
        .map(|length| (recovery_id, length))
}
