//! The NameNode under test: the real `hdfs namenode` in a process of its
//! own, so that its CPU time and resident memory are its alone, not the
//! simulated DataNodes' beside it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use client::DfsClient;
use common::{Configuration, FsPermission};

/// How long a NameNode may take to load its image and answer.
const START_TIMEOUT: Duration = Duration::from_secs(600);

/// A running `hdfs namenode`, killed when dropped.
pub struct NameNodeProcess {
    child: Child,
    /// `host:port` of its RPC server.
    pub rpc_address: String,
    /// From the spawn until it answered `getFileInfo /`.
    pub started_in: Duration,
}

/// The `hdfs` launcher beside this benchmark's binary.
fn hdfs_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("hdfs");
    if !path.exists() {
        bail!("{} is missing: build tusk-cli", path.display());
    }
    Ok(path)
}

impl NameNodeProcess {
    /// Starts a NameNode on the name dir `name_dir` with `settings` on top
    /// of the benchmark's own, and waits until it answers RPC calls.
    pub async fn start(
        dir: &Path,
        name_dir: &Path,
        settings: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let port = minicluster::ports::reserve_port()?;
        let rpc_address = format!("127.0.0.1:{port}");
        let conf_dir = dir.join("conf");
        std::fs::create_dir_all(&conf_dir)?;
        let name = name_dir.display().to_string();
        let mut props: Vec<(&str, String)> = vec![
            ("dfs.namenode.name.dir", name),
            ("dfs.namenode.rpc-address", rpc_address.clone()),
            ("dfs.namenode.http-address", "127.0.0.1:0".into()),
            ("hadoop.log.dir", dir.join("logs").display().to_string()),
        ];
        props.extend(settings.iter().cloned());
        let props: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Configuration::write_site_file(&conf_dir.join("hdfs-site.xml"), &props)?;
        let core = format!("hdfs://{rpc_address}");
        Configuration::write_site_file(
            &conf_dir.join("core-site.xml"),
            &[("fs.defaultFS", core.as_str())],
        )?;
        let log = std::fs::File::create(dir.join("namenode.log"))?;
        let started = Instant::now();
        let child = Command::new(hdfs_binary()?)
            .arg("namenode")
            .env("HADOOP_CONF_DIR", &conf_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting hdfs namenode")?;
        let mut process = Self {
            child,
            rpc_address,
            started_in: Duration::ZERO,
        };
        let client = process.client()?;
        loop {
            if let Ok(Some(_)) = client.get_file_info("/").await {
                break;
            }
            if let Some(status) = process.child.try_wait()? {
                bail!(
                    "the NameNode exited with {status} (see {})",
                    dir.join("namenode.log").display()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!("the NameNode did not answer within {START_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        process.started_in = started.elapsed();
        Ok(process)
    }

    /// A client of this NameNode.
    pub fn client(&self) -> anyhow::Result<DfsClient> {
        let user = common::user::os_user();
        Ok(DfsClient::connect(
            &self.rpc_address,
            &user,
            FsPermission::new(0o022),
        )?)
    }

    /// Its resident set size, in bytes.
    pub fn resident_bytes(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
            .context("no VmRSS in /proc/PID/status")?;
        Ok(kib * 1024)
    }

    /// The CPU time (user + system) it has used so far.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |index: usize| -> u64 {
            fields
                .get(index)
                .and_then(|field| field.parse().ok())
                .unwrap_or(0)
        };
        // utime and stime, fields 14 and 15: 11 and 12 after the name.
        // SAFETY: sysconf has no preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Ok(Duration::from_secs_f64(
            (ticks(11) + ticks(12)) as f64 / per_second as f64,
        ))
    }
}

impl Drop for NameNodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
