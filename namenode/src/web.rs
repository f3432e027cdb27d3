//! The NameNode's HTTP port: an overview page, `/jmx`, shaped like Hadoop's
//! (`{"beans": [...]}` with the FSNamesystem bean's names), and `/isActive`
//! (Hadoop's IsActiveServlet, which load balancers and proxies poll).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, Json};
use axum::routing::get;
use serde_json::{Value, json};

use crate::ha::HaState;
use crate::namesystem::Namesystem;

pub fn router(namesystem: Arc<Namesystem>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/jmx", get(jmx))
        .route("/isActive", get(is_active))
        .with_state(namesystem)
}

async fn overview(State(namesystem): State<Arc<Namesystem>>) -> Html<String> {
    let counts = namesystem.counts();
    let info = namesystem.storage_info();
    let safe_mode = if namesystem.in_safe_mode() {
        "ON"
    } else {
        "OFF"
    };
    Html(format!(
        "<!doctype html><html><head><title>Tusk NameNode</title></head><body>\
         <h1>NameNode overview</h1><table>\
         <tr><th>Cluster ID</th><td>{}</td></tr>\
         <tr><th>Block pool</th><td>{}</td></tr>\
         <tr><th>HA state</th><td>{}</td></tr>\
         <tr><th>Safe mode</th><td>{safe_mode}</td></tr>\
         <tr><th>Files and directories</th><td>{}</td></tr>\
         <tr><th>Blocks</th><td>{}</td></tr>\
         <tr><th>Last txid</th><td>{}</td></tr>\
         </table></body></html>",
        info.cluster_id,
        info.block_pool_id,
        namesystem.ha_state(),
        counts.files_total,
        counts.blocks_total,
        namesystem.last_txid()
    ))
}

async fn jmx(State(namesystem): State<Arc<Namesystem>>) -> Json<Value> {
    let counts = namesystem.counts();
    let info = namesystem.storage_info();
    Json(json!({
        "beans": [
            {
                "name": "Hadoop:service=NameNode,name=FSNamesystem",
                "FilesTotal": counts.files_total,
                "BlocksTotal": counts.blocks_total,
                "LastWrittenTransactionId": namesystem.last_txid(),
                "FilesUnderConstruction": namesystem.leases.open_files(),
                "FSState": if namesystem.in_safe_mode() { "safeMode" } else { "Operational" },
                "tag.HAState": namesystem.ha_state().name(),
                "PostponedMisreplicatedBlocks": namesystem.blocks().postponed_misreplicated_blocks(),
            },
            {
                "name": "Hadoop:service=NameNode,name=NameNodeStatus",
                "NNRole": "NameNode",
                "State": namesystem.ha_state().name(),
            },
            {
                "name": "Hadoop:service=NameNode,name=NameNodeInfo",
                "ClusterId": info.cluster_id,
                "BlockPoolId": info.block_pool_id,
                "Safemode": if namesystem.in_safe_mode() { namesystem.safe_mode_tip() } else { String::new() },
                // A JSON object in a string, as Hadoop's NameNodeMXBean gives it; on a standby,
                // the last txid it applied from the shared edits.
                "JournalTransactionInfo": json!({
                    "LastAppliedOrWrittenTxId": namesystem.last_txid().to_string(),
                })
                .to_string(),
            }
        ]
    }))
}

/// 200 "I am Active!" on the active NameNode, 405 "I am not Active!" on others.
async fn is_active(State(namesystem): State<Arc<Namesystem>>) -> (StatusCode, &'static str) {
    if namesystem.ha_state() == HaState::Active {
        (StatusCode::OK, "I am Active!")
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, "I am not Active!")
    }
}
