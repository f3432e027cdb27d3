//! `hdfs haadmin` against real NameNode processes of an HA nameservice without automatic
//! failover: manual transitions and failover, Hadoop's outputs and exit codes. (Automatic
//! failover by the ZKFCs is in `ha.rs`, on the HA mini-cluster.)

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tusk_tests::{binary, eventually, free_port, hdfs};

const WAIT: Duration = Duration::from_secs(60);

/// Two NameNodes of `mycluster` on fixed loopback ports, each with its conf dir.
struct HaCluster {
    base: tempfile::TempDir,
    rpc_ports: [u16; 2],
    http_ports: [u16; 2],
    zkfc_ports: [u16; 2],
    namenodes: [Option<Child>; 2],
}

impl HaCluster {
    fn new() -> Self {
        Self {
            base: tempfile::tempdir().unwrap(),
            rpc_ports: [free_port(), free_port()],
            http_ports: [free_port(), free_port()],
            zkfc_ports: [free_port(), free_port()],
            namenodes: [None, None],
        }
    }

    /// Writes the conf dir of NameNode `index`.
    fn write_conf(&self, index: usize) -> PathBuf {
        let dir = self.base.path().join(format!("nn{}", index + 1));
        let conf = dir.join("conf");
        std::fs::create_dir_all(&conf).unwrap();
        let mut properties = vec![
            ("fs.defaultFS".to_string(), "hdfs://mycluster".to_string()),
            ("dfs.nameservices".into(), "mycluster".into()),
            ("dfs.ha.namenodes.mycluster".into(), "nn1,nn2".into()),
            ("dfs.ha.namenode.id".into(), format!("nn{}", index + 1)),
            (
                "dfs.namenode.name.dir".into(),
                dir.join("name").display().to_string(),
            ),
            (
                "dfs.namenode.shared.edits.dir".into(),
                self.base.path().join("shared").display().to_string(),
            ),
            (
                "dfs.ha.fencing.methods".into(),
                "shell(/bin/true)".to_string(),
            ),
            ("ha.health-monitor.check-interval.ms".into(), "200".into()),
            ("ha.zookeeper.session-timeout.ms".into(), "3000".into()),
        ];
        for i in 0..2 {
            properties.push((
                format!("dfs.namenode.rpc-address.mycluster.nn{}", i + 1),
                format!("127.0.0.1:{}", self.rpc_ports[i]),
            ));
            properties.push((
                format!("dfs.namenode.http-address.mycluster.nn{}", i + 1),
                format!("127.0.0.1:{}", self.http_ports[i]),
            ));
            properties.push((
                format!("dfs.ha.zkfc.port.mycluster.nn{}", i + 1),
                self.zkfc_ports[i].to_string(),
            ));
        }
        let xml: String = properties
            .iter()
            .map(|(key, value)| {
                format!("<property><name>{key}</name><value>{value}</value></property>\n")
            })
            .collect();
        std::fs::write(
            conf.join("hdfs-site.xml"),
            format!("<configuration>\n{xml}</configuration>\n"),
        )
        .unwrap();
        conf
    }

    fn conf(&self, index: usize) -> PathBuf {
        self.base
            .path()
            .join(format!("nn{}", index + 1))
            .join("conf")
    }

    /// Formats NameNode 0, bootstraps NameNode 1 from it, starts both.
    fn start_namenodes(&mut self) {
        let (code, _, stderr) = hdfs(&self.conf(0), &["namenode", "-format", "-nonInteractive"]);
        assert_eq!(code, 0, "{stderr}");
        self.namenodes[0] = Some(spawn(&self.conf(0), &["namenode"]));
        let (code, _, stderr) = hdfs(
            &self.conf(1),
            &["namenode", "-bootstrapStandby", "-nonInteractive"],
        );
        assert_eq!(code, 0, "{stderr}");
        self.namenodes[1] = Some(spawn(&self.conf(1), &["namenode"]));
    }

    fn kill_namenode(&mut self, index: usize) {
        if let Some(mut child) = self.namenodes[index].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn haadmin(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["haadmin"];
        all.extend_from_slice(args);
        hdfs(&self.conf(0), &all)
    }

    async fn wait_state(&self, id: &str, state: &str) {
        eventually(WAIT, &format!("{id} to be {state}"), async || {
            self.haadmin(&["-getServiceState", id]).1.trim() == state
        })
        .await;
    }
}

impl Drop for HaCluster {
    fn drop(&mut self) {
        for child in self.namenodes.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(conf: &Path, args: &[&str]) -> Child {
    Command::new(binary("hdfs"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn haadmin_reports_transitions_and_fails_over_manually() {
    let mut cluster = HaCluster::new();
    cluster.write_conf(0);
    cluster.write_conf(1);
    cluster.start_namenodes();
    cluster.wait_state("nn1", "standby").await;
    cluster.wait_state("nn2", "standby").await;

    let (code, out, _) = cluster.haadmin(&["-getAllServiceState"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!(
                "{:<50} {:<10}",
                format!("127.0.0.1:{}", cluster.rpc_ports[0]),
                "standby"
            ),
            format!(
                "{:<50} {:<10}",
                format!("127.0.0.1:{}", cluster.rpc_ports[1]),
                "standby"
            ),
        ]
    );
    assert_eq!(cluster.haadmin(&["-transitionToActive", "nn1"]).0, 0);
    assert_eq!(cluster.haadmin(&["-getServiceState", "nn1"]).1, "active\n");
    assert_eq!(cluster.haadmin(&["-checkHealth", "nn1"]).0, 0);

    let (code, _, err) = cluster.haadmin(&["-transitionToActive", "nn2"]);
    assert_eq!(code, 255);
    assert!(
        err.starts_with("transitionToActive: Node nn1 is already active"),
        "{err}"
    );

    let (code, out, err) = cluster.haadmin(&["-failover", "nn1", "nn2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Failover from nn1 to nn2 successful\n");
    assert_eq!(cluster.haadmin(&["-getServiceState", "nn1"]).1, "standby\n");
    assert_eq!(cluster.haadmin(&["-getServiceState", "nn2"]).1, "active\n");

    let (code, _, err) = cluster.haadmin(&["-getServiceState", "nn3"]);
    assert_eq!(code, 255);
    assert_eq!(
        err,
        "Illegal argument: Unable to determine service address for namenode 'nn3'\n"
    );
    cluster.kill_namenode(0);
    let (code, _, err) = cluster.haadmin(&["-checkHealth", "nn1"]);
    assert_eq!(code, 255);
    assert!(err.starts_with("Operation failed: "), "{err}");
}
