//! `mapred historyserver`: runs the JobHistoryServer in the foreground until
//! Ctrl-C or SIGTERM.

use common::Configuration;
use mapreduce::yarn::historyserver::HistoryServer;

/// Runs `mapred historyserver` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    crate::launcher::run_daemon(
        "historyserver",
        "mapred historyserver",
        args,
        async || Ok(HistoryServer::start(conf).await?),
        async |server: HistoryServer| server.stop().await,
    )
}
