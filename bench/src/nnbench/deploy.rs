//! A fresh namespace per mode: formatted in its own name dir, then opened
//! in-process or served by a NameNode on a loopback port.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use client::DfsClient;
use common::{Configuration, FsPermission};
use namenode::Namesystem;
use namenode::{NameNode, NameNodeConfig};

use super::options::Mode;
use super::target::Target;

/// A running namespace and the target that reaches it.
pub struct Deployment {
    pub target: Arc<Target>,
    namenode: Option<NameNode>,
    namesystem: Arc<Namesystem>,
}

/// Formats a namespace in `dir/name` and starts it for `mode`; `rpc`
/// connects `connections` clients and waits until each is connected.
pub async fn deploy(
    mode: Mode,
    conf: &Configuration,
    dir: &Path,
    connections: usize,
) -> anyhow::Result<Deployment> {
    let mut conf = conf.clone();
    conf.set("hadoop.tmp.dir", dir.join("tmp").display().to_string());
    conf.set(
        "dfs.namenode.name.dir",
        dir.join("name").display().to_string(),
    );
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    let config =
        NameNodeConfig::from_conf(&conf).context("configuring the benchmark's NameNode")?;
    Namesystem::format(&config.namesystem, None, true)
        .context("formatting the benchmark's name dir")?;
    match mode {
        Mode::InProcess => {
            let namesystem_config = config.namesystem.clone();
            let namesystem =
                tokio::task::spawn_blocking(move || Namesystem::open(namesystem_config))
                    .await
                    .context("opening the namesystem")??;
            let caller = namesystem.caller(&config.namesystem.superuser);
            let target = Arc::new(Target::InProcess {
                namesystem: namesystem.clone(),
                caller,
            });
            Ok(Deployment {
                target,
                namenode: None,
                namesystem,
            })
        }
        Mode::Rpc => {
            let namenode = NameNode::start(config.clone())
                .await
                .context("starting the benchmark's NameNode")?;
            let authority = namenode.rpc_address().to_string();
            let user = &config.namesystem.superuser;
            let mut clients = Vec::with_capacity(connections);
            for _ in 0..connections {
                let client = DfsClient::connect(&authority, user, FsPermission::new(0o022))?;
                // Connections are lazy: open each one before anything is timed.
                client
                    .get_file_info("/")
                    .await
                    .with_context(|| format!("connecting to the NameNode at {authority}"))?;
                clients.push(client);
            }
            let namesystem = namenode.namesystem().clone();
            Ok(Deployment {
                target: Arc::new(Target::Rpc { clients }),
                namenode: Some(namenode),
                namesystem,
            })
        }
    }
}

impl Deployment {
    /// Transactions written to the edit log so far.
    pub fn last_txid(&self) -> u64 {
        self.namesystem.last_txid()
    }

    /// Files and directories in the namespace.
    pub fn inode_count(&self) -> u64 {
        self.namesystem.counts().files_total
    }

    /// Closes the clients, stops the NameNode (or closes the namesystem) and
    /// finalizes the edit log.
    pub async fn shutdown(self) {
        drop(self.target);
        match self.namenode {
            Some(namenode) => namenode.stop().await,
            None => {
                let namesystem = self.namesystem;
                let _ = tokio::task::spawn_blocking(move || namesystem.close()).await;
            }
        }
    }
}
