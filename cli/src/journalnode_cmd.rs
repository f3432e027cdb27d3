//! `hdfs journalnode`: runs a JournalNode in the foreground until Ctrl-C or
//! SIGTERM.

use common::Configuration;
use namenode::{JournalNode, JournalNodeConfig};

/// Runs `hdfs journalnode` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    crate::launcher::run_daemon(
        "journalnode",
        "hdfs journalnode",
        args,
        async || Ok(JournalNode::start(JournalNodeConfig::from_conf(conf)?).await?),
        async |journalnode: JournalNode| journalnode.stop().await,
    )
}
