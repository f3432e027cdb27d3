//! A DataNode with the wrong cluster, or a damaged replica: clear errors, no
//! crash, no loss elsewhere.

use std::time::Duration;

use client::CreateOptions;
use common::FsPermission;
use minicluster::MiniCluster;
use tusk_tests::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_of_another_cluster_is_refused_clearly() {
    let mut cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    cluster.stop_datanode(0).await;
    // Pretend the volume was formatted by another cluster.
    let version = cluster.datanode_dir(0).join("current/VERSION");
    let text = std::fs::read_to_string(&version).unwrap();
    let (before, after) = text
        .split_once("clusterID=")
        .expect("VERSION names its cluster");
    let rest = after.split_once('\n').map_or("", |(_, rest)| rest);
    std::fs::write(
        &version,
        format!("{before}clusterID=CID-someone-else\n{rest}"),
    )
    .unwrap();

    let error = cluster
        .start_datanode(0)
        .await
        .expect_err("a foreign DataNode must not join");
    let message = format!("{error:#}");
    assert!(message.contains("Incompatible clusterIDs"), "{message}");
    assert!(message.contains("CID-someone-else"), "{message}");
    // The NameNode is unharmed.
    cluster
        .client()
        .unwrap()
        .mkdirs("/still-fine", FsPermission::new(0o755), false)
        .await
        .unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_replica_is_detected_and_the_data_survives() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.redundancy.interval.seconds", "200ms")
        .set("dfs.datanode.scan.period.hours", "1s")
        .set("dfs.block.scanner.volume.bytes.per.second", "100m")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let options = CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: false,
        create_parent: true,
        replication: 2,
        block_size: 1 << 20,
    };
    let mut writer = client.create_writer("/t", &options).await.unwrap();
    writer.write(&data).await.unwrap();
    writer.close().await.unwrap();
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();

    let (_, blocks, _) = client.block_locations("/t", 0, u64::MAX).await.unwrap();
    let block = blocks[0].block.unwrap();
    let holder = (0..3)
        .find(|&i| cluster.replica_file(i, block.block_id).is_some())
        .unwrap();
    let file = cluster.replica_file(holder, block.block_id).unwrap();
    let truncated = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    truncated.set_len(1000).unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        1000,
        "the block file really is truncated"
    );

    let mut out = Vec::new();
    client
        .open("/t")
        .await
        .unwrap()
        .read_to_end(&mut out)
        .await
        .unwrap();
    assert!(out == data, "reads come from the good replica");
    // Detected (scanner or reader), replaced from the good replica.
    cluster
        .wait_fully_replicated(Duration::from_secs(60))
        .await
        .unwrap();
    eventually(
        Duration::from_secs(30),
        "the truncated replica to be dealt with",
        async || {
            cluster
                .replica_file(holder, block.block_id)
                .is_none_or(|file| std::fs::metadata(file).map_or(0, |m| m.len()) != 1000)
        },
    )
    .await;
    cluster.shutdown().await;
}
