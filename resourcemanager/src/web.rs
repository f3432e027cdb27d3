//! The RM's web port: an overview page, Hadoop's REST API (`/ws/v1/cluster`, see
//! [`crate::rest`]), and the beans `/jmx` and `/prom` show (Hadoop's ClusterMetrics and
//! root QueueMetrics names).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use common::metrics::Bean;

use crate::reports;
use crate::server::Core;

/// The ResourceManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/cluster", "applications"),
    ("/ws/v1/cluster/info", "about the cluster"),
    ("/ws/v1/cluster/metrics", "cluster metrics"),
    ("/ws/v1/cluster/apps", "applications"),
    ("/ws/v1/cluster/nodes", "NodeManagers"),
    ("/ws/v1/cluster/scheduler", "the scheduler's queues"),
    (
        "/ws/v1/cluster/appstatistics",
        "applications by state and type",
    ),
    ("/proxy/<application id>/", "an application's tracking page"),
];

pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/cluster", get(overview))
        .with_state(core.clone())
        .merge(crate::rest::router(core.clone()))
        .merge(crate::proxy::router(core))
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
