//! Block management: which DataNodes hold which blocks, DataNode liveness,
//! placement of new replicas, and the work that keeps every block at its
//! replication (re-replication, deletion of excess and corrupt replicas).
//!
//! One mutex guards the state; it is taken after the namespace lock, never
//! before, and never held across I/O. DataNodes learn their work from the
//! commands queued here, returned on their heartbeats.

mod block_map;
mod counts;
mod decommission;
mod monitor;
mod recovery;
mod state;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::RemoteException;
use common::ids::{BlockId, DatanodeUuid, GenerationStamp};
use common::topology::RackResolver;

use crate::namespace::Block;
use crate::placement::{CandidateNode, PlacementPolicy};

pub use decommission::ExcludedHosts;
pub use state::{AdminState, DatanodeAddress};
use state::{BlockInfo, BlockState, DatanodeDescriptor};

/// Replicas of a full block report processed under one hold of the lock.
const REPORT_SLICE: usize = 4096;

/// Timings and limits of block management.
#[derive(Clone, Debug)]
pub struct BlockManagerConfig {
    /// `dfs.heartbeat.interval`
    pub heartbeat_interval: Duration,
    /// `dfs.namenode.heartbeat.recheck-interval`
    pub recheck_interval: Duration,
    /// `dfs.namenode.redundancy.interval.seconds`: how often work is computed.
    pub redundancy_interval: Duration,
    /// `dfs.namenode.reconstruction.pending.timeout-sec`
    pub pending_timeout: Duration,
    /// `dfs.namenode.replication.max-streams`: transfers per source per round.
    pub max_streams: usize,
    /// `dfs.block.invalidate.limit`: deletions per heartbeat.
    pub invalidate_limit: usize,
    pub min_replication: u16,
    /// What DataNode liveness is measured with: the system clock, or a
    /// manual one that tests advance.
    pub clock: common::time::Clock,
}

impl BlockManagerConfig {
    /// A DataNode silent this long is dead (HDFS: 2 x recheck + 10 x heartbeat).
    pub fn dead_after(&self) -> Duration {
        2 * self.recheck_interval + 10 * self.heartbeat_interval
    }
}

/// A command for one DataNode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatanodeCommand {
    Transfer {
        block: Block,
        targets: Vec<DatanodeLocation>,
    },
    Invalidate(Vec<Block>),
    Reregister,
    /// Lead the recovery of `block` to `recovery_id` with the replicas on
    /// `replicas`; a truncate recovery cuts every replica to `new_length`.
    Recover {
        block: Block,
        recovery_id: GenerationStamp,
        new_length: Option<u64>,
        replicas: Vec<DatanodeLocation>,
    },
}

/// Where a replica lives, as clients see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatanodeLocation {
    pub address: DatanodeAddress,
    pub rack: String,
}

/// A DataNode's space figures as its heartbeat reports them, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageReport {
    pub capacity: u64,
    pub dfs_used: u64,
    pub remaining: u64,
    /// Volumes the DataNode took out of service after disk errors.
    pub failed_volumes: u32,
}

/// A replica as a DataNode reports it.
#[derive(Clone, Copy, Debug)]
pub struct ReportedReplica {
    pub block: Block,
    pub finalized: bool,
}

/// One line of `dfsadmin -report`.
#[derive(Clone, Debug)]
pub struct DatanodeStatus {
    pub location: DatanodeLocation,
    pub capacity: u64,
    pub dfs_used: u64,
    pub remaining: u64,
    pub xceivers: u32,
    pub alive: bool,
    pub admin_state: AdminState,
    pub last_heartbeat_millis: i64,
    /// When its last full block report was processed (0: none yet).
    pub last_block_report_millis: i64,
    pub failed_volumes: u32,
    pub num_blocks: u64,
}

/// Cluster totals for `getFsStats` and the web UI.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockStats {
    pub capacity: u64,
    pub used: u64,
    pub remaining: u64,
    pub under_replicated: u64,
    pub corrupt_blocks: u64,
    pub missing_blocks: u64,
}

/// Replica locations of one block, for readers and fsck.
#[derive(Clone, Debug)]
pub struct BlockLocations {
    pub locations: Vec<DatanodeLocation>,
    /// Every known replica is corrupt.
    pub corrupt: bool,
    pub corrupt_replicas: usize,
    pub expected_replication: u16,
}

