//! The DataNode's HTTP port: a status page, and the beans `/jmx` and `/prom` show
//! (Hadoop's DataNodeInfo names), for operators and monitoring.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use common::ids::DatanodeUuid;
use common::metrics::Bean;

use crate::xfer::TransferContext;

#[derive(Clone)]
struct WebState {
    context: Arc<TransferContext>,
    uuid: DatanodeUuid,
}

/// The DataNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/", "overview"),
    (
        "/webhdfs/v1",
        "WebHDFS (reached through the NameNode's redirects)",
    ),
];

pub fn router(context: Arc<TransferContext>, uuid: DatanodeUuid) -> Router {
    Router::new()
        .route("/", get(overview))
        .with_state(WebState { context, uuid })
}

async fn overview(State(state): State<WebState>) -> Html<String> {
    let usage = state.context.store.usage();
    Html(format!(
        "<!doctype html><html><head><title>Tusk DataNode</title></head><body>\
         <h1>DataNode {}</h1><table>\
         <tr><th>Cluster ID</th><td>{}</td></tr>\
         <tr><th>Replicas</th><td>{}</td></tr>\
         <tr><th>Capacity</th><td>{}</td></tr>\
         <tr><th>DFS used</th><td>{}</td></tr>\
         <tr><th>Remaining</th><td>{}</td></tr>\
         <tr><th>Transfers</th><td>{}</td></tr>\
         </table></body></html>",
        state.uuid,
        state.context.store.cluster_id().unwrap_or_default(),
        state.context.store.replicas().len(),
        usage.capacity,
        usage.dfs_used,
        usage.remaining,
        state.context.xceivers.load(Ordering::Relaxed),
    ))
}

/// The DataNode's beans: DataNodeInfo, its numbers as gauges.
pub fn beans(context: &TransferContext, uuid: &DatanodeUuid) -> Vec<Bean> {
    let usage = context.store.usage();
    vec![
        Bean::new("DataNode", "DataNodeInfo")
            .info("DatanodeUuid", uuid.as_str())
            .info("ClusterId", context.store.cluster_id().unwrap_or_default())
            .gauge("XceiverCount", context.xceivers.load(Ordering::Relaxed))
            .gauge("Capacity", usage.capacity)
            .gauge("DfsUsed", usage.dfs_used)
            .gauge("Remaining", usage.remaining)
            .gauge("NumFailedVolumes", usage.failed_volumes)
            .gauge("BlockCount", context.store.replicas().len()),
    ]
}
