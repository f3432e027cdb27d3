//! The DataNode's side of DatanodeProtocol: a lazily connected channel to
//! each NameNode it serves (Hadoop's `BPOfferService` with a
//! `BPServiceActor` per NameNode).
//!
//! Without HA there is one NameNode. With a HA nameservice the DataNode
//! registers with, heartbeats and sends every block report to each of its
//! NameNodes, and obeys commands only from the one that is active: the last
//! to claim active in a heartbeat answer with a txid above every earlier
//! claim ([`ActiveTracker`]), so a stale active is ignored.

use std::sync::{Arc, Mutex};

use common::faults::{self, Channel};
use common::ids::{DatanodeUuid, GenerationStamp};
use proto::hdfs as pb;
use proto::hdfs::datanode_protocol_client::DatanodeProtocolClient;
use tonic::transport::Endpoint;
use tracing::{info, warn};

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

/// Which NameNode's commands the DataNode obeys (the active-tracking half of
/// Hadoop's `BPOfferService.updateActorStatesFromHeartbeat`).
#[derive(Debug, Default)]
pub struct ActiveTracker {
    /// The NameNode believed active.
    active: Option<usize>,
    /// The txid of the latest accepted claim of active.
    last_active_claim_txid: Option<u64>,
}

impl ActiveTracker {
    /// Takes NameNode `index`'s heartbeat answer into account; returns
    /// whether its commands are to be obeyed. An answer without HA status
    /// comes from a NameNode without HA, which is active.
    pub fn update(
        &mut self,
        index: usize,
        address: &str,
        status: Option<&pb::NnhaStatusHeartbeat>,
    ) -> bool {
        let Some(status) = status else {
            self.active = Some(index);
            return true;
        };
        let claims_active = status.state() == pb::HaServiceState::Active;
        let thought_active = self.active == Some(index);
        if claims_active && !thought_active {
            let newer = self
                .last_active_claim_txid
                .is_none_or(|last| status.txid > last);
            if newer {
                if self.active.is_some() {
                    info!(
                        namenode = address,
                        txid = status.txid,
                        "Namenode {address} taking over ACTIVE state from the previous active"
                    );
                } else {
                    info!(
                        namenode = address,
                        txid = status.txid,
                        "Acknowledging ACTIVE Namenode {address}"
                    );
                }
                self.active = Some(index);
            } else {
                warn!(
                    namenode = address,
                    "NN {address} tried to claim ACTIVE state with txid={} but there was \
                     already a more recent claim at txid={}",
                    status.txid,
                    self.last_active_claim_txid.unwrap_or_default()
                );
            }
        } else if !claims_active && thought_active {
            info!(
                namenode = address,
                "NN {address} relinquished ACTIVE state with txid={}", status.txid
            );
            self.active = None;
        }
        if self.active == Some(index) {
            self.last_active_claim_txid = Some(status.txid);
            return true;
        }
        false
    }

    /// The NameNode believed active.
    pub fn active(&self) -> Option<usize> {
        self.active
    }
}

/// One NameNode of this DataNode.
struct Actor {
    address: String,
    rpc: DatanodeProtocolClient<Channel>,
    /// Its last answered heartbeat: when (milliseconds since the epoch, 0: none yet) and
    /// the HA state it gave.
    last_heartbeat: Mutex<(i64, String)>,
}

/// One NameNode as the DataNode's page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamenodeStatus {
    /// Its RPC address.
    pub address: String,
    /// When it last answered a heartbeat (milliseconds since the epoch, 0: never).
    pub last_heartbeat_millis: i64,
    /// The HA state it gave then (`active`, `standby`; empty before any answer).
    pub state: String,
    /// Whether this DataNode obeys it.
    pub obeyed: bool,
}

struct Shared {
    actors: Vec<Actor>,
    uuid: DatanodeUuid,
    /// This DataNode's name for the fault rules (see [`common::faults`]).
    node_name: Arc<str>,
    tracker: Mutex<ActiveTracker>,
}

