//! Startup safe mode: a NameNode restarted while its DataNodes are down
//! refuses writes, saying why, until enough blocks are reported; then it
//! leaves safe mode by itself after the extension. DataNodes registered again after a
//! restart count with their space at once.

use std::process::{Command, Stdio};
use std::time::Duration;

use client::{CreateOptions, SafeModeAction};
use common::{ExceptionKind, FsPermission};
use minicluster::MiniCluster;
use tusk_tests::{binary, eventually, hdfs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_mode_holds_writes_until_blocks_are_reported() {
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .set("dfs.namenode.safemode.extension", "1000")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let options = CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: false,
        create_parent: true,
        replication: 2,
        block_size: 64 * 1024,
    };
    for name in ["a", "b", "c"] {
        let mut writer = client
            .create_writer(&format!("/data/{name}"), &options)
            .await
            .unwrap();
        writer.write(&vec![7u8; 100_000]).await.unwrap();
        writer.close().await.unwrap();
    }
    cluster.stop_datanode(0).await;
    cluster.stop_datanode(1).await;
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();

    assert!(client.set_safe_mode(SafeModeAction::Get).await.unwrap());
    let refused = client
        .mkdirs("/new", FsPermission::new(0o755), true)
        .await
        .err()
        .unwrap();
    assert_eq!(refused.kind, ExceptionKind::SafeMode);
    assert!(
        refused.message.starts_with(
            "Cannot create directory /new. Name node is in safe mode.\n\
             The reported blocks 0 needs additional 5 blocks to reach the threshold 0.9990 of total blocks 6."
        ),
        "{}",
        refused.message
    );
    let (code, out, _) = hdfs(&cluster.conf_dir(), &["dfsadmin", "-safemode", "get"]);
    assert_eq!((code, out.trim()), (0, "Safe mode is ON"));
    // Reads work in safe mode.
    assert_eq!(client.stat("/data/a").await.unwrap().length, 100_000);

    // `-safemode wait` returns once the NameNode leaves safe mode by itself.
    let waiter = Command::new(binary("hdfs"))
        .args(["dfsadmin", "-safemode", "wait"])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    cluster.start_datanode(0).await.unwrap();
    let output = tokio::task::spawn_blocking(move || waiter.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "Safe mode is OFF"
    );
    client
        .mkdirs("/new", FsPermission::new(0o755), true)
        .await
        .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_safe_mode_says_how_to_leave_it() {
    let cluster = MiniCluster::builder().build().await.unwrap();
    let client = cluster.client().unwrap();
    assert!(client.set_safe_mode(SafeModeAction::Enter).await.unwrap());
    let refused = client
        .mkdirs("/x", FsPermission::new(0o755), true)
        .await
        .err()
        .unwrap();
    assert_eq!(
        refused.message,
        "Cannot create directory /x. Name node is in safe mode.\n\
         It was turned on manually. Use \"hdfs dfsadmin -safemode leave\" to turn safe mode off."
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        client.set_safe_mode(SafeModeAction::Get).await.unwrap(),
        "the monitor must not end manual safe mode"
    );
    assert!(!client.set_safe_mode(SafeModeAction::Leave).await.unwrap());
    cluster.shutdown().await;
}

/// After a NameNode restart the DataNodes register again when their next heartbeat is
/// refused, telling the NameNode their space with the registration: each is placeable
/// from the moment it is live, not only after its next heartbeat (5 s here), so a write
/// right after the restart finds room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datanodes_registered_again_after_a_restart_report_their_space_at_once() {
    let mut cluster = MiniCluster::builder()
        .datanodes(2)
        .set("dfs.heartbeat.interval", "5s")
        .build()
        .await
        .unwrap();
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    let live = eventually(
        Duration::from_secs(60),
        "both DataNodes registered again",
        async || {
            let live = client
                .datanode_report(proto::hdfs::DatanodeReportType::Live)
                .await
                .ok()?;
            (live.len() == 2).then_some(live)
        },
    )
    .await;
    for node in &live {
        let storage = node.storage.unwrap_or_default();
        assert!(storage.capacity > 0 && storage.remaining > 0, "{node:?}");
    }
    eventually(Duration::from_secs(30), "safe mode left", async || {
        !client
            .set_safe_mode(SafeModeAction::Get)
            .await
            .unwrap_or(true)
    })
    .await;
    tusk_tests::write_file(&client, "/after-restart", b"room at once", 2, 1 << 20).await;
}
