//! Property tests of the capacity scheduler: random queue trees, nodes joining and leaving,
//! applications submitting, asking, releasing and finishing. Nothing is ever handed out
//! beyond a node's capacity or a queue's maximum, every container fits its ask, the
//! scheduler's books match what it granted, and applications of a leaf are served in order.

use std::collections::{BTreeMap, HashMap, HashSet};

use common::yarn::ApplicationId;
use proptest::prelude::*;

use super::*;

const MINIMUM: Resource = Resource {
    memory_mb: 1024,
    vcores: 1,
};
const MAXIMUM: Resource = Resource {
    memory_mb: 8192,
    vcores: 4,
};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

fn scheduler_config() -> SchedulerConfig {
    SchedulerConfig {
        minimum_allocation: MINIMUM,
        maximum_allocation: MAXIMUM,
        node_locality_delay: 2,
        rack_locality_additional_delay: 1,
    }
}

/// Shares in percent for `weights`, summing to 100.
fn shares(weights: &[u32]) -> Vec<f64> {
    let total: u32 = weights.iter().sum();
    weights
        .iter()
        .map(|&weight| 100.0 * f64::from(weight) / f64::from(total))
        .collect()
}

/// A maximum capacity between `capacity` and 100 (`stretch` of the way).
fn maximum(capacity: f64, stretch: f64) -> f64 {
    (capacity + stretch * (100.0 - capacity)).min(100.0)
}

/// `root` with 1-3 children, each a leaf `q<i>` or a parent `p<i>` of leaves `q<i>a`, `q<i>b`.
fn queue_tree(user_limit_factors: Vec<f64>) -> impl Strategy<Value = QueueSpec> {
    let child = (
        1..=10u32,
        prop::sample::select(vec![0.0, 0.5, 1.0]),
        proptest::option::weighted(0.3, (1..=10u32, 1..=10u32)),
    );
    (
        prop::collection::vec(child, 1..=3),
        prop::sample::select(user_limit_factors),
    )
        .prop_map(|(children, user_limit_factor)| {
            let weights: Vec<u32> = children.iter().map(|(weight, _, _)| *weight).collect();
            let children = children
                .iter()
                .zip(shares(&weights))
                .enumerate()
                .map(|(position, ((_, stretch, split), capacity))| {
                    let leaf = |name: String, capacity: f64| QueueSpec {
                        user_limit_factor,
                        ..QueueSpec::leaf(&name, capacity, maximum(capacity, *stretch))
                    };
                    match split {
                        None => leaf(format!("q{position}"), capacity),
                        Some((a, b)) => {
                            let split = shares(&[*a, *b]);
                            QueueSpec {
                                name: format!("p{position}"),
                                capacity,
                                maximum_capacity: maximum(capacity, *stretch),
                                user_limit_factor: 1.0,
                                children: vec![
                                    leaf(format!("q{position}a"), split[0]),
                                    leaf(format!("q{position}b"), split[1]),
                                ],
                            }
                        }
                    }
                })
                .collect();
            QueueSpec {
                name: "root".to_string(),
                capacity: 100.0,
                maximum_capacity: 100.0,
                user_limit_factor: 1.0,
                children,
            }
        })
}

/// Where an ask wants its containers.
#[derive(Clone, Debug)]
enum Wants {
    Anywhere,
    /// Hosts by number (some never join), with or without relaxing to the rack and then
    /// anywhere.
    Hosts(Vec<usize>, bool),
    /// A rack by number.
    Rack(usize),
}

/// One thing that happens to the scheduler. Indexes pick among the nodes, leaves,
/// attempts or containers there are when the action runs; an attempt asks for more only once
/// its AM runs, as the protocol has it.
#[derive(Clone, Debug)]
enum Action {
    AddNode {
        memory_gb: i64,
        vcores: i32,
    },
    RemoveNode(prop::sample::Index),
    Submit {
        leaf: prop::sample::Index,
        user: usize,
        am: Resource,
    },
    Ask {
        app: prop::sample::Index,
        priority: i32,
        capability: Resource,
        count: u32,
        wants: Wants,
    },
    Release(prop::sample::Index),
    Finish(prop::sample::Index),
    Schedule,
}

