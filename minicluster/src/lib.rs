//! An in-process cluster for tests and demos: a NameNode and DataNodes on
//! port 0 in a temporary directory, with a `HADOOP_CONF_DIR` written for
//! command-line tools. DataNode `i` binds its own loopback address
//! (127.0.0.`i+2`) and is placed on its rack through a topology table file,
//! so placement and distances behave as on a real multi-rack cluster.
//!
//! Every daemon is a named node for [`common::faults`] (`nn`, `dn<i>`, `jn<i>`,
//! `rm`, `nm<i>`): [`MiniCluster::partition`], [`MiniCluster::drop_traffic`] and
//! [`MiniCluster::delay`] fault the traffic between them, and a cluster built
//! with [`MiniClusterBuilder::manual_clock`] expires DataNodes and
//! NodeManagers only when the test advances [`MiniCluster::clock`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let cluster = tusk_minicluster::MiniCluster::builder().build().await?;
//! let client = cluster.client()?;
//! client.mkdirs("/data", common::FsPermission::new(0o755), true).await?;
//! cluster.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use client::DfsClient;
use common::time::Clock;
use common::{Configuration, FsPermission, faults};
use datanode::{DataNode, DataNodeConfig};
use namenode::Namesystem;
use namenode::{JournalNode, JournalNodeConfig, NameNode, NameNodeConfig};

pub mod ha;
pub mod ports;
pub mod yarn;
pub mod zookeeper;

/// Configures a [`MiniCluster`].
#[derive(Default)]
pub struct MiniClusterBuilder {
    base_dir: Option<PathBuf>,
    overrides: Vec<(String, String)>,
    bind_host: Option<String>,
    racks: Vec<String>,
    nodemanagers: usize,
    aux_services: Vec<yarn::AuxService>,
    clock: Clock,
    journal_nodes: usize,
}

impl MiniClusterBuilder {
    /// Puts the (non-HA) NameNode's edits on a quorum of `count` in-process
    /// JournalNodes (`jn<i>`, on fixed loopback ports so they restart where
    /// the NameNode's `qjournal://` URI points), besides its name dir.
    pub fn journal_nodes(mut self, count: usize) -> Self {
        self.journal_nodes = count;
        self
    }

