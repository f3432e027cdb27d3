//! What the YARN tests share: running the `yarn` binary against a
//! mini-cluster, and polling for conditions with a deadline.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use client::yarn::YarnClient;
use proto::yarn as pb;

/// Runs `yarn ARGS` with `conf_dir` as HADOOP_CONF_DIR; (exit code, stdout, stderr).
pub fn yarn(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(tusk_tests::binary("yarn"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .expect("run yarn");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Starts `yarn ARGS` in the background (a DistributedShell client, say).
pub fn spawn_yarn(conf_dir: &Path, args: &[&str]) -> Child {
    Command::new(tusk_tests::binary("yarn"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn yarn")
}

/// Polls `condition` every 20 ms until it gives a value; panics after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = condition().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The report of the application named `name`, once the RM has it.
pub async fn app_named(client: &YarnClient, name: &str) -> pb::ApplicationReport {
    wait_for(
        &format!("application {name}"),
        Duration::from_secs(30),
        || async {
            let all = client
                .applications(pb::GetApplicationsRequest::default())
                .await
                .ok()?;
            all.into_iter().find(|app| app.name == name)
        },
    )
    .await
}

/// Waits for the application to reach a final state and returns its report.
pub async fn wait_final(client: &YarnClient, id: &str, timeout: Duration) -> pb::ApplicationReport {
    wait_for(&format!("{id} to end"), timeout, || async {
        let report = client.application_report(id).await.ok()?;
        let state = pb::YarnApplicationState::try_from(report.state).ok()?;
        matches!(
            state,
            pb::YarnApplicationState::Finished
                | pb::YarnApplicationState::Failed
                | pb::YarnApplicationState::Killed
        )
        .then_some(report)
    })
    .await
}

/// Waits for every node to aggregate the application's logs, then returns
/// what `yarn logs -applicationId ID` prints.
pub async fn aggregated_logs(conf_dir: &Path, id: &str) -> String {
    let conf = common::Configuration::load_from_dir(conf_dir).expect("conf dir");
    let client = YarnClient::from_conf(&conf).expect("yarn client");
    wait_for(
        &format!("log aggregation of {id}"),
        Duration::from_secs(30),
        || async {
            let report = client.application_report(id).await.ok()?;
            (report.log_aggregation_status == "SUCCEEDED").then_some(())
        },
    )
    .await;
    wait_for(
        &format!("aggregated logs of {id}"),
        Duration::from_secs(30),
        || async {
            let (code, out, _) = yarn(conf_dir, &["logs", "-applicationId", id]);
            (code == 0 && !out.is_empty()).then_some(out)
        },
    )
    .await
}

/// Waits for a background client to exit on its own; its exit code.
pub async fn wait_exit(mut child: Child, timeout: Duration) -> Option<i32> {
    let status = wait_for("the client to exit", timeout, || {
        let status = child.try_wait().ok().flatten();
        async move { status }
    })
    .await;
    status.code()
}
