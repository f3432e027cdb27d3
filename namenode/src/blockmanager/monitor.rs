//! The periodic work of block management (HDFS's HeartbeatManager and
//! RedundancyMonitor): declare silent DataNodes dead, then schedule
//! re-replication of the blocks queued as needing work (at most one live
//! replica first, a bounded number per round, round robin),
//! deletion of excess replicas, and deletion of corrupt replicas once enough
//! good ones exist. A block with no good replica is reported missing and
//! kept, never dropped.

use std::collections::HashMap;
use std::time::Instant;

use common::ids::BlockId;

use super::state::BlockState;
use super::{BlockManager, candidates, elapsed_since};
use crate::namespace::Block;

/// What one round did, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonitorRound {
    pub newly_dead: usize,
    pub transfers_scheduled: usize,
    pub replicas_to_delete: usize,
    pub newly_decommissioned: usize,
}

/// Blocks of a dead DataNode forgotten under one hold of the lock: the
/// lock is let go between slices, so that a dead node holding millions of
/// replicas does not stall every other caller.
const DEAD_NODE_SLICE: usize = 16 * 1024;
/// The fewest blocks one round looks at (more with more live DataNodes).
const MIN_BLOCKS_PER_ROUND: usize = 10_000;

impl BlockManager {
    /// One round of liveness and redundancy work, as of `now`.
    pub fn run_monitor(&self, now: Instant) -> MonitorRound {
        let newly_dead = self.expire_dead_nodes(now);
        for &node in &newly_dead {
            self.forget_dead_node(node);
        }
        let mut state = self.lock();
        let mut round = MonitorRound {
            newly_dead: newly_dead.len(),
            ..Default::default()
        };
        if state.standby {
            return round;
        }
        let mut expired = Vec::new();
        state.pending.retain(|&block_id, (_, deadline)| {
            let keep = *deadline > now;
            if !keep {
                expired.push(block_id);
            }
            keep
        });
        for block_id in expired {
            state.retally(block_id);
        }
        self.schedule_redundancy_work(&mut state, now, &mut round);
        round.newly_decommissioned = self.finish_decommissions(&mut state);
        round
    }

    /// Declares the nodes silent for too long dead; returns them.
    fn expire_dead_nodes(&self, now: Instant) -> Vec<usize> {
        let dead_after = self.config.dead_after();
        let mut state = self.lock();
        let mut newly_dead = Vec::new();
        for (index, node) in state.nodes.iter_mut().enumerate() {
            if node.alive && elapsed_since(node.last_heartbeat, now) > dead_after {
                node.alive = false;
                node.invalidate.clear();
                node.transfers.clear();
                tracing::warn!(datanode = %node.address.uuid, host = %node.address.host, "datanode is dead: no heartbeat for {dead_after:?}");
                newly_dead.push(index);
            }
        }
        newly_dead
    }

    /// Forgets the replicas of dead `node`, a slice at a time; stops if the
    /// node comes back meanwhile (its next full report sets it right).
    fn forget_dead_node(&self, node: usize) {
        loop {
            let mut state = self.lock();
            if state.nodes[node].alive {
                return;
            }
            let slice: Vec<BlockId> = state.nodes[node]
                .blocks
                .iter()
                .take(DEAD_NODE_SLICE)
                .copied()
                .collect();
            if slice.is_empty() {
                return;
            }
            for block_id in slice {
                state.remove_replica(block_id, node);
            }
        }
    }