    /// Keeps the cluster's files under `dir` instead of a temporary directory
    /// removed on drop.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Sets a configuration key for every daemon (like `-D key=value`).
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.overrides.push((key.to_string(), value.to_string()));
        self
    }

    /// Starts `count` DataNodes, all on /default-rack.
    pub fn datanodes(mut self, count: usize) -> Self {
        self.racks = vec![common::topology::DEFAULT_RACK.to_string(); count];
        self
    }

    /// Starts one DataNode per entry, on that rack.
    pub fn racks(mut self, racks: &[&str]) -> Self {
        self.racks = racks.iter().map(|rack| rack.to_string()).collect();
        self
    }

    /// Starts a ResourceManager and `count` NodeManagers (NodeManager `i`
    /// beside DataNode `i`, on its rack).
    pub fn nodemanagers(mut self, count: usize) -> Self {
        self.nodemanagers = count;
        self
    }

    /// Gives every NodeManager an auxiliary service (run when named in
    /// `yarn.nodemanager.aux-services`). Without any, the NodeManagers run
    /// the MapReduce shuffle (`mapreduce_shuffle`, port 0) by default.
    pub fn aux_service(mut self, service: yarn::AuxService) -> Self {
        self.aux_services.push(service);
        self
    }

    /// Measures DataNode and NodeManager liveness with a manual clock, which
    /// moves only when the test advances [`MiniCluster::clock`]: expiry
    /// intervals of minutes then pass without waiting.
    pub fn manual_clock(mut self) -> Self {
        self.clock = Clock::manual();
        self
    }

    /// Host the NameNode binds to and advertises (default 127.0.0.1).
    pub fn bind_host(mut self, host: &str) -> Self {
        self.bind_host = Some(host.to_string());
        self
    }

    /// Formats a fresh namespace and starts the NameNode.
    pub async fn build(self) -> anyhow::Result<MiniCluster> {
        let (temp_dir, base_dir) = match self.base_dir {
            Some(dir) => (None, dir),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("tusk-minicluster-")
                    .tempdir()?;
                let path = temp.path().to_path_buf();
                (Some(temp), path)
            }
        };
        let host = self.bind_host.unwrap_or_else(|| "127.0.0.1".to_string());
        let mut conf = Configuration::new();
        test_settings(&mut conf, &base_dir);
        conf.set(
            "dfs.namenode.name.dir",
            base_dir.join("name").display().to_string(),
        );
        conf.set("dfs.namenode.rpc-address", format!("{host}:0"));
        conf.set("dfs.namenode.http-address", format!("{host}:0"));
        if !self.racks.is_empty() {
            std::fs::create_dir_all(&base_dir)?;
            let table = base_dir.join("topology.table");
            let lines: String = self
                .racks
                .iter()
                .enumerate()
                .map(|(index, rack)| format!("{} {rack}\n", datanode_host(index)))
                .collect();
            std::fs::write(&table, lines)?;
            conf.set("net.topology.table.file.name", table.display().to_string());
        }
        let journal_configs = if self.journal_nodes > 0 {
            journal_node_configs(
                &mut conf,
                &base_dir,
                &host,
                self.journal_nodes,
                &self.overrides,
            )?
        } else {
            Vec::new()
        };
        for (key, value) in &self.overrides {
            conf.set(key, value.clone());
        }
        let log_dir_unset = conf
            .get_trimmed(common::http::LOG_DIR_KEY)
            .is_none_or(|dir| dir.is_empty());
        if conf.get_bool(common::conf::keys::DFS_NAMENODE_AUDIT_LOG_ENABLED)? && log_dir_unset {
            // The audit log goes in the cluster's own directory.
            conf.set(
                common::http::LOG_DIR_KEY,
                base_dir.join("logs").display().to_string(),
            );
        }
        let mut config = NameNodeConfig::from_conf(&conf)?;
        config.namesystem.block_manager.clock = self.clock.clone();
        Namesystem::format(&config.namesystem, None, true)
            .context("formatting the mini-cluster's NameNode")?;
        let mut journal_nodes = Vec::new();
        for (index, journal_config) in journal_configs.iter().enumerate() {
            let node = JournalNode::start(journal_config.clone()).await?;
            faults::register(
                &journal_node_name(index),
                [node.rpc_address(), node.http_address()],
            );
            journal_nodes.push(Some(node));
        }
        if let Some(quorum) = &config.namesystem.shared_edits {
            namenode::format_shared_edits(quorum, &config.namesystem.name_dirs, true)
                .await
                .context("formatting the mini-cluster's JournalNodes")?;
        }
        let mut cluster = MiniCluster {
            _temp_dir: temp_dir,
            base_dir,
            conf,
            config,
            namenode: None,
            datanodes: Vec::new(),
            yarn: None,
            clock: self.clock,
            journal_configs,
            journal_nodes,
        };
        cluster.start_namenode().await?;
        cluster.pin_addresses()?;
        for _ in &self.racks {
            let index = cluster.datanodes.len();
            cluster.datanodes.push(None);
            cluster.start_datanode(index).await?;
        }
        if self.nodemanagers > 0 {
            cluster
                .start_yarn(self.nodemanagers, self.aux_services, &self.overrides)
                .await?;
        }
        Ok(cluster)
    }
}

/// A running mini-cluster. Dropping it without [`MiniCluster::shutdown`]
/// aborts its servers with the runtime; files go with the temporary dir.
pub struct MiniCluster {
    _temp_dir: Option<tempfile::TempDir>,
    base_dir: PathBuf,
    conf: Configuration,
    config: NameNodeConfig,
    namenode: Option<NameNode>,
    datanodes: Vec<Option<DataNode>>,
    yarn: Option<yarn::MiniYarn>,
    clock: Clock,
    journal_configs: Vec<JournalNodeConfig>,
    journal_nodes: Vec<Option<JournalNode>>,
}

/// The fault-injection name of JournalNode `index`.
pub fn journal_node_name(index: usize) -> String {
    format!("jn{index}")
}

