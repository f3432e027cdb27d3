//! The capacity scheduler, pure and synchronous: queues with guaranteed and
//! maximum shares, FIFO inside a leaf, container sizes normalized to the
//! minimum allocation, locality (node, then rack, then anywhere) with delay
//! scheduling, and never more handed out on a node than it has.

mod queues;
mod resource;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::yarn::{ApplicationAttemptId, ContainerId};

pub use queues::{Queue, QueueSpec, QueueTree};
pub use resource::{Resource, normalize};

/// The `allocation_request_id` of the ask for an attempt's AM container.
pub const AM_REQUEST_ID: i64 = -1;

/// Why the scheduler refused something, worded as Hadoop's.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SchedulerError {
    #[error("{0}")]
    InvalidQueueConfig(String),
    #[error("submitted by user {user} to unknown queue: {queue}")]
    UnknownQueue { queue: String, user: String },
    #[error("submitted by user {user} to non-leaf queue: {queue}")]
    NonLeafQueue { queue: String, user: String },
    #[error(
        "Invalid resource request, requested resource {requested} is negative or greater than the maximum allowed allocation {maximum}"
    )]
    InvalidResourceRequest {
        requested: Resource,
        maximum: Resource,
    },
    #[error("unknown application attempt {0}")]
    UnknownAttempt(ApplicationAttemptId),
}

/// Limits that hold for every request (`yarn.scheduler.*`, `...capacity.*`).
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    pub minimum_allocation: Resource,
    pub maximum_allocation: Resource,
    /// Missed scheduling opportunities before an ask with hosts accepts a
    /// node of the right rack (`yarn.scheduler.capacity.node-locality-delay`).
    pub node_locality_delay: u32,
    /// Further missed opportunities before it accepts any node.
    pub rack_locality_additional_delay: u32,
}

/// How close a container landed to what its ask wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locality {
    NodeLocal,
    RackLocal,
    OffSwitch,
}

/// A request for `count` containers of one shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Ask {
    pub priority: i32,
    pub capability: Resource,
    pub count: u32,
    pub hosts: Vec<String>,
    pub racks: Vec<String>,
    pub relax_locality: bool,
    pub allocation_request_id: i64,
}

#[derive(Debug)]
struct PendingAsk {
    ask: Ask,
    /// Nodes offered since the last grant that locality made it pass up.
    missed_opportunities: u32,
}

/// A container the scheduler granted.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub container_id: ContainerId,
    pub node_id: String,
    pub resource: Resource,
    pub priority: i32,
    pub allocation_request_id: i64,
    pub locality: Locality,
}

#[derive(Debug)]
struct SchedulerNode {
    host: String,
    rack: String,
    capability: Resource,
    used: Resource,
    containers: Vec<ContainerId>,
}

impl SchedulerNode {
    fn available(&self) -> Resource {
        self.capability - self.used
    }
}

#[derive(Debug)]
struct SchedulerApp {
    user: String,
    leaf: usize,
    /// The application's priority: inside a leaf, higher goes first.
    priority: i32,
    asks: Vec<PendingAsk>,
    next_container: u64,
    /// Hosts the attempt does not want containers on.
    blacklist: HashSet<String>,
}

#[derive(Clone, Debug)]
struct LiveContainer {
    attempt: ApplicationAttemptId,
    node_id: String,
    resource: Resource,
}

/// The scheduler's whole state.
#[derive(Debug)]
pub struct Scheduler {
    config: SchedulerConfig,
    queues: QueueTree,
    nodes: BTreeMap<String, SchedulerNode>,
    /// Attempts by submission order (FIFO inside a leaf is this order).
    apps: BTreeMap<ApplicationAttemptId, SchedulerApp>,
    containers: HashMap<ContainerId, LiveContainer>,
}

