use std::time::{Duration, Instant};

use common::topology::RackResolver;

use super::*;
use crate::namespace::Block;

const GB: u64 = 1 << 30;

fn manager() -> BlockManager {
    let config = BlockManagerConfig {
        heartbeat_interval: Duration::from_secs(3),
        recheck_interval: Duration::from_secs(300),
        redundancy_interval: Duration::from_secs(3),
        pending_timeout: Duration::from_secs(300),
        max_streams: 2,
        invalidate_limit: 1000,
        min_replication: 1,
        clock: Default::default(),
    };
    let policy = PlacementPolicy {
        consider_load: true,
        load_factor: 2.0,
    };
    BlockManager::new(config, policy, RackResolver::Default)
}

/// 10 GB of capacity, all of it free.
fn ten_gb_free() -> StorageReport {
    StorageReport {
        capacity: 10 * GB,
        dfs_used: 0,
        remaining: 10 * GB,
        failed_volumes: 0,
    }
}

fn add_nodes(manager: &BlockManager, count: usize) -> Vec<DatanodeUuid> {
    (0..count)
        .map(|i| {
            let uuid = DatanodeUuid::from(format!("dn-{i}"));
            manager.register(DatanodeAddress {
                uuid: uuid.clone(),
                host: format!("127.0.0.{}", i + 2),
                xfer_port: 9866,
                ipc_port: 9867,
                http_port: 9864,
            });
            manager.heartbeat(&uuid, ten_gb_free(), 0);
            uuid
        })
        .collect()
}

fn block(id: u64) -> Block {
    Block {
        id: BlockId(id),
        generation_stamp: GenerationStamp(1001),
        num_bytes: 1000,
    }
}

/// Writes a block through the normal path: allocate, replicas received, commit.
fn written_block(manager: &BlockManager, id: u64, replication: u16) -> Vec<DatanodeUuid> {
    let targets = manager
        .allocate(
            Block {
                num_bytes: 0,
                ..block(id)
            },
            replication,
            1000,
            None,
            &[],
        )
        .unwrap();
    assert_eq!(targets.len(), usize::from(replication));
    for target in &targets {
        manager
            .block_received(&target.address.uuid, block(id), true)
            .unwrap();
    }
    manager.commit(block(id));
    targets
        .into_iter()
        .map(|target| target.address.uuid)
        .collect()
}

fn commands_for(manager: &BlockManager, uuid: &DatanodeUuid) -> Vec<DatanodeCommand> {
    manager.heartbeat(uuid, ten_gb_free(), 0)
}

#[test]
fn unknown_datanodes_are_told_to_register() {
    let manager = manager();
    assert_eq!(
        manager.heartbeat(&"stranger".into(), StorageReport::default(), 0),
        vec![DatanodeCommand::Reregister]
    );
    assert!(manager.block_report(&"stranger".into(), &[]).is_err());
}

#[test]
fn no_datanodes_is_a_clear_allocation_error() {
    let manager = manager();
    let error = manager.allocate(block(1), 3, 1000, None, &[]).unwrap_err();
    assert!(
        error.message.contains("could only be written to 0"),
        "{}",
        error.message
    );
}

