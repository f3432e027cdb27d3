//! `hdfs namenode [-format [-clusterid ID] [-force] [-nonInteractive]] |
//! [-bootstrapStandby [-force] [-nonInteractive]] |
//! [-initializeSharedEdits [-force] [-nonInteractive]] | [-importCheckpoint]`.

use std::io::{BufRead, IsTerminal, Write};

use common::Configuration;
use common::conf::keys;
use namenode::Namesystem;
use namenode::{NameNode, NameNodeConfig, QuorumJournal};

/// Hadoop's `NameNode.USAGE`, with the startup options Tusk has.
const USAGE: &str = "Usage: hdfs namenode [-format [-clusterid cid ] [-force] [-nonInteractive] ] | \n\
\t[-bootstrapStandby [-force] [-nonInteractive] ] | \n\
\t[-initializeSharedEdits [-force] [-nonInteractive] ] | \n\
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
        Some("-format") => format(conf, config, &args[1..]),
        Some("-initializeSharedEdits") => initialize_shared_edits(conf, config, &args[1..]),
        Some("-bootstrapStandby") => bootstrap_standby(config, &args[1..]),
        Some("-importCheckpoint") if args.len() == 1 => import_checkpoint(conf, config),
        Some(other) => {
            eprintln!("namenode: unknown option {other}\n{USAGE}");
            crate::EXIT_USAGE
        }
    }
}

/// The quorum journal of `dfs.namenode.shared.edits.dir`, if it is one.
fn shared_edits(conf: &Configuration) -> Result<Option<QuorumJournal>, String> {
    match conf.get_trimmed(keys::DFS_NAMENODE_SHARED_EDITS_DIR) {
        Some(uri) if uri.starts_with("qjournal://") => QuorumJournal::from_uri(&uri, conf)
            .map(Some)
            .map_err(|error| error.to_string()),
        _ => Ok(None),
    }
}

/// How the journals are named in prompts, as Hadoop's QJM `toString`.
fn describe(quorum: &QuorumJournal) -> String {
    format!("QJM to [{}]", quorum.addresses().join(", "))
}

/// Hadoop's confirmation: `true` to go on. Refused without a terminal or
/// with `-nonInteractive`.
fn confirm(what: &str, interactive: bool) -> bool {
    if !interactive || !std::io::stdin().is_terminal() {
        eprintln!("namenode: {what} is already formatted; use -force to format it again");
        return false;
    }
    print!("Re-format filesystem in {what} ? (Y or N) ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim().eq_ignore_ascii_case("y") {
        return true;
    }
    eprintln!("Format aborted in {what}");
    false
}

/// `-force` and `-nonInteractive`, as `-initializeSharedEdits` takes them.
fn flags(args: &[String]) -> Result<(bool, bool), String> {
    let (mut force, mut interactive) = (false, true);
    for arg in args {
        match arg.as_str() {
            "-force" => force = true,
            "-nonInteractive" => interactive = false,
            other => return Err(format!("Invalid argument: {other}")),
        }
    }
    Ok((force, interactive))
}

/// Formats the shared edits and copies the local edits since the newest
/// fsimage onto them (Hadoop's `-initializeSharedEdits`).
fn initialize_shared_edits(conf: &Configuration, config: NameNodeConfig, args: &[String]) -> i32 {
    let (force, interactive) = match flags(args) {
        Ok(flags) => flags,
        Err(message) => {
            eprintln!("namenode: {message}\n{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    let quorum = match shared_edits(conf) {
        Ok(Some(quorum)) => quorum,
        Ok(None) => {
            eprintln!(
                "namenode: No shared edits directory configured for namespace null namenode null ({} is not a qjournal:// URI)",
                keys::DFS_NAMENODE_SHARED_EDITS_DIR
            );
            return crate::EXIT_FAILURE;
        }
        Err(message) => {
            eprintln!("namenode: {message}");
            return crate::EXIT_FAILURE;
        }
    };
    common::logging::init("info");
    let dirs = config.namesystem.name_dirs.clone();
    crate::launcher::runtime().block_on(async move {
        let formatted = match quorum.is_formatted().await {
            Ok(formatted) => formatted,
            Err(error) => {
                eprintln!("namenode: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        if formatted && !force && !confirm(&describe(&quorum), interactive) {
            return crate::EXIT_FAILURE;
        }
        match namenode::initialize_shared_edits(&quorum, &dirs, true).await {
            Ok(last_txid) => {
                println!(
                    "Successfully initialized the shared edits {} with the edits up to txid {last_txid}",
                    describe(&quorum)
                );
                0
            }
            Err(error) => {
                eprintln!("namenode: Could not initialize shared edits dir: {error}");
                crate::EXIT_FAILURE
            }
        }
    })
}

fn format(conf: &Configuration, config: NameNodeConfig, args: &[String]) -> i32 {
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
    let quorum = match shared_edits(conf) {
        Ok(quorum) => quorum,
        Err(message) => {
            eprintln!("namenode: {message}");
            return crate::EXIT_FAILURE;
        }
    };
    let runtime = quorum.as_ref().map(|_| crate::launcher::runtime());
    if let (Some(quorum), Some(runtime)) = (&quorum, &runtime) {
        match runtime.block_on(quorum.is_formatted()) {
            Ok(true) if !force => {
                if !confirm(&describe(quorum), interactive) {
                    return crate::EXIT_FAILURE;
                }
            }
            Ok(_) => {}
            Err(error) => {
                eprintln!("namenode: {error}");
                return crate::EXIT_FAILURE;
            }
        }
    }
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
            if let (Some(quorum), Some(runtime)) = (&quorum, &runtime) {
                if let Err(error) =
                    runtime.block_on(namenode::format_shared_edits(quorum, dirs, true))
                {
                    eprintln!("namenode: format failed: {error}");
                    return crate::EXIT_FAILURE;
                }
                println!("Formatted the shared edits {}", describe(quorum));
            }
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
    namenode::terminate_on_journal_failure();
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