pub struct BlockManager {
    state: Mutex<BlockState>,
    /// Held through a whole full block report: reports are processed one
    /// at a time (Hadoop's BlockReportProcessingThread), so a storm of them
    /// waits its turn instead of taking every core from the RPC workers.
    report_turn: Mutex<()>,
    config: BlockManagerConfig,
    policy: PlacementPolicy,
    resolver: RackResolver,
}

impl BlockManager {
    pub fn new(
        config: BlockManagerConfig,
        policy: PlacementPolicy,
        resolver: RackResolver,
    ) -> Self {
        let state = BlockState {
            min_replication: usize::from(config.min_replication),
            ..Default::default()
        };
        Self {
            state: Mutex::new(state),
            report_turn: Mutex::new(()),
            config,
            policy,
            resolver,
        }
    }

    pub fn config(&self) -> &BlockManagerConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, BlockState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a file's blocks (at startup, or when a file is created); the
    /// last one is under construction while the file is open.
    pub fn add_file_blocks(
        &self,
        blocks: &[Block],
        replication: u16,
        last_under_construction: bool,
    ) {
        let mut state = self.lock();
        for (index, block) in blocks.iter().enumerate() {
            let under_construction = last_under_construction && index + 1 == blocks.len();
            if !state.blocks.contains_key(&block.id) {
                let info = BlockInfo::new(block, replication, under_construction);
                state.insert_block(block.id, info);
            }
        }
    }

    /// Registers (or re-registers) a DataNode; returns its rack. A new
    /// registration from the same address replaces the old node entry's address.
    pub fn register(&self, address: DatanodeAddress) -> String {
        let rack = self
            .resolver
            .resolve(std::slice::from_ref(&address.host))
            .pop()
            .unwrap_or_else(|| common::topology::DEFAULT_RACK.to_string());
        let mut state = self.lock();
        let now = self.config.clock.now();
        let millis = common::time::now_millis();
        if let Some(&index) = state.node_by_uuid.get(&address.uuid) {
            let node = &mut state.nodes[index];
            node.address = address;
            node.rack = rack.clone();
            node.alive = true;
            node.needs_reregister = false;
            node.last_heartbeat = now;
            node.last_heartbeat_millis = millis;
            self.admit(&mut state, index);
            return rack;
        }
        let index = state.nodes.len();
        state.node_by_uuid.insert(address.uuid.clone(), index);
        tracing::info!(datanode = %address.uuid, host = %address.host, port = address.xfer_port, rack = %rack, "datanode registered");
        state.nodes.push(DatanodeDescriptor {
            address,
            rack: rack.clone(),
            capacity: 0,
            dfs_used: 0,
            remaining: 0,
            xceivers: 0,
            last_heartbeat: now,
            last_heartbeat_millis: millis,
            last_block_report_millis: 0,
            failed_volumes: 0,
            alive: true,
            admin_state: AdminState::Normal,
            blocks: Default::default(),
            invalidate: Vec::new(),
            transfers: Vec::new(),
            recoveries: Vec::new(),
            needs_reregister: false,
            contents_stale: false,
        });
        self.admit(&mut state, index);
        rack
    }

    /// Records the space a node reports outside a heartbeat (with its registration), so
    /// placement counts it before the node's first heartbeat.
    pub fn report_storage(&self, uuid: &DatanodeUuid, storage: StorageReport) {
        let mut state = self.lock();
        let Some(&index) = state.node_by_uuid.get(uuid) else {
            return;
        };
        let node = &mut state.nodes[index];
        node.capacity = storage.capacity;
        node.dfs_used = storage.dfs_used;
        node.remaining = storage.remaining;
        node.failed_volumes = storage.failed_volumes;
    }

