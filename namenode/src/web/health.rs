//! `/dfshealth.html`: Hadoop's NameNode overview with its tabs (Overview, Datanodes,
//! Datanode Volume Failures, Snapshot, Startup Progress), all rendered in one page from a
//! snapshot of the NameNode's state; the fragment of Hadoop's bookmarks
//! (`#tab-datanode`) picks the tab shown.

use std::path::PathBuf;

use axum::extract::State;
use axum::response::Response;
use common::time::now_millis;
use common::webui::chart::{self, Share};
use common::webui::format::{self, bytes, datetime, facts, percent, progress};
use common::webui::tabs::{Tab, tabs};
use common::webui::{Markup, html};

use super::Web;
use crate::blockmanager::{AdminState, BlockStats, DatanodeStatus};
use crate::namesystem::Namesystem;
use crate::startup_progress::Status;
use crate::storage;

/// The newest fsimage in the name dirs: its txid and when it was written.
#[derive(Clone, Copy, Debug, Default)]
struct LastCheckpoint {
    txid: u64,
    written_millis: i64,
}

/// Reads the name dirs' listing (a few directory entries; blocking).
fn last_checkpoint(currents: &[PathBuf]) -> LastCheckpoint {
    let Ok(listing) = storage::list_files(currents) else {
        return LastCheckpoint::default();
    };
    let Some((&txid, copies)) = listing.images.iter().next_back() else {
        return LastCheckpoint::default();
    };
    let written_millis = copies
        .first()
        .and_then(|path| std::fs::metadata(path).ok())
        .and_then(|meta| meta.modified().ok())
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_millis() as i64);
    LastCheckpoint {
        txid,
        written_millis,
    }
}

/// Hadoop's name of a DataNode's state.
fn node_state(node: &DatanodeStatus) -> &'static str {
    match (node.alive, node.admin_state) {
        (false, AdminState::Decommissioned) => "Decommissioned, Dead",
        (false, _) => "Dead",
        (true, AdminState::Normal) => "In Service",
        (true, AdminState::DecommissionInProgress) => "Decommissioning",
        (true, AdminState::Decommissioned) => "Decommissioned",
    }
}

