//! YARN in the mini-cluster: a ResourceManager and NodeManagers on port 0.
//! NodeManager `i` shares DataNode `i`'s loopback address and rack, so the
//! scheduler's locality sees the same topology as HDFS placement. Time-driven
//! behaviour is fast by default (100 ms heartbeats, 3 s NodeManager expiry,
//! 200 ms memory monitor); `.set(..)` on the builder overrides any of it.
//! Each NodeManager runs its own MapReduce shuffle service on port 0 unless
//! the builder was given auxiliary services of its own.

use std::sync::Arc;

use anyhow::Context;
use client::yarn::YarnClient;
use common::faults;
use mapreduce::mapoutput::{SHUFFLE_PORT_KEY, SHUFFLE_SERVICE_NAME, parse_shuffle_port};
use mapreduce::shuffle::ShuffleHandler;
use nodemanager::{AuxServices, NodeManager, NodeManagerConfig};
use resourcemanager::{ResourceManager, ResourceManagerConfig};

use crate::{MiniCluster, RESOURCEMANAGER, datanode_host, nodemanager_name};

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

/// The YARN daemons of a [`MiniCluster`].
pub struct MiniYarn {
    resourcemanager: Option<ResourceManager>,
    nodemanagers: Vec<Option<NodeManager>>,
    aux_services: AuxServices,
}

impl MiniCluster {
    /// Starts the ResourceManager and `count` NodeManagers; called by the
    /// builder when `.nodemanagers(n)` was given.
    pub(crate) async fn start_yarn(
        &mut self,
        count: usize,
        aux_services: AuxServices,
        overrides: &[(String, String)],
    ) -> anyhow::Result<()> {
        let host = "127.0.0.1";
        let overridden = |key: &str| overrides.iter().any(|(overridden, _)| overridden == key);
        for (key, value) in YARN_DEFAULTS {
            if !overridden(key) {
                self.conf.set(key, *value);
            }
        }
        if aux_services.is_empty() && !overridden(AUX_SERVICES_KEY) {
            self.conf.set(AUX_SERVICES_KEY, SHUFFLE_SERVICE_NAME);
        }
        for key in [
            "yarn.resourcemanager.address",
            "yarn.resourcemanager.scheduler.address",
            "yarn.resourcemanager.resource-tracker.address",
            "yarn.resourcemanager.webapp.address",
        ] {
            self.conf.set(key, format!("{host}:0"));
        }
        let resourcemanager = self.resourcemanager_start().await?;
        let addresses = resourcemanager.addresses();
        self.conf
            .set("yarn.resourcemanager.address", addresses.client.to_string());
        self.conf.set(
            "yarn.resourcemanager.scheduler.address",
            addresses.scheduler.to_string(),
        );
        self.conf.set(
            "yarn.resourcemanager.resource-tracker.address",
            addresses.tracker.to_string(),
        );
        self.conf.set(
            "yarn.resourcemanager.webapp.address",
            addresses.webapp.to_string(),
        );
        self.write_conf_dir()?;
        self.yarn = Some(MiniYarn {
            resourcemanager: Some(resourcemanager),
            nodemanagers: (0..count).map(|_| None).collect(),
            aux_services,
        });
        for index in 0..count {
            self.start_nodemanager(index).await?;
        }
        Ok(())
    }

    /// Starts a ResourceManager on the addresses of `self.conf`, with the
    /// cluster's clock.
    async fn resourcemanager_start(&self) -> anyhow::Result<ResourceManager> {
        let mut config = ResourceManagerConfig::from_conf(&self.conf)?;
        config.clock = self.clock.clone();
        let resourcemanager = ResourceManager::start(config).await?;
        let addresses = resourcemanager.addresses();
        faults::register(
            RESOURCEMANAGER,
            [
                addresses.client,
                addresses.scheduler,
                addresses.tracker,
                addresses.webapp,
            ],
        );
        Ok(resourcemanager)
    }

