//! `yarn jar JOB-BINARY [ARGS]`: runs a MapReduce job binary as its job
//! client, as `yarn jar` runs a jar's main class. The binary reads the same
//! `$HADOOP_CONF_DIR` and parses its own generic options (`-D k=v`).

use std::process::Command;

/// Runs the job binary with `args` (its path first); its exit code. Hadoop's
/// streaming jar (`hadoop-streaming*.jar`) is Tusk's `streaming` binary.
pub fn run(args: &[String]) -> i32 {
    let Some((binary, rest)) = args.split_first() else {
        eprintln!("RunJar jarFile [mainClass] args...\nUsage: yarn jar <job-binary> [args]");
        return crate::EXIT_USAGE;
    };
    let jar_name = std::path::Path::new(binary)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if jar_name.starts_with("hadoop-streaming") && jar_name.ends_with(".jar") {
        return run_bundled("streaming", rest);
    }
    match Command::new(binary).args(rest).status() {
        Ok(status) => status.code().unwrap_or(crate::EXIT_FAILURE),
        Err(error) => {
            eprintln!("JAR does not exist or is not a normal file: {binary} ({error})");
            crate::EXIT_FAILURE
        }
    }
}

/// The raw arguments after `command` on this process's command line
/// (generic options included: the job binary parses them itself).
pub fn args_after(command: &str) -> Vec<String> {
    std::env::args()
        .skip(1)
        .skip_while(|arg| arg != command)
        .skip(1)
        .collect()
}

/// Runs the job binary `name` installed beside this command (`distcp`,
/// `streaming`) with `args`; its exit code.
pub fn run_bundled(name: &str, args: &[String]) -> i32 {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)));
    let Some(binary) = beside.filter(|path| path.is_file()) else {
        eprintln!("{name}: the {name} job binary is not installed beside this command");
        return crate::EXIT_FAILURE;
    };
    match Command::new(&binary).args(args).status() {
        Ok(status) => status.code().unwrap_or(crate::EXIT_FAILURE),
        Err(error) => {
            eprintln!("{name}: cannot run {}: {error}", binary.display());
            crate::EXIT_FAILURE
        }
    }
}
