//! `/node` (the node's resources, health and versions), `/node/allApplications`,
//! `/node/application/{id}`, `/node/allContainers` and `/node/container/{id}`.

use axum::extract::{Path, State};
use axum::response::Response;
use common::webui::chart::{Share, share_bar};
use common::webui::fields::{integer, number, text};
use common::webui::format::{self, datetime};
use common::webui::{Markup, html};
use common::yarn::{ApplicationId, ContainerId};
use serde_json::Value;

use super::{Web, badge};
use crate::containers::ContainerView;
use crate::rest::{app_info, container_info, logs, node_info_document};

/// Whether a container still holds its resources.
fn is_live(container: &ContainerView) -> bool {
    !container.state.starts_with("EXITED")
}

/// Mebibytes as the pages write sizes.
fn megabytes(mb: f64) -> String {
    format::bytes((mb.max(0.0) as u64) << 20)
}

/// `/node`.
pub(super) async fn node(State(web): State<Web>) -> Response {
    let info = node_info_document(&web.manager);
    let views = web.manager.container_views();
    let live: Vec<&ContainerView> = views.iter().filter(|view| is_live(view)).collect();
    let used_mb: u64 = live.iter().map(|view| view.memory_mb).sum();
    let used_vcores: i64 = live.iter().map(|view| i64::from(view.vcores)).sum();
    let total_mb = number(&info, "totalPmemAllocatedContainersMB");
    let total_vcores = number(&info, "totalVCoresAllocatedContainers");
    let card = |label: &str, value: String| {
        html! { div.card { div.value { (value) } div.label { (label) } } }
    };
    let content = html! {
        section #node-resources data-live="5" {
            div.cards {
                (card("Total Memory", megabytes(total_mb)))
                (card("Memory Used", megabytes(used_mb as f64)))
                (card("Total VCores", format!("{total_vcores:.0}")))
                (card("VCores Used", used_vcores.to_string()))
                (card("Containers Running", live.len().to_string()))
            }
            div.columns {
                (share_bar("Memory", &[
                    Share { label: "Used", amount: used_mb as f64, class: "used" },
                    Share { label: "Available", amount: (total_mb - used_mb as f64).max(0.0), class: "free" },
                ], megabytes))
                (share_bar("VCores", &[
                    Share { label: "Used", amount: used_vcores as f64, class: "used" },
                    Share { label: "Available", amount: (total_vcores - used_vcores as f64).max(0.0), class: "free" },
                ], |vcores| format!("{vcores:.0}")))
            }
        }
        section {
            (format::facts([
                ("Node ID", html! { (text(&info, "id")) }),
                ("Node host name", html! { (text(&info, "nodeHostName")) }),
                ("Total Vmem allocated for Containers", html! { (megabytes(number(&info, "totalVmemAllocatedContainersMB"))) }),
                ("Vmem enforcement enabled", html! { (text(&info, "vmemCheckEnabled")) }),
                ("Total Pmem allocated for Container", html! { (megabytes(total_mb)) }),
                ("Pmem enforcement enabled", html! { (text(&info, "pmemCheckEnabled")) }),
                ("Total VCores allocated for Containers", html! { (format!("{total_vcores:.0}")) }),
                ("NodeHealthyStatus", html! { (text(&info, "nodeHealthy")) }),
                ("LastNodeHealthTime", html! { (datetime(integer(&info, "lastNodeUpdateTime"))) }),
                ("NodeHealthReport", html! { (text(&info, "healthReport")) }),
                ("NodeManager started on", html! { (datetime(web.shell.started())) }),
                ("NodeManager Version", html! { (text(&info, "nodeManagerBuildVersion")) " on " (text(&info, "nodeManagerVersionBuiltOn")) }),
                ("Hadoop Version", html! { (text(&info, "hadoopBuildVersion")) " on " (text(&info, "hadoopVersionBuiltOn")) }),
            ]))
        }
    };
    web.shell.page("NodeManager information", "/node", content)
}

/// `/node/allApplications`.
pub(super) async fn applications(State(web): State<Web>) -> Response {
    let apps: Vec<Value> = web.manager.app_views().iter().map(app_info).collect();
    let content = html! {
        section #applications data-live="5" {
            div.scroll {
                table.sortable.apps data-filter="" {
                    thead { tr { th { "ApplicationId" } th { "State" } th { "User" } th.num { "Containers" } } }
                    tbody {
                        @for app in &apps {
                            @let id = text(app, "id");
                            tr {
                                td.nowrap { a href=(format!("/node/application/{id}")) { (id) } }
                                td { (badge(&text(app, "state"))) }
                                td { (text(app, "user")) }
                                td.num { (app["containerids"].as_array().map_or(0, Vec::len)) }
                            }
                        }
                    }
                }
            }
            @if apps.is_empty() { p.muted { "No applications on this node." } }
        }
    };
    web.shell.page(
        "Applications on this node",
        "/node/allApplications",
        content,
    )
}

