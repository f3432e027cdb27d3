//! `hdfs zkfc [-formatZK [-force] [-nonInteractive]]`: the ZKFailoverController beside a
//! NameNode, or the creation of its nameservice's znode in ZooKeeper.

use std::io::BufRead;

use common::Configuration;
use namenode::zkfc::{ZkFailoverController, ZkfcConfig, format_zk};

/// Hadoop's `ZKFailoverController` usage.
const USAGE: &str = "Usage: hdfs zkfc [ -formatZK [-force] [-nonInteractive] ]";

/// Hadoop's `ERR_CODE_FORMAT_DENIED`: the znode exists and formatting was not confirmed.
const EXIT_FORMAT_DENIED: i32 = 2;

/// Runs `hdfs zkfc ARGS` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    let mut format = false;
    let mut force = false;
    let mut interactive = true;
    for arg in args {
        match arg.as_str() {
            "-h" | "-help" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            "-formatZK" => format = true,
            "-force" if format => force = true,
            "-nonInteractive" if format => interactive = false,
            other => {
                eprintln!("zkfc: unknown option {other}\n{USAGE}");
                return crate::EXIT_USAGE;
            }
        }
    }
    common::logging::init("info");
    let config = match ZkfcConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("zkfc: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    if format {
        return crate::launcher::runtime().block_on(format_znode(config, force, interactive));
    }
    crate::launcher::runtime().block_on(crate::launcher::serve(
        "zkfc",
        async || Ok(ZkFailoverController::start(config).await?),
        async |zkfc: ZkFailoverController| zkfc.stop().await,
    ))
}

async fn format_znode(config: ZkfcConfig, force: bool, interactive: bool) -> i32 {
    let confirm = |znode: &str| {
        if !interactive {
            eprintln!(
                "zkfc: the configured parent znode {znode} already exists; run with -force to \
                 format it"
            );
            return false;
        }
        eprintln!(
            "===============================================\n\
             The configured parent znode {znode} already exists.\n\
             Are you sure you want to clear all failover information from\n\
             ZooKeeper?\n\
             WARNING: Before proceeding, ensure that all HDFS services and\n\
             failover controllers are stopped!\n\
             ==============================================="
        );
        confirm_prompt(&format!("Proceed formatting {znode}? (Y or N) "))
    };
    match format_zk(&config, force, confirm).await {
        Ok(true) => 0,
        Ok(false) => EXIT_FORMAT_DENIED,
        Err(error) => {
            eprintln!("zkfc: {error}");
            crate::EXIT_FAILURE
        }
    }
}

/// Hadoop's `ToolRunner.confirmPrompt`: asks on stderr until stdin answers y/yes or n/no;
/// end of input is no.
pub(crate) fn confirm_prompt(prompt: &str) -> bool {
    let stdin = std::io::stdin();
    loop {
        eprint!("{prompt}");
        let mut answer = String::new();
        match stdin.lock().read_line(&mut answer) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return true,
            "n" | "no" => return false,
            _ => eprintln!("Invalid input: {}", answer.trim()),
        }
    }
}
