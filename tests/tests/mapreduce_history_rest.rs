//! The JobHistoryServer's REST API over a finished job: a wordcount runs on
//! a mini-cluster of two NodeManagers, its AM records every task and
//! attempt in the job history, and the history server answers Hadoop's
//! job, counters, conf, jobattempts, tasks, task, attempts, attempt and
//! counters resources from it, with Hadoop's RemoteException bodies for
//! unknown ids and bad parameters.

use std::time::Duration;

use minicluster::MiniCluster;
use serde_json::Value;
use tusk_tests::web::{get, get_json};
use tusk_tests::write_file;

const BLOCK: u64 = 1024 * 1024;
/// Lines per input file: every word below appears once per line.
const LINES: usize = 500;
/// How long the cluster may take to come up.
const TIMEOUT: Duration = Duration::from_secs(120);

/// `GET target` fails with `status`, `exception` and a message containing
/// `message`.
async fn assert_fails(address: &str, target: &str, status: u16, exception: &str, message: &str) {
    let reply = get(address, target).await;
    assert_eq!(reply.status, status, "GET {target}");
    let (thrown, text) = reply.exception();
    assert_eq!(thrown, exception, "GET {target}: {text}");
    assert!(text.contains(message), "GET {target}: {text}");
}

fn assert_fields(object: &Value, fields: &[&str]) {
    for field in fields {
        assert!(object.get(*field).is_some(), "no {field} in {object}");
    }
}

fn array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
}

