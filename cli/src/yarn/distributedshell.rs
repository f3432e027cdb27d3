//! `yarn distributedshell` and `yarn distributedshell-am`: thin entry
//! points of the DistributedShell application (`applications`), mapping its
//! outcome to Hadoop's exit codes.

use std::io::Write;

use applications::distributedshell;
use common::Configuration;

/// Runs `yarn distributedshell ARGS`: 0 when the application SUCCEEDED,
/// 2 otherwise (as Hadoop's Client), the usage code on a bad command line.
pub async fn run(conf: &Configuration, args: &[String], err: &mut dyn Write) -> i32 {
    let options = match distributedshell::parse_args(args) {
        Ok(options) => options,
        Err(error) => {
            let _ = writeln!(err, "{error}\n{}", distributedshell::USAGE);
            return crate::EXIT_USAGE;
        }
    };
    match distributedshell::run_client(conf, &options, err).await {
        Ok(true) => 0,
        Ok(false) => 2,
        Err(error) => {
            let _ = writeln!(err, "distributedshell: {error}");
            2
        }
    }
}

/// Runs the AM in its container; 0 when the application succeeded.
pub async fn run_am(conf: &Configuration) -> i32 {
    match distributedshell::run_application_master(conf).await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(error) => {
            eprintln!("distributedshell-am: {error}");
            1
        }
    }
}