/// `/node/application/{id}`: the application's containers on this node, those still
/// tracked and those that left logs.
pub(super) async fn application(State(web): State<Web>, Path(app_text): Path<String>) -> Response {
    let Ok(application) = app_text.parse::<ApplicationId>() else {
        let message = format!("Invalid ApplicationId: {app_text}");
        return web.missing("Application", "/node/allApplications", &message);
    };
    let app = web
        .manager
        .app_views()
        .into_iter()
        .find(|app| app.id == application);
    let views: Vec<ContainerView> = web
        .manager
        .container_views()
        .into_iter()
        .filter(|view| view.id.application() == application)
        .collect();
    let manager = web.manager.clone();
    let with_logs =
        tokio::task::spawn_blocking(move || logs::containers_with_logs(&manager, application))
            .await
            .unwrap_or_default();
    if app.is_none() && views.is_empty() && with_logs.is_empty() {
        let message = format!("Application {app_text} has nothing on this node");
        return web.missing("Application", "/node/allApplications", &message);
    }
    let user = app
        .as_ref()
        .map(|app| app.user.clone())
        .or_else(|| views.first().map(|view| view.user.clone()))
        .unwrap_or_else(|| "unknown".to_string());
    let mut ids: Vec<ContainerId> = views.iter().map(|view| view.id).chain(with_logs).collect();
    ids.sort();
    ids.dedup();
    let state = match &app {
        Some(app) => text(&app_info(app), "state").into_owned(),
        None => "FINISHED".to_string(),
    };
    let content = html! {
        section #application data-live="5" {
            (format::facts([
                ("ApplicationId", html! { (app_text) }),
                ("State", html! { (badge(&state)) }),
                ("User", html! { (user) }),
            ]))
            h2 { "Containers" }
            div.scroll {
                table.sortable.containers {
                    thead { tr { th { "ContainerId" } th { "State" } th { "Logs" } } }
                    tbody {
                        @for id in &ids {
                            @let view = views.iter().find(|view| view.id == *id);
                            tr {
                                td.nowrap { a href=(format!("/node/container/{id}")) { (id) } }
                                td { (badge(view.map_or("DONE", |view| view.state))) }
                                td { a.logs href=(format!("/node/containerlogs/{id}/{user}")) { "logs" } }
                            }
                        }
                    }
                }
            }
        }
    };
    web.shell.page(
        &format!("Application {app_text}"),
        "/node/allApplications",
        content,
    )
}

fn container_row(container: &Value) -> Markup {
    let id = text(container, "id");
    let user = text(container, "user");
    html! {
        tr {
            td.nowrap { a href=(format!("/node/container/{id}")) { (id) } }
            td { (badge(&text(container, "state"))) }
            td.num { (integer(container, "exitCode")) }
            td { (user) }
            td.num data-sort=(integer(container, "totalMemoryNeededMB")) { (megabytes(number(container, "totalMemoryNeededMB"))) }
            td.num { (integer(container, "totalVCoresNeeded")) }
            td { a.logs href=(format!("/node/containerlogs/{id}/{user}")) { "logs" } }
        }
    }
}

/// `/node/allContainers`.
pub(super) async fn containers(State(web): State<Web>) -> Response {
    let manager = web.manager.clone();
    let containers: Vec<Value> = tokio::task::spawn_blocking(move || {
        manager
            .container_views()
            .iter()
            .map(|view| container_info(&manager, view))
            .collect()
    })
    .await
    .unwrap_or_default();
    let content = html! {
        section #containers data-live="5" {
            div.scroll {
                table.sortable.containers data-filter="" {
                    thead { tr {
                        th { "ContainerId" } th { "ContainerState" } th.num { "Exit Code" } th { "User" }
                        th.num { "Memory" } th.num { "VCores" } th { "Logs" }
                    } }
                    tbody { @for container in &containers { (container_row(container)) } }
                }
            }
            @if containers.is_empty() { p.muted { "No containers on this node." } }
        }
    };
    web.shell
        .page("Containers on this node", "/node/allContainers", content)
}

/// `/node/container/{id}`: a container still tracked, or one that left logs.
pub(super) async fn container(
    State(web): State<Web>,
    Path(container_text): Path<String>,
) -> Response {
    let Ok(container_id) = container_text.parse::<ContainerId>() else {
        let message = format!("Invalid ContainerId: {container_text}");
        return web.missing("Container", "/node/allContainers", &message);
    };
    let manager = web.manager.clone();
    let (info, files) = tokio::task::spawn_blocking(move || {
        let info = manager
            .container_views()
            .iter()
            .find(|view| view.id == container_id)
            .map(|view| container_info(&manager, view));
        (info, logs::log_files(&manager, container_id))
    })
    .await
    .unwrap_or_default();
    if info.is_none() && files.is_empty() {
        let message = format!("Container {container_text} is not on this node");
        return web.missing("Container", "/node/allContainers", &message);
    }
    let user = info
        .as_ref()
        .map(|info| text(info, "user").into_owned())
        .unwrap_or_else(|| "unknown".to_string());
    let content = html! {
        section #container data-live="5" {
            @match &info {
                Some(info) => (format::facts([
                    ("ContainerID", html! { (text(info, "id")) }),
                    ("ContainerState", html! { (badge(&text(info, "state"))) }),
                    ("ExitStatus", html! { (integer(info, "exitCode")) }),
                    ("Diagnostics", html! { pre.diagnostics { (text(info, "diagnostics")) } }),
                    ("User", html! { (user) }),
                    ("TotalMemoryNeeded", html! { (megabytes(number(info, "totalMemoryNeededMB"))) }),
                    ("TotalVCoresNeeded", html! { (integer(info, "totalVCoresNeeded")) }),
                    ("ExecutionType", html! { (text(info, "executionType")) }),
                ])),
                None => p.notice { "The container has finished and is no longer tracked; its logs remain." },
            }
            h2 { "Logs" }
            (super::logs::file_list(&container_text, &user, &files))
        }
    };
    web.shell.page(
        &format!("Container {container_text}"),
        "/node/allContainers",
        content,
    )
}
