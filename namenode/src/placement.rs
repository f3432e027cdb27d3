//! Block placement: where new replicas of a block go, which replicas of an over-replicated block
//! to drop, and in which order a reader should try a block's replicas.
//!
//! Pure domain code: the caller passes a snapshot of the DataNodes as [`CandidateNode`]s and a
//! random number generator, so every decision is reproducible in tests.
//!
//! The rule for a new block (the design notes' variant of HDFS's default policy): the 1st
//! replica on the writer's node when the writer is a good DataNode, else on a random good node;
//! the 2nd on a good node of another rack; the 3rd on another good node of the 1st replica's
//! rack; further replicas on random good nodes. No rack ever holds more than
//! `(replicas - 1) / racks + 2` replicas of a block.

use std::collections::{HashMap, HashSet};

use common::topology::network_distance;
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

/// Identifies a DataNode within one placement request: [`CandidateNode::index`].
pub type NodeIndex = usize;

/// What placement needs to know of a DataNode.
#[derive(Clone, Debug)]
pub struct CandidateNode {
    /// How the caller names this node; unique among the nodes of one request.
    pub index: NodeIndex,
    /// Host name or IP, compared with the writer's and reader's hosts.
    pub host: String,
    /// Normalized network location, such as `/default-rack`.
    pub rack: String,
    /// Free space for block data, in bytes.
    pub remaining: u64,
    /// Active data transfer threads, the node's load.
    pub xceivers: u32,
    /// Alive and not decommissioning.
    pub usable: bool,
}

/// Tunables of block placement.
#[derive(Clone, Debug)]
pub struct PlacementPolicy {
    /// Avoid busy nodes: `dfs.namenode.redundancy.considerLoad`, default true.
    pub consider_load: bool,
    /// A node is busy above this many times the average load of usable nodes:
    /// `dfs.namenode.redundancy.considerLoad.factor`, default 2.0.
    pub load_factor: f64,
}

impl Default for PlacementPolicy {
    /// Hadoop's defaults: consider load, with a factor of 2.
    fn default() -> Self {
        Self {
            consider_load: true,
            load_factor: 2.0,
        }
    }
}

impl PlacementPolicy {
    /// Targets for `additional` more replicas of a block that already has replicas on
    /// `existing`.
    ///
    /// `writer` is the writing client's host when the writer runs on a DataNode host (matched
    /// against [`CandidateNode::host`]). Never returns an excluded, existing or unusable node, a
    /// node with less than `block_size` remaining, or the same node twice. When the rule cannot
    /// be met it is relaxed as HDFS does: any good node, then any usable node with enough
    /// space; fewer targets are returned only when no node qualifies at all (the per-rack limit
    /// is never relaxed).
    ///
    /// The targets are ordered as a write pipeline: starting from the writer (or, with no
    /// writer, from the first target), each next node is the nearest remaining one by network
    /// distance, ties broken by index.
    #[allow(clippy::too_many_arguments)]
    pub fn choose_targets(
        &self,
        additional: usize,
        writer: Option<&str>,
        existing: &[NodeIndex],
        excluded: &[NodeIndex],
        nodes: &[CandidateNode],
        block_size: u64,
        rng: &mut impl Rng,
    ) -> Vec<NodeIndex> {
        let usable_racks: HashSet<&str> = nodes
            .iter()
            .filter(|node| node.usable)
            .map(|node| node.rack.as_str())
            .collect();
        if additional == 0 || usable_racks.is_empty() {
            return Vec::new();
        }
        let by_index = index_nodes(nodes);
        let total_replicas = existing.len() + additional;
        let mut selection = Selection {
            nodes,
            block_size,
            max_replicas_per_rack: (total_replicas - 1) / usable_racks.len() + 2,
            max_xceivers: self.max_xceivers(nodes),
            unavailable: excluded.iter().chain(existing).copied().collect(),
            replicas_per_rack: HashMap::new(),
            placed: Vec::new(),
        };
        for index in existing {
            if let Some(node) = by_index.get(index) {
                selection.place(node);
            }
        }
        let first_new = selection.placed.len();

        let writer_nodes: Vec<&CandidateNode> = match writer {
            Some(writer_host) => nodes
                .iter()
                .filter(|node| node.host == writer_host)
                .collect(),
            None => Vec::new(),
        };
        for _ in 0..additional {
            let Some(target) = selection.choose_next(&writer_nodes, rng) else {
                break;
            };
            selection.place(target);
        }

        let targets = selection.placed.split_off(first_new);
        let writer_location = writer_nodes
            .first()
            .map(|node| (node.host.as_str(), node.rack.as_str()));
        order_as_pipeline(writer_location, targets)
    }