/// Mostly within the maximum allocation, now and then beyond it.
fn resource() -> impl Strategy<Value = Resource> {
    prop_oneof![
        9 => (1..=4096i64, 1..=2i32),
        2 => (1..=8192i64, 1..=4i32),
        1 => (1..=9000i64, 1..=5i32),
    ]
    .prop_map(|(memory_mb, vcores)| Resource::new(memory_mb, vcores))
}

fn wants() -> impl Strategy<Value = Wants> {
    prop_oneof![
        3 => Just(Wants::Anywhere),
        1 => (prop::collection::vec(0..6usize, 1..=2), any::<bool>())
            .prop_map(|(hosts, relax)| Wants::Hosts(hosts, relax)),
        1 => (0..2usize).prop_map(Wants::Rack),
    ]
}

/// Random actions; with `uniform`, every container asked for is `uniform` and wanted anywhere.
fn actions(uniform: Option<Resource>) -> impl Strategy<Value = Vec<Action>> {
    let capability = match uniform {
        Some(uniform) => Just(uniform).boxed(),
        None => resource().boxed(),
    };
    let wants = match uniform {
        Some(_) => Just(Wants::Anywhere).boxed(),
        None => wants().boxed(),
    };
    let add_node = (prop::sample::select(vec![2, 4, 8, 16]), 1..=16i32)
        .prop_map(|(memory_gb, vcores)| Action::AddNode { memory_gb, vcores });
    let action = prop_oneof![
        2 => add_node.clone(),
        1 => any::<prop::sample::Index>().prop_map(Action::RemoveNode),
        2 => (any::<prop::sample::Index>(), 0..3usize, capability.clone())
            .prop_map(|(leaf, user, am)| Action::Submit { leaf, user, am }),
        3 => (any::<prop::sample::Index>(), 0..3i32, capability, 1..=4u32, wants).prop_map(
            |(app, priority, capability, count, wants)| Action::Ask {
                app,
                priority,
                capability,
                count,
                wants,
            }
        ),
        2 => any::<prop::sample::Index>().prop_map(Action::Release),
        1 => any::<prop::sample::Index>().prop_map(Action::Finish),
        5 => Just(Action::Schedule),
    ];
    // A cluster to start with, then anything.
    (
        prop::collection::vec(add_node, 1..=4),
        prop::collection::vec(action, 1..80),
    )
        .prop_map(|(mut actions, more)| {
            actions.extend(more);
            actions
        })
}

/// What the test asked of the scheduler for one request id of an attempt.
#[derive(Debug)]
struct AskedFor {
    priority: i32,
    capability: Resource,
    outstanding: u32,
    hosts: Vec<String>,
    racks: Vec<String>,
    relax_locality: bool,
}

#[derive(Debug)]
struct LiveApp {
    leaf: usize,
    /// Whether its AM runs; only a running AM asks for more containers.
    am_running: bool,
    asks: HashMap<i64, AskedFor>,
    next_request_id: i64,
}

/// The test's own books: what it asked for and what it was granted.
#[derive(Default)]
struct Model {
    next_node: usize,
    /// Node id to (host, rack).
    nodes: BTreeMap<String, (String, String)>,
    apps: BTreeMap<ApplicationAttemptId, LiveApp>,
    next_app: u32,
    containers: BTreeMap<ContainerId, (String, Resource)>,
}

fn user_name(user: usize) -> String {
    ["alice", "bob", "carol"][user].to_string()
}

fn rack_name(rack: usize) -> String {
    format!("/rack{rack}")
}

