//! Decommissioning: a DataNode listed in `dfs.hosts.exclude` after
//! `hdfs dfsadmin -refreshNodes` gets its replicas copied away, shows as
//! Decommissioned, takes no new replicas, and can then be stopped without
//! losing data.

use std::time::Duration;

use client::DfsClient;
use minicluster::{MiniCluster, datanode_host};
use proto::hdfs as pb;
use tusk_tests::{content, eventually, hdfs, write_file};

const BLOCK: u64 = 64 * 1024;

/// Replicas per block held by nodes other than `host`, and by `host`.
async fn replicas_off_and_on(client: &DfsClient, path: &str, host: &str) -> (Vec<usize>, usize) {
    let (_, blocks, _) = client.block_locations(path, 0, u64::MAX).await.unwrap();
    let elsewhere = blocks
        .iter()
        .map(|block| {
            block
                .locations
                .iter()
                .filter(|node| node.host != host)
                .count()
        })
        .collect();
    let on_host = blocks
        .iter()
        .filter(|block| block.locations.iter().any(|node| node.host == host))
        .count();
    (elsewhere, on_host)
}

async fn admin_state(client: &DfsClient, host: &str) -> pb::AdminState {
    client
        .datanode_report(pb::DatanodeReportType::All)
        .await
        .unwrap()
        .into_iter()
        .find(|node| node.info.as_ref().is_some_and(|info| info.host == host))
        .unwrap()
        .admin_state()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excluded_datanode_is_drained_then_decommissioned() {
    let hosts_dir = tempfile::tempdir().unwrap();
    let exclude = hosts_dir.path().join("dfs.exclude");
    std::fs::write(&exclude, "# no node is leaving yet\n").unwrap();
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2"])
        .set("dfs.hosts.exclude", exclude.to_str().unwrap())
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.redundancy.interval.seconds", "200ms")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let data = content(8 * BLOCK as usize, 5);
    write_file(&client, "/data", &data, 3, BLOCK).await;
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();
    let leaving = datanode_host(0);
    let (_, held) = replicas_off_and_on(&client, "/data", &leaving).await;
    assert!(held > 0, "the node to decommission holds replicas");

    std::fs::write(&exclude, format!("{leaving}\n")).unwrap();
    let (code, out, err) = hdfs(&cluster.conf_dir(), &["dfsadmin", "-refreshNodes"]);
    assert_eq!((code, out.trim()), (0, "Refresh nodes successful"), "{err}");
    assert_ne!(admin_state(&client, &leaving).await, pb::AdminState::Normal);

    eventually(
        Duration::from_secs(60),
        &format!("{leaving} to finish decommissioning"),
        async || admin_state(&client, &leaving).await == pb::AdminState::Decommissioned,
    )
    .await;
    let (elsewhere, _) = replicas_off_and_on(&client, "/data", &leaving).await;
    assert!(
        elsewhere.iter().all(|&count| count >= 3),
        "every block has 3 replicas on staying nodes: {elsewhere:?}"
    );
    let (code, report, _) = hdfs(&cluster.conf_dir(), &["dfsadmin", "-report"]);
    assert_eq!(code, 0);
    assert!(
        report.contains("Decommission Status : Decommissioned"),
        "{report}"
    );

    // New blocks avoid the node; with it gone, everything still reads.
    write_file(&client, "/after", &content(3 * BLOCK as usize, 6), 3, BLOCK).await;
    let (_, on_leaving) = replicas_off_and_on(&client, "/after", &leaving).await;
    assert_eq!(on_leaving, 0, "a decommissioned node took new replicas");
    cluster.stop_datanode(0).await;
    let mut read_back = Vec::new();
    client
        .open("/data")
        .await
        .unwrap()
        .read_to_end(&mut read_back)
        .await
        .unwrap();
    assert_eq!(read_back, data);

    // Taken off the list, a node returns to service.
    cluster.start_datanode(0).await.unwrap();
    std::fs::write(&exclude, "").unwrap();
    let (code, _, err) = hdfs(&cluster.conf_dir(), &["dfsadmin", "-refreshNodes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(admin_state(&client, &leaving).await, pb::AdminState::Normal);
    cluster.shutdown().await;
}
