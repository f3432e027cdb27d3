//! Submitting applications through the ResourceManager's REST API: Hadoop's
//! `apps/new-application` and `POST apps` (202 with the application's URL), a
//! DistributedShell application run that way to success, a malformed submission refused
//! with a RemoteException, and the same flow driven by yarn-api-client from PyPI.

use std::process::Command;
use std::time::Duration;

use minicluster::MiniCluster;
use serde_json::{Value, json};
use tusk_tests::eventually;
use tusk_tests::web::{get_json, request};

const TIMEOUT: Duration = Duration::from_secs(120);

fn submission(id: &str, yarn: &str) -> Value {
    json!({
        "application-id": id,
        "application-name": "rest-submit",
        "queue": "default",
        "application-type": "YARN",
        "application-tags": {"tag": ["from-rest"]},
        "max-app-attempts": 1,
        "resource": {"memory": 128, "vCores": 1},
        "am-container-spec": {
            "commands": {"command": format!("exec '{yarn}' distributedshell-am")},
            "environment": {"entry": [
                {"key": "DISTRIBUTEDSHELL_SHELL_COMMAND", "value": "echo from-rest"},
                {"key": "DISTRIBUTEDSHELL_NUM_CONTAINERS", "value": "1"},
                {"key": "DISTRIBUTEDSHELL_CONTAINER_MEMORY", "value": "128"},
            ]},
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_submitted_over_rest_run_to_success() {
    let cluster = MiniCluster::builder()
        .nodemanagers(1)
        .build()
        .await
        .unwrap();
    cluster.wait_nodemanagers(1, TIMEOUT).await.unwrap();
    let rm = cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .webapp
        .to_string();
    let yarn = tusk_tests::binary("yarn").display().to_string();
    let user = common::user::os_user();

    let reply = request(&rm, "POST", "/ws/v1/cluster/apps/new-application", b"").await;
    assert_eq!(reply.status, 200);
    let new = reply.json();
    let id = new["application-id"].as_str().unwrap().to_string();
    assert!(id.starts_with("application_"), "{new}");
    assert!(
        new["maximum-resource-capability"]["memory"]
            .as_i64()
            .unwrap()
            > 0,
        "{new}"
    );
    assert!(
        new["maximum-resource-capability"]["vCores"]
            .as_i64()
            .unwrap()
            > 0,
        "{new}"
    );

    let body = submission(&id, &yarn).to_string();
    let target = format!("/ws/v1/cluster/apps?user.name={user}");
    let reply = request(&rm, "POST", &target, body.as_bytes()).await;
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("location"),
        Some(format!("/ws/v1/cluster/apps/{id}").as_str())
    );
    let app = eventually(
        TIMEOUT,
        "the REST-submitted application finished",
        async || {
            let app = get_json(&rm, &format!("/ws/v1/cluster/apps/{id}")).await["app"].clone();
            (app["state"] == "FINISHED").then_some(app)
        },
    )
    .await;
    assert_eq!(app["finalStatus"], "SUCCEEDED", "{app}");
    assert_eq!(app["name"], "rest-submit");
    assert_eq!(app["user"], user.as_str());
    assert_eq!(app["applicationTags"], "from-rest");

    // The same id again, and a body that is not JSON: RemoteExceptions, nothing accepted.
    let reply = request(&rm, "POST", &target, body.as_bytes()).await;
    assert_eq!(reply.status, 400);
    let (exception, message) = reply.exception();
    assert_eq!(exception, "BadRequestException");
    assert!(message.contains("already submitted"), "{message}");
    let reply = request(&rm, "POST", "/ws/v1/cluster/apps", b"{not json").await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.exception().1.contains("Malformed submission"),
        "{:?}",
        reply.exception()
    );

    // A client nobody here wrote.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/yarn_api_client_submit.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("http://{rm}"))
        .arg(&yarn)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(fields[1..], ["FINISHED", "SUCCEEDED", "dr.who"], "{stdout}");
    cluster.shutdown().await;
}
