//! What every command shares: `--config DIR`, `$HADOOP_CONF_DIR`, generic
//! options (`-D key=value`, `-conf`, `-fs`), and a tokio runtime.

use std::process::ExitCode;

use common::{Configuration, faults};

/// A parsed command line: subcommand, its configuration, its own arguments.
pub struct Invocation {
    pub command: String,
    pub conf: Configuration,
    pub args: Vec<String>,
}

/// Reads `[--config DIR] [--daemon start|stop|status] COMMAND [generic options] ARGS...`.
/// `None` when there is no command; `Err(code)` when nothing is left to run: a usage or
/// configuration error (printed), or `--daemon`, which did its work.
pub fn parse(program: &str, mut args: Vec<String>) -> Result<Option<Invocation>, ExitCode> {
    let mut daemon = None;
    loop {
        match args.first().map(String::as_str) {
            Some("--config") => {
                if args.len() < 2 {
                    eprintln!("{program}: --config needs a directory");
                    return Err(exit(crate::EXIT_USAGE));
                }
                let dir = args.remove(1);
                args.remove(0);
                // SAFETY: set before any thread is started.
                unsafe { std::env::set_var("HADOOP_CONF_DIR", dir) };
            }
            Some("--daemon") => {
                let action = args
                    .get(1)
                    .and_then(|action| crate::daemon_mode::Action::parse(action));
                let Some(action) = action else {
                    eprintln!("{program}: --daemon needs start, stop or status");
                    return Err(exit(crate::EXIT_USAGE));
                };
                daemon = Some(action);
                args.drain(..2);
            }
            _ => break,
        }
    }
    if let Some(action) = daemon {
        let Some((command, rest)) = args.split_first() else {
            eprintln!("{program}: --daemon needs a daemon command");
            return Err(exit(crate::EXIT_USAGE));
        };
        return Err(exit(crate::daemon_mode::run(
            program, action, command, rest,
        )));
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

/// Runs a daemon command that takes no arguments: logging at info, then
/// `serve` on a new runtime. `-help` prints the usage; any other argument is a usage
/// error naming it.
pub fn run_daemon<D>(
    name: &str,
    usage: &str,
    args: &[String],
    start: impl AsyncFnOnce() -> Result<D, Box<dyn std::error::Error>>,
    stop: impl AsyncFnOnce(D),
) -> i32 {
    match args.first().map(String::as_str) {
        Some("-h" | "-help" | "--help") => {
            println!("Usage: {usage}");
            return 0;
        }
        Some(option) => {
            eprintln!("{name}: unknown option {option}\nUsage: {usage}");
            return crate::EXIT_USAGE;
        }
        None => {}
    }
    common::logging::init("info");
    runtime().block_on(serve(name, start, stop))
}

/// Serves a daemon in the foreground: starts it, waits for Ctrl-C or
/// SIGTERM, stops it. A failure to start (its configuration included) is
/// printed as `name: error`. Returns the exit code.
///
/// With `$TUSK_FAULTS_FILE` set (a test hook, [`faults::RULES_FILE_ENV`]),
/// the daemon's network fault rules follow that file from before it starts.
pub async fn serve<D>(
    name: &str,
    start: impl AsyncFnOnce() -> Result<D, Box<dyn std::error::Error>>,
    stop: impl AsyncFnOnce(D),
) -> i32 {
    if let Some(rules_file) = std::env::var_os(faults::RULES_FILE_ENV) {
        faults::follow_rules_file(rules_file);
    }
    let daemon = match start().await {
        Ok(daemon) => daemon,
        Err(error) => {
            eprintln!("{name}: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    wait_for_termination().await;
    stop(daemon).await;
    0
}

/// Resolves on Ctrl-C or SIGTERM.
async fn wait_for_termination() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Maps an exit code to the process's.
pub fn exit(code: i32) -> ExitCode {
    ExitCode::from((code & 0xff) as u8)
}
