//! YARN in the mini-cluster: a ResourceManager and NodeManagers on port 0.
//! NodeManager `i` shares DataNode `i`'s loopback address and rack, so the
//! scheduler's locality sees the same topology as HDFS placement. Time-driven
//! behaviour is fast by default (100 ms heartbeats, 3 s NodeManager expiry,
//! 200 ms memory monitor); `.set(..)` on the builder overrides any of it.
//! Each NodeManager runs its own MapReduce shuffle service on port 0 unless
//! the builder was given auxiliary services of its own.
//!
//! [`MiniYarn`] stands on its own so that both the [`MiniCluster`] and the HA
//! mini-cluster ([`crate::ha::HaCluster`]) can run YARN over their HDFS.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use client::yarn::YarnClient;
use common::time::Clock;
use common::{Configuration, faults};
use mapreduce::mapoutput::{SHUFFLE_PORT_KEY, SHUFFLE_SERVICE_NAME, parse_shuffle_port};
use mapreduce::shuffle::ShuffleHandler;
use mapreduce::yarn::historyserver::{self, HistoryServer};
use nodemanager::{AuxServices, NodeManager, NodeManagerConfig};
use resourcemanager::{ResourceManager, ResourceManagerConfig};

use crate::{MiniCluster, RESOURCEMANAGER, datanode_host, nodemanager_name, write_conf_dir};

/// Defaults of a mini-cluster's YARN, before the builder's overrides.
const YARN_DEFAULTS: &[(&str, &str)] = &[
    (
        "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms",
        "100",
    ),
    ("yarn.nm.liveness-monitor.expiry-interval-ms", "3000"),
    ("yarn.am.liveness-monitor.expiry-interval-ms", "60000"),
    ("yarn.nodemanager.container-monitor.interval-ms", "200"),
    ("yarn.nodemanager.resource.memory-mb", "4096"),
    ("yarn.nodemanager.resource.cpu-vcores", "8"),
    ("yarn.scheduler.minimum-allocation-mb", "128"),
    ("yarn.scheduler.maximum-allocation-mb", "4096"),
    ("yarn.scheduler.maximum-allocation-vcores", "8"),
    ("yarn.scheduler.capacity.node-locality-delay", "4"),
    ("yarn.log-aggregation-enable", "true"),
    (SHUFFLE_PORT_KEY, "0"),
    // MapReduce jobs submitted with this cluster's conf run on its YARN,
    // in containers sized for small test jobs.
    ("mapreduce.framework.name", "yarn"),
    ("yarn.app.mapreduce.am.resource.mb", "256"),
    ("mapreduce.map.memory.mb", "256"),
    ("mapreduce.reduce.memory.mb", "512"),
];
/// The key naming the auxiliary services NodeManagers run.
const AUX_SERVICES_KEY: &str = "yarn.nodemanager.aux-services";

/// A mini-cluster's YARN daemons: a ResourceManager and NodeManagers, in
/// this process, over the HDFS the configuration names.
pub struct MiniYarn {
    /// The cluster's configuration with the ResourceManager's addresses.
    conf: Configuration,
    base_dir: PathBuf,
    conf_dir: PathBuf,
    clock: Clock,
    resourcemanager: Option<ResourceManager>,
    nodemanagers: Vec<Option<NodeManager>>,
    aux_services: AuxServices,
    /// The JobHistoryServer, which serves finished jobs (and which the
    /// ResourceManager's proxy sends a finished job's pages to).
    history: Option<HistoryServer>,
}