#[test]
fn a_dead_node_gets_its_blocks_re_replicated() {
    let manager = manager();
    let nodes = add_nodes(&manager, 4);
    let holders = written_block(&manager, 7, 3);
    assert!(manager.has_min_replicas(BlockId(7)));
    let spare = nodes
        .iter()
        .find(|uuid| !holders.contains(uuid))
        .unwrap()
        .clone();

    // Everyone but holders[0] keeps heartbeating; time passes past the expiry.
    let later = Instant::now() + manager.config().dead_after() + Duration::from_secs(1);
    {
        let mut state = manager.lock();
        for node in state.nodes.iter_mut() {
            if node.address.uuid != holders[0] {
                node.last_heartbeat = later;
            }
        }
    }
    let round = manager.run_monitor(later);
    assert_eq!(round.newly_dead, 1);
    assert_eq!(round.transfers_scheduled, 1);
    assert_eq!(manager.stats().under_replicated, 1);

    let source = {
        let state = manager.lock();
        holders[1..]
            .iter()
            .find(|uuid| state.nodes[state.node_by_uuid[*uuid]].transfers.len() == 1)
            .expect("a live holder was asked to copy")
            .clone()
    };
    let commands = commands_for(&manager, &source);
    let [
        DatanodeCommand::Transfer {
            block: copied,
            targets,
        },
    ] = commands.as_slice()
    else {
        panic!("expected one transfer, got {commands:?}");
    };
    assert_eq!(copied.id, BlockId(7));
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].address.uuid, spare);

    // Nothing is scheduled twice while the copy is pending; it completes on receipt.
    assert_eq!(manager.run_monitor(Instant::now()).transfers_scheduled, 0);
    manager.block_received(&spare, block(7), true).unwrap();
    assert_eq!(manager.stats().under_replicated, 0);
    // The dead node is told to re-register when it comes back.
    assert_eq!(
        commands_for(&manager, &holders[0]),
        vec![DatanodeCommand::Reregister]
    );
}

#[test]
fn corrupt_replicas_are_replaced_then_deleted() {
    let manager = manager();
    add_nodes(&manager, 4);
    let holders = written_block(&manager, 9, 3);
    manager
        .report_bad_block(&holders[0], block(9), "checksum")
        .unwrap();
    assert_eq!(manager.stats().corrupt_blocks, 1);
    let locations = manager.locations(BlockId(9), "elsewhere");
    assert_eq!(
        locations.locations.len(),
        2,
        "corrupt replica is not offered to readers"
    );
    let round = manager.run_monitor(Instant::now());
    assert_eq!(round.transfers_scheduled, 1);
    let target_uuid = {
        let state = manager.lock();
        state.nodes[state.pending[&BlockId(9)].0[0]]
            .address
            .uuid
            .clone()
    };
    manager
        .block_received(&target_uuid, block(9), true)
        .unwrap();
    let round = manager.run_monitor(Instant::now());
    assert_eq!(
        round.replicas_to_delete, 1,
        "the corrupt replica goes once 3 good ones exist"
    );
    let commands = commands_for(&manager, &holders[0]);
    assert_eq!(commands, vec![DatanodeCommand::Invalidate(vec![block(9)])]);
    assert_eq!(manager.stats().corrupt_blocks, 0);
}

#[test]
fn a_block_with_only_corrupt_replicas_is_kept_and_reported() {
    let manager = manager();
    add_nodes(&manager, 2);
    let holders = written_block(&manager, 5, 1);
    manager
        .report_bad_block(&holders[0], block(5), "checksum")
        .unwrap();
    let round = manager.run_monitor(Instant::now());
    assert_eq!(
        round.replicas_to_delete, 0,
        "the last copy is never deleted"
    );
    let locations = manager.locations(BlockId(5), "x");
    assert!(locations.corrupt);
    assert_eq!(locations.locations.len(), 1);
    assert_eq!(manager.stats().missing_blocks, 1);
}

#[test]
fn excess_replicas_are_trimmed_and_deleted_files_invalidated() {
    let manager = manager();
    add_nodes(&manager, 4);
    let holders = written_block(&manager, 3, 3);
    manager.set_replication(&[block(3)], 1);
    let round = manager.run_monitor(Instant::now());
    assert_eq!(round.replicas_to_delete, 2);
    assert_eq!(manager.locations(BlockId(3), "x").locations.len(), 1);

    manager.remove_blocks(&[block(3)]);
    let invalidations: usize = holders
        .iter()
        .map(|uuid| {
            commands_for(&manager, uuid)
                .into_iter()
                .map(|command| match command {
                    DatanodeCommand::Invalidate(blocks) => blocks.len(),
                    _ => 0,
                })
                .sum::<usize>()
        })
        .sum();
    assert_eq!(invalidations, 3, "two excess + one after deletion");
    // A replica of a block nobody knows is deleted when reported.
    manager
        .block_report(
            &holders[0],
            &[ReportedReplica {
                block: block(99),
                finalized: true,
            }],
        )
        .unwrap();
    assert_eq!(
        commands_for(&manager, &holders[0]),
        vec![DatanodeCommand::Invalidate(vec![block(99)])]
    );
}