/// The journal id of a mini-cluster's quorum journal.
pub const JOURNAL_ID: &str = "minicluster";

/// Picks `count` JournalNodes' ports, points `dfs.namenode.shared.edits.dir`
/// at them (syncing every second unless `overrides` say otherwise) and
/// returns their configs.
fn journal_node_configs(
    conf: &mut Configuration,
    base_dir: &Path,
    host: &str,
    count: usize,
    overrides: &[(String, String)],
) -> anyhow::Result<Vec<JournalNodeConfig>> {
    let mut reserved = Vec::new();
    for _ in 0..count * 2 {
        reserved.push(std::net::TcpListener::bind((host, 0))?);
    }
    let ports: Vec<u16> = reserved
        .iter()
        .map(|listener| listener.local_addr().map(|address| address.port()))
        .collect::<Result<_, _>>()?;
    drop(reserved);
    let uri = format!(
        "qjournal://{}/{JOURNAL_ID}",
        (0..count)
            .map(|index| format!("{host}:{}", ports[index * 2]))
            .collect::<Vec<_>>()
            .join(";")
    );
    conf.set("dfs.namenode.shared.edits.dir", uri);
    conf.set("dfs.journalnode.sync.interval", "1000");
    let mut jn_conf = conf.clone();
    for (key, value) in overrides {
        jn_conf.set(key, value.clone());
    }
    (0..count)
        .map(|index| {
            let mut config = JournalNodeConfig::from_conf(&jn_conf)?;
            config.rpc_address = format!("{host}:{}", ports[index * 2]).parse()?;
            config.http_address = format!("{host}:{}", ports[index * 2 + 1]).parse()?;
            config.edits_dir = base_dir.join(format!("journal{index}"));
            config.node_name = journal_node_name(index);
            Ok(config)
        })
        .collect()
}

/// The loopback address DataNode `index` binds and advertises.
pub fn datanode_host(index: usize) -> String {
    format!("127.0.0.{}", index + 2)
}

/// The NameNode's name for the fault rules ([`common::faults`]).
pub const NAMENODE: &str = "nn";
/// The ResourceManager's name for the fault rules.
pub const RESOURCEMANAGER: &str = "rm";

/// DataNode `index`'s name for the fault rules: `dn<index>`.
pub fn datanode_name(index: usize) -> String {
    format!("dn{index}")
}

/// NodeManager `index`'s name for the fault rules: `nm<index>`.
pub fn nodemanager_name(index: usize) -> String {
    format!("nm{index}")
}

impl MiniCluster {
    pub fn builder() -> MiniClusterBuilder {
        MiniClusterBuilder::default()
    }

    /// Records the ports the NameNode got, so that restarts keep them and
    /// the conf dir points at them.
    fn pin_addresses(&mut self) -> anyhow::Result<()> {
        let namenode = self.namenode()?;
        let (rpc, http) = (namenode.rpc_address(), namenode.http_address());
        self.conf.set("dfs.namenode.rpc-address", rpc.to_string());
        self.conf.set("dfs.namenode.http-address", http.to_string());
        self.conf.set("fs.defaultFS", format!("hdfs://{rpc}"));
        self.config.rpc_address = rpc;
        self.config.http_address = http;
        self.write_conf_dir()
    }

    /// Writes the conf dir: every key that differs from the defaults (so
    /// tools see what the daemons see), each in the site file Hadoop keeps
    /// it in ([`site_file_for`]); all four files are rewritten each time.
    fn write_conf_dir(&self) -> anyhow::Result<()> {
        write_conf_dir(&self.conf, &self.conf_dir())
    }

    fn namenode(&self) -> anyhow::Result<&NameNode> {
        self.namenode.as_ref().context("the NameNode is stopped")
    }

    /// The configuration clients should use (fs.defaultFS points here).
    pub fn conf(&self) -> &Configuration {
        &self.conf
    }