/// A handle on the NameNodes of one DataNode. Cheap to clone.
#[derive(Clone)]
pub struct NamenodeLink {
    shared: Arc<Shared>,
}

fn block_of(replica: &ReplicaInfo) -> pb::Block {
    pb::Block {
        block_id: replica.block_id,
        generation_stamp: replica.generation_stamp,
        num_bytes: replica.length,
    }
}

impl NamenodeLink {
    /// Channels (connecting lazily) to the NameNodes at `namenode_addresses`.
    pub fn connect(
        namenode_addresses: &[String],
        uuid: DatanodeUuid,
        node_name: &str,
    ) -> Result<Self, RegisterError> {
        let actors = namenode_addresses
            .iter()
            .map(|address| {
                let endpoint = Endpoint::from_shared(format!("http://{address}"))
                    .map_err(|source| RegisterError::Address {
                        address: address.clone(),
                        source,
                    })?
                    .tcp_nodelay(true);
                let rpc = DatanodeProtocolClient::new(faults::channel(node_name, endpoint))
                    .max_decoding_message_size(256 * 1024 * 1024)
                    .max_encoding_message_size(256 * 1024 * 1024);
                Ok(Actor {
                    address: address.clone(),
                    rpc,
                    last_heartbeat: Mutex::new((0, String::new())),
                })
            })
            .collect::<Result<Vec<_>, RegisterError>>()?;
        Ok(Self {
            shared: Arc::new(Shared {
                actors,
                uuid,
                node_name: node_name.into(),
                tracker: Mutex::new(ActiveTracker::default()),
            }),
        })
    }

    pub fn uuid(&self) -> &DatanodeUuid {
        &self.shared.uuid
    }

    /// The name this DataNode connects out as (see [`common::faults`]).
    pub fn node_name(&self) -> &str {
        &self.shared.node_name
    }

    /// How many NameNodes this DataNode serves.
    pub fn namenodes(&self) -> usize {
        self.shared.actors.len()
    }

    /// The RPC address of NameNode `index`.
    pub fn address(&self, index: usize) -> &str {
        &self.shared.actors[index].address
    }

    /// Every NameNode with its last heartbeat.
    pub fn statuses(&self) -> Vec<NamenodeStatus> {
        let active = self.active();
        self.shared
            .actors
            .iter()
            .enumerate()
            .map(|(index, actor)| {
                let (millis, state) = actor
                    .last_heartbeat
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone();
                NamenodeStatus {
                    address: actor.address.clone(),
                    last_heartbeat_millis: millis,
                    state,
                    obeyed: active == Some(index),
                }
            })
            .collect()
    }

    fn rpc(&self, index: usize) -> DatanodeProtocolClient<Channel> {
        self.shared.actors[index].rpc.clone()
    }

    fn tracker(&self) -> std::sync::MutexGuard<'_, ActiveTracker> {
        self.shared
            .tracker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The NameNode calls that only the active one takes go to: the one
    /// NameNode without HA, else the one believed active.
    fn active(&self) -> Option<usize> {
        if self.namenodes() == 1 {
            return Some(0);
        }
        self.tracker().active()
    }

    /// Takes NameNode `index`'s HA status from a heartbeat answer into
    /// account; whether its commands are to be obeyed.
    pub fn obeys(&self, index: usize, status: Option<&pb::NnhaStatusHeartbeat>) -> bool {
        self.tracker().update(index, self.address(index), status)
    }

    pub async fn register(
        &self,
        index: usize,
        registration: pb::DatanodeRegistration,
        storage: pb::StorageReport,
    ) -> Result<pb::RegisterDatanodeResponse, tonic::Status> {
        let request = pb::RegisterDatanodeRequest {
            registration: Some(registration),
            storage: Some(storage),
        };
        Ok(self
            .rpc(index)
            .register_datanode(request)
            .await?
            .into_inner())
    }

