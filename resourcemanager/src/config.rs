//! The ResourceManager's typed configuration, read and checked once at start.

use std::net::SocketAddr;
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, TimeUnit};
use common::time::Clock;
use common::topology::RackResolver;

use crate::scheduler::{QueueSpec, Resource, SchedulerConfig};

/// `yarn.resourcemanager.nodemanagers.heartbeat-interval-ms`
pub const NM_HEARTBEAT_INTERVAL_KEY: &str =
    "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms";
/// `yarn.nm.liveness-monitor.expiry-interval-ms`
pub const NM_EXPIRY_KEY: &str = "yarn.nm.liveness-monitor.expiry-interval-ms";
/// `yarn.am.liveness-monitor.expiry-interval-ms`
pub const AM_EXPIRY_KEY: &str = "yarn.am.liveness-monitor.expiry-interval-ms";
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
        let address = |key: &str, default: &str| conf.get_resolved_socket_addr(key, default);
        let millis = |key: &str, default: u64| {
            conf.get_duration(key, Duration::from_millis(default), TimeUnit::Milliseconds)
        };
        let minimum_allocation = Resource::new(
            conf.get_i64("yarn.scheduler.minimum-allocation-mb", 1024)?,
            conf.get_u32("yarn.scheduler.minimum-allocation-vcores", 1)? as i32,
        );
        let maximum_allocation = Resource::new(
            conf.get_i64("yarn.scheduler.maximum-allocation-mb", 8192)?,
            conf.get_u32("yarn.scheduler.maximum-allocation-vcores", 4)? as i32,
        );
        let additional_delay =
            conf.get_i64("yarn.scheduler.capacity.rack-locality-additional-delay", -1)?;
        Ok(Self {
            client_address: address("yarn.resourcemanager.address", "0.0.0.0:8032")?,
            scheduler_address: address("yarn.resourcemanager.scheduler.address", "0.0.0.0:8030")?,
            tracker_address: address(
                "yarn.resourcemanager.resource-tracker.address",
                "0.0.0.0:8031",
            )?,
            webapp_address: address("yarn.resourcemanager.webapp.address", "0.0.0.0:8088")?,
            scheduler: SchedulerConfig {
                minimum_allocation,
                maximum_allocation,
                node_locality_delay: conf
                    .get_u32("yarn.scheduler.capacity.node-locality-delay", 40)?,
                rack_locality_additional_delay: additional_delay.max(0) as u32,
            },
            queues: queue_spec(conf, "root")?,
            am_max_attempts: conf
                .get_u32("yarn.resourcemanager.am.max-attempts", 2)?
                .max(1),
            nm_heartbeat_interval: millis(NM_HEARTBEAT_INTERVAL_KEY, 1000)?,
            nm_expiry: millis(NM_EXPIRY_KEY, 600_000)?,
            am_expiry: millis(AM_EXPIRY_KEY, 600_000)?,
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
        conf.get_f64(&key("capacity"), default_capacity)?
    };
    let maximum = conf.get_f64(&key("maximum-capacity"), 100.0)?;
    let maximum_capacity = if maximum < 0.0 { 100.0 } else { maximum };
    let mut children = Vec::new();
    for name in children_names {
        children.push(queue_spec(conf, &format!("{path}.{name}"))?);
    }
    Ok(QueueSpec {
        name: path.rsplit('.').next().unwrap_or(path).to_string(),
        capacity,
        maximum_capacity,
        user_limit_factor: conf.get_f64(&key("user-limit-factor"), 1.0)?,
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
