//! DistributedShell end to end: a real `yarn` client submits, the AM and
//! its containers are real processes on two NodeManagers, the output comes
//! back through log aggregation and `yarn logs`.

use std::collections::BTreeSet;
use std::time::Duration;

use minicluster::MiniCluster;
use proto::yarn as pb;
use tusk_tests::yarn::{aggregated_logs, yarn};

async fn cluster() -> MiniCluster {
    let cluster = MiniCluster::builder()
        .racks(&["/rack1", "/rack2"])
        .nodemanagers(2)
        .build()
        .await
        .expect("mini-cluster");
    cluster
        .wait_nodemanagers(2, Duration::from_secs(30))
        .await
        .expect("NodeManagers registered");
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_containers_over_two_nodemanagers_succeed_and_log() {
    let cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let (code, out, _) = yarn(&conf_dir, &["node", "-list"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Total Nodes:2\n"), "{out}");
    assert_eq!(out.matches("RUNNING").count(), 2, "{out}");

    let (code, _, err) = yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "echo hello from $CONTAINER_ID on $NM_HOST",
            "-num_containers",
            "4",
            "-container_memory",
            "128",
            "-appname",
            "ds-four",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Application has completed successfully"),
        "{err}"
    );
    let client = cluster.yarn_client().unwrap();
    let apps = client
        .applications(pb::GetApplicationsRequest::default())
        .await
        .unwrap();
    let app = apps.iter().find(|app| app.name == "ds-four").unwrap();
    assert_eq!(app.state, pb::YarnApplicationState::Finished as i32);
    assert_eq!(
        app.final_status,
        pb::FinalApplicationStatus::Succeeded as i32
    );

    let logs = aggregated_logs(&conf_dir, &app.application_id).await;
    let greetings: Vec<&str> = logs
        .lines()
        .filter(|line| line.starts_with("hello from container_"))
        .collect();
    assert_eq!(greetings.len(), 4, "{logs}");
    let hosts: BTreeSet<&str> = greetings
        .iter()
        .filter_map(|line| line.rsplit(' ').next())
        .collect();
    assert_eq!(hosts.len(), 2, "containers on both NodeManagers: {logs}");
    assert!(logs.contains("LogType:stdout"), "{logs}");
    assert!(
        logs.contains("Registered appattempt_"),
        "AM log aggregated too: {logs}"
    );

    let (code, out, _) = yarn(
        &conf_dir,
        &["application", "-list", "-appStates", "FINISHED"],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with(
            "Total number of applications (application-types: [], states: [FINISHED] and tags: []):1"
        ),
        "{out}"
    );
    assert!(
        out.contains(&app.application_id) && out.contains("SUCCEEDED"),
        "{out}"
    );
    let (code, out, _) = yarn(&conf_dir, &["application", "-status", &app.application_id]);
    assert_eq!(code, 0);
    assert!(out.contains("\tFinal-State : SUCCEEDED\n"), "{out}");
    assert!(
        out.contains("\tLog Aggregation Status : SUCCEEDED\n"),
        "{out}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shell_script_is_localized_from_the_dfs() {
    let cluster = cluster().await;
    cluster
        .create_home_dirs(&common::user::current_user())
        .await
        .unwrap();
    let script = cluster.base_dir().join("script.sh");
    std::fs::write(&script, "echo script ran in $(basename \"$PWD\")\n").unwrap();
    let (code, _, err) = yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_script",
            script.to_str().unwrap(),
            "-num_containers",
            "2",
            "-appname",
            "ds-script",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let client = cluster.yarn_client().unwrap();
    let app = tusk_tests::yarn::app_named(&client, "ds-script").await;
    let logs = aggregated_logs(&cluster.conf_dir(), &app.application_id).await;
    assert_eq!(
        logs.matches("script ran in container_").count(),
        2,
        "{logs}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_command_fails_the_application() {
    let cluster = cluster().await;
    let (code, _, err) = yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_command",
            "exit 3",
            "-num_containers",
            "2",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("DSFinalStatus=FAILED"), "{err}");
    assert!(err.contains("exit status 3"), "{err}");
    cluster.shutdown().await;
}