    /// A directory with core-site.xml, hdfs-site.xml, yarn-site.xml and
    /// mapred-site.xml for this cluster: `export HADOOP_CONF_DIR=<it>` and
    /// the `hdfs`, `yarn` and `mapred` tools talk to it.
    pub fn conf_dir(&self) -> PathBuf {
        self.base_dir.join("conf")
    }

    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// `hdfs://127.0.0.1:<port>`
    pub fn default_fs(&self) -> String {
        format!("hdfs://{}", self.config.rpc_address)
    }

    pub fn namenode_rpc_address(&self) -> std::net::SocketAddr {
        self.config.rpc_address
    }

    /// The NameNode's `hdfs-audit.log`, when `dfs.namenode.audit.log.enabled`
    /// (under the cluster's directory unless `hadoop.log.dir` says otherwise).
    pub fn audit_log_path(&self) -> Option<PathBuf> {
        let audit = self.config.namesystem.audit.as_ref()?;
        Some(audit.path.clone())
    }

    pub fn namenode_http_address(&self) -> std::net::SocketAddr {
        self.config.http_address
    }

    /// The NameNode's local name directories.
    pub fn name_dirs(&self) -> &[PathBuf] {
        &self.config.namesystem.name_dirs
    }

    /// The running NameNode's namesystem (for in-process checks).
    pub fn namesystem(&self) -> anyhow::Result<&std::sync::Arc<Namesystem>> {
        Ok(self.namenode()?.namesystem())
    }

    /// A client acting as the current user.
    pub fn client(&self) -> anyhow::Result<DfsClient> {
        Ok(DfsClient::from_conf(&self.conf)?)
    }

    /// A client acting as `user`.
    pub fn client_as(&self, user: &str) -> anyhow::Result<DfsClient> {
        Ok(DfsClient::connect(
            &self.config.rpc_address.to_string(),
            user,
            FsPermission::new(0o022),
        )?)
    }

    /// Stops the NameNode (clean shutdown: the edit log is finalized).
    pub async fn stop_namenode(&mut self) {
        if let Some(namenode) = self.namenode.take() {
            namenode.stop().await;
        }
    }

    /// Crashes the NameNode in-process: nothing buffered is synced or
    /// saved and the open edit segment stays in progress, as after a kill;
    /// [`MiniCluster::restart_namenode`] loads it again from its dirs.
    pub async fn kill_namenode(&mut self) {
        if let Some(namenode) = self.namenode.take() {
            namenode.kill().await;
        }
    }

    /// Starts the NameNode again on the same ports, from its name dirs.
    pub async fn restart_namenode(&mut self) -> anyhow::Result<()> {
        self.stop_namenode().await;
        self.start_namenode().await
    }

    async fn start_namenode(&mut self) -> anyhow::Result<()> {
        let namenode = NameNode::start(self.config.clone()).await?;
        faults::register(NAMENODE, [namenode.rpc_address(), namenode.http_address()]);
        self.namenode = Some(namenode);
        Ok(())
    }

    /// The clock DataNode and NodeManager liveness is measured with; a test
    /// advances it when the cluster was built with
    /// [`MiniClusterBuilder::manual_clock`].
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Drops all traffic between the nodes of `group_a` and those of
    /// `group_b` (names such as `nn`, `dn0`, `nm1`), both ways, until
    /// [`MiniCluster::heal`].
    pub fn partition(&self, group_a: &[&str], group_b: &[&str]) {
        faults::partition(group_a, group_b);
    }

    /// Fails the calls of `method` (a gRPC method name such as
    /// `sendHeartbeat`, [`faults::CONNECT`] for data connections, or
    /// [`faults::ANY`]) from node `from` to node `to`.
    pub fn drop_traffic(&self, from: &str, to: &str, method: &str) {
        faults::drop(from, to, method);
    }

    /// Holds the calls of `method` from node `from` to node `to` for `by`.
    pub fn delay(&self, from: &str, to: &str, method: &str, by: Duration) {
        faults::delay(from, to, method, by);
    }

    /// Removes every fault rule.
    pub fn heal(&self) {
        faults::heal();
    }

