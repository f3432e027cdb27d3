//! The command line of `hdfs nnbench`, in Hadoop's single-dash style.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::datanodes::SimulationOptions;

/// Usage text printed on a bad command line.
pub const USAGE: &str =
    "Usage: hdfs nnbench [-op mkdirs|create|fileStatus|rename|delete|all|none[,...]]
\t[-threads N] [-ops N] [-mode inprocess|rpc|both] [-baseDir DIR]
\t[-filesPerDir N] [-connections N] [-syncs N] [-memory N] [-checkpoint N]
\t[-journalNodes N] [-scrapeMs N] [-auditLog off|on|both]

  -op           operations to time, in this order (default all); ops an op needs
                (files for fileStatus, rename, delete) are set up untimed
  -threads      concurrent clients (default 64)
  -ops          operations per op (default 100000)
  -mode         against the namesystem in-process, over gRPC, or both (default both)
  -baseDir      local dir for the name dirs and the fdatasync baseline
                (default a new dir under the system temp dir, removed at the end)
  -filesPerDir  entries per benchmark directory (default 1000)
  -connections  gRPC connections shared by the clients (default threads / 16)
  -syncs        4 KiB write + fdatasync iterations of the baseline (default 2000)
  -memory       build N one-block files in-process: resident bytes per file,
                fsimage save and load time; alone (without -op), only this runs
  -checkpoint   with N one-block files: NameNode restart time from an fsimage
                alone and with N edits after it, a SecondaryNameNode checkpoint's
                duration, and mkdirs/s during it against without one
  -journalNodes edits also on a quorum of N in-process JournalNodes
                (qjournal://, as dfs.namenode.shared.edits.dir); default 0: local only
  -scrapeMs     in rpc mode, a client GETs the NameNode's /jmx and /prom every N ms
                while the ops run (a monitoring scraper's load)
  -auditLog     the NameNode's hdfs-audit.log off, on, or both: each mode runs
                with it off, then on, and the summary gives the ratio (default off)
  -datanodes    a NameNode process under N simulated DataNodes (register,
                heartbeat, full reports over its real RPC; no data): memory
                per block and replica, cold start, report rate, heartbeat
                cost, getFileInfo latency in a report storm and a dead-node
                storm; alone (without -op), only this runs
  -blocksPerReport  replicas on each simulated DataNode (default 10000)
  -blocksPerFile    blocks of each of the simulation's files (default 10)
  -probeClients     getFileInfo clients timed during the storms (default 32)
  -deadDatanodes    simulated DataNodes that stop at once (default N / 10)";

/// A timed namespace operation, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BenchOp {
    Mkdirs,
    Create,
    FileStatus,
    Rename,
    Delete,
}

impl BenchOp {
    /// Every op, in run order.
    pub const ALL: [BenchOp; 5] = [
        Self::Mkdirs,
        Self::Create,
        Self::FileStatus,
        Self::Rename,
        Self::Delete,
    ];

    /// The op's name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mkdirs => "mkdirs",
            Self::Create => "create",
            Self::FileStatus => "fileStatus",
            Self::Rename => "rename",
            Self::Delete => "delete",
        }
    }

    /// Whether the op changes the namespace, so that it waits for the edit
    /// log to be synced before it returns.
    pub fn is_durable(self) -> bool {
        self != Self::FileStatus
    }
}

impl fmt::Display for BenchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the operations are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Calls on the `Namesystem` in this process: no RPC.
    InProcess,
    /// `DfsClient` calls over gRPC to a NameNode on a loopback port.
    Rpc,
}

impl Mode {
    /// The mode's name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::InProcess => "inprocess",
            Self::Rpc => "rpc",
        }
    }
}