/// `(group, name) -> counter` of a counters document's groups.
fn counter<'a>(groups: &'a Value, group_suffix: &str, name: &str) -> &'a Value {
    array(groups)
        .iter()
        .filter(|group| {
            group["counterGroupName"]
                .as_str()
                .is_some_and(|group| group.ends_with(group_suffix))
        })
        .flat_map(|group| array(&group["counter"]))
        .find(|counter| counter["name"] == name)
        .unwrap_or_else(|| panic!("no counter {name} in {groups}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_history_server_serves_every_job_resource() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .nodemanagers(2)
        .build()
        .await
        .unwrap();
    cluster
        .wait_nodemanagers(2, TIMEOUT)
        .await
        .expect("NodeManagers registered");
    let client = cluster.client().unwrap();
    let text = "apple banana cherry\n".repeat(LINES);
    write_file(&client, "/in/one.txt", text.as_bytes(), 2, BLOCK).await;
    write_file(&client, "/in/two.txt", text.as_bytes(), 2, BLOCK).await;

    let output = tokio::process::Command::new(tusk_tests::binary("wordcount"))
        .args(["-D", "mapreduce.job.reduces=2", "/in", "/out"])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let job_id = stderr
        .lines()
        .find_map(|line| line.split("Running job: ").nth(1))
        .expect("the client named its job")
        .trim()
        .to_string();

    let mut conf = cluster.conf().clone();
    conf.set("mapreduce.jobhistory.webapp.address", "127.0.0.1:0");
    let server = mapreduce::yarn::historyserver::HistoryServer::start(&conf)
        .await
        .expect("JobHistoryServer starts");
    let jhs = server.web_address().to_string();
    let base = format!("/ws/v1/history/mapreduce/jobs/{job_id}");

    // The job: Hadoop's history JobInfo.
    let job = get_json(&jhs, &base).await;
    let job = &job["job"];
    assert_fields(
        job,
        &[
            "submitTime",
            "startTime",
            "finishTime",
            "id",
            "name",
            "queue",
            "user",
            "state",
            "mapsTotal",
            "mapsCompleted",
            "reducesTotal",
            "reducesCompleted",
            "uberized",
            "diagnostics",
            "avgMapTime",
            "avgReduceTime",
            "avgShuffleTime",
            "avgMergeTime",
            "failedReduceAttempts",
            "killedReduceAttempts",
            "successfulReduceAttempts",
            "failedMapAttempts",
            "killedMapAttempts",
            "successfulMapAttempts",
        ],
    );
    assert_eq!(job["id"], job_id.as_str(), "{job}");
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["name"], "word count", "{job}");
    assert_eq!(job["mapsTotal"], 2, "{job}");
    assert_eq!(job["mapsCompleted"], 2, "{job}");
    assert_eq!(job["reducesTotal"], 2, "{job}");
    assert_eq!(job["reducesCompleted"], 2, "{job}");
    assert_eq!(job["successfulMapAttempts"], 2, "{job}");
    assert_eq!(job["successfulReduceAttempts"], 2, "{job}");
    assert_eq!(job["failedMapAttempts"], 0, "{job}");
    assert_eq!(job["uberized"], false, "{job}");
    assert!(job["avgMapTime"].as_i64().unwrap() > 0, "{job}");
    assert!(job["avgReduceTime"].as_i64().unwrap() > 0, "{job}");
    assert_eq!(job["avgShuffleTime"], 0, "{job}");
    assert!(
        job["finishTime"].as_i64().unwrap() >= job["startTime"].as_i64().unwrap(),
        "{job}"
    );

    // Counters: map + reduce = total for task counters; the job's own
    // counters belong to no kind.
    let counters = get_json(&jhs, &format!("{base}/counters")).await;
    assert_eq!(counters["jobCounters"]["id"], job_id.as_str());
    let groups = &counters["jobCounters"]["counterGroup"];
    for group in array(groups) {
        let job_group = group["counterGroupName"]
            .as_str()
            .unwrap()
            .ends_with("JobCounter");
        for counter in array(&group["counter"]) {
            assert_fields(
                counter,
                &[
                    "name",
                    "totalCounterValue",
                    "mapCounterValue",
                    "reduceCounterValue",
                ],
            );
            let total = counter["totalCounterValue"].as_u64().unwrap();
            let map = counter["mapCounterValue"].as_u64().unwrap();
            let reduce = counter["reduceCounterValue"].as_u64().unwrap();
            if job_group {
                assert_eq!((map, reduce), (0, 0), "{counter}");
            } else {
                assert_eq!(map + reduce, total, "{counter}");
            }
        }
    }
    let input_records = counter(groups, "TaskCounter", "MAP_INPUT_RECORDS");
    assert_eq!(input_records["totalCounterValue"], 2 * LINES, "{groups}");
    assert_eq!(input_records["mapCounterValue"], 2 * LINES, "{groups}");
    let reduce_output = counter(groups, "TaskCounter", "REDUCE_OUTPUT_RECORDS");
    assert_eq!(reduce_output["totalCounterValue"], 3, "{groups}");
    assert_eq!(reduce_output["reduceCounterValue"], 3, "{groups}");
    let launched = counter(groups, "JobCounter", "TOTAL_LAUNCHED_MAPS");
    assert!(launched["totalCounterValue"].as_u64().unwrap() >= 2);

    // Tasks, by kind and one by one, with their attempts and counters.
    let tasks = get_json(&jhs, &format!("{base}/tasks")).await;
    let tasks = array(&tasks["tasks"]["task"]).clone();
    assert_eq!(tasks.len(), 4, "{tasks:?}");
    for (kind, letter, name) in [("m", "_m_", "MAP"), ("r", "_r_", "REDUCE")] {
        let of_kind = get_json(&jhs, &format!("{base}/tasks?type={kind}")).await;
        let of_kind = array(&of_kind["tasks"]["task"]);
        assert_eq!(of_kind.len(), 2, "{of_kind:?}");
        for task in of_kind {
            assert_eq!(task["type"], name, "{task}");
            assert!(task["id"].as_str().unwrap().contains(letter), "{task}");
        }
    }
    let job_number = job_id.trim_start_matches("job_");
    let mut map_input_records = 0;
    for listed in &tasks {
        let task_id = listed["id"].as_str().unwrap();
        assert!(
            task_id.starts_with(&format!("task_{job_number}_")),
            "{task_id}"
        );
        let task_base = format!("{base}/tasks/{task_id}");
        let task = get_json(&jhs, &task_base).await;
        let task = &task["task"];
        assert_fields(
            task,
            &[
                "startTime",
                "finishTime",
                "elapsedTime",
                "progress",
                "id",
                "state",
                "type",
                "successfulAttempt",
            ],
        );
        assert_eq!(task, listed);
        assert_eq!(task["state"], "SUCCEEDED", "{task}");
        assert_eq!(task["progress"], 100.0, "{task}");
        assert!(task["elapsedTime"].as_i64().unwrap() > 0, "{task}");
        let successful = task["successfulAttempt"].as_str().unwrap();
        assert!(
            successful.starts_with(&format!("attempt_{job_number}_")),
            "{task}"
        );

        let attempts = get_json(&jhs, &format!("{task_base}/attempts")).await;
        let attempts = array(&attempts["taskAttempts"]["taskAttempt"]);
        assert!(
            attempts.iter().any(|attempt| attempt["id"] == successful),
            "{attempts:?}"
        );
        let attempt = get_json(&jhs, &format!("{task_base}/attempts/{successful}")).await;
        let attempt = &attempt["taskAttempt"];
        assert_fields(
            attempt,
            &[
                "startTime",
                "finishTime",
                "elapsedTime",
                "progress",
                "id",
                "rack",
                "state",
                "nodeHttpAddress",
                "diagnostics",
                "type",
                "assignedContainerId",
            ],
        );
        assert_eq!(attempt["state"], "SUCCEEDED", "{attempt}");
        assert_eq!(attempt["type"], task["type"], "{attempt}");
        assert!(
            attempt["rack"] == "/r1" || attempt["rack"] == "/r2",
            "{attempt}"
        );
        assert!(
            attempt["assignedContainerId"]
                .as_str()
                .unwrap()
                .starts_with("container_"),
            "{attempt}"
        );
        assert!(
            !attempt["nodeHttpAddress"].as_str().unwrap().is_empty(),
            "{attempt}"
        );

        // A task's counters are its successful attempt's.
        let task_counters = get_json(&jhs, &format!("{task_base}/counters")).await;
        assert_eq!(task_counters["jobTaskCounters"]["id"], task_id);
        let attempt_counters =
            get_json(&jhs, &format!("{task_base}/attempts/{successful}/counters")).await;
        assert_eq!(
            attempt_counters["jobTaskAttemptCounters"]["id"], successful,
            "{attempt_counters}"
        );
        assert_eq!(
            task_counters["jobTaskCounters"]["taskCounterGroup"],
            attempt_counters["jobTaskAttemptCounters"]["taskAttemptCounterGroup"]
        );
        if task["type"] == "MAP" {
            let records = array(&task_counters["jobTaskCounters"]["taskCounterGroup"])
                .iter()
                .flat_map(|group| array(&group["counter"]))
                .find(|counter| counter["name"] == "MAP_INPUT_RECORDS")
                .and_then(|counter| counter["value"].as_u64())
                .unwrap();
            map_input_records += records;
        }

        // An attempt the task never had.
        let unknown = format!("{}_99", successful.rsplit_once('_').unwrap().0);
        assert_fails(
            &jhs,
            &format!("{task_base}/attempts/{unknown}"),
            404,
            "NotFoundException",
            &format!("task attempt not found with id {unknown}"),
        )
        .await;
    }
    assert_eq!(map_input_records, 2 * LINES as u64);

    // The configuration the job ran with, and its AM attempt.
    let job_conf = get_json(&jhs, &format!("{base}/conf")).await;
    let path = job_conf["conf"]["path"].as_str().unwrap();
    assert!(path.ends_with(&format!("/{job_id}_conf.xml")), "{path}");
    let property = |name: &str| {
        array(&job_conf["conf"]["property"])
            .iter()
            .find(|property| property["name"] == name)
            .map(|property| property["value"].clone())
    };
    assert_eq!(property("mapreduce.job.reduces"), Some(Value::from("2")));
    assert_eq!(
        property("mapreduce.job.name"),
        Some(Value::from("word count"))
    );
    let am_attempts = get_json(&jhs, &format!("{base}/jobattempts")).await;
    let am_attempts = array(&am_attempts["jobAttempts"]["jobAttempt"]);
    assert_eq!(am_attempts.len(), 1, "{am_attempts:?}");
    let am = &am_attempts[0];
    assert_fields(
        am,
        &[
            "id",
            "nodeId",
            "nodeHttpAddress",
            "containerId",
            "startTime",
            "logsLink",
        ],
    );
    assert_eq!(am["id"], 1, "{am}");
    assert!(
        am["containerId"]
            .as_str()
            .unwrap()
            .starts_with(&format!("container_{job_number}_01_")),
        "{am}"
    );
    assert_eq!(am["startTime"], job["startTime"], "{am}");

    // Hadoop's errors.
    assert_fails(
        &jhs,
        "/ws/v1/history/mapreduce/jobs/job_1_9999/tasks",
        404,
        "NotFoundException",
        "java.lang.Exception: job, job_1_9999, is not found",
    )
    .await;
    assert_fails(
        &jhs,
        "/ws/v1/history/mapreduce/jobs/nonsense",
        400,
        "BadRequestException",
        "Invalid JobId: nonsense",
    )
    .await;
    assert_fails(
        &jhs,
        &format!("{base}/tasks?type=x"),
        400,
        "BadRequestException",
        "tasktype must be either m or r",
    )
    .await;
    let unknown_task = format!("task_{job_number}_m_000099");
    for target in [
        format!("{base}/tasks/{unknown_task}"),
        format!("{base}/tasks/{unknown_task}/counters"),
        format!("{base}/tasks/{unknown_task}/attempts"),
    ] {
        assert_fails(
            &jhs,
            &target,
            404,
            "NotFoundException",
            &format!("task not found with id {unknown_task}"),
        )
        .await;
    }
    server.stop().await;
    cluster.shutdown().await;
}