fn used_fraction(node: &DatanodeStatus) -> f64 {
    if node.capacity == 0 {
        0.0
    } else {
        node.dfs_used as f64 / node.capacity as f64
    }
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

pub(super) async fn page(State(web): State<Web>) -> Response {
    let namesystem = web.namesystem.clone();
    let currents = namesystem.current_dirs();
    let checkpoint = tokio::task::spawn_blocking(move || last_checkpoint(&currents))
        .await
        .unwrap_or_default();
    let nodes = namesystem.blocks().datanode_report();
    let stats = namesystem.blocks().stats();
    let now = now_millis();
    let content = tabs(vec![
        Tab {
            id: "tab-overview",
            label: "Overview",
            content: overview(&web, &namesystem, &nodes, &stats, checkpoint, now),
        },
        Tab {
            id: "tab-datanode",
            label: "Datanode Information",
            content: datanodes(&nodes, now),
        },
        Tab {
            id: "tab-datanode-volume-failures",
            label: "Datanode Volume Failures",
            content: volume_failures(&nodes),
        },
        Tab {
            id: "tab-snapshot",
            label: "Snapshot Summary",
            content: html! {
                p.notice { "Snapshots are not supported yet: there are no snapshottable directories and no snapshots." }
            },
        },
        Tab {
            id: "tab-startup-progress",
            label: "Startup Progress",
            content: startup_progress(&namesystem, now),
        },
    ]);
    web.shell.page("Namenode information", "", content)
}

fn overview(
    web: &Web,
    namesystem: &Namesystem,
    nodes: &[DatanodeStatus],
    stats: &BlockStats,
    checkpoint: LastCheckpoint,
    now: i64,
) -> Markup {
    let info = namesystem.storage_info();
    let counts = namesystem.counts();
    let live = nodes.iter().filter(|node| node.alive).count();
    let dead = nodes.len() - live;
    let decommissioning = nodes
        .iter()
        .filter(|node| node.admin_state == AdminState::DecommissionInProgress)
        .count();
    let decommissioned = nodes
        .iter()
        .filter(|node| node.admin_state == AdminState::Decommissioned)
        .count();
    let failed_volumes: u32 = nodes.iter().map(|node| node.failed_volumes).sum();
    let non_dfs_used = stats
        .capacity
        .saturating_sub(stats.used)
        .saturating_sub(stats.remaining);
    let memory = common::metrics::resident_bytes().unwrap_or(0);
    let safe_mode = if namesystem.in_safe_mode() {
        namesystem.safe_mode_tip()
    } else {
        "Safe mode is off.".to_string()
    };
    let summary = facts([
        ("Security", html! { "Security is off." }),
        (
            "Safe mode",
            html! {
                @if namesystem.in_safe_mode() { span.badge.warn { "ON" } " " } (safe_mode)
            },
        ),
        (
            "Files and directories",
            html! {
                (counts.files_total) " files and directories, " (counts.blocks_total) " blocks ("
                (counts.files_total + counts.blocks_total) " total filesystem object(s))."
            },
        ),
        (
            "Memory used",
            html! { (bytes(memory)) " (resident set size of the NameNode process)" },
        ),
        ("Configured Capacity", html! { (bytes(stats.capacity)) }),
        (
            "DFS Used",
            html! { (bytes(stats.used)) " (" (percent(stats.used as f64, stats.capacity as f64)) ")" },
        ),
        ("Non DFS Used", html! { (bytes(non_dfs_used)) }),
        (
            "DFS Remaining",
            html! { (bytes(stats.remaining)) " (" (percent(stats.remaining as f64, stats.capacity as f64)) ")" },
        ),
        (
            "Live Nodes",
            html! { a #live-nodes href="#tab-datanode" { (live) } " (Decommissioned: " (decommissioned) ", In Maintenance: 0)" },
        ),
        (
            "Dead Nodes",
            html! { a #dead-nodes href="#tab-datanode" { (dead) } },
        ),
        (
            "Decommissioning Nodes",
            html! { a href="#tab-datanode" { (decommissioning) } },
        ),
        (
            "Total Datanode Volume Failures",
            html! { a href="#tab-datanode-volume-failures" { (failed_volumes) } },
        ),
        (
            "Number of Under-Replicated Blocks",
            html! { (stats.under_replicated) },
        ),
        (
            "Number of Missing Blocks",
            html! {
                @if stats.missing_blocks > 0 { span.badge.bad { (stats.missing_blocks) } } @else { "0" }
            },
        ),
        (
            "Number of Blocks with Corrupt Replicas",
            html! {
                @if stats.corrupt_blocks > 0 { span.badge.bad { (stats.corrupt_blocks) } } @else { "0" }
            },
        ),
        (
            "Last Checkpoint Time",
            html! { (datetime(checkpoint.written_millis)) },
        ),
        (
            "Last Checkpoint Transaction ID",
            html! { (checkpoint.txid) },
        ),
        (
            "Last Written Transaction ID",
            html! { (namesystem.last_txid()) },
        ),
    ]);
    let usages: Vec<f64> = nodes
        .iter()
        .filter(|node| node.alive)
        .map(|node| 100.0 * used_fraction(node))
        .collect();
    html! {
        div #overview-live data-live="5" {
            div.cards {
                div.card { div.label { "HA state" } div.value #ha-state { (namesystem.ha_state()) } }
                div.card { div.label { "Live DataNodes" } div.value { a href="#tab-datanode" { (live) } } }
                div.card { div.label { "Dead DataNodes" } div.value { a href="#tab-datanode" { (dead) } } }
                div.card { div.label { "Files + directories" } div.value { (counts.files_total) } }
                div.card { div.label { "Blocks" } div.value { (counts.blocks_total) } }
                div.card { div.label { "Missing blocks" } div.value { (stats.missing_blocks) } }
            }
            (facts([
                ("Namenode", html! { (common::metrics::hostname()) " (" (namesystem.ha_state()) ")" }),
                ("Started", html! { (datetime(web.shell.started())) " (" (format::duration(now - web.shell.started())) " ago)" }),
                ("Version", html! { "Tusk " (env!("CARGO_PKG_VERSION")) }),
                ("Cluster ID", html! { code #cluster-id { (info.cluster_id) } }),
                ("Block Pool ID", html! { code #block-pool-id { (info.block_pool_id) } }),
            ]))
            h2 { "Summary" }
            (chart::share_bar("Capacity", &[
                Share { label: "DFS used", amount: stats.used as f64, class: "used" },
                Share { label: "Non DFS used", amount: non_dfs_used as f64, class: "other" },
                Share { label: "Remaining", amount: stats.remaining as f64, class: "free" },
            ], |amount| bytes(amount as u64)))
            (summary)
        }
        h2 { "RPC activity" }
        div.columns {
            (chart::live_line("Client and DataNode RPC calls", &["RpcCalls"], true, ""))
            (chart::live_line("Average processing time and calls in progress", &["RpcProcessingTimeAvgTime", "CallQueueLength"], false, ""))
        }
        h2 { "DataNode usage" }
        (chart::percent_histogram("DataNode usage histogram", &usages))
        h2 { "NameNode Journal Status" }
        div.scroll {
            table #journal-status {
                thead { tr { th scope="col" { "Journal Manager" } th scope="col" { "State" } } }
                tbody {
                    @for (journal, state) in namesystem.journal_status() {
                        tr { td { code { (journal) } } td { (state) } }
                    }
                }
            }
        }
        h2 { "NameNode Storage" }
        div.scroll {
            table #name-storage {
                thead { tr { th scope="col" { "Storage Directory" } th scope="col" { "Type" } th scope="col" { "State" } } }
                tbody {
                    @for current in namesystem.current_dirs() {
                        @let root = current.parent().unwrap_or(&current).to_path_buf();
                        tr {
                            td { code { (root.display()) } }
                            td { "IMAGE_AND_EDITS" }
                            td { @if current.is_dir() { span.badge.ok { "Active" } } @else { span.badge.bad { "Failed" } } }
                        }
                    }
                }
            }
        }
    }
}

fn node_row(node: &DatanodeStatus, now: i64) -> Markup {
    let address = &node.location.address;
    let fraction = used_fraction(node);
    let http = format!("http://{}:{}/", address.host, address.http_port);
    html! {
        tr {
            td.nowrap { (address.host) ":" (address.xfer_port) br; span.muted { (node.location.rack) } }
            td.nowrap { a href=(http) { (address.host) ":" (address.http_port) } }
            td.nowrap data-sort=(node.last_heartbeat_millis) { (format::ago(node.last_heartbeat_millis, now)) }
            td.nowrap data-sort=(node.last_block_report_millis) { (format::ago(node.last_block_report_millis, now)) }
            td.num.nowrap data-sort=(node.capacity) { (bytes(node.capacity)) }
            td.num.nowrap data-sort=(node.dfs_used) { (bytes(node.dfs_used)) }
            td.num.nowrap data-sort=(node.remaining) { (bytes(node.remaining)) }
            td { (progress(fraction, usage_class(fraction))) }
            td.num { (node.num_blocks) }
            td.num { (node.failed_volumes) }
            td.nowrap { (node_state(node)) }
        }
    }
}

fn node_table(id: &str, nodes: &[&DatanodeStatus], now: i64) -> Markup {
    html! {
        div.scroll {
            table.sortable.datanodes id=(id) data-filter {
                thead {
                    tr {
                        th scope="col" { "Node" }
                        th scope="col" { "Http Address" }
                        th scope="col" { "Last contact" }
                        th scope="col" { "Last Block Report" }
                        th scope="col" { "Capacity" }
                        th scope="col" { "DFS Used" }
                        th scope="col" { "Remaining" }
                        th scope="col" { "Used %" }
                        th scope="col" { "Blocks" }
                        th scope="col" { "Failed Volumes" }
                        th scope="col" { "State" }
                    }
                }
                tbody {
                    @for node in nodes { (node_row(node, now)) }
                }
            }
        }
    }
}

fn datanodes(nodes: &[DatanodeStatus], now: i64) -> Markup {
    let in_operation: Vec<&DatanodeStatus> = nodes.iter().filter(|node| node.alive).collect();
    let dead: Vec<&DatanodeStatus> = nodes.iter().filter(|node| !node.alive).collect();
    let decommissioning: Vec<&DatanodeStatus> = nodes
        .iter()
        .filter(|node| node.admin_state != AdminState::Normal)
        .collect();
    let usages: Vec<f64> = in_operation
        .iter()
        .map(|node| 100.0 * used_fraction(node))
        .collect();
    html! {
        div #datanodes-live data-live="5" {
            p.legend {
                span.badge.ok { "In Service " (in_operation.len()) } " "
                span.badge.bad { "Dead " (dead.len()) } " "
                span.badge.warn { "Decommissioning / Decommissioned " (decommissioning.len()) }
            }
            (chart::percent_histogram("Datanode usage histogram", &usages))
            h3 { "In operation" }
            @if in_operation.is_empty() {
                p.notice { "No DataNode is in operation." }
            } @else {
                (node_table("datanodes-live-table", &in_operation, now))
            }
            h3 { "Dead" }
            @if dead.is_empty() {
                p.muted { "No dead DataNode." }
            } @else {
                (node_table("datanodes-dead-table", &dead, now))
            }
            h3 { "Decommissioning" }
            @if decommissioning.is_empty() {
                p.muted { "No DataNode is being decommissioned." }
            } @else {
                (node_table("datanodes-decommissioning-table", &decommissioning, now))
            }
        }
    }
}

fn volume_failures(nodes: &[DatanodeStatus]) -> Markup {
    let failing: Vec<&DatanodeStatus> = nodes
        .iter()
        .filter(|node| node.failed_volumes > 0)
        .collect();
    html! {
        @if failing.is_empty() {
            p #no-volume-failures { "There are no reported volume failures." }
        } @else {
            div.scroll {
                table.sortable #volume-failures {
                    thead { tr {
                        th scope="col" { "Node" }
                        th scope="col" { "Failed Volumes" }
                        th scope="col" { "Estimated Capacity Lost" }
                        th scope="col" { "State" }
                    } }
                    tbody {
                        @for node in failing {
                            tr {
                                td { (node.location.address.host) ":" (node.location.address.xfer_port) }
                                td.num { (node.failed_volumes) }
                                td { "N/A" }
                                td { (node_state(node)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn startup_progress(namesystem: &Namesystem, now: i64) -> Markup {
    let progress_of = namesystem.startup_progress();
    let phases = progress_of.view(now);
    html! {
        div #startup-live data-live="5" {
            p {
                "Elapsed Time: " (format::duration(progress_of.elapsed_millis(now)))
                ", Percent Complete: " span #startup-percent { (format!("{:.0}%", 100.0 * progress_of.fraction_complete(now))) }
            }
            div.scroll {
                table #startup-phases {
                    thead { tr {
                        th scope="col" { "Phase" }
                        th scope="col" { "Status" }
                        th scope="col" { "Completion" }
                        th scope="col" { "Elapsed Time" }
                    } }
                    tbody {
                        @for phase in &phases {
                            tr data-phase=(phase.phase.name()) {
                                td {
                                    (phase.phase.description())
                                    @if !phase.file.is_empty() { " " span.muted { (phase.file) } }
                                    @if phase.total > 0 { br; span.muted { (phase.count) " / " (phase.total) } }
                                }
                                td {
                                    @match phase.status {
                                        Status::Complete => { span.badge.ok { (phase.status.name()) } }
                                        Status::Running => { span.badge.warn { (phase.status.name()) } }
                                        Status::Pending => { span.badge { (phase.status.name()) } }
                                    }
                                }
                                td { (progress(phase.fraction, "ok")) }
                                td { (format::duration(phase.elapsed_millis)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
