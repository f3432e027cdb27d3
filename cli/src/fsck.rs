//! `hdfs fsck`: the health of the files below a path (Hadoop's `DFSck` and `NamenodeFsck`),
//! computed by this client from the namespace listing and the block locations of each file.

mod report;

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use client::{DfsClient, FileStatus};
use common::conf::keys;
use common::{Configuration, RemoteException};
use proto::hdfs as pb;

use crate::dfs::format::java_date;
use report::{AdminState, Cluster, Show, Totals};

/// Exit code of a check that failed or listed corrupt blocks (Hadoop's `DFSck` returns -1).
const EXIT_FAILED: i32 = 255;

const USAGE: &str = "Usage: hdfs fsck <path> [-list-corruptfileblocks | \
[-files [-blocks [-locations | -racks]]]] [-showprogress]
\t<path>\tstart checking from this path
\t-files\tprint out files being checked
\t-list-corruptfileblocks\tprint out list of missing blocks and files they belong to
\t-files -blocks\tprint out block report
\t-files -blocks -locations\tprint out locations for every block
\t-files -blocks -racks\tprint out network topology for data-node locations
\t-showprogress\tDeprecated. Progress is now shown by default

Please Note:
\t1. By default fsck ignores files opened for write, \
they are counted but not checked.
";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
struct Arguments {
    /// As typed; `/` when absent.
    path: String,
    show: Show,
    list_corrupt_file_blocks: bool,
}

/// Parses fsck's arguments as `DFSck.doWork` does; an error is the line printed before the
/// usage.
fn parse_arguments(args: &[String]) -> Result<Arguments, String> {
    let mut arguments = Arguments::default();
    let mut path = None;
    for arg in args {
        match arg.as_str() {
            "-files" => arguments.show.files = true,
            "-blocks" => arguments.show.blocks = true,
            "-locations" => arguments.show.locations = true,
            "-racks" => arguments.show.racks = true,
            "-list-corruptfileblocks" => arguments.list_corrupt_file_blocks = true,
            "-showprogress" => {}
            _ if arg.starts_with('-') => return Err(format!("fsck: Illegal option '{arg}'")),
            _ if path.is_some() => {
                return Err(format!(
                    "fsck: can only operate on one path at a time '{arg}'"
                ));
            }
            _ => path = Some(arg.clone()),
        }
    }
    arguments.path = path.unwrap_or_else(|| "/".to_string());
    Ok(arguments)
}

/// The absolute, normalized path an argument names: `hdfs://authority` dropped, a relative
/// path taken below `/user/<user>`.
fn resolve_path(raw: &str, user: &str) -> String {
    let without_scheme = match raw.strip_prefix("hdfs://") {
        Some(rest) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => raw.strip_prefix("hdfs:").unwrap_or(raw),
    };
    let absolute = if without_scheme.starts_with('/') {
        without_scheme.to_string()
    } else {
        format!("/user/{user}/{without_scheme}")
    };
    let mut components: Vec<&str> = Vec::new();
    for component in absolute.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name => components.push(name),
        }
    }
    format!("/{}", components.join("/"))
}

