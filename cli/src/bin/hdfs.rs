//! `hdfs`: the HDFS daemons and user commands.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};

const USAGE: &str = "Usage: hdfs [--config confdir] [--daemon (start|status|stop)] COMMAND [GENERIC_OPTIONS] [COMMAND_OPTIONS]

  namenode          run the NameNode (-format to create a new namespace)
  secondarynamenode run the SecondaryNameNode (checkpoints the NameNode)
  datanode          run a DataNode
  journalnode       run a JournalNode (keeps the shared edits of a quorum journal)
  zkfc              run the ZK Failover Controller daemon (-formatZK to initialize ZooKeeper)
  dfs               run a filesystem command on the file system
  dfsadmin          run a DFS admin client
  haadmin           run a DFS HA admin client
  debug             run a debug admin command (recoverLease)
  fsck              run a DFS filesystem checking utility
  getconf           get config values from configuration
  nnbench           benchmark the NameNode (NNThroughputBenchmark-style)
  oiv               apply the offline fsimage viewer to an fsimage
  oev               apply the offline edits viewer to an edits file
  version           print the version

Generic options: -D <property=value>, -conf <file>, -fs <hdfs://host:port>";

fn main() -> ExitCode {
    let invocation = match launcher::invocation("hdfs", USAGE) {
        Ok(invocation) => invocation,
        Err(code) => return code,
    };
    let conf = &invocation.conf;
    let args = &invocation.args;
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let code = match invocation.command.as_str() {
        "namenode" => tusk_cli::namenode_cmd::run(conf, args),
        "secondarynamenode" => tusk_cli::secondarynamenode::run(conf, args),
        "datanode" => tusk_cli::datanode_cmd::run(conf, args),
        "journalnode" => tusk_cli::journalnode_cmd::run(conf, args),
        "zkfc" => tusk_cli::zkfc_cmd::run(conf, args),
        "dfs" => launcher::runtime().block_on(tusk_cli::dfs::run(conf, args, &mut out, &mut err)),
        "dfsadmin" => {
            launcher::runtime().block_on(tusk_cli::dfsadmin::run(conf, args, &mut out, &mut err))
        }
        "haadmin" => {
            launcher::runtime().block_on(tusk_cli::haadmin::run(conf, args, &mut out, &mut err))
        }
        "debug" => {
            launcher::runtime().block_on(tusk_cli::debug::run(conf, args, &mut out, &mut err))
        }
        "fsck" => launcher::runtime().block_on(tusk_cli::fsck::run(conf, args, &mut out, &mut err)),
        "getconf" => tusk_cli::getconf::run(conf, args, &mut out, &mut err),
        "nnbench" => {
            // The benchmark reads the generic options itself.
            let raw: Vec<String> = std::env::args()
                .skip_while(|a| a != "nnbench")
                .skip(1)
                .collect();
            tusk_cli::nnbench::run(&raw)
        }
        "oiv" => tusk_cli::oiv::run(args, &mut out, &mut err),
        "oev" => tusk_cli::oev::run(args, &mut out, &mut err),
        "version" => tusk_cli::hadoop::version(&mut out),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("hdfs: unknown command '{other}'\n{USAGE}");
            tusk_cli::EXIT_USAGE
        }
    };
    exit(code)
}
