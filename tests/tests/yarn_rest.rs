//! YARN's REST APIs on real sockets of a mini-cluster: every
//! `/ws/v1/cluster` resource by Hadoop's field names, the `/apps` filters
//! both ways, a kill through `PUT .../state`, usage accounting against the
//! containers' lifetimes, Hadoop's error bodies, an XML answer, the
//! NodeManager's `/ws/v1/node`; and `yarn-api-client` from PyPI driving it.

use std::process::Command;
use std::time::Duration;

use minicluster::MiniCluster;
use serde_json::Value;
use tusk_tests::eventually;
use tusk_tests::yarn::{spawn_yarn, yarn};

async fn cluster() -> MiniCluster {
    let cluster = MiniCluster::builder()
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

fn rm_address(cluster: &MiniCluster) -> String {
    cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .webapp
        .to_string()
}

/// One request; (status, body as text).
fn request(address: &str, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    let head = format!("{method} {path} HTTP/1.1{headers}");
    tusk_tests::http(address, &head, body.as_bytes())
}

/// GET as JSON; (status, document).
fn get(address: &str, path: &str) -> (u16, Value) {
    let (status, body) = request(address, "GET", path, "", "");
    let document = serde_json::from_str(&body).unwrap_or_else(|error| {
        panic!("GET {path}: {status} {error}: {body}");
    });
    (status, document)
}

fn get_ok(address: &str, path: &str) -> Value {
    let (status, document) = get(address, path);
    assert_eq!(status, 200, "GET {path}: {document}");
    document
}

fn put(address: &str, path: &str, body: &str) -> (u16, Value) {
    let headers = "\r\nContent-Type: application/json";
    let (status, text) = request(address, "PUT", path, headers, body);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn app_ids(document: &Value) -> Vec<String> {
    document["apps"]["app"]
        .as_array()
        .unwrap_or_else(|| panic!("no apps.app: {document}"))
        .iter()
        .map(|app| app["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_fields(object: &Value, fields: &[&str]) {
    for field in fields {
        assert!(object.get(*field).is_some(), "no {field} in {object}");
    }
}

fn assert_remote_exception(document: &Value, exception: &str, message: &str) {
    let remote = &document["RemoteException"];
    assert_eq!(remote["exception"], exception, "{document}");
    assert_eq!(remote["message"], message, "{document}");
    let class = remote["javaClassName"].as_str().unwrap();
    assert!(class.ends_with(exception), "{document}");
}

/// Waits for the application named `name` to run with `containers` live.
async fn running_app(address: &str, name: &str, containers: u64) -> Value {
    eventually(
        Duration::from_secs(60),
        &format!("{name} running"),
        || async {
            let (_, apps) = get(address, "/ws/v1/cluster/apps?states=RUNNING");
            let app = apps["apps"]["app"]
                .as_array()?
                .iter()
                .find(|app| app["name"] == name)?
                .clone();
            (app["runningContainers"].as_u64()? >= containers).then_some(app)
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cluster_api_answers_as_hadoops() {
    let cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let rm = rm_address(&cluster);
    let user = common::user::current_user();

    let info = get_ok(&rm, "/ws/v1/cluster/info");
    let info = &info["clusterInfo"];
    assert_fields(
        info,
        &[
            "id",
            "startedOn",
            "resourceManagerVersion",
            "resourceManagerBuildVersion",
            "resourceManagerVersionBuiltOn",
            "hadoopVersion",
            "hadoopBuildVersion",
            "hadoopVersionBuiltOn",
            "rmStateStoreName",
        ],
    );
    assert_eq!(info["state"], "STARTED");
    assert_eq!(info["haState"], "ACTIVE");
    assert_eq!(
        info["haZooKeeperConnectionState"],
        "ResourceManager HA is not enabled."
    );
    assert_eq!(
        get_ok(&rm, "/ws/v1/cluster")["clusterInfo"]["id"],
        info["id"]
    );
    let metrics = get_ok(&rm, "/ws/v1/cluster/metrics")["clusterMetrics"].clone();
    assert_eq!(metrics["activeNodes"], 2);
    assert_eq!(metrics["totalNodes"], 2);
    assert_eq!(metrics["containersAllocated"], 0);
    assert_eq!(metrics["allocatedMB"], 0);
    assert_eq!(metrics["availableMB"], metrics["totalMB"]);
    assert!(metrics["totalVirtualCores"].as_i64().unwrap() > 0);

    // A finished application: two shell containers that each hold for 2 s.
    let (code, _, err) = yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "sleep 2",
            "-num_containers",
            "2",
            "-container_memory",
            "128",
            "-appname",
            "rest-done",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // A running one, killed below.
    let background = spawn_yarn(
        &conf_dir,
        &[
            "distributedshell",
            "-shell_command",
            "echo started; sleep 120",
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            "rest-running",
        ],
    );
    let running = running_app(&rm, "rest-running", 2).await;
    let running_id = running["id"].as_str().unwrap().to_string();
    let all = get_ok(&rm, "/ws/v1/cluster/apps");
    let ids = app_ids(&all);
    assert_eq!(ids.len(), 2, "{all}");
    let done_id = ids.iter().find(|id| **id != running_id).unwrap().clone();

    // Every filter, letting through and keeping out.
    let filtered = |query: &str| app_ids(&get_ok(&rm, &format!("/ws/v1/cluster/apps?{query}")));
    let both = vec![done_id.clone(), running_id.clone()];
    let none: Vec<String> = Vec::new();
    assert_eq!(filtered("states=FINISHED"), [done_id.as_str()]);
    assert_eq!(filtered("states=running,accepted"), [running_id.as_str()]);
    assert_eq!(filtered("state=RUNNING"), [running_id.as_str()]);
    assert_eq!(filtered("states=KILLED"), none);
    assert_eq!(filtered("finalStatus=SUCCEEDED"), [done_id.as_str()]);
    assert_eq!(filtered("finalStatus=UNDEFINED"), [running_id.as_str()]);
    assert_eq!(filtered(&format!("user={user}")), both);
    assert_eq!(filtered("user=somebody-else"), none);
    assert_eq!(filtered("queue=default"), both);
    assert_eq!(filtered("queue=other"), none);
    assert_eq!(filtered("limit=1"), [done_id.as_str()]);
    assert_eq!(filtered("applicationTypes=yarn,MAPREDUCE"), both);
    assert_eq!(filtered("applicationTypes=mapreduce"), none);
    assert_eq!(filtered("applicationTags=nightly"), none);
    let started = running["startedTime"].as_i64().unwrap();
    assert_eq!(
        filtered(&format!("startedTimeBegin={started}")),
        [running_id.as_str()]
    );
    assert_eq!(
        filtered(&format!("startedTimeEnd={}", started - 1)),
        [done_id.as_str()]
    );
    assert_eq!(filtered("finishedTimeBegin=1"), [done_id.as_str()]);
    assert_eq!(
        filtered(&format!("finishedTimeEnd={started}")),
        [done_id.as_str()]
    );

    // One application, every AppInfo field, usage against lifetimes.
    let done = get_ok(&rm, &format!("/ws/v1/cluster/apps/{done_id}"))["app"].clone();
    assert_fields(
        &done,
        &[
            "id",
            "user",
            "name",
            "queue",
            "state",
            "finalStatus",
            "progress",
            "trackingUI",
            "diagnostics",
            "clusterId",
            "applicationType",
            "applicationTags",
            "priority",
            "startedTime",
            "launchTime",
            "finishedTime",
            "elapsedTime",
            "amContainerLogs",
            "amHostHttpAddress",
            "allocatedMB",
            "allocatedVCores",
            "runningContainers",
            "memorySeconds",
            "vcoreSeconds",
            "queueUsagePercentage",
            "clusterUsagePercentage",
            "preemptedResourceMB",
            "preemptedResourceVCores",
            "numNonAMContainerPreempted",
            "numAMContainerPreempted",
            "logAggregationStatus",
            "unmanagedApplication",
            "amNodeLabelExpression",
        ],
    );
    assert_eq!(done["state"], "FINISHED");
    assert_eq!(done["finalStatus"], "SUCCEEDED");
    assert_eq!(done["user"], user.as_str());
    assert_eq!(done["name"], "rest-done");
    assert_eq!(done["applicationType"], "YARN");
    assert_eq!(done["progress"], 100.0);
    assert_eq!(done["runningContainers"], 0);
    assert_eq!(done["clusterId"], info["id"]);
    assert!(done["launchTime"].as_i64().unwrap() >= done["startedTime"].as_i64().unwrap());
    let elapsed_ms = done["elapsedTime"].as_i64().unwrap();
    assert_eq!(
        elapsed_ms,
        done["finishedTime"].as_i64().unwrap() - done["startedTime"].as_i64().unwrap()
    );
    assert!(
        done["amContainerLogs"].as_str().unwrap().contains(&format!(
            "/node/containerlogs/container_{}",
            &done_id["application_".len()..]
        )),
        "{done}"
    );
    let memory_seconds = done["memorySeconds"].as_i64().unwrap();
    let vcore_seconds = done["vcoreSeconds"].as_i64().unwrap();
    // Two shell containers of at least 128 MB and 1 vcore, 2 s each, at the
    // least; at most the whole cluster for the application's lifetime.
    assert!(memory_seconds >= 2 * 128 * 2, "{done}");
    assert!(vcore_seconds >= 2 * 2, "{done}");
    let cluster_mb = metrics["totalMB"].as_i64().unwrap();
    assert!(
        memory_seconds <= cluster_mb * (elapsed_ms / 1000 + 1),
        "{done}"
    );
    let (code, out, _) = yarn(&conf_dir, &["application", "-status", &done_id]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!(
            "\tAggregate Resource Allocation : {memory_seconds} MB-seconds, {vcore_seconds} vcore-seconds\n"
        )),
        "{out}"
    );
    let field = |name: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(&format!("\t{name} : ")))
            .unwrap_or_else(|| panic!("no {name} line: {out}"))
            .to_string()
    };
    let started: i64 = field("Start-Time").parse().unwrap();
    let launched: i64 = field("Launch-Time").parse().unwrap();
    assert!(launched >= started && started > 0, "{out}");
    assert_eq!(field("RPC Port"), "-1", "a shell AM has no RPC port: {out}");
    assert!(
        out.ends_with(
            "\tTimeoutType : LIFETIME\tExpiryTime : UNLIMITED\tRemainingTime : -1seconds\n\n"
        ),
        "{out}"
    );

    let attempts = get_ok(&rm, &format!("/ws/v1/cluster/apps/{done_id}/appattempts"));
    let attempt = &attempts["appAttempts"]["appAttempt"][0];
    assert_fields(
        attempt,
        &[
            "id",
            "startTime",
            "finishedTime",
            "containerId",
            "nodeHttpAddress",
            "nodeId",
            "logsLink",
        ],
    );
    assert_eq!(attempt["id"], 1);
    assert_eq!(attempt["appAttemptState"], "FINISHED");

    // The running application: its attempt's live containers, state, queue, priority.
    let attempts = get_ok(
        &rm,
        &format!("/ws/v1/cluster/apps/{running_id}/appattempts"),
    );
    let attempt_id = attempts["appAttempts"]["appAttempt"][0]["appAttemptId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        attempts["appAttempts"]["appAttempt"][0]["appAttemptState"],
        "RUNNING"
    );
    let containers = get_ok(
        &rm,
        &format!("/ws/v1/cluster/apps/{running_id}/appattempts/{attempt_id}/containers"),
    );
    let containers = containers["containers"]["container"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(containers.len(), 2, "{containers:?}");
    for container in &containers {
        assert_fields(
            container,
            &[
                "containerId",
                "allocatedMB",
                "allocatedVCores",
                "assignedNodeId",
                "startedTime",
                "logUrl",
                "containerState",
            ],
        );
    }
    let app_path = format!("/ws/v1/cluster/apps/{running_id}");
    assert_eq!(
        get_ok(&rm, &format!("{app_path}/state")),
        serde_json::json!({"state": "RUNNING"})
    );
    assert_eq!(
        get_ok(&rm, &format!("{app_path}/queue")),
        serde_json::json!({"queue": "default"})
    );
    assert_eq!(
        get_ok(&rm, &format!("{app_path}/priority")),
        serde_json::json!({"priority": 0})
    );
    let (status, moved) = put(&rm, &format!("{app_path}/queue"), r#"{"queue":"other"}"#);
    assert_eq!(status, 500, "{moved}");
    assert_eq!(moved["RemoteException"]["exception"], "YarnException");
    let (status, same) = put(&rm, &format!("{app_path}/queue"), r#"{"queue":"default"}"#);
    assert_eq!(
        (status, same),
        (200, serde_json::json!({"queue": "default"}))
    );

    // Metrics, statistics and the scheduler see the running application.
    let metrics = get_ok(&rm, "/ws/v1/cluster/metrics")["clusterMetrics"].clone();
    assert_eq!(metrics["appsSubmitted"], 2);
    assert_eq!(metrics["appsCompleted"], 1);
    assert_eq!(metrics["appsRunning"], 1);
    assert_eq!(metrics["containersAllocated"], 2);
    let used_mb: i64 = containers
        .iter()
        .map(|c| c["allocatedMB"].as_i64().unwrap())
        .sum();
    assert_eq!(metrics["allocatedMB"], used_mb);
    assert_eq!(
        metrics["availableMB"].as_i64().unwrap(),
        metrics["totalMB"].as_i64().unwrap() - used_mb
    );
    let statistics = get_ok(
        &rm,
        "/ws/v1/cluster/appstatistics?states=finished,running,killed",
    );
    let items = statistics["appStatInfo"]["statItem"].as_array().unwrap();
    let counts: Vec<(String, String, u64)> = items
        .iter()
        .map(|item| {
            (
                item["state"].as_str().unwrap().to_string(),
                item["type"].as_str().unwrap().to_string(),
                item["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("FINISHED".to_string(), "*".to_string(), 1),
            ("RUNNING".to_string(), "*".to_string(), 1),
            ("KILLED".to_string(), "*".to_string(), 0),
        ]
    );
    let statistics = get_ok(
        &rm,
        "/ws/v1/cluster/appstatistics?applicationTypes=mapreduce",
    );
    assert_eq!(
        statistics["appStatInfo"]["statItem"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    assert!(
        statistics["appStatInfo"]["statItem"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["count"] == 0)
    );
    let scheduler = get_ok(&rm, "/ws/v1/cluster/scheduler");
    let root = &scheduler["scheduler"]["schedulerInfo"];
    assert_eq!(root["type"], "capacityScheduler");
    assert_eq!(root["queueName"], "root");
    assert_eq!(root["capacity"], 100.0);
    let default = &root["queues"]["queue"][0];
    assert_fields(
        default,
        &[
            "capacity",
            "usedCapacity",
            "maxCapacity",
            "absoluteCapacity",
            "absoluteMaxCapacity",
            "absoluteUsedCapacity",
            "numApplications",
            "queueName",
            "state",
            "resourcesUsed",
        ],
    );
    assert_eq!(default["queueName"], "default");
    assert_eq!(default["state"], "RUNNING");
    assert_eq!(default["absoluteCapacity"], 100.0);
    assert_eq!(default["numApplications"], 1);
    assert_eq!(default["resourcesUsed"]["memory"], used_mb);
    assert_eq!(default["users"]["user"][0]["username"], user.as_str());

    // Nodes.
    let nodes = get_ok(&rm, "/ws/v1/cluster/nodes");
    let nodes = nodes["nodes"]["node"].as_array().unwrap().clone();
    assert_eq!(nodes.len(), 2);
    for node in &nodes {
        assert_fields(
            node,
            &[
                "rack",
                "state",
                "id",
                "nodeHostName",
                "nodeHTTPAddress",
                "lastHealthUpdate",
                "healthReport",
                "numContainers",
                "usedMemoryMB",
                "availMemoryMB",
                "usedVirtualCores",
                "availableVirtualCores",
            ],
        );
    }
    let used_on_nodes: i64 = nodes
        .iter()
        .map(|n| n["usedMemoryMB"].as_i64().unwrap())
        .sum();
    assert_eq!(used_on_nodes, used_mb);
    assert_eq!(
        get_ok(&rm, "/ws/v1/cluster/nodes?states=running")["nodes"]["node"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get_ok(&rm, "/ws/v1/cluster/nodes?states=LOST,UNHEALTHY")["nodes"]["node"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let node_id = nodes[0]["id"].as_str().unwrap();
    assert_eq!(
        get_ok(&rm, &format!("/ws/v1/cluster/nodes/{node_id}"))["node"]["id"],
        node_id
    );

    // XML on request: the JSON root as the root element, arrays repeated.
    let (status, xml) = request(&rm, "GET", &app_path, "\r\nAccept: application/xml", "");
    assert_eq!(status, 200);
    assert!(xml.starts_with("<?xml version=\"1.0\""), "{xml}");
    assert!(
        xml.contains("<app>") && xml.contains(&format!("<id>{running_id}</id>")),
        "{xml}"
    );
    assert!(
        xml.contains("<state>RUNNING</state>") && xml.ends_with("</app>"),
        "{xml}"
    );
    let (_, xml) = request(
        &rm,
        "GET",
        "/ws/v1/cluster/nodes",
        "\r\nAccept: application/xml",
        "",
    );
    assert_eq!(xml.matches("<node>").count(), 2, "{xml}");

    // The NodeManager running the application's shell container.
    let shell = containers
        .iter()
        .find(|c| !c["containerId"].as_str().unwrap().ends_with("_000001"))
        .unwrap();
    let shell_id = shell["containerId"].as_str().unwrap().to_string();
    let node_http = nodes
        .iter()
        .find(|node| node["id"] == shell["assignedNodeId"])
        .unwrap()["nodeHTTPAddress"]
        .as_str()
        .unwrap()
        .to_string();
    let node_info = get_ok(&node_http, "/ws/v1/node/info")["nodeInfo"].clone();
    assert_fields(
        &node_info,
        &[
            "id",
            "nodeHostName",
            "healthReport",
            "nodeHealthy",
            "totalPmemAllocatedContainersMB",
            "totalVCoresAllocatedContainers",
            "nodeManagerVersion",
            "hadoopVersion",
        ],
    );
    assert_eq!(node_info["id"], shell["assignedNodeId"]);
    let node_apps = get_ok(&node_http, "/ws/v1/node/apps");
    assert!(app_ids(&node_apps).contains(&running_id), "{node_apps}");
    let node_app = get_ok(&node_http, &format!("/ws/v1/node/apps/{running_id}"))["app"].clone();
    assert_eq!(node_app["user"], user.as_str());
    assert!(
        node_app["containerids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == shell_id.as_str())
    );
    let node_containers = get_ok(&node_http, "/ws/v1/node/containers");
    assert!(
        node_containers["containers"]["container"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == shell_id.as_str()),
        "{node_containers}"
    );
    let container = eventually(
        Duration::from_secs(30),
        "the shell container's stdout",
        || async {
            let container =
                get_ok(&node_http, &format!("/ws/v1/node/containers/{shell_id}"))["container"]
                    .clone();
            let logs = container["containerLogFiles"].as_array()?.clone();
            logs.iter()
                .any(|name| name == "stdout")
                .then_some(container)
        },
    )
    .await;
    assert_eq!(container["state"], "RUNNING");
    assert_fields(
        &container,
        &[
            "exitCode",
            "diagnostics",
            "user",
            "totalMemoryNeededMB",
            "totalVCoresNeeded",
            "containerLogsLink",
            "nodeId",
        ],
    );
    let log_path = format!("/ws/v1/node/containerlogs/{shell_id}/stdout");
    let stdout = eventually(Duration::from_secs(30), "the shell's output", || async {
        let (status, body) = request(&node_http, "GET", &log_path, "", "");
        (status == 200 && body == "started\n").then_some(body)
    })
    .await;
    assert_eq!(stdout, "started\n");
    let (status, missing) = get(
        &node_http,
        &format!("/ws/v1/node/containerlogs/{shell_id}/syslog.9"),
    );
    assert_eq!(status, 404);
    assert_remote_exception(
        &missing,
        "NotFoundException",
        "java.lang.Exception: Cannot find this log on the local disk.",
    );
    let (status, _) = get(
        &node_http,
        &format!("/ws/v1/node/containerlogs/{shell_id}/..%2F..%2F{shell_id}%2Fstdout"),
    );
    assert_eq!(status, 404, "no path out of the container's log dir");
    let (status, missing) = get(&node_http, "/ws/v1/node/apps/application_1_0099");
    assert_eq!(status, 404);
    assert_remote_exception(
        &missing,
        "NotFoundException",
        "java.lang.Exception: app with id application_1_0099 not found",
    );

    // Kill through PUT state; only KILLED is a target.
    let (status, refused) = put(&rm, &format!("{app_path}/state"), r#"{"state":"RUNNING"}"#);
    assert_eq!(status, 400);
    assert_remote_exception(
        &refused,
        "BadRequestException",
        "java.lang.Exception: Only 'KILLED' is allowed as a target state.",
    );
    let (status, killed) = put(&rm, &format!("{app_path}/state"), r#"{"state":"KILLED"}"#);
    assert!(status == 200 || status == 202, "{status} {killed}");
    let final_state = eventually(Duration::from_secs(30), "the kill", || async {
        let state = get_ok(&rm, &format!("{app_path}/state"));
        (state["state"] == "KILLED").then_some(state)
    })
    .await;
    assert_eq!(final_state, serde_json::json!({"state": "KILLED"}));
    let (status, again) = put(&rm, &format!("{app_path}/state"), r#"{"state":"KILLED"}"#);
    assert_eq!(
        (status, again),
        (200, serde_json::json!({"state": "KILLED"}))
    );
    let killed = get_ok(&rm, &app_path)["app"].clone();
    assert_eq!(killed["finalStatus"], "KILLED");
    assert_eq!(killed["runningContainers"], 0);
    assert!(killed["memorySeconds"].as_i64().unwrap() > 0);
    assert_eq!(filtered("states=KILLED"), [running_id.as_str()]);
    tusk_tests::yarn::wait_exit(background, Duration::from_secs(60)).await;

    // Hadoop's error bodies.
    let (status, missing) = get(&rm, "/ws/v1/cluster/apps/application_1_0099");
    assert_eq!(status, 404);
    assert_remote_exception(
        &missing,
        "NotFoundException",
        "java.lang.Exception: app with id: application_1_0099 not found",
    );
    let (status, bad) = get(&rm, "/ws/v1/cluster/apps/bogus_id");
    assert_eq!(status, 400);
    assert_eq!(
        bad["RemoteException"]["exception"], "BadRequestException",
        "{bad}"
    );
    let (status, bad) = get(&rm, "/ws/v1/cluster/apps?states=bogus");
    assert_eq!(status, 400);
    assert_remote_exception(
        &bad,
        "BadRequestException",
        "java.lang.Exception: Invalid application-state bogus specified. It should be one of [NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED]",
    );
    let (status, bad) = get(&rm, "/ws/v1/cluster/apps?limit=0");
    assert_eq!(status, 400);
    assert_remote_exception(
        &bad,
        "BadRequestException",
        "java.lang.Exception: limit value must be greater then 0",
    );
    let (status, bad) = get(
        &rm,
        "/ws/v1/cluster/apps?startedTimeBegin=5&startedTimeEnd=4",
    );
    assert_eq!(status, 400);
    assert_remote_exception(
        &bad,
        "BadRequestException",
        "java.lang.Exception: startedTimeEnd must be greater than startedTimeBegin",
    );
    let (status, bad) = get(
        &rm,
        "/ws/v1/cluster/appstatistics?applicationTypes=yarn,mapreduce",
    );
    assert_eq!(status, 400);
    assert_eq!(bad["RemoteException"]["exception"], "BadRequestException");
    let (status, bad) = get(&rm, "/ws/v1/cluster/nodes?states=bogus");
    assert_eq!(status, 400);
    assert_remote_exception(
        &bad,
        "IllegalArgumentException",
        "No enum constant org.apache.hadoop.yarn.api.records.NodeState.BOGUS",
    );
    let (status, missing) = get(&rm, "/ws/v1/cluster/nodes/nowhere:1");
    assert_eq!(status, 404);
    assert_remote_exception(
        &missing,
        "NotFoundException",
        "java.lang.Exception: nodeId, nowhere:1, is not found",
    );
    let (status, xml) = request(
        &rm,
        "GET",
        "/ws/v1/cluster/apps/application_1_0099",
        "\r\nAccept: application/xml",
        "",
    );
    assert_eq!(status, 404);
    assert!(
        xml.contains("<RemoteException><exception>NotFoundException</exception>"),
        "{xml}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn yarn_api_client_from_pypi_drives_the_resourcemanager() {
    let cluster = cluster().await;
    let rm = rm_address(&cluster);
    let background = spawn_yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_command",
            "sleep 120",
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            "rest-python",
        ],
    );
    let app = running_app(&rm, "rest-python", 2).await;
    let app_id = app["id"].as_str().unwrap().to_string();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/yarn_api_client_check.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("http://{rm}"))
        .arg(&app_id)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("all checks passed"), "{stdout}\n{stderr}");
    let state = get_ok(&rm, &format!("/ws/v1/cluster/apps/{app_id}/state"));
    assert_eq!(state, serde_json::json!({"state": "KILLED"}));
    tusk_tests::yarn::wait_exit(background, Duration::from_secs(60)).await;
    cluster.shutdown().await;
}
