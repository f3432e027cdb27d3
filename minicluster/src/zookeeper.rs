//! A real Apache ZooKeeper (Debian's `zookeeper` package) for tests and the mini-cluster: one
//! server, or an ensemble, each a `java ... QuorumPeerMain zoo.cfg` child process on free
//! loopback ports in its own temporary directory, so tests can run in parallel.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let mut zookeeper = tusk_minicluster::zookeeper::ZooKeeperServer::start().await?;
//! println!("ha.zookeeper.quorum = {}", zookeeper.connect_string());
//! zookeeper.kill();
//! zookeeper.restart().await?;
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The ZooKeeper jar of Debian's package; its manifest's Class-Path names the netty, slf4j
/// and jute jars it needs.
const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// The package's configuration dir (its log4j settings).
const ZOOKEEPER_CONF_DIR: &str = "/etc/zookeeper/conf";
/// What to install when Java or ZooKeeper is missing.
const INSTALL_HINT: &str =
    "install Java 17 and Debian's zookeeper package (apt-get install zookeeper)";
/// The server's tick: sessions may last from 2 ticks (400 ms) to `MAX_SESSION_TIMEOUT_MS`.
const TICK_MS: u64 = 200;
const MAX_SESSION_TIMEOUT_MS: u64 = 60_000;
/// How long a server may take to answer after its start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Fresh ports are tried this many times when another process takes one first.
const START_ATTEMPTS: usize = 3;

/// One server of the ensemble.
struct Member {
    /// Its `myid` (1-based).
    id: usize,
    client_port: u16,
    dir: PathBuf,
    process: Option<Child>,
}

/// A running ZooKeeper server or ensemble; dropping it kills every server.
pub struct ZooKeeperServer {
    members: Vec<Member>,
    /// `server.N=` lines of an ensemble (empty for one server).
    quorum_lines: Vec<String>,
    _base: tempfile::TempDir,
}

