//! A fresh namespace per mode: formatted in its own name dir (and, with
//! `-journalNodes`, on a quorum of in-process JournalNodes), then opened
//! in-process or served by a NameNode on a loopback port.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use client::DfsClient;
use common::conf::keys;
use common::user::{CallOrigin, CallProtocol};
use common::{Configuration, FsPermission};
use namenode::Namesystem;
use namenode::{JournalNode, JournalNodeConfig, NameNode, NameNodeConfig};

use super::options::{Mode, Options};
use super::target::Target;

/// A running namespace and the target that reaches it.
pub struct Deployment {
    pub target: Arc<Target>,
    namenode: Option<NameNode>,
    namesystem: Arc<Namesystem>,
    journal_nodes: Vec<JournalNode>,
}

/// Starts `count` JournalNodes on loopback ports with their journals under
/// `dir`, and points `conf`'s shared edits at them (none: local edits only).
async fn start_journal_nodes(
    conf: &mut Configuration,
    dir: &Path,
    count: usize,
) -> anyhow::Result<Vec<JournalNode>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut nodes = Vec::with_capacity(count);
    for index in 0..count {
        let mut config = JournalNodeConfig::from_conf(conf)?;
        config.rpc_address = "127.0.0.1:0".parse()?;
        config.http_address = "127.0.0.1:0".parse()?;
        config.edits_dir = dir.join(format!("journal{index}"));
        config.sync_enabled = false;
        nodes.push(
            JournalNode::start(config)
                .await
                .context("starting the benchmark's JournalNodes")?,
        );
    }
    let quorum: Vec<String> = nodes
        .iter()
        .map(|node| node.rpc_address().to_string())
        .collect();
    conf.set(
        "dfs.namenode.shared.edits.dir",
        format!("qjournal://{}/nnbench", quorum.join(";")),
    );
    Ok(nodes)
}

/// Formats a namespace in `dir/name` and starts it for `mode`, with its
/// audit log in `dir/logs` when `audit_log`; `rpc` connects `connections`
/// clients and waits until each is connected.
pub async fn deploy(
    mode: Mode,
    audit_log: bool,
    conf: &Configuration,
    dir: &Path,
    options: &Options,
) -> anyhow::Result<Deployment> {
    let connections = options.connections;
    let mut conf = conf.clone();
    conf.set("hadoop.tmp.dir", dir.join("tmp").display().to_string());
    conf.set(
        "dfs.namenode.name.dir",
        dir.join("name").display().to_string(),
    );
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set(keys::DFS_NAMENODE_AUDIT_LOG_ENABLED, audit_log.to_string());
    conf.set(
        common::http::LOG_DIR_KEY,
        dir.join("logs").display().to_string(),
    );
    let journal_nodes = start_journal_nodes(&mut conf, dir, options.journal_nodes).await?;
    let config =
        NameNodeConfig::from_conf(&conf).context("configuring the benchmark's NameNode")?;
    Namesystem::format(&config.namesystem, None, true)
        .context("formatting the benchmark's name dir")?;
    if let Some(quorum) = &config.namesystem.shared_edits {
        namenode::format_shared_edits(quorum, &config.namesystem.name_dirs, true)
            .await
            .context("formatting the benchmark's JournalNodes")?;
    }
    match mode {
        Mode::InProcess => {
            let namesystem_config = config.namesystem.clone();
            let namesystem =
                tokio::task::spawn_blocking(move || Namesystem::open(namesystem_config))
                    .await
                    .context("opening the namesystem")??;
            // As an RPC caller from the loopback: audited like one.
            let caller = namesystem
                .caller(&config.namesystem.superuser)
                .with_origin(CallOrigin {
                    address: Some(std::net::Ipv4Addr::LOCALHOST.into()),
                    protocol: CallProtocol::Rpc,
                    caller_context: None,
                });
            let target = Arc::new(Target::InProcess {
                namesystem: namesystem.clone(),
                caller,
            });
            Ok(Deployment {
                target,
                namenode: None,
                namesystem,
                journal_nodes,
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
                journal_nodes,
            })
        }
    }
}

impl Deployment {
    /// The NameNode's HTTP address (rpc mode only).
    pub fn http_address(&self) -> Option<std::net::SocketAddr> {
        self.namenode
            .as_ref()
            .map(|namenode| namenode.http_address())
    }

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
        for node in self.journal_nodes {
            node.stop().await;
        }
    }
}
