//! An HA mini-cluster: a real ZooKeeper server, three JournalNodes, two NameNodes (`nn1`,
//! `nn2` of nameservice `mycluster`) each with its ZKFC, and DataNodes that serve both.
//!
//! The NameNodes and the ZKFCs are real processes (`hdfs namenode`, `hdfs zkfc`), each with a
//! conf dir of its own, so a test can `kill -9`, SIGSTOP and SIGCONT them as an operator's
//! machine would; the JournalNodes and DataNodes run in this process. Clients use
//! `hdfs://mycluster` and fail over between the NameNodes.
//!
//! Each NameNode and ZKFC process follows a fault rules file of its own
//! ([`common::faults::follow_rules_file`]), so a test can also cut a NameNode's host off the
//! network ([`HaCluster::partition_namenode`]). In this process, the addresses of NameNode
//! `nn1` and its ZKFC are registered as fault node `nn1`, those of `nn2` as `nn2`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use client::DfsClient;
use common::faults::{self, RuleSet};
use common::time::Clock;
use common::{Configuration, FsPermission};
use datanode::DataNode;
use namenode::{JournalNode, JournalNodeConfig};
use nodemanager::AuxServices;
use proto::hdfs::HaServiceState;
use proto::hdfs::ha_service_protocol_client::HaServiceProtocolClient;

use crate::yarn::MiniYarn;
use crate::zookeeper::ZooKeeperServer;
use crate::{datanode_config, test_settings, write_conf_dir};

/// The nameservice of an HA mini-cluster.
pub const NAMESERVICE: &str = "mycluster";
/// The ids of its NameNodes, in index order.
pub const NAMENODE_IDS: [&str; 2] = ["nn1", "nn2"];
/// Journal id of the shared edits.
const JOURNAL_ID: &str = NAMESERVICE;
const JOURNAL_NODES: usize = 3;

/// Configures an [`HaCluster`].
pub struct HaClusterBuilder {
    base_dir: Option<PathBuf>,
    datanodes: usize,
    overrides: Vec<(String, String)>,
    hdfs_binary: Option<PathBuf>,
    session_timeout: Duration,
    nodemanagers: usize,
}

impl Default for HaClusterBuilder {
    fn default() -> Self {
        Self {
            base_dir: None,
            datanodes: 3,
            overrides: Vec::new(),
            hdfs_binary: None,
            session_timeout: Duration::from_secs(3),
            nodemanagers: 0,
        }
    }
}

impl HaClusterBuilder {
    /// Keeps the cluster's files under `dir` instead of a temporary directory.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// How many DataNodes to start (3 by default).
    pub fn datanodes(mut self, count: usize) -> Self {
        self.datanodes = count;
        self
    }

