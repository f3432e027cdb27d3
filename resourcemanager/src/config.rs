//! The ResourceManager's typed configuration, read and checked once at start.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, TimeUnit, keys};
use common::time::Clock;
use common::topology::RackResolver;

use crate::scheduler::{QueueSpec, Resource, SchedulerConfig};
use crate::state::HostLists;

/// The capacity scheduler's own file in the configuration directory, read
/// after the site files.
const CAPACITY_SCHEDULER_FILE: &str = "capacity-scheduler.xml";

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
    #[error("cannot read the hosts file {path}: {source}")]
    HostsFile {
        path: String,
        source: std::io::Error,
    },
}

/// Everything the ResourceManager needs from `yarn-site.xml` and
/// `capacity-scheduler` keys.
#[derive(Clone, Debug)]
pub struct ResourceManagerConfig {
    pub client_address: SocketAddr,
    pub scheduler_address: SocketAddr,
    pub tracker_address: SocketAddr,
    pub admin_address: SocketAddr,
    pub webapp_address: SocketAddr,
    pub scheduler: SchedulerConfig,
    pub queues: QueueSpec,
    pub am_max_attempts: u32,
    pub nm_heartbeat_interval: Duration,
    pub nm_expiry: Duration,
    pub am_expiry: Duration,
    pub racks: RackResolver,
    /// `yarn.cluster.max-application-priority`.
    pub max_application_priority: i32,
    /// The NodeManagers let in and kept out at start.
    pub host_lists: HostLists,
    /// Where `yarn rmadmin -refreshQueues / -refreshNodes` read the
    /// configuration again (`$HADOOP_CONF_DIR` of the daemon; none: the
    /// configuration it started with).
    pub conf_dir: Option<PathBuf>,
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
            admin_address: address(keys::YARN_RESOURCEMANAGER_ADMIN_ADDRESS)?,
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
            max_application_priority: conf
                .get_i64(keys::YARN_CLUSTER_MAX_APPLICATION_PRIORITY)?
                .clamp(0, i64::from(i32::MAX)) as i32,
            host_lists: host_lists(conf)?,
            conf_dir: std::env::var_os("HADOOP_CONF_DIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from),
            conf: conf.clone(),
            clock: Clock::system(),
        })
    }
}

impl ResourceManagerConfig {
    /// The configuration as it is on disk now: the site files of
    /// `conf_dir` and its `capacity-scheduler.xml`; without a conf dir, the
    /// one the ResourceManager started with.
    pub fn reread(&self) -> Result<Configuration, ConfigError> {
        let Some(dir) = &self.conf_dir else {
            return Ok(self.conf.clone());
        };
        let mut conf = Configuration::load_from_dir(dir)?;
        let capacity = dir.join(CAPACITY_SCHEDULER_FILE);
        if capacity.exists() {
            conf.add_resource(&capacity)?;
        }
        Ok(conf)
    }
}

/// The queue tree `conf` configures.
pub fn queues_of(conf: &Configuration) -> Result<QueueSpec, ConfigError> {
    Ok(queue_spec(conf, "root")?)
}

/// The include and exclude lists named by `conf`
/// (`yarn.resourcemanager.nodes.{include,exclude}-path`, unset by default): host names or
/// `host:port`s separated by white space, `#` starting a comment.
pub fn host_lists(conf: &Configuration) -> Result<HostLists, ConfigError> {
    let read = |key: &str| -> Result<BTreeSet<String>, ConfigError> {
        let Some(path) = conf.get_trimmed(key).filter(|path| !path.is_empty()) else {
            return Ok(BTreeSet::new());
        };
        let text =
            std::fs::read_to_string(Path::new(&path)).map_err(|source| ConfigError::HostsFile {
                path: path.clone(),
                source,
            })?;
        let mut hosts = BTreeSet::new();
        for line in text.lines() {
            let content = line.split('#').next().unwrap_or_default();
            hosts.extend(content.split_whitespace().map(str::to_string));
        }
        Ok(hosts)
    };
    Ok(HostLists {
        included: read(keys::YARN_RESOURCEMANAGER_NODES_INCLUDE_PATH)?,
        excluded: read(keys::YARN_RESOURCEMANAGER_NODES_EXCLUDE_PATH)?,
    })
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
