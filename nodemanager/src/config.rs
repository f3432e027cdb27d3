//! The NodeManager's typed configuration, read and checked once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, TimeUnit};

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
        let address = conf.get_resolved_socket_addr("yarn.nodemanager.address", "0.0.0.0:0")?;
        let hostname = match conf.get_trimmed("yarn.nodemanager.hostname") {
            Some(host) if host != "0.0.0.0" => host,
            _ if !address.ip().is_unspecified() => address.ip().to_string(),
            _ => "127.0.0.1".to_string(),
        };
        let (tracker_host, tracker_port) = conf.get_socket_addr(
            "yarn.resourcemanager.resource-tracker.address",
            "0.0.0.0:8031",
        )?;
        let tmp = conf.get_or("hadoop.tmp.dir", "/tmp");
        let dirs = |key: &str, default: String| -> Result<Vec<PathBuf>, ConfError> {
            let dirs = conf.get_local_dirs(key)?;
            Ok(if dirs.is_empty() {
                vec![PathBuf::from(default)]
            } else {
                dirs
            })
        };
        let memory = conf.get_i64("yarn.nodemanager.resource.memory-mb", -1)?;
        let vcores = conf.get_i64("yarn.nodemanager.resource.cpu-vcores", -1)?;
        Ok(Self {
            address,
            hostname,
            webapp_address: conf
                .get_resolved_socket_addr("yarn.nodemanager.webapp.address", "0.0.0.0:8042")?,
            tracker_address: format!("{tracker_host}:{tracker_port}"),
            local_dirs: dirs("yarn.nodemanager.local-dirs", format!("{tmp}/nm-local-dir"))?,
            log_dirs: dirs("yarn.nodemanager.log-dirs", format!("{tmp}/userlogs"))?,
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
                "yarn.nodemanager.container-monitor.interval-ms",
                Duration::from_millis(3000),
                TimeUnit::Milliseconds,
            )?,
            pmem_check_enabled: conf.get_bool("yarn.nodemanager.pmem-check-enabled", true)?,
            sigkill_delay: conf.get_duration(
                "yarn.nodemanager.sleep-delay-before-sigkill.ms",
                Duration::from_millis(250),
                TimeUnit::Milliseconds,
            )?,
            log_aggregation_enabled: conf.get_bool("yarn.log-aggregation-enable", false)?,
            remote_app_log_dir: conf.get_or("yarn.nodemanager.remote-app-log-dir", "/tmp/logs"),
            remote_app_log_dir_suffix: conf
                .get_or("yarn.nodemanager.remote-app-log-dir-suffix", "logs"),
            aux_services: conf.get_strings("yarn.nodemanager.aux-services"),
            container_conf_dir: std::env::var_os("HADOOP_CONF_DIR").map(PathBuf::from),
            conf: conf.clone(),
        })
    }
}
