//! What the YARN tests share: running the `yarn` binary against a
//! mini-cluster, and waiting for applications and clients.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use client::yarn::YarnClient;
use proto::yarn as pb;

use crate::eventually;

/// Runs `yarn ARGS` with `conf_dir` as HADOOP_CONF_DIR; (exit code, stdout, stderr).
pub fn yarn(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(crate::binary("yarn"))
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
    Command::new(crate::binary("yarn"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn yarn")
}

/// The report of the application named `name`, once the RM has it.
pub async fn app_named(client: &YarnClient, name: &str) -> pb::ApplicationReport {
    eventually(
        Duration::from_secs(30),
        &format!("application {name}"),
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
    eventually(timeout, &format!("{id} to end"), || async {
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
    eventually(
        Duration::from_secs(30),
        &format!("log aggregation of {id}"),
        || async {
            let report = client.application_report(id).await.ok()?;
            (report.log_aggregation_status == "SUCCEEDED").then_some(())
        },
    )
    .await;
    eventually(
        Duration::from_secs(30),
        &format!("aggregated logs of {id}"),
        || async {
            let (code, out, _) = yarn(conf_dir, &["logs", "-applicationId", id]);
            (code == 0 && !out.is_empty()).then_some(out)
        },
    )
    .await
}

/// Waits for a background client to exit on its own; its exit code.
pub async fn wait_exit(mut child: Child, timeout: Duration) -> Option<i32> {
    let status = eventually(timeout, "the client to exit", || {
        let status = child.try_wait().ok().flatten();
        async move { status }
    })
    .await;
    status.code()
}