    /// Which `count` replicas to remove from an over-replicated block.
    ///
    /// Keeps the rack spread, HDFS's rule: while some rack holds more than one replica, only
    /// such racks lose one; among the candidates the node with the least remaining space goes
    /// first (ties by index). Replicas on nodes absent from `nodes` are never chosen.
    pub fn choose_excess_replicas(
        &self,
        replicas: &[NodeIndex],
        nodes: &[CandidateNode],
        count: usize,
    ) -> Vec<NodeIndex> {
        let by_index = index_nodes(nodes);
        let mut kept: Vec<&CandidateNode> = replicas
            .iter()
            .filter_map(|index| by_index.get(index).copied())
            .collect();
        debug_assert!(
            kept.iter()
                .map(|node| node.index)
                .collect::<HashSet<_>>()
                .len()
                == kept.len(),
            "duplicate replica nodes"
        );
        let mut replicas_per_rack: HashMap<&str, usize> = HashMap::new();
        for node in &kept {
            *replicas_per_rack.entry(node.rack.as_str()).or_default() += 1;
        }

        let mut removed = Vec::with_capacity(count.min(kept.len()));
        while removed.len() < count && !kept.is_empty() {
            let shares_rack = |node: &CandidateNode| replicas_per_rack[node.rack.as_str()] > 1;
            let some_rack_shared = kept.iter().any(|node| shares_rack(node));
            let Some((position, victim)) = kept
                .iter()
                .enumerate()
                .filter(|(_, node)| !some_rack_shared || shares_rack(node))
                .min_by_key(|(_, node)| (node.remaining, node.index))
                .map(|(position, node)| (position, *node))
            else {
                break;
            };
            kept.remove(position);
            if let Some(on_rack) = replicas_per_rack.get_mut(victim.rack.as_str()) {
                *on_rack -= 1;
            }
            removed.push(victim.index);
        }
        removed
    }

    /// Sorts replica locations for a reader: the reader's own node first, then nodes of its
    /// rack, then the others; random order within each distance class (spreads the load),
    /// deterministic given `rng`. Locations absent from `nodes` go last.
    pub fn sort_for_reader(
        &self,
        reader_host: &str,
        reader_rack: &str,
        locations: &mut [NodeIndex],
        nodes: &[CandidateNode],
        rng: &mut impl Rng,
    ) {
        let by_index = index_nodes(nodes);
        locations.shuffle(rng);
        locations.sort_by_cached_key(|index| match by_index.get(index) {
            Some(node) => network_distance(reader_host, reader_rack, &node.host, &node.rack),
            None => u32::MAX,
        });
    }

    /// Whether replicas on these nodes satisfy the rack rule (fsck's mis-replicated count):
    /// they span at least 2 racks when the usable nodes span more than one rack and the block
    /// has at least 2 replicas on known nodes.
    pub fn is_placement_satisfied(&self, replicas: &[NodeIndex], nodes: &[CandidateNode]) -> bool {
        let usable_racks: HashSet<&str> = nodes
            .iter()
            .filter(|node| node.usable)
            .map(|node| node.rack.as_str())
            .collect();
        let by_index = index_nodes(nodes);
        let replica_nodes: Vec<&CandidateNode> = replicas
            .iter()
            .filter_map(|index| by_index.get(index).copied())
            .collect();
        let replica_racks: HashSet<&str> = replica_nodes
            .iter()
            .map(|node| node.rack.as_str())
            .collect();
        additional_racks_required(replica_racks.len(), replica_nodes.len(), usable_racks.len()) == 0
    }

    /// The load above which a node is busy, or `None` when load does not matter.
    fn max_xceivers(&self, nodes: &[CandidateNode]) -> Option<f64> {
        if !self.consider_load {
            return None;
        }
        let usable_loads: Vec<f64> = nodes
            .iter()
            .filter(|node| node.usable)
            .map(|node| f64::from(node.xceivers))
            .collect();
        if usable_loads.is_empty() {
            return None;
        }
        let average_load = usable_loads.iter().sum::<f64>() / usable_loads.len() as f64;
        if average_load == 0.0 {
            return None;
        }
        Some(self.load_factor * average_load)
    }
}

/// The nodes by their index.
/// Hadoop's `BlockPlacementStatusDefault` for the default policy: how many more racks a
/// block's replicas must reach. A block of `replication` 2 or more must span 2 racks on a
/// cluster with several racks (or every rack it has); one rack needs nothing. fsck's
/// mis-replicated count and the NameNode's own checks share this one rule.
pub fn additional_racks_required(
    replica_racks: usize,
    replication: usize,
    cluster_racks: usize,
) -> usize {
    if cluster_racks < 2 {
        return 0;
    }
    let required_racks = replication.min(2);
    if replica_racks >= required_racks || replica_racks >= cluster_racks {
        return 0;
    }
    required_racks - replica_racks
}

