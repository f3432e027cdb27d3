//! `hdfs datanode`: runs a DataNode in the foreground until Ctrl-C or SIGTERM.

use common::Configuration;
use datanode::{DataNode, DataNodeConfig};

/// Runs `hdfs datanode` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    crate::launcher::run_daemon(
        "datanode",
        "hdfs datanode",
        args,
        async || Ok(DataNode::start(DataNodeConfig::from_conf(conf)?).await?),
        async |datanode: DataNode| datanode.stop().await,
    )
}
