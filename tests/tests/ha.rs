//! NameNode high availability end to end, on the HA mini-cluster: real ZooKeeper, three
//! JournalNodes, two NameNode processes with their ZKFC processes, DataNodes serving both.
//! The faults are real: `kill -9` and SIGSTOP of the NameNode processes, ZooKeeper killed, a
//! NameNode's host partitioned off the network.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use client::DfsClient;
use common::{FsPermission, faults};
use minicluster::ha::HaCluster;
use proto::hdfs::HaServiceState;
use tokio::task::JoinHandle;
use tusk_tests::{binary, content, create_options, eventually, read_file};

const BLOCK: u64 = 64 * 1024;
const CLIENTS: usize = 8;

async fn ha_cluster() -> HaCluster {
    HaCluster::builder()
        .hdfs_binary(binary("hdfs"))
        .build()
        .await
        .unwrap()
}

/// What one client's acknowledged operations left in the namespace: a path and its
/// contents (`None` for a directory), or that nothing is there.
type Expected = BTreeMap<String, Option<Option<Vec<u8>>>>;

/// What a test and its load clients share: the signal to stop, and how many rounds the
/// clients completed.
#[derive(Default)]
struct LoadControl {
    stop: AtomicBool,
    completed_rounds: AtomicUsize,
}

impl LoadControl {
    fn completed_rounds(&self) -> usize {
        self.completed_rounds.load(Ordering::Relaxed)
    }
}

/// One load client: mkdirs, create + write + close, rename, append and delete in turn under
/// `/load/c<index>`, until told to stop; returns what its acknowledged operations left and
/// the errors it saw (each one an error the failover client did not retry away).
async fn run_load(
    client: DfsClient,
    index: usize,
    control: Arc<LoadControl>,
) -> (Expected, Vec<String>) {
    let mut expected = Expected::new();
    let mut errors = Vec::new();
    let base = format!("/load/c{index}");
    let mut round = 0usize;
    while !control.stop.load(Ordering::Relaxed) {
        let dir = format!("{base}/d{round}");
        let file = format!("{base}/f{round}");
        let renamed = format!("{base}/r{round}");
        let data = content(3000 + round * 7, (index * 31 + round) as u8);
        let extra = content(500, round as u8);
        let step = async {
            client.mkdirs(&dir, FsPermission::new(0o755), true).await?;
            expected.insert(dir.clone(), Some(None));
            let mut writer = client
                .create_writer(&file, &create_options(2, BLOCK))
                .await?;
            writer.write(&data).await?;
            writer.close().await?;
            expected.insert(file.clone(), Some(Some(data.clone())));
            client.rename(&file, &renamed, false, false).await?;
            expected.insert(file.clone(), None);
            expected.insert(renamed.clone(), Some(Some(data.clone())));
            let mut appender = client.append_writer(&renamed).await?;
            appender.write(&extra).await?;
            appender.close().await?;
            let mut appended = data.clone();
            appended.extend_from_slice(&extra);
            expected.insert(renamed.clone(), Some(Some(appended)));
            if round > 0 {
                let previous = format!("{base}/d{}", round - 1);
                client.delete(&previous, true).await?;
                expected.insert(previous, None);
            }
            Ok::<(), common::RemoteException>(())
        };
        match step.await {
            Ok(()) => {
                control.completed_rounds.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                errors.push(format!("round {round}: {error}"));
                // The outcome of the failed call is unknown: forget what this round touched.
                for path in [&dir, &file, &renamed] {
                    expected.remove(path);
                }
                if round > 0 {
                    expected.remove(&format!("{base}/d{}", round - 1));
                }
            }
        }
        round += 1;
    }
    (expected, errors)
}

/// Asserts that every acknowledged operation is visible through `client`, exactly once.
async fn assert_expected(client: &DfsClient, expected: &Expected) {
    for (path, state) in expected {
        let info = client.get_file_info(path).await.unwrap();
        match state {
            None => assert!(
                info.is_none(),
                "{path} was deleted or renamed, yet it is there"
            ),
            Some(None) => assert!(
                info.as_ref().is_some_and(|status| status.is_dir),
                "directory {path} is missing"
            ),
            Some(Some(data)) => {
                assert!(info.is_some(), "file {path} is missing");
                assert!(
                    read_file(client, path).await == *data,
                    "{path} does not hold exactly what was written (an operation applied twice?)"
                );
            }
        }
    }
}

