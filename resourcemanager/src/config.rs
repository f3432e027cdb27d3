//! The ResourceManager's typed configuration, read and checked once at start.

use std::net::SocketAddr;
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, TimeUnit, keys};
use common::time::Clock;
use common::topology::RackResolver;

use crate::scheduler::{QueueSpec, Resource, SchedulerConfig};

/// `yarn.resourcemanager.nodemanagers.heartbeat-interval-ms`
pub const NM_HEARTBEAT_INTERVAL_KEY: &str =
    keys::YARN_RESOURCEMANAGER_NODEMANAGERS_HEARTBEAT_INTERVAL_MS;
/// `yarn.nm.liveness-monitor.expiry-interval-ms`
pub const NM_EXPIRY_KEY: &str = keys::YARN_NM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS;
/// `yarn.am.liveness-monitor.expiry-interval-ms`
pub const AM_EXPIRY_KEY: &str = keys::YARN_AM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS;
const CAPACITY_PREFIX: &str = "yarn.scheduler.capacity.";

/// Why the configuration cannot run a ResourceManager.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Conf(#[from] ConfError),
    #[error(transparent)]
    Topology(#[from] common::topology::TopologyError),
}

/// Everything the ResourceManager needs from `yarn-site.xml` and
/// `capacity-scheduler` keys.
#[derive(Clone, Debug)]
pub struct ResourceManagerConfig {
    pub client_address: SocketAddr,
    pub scheduler_address: SocketAddr,
    pub tracker_address: SocketAddr,
    pub webapp_address: SocketAddr,
    pub scheduler: SchedulerConfig,
    pub queues: QueueSpec,
    pub am_max_attempts: u32,
    pub nm_heartbeat_interval: Duration,
    pub nm_expiry: Duration,
    pub am_expiry: Duration,
    pub racks: RackResolver,
    /// The configuration, for the DFS client that checks local resources.
    pub conf: Configuration,
    /// What NodeManager and AM expiry is measured with: the system clock,
    /// or a manual one that tests advance.
    pub clock: Clock,
}

impl ResourceManagerConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfigError> {
        let address = |key: &str| conf.get_resolved_socket_addr(key);
        let millis = |key: &str| conf.get_duration(key, TimeUnit::Milliseconds);
        let minimum_allocation = Resource::new(
            conf.get_i64(keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_MB)?,
            conf.get_u32(keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_VCORES)? as i32,
        );
        let maximum_allocation = Resource::new(
            conf.get_i64(keys::YARN_SCHEDULER_MAXIMUM_ALLOCATION_MB)?,
            conf.get_u32(keys::YARN_SCHEDULER_MAXIMUM_ALLOCATION_VCORES)? as i32,
        );
        let additional_delay =
            conf.get_i64(keys::YARN_SCHEDULER_CAPACITY_RACK_LOCALITY_ADDITIONAL_DELAY)?;
        Ok(Self {
            client_address: address(keys::YARN_RESOURCEMANAGER_ADDRESS)?,
            scheduler_address: address(keys::YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS)?,
            tracker_address: address(keys::YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS)?,
            webapp_address: address(keys::YARN_RESOURCEMANAGER_WEBAPP_ADDRESS)?,
            scheduler: SchedulerConfig {
                minimum_allocation,
                maximum_allocation,
                node_locality_delay: conf
                    .get_u32(keys::YARN_SCHEDULER_CAPACITY_NODE_LOCALITY_DELAY)?,
                rack_locality_additional_delay: additional_delay.max(0) as u32,
            },
            queues: queue_spec(conf, "root")?,
            am_max_attempts: conf
                .get_u32(keys::YARN_RESOURCEMANAGER_AM_MAX_ATTEMPTS)?
                .max(1),
            nm_heartbeat_interval: millis(NM_HEARTBEAT_INTERVAL_KEY)?,
            nm_expiry: millis(NM_EXPIRY_KEY)?,
            am_expiry: millis(AM_EXPIRY_KEY)?,
            racks: RackResolver::from_conf(conf)?,
            conf: conf.clone(),
            clock: Clock::system(),
        })
    }
}

/// The queue at `path` and everything below it, from
/// `yarn.scheduler.capacity.<path>.{queues,capacity,maximum-capacity,user-limit-factor}`.
/// Without `root.queues`, root has one `default` leaf (Hadoop's default).
fn queue_spec(conf: &Configuration, path: &str) -> Result<QueueSpec, ConfError> {
    let key = |suffix: &str| format!("{CAPACITY_PREFIX}{path}.{suffix}");
    let mut children_names = conf.get_strings(&key("queues"));
    if path == "root" && children_names.is_empty() {
        children_names.push("default".to_string());
    }
    let is_root = path == "root";
    let default_capacity = if is_root || children_names_only_default(path, conf) {
        100.0
    } else {
        0.0
    };
    let capacity = if is_root {
        100.0
    } else {
        conf.get_f64_opt(&key("capacity"))?
            .unwrap_or(default_capacity)
    };
    // Per-queue keys cannot be in the defaults table; these are the capacity scheduler's.
    let maximum = conf.get_f64_opt(&key("maximum-capacity"))?.unwrap_or(100.0);
    let maximum_capacity = if maximum < 0.0 { 100.0 } else { maximum };
    let mut children = Vec::new();
    for name in children_names {
        children.push(queue_spec(conf, &format!("{path}.{name}"))?);
    }
    Ok(QueueSpec {
        name: path.rsplit('.').next().unwrap_or(path).to_string(),
        capacity,
        maximum_capacity,
        user_limit_factor: conf.get_f64_opt(&key("user-limit-factor"))?.unwrap_or(1.0),
        children,
    })
}

/// `root.default` when root's queues are not configured gets all capacity.
fn children_names_only_default(path: &str, conf: &Configuration) -> bool {
    path == "root.default"
        && conf
            .get_strings(&format!("{CAPACITY_PREFIX}root.queues"))
            .is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_come_from_capacity_scheduler_keys() {
        let mut conf = Configuration::new();
        conf.set("yarn.scheduler.capacity.root.queues", "a,b");
        conf.set("yarn.scheduler.capacity.root.a.capacity", "70");
        conf.set("yarn.scheduler.capacity.root.b.capacity", "30");
        conf.set("yarn.scheduler.capacity.root.b.maximum-capacity", "50");
        conf.set("yarn.scheduler.capacity.root.b.user-limit-factor", "2");
        let config = ResourceManagerConfig::from_conf(&conf).unwrap();
        let root = &config.queues;
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.children[0].capacity, 70.0);
        assert_eq!(root.children[1].maximum_capacity, 50.0);
        assert_eq!(root.children[1].user_limit_factor, 2.0);
        assert_eq!(config.am_max_attempts, 2);
        assert_eq!(config.scheduler.node_locality_delay, 40);
    }

    #[test]
    fn default_is_one_queue_with_everything() {
        let config = ResourceManagerConfig::from_conf(&Configuration::new()).unwrap();
        assert_eq!(config.queues, QueueSpec::default_root());
    }
}
