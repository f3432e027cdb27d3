//! The proto adapter: reports built from the RM state's read-models, for
//! the client and AM protocols and the web. The state never calls it.

use proto::yarn as pb;

use crate::scheduler::Resource;
use crate::state::{App, AppState, FinalStatus, NodeReport, NodeState, RmState};

pub fn resource(resource: Resource) -> pb::Resource {
    pb::Resource {
        memory_mb: resource.memory_mb,
        vcores: resource.vcores,
    }
}

pub fn app_state(state: AppState) -> pb::YarnApplicationState {
    match state {
        AppState::Submitted => pb::YarnApplicationState::Submitted,
        AppState::Accepted => pb::YarnApplicationState::Accepted,
        AppState::Running => pb::YarnApplicationState::Running,
        AppState::Finished => pb::YarnApplicationState::Finished,
        AppState::Failed => pb::YarnApplicationState::Failed,
        AppState::Killed => pb::YarnApplicationState::Killed,
    }
}

pub fn final_status(status: FinalStatus) -> pb::FinalApplicationStatus {
    match status {
        FinalStatus::Undefined => pb::FinalApplicationStatus::Undefined,
        FinalStatus::Succeeded => pb::FinalApplicationStatus::Succeeded,
        FinalStatus::Failed => pb::FinalApplicationStatus::FailedStatus,
        FinalStatus::Killed => pb::FinalApplicationStatus::KilledStatus,
    }
}

pub fn app_report(state: &RmState, app: &App) -> pb::ApplicationReport {
    let submission = &app.submission;
    let attempt = app.current_attempt();
    let (used, running) = state.scheduler.app_usage(submission.id);
    let usage = state
        .usage()
        .usage(submission.id, common::time::now_millis());
    pb::ApplicationReport {
        application_id: submission.id.to_string(),
        current_attempt_id: attempt.map(|a| a.id.to_string()).unwrap_or_default(),
        user: submission.user.clone(),
        queue: submission.queue.clone(),
        name: submission.name.clone(),
        application_type: submission.app_type.clone(),
        application_tags: submission.tags.clone(),
        state: app_state(app.state) as i32,
        final_status: final_status(app.final_status) as i32,
        progress: app.progress,
        tracking_url: crate::proxy::shown_tracking_url(state, app).unwrap_or_default(),
        original_tracking_url: app.tracking_url.clone(),
        diagnostics: app.diagnostics.clone(),
        start_time: app.start_time,
        finish_time: app.finish_time,
        launch_time: app.launch_time,
        am_host: attempt
            .map(|a| a.host.clone())
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "N/A".to_string()),
        am_container_id: attempt
            .and_then(|a| a.am_container.as_ref())
            .map(|c| c.container_id.clone())
            .unwrap_or_default(),
        rpc_port: attempt.map_or(0, |a| a.rpc_port),
        used_resources: Some(resource(used)),
        running_containers: running as i32,
        log_aggregation_status: app.log_aggregation_status().to_string(),
        submit_time: app.submit_time,
        memory_seconds: usage.memory_seconds,
        vcore_seconds: usage.vcore_seconds,
        priority: submission.priority,
    }
}

pub fn node_state(state: NodeState) -> pb::NodeState {
    match state {
        NodeState::Running => pb::NodeState::NodeRunning,
        NodeState::Unhealthy => pb::NodeState::NodeUnhealthy,
        NodeState::Lost => pb::NodeState::NodeLost,
        NodeState::Decommissioned => pb::NodeState::NodeDecommissioned,
    }
}

/// The proto form of a node's read-model.
pub fn node_report(report: &NodeReport) -> pb::NodeReport {
    pb::NodeReport {
        node_id: report.node_id.clone(),
        http_address: report.http_address.clone(),
        rack: report.rack.clone(),
        state: node_state(report.state) as i32,
        num_containers: report.num_containers as i32,
        used: Some(resource(report.used)),
        capability: Some(resource(report.capability)),
        health_report: report.health_report.clone(),
        last_health_update: report.last_health_update,
    }
}

pub fn queue_infos(state: &RmState, name: &str, recursive: bool) -> Option<Vec<pb::QueueInfo>> {
    let queues = state.scheduler.queues();
    let start = queues.find(name)?;
    let cluster = state.scheduler.cluster_resource();
    let mut pending = vec![start];
    let mut infos = Vec::new();
    while let Some(index) = pending.pop() {
        let queue = queues.get(index);
        let guaranteed = queue.absolute_capacity * cluster.memory_mb as f64;
        let current = if guaranteed > 0.0 {
            queue.used.memory_mb as f64 / guaranteed
        } else {
            0.0
        };
        let application_ids = state
            .apps
            .values()
            .filter(|app| !app.state.is_final())
            .filter(|app| queues.find(&app.submission.queue) == Some(index))
            .map(|app| app.submission.id.to_string())
            .collect();
        infos.push(pb::QueueInfo {
            queue_name: queue.name.clone(),
            queue_path: queue.path.clone(),
            capacity: (queue.capacity / 100.0) as f32,
            maximum_capacity: (queue.maximum_capacity / 100.0) as f32,
            current_capacity: current as f32,
            state: "RUNNING".to_string(),
            child_queue_names: queue
                .children
                .iter()
                .map(|child| queues.get(*child).name.clone())
                .collect(),
            application_ids,
            absolute_capacity: queue.absolute_capacity as f32,
            used: Some(resource(queue.used)),
            num_containers: queue.num_containers as i32,
        });
        if recursive || index == start {
            for child in queue.children.iter().rev() {
                if recursive {
                    pending.push(*child);
                }
            }
        }
    }
    Some(infos)
}

/// An attempt as `yarn applicationattempt` shows it.
pub fn attempt_report(app: &App, attempt: &crate::state::Attempt) -> pb::ApplicationAttemptReport {
    let is_current = app
        .current_attempt()
        .is_some_and(|current| current.id == attempt.id);
    pb::ApplicationAttemptReport {
        attempt_id: attempt.id.to_string(),
        host: attempt.host.clone(),
        rpc_port: attempt.rpc_port,
        tracking_url: if is_current {
            app.tracking_url.clone()
        } else {
            String::new()
        },
        diagnostics: if is_current {
            app.diagnostics.clone()
        } else {
            String::new()
        },
        state: crate::rest::app_info::attempt_state(app, attempt).to_string(),
        am_container_id: attempt
            .am_container
            .as_ref()
            .map(|container| container.container_id.clone())
            .unwrap_or_default(),
        start_time: attempt.start_time,
        finish_time: attempt.finish_time,
    }
}

/// The live containers of `attempt`, as `yarn container -list` shows them.
pub fn container_reports(
    state: &RmState,
    app: &App,
    attempt: common::yarn::ApplicationAttemptId,
) -> Vec<pb::ContainerReport> {
    state
        .usage()
        .live_of_attempt(attempt)
        .map(|(id, live)| {
            let node_http_address = state
                .nodes
                .get(&live.node_id)
                .map(|node| node.http_address.clone())
                .unwrap_or_default();
            let container_id = id.to_string();
            pb::ContainerReport {
                log_url: crate::rest::app_info::logs_link(
                    &node_http_address,
                    &container_id,
                    &app.submission.user,
                ),
                container_id,
                resource: Some(resource(live.resource)),
                node_id: live.node_id.clone(),
                node_http_address,
                priority: live.priority,
                start_time: live.granted_at,
                finish_time: 0,
                state: "RUNNING".to_string(),
            }
        })
        .collect()
}