impl Model {
    fn pick<'a, K, V>(map: &'a BTreeMap<K, V>, index: &prop::sample::Index) -> Option<&'a K> {
        (!map.is_empty()).then(|| map.keys().nth(index.index(map.len())).expect("in range"))
    }
}

/// Each live attempt's leaf and how many containers it still waits for.
type Outstanding = HashMap<ApplicationAttemptId, (usize, u32)>;

/// Runs `actions`, checking the books after each; returns every pass's grants with the
/// outstanding asks of each attempt right after that pass.
fn run(
    tree: &QueueSpec,
    actions: &[Action],
) -> Result<Vec<(Vec<Allocation>, Outstanding)>, TestCaseError> {
    let mut scheduler = Scheduler::new(scheduler_config(), tree).expect("a valid queue tree");
    let leaves: Vec<usize> = scheduler
        .queues()
        .iter()
        .filter(|(_, queue)| queue.is_leaf())
        .map(|(index, _)| index)
        .collect();
    let mut model = Model::default();
    let mut passes = Vec::new();
    for action in actions {
        match action {
            Action::AddNode { memory_gb, vcores } => {
                let number = model.next_node;
                model.next_node += 1;
                let (host, rack) = (format!("host{number}"), rack_name(number % 2));
                let node_id = format!("{host}:8041");
                scheduler.add_node(
                    &node_id,
                    &host,
                    &rack,
                    Resource::new(memory_gb * 1024, *vcores),
                );
                model.nodes.insert(node_id, (host, rack));
            }
            Action::RemoveNode(index) => {
                let Some(node_id) = Model::pick(&model.nodes, index).cloned() else {
                    continue;
                };
                let released: HashSet<ContainerId> =
                    scheduler.remove_node(&node_id).into_iter().collect();
                let expected: HashSet<ContainerId> = model
                    .containers
                    .iter()
                    .filter(|(_, (node, _))| *node == node_id)
                    .map(|(id, _)| *id)
                    .collect();
                prop_assert_eq!(&released, &expected);
                model.containers.retain(|id, _| !released.contains(id));
                model.nodes.remove(&node_id);
            }
            Action::Submit { leaf, user, am } => {
                let leaf = leaves[leaf.index(leaves.len())];
                model.next_app += 1;
                let attempt = ApplicationId {
                    cluster_timestamp: 1,
                    id: model.next_app,
                }
                .application_attempt(1);
                let queue = scheduler.queues().get(leaf).name.clone();
                let admitted = scheduler.add_attempt(attempt, &user_name(*user), &queue, *am, 0);
                prop_assert_eq!(admitted.is_ok(), MAXIMUM.fits(am), "{:?}", admitted);
                if admitted.is_ok() {
                    let am_ask = AskedFor {
                        priority: 0,
                        capability: *am,
                        outstanding: 1,
                        hosts: Vec::new(),
                        racks: Vec::new(),
                        relax_locality: true,
                    };
                    let asks = HashMap::from([(AM_REQUEST_ID, am_ask)]);
                    let app = LiveApp {
                        leaf,
                        am_running: false,
                        asks,
                        next_request_id: 1,
                    };
                    model.apps.insert(attempt, app);
                }
            }
            Action::Ask {
                app,
                priority,
                capability,
                count,
                wants,
            } => {
                let running: Vec<ApplicationAttemptId> = model
                    .apps
                    .iter()
                    .filter(|(_, live)| live.am_running)
                    .map(|(attempt, _)| *attempt)
                    .collect();
                if running.is_empty() {
                    continue;
                }
                let attempt = running[app.index(running.len())];
                let live = model.apps.get_mut(&attempt).expect("picked");
                let request_id = live.next_request_id;
                live.next_request_id += 1;
                let (hosts, racks, relax_locality) = match wants {
                    Wants::Anywhere => (Vec::new(), Vec::new(), true),
                    Wants::Hosts(hosts, relax) => (
                        hosts.iter().map(|host| format!("host{host}")).collect(),
                        Vec::new(),
                        *relax,
                    ),
                    Wants::Rack(rack) => (Vec::new(), vec![rack_name(*rack)], true),
                };
                let ask = Ask {
                    priority: *priority,
                    capability: *capability,
                    count: *count,
                    hosts: hosts.clone(),
                    racks: racks.clone(),
                    relax_locality,
                    allocation_request_id: request_id,
                };
                let added = scheduler.add_asks(attempt, vec![ask]);
                prop_assert_eq!(added.is_ok(), MAXIMUM.fits(capability), "{:?}", added);
                if added.is_ok() {
                    let asked = AskedFor {
                        priority: *priority,
                        capability: *capability,
                        outstanding: *count,
                        hosts,
                        racks,
                        relax_locality,
                    };
                    live.asks.insert(request_id, asked);
                }
            }
            Action::Release(index) => {
                let Some(container_id) = Model::pick(&model.containers, index).copied() else {
                    continue;
                };
                let (node_id, _) = model.containers.remove(&container_id).expect("picked");
                prop_assert_eq!(scheduler.release(container_id), Some(node_id));
                prop_assert_eq!(scheduler.release(container_id), None, "released twice");
            }
            Action::Finish(index) => {
                let Some(attempt) = Model::pick(&model.apps, index).copied() else {
                    continue;
                };
                let released: HashSet<(ContainerId, String)> =
                    scheduler.remove_attempt(attempt).into_iter().collect();
                let expected: HashSet<(ContainerId, String)> = model
                    .containers
                    .iter()
                    .filter(|(id, _)| id.attempt == attempt)
                    .map(|(id, (node, _))| (*id, node.clone()))
                    .collect();
                prop_assert_eq!(&released, &expected);
                model.containers.retain(|id, _| id.attempt != attempt);
                model.apps.remove(&attempt);
                prop_assert_eq!(scheduler.outstanding(attempt), 0);
            }
            Action::Schedule => {
                let granted = scheduler.schedule();
                check_grants(&scheduler, &mut model, &granted)?;
                let outstanding = model
                    .apps
                    .iter()
                    .map(|(&attempt, app)| (attempt, (app.leaf, scheduler.outstanding(attempt))))
                    .collect();
                passes.push((granted, outstanding));
            }
        }
        check_books(&scheduler, &model)?;
    }
    Ok(passes)
}

