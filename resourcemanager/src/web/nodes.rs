//! `/cluster/nodes` and `/cluster/nodes/{state}` (Hadoop's `/cluster/nodes/lost`, ...):
//! the NodeManagers with their state, health and resources.

use axum::extract::{Path, State};
use axum::response::Response;
use common::webui::fields::{integer, number, text};
use common::webui::format::{ago, datetime, progress};
use common::webui::{Markup, html};
use serde_json::Value;

use super::{Web, badge, megabytes, node_page};
use crate::rest::nodes::{NODE_STATES, node_info, node_state_name};

/// `/cluster/nodes`: every node.
pub(super) async fn list(State(web): State<Web>) -> Response {
    nodes_page(&web, None)
}

/// `/cluster/nodes/{state}`: the nodes in one NodeState.
pub(super) async fn list_in_state(State(web): State<Web>, Path(state): Path<String>) -> Response {
    let upper = state.to_ascii_uppercase();
    if !NODE_STATES.contains(&upper.as_str()) {
        let message = format!(
            "Invalid node state {state}: one of {}",
            NODE_STATES.join(", ")
        );
        return web.missing("Nodes of the cluster", "/cluster/nodes", &message);
    }
    nodes_page(&web, Some(&upper))
}

fn nodes_page(web: &Web, state: Option<&str>) -> Response {
    let nodes: Vec<Value> = web.read(|rm| {
        rm.nodes
            .values()
            .filter(|node| state.is_none_or(|state| node_state_name(node.state) == state))
            .map(|node| node_info(rm, node))
            .collect()
    });
    let now = common::time::now_millis();
    let content = html! {
        nav.tabs aria-label="Node states" {
            a.current[state.is_none()] href="/cluster/nodes" { "All" }
            @for name in NODE_STATES {
                a.current[state == Some(name)] href=(format!("/cluster/nodes/{}", name.to_ascii_lowercase())) { (name) }
            }
        }
        section #nodes data-live="5" {
            p.count { (nodes.len()) " nodes" }
            div.scroll {
                table.sortable.nodes data-filter="" {
                    thead { tr {
                        th { "Rack" } th { "Node State" } th { "Node Address" } th { "Node HTTP Address" }
                        th { "Last health-update" } th { "Health-report" } th.num { "Containers" }
                        th { "Mem Used" } th.num { "Mem Avail" } th.num { "VCores Used" } th.num { "VCores Avail" }
                        th { "Version" }
                    } }
                    tbody {
                        @for node in &nodes { (node_row(node, now)) }
                    }
                }
            }
        }
    };
    let title = match state {
        Some(state) => format!("{state} Nodes of the cluster"),
        None => "Nodes of the cluster".to_string(),
    };
    web.shell.page(&title, "/cluster/nodes", content)
}

fn node_row(node: &Value, now: i64) -> Markup {
    let http = text(node, "nodeHTTPAddress");
    let used = number(node, "usedMemoryMB");
    let available = number(node, "availMemoryMB");
    let total = used + available;
    let share = if total > 0.0 { used / total } else { 0.0 };
    let last_update = integer(node, "lastHealthUpdate");
    html! {
        tr {
            td { (text(node, "rack")) }
            td { (badge(&text(node, "state"))) }
            td.nowrap { (text(node, "id")) }
            td.nowrap { a href=(node_page(&http)) { (http) } }
            td.nowrap data-sort=(last_update) title=(datetime(last_update)) { (ago(last_update, now)) }
            td { (text(node, "healthReport")) }
            td.num { (integer(node, "numContainers")) }
            td data-sort=(used) {
                (progress(share, if share > 0.9 { "warn" } else { "ok" }))
                " " span.nowrap { (megabytes(used)) }
            }
            td.num data-sort=(available) { (megabytes(available)) }
            td.num { (integer(node, "usedVirtualCores")) }
            td.num { (integer(node, "availableVirtualCores")) }
            td { (text(node, "version")) }
        }
    }
}
