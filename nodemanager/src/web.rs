//! The NodeManager's web port: Hadoop 3's pages under `/node` (the node, its
//! applications and containers, containers' log files), Hadoop's REST API
//! (`/ws/v1/node`, see [`crate::rest`]) and the beans `/jmx` and `/prom` show (Hadoop's
//! NodeManagerMetrics names). Pages render the same documents the REST API serves.
//! Hadoop's REST CSRF filter guards it all when
//! `yarn.nodemanager.webapp.rest-csrf.enabled` is set.

mod logs;
mod node;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::http::csrf::{self, CsrfGuard};
use common::metrics::Bean;
use common::webui::{Markup, NavItem, Shell, html};

use crate::containers::ContainerManager;

/// The NodeManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/node", "about the node"),
    ("/node/allApplications", "its applications"),
    ("/node/allContainers", "its containers"),
    ("/ws/v1/node/info", "about the node"),
    ("/ws/v1/node/apps", "its applications"),
    ("/ws/v1/node/containers", "its containers"),
];

/// The navigation of every page.
const NAV: &[NavItem] = &[
    ("/node", "Node Information"),
    ("/node/allApplications", "List of Applications"),
    ("/node/allContainers", "List of Containers"),
];

/// What the page handlers share: the node's containers and the frame of its pages.
#[derive(Clone)]
struct Web {
    manager: Arc<ContainerManager>,
    shell: Shell,
}

impl Web {
    /// A 404 page saying what was not found.
    fn missing(&self, title: &str, active: &str, message: &str) -> Response {
        let mut response = self
            .shell
            .page(title, active, html! { p.notice.bad { (message) } });
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    }
}

/// The web port's routes: pages and REST, behind the CSRF filter.
pub fn router(manager: Arc<ContainerManager>) -> Router {
    let health_of = manager.clone();
    let shell = Shell::new("NodeManager", NAV).state(move || {
        let info = crate::rest::node_info_document(&health_of);
        if info["nodeHealthy"].as_bool().unwrap_or(false) {
            "healthy".to_string()
        } else {
            "unhealthy".to_string()
        }
    });
    let web = Web {
        manager: manager.clone(),
        shell,
    };
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/node") }))
        .route("/node", get(node::node))
        .route("/node/node", get(node::node))
        .route("/node/allApplications", get(node::applications))
        .route("/node/application/{app}", get(node::application))
        .route("/node/allContainers", get(node::containers))
        .route("/node/container/{container}", get(node::container))
        .route("/node/containerlogs/{container}/{user}", get(logs::files))
        .route(
            "/node/containerlogs/{container}/{user}/{file}",
            get(logs::file),
        )
        .with_state(web);
    let guard = CsrfGuard::from_conf(&manager.config.conf, &csrf::NODEMANAGER);
    CsrfGuard::apply(guard, pages.merge(crate::rest::router(manager)))
}

/// A container state written as a colored badge.
fn badge(state: &str) -> Markup {
    let class = match state {
        "RUNNING" | "EXITED_WITH_SUCCESS" => "ok",
        "NEW" | "LOCALIZING" | "KILLING" | "FINISHING_CONTAINERS_WAIT" => "warn",
        "EXITED_WITH_FAILURE" => "bad",
        _ => "",
    };
    html! { span.badge.(class) { (state) } }
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