/// Each grant fits an outstanding ask of its attempt and respects strict locality; every queue
/// that grew stays within its maximum capacity.
fn check_grants(
    scheduler: &Scheduler,
    model: &mut Model,
    granted: &[Allocation],
) -> Result<(), TestCaseError> {
    let mut grown = HashSet::new();
    for allocation in granted {
        let attempt = allocation.container_id.attempt;
        let app = model
            .apps
            .get_mut(&attempt)
            .ok_or_else(|| TestCaseError::fail(format!("{allocation:?} for no live attempt")))?;
        let asked = app
            .asks
            .get_mut(&allocation.allocation_request_id)
            .ok_or_else(|| TestCaseError::fail(format!("{allocation:?} for no ask")))?;
        prop_assert!(
            asked.outstanding > 0,
            "{allocation:?} beyond the count asked"
        );
        asked.outstanding -= 1;
        let resource = allocation.resource;
        prop_assert_eq!(allocation.priority, asked.priority);
        prop_assert!(
            resource.fits(&asked.capability),
            "{allocation:?} < {asked:?}"
        );
        prop_assert!(MAXIMUM.fits(&resource) && resource.fits(&MINIMUM));
        prop_assert_eq!(resource.memory_mb % MINIMUM.memory_mb, 0);
        prop_assert_eq!(resource, normalize(asked.capability, MINIMUM));
        if allocation.allocation_request_id == AM_REQUEST_ID {
            prop_assert_eq!(allocation.container_id.id, 1);
            app.am_running = true;
        }
        let (host, rack) = &model.nodes[&allocation.node_id];
        if allocation.locality == Locality::NodeLocal {
            prop_assert!(asked.hosts.contains(host), "{allocation:?} on {host}");
        }
        if !asked.relax_locality {
            prop_assert!(
                asked.hosts.contains(host) || asked.racks.contains(rack),
                "{allocation:?} on {host} in {rack}, strictly wanting {asked:?}"
            );
        }
        prop_assert!(
            model
                .containers
                .insert(
                    allocation.container_id,
                    (allocation.node_id.clone(), resource)
                )
                .is_none(),
            "{:?} granted twice",
            allocation.container_id
        );
        let mut queue = Some(app.leaf);
        while let Some(index) = queue {
            grown.insert(index);
            queue = scheduler.queues().get(index).parent;
        }
    }
    let cluster = scheduler.cluster_resource();
    for index in grown {
        let queue = scheduler.queues().get(index);
        let limit = queue.absolute_maximum_capacity * cluster.memory_mb as f64;
        prop_assert!(
            queue.used.memory_mb as f64 <= limit + 1e-6,
            "{} uses {} of at most {limit}",
            queue.path,
            queue.used
        );
    }
    Ok(())
}