fn index_nodes(nodes: &[CandidateNode]) -> HashMap<NodeIndex, &CandidateNode> {
    let by_index: HashMap<NodeIndex, &CandidateNode> =
        nodes.iter().map(|node| (node.index, node)).collect();
    debug_assert_eq!(by_index.len(), nodes.len(), "duplicate node index");
    by_index
}

/// Orders targets as a write pipeline: from `start` (else from the first target), repeatedly
/// the nearest remaining target, ties broken by index.
fn order_as_pipeline(
    start: Option<(&str, &str)>,
    mut remaining: Vec<&CandidateNode>,
) -> Vec<NodeIndex> {
    let mut pipeline = Vec::with_capacity(remaining.len());
    let (mut current_host, mut current_rack) = match start {
        Some(location) => location,
        None => {
            if remaining.is_empty() {
                return pipeline;
            }
            let first = remaining.remove(0);
            pipeline.push(first.index);
            (first.host.as_str(), first.rack.as_str())
        }
    };
    while let Some((position, _)) = remaining.iter().enumerate().min_by_key(|(_, node)| {
        let distance = network_distance(current_host, current_rack, &node.host, &node.rack);
        (distance, node.index)
    }) {
        let next = remaining.remove(position);
        pipeline.push(next.index);
        (current_host, current_rack) = (next.host.as_str(), next.rack.as_str());
    }
    pipeline
}

/// Where a replica should go, by rack.
#[derive(Clone, Copy, Debug)]
enum RackScope<'a> {
    Anywhere,
    OnRack(&'a str),
    OffRack(&'a str),
}

impl RackScope<'_> {
    fn admits(self, rack: &str) -> bool {
        match self {
            Self::Anywhere => true,
            Self::OnRack(wanted) => rack == wanted,
            Self::OffRack(avoided) => rack != avoided,
        }
    }
}

/// How demanding the choice of a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fitness {
    /// Usable, with enough space, and not busy (when load is considered).
    Good,
    /// Usable, with enough space.
    EnoughSpace,
}

/// One block's replicas as targets are added, with what decides the next one.
struct Selection<'a> {
    nodes: &'a [CandidateNode],
    block_size: u64,
    max_replicas_per_rack: usize,
    /// Nodes above this load are busy; `None` when load does not matter.
    max_xceivers: Option<f64>,
    /// Excluded nodes and nodes already holding a replica (existing or chosen).
    unavailable: HashSet<NodeIndex>,
    replicas_per_rack: HashMap<&'a str, usize>,
    /// Known existing replicas, then the chosen targets, in order.
    placed: Vec<&'a CandidateNode>,
}

impl<'a> Selection<'a> {
    fn place(&mut self, node: &'a CandidateNode) {
        self.unavailable.insert(node.index);
        *self
            .replicas_per_rack
            .entry(node.rack.as_str())
            .or_default() += 1;
        self.placed.push(node);
    }

    /// The next target by the rule, relaxed as needed; `None` when no node qualifies.
    fn choose_next(
        &self,
        writer_nodes: &[&'a CandidateNode],
        rng: &mut impl Rng,
    ) -> Option<&'a CandidateNode> {
        let preferred_scope = match self.placed.as_slice() {
            [] => {
                let local_nodes: Vec<&'a CandidateNode> = writer_nodes
                    .iter()
                    .copied()
                    .filter(|node| self.qualifies(node, RackScope::Anywhere, Fitness::Good))
                    .collect();
                if let Some(local) = local_nodes.choose(rng) {
                    return Some(*local);
                }
                RackScope::Anywhere
            }
            [first, rest @ ..] if rest.iter().all(|node| node.rack == first.rack) => {
                RackScope::OffRack(&first.rack)
            }
            [first, _second] => RackScope::OnRack(&first.rack),
            _ => RackScope::Anywhere,
        };
        self.choose_random(preferred_scope, Fitness::Good, rng)
            .or_else(|| self.choose_random(RackScope::Anywhere, Fitness::Good, rng))
            .or_else(|| self.choose_random(RackScope::Anywhere, Fitness::EnoughSpace, rng))
    }

