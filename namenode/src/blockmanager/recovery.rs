//! Block recovery for lease recovery: the last block of a file whose writer
//! vanished is given to one live DataNode of its pipeline (the primary),
//! which makes the replicas agree on a length; the NameNode then records the
//! result (`commitBlockSynchronization`).

use common::ids::{BlockId, DatanodeUuid, GenerationStamp};

use super::BlockManager;
use crate::namespace::Block;

/// What the block manager knows of a file's last block, for lease recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastBlockState {
    /// Some DataNode may hold data of it (it had a pipeline or replicas).
    pub written: bool,
    /// Committed by the client and at its minimum replication.
    pub complete: bool,
}

impl BlockManager {
    pub fn last_block_state(&self, block_id: BlockId) -> LastBlockState {
        let state = self.lock();
        let Some(info) = state.blocks.get(&block_id) else {
            return LastBlockState {
                written: false,
                complete: false,
            };
        };
        LastBlockState {
            written: !info.pipeline().is_empty() || !info.replicas.is_empty(),
            complete: !info.under_construction
                && state.readable_replicas(info) >= usize::from(self.config.min_replication),
        }
    }

    /// Queues the recovery of `block` to `recovery_id` on the live node of
    /// its pipeline (or with a replica) that heartbeated last; a truncate
    /// recovery gives the `new_length` every replica is cut to. False when
    /// none is alive: recovery waits for one to come back.
    pub fn start_recovery(
        &self,
        block: Block,
        recovery_id: GenerationStamp,
        new_length: Option<u64>,
    ) -> bool {
        let mut state = self.lock();
        let Some(info) = state.blocks.get(&block.id) else {
            return false;
        };
        let mut holders: Vec<usize> = info.pipeline().to_vec();
        for &node in &info.replicas {
            if !holders.contains(&node) {
                holders.push(node);
            }
        }
        holders.retain(|&node| state.nodes[node].alive);
        let Some(&primary) = holders
            .iter()
            .max_by_key(|&&node| state.nodes[node].last_heartbeat)
        else {
            return false;
        };
        tracing::info!(block = %block.id, %recovery_id, ?new_length, primary = %state.nodes[primary].address.uuid, "block recovery started");
        state.nodes[primary]
            .recoveries
            .push((block, recovery_id, new_length, holders));
        true
    }

    /// Truncate: the complete `block` is to be cut; until its recovery
    /// commits it is under construction, so the replicas the DataNodes
    /// finalize at the new stamp and length count, while the ones still at
    /// the old stamp stay usable for the recovery.
    pub fn start_truncate(&self, block: Block) {
        let mut state = self.lock();
        let Some(info) = state.blocks.get_mut(&block.id) else {
            return;
        };
        info.under_construction = true;
        state.truncating.insert(block.id);
        state.retally(block.id);
    }

    /// The last block of a file still being truncated, as the namespace
    /// says at startup or as a standby tails it: replicas at an older stamp
    /// are to be cut by its recovery.
    pub fn mark_truncating(&self, block_id: BlockId) {
        self.lock().truncating.insert(block_id);
    }

    /// `commitBlockSynchronization`: the block now has `recovered`'s stamp and
    /// length, finalized on `holders` (DataNode uuids); other replicas are stale.
    pub fn commit_recovered(&self, recovered: Block, holders: &[DatanodeUuid]) {
        let mut state = self.lock();
        let nodes: Vec<usize> = holders
            .iter()
            .filter_map(|uuid| state.node_by_uuid.get(uuid).copied())
            .collect();
        let Some(info) = state.blocks.get_mut(&recovered.id) else {
            return;
        };
        info.generation_stamp = recovered.generation_stamp;
        info.num_bytes = recovered.num_bytes;
        state.truncating.remove(&recovered.id);
        let info = state
            .blocks
            .get_mut(&recovered.id)
            .expect("looked up above");
        info.under_construction = false;
        info.set_pipeline(Vec::new());
        let stale: Vec<usize> = info
            .replicas
            .iter()
            .copied()
            .filter(|node| !nodes.contains(node))
            .collect();
        for node in stale {
            state.mark_corrupt(recovered.id, node);
        }
        for node in nodes {
            state.add_replica(recovered.id, node);
        }
        state.retally(recovered.id);
    }
}