impl Scheduler {
    pub fn new(config: SchedulerConfig, root: &QueueSpec) -> Result<Self, SchedulerError> {
        Ok(Self {
            config,
            queues: QueueTree::new(root)?,
            nodes: BTreeMap::new(),
            apps: BTreeMap::new(),
            containers: HashMap::new(),
        })
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    pub fn queues(&self) -> &QueueTree {
        &self.queues
    }

    /// Sum of every node's capability.
    pub fn cluster_resource(&self) -> Resource {
        let mut total = Resource::ZERO;
        for node in self.nodes.values() {
            total += node.capability;
        }
        total
    }

    pub fn used_resource(&self) -> Resource {
        self.queues.get(0).used
    }

    pub fn add_node(&mut self, node_id: &str, host: &str, rack: &str, capability: Resource) {
        self.nodes.insert(
            node_id.to_string(),
            SchedulerNode {
                host: host.to_string(),
                rack: rack.to_string(),
                capability,
                used: Resource::ZERO,
                containers: Vec::new(),
            },
        );
    }

    /// Removes a node; returns the containers that were running on it, now
    /// released.
    pub fn remove_node(&mut self, node_id: &str) -> Vec<ContainerId> {
        let Some(node) = self.nodes.remove(node_id) else {
            return Vec::new();
        };
        for container_id in &node.containers {
            if let Some(live) = self.containers.remove(container_id) {
                self.refund(&live);
            }
        }
        node.containers
    }

    /// What a node has in use and how many containers it runs.
    pub fn node_usage(&self, node_id: &str) -> Option<(Resource, usize)> {
        let node = self.nodes.get(node_id)?;
        Some((node.used, node.containers.len()))
    }

    /// What an application's attempts have in use, and how many containers.
    pub fn app_usage(&self, application: common::yarn::ApplicationId) -> (Resource, usize) {
        let mut used = Resource::ZERO;
        let mut count = 0;
        for live in self.containers.values() {
            if live.attempt.application == application {
                used += live.resource;
                count += 1;
            }
        }
        (used, count)
    }

    /// Normalizes a request, refusing one above the maximum allocation or negative.
    pub fn normalize(&self, request: Resource) -> Result<Resource, SchedulerError> {
        let maximum = self.config.maximum_allocation;
        if request.memory_mb < 0 || request.vcores < 0 || !maximum.fits(&request) {
            return Err(SchedulerError::InvalidResourceRequest {
                requested: request,
                maximum,
            });
        }
        Ok(normalize(request, self.config.minimum_allocation))
    }

    /// The leaf queue an application submitted to `queue` goes to.
    pub fn leaf_queue(&self, queue: &str, user: &str) -> Result<usize, SchedulerError> {
        let Some(index) = self.queues.find(queue) else {
            return Err(SchedulerError::UnknownQueue {
                queue: queue.to_string(),
                user: user.to_string(),
            });
        };
        if !self.queues.get(index).is_leaf() {
            return Err(SchedulerError::NonLeafQueue {
                queue: queue.to_string(),
                user: user.to_string(),
            });
        }
        Ok(index)
    }

    /// Admits an attempt to its leaf queue with an ask for its AM container
    /// (container 1, [`AM_REQUEST_ID`]).
    pub fn add_attempt(
        &mut self,
        attempt: ApplicationAttemptId,
        user: &str,
        queue: &str,
        am_resource: Resource,
        priority: i32,
    ) -> Result<(), SchedulerError> {
        let leaf = self.leaf_queue(queue, user)?;
        let capability = self.normalize(am_resource)?;
        let am_ask = Ask {
            priority: 0,
            capability,
            count: 1,
            hosts: Vec::new(),
            racks: Vec::new(),
            relax_locality: true,
            allocation_request_id: AM_REQUEST_ID,
        };
        self.apps.insert(
            attempt,
            SchedulerApp {
                user: user.to_string(),
                leaf,
                priority,
                asks: vec![PendingAsk {
                    ask: am_ask,
                    missed_opportunities: 0,
                }],
                next_container: 1,
                blacklist: HashSet::new(),
            },
        );
        Ok(())
    }

    /// Moves an attempt to the leaf `queue`: what its containers hold is
    /// refunded to the old leaf and charged to the new one.
    pub fn move_attempt(
        &mut self,
        attempt: ApplicationAttemptId,
        queue: &str,
    ) -> Result<(), SchedulerError> {
        let Some(app) = self.apps.get(&attempt) else {
            return Err(SchedulerError::UnknownAttempt(attempt));
        };
        let (old_leaf, user) = (app.leaf, app.user.clone());
        let new_leaf = self.leaf_queue(queue, &user)?;
        let held: Vec<Resource> = self
            .containers
            .values()
            .filter(|live| live.attempt == attempt)
            .map(|live| live.resource)
            .collect();
        for resource in held {
            self.queues.charge(old_leaf, &user, resource, true);
            self.queues.charge(new_leaf, &user, resource, false);
        }
        if let Some(app) = self.apps.get_mut(&attempt) {
            app.leaf = new_leaf;
        }
        Ok(())
    }

    /// Sets the priority of an attempt's application (ordering inside its leaf).
    pub fn set_priority(&mut self, attempt: ApplicationAttemptId, priority: i32) {
        if let Some(app) = self.apps.get_mut(&attempt) {
            app.priority = priority;
        }
    }

    /// Replaces the queue tree with `root` (Hadoop's refreshQueues): every
    /// attempt keeps its leaf by name, and what runs is charged again. A
    /// leaf with attempts in it must stay a leaf; on any error nothing changes.
    pub fn reconfigure_queues(&mut self, root: &QueueSpec) -> Result<(), SchedulerError> {
        let mut tree = QueueTree::new(root)?;
        let mut new_leaves = HashMap::new();
        for app in self.apps.values() {
            let old = self.queues.get(app.leaf);
            let leaf = tree
                .find(&old.name)
                .filter(|&index| tree.get(index).is_leaf())
                .ok_or_else(|| {
                    SchedulerError::InvalidQueueConfig(format!(
                        "{} is deleted from the new capacity scheduler configuration, but the queue is not yet in stopped state. Current State : RUNNING",
                        old.path
                    ))
                })?;
            new_leaves.insert(app.leaf, leaf);
        }
        for live in self.containers.values() {
            if let Some(app) = self.apps.get(&live.attempt) {
                tree.charge(new_leaves[&app.leaf], &app.user, live.resource, false);
            }
        }
        for app in self.apps.values_mut() {
            app.leaf = new_leaves[&app.leaf];
        }
        self.queues = tree;
        Ok(())
    }

    /// Removes an attempt; returns its containers still running (with their
    /// nodes), now released.
    pub fn remove_attempt(&mut self, attempt: ApplicationAttemptId) -> Vec<(ContainerId, String)> {
        let mine: Vec<(ContainerId, String)> = self
            .containers
            .iter()
            .filter(|(_, live)| live.attempt == attempt)
            .map(|(id, live)| (*id, live.node_id.clone()))
            .collect();
        for (container_id, _) in &mine {
            self.release(*container_id);
        }
        self.apps.remove(&attempt);
        mine
    }

    /// Adds asks to what the attempt has outstanding (normalized; one above
    /// the maximum is refused and nothing is added).
    pub fn add_asks(
        &mut self,
        attempt: ApplicationAttemptId,
        asks: Vec<Ask>,
    ) -> Result<(), SchedulerError> {
        let mut normalized = Vec::with_capacity(asks.len());
        for mut ask in asks {
            ask.capability = self.normalize(ask.capability)?;
            normalized.push(ask);
        }
        let app = self
            .apps
            .get_mut(&attempt)
            .ok_or(SchedulerError::UnknownAttempt(attempt))?;
        for ask in normalized {
            if ask.count == 0 {
                continue;
            }
            app.asks.push(PendingAsk {
                ask,
                missed_opportunities: 0,
            });
        }
        app.asks.sort_by_key(|pending| pending.ask.priority);
        Ok(())
    }

    /// Changes the hosts an attempt gets no containers on.
    pub fn update_blacklist(
        &mut self,
        attempt: ApplicationAttemptId,
        additions: &[String],
        removals: &[String],
    ) {
        if let Some(app) = self.apps.get_mut(&attempt) {
            app.blacklist.extend(additions.iter().cloned());
            for host in removals {
                app.blacklist.remove(host);
            }
        }
    }

    /// Drops outstanding asks by their allocation request id.
    pub fn cancel_asks(&mut self, attempt: ApplicationAttemptId, request_ids: &[i64]) {
        if let Some(app) = self.apps.get_mut(&attempt) {
            app.asks
                .retain(|pending| !request_ids.contains(&pending.ask.allocation_request_id));
        }
    }

    /// Containers the attempt still waits for.
    pub fn outstanding(&self, attempt: ApplicationAttemptId) -> u32 {
        self.apps
            .get(&attempt)
            .map(|app| app.asks.iter().map(|pending| pending.ask.count).sum())
            .unwrap_or(0)
    }

    /// Frees a container (it completed or was released). Returns the node it
    /// was on, or `None` when it was not live.
    pub fn release(&mut self, container_id: ContainerId) -> Option<String> {
        let live = self.containers.remove(&container_id)?;
        if let Some(node) = self.nodes.get_mut(&live.node_id) {
            node.used -= live.resource;
            node.containers.retain(|id| *id != container_id);
        }
        self.refund(&live);
        Some(live.node_id)
    }

    fn refund(&mut self, live: &LiveContainer) {
        if let Some(app) = self.apps.get(&live.attempt) {
            let (leaf, user) = (app.leaf, app.user.clone());
            self.queues.charge(leaf, &user, live.resource, true);
        }
    }

    /// One scheduling pass: offers every node, in rounds, to the queues in
    /// order of need until nothing more fits anywhere.
    pub fn schedule(&mut self) -> Vec<Allocation> {
        let mut allocations = Vec::new();
        loop {
            let mut node_ids: Vec<(String, i64)> = self
                .nodes
                .iter()
                .map(|(id, node)| (id.clone(), node.available().memory_mb))
                .collect();
            // Emptiest node first spreads containers over the cluster.
            node_ids.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut assigned_this_round = false;
            for (node_id, _) in node_ids {
                if let Some(allocation) = self.assign_on_node(&node_id) {
                    allocations.push(allocation);
                    assigned_this_round = true;
                }
            }
            if !assigned_this_round {
                return allocations;
            }
        }
    }

    /// Offers one node: the neediest leaf first, FIFO inside it, asks by
    /// priority; at most one container.
    fn assign_on_node(&mut self, node_id: &str) -> Option<Allocation> {
        let cluster = self.cluster_resource();
        let node = self.nodes.get(node_id)?;
        let (available, host, rack) = (node.available(), node.host.clone(), node.rack.clone());
        if available.memory_mb <= 0 || available.vcores <= 0 {
            return None;
        }
        let rack_of_host = |wanted_host: &String| {
            self.nodes
                .values()
                .find(|node| &node.host == wanted_host)
                .map(|node| node.rack.clone())
        };
        let mut choice = None;
        let mut passed_up = Vec::new();
        'queues: for leaf in self.queues.leaves_by_need() {
            let mut candidates: Vec<(&ApplicationAttemptId, &SchedulerApp)> = self
                .apps
                .iter()
                .filter(|(_, app)| app.leaf == leaf && !app.blacklist.contains(&host))
                .collect();
            // Higher priority first; FIFO (the map's order) among equals.
            candidates.sort_by_key(|(_, app)| std::cmp::Reverse(app.priority));
            for (attempt, app) in candidates {
                for (ask_index, pending) in app.asks.iter().enumerate() {
                    let ask = &pending.ask;
                    if ask.count == 0
                        || !available.fits(&ask.capability)
                        || !self.queues.can_grow(leaf, ask.capability, cluster)
                        || !self
                            .queues
                            .within_user_limit(leaf, &app.user, ask.capability, cluster)
                    {
                        continue;
                    }
                    let host_racks: Vec<String> =
                        ask.hosts.iter().filter_map(rack_of_host).collect();
                    match self.locality_allowed(pending, &host, &rack, &host_racks) {
                        Some(locality) => {
                            choice = Some((*attempt, ask_index, locality));
                            break 'queues;
                        }
                        None => passed_up.push((*attempt, ask_index)),
                    }
                }
            }
        }
        for (attempt, ask_index) in passed_up {
            if let Some(app) = self.apps.get_mut(&attempt) {
                app.asks[ask_index].missed_opportunities += 1;
            }
        }
        let (attempt, ask_index, locality) = choice?;
        Some(self.grant(attempt, ask_index, node_id, locality))
    }

