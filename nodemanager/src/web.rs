//! The NodeManager's web port: Hadoop's REST API (`/ws/v1/node`, see [`crate::rest`]),
//! and the beans `/jmx` and `/prom` show (Hadoop's NodeManagerMetrics names).

use std::sync::Arc;

use axum::Router;
use common::metrics::Bean;

use crate::containers::ContainerManager;

/// The NodeManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/ws/v1/node/info", "about the node"),
    ("/ws/v1/node/apps", "its applications"),
    ("/ws/v1/node/containers", "its containers"),
];

pub fn router(manager: Arc<ContainerManager>) -> Router {
    crate::rest::router(manager)
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
