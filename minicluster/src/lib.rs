//! An in-process cluster for tests and demos: a NameNode on port 0 in a
//! temporary directory (DataNodes and YARN come with later issues), with a
//! `HADOOP_CONF_DIR` written for command-line tools.
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

use anyhow::Context;
use client::DfsClient;
use common::{Configuration, FsPermission};
use namenode::namesystem::Namesystem;
use namenode::{NameNode, NameNodeConfig};

/// Configures a [`MiniCluster`].
#[derive(Default)]
pub struct MiniClusterBuilder {
    base_dir: Option<PathBuf>,
    overrides: Vec<(String, String)>,
    bind_host: Option<String>,
}

impl MiniClusterBuilder {
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

    /// Host the daemons bind to and advertise (default 127.0.0.1).
    pub fn bind_host(mut self, host: &str) -> Self {
        self.bind_host = Some(host.to_string());
        self
    }

    /// Formats a fresh namespace and starts the NameNode.
    pub async fn build(self) -> anyhow::Result<MiniCluster> {
        let (temp_dir, base_dir) = match self.base_dir {
            Some(dir) => (None, dir),
            None => {
                let temp = tempfile::Builder::new().prefix("tusk-minicluster-").tempdir()?;
                let path = temp.path().to_path_buf();
                (Some(temp), path)
            }
        };
        let host = self.bind_host.unwrap_or_else(|| "127.0.0.1".to_string());
        let mut conf = Configuration::new();
        conf.set("hadoop.tmp.dir", base_dir.join("tmp").display().to_string());
        conf.set("dfs.namenode.name.dir", base_dir.join("name").display().to_string());
        conf.set("dfs.namenode.rpc-address", format!("{host}:0"));
        conf.set("dfs.namenode.http-address", format!("{host}:0"));
        conf.set("dfs.namenode.fs-limits.min-block-size", "0");
        for (key, value) in &self.overrides {
            conf.set(key, value.clone());
        }
        let config = NameNodeConfig::from_conf(&conf)?;
        Namesystem::format(&config.namesystem, None, true).context("formatting the mini-cluster's NameNode")?;
        let namenode = NameNode::start(config.clone()).await?;
        let mut cluster = MiniCluster {
            _temp_dir: temp_dir,
            base_dir,
            conf,
            config,
            namenode: Some(namenode),
        };
        cluster.pin_addresses()?;
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

    fn write_conf_dir(&self) -> anyhow::Result<()> {
        let dir = self.conf_dir();
        std::fs::create_dir_all(&dir)?;
        write_site(&dir.join("core-site.xml"), &[("fs.defaultFS".to_string(), self.default_fs())])?;
        // Every key that differs from the defaults, so tools see what the daemons see.
        let defaults = Configuration::new();
        let hdfs: Vec<(String, String)> = self
            .conf
            .iter()
            .filter(|(key, value)| key != "fs.defaultFS" && defaults.get(key).as_ref() != Some(value))
            .collect();
        write_site(&dir.join("hdfs-site.xml"), &hdfs)?;
        Ok(())
    }

    fn namenode(&self) -> anyhow::Result<&NameNode> {
        self.namenode.as_ref().context("the NameNode is stopped")
    }

    /// The configuration clients should use (fs.defaultFS points here).
    pub fn conf(&self) -> &Configuration {
        &self.conf
    }

    /// A directory with core-site.xml and hdfs-site.xml for this cluster:
    /// `export HADOOP_CONF_DIR=<it>` and the `hdfs` tools talk to it.
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
        Ok(DfsClient::connect(&self.config.rpc_address.to_string(), user, FsPermission::new(0o022))?)
    }

    /// Stops the NameNode (clean shutdown: the edit log is finalized).
    pub async fn stop_namenode(&mut self) {
        if let Some(namenode) = self.namenode.take() {
            namenode.stop().await;
        }
    }

    /// Starts the NameNode again on the same ports, from its name dirs.
    pub async fn restart_namenode(&mut self) -> anyhow::Result<()> {
        self.stop_namenode().await;
        self.namenode = Some(NameNode::start(self.config.clone()).await?);
        Ok(())
    }

    /// Creates `/user/<user>` (owned by the user) and a world-writable `/tmp`,
    /// as a freshly set-up Hadoop cluster has.
    pub async fn create_home_dirs(&self, user: &str) -> anyhow::Result<()> {
        let admin = self.client_as(&common::user::os_user())?;
        let home = format!("/user/{user}");
        admin.mkdirs(&home, FsPermission::new(0o755), true).await?;
        admin.set_owner(&home, Some(user), None).await?;
        admin.mkdirs("/tmp", FsPermission::new(0o777), true).await?;
        admin.set_permission("/tmp", FsPermission::new(0o1777)).await?;
        Ok(())
    }

    /// Stops every daemon.
    pub async fn shutdown(mut self) {
        self.stop_namenode().await;
    }
}

fn write_site(path: &Path, properties: &[(String, String)]) -> anyhow::Result<()> {
    let pairs: Vec<(&str, &str)> = properties.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    Configuration::write_site_file(path, &pairs).with_context(|| format!("writing {}", path.display()))
}
