//! YARN under faults: a container over its memory limit, an AM process
//! killed (restart, then failure past max attempts), a NodeManager stopped
//! (LOST, its containers replaced elsewhere).

use std::time::Duration;

use common::yarn::ContainerId;
use minicluster::MiniCluster;
use proto::yarn as pb;
use tusk_tests::eventually;
use tusk_tests::yarn::{aggregated_logs, app_named, spawn_yarn, wait_exit, wait_final, yarn};

async fn cluster(nodemanagers: usize, extra: &[(&str, &str)]) -> MiniCluster {
    let mut builder = MiniCluster::builder()
        .racks(&["/rack1", "/rack2"])
        .nodemanagers(nodemanagers);
    for (key, value) in extra {
        builder = builder.set(key, value);
    }
    let cluster = builder.build().await.expect("mini-cluster");
    cluster
        .wait_nodemanagers(nodemanagers, Duration::from_secs(30))
        .await
        .expect("NodeManagers registered");
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_container_over_its_memory_limit_is_killed_and_the_am_sees_it() {
    let cluster = cluster(2, &[]).await;
    let (code, _, err) = yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_command",
            "perl -e '$x = \"a\" x (400*1024*1024); sleep 30'",
            "-container_memory",
            "128",
            "-appname",
            "ds-hog",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let client = cluster.yarn_client().unwrap();
    let app = app_named(&client, "ds-hog").await;
    assert_eq!(
        app.final_status,
        pb::FinalApplicationStatus::FailedStatus as i32
    );
    let diagnostics = &app.diagnostics;
    assert!(
        diagnostics.contains("is running beyond physical memory limits. Current usage: "),
        "{diagnostics}"
    );
    assert!(
        diagnostics.contains(" of 128 MB physical memory used. Killing container."),
        "{diagnostics}"
    );
    assert!(diagnostics.contains("exit status -104"), "{diagnostics}");
    cluster.shutdown().await;
}

/// Finds the AM container's process and SIGKILLs it.
async fn kill_am_process(cluster: &MiniCluster, report: &pb::ApplicationReport) {
    let container: ContainerId = report.am_container_id.parse().unwrap();
    let pid = eventually(Duration::from_secs(30), "the AM process", || async {
        (0..cluster.yarn().unwrap().num_nodemanagers())
            .filter_map(|index| cluster.nodemanager(index).ok())
            .find_map(|nodemanager| nodemanager.containers().container_pid(container))
    })
    .await;
    // SAFETY: kill(2) on a pid this test's NodeManager started.
    let killed = unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    assert_eq!(killed, 0, "AM process {pid} was not there to kill");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_am_is_restarted_then_the_application_fails_past_max_attempts() {
    let cluster = cluster(2, &[("yarn.resourcemanager.am.max-attempts", "2")]).await;
    let conf_dir = cluster.conf_dir();
    let ds = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "sleep 60",
            "-appname",
            "ds-restart",
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let id = app_named(&client, "ds-restart").await.application_id;
    let running_attempt = |attempt: u32| {
        let client = client.clone();
        let id = id.clone();
        async move {
            eventually(
                Duration::from_secs(30),
                &format!("attempt {attempt} running"),
                || async {
                    let report = client.application_report(&id).await.ok()?;
                    (report.state == pb::YarnApplicationState::Running as i32
                        && report
                            .current_attempt_id
                            .ends_with(&format!("_{attempt:06}")))
                    .then_some(report)
                },
            )
            .await
        }
    };
    let first = running_attempt(1).await;
    kill_am_process(&cluster, &first).await;
    let second = running_attempt(2).await;
    assert_ne!(second.am_container_id, first.am_container_id);
    assert!(
        second.diagnostics.contains("exitCode: 137"),
        "{}",
        second.diagnostics
    );
    kill_am_process(&cluster, &second).await;
    let report = wait_final(&client, &id, Duration::from_secs(30)).await;
    assert_eq!(report.state, pb::YarnApplicationState::Failed as i32);
    assert!(
        report.diagnostics.starts_with(&format!(
            "Application {id} failed 2 times due to AM Container for appattempt_"
        )),
        "{}",
        report.diagnostics
    );
    let (code, out, _) = yarn(&conf_dir, &["application", "-status", &id]);
    assert_eq!(code, 0);
    assert!(out.contains("\tState : FAILED\n"), "{out}");
    assert_eq!(wait_exit(ds, Duration::from_secs(30)).await, Some(2));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_nodemanagers_containers_are_replaced_elsewhere() {
    let mut cluster = cluster(
        2,
        &[("yarn.nm.liveness-monitor.expiry-interval-ms", "1000")],
    )
    .await;
    let conf_dir = cluster.conf_dir();
    let ds = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "sleep 3",
            "-num_containers",
            "4",
            "-appname",
            "ds-lost",
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let report = app_named(&client, "ds-lost").await;
    let am: ContainerId = eventually(Duration::from_secs(30), "the AM container", || async {
        let report = client
            .application_report(&report.application_id)
            .await
            .ok()?;
        report.am_container_id.parse().ok()
    })
    .await;
    let am_node = eventually(Duration::from_secs(30), "the AM on a node", || async {
        (0..2).find(|index| {
            cluster
                .nodemanager(*index)
                .is_ok_and(|nodemanager| nodemanager.containers().knows(am))
        })
    })
    .await;
    // The NodeManager without the AM, once it runs some of the workers.
    let victim = 1 - am_node;
    eventually(
        Duration::from_secs(30),
        "workers on the other node",
        || async {
            let containers = cluster
                .nodemanager(victim)
                .ok()?
                .containers()
                .statuses(None);
            containers
                .iter()
                .any(|status| status.state == pb::ContainerState::ContainerRunning as i32)
                .then_some(())
        },
    )
    .await;
    let node_id = cluster.nodemanager(victim).unwrap().node_id().to_string();
    cluster.yarn_mut().unwrap().stop_nodemanager(victim).await;
    eventually(Duration::from_secs(30), "the node to be LOST", || async {
        let nodes = client.nodes(&[pb::NodeState::NodeLost]).await.ok()?;
        nodes
            .iter()
            .any(|node| node.node_id == node_id)
            .then_some(())
    })
    .await;
    let (code, out, _) = yarn(&conf_dir, &["node", "-list", "-all"]);
    assert_eq!(code, 0);
    assert!(out.contains("LOST"), "{out}");
    let report = wait_final(&client, &report.application_id, Duration::from_secs(60)).await;
    assert_eq!(
        report.final_status,
        pb::FinalApplicationStatus::Succeeded as i32,
        "{}",
        report.diagnostics
    );
    let logs = aggregated_logs(&conf_dir, &report.application_id).await;
    assert!(
        logs.contains("Container released on a *lost* node"),
        "{logs}"
    );
    assert!(logs.contains("requesting a replacement"), "{logs}");
    assert!(
        logs.contains(&format!("Node {node_id} is now LOST")),
        "{logs}"
    );
    assert_eq!(wait_exit(ds, Duration::from_secs(30)).await, Some(0));
    cluster.shutdown().await;
}
