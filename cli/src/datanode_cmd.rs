//! `hdfs datanode`: runs a DataNode in the foreground until Ctrl-C or SIGTERM.

use common::Configuration;
use datanode::{DataNode, DataNodeConfig};

/// Runs `hdfs datanode` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    if let Some(option) = args.first() {
        eprintln!("datanode: unknown option {option}\nUsage: hdfs datanode");
        return crate::EXIT_USAGE;
    }
    let config = match DataNodeConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("datanode: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    common::logging::init("info");
    crate::launcher::runtime().block_on(async move {
        let datanode = match DataNode::start(config).await {
            Ok(datanode) => datanode,
            Err(error) => {
                eprintln!("datanode: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        crate::namenode_cmd::wait_for_termination().await;
        datanode.stop().await;
        0
    })
}