    /// Sets a configuration key for every daemon and client.
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.overrides.push((key.to_string(), value.to_string()));
        self
    }

    /// The `hdfs` binary the NameNodes and ZKFCs run (found beside the current executable, or
    /// one directory up, when not given).
    pub fn hdfs_binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.hdfs_binary = Some(path.into());
        self
    }

    /// `ha.zookeeper.session-timeout.ms` of the ZKFCs (3 s by default: a lost host is noticed
    /// within it).
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Also starts YARN (a ResourceManager and `count` NodeManagers, in this process) over the
    /// nameservice, so MapReduce jobs can run across a failover.
    pub fn nodemanagers(mut self, count: usize) -> Self {
        self.nodemanagers = count;
        self
    }

    /// Starts ZooKeeper, the JournalNodes, formats and starts both NameNodes (the second by
    /// `-bootstrapStandby`), formats ZooKeeper, starts the ZKFCs and the DataNodes, and waits
    /// until one NameNode is active and out of safe mode.
    pub async fn build(self) -> anyhow::Result<HaCluster> {
        // The NameNodes' and ZKFCs' ports are picked free before their processes bind them;
        // another process may take one meanwhile. A fresh start gets fresh ports.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.build_once().await {
                Ok(cluster) => return Ok(cluster),
                Err(error) if attempts < 3 && self.base_dir.is_none() => {
                    tracing::warn!(%error, "HA mini-cluster did not start; trying again");
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn build_once(&self) -> anyhow::Result<HaCluster> {
        let (temp_dir, base_dir) = match self.base_dir.clone() {
            Some(dir) => (None, dir),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("tusk-ha-minicluster-")
                    .tempdir()?;
                let path = temp.path().to_path_buf();
                (Some(temp), path)
            }
        };
        std::fs::create_dir_all(base_dir.join("logs"))?;
        std::fs::create_dir_all(base_dir.join("faults"))?;
        let hdfs_binary = match self.hdfs_binary.clone() {
            Some(path) => path,
            None => find_binary("hdfs")?,
        };
        let zookeeper = ZooKeeperServer::start()
            .await
            .context("starting ZooKeeper")?;

        let mut conf = Configuration::new();
        test_settings(&mut conf, &base_dir);
        let mut journal_nodes = Vec::with_capacity(JOURNAL_NODES);
        for index in 0..JOURNAL_NODES {
            let mut jn_conf = conf.clone();
            jn_conf.set(
                "dfs.journalnode.edits.dir",
                base_dir
                    .join(format!("journal{index}"))
                    .display()
                    .to_string(),
            );
            jn_conf.set("dfs.journalnode.rpc-address", "127.0.0.1:0");
            jn_conf.set("dfs.journalnode.http-address", "127.0.0.1:0");
            let journal_node = JournalNode::start(JournalNodeConfig::from_conf(&jn_conf)?)
                .await
                .with_context(|| format!("starting JournalNode {index}"))?;
            // Restarts keep the ports the quorum URI names.
            jn_conf.set(
                "dfs.journalnode.rpc-address",
                journal_node.rpc_address().to_string(),
            );
            jn_conf.set(
                "dfs.journalnode.http-address",
                journal_node.http_address().to_string(),
            );
            journal_nodes.push((jn_conf, Some(journal_node)));
        }
        let quorum: Vec<String> = journal_nodes
            .iter()
            .filter_map(|(_, journal_node)| journal_node.as_ref())
            .map(|journal_node| journal_node.rpc_address().to_string())
            .collect();

        conf.set("dfs.nameservices", NAMESERVICE);
        conf.set(
            format!("dfs.ha.namenodes.{NAMESERVICE}").as_str(),
            NAMENODE_IDS.join(","),
        );
        for id in NAMENODE_IDS {
            conf.set(
                format!("dfs.namenode.rpc-address.{NAMESERVICE}.{id}").as_str(),
                format!("127.0.0.1:{}", crate::ports::reserve_port()?),
            );
            conf.set(
                format!("dfs.namenode.http-address.{NAMESERVICE}.{id}").as_str(),
                format!("127.0.0.1:{}", crate::ports::reserve_port()?),
            );
            // Both ZKFCs share this host.
            conf.set(
                format!("dfs.ha.zkfc.port.{NAMESERVICE}.{id}").as_str(),
                crate::ports::reserve_port()?.to_string(),
            );
        }
        conf.set(
            format!("dfs.client.failover.proxy.provider.{NAMESERVICE}").as_str(),
            "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
        );
        conf.set("fs.defaultFS", format!("hdfs://{NAMESERVICE}"));
        conf.set(
            "dfs.namenode.shared.edits.dir",
            format!("qjournal://{}/{JOURNAL_ID}", quorum.join(";")),
        );
        conf.set("dfs.ha.automatic-failover.enabled", "true");
        conf.set("ha.zookeeper.quorum", zookeeper.connect_string());
        conf.set(
            "ha.zookeeper.session-timeout.ms",
            self.session_timeout.as_millis().to_string(),
        );
        conf.set("dfs.ha.fencing.methods", "shell(/bin/true)");
        // Hadoop's fast tailing: read again at once while edits come, back off to 500 ms idle.
        conf.set("dfs.ha.tail-edits.period", "0ms");
        conf.set("dfs.ha.tail-edits.period.backoff-max", "500ms");
        conf.set("dfs.ha.tail-edits.in-progress", "true");
        conf.set("ha.health-monitor.check-interval.ms", "500");
        conf.set("ha.health-monitor.connect-retry-interval.ms", "500");
        // A NameNode that stops answering (a long pause) is unhealthy after 3 s, not 45.
        conf.set("ha.health-monitor.rpc-timeout.ms", "3000");
        conf.set("dfs.client.failover.sleep.base.millis", "100");
        conf.set("dfs.client.failover.sleep.max.millis", "1000");
        conf.set("dfs.client.failover.max.attempts", "30");
        // A paused NameNode is left within a second.
        conf.set("ipc.ping.interval", "1000");
        for (key, value) in &self.overrides {
            conf.set(key, value.clone());
        }
        write_conf_dir(&conf, &base_dir.join("conf"))?;

        let mut cluster = HaCluster {
            _temp_dir: temp_dir,
            base_dir,
            conf,
            hdfs_binary,
            zookeeper,
            journal_nodes,
            namenodes: Vec::new(),
            zkfcs: Vec::new(),
            datanodes: Vec::new(),
            yarn: None,
        };
        for (index, id) in NAMENODE_IDS.iter().enumerate() {
            cluster.write_daemon_conf(index)?;
            faults::register(id, cluster.host_addresses(index));
        }
        cluster
            .run_hdfs(0, &["namenode", "-format", "-force", "-nonInteractive"])
            .context("formatting nn1 and the JournalNodes")?;
        cluster
            .namenodes
            .push(cluster.spawn(0, "namenode", &["namenode"])?);
        cluster.wait_http(0).await?;
        cluster
            .run_hdfs(
                1,
                &["namenode", "-bootstrapStandby", "-force", "-nonInteractive"],
            )
            .context("bootstrapping nn2 from nn1")?;
        cluster
            .namenodes
            .push(cluster.spawn(1, "namenode", &["namenode"])?);
        cluster.wait_http(1).await?;
        cluster
            .run_hdfs(0, &["zkfc", "-formatZK", "-force", "-nonInteractive"])
            .context("formatting ZooKeeper")?;
        for index in 0..NAMENODE_IDS.len() {
            let zkfc = cluster.spawn(index, "zkfc", &["zkfc"])?;
            cluster.zkfcs.push(zkfc);
        }
        for index in 0..self.datanodes {
            cluster.datanodes.push(None);
            cluster.start_datanode(index).await?;
        }
        cluster.wait_until_writable(Duration::from_secs(60)).await?;
        if self.nodemanagers > 0 {
            let conf_dir = cluster.conf_dir();
            let yarn = MiniYarn::start(
                &mut cluster.conf,
                &cluster.base_dir,
                conf_dir,
                Clock::system(),
                self.nodemanagers,
                AuxServices::new(),
                &self.overrides,
            )
            .await?;
            cluster.yarn = Some(yarn);
        }
        Ok(cluster)
    }
}

