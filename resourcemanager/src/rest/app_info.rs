//! Hadoop's AppInfo, AppAttemptInfo and ContainerInfo documents built from
//! the RM state's read-models, and the state names they use.

use common::yarn::ContainerId;
use serde_json::{Value, json};

use crate::state::{App, AppState, Attempt, FinalStatus, LiveContainer, RmState};

/// Hadoop's YarnApplicationState names, in its order.
pub const APP_STATES: [&str; 8] = [
    "NEW",
    "NEW_SAVING",
    "SUBMITTED",
    "ACCEPTED",
    "RUNNING",
    "FINISHED",
    "FAILED",
    "KILLED",
];

pub fn app_state_name(state: AppState) -> &'static str {
    state.name()
}

pub fn final_status_name(status: FinalStatus) -> &'static str {
    match status {
        FinalStatus::Undefined => "UNDEFINED",
        FinalStatus::Succeeded => "SUCCEEDED",
        FinalStatus::Failed => "FAILED",
        FinalStatus::Killed => "KILLED",
    }
}

/// `http://` before an address that has no scheme.
fn with_scheme(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

/// The NodeManager's log page of a container, as Hadoop links it.
pub(crate) fn logs_link(node_http_address: &str, container_id: &str, user: &str) -> String {
    format!(
        "{}/node/containerlogs/{container_id}/{user}",
        with_scheme(node_http_address)
    )
}

/// Hadoop's AppInfo: what the RM knows of `app` at `now` (ms).
pub fn app_info(state: &RmState, app: &App, now: i64) -> Value {
    let submission = &app.submission;
    let (used, running) = state.scheduler.app_usage(submission.id);
    let usage = state.usage().usage(submission.id, now);
    let cluster = state.scheduler.cluster_resource();
    let queues = state.scheduler.queues();
    let queue_guarantee = queues
        .find(&submission.queue)
        .map(|index| queues.get(index).absolute_capacity * cluster.memory_mb as f64)
        .unwrap_or(0.0);
    let share = |whole: f64| {
        if whole > 0.0 {
            used.memory_mb as f64 * 100.0 / whole
        } else {
            0.0
        }
    };
    let tracking_url = crate::proxy::shown_tracking_url(state, app);
    let tracking_ui = match (&tracking_url, app.finish_time) {
        (None, _) => "UNASSIGNED",
        (Some(_), 0) => "ApplicationMaster",
        (Some(_), _) => "History",
    };
    let attempt = app.current_attempt();
    let am_container = attempt.and_then(|attempt| attempt.am_container.as_ref());
    let elapsed = if app.finish_time > 0 {
        app.finish_time - app.start_time
    } else {
        now - app.start_time
    };
    let mut info = json!({
        "id": submission.id.to_string(),
        "user": submission.user,
        "name": submission.name,
        "queue": submission.queue,
        "state": app_state_name(app.state),
        "finalStatus": final_status_name(app.final_status),
        "progress": f64::from(app.progress) * 100.0,
        "trackingUI": tracking_ui,
        "trackingUrl": tracking_url,
        "diagnostics": app.diagnostics,
        "clusterId": state.cluster_timestamp,
        "applicationType": submission.app_type,
        "applicationTags": submission.tags.join(","),
        "priority": submission.priority,
        "startedTime": app.start_time,
        "launchTime": app.launch_time,
        "finishedTime": app.finish_time,
        "elapsedTime": elapsed,
        "amContainerLogs": am_container.map(|container| logs_link(
            &container.node_http_address,
            &container.container_id,
            &submission.user,
        )),
        "amHostHttpAddress": am_container.map(|container| container.node_http_address.clone()),
        "amRPCAddress": attempt
            .filter(|attempt| !attempt.host.is_empty())
            .map(|attempt| format!("{}:{}", attempt.host, attempt.rpc_port)),
        "masterNodeId": am_container.map(|container| container.node_id.clone()),
        "logAggregationStatus": app.log_aggregation_status(),
        "unmanagedApplication": false,
        "amNodeLabelExpression": "",
        "appNodeLabelExpression": "",
    });
    let resources = json!({
        "allocatedMB": used.memory_mb,
        "allocatedVCores": used.vcores,
        "reservedMB": 0,
        "reservedVCores": 0,
        "runningContainers": running,
        "memorySeconds": usage.memory_seconds,
        "vcoreSeconds": usage.vcore_seconds,
        "queueUsagePercentage": share(queue_guarantee),
        "clusterUsagePercentage": share(cluster.memory_mb as f64),
        "preemptedResourceMB": 0,
        "preemptedResourceVCores": 0,
        "numNonAMContainerPreempted": 0,
        "numAMContainerPreempted": 0,
        "preemptedMemorySeconds": 0,
        "preemptedVcoreSeconds": 0,
        "timeouts": {"timeout": [{
            "type": "LIFETIME",
            "expiryTime": "UNLIMITED",
            "remainingTimeInSeconds": -1,
        }]},
    });
    if let (Value::Object(info), Value::Object(resources)) = (&mut info, resources) {
        info.extend(resources);
    }
    info
}

/// Hadoop's RMAppAttemptState of an attempt of `app`.
pub(crate) fn attempt_state(app: &App, attempt: &Attempt) -> &'static str {
    let is_current = app.current_attempt().map(|current| current.id) == Some(attempt.id);
    if !is_current {
        return "FAILED";
    }
    match app.state {
        AppState::Finished => "FINISHED",
        AppState::Failed => "FAILED",
        AppState::Killed => "KILLED",
        AppState::Submitted | AppState::Accepted | AppState::Running => {
            if !attempt.host.is_empty() {
                "RUNNING"
            } else if attempt.last_heartbeat.is_some() {
                "LAUNCHED"
            } else if attempt.am_container.is_some() {
                "ALLOCATED"
            } else {
                "SCHEDULED"
            }
        }
    }
}

/// Hadoop's AppAttemptInfo.
pub fn attempt_info(app: &App, attempt: &Attempt) -> Value {
    let container = attempt.am_container.as_ref();
    json!({
        "id": attempt.id.attempt,
        "appAttemptId": attempt.id.to_string(),
        "appAttemptState": attempt_state(app, attempt),
        "startTime": attempt.start_time,
        "finishedTime": attempt.finish_time,
        "containerId": container.map(|c| c.container_id.clone()),
        "nodeHttpAddress": container.map(|c| c.node_http_address.clone()),
        "nodeId": container.map(|c| c.node_id.clone()),
        "logsLink": container.map(|c| logs_link(&c.node_http_address, &c.container_id, &app.submission.user)),
        "blacklistedNodes": "",
        "nodesBlacklistedBySystem": "",
    })
}

/// Hadoop's ContainerInfo of a live container (the RM forgets completed ones).
pub fn container_info(
    state: &RmState,
    user: &str,
    container_id: &ContainerId,
    live: &LiveContainer,
    now: i64,
) -> Value {
    let node_http = state
        .nodes
        .get(&live.node_id)
        .map(|node| node.http_address.clone())
        .unwrap_or_default();
    let id = container_id.to_string();
    json!({
        "containerId": id,
        "allocatedMB": live.resource.memory_mb,
        "allocatedVCores": live.resource.vcores,
        "assignedNodeId": live.node_id,
        "priority": live.priority,
        "startedTime": live.granted_at,
        "finishedTime": 0,
        "elapsedTime": now - live.granted_at,
        "logUrl": logs_link(&node_http, &id, user),
        "containerExitStatus": 0,
        "containerState": "RUNNING",
        "nodeHttpAddress": with_scheme(&node_http),
        "nodeId": live.node_id,
    })
}