    /// Heartbeats NameNode `index`: its commands and HA status.
    pub async fn heartbeat(
        &self,
        index: usize,
        storage: pb::StorageReport,
        xceiver_count: u32,
    ) -> Result<pb::HeartbeatResponse, tonic::Status> {
        let request = pb::HeartbeatRequest {
            datanode_uuid: self.uuid().to_string(),
            storage: Some(storage),
            xceiver_count,
        };
        let response = self.rpc(index).send_heartbeat(request).await?.into_inner();
        let state = match &response.ha_status {
            Some(status) if status.state() == pb::HaServiceState::Active => "active",
            Some(_) => "standby",
            None => "active",
        };
        *self.shared.actors[index]
            .last_heartbeat
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            (common::time::now_millis(), state.to_string());
        Ok(response)
    }

    /// Sends a full block report to NameNode `index`.
    pub async fn block_report(
        &self,
        index: usize,
        replicas: &[ReplicaInfo],
    ) -> Result<(), tonic::Status> {
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
            datanode_uuid: self.uuid().to_string(),
            replicas,
        };
        self.rpc(index).block_report(request).await?;
        Ok(())
    }

    /// Sends an incremental block report to every NameNode. The active one
    /// (every one while none is known) is waited for, so a file's writer
    /// completes it only once the NameNode knows the replica; a standby's
    /// report goes in the background, so a NameNode that is down holds up
    /// nothing.
    async fn incremental(&self, block: pb::Block, status: pb::ReceivedDeletedStatus) {
        let request = pb::BlockReceivedAndDeletedRequest {
            datanode_uuid: self.uuid().to_string(),
            blocks: vec![pb::ReceivedDeletedBlock {
                block: Some(block),
                status: status.into(),
            }],
        };
        if self.namenodes() == 1 {
            return send_incremental(self.rpc(0), request).await;
        }
        let active = self.active();
        let mut waited = Vec::new();
        for index in 0..self.namenodes() {
            let send = tokio::spawn(send_incremental(self.rpc(index), request.clone()));
            if active.is_none_or(|active| active == index) {
                waited.push(send);
            }
        }
        for send in waited {
            let _ = send.await;
        }
    }

    /// Tells the NameNodes a replica was finalized here.
    pub async fn block_received(&self, replica: &ReplicaInfo) {
        self.incremental(block_of(replica), pb::ReceivedDeletedStatus::Received)
            .await;
    }

    /// Tells the NameNodes a replica was deleted here.
    pub async fn block_deleted(&self, block: pb::Block) {
        self.incremental(block, pb::ReceivedDeletedStatus::Deleted)
            .await;
    }

    /// Reports a corrupt local replica to every NameNode.
    pub async fn report_bad_block(&self, replica: &ReplicaInfo, reason: String) {
        let request = pb::ReportBadBlocksRequest {
            blocks: vec![pb::BadBlock {
                block: Some(block_of(replica)),
                datanode_uuid: self.uuid().to_string(),
                reason,
            }],
        };
        let sends: Vec<_> = (0..self.namenodes())
            .map(|index| {
                let mut rpc = self.rpc(index);
                let request = request.clone();
                let block = replica.block_id;
                tokio::spawn(async move {
                    if let Err(error) = rpc.report_bad_blocks(request).await {
                        warn!(block, %error, "reporting a bad block failed");
                    }
                })
            })
            .collect();
        for send in sends {
            let _ = send.await;
        }
    }

    /// Reports the outcome of a block recovery this node led to the active
    /// NameNode, which closes the file.
    pub async fn commit_block_synchronization(
        &self,
        block: pb::Block,
        new_generation_stamp: GenerationStamp,
        new_length: u64,
        new_target_uuids: Vec<DatanodeUuid>,
    ) -> Result<(), tonic::Status> {
        let index = self.active().ok_or_else(|| {
            tonic::Status::unavailable(format!(
                "commitBlockSynchronization of block {}: no active NameNode known",
                block.block_id
            ))
        })?;
        let request = pb::CommitBlockSynchronizationRequest {
            block: Some(block),
            new_generation_stamp: new_generation_stamp.0,
            new_length,
            close_file: true,
            delete_block: false,
            new_target_uuids: new_target_uuids.into_iter().map(String::from).collect(),
        };
        self.rpc(index)
            .commit_block_synchronization(request)
            .await?;
        Ok(())
    }
}

