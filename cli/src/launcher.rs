//! What every command shares: `--config DIR`, `$HADOOP_CONF_DIR`, generic
//! options (`-D key=value`, `-conf`, `-fs`), and a tokio runtime.

use std::process::ExitCode;

use common::Configuration;

/// A parsed command line: subcommand, its configuration, its own arguments.
pub struct Invocation {
    pub command: String,
    pub conf: Configuration,
    pub args: Vec<String>,
}

/// Reads `[--config DIR] COMMAND [generic options] ARGS...`. `None` (with
/// the error printed) when the configuration cannot be read.
pub fn parse(program: &str, mut args: Vec<String>) -> Result<Option<Invocation>, ExitCode> {
    if args.first().map(String::as_str) == Some("--config") {
        if args.len() < 2 {
            eprintln!("{program}: --config needs a directory");
            return Err(ExitCode::from(crate::EXIT_USAGE as u8));
        }
        let dir = args.remove(1);
        args.remove(0);
        // SAFETY: set before any thread is started.
        unsafe { std::env::set_var("HADOOP_CONF_DIR", dir) };
    }
    if args.is_empty() {
        return Ok(None);
    }
    let command = args.remove(0);
    let mut conf = Configuration::load().map_err(|error| {
        eprintln!("{program}: {error}");
        ExitCode::from(crate::EXIT_FAILURE as u8)
    })?;
    let args = conf.apply_generic_options(args).map_err(|error| {
        eprintln!("{program} {command}: {error}");
        ExitCode::from(crate::EXIT_USAGE as u8)
    })?;
    Ok(Some(Invocation {
        command,
        conf,
        args,
    }))
}

/// The process's own invocation; with no command, `usage` is printed and the
/// exit code returned.
pub fn invocation(program: &str, usage: &str) -> Result<Invocation, ExitCode> {
    match parse(program, std::env::args().skip(1).collect())? {
        Some(invocation) => Ok(invocation),
        None => {
            eprintln!("{usage}");
            Err(exit(crate::EXIT_USAGE))
        }
    }
}

/// A multi-threaded runtime for one command.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("creating the tokio runtime")
}

/// Maps an exit code to the process's.
pub fn exit(code: i32) -> ExitCode {
    ExitCode::from((code & 0xff) as u8)
}
