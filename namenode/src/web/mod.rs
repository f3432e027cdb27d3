//! The NameNode's HTTP port: an overview page, the beans `/jmx` and `/prom` show (with
//! Hadoop's FSNamesystem, NameNodeStatus and NameNodeInfo names), and `/isActive`
//! (Hadoop's IsActiveServlet, which load balancers and proxies poll).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use common::metrics::{Bean, RpcMetrics};
use serde_json::json;

use crate::ha::HaState;
use crate::namesystem::Namesystem;

/// The NameNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/", "overview"),
    ("/isActive", "200 on the active NameNode"),
    ("/webhdfs/v1/?op=LISTSTATUS", "WebHDFS"),
];

pub fn router(namesystem: Arc<Namesystem>) -> Router {
    Router::new()
        .route("/", get(overview))
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

/// Hadoop's NameNodeActivity counters and the ClientProtocol methods they count.
const ACTIVITY: &[(&str, &str)] = &[
    ("CreateFileOps", "Create"),
    ("FilesAppended", "Append"),
    ("GetBlockLocations", "GetBlockLocations"),
    ("FilesRenamed", "Rename"),
    ("GetListingOps", "GetListing"),
    ("DeleteFileOps", "Delete"),
    ("FileInfoOps", "GetFileInfo"),
    ("AddBlockOps", "AddBlock"),
];

/// The RPC server's beans (`RpcActivityForPort<port>`, `RpcDetailedActivityForPort<port>`)
/// and NameNodeActivity, whose operation counters are the RPC calls that ask for them.
pub fn rpc_beans(metrics: &RpcMetrics, port: u16) -> Vec<Bean> {
    let mut beans = metrics.beans("NameNode", port);
    let mut activity = Bean::record("NameNode", "NameNodeActivity", "dfs")
        .tag("ProcessName", "NameNode")
        .tag("Hostname", common::metrics::hostname());
    for (counter, method) in ACTIVITY {
        activity = activity.counter(counter, metrics.calls(method));
    }
    beans.push(activity);
    beans
}

/// The NameNode's beans, as Hadoop names them.
pub fn beans(namesystem: &Namesystem) -> Vec<Bean> {
    let counts = namesystem.counts();
    let info = namesystem.storage_info();
    let ha_state = namesystem.ha_state().name();
    vec![
        Bean::record("NameNode", "FSNamesystem", "dfs")
            .tag("HAState", ha_state)
            .gauge("FilesTotal", counts.files_total)
            .gauge("BlocksTotal", counts.blocks_total)
            .gauge("LastWrittenTransactionId", namesystem.last_txid())
            .gauge("FilesUnderConstruction", namesystem.leases.open_files())
            .info(
                "FSState",
                if namesystem.in_safe_mode() {
                    "safeMode"
                } else {
                    "Operational"
                },
            )
            .gauge(
                "PostponedMisreplicatedBlocks",
                namesystem.blocks().postponed_misreplicated_blocks(),
            ),
        Bean::new("NameNode", "NameNodeStatus")
            .info("NNRole", "NameNode")
            .info("State", ha_state),
        Bean::new("NameNode", "NameNodeInfo")
            .info("ClusterId", info.cluster_id.clone())
            .info("BlockPoolId", info.block_pool_id.clone())
            .info(
                "Safemode",
                if namesystem.in_safe_mode() {
                    namesystem.safe_mode_tip()
                } else {
                    String::new()
                },
            )
            // A JSON object in a string, as Hadoop's NameNodeMXBean gives it; on a standby,
            // the last txid it applied from the shared edits.
            .info(
                "JournalTransactionInfo",
                json!({
                    "LastAppliedOrWrittenTxId": namesystem.last_txid().to_string(),
                })
                .to_string(),
            ),
    ]
}

/// 200 "I am Active!" on the active NameNode, 405 "I am not Active!" on others.
async fn is_active(State(namesystem): State<Arc<Namesystem>>) -> (StatusCode, &'static str) {
    if namesystem.ha_state() == HaState::Active {
        (StatusCode::OK, "I am Active!")
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, "I am not Active!")
    }
}
