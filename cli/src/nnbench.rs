//! `hdfs nnbench`: runs the `nnbench` benchmark binary (the `bench` crate)
//! that is built beside `hdfs`, with the same arguments.

use std::process::Command;

/// Runs `nnbench ARGS` from `hdfs`'s own directory and returns its exit code.
pub fn run(args: &[String]) -> i32 {
    let program = match std::env::current_exe() {
        Ok(hdfs) => hdfs.with_file_name("nnbench"),
        Err(error) => {
            eprintln!("nnbench: cannot locate the hdfs executable: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    match Command::new(&program).args(args).status() {
        Ok(status) => status.code().unwrap_or(crate::EXIT_FAILURE),
        Err(error) => {
            eprintln!(
                "nnbench: cannot run {}: {error} (build it with cargo build -p tusk-bench)",
                program.display()
            );
            crate::EXIT_FAILURE
        }
    }
}
