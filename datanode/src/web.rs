//! The DataNode's HTTP port: Hadoop's `/datanode.html` (volumes and their usage, the
//! block pool, the NameNodes it serves, the block scanner, transfers under way; refreshed
//! live), and the beans `/jmx` and `/prom` show (Hadoop's DataNodeInfo names), for
//! operators and monitoring.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::ids::DatanodeUuid;
use common::metrics::Bean;
use common::time::now_millis;
use common::webui::chart::{self, Share};
use common::webui::format::{self, bytes, datetime, facts, progress};
use common::webui::{NavItem, Shell, html};

use crate::scanner::ScannerProgress;
use crate::xfer::TransferContext;

#[derive(Clone)]
struct WebState {
    context: Arc<TransferContext>,
    uuid: DatanodeUuid,
    /// The block scanner's progress; None when it is disabled.
    scanner: Option<Arc<ScannerProgress>>,
    shell: Shell,
}

/// The DataNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/datanode.html", "overview"),
    (
        "/webhdfs/v1",
        "WebHDFS (reached through the NameNode's redirects)",
    ),
];

/// The navigation of the DataNode's pages, as Hadoop's.
const NAV: &[NavItem] = &[
    ("/datanode.html", "Overview"),
    ("/logs/", "Logs"),
    ("/conf", "Configuration"),
    ("/jmx", "Metrics"),
];

/// The DataNode's pages; `scanner` is the block scanner's progress when it runs.
pub fn router(
    context: Arc<TransferContext>,
    uuid: DatanodeUuid,
    scanner: Option<Arc<ScannerProgress>>,
) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/datanode.html") }))
        .route(
            "/index.html",
            get(|| async { Redirect::to("/datanode.html") }),
        )
        .route("/datanode.html", get(overview))
        .with_state(WebState {
            context,
            uuid,
            scanner,
            shell: Shell::new("DataNode", NAV),
        })
}

fn usage_class(fraction: f64) -> &'static str {
    if fraction >= 0.9 {
        "bad"
    } else if fraction >= 0.7 {
        "warn"
    } else {
        "ok"
    }
}

async fn overview(State(state): State<WebState>) -> Response {
    let store = state.context.store.clone();
    let (usage, volumes) = tokio::task::spawn_blocking(move || (store.usage(), store.volumes()))
        .await
        .unwrap_or_default();
    let store = &state.context.store;
    let namenodes = state.context.namenode.statuses();
    let now = now_millis();
    let non_dfs_used = usage
        .capacity
        .saturating_sub(usage.dfs_used)
        .saturating_sub(usage.remaining);
    let content = html! {
        div #datanode-live data-live="5" {
            div.cards {
                div.card { div.label { "Transfers in flight" } div.value #xceivers { (state.context.xceivers.load(Ordering::Relaxed)) } }
                div.card { div.label { "Replicas" } div.value #replicas { (volumes.iter().map(|volume| volume.replicas).sum::<usize>()) } }
                div.card { div.label { "Volumes" } div.value { (volumes.len()) } }
                div.card { div.label { "Failed volumes" } div.value #failed-volumes { (usage.failed_volumes) } }
            }
            (facts([
                ("DataNode ID", html! { code #datanode-uuid { (state.uuid) } }),
                ("Cluster ID", html! { code #cluster-id { (store.cluster_id().unwrap_or_default()) } }),
                ("Version", html! { "Tusk " (env!("CARGO_PKG_VERSION")) }),
            ]))
            (chart::share_bar("Capacity", &[
                Share { label: "DFS used", amount: usage.dfs_used as f64, class: "used" },
                Share { label: "Non DFS used", amount: non_dfs_used as f64, class: "other" },
                Share { label: "Remaining", amount: usage.remaining as f64, class: "free" },
            ], |amount| bytes(amount as u64)))
            h2 { "Block Pools" }
            div.scroll {
                table #block-pools {
                    thead { tr {
                        th scope="col" { "Namenode Address" }
                        th scope="col" { "Block Pool ID" }
                        th scope="col" { "Actor State" }
                        th scope="col" { "Last Heartbeat" }
                        th scope="col" { "HA state" }
                    } }
                    tbody {
                        @for namenode in &namenodes {
                            tr {
                                td { (namenode.address) }
                                td { code { (store.block_pool().unwrap_or_default()) } }
                                td { @if namenode.last_heartbeat_millis > 0 { span.badge.ok { "RUNNING" } } @else { span.badge.warn { "CONNECTING" } } }
                                td data-sort=(namenode.last_heartbeat_millis) { (format::ago(namenode.last_heartbeat_millis, now)) }
                                td {
                                    (namenode.state)
                                    @if namenode.obeyed { " " span.muted { "(obeyed)" } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Volume Information" }
            div.scroll {
                table.sortable #volumes {
                    thead { tr {
                        th scope="col" { "Directory" }
                        th scope="col" { "StorageType" }
                        th scope="col" { "Capacity Used" }
                        th scope="col" { "Capacity Left" }
                        th scope="col" { "Capacity" }
                        th scope="col" { "Used %" }
                        th scope="col" { "Blocks" }
                        th scope="col" { "State" }
                    } }
                    tbody {
                        @for volume in &volumes {
                            @let used = volume.capacity.saturating_sub(volume.remaining);
                            @let fraction = if volume.capacity == 0 { 0.0 } else { used as f64 / volume.capacity as f64 };
                            tr {
                                td { code { (volume.root.display()) } }
                                td { "DISK" }
                                td.num data-sort=(volume.dfs_used) { (bytes(volume.dfs_used)) }
                                td.num data-sort=(volume.remaining) { (bytes(volume.remaining)) }
                                td.num data-sort=(volume.capacity) { (bytes(volume.capacity)) }
                                td { (progress(fraction, usage_class(fraction))) }
                                td.num { (volume.replicas) }
                                td { @if volume.failed { span.badge.bad { "Failed" } } @else { span.badge.ok { "In Service" } } }
                            }
                        }
                    }
                }
            }
            h2 { "Block Scanner" }
            @match &state.scanner {
                None => { p #block-scanner { "The block scanner is disabled (dfs.block.scanner.volume.bytes.per.second = 0)." } }
                Some(scanner) => {
                    @let due = scanner.due.load(Ordering::Relaxed);
                    @let verified = scanner.verified.load(Ordering::Relaxed);
                    div #block-scanner {
                        (facts([
                            ("Current pass", html! {
                                (progress(if due == 0 { 1.0 } else { verified as f64 / due as f64 }, "ok"))
                                " " (verified) " of " (due) " replicas verified"
                            }),
                            ("Passes completed", html! { (scanner.passes.load(Ordering::Relaxed)) }),
                            ("Last pass ended", html! { (datetime(scanner.last_pass_end_millis.load(Ordering::Relaxed))) }),
                            ("Corrupt replicas found", html! { (scanner.corrupt.load(Ordering::Relaxed)) }),
                        ]))
                    }
                }
            }
        }
    };
    state.shell.page("DataNode", "/datanode.html", content)
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