/// One daemon process of the cluster.
struct Daemon {
    child: Option<Child>,
    args: Vec<String>,
    log: PathBuf,
    /// The fault rules file it follows (`$TUSK_FAULTS_FILE`).
    rules_file: PathBuf,
}

impl Daemon {
    fn pid(&self) -> Option<i32> {
        self.child
            .as_ref()
            .and_then(|child| i32::try_from(child.id()).ok())
    }

    fn signal(&self, signal: i32) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(pid, signal) };
        }
    }

    /// SIGKILL, then reaps the process.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        self.kill();
    }
}

/// A running HA mini-cluster; dropping it kills its processes.
pub struct HaCluster {
    _temp_dir: Option<tempfile::TempDir>,
    base_dir: PathBuf,
    conf: Configuration,
    hdfs_binary: PathBuf,
    zookeeper: ZooKeeperServer,
    /// Each JournalNode's configuration (its ports pinned) and the node while it runs.
    journal_nodes: Vec<(Configuration, Option<JournalNode>)>,
    namenodes: Vec<Daemon>,
    zkfcs: Vec<Daemon>,
    datanodes: Vec<Option<DataNode>>,
    yarn: Option<MiniYarn>,
}

impl HaCluster {
    pub fn builder() -> HaClusterBuilder {
        HaClusterBuilder::default()
    }

    /// The clients' configuration (`fs.defaultFS` = `hdfs://mycluster`).
    pub fn conf(&self) -> &Configuration {
        &self.conf
    }

    /// The clients' conf dir (for `hdfs --config`).
    pub fn conf_dir(&self) -> PathBuf {
        self.base_dir.join("conf")
    }

    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// A client of the nameservice, failing over between the NameNodes.
    pub fn client(&self) -> anyhow::Result<DfsClient> {
        Ok(DfsClient::from_conf(&self.conf)?)
    }

    /// A client of NameNode `index` alone (no failover), as `user`.
    pub fn client_of(&self, index: usize, user: &str) -> anyhow::Result<DfsClient> {
        Ok(DfsClient::connect(
            &self.namenode_rpc_address(index),
            user,
            FsPermission::new(0o022),
        )?)
    }

    /// `host:port` of NameNode `index`'s RPC server.
    pub fn namenode_rpc_address(&self, index: usize) -> String {
        self.namenode_address("rpc", index)
    }

    /// `host:port` of NameNode `index`'s HTTP server.
    pub fn namenode_http_address(&self, index: usize) -> String {
        self.namenode_address("http", index)
    }