/// What one `hdfs nnbench` run does.
#[derive(Clone, Debug)]
pub struct Options {
    /// Ops to time, sorted in run order, without duplicates.
    pub ops: Vec<BenchOp>,
    /// Concurrent workers (`-threads`).
    pub threads: usize,
    /// Operations in each op's batch (`-ops`).
    pub ops_per_op: u64,
    /// Modes to run, in order.
    pub modes: Vec<Mode>,
    /// Where the run's directory goes; `None` is the system temp dir.
    pub base_dir: Option<PathBuf>,
    /// Entries per benchmark directory (`-filesPerDir`).
    pub files_per_dir: u64,
    /// gRPC connections the workers share (`-connections`).
    pub connections: usize,
    /// Iterations of the fdatasync baseline (`-syncs`).
    pub baseline_syncs: u64,
    /// Files of the memory benchmark; `None` skips it.
    pub memory_files: Option<u64>,
    /// Files of the checkpoint benchmark; `None` skips it.
    pub checkpoint_files: Option<u64>,
    /// In-process JournalNodes the edits also go to (`-journalNodes`); 0: none.
    pub journal_nodes: usize,
    /// How often a scraper reads `/jmx` and `/prom` in rpc mode (`-scrapeMs`).
    pub scrape_every: Option<Duration>,
    /// Whether each mode runs with the audit log off, on, or both (`-auditLog`).
    pub audit_logs: Vec<bool>,
    /// The simulated DataNodes' run (`-datanodes`); `None` skips it.
    pub simulation: Option<SimulationOptions>,
}

impl Options {
    /// Parses the arguments after `nnbench`; the error is the message to print.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut ops = None;
        let mut threads = 64;
        let mut ops_per_op = 100_000;
        let mut modes = vec![Mode::InProcess, Mode::Rpc];
        let mut base_dir = None;
        let mut files_per_dir = 1000;
        let mut connections = None;
        let mut baseline_syncs = 2000;
        let mut memory_files = None;
        let mut checkpoint_files = None;
        let mut journal_nodes = 0;
        let mut scrape_every = None;
        let mut audit_logs = vec![false];
        let mut datanodes = None;
        let mut replicas_per_datanode = 10_000;
        let mut blocks_per_file = 10;
        let mut probe_clients = 32;
        let mut dead_datanodes = None;
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let mut value = || {
                rest.next()
                    .map(String::as_str)
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "-op" => ops = Some(parse_ops(value()?)?),
                "-threads" => threads = positive(flag, value()?)? as usize,
                "-ops" => ops_per_op = positive(flag, value()?)?,
                "-mode" => modes = parse_modes(value()?)?,
                "-baseDir" => base_dir = Some(PathBuf::from(value()?)),
                "-filesPerDir" => files_per_dir = positive(flag, value()?)?,
                "-connections" => connections = Some(positive(flag, value()?)? as usize),
                "-syncs" => baseline_syncs = positive(flag, value()?)?,
                "-memory" => memory_files = Some(positive(flag, value()?)?),
                "-checkpoint" => checkpoint_files = Some(positive(flag, value()?)?),
                "-journalNodes" => journal_nodes = positive(flag, value()?)? as usize,
                "-scrapeMs" => {
                    scrape_every = Some(Duration::from_millis(positive(flag, value()?)?))
                }
                "-auditLog" => audit_logs = parse_audit_logs(value()?)?,
                "-datanodes" => datanodes = Some(positive(flag, value()?)?),
                "-blocksPerReport" => replicas_per_datanode = positive(flag, value()?)?,
                "-blocksPerFile" => blocks_per_file = positive(flag, value()?)?,
                "-probeClients" => probe_clients = positive(flag, value()?)? as usize,
                "-deadDatanodes" => dead_datanodes = Some(non_negative(flag, value()?)?),
                other => return Err(format!("unknown option '{other}'")),
            }
        }
        // `-memory N` alone measures memory only; `-op` adds throughput back.
        let simulation = datanodes.map(|datanodes| SimulationOptions {
            datanodes,
            replicas_per_datanode,
            blocks_per_file,
            probe_clients,
            dead_datanodes: dead_datanodes.unwrap_or(datanodes / 10),
            files_per_dir,
        });
        let alone = memory_files.or(checkpoint_files).or(datanodes);
        let ops = match (ops, alone) {
            (Some(ops), _) => ops,
            (None, Some(_)) => Vec::new(),
            (None, None) => BenchOp::ALL.to_vec(),
        };
        let connections = connections.unwrap_or(threads.div_ceil(16)).min(threads);
        Ok(Self {
            ops,
            threads,
            ops_per_op,
            modes,
            base_dir,
            files_per_dir,
            connections,
            baseline_syncs,
            memory_files,
            checkpoint_files,
            journal_nodes,
            scrape_every,
            audit_logs,
            simulation,
        })
    }
}

