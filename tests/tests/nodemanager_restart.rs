//! A NodeManager that crashed while an application ran, restarted after the
//! application ended: it finds the application's files and logs on its disks,
//! reports the application to the ResourceManager (Hadoop's
//! `runningApplications`), is told it is over, aggregates its logs to the DFS
//! and removes its local dirs, as it would have had it been up.

use std::path::Path;
use std::time::Duration;

use client::DfsClient;
use minicluster::MiniCluster;
use proto::yarn as pb;
use tusk_tests::eventually;
use tusk_tests::yarn::wait_final;

const WAIT: Duration = Duration::from_secs(60);

/// The text of every file under `dir`, concatenated.
async fn dfs_text_under(client: &DfsClient, dir: &str) -> Option<String> {
    let mut text = String::new();
    for status in client.list(dir).await.ok()? {
        let bytes = tusk_tests::read_file(client, &status.path).await;
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    Some(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_nodemanager_cleans_up_applications_that_ended_while_it_was_down() {
    let mut cluster = MiniCluster::builder()
        .datanodes(1)
        .nodemanagers(1)
        .set("dfs.replication", "1")
        .build()
        .await
        .expect("mini-cluster");
    let yarn = cluster.yarn_client().unwrap();
    let user = common::user::current_user();
    let id = yarn.new_application().await.unwrap().application_id;
    let context = pb::ApplicationSubmissionContext {
        application_id: id.clone(),
        application_name: "left-behind".into(),
        queue: "default".into(),
        am_resource: Some(pb::Resource {
            memory_mb: 128,
            vcores: 1,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: "echo am-started; exec sleep 600".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    yarn.submit_application(context).await.unwrap();

    let node_dir = cluster.base_dir().join("nm0");
    let app_logs = node_dir.join("logs").join(&id);
    let app_files = node_dir
        .join("local/usercache")
        .join(&user)
        .join("appcache")
        .join(&id);
    eventually(WAIT, "the AM's stdout on the node", async || {
        let containers = std::fs::read_dir(&app_logs).ok()?;
        let stdout = containers.flatten().next()?.path().join("stdout");
        let text = std::fs::read_to_string(stdout).ok()?;
        text.contains("am-started").then_some(())
    })
    .await;

    // The node crashes; the application ends while it is down.
    cluster.yarn_mut().unwrap().stop_nodemanager(0).await;
    assert!(yarn.kill_application(&id).await.unwrap());
    let report = wait_final(&yarn, &id, WAIT).await;
    assert_eq!(report.state, pb::YarnApplicationState::Killed as i32);
    assert!(
        app_logs.is_dir() && app_files.is_dir(),
        "the crash left them"
    );

    cluster
        .yarn_mut()
        .unwrap()
        .start_nodemanager(0)
        .await
        .unwrap();
    let gone = |path: &Path| !path.exists();
    eventually(
        WAIT,
        "the node to remove the ended application's files",
        async || gone(&app_logs) && gone(&app_files),
    )
    .await;
    let dfs = cluster.client().unwrap();
    let remote = format!("/tmp/logs/{user}/logs/{id}");
    let aggregated = eventually(WAIT, "the aggregated logs", async || {
        dfs_text_under(&dfs, &remote).await
    })
    .await;
    assert!(aggregated.contains("am-started"), "{aggregated}");
    cluster.shutdown().await;
}
