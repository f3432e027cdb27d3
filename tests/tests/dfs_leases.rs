//! Leases, lease recovery and append: a writer that dies loses its file to
//! the NameNode, which closes it with the data that reached the DataNodes; a
//! writer that lives keeps it; another client may take an abandoned file
//! over after the soft limit; appended data survives a NameNode restart.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use client::{CreateOptions, DfsClient, RemoteException};
use common::{ExceptionKind, FsPermission};
use minicluster::MiniCluster;
use tusk_tests::{binary, content, eventually, read_file as read};

const BLOCK: u64 = 1024 * 1024;

fn options() -> CreateOptions {
    CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: false,
        create_parent: true,
        replication: 3,
        block_size: BLOCK,
    }
}

/// Leases of a second and three seconds, checked five times a second.
async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .set("dfs.namenode.lease-soft-limit-sec", "1")
        .set("dfs.namenode.lease-hard-limit-sec", "3")
        .set("dfs.namenode.lease-recheck-interval-ms", "200")
        .build()
        .await
        .unwrap()
}

async fn is_open(client: &DfsClient, path: &str) -> bool {
    client.block_locations(path, 0, u64::MAX).await.unwrap().2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_writer_is_recovered_with_the_data_that_reached_the_datanodes() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    // A real client process writing from stdin, killed mid-file: two full
    // blocks and half of a third sent, never closed.
    let data = content(2 * BLOCK as usize + BLOCK as usize / 2, 7);
    let mut writer = Command::new(binary("hdfs"))
        .args([
            "dfs",
            "-D",
            "dfs.blocksize=1048576",
            "-appendToFile",
            "-",
            "/killed",
        ])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = writer.stdin.take().unwrap();
    stdin.write_all(&data).unwrap();
    stdin.flush().unwrap();

    // Wait until every replica of the third block holds the half block.
    let third_block = || async {
        let (_, blocks, _) = client
            .block_locations("/killed", 0, u64::MAX)
            .await
            .unwrap();
        blocks
            .get(2)
            .and_then(|located| located.block.as_ref())
            .map_or(0, |block| block.block_id)
    };
    eventually(
        Duration::from_secs(30),
        "the third block to be allocated",
        || async { third_block().await != 0 },
    )
    .await;
    let last_block = third_block().await;
    eventually(
        Duration::from_secs(30),
        "the half block on three DataNodes",
        || async {
            (0..3)
                .filter(|&index| {
                    let replica = cluster.datanode(index).unwrap().store().replica(last_block);
                    replica.is_some_and(|replica| replica.length == BLOCK / 2)
                })
                .count()
                == 3
        },
    )
    .await;
    writer.kill().unwrap();
    writer.wait().unwrap();
    drop(stdin);
    assert!(
        is_open(&client, "/killed").await,
        "the killed writer's file is still open"
    );

    // The lease passes its hard limit; the NameNode recovers the last block
    // through the DataNodes and closes the file.
    eventually(
        Duration::from_secs(60),
        "lease recovery to close the file",
        || async { !is_open(&client, "/killed").await },
    )
    .await;
    let status = client.stat("/killed").await.unwrap();
    assert_eq!(status.length, data.len() as u64);
    assert_eq!(read(&client, "/killed").await, data);
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewing_writer_keeps_its_file_past_the_hard_limit() {
    let cluster = cluster().await;
    let mut conf = cluster.conf().clone();
    conf.set(client::LEASE_RENEW_INTERVAL_KEY, "300");
    let client = DfsClient::from_conf(&conf).unwrap();
    let mut writer = client.create_writer("/slow", &options()).await.unwrap();
    let data = content(200_000, 3);
    // A slow writer: its lease would pass the 3 s hard limit twice over
    // without renewals.
    for piece in data.chunks(20_000) {
        writer.write(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    writer.close().await.unwrap();
    assert_eq!(read(&client, "/slow").await, data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_client_takes_an_abandoned_file_over_after_the_soft_limit() {
    let cluster = cluster().await;
    let first = cluster.client().unwrap();
    let second = cluster.client().unwrap();
    let data = content(128 * 1024, 9);
    let mut abandoned = first.create_writer("/taken", &options()).await.unwrap();
    abandoned.write(&data).await.unwrap();

    // Within the soft limit the file is the first client's alone.
    let refused = second.append_writer("/taken").await.err().unwrap();
    assert_eq!(
        refused.kind,
        ExceptionKind::AlreadyBeingCreated,
        "{refused}"
    );
    assert!(
        refused.message.contains("lease is currently owned by"),
        "{refused}"
    );

    // After it, asking starts recovery; recoverLease reports when it is done.
    eventually(
        Duration::from_secs(10),
        "the soft limit to pass",
        || async {
            match second.append_writer("/taken").await {
                Err(RemoteException {
                    kind: ExceptionKind::RecoveryInProgress,
                    ..
                }) => true,
                Err(error) if error.kind == ExceptionKind::AlreadyBeingCreated => false,
                other => panic!(
                    "unexpected answer while the file is held: {:?}",
                    other.err()
                ),
            }
        },
    )
    .await;
    eventually(
        Duration::from_secs(30),
        "recoverLease to close the file",
        || async { second.recover_lease("/taken").await.unwrap() },
    )
    .await;
    drop(abandoned);
    assert_eq!(read(&second, "/taken").await, data);

    // The second client appends; the first, its lease gone, cannot.
    let more = content(70_000, 11);
    let mut appender = second.append_writer("/taken").await.unwrap();
    appender.write(&more).await.unwrap();
    appender.close().await.unwrap();
    let mut expected = data.clone();
    expected.extend_from_slice(&more);
    assert_eq!(read(&second, "/taken").await, expected);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_survive_a_namenode_restart() {
    let mut cluster = cluster().await;
    let client = cluster.client().unwrap();
    let mut expected = Vec::new();
    for (round, len) in [(0u8, 1_500_000usize), (1, 0), (2, 513), (3, 1_048_576)] {
        let piece = content(len, round);
        let mut writer = if round == 0 {
            client.create_writer("/log", &options()).await.unwrap()
        } else {
            client.append_writer("/log").await.unwrap()
        };
        writer.write(&piece).await.unwrap();
        writer.close().await.unwrap();
        expected.extend_from_slice(&piece);
        assert_eq!(
            read(&client, "/log").await,
            expected,
            "after append {round}"
        );
    }
    let missing = client.append_writer("/no/such/file").await.err().unwrap();
    assert_eq!(missing.kind, ExceptionKind::FileNotFound, "{missing}");
    let directory = client.append_writer("/").await.err().unwrap();
    assert!(directory.message.contains("Is a directory"), "{directory}");

    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    eventually(
        Duration::from_secs(30),
        "the restarted NameNode to hear from DataNodes",
        || async {
            client
                .block_locations("/log", 0, u64::MAX)
                .await
                .is_ok_and(|(_, blocks, _)| blocks.iter().all(|block| !block.locations.is_empty()))
        },
    )
    .await;
    assert_eq!(
        client.stat("/log").await.unwrap().length,
        expected.len() as u64
    );
    assert_eq!(read(&client, "/log").await, expected);
    cluster.shutdown().await;
}