impl MiniYarn {
    /// Starts the ResourceManager and `count` NodeManagers. Adds YARN's keys
    /// (the defaults above unless `overrides` name them, and the
    /// ResourceManager's addresses) to `conf` and rewrites `conf_dir` with
    /// it, so tools and containers find this YARN.
    pub(crate) async fn start(
        conf: &mut Configuration,
        base_dir: &Path,
        conf_dir: PathBuf,
        clock: Clock,
        count: usize,
        aux_services: AuxServices,
        overrides: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let host = "127.0.0.1";
        let overridden = |key: &str| overrides.iter().any(|(overridden, _)| overridden == key);
        for (key, value) in YARN_DEFAULTS {
            if !overridden(key) {
                conf.set(key, *value);
            }
        }
        if aux_services.is_empty() && !overridden(AUX_SERVICES_KEY) {
            conf.set(AUX_SERVICES_KEY, SHUFFLE_SERVICE_NAME);
        }
        for key in [
            "yarn.resourcemanager.address",
            "yarn.resourcemanager.scheduler.address",
            "yarn.resourcemanager.resource-tracker.address",
            "yarn.resourcemanager.admin.address",
            "yarn.resourcemanager.webapp.address",
        ] {
            conf.set(key, format!("{host}:0"));
        }
        // A JobHistoryServer of its own, unless the cluster's user runs one
        // at an address they chose.
        let history = if overridden(historyserver::WEBAPP_ADDRESS_KEY) {
            None
        } else {
            conf.set(historyserver::WEBAPP_ADDRESS_KEY, format!("{host}:0"));
            let history = HistoryServer::start(conf)
                .await
                .context("starting the JobHistoryServer")?;
            conf.set(
                historyserver::WEBAPP_ADDRESS_KEY,
                history.web_address().to_string(),
            );
            Some(history)
        };
        let mut yarn = Self {
            conf: conf.clone(),
            base_dir: base_dir.to_path_buf(),
            conf_dir,
            clock,
            resourcemanager: None,
            nodemanagers: (0..count).map(|_| None).collect(),
            aux_services,
            history,
        };
        let resourcemanager = yarn.resourcemanager_start().await?;
        let addresses = resourcemanager.addresses();
        for (key, address) in [
            ("yarn.resourcemanager.address", addresses.client),
            (
                "yarn.resourcemanager.scheduler.address",
                addresses.scheduler,
            ),
            (
                "yarn.resourcemanager.resource-tracker.address",
                addresses.tracker,
            ),
            ("yarn.resourcemanager.admin.address", addresses.admin),
            ("yarn.resourcemanager.webapp.address", addresses.webapp),
        ] {
            conf.set(key, address.to_string());
        }
        write_conf_dir(conf, &yarn.conf_dir)?;
        yarn.conf = conf.clone();
        yarn.resourcemanager = Some(resourcemanager);
        for index in 0..count {
            yarn.start_nodemanager(index).await?;
        }
        Ok(yarn)
    }

    /// Starts a ResourceManager on the addresses of `self.conf`, with the
    /// cluster's clock.
    async fn resourcemanager_start(&self) -> anyhow::Result<ResourceManager> {
        let mut config = ResourceManagerConfig::from_conf(&self.conf)?;
        config.clock = self.clock.clone();
        // `yarn rmadmin -refresh*` reads the cluster's conf dir again.
        config.conf_dir = Some(self.conf_dir.clone());
        let resourcemanager = ResourceManager::start(config).await?;
        let addresses = resourcemanager.addresses();
        faults::register(
            RESOURCEMANAGER,
            [
                addresses.client,
                addresses.scheduler,
                addresses.tracker,
                addresses.admin,
                addresses.webapp,
            ],
        );
        Ok(resourcemanager)
    }

    /// Stops the ResourceManager (its state is in memory and goes with it);
    /// the NodeManagers keep running and heartbeat into the void.
    pub async fn stop_resourcemanager(&mut self) {
        if let Some(resourcemanager) = self.resourcemanager.take() {
            resourcemanager.stop().await;
        }
    }

    /// Starts the ResourceManager again on the same ports; the NodeManagers
    /// register with it again on their next heartbeats.
    pub async fn restart_resourcemanager(&mut self) -> anyhow::Result<()> {
        self.stop_resourcemanager().await;
        self.resourcemanager = Some(self.resourcemanager_start().await?);
        Ok(())
    }

