//! `yarn jar JOB-BINARY [ARGS]`: runs a MapReduce job binary as its job
//! client, as `yarn jar` runs a jar's main class. The binary reads the same
//! `$HADOOP_CONF_DIR` and parses its own generic options (`-D k=v`).

use std::process::Command;

/// Runs the job binary with `args` (its path first); its exit code.
pub fn run(args: &[String]) -> i32 {
    let Some((binary, rest)) = args.split_first() else {
        eprintln!("RunJar jarFile [mainClass] args...\nUsage: yarn jar <job-binary> [args]");
        return crate::EXIT_USAGE;
    };
    match Command::new(binary).args(rest).status() {
        Ok(status) => status.code().unwrap_or(crate::EXIT_FAILURE),
        Err(error) => {
            eprintln!("JAR does not exist or is not a normal file: {binary} ({error})");
            crate::EXIT_FAILURE
        }
    }
}
