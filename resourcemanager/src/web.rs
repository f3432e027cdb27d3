//! The RM's web port: an overview page, a few of Hadoop's REST resources
//! (`/ws/v1/cluster/info`, `/metrics`, `/apps`, `/nodes`), and the beans `/jmx` and
//! `/prom` show (Hadoop's ClusterMetrics and root QueueMetrics names).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Json};
use axum::routing::get;
use common::metrics::Bean;
use serde_json::{Value, json};

use crate::reports;
use crate::server::Core;

/// The ResourceManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/cluster", "applications"),
    ("/ws/v1/cluster/info", "about the cluster"),
    ("/ws/v1/cluster/metrics", "cluster metrics"),
    ("/ws/v1/cluster/apps", "applications"),
    ("/ws/v1/cluster/nodes", "NodeManagers"),
];

pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/cluster", get(overview))
        .route("/ws/v1/cluster", get(info))
        .route("/ws/v1/cluster/info", get(info))
        .route("/ws/v1/cluster/metrics", get(metrics))
        .route("/ws/v1/cluster/apps", get(apps))
        .route("/ws/v1/cluster/nodes", get(nodes))
        .with_state(core)
}

async fn overview(State(core): State<Arc<Core>>) -> Html<String> {
    let state = core.lock();
    let mut rows = String::new();
    for app in state.apps.values().rev() {
        let report = reports::app_report(&state, app);
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:?}</td><td>{:?}</td></tr>",
            report.application_id,
            report.user,
            report.name,
            report.queue,
            app.state,
            app.final_status
        ));
    }
    Html(format!(
        "<!doctype html><html><head><title>Tusk ResourceManager</title></head><body>\
         <h1>All Applications</h1><p>Active nodes: {}</p>\
         <table><tr><th>ID</th><th>User</th><th>Name</th><th>Queue</th><th>State</th><th>FinalStatus</th></tr>{rows}</table>\
         </body></html>",
        state.node_counts().get("running").unwrap_or(&0)
    ))
}

async fn info(State(core): State<Arc<Core>>) -> Json<Value> {
    let state = core.lock();
    Json(json!({"clusterInfo": {
        "id": state.cluster_timestamp,
        "startedOn": state.cluster_timestamp,
        "state": "STARTED",
        "haState": "ACTIVE",
        "resourceManagerVersion": env!("CARGO_PKG_VERSION"),
    }}))
}

async fn metrics(State(core): State<Arc<Core>>) -> Json<Value> {
    let state = core.lock();
    let (total, used) = (
        state.scheduler.cluster_resource(),
        state.scheduler.used_resource(),
    );
    let counts = state.node_counts();
    Json(json!({"clusterMetrics": {
        "appsSubmitted": state.apps.len(),
        "containersAllocated": state.containers_allocated,
        "totalMB": total.memory_mb,
        "allocatedMB": used.memory_mb,
        "availableMB": total.memory_mb - used.memory_mb,
        "totalVirtualCores": total.vcores,
        "allocatedVirtualCores": used.vcores,
        "activeNodes": counts.get("running").unwrap_or(&0),
        "lostNodes": counts.get("lost").unwrap_or(&0),
        "unhealthyNodes": counts.get("unhealthy").unwrap_or(&0),
    }}))
}

/// The ResourceManager's beans: cluster node counts and the root queue's resources.
pub fn beans(core: &Core) -> Vec<Bean> {
    let state = core.lock();
    let (total, used) = (
        state.scheduler.cluster_resource(),
        state.scheduler.used_resource(),
    );
    let counts = state.node_counts();
    let count = |state: &str| counts.get(state).copied().unwrap_or(0);
    vec![
        Bean::record("ResourceManager", "ClusterMetrics", "yarn")
            .gauge("NumActiveNMs", count("running"))
            .gauge("NumLostNMs", count("lost"))
            .gauge("NumUnhealthyNMs", count("unhealthy")),
        Bean::with_properties(
            "ResourceManager",
            &[("name", "QueueMetrics"), ("q0", "root")],
        )
        .tag("Queue", "root")
        .tag("Context", "yarn")
        .tag("Hostname", common::metrics::hostname())
        .counter("AppsSubmitted", state.apps.len())
        .counter("AggregateContainersAllocated", state.containers_allocated)
        .gauge("AllocatedMB", used.memory_mb)
        .gauge("AllocatedVCores", used.vcores)
        .gauge("AvailableMB", total.memory_mb - used.memory_mb)
        .gauge("AvailableVCores", total.vcores - used.vcores),
    ]
}

async fn apps(State(core): State<Arc<Core>>) -> Json<Value> {
    let state = core.lock();
    let apps: Vec<Value> = state
        .apps
        .values()
        .map(|app| {
            let report = reports::app_report(&state, app);
            json!({
                "id": report.application_id,
                "user": report.user,
                "name": report.name,
                "queue": report.queue,
                "state": format!("{:?}", app.state).to_uppercase(),
                "finalStatus": format!("{:?}", app.final_status).to_uppercase(),
                "progress": report.progress * 100.0,
                "trackingUrl": report.tracking_url,
                "diagnostics": report.diagnostics,
                "applicationType": report.application_type,
                "startedTime": report.start_time,
                "finishedTime": report.finish_time,
                "amContainerLogs": report.am_container_id,
                "amHostHttpAddress": report.am_host,
                "runningContainers": report.running_containers,
            })
        })
        .collect();
    Json(json!({"apps": {"app": apps}}))
}

async fn nodes(State(core): State<Arc<Core>>) -> Json<Value> {
    let state = core.lock();
    let nodes: Vec<Value> = state
        .nodes
        .values()
        .map(|node| {
            let report = reports::node_report(&state.node_report(node));
            let used = report.used.unwrap_or_default();
            json!({
                "id": report.node_id,
                "rack": report.rack,
                "state": format!("{:?}", node.state).to_uppercase(),
                "nodeHostName": node.host,
                "nodeHTTPAddress": report.http_address,
                "numContainers": report.num_containers,
                "usedMemoryMB": used.memory_mb,
                "availMemoryMB": node.capability.memory_mb - used.memory_mb,
                "usedVirtualCores": used.vcores,
                "healthReport": report.health_report,
                "lastHealthUpdate": report.last_health_update,
            })
        })
        .collect();
    Json(json!({"nodes": {"node": nodes}}))
}
