//! A DataNode whose volume fills up mid-write: a real file system that runs
//! out of space (a 3 MiB tmpfs, mounted in the DataNode process's own mount
//! namespace by `unshare`). The write goes on without it, the DataNode logs
//! which volume is full and keeps serving what it already has.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use minicluster::MiniCluster;
use proto::hdfs as pb;
use tusk_tests::{binary, content, eventually, read_file as read, write_file};

const BLOCK: u64 = 1024 * 1024;
const FULL_HOST: &str = "127.0.0.9";

/// `hdfs datanode` on a fresh 3 MiB tmpfs. It heartbeats rarely, so the
/// NameNode keeps believing the space it reported at registration.
fn start_small_datanode(cluster: &MiniCluster, mount_point: &std::path::Path) -> Child {
    let script = format!(
        "mount -t tmpfs -o size=3m tmpfs '{dir}' && exec '{hdfs}' datanode \
         -D dfs.datanode.data.dir='{dir}' -D dfs.datanode.address={FULL_HOST}:0 \
         -D dfs.datanode.ipc.address={FULL_HOST}:0 -D dfs.datanode.http.address={FULL_HOST}:0 \
         -D dfs.datanode.hostname={FULL_HOST} -D dfs.heartbeat.interval=60",
        dir = mount_point.display(),
        hdfs = binary("hdfs").display(),
    );
    Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", &script])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unshare (util-linux)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_volume_fails_its_replicas_not_the_write() {
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let mount_point = tempfile::tempdir().unwrap();
    let mut small = start_small_datanode(&cluster, mount_point.path());
    eventually(
        Duration::from_secs(30),
        "the small DataNode to register",
        async || {
            if let Some(status) = small.try_wait().unwrap() {
                let mut log = String::new();
                small
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut log)
                    .unwrap();
                panic!("the small DataNode exited ({status}): {log}");
            }
            client
                .datanode_report(pb::DatanodeReportType::Live)
                .await
                .unwrap()
                .len()
                >= 3
        },
    )
    .await;

    // Two blocks fit on the small volume; the next file's blocks do not.
    let fits = content(2 * BLOCK as usize, 1);
    write_file(&client, "/fits", &fits, 3, BLOCK).await;
    let overflows = content(4 * BLOCK as usize, 2);
    write_file(&client, "/overflows", &overflows, 3, BLOCK).await;
    assert_eq!(read(&client, "/overflows").await, overflows);
    assert!(
        small.try_wait().unwrap().is_none(),
        "the full DataNode crashed"
    );

    // What the full node stored before is intact and served by it alone.
    cluster.stop_datanode(0).await;
    cluster.stop_datanode(1).await;
    assert_eq!(read(&client, "/fits").await, fits);

    small.kill().unwrap();
    small.wait().unwrap();
    let mut log = String::new();
    small
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let full = format!("volume {} is full", mount_point.path().display());
    assert!(
        log.contains(&full),
        "the DataNode log names the full volume:\n{log}"
    );
    cluster.shutdown().await;
}
