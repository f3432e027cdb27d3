//! `--daemon start|stop|status` before a daemon command (`hdfs --daemon start namenode`),
//! as Hadoop 3's scripts do it: the daemon runs in the background in its own session,
//! with its pid in `$HADOOP_PID_DIR/hadoop-$USER-<command>.pid` (default `/tmp`), its log
//! (stderr) in `$HADOOP_LOG_DIR/hadoop-$USER-<command>-<host>.log` and its stdout in the
//! `.out` beside it (default log dir `$HADOOP_HOME/logs`, else `./logs`). `sbin/` scripts
//! start and stop a one-machine cluster with it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The commands that run as daemons, by program.
const DAEMONS: &[(&str, &[&str])] = &[
    (
        "hdfs",
        &[
            "namenode",
            "secondarynamenode",
            "datanode",
            "journalnode",
            "zkfc",
        ],
    ),
    ("yarn", &["resourcemanager", "nodemanager"]),
    ("mapred", &["historyserver"]),
];

/// How long a started daemon must stay up to count as started.
const START_GRACE: Duration = Duration::from_secs(1);
/// Seconds `stop` waits after SIGTERM before SIGKILL, unless `$HADOOP_STOP_TIMEOUT` says.
const DEFAULT_STOP_TIMEOUT_SECS: u64 = 5;

/// What `--daemon` asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Status,
}

impl Action {
    /// `start`, `stop` or `status`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "start" => Some(Self::Start),
            "stop" => Some(Self::Stop),
            "status" => Some(Self::Status),
            _ => None,
        }
    }
}

/// Where a daemon's pid file and logs are.
struct DaemonFiles {
    pid: PathBuf,
    log: PathBuf,
    out: PathBuf,
}

impl DaemonFiles {
    fn for_command(command: &str) -> Self {
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let ident = env("HADOOP_IDENT_STRING").unwrap_or_else(common::user::os_user);
        let pid_dir = env("HADOOP_PID_DIR").unwrap_or_else(|| "/tmp".to_string());
        let log_dir = log_dir();
        let base = format!("hadoop-{ident}-{command}-{}", common::metrics::hostname());
        Self {
            pid: Path::new(&pid_dir).join(format!("hadoop-{ident}-{command}.pid")),
            log: log_dir.join(format!("{base}.log")),
            out: log_dir.join(format!("{base}.out")),
        }
    }
}

/// `$HADOOP_LOG_DIR`, else `$HADOOP_HOME/logs`, else `./logs`.
fn log_dir() -> PathBuf {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    match (env(common::http::LOG_DIR_ENV), env("HADOOP_HOME")) {
        (Some(dir), _) => PathBuf::from(dir),
        (None, Some(home)) => Path::new(&home).join("logs"),
        (None, None) => PathBuf::from("logs"),
    }
}

/// Carries out `action` for `program command args`; returns the exit code.
pub fn run(program: &str, action: Action, command: &str, args: &[String]) -> i32 {
    let daemons = DAEMONS
        .iter()
        .find(|(name, _)| *name == program)
        .map(|(_, daemons)| *daemons)
        .unwrap_or_default();
    if !daemons.contains(&command) {
        eprintln!(
            "ERROR: {command} is not COMMAND nor fully qualified CLASSNAME of a daemon; \
             {program} --daemon runs: {}",
            daemons.join(", ")
        );
        return crate::EXIT_USAGE;
    }
    let files = DaemonFiles::for_command(command);
    match action {
        Action::Start => start(command, args, &files),
        Action::Stop => stop(command, &files),
        Action::Status => status(command, &files),
    }
}

fn start(command: &str, args: &[String], files: &DaemonFiles) -> i32 {
    if let Some(pid) = running_pid(&files.pid, command) {
        eprintln!(
            "{command} is running as process {pid}.  Stop it first and ensure {} file is \
             empty before retry.",
            files.pid.display()
        );
        return crate::EXIT_FAILURE;
    }
    let log_dir = files.log.parent().unwrap_or(Path::new("."));
    let opened = std::fs::create_dir_all(log_dir).and_then(|()| {
        Ok((
            append(&files.log)?,
            append(&files.out)?,
            std::env::current_exe()?,
        ))
    });
    let (log, out, exe) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!(
                "ERROR: cannot write the logs of {command} in {}: {error}",
                log_dir.display()
            );
            return crate::EXIT_FAILURE;
        }
    };
    let mut daemon = Command::new(exe);
    daemon
        .arg(command)
        .args(args)
        .env(common::http::LOG_DIR_ENV, log_dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; the child leaves the terminal's session so it
    // outlives the shell that started it.
    unsafe {
        daemon.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = match daemon.spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!("ERROR: cannot start {command}: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    if let Err(error) = std::fs::write(&files.pid, format!("{}\n", child.id())) {
        eprintln!("ERROR: cannot write {}: {error}", files.pid.display());
        let _ = child.kill();
        return crate::EXIT_FAILURE;
    }
    let deadline = Instant::now() + START_GRACE;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let _ = std::fs::remove_file(&files.pid);
            eprintln!(
                "ERROR: {command} exited at start ({status}); its log is {}:\n{}",
                files.log.display(),
                tail(&files.log, 10)
            );
            return crate::EXIT_FAILURE;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    0
}

fn stop(command: &str, files: &DaemonFiles) -> i32 {
    let Some(pid) = running_pid(&files.pid, command) else {
        let _ = std::fs::remove_file(&files.pid);
        println!("no {command} to stop");
        return 0;
    };
    let timeout = std::env::var("HADOOP_STOP_TIMEOUT")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_STOP_TIMEOUT_SECS);
    // SAFETY: plain kill(2) on a pid read from the daemon's own pid file.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(timeout);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive(pid) {
        eprintln!(
            "WARNING: {command} did not stop gracefully after {timeout} seconds: Trying to kill with kill -9"
        );
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let _ = std::fs::remove_file(&files.pid);
    0
}

/// Hadoop's codes: 0 running, 1 dead with a pid file left, 3 not running.
fn status(command: &str, files: &DaemonFiles) -> i32 {
    match running_pid(&files.pid, command) {
        Some(pid) => {
            println!("{command} is running as process {pid}.");
            0
        }
        None if files.pid.exists() => {
            println!(
                "{command} is not running, but its pid file {} remains.",
                files.pid.display()
            );
            1
        }
        None => {
            println!("{command} is not running.");
            3
        }
    }
}

/// The pid in `pid_file` if that process lives and runs `command`.
fn running_pid(pid_file: &Path, command: &str) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pid_file)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let runs_command = cmdline
        .split(|&byte| byte == 0)
        .any(|arg| arg == command.as_bytes());
    (alive(pid) && runs_command).then_some(pid)
}

fn alive(pid: i32) -> bool {
    // A zombie (exited, not yet reaped) counts as gone.
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let zombie = state
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
    // SAFETY: signal 0 only checks that the process exists.
    !zombie && unsafe { libc::kill(pid, 0) } == 0
}

fn append(path: &Path) -> std::io::Result<File> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(
        file,
        "{} starting",
        common::time::format_stat_time(common::time::now_millis())
    )?;
    Ok(file)
}

/// The last `lines` lines of `path`.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