fn positive(flag: &str, text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(format!("{flag}: '{text}': expected a positive integer")),
    }
}

fn non_negative(flag: &str, text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("{flag}: '{text}': expected a non-negative integer"))
}

fn parse_ops(text: &str) -> Result<Vec<BenchOp>, String> {
    let mut ops = Vec::new();
    for word in text.split(',') {
        match word {
            "all" => ops.extend(BenchOp::ALL),
            "none" => {}
            _ => match BenchOp::ALL
                .iter()
                .find(|op| op.name().eq_ignore_ascii_case(word))
            {
                Some(&op) => ops.push(op),
                None => return Err(format!("-op: '{word}': unknown operation")),
            },
        }
    }
    ops.sort();
    ops.dedup();
    Ok(ops)
}

fn parse_audit_logs(text: &str) -> Result<Vec<bool>, String> {
    match text {
        "off" => Ok(vec![false]),
        "on" => Ok(vec![true]),
        "both" => Ok(vec![false, true]),
        other => Err(format!("-auditLog: '{other}': expected off, on or both")),
    }
}

fn parse_modes(text: &str) -> Result<Vec<Mode>, String> {
    match text {
        "inprocess" => Ok(vec![Mode::InProcess]),
        "rpc" => Ok(vec![Mode::Rpc]),
        "both" => Ok(vec![Mode::InProcess, Mode::Rpc]),
        other => Err(format!("-mode: '{other}': expected inprocess, rpc or both")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_run_every_op_in_both_modes() {
        let options = parse(&[]).expect("defaults parse");
        assert_eq!(options.ops, BenchOp::ALL.to_vec());
        assert_eq!(options.modes, vec![Mode::InProcess, Mode::Rpc]);
        assert_eq!(
            (options.threads, options.ops_per_op, options.connections),
            (64, 100_000, 4)
        );
        assert_eq!(options.memory_files, None);
        assert!(options.simulation.is_none());
    }

    #[test]
    fn datanodes_alone_run_only_the_simulation() {
        let options = parse(&["-datanodes", "1000", "-blocksPerReport", "100000"]).expect("parses");
        assert!(options.ops.is_empty());
        let simulation = options.simulation.expect("simulation asked for");
        assert_eq!(
            (simulation.datanodes, simulation.replicas_per_datanode),
            (1000, 100_000)
        );
        assert_eq!(
            (simulation.blocks_per_file, simulation.dead_datanodes),
            (10, 100)
        );
        assert!(
            parse(&["-deadDatanodes", "x"])
                .unwrap_err()
                .contains("non-negative")
        );
    }

    #[test]
    fn ops_are_sorted_in_run_order_and_memory_alone_skips_them() {
        let options = parse(&["-op", "delete,mkdirs,delete", "-mode", "rpc"]).expect("parses");
        assert_eq!(options.ops, vec![BenchOp::Mkdirs, BenchOp::Delete]);
        assert_eq!(options.modes, vec![Mode::Rpc]);
        assert!(parse(&["-memory", "10"]).expect("parses").ops.is_empty());
        assert_eq!(
            parse(&["-memory", "10", "-op", "all"])
                .expect("parses")
                .ops
                .len(),
            5
        );
    }

    #[test]
    fn bad_values_are_reported() {
        assert!(parse(&["-threads", "0"]).unwrap_err().contains("positive"));
        assert!(parse(&["-ops"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["-op", "chmod"])
                .unwrap_err()
                .contains("unknown operation")
        );
        assert!(
            parse(&["-mode", "remote"])
                .unwrap_err()
                .contains("inprocess, rpc or both")
        );
        assert!(parse(&["-bogus"]).unwrap_err().contains("unknown option"));
        assert!(
            parse(&["-auditLog", "maybe"])
                .unwrap_err()
                .contains("off, on or both")
        );
        assert_eq!(
            parse(&["-auditLog", "both"]).expect("parses").audit_logs,
            vec![false, true]
        );
    }
}
