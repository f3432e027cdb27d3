//! Hadoop's NodeManager REST API under `/ws/v1/node`: node info, the
//! applications and containers on this node, and container log files.
//! Thin adapters over the [`ContainerManager`]'s read-models; answers
//! render through [`common::rest`] (JSON, or XML on request).

pub(crate) mod logs;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Response};
use axum::routing::get;
use common::rest::{RestError, RestResult, ok, respond};
use common::yarn::{ApplicationId, ContainerId};
use serde_json::{Value, json};

use crate::containers::{AppView, ContainerManager, ContainerView};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `/ws/v1/node` routes.
pub fn router(manager: Arc<ContainerManager>) -> Router {
    Router::new()
        .route("/ws/v1/node", get(info))
        .route("/ws/v1/node/info", get(info))
        .route("/ws/v1/node/apps", get(apps))
        .route("/ws/v1/node/apps/{app}", get(app))
        .route("/ws/v1/node/containers", get(containers))
        .route("/ws/v1/node/containers/{container}", get(container))
        .route(
            "/ws/v1/node/containerlogs/{container}/{file}",
            get(logs::container_log),
        )
        .with_state(manager)
}

/// Hadoop's NodeInfo; build dates are not recorded ("Unknown", as
/// Hadoop's VersionInfo says then).
fn node_info(manager: &ContainerManager) -> RestResult {
    ok(json!({"nodeInfo": node_info_document(manager)}))
}

/// The NodeInfo object itself (the REST answer and the web pages show it).
pub(crate) fn node_info_document(manager: &ContainerManager) -> Value {
    let config = &manager.config;
    let build = format!("{VERSION} from tusk");
    json!({
        "id": manager.node_id,
        "nodeHostName": config.hostname,
        "healthReport": "",
        "nodeHealthy": true,
        "lastNodeUpdateTime": common::time::now_millis(),
        "totalVmemAllocatedContainersMB": 0,
        "totalPmemAllocatedContainersMB": config.memory_mb,
        "totalVCoresAllocatedContainers": config.vcores,
        "vmemCheckEnabled": false,
        "pmemCheckEnabled": config.pmem_check_enabled,
        "nodeManagerVersion": VERSION,
        "nodeManagerBuildVersion": build,
        "nodeManagerVersionBuiltOn": "Unknown",
        "hadoopVersion": VERSION,
        "hadoopBuildVersion": build,
        "hadoopVersionBuiltOn": "Unknown",
    })
}

/// Hadoop's NM AppInfo.
pub(crate) fn app_info(app: &AppView) -> Value {
    let container_ids: Vec<String> = app.containers.iter().map(ToString::to_string).collect();
    json!({
        "id": app.id.to_string(),
        "state": if app.ending { "FINISHING_CONTAINERS_WAIT" } else { "RUNNING" },
        "user": app.user,
        "containerids": container_ids,
    })
}

/// Hadoop's NM ContainerInfo.
pub(crate) fn container_info(manager: &ContainerManager, container: &ContainerView) -> Value {
    let id = container.id.to_string();
    json!({
        "id": id,
        "state": container.state,
        "exitCode": container.exit_status,
        "diagnostics": container.diagnostics,
        "user": container.user,
        "totalMemoryNeededMB": container.memory_mb,
        "totalVCoresNeeded": container.vcores,
        "containerLogsLink": format!(
            "http://{}/node/containerlogs/{id}/{}",
            manager.http_address, container.user
        ),
        "nodeId": manager.node_id,
        "executionType": "GUARANTEED",
        "containerLogFiles": logs::log_file_names(manager, container.id),
    })
}

async fn info(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
) -> Response<String> {
    respond(&headers, node_info(&manager))
}

async fn apps(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
) -> Response<String> {
    let apps: Vec<Value> = manager.app_views().iter().map(app_info).collect();
    respond(&headers, ok(json!({"apps": {"app": apps}})))
}

fn find_app(manager: &ContainerManager, text: &str) -> RestResult {
    let id: ApplicationId = text.parse().map_err(RestError::bad_argument)?;
    let app = manager
        .app_views()
        .into_iter()
        .find(|app| app.id == id)
        .ok_or_else(|| RestError::not_found(format!("app with id {text} not found")))?;
    ok(json!({"app": app_info(&app)}))
}

async fn app(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, find_app(&manager, &app))
}

async fn containers(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
) -> Response<String> {
    let containers: Vec<Value> = manager
        .container_views()
        .iter()
        .map(|container| container_info(&manager, container))
        .collect();
    respond(
        &headers,
        ok(json!({"containers": {"container": containers}})),
    )
}

fn find_container(manager: &ContainerManager, text: &str) -> RestResult {
    let id: ContainerId = text
        .parse()
        .map_err(|_| RestError::bad_request(format!("invalid container id, {text}")))?;
    let container = manager
        .container_views()
        .into_iter()
        .find(|container| container.id == id)
        .ok_or_else(|| RestError::not_found(format!("container with id, {text}, not found")))?;
    ok(json!({"container": container_info(manager, &container)}))
}

async fn container(
    State(manager): State<Arc<ContainerManager>>,
    headers: HeaderMap,
    Path(container): Path<String>,
) -> Response<String> {
    respond(&headers, find_container(&manager, &container))
}
