//! What the cluster's blocks add up to, kept current as each block changes
//! (Hadoop keeps the same figures in BlockManagerSafeMode and
//! LowRedundancyBlocks), so that safe mode, `getFsStats` and the metrics
//! read them without walking the block map, and the redundancy monitor
//! visits only the blocks that need work, never the whole map.
//!
//! Every change to a block's replicas, replication, state, or to the nodes
//! holding it, ends with [`BlockState::retally`] of that block: it
//! recomputes the block's [`Tally`], moves the counts from the old tally to
//! the new one, and queues the block for the monitor when it needs work.

use std::collections::{HashSet, VecDeque};

use common::ids::BlockId;

use super::state::{BlockInfo, BlockState};

/// What one block contributes to the counts: a set of flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally(u8);

impl Tally {
    const COMPLETE: u8 = 1;
    /// Complete, with at least the minimum replicas readable.
    const SAFE: u8 = 1 << 1;
    /// Complete, readable, with fewer live replicas than its replication.
    const UNDER_REPLICATED: u8 = 1 << 2;
    /// Complete, with no readable replica.
    const MISSING: u8 = 1 << 3;
    /// Complete, with a replica known to be corrupt.
    const CORRUPT: u8 = 1 << 4;
    /// Readable, and with too few or too many live replicas, or a corrupt one.
    const NEEDS_WORK: u8 = 1 << 5;
    /// At most one live replica: the monitor's first priority.
    const URGENT: u8 = 1 << 6;

    fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    pub fn needs_work(self) -> bool {
        self.has(Self::NEEDS_WORK)
    }

    fn urgent(self) -> bool {
        self.has(Self::URGENT)
    }
}

/// Cluster-wide block counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockCounts {
    /// Blocks not under construction.
    pub complete: u64,
    /// Complete blocks with their minimum replicas readable (safe mode's count).
    pub safe: u64,
    pub under_replicated: u64,
    pub missing: u64,
    pub corrupt: u64,
}

impl BlockCounts {
    fn apply(&mut self, tally: Tally, add: bool) {
        let counters = [
            (Tally::COMPLETE, &mut self.complete),
            (Tally::SAFE, &mut self.safe),
            (Tally::UNDER_REPLICATED, &mut self.under_replicated),
            (Tally::MISSING, &mut self.missing),
            (Tally::CORRUPT, &mut self.corrupt),
        ];
        for (flag, counter) in counters {
            if tally.has(flag) {
                *counter = match add {
                    true => *counter + 1,
                    false => counter.saturating_sub(1),
                };
            }
        }
    }
}

/// Blocks the redundancy monitor is to look at, in two FIFO queues (blocks
/// with at most one live replica first), each block at most once: round
/// robin, so a block nothing can be done for does not starve the others.
#[derive(Debug, Default)]
pub struct RedundancyQueues {
    queues: [VecDeque<BlockId>; 2],
    /// Blocks queued; an entry of a queue not in here was removed.
    members: HashSet<BlockId>,
}

impl RedundancyQueues {
    /// Queues `block_id` unless it is queued (an urgent block already in
    /// the normal queue is queued again at the front of the urgent one).
    pub fn push(&mut self, block_id: BlockId, urgent: bool) {
        let queue = usize::from(!urgent);
        if self.members.insert(block_id) || urgent {
            self.queues[queue].push_back(block_id);
        }
    }

    /// The next block to look at, urgent ones first.
    pub fn pop(&mut self) -> Option<BlockId> {
        for queue in &mut self.queues {
            while let Some(block_id) = queue.pop_front() {
                if self.members.remove(&block_id) {
                    return Some(block_id);
                }
            }
        }
        None
    }

    pub fn remove(&mut self, block_id: BlockId) {
        self.members.remove(&block_id);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.members.len()
    }
}

impl BlockState {
    /// What `info` contributes to the counts now.
    pub fn tally(&self, info: &BlockInfo) -> Tally {
        if info.under_construction {
            return Tally::default();
        }
        let readable = self.readable_replicas(info);
        let live = self.live_replicas(info);
        let wanted = usize::from(info.replication);
        let mut flags = Tally::COMPLETE;
        if readable >= self.min_replication {
            flags |= Tally::SAFE;
        }
        if readable == 0 {
            flags |= Tally::MISSING;
        } else {
            if live < wanted {
                flags |= Tally::UNDER_REPLICATED;
            }
            if live != wanted || !info.corrupt().is_empty() {
                flags |= Tally::NEEDS_WORK;
            }
            if live <= 1 && live < wanted {
                flags |= Tally::URGENT;
            }
        }
        if !info.corrupt().is_empty() {
            flags |= Tally::CORRUPT;
        }
        Tally(flags)
    }

    /// Brings `block_id`'s part of the counts up to date after a change to
    /// it, and queues it for the monitor if it needs work.
    pub fn retally(&mut self, block_id: BlockId) {
        let Some(info) = self.blocks.get(&block_id) else {
            return;
        };
        let new = self.tally(info);
        let old = info.tally;
        if new != old {
            self.counts.apply(old, false);
            self.counts.apply(new, true);
            if let Some(info) = self.blocks.get_mut(&block_id) {
                info.tally = new;
            }
        }
        if new.needs_work() {
            self.redundancy.push(block_id, new.urgent());
        }
    }

    /// [`Self::retally`] of every block `node` holds: its state changed.
    pub fn retally_node(&mut self, node: usize) {
        let held: Vec<BlockId> = self.nodes[node].blocks.iter().copied().collect();
        for block_id in held {
            self.retally(block_id);
        }
    }

    /// Adds (or replaces) a block, counted.
    pub fn insert_block(&mut self, block_id: BlockId, info: BlockInfo) {
        if let Some(old) = self.blocks.insert(block_id, info) {
            self.counts.apply(old.tally, false);
            if let Some(info) = self.blocks.get_mut(&block_id) {
                info.tally = Tally::default();
            }
        }
        self.retally(block_id);
    }

    /// Removes a block and its part of the counts.
    pub fn remove_block(&mut self, block_id: BlockId) -> Option<BlockInfo> {
        let info = self.blocks.remove(&block_id)?;
        self.counts.apply(info.tally, false);
        self.redundancy.remove(block_id);
        Some(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_serve_urgent_blocks_first_and_each_block_once() {
        let mut queues = RedundancyQueues::default();
        queues.push(BlockId(1), false);
        queues.push(BlockId(2), false);
        queues.push(BlockId(1), false);
        queues.push(BlockId(3), true);
        queues.push(BlockId(2), true);
        queues.remove(BlockId(1));
        assert_eq!(queues.len(), 2);
        assert_eq!(queues.pop(), Some(BlockId(3)));
        assert_eq!(queues.pop(), Some(BlockId(2)));
        assert_eq!(queues.pop(), None);
    }

    #[test]
    fn counts_follow_tallies_in_and_out() {
        let mut counts = BlockCounts::default();
        let tally = Tally(Tally::COMPLETE | Tally::SAFE | Tally::CORRUPT);
        counts.apply(tally, true);
        counts.apply(Tally(Tally::COMPLETE | Tally::MISSING), true);
        counts.apply(tally, false);
        assert_eq!(
            counts,
            BlockCounts {
                complete: 1,
                missing: 1,
                ..Default::default()
            }
        );
    }
}
