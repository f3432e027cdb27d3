//! A writer whose pipeline loses DataNodes replaces them as
//! `dfs.client.block.write.replace-datanode-on-failure.*` says: a survivor
//! copies the acknowledged bytes to a DataNode the NameNode adds, which joins
//! the pipeline; without one, the write fails rather than acknowledge data
//! kept on too few DataNodes (unless best-effort or NEVER says go on).
//! The NameNode's own re-replication is slowed so it cannot do the work.

use client::{DfsClient, FileWriter};
use minicluster::MiniCluster;
use tusk_tests::{content, create_options, read_file};

const BLOCK: u64 = 16 * 1024 * 1024;
/// Enough that the first half outruns the writer's 80 packets in flight:
/// some bytes are acknowledged before DataNodes are lost.
const LENGTH: usize = 12 * 1024 * 1024;

async fn start_cluster(datanodes: usize, settings: &[(&str, &str)]) -> MiniCluster {
    let mut builder = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2", "/r3"][..datanodes])
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.heartbeat.recheck-interval", "500ms")
        .set("dfs.namenode.redundancy.interval.seconds", "1h");
    for (key, value) in settings {
        builder = builder.set(key, value);
    }
    builder.build().await.unwrap()
}

/// Hosts of the pipeline of the block `path`'s writer is on.
async fn pipeline_hosts(client: &DfsClient, path: &str) -> Vec<String> {
    let (_, blocks, _) = client.block_locations(path, 0, u64::MAX).await.unwrap();
    let writing = blocks.last().expect("a block is being written");
    writing
        .locations
        .iter()
        .map(|node| node.host.clone())
        .collect()
}

/// Stops the DataNodes of `hosts`.
async fn stop_hosts(cluster: &mut MiniCluster, hosts: &[String]) {
    for host in hosts {
        let index = cluster.datanode_at(host).unwrap();
        cluster.stop_datanode(index).await;
    }
}

/// Opens `path` at replication 3, writes half of `data`, stops `lost` of
/// the pipeline's DataNodes, and returns the writer, the rest to write and
/// the hosts stopped.
async fn write_then_lose(
    cluster: &mut MiniCluster,
    path: &str,
    data: &[u8],
    lost: usize,
) -> (FileWriter, usize, Vec<String>) {
    let client = cluster.client().unwrap();
    let mut writer = client
        .create_writer(path, &create_options(3, BLOCK))
        .await
        .unwrap();
    let half = data.len() / 2 + 4321;
    writer.write(&data[..half]).await.unwrap();
    let hosts = pipeline_hosts(&client, path).await;
    assert_eq!(hosts.len(), 3, "{hosts:?}");
    let stopped = hosts[..lost].to_vec();
    stop_hosts(cluster, &stopped).await;
    (writer, half, stopped)
}

/// Live replicas of each block of `path`, as the NameNode knows them.
async fn replicas(client: &DfsClient, path: &str) -> Vec<usize> {
    let (_, blocks, _) = client.block_locations(path, 0, u64::MAX).await.unwrap();
    blocks.iter().map(|block| block.locations.len()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_down_to_one_datanode_gets_a_replacement() {
    let mut cluster = start_cluster(5, &[]).await;
    let data = content(LENGTH, 7);
    let (mut writer, half, stopped) = write_then_lose(&mut cluster, "/f", &data, 2).await;
    writer.write(&data[half..]).await.unwrap();
    writer.close().await.unwrap();

    let client = cluster.client().unwrap();
    assert_eq!(read_file(&client, "/f").await, data);
    let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
    let hosts: Vec<&str> = blocks[0]
        .locations
        .iter()
        .map(|node| node.host.as_str())
        .collect();
    // DEFAULT replaces once at most half of 3 are left: one survivor, one added.
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert!(hosts.iter().all(|host| !stopped.iter().any(|s| s == host)));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_replaces_every_lost_datanode() {
    let mut cluster = start_cluster(
        5,
        &[(
            "dfs.client.block.write.replace-datanode-on-failure.policy",
            "ALWAYS",
        )],
    )
    .await;
    let data = content(LENGTH, 8);
    let (mut writer, half, _) = write_then_lose(&mut cluster, "/f", &data, 1).await;
    writer.write(&data[half..]).await.unwrap();
    writer.close().await.unwrap();
    let client = cluster.client().unwrap();
    assert_eq!(read_file(&client, "/f").await, data);
    assert_eq!(replicas(&client, "/f").await, vec![3]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_datanode_to_add_the_write_fails_unless_told_to_go_on() {
    let mut cluster = start_cluster(3, &[]).await;
    let data = content(LENGTH, 9);
    let (mut writer, half, _) = write_then_lose(&mut cluster, "/f", &data, 2).await;
    let written = async {
        writer.write(&data[half..]).await?;
        writer.close().await
    };
    let error = written.await.unwrap_err();
    assert!(
        error.message.starts_with(
            "Failed to replace a bad datanode on the existing pipeline due to no more good \
             datanodes being available to try."
        ) && error
            .message
            .contains("The current failed datanode replacement policy is DEFAULT"),
        "{error}"
    );
    cluster.shutdown().await;

    for (key, value) in [
        (
            "dfs.client.block.write.replace-datanode-on-failure.best-effort",
            "true",
        ),
        (
            "dfs.client.block.write.replace-datanode-on-failure.policy",
            "NEVER",
        ),
    ] {
        let mut cluster = start_cluster(3, &[(key, value)]).await;
        let (mut writer, half, _) = write_then_lose(&mut cluster, "/f", &data, 2).await;
        writer.write(&data[half..]).await.unwrap();
        writer.close().await.unwrap();
        let client = cluster.client().unwrap();
        assert_eq!(read_file(&client, "/f").await, data, "{key}={value}");
        assert_eq!(replicas(&client, "/f").await, vec![1], "{key}={value}");
        cluster.shutdown().await;
    }
}