    fn schedule_redundancy_work(
        &self,
        state: &mut BlockState,
        now: Instant,
        round: &mut MonitorRound,
    ) {
        let mut under_replicated: Vec<(usize, BlockId)> = Vec::new();
        let mut over_replicated = Vec::new();
        let mut corrupt_to_clear = Vec::new();
        let live_count = state.nodes.iter().filter(|node| node.alive).count();
        let budget = MIN_BLOCKS_PER_ROUND.max(2 * self.config.max_streams * live_count);
        for _ in 0..budget {
            let Some(block_id) = state.redundancy.pop() else {
                break;
            };
            let Some(info) = state.blocks.get(&block_id) else {
                continue;
            };
            if !state.tally(info).needs_work() {
                continue;
            }
            let live = state.live_replicas(info);
            let pending = state
                .pending
                .get(&block_id)
                .map_or(0, |(targets, _)| targets.len());
            let wanted = usize::from(info.replication);
            if live + pending < wanted {
                under_replicated.push((live, block_id));
            } else if live > wanted {
                over_replicated.push(block_id);
            }
            if live >= wanted && !info.corrupt().is_empty() {
                corrupt_to_clear.push(block_id);
            }
        }
        // Blocks nothing could be done for this round go to the back of
        // their queue: no source, no target, excess waiting on reports.
        let mut retry = Vec::new();
        // Priority: blocks with the fewest live replicas first.
        under_replicated.sort_unstable();
        let candidates = candidates(state);
        let mut streams: HashMap<usize, usize> = HashMap::new();
        let mut rng = rand::rng();
        for (_, block_id) in under_replicated {
            let info = &state.blocks[&block_id];
            let source_nodes: Vec<usize> = info
                .replicas
                .iter()
                .copied()
                .filter(|&node| state.nodes[node].alive)
                .collect();
            let live_nodes: Vec<usize> = source_nodes
                .iter()
                .copied()
                .filter(|&node| state.nodes[node].is_writable())
                .collect();
            let Some(&source) = source_nodes
                .iter()
                .filter(|&&node| streams.get(&node).copied().unwrap_or(0) < self.config.max_streams)
                .min_by_key(|&&node| state.nodes[node].xceivers)
            else {
                retry.push(block_id);
                continue;
            };
            let pending = state
                .pending
                .get(&block_id)
                .map_or(&[][..], |(targets, _)| targets.as_slice());
            let mut existing = live_nodes.clone();
            existing.extend_from_slice(pending);
            let excluded: Vec<usize> = info.corrupt().to_vec();
            let needed = usize::from(info.replication).saturating_sub(existing.len());
            let targets = self.policy.choose_targets(
                needed,
                None,
                &existing,
                &excluded,
                &candidates,
                info.num_bytes.max(1),
                &mut rng,
            );
            if targets.is_empty() {
                retry.push(block_id);
                continue;
            }
            let block = Block {
                id: block_id,
                generation_stamp: info.generation_stamp,
                num_bytes: info.num_bytes,
            };
            *streams.entry(source).or_default() += 1;
            state.nodes[source].transfers.push((block, targets.clone()));
            let deadline = now + self.config.pending_timeout;
            state
                .pending
                .entry(block_id)
                .or_insert_with(|| (Vec::new(), deadline))
                .0
                .extend(targets);
            round.transfers_scheduled += 1;
        }
        for block_id in over_replicated {
            let info = &state.blocks[&block_id];
            if info
                .replicas
                .iter()
                .any(|&node| state.nodes[node].contents_stale)
            {
                state.postponed_misreplicated.insert(block_id);
                retry.push(block_id);
                continue;
            }
            state.postponed_misreplicated.remove(&block_id);
            let live_nodes: Vec<usize> = info
                .replicas
                .iter()
                .copied()
                .filter(|&node| state.nodes[node].is_writable())
                .collect();
            let excess = live_nodes.len() - usize::from(info.replication);
            let victims = self
                .policy
                .choose_excess_replicas(&live_nodes, &candidates, excess);
            let block = Block {
                id: block_id,
                generation_stamp: info.generation_stamp,
                num_bytes: info.num_bytes,
            };
            for node in victims {
                state.remove_replica(block_id, node);
                state.nodes[node].invalidate.push(block);
                round.replicas_to_delete += 1;
            }
        }
        for block_id in corrupt_to_clear {
            let info = &state.blocks[&block_id];
            let block = Block {
                id: block_id,
                generation_stamp: info.generation_stamp,
                num_bytes: info.num_bytes,
            };
            for node in info.corrupt().to_vec() {
                state.remove_replica(block_id, node);
                state.nodes[node].invalidate.push(block);
                round.replicas_to_delete += 1;
            }
        }
        for block_id in retry {
            state.retally(block_id);
        }
    }
}