    fn choose_random(
        &self,
        scope: RackScope<'_>,
        fitness: Fitness,
        rng: &mut impl Rng,
    ) -> Option<&'a CandidateNode> {
        let candidates: Vec<&'a CandidateNode> = self
            .nodes
            .iter()
            .filter(|node| self.qualifies(node, scope, fitness))
            .collect();
        candidates.choose(rng).copied()
    }

    fn qualifies(&self, node: &CandidateNode, scope: RackScope<'_>, fitness: Fitness) -> bool {
        if !node.usable || node.remaining < self.block_size {
            return false;
        }
        if self.unavailable.contains(&node.index) || !scope.admits(&node.rack) {
            return false;
        }
        let rack_replicas = self
            .replicas_per_rack
            .get(node.rack.as_str())
            .copied()
            .unwrap_or(0);
        if rack_replicas >= self.max_replicas_per_rack {
            return false;
        }
        let busy = self
            .max_xceivers
            .is_some_and(|max_xceivers| f64::from(node.xceivers) > max_xceivers);
        fitness == Fitness::EnoughSpace || !busy
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    const BLOCK_SIZE: u64 = 128 * 1024 * 1024;
    const PLENTY: u64 = 100 * BLOCK_SIZE;
    const ITERATIONS: u64 = 2000;

    fn node(index: NodeIndex, rack: &str) -> CandidateNode {
        CandidateNode {
            index,
            host: format!("host{index}"),
            rack: rack.to_string(),
            remaining: PLENTY,
            xceivers: 4,
            usable: true,
        }
    }

    /// `racks[r]` good nodes on rack `/r{r}`, indexed in order.
    fn cluster(racks: &[usize]) -> Vec<CandidateNode> {
        let mut nodes = Vec::new();
        for (rack, &count) in racks.iter().enumerate() {
            for _ in 0..count {
                nodes.push(node(nodes.len(), &format!("/r{rack}")));
            }
        }
        nodes
    }

    /// 1-5 racks of 1-6 nodes with random space, load and usability; some indexes skipped
    /// and the slice shuffled, so positions and indexes differ.
    fn random_cluster(rng: &mut StdRng) -> Vec<CandidateNode> {
        let mut nodes = Vec::new();
        let mut index = 0;
        for rack in 0..rng.random_range(1..=5) {
            for _ in 0..rng.random_range(1..=6) {
                index += rng.random_range(1..=2);
                nodes.push(CandidateNode {
                    index,
                    host: format!("10.0.{rack}.{index}"),
                    rack: format!("/r{rack}"),
                    remaining: match rng.random_range(0..6) {
                        0 => 0,
                        1 => BLOCK_SIZE - 1,
                        2 => BLOCK_SIZE,
                        _ => rng.random_range(BLOCK_SIZE..PLENTY),
                    },
                    xceivers: match rng.random_range(0..4) {
                        0 => rng.random_range(20..60),
                        _ => rng.random_range(0..8),
                    },
                    usable: rng.random_bool(0.8),
                });
            }
        }
        nodes.shuffle(rng);
        nodes
    }

    fn random_subset(rng: &mut StdRng, nodes: &[CandidateNode], probability: f64) -> Vec<usize> {
        nodes
            .iter()
            .filter(|_| rng.random_bool(probability))
            .map(|node| node.index)
            .collect()
    }

    fn lookup(nodes: &[CandidateNode], index: NodeIndex) -> &CandidateNode {
        nodes.iter().find(|node| node.index == index).unwrap()
    }

    fn racks_of(nodes: &[CandidateNode], indexes: &[NodeIndex]) -> HashSet<String> {
        indexes
            .iter()
            .map(|&index| lookup(nodes, index).rack.clone())
            .collect()
    }

    fn count_racks(nodes: &[CandidateNode], indexes: &[NodeIndex]) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for &index in indexes {
            *counts.entry(lookup(nodes, index).rack.clone()).or_default() += 1;
        }
        counts
    }

    fn distance(a: &CandidateNode, b: &CandidateNode) -> u32 {
        network_distance(&a.host, &a.rack, &b.host, &b.rack)
    }

    /// The pipeline property: every next node is a nearest remaining one, lowest index first.
    fn assert_pipeline_order(
        nodes: &[CandidateNode],
        writer: Option<&CandidateNode>,
        targets: &[NodeIndex],
    ) {
        let mut previous = writer;
        for (position, &index) in targets.iter().enumerate() {
            let current = lookup(nodes, index);
            if let Some(previous) = previous {
                for &later in &targets[position + 1..] {
                    let later = lookup(nodes, later);
                    let key = |node| (distance(previous, node), node.index);
                    assert!(
                        key(current) < key(later),
                        "pipeline {targets:?}: {index} placed before nearer {}",
                        later.index
                    );
                }
            }
            previous = Some(current);
        }
    }

    #[test]
    fn random_clusters_never_get_bad_targets() {
        let policy = PlacementPolicy::default();
        let (mut fully_placed, mut partly_placed) = (0, 0);
        for seed in 0..ITERATIONS {
            let mut rng = StdRng::seed_from_u64(seed);
            let nodes = random_cluster(&mut rng);
            let existing = random_subset(&mut rng, &nodes, 0.15);
            let excluded: Vec<NodeIndex> = random_subset(&mut rng, &nodes, 0.1)
                .into_iter()
                .filter(|index| !existing.contains(index))
                .collect();
            let additional = rng.random_range(0..=8);
            let writer_node = nodes[rng.random_range(0..nodes.len())].clone();
            let writer = rng.random_bool(0.5).then_some(writer_node.host.as_str());

            let targets = policy.choose_targets(
                additional, writer, &existing, &excluded, &nodes, BLOCK_SIZE, &mut rng,
            );

            let context = format!("seed {seed}: targets {targets:?}, nodes {nodes:?}");
            assert!(targets.len() <= additional, "{context}");
            let distinct: HashSet<NodeIndex> = targets.iter().copied().collect();
            assert_eq!(distinct.len(), targets.len(), "duplicate target, {context}");
            for &target in &targets {
                let target_node = lookup(&nodes, target);
                assert!(!excluded.contains(&target), "excluded target, {context}");
                assert!(!existing.contains(&target), "existing target, {context}");
                assert!(target_node.usable, "unusable target, {context}");
                assert!(
                    target_node.remaining >= BLOCK_SIZE,
                    "full target, {context}"
                );
            }

            let usable_racks: HashSet<&str> = nodes
                .iter()
                .filter(|node| node.usable)
                .map(|node| node.rack.as_str())
                .collect();
            if !usable_racks.is_empty() && additional > 0 {
                let max_per_rack = (existing.len() + additional - 1) / usable_racks.len() + 2;
                let existing_per_rack = count_racks(&nodes, &existing);
                let all: Vec<NodeIndex> = existing.iter().chain(&targets).copied().collect();
                for (rack, count) in count_racks(&nodes, &all) {
                    let existing_count = existing_per_rack.get(&rack).copied().unwrap_or(0);
                    if count > existing_count {
                        assert!(count <= max_per_rack, "rack {rack} over cap, {context}");
                    }
                }
                if targets.len() < additional {
                    let per_rack = count_racks(&nodes, &all);
                    let still_eligible = nodes.iter().find(|node| {
                        node.usable
                            && node.remaining >= BLOCK_SIZE
                            && !all.contains(&node.index)
                            && !excluded.contains(&node.index)
                            && per_rack.get(&node.rack).copied().unwrap_or(0) < max_per_rack
                    });
                    assert!(
                        still_eligible.is_none(),
                        "{still_eligible:?} left out, {context}"
                    );
                }
            }

            let writer_location = writer.map(|_| &writer_node);
            assert_pipeline_order(&nodes, writer_location, &targets);
            if additional > 0 && targets.len() == additional {
                fully_placed += 1;
            } else if !targets.is_empty() {
                partly_placed += 1;
            }
        }
        // The generator exercises both the rule and its exhaustion.
        assert!(fully_placed > ITERATIONS / 4, "{fully_placed} fully placed");
        assert!(
            partly_placed > ITERATIONS / 20,
            "{partly_placed} partly placed"
        );
    }

    #[test]
    fn three_replicas_span_exactly_two_racks_with_the_third_on_the_first_rack() {
        let policy = PlacementPolicy::default();
        for seed in 0..ITERATIONS {
            let mut rng = StdRng::seed_from_u64(seed);
            let rack_sizes: Vec<usize> = (0..rng.random_range(2..=5))
                .map(|_| rng.random_range(2..=6))
                .collect();
            let nodes = cluster(&rack_sizes);

            let targets = policy.choose_targets(3, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng);

            assert_eq!(targets.len(), 3, "seed {seed}");
            let per_rack = count_racks(&nodes, &targets);
            assert_eq!(per_rack.len(), 2, "seed {seed}: {targets:?}");
            // With no writer the pipeline starts at the 1st replica.
            let first_rack = &lookup(&nodes, targets[0]).rack;
            assert_eq!(per_rack[first_rack], 2, "seed {seed}: {targets:?}");
            // The 3rd replica, on the 1st's rack, is nearer to it than the 2nd.
            assert_eq!(&lookup(&nodes, targets[1]).rack, first_rack, "seed {seed}");
        }
    }

    #[test]
    fn three_racks_of_two_nodes_always_use_two_racks() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[2, 2, 2]);
        for seed in 0..ITERATIONS {
            let mut rng = StdRng::seed_from_u64(seed);
            let writer = nodes[rng.random_range(0..nodes.len())].host.clone();
            let writer = rng.random_bool(0.5).then_some(writer.as_str());
            let targets = policy.choose_targets(3, writer, &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(
                racks_of(&nodes, &targets).len(),
                2,
                "seed {seed}: {targets:?}"
            );
        }
    }

    #[test]
    fn first_replica_is_local_to_a_datanode_writer() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[3, 3, 3]);
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let writer = &nodes[rng.random_range(0..nodes.len())];
            let targets = policy.choose_targets(
                3,
                Some(&writer.host),
                &[],
                &[],
                &nodes,
                BLOCK_SIZE,
                &mut rng,
            );
            assert_eq!(targets[0], writer.index, "seed {seed}");
            let per_rack = count_racks(&nodes, &targets);
            assert_eq!(per_rack[&writer.rack], 2, "seed {seed}: {targets:?}");
            assert_eq!(per_rack.len(), 2, "seed {seed}: {targets:?}");
        }
    }

    #[test]
    fn writer_that_cannot_take_the_block_still_heads_the_pipeline_order() {
        let policy = PlacementPolicy::default();
        let mut nodes = cluster(&[3, 3]);
        nodes[0].remaining = BLOCK_SIZE - 1;
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let targets =
                policy.choose_targets(2, Some("host0"), &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(targets.len(), 2);
            assert!(!targets.contains(&0), "seed {seed}: {targets:?}");
            // A target on the writer's rack, if any, comes first.
            if targets.iter().any(|&index| nodes[index].rack == "/r0") {
                assert_eq!(nodes[targets[0]].rack, "/r0", "seed {seed}: {targets:?}");
            }
        }
    }

    #[test]
    fn unknown_writer_host_is_no_writer() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[2, 2]);
        let mut rng = StdRng::seed_from_u64(7);
        let targets = policy.choose_targets(
            3,
            Some("client.example.com"),
            &[],
            &[],
            &nodes,
            BLOCK_SIZE,
            &mut rng,
        );
        assert_eq!(targets.len(), 3);
        let first_rack = &nodes[targets[0]].rack;
        assert_eq!(count_racks(&nodes, &targets)[first_rack], 2);
    }

    #[test]
    fn single_rack_falls_back_to_any_node() {
        let policy = PlacementPolicy::default();
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let nodes = cluster(&[5]);
            let targets = policy.choose_targets(3, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(targets.len(), 3, "seed {seed}");
            assert_eq!(targets.iter().collect::<HashSet<_>>().len(), 3);

            let small = cluster(&[2]);
            let targets = policy.choose_targets(3, None, &[], &[], &small, BLOCK_SIZE, &mut rng);
            assert_eq!(
                targets.len(),
                2,
                "seed {seed}: too few nodes gives fewer targets"
            );
        }
    }

    #[test]
    fn busy_nodes_are_avoided_then_used_as_a_last_resort() {
        let mut nodes = cluster(&[4, 4]);
        for node in &mut nodes {
            node.xceivers = 1;
        }
        // Average load is (7 * 1 + 100) / 8 > 13, so node 5 is busy (factor 2) and the rest not.
        nodes[5].xceivers = 100;
        let policy = PlacementPolicy::default();
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let targets = policy.choose_targets(6, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(targets.len(), 6);
            assert!(!targets.contains(&5), "seed {seed}: {targets:?}");

            let targets = policy.choose_targets(8, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(
                targets.len(),
                8,
                "seed {seed}: the busy node is the last resort"
            );
        }

        let ignoring_load = PlacementPolicy {
            consider_load: false,
            ..PlacementPolicy::default()
        };
        let chosen_busy = (0..200).any(|seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            ignoring_load
                .choose_targets(3, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng)
                .contains(&5)
        });
        assert!(
            chosen_busy,
            "without considerLoad the busy node is a candidate"
        );
    }

    #[test]
    fn zero_average_load_lets_every_node_pass() {
        let mut nodes = cluster(&[1, 1]);
        for node in &mut nodes {
            node.xceivers = 0;
        }
        let mut rng = StdRng::seed_from_u64(1);
        let targets =
            PlacementPolicy::default().choose_targets(2, None, &[], &[], &nodes, 1, &mut rng);
        assert_eq!(targets.len(), 2);
    }

    #[test]
    fn nothing_to_choose_gives_no_targets() {
        let policy = PlacementPolicy::default();
        let mut rng = StdRng::seed_from_u64(3);
        let nodes = cluster(&[2, 2]);
        assert!(
            policy
                .choose_targets(0, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng)
                .is_empty()
        );
        assert!(
            policy
                .choose_targets(3, None, &[], &[], &[], BLOCK_SIZE, &mut rng)
                .is_empty()
        );

        let mut unusable = nodes.clone();
        for node in &mut unusable {
            node.usable = false;
        }
        assert!(
            policy
                .choose_targets(3, None, &[], &[], &unusable, BLOCK_SIZE, &mut rng)
                .is_empty()
        );

        let everyone: Vec<NodeIndex> = nodes.iter().map(|node| node.index).collect();
        assert!(
            policy
                .choose_targets(3, None, &[], &everyone, &nodes, BLOCK_SIZE, &mut rng)
                .is_empty()
        );
        assert!(
            policy
                .choose_targets(3, None, &everyone, &[], &nodes, BLOCK_SIZE, &mut rng)
                .is_empty()
        );
        assert!(
            policy
                .choose_targets(3, None, &[], &[], &nodes, PLENTY + 1, &mut rng)
                .is_empty()
        );
    }

    #[test]
    fn re_replication_continues_the_pattern() {
        let policy = PlacementPolicy::default();
        // Racks /r0: 0-3, /r1: 4-7, /r2: 8-11.
        let nodes = cluster(&[4, 4, 4]);
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut choose = |existing: &[NodeIndex]| {
                policy.choose_targets(1, None, existing, &[], &nodes, BLOCK_SIZE, &mut rng)
            };

            let one_replica = choose(&[1]);
            assert_ne!(
                nodes[one_replica[0]].rack, "/r0",
                "seed {seed}: off the only rack"
            );

            let same_rack = choose(&[1, 2]);
            assert_ne!(
                nodes[same_rack[0]].rack, "/r0",
                "seed {seed}: off the shared rack"
            );

            let all_on_one_rack = choose(&[0, 1, 2]);
            assert_ne!(nodes[all_on_one_rack[0]].rack, "/r0", "seed {seed}");

            let two_racks = choose(&[5, 1]);
            assert_eq!(
                nodes[two_racks[0]].rack, "/r1",
                "seed {seed}: first replica's rack"
            );
            let two_racks = choose(&[1, 5]);
            assert_eq!(
                nodes[two_racks[0]].rack, "/r0",
                "seed {seed}: first replica's rack"
            );
        }
    }

    #[test]
    fn re_replication_leaves_the_first_rack_when_it_has_no_room() {
        let policy = PlacementPolicy::default();
        // /r0 holds only node 0; /r1: 1-3; /r2: 4-6.
        let nodes = cluster(&[1, 3, 3]);
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let targets =
                policy.choose_targets(1, None, &[0, 1], &[], &nodes, BLOCK_SIZE, &mut rng);
            assert_eq!(targets.len(), 1, "seed {seed}");
            assert_ne!(targets[0], 0);
        }
    }

    #[test]
    fn per_rack_cap_limits_further_replicas() {
        let policy = PlacementPolicy::default();
        // 8 replicas over 2 racks: at most (8 - 1) / 2 + 2 = 5 per rack, and /r1 has 1 node.
        let nodes = cluster(&[10, 1]);
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let targets = policy.choose_targets(8, None, &[], &[], &nodes, BLOCK_SIZE, &mut rng);
            let per_rack = count_racks(&nodes, &targets);
            assert_eq!(per_rack["/r0"], 5, "seed {seed}: {targets:?}");
            assert_eq!(per_rack["/r1"], 1, "seed {seed}: {targets:?}");
        }
    }

    #[test]
    fn pipeline_follows_network_distance() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[3, 3, 3]);
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let writer = &nodes[rng.random_range(0..nodes.len())];
            let targets = policy.choose_targets(
                5,
                Some(&writer.host),
                &[],
                &[],
                &nodes,
                BLOCK_SIZE,
                &mut rng,
            );
            assert_eq!(targets.len(), 5);
            assert_pipeline_order(&nodes, Some(writer), &targets);
            // Racks are contiguous in the pipeline: no rack is left and re-entered.
            let racks: Vec<&str> = targets
                .iter()
                .map(|&index| nodes[index].rack.as_str())
                .collect();
            let mut seen = HashSet::new();
            for pair in racks.windows(2) {
                if pair[0] != pair[1] {
                    assert!(seen.insert(pair[0]), "seed {seed}: {racks:?}");
                    assert!(!seen.contains(pair[1]), "seed {seed}: {racks:?}");
                }
            }
        }
    }

    #[test]
    fn pipeline_ties_are_broken_by_index() {
        let nodes = cluster(&[3]);
        let targets = vec![&nodes[2], &nodes[0], &nodes[1]];
        assert_eq!(order_as_pipeline(None, targets.clone()), vec![2, 0, 1]);
        assert_eq!(
            order_as_pipeline(Some(("elsewhere", "/r0")), targets),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn excess_replicas_come_from_crowded_racks_least_space_first() {
        let policy = PlacementPolicy::default();
        let mut nodes = cluster(&[3, 1, 2]);
        // /r0: 0, 1, 2; /r1: 3; /r2: 4, 5.
        nodes[1].remaining = 10;
        nodes[4].remaining = 5;
        nodes[3].remaining = 1;
        let replicas = [0, 1, 2, 3, 4, 5];
        assert_eq!(policy.choose_excess_replicas(&replicas, &nodes, 1), vec![4]);
        assert_eq!(
            policy.choose_excess_replicas(&replicas, &nodes, 2),
            vec![4, 1]
        );
        // Then /r0 still holds 2: node 0 (index tie-break with 2), then each rack holds one.
        assert_eq!(
            policy.choose_excess_replicas(&replicas, &nodes, 3),
            vec![4, 1, 0]
        );
        assert_eq!(
            policy.choose_excess_replicas(&replicas, &nodes, 4),
            vec![4, 1, 0, 3]
        );
        assert_eq!(policy.choose_excess_replicas(&replicas, &nodes, 9).len(), 6);
        assert!(
            policy
                .choose_excess_replicas(&replicas, &nodes, 0)
                .is_empty()
        );
        assert!(policy.choose_excess_replicas(&[99], &nodes, 1).is_empty());
    }

    #[test]
    fn excess_removal_keeps_two_racks() {
        let policy = PlacementPolicy::default();
        for seed in 0..ITERATIONS {
            let mut rng = StdRng::seed_from_u64(seed);
            let nodes = random_cluster(&mut rng);
            let replicas = random_subset(&mut rng, &nodes, 0.6);
            if racks_of(&nodes, &replicas).len() < 2 {
                continue;
            }
            let count = rng.random_range(0..=replicas.len() - 2);
            let removed = policy.choose_excess_replicas(&replicas, &nodes, count);
            assert_eq!(removed.len(), count, "seed {seed}");
            assert!(removed.iter().all(|index| replicas.contains(index)));
            assert_eq!(removed.iter().collect::<HashSet<_>>().len(), count);
            let kept: Vec<NodeIndex> = replicas
                .iter()
                .copied()
                .filter(|index| !removed.contains(index))
                .collect();
            assert!(
                racks_of(&nodes, &kept).len() >= 2,
                "seed {seed}: kept {kept:?}"
            );
            assert!(policy.is_placement_satisfied(&kept, &nodes) || kept.len() < 2);
        }
    }

    #[test]
    fn readers_get_the_nearest_replicas_first() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[3, 3, 3]);
        let reader = &nodes[4];
        let mut orders = HashSet::new();
        for seed in 0..200 {
            let mut locations: Vec<NodeIndex> = vec![0, 1, 3, 4, 5, 6, 8];
            let mut rng = StdRng::seed_from_u64(seed);
            policy.sort_for_reader(&reader.host, &reader.rack, &mut locations, &nodes, &mut rng);
            assert_eq!(locations[0], 4, "seed {seed}: {locations:?}");
            let same_rack: HashSet<_> = locations[1..3].iter().copied().collect();
            assert_eq!(
                same_rack,
                HashSet::from([3, 5]),
                "seed {seed}: {locations:?}"
            );
            let distances: Vec<u32> = locations
                .iter()
                .map(|&index| distance(reader, &nodes[index]))
                .collect();
            assert!(distances.is_sorted(), "seed {seed}: {distances:?}");
            orders.insert(locations.clone());

            let mut again: Vec<NodeIndex> = vec![0, 1, 3, 4, 5, 6, 8];
            let mut rng = StdRng::seed_from_u64(seed);
            policy.sort_for_reader(&reader.host, &reader.rack, &mut again, &nodes, &mut rng);
            assert_eq!(again, locations, "seed {seed}: deterministic given the rng");
        }
        assert!(orders.len() > 1, "ties are shuffled");
    }

    #[test]
    fn off_cluster_reader_and_unknown_locations() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[2, 2]);
        let mut rng = StdRng::seed_from_u64(11);
        let mut locations: Vec<NodeIndex> = vec![42, 2, 0, 3];
        policy.sort_for_reader("client", "/r1", &mut locations, &nodes, &mut rng);
        let same_rack: HashSet<_> = locations[..2].iter().copied().collect();
        assert_eq!(same_rack, HashSet::from([2, 3]));
        assert_eq!(&locations[2..], &[0, 42]);
    }

    #[test]
    fn placement_satisfaction_follows_the_rack_rule() {
        let policy = PlacementPolicy::default();
        let nodes = cluster(&[2, 2]);
        assert!(policy.is_placement_satisfied(&[0, 2], &nodes));
        assert!(!policy.is_placement_satisfied(&[0, 1], &nodes));
        assert!(policy.is_placement_satisfied(&[0], &nodes), "one replica");
        assert!(policy.is_placement_satisfied(&[], &nodes));
        assert!(
            policy.is_placement_satisfied(&[0, 99], &nodes),
            "one known replica"
        );

        let one_rack = cluster(&[4]);
        assert!(policy.is_placement_satisfied(&[0, 1, 2], &one_rack));

        let mut second_rack_down = nodes.clone();
        second_rack_down[2].usable = false;
        second_rack_down[3].usable = false;
        assert!(policy.is_placement_satisfied(&[0, 1], &second_rack_down));
    }
}
