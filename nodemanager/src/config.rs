//! The NodeManager's typed configuration, read and checked once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, TimeUnit, keys};

use crate::resources;

/// Everything a NodeManager needs from `yarn-site.xml`.
#[derive(Clone, Debug)]
pub struct NodeManagerConfig {
    /// Where ContainerManagement listens (`yarn.nodemanager.address`).
    pub address: SocketAddr,
    /// The host it advertises in its node id (`yarn.nodemanager.hostname`).
    pub hostname: String,
    pub webapp_address: SocketAddr,
    /// `yarn.resourcemanager.resource-tracker.address`
    pub tracker_address: String,
    pub local_dirs: Vec<PathBuf>,
    pub log_dirs: Vec<PathBuf>,
    pub memory_mb: i64,
    pub vcores: i32,
    pub monitor_interval: Duration,
    pub pmem_check_enabled: bool,
    /// SIGTERM to SIGKILL (`yarn.nodemanager.sleep-delay-before-sigkill.ms`).
    pub sigkill_delay: Duration,
    pub log_aggregation_enabled: bool,
    pub remote_app_log_dir: String,
    pub remote_app_log_dir_suffix: String,
    /// Auxiliary services to run (`yarn.nodemanager.aux-services`).
    pub aux_services: Vec<String>,
    /// `HADOOP_CONF_DIR` handed to containers so their code finds the cluster.
    pub container_conf_dir: Option<PathBuf>,
    pub conf: Configuration,
}

impl NodeManagerConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let address = conf.get_resolved_socket_addr(keys::YARN_NODEMANAGER_ADDRESS)?;
        let hostname = match conf.get_trimmed(keys::YARN_NODEMANAGER_HOSTNAME) {
            Some(host) if host != "0.0.0.0" => host,
            _ if !address.ip().is_unspecified() => address.ip().to_string(),
            _ => "127.0.0.1".to_string(),
        };
        let (tracker_host, tracker_port) =
            conf.get_socket_addr(keys::YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS)?;
        let memory = conf.get_i64(keys::YARN_NODEMANAGER_RESOURCE_MEMORY_MB)?;
        let vcores = conf.get_i64(keys::YARN_NODEMANAGER_RESOURCE_CPU_VCORES)?;
        Ok(Self {
            address,
            hostname,
            webapp_address: conf.get_resolved_socket_addr(keys::YARN_NODEMANAGER_WEBAPP_ADDRESS)?,
            tracker_address: format!("{tracker_host}:{tracker_port}"),
            local_dirs: conf.get_local_dirs_or_default(keys::YARN_NODEMANAGER_LOCAL_DIRS)?,
            log_dirs: conf.get_local_dirs_or_default(keys::YARN_NODEMANAGER_LOG_DIRS)?,
            memory_mb: if memory > 0 {
                memory
            } else {
                resources::physical_memory_mb()
            },
            vcores: if vcores > 0 {
                vcores as i32
            } else {
                resources::cpu_count()
            },
            monitor_interval: conf.get_duration(
                keys::YARN_NODEMANAGER_CONTAINER_MONITOR_INTERVAL_MS,
                TimeUnit::Milliseconds,
            )?,
            pmem_check_enabled: conf.get_bool(keys::YARN_NODEMANAGER_PMEM_CHECK_ENABLED)?,
            sigkill_delay: conf.get_duration(
                keys::YARN_NODEMANAGER_SLEEP_DELAY_BEFORE_SIGKILL_MS,
                TimeUnit::Milliseconds,
            )?,
            log_aggregation_enabled: conf.get_bool(keys::YARN_LOG_AGGREGATION_ENABLE)?,
            remote_app_log_dir: conf.get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR)?,
            remote_app_log_dir_suffix: conf
                .get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR_SUFFIX)?,
            aux_services: conf.get_strings(keys::YARN_NODEMANAGER_AUX_SERVICES),
            container_conf_dir: std::env::var_os("HADOOP_CONF_DIR").map(PathBuf::from),
            conf: conf.clone(),
        })
    }
}
