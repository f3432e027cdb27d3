//! The one-machine cluster of the README's standalone section: the sample `conf/` (with
//! its fixed ports moved to free ones and its directories to a temp dir) and the `sbin/`
//! scripts, which start every daemon with `--daemon start`, in the background, with pid
//! files and logs; files go in and out; `--daemon status` and a second `start` answer as
//! Hadoop's scripts do; the stop scripts stop everything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tusk_tests::web::get_json;
use tusk_tests::{binary, eventually, free_port};

const TIMEOUT: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The sample conf with each `localhost:PORT` on a free port and `hadoop.tmp.dir` in `base`.
fn write_conf(base: &Path) -> (PathBuf, Vec<(u16, u16)>) {
    let conf = base.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let ports: Vec<(u16, u16)> = [
        8020, 9870, 9868, 9866, 9867, 9864, 8032, 8030, 8031, 8088, 8042, 19888,
    ]
    .into_iter()
    .map(|port| (port, free_port()))
    .collect();
    for name in [
        "core-site.xml",
        "hdfs-site.xml",
        "yarn-site.xml",
        "mapred-site.xml",
    ] {
        let mut text = std::fs::read_to_string(repo().join("conf").join(name)).unwrap();
        for (from, to) in &ports {
            text = text.replace(&format!("localhost:{from}<"), &format!("127.0.0.1:{to}<"));
        }
        text = text.replace(
            "/tmp/tusk-${user.name}",
            &base.join("tmp").display().to_string(),
        );
        std::fs::write(conf.join(name), text).unwrap();
    }
    (conf, ports)
}

struct Env {
    conf: PathBuf,
    pids: PathBuf,
    logs: PathBuf,
}

impl Env {
    /// Runs `program args` (a script of sbin/ or a binary) in this environment.
    fn run(&self, program: &Path, args: &[&str]) -> (i32, String, String) {
        let bin = binary("hdfs");
        let output = Command::new(program)
            .args(args)
            .env("TUSK_BIN", bin.parent().unwrap())
            .env("HADOOP_CONF_DIR", &self.conf)
            .env("HADOOP_PID_DIR", &self.pids)
            .env("HADOOP_LOG_DIR", &self.logs)
            .env("HADOOP_IDENT_STRING", "tusktest")
            .output()
            .expect("run a command");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn script(&self, name: &str) -> (i32, String, String) {
        self.run(&repo().join("sbin").join(name), &[])
    }

    fn hdfs(&self, args: &[&str]) -> (i32, String, String) {
        self.run(&binary("hdfs"), args)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sbin_scripts_start_and_stop_a_one_machine_cluster() {
    let base = tempfile::tempdir().unwrap();
    let (conf, ports) = write_conf(base.path());
    let port = |fixed: u16| ports.iter().find(|(from, _)| *from == fixed).unwrap().1;
    let env = Env {
        conf,
        pids: base.path().join("pids"),
        logs: base.path().join("logs"),
    };
    std::fs::create_dir_all(&env.pids).unwrap();
    let _leftovers = KillLeftovers(env.pids.clone());

    let (code, _, err) = env.hdfs(&["namenode", "-format", "-nonInteractive"]);
    assert_eq!(code, 0, "format: {err}");
    let (code, out, err) = env.script("start-dfs.sh");
    assert_eq!(code, 0, "start-dfs.sh: {out}{err}");
    assert!(out.contains("Starting namenodes on [localhost]"), "{out}");
    for daemon in ["namenode", "datanode", "secondarynamenode"] {
        assert!(
            env.pids
                .join(format!("hadoop-tusktest-{daemon}.pid"))
                .exists(),
            "no pid file for {daemon}"
        );
    }

    let local = base.path().join("hello.txt");
    std::fs::write(&local, "hello from sbin\n").unwrap();
    let local = local.display().to_string();
    eventually(
        TIMEOUT,
        "a file written through the started HDFS",
        async || env.hdfs(&["dfs", "-put", "-f", &local, "/hello.txt"]).0 == 0,
    )
    .await;
    let (code, out, _) = env.hdfs(&["dfs", "-cat", "/hello.txt"]);
    assert_eq!((code, out.as_str()), (0, "hello from sbin\n"));

    let (code, out, _) = env.hdfs(&["--daemon", "status", "namenode"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("namenode is running as process "), "{out}");
    let (code, _, err) = env.hdfs(&["--daemon", "start", "namenode"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Stop it first and ensure") && err.contains("hadoop-tusktest-namenode.pid"),
        "{err}"
    );
    let host = common::metrics::hostname();
    let log = env
        .logs
        .join(format!("hadoop-tusktest-namenode-{host}.log"));
    assert!(log.exists(), "no NameNode log at {}", log.display());

    let (code, out, err) = env.script("start-yarn.sh");
    assert_eq!(code, 0, "start-yarn.sh: {out}{err}");
    let rm = format!("127.0.0.1:{}", port(8088));
    eventually(TIMEOUT, "the NodeManager registered", async || {
        let nodes = get_json(&rm, "/ws/v1/cluster/nodes").await;
        nodes["nodes"]["node"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    let history = format!("127.0.0.1:{}", port(19888));
    let info = get_json(&history, "/ws/v1/history/info").await;
    assert!(
        info["historyInfo"]["startedOn"].as_i64().unwrap_or(0) > 0,
        "{info}"
    );

    let (code, out, err) = env.script("stop-yarn.sh");
    assert_eq!(code, 0, "stop-yarn.sh: {out}{err}");
    let (code, out, err) = env.script("stop-dfs.sh");
    assert_eq!(code, 0, "stop-dfs.sh: {out}{err}");
    for daemon in ["namenode", "datanode", "secondarynamenode"] {
        let (code, out, _) = env.hdfs(&["--daemon", "status", daemon]);
        assert_eq!(
            (code, out.trim()),
            (3, format!("{daemon} is not running.").as_str())
        );
    }
    let (code, out, _) = env.hdfs(&["--daemon", "stop", "namenode"]);
    assert_eq!((code, out.trim()), (0, "no namenode to stop"));
    let (code, _, err) = env.hdfs(&["--daemon", "start", "dfs"]);
    assert_eq!(code, common::exit_code::USAGE, "{err}");
}

/// Kills whatever the pid files of a failed test still name: the daemons left the test's
/// process group, so nothing else would.
struct KillLeftovers(PathBuf);

impl Drop for KillLeftovers {
    fn drop(&mut self) {
        for entry in std::fs::read_dir(&self.0).into_iter().flatten().flatten() {
            let pid = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: kill(2) of a daemon this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}
