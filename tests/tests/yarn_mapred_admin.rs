//! The administration and job commands of issue 22 through the real binaries
//! against a mini-cluster: `yarn rmadmin` (refreshing queues and nodes, the
//! service state), `yarn application -movetoqueue / -updatePriority` (the
//! scheduler really moves and reprioritizes, as `-status` and REST show),
//! `yarn node -list -showDetails`, `yarn top`, `yarn logs -containerId
//! [-log_files]`, and `mapred job -kill-task / -fail-task / -list-attempt-ids /
//! -events / -history / -logs` on a running streaming job.

use std::path::Path;
use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::eventually;
use tusk_tests::yarn::{aggregated_logs, app_named, spawn_yarn, wait_final, yarn};

const TIMEOUT: Duration = Duration::from_secs(90);

/// The value of `\tName : value` in a Hadoop report.
fn field<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(&format!("{name} : ")))
        .unwrap_or_else(|| panic!("no {name} in\n{report}"))
        .trim_end()
}

/// `GET path` on the RM's web port; the JSON body.
fn rest(cluster: &MiniCluster, path: &str) -> serde_json::Value {
    let address = cluster.resourcemanager().unwrap().addresses().webapp;
    let (status, body) =
        tusk_tests::http(&address.to_string(), &format!("GET {path} HTTP/1.1"), b"");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn capacity_scheduler(conf_dir: &Path, queues: &[(&str, &str)]) {
    let mut text = String::from("<?xml version=\"1.0\"?>\n<configuration>\n");
    let names: Vec<&str> = queues.iter().map(|(name, _)| *name).collect();
    text.push_str(&format!(
        "<property><name>yarn.scheduler.capacity.root.queues</name><value>{}</value></property>\n",
        names.join(",")
    ));
    for (name, capacity) in queues {
        text.push_str(&format!(
            "<property><name>yarn.scheduler.capacity.root.{name}.capacity</name><value>{capacity}</value></property>\n"
        ));
    }
    text.push_str("</configuration>\n");
    std::fs::write(conf_dir.join("capacity-scheduler.xml"), text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmadmin_moves_priorities_decommissioning_top_and_container_logs() {
    let hosts = tempfile::tempdir().unwrap();
    let exclude = hosts.path().join("yarn.exclude");
    std::fs::write(&exclude, "").unwrap();
    let cluster = MiniCluster::builder()
        .datanodes(2)
        .nodemanagers(2)
        .set("yarn.cluster.max-application-priority", "10")
        .set(
            "yarn.resourcemanager.nodes.exclude-path",
            &exclude.display().to_string(),
        )
        .build()
        .await
        .unwrap();
    cluster.wait_nodemanagers(2, TIMEOUT).await.unwrap();
    let conf_dir = cluster.conf_dir();
    let mut shell = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "sleep 300",
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            "movable",
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let app = app_named(&client, "movable").await.application_id;
    eventually(TIMEOUT, "the shell container to run", async || {
        let report = client.application_report(&app).await.ok()?;
        (report.running_containers == 2).then_some(())
    })
    .await;

    // A new queue from capacity-scheduler.xml, once the RM reads it again.
    let (code, _, _) = yarn(&conf_dir, &["queue", "-status", "etl"]);
    assert_eq!(code, 1, "no etl queue yet");
    capacity_scheduler(&conf_dir, &[("default", "50"), ("etl", "50")]);
    let (code, out, err) = yarn(&conf_dir, &["rmadmin", "-refreshQueues"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, report, err) = yarn(&conf_dir, &["queue", "-status", "etl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(field(&report, "Capacity"), "50.00%");

    // The application moves with what it holds.
    let (code, out, err) = yarn(
        &conf_dir,
        &["application", "-movetoqueue", &app, "-queue", "etl"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("Moving application {app} to queue etl\nSuccessfully completed move.\n")
    );
    let (_, report, _) = yarn(&conf_dir, &["application", "-status", &app]);
    assert_eq!(field(&report, "Queue"), "etl");
    assert_eq!(
        rest(&cluster, &format!("/ws/v1/cluster/apps/{app}/queue"))["queue"],
        "etl"
    );
    let (_, etl, _) = yarn(&conf_dir, &["queue", "-status", "etl"]);
    let (_, default, _) = yarn(&conf_dir, &["queue", "-status", "default"]);
    assert_ne!(field(&etl, "Current Capacity"), ".00%", "{etl}");
    // Hadoop's DecimalFormat("#.00") of nothing.
    assert_eq!(field(&default, "Current Capacity"), ".00%", "{default}");
    let (code, _, err) = yarn(
        &conf_dir,
        &["application", "-movetoqueue", &app, "-queue", "nosuch"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("unknown queue: nosuch"), "{err}");
    // A queue with an application in it cannot go away.
    capacity_scheduler(&conf_dir, &[("default", "100")]);
    let (code, _, err) = yarn(&conf_dir, &["rmadmin", "-refreshQueues"]);
    assert_eq!(code, 255);
    assert!(
        err.starts_with(
            "refreshQueues: root.etl is deleted from the new capacity scheduler configuration"
        ),
        "{err}"
    );

    // Priorities, capped at yarn.cluster.max-application-priority.
    let (code, out, err) = yarn(
        &conf_dir,
        &["application", "-appId", &app, "-updatePriority", "5"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "Updating priority of an application {app}\nSuccessfully updated the application {app} with priority '5'\n"
        )
    );
    let (_, report, _) = yarn(&conf_dir, &["application", "-status", &app]);
    assert_eq!(field(&report, "Application Priority"), "5");
    let (code, out, _) = yarn(
        &conf_dir,
        &["application", "-appId", &app, "-updatePriority", "50"],
    );
    assert_eq!(code, 0);
    assert!(
        out.ends_with(&format!(
            "Updated priority of an application  {app} to cluster max priority OR keeping old priority as application is in final states\n"
        )),
        "{out}"
    );
    assert_eq!(
        rest(&cluster, &format!("/ws/v1/cluster/apps/{app}/priority"))["priority"],
        10
    );
    assert_eq!(
        rest(&cluster, &format!("/ws/v1/cluster/apps/{app}"))["app"]["priority"],
        10
    );

    // `yarn top`, printed once into a pipe.
    let (code, out, err) = yarn(&conf_dir, &["top", "-rows", "10"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("YARN top - "), "{out}");
    assert!(
        lines[0].ends_with(", 1 active users, queue(s): root"),
        "{out}"
    );
    assert_eq!(
        lines[1],
        "NodeManager(s): 2 total, 2 active, 0 unhealthy, 0 decommissioned, 0 lost, 0 rebooted"
    );
    assert!(
        lines[2].starts_with("Queue(s) Applications: 1 running, 1 submitted, 0 pending, "),
        "{out}"
    );
    assert!(lines[3].starts_with("Queue(s) Mem(GB): "), "{out}");
    assert!(lines[4].starts_with("Queue(s) VCores: "), "{out}");
    assert_eq!(
        lines[5],
        "Queue(s) Containers: 2 allocated, 0 pending, 0 reserved"
    );
    assert_eq!(lines[6], "");
    assert_eq!(
        lines[7].split_whitespace().collect::<Vec<_>>(),
        [
            "APPLICATIONID",
            "USER",
            "TYPE",
            "QUEUE",
            "#CONT",
            "#RCONT",
            "VCORES",
            "RVCORES",
            "MEM",
            "RMEM",
            "VCORESECS",
            "MEMSECS",
            "%PROGR",
            "TIME",
            "NAME"
        ]
    );
    let row: Vec<&str> = lines[8].split_whitespace().collect();
    assert_eq!(
        (row[0], row[3], row[4]),
        (app.as_str(), "etl", "2"),
        "{out}"
    );
    assert_eq!(row.last(), Some(&"movable"));

    // Decommissioning the node the AM is not on.
    let am_host = client.application_report(&app).await.unwrap().am_host;
    let victim = (0..2)
        .find(|&index| minicluster::datanode_host(index) != am_host)
        .unwrap();
    let victim_id = cluster.nodemanager(victim).unwrap().node_id().to_string();
    std::fs::write(&exclude, format!("# leaving\n{victim_id}\n")).unwrap();
    let (code, _, err) = yarn(&conf_dir, &["rmadmin", "-refreshNodes"]);
    assert_eq!(code, 0, "{err}");
    let (_, listing, _) = yarn(&conf_dir, &["node", "-list", "-all"]);
    let state_of = |id: &str| {
        listing
            .lines()
            .find(|line| line.trim_start().starts_with(id))
            .map(|line| line.split('\t').nth(1).unwrap().trim().to_string())
    };
    assert_eq!(
        state_of(&victim_id).as_deref(),
        Some("DECOMMISSIONED"),
        "{listing}"
    );
    let (_, details, _) = yarn(&conf_dir, &["node", "-list", "-showDetails"]);
    assert!(details.starts_with("Total Nodes:1\n"), "{details}");
    assert!(
        details.contains("Detailed Node Information :\n\tConfigured Resources : <memory:"),
        "{details}"
    );
    assert!(details.contains("\tNode-Labels : \n"), "{details}");
    let (_, out, _) = yarn(&conf_dir, &["top"]);
    assert_eq!(
        out.lines().nth(1),
        Some(
            "NodeManager(s): 2 total, 1 active, 0 unhealthy, 1 decommissioned, 0 lost, 0 rebooted"
        )
    );

    // The service state, with and without HA configured.
    let (code, out, _) = yarn(&conf_dir, &["rmadmin", "-getServiceState", "rm1"]);
    assert_eq!(code, 255);
    assert_eq!(
        out,
        "Cannot run -getServiceState when ResourceManager HA is not enabled\n"
    );
    let admin = cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .admin
        .to_string();
    let ha = [
        "-D",
        "yarn.resourcemanager.ha.enabled=true",
        "-D",
        "yarn.resourcemanager.ha.rm-ids=rm1",
        "-D",
    ];
    let address = format!("yarn.resourcemanager.admin.address.rm1={admin}");
    let mut args = vec!["rmadmin"];
    args.extend(ha);
    args.extend([address.as_str(), "-getServiceState", "rm1"]);
    let (code, out, err) = yarn(&conf_dir, &args);
    assert_eq!((code, out.as_str()), (0, "active\n"), "{err}");
    args.pop();
    args.push("rm2");
    let (code, _, err) = yarn(&conf_dir, &args);
    assert_eq!(code, 255);
    assert_eq!(
        err,
        "Illegal argument: rm2 is not a valid serviceId. It should be one of rm1 \n"
    );
    let (code, _, err) = yarn(&conf_dir, &["rmadmin", "-refreshBogus"]);
    assert_eq!(code, 255);
    assert!(
        err.starts_with("refreshBogus: Unknown command\nUsage: yarn rmadmin\n"),
        "{err}"
    );
    let (code, out, _) = yarn(&conf_dir, &["rmadmin", "-help"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("rmadmin is the command to execute YARN administrative commands.\n"),
        "{out}"
    );
    client.kill_application(&app).await.unwrap();
    let _ = shell.kill();
    let _ = shell.wait();

    // One container's logs, and one of its files.
    let mut shell = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "echo hello from $CONTAINER_ID; echo oops >&2",
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            "echoes",
        ],
    );
    let echoes = app_named(&client, "echoes").await.application_id;
    wait_final(&client, &echoes, TIMEOUT).await;
    let all = aggregated_logs(&conf_dir, &echoes).await;
    let container = all
        .lines()
        .filter_map(|line| line.strip_prefix("Container: "))
        .map(|rest| rest.split(' ').next().unwrap().to_string())
        .find(|id| !id.ends_with("_000001"))
        .expect("a shell container");
    let (code, out, err) = yarn(&conf_dir, &["logs", "-containerId", &container]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("Container: {container} on ")),
        "{out}"
    );
    assert_eq!(out.matches("Container: ").count(), 1, "{out}");
    assert!(out.contains(&format!("hello from {container}")), "{out}");
    assert!(out.contains("LogType:stderr\n"), "{out}");
    let (code, out, _) = yarn(
        &conf_dir,
        &[
            "logs",
            "-applicationId",
            &echoes,
            "-containerId",
            &container,
            "-log_files",
            "stdout",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("LogType:stdout\n") && !out.contains("LogType:stderr"),
        "{out}"
    );
    assert!(out.contains("End of LogType:stdout\n"), "{out}");
    let (code, _, err) = yarn(
        &conf_dir,
        &["logs", "-containerId", &container, "-log_files", "nosuch"],
    );
    assert_eq!(code, 255);
    assert!(
        err.contains(&format!(
            "Can not find any log file matching the pattern: [nosuch] for the container: {container} within the application: {echoes}"
        )),
        "{err}"
    );
    let _ = shell.wait();
    cluster.shutdown().await;
}

fn mapred(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(tusk_tests::binary("mapred"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The running attempt of the map with `index`, once there is one.
async fn running_attempt(conf_dir: &Path, job: &str, index: u32, number: u32) -> String {
    let wanted = format!("_m_{index:06}_{number}");
    eventually(
        TIMEOUT,
        &format!("map attempt {wanted} to run"),
        async || {
            let (code, out, _) = mapred(
                conf_dir,
                &["job", "-list-attempt-ids", job, "MAP", "running"],
            );
            (code == 0)
                .then(|| {
                    out.lines()
                        .find(|line| line.ends_with(&wanted))
                        .map(str::to_string)
                })
                .flatten()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapred_kills_and_fails_attempts_and_reads_events_history_and_logs() {
    let cluster = MiniCluster::builder()
        .datanodes(2)
        .nodemanagers(2)
        .build()
        .await
        .unwrap();
    cluster.wait_nodemanagers(2, TIMEOUT).await.unwrap();
    let conf_dir = cluster.conf_dir();
    let client = cluster.client().unwrap();
    let datanodes = cluster.num_datanodes();
    eventually(TIMEOUT, "the DataNodes to register", async || {
        let live = client
            .datanode_report(proto::hdfs::DatanodeReportType::Live)
            .await
            .ok()?;
        (live.len() == datanodes).then_some(())
    })
    .await;
    tusk_tests::write_file(&client, "/in/a.txt", b"one\n", 1, 1024 * 1024).await;
    tusk_tests::write_file(&client, "/in/b.txt", b"two\n", 1, 1024 * 1024).await;
    let job = tokio::process::Command::new(tusk_tests::binary("mapred"))
        .args([
            "streaming",
            "-D",
            "mapreduce.job.name=sleepy",
            "-D",
            "mapreduce.map.speculative=false",
            "-input",
            "/in",
            "-output",
            "/out",
            "-mapper",
            "sleep 8",
            "-numReduceTasks",
            "0",
        ])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let yarn_client = cluster.yarn_client().unwrap();
    let app = app_named(&yarn_client, "sleepy").await.application_id;
    let job_id = app.replacen("application_", "job_", 1);

    let killed = running_attempt(&conf_dir, &job_id, 0, 0).await;
    let (code, out, err) = mapred(&conf_dir, &["job", "-kill-task", &killed]);
    assert_eq!(
        (code, out.as_str()),
        (0, format!("Killed task {killed}\n").as_str()),
        "{err}"
    );
    let failed = running_attempt(&conf_dir, &job_id, 1, 0).await;
    let (code, out, err) = mapred(&conf_dir, &["job", "-fail-task", &failed]);
    assert_eq!(
        (code, out.as_str()),
        (0, format!("Killed task {failed} by failing it\n").as_str()),
        "{err}"
    );
    // Each task runs a new attempt; the old ones are over.
    running_attempt(&conf_dir, &job_id, 0, 1).await;
    running_attempt(&conf_dir, &job_id, 1, 1).await;
    let (code, out, _) = mapred(&conf_dir, &["job", "-kill-task", &killed]);
    assert_eq!(
        (code, out.as_str()),
        (255, format!("Could not kill task {killed}\n").as_str())
    );

    let output = job.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("\t\tFailed map tasks=1\n"), "{stderr}");
    assert!(stderr.contains("\t\tKilled map tasks=1\n"), "{stderr}");

    // The events, in the order the attempts ended.
    let (code, out, err) = mapred(&conf_dir, &["job", "-events", &job_id, "0", "10"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("Task completion events for {job_id}"));
    assert_eq!(lines[1], "Number of events (from 0) are: 4");
    assert!(
        lines[2..]
            .iter()
            .any(|line| line.starts_with(&format!("KILLED {killed} http://"))),
        "{out}"
    );
    assert!(
        lines[2..]
            .iter()
            .any(|line| line.starts_with(&format!("FAILED {failed} http://"))),
        "{out}"
    );
    assert!(
        lines[2..].iter().all(|line| line.ends_with(&format!(
            "/tasklog?plaintext=true&attemptid={}",
            line.split(' ').nth(1).unwrap()
        ))),
        "{out}"
    );
    let (_, out, _) = mapred(&conf_dir, &["job", "-events", &job_id, "3", "10"]);
    assert!(out.contains("Number of events (from 3) are: 1\n"), "{out}");

    let (code, out, _) = mapred(
        &conf_dir,
        &["job", "-list-attempt-ids", &job_id, "MAP", "completed"],
    );
    assert_eq!(code, 0);
    let mut completed: Vec<&str> = out.lines().collect();
    completed.sort_unstable();
    assert_eq!(
        completed,
        [
            killed.replace("_m_000000_0", "_m_000000_1"),
            failed.replace("_m_000001_0", "_m_000001_1")
        ]
    );
    let (code, out, _) = mapred(
        &conf_dir,
        &["job", "-list-attempt-ids", &job_id, "SETUP", "running"],
    );
    assert_eq!(
        (code, out.as_str()),
        (255, "Error: Invalid task-type: SETUP\n")
    );

    // The history, from the job's history record.
    let (code, out, err) = mapred(&conf_dir, &["job", "-history", &job_id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "\nHadoop job: {job_id}\n=====================================\nUser: "
        )),
        "{out}"
    );
    assert!(out.contains("\nJobName: sleepy\n"), "{out}");
    assert!(out.contains("\nStatus: SUCCEEDED\n"), "{out}");
    assert!(out.contains("\nMap\t2\t2\t\t1\t1\t"), "{out}");
    assert!(out.contains("\nFAILED task attempts by nodes\n"), "{out}");
    assert!(out.contains("\nKILLED task attempts by nodes\n"), "{out}");
    let (_, all, _) = mapred(&conf_dir, &["job", "-history", "all", &job_id]);
    assert!(
        all.contains(&format!("\nMAP task list for {job_id}\n")),
        "{all}"
    );
    let attempt_line = all
        .lines()
        .find(|line| line.starts_with(&killed))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(attempt_line.contains("Kill task attempt"), "{attempt_line}");

    // Logs of an attempt and of the AM, once aggregated.
    aggregated_logs(&conf_dir, &app).await;
    let winner = killed.replace("_m_000000_0", "_m_000000_1");
    let (code, out, err) = mapred(&conf_dir, &["job", "-logs", &job_id, &winner]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Container: container_"), "{out}");
    assert_eq!(out.matches("Container: ").count(), 1, "{out}");
    let (code, out, err) = mapred(&conf_dir, &["job", "-logs", &job_id]);
    assert_eq!(code, 0, "{err}");
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Container: container_") && first.contains("_01_000001 on "),
        "{out}"
    );
    let (code, _, err) = mapred(&conf_dir, &["job", "-bogus"]);
    assert_eq!(code, 255);
    assert!(
        err.starts_with("Usage: mapred job <command> <args>\n"),
        "{err}"
    );
    cluster.shutdown().await;
}