    /// Records a heartbeat and hands out the node's queued commands. An
    /// unknown node is told to register again.
    pub fn heartbeat(
        &self,
        uuid: &DatanodeUuid,
        storage: StorageReport,
        xceivers: u32,
    ) -> Vec<DatanodeCommand> {
        let mut state = self.lock();
        let Some(&index) = state.node_by_uuid.get(uuid) else {
            return vec![DatanodeCommand::Reregister];
        };
        if !state.nodes[index].alive || state.nodes[index].needs_reregister {
            // Declared dead meanwhile: its replicas were forgotten, so it must
            // register and report them again.
            state.nodes[index].needs_reregister = true;
            return vec![DatanodeCommand::Reregister];
        }
        let limit = self.config.invalidate_limit;
        let node = &mut state.nodes[index];
        node.capacity = storage.capacity;
        node.dfs_used = storage.dfs_used;
        node.remaining = storage.remaining;
        node.failed_volumes = storage.failed_volumes;
        node.xceivers = xceivers;
        node.last_heartbeat = self.config.clock.now();
        node.last_heartbeat_millis = common::time::now_millis();
        if state.standby {
            // As Hadoop's standby: DataNodes obey only the active.
            return Vec::new();
        }
        let node = &mut state.nodes[index];
        let mut commands = Vec::new();
        let transfers = std::mem::take(&mut node.transfers);
        let recoveries = std::mem::take(&mut node.recoveries);
        if !node.invalidate.is_empty() {
            let count = node.invalidate.len().min(limit);
            commands.push(DatanodeCommand::Invalidate(
                node.invalidate.drain(..count).collect(),
            ));
        }
        for (block, targets) in transfers {
            let targets = targets
                .iter()
                .map(|&target| location(&state.nodes[target]))
                .collect();
            commands.push(DatanodeCommand::Transfer { block, targets });
        }
        for (block, recovery_id, new_length, replicas) in recoveries {
            let replicas = replicas
                .iter()
                .map(|&node| location(&state.nodes[node]))
                .collect();
            commands.push(DatanodeCommand::Recover {
                block,
                recovery_id,
                new_length,
                replicas,
            });
        }
        commands
    }

    fn node_index(
        &self,
        state: &BlockState,
        uuid: &DatanodeUuid,
    ) -> Result<usize, RemoteException> {
        state.node_by_uuid.get(uuid).copied().ok_or_else(|| {
            RemoteException::io(format!(
                "Data node {uuid} is not registered (UnregisteredNodeException)"
            ))
        })
    }

    /// A full block report: the node holds exactly these replicas. The
    /// lock is taken a slice of the report at a time (Hadoop holds its
    /// namesystem lock for a whole storage's report, HDFS-16432), so
    /// clients and other DataNodes get their turn during a report of
    /// millions of replicas.
    pub fn block_report(
        &self,
        uuid: &DatanodeUuid,
        replicas: &[ReportedReplica],
    ) -> Result<(), RemoteException> {
        let _turn = self
            .report_turn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let reported: std::collections::HashSet<BlockId> =
            replicas.iter().map(|replica| replica.block.id).collect();
        // A full report supersedes what was queued from the node's earlier
        // ones, but for a finalized replica queued for a block the report
        // still shows being written: the report was made before the replica
        // was finalized (never undone at the same stamp) and overtook it.
        let being_written: std::collections::HashMap<BlockId, GenerationStamp> = replicas
            .iter()
            .filter(|replica| !replica.finalized)
            .map(|replica| (replica.block.id, replica.block.generation_stamp))
            .collect();
        let node = {
            let mut state = self.lock();
            let node = self.node_index(&state, uuid)?;
            let forgotten: Vec<BlockId> = state.nodes[node]
                .blocks
                .iter()
                .filter(|id| !reported.contains(id))
                .copied()
                .collect();
            for block_id in forgotten {
                state.remove_replica(block_id, node);
            }
            state.queued_reports.retain(|(queued, replica)| {
                *queued != node
                    || (replica.finalized
                        && being_written
                            .get(&replica.block.id)
                            .is_some_and(|stamp| *stamp <= replica.block.generation_stamp))
            });
            node
        };
        for slice in replicas.chunks(REPORT_SLICE) {
            let mut state = self.lock();
            for replica in slice {
                self.process_reported(&mut state, node, *replica);
            }
        }
        let mut state = self.lock();
        state.nodes[node].contents_stale = false;
        state.nodes[node].last_block_report_millis = common::time::now_millis();
        tracing::debug!(
            datanode = %uuid,
            replicas = replicas.len(),
            "processed block report"
        );
        Ok(())
    }