    /// The running ResourceManager.
    pub fn resourcemanager(&self) -> anyhow::Result<&ResourceManager> {
        self.resourcemanager
            .as_ref()
            .context("the ResourceManager is stopped")
    }

    /// `http://host:port` of the ResourceManager's web UI and REST API.
    pub fn resourcemanager_web_url(&self) -> anyhow::Result<String> {
        Ok(format!(
            "http://{}",
            self.resourcemanager()?.addresses().webapp
        ))
    }

    /// A YARN client of this cluster, as the current user.
    pub fn yarn_client(&self) -> anyhow::Result<YarnClient> {
        Ok(YarnClient::from_conf(&self.conf)?)
    }

    fn nodemanager_config(&self, index: usize) -> anyhow::Result<NodeManagerConfig> {
        let mut conf = self.conf.clone();
        let host = datanode_host(index);
        let dir = self.base_dir.join(format!("nm{index}"));
        conf.set("yarn.nodemanager.address", format!("{host}:0"));
        conf.set("yarn.nodemanager.hostname", host.clone());
        conf.set("yarn.nodemanager.webapp.address", format!("{host}:0"));
        conf.set(
            "yarn.nodemanager.local-dirs",
            dir.join("local").display().to_string(),
        );
        conf.set(
            "yarn.nodemanager.log-dirs",
            dir.join("logs").display().to_string(),
        );
        let mut config = NodeManagerConfig::from_conf(&conf)?;
        config.container_conf_dir = Some(self.conf_dir.clone());
        Ok(config)
    }

    /// Starts (or restarts) NodeManager `index`, with the builder's
    /// auxiliary services and, unless one of them is, a shuffle service of
    /// its own.
    pub async fn start_nodemanager(&mut self, index: usize) -> anyhow::Result<()> {
        let config = self.nodemanager_config(index)?;
        let mut aux_services = self.aux_services.clone();
        if !aux_services
            .iter()
            .any(|service| service.name() == SHUFFLE_SERVICE_NAME)
        {
            aux_services.push(Arc::new(ShuffleHandler::new()));
        }
        let nodemanager = NodeManager::start(config, aux_services)
            .await
            .with_context(|| format!("starting NodeManager {index}"))?;
        let mut addresses = vec![nodemanager.address().to_string()];
        if let Some(port) = nodemanager
            .containers()
            .aux_metadata
            .get(SHUFFLE_SERVICE_NAME)
            .and_then(|metadata| parse_shuffle_port(metadata))
        {
            let host = nodemanager.node_id().split(':').next().unwrap_or_default();
            addresses.push(format!("{host}:{port}"));
        }
        faults::register(&nodemanager_name(index), addresses);
        if index >= self.nodemanagers.len() {
            self.nodemanagers.resize_with(index + 1, || None);
        }
        self.nodemanagers[index] = Some(nodemanager);
        Ok(())
    }

    /// Stops NodeManager `index`: its containers are killed and it stops
    /// heartbeating; the RM declares it LOST after the expiry interval.
    pub async fn stop_nodemanager(&mut self, index: usize) {
        if let Some(nodemanager) = self.nodemanagers.get_mut(index).and_then(Option::take) {
            nodemanager.stop().await;
        }
    }

    /// The running NodeManager `index`.
    pub fn nodemanager(&self, index: usize) -> anyhow::Result<&NodeManager> {
        self.nodemanagers
            .get(index)
            .and_then(Option::as_ref)
            .with_context(|| format!("NodeManager {index} is not running"))
    }

    /// The running NodeManager with this node id (`host:port`).
    pub fn nodemanager_by_id(&self, node_id: &str) -> Option<&NodeManager> {
        self.nodemanagers
            .iter()
            .flatten()
            .find(|nodemanager| nodemanager.node_id() == node_id)
    }

