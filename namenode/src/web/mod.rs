//! The NameNode's HTTP port: Hadoop's pages at Hadoop's paths (`/dfshealth.html` with its
//! tabs, `/explorer.html`), the beans `/jmx` and `/prom` show (with Hadoop's FSNamesystem,
//! NameNodeStatus, NameNodeInfo and StartupProgress names), and `/isActive` (Hadoop's
//! IsActiveServlet, which load balancers and proxies poll).

mod explorer;
mod health;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Redirect;
use axum::routing::get;
use common::metrics::{Bean, RpcMetrics};
use common::webui::series::Sampler;
use common::webui::{NavItem, Shell};
use serde_json::json;

use crate::ha::HaState;
use crate::namesystem::Namesystem;

/// The NameNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/dfshealth.html", "overview, DataNodes, startup progress"),
    ("/explorer.html", "browse the file system"),
    ("/isActive", "200 on the active NameNode"),
    ("/webhdfs/v1/?op=LISTSTATUS", "WebHDFS"),
];

/// The navigation of every NameNode page, as Hadoop's: the tabs of `dfshealth.html`, the
/// file browser, and the utilities.
const NAV: &[NavItem] = &[
    ("/dfshealth.html#tab-overview", "Overview"),
    ("/dfshealth.html#tab-datanode", "Datanodes"),
    (
        "/dfshealth.html#tab-datanode-volume-failures",
        "Datanode Volume Failures",
    ),
    ("/dfshealth.html#tab-snapshot", "Snapshot"),
    ("/dfshealth.html#tab-startup-progress", "Startup Progress"),
    ("/explorer.html", "Browse the file system"),
    ("/logs/", "Logs"),
    ("/conf", "Configuration"),
    ("/jmx", "Metrics"),
];

/// What the NameNode's pages read.
#[derive(Clone)]
struct Web {
    namesystem: Arc<Namesystem>,
    shell: Shell,
    /// `hadoop.http.staticuser.user`: who the file browser acts as unless told.
    static_user: Arc<str>,
}

/// The NameNode's pages; `static_user` is `hadoop.http.staticuser.user`.
pub fn router(namesystem: Arc<Namesystem>, static_user: &str) -> Router {
    let state_of = namesystem.clone();
    let shell = Shell::new("NameNode", NAV).state(move || {
        if state_of.in_safe_mode() {
            format!("{} (safe mode)", state_of.ha_state())
        } else {
            state_of.ha_state().to_string()
        }
    });
    Router::new()
        .route("/", get(|| async { Redirect::to("/dfshealth.html") }))
        .route(
            "/index.html",
            get(|| async { Redirect::to("/dfshealth.html") }),
        )
        .route("/dfshealth.html", get(health::page))
        .route("/explorer.html", get(explorer::page))
        .route("/isActive", get(is_active))
        .with_state(Web {
            namesystem,
            shell,
            static_user: static_user.into(),
        })
}

/// What the RPC chart of the overview draws, sampled every few seconds: calls so far
/// (drawn as a rate), the average processing time of the calls since the last sample,
/// and the calls in progress.
pub fn rpc_sampler(metrics: Arc<RpcMetrics>) -> Sampler {
    let previous = Mutex::new((0u64, 0.0f64));
    Box::new(move || {
        let (calls, millis, in_progress) = metrics.totals();
        let mut last = previous.lock().unwrap_or_else(|e| e.into_inner());
        let new_calls = calls.saturating_sub(last.0);
        let average = if new_calls == 0 {
            0.0
        } else {
            (millis - last.1).max(0.0) / new_calls as f64
        };
        *last = (calls, millis);
        vec![
            ("RpcCalls", calls as f64),
            ("RpcProcessingTimeAvgTime", average),
            ("CallQueueLength", in_progress as f64),
        ]
    })
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
        namesystem
            .startup_progress()
            .bean(common::time::now_millis()),
    ]
}

/// 200 "I am Active!" on the active NameNode, 405 "I am not Active!" on others.
async fn is_active(State(web): State<Web>) -> (StatusCode, &'static str) {
    if web.namesystem.ha_state() == HaState::Active {
        (StatusCode::OK, "I am Active!")
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, "I am not Active!")
    }
}
