//! What the block manager knows: DataNodes and the block map.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use common::ids::{BlockId, DatanodeUuid, GenerationStamp};

use crate::namespace::Block;

/// A DataNode's address as clients and other DataNodes need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatanodeAddress {
    pub uuid: DatanodeUuid,
    pub host: String,
    pub xfer_port: u16,
    pub ipc_port: u16,
    pub http_port: u16,
}

/// Whether a DataNode serves normally or is being taken out of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminState {
    Normal,
    DecommissionInProgress,
    Decommissioned,
}

/// The NameNode's view of one DataNode.
#[derive(Debug)]
pub struct DatanodeDescriptor {
    pub address: DatanodeAddress,
    pub rack: String,
    pub capacity: u64,
    pub dfs_used: u64,
    pub remaining: u64,
    pub xceivers: u32,
    pub last_heartbeat: Instant,
    pub last_heartbeat_millis: i64,
    /// When its last full block report was processed (0: none yet).
    pub last_block_report_millis: i64,
    /// Failed volumes, as its last heartbeat reported.
    pub failed_volumes: u32,
    pub alive: bool,
    pub admin_state: AdminState,
    /// Finalized replicas this node holds, by block id.
    pub blocks: HashSet<BlockId>,
    /// Replicas to delete, sent on the next heartbeats.
    pub invalidate: Vec<Block>,
    /// Replicas to copy elsewhere, sent on the next heartbeat.
    pub transfers: Vec<(Block, Vec<usize>)>,
    /// Block recoveries this node leads: the block, its recovery id (new
    /// generation stamp), the length to cut it to (truncate) and the nodes
    /// holding replicas.
    pub recoveries: Vec<(Block, GenerationStamp, Option<u64>, Vec<usize>)>,
    /// The node must register again (the NameNode lost track of it).
    pub needs_reregister: bool,
    /// Hadoop's blockContentsStale: the node has not sent a full block
    /// report since this NameNode became active, so what it holds may be
    /// out of date and none of its replicas is deleted as excess.
    pub contents_stale: bool,
}

impl DatanodeDescriptor {
    /// Alive and not (being) decommissioned: may hold new replicas.
    pub fn is_writable(&self) -> bool {
        self.alive && self.admin_state == AdminState::Normal
    }
}

/// Nodes holding a block's good replicas: three fit in place, without an
/// allocation of their own.
pub type ReplicaNodes = smallvec::SmallVec<[usize; 3]>;

/// A block as the block manager tracks it: 64 bytes, as there are tens of
/// millions of them. What only some blocks have (corrupt replicas, a write
/// pipeline) is boxed apart.
#[derive(Debug)]
pub struct BlockInfo {
    pub generation_stamp: GenerationStamp,
    pub num_bytes: u64,
    /// Nodes with a good finalized replica.
    pub replicas: ReplicaNodes,
    others: Option<Box<OtherNodes>>,
    pub replication: u16,
    /// Still being written (the last block of an open file).
    pub under_construction: bool,
    /// What it adds to [`BlockState::counts`] (see [`super::counts`]).
    pub tally: super::counts::Tally,
}

/// The nodes of a block other than its good replicas.
#[derive(Debug, Default)]
struct OtherNodes {
    /// Nodes whose replica is known bad (checksum, stale stamp, wrong length).
    corrupt: Vec<usize>,
    /// The write pipeline, while under construction.
    pipeline: Vec<usize>,
}

impl BlockInfo {
    /// A block no DataNode has reported yet.
    pub fn new(block: &Block, replication: u16, under_construction: bool) -> Self {
        Self {
            generation_stamp: block.generation_stamp,
            num_bytes: block.num_bytes,
            replication,
            under_construction,
            replicas: ReplicaNodes::new(),
            others: None,
            tally: Default::default(),
        }
    }

    /// Nodes whose replica is known bad.
    pub fn corrupt(&self) -> &[usize] {
        self.others.as_ref().map_or(&[], |others| &others.corrupt)
    }

    /// The write pipeline, while under construction.
    pub fn pipeline(&self) -> &[usize] {
        self.others.as_ref().map_or(&[], |others| &others.pipeline)
    }

    fn others_mut(&mut self) -> &mut OtherNodes {
        self.others.get_or_insert_with(Default::default)
    }

    /// Drops the box once it holds nothing.
    fn shrink(&mut self) {
        if self
            .others
            .as_ref()
            .is_some_and(|others| others.corrupt.is_empty() && others.pipeline.is_empty())
        {
            self.others = None;
        }
    }