/// A running load client ([`run_load`]).
type LoadClient = JoinHandle<(Expected, Vec<String>)>;

/// Starts `clients` load clients of the nameservice.
fn start_load(cluster: &HaCluster, clients: usize) -> (Arc<LoadControl>, Vec<LoadClient>) {
    let control = Arc::new(LoadControl::default());
    let mut loads = Vec::new();
    for index in 0..clients {
        let client = cluster.client().unwrap();
        loads.push(tokio::spawn(run_load(client, index, control.clone())));
    }
    (control, loads)
}

/// Stops the load; returns what every client expects and every error the clients saw.
async fn stop_load(control: &LoadControl, loads: Vec<LoadClient>) -> (Vec<Expected>, Vec<String>) {
    control.stop.store(true, Ordering::Relaxed);
    let mut expectations = Vec::new();
    let mut errors = Vec::new();
    for load in loads {
        let (expected, seen) = load.await.unwrap();
        expectations.push(expected);
        errors.extend(seen);
    }
    (expectations, errors)
}

/// Starts the load, lets it run, applies `fault`, lets it run on, stops it; returns what
/// every client expects and every error the clients saw.
async fn under_load(
    cluster: &mut HaCluster,
    fault: impl AsyncFnOnce(&mut HaCluster),
) -> (Vec<Expected>, Vec<String>) {
    let (control, loads) = start_load(cluster, CLIENTS);
    tokio::time::sleep(Duration::from_secs(2)).await;
    fault(cluster).await;
    cluster
        .wait_until_writable(Duration::from_secs(60))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_load(&control, loads).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_the_active_namenode_under_load_loses_nothing_and_applies_nothing_twice() {
    let mut cluster = ha_cluster().await;
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    // A file open across the failover keeps being written.
    let open_data = content(5 * BLOCK as usize, 3);
    let mut open_writer = client
        .create_writer("/open-across-failover", &create_options(2, BLOCK))
        .await
        .unwrap();
    open_writer
        .write(&open_data[..2 * BLOCK as usize])
        .await
        .unwrap();

    let (expectations, errors) = under_load(&mut cluster, async |cluster| {
        cluster.kill_namenode(first);
    })
    .await;
    let second = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    assert_ne!(
        first, second,
        "the killed NameNode cannot be the active one"
    );
    assert!(
        errors.is_empty(),
        "clients saw errors the failover did not retry: {errors:?}"
    );
    open_writer
        .write(&open_data[2 * BLOCK as usize..])
        .await
        .unwrap();
    open_writer.close().await.unwrap();
    let acknowledged: usize = expectations.iter().map(BTreeMap::len).sum();
    assert!(
        acknowledged > CLIENTS * 4,
        "the load did little: {acknowledged}"
    );
    for expected in &expectations {
        assert_expected(&client, expected).await;
    }
    assert_eq!(read_file(&client, "/open-across-failover").await, open_data);

    // Everything again after a restart of every daemon.
    cluster.restart_everything().await.unwrap();
    let client = cluster.client().unwrap();
    for expected in &expectations {
        assert_expected(&client, expected).await;
    }
    assert_eq!(read_file(&client, "/open-across-failover").await, open_data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paused_active_is_fenced_and_acknowledges_nothing_after_it_resumes() {
    let cluster = ha_cluster().await;
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    // A client pinned to the old active, as a client that has not failed over would be.
    let pinned = cluster
        .client_of(first, &common::user::current_user())
        .unwrap();
    pinned
        .mkdirs("/before-pause", FsPermission::new(0o755), true)
        .await
        .unwrap();
    cluster.pause_namenode(first);
    let second = cluster
        .wait_for_active(Some(1 - first), Duration::from_secs(60))
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    client
        .mkdirs(
            "/first-write-of-the-new-active",
            FsPermission::new(0o755),
            true,
        )
        .await
        .unwrap();
    cluster.resume_namenode(first);
    // The old active, resumed, must acknowledge nothing: its epoch is refused by the
    // JournalNodes and its ZKFC, whose session expired, makes it standby.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    for attempt in 0..50 {
        let path = format!("/from-the-old-active-{attempt}");
        if pinned
            .mkdirs(&path, FsPermission::new(0o755), true)
            .await
            .is_ok()
        {
            acknowledged.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        acknowledged.load(Ordering::Relaxed),
        0,
        "the old active acknowledged writes after the new active's first write"
    );
    assert_eq!(
        cluster.active_index().await,
        Some(second),
        "exactly the new NameNode is active"
    );
    assert!(
        client
            .get_file_info("/before-pause")
            .await
            .unwrap()
            .is_some()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partitioned_active_is_replaced_and_acknowledges_nothing_after_the_new_active_writes() {
    const LOAD_CLIENTS: usize = 2;
    const PARTITIONED_SIDE_ATTEMPTS: usize = 10;
    const PINNED_ATTEMPTS: usize = 50;
    let mut cluster = ha_cluster().await;
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    let second = 1 - first;
    // A client pinned to the old active, as a client that has not failed over would be.
    let pinned = cluster
        .client_of(first, &common::user::current_user())
        .unwrap();
    pinned
        .mkdirs("/before-partition", FsPermission::new(0o755), true)
        .await
        .unwrap();
    let (control, loads) = start_load(&cluster, LOAD_CLIENTS);
    eventually(Duration::from_secs(30), "the load under way", async || {
        control.completed_rounds() >= LOAD_CLIENTS
    })
    .await;

    let hits_before = faults::hits();
    cluster.partition_namenode(first).unwrap();
    cluster
        .wait_for_active(Some(second), Duration::from_secs(60))
        .await
        .unwrap();
    eventually(
        Duration::from_secs(10),
        "calls to the partitioned NameNode dropped",
        async || faults::hits() > hits_before,
    )
    .await;
    let client = cluster.client().unwrap();
    client
        .mkdirs(
            "/first-write-of-the-new-active",
            FsPermission::new(0o755),
            true,
        )
        .await
        .unwrap();
    // A client on the old active's side of the partition (a process of its own, which no rule
    // cuts off from it) still reaches it; it must acknowledge nothing: it has lost its
    // JournalNodes.
    let old_active = format!("hdfs://{}", cluster.namenode_rpc_address(first));
    let mut acknowledged = 0;
    for attempt in 0..PARTITIONED_SIDE_ATTEMPTS {
        let path = format!("/from-the-partitioned-side-{attempt}");
        if cluster
            .run_hdfs(first, &["dfs", "-fs", &old_active, "-mkdir", &path])
            .is_ok()
        {
            acknowledged += 1;
        }
    }
    let rounds = control.completed_rounds();
    eventually(
        Duration::from_secs(60),
        "load rounds completed through the new active",
        async || control.completed_rounds() >= rounds + LOAD_CLIENTS,
    )
    .await;

    cluster.heal_partition().unwrap();
    // Its ZKFC, finding its session expired, makes it standby, unless it has exited on
    // losing its journal quorum (as Hadoop's does).
    let exited = eventually(
        Duration::from_secs(60),
        "the old active standby or exited",
        async || {
            if !cluster.namenode_is_running(first) {
                return Some(true);
            }
            matches!(
                cluster.service_state(first).await,
                Ok(HaServiceState::Standby)
            )
            .then_some(false)
        },
    )
    .await;
    for attempt in 0..PINNED_ATTEMPTS {
        let path = format!("/from-the-old-active-{attempt}");
        if pinned
            .mkdirs(&path, FsPermission::new(0o755), true)
            .await
            .is_ok()
        {
            acknowledged += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        acknowledged, 0,
        "the old active acknowledged writes after the new active's first write"
    );
    if exited {
        cluster.restart_namenode(first).await.unwrap();
        eventually(
            Duration::from_secs(60),
            "the restarted old active standby",
            async || {
                matches!(
                    cluster.service_state(first).await,
                    Ok(HaServiceState::Standby)
                )
            },
        )
        .await;
    }
    let mut actives = Vec::new();
    for index in [first, second] {
        if let Ok(HaServiceState::Active) = cluster.service_state(index).await {
            actives.push(index);
        }
    }
    assert_eq!(actives, [second], "exactly the new NameNode is active");

    let (expectations, errors) = stop_load(&control, loads).await;
    assert!(
        errors.is_empty(),
        "clients saw errors the failover did not retry: {errors:?}"
    );
    for expected in &expectations {
        assert_expected(&client, expected).await;
    }
    for path in ["/before-partition", "/first-write-of-the-new-active"] {
        assert!(
            client.get_file_info(path).await.unwrap().is_some(),
            "{path} is missing"
        );
    }
    let refused = (0..PARTITIONED_SIDE_ATTEMPTS)
        .map(|attempt| format!("/from-the-partitioned-side-{attempt}"))
        .chain((0..PINNED_ATTEMPTS).map(|attempt| format!("/from-the-old-active-{attempt}")));
    for path in refused {
        assert!(
            client.get_file_info(&path).await.unwrap().is_none(),
            "{path} was not acknowledged, yet it is there"
        );
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn zookeeper_down_changes_nothing_and_failover_works_once_it_is_back() {
    let mut cluster = ha_cluster().await;
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    cluster.zookeeper().kill();
    let client = cluster.client().unwrap();
    // Longer than the session timeout: still the same active, still writable.
    for index in 0..40 {
        client
            .mkdirs(&format!("/zk-down/{index}"), FsPermission::new(0o755), true)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(cluster.active_index().await, Some(first));
    cluster.zookeeper().restart().await.unwrap();
    // Normal again: a killed active fails over.
    eventually(
        Duration::from_secs(30),
        "both ZKFCs back in the election",
        async || {
            cluster.active_index().await == Some(first)
                && matches!(
                    cluster.service_state(1 - first).await,
                    Ok(HaServiceState::Standby)
                )
        },
    )
    .await;
    cluster.kill_namenode(first);
    cluster
        .wait_for_active(Some(1 - first), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(client.get_file_info("/zk-down/39").await.unwrap().is_some());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn haadmin_failover_back_and_forth_under_load_shows_clients_no_error() {
    let mut cluster = ha_cluster().await;
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    let ids = minicluster::ha::NAMENODE_IDS;
    let (expectations, errors) = under_load(&mut cluster, async |cluster| {
        let mut active = first;
        for _ in 0..10 {
            let target = 1 - active;
            let output = cluster
                .run_hdfs(0, &["haadmin", "-failover", ids[active], ids[target]])
                .unwrap();
            assert!(output.contains("Failover to"), "{output}");
            cluster
                .wait_for_active(Some(target), Duration::from_secs(30))
                .await
                .unwrap();
            active = target;
        }
    })
    .await;
    assert!(
        errors.is_empty(),
        "clients saw errors the failover did not retry: {errors:?}"
    );
    let client = cluster.client().unwrap();
    for expected in &expectations {
        assert_expected(&client, expected).await;
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn haadmin_reports_both_states() {
    let cluster = ha_cluster().await;
    let active = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    let ids = minicluster::ha::NAMENODE_IDS;
    eventually(
        Duration::from_secs(30),
        "the other NameNode standby",
        async || {
            matches!(
                cluster.service_state(1 - active).await,
                Ok(HaServiceState::Standby)
            )
        },
    )
    .await;
    assert_eq!(
        cluster
            .run_hdfs(0, &["haadmin", "-getServiceState", ids[active]])
            .unwrap()
            .trim(),
        "active"
    );
    assert_eq!(
        cluster
            .run_hdfs(0, &["haadmin", "-getServiceState", ids[1 - active]])
            .unwrap()
            .trim(),
        "standby"
    );
    let all = cluster
        .run_hdfs(0, &["haadmin", "-getAllServiceState"])
        .unwrap();
    assert!(
        all.contains(&format!("{} ", cluster.namenode_rpc_address(active)))
            && all.contains("active"),
        "{all}"
    );
    assert!(all.contains("standby"), "{all}");
    cluster
        .run_hdfs(0, &["haadmin", "-checkHealth", ids[active]])
        .unwrap();
    cluster.shutdown().await;
}