impl ZooKeeperServer {
    /// Starts one standalone server and waits until it serves.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_ensemble(1).await
    }

    /// Starts an ensemble of `servers` servers (one is standalone) and waits until each serves.
    pub async fn start_ensemble(servers: usize) -> anyhow::Result<Self> {
        anyhow::ensure!(
            servers > 0,
            "a ZooKeeper ensemble needs at least one server"
        );
        check_installation()?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(servers).await {
                Ok(server) => return Ok(server),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("ZooKeeper did not start")))
    }

    async fn try_start(servers: usize) -> anyhow::Result<Self> {
        let base = tempfile::Builder::new()
            .prefix("tusk-zookeeper-")
            .tempdir()
            .context("creating the ZooKeeper dir")?;
        let ports = (0..servers * 3)
            .map(|_| crate::ports::reserve_port())
            .collect::<anyhow::Result<Vec<u16>>>()?;
        let quorum_lines = if servers == 1 {
            Vec::new()
        } else {
            (0..servers)
                .map(|i| {
                    format!(
                        "server.{}=127.0.0.1:{}:{}",
                        i + 1,
                        ports[servers + 2 * i],
                        ports[servers + 2 * i + 1]
                    )
                })
                .collect()
        };
        let members = (0..servers)
            .map(|i| Member {
                id: i + 1,
                client_port: ports[i],
                dir: base.path().join(format!("server{}", i + 1)),
                process: None,
            })
            .collect();
        let mut server = Self {
            members,
            quorum_lines,
            _base: base,
        };
        for index in 0..servers {
            server.write_config(index)?;
            server.spawn(index)?;
        }
        server.wait_serving().await?;
        Ok(server)
    }

    /// The client connect string (`ha.zookeeper.quorum`): `127.0.0.1:port` of every server.
    pub fn connect_string(&self) -> String {
        self.members
            .iter()
            .map(|member| format!("127.0.0.1:{}", member.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The client port of server `index` (0-based).
    pub fn client_port(&self, index: usize) -> u16 {
        self.members[index].client_port
    }

    /// The number of servers.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the ensemble has no server (never: kept for `len`'s sake).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Stops every server (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        for index in 0..self.members.len() {
            self.stop_server(index);
        }
    }

    /// Kills every server (SIGKILL), as a crash.
    pub fn kill(&mut self) {
        for index in 0..self.members.len() {
            self.kill_server(index);
        }
    }

    /// Starts every stopped server again on its port with its data, and waits until all serve.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        for index in 0..self.members.len() {
            if self.members[index].process.is_none() {
                self.spawn(index)?;
            }
        }
        self.wait_serving().await
    }

    /// Stops server `index` (SIGTERM) and waits for it to exit.
    pub fn stop_server(&mut self, index: usize) {
        if let Some(mut child) = self.members[index].process.take() {
            if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                // SAFETY: signals our own child, which has not been reaped yet.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
            let _ = child.wait();
        }
    }

    /// Kills server `index` (SIGKILL).
    pub fn kill_server(&mut self, index: usize) {
        if let Some(mut child) = self.members[index].process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `index` again (same port and data) and waits until it serves.
    pub async fn restart_server(&mut self, index: usize) -> anyhow::Result<()> {
        if self.members[index].process.is_none() {
            self.spawn(index)?;
        }
        self.wait_member(index).await
    }

    fn write_config(&self, index: usize) -> anyhow::Result<()> {
        let member = &self.members[index];
        let data = member.dir.join("data");
        std::fs::create_dir_all(&data)?;
        let mut config = format!(
            "tickTime={TICK_MS}\n\
             initLimit=50\n\
             syncLimit=25\n\
             dataDir={}\n\
             clientPort={}\n\
             clientPortAddress=127.0.0.1\n\
             minSessionTimeout={}\n\
             maxSessionTimeout={MAX_SESSION_TIMEOUT_MS}\n\
             maxClientCnxns=0\n\
             admin.enableServer=false\n\
             4lw.commands.whitelist=ruok,srvr,stat,mntr\n",
            data.display(),
            member.client_port,
            2 * TICK_MS,
        );
        for line in &self.quorum_lines {
            config.push_str(line);
            config.push('\n');
        }
        std::fs::write(member.dir.join("zoo.cfg"), config)?;
        if !self.quorum_lines.is_empty() {
            std::fs::write(data.join("myid"), format!("{}\n", member.id))?;
        }
        Ok(())
    }

    fn spawn(&mut self, index: usize) -> anyhow::Result<()> {
        let member = &mut self.members[index];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(member.dir.join("zookeeper.out"))?;
        let child = Command::new(java()?)
            .args([
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.jmx.log4j.disable=true",
                "-cp",
                &format!("{ZOOKEEPER_CONF_DIR}:{ZOOKEEPER_JAR}"),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            ])
            .arg(member.dir.join("zoo.cfg"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting ZooKeeper: {INSTALL_HINT}"))?;
        member.process = Some(child);
        Ok(())
    }

    async fn wait_serving(&mut self) -> anyhow::Result<()> {
        for index in 0..self.members.len() {
            if self.members[index].process.is_some() {
                self.wait_member(index).await?;
            }
        }
        Ok(())
    }

    /// Waits until server `index` answers `ruok` and serves clients (`srvr` shows its mode).
    async fn wait_member(&mut self, index: usize) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let member = &mut self.members[index];
            if let Some(child) = member.process.as_mut()
                && let Some(status) = child.try_wait()?
            {
                member.process = None;
                bail!(
                    "ZooKeeper server {} exited ({status}); see {}",
                    member.id,
                    member.dir.join("zookeeper.out").display()
                );
            }
            let port = member.client_port;
            if four_letter_word(port, "ruok").await.as_deref() == Some("imok")
                && four_letter_word(port, "srvr")
                    .await
                    .is_some_and(|answer| answer.contains("Mode: "))
            {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "ZooKeeper server {} did not serve on port {port} within {START_TIMEOUT:?}; see {}",
                    member.id,
                    member.dir.join("zookeeper.out").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether server `index` answers `ruok` with `imok`.
    pub async fn is_serving(&self, index: usize) -> bool {
        four_letter_word(self.members[index].client_port, "ruok")
            .await
            .as_deref()
            == Some("imok")
    }

    /// The directory of server `index` (its `zoo.cfg`, `data/` and `zookeeper.out`).
    pub fn server_dir(&self, index: usize) -> &Path {
        &self.members[index].dir
    }
}

impl Drop for ZooKeeperServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a four-letter word to `127.0.0.1:port`; the answer, or `None` when it does not answer.
async fn four_letter_word(port: u16, word: &str) -> Option<String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream.write_all(word.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(Duration::from_secs(2), exchange).await {
        Ok(Ok(answer)) => Some(answer),
        _ => None,
    }
}

/// Fails with what to install when Java or the ZooKeeper jar is missing.
fn check_installation() -> anyhow::Result<()> {
    java()?;
    if !Path::new(ZOOKEEPER_JAR).is_file() {
        bail!("ZooKeeper is not installed ({ZOOKEEPER_JAR} is missing): {INSTALL_HINT}");
    }
    Ok(())
}

/// `$JAVA_HOME/bin/java`, or `java` on the `PATH`.
fn java() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let java = Path::new(&home).join("bin").join("java");
        if java.is_file() {
            return Ok(java);
        }
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("java"))
        .find(|java| java.is_file())
        .with_context(|| format!("Java is not installed (no java on the PATH): {INSTALL_HINT}"))
}
