//! `hdfs debug`: `recoverLease -path PATH [-retries N]`, as Hadoop's DebugAdmin.

use std::io::Write;
use std::time::Duration;

use client::DfsClient;
use common::Configuration;

const USAGE: &str = "Usage: hdfs debug recoverLease -path <path> [-retries <num-retries>]";

/// Pause between attempts, as Hadoop's.
const RETRY_PAUSE: Duration = Duration::from_millis(5000);

/// Runs `hdfs debug ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (path, retries) = match words.as_slice() {
        ["recoverLease", "-path", path] => (*path, 1),
        ["recoverLease", "-path", path, "-retries", retries]
        | ["recoverLease", "-retries", retries, "-path", path] => match retries.parse::<u32>() {
            Ok(retries) => (*path, retries.max(1)),
            Err(_) => {
                let _ = writeln!(err, "Failed to parse the argument to -retries: {retries}");
                return crate::EXIT_USAGE;
            }
        },
        _ => {
            let _ = writeln!(err, "{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    let client = or_exit!(DfsClient::from_conf(conf), err, "recoverLease: ");
    for attempt in 1..=retries {
        match client.recover_lease(path).await {
            Ok(true) => {
                let _ = writeln!(out, "recoverLease SUCCEEDED on {path}");
                return 0;
            }
            Ok(false) => {
                let _ = writeln!(out, "recoverLease returned false.");
            }
            Err(error) => {
                let _ = writeln!(err, "recoverLease got exception: {error}");
            }
        }
        if attempt < retries {
            let _ = writeln!(out, "Retrying in {} ms.", RETRY_PAUSE.as_millis());
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }
    let _ = writeln!(
        out,
        "Giving up on recoverLease for {path} after {retries} {}.",
        if retries == 1 { "try" } else { "tries" }
    );
    crate::EXIT_FAILURE
}