#[test]
fn stale_generation_stamps_are_corrupt() {
    let manager = manager();
    add_nodes(&manager, 3);
    let holders = written_block(&manager, 4, 2);
    let old = Block {
        generation_stamp: GenerationStamp(1000),
        ..block(4)
    };
    manager
        .block_report(
            &holders[0],
            &[ReportedReplica {
                block: old,
                finalized: true,
            }],
        )
        .unwrap();
    assert_eq!(manager.stats().corrupt_blocks, 1);
}

#[test]
fn a_stale_replica_being_written_of_a_complete_block_is_deleted() {
    let manager = manager();
    let nodes = add_nodes(&manager, 4);
    let holders = written_block(&manager, 6, 3);
    let fourth = nodes
        .into_iter()
        .find(|node| !holders.contains(node))
        .unwrap();
    let stale = Block {
        generation_stamp: GenerationStamp(block(6).generation_stamp.0 - 1),
        num_bytes: 10,
        ..block(6)
    };
    manager
        .block_report(
            &fourth,
            &[ReportedReplica {
                block: stale,
                finalized: false,
            }],
        )
        .unwrap();
    assert_eq!(manager.stats().corrupt_blocks, 1);
    // The block has its three live replicas: the stale one goes.
    manager.run_monitor(Instant::now());
    let commands = commands_for(&manager, &fourth);
    assert!(
        commands
            .iter()
            .any(|command| format!("{command:?}").contains("Invalidate")),
        "{commands:?}"
    );
    // One with the block's own stamp may be finishing its finalize: left alone.
    let same = Block {
        num_bytes: 10,
        ..block(6)
    };
    manager
        .block_report(
            &holders[0],
            &[ReportedReplica {
                block: same,
                finalized: false,
            }],
        )
        .unwrap();
    assert_eq!(manager.stats().corrupt_blocks, 0);
}

fn finalized(id: u64) -> ReportedReplica {
    ReportedReplica {
        block: block(id),
        finalized: true,
    }
}

#[test]
fn a_standby_queues_replicas_of_blocks_it_has_not_tailed_and_sends_no_commands() {
    let manager = manager();
    manager.set_standby(true);
    let nodes = add_nodes(&manager, 2);
    manager.block_report(&nodes[0], &[finalized(7)]).unwrap();
    manager.block_report(&nodes[0], &[finalized(7)]).unwrap();
    assert!(commands_for(&manager, &nodes[0]).is_empty());
    assert!(manager.locations(BlockId(7), "x").locations.is_empty());

    // The edit creating the block arrives: the queued report counts.
    manager.block_report(&nodes[1], &[finalized(70)]).unwrap();
    manager.sync_file_blocks(&[block(7)], 3, false);
    assert_eq!(
        manager.process_queued_reports(),
        1,
        "block 70 is still unknown"
    );
    assert_eq!(manager.locations(BlockId(7), "x").locations.len(), 1);

    // Under-replicated, yet a standby schedules no work.
    let round = manager.run_monitor(Instant::now());
    assert_eq!(round.transfers_scheduled, 0);
    assert!(commands_for(&manager, &nodes[0]).is_empty());
}

#[test]
fn a_standby_queues_a_replica_whose_generation_stamp_it_has_not_tailed() {
    let manager = manager();
    manager.set_standby(true);
    let nodes = add_nodes(&manager, 1);
    manager.sync_file_blocks(&[block(8)], 1, false);
    // An append reopened the block with a new generation stamp and a new length; the
    // replica's report overtakes the edit.
    let appended = Block {
        generation_stamp: GenerationStamp(block(8).generation_stamp.0 + 1),
        num_bytes: block(8).num_bytes + 500,
        ..block(8)
    };
    manager.block_received(&nodes[0], appended, true).unwrap();
    assert_eq!(
        manager.stats().corrupt_blocks,
        0,
        "not corrupt: from the future"
    );
    assert!(manager.locations(BlockId(8), "x").locations.is_empty());

    manager.sync_file_blocks(&[appended], 1, true);
    assert_eq!(manager.process_queued_reports(), 0);
    assert_eq!(manager.locations(BlockId(8), "x").locations.len(), 1);
    assert_eq!(manager.stats().corrupt_blocks, 0);
}

