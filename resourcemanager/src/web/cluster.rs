//! `/cluster` (the overview: cluster metrics, memory and vcores, their history, nodes by
//! state) and `/cluster/about`.

use axum::extract::State;
use axum::response::Response;
use common::webui::chart::{Share, live_line, share_bar};
use common::webui::fields::{integer, number, text};
use common::webui::{Markup, format, html};
use serde_json::Value;

use super::{Web, megabytes};
use crate::rest::cluster::{cluster_info, metrics_info};

/// One figure of the overview, linking to the list behind it when there is one.
fn card(label: &str, value: String, link: Option<&str>) -> Markup {
    html! {
        @if let Some(link) = link {
            a.card href=(link) { div.value { (value) } div.label { (label) } }
        } @else {
            div.card { div.value { (value) } div.label { (label) } }
        }
    }
}

fn count(metrics: &Value, key: &str) -> String {
    integer(metrics, key).to_string()
}

/// The cards and bars of the cluster's metrics (refreshed live).
fn metrics_section(metrics: &Value) -> Markup {
    let apps = [
        ("Apps Submitted", "appsSubmitted", "/cluster/apps"),
        ("Apps Pending", "appsPending", "/cluster/apps/ACCEPTED"),
        ("Apps Running", "appsRunning", "/cluster/apps/RUNNING"),
        ("Apps Completed", "appsCompleted", "/cluster/apps/FINISHED"),
        ("Apps Killed", "appsKilled", "/cluster/apps/KILLED"),
        ("Apps Failed", "appsFailed", "/cluster/apps/FAILED"),
    ];
    let nodes = [
        ("Active Nodes", "activeNodes", "/cluster/nodes/running"),
        (
            "Decommissioning Nodes",
            "decommissioningNodes",
            "/cluster/nodes/decommissioning",
        ),
        (
            "Decommissioned Nodes",
            "decommissionedNodes",
            "/cluster/nodes/decommissioned",
        ),
        ("Lost Nodes", "lostNodes", "/cluster/nodes/lost"),
        (
            "Unhealthy Nodes",
            "unhealthyNodes",
            "/cluster/nodes/unhealthy",
        ),
        ("Rebooted Nodes", "rebootedNodes", "/cluster/nodes/rebooted"),
        ("Shutdown Nodes", "shutdownNodes", "/cluster/nodes/shutdown"),
    ];
    let memory = |key: &str| megabytes(number(metrics, key));
    html! {
        h2 { "Cluster Metrics" }
        div.cards #app-metrics {
            @for (label, key, link) in apps {
                (card(label, count(metrics, key), Some(link)))
            }
            (card("Containers Running", count(metrics, "containersAllocated"), None))
            (card("Containers Pending", count(metrics, "containersPending"), None))
            (card("Containers Reserved", count(metrics, "containersReserved"), None))
        }
        div.cards #resource-metrics {
            (card("Memory Used", memory("allocatedMB"), None))
            (card("Memory Total", memory("totalMB"), None))
            (card("Memory Reserved", memory("reservedMB"), None))
            (card("VCores Used", count(metrics, "allocatedVirtualCores"), None))
            (card("VCores Total", count(metrics, "totalVirtualCores"), None))
            (card("VCores Reserved", count(metrics, "reservedVirtualCores"), None))
        }
        div.columns {
            (share_bar("Memory", &[
                Share { label: "Used", amount: number(metrics, "allocatedMB"), class: "used" },
                Share { label: "Reserved", amount: number(metrics, "reservedMB"), class: "other" },
                Share { label: "Available", amount: number(metrics, "availableMB"), class: "free" },
            ], megabytes))
            (share_bar("VCores", &[
                Share { label: "Used", amount: number(metrics, "allocatedVirtualCores"), class: "used" },
                Share { label: "Reserved", amount: number(metrics, "reservedVirtualCores"), class: "other" },
                Share { label: "Available", amount: number(metrics, "availableVirtualCores"), class: "free" },
            ], |vcores| format!("{vcores:.0}")))
        }
        h2 { "Cluster Nodes Metrics" }
        div.cards #node-metrics {
            @for (label, key, link) in nodes {
                (card(label, count(metrics, key), Some(link)))
            }
        }
    }
}

/// The facts of `/ws/v1/cluster/info`.
fn info_facts(info: &Value) -> Markup {
    format::facts([
        ("Cluster ID", html! { (text(info, "id")) }),
        ("ResourceManager state", html! { (text(info, "state")) }),
        (
            "ResourceManager HA state",
            html! { (text(info, "haState")) },
        ),
        (
            "ResourceManager HA zookeeper connection state",
            html! { (text(info, "haZooKeeperConnectionState")) },
        ),
        (
            "ResourceManager RMStateStore",
            html! { (text(info, "rmStateStoreName")) },
        ),
        (
            "ResourceManager started on",
            html! { (format::datetime(integer(info, "startedOn"))) },
        ),
        (
            "ResourceManager version",
            html! { (text(info, "resourceManagerBuildVersion")) " on " (text(info, "resourceManagerVersionBuiltOn")) },
        ),
        (
            "Hadoop version",
            html! { (text(info, "hadoopBuildVersion")) " on " (text(info, "hadoopVersionBuiltOn")) },
        ),
    ])
}

/// `/cluster`: the cluster's metrics, live, with the history of what is allocated.
pub(super) async fn overview(State(web): State<Web>) -> Response {
    let (metrics, info) = web.read(|state| (metrics_info(state), cluster_info(state)));
    let content = html! {
        section #cluster-metrics data-live="5" { (metrics_section(&metrics)) }
        section {
            h2 { "Allocation over time" }
            div.columns {
                (live_line("Memory (MB)", &["allocated MB", "total MB"], false, " MB"))
                (live_line("VCores", &["allocated vcores", "total vcores"], false, ""))
            }
        }
        section {
            h2 { "ResourceManager" }
            (info_facts(&info))
        }
    };
    web.shell.page("Cluster Overview", "/cluster", content)
}

/// `/cluster/about`: the cluster and the ResourceManager.
pub(super) async fn about(State(web): State<Web>) -> Response {
    let info = web.read(cluster_info);
    let content = html! { section { (info_facts(&info)) } };
    web.shell
        .page("About the Cluster", "/cluster/about", content)
}
