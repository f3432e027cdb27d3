//! `/cluster/scheduler`: the capacity scheduler's queue tree, each queue's capacity,
//! maximum capacity and use drawn to the cluster's scale, and the applications in each
//! leaf queue.

use axum::extract::State;
use axum::response::Response;
use common::webui::fields::{integer, number, text};
use common::webui::{Markup, html};
use serde_json::Value;

use super::{Web, badge};
use crate::rest::app_info::app_info;
use crate::rest::scheduler::scheduler_info;

/// The queues under `parent` (its `queues.queue` array).
fn children(parent: &Value) -> &[Value] {
    parent["queues"]["queue"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A bar at the cluster's scale: the maximum capacity, the guaranteed capacity inside
/// it, and what is used (in the warning color past the guarantee).
fn capacity_bar(queue: &Value) -> Markup {
    let capacity = number(queue, "absoluteCapacity");
    let maximum = number(queue, "absoluteMaxCapacity");
    let used = number(queue, "absoluteUsedCapacity");
    let used_class = if used > capacity + 1e-9 {
        "other"
    } else {
        "ok"
    };
    let label = format!(
        "used {used:.1}% of the cluster, capacity {capacity:.1}%, max capacity {maximum:.1}%"
    );
    html! {
        svg.queue-bar viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label=(label)
            style="width:12rem;height:1rem;display:block" {
            rect.free x="0" y="0" width=(format!("{:.2}", maximum.clamp(0.0, 100.0))) height="6" {}
            rect x="0" y="0" width=(format!("{:.2}", capacity.clamp(0.0, 100.0))) height="6" style="fill:#9fb3e0" {}
            rect class=(used_class) x="0" y="1.5" width=(format!("{:.2}", used.clamp(0.0, 100.0))) height="3" {}
            title { (label) }
        }
    }
}

/// One row per queue, depth-first, indented by depth.
fn queue_rows(queue: &Value, depth: usize, rows: &mut Vec<Markup>) {
    let is_leaf = children(queue).is_empty();
    let name = text(queue, "queueName");
    rows.push(html! {
        tr.queue data-queue=(text(queue, "queuePath")) {
            td style=(format!("padding-left:{:.1}rem", 0.6 + 1.2 * depth as f64)) {
                @if is_leaf { a href=(format!("#queue-{name}")) { (name) } } @else { strong { (name) } }
            }
            td { (capacity_bar(queue)) }
            td.num { (format!("{:.1}%", number(queue, "capacity"))) }
            td.num { (format!("{:.1}%", number(queue, "maxCapacity"))) }
            td.num { (format!("{:.1}%", number(queue, "usedCapacity"))) }
            td.num { (format!("{:.1}%", number(queue, "absoluteUsedCapacity"))) }
            td.num { (integer(queue, "numApplications")) }
            td { (text(queue, "usedResources")) }
        }
    });
    for child in children(queue) {
        queue_rows(child, depth + 1, rows);
    }
}

/// The leaf queues of the tree under `queue`, depth-first.
fn leaves<'a>(queue: &'a Value, found: &mut Vec<&'a Value>) {
    if children(queue).is_empty() {
        found.push(queue);
    }
    for child in children(queue) {
        leaves(child, found);
    }
}

/// `/cluster/scheduler`.
pub(super) async fn queues(State(web): State<Web>) -> Response {
    let now = common::time::now_millis();
    let (tree, apps) = web.read(|rm| {
        let apps: Vec<Value> = rm
            .apps
            .values()
            .filter(|app| !app.state.is_final())
            .map(|app| app_info(rm, app, now))
            .collect();
        (scheduler_info(rm), apps)
    });
    let mut rows = Vec::new();
    queue_rows(&tree, 0, &mut rows);
    let mut leaf_queues = Vec::new();
    leaves(&tree, &mut leaf_queues);
    let content = html! {
        section #queues data-live="5" {
            h2 { "Application Queues" }
            ul.legend {
                li { span.swatch.free {} "Max Capacity" }
                li { span.swatch style="background:#9fb3e0" {} "Capacity" }
                li { span.swatch.ok {} "Used" }
                li { span.swatch.other {} "Used (over capacity)" }
            }
            div.scroll {
                table.queues {
                    thead { tr {
                        th { "Queue" } th { "Usage" } th.num { "Capacity" } th.num { "Max Capacity" }
                        th.num { "Used Capacity" } th.num { "Absolute Used" } th.num { "Applications" }
                        th { "Used Resources" }
                    } }
                    tbody { @for row in rows { (row) } }
                }
            }
            @for leaf in leaf_queues {
                @let name = text(leaf, "queueName");
                @let in_queue: Vec<&Value> = apps.iter().filter(|app| text(app, "queue") == name).collect();
                h2 id=(format!("queue-{name}")) { "Queue " (name) ": " (in_queue.len()) " applications" }
                @if in_queue.is_empty() {
                    p.muted { "No running or pending applications." }
                } @else {
                    div.scroll {
                        table.sortable {
                            thead { tr { th { "ID" } th { "User" } th { "Name" } th { "State" } th.num { "Allocated MB" } th.num { "Allocated VCores" } } }
                            tbody {
                                @for app in in_queue {
                                    @let id = text(app, "id");
                                    tr {
                                        td.nowrap { a href=(format!("/cluster/app/{id}")) { (id) } }
                                        td { (text(app, "user")) }
                                        td { (text(app, "name")) }
                                        td { (badge(&text(app, "state"))) }
                                        td.num { (integer(app, "allocatedMB")) }
                                        td.num { (integer(app, "allocatedVCores")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    web.shell.page("Scheduler", "/cluster/scheduler", content)
}