    fn namenode_address(&self, kind: &str, index: usize) -> String {
        let id = NAMENODE_IDS[index];
        self.conf
            .get(&format!("dfs.namenode.{kind}-address.{NAMESERVICE}.{id}"))
            .unwrap_or_default()
    }

    /// NameNode `index`'s HA state, or an error when it does not answer.
    pub async fn service_state(&self, index: usize) -> anyhow::Result<HaServiceState> {
        let address = format!("http://{}", self.namenode_rpc_address(index));
        // A stopped process's kernel still accepts the connection: bound the whole exchange.
        let status = tokio::time::timeout(Duration::from_secs(2), async {
            let mut client = HaServiceProtocolClient::connect(address).await?;
            let status = client
                .get_service_status(proto::hdfs::GetServiceStatusRequest {})
                .await?;
            anyhow::Ok(status.into_inner())
        })
        .await
        .context("getServiceStatus timed out")??;
        Ok(status.state())
    }

    /// The index of the NameNode that says it is active, if one does.
    pub async fn active_index(&self) -> Option<usize> {
        for index in 0..self.namenodes.len() {
            if self.namenodes[index].child.is_none() {
                continue;
            }
            if let Ok(HaServiceState::Active) = self.service_state(index).await {
                return Some(index);
            }
        }
        None
    }