    /// The locality this node gives `pending`, if delay scheduling allows it now.
    fn locality_allowed(
        &self,
        pending: &PendingAsk,
        host: &str,
        rack: &str,
        host_racks: &[String],
    ) -> Option<Locality> {
        let ask = &pending.ask;
        let anywhere = ask.hosts.is_empty() && ask.racks.is_empty();
        if anywhere {
            return Some(Locality::OffSwitch);
        }
        if ask.hosts.iter().any(|wanted| wanted == host) {
            return Some(Locality::NodeLocal);
        }
        let missed = pending.missed_opportunities;
        let node_delay = self.config.node_locality_delay;
        let rack_wanted = ask
            .racks
            .iter()
            .chain(host_racks)
            .any(|wanted| wanted == rack);
        let hosts_strict = !ask.hosts.is_empty() && !ask.relax_locality;
        if rack_wanted && !hosts_strict && (ask.hosts.is_empty() || missed >= node_delay) {
            return Some(Locality::RackLocal);
        }
        let off_switch_delay = node_delay + self.config.rack_locality_additional_delay;
        if ask.relax_locality && missed >= off_switch_delay {
            return Some(Locality::OffSwitch);
        }
        None
    }

    fn grant(
        &mut self,
        attempt: ApplicationAttemptId,
        ask_index: usize,
        node_id: &str,
        locality: Locality,
    ) -> Allocation {
        let app = self.apps.get_mut(&attempt).expect("chosen attempt exists");
        let pending = &mut app.asks[ask_index];
        pending.ask.count -= 1;
        pending.missed_opportunities = 0;
        let (resource, priority, request_id) = (
            pending.ask.capability,
            pending.ask.priority,
            pending.ask.allocation_request_id,
        );
        app.asks.retain(|pending| pending.ask.count > 0);
        let container_id = attempt.container(app.next_container);
        app.next_container += 1;
        let (leaf, user) = (app.leaf, app.user.clone());
        self.queues.charge(leaf, &user, resource, false);
        let node = self.nodes.get_mut(node_id).expect("offered node exists");
        node.used += resource;
        node.containers.push(container_id);
        debug_assert!(node.used.memory_mb <= node.capability.memory_mb);
        debug_assert!(node.used.vcores <= node.capability.vcores);
        self.containers.insert(
            container_id,
            LiveContainer {
                attempt,
                node_id: node_id.to_string(),
                resource,
            },
        );
        Allocation {
            container_id,
            node_id: node_id.to_string(),
            resource,
            priority,
            allocation_request_id: request_id,
            locality,
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