/// Runs `hdfs fsck ARGS` and returns the exit code: 0 healthy, 1 corrupt, 255 on a usage
/// error or a failed check (Hadoop's -1).
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if args.is_empty() {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    }
    let arguments = match parse_arguments(args) {
        Ok(arguments) => arguments,
        Err(message) => {
            let _ = writeln!(err, "{message}\n{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    let client = or_exit!(DfsClient::from_conf(conf), err, "fsck: ");
    let path = resolve_path(&arguments.path, client.user());
    let _ = writeln!(err, "Connecting to namenode via {}", client.uri());
    let mut checker = Checker {
        client,
        show: arguments.show,
        cluster: Cluster::default(),
        admin_states: HashMap::new(),
        totals: Totals::default(),
        out,
        listing: arguments.list_corrupt_file_blocks,
        corrupt_blocks: Vec::new(),
    };
    if arguments.list_corrupt_file_blocks {
        return checker
            .list_corrupt_file_blocks(conf, &path, &arguments.path, err)
            .await;
    }
    checker.fsck(conf, &path).await
}

/// One fsck run: what it found so far, and where it prints.
struct Checker<'a> {
    client: DfsClient,
    show: Show,
    cluster: Cluster,
    admin_states: HashMap<String, AdminState>,
    totals: Totals,
    out: &'a mut dyn Write,
    /// `-list-corruptfileblocks`: list unusable blocks instead of reporting on each file.
    listing: bool,
    /// (block id, `blk_<id>\t<path>`) of each unusable block.
    corrupt_blocks: Vec<(u64, String)>,
}

impl Checker<'_> {
    /// The full check with Hadoop's report.
    async fn fsck(&mut self, conf: &Configuration, path: &str) -> i32 {
        let started = Instant::now();
        let from = local_address(self.client.authority()).await;
        let _ = writeln!(
            self.out,
            "FSCK started by {} (auth:SIMPLE) from /{from} for path {path} at {}",
            self.client.user(),
            java_date(common::time::now_millis())
        );
        match self.check(conf, path).await {
            Ok(false) => {
                let _ = writeln!(self.out, "\n\nPath '{path}' does not exist");
                0
            }
            Ok(true) => {
                let healthy = self.totals.is_healthy();
                let summary = report::summary(&self.totals, &self.cluster);
                let _ = write!(self.out, "{summary}{}", ended(started));
                let _ = writeln!(self.out, "\n\n{}", report::final_line(path, healthy));
                if healthy { 0 } else { crate::EXIT_FAILURE }
            }
            Err(error) => {
                let _ = writeln!(self.out, "{}{}", ended(started), error.message);
                let _ = writeln!(self.out, "\n\nFsck on path '{path}' FAILED");
                EXIT_FAILED
            }
        }
    }

    /// `-list-corruptfileblocks`: the unusable blocks and their files (`raw` is the path as
    /// typed, which Hadoop shows).
    async fn list_corrupt_file_blocks(
        &mut self,
        conf: &Configuration,
        path: &str,
        raw: &str,
        err: &mut dyn Write,
    ) -> i32 {
        if let Err(error) = self.check(conf, path).await {
            let _ = writeln!(err, "fsck: {}", error.message);
            return EXIT_FAILED;
        }
        self.corrupt_blocks.sort();
        let count = self.corrupt_blocks.len();
        if count > 0 {
            let _ = writeln!(
                self.out,
                "The list of corrupt files under path '{raw}' are:"
            );
        }
        for (_, line) in &self.corrupt_blocks {
            let _ = writeln!(self.out, "{line}");
        }
        let _ = writeln!(
            self.out,
            "The filesystem under path '{raw}' has {count} CORRUPT files"
        );
        if count == 0 { 0 } else { EXIT_FAILED }
    }

    /// Learns the cluster, then checks `path` and everything below it in pre-order (entries by
    /// name). False when `path` does not exist.
    async fn check(&mut self, conf: &Configuration, path: &str) -> Result<bool, RemoteException> {
        self.learn_cluster(conf).await?;
        let Some(root) = self.client.get_file_info(path).await? else {
            return Ok(false);
        };
        let mut pending = vec![FileStatus {
            path: path.to_string(),
            ..root
        }];
        while let Some(status) = pending.pop() {
            if !status.is_dir {
                self.check_file(&status).await?;
                continue;
            }
            self.totals.total_dirs += 1;
            if self.show.files && !self.listing {
                let _ = write!(self.out, "{}", report::directory_line(&status.path));
            }
            let children = self.client.list(&status.path).await?;
            pending.extend(
                children
                    .into_iter()
                    .filter(|child| child.path != status.path)
                    .rev(),
            );
        }
        Ok(true)
    }

    async fn learn_cluster(&mut self, conf: &Configuration) -> Result<(), RemoteException> {
        let config_error = |error: common::conf::ConfError| RemoteException::io(error.to_string());
        let live = self
            .client
            .datanode_report(pb::DatanodeReportType::Live)
            .await?;
        let mut racks = std::collections::BTreeSet::new();
        for node in &live {
            let info = node.info.clone().unwrap_or_default();
            racks.insert(info.rack.clone());
            let state = match node.admin_state() {
                pb::AdminState::Normal => AdminState::Normal,
                pb::AdminState::DecommissionInProgress => AdminState::Decommissioning,
                pb::AdminState::Decommissioned => AdminState::Decommissioned,
            };
            self.admin_states.insert(info.datanode_uuid, state);
        }
        self.cluster = Cluster {
            block_pool: Some(self.client.server_defaults().await?.block_pool_id)
                .filter(|pool| !pool.is_empty()),
            live_datanodes: live.len(),
            racks: racks.len(),
            default_replication: conf.get_u16(keys::DFS_REPLICATION).map_err(config_error)?,
            min_replication: conf
                .get_u16(keys::DFS_NAMENODE_REPLICATION_MIN)
                .map_err(config_error)?,
        };
        Ok(())
    }

    async fn check_file(&mut self, status: &FileStatus) -> Result<(), RemoteException> {
        let located = match self.client.block_locations(&status.path, 0, u64::MAX).await {
            Ok(located) => located,
            // Deleted since it was listed.
            Err(error) if error.kind == common::ExceptionKind::FileNotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        let (_, blocks, under_construction) = located;
        let file = report::File {
            path: status.path.clone(),
            length: status.length,
            replication: status.replication,
            under_construction: under_construction || status.under_construction,
            blocks: blocks.iter().map(|located| self.block(located)).collect(),
        };
        let text = report::check_file(&file, self.show, &self.cluster, &mut self.totals);
        if self.listing {
            if !file.under_construction {
                self.corrupt_blocks
                    .extend(report::corrupt_block_lines(&file));
            }
        } else {
            let _ = write!(self.out, "{text}");
        }
        Ok(())
    }

    fn block(&self, located: &pb::LocatedBlock) -> report::Block {
        let block = located.block.unwrap_or_default();
        let replicas = located
            .locations
            .iter()
            .map(|node| report::Replica {
                name: format!("{}:{}", node.host, node.xfer_port),
                storage_id: node.datanode_uuid.clone(),
                rack: node.rack.clone(),
                admin_state: self
                    .admin_states
                    .get(&node.datanode_uuid)
                    .copied()
                    .unwrap_or_default(),
            })
            .collect();
        report::Block {
            id: block.block_id,
            generation_stamp: block.generation_stamp,
            length: block.num_bytes,
            corrupt: located.corrupt,
            replicas,
        }
    }
}

/// `FSCK ended at <date> in <n> milliseconds` and a newline.
fn ended(started: Instant) -> String {
    let elapsed = started.elapsed().as_millis();
    format!(
        "FSCK ended at {} in {elapsed} milliseconds\n",
        java_date(common::time::now_millis())
    )
}

/// This host's address towards the NameNode (what the NameNode sees as the caller).
async fn local_address(authority: &str) -> String {
    let probe = async {
        let socket = tokio::net::UdpSocket::bind("0.0.0.0:0").await.ok()?;
        socket.connect(authority).await.ok()?;
        socket.local_addr().ok()
    };
    match probe.await {
        Some(address) => address.ip().to_string(),
        None => "127.0.0.1".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parses_options_like_dfsck() {
        let parsed = parse_arguments(&args(&["/a", "-files", "-blocks", "-racks"])).unwrap();
        assert_eq!(parsed.path, "/a");
        assert!(parsed.show.files && parsed.show.blocks && parsed.show.racks);
        assert!(!parsed.show.locations && !parsed.list_corrupt_file_blocks);
        let parsed = parse_arguments(&args(&["-list-corruptfileblocks"])).unwrap();
        assert_eq!(parsed.path, "/");
        assert!(parsed.list_corrupt_file_blocks);
        assert_eq!(
            parse_arguments(&args(&["/a", "-move"])).unwrap_err(),
            "fsck: Illegal option '-move'"
        );
        assert_eq!(
            parse_arguments(&args(&["/a", "/b"])).unwrap_err(),
            "fsck: can only operate on one path at a time '/b'"
        );
    }

    #[test]
    fn resolves_paths_like_hadoop() {
        assert_eq!(resolve_path("/", "alice"), "/");
        assert_eq!(resolve_path("/a//b/", "alice"), "/a/b");
        assert_eq!(resolve_path("x/../y", "alice"), "/user/alice/y");
        assert_eq!(resolve_path("hdfs://nn:8020/a", "alice"), "/a");
        assert_eq!(resolve_path("hdfs://nn:8020", "alice"), "/");
    }

    #[tokio::test]
    async fn usage_errors_exit_with_255() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&conf, &[], &mut out, &mut err).await, 255);
        let err_text = String::from_utf8(err).unwrap();
        assert!(
            err_text.starts_with("Usage: hdfs fsck <path>"),
            "{err_text}"
        );

        let mut err = Vec::new();
        assert_eq!(run(&conf, &args(&["-x"]), &mut out, &mut err).await, 255);
        let err_text = String::from_utf8(err).unwrap();
        assert!(
            err_text.starts_with("fsck: Illegal option '-x'\nUsage:"),
            "{err_text}"
        );
        assert!(out.is_empty());
    }

    #[tokio::test]
    async fn a_non_hdfs_file_system_fails() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&conf, &args(&["/"]), &mut out, &mut err).await, 1);
        assert!(
            String::from_utf8(err)
                .unwrap()
                .starts_with("fsck: fs.defaultFS is 'file:///'")
        );
    }
}