async fn send_incremental(
    mut rpc: DatanodeProtocolClient<Channel>,
    request: pb::BlockReceivedAndDeletedRequest,
) {
    let block = request
        .blocks
        .first()
        .and_then(|received| received.block)
        .map(|block| block.block_id);
    if let Err(error) = rpc.block_received_and_deleted(request).await {
        // The next full block report carries it anyway.
        warn!(block, %error, "incremental block report failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(state: pb::HaServiceState, txid: u64) -> pb::NnhaStatusHeartbeat {
        pb::NnhaStatusHeartbeat {
            state: state.into(),
            txid,
        }
    }

    const ACTIVE: pb::HaServiceState = pb::HaServiceState::Active;
    const STANDBY: pb::HaServiceState = pb::HaServiceState::Standby;

    #[test]
    fn without_ha_status_the_namenode_is_obeyed() {
        let mut tracker = ActiveTracker::default();
        assert!(tracker.update(0, "nn", None));
        assert!(tracker.update(0, "nn", None));
        assert_eq!(tracker.active(), Some(0));
    }

    #[test]
    fn only_the_active_is_obeyed() {
        let mut tracker = ActiveTracker::default();
        assert!(!tracker.update(1, "nn2", Some(&claim(STANDBY, 10))));
        assert!(tracker.update(0, "nn1", Some(&claim(ACTIVE, 10))));
        assert!(!tracker.update(1, "nn2", Some(&claim(STANDBY, 12))));
        assert!(tracker.update(0, "nn1", Some(&claim(ACTIVE, 15))));
        assert_eq!(tracker.active(), Some(0));
    }

    #[test]
    fn a_failover_moves_obedience_to_the_new_active() {
        let mut tracker = ActiveTracker::default();
        assert!(tracker.update(0, "nn1", Some(&claim(ACTIVE, 10))));
        // nn2 takes over with a later txid while nn1 has not answered since.
        assert!(tracker.update(1, "nn2", Some(&claim(ACTIVE, 11))));
        assert_eq!(tracker.active(), Some(1));
        // The old active, still claiming active with its stale txid, is ignored.
        assert!(!tracker.update(0, "nn1", Some(&claim(ACTIVE, 10))));
        assert_eq!(tracker.active(), Some(1));
        assert!(tracker.update(1, "nn2", Some(&claim(ACTIVE, 20))));
    }

    #[test]
    fn a_claim_with_a_txid_not_above_the_last_is_ignored() {
        let mut tracker = ActiveTracker::default();
        assert!(tracker.update(0, "nn1", Some(&claim(ACTIVE, 30))));
        assert!(!tracker.update(1, "nn2", Some(&claim(ACTIVE, 30))));
        assert!(!tracker.update(1, "nn2", Some(&claim(ACTIVE, 25))));
        assert_eq!(tracker.active(), Some(0));
    }

    #[test]
    fn an_active_that_steps_down_is_no_longer_obeyed() {
        let mut tracker = ActiveTracker::default();
        assert!(tracker.update(0, "nn1", Some(&claim(ACTIVE, 5))));
        assert!(!tracker.update(0, "nn1", Some(&claim(STANDBY, 6))));
        assert_eq!(tracker.active(), None);
        // Nobody active: a standby is still not obeyed.
        assert!(!tracker.update(1, "nn2", Some(&claim(STANDBY, 6))));
        assert!(tracker.update(1, "nn2", Some(&claim(ACTIVE, 7))));
    }
}
