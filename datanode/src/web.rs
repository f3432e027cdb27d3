//! The DataNode's HTTP port: a status page and `/jmx` with Hadoop's
//! DataNodeInfo bean names, for operators and monitoring.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Json};
use axum::routing::get;
use common::ids::DatanodeUuid;
use serde_json::{Value, json};

use crate::xfer::TransferContext;

#[derive(Clone)]
struct WebState {
    context: Arc<TransferContext>,
    uuid: DatanodeUuid,
}

pub fn router(context: Arc<TransferContext>, uuid: DatanodeUuid) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/jmx", get(jmx))
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

async fn jmx(State(state): State<WebState>) -> Json<Value> {
    let usage = state.context.store.usage();
    Json(json!({
        "beans": [{
            "name": "Hadoop:service=DataNode,name=DataNodeInfo",
            "DatanodeUuid": state.uuid.as_str(),
            "ClusterId": state.context.store.cluster_id().unwrap_or_default(),
            "XceiverCount": state.context.xceivers.load(Ordering::Relaxed),
            "Capacity": usage.capacity,
            "DfsUsed": usage.dfs_used,
            "Remaining": usage.remaining,
            "NumFailedVolumes": usage.failed_volumes,
            "BlockCount": state.context.store.replicas().len(),
        }]
    }))
}