#[test]
fn a_standby_keeps_a_queued_finalized_replica_that_an_older_full_report_overtook() {
    let manager = manager();
    manager.set_standby(true);
    let nodes = add_nodes(&manager, 1);
    // The replica's finalize reaches the standby before the edit creating its
    // block, then a full report made while it was still being written.
    manager.block_received(&nodes[0], block(12), true).unwrap();
    manager
        .block_report(
            &nodes[0],
            &[ReportedReplica {
                block: block(12),
                finalized: false,
            }],
        )
        .unwrap();
    manager.sync_file_blocks(&[block(12)], 1, true);
    manager.process_queued_reports();
    assert!(
        manager.has_min_replicas(BlockId(12)),
        "the finalized replica counts"
    );
}

#[test]
fn a_new_active_postpones_excess_deletions_until_every_holder_reported() {
    let manager = manager();
    manager.set_standby(true);
    let nodes = add_nodes(&manager, 3);
    manager.sync_file_blocks(&[block(5)], 1, false);
    for node in &nodes {
        manager.block_report(node, &[finalized(5)]).unwrap();
    }
    manager.set_standby(false);
    let round = manager.run_monitor(Instant::now());
    assert_eq!(round.replicas_to_delete, 0);
    assert_eq!(manager.postponed_misreplicated_blocks(), 1);

    for node in &nodes[..2] {
        manager.block_report(node, &[finalized(5)]).unwrap();
    }
    assert_eq!(manager.run_monitor(Instant::now()).replicas_to_delete, 0);
    manager.block_report(&nodes[2], &[finalized(5)]).unwrap();
    assert_eq!(manager.run_monitor(Instant::now()).replicas_to_delete, 2);
    assert_eq!(manager.postponed_misreplicated_blocks(), 0);
}

#[test]
fn a_standby_forgets_blocks_of_deleted_files_without_deleting_replicas() {
    let manager = manager();
    manager.set_standby(true);
    let nodes = add_nodes(&manager, 1);
    manager.sync_file_blocks(&[block(8)], 1, false);
    manager.block_report(&nodes[0], &[finalized(8)]).unwrap();
    manager.forget_blocks(&[block(8)]);
    assert!(manager.locations(BlockId(8), "x").locations.is_empty());
    manager.set_standby(false);
    assert!(commands_for(&manager, &nodes[0]).is_empty());
}

#[test]
fn an_appended_block_counts_the_replicas_at_its_new_stamp_only() {
    let manager = manager();
    add_nodes(&manager, 4);
    let holders = written_block(&manager, 7, 3);

    // Reopened: the holders are the pipeline, and no replica counts until
    // it is finalized again.
    let pipeline = manager.reopen_for_append(block(7), "127.0.0.1");
    let mut pipeline_uuids: Vec<DatanodeUuid> = pipeline
        .locations
        .iter()
        .map(|location| location.address.uuid.clone())
        .collect();
    pipeline_uuids.sort();
    let mut expected = holders.clone();
    expected.sort();
    assert_eq!(pipeline_uuids, expected);
    assert!(!manager.has_min_replicas(BlockId(7)));
    assert!(manager.last_block_state(BlockId(7)).written);

    // The append goes on without holders[2]; the others finalize at the new
    // stamp, a late report of holders[2]'s old replica is stale.
    let appended = Block {
        generation_stamp: GenerationStamp(1002),
        num_bytes: 1500,
        ..block(7)
    };
    manager.update_pipeline(BlockId(7), appended.generation_stamp, &holders[..2]);
    for holder in &holders[..2] {
        manager.block_received(holder, appended, true).unwrap();
    }
    manager.commit(appended);
    manager.block_report(&holders[2], &[finalized(7)]).unwrap();
    assert!(manager.has_min_replicas(BlockId(7)));
    let locations = manager.locations(BlockId(7), "127.0.0.1");
    assert_eq!(locations.locations.len(), 2);
    assert_eq!(locations.corrupt_replicas, 1);
}