    /// Incremental report: replicas received (finalized) or deleted.
    pub fn block_received(
        &self,
        uuid: &DatanodeUuid,
        block: Block,
        received: bool,
    ) -> Result<(), RemoteException> {
        let mut state = self.lock();
        let node = self.node_index(&state, uuid)?;
        if received {
            self.process_reported(
                &mut state,
                node,
                ReportedReplica {
                    block,
                    finalized: true,
                },
            );
            if let Some((targets, _)) = state.pending.get_mut(&block.id) {
                targets.retain(|&target| target != node);
                if targets.is_empty() {
                    state.pending.remove(&block.id);
                }
            }
        } else {
            state.remove_replica(block.id, node);
        }
        Ok(())
    }

    fn process_reported(&self, state: &mut BlockState, node: usize, replica: ReportedReplica) {
        let block = replica.block;
        let Some(info) = state.blocks.get(&block.id) else {
            if state.standby {
                // The edit creating the block may not be tailed yet.
                state.queued_reports.push((node, replica));
                return;
            }
            // A replica of a deleted block.
            state.nodes[node].invalidate.push(block);
            return;
        };
        if state.standby && block.generation_stamp > info.generation_stamp {
            // From the future (Hadoop's `isGenStampInFuture`): the edit that gave the block
            // this generation stamp (an append, a pipeline recovery) is not tailed yet.
            state.queued_reports.push((node, replica));
            return;
        }
        if !replica.finalized {
            // A replica being written: it is part of the block's pipeline,
            // which lease recovery needs after a NameNode restart.
            if info.under_construction && block.generation_stamp >= info.generation_stamp {
                let info = state.blocks.get_mut(&block.id).expect("looked up above");
                info.add_to_pipeline(node);
            } else if !info.under_construction && block.generation_stamp < info.generation_stamp {
                // Left behind by a pipeline that went on without this node (a
                // failure, a full disk): stale, as Hadoop's checkReplicaCorrupt
                // says, and deleted once the block has its live replicas. One
                // with the block's own stamp may just be finalizing (HDFS-2791).
                tracing::warn!(block = %block.id, datanode = %state.nodes[node].address.uuid, reported = block.generation_stamp.0, stored = info.generation_stamp.0, "a replica being written of a complete block has an older generation stamp: corrupt");
                state.mark_corrupt(block.id, node);
            }
            return;
        }
        let stale = block.generation_stamp < info.generation_stamp;
        if stale && state.truncating.contains(&block.id) {
            // A replica from before the truncate (after a restart the block
            // has its new stamp already): the truncate recovery cuts it.
            let info = state.blocks.get_mut(&block.id).expect("looked up above");
            info.add_to_pipeline(node);
            return;
        }
        let wrong_length = !info.under_construction && info.num_bytes != block.num_bytes;
        if stale || wrong_length {
            tracing::warn!(block = %block.id, datanode = %state.nodes[node].address.uuid, stale, wrong_length, "reported replica is corrupt");
            state.mark_corrupt(block.id, node);
            return;
        }
        state.add_replica(block.id, node);
    }

    /// A reader or scanner found `uuid`'s replica of `block` bad.
    pub fn report_bad_block(
        &self,
        uuid: &DatanodeUuid,
        block: Block,
        reason: &str,
    ) -> Result<(), RemoteException> {
        let mut state = self.lock();
        let node = self.node_index(&state, uuid)?;
        tracing::warn!(
            block = %block.id,
            datanode = %uuid,
            reason,
            "bad replica reported"
        );
        state.mark_corrupt(block.id, node);
        Ok(())
    }

    /// Chooses DataNodes for a new block of a file being written and
    /// records it as under construction.
    pub fn allocate(
        &self,
        block: Block,
        replication: u16,
        block_size: u64,
        writer_host: Option<&str>,
        excluded: &[DatanodeUuid],
    ) -> Result<Vec<DatanodeLocation>, RemoteException> {
        let mut state = self.lock();
        let excluded: Vec<usize> = excluded
            .iter()
            .filter_map(|uuid| state.node_by_uuid.get(uuid).copied())
            .collect();
        let candidates = candidates(&state);
        let targets = self.policy.choose_targets(
            usize::from(replication),
            writer_host,
            &[],
            &excluded,
            &candidates,
            block_size,
            &mut rand::rng(),
        );
        if targets.is_empty() {
            let live = state.nodes.iter().filter(|node| node.alive).count();
            return Err(RemoteException::io(format!(
                "File could only be written to 0 of the {} minReplication nodes. There are {live} datanode(s) running and {} node(s) are excluded in this operation.",
                self.config.min_replication,
                excluded.len()
            )));
        }
        let mut info = BlockInfo::new(
            &Block {
                num_bytes: 0,
                ..block
            },
            replication,
            true,
        );
        info.set_pipeline(targets.clone());
        state.insert_block(block.id, info);
        Ok(targets
            .iter()
            .map(|&target| location(&state.nodes[target]))
            .collect())
    }