    /// Creates `/user/<user>` (owned by the user) and a world-writable `/tmp`,
    /// as a freshly set-up Hadoop cluster has.
    pub async fn create_home_dirs(&self, user: &str) -> anyhow::Result<()> {
        let admin = self.client_as(&common::user::os_user())?;
        let home = format!("/user/{user}");
        admin.mkdirs(&home, FsPermission::new(0o755), true).await?;
        admin.set_owner(&home, Some(user), None).await?;
        admin.mkdirs("/tmp", FsPermission::new(0o777), true).await?;
        admin
            .set_permission("/tmp", FsPermission::new(0o1777))
            .await?;
        Ok(())
    }

    /// Starts (or restarts) DataNode `index` on its data dir.
    pub async fn start_datanode(&mut self, index: usize) -> anyhow::Result<()> {
        let config = datanode_config(&self.conf, &self.base_dir, index)?;
        let datanode = DataNode::start(config)
            .await
            .with_context(|| format!("starting DataNode {index}"))?;
        faults::register(&datanode_name(index), [datanode.xfer_address()]);
        self.datanodes[index] = Some(datanode);
        Ok(())
    }

    /// Stops DataNode `index` at once, cutting its transfers (as a crash
    /// would, but its files stay); the NameNode notices by missed heartbeats.
    pub async fn stop_datanode(&mut self, index: usize) {
        if let Some(datanode) = self.datanodes.get_mut(index).and_then(Option::take) {
            datanode.stop().await;
        }
    }

    /// The running DataNode `index`.
    pub fn datanode(&self, index: usize) -> anyhow::Result<&DataNode> {
        self.datanodes
            .get(index)
            .and_then(Option::as_ref)
            .with_context(|| format!("DataNode {index} is not running"))
    }

    /// `host:port` of DataNode `index`'s web server, as it registered it
    /// with the NameNode (the address `dfsadmin -report` and the NameNode's
    /// web UI link to).
    pub async fn datanode_http_address(&self, index: usize) -> anyhow::Result<String> {
        let uuid = self.datanode(index)?.uuid().to_string();
        let reports = self
            .client()?
            .datanode_report(proto::hdfs::DatanodeReportType::All)
            .await?;
        let info = reports
            .into_iter()
            .filter_map(|report| report.info)
            .find(|info| info.datanode_uuid == uuid)
            .with_context(|| format!("DataNode {index} is not registered with the NameNode"))?;
        Ok(format!("{}:{}", info.host, info.http_port))
    }

    /// The index of the DataNode at `host` (see [`datanode_host`]).
    pub fn datanode_at(&self, host: &str) -> Option<usize> {
        (0..self.num_datanodes()).find(|&index| datanode_host(index) == host)
    }

    /// Waits until every running DataNode's digester recorded the digests
    /// of the replicas written so far (whole-block reads then check them);
    /// returns how long that took.
    pub async fn wait_for_digests(&self) -> anyhow::Result<Duration> {
        self.wait_for_datanodes(
            |datanode| datanode.store().pending_digests(),
            Duration::from_secs(600),
            "replicas still wait for their digests",
        )
        .await
    }

    /// Waits until no running DataNode holds a replica (after every file
    /// was deleted: the NameNode hands the deletions out on heartbeats);
    /// returns how long that took.
    pub async fn wait_for_no_replicas(&self) -> anyhow::Result<Duration> {
        self.wait_for_datanodes(
            |datanode| datanode.store().replicas().len(),
            Duration::from_secs(120),
            "replicas are still held after their files were deleted",
        )
        .await
    }

