//! Files hold data: writes through rack-aware 3-replica pipelines, reads that
//! verify, compared byte for byte, on a mini-cluster of 3 racks x 2 nodes.

use std::collections::BTreeSet;
use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::{content, read_file as read, write_file};

const BLOCK: u64 = 64 * 1024;

async fn six_node_cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2", "/r3", "/r3"])
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_every_edge_size_round_trip() {
    let cluster = six_node_cluster().await;
    let client = cluster.client().unwrap();
    let block = BLOCK as usize;
    let sizes = [0, 1, 511, 512, 513, block, block + 1, 5 * block + 777];
    for (index, size) in sizes.into_iter().enumerate() {
        let path = format!("/data/f{size}");
        let data = content(size, index as u8);
        write_file(&client, &path, &data, 3, BLOCK).await;
        let status = client.stat(&path).await.unwrap();
        assert_eq!(status.length, size as u64, "{path}");
        assert!(!status.under_construction);
        assert!(
            read(&client, &path).await == data,
            "{path} reads back byte for byte"
        );
    }
    // Reads from the middle, across a block edge.
    let data = content(5 * block + 777, 7);
    let mut reader = client.open("/data/f328457").await.unwrap();
    reader.seek(block as u64 - 100);
    let mut buf = vec![0u8; 300];
    let mut got = 0;
    while got < buf.len() {
        got += reader.read(&mut buf[got..]).await.unwrap();
    }
    assert_eq!(&buf[..], &data[block - 100..block + 200]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_land_on_two_racks_in_the_design_pattern() {
    let cluster = six_node_cluster().await;
    let client = cluster.client().unwrap();
    let data = content(4 * BLOCK as usize, 1);
    write_file(&client, "/placed", &data, 3, BLOCK).await;
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();
    let (_, blocks, _) = client
        .block_locations("/placed", 0, u64::MAX)
        .await
        .unwrap();
    assert_eq!(blocks.len(), 4);
    for block in &blocks {
        assert_eq!(block.locations.len(), 3);
        let hosts: BTreeSet<&str> = block
            .locations
            .iter()
            .map(|node| node.host.as_str())
            .collect();
        assert_eq!(hosts.len(), 3, "three distinct nodes");
        let racks: Vec<&str> = block
            .locations
            .iter()
            .map(|node| node.rack.as_str())
            .collect();
        let distinct: BTreeSet<&str> = racks.iter().copied().collect();
        assert_eq!(distinct.len(), 2, "exactly two racks: {racks:?}");
        let max_on_one = distinct
            .iter()
            .map(|rack| racks.iter().filter(|r| *r == rack).count())
            .max();
        assert_eq!(
            max_on_one,
            Some(2),
            "two replicas on one rack, one on another: {racks:?}"
        );
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_file_deletes_its_replicas_on_the_datanodes() {
    let cluster = six_node_cluster().await;
    let client = cluster.client().unwrap();
    let data = content(3 * BLOCK as usize + 5, 9);
    write_file(&client, "/gone/f", &data, 3, BLOCK).await;
    let (_, blocks, _) = client
        .block_locations("/gone/f", 0, u64::MAX)
        .await
        .unwrap();
    let block_ids: Vec<u64> = blocks
        .iter()
        .map(|located| located.block.unwrap_or_default().block_id)
        .collect();
    let held = |cluster: &MiniCluster| {
        (0..cluster.num_datanodes())
            .flat_map(|node| block_ids.iter().map(move |&id| (node, id)))
            .filter(|&(node, id)| cluster.replica_file(node, id).is_some())
            .count()
    };
    assert_eq!(held(&cluster), 3 * block_ids.len());

    client.delete("/gone", true).await.unwrap();
    cluster.wait_for_no_replicas().await.unwrap();
    assert_eq!(held(&cluster), 0, "no replica file is left on disk");
    cluster.shutdown().await;
}