    /// `getAdditionalDatanode` (pipeline recovery of a Hadoop client):
    /// `count` more DataNodes for a block being written on `existing`,
    /// placed as its other replicas would be, none of `excluded`. Answers
    /// the whole pipeline, the existing nodes first; nothing changes until
    /// the client's `updatePipeline`.
    pub fn choose_additional(
        &self,
        existing: &[DatanodeUuid],
        excluded: &[DatanodeUuid],
        count: usize,
        writer_host: Option<&str>,
        block_size: u64,
    ) -> Result<Vec<DatanodeLocation>, RemoteException> {
        let state = self.lock();
        let indexes = |uuids: &[DatanodeUuid]| -> Vec<usize> {
            uuids
                .iter()
                .filter_map(|uuid| state.node_by_uuid.get(uuid).copied())
                .collect()
        };
        let existing = indexes(existing);
        let excluded = indexes(excluded);
        let added = self.policy.choose_targets(
            count,
            writer_host,
            &existing,
            &excluded,
            &candidates(&state),
            block_size,
            &mut rand::rng(),
        );
        if added.len() < count {
            let live = state.nodes.iter().filter(|node| node.alive).count();
            return Err(RemoteException::io(format!(
                "Could not find {count} more datanode(s) for a pipeline of {}: there are {live} datanode(s) running and {} node(s) are excluded in this operation.",
                existing.len(),
                excluded.len()
            )));
        }
        Ok(existing
            .iter()
            .chain(&added)
            .map(|&node| location(&state.nodes[node]))
            .collect())
    }

    /// The client finished a block: its final length and stamp.
    pub fn commit(&self, block: Block) {
        let mut state = self.lock();
        let Some(info) = state.blocks.get_mut(&block.id) else {
            return;
        };
        info.num_bytes = block.num_bytes;
        info.generation_stamp = info.generation_stamp.max(block.generation_stamp);
        info.under_construction = false;
        info.set_pipeline(Vec::new());
        state.retally(block.id);
    }

    /// Append: the complete last block of a file goes back under
    /// construction, its live replicas becoming the expected pipeline (they
    /// count again once they report the block finalized at its new stamp).
    /// Returns that pipeline, nearest to `writer_host` first.
    pub fn reopen_for_append(&self, block: Block, writer_host: &str) -> BlockLocations {
        {
            let mut state = self.lock();
            let Some(info) = state.blocks.get(&block.id) else {
                return self.locations(block.id, writer_host);
            };
            let holders: Vec<usize> = info
                .replicas
                .iter()
                .copied()
                .filter(|&node| {
                    let node = &state.nodes[node];
                    node.alive && node.admin_state != AdminState::Decommissioned
                })
                .collect();
            let info = state.blocks.get_mut(&block.id).expect("looked up above");
            info.under_construction = true;
            info.num_bytes = block.num_bytes;
            info.replicas.clear();
            info.set_pipeline(holders);
            state.retally(block.id);
        }
        self.locations(block.id, writer_host)
    }

    /// Whether a committed block has its minimum number of good replicas.
    pub fn has_min_replicas(&self, block_id: BlockId) -> bool {
        let state = self.lock();
        state.blocks.get(&block_id).is_some_and(|info| {
            state.readable_replicas(info) >= usize::from(self.config.min_replication)
        })
    }

    /// Forgets blocks of deleted files and queues their replicas for deletion.
    pub fn remove_blocks(&self, blocks: &[Block]) {
        let mut state = self.lock();
        for block in blocks {
            let Some(info) = state.remove_block(block.id) else {
                continue;
            };
            state.pending.remove(&block.id);
            state.truncating.remove(&block.id);
            for node in info
                .replicas
                .iter()
                .chain(info.corrupt())
                .chain(info.pipeline())
            {
                let node = &mut state.nodes[*node];
                node.blocks.remove(&block.id);
                node.invalidate.push(Block {
                    generation_stamp: info.generation_stamp,
                    num_bytes: info.num_bytes,
                    ..*block
                });
            }
        }
    }

