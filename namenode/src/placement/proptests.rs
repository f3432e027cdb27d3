//! Property tests of block placement on random topologies: racks of nodes of which some are
//! full, busy or not usable (dead or decommissioning), replication factors 1 to 5, writers on a
//! DataNode or elsewhere.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

const BLOCK_SIZE: u64 = 128 * 1024 * 1024;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

/// One node's state before it gets its rack and index.
fn node_state() -> impl Strategy<Value = (u64, u32, bool)> {
    let remaining = prop_oneof![
        1 => Just(0),
        1 => Just(BLOCK_SIZE - 1),
        1 => Just(BLOCK_SIZE),
        4 => BLOCK_SIZE..100 * BLOCK_SIZE,
    ];
    let xceivers = prop_oneof![4 => 0..8u32, 1 => 20..60u32];
    let usable = prop::bool::weighted(0.85);
    (remaining, xceivers, usable)
}

/// 1-4 racks of 1-5 nodes, indexes with gaps, slice order shuffled.
fn topology() -> impl Strategy<Value = Vec<CandidateNode>> {
    prop::collection::vec(prop::collection::vec(node_state(), 1..=5), 1..=4)
        .prop_map(|racks| {
            let mut nodes = Vec::new();
            for (rack, states) in racks.into_iter().enumerate() {
                for (remaining, xceivers, usable) in states {
                    let index = 3 * nodes.len() + 7;
                    nodes.push(CandidateNode {
                        index,
                        host: format!("10.0.{rack}.{index}"),
                        rack: format!("/r{rack}"),
                        remaining,
                        xceivers,
                        usable,
                    });
                }
            }
            nodes
        })
        .prop_shuffle()
}

/// Who writes: no one known, a host that is no DataNode, or the host of the node at a position.
#[derive(Clone, Debug)]
enum Writer {
    None,
    OffCluster,
    OnNode(prop::sample::Index),
}

fn writer() -> impl Strategy<Value = Writer> {
    prop_oneof![
        1 => Just(Writer::None),
        1 => Just(Writer::OffCluster),
        2 => any::<prop::sample::Index>().prop_map(Writer::OnNode),
    ]
}

impl Writer {
    fn node<'a>(&self, nodes: &'a [CandidateNode]) -> Option<&'a CandidateNode> {
        match self {
            Self::OnNode(position) => Some(&nodes[position.index(nodes.len())]),
            Self::None | Self::OffCluster => None,
        }
    }

    fn host<'a>(&self, nodes: &'a [CandidateNode]) -> Option<&'a str> {
        match self {
            Self::None => None,
            Self::OffCluster => Some("client.example.com"),
            Self::OnNode(_) => self.node(nodes).map(|node| node.host.as_str()),
        }
    }
}

fn lookup(nodes: &[CandidateNode], index: NodeIndex) -> &CandidateNode {
    nodes
        .iter()
        .find(|node| node.index == index)
        .expect("targets are known nodes")
}

fn per_rack<'a>(nodes: &'a [CandidateNode], indexes: &[NodeIndex]) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for &index in indexes {
        *counts
            .entry(lookup(nodes, index).rack.as_str())
            .or_default() += 1;
    }
    counts
}

/// Usable with room for the block.
fn has_room(node: &CandidateNode) -> bool {
    node.usable && node.remaining >= BLOCK_SIZE
}

/// With room and not busy under the default policy (load above twice the usable nodes'
/// average, when that average is not zero).
fn is_good(node: &CandidateNode, nodes: &[CandidateNode]) -> bool {
    let loads: Vec<f64> = nodes
        .iter()
        .filter(|node| node.usable)
        .map(|node| f64::from(node.xceivers))
        .collect();
    let average = loads.iter().sum::<f64>() / loads.len().max(1) as f64;
    let busy = average > 0.0 && f64::from(node.xceivers) > 2.0 * average;
    has_room(node) && !busy
}

fn racks_with_good_nodes(nodes: &[CandidateNode]) -> HashSet<&str> {
    nodes
        .iter()
        .filter(|node| is_good(node, nodes))
        .map(|node| node.rack.as_str())
        .collect()
}

