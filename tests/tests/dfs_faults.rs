//! DataNode faults: a dead node, a rotten replica, a node lost mid-write.
//! Each test first checks the fault really happened, then that the cluster
//! healed and the data is intact.

use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::{content, create_options, eventually, read_file as read, write_file};

const BLOCK: u64 = 64 * 1024;

/// Short liveness so that a dead DataNode is noticed in about three seconds.
async fn cluster(datanodes: usize) -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2", "/r3"][..datanodes])
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.heartbeat.recheck-interval", "500ms")
        .set("dfs.namenode.redundancy.interval.seconds", "200ms")
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_datanode_is_replaced_to_full_replication() {
    let mut cluster = cluster(5).await;
    let client = cluster.client().unwrap();
    let data = content(6 * BLOCK as usize, 3);
    write_file(&client, "/f", &data, 3, BLOCK).await;
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();

    // Stop the DataNode that holds the most replicas.
    let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
    let victim = cluster.datanode_holding_most(&blocks);
    let victim_host = minicluster::datanode_host(victim);
    cluster.stop_datanode(victim).await;
    assert!(
        std::net::TcpStream::connect((victim_host.as_str(), cluster_port(&blocks, &victim_host)))
            .is_err(),
        "the DataNode is really down"
    );

    // The NameNode declares it dead after missed heartbeats...
    eventually(
        Duration::from_secs(30),
        "the NameNode to notice the dead DataNode",
        async || {
            let dead = client
                .datanode_report(proto::hdfs::DatanodeReportType::Dead)
                .await
                .unwrap();
            dead.iter().any(|node| {
                node.info
                    .as_ref()
                    .is_some_and(|info| info.host == victim_host)
            })
        },
    )
    .await;
    // ...and re-creates its replicas elsewhere.
    cluster
        .wait_fully_replicated(Duration::from_secs(60))
        .await
        .unwrap();
    let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
    for block in &blocks {
        assert_eq!(block.locations.len(), 3);
        assert!(
            block.locations.iter().all(|node| node.host != victim_host),
            "no replica counted on the dead node"
        );
    }
    assert!(read(&client, "/f").await == data);
    cluster.shutdown().await;
}

fn cluster_port(blocks: &[proto::hdfs::LocatedBlock], host: &str) -> u16 {
    blocks
        .iter()
        .flat_map(|block| &block.locations)
        .find(|node| node.host == host)
        .map(|node| node.xfer_port as u16)
        .expect("the victim held a replica")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_is_caught_reported_and_replaced() {
    // The block scanner re-reads every replica each second here; a reader
    // that happens to hit the bad replica reports it too.
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2"])
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.redundancy.interval.seconds", "200ms")
        .set("dfs.datanode.scan.period.hours", "1s")
        .set("dfs.block.scanner.volume.bytes.per.second", "100m")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let data = content(BLOCK as usize / 2, 9);
    write_file(&client, "/rot", &data, 3, BLOCK).await;
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();

    let (_, blocks, _) = client.block_locations("/rot", 0, u64::MAX).await.unwrap();
    let block = blocks[0].block.unwrap();
    // Corrupt the replica the reader will try first.
    let first = &blocks[0].locations[0];
    let index = cluster.datanode_at(&first.host).unwrap();
    let file = cluster
        .replica_file(index, block.block_id)
        .expect("replica file on disk");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    assert_ne!(
        std::fs::read(&file).unwrap()[1000],
        data[1000],
        "the byte really flipped"
    );

    // The read still returns the right data, from another replica.
    assert!(read(&client, "/rot").await == data);
    // The bad replica was reported, replaced, then deleted.
    cluster
        .wait_fully_replicated(Duration::from_secs(60))
        .await
        .unwrap();
    eventually(
        Duration::from_secs(30),
        "the corrupt replica to be deleted",
        async || cluster.replica_file(index, block.block_id).is_none(),
    )
    .await;
    let (_, blocks, _) = client.block_locations("/rot", 0, u64::MAX).await.unwrap();
    assert_eq!(blocks[0].locations.len(), 3);
    assert!(
        blocks[0]
            .locations
            .iter()
            .all(|node| node.host != first.host)
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_lost_mid_write_does_not_fail_the_write() {
    let mut cluster = cluster(4).await;
    let client = cluster.client().unwrap();
    let data = content(40 * BLOCK as usize, 5);
    let mut writer = client
        .create_writer("/big", &create_options(3, BLOCK))
        .await
        .unwrap();
    let (first_half, second_half) = data.split_at(data.len() / 2 + 12_345);
    writer.write(first_half).await.unwrap();
    // The pipeline of the block being written now includes some DataNode;
    // stop one that is in it.
    let (_, blocks, _) = client.block_locations("/big", 0, u64::MAX).await.unwrap();
    let writing = blocks.last().expect("a block is being written");
    let victim_host = writing
        .locations
        .first()
        .map(|node| node.host.clone())
        .expect("the open block has a pipeline");
    let victim = cluster.datanode_at(&victim_host).unwrap();
    cluster.stop_datanode(victim).await;
    writer.write(second_half).await.unwrap();
    writer.close().await.unwrap();

    assert!(
        read(&client, "/big").await == data,
        "every byte survived the lost DataNode"
    );
    cluster
        .wait_fully_replicated(Duration::from_secs(60))
        .await
        .unwrap();
    cluster.shutdown().await;
}
