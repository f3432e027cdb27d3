//! The NodeManager's web port: `/ws/v1/node/info`, `/ws/v1/node/containers`, and the
//! beans `/jmx` and `/prom` show (Hadoop's NodeManagerMetrics names).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::get;
use common::metrics::Bean;
use serde_json::{Value, json};

use crate::containers::ContainerManager;

/// The NodeManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/ws/v1/node/info", "about the node"),
    ("/ws/v1/node/containers", "its containers"),
];

pub fn router(manager: Arc<ContainerManager>) -> Router {
    Router::new()
        .route("/ws/v1/node", get(info))
        .route("/ws/v1/node/info", get(info))
        .route("/ws/v1/node/containers", get(containers))
        .with_state(manager)
}

/// The NodeManager's beans: how many containers run.
pub fn beans(manager: &ContainerManager) -> Vec<Bean> {
    let running = manager
        .statuses(None)
        .iter()
        .filter(|status| status.state != proto::yarn::ContainerState::ContainerComplete as i32)
        .count();
    vec![
        Bean::record("NodeManager", "NodeManagerMetrics", "yarn")
            .gauge("ContainersRunning", running),
    ]
}

async fn info(State(manager): State<Arc<ContainerManager>>) -> Json<Value> {
    Json(json!({"nodeInfo": {
        "id": manager.node_id,
        "nodeHostName": manager.config.hostname,
        "totalPmemAllocatedContainersMB": manager.config.memory_mb,
        "totalVCoresAllocatedContainers": manager.config.vcores,
        "nodeManagerVersion": env!("CARGO_PKG_VERSION"),
        "healthReport": "",
        "nodeHealthy": true,
    }}))
}

async fn containers(State(manager): State<Arc<ContainerManager>>) -> Json<Value> {
    let containers: Vec<Value> = manager
        .statuses(None)
        .into_iter()
        .map(|status| {
            json!({
                "id": status.container_id,
                "state": if status.state == proto::yarn::ContainerState::ContainerComplete as i32 { "COMPLETE" } else { "RUNNING" },
                "exitCode": status.exit_status,
                "diagnostics": status.diagnostics,
            })
        })
        .collect();
    Json(json!({"containers": {"container": containers}}))
}