    /// A file's replication changed.
    pub fn set_replication(&self, blocks: &[Block], replication: u16) {
        let mut state = self.lock();
        for block in blocks {
            if let Some(info) = state.blocks.get_mut(&block.id) {
                info.replication = replication;
                state.retally(block.id);
            }
        }
    }

    /// Pipeline recovery or append: the block moves to a new generation
    /// stamp on the DataNodes of the pipeline; a replica elsewhere keeps the
    /// old stamp, so it is stale.
    pub fn update_pipeline(
        &self,
        block_id: BlockId,
        generation_stamp: GenerationStamp,
        nodes: &[DatanodeUuid],
    ) {
        let mut state = self.lock();
        let pipeline: Vec<usize> = nodes
            .iter()
            .filter_map(|uuid| state.node_by_uuid.get(uuid).copied())
            .collect();
        let Some(info) = state.blocks.get_mut(&block_id) else {
            return;
        };
        info.generation_stamp = generation_stamp;
        let stale: Vec<usize> = info
            .replicas
            .iter()
            .copied()
            .filter(|node| !pipeline.contains(node))
            .collect();
        info.set_pipeline(pipeline);
        for node in stale {
            tracing::info!(block = %block_id, datanode = %state.nodes[node].address.uuid, "replica left out of the pipeline is stale");
            state.mark_corrupt(block_id, node);
        }
        state.retally(block_id);
    }

    /// Replica locations, nearest to `reader_host` first; corrupt replicas
    /// only when no good one is left (so a reader can still try).
    pub fn locations(&self, block_id: BlockId, reader_host: &str) -> BlockLocations {
        let state = self.lock();
        let Some(info) = state.blocks.get(&block_id) else {
            return BlockLocations {
                locations: Vec::new(),
                corrupt: false,
                corrupt_replicas: 0,
                expected_replication: 0,
            };
        };
        let mut good: Vec<usize> = info
            .replicas
            .iter()
            .copied()
            .filter(|&node| state.nodes[node].alive)
            .collect();
        if good.is_empty() && info.under_construction {
            good = info
                .pipeline()
                .iter()
                .copied()
                .filter(|&node| state.nodes[node].alive)
                .collect();
        }
        let corrupt = good.is_empty() && !info.corrupt().is_empty();
        if corrupt {
            good = info
                .corrupt()
                .iter()
                .copied()
                .filter(|&node| state.nodes[node].alive)
                .collect();
        }
        let candidates = candidates(&state);
        let reader_rack = state
            .nodes
            .iter()
            .find(|node| node.address.host == reader_host)
            .map_or(common::topology::DEFAULT_RACK, |node| node.rack.as_str());
        self.policy.sort_for_reader(
            reader_host,
            reader_rack,
            &mut good,
            &candidates,
            &mut rand::rng(),
        );
        BlockLocations {
            locations: good
                .iter()
                .map(|&node| location(&state.nodes[node]))
                .collect(),
            corrupt,
            corrupt_replicas: info.corrupt().len(),
            expected_replication: info.replication,
        }
    }

    /// Adds a file's blocks, or brings known ones up to date (stamp, length,
    /// replication, whether under construction): a standby applying edits.
    pub fn sync_file_blocks(
        &self,
        blocks: &[Block],
        replication: u16,
        last_under_construction: bool,
    ) {
        let mut state = self.lock();
        for (index, block) in blocks.iter().enumerate() {
            let under_construction = last_under_construction && index + 1 == blocks.len();
            if !state.blocks.contains_key(&block.id) {
                let info = BlockInfo::new(block, replication, under_construction);
                state.insert_block(block.id, info);
            }
            let info = state.blocks.get_mut(&block.id).expect("inserted above");
            info.generation_stamp = info.generation_stamp.max(block.generation_stamp);
            info.num_bytes = block.num_bytes;
            info.replication = replication;
            info.under_construction = under_construction;
            if !under_construction {
                state.truncating.remove(&block.id);
            }
            state.retally(block.id);
        }
    }