fn usable_racks(nodes: &[CandidateNode]) -> usize {
    nodes
        .iter()
        .filter(|node| node.usable)
        .map(|node| node.rack.as_str())
        .collect::<HashSet<_>>()
        .len()
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the cluster: distinct, eligible targets, never more than asked, the per-rack
    /// limit kept, and fewer targets only when no node qualifies. Replication goes beyond 5
    /// here so that the per-rack limit binds more often.
    #[test]
    fn targets_are_distinct_eligible_and_within_the_rack_limit(
        nodes in topology(),
        replication in 1..=8usize,
        writer in writer(),
        roles in prop::collection::vec(0..10u8, 20),
        seed in any::<u64>(),
    ) {
        // Role 0: holds a replica already (up to replication - 1 nodes); role 1: excluded.
        let with_role = |role: u8| {
            nodes
                .iter()
                .zip(&roles)
                .filter(move |(_, node_role)| **node_role == role)
                .map(|(node, _)| node.index)
        };
        let existing: Vec<NodeIndex> = with_role(0).take(replication - 1).collect();
        let excluded: Vec<NodeIndex> = with_role(1).collect();
        let additional = replication - existing.len();
        let mut rng = StdRng::seed_from_u64(seed);
        let targets = PlacementPolicy::default().choose_targets(
            additional,
            writer.host(&nodes),
            &existing,
            &excluded,
            &nodes,
            BLOCK_SIZE,
            &mut rng,
        );

        prop_assert!(targets.len() <= additional);
        prop_assert_eq!(targets.iter().collect::<HashSet<_>>().len(), targets.len());
        for &target in &targets {
            prop_assert!(!existing.contains(&target) && !excluded.contains(&target));
            prop_assert!(has_room(lookup(&nodes, target)), "{target} has no room");
        }
        let racks = usable_racks(&nodes);
        if racks == 0 {
            prop_assert!(targets.is_empty());
            return Ok(());
        }
        let limit = (replication - 1) / racks + 2;
        let placed: Vec<NodeIndex> = existing.iter().chain(&targets).copied().collect();
        let existing_per_rack = per_rack(&nodes, &existing);
        let placed_per_rack = per_rack(&nodes, &placed);
        for (rack, &count) in &placed_per_rack {
            if count > existing_per_rack.get(rack).copied().unwrap_or(0) {
                prop_assert!(count <= limit, "{rack} holds {count} > {limit}: {targets:?}");
            }
        }
        if targets.len() < additional {
            let left_out = nodes.iter().find(|node| {
                has_room(node)
                    && !placed.contains(&node.index)
                    && !excluded.contains(&node.index)
                    && placed_per_rack.get(node.rack.as_str()).copied().unwrap_or(0) < limit
            });
            prop_assert!(left_out.is_none(), "{left_out:?} left out of {targets:?}");
        }
    }

    /// A new block follows the rule: the writer's node first when it is a good DataNode, a
    /// second rack when another rack has room, the 3rd replica back on the 1st's rack when it
    /// has room; and the rack rule fsck checks holds for what placement produces.
    #[test]
    fn new_blocks_follow_the_rack_rule(
        nodes in topology(),
        replication in 1..=5usize,
        writer in writer(),
        seed in any::<u64>(),
    ) {
        let policy = PlacementPolicy::default();
        let mut rng = StdRng::seed_from_u64(seed);
        let targets = policy.choose_targets(
            replication,
            writer.host(&nodes),
            &[],
            &[],
            &nodes,
            BLOCK_SIZE,
            &mut rng,
        );
        let good_racks = racks_with_good_nodes(&nodes);
        let counts = per_rack(&nodes, &targets);

        let local = writer.node(&nodes).filter(|node| is_good(node, &nodes));
        if let Some(local) = local {
            prop_assert_eq!(targets.first(), Some(&local.index), "the writer's node leads");
        }
        // The 1st replica heads the pipeline unless the writer's node (not chosen) starts it.
        let first = match (&writer, local) {
            (_, Some(local)) => Some(local),
            (Writer::None | Writer::OffCluster, None) => targets.first().map(|&index| lookup(&nodes, index)),
            _ => None,
        };
        if replication >= 2 && good_racks.len() >= 2 {
            prop_assert!(counts.len() >= 2, "one rack for {targets:?}");
            if let Some(first) = first {
                prop_assert!(counts.keys().any(|&rack| rack != first.rack));
            }
        }
        if let Some(first) = first
            && replication >= 3
            && good_racks.len() >= 2
        {
            let rack_mates = nodes
                .iter()
                .filter(|node| node.rack == first.rack && is_good(node, &nodes))
                .count();
            if rack_mates >= 2 {
                prop_assert!(counts[first.rack.as_str()] >= 2, "{targets:?}");
                if replication == 3 {
                    prop_assert_eq!(counts.len(), 2, "{:?}", targets);
                }
            }
        }

        let satisfied = policy.is_placement_satisfied(&targets, &nodes);
        if counts.len() >= 2 || targets.len() < 2 || usable_racks(&nodes) < 2 {
            prop_assert!(satisfied, "{targets:?}");
        } else {
            prop_assert!(!satisfied, "{targets:?} on one rack of several");
            prop_assert!(good_racks.len() < 2, "placement had a second rack: {targets:?}");
        }
    }
}
