//! `hdfs namenode [-format [-clusterid ID] [-force] [-nonInteractive]] |
//! [-bootstrapStandby [-force] [-nonInteractive]] | [-importCheckpoint]`.

use std::io::{BufRead, IsTerminal, Write};

use common::Configuration;
use namenode::Namesystem;
use namenode::{NameNode, NameNodeConfig};

/// Hadoop's `NameNode.USAGE`, with the startup options Tusk has.
const USAGE: &str = "Usage: hdfs namenode [-format [-clusterid cid ] [-force] [-nonInteractive] ] | \n\
\t[-bootstrapStandby [-force] [-nonInteractive] ] | \n\
\t[-importCheckpoint]";

/// Runs `hdfs namenode ARGS` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    if let [help] = args
        && matches!(help.as_str(), "-h" | "-help" | "--help")
    {
        println!("{USAGE}");
        return 0;
    }
    let config = match NameNodeConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("namenode: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    match args.first().map(String::as_str) {
        None => serve(config),
        Some("-format") => format(config, &args[1..]),
        Some("-bootstrapStandby") => bootstrap_standby(config, &args[1..]),
        Some("-importCheckpoint") if args.len() == 1 => import_checkpoint(conf, config),
        Some(other) => {
            eprintln!("namenode: unknown option {other}\n{USAGE}");
            crate::EXIT_USAGE
        }
    }
}

fn format(config: NameNodeConfig, args: &[String]) -> i32 {
    let mut cluster_id = None;
    let mut force = false;
    let mut interactive = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-force" => force = true,
            "-nonInteractive" => interactive = false,
            "-clusterid" => match rest.next() {
                Some(id) if !id.is_empty() => cluster_id = Some(id.clone()),
                _ => {
                    eprintln!("namenode: -clusterid needs a cluster ID\n{USAGE}");
                    return crate::EXIT_USAGE;
                }
            },
            other => {
                eprintln!("namenode: unknown option {other}\n{USAGE}");
                return crate::EXIT_USAGE;
            }
        }
    }
    let dirs = &config.namesystem.name_dirs;
    let formatted = dirs
        .iter()
        .any(|dir| dir.join("current").join("VERSION").exists());
    if formatted && !force {
        if !interactive || !std::io::stdin().is_terminal() {
            eprintln!(
                "namenode: name dir is already formatted: {}; use -force to format it again",
                list(dirs)
            );
            return crate::EXIT_FAILURE;
        }
        print!("Re-format filesystem in {} ? (Y or N) ", list(dirs));
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            eprintln!("Format aborted in {}", list(dirs));
            return crate::EXIT_FAILURE;
        }
    }
    match Namesystem::format(&config.namesystem, cluster_id.as_deref(), true) {
        Ok(info) => {
            for dir in dirs {
                println!(
                    "Storage directory {} has been successfully formatted.",
                    dir.display()
                );
            }
            println!("clusterID: {}", info.cluster_id);
            0
        }
        Err(error) => {
            eprintln!("namenode: format failed: {error}");
            crate::EXIT_FAILURE
        }
    }
}

/// Hadoop's `BootstrapStandby` exit code when the name dirs are formatted
/// and may not be formatted again.
const ERR_CODE_ALREADY_FORMATTED: i32 = 5;
/// Hadoop's `BootstrapStandby` exit code when the other NameNode cannot be reached.
const ERR_CODE_FAILED_CONNECT: i32 = 2;

/// `-bootstrapStandby [-force] [-nonInteractive]`: this NameNode's name dirs
/// become a copy of the other NameNode's newest image.
fn bootstrap_standby(config: NameNodeConfig, args: &[String]) -> i32 {
    use namenode::bootstrap::{self, BootstrapError};
    let mut force = false;
    let mut interactive = true;
    for arg in args {
        match arg.as_str() {
            "-force" => force = true,
            "-nonInteractive" => interactive = false,
            other => {
                eprintln!("namenode: unknown option {other}\n{USAGE}");
                return crate::EXIT_USAGE;
            }
        }
    }
    let dirs = &config.namesystem.name_dirs;
    if bootstrap::is_formatted(&config) && !force {
        if !interactive || !std::io::stdin().is_terminal() {
            eprintln!(
                "Running in non-interactive mode, and data appears to exist in {}. Not formatting.",
                list(dirs)
            );
            return ERR_CODE_ALREADY_FORMATTED;
        }
        print!("Re-format filesystem in {} ? (Y or N) ", list(dirs));
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            eprintln!("Format aborted in {}", list(dirs));
            return ERR_CODE_ALREADY_FORMATTED;
        }
    }
    common::logging::init("warn");
    let result = crate::launcher::runtime().block_on(bootstrap::bootstrap_standby(&config, true));
    match result {
        Ok(done) => {
            let ha = config.namesystem.ha.as_ref();
            println!("=====================================================");
            println!(
                "Bootstrapped Standby ID {} from:",
                ha.map_or("", |ha| ha.namenode_id.as_str())
            );
            println!(
                "           Nameservice ID: {}",
                ha.map_or("", |ha| ha.nameservice.as_str())
            );
            println!(
                "  Other NN's HTTP address: http://{}",
                done.other_http_address
            );
            println!("             Namespace ID: {}", done.namespace_id);
            println!("            Block pool ID: {}", done.block_pool_id);
            println!("               Cluster ID: {}", done.cluster_id);
            println!("               Image txid: {}", done.image_txid);
            println!("=====================================================");
            0
        }
        Err(error @ BootstrapError::AlreadyFormatted(_)) => {
            eprintln!("namenode: {error}");
            ERR_CODE_ALREADY_FORMATTED
        }
        Err(error @ BootstrapError::OtherNameNode { .. }) => {
            eprintln!("namenode: {error}");
            ERR_CODE_FAILED_CONNECT
        }
        Err(error) => {
            eprintln!("namenode: {error}");
            crate::EXIT_FAILURE
        }
    }
}

/// Rebuilds the name dirs from the SecondaryNameNode's checkpoint dir, then
/// serves from them.
fn import_checkpoint(conf: &Configuration, config: NameNodeConfig) -> i32 {
    common::logging::init("info");
    let checkpoint_dirs = match conf.get_local_dirs(common::conf::keys::DFS_NAMENODE_CHECKPOINT_DIR)
    {
        Ok(dirs) => dirs,
        Err(error) => {
            eprintln!("namenode: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    match namenode::import_checkpoint(
        &config.namesystem.name_dirs,
        &checkpoint_dirs,
        config.namesystem.limits.clone(),
    ) {
        Ok(txid) => println!(
            "Imported the checkpoint at txid {txid} from {} into {}",
            list(&checkpoint_dirs),
            list(&config.namesystem.name_dirs)
        ),
        Err(error) => {
            eprintln!("namenode: cannot import checkpoint: {error}");
            return crate::EXIT_FAILURE;
        }
    }
    serve(config)
}

fn serve(config: NameNodeConfig) -> i32 {
    common::logging::init("info");
    crate::launcher::runtime().block_on(crate::launcher::serve(
        "namenode",
        async || Ok(NameNode::start(config).await?),
        async |namenode: NameNode| namenode.stop().await,
    ))
}

fn list(dirs: &[std::path::PathBuf]) -> String {
    dirs.iter()
        .map(|dir| dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
