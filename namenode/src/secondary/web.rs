//! The SecondaryNameNode's HTTP port (`dfs.namenode.secondary.http-address`):
//! an overview page and `/jmx` with Hadoop's SecondaryNameNodeInfo names.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Json};
use axum::routing::get;
use serde_json::{Value, json};

use super::SecondaryNameNode;

#[derive(Clone)]
struct Page {
    secondary: Arc<SecondaryNameNode>,
    address: SocketAddr,
    started_millis: i64,
}

pub fn router(secondary: Arc<SecondaryNameNode>, address: SocketAddr) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/jmx", get(jmx))
        .with_state(Page {
            secondary,
            address,
            started_millis: common::time::now_millis(),
        })
}

fn checkpoint_dirs(page: &Page) -> Vec<String> {
    page.secondary
        .dir
        .image_dirs()
        .iter()
        .map(|dir| dir.display().to_string())
        .collect()
}

async fn overview(State(page): State<Page>) -> Html<String> {
    let status = page.secondary.status();
    let last = status
        .last_checkpoint_txid
        .map_or("never".to_string(), |txid| format!("at txid {txid}"));
    Html(format!(
        "<!doctype html><html><head><title>Tusk SecondaryNameNode</title></head><body>\
         <h1>SecondaryNameNode</h1><table>\
         <tr><th>NameNode</th><td>{}</td></tr>\
         <tr><th>Last checkpoint</th><td>{last}</td></tr>\
         <tr><th>Checkpoint period</th><td>{} s</td></tr>\
         <tr><th>Checkpoint transactions</th><td>{}</td></tr>\
         <tr><th>Checkpoint dirs</th><td>{}</td></tr>\
         </table></body></html>",
        page.secondary.config.namenode_rpc,
        page.secondary.config.period.as_secs(),
        page.secondary.config.txns,
        checkpoint_dirs(&page).join(", ")
    ))
}

async fn jmx(State(page): State<Page>) -> Json<Value> {
    let status = page.secondary.status();
    Json(json!({
        "beans": [{
            "name": "Hadoop:service=SecondaryNameNode,name=SecondaryNameNodeInfo",
            "HostAndPort": page.address.to_string(),
            "StartTime": page.started_millis,
            "LastCheckpointTime": status.last_checkpoint_millis.unwrap_or(0),
            "LastCheckpointTxId": status.last_checkpoint_txid.unwrap_or(0),
            "CheckpointDirectories": checkpoint_dirs(&page),
            "CheckpointPeriod": page.secondary.config.period.as_secs(),
            "TxnCount": page.secondary.config.txns,
        }]
    }))
}
