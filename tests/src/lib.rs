//! Helpers for end-to-end tests that run real daemon processes.

pub mod browser;
mod data;
pub mod hadoop_dtp;
pub mod hosts;
mod wait;
pub mod web;
pub mod yarn;

pub use data::{content, create_options, read_file, write_file};
pub use wait::{Outcome, eventually};

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A loopback port free now and reserved for this test process, for daemons whose addresses
/// must be known before they start (a HA nameservice names its NameNodes' ports): see
/// [`minicluster::ports`].
pub fn free_port() -> u16 {
    minicluster::ports::reserve_port().expect("reserving a loopback port")
}

/// A Tusk binary built next to the test executable (`target/<profile>/NAME`).
/// The README's test command builds them first (`cargo build --bins`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in target/<profile>/deps");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (cargo build --workspace --bins)",
        path.display()
    );
    path
}

/// Writes a conf dir for a NameNode process with its name dir under `base`.
pub fn write_namenode_conf(base: &Path) -> PathBuf {
    let conf_dir = base.join("conf");
    std::fs::create_dir_all(&conf_dir).expect("create conf dir");
    let name_dir = base.join("name");
    let hdfs_site = format!(
        "<configuration>\n\
         <property><name>dfs.namenode.name.dir</name><value>{}</value></property>\n\
         <property><name>dfs.namenode.rpc-address</name><value>127.0.0.1:0</value></property>\n\
         <property><name>dfs.namenode.http-address</name><value>127.0.0.1:0</value></property>\n\
         <property><name>dfs.namenode.fs-limits.min-block-size</name><value>0</value></property>\n\
         </configuration>\n",
        name_dir.display()
    );
    std::fs::write(conf_dir.join("hdfs-site.xml"), hdfs_site).expect("write hdfs-site.xml");
    conf_dir
}

/// Runs `hdfs ARGS` with `conf_dir` as HADOOP_CONF_DIR; returns (exit code, stdout, stderr).
pub fn hdfs(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary("hdfs"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .expect("run hdfs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs the job binary (or tool) `name` against the cluster of `conf_dir`, as a user's
/// shell would (HADOOP_CONF_DIR); returns (exit code, stderr).
pub async fn run_binary(conf_dir: &Path, name: &str, args: &[&str]) -> (i32, String) {
    let output = tokio::process::Command::new(binary(name))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .await
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

/// A `hdfs namenode` child process.
pub struct NameNodeProcess {
    child: Child,
    /// `host:port` of its RPC server.
    pub rpc_address: String,
    /// `host:port` of its HTTP server.
    pub http_address: String,
    /// What it logged up to "NameNode started" (loading, replay).
    pub startup_log: String,
}

impl NameNodeProcess {
    /// Starts the NameNode and waits (up to 60 s) for its "started" log line,
    /// which names the RPC address it bound. On failure returns its stderr.
    pub fn start(conf_dir: &Path) -> Result<Self, String> {
        let mut child = Command::new(binary("hdfs"))
            .arg("namenode")
            .env("HADOOP_CONF_DIR", conf_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot spawn hdfs namenode: {error}"))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut log = String::new();
        loop {
            match lines_rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if line.contains("NameNode started")
                        && let Some(address) = field(&line, "rpc=")
                    {
                        // Keep draining the pipe so the process never blocks on it.
                        std::thread::spawn(move || for _ in lines_rx {});
                        return Ok(Self {
                            child,
                            rpc_address: address,
                            http_address: field(&line, "http=").unwrap_or_default(),
                            startup_log: log,
                        });
                    }
                    log.push_str(&line);
                    log.push('\n');
                }
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    return Err(format!("NameNode did not start ({status:?}):\n{log}"));
                }
            }
        }
    }

    /// SIGKILL, then reap. Returns once the process is really gone.
    pub fn kill(mut self) {
        self.child.kill().expect("send SIGKILL");
        let status = self.child.wait().expect("reap NameNode");
        assert!(
            !status.success(),
            "NameNode exited on its own before the kill"
        );
    }
}

impl Drop for NameNodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value after `key` in a log line (up to the next space), e.g.
/// `field(line, "rpc=")`.
pub fn field(line: &str, key: &str) -> Option<String> {
    let start = line.find(key)? + key.len();
    let value: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .filter(|c| !c.is_control())
        .collect();
    // Strip ANSI colour codes if any slipped in.
    let value = value.split('\u{1b}').next().unwrap_or_default().to_string();
    (!value.is_empty()).then_some(value)
}

/// One raw HTTP/1.1 exchange; returns (status, body).
pub fn http(address: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
        .write_all(
            format!(
                "{head}\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    stream.write_all(body).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}