    pub fn add_corrupt(&mut self, node: usize) {
        if !self.corrupt().contains(&node) {
            self.others_mut().corrupt.push(node);
        }
    }

    pub fn remove_corrupt(&mut self, node: usize) {
        if let Some(others) = &mut self.others {
            others.corrupt.retain(|&n| n != node);
            self.shrink();
        }
    }

    pub fn add_to_pipeline(&mut self, node: usize) {
        if !self.pipeline().contains(&node) {
            self.others_mut().pipeline.push(node);
        }
    }

    pub fn set_pipeline(&mut self, nodes: Vec<usize>) {
        self.others_mut().pipeline = nodes;
        self.shrink();
    }
}

/// The mutable state behind the block manager's lock.
#[derive(Debug, Default)]
pub struct BlockState {
    pub nodes: Vec<DatanodeDescriptor>,
    pub node_by_uuid: HashMap<DatanodeUuid, usize>,
    pub blocks: super::block_map::BlockMap,
    /// Re-replications under way: block -> (targets, deadline).
    pub pending: HashMap<BlockId, (Vec<usize>, Instant)>,
    /// `dfs.hosts.exclude` as last read: these nodes are to leave.
    pub excluded_hosts: super::ExcludedHosts,
    /// A standby NameNode: it tracks replicas but hands out no commands.
    pub standby: bool,
    /// Hadoop's PendingDataNodeMessages: replicas a standby heard of before
    /// the edit that creates their block; processed again after each tail.
    pub queued_reports: Vec<(usize, super::ReportedReplica)>,
    /// Hadoop's postponed misreplicated blocks: over-replicated blocks whose
    /// excess is not deleted until every node holding them has reported.
    pub postponed_misreplicated: std::collections::HashSet<BlockId>,
    /// Last blocks a truncate is cutting: their replicas at the stamp before
    /// the truncate are what the recovery cuts, not stale copies.
    pub truncating: std::collections::HashSet<BlockId>,
    /// `dfs.namenode.replication.min`: readable replicas a block needs to be safe.
    pub min_replication: usize,
    /// The blocks' tallies added up.
    pub counts: super::counts::BlockCounts,
    /// Blocks the redundancy monitor is to look at.
    pub redundancy: super::counts::RedundancyQueues,
}

impl BlockState {
    /// Live replicas that count towards the block's replication: replicas on
    /// nodes being decommissioned do not, since those nodes are leaving.
    pub fn live_replicas(&self, info: &BlockInfo) -> usize {
        info.replicas
            .iter()
            .filter(|&&node| self.nodes[node].is_writable())
            .count()
    }

    /// Live replicas a reader or a copy can use, decommissioning nodes included.
    pub fn readable_replicas(&self, info: &BlockInfo) -> usize {
        info.replicas
            .iter()
            .filter(|&&node| {
                let node = &self.nodes[node];
                node.alive && node.admin_state != AdminState::Decommissioned
            })
            .count()
    }

    pub fn add_replica(&mut self, block_id: BlockId, node: usize) {
        let Some(info) = self.blocks.get_mut(&block_id) else {
            return;
        };
        if info.replicas.contains(&node) {
            // Known already: what a full report mostly says.
            return;
        }
        if !info.corrupt().contains(&node) {
            info.replicas.push(node);
        }
        self.nodes[node].blocks.insert(block_id);
        self.retally(block_id);
    }

    pub fn remove_replica(&mut self, block_id: BlockId, node: usize) {
        if let Some(info) = self.blocks.get_mut(&block_id) {
            info.replicas.retain(|n| *n != node);
            info.remove_corrupt(node);
        }
        self.nodes[node].blocks.remove(&block_id);
        self.retally(block_id);
    }

    /// Marks `node`'s replica of `block_id` corrupt: it no longer counts, and
    /// is deleted once enough good replicas exist.
    pub fn mark_corrupt(&mut self, block_id: BlockId, node: usize) {
        let Some(info) = self.blocks.get_mut(&block_id) else {
            return;
        };
        info.replicas.retain(|n| *n != node);
        info.add_corrupt(node);
        self.nodes[node].blocks.insert(block_id);
        self.retally(block_id);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_block_takes_64_bytes() {
        assert_eq!(size_of::<super::BlockInfo>(), 64);
        assert_eq!(size_of::<Option<super::BlockInfo>>(), 64);
    }
}