    /// Polls until `count` sums to 0 over the running DataNodes.
    async fn wait_for_datanodes(
        &self,
        count: impl Fn(&DataNode) -> usize,
        limit: Duration,
        what: &str,
    ) -> anyhow::Result<Duration> {
        let started = std::time::Instant::now();
        loop {
            let left: usize = self.datanodes.iter().flatten().map(&count).sum();
            if left == 0 {
                return Ok(started.elapsed());
            }
            anyhow::ensure!(started.elapsed() < limit, "{left} {what} after {limit:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The index of the DataNode holding replicas of the most of `blocks`: a
    /// fault test's victim, whose loss hurts the most.
    pub fn datanode_holding_most(&self, blocks: &[proto::hdfs::LocatedBlock]) -> usize {
        let replicas_on = |index: usize| {
            let host = datanode_host(index);
            blocks
                .iter()
                .filter(|block| block.locations.iter().any(|node| node.host == host))
                .count()
        };
        (0..self.num_datanodes())
            .max_by_key(|&index| replicas_on(index))
            .unwrap_or_default()
    }

    pub fn num_datanodes(&self) -> usize {
        self.datanodes.len()
    }

    /// The data dir of DataNode `index`.
    pub fn datanode_dir(&self, index: usize) -> PathBuf {
        self.base_dir.join(format!("data{index}"))
    }

    /// The block file of a finalized replica of `block_id` on DataNode
    /// `index`, if it has one.
    pub fn replica_file(&self, index: usize, block_id: u64) -> Option<PathBuf> {
        let name = format!("blk_{block_id}");
        let mut pending = vec![self.datanode_dir(index)];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).ok()?.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path
                    .file_name()
                    .is_some_and(|file| file.to_string_lossy() == name)
                    && path.to_string_lossy().contains("finalized")
                {
                    return Some(path);
                }
            }
        }
        None
    }

