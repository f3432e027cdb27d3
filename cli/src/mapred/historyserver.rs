//! `mapred historyserver`: runs the JobHistoryServer in the foreground until
//! Ctrl-C or SIGTERM.

use common::Configuration;
use mapreduce::yarn::historyserver::HistoryServer;

/// Runs `mapred historyserver` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    if let Some(option) = args.first() {
        eprintln!("historyserver: unknown option {option}\nUsage: mapred historyserver");
        return crate::EXIT_USAGE;
    }
    common::logging::init("info");
    crate::launcher::runtime().block_on(async move {
        let server = match HistoryServer::start(conf).await {
            Ok(server) => server,
            Err(error) => {
                eprintln!("historyserver: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        crate::namenode_cmd::wait_for_termination().await;
        server.stop().await;
        0
    })
}