    /// Forgets blocks of deleted files without queuing deletions: a standby
    /// applying edits (the active deletes the replicas).
    pub fn forget_blocks(&self, blocks: &[Block]) {
        let mut state = self.lock();
        for block in blocks {
            let Some(info) = state.remove_block(block.id) else {
                continue;
            };
            for node in info.replicas.iter().chain(info.corrupt()) {
                state.nodes[*node].blocks.remove(&block.id);
            }
        }
    }

    /// Processes the replicas queued while their block was unknown; those
    /// still unknown stay queued. Returns how many are still queued.
    pub fn process_queued_reports(&self) -> usize {
        let mut state = self.lock();
        let queued = std::mem::take(&mut state.queued_reports);
        for (node, replica) in queued {
            self.process_reported(&mut state, node, replica);
        }
        state.queued_reports.len()
    }

    /// Enters standby (no commands, reports of unknown blocks queued) or
    /// active. A new active regards every DataNode's contents as stale until
    /// its next block report, and deletes the replicas queued for the blocks
    /// the edits removed; a new standby drops the work it had scheduled.
    pub fn set_standby(&self, standby: bool) {
        let mut state = self.lock();
        state.standby = standby;
        // Blocks whose copies were under way need work again.
        let pending: Vec<BlockId> = state
            .pending
            .drain()
            .map(|(block_id, _)| block_id)
            .collect();
        for block_id in pending {
            state.retally(block_id);
        }
        state.postponed_misreplicated.clear();
        for node in &mut state.nodes {
            node.transfers.clear();
            node.recoveries.clear();
            node.contents_stale = !standby;
        }
        if !standby {
            let queued = std::mem::take(&mut state.queued_reports);
            for (node, replica) in queued {
                self.process_reported(&mut state, node, replica);
            }
        }
    }

    /// Over-replicated blocks whose excess replicas wait for block reports
    /// (Hadoop's PostponedMisreplicatedBlocks metric).
    pub fn postponed_misreplicated_blocks(&self) -> usize {
        self.lock().postponed_misreplicated.len()
    }

    /// Nodes for `dfsadmin -report`.
    pub fn datanode_report(&self) -> Vec<DatanodeStatus> {
        let state = self.lock();
        state
            .nodes
            .iter()
            .map(|node| DatanodeStatus {
                location: location(node),
                capacity: node.capacity,
                dfs_used: node.dfs_used,
                remaining: node.remaining,
                xceivers: node.xceivers,
                alive: node.alive,
                admin_state: node.admin_state,
                last_heartbeat_millis: node.last_heartbeat_millis,
                last_block_report_millis: node.last_block_report_millis,
                failed_volumes: node.failed_volumes,
                num_blocks: node.blocks.len() as u64,
            })
            .collect()
    }

    /// Complete blocks, those with their minimum replicas reported, and live
    /// DataNodes: what startup safe mode waits on.
    pub fn safe_mode_counts(&self) -> crate::safemode::SafeModeCounts {
        let state = self.lock();
        crate::safemode::SafeModeCounts {
            live_datanodes: state.nodes.iter().filter(|node| node.alive).count(),
            total_blocks: state.counts.complete,
            safe_blocks: state.counts.safe,
        }
    }

    /// Cluster totals: space from the live nodes, blocks from the counts.
    pub fn stats(&self) -> BlockStats {
        let state = self.lock();
        let mut stats = BlockStats {
            under_replicated: state.counts.under_replicated,
            corrupt_blocks: state.counts.corrupt,
            missing_blocks: state.counts.missing,
            ..Default::default()
        };
        for node in state.nodes.iter().filter(|node| node.alive) {
            stats.capacity += node.capacity;
            stats.used += node.dfs_used;
            stats.remaining += node.remaining;
        }
        stats
    }
}

fn location(node: &DatanodeDescriptor) -> DatanodeLocation {
    DatanodeLocation {
        address: node.address.clone(),
        rack: node.rack.clone(),
    }
}

fn candidates(state: &BlockState) -> Vec<CandidateNode> {
    state
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| CandidateNode {
            index,
            host: node.address.host.clone(),
            rack: node.rack.clone(),
            remaining: node.remaining,
            xceivers: node.xceivers,
            usable: node.is_writable(),
        })
        .collect()
}

/// Used by tests and the monitor to judge time without sleeping.
pub(crate) fn elapsed_since(instant: Instant, now: Instant) -> Duration {
    now.saturating_duration_since(instant)
}

#[cfg(test)]
mod tests;