#[test]
fn a_replica_left_out_of_a_recovered_pipeline_is_stale() {
    let manager = manager();
    add_nodes(&manager, 3);
    let holders = written_block(&manager, 8, 3);
    // Close recovery after every node finalized: holders[0] is dropped.
    manager.update_pipeline(BlockId(8), GenerationStamp(1002), &holders[1..]);
    let locations = manager.locations(BlockId(8), "127.0.0.1");
    assert_eq!(locations.locations.len(), 2);
    assert_eq!(locations.corrupt_replicas, 1);
}

#[test]
fn an_additional_datanode_joins_the_pipeline_after_the_existing_ones() {
    let manager = manager();
    let nodes = add_nodes(&manager, 4);
    let existing = [nodes[0].clone(), nodes[1].clone()];
    let excluded = [nodes[2].clone()];
    let pipeline = manager
        .choose_additional(&existing, &excluded, 1, None, 1000)
        .unwrap();
    let uuids: Vec<&DatanodeUuid> = pipeline.iter().map(|node| &node.address.uuid).collect();
    assert_eq!(uuids, [&nodes[0], &nodes[1], &nodes[3]]);

    let error = manager
        .choose_additional(&nodes[..3], &nodes[3..], 1, None, 1000)
        .unwrap_err();
    assert!(
        error
            .message
            .starts_with("Could not find 1 more datanode(s)"),
        "{error}"
    );
}

/// The counts as a walk of the whole block map makes them.
fn recount(state: &BlockState) -> counts::BlockCounts {
    let mut counts = counts::BlockCounts::default();
    for info in state
        .blocks
        .values()
        .filter(|info| !info.under_construction)
    {
        let readable = state.readable_replicas(info);
        counts.complete += 1;
        counts.safe += u64::from(readable >= state.min_replication);
        counts.missing += u64::from(readable == 0);
        counts.under_replicated +=
            u64::from(readable > 0 && state.live_replicas(info) < usize::from(info.replication));
        counts.corrupt += u64::from(!info.corrupt().is_empty());
    }
    counts
}

#[test]
fn counts_kept_as_blocks_change_match_a_full_recount() {
    let manager = manager();
    let nodes = add_nodes(&manager, 5);
    for id in 1..=40 {
        written_block(&manager, id, 3);
    }
    let check = |step: &str| {
        let state = manager.lock();
        assert_eq!(state.counts, recount(&state), "after {step}");
    };
    check("writes");
    assert_eq!(
        manager.lock().redundancy.len(),
        0,
        "healthy blocks are not queued"
    );
    manager.set_replication(&[block(1), block(2)], 5);
    manager.allocate(block(41), 3, 1000, None, &[]).unwrap();
    manager.remove_blocks(&[block(3)]);
    manager
        .report_bad_block(&nodes[0], block(4), "checksum")
        .unwrap();
    check("replication, allocation, deletion, a bad replica");

    // nodes[1] dies: its blocks are queued, urgent ones first.
    let later = Instant::now() + manager.config().dead_after() + Duration::from_secs(1);
    {
        let mut state = manager.lock();
        for node in state.nodes.iter_mut() {
            if node.address.uuid != nodes[1] {
                node.last_heartbeat = later;
            }
        }
    }
    let round = manager.run_monitor(later);
    assert_eq!(round.newly_dead, 1);
    check("a node's death");
    assert!(manager.stats().under_replicated > 0);

    manager.refresh_nodes(&ExcludedHosts::parse("127.0.0.4"));
    check("a decommission");
    let counts = manager.safe_mode_counts();
    assert_eq!(
        counts.total_blocks, 39,
        "41 blocks, 1 removed, 1 being written"
    );
}