    /// Stops the ResourceManager (its state is in memory and goes with it);
    /// the NodeManagers keep running and heartbeat into the void.
    pub async fn stop_resourcemanager(&mut self) {
        let stopped = self
            .yarn
            .as_mut()
            .and_then(|yarn| yarn.resourcemanager.take());
        if let Some(resourcemanager) = stopped {
            resourcemanager.stop().await;
        }
    }

    /// Starts the ResourceManager again on the same ports; the NodeManagers
    /// register with it again on their next heartbeats.
    pub async fn restart_resourcemanager(&mut self) -> anyhow::Result<()> {
        self.stop_resourcemanager().await;
        let resourcemanager = self.resourcemanager_start().await?;
        self.yarn_mut()?.resourcemanager = Some(resourcemanager);
        Ok(())
    }

    fn yarn(&self) -> anyhow::Result<&MiniYarn> {
        self.yarn
            .as_ref()
            .context("the mini-cluster has no YARN (use .nodemanagers(n))")
    }

    fn yarn_mut(&mut self) -> anyhow::Result<&mut MiniYarn> {
        self.yarn
            .as_mut()
            .context("the mini-cluster has no YARN (use .nodemanagers(n))")
    }

    /// The running ResourceManager.
    pub fn resourcemanager(&self) -> anyhow::Result<&ResourceManager> {
        self.yarn()?
            .resourcemanager
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
        config.container_conf_dir = Some(self.conf_dir());
        Ok(config)
    }

    /// Starts (or restarts) NodeManager `index`, with the builder's
    /// auxiliary services and, unless one of them is, a shuffle service of
    /// its own.
    pub async fn start_nodemanager(&mut self, index: usize) -> anyhow::Result<()> {
        let config = self.nodemanager_config(index)?;
        let mut aux_services = self.yarn()?.aux_services.clone();
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
        let yarn = self.yarn_mut()?;
        if index >= yarn.nodemanagers.len() {
            yarn.nodemanagers.resize_with(index + 1, || None);
        }
        yarn.nodemanagers[index] = Some(nodemanager);
        Ok(())
    }

    /// Stops NodeManager `index`: its containers are killed and it stops
    /// heartbeating; the RM declares it LOST after the expiry interval.
    pub async fn stop_nodemanager(&mut self, index: usize) {
        let stopped = self
            .yarn
            .as_mut()
            .and_then(|yarn| yarn.nodemanagers.get_mut(index))
            .and_then(Option::take);
        if let Some(nodemanager) = stopped {
            nodemanager.stop().await;
        }
    }

    /// The running NodeManager `index`.
    pub fn nodemanager(&self, index: usize) -> anyhow::Result<&NodeManager> {
        self.yarn()?
            .nodemanagers
            .get(index)
            .and_then(Option::as_ref)
            .with_context(|| format!("NodeManager {index} is not running"))
    }

    /// The running NodeManager with this node id (`host:port`).
    pub fn nodemanager_by_id(&self, node_id: &str) -> Option<&NodeManager> {
        let yarn = self.yarn.as_ref()?;
        yarn.nodemanagers
            .iter()
            .flatten()
            .find(|nodemanager| nodemanager.node_id() == node_id)
    }

    pub fn num_nodemanagers(&self) -> usize {
        self.yarn.as_ref().map_or(0, |yarn| yarn.nodemanagers.len())
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

    /// Stops the NodeManagers, then the ResourceManager.
    pub(crate) async fn stop_yarn(&mut self) {
        let Some(mut yarn) = self.yarn.take() else {
            return;
        };
        for nodemanager in yarn.nodemanagers.iter_mut().filter_map(Option::take) {
            nodemanager.stop().await;
        }
        if let Some(resourcemanager) = yarn.resourcemanager.take() {
            resourcemanager.stop().await;
        }
    }
}

/// An auxiliary service handle, for [`crate::MiniClusterBuilder::aux_service`].
pub type AuxService = Arc<dyn nodemanager::AuxiliaryService>;