    /// Waits until every block of every file has its full replication on
    /// live DataNodes and none is corrupt or missing; errors after `timeout`.
    pub async fn wait_fully_replicated(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let client = self.client()?;
        loop {
            let stats = client.fs_stats().await?;
            if stats.under_replicated == 0
                && stats.missing_blocks == 0
                && stats.corrupt_blocks == 0
                && self.all_blocks_replicated(&client).await?
            {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("cluster not fully replicated after {timeout:?}: {stats:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn all_blocks_replicated(&self, client: &DfsClient) -> anyhow::Result<bool> {
        let mut pending = vec!["/".to_string()];
        while let Some(dir) = pending.pop() {
            for entry in client.list(&dir).await? {
                if entry.is_dir {
                    pending.push(entry.path);
                    continue;
                }
                let (_, blocks, under_construction) =
                    client.block_locations(&entry.path, 0, u64::MAX).await?;
                if under_construction {
                    continue;
                }
                if blocks.iter().any(|block| {
                    block.locations.len() < usize::from(entry.replication) || block.corrupt
                }) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Stops every daemon (and removes the fault rules).
    pub async fn shutdown(mut self) {
        faults::heal();
        self.stop_yarn().await;
        for index in 0..self.datanodes.len() {
            self.stop_datanode(index).await;
        }
        self.stop_namenode().await;
        for index in 0..self.journal_nodes.len() {
            self.stop_journal_node(index).await;
        }
    }

    /// JournalNode `index` (see [`MiniClusterBuilder::journal_nodes`]).
    pub fn journal_node(&self, index: usize) -> anyhow::Result<&JournalNode> {
        self.journal_nodes
            .get(index)
            .and_then(Option::as_ref)
            .with_context(|| format!("JournalNode {index} is not running"))
    }

    /// The `current/` directory of JournalNode `index`'s journal.
    pub fn journal_dir(&self, index: usize) -> PathBuf {
        self.journal_configs[index]
            .edits_dir
            .join(JOURNAL_ID)
            .join("current")
    }

    /// Stops JournalNode `index` cleanly.
    pub async fn stop_journal_node(&mut self, index: usize) {
        if let Some(node) = self.journal_nodes.get_mut(index).and_then(Option::take) {
            node.stop().await;
        }
    }

    /// Crashes JournalNode `index`: it serves nothing more (what it
    /// acknowledged is on disk).
    pub async fn kill_journal_node(&mut self, index: usize) {
        if let Some(node) = self.journal_nodes.get_mut(index).and_then(Option::take) {
            node.kill().await;
        }
    }

    /// Starts JournalNode `index` again on its ports, from its directory.
    pub async fn restart_journal_node(&mut self, index: usize) -> anyhow::Result<()> {
        self.stop_journal_node(index).await;
        let node = JournalNode::start(self.journal_configs[index].clone()).await?;
        faults::register(
            &journal_node_name(index),
            [node.rpc_address(), node.http_address()],
        );
        self.journal_nodes[index] = Some(node);
        Ok(())
    }
}

/// The site files of a mini-cluster's conf dir, in the order Hadoop loads them.
pub const SITE_FILES: [&str; 4] = [
    "core-site.xml",
    "hdfs-site.xml",
    "yarn-site.xml",
    "mapred-site.xml",
];

/// The site file a key belongs in, as Hadoop's `*-default.xml` files split
/// them: `yarn.app.mapreduce.*`, `mapreduce.*` and `mapred.*` in
/// mapred-site.xml, the other `yarn.*` keys in yarn-site.xml, `fs.*`,
/// `hadoop.*`, `ha.*`, `io.*` and `net.*` in core-site.xml, the rest (`dfs.*`) in
/// hdfs-site.xml.
pub fn site_file_for(key: &str) -> &'static str {
    let has_prefix = |prefixes: &[&str]| prefixes.iter().any(|prefix| key.starts_with(prefix));
    if has_prefix(&["yarn.app.mapreduce.", "mapreduce.", "mapred."]) {
        "mapred-site.xml"
    } else if has_prefix(&["yarn."]) {
        "yarn-site.xml"
    } else if has_prefix(&["fs.", "hadoop.", "ha.", "io.", "net."]) {
        "core-site.xml"
    } else {
        "hdfs-site.xml"
    }
}

fn write_site(path: &Path, properties: &[(String, String)]) -> anyhow::Result<()> {
    let pairs: Vec<(&str, &str)> = properties
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    Configuration::write_site_file(path, &pairs)
        .with_context(|| format!("writing {}", path.display()))
}

/// What every mini-cluster sets: its temp dir, and fast liveness (tests and demos should not
/// wait minutes).
fn test_settings(conf: &mut Configuration, base_dir: &Path) {
    conf.set("hadoop.tmp.dir", base_dir.join("tmp").display().to_string());
    conf.set("dfs.namenode.fs-limits.min-block-size", "0");
    conf.set("dfs.heartbeat.interval", "1s");
    conf.set("dfs.namenode.redundancy.interval.seconds", "1s");
    conf.set("dfs.namenode.reconstruction.pending.timeout-sec", "30s");
    // A client finds a restarted NameNode within a second, or gives up soon after.
    conf.set("ipc.client.connect.max.retries", "5");
    conf.set("ipc.client.connect.retry.interval", "200");
    // As Hadoop's MiniDFSCluster: leave safe mode as soon as the blocks are reported.
    conf.set("dfs.namenode.safemode.extension", "0");
}

/// Writes a conf dir: every key of `conf` that differs from the defaults (so tools see what the
/// daemons see), each in the site file Hadoop keeps it in ([`site_file_for`]); all four files
/// are rewritten each time.
fn write_conf_dir(conf: &Configuration, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let defaults = Configuration::new();
    let mut sites: Vec<(&str, Vec<(String, String)>)> =
        SITE_FILES.iter().map(|&name| (name, Vec::new())).collect();
    for (key, value) in conf.iter() {
        if key != "fs.defaultFS" && defaults.get(&key).as_ref() == Some(&value) {
            continue;
        }
        let file = site_file_for(&key);
        if let Some((_, properties)) = sites.iter_mut().find(|(name, _)| *name == file) {
            properties.push((key, value));
        }
    }
    for (name, properties) in &sites {
        write_site(&dir.join(name), properties)?;
    }
    Ok(())
}

/// DataNode `index`'s configuration: `conf` with its own data dir and loopback address.
fn datanode_config(
    conf: &Configuration,
    base_dir: &Path,
    index: usize,
) -> anyhow::Result<DataNodeConfig> {
    let mut conf = conf.clone();
    let host = datanode_host(index);
    conf.set(
        "dfs.datanode.data.dir",
        base_dir.join(format!("data{index}")).display().to_string(),
    );
    conf.set("dfs.datanode.address", format!("{host}:0"));
    conf.set("dfs.datanode.ipc.address", format!("{host}:0"));
    conf.set("dfs.datanode.http.address", format!("{host}:0"));
    conf.set("dfs.datanode.hostname", host);
    let mut config = DataNodeConfig::from_conf(&conf)?;
    config.node_name = datanode_name(index);
    Ok(config)
}
