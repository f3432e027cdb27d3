//! `yarn applicationattempt`, `yarn container`, `yarn node -status`, `yarn queue -status`
//! and `mapred queue -list` through the real binaries against a mini-cluster running a
//! DistributedShell application, each compared with Hadoop's output format.

use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::eventually;
use tusk_tests::yarn::{app_named, spawn_yarn, yarn};

const TIMEOUT: Duration = Duration::from_secs(60);

/// The value of `\tName : value` in a Hadoop report.
fn field<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(&format!("{name} : ")))
        .unwrap_or_else(|| panic!("no {name} in\n{report}"))
        .trim_end()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_containers_nodes_and_queues_are_reported_as_hadoop_does() {
    let cluster = MiniCluster::builder()
        .nodemanagers(1)
        .build()
        .await
        .unwrap();
    cluster.wait_nodemanagers(1, TIMEOUT).await.unwrap();
    let conf_dir = cluster.conf_dir();
    let mut shell = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "sleep 120",
            "-num_containers",
            "2",
            "-container_memory",
            "128",
            "-appname",
            "commands",
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let app = app_named(&client, "commands").await.application_id;

    // The attempt, listed then reported, once its AM runs with two containers beside it.
    let attempt = eventually(TIMEOUT, "the AM and its two containers run", async || {
        let (code, out, _) = yarn(&conf_dir, &["applicationattempt", "-list", &app]);
        let line = out.lines().nth(2)?.to_string();
        let attempt = line.split_whitespace().next()?.to_string();
        let (_, containers, _) = yarn(&conf_dir, &["container", "-list", &attempt]);
        (code == 0
            && line.contains("RUNNING")
            && containers.starts_with("Total number of containers :3\n"))
        .then_some(attempt)
    })
    .await;
    let (code, out, _) = yarn(&conf_dir, &["applicationattempt", "-list", &app]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Total number of application attempts :1");
    assert_eq!(
        lines[1].split('\t').map(str::trim).collect::<Vec<_>>(),
        [
            "ApplicationAttempt-Id",
            "State",
            "AM-Container-Id",
            "Tracking-URL"
        ]
    );
    let (code, report, _) = yarn(&conf_dir, &["applicationattempt", "-status", &attempt]);
    assert_eq!(code, 0);
    assert!(
        report.starts_with("Application Attempt Report : \n"),
        "{report}"
    );
    assert_eq!(field(&report, "ApplicationAttempt-Id"), attempt);
    assert_eq!(field(&report, "State"), "RUNNING");
    let am_container = field(&report, "AMContainer").to_string();
    assert!(am_container.starts_with("container_"), "{report}");

    // Its containers: the AM's and the two shell containers, each with its report.
    let (code, out, _) = yarn(&conf_dir, &["container", "-list", &attempt]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1].split('\t').map(str::trim).collect::<Vec<_>>(),
        [
            "Container-Id",
            "Start Time",
            "Finish Time",
            "State",
            "Host",
            "Node Http Address",
            "LOG-URL"
        ]
    );
    assert!(
        lines[2..]
            .iter()
            .any(|line| line.trim_start().starts_with(&am_container)),
        "{out}"
    );
    let node_id = cluster.nodemanager(0).unwrap().node_id().to_string();
    let (code, report, _) = yarn(&conf_dir, &["container", "-status", &am_container]);
    assert_eq!(code, 0, "{report}");
    assert!(report.starts_with("Container Report : \n"), "{report}");
    assert_eq!(field(&report, "Container-Id"), am_container);
    assert_eq!(field(&report, "State"), "RUNNING");
    assert_eq!(field(&report, "Host"), node_id);
    assert!(
        field(&report, "LOG-URL").contains(&am_container),
        "{report}"
    );

    // Unknown ids are named in the error.
    let missing = format!("{}99", &am_container[..am_container.len() - 2]);
    let (code, _, err) = yarn(&conf_dir, &["container", "-status", &missing]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        format!("Container with id '{missing}' doesn't exist in RM or Timeline Server.")
    );

    // The node, with the three containers on it.
    let (code, report, _) = yarn(&conf_dir, &["node", "-status", &node_id]);
    assert_eq!(code, 0, "{report}");
    assert!(report.starts_with("Node Report : \n"), "{report}");
    assert_eq!(field(&report, "Node-Id"), node_id);
    assert_eq!(field(&report, "Node-State"), "RUNNING");
    assert_eq!(field(&report, "Containers"), "3");
    assert!(field(&report, "Memory-Used").ends_with("MB"), "{report}");
    let (code, _, err) = yarn(&conf_dir, &["node", "-status", "nohost:1"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "Could not find the node report for node id : nohost:1"
    );

    // The default queue.
    let (code, report, _) = yarn(&conf_dir, &["queue", "-status", "default"]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report
            .starts_with("Queue Information : \nQueue Name : default\nQueue Path : root.default\n"),
        "{report}"
    );
    assert_eq!(field(&report, "State"), "RUNNING");
    assert_eq!(field(&report, "Capacity"), "100.00%");
    let (code, _, err) = yarn(&conf_dir, &["queue", "-status", "nosuch"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "Cannot get queue from RM by queueName = nosuch, please check."
    );

    let mapred = std::process::Command::new(tusk_tests::binary("mapred"))
        .args(["queue", "-list"])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .output()
        .unwrap();
    assert!(mapred.status.success());
    let text = String::from_utf8_lossy(&mapred.stdout);
    assert!(
        text.starts_with("======================\nQueue Name : default \nQueue State : running \nScheduling Info : Capacity: 100.0, MaximumCapacity: 100.0, CurrentCapacity: "),
        "{text}"
    );

    // A DistributedShell application ran no MapReduce job.
    let job = app.replacen("application_", "job_", 1);
    let status = std::process::Command::new(tusk_tests::binary("mapred"))
        .args(["job", "-status", &job])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&status.stderr).trim(),
        format!("Could not find job {job}")
    );

    client.kill_application(&app).await.unwrap();
    let _ = shell.kill();
    let _ = shell.wait();
}
