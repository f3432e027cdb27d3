//! `hdfs nnbench`: NameNode throughput benchmark (filled in below).

use common::Configuration;

/// Runs `hdfs nnbench ARGS` and returns the exit code.
pub fn run(_conf: &Configuration, _args: &[String]) -> i32 {
    eprintln!("nnbench: not built yet");
    crate::EXIT_FAILURE
}