    pub fn num_nodemanagers(&self) -> usize {
        self.nodemanagers.len()
    }

    /// Waits until `count` NodeManagers are RUNNING at the RM.
    pub async fn wait_nodemanagers(
        &self,
        count: usize,
        timeout: std::time::Duration,
    ) -> anyhow::Result<()> {
        let client = self.yarn_client()?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let running = client
                .nodes(&[proto::yarn::NodeState::NodeRunning])
                .await?
                .len();
            if running >= count {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("{running} of {count} NodeManagers running after {timeout:?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The JobHistoryServer's web address (its pages and REST API).
    pub fn jobhistory_web_url(&self) -> anyhow::Result<String> {
        let history = self
            .history
            .as_ref()
            .context("the mini-cluster runs no JobHistoryServer of its own")?;
        Ok(format!("http://{}", history.web_address()))
    }

    /// Stops the NodeManagers, then the ResourceManager and the
    /// JobHistoryServer.
    pub async fn stop(mut self) {
        for nodemanager in self.nodemanagers.iter_mut().filter_map(Option::take) {
            nodemanager.stop().await;
        }
        self.stop_resourcemanager().await;
        if let Some(history) = self.history.take() {
            history.stop().await;
        }
    }
}

/// The YARN of a [`MiniCluster`] built with `.nodemanagers(n)`.
impl MiniCluster {
    /// Starts the ResourceManager and `count` NodeManagers; called by the
    /// builder when `.nodemanagers(n)` was given.
    pub(crate) async fn start_yarn(
        &mut self,
        count: usize,
        aux_services: AuxServices,
        overrides: &[(String, String)],
    ) -> anyhow::Result<()> {
        let conf_dir = self.conf_dir();
        let yarn = MiniYarn::start(
            &mut self.conf,
            &self.base_dir,
            conf_dir,
            self.clock.clone(),
            count,
            aux_services,
            overrides,
        )
        .await?;
        self.yarn = Some(yarn);
        Ok(())
    }

    /// The cluster's YARN.
    pub fn yarn(&self) -> anyhow::Result<&MiniYarn> {
        self.yarn
            .as_ref()
            .context("the mini-cluster has no YARN (use .nodemanagers(n))")
    }

    /// The cluster's YARN, to stop and start its daemons.
    pub fn yarn_mut(&mut self) -> anyhow::Result<&mut MiniYarn> {
        self.yarn
            .as_mut()
            .context("the mini-cluster has no YARN (use .nodemanagers(n))")
    }

    /// The running ResourceManager.
    pub fn resourcemanager(&self) -> anyhow::Result<&ResourceManager> {
        self.yarn()?.resourcemanager()
    }

    /// `http://host:port` of the ResourceManager's web UI and REST API.
    pub fn resourcemanager_web_url(&self) -> anyhow::Result<String> {
        self.yarn()?.resourcemanager_web_url()
    }

    /// A YARN client of this cluster, as the current user.
    pub fn yarn_client(&self) -> anyhow::Result<YarnClient> {
        self.yarn()?.yarn_client()
    }

    /// The running NodeManager `index`.
    pub fn nodemanager(&self, index: usize) -> anyhow::Result<&NodeManager> {
        self.yarn()?.nodemanager(index)
    }

    /// Waits until `count` NodeManagers are RUNNING at the RM.
    pub async fn wait_nodemanagers(
        &self,
        count: usize,
        timeout: std::time::Duration,
    ) -> anyhow::Result<()> {
        self.yarn()?.wait_nodemanagers(count, timeout).await
    }

    /// Stops the NodeManagers, then the ResourceManager.
    pub(crate) async fn stop_yarn(&mut self) {
        if let Some(yarn) = self.yarn.take() {
            yarn.stop().await;
        }
    }
}

/// An auxiliary service handle, for [`crate::MiniClusterBuilder::aux_service`].
pub type AuxService = Arc<dyn nodemanager::AuxiliaryService>;
