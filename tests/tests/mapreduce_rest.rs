//! Tracking URLs end to end on real sockets: a MapReduce job's AM serves
//! Hadoop's `/ws/v1/mapreduce` API on its own port and registers it; the
//! ResourceManager shows the proxied tracking URL (REST and `yarn
//! application -status`), its web proxy forwards to the AM while the job
//! runs and redirects to the history server's job page once it is done;
//! an unknown application is a RemoteException 404.

use std::time::Duration;

use minicluster::MiniCluster;
use serde_json::Value;
use tusk_tests::eventually;
use tusk_tests::web::{get, get_json};
use tusk_tests::yarn::yarn;

/// How long the job's milestones may take.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Samples per map of the `pi` job: enough for it to run several seconds.
const SAMPLES: &str = "40000000";

fn assert_fields(object: &Value, fields: &[&str]) {
    for field in fields {
        assert!(object.get(*field).is_some(), "no {field} in {object}");
    }
}

/// The running application named `name` once its AM registered a tracking URL.
async fn running_app(rm: &str, name: &str) -> Value {
    eventually(TIMEOUT, "the job's AM registered", async || {
        let apps = get_json(rm, "/ws/v1/cluster/apps?states=RUNNING").await;
        apps["apps"]["app"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|app| app["name"] == name && app["trackingUrl"].is_string())
            .cloned()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_am_is_tracked_through_the_resourcemanager_proxy() {
    let history = format!("127.0.0.1:{}", tusk_tests::free_port());
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .nodemanagers(2)
        .set("mapreduce.jobhistory.webapp.address", &history)
        .build()
        .await
        .unwrap();
    cluster
        .wait_nodemanagers(2, TIMEOUT)
        .await
        .expect("NodeManagers registered");
    let conf_dir = cluster.conf_dir();
    let rm = cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .webapp
        .to_string();
    let job = tokio::process::Command::new(tusk_tests::binary("pi"))
        .args(["2", SAMPLES])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // The RM shows the proxy's link, in REST and on the command line.
    let app = running_app(&rm, "QuasiMonteCarlo").await;
    let app_id = app["id"].as_str().unwrap().to_string();
    let proxied = format!("http://{rm}/proxy/{app_id}/");
    assert_eq!(app["trackingUrl"], proxied.as_str(), "{app}");
    assert_eq!(app["trackingUI"], "ApplicationMaster", "{app}");
    let (code, stdout, stderr) = yarn(&conf_dir, &["application", "-status", &app_id]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("Tracking-URL : {proxied}")),
        "{stdout}"
    );

    // The AM's REST API through the proxy.
    let base = format!("/proxy/{app_id}/ws/v1/mapreduce");
    let info = get_json(&rm, &format!("{base}/info")).await;
    assert_eq!(info["info"]["appId"], app_id.as_str(), "{info}");
    let jobs = get_json(&rm, &format!("{base}/jobs")).await;
    let job_info = &jobs["jobs"]["job"][0];
    assert_fields(
        job_info,
        &[
            "id",
            "name",
            "user",
            "state",
            "startTime",
            "finishTime",
            "elapsedTime",
            "mapsTotal",
            "mapsCompleted",
            "reducesTotal",
            "reducesCompleted",
            "mapProgress",
            "reduceProgress",
            "mapsPending",
            "mapsRunning",
            "reducesPending",
            "reducesRunning",
            "uberized",
            "diagnostics",
            "newMapAttempts",
            "runningMapAttempts",
            "failedMapAttempts",
            "killedMapAttempts",
            "successfulMapAttempts",
            "newReduceAttempts",
            "runningReduceAttempts",
            "failedReduceAttempts",
            "killedReduceAttempts",
            "successfulReduceAttempts",
        ],
    );
    let job_id = job_info["id"].as_str().unwrap().to_string();
    assert_eq!(job_id, app_id.replacen("application_", "job_", 1));
    assert_eq!(job_info["name"], "QuasiMonteCarlo");
    assert_eq!(job_info["state"], "RUNNING");
    assert_eq!(job_info["mapsTotal"], 2);
    assert_eq!(job_info["reducesTotal"], 1);
    let one = get_json(&rm, &format!("{base}/jobs/{job_id}")).await;
    assert_eq!(one["job"]["id"], job_id.as_str());

    // A map attempt running in a container of a NodeManager.
    let jobs_path = format!("{base}/jobs/{job_id}");
    let (task_id, attempt) = eventually(TIMEOUT, "a map attempt runs", async || {
        let tasks = get_json(&rm, &format!("{jobs_path}/tasks?type=m")).await;
        for task in tasks["tasks"]["task"].as_array()? {
            let id = task["id"].as_str()?;
            let attempts = get_json(&rm, &format!("{jobs_path}/tasks/{id}/attempts")).await;
            let running = attempts["taskAttempts"]["taskAttempt"]
                .as_array()?
                .iter()
                .find(|attempt| attempt["state"] == "RUNNING")
                .cloned();
            if let Some(attempt) = running {
                return Some((id.to_string(), attempt));
            }
        }
        None
    })
    .await;
    assert_fields(
        &attempt,
        &[
            "id",
            "state",
            "progress",
            "startTime",
            "finishTime",
            "elapsedTime",
            "rack",
            "nodeHttpAddress",
            "diagnostics",
            "type",
            "assignedContainerId",
        ],
    );
    assert_eq!(attempt["type"], "MAP");
    assert!(
        attempt["assignedContainerId"]
            .as_str()
            .unwrap()
            .starts_with("container_"),
        "{attempt}"
    );
    assert!(attempt["startTime"].as_i64().unwrap() > 0, "{attempt}");
    let attempt_id = attempt["id"].as_str().unwrap();
    let task = get_json(&rm, &format!("{jobs_path}/tasks/{task_id}")).await;
    assert_fields(
        &task["task"],
        &[
            "id",
            "state",
            "type",
            "progress",
            "startTime",
            "finishTime",
            "elapsedTime",
            "successfulAttempt",
        ],
    );
    assert_eq!(task["task"]["type"], "MAP");
    let one_attempt = get_json(
        &rm,
        &format!("{jobs_path}/tasks/{task_id}/attempts/{attempt_id}"),
    )
    .await;
    assert_eq!(one_attempt["taskAttempt"]["id"], attempt_id);
    let reduces = get_json(&rm, &format!("{jobs_path}/tasks?type=r")).await;
    for task in reduces["tasks"]["task"].as_array().unwrap() {
        assert_eq!(task["type"], "REDUCE", "{reduces}");
    }
    let bad_type = get(&rm, &format!("{jobs_path}/tasks?type=x")).await;
    assert_eq!(bad_type.status, 400);
    assert_eq!(bad_type.exception().0, "BadRequestException");
    let missing_task = get(&rm, &format!("{jobs_path}/tasks/task_1_0001_m_000099")).await;
    assert_eq!(missing_task.status, 404);

    // Counters: the job counter of launched maps, with its values by kind.
    let counters = get_json(&rm, &format!("{jobs_path}/counters")).await;
    assert_eq!(counters["jobCounters"]["id"], job_id.as_str());
    let launched = counters["jobCounters"]["counterGroup"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|group| group["counterGroupName"] == "org.apache.hadoop.mapreduce.JobCounter")
        .flat_map(|group| group["counter"].as_array().unwrap().clone())
        .find(|counter| counter["name"] == "TOTAL_LAUNCHED_MAPS")
        .unwrap_or_else(|| panic!("no TOTAL_LAUNCHED_MAPS in {counters}"));
    assert_fields(
        &launched,
        &[
            "name",
            "totalCounterValue",
            "mapCounterValue",
            "reduceCounterValue",
        ],
    );
    assert!(launched["totalCounterValue"].as_u64().unwrap() >= 1);

    // Once the job is done, the proxy sends clients to the job history.
    let output = job.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = eventually(TIMEOUT, "the proxy redirects", async || {
        let reply = get(&rm, &format!("/proxy/{app_id}/")).await;
        (reply.status == 302).then_some(reply)
    })
    .await;
    assert_eq!(
        after.header("location"),
        Some(format!("http://{history}/jobhistory/job/{job_id}").as_str())
    );
    let finished = get_json(&rm, &format!("/ws/v1/cluster/apps/{app_id}")).await;
    assert_eq!(finished["app"]["trackingUrl"], proxied.as_str());
    assert_eq!(finished["app"]["trackingUI"], "History");

    // An application the RM never had.
    let unknown = get(&rm, "/proxy/application_1_9999/ws/v1/mapreduce/jobs").await;
    assert_eq!(unknown.status, 404);
    let (exception, message) = unknown.exception();
    assert_eq!(exception, "NotFoundException");
    assert!(message.contains("application_1_9999"), "{message}");
    cluster.shutdown().await;
}
