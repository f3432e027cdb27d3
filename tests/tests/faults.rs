//! Faults injected into a mini-cluster: a network partition between named
//! nodes (common::faults), a failpoint in the edit log's sync (the `fail`
//! crate), a NameNode killed in-process, and liveness on a manual clock.
//! Each test first checks that the fault really happened, then what the
//! cluster made of it.
//!
//! Failpoints and fault rules are process-global: nextest runs each test in
//! its own process, so they do not leak into other tests.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use client::DfsClient;
use common::{FsPermission, faults};
use minicluster::{MiniCluster, NAMENODE, datanode_host, datanode_name, nodemanager_name};
use proto::hdfs as pb;
use proto::yarn as pb_yarn;
use tusk_tests::{content, create_options, eventually, read_file, write_file};

const BLOCK: u64 = 64 * 1024;
/// How far the manual clock moves per step: well under the ten minutes
/// after which a silent DataNode is dead, so only the silent one ages out.
const STEP: Duration = Duration::from_secs(150);

/// The NameNode's report on the DataNode at `host`.
async fn report_of(client: &DfsClient, host: &str) -> Option<pb::DatanodeReport> {
    client
        .datanode_report(pb::DatanodeReportType::All)
        .await
        .unwrap()
        .into_iter()
        .find(|report| report.info.as_ref().is_some_and(|info| info.host == host))
}