    /// Waits until NameNode `index` (any, when `None`) is active; returns its index. A wanted
    /// NameNode is asked itself: a partitioned old active may still say it is active too.
    pub async fn wait_for_active(
        &self,
        index: Option<usize>,
        timeout: Duration,
    ) -> anyhow::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let active = match index {
                Some(wanted) => {
                    matches!(self.service_state(wanted).await, Ok(HaServiceState::Active))
                        .then_some(wanted)
                }
                None => self.active_index().await,
            };
            if let Some(active) = active {
                return Ok(active);
            }
            if Instant::now() > deadline {
                bail!("no NameNode became active within {timeout:?} (wanted {index:?})");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until a client of the nameservice can write (a NameNode is active and out of
    /// safe mode).
    pub async fn wait_until_writable(&self, timeout: Duration) -> anyhow::Result<()> {
        let client = self.client()?;
        let deadline = Instant::now() + timeout;
        loop {
            match client.mkdirs("/tmp", FsPermission::new(0o1777), true).await {
                Ok(()) => return Ok(()),
                Err(error) if Instant::now() > deadline => {
                    bail!("the nameservice is not writable after {timeout:?}: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// `kill -9` of NameNode `index`.
    pub fn kill_namenode(&mut self, index: usize) {
        self.namenodes[index].kill();
    }

    /// `kill -9` of ZKFC `index`.
    pub fn kill_zkfc(&mut self, index: usize) {
        self.zkfcs[index].kill();
    }

    /// SIGSTOP of NameNode `index` (a long GC pause, say).
    pub fn pause_namenode(&self, index: usize) {
        self.namenodes[index].signal(libc::SIGSTOP);
    }

    /// SIGCONT of NameNode `index`.
    pub fn resume_namenode(&self, index: usize) {
        self.namenodes[index].signal(libc::SIGCONT);
    }

    /// Cuts NameNode `index` and its ZKFC off from everything else, as a network partition of
    /// their host would, until [`HaCluster::heal_partition`]; one NameNode at a time. The
    /// NameNode's process drops all its calls (to the JournalNodes, to the other NameNode);
    /// this process (clients, DataNodes, JournalNodes), the other NameNode's and the other
    /// ZKFC's drop their calls to it and to its ZKFC. The processes take their new rules
    /// within ~50 ms.
    ///
    /// The ZKFC's ZooKeeper client does not go through the fault rules, so the ZKFC is
    /// stopped (SIGSTOP), first, instead. That is what a partition does to it: ZooKeeper hears
    /// nothing from it and expires its session; the ZKFC, cut off, can do nothing about it
    /// (disconnected from ZooKeeper, it stays in neutral mode and leaves its NameNode active);
    /// and once resumed at the heal, like a client reconnecting after a partition, it finds
    /// its session expired. The one difference: a partitioned ZKFC would go on health-checking
    /// its NameNode meanwhile, to no effect.
    pub fn partition_namenode(&self, index: usize) -> anyhow::Result<()> {
        let name = NAMENODE_IDS[index];
        self.zkfcs[index].signal(libc::SIGSTOP);
        faults::drop(faults::ANY, name, faults::ANY);
        let mut cut_off = RuleSet::new();
        cut_off
            .register(name, self.host_addresses(index))
            .drop(faults::ANY, name, faults::ANY);
        for other in (0..NAMENODE_IDS.len()).filter(|&other| other != index) {
            cut_off.write(&self.namenodes[other].rules_file)?;
            cut_off.write(&self.zkfcs[other].rules_file)?;
        }
        let mut isolated = RuleSet::new();
        isolated.drop(faults::ANY, faults::ANY, faults::ANY);
        isolated.write(&self.namenodes[index].rules_file)?;
        Ok(())
    }

    /// Ends [`HaCluster::partition_namenode`]: removes every fault rule (empties every
    /// process's rules file and this process's table) and resumes the ZKFCs (SIGCONT).
    pub fn heal_partition(&self) -> anyhow::Result<()> {
        for daemon in self.namenodes.iter().chain(&self.zkfcs) {
            RuleSet::new().write(&daemon.rules_file)?;
        }
        faults::heal();
        for zkfc in &self.zkfcs {
            zkfc.signal(libc::SIGCONT);
        }
        Ok(())
    }

    /// Whether NameNode `index`'s process is still running.
    pub fn namenode_is_running(&mut self, index: usize) -> bool {
        match self.namenodes[index].child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Starts NameNode `index` again (it comes up standby).
    pub async fn restart_namenode(&mut self, index: usize) -> anyhow::Result<()> {
        self.namenodes[index].kill();
        self.namenodes[index] = self.respawn(&self.namenodes[index])?;
        self.wait_http(index).await
    }

    /// Starts ZKFC `index` again.
    pub fn restart_zkfc(&mut self, index: usize) -> anyhow::Result<()> {
        self.zkfcs[index].kill();
        self.zkfcs[index] = self.respawn(&self.zkfcs[index])?;
        Ok(())
    }

    /// The ZooKeeper server (to kill and restart it).
    pub fn zookeeper(&mut self) -> &mut ZooKeeperServer {
        &mut self.zookeeper
    }

    /// Crashes JournalNode `index` (its files stay).
    pub async fn kill_journal_node(&mut self, index: usize) {
        if let Some(journal_node) = self.journal_nodes[index].1.take() {
            journal_node.kill().await;
        }
    }

    /// Starts JournalNode `index` again on its ports and files.
    pub async fn restart_journal_node(&mut self, index: usize) -> anyhow::Result<()> {
        self.kill_journal_node(index).await;
        let (conf, slot) = &mut self.journal_nodes[index];
        let journal_node = JournalNode::start(JournalNodeConfig::from_conf(conf)?)
            .await
            .with_context(|| format!("restarting JournalNode {index}"))?;
        *slot = Some(journal_node);
        Ok(())
    }

    /// Runs `hdfs --config <conf of NameNode index> ARGS` to completion.
    pub fn run_hdfs(&self, index: usize, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(&self.hdfs_binary)
            .arg("--config")
            .arg(self.daemon_conf_dir(index))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", self.hdfs_binary.display()))?;
        if !output.status.success() {
            bail!(
                "hdfs {} failed ({}): {}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts (or restarts) DataNode `index`.
    pub async fn start_datanode(&mut self, index: usize) -> anyhow::Result<()> {
        let config = datanode_config(&self.conf, &self.base_dir, index)?;
        let datanode = DataNode::start(config)
            .await
            .with_context(|| format!("starting DataNode {index}"))?;
        self.datanodes[index] = Some(datanode);
        Ok(())
    }

    /// Kills every daemon but ZooKeeper (`kill -9` of the processes, in-process crashes of the
    /// JournalNodes and DataNodes), then starts them all again from their files, and waits
    /// until the nameservice is writable.
    pub async fn restart_everything(&mut self) -> anyhow::Result<()> {
        for index in 0..NAMENODE_IDS.len() {
            self.kill_zkfc(index);
            self.kill_namenode(index);
        }
        for index in 0..self.datanodes.len() {
            if let Some(datanode) = self.datanodes[index].take() {
                datanode.stop().await;
            }
        }
        for index in 0..self.journal_nodes.len() {
            self.restart_journal_node(index).await?;
        }
        for index in 0..NAMENODE_IDS.len() {
            self.restart_namenode(index).await?;
        }
        for index in 0..NAMENODE_IDS.len() {
            self.restart_zkfc(index)?;
        }
        for index in 0..self.datanodes.len() {
            self.start_datanode(index).await?;
        }
        self.wait_until_writable(Duration::from_secs(60)).await
    }

    /// The cluster's YARN (built with [`HaClusterBuilder::nodemanagers`]).
    pub fn yarn(&self) -> anyhow::Result<&MiniYarn> {
        self.yarn
            .as_ref()
            .context("the HA mini-cluster has no YARN (use .nodemanagers(n))")
    }

    /// Stops every daemon (and removes this process's fault rules).
    pub async fn shutdown(mut self) {
        faults::heal();
        if let Some(yarn) = self.yarn.take() {
            yarn.stop().await;
        }
        for zkfc in &mut self.zkfcs {
            zkfc.kill();
        }
        for namenode in &mut self.namenodes {
            namenode.kill();
        }
        for datanode in self.datanodes.iter_mut().filter_map(Option::take) {
            datanode.stop().await;
        }
        for journal_node in self
            .journal_nodes
            .iter_mut()
            .filter_map(|(_, journal_node)| journal_node.take())
        {
            journal_node.stop().await;
        }
        self.zookeeper.stop();
    }

    fn daemon_conf_dir(&self, index: usize) -> PathBuf {
        self.base_dir.join(format!("conf-{}", NAMENODE_IDS[index]))
    }

    /// The conf dir of NameNode `index` and its ZKFC: the cluster's, with its id and name dir.
    fn write_daemon_conf(&self, index: usize) -> anyhow::Result<()> {
        let id = NAMENODE_IDS[index];
        let mut conf = self.conf.clone();
        conf.set("dfs.ha.namenode.id", id);
        conf.set(
            "dfs.namenode.name.dir",
            self.base_dir
                .join(format!("name-{id}"))
                .display()
                .to_string(),
        );
        write_conf_dir(&conf, &self.daemon_conf_dir(index))
    }

    fn spawn(&self, index: usize, what: &str, args: &[&str]) -> anyhow::Result<Daemon> {
        let mut full_args = vec![
            "--config".to_string(),
            self.daemon_conf_dir(index).display().to_string(),
        ];
        full_args.extend(args.iter().map(|arg| arg.to_string()));
        let id = NAMENODE_IDS[index];
        let log = self.base_dir.join("logs").join(format!("{what}-{id}.log"));
        let rules_file = self
            .base_dir
            .join("faults")
            .join(format!("{what}-{id}.rules"));
        self.respawn(&Daemon {
            child: None,
            args: full_args,
            log,
            rules_file,
        })
    }

    /// The addresses of NameNode `index`'s host: its RPC and HTTP servers and its ZKFC's.
    fn host_addresses(&self, index: usize) -> [String; 3] {
        let id = NAMENODE_IDS[index];
        let zkfc_port = self
            .conf
            .get(&format!("dfs.ha.zkfc.port.{NAMESERVICE}.{id}"))
            .unwrap_or_default();
        [
            self.namenode_rpc_address(index),
            self.namenode_http_address(index),
            format!("127.0.0.1:{zkfc_port}"),
        ]
    }

    fn respawn(&self, daemon: &Daemon) -> anyhow::Result<Daemon> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&daemon.log)?;
        let child = Command::new(&self.hdfs_binary)
            .args(&daemon.args)
            .env(faults::RULES_FILE_ENV, &daemon.rules_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.hdfs_binary.display()))?;
        Ok(Daemon {
            child: Some(child),
            args: daemon.args.clone(),
            log: daemon.log.clone(),
            rules_file: daemon.rules_file.clone(),
        })
    }

    /// Waits until NameNode `index` serves HTTP (any answer of `/isActive`).
    async fn wait_http(&self, index: usize) -> anyhow::Result<()> {
        let address = self.namenode_http_address(index);
        let deadline = Instant::now() + Duration::from_secs(60);
        while tokio::net::TcpStream::connect(&address).await.is_err() {
            if Instant::now() > deadline {
                bail!(
                    "NameNode {} did not start listening on {address}; see {}",
                    NAMENODE_IDS[index],
                    self.namenodes[index].log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

/// A port free on loopback now (the kernel may hand it out again, rarely, before it is used).
/// `name` beside the current executable, or one directory up (test binaries live in `deps/`).
pub fn find_binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent();
    while let Some(candidate) = dir {
        let path = candidate.join(name);
        if path.is_file() {
            return Ok(path);
        }
        if candidate.file_name().is_some_and(|name| name == "target") {
            break;
        }
        dir = candidate.parent();
    }
    bail!(
        "cannot find the `{name}` binary near {}; build it with `cargo build --bins`",
        exe.display()
    )
}