/// The scheduler's usage figures are the sums of the live containers, within every node's
/// capability, and the asks it still holds are those not yet granted.
fn check_books(scheduler: &Scheduler, model: &Model) -> Result<(), TestCaseError> {
    let mut total = Resource::ZERO;
    for node_id in model.nodes.keys() {
        let mut used = Resource::ZERO;
        let mut count = 0;
        for (node, resource) in model.containers.values() {
            if node == node_id {
                used += *resource;
                count += 1;
            }
        }
        prop_assert_eq!(scheduler.node_usage(node_id), Some((used, count)));
        total += used;
    }
    prop_assert_eq!(scheduler.used_resource(), total);
    let capability = scheduler.cluster_resource();
    prop_assert!(capability.fits(&total), "{total} used of {capability}");
    for (&attempt, app) in &model.apps {
        let mut used = Resource::ZERO;
        let mut count = 0;
        for (id, (_, resource)) in &model.containers {
            if id.attempt == attempt {
                used += *resource;
                count += 1;
            }
        }
        prop_assert_eq!(scheduler.app_usage(attempt.application), (used, count));
        let outstanding: u32 = app.asks.values().map(|asked| asked.outstanding).sum();
        prop_assert_eq!(scheduler.outstanding(attempt), outstanding);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Random clusters, queues, applications and asks: the books always balance, nothing is
    /// handed out beyond a node or a queue, and every container fits its ask.
    #[test]
    fn grants_stay_within_nodes_and_queues_and_fit_their_asks(
        tree in queue_tree(vec![1.0, 2.0, 100.0]),
        actions in actions(None),
    ) {
        run(&tree, &actions)?;
    }

    /// With asks of one shape wanted anywhere (and no user limit below the queue's maximum),
    /// a later application of a leaf gets a container only when the earlier ones of that
    /// leaf have no ask left.
    #[test]
    fn applications_of_a_leaf_are_served_in_order(
        tree in queue_tree(vec![1e6]),
        actions in (1..=4096i64, 1..=2i32).prop_flat_map(|(memory_mb, vcores)| {
            actions(Some(Resource::new(memory_mb, vcores)))
        }),
    ) {
        for (granted, outstanding) in run(&tree, &actions)? {
            for allocation in &granted {
                let later = allocation.container_id.attempt;
                let (leaf, _) = outstanding[&later];
                for (earlier, &(earlier_leaf, left)) in &outstanding {
                    if *earlier < later && earlier_leaf == leaf {
                        prop_assert_eq!(left, 0, "{:?} served before {:?}", later, earlier);
                    }
                }
            }
        }
    }
}