/// Replicas held by the running DataNodes, on disk.
fn replicas_held(cluster: &MiniCluster) -> usize {
    (0..cluster.num_datanodes())
        .filter_map(|index| cluster.datanode(index).ok())
        .map(|datanode| datanode.store().replicas().len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_partitioned_from_the_namenode_is_declared_dead_then_trimmed_when_it_rejoins() {
    // Hadoop's own liveness (dead after 2 x 5 min recheck + 10 heartbeats),
    // measured on a clock the test moves.
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2"])
        .manual_clock()
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let data = content(4 * BLOCK as usize, 7);
    write_file(&client, "/f", &data, 3, BLOCK).await;
    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();
    let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
    let victim = cluster.datanode_holding_most(&blocks);
    let victim_host = datanode_host(victim);
    let victim_name = datanode_name(victim);

    cluster.partition(&[NAMENODE], &[&victim_name]);
    // The clock moves a step at a time, each once every other DataNode has
    // heartbeated since the last one: they stay live, the silent one ages.
    let mut stepped_at = common::time::now_millis();
    eventually(
        Duration::from_secs(120),
        &format!("the NameNode to declare {victim_name} dead"),
        async || {
            let reports = client
                .datanode_report(pb::DatanodeReportType::All)
                .await
                .unwrap();
            let host = |report: &pb::DatanodeReport| {
                report
                    .info
                    .as_ref()
                    .map(|info| info.host.clone())
                    .unwrap_or_default()
            };
            if reports
                .iter()
                .any(|report| host(report) == victim_host && !report.live)
            {
                return true;
            }
            if reports
                .iter()
                .filter(|report| host(report) != victim_host)
                .all(|report| report.live && report.last_heartbeat_millis >= stepped_at)
            {
                cluster.clock().advance(STEP);
                stepped_at = common::time::now_millis();
            }
            false
        },
    )
    .await;
    let dead = client
        .datanode_report(pb::DatanodeReportType::Dead)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "only the partitioned DataNode is dead");
    assert!(
        cluster.datanode(victim).is_ok(),
        "the dead DataNode is still running, only cut off"
    );

    // Its blocks are copied to the others until each has three live replicas.
    cluster
        .wait_fully_replicated(Duration::from_secs(60))
        .await
        .unwrap();
    let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
    assert!(
        blocks
            .iter()
            .all(|block| block.locations.iter().all(|node| node.host != victim_host)),
        "no replica is placed on the dead DataNode"
    );
    assert!(
        replicas_held(&cluster) > 3 * blocks.len(),
        "the dead DataNode kept its replicas on disk"
    );

    // Healed, it registers again with its old replicas; the excess goes.
    cluster.heal();
    eventually(
        Duration::from_secs(60),
        &format!("{victim_name} to rejoin"),
        async || {
            report_of(&client, &victim_host)
                .await
                .is_some_and(|report| report.live)
        },
    )
    .await;
    eventually(
        Duration::from_secs(60),
        "the excess replicas to be trimmed",
        async || {
            let (_, blocks, _) = client.block_locations("/f", 0, u64::MAX).await.unwrap();
            blocks.iter().all(|block| block.locations.len() == 3)
                && replicas_held(&cluster) == 3 * blocks.len()
        },
    )
    .await;
    assert!(read_file(&client, "/f").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_log_sync_failure_mid_load_is_never_acknowledged() {
    let mut cluster = MiniCluster::builder().build().await.unwrap();
    let client = cluster.client().unwrap();
    let permission = FsPermission::new(0o755);
    client.mkdirs("/load", permission, false).await.unwrap();

    // Four writers create directories until the NameNode refuses them.
    let failing = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let client = cluster.client().unwrap();
        let failing = failing.clone();
        writers.push(tokio::spawn(async move {
            let (mut acknowledged, mut refused) = (Vec::new(), Vec::new());
            for index in 0.. {
                let path = format!("/load/w{writer}-{index}");
                match client.mkdirs(&path, permission, false).await {
                    Ok(_) => acknowledged.push(path),
                    Err(_) => refused.push(path),
                }
                if failing.load(Ordering::Relaxed) && refused.len() >= 3 {
                    break;
                }
            }
            (acknowledged, refused)
        }));
    }
    eventually(
        Duration::from_secs(30),
        "some directories to be created",
        async || client.list("/load").await.unwrap().len() >= 100,
    )
    .await;
    fail::cfg("editlog::sync", "return").unwrap();
    failing.store(true, Ordering::Relaxed);
    let (mut acknowledged, mut refused) = (BTreeSet::new(), BTreeSet::new());
    for writer in writers {
        let (ok, failed) = writer.await.unwrap();
        acknowledged.extend(ok);
        refused.extend(failed);
    }
    assert!(
        acknowledged.len() >= 100,
        "{} acknowledged",
        acknowledged.len()
    );
    assert!(
        refused.len() >= 4 * 3,
        "every writer was refused: {refused:?}"
    );
    assert!(
        client.mkdirs("/after", permission, false).await.is_err(),
        "the NameNode accepts no write once a sync failed"
    );
    // Nor answers a read: what it applied in memory without making it
    // durable (the refused directories) must never be visible.
    for path in refused.iter().take(3) {
        let error = client.get_file_info(path).await.unwrap_err();
        assert!(
            error.to_string().contains("edit log could not be synced"),
            "{error}"
        );
    }
    assert!(client.list("/load").await.is_err());

    fail::remove("editlog::sync");
    cluster.kill_namenode().await;
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    let listed: BTreeSet<String> = client
        .list("/load")
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.path)
        .collect();
    assert!(
        listed.is_superset(&acknowledged),
        "acknowledged directories were lost: {:?}",
        acknowledged.difference(&listed).collect::<Vec<_>>()
    );
    assert!(
        listed.is_disjoint(&refused),
        "refused directories are visible: {:?}",
        listed.intersection(&refused).collect::<Vec<_>>()
    );
    assert!(client.stat("/after").await.is_err());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_dropped_between_named_nodes_fail_and_pass_again_once_healed() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1"])
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    cluster.drop_traffic(faults::CLIENT, NAMENODE, "mkdirs");
    let refused = client
        .mkdirs("/dropped", FsPermission::new(0o755), false)
        .await
        .unwrap_err();
    assert!(refused.message.contains("Connection refused"), "{refused}");
    assert!(client.list("/").await.is_ok(), "other methods still pass");
    cluster.heal();
    client
        .mkdirs("/dropped", FsPermission::new(0o755), false)
        .await
        .unwrap();

    cluster.drop_traffic(faults::CLIENT, &datanode_name(0), faults::CONNECT);
    let data = content(1000, 1);
    let written = async {
        let mut writer = client
            .create_writer("/f", &create_options(1, BLOCK))
            .await?;
        writer.write(&data).await?;
        writer.close().await
    }
    .await;
    assert!(written.is_err(), "the only DataNode cannot be reached");
    cluster.heal();
    write_file(&client, "/g", &data, 1, BLOCK).await;
    assert!(read_file(&client, "/g").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_nodemanager_is_lost_only_once_the_clock_passes_its_expiry() {
    // NodeManagers expire after 3 s of the ResourceManager's clock.
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1"])
        .nodemanagers(2)
        .manual_clock()
        .build()
        .await
        .unwrap();
    cluster
        .wait_nodemanagers(2, Duration::from_secs(30))
        .await
        .unwrap();
    let silent = cluster.nodemanager(1).unwrap().node_id().to_string();
    cluster.yarn_mut().unwrap().stop_nodemanager(1).await;
    let yarn = cluster.yarn_client().unwrap();
    let state_of = async |node_id: &str| {
        yarn.nodes(&[]).await.unwrap().into_iter().find_map(|node| {
            (node.node_id == node_id).then(|| pb_yarn::NodeState::try_from(node.state).unwrap())
        })
    };

    // Real time passes the expiry; the ResourceManager's clock does not.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        state_of(&silent).await,
        Some(pb_yarn::NodeState::NodeRunning)
    );

    // A second at a time, with heartbeats from the live node in between.
    let live = cluster.nodemanager(0).unwrap().node_id().to_string();
    eventually(
        Duration::from_secs(30),
        "the silent NodeManager to be LOST",
        async || {
            cluster.clock().advance(Duration::from_secs(1));
            tokio::time::sleep(Duration::from_millis(300)).await;
            state_of(&silent).await == Some(pb_yarn::NodeState::NodeLost)
        },
    )
    .await;
    assert_eq!(state_of(&live).await, Some(pb_yarn::NodeState::NodeRunning));
    cluster.shutdown().await;
}

/// A reducer cut off from the NodeManager that holds the map outputs (its
/// shuffle service closes every connection unanswered) keeps retrying its
/// fetches; once the link is back, the job finishes with exact counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reducer_whose_shuffle_fetches_are_dropped_finishes_through_retries() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .nodemanagers(1)
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let text = b"alpha beta\nbeta gamma\ngamma gamma\n".repeat(200);
    write_file(&client, "/in/words.txt", &text, 1, BLOCK).await;

    let hits_before = faults::hits();
    cluster.drop_traffic(faults::ANY, &nodemanager_name(0), faults::CONNECT);
    let job = tokio::process::Command::new(tusk_tests::binary("wordcount"))
        .args(["/in", "/out"])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    eventually(
        Duration::from_secs(120),
        "a reducer's shuffle connection closed by the fault rule",
        async || faults::hits() > hits_before,
    )
    .await;
    cluster.heal();

    let output = job.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        read_file(&client, "/out/part-r-00000").await,
        b"alpha\t200\nbeta\t400\ngamma\t600\n"
    );
    cluster.shutdown().await;
}
