//! `/cluster/apps` and `/cluster/apps/{STATE}` (every application, a page at a time),
//! `/cluster/app/{id}` (one application: overview, attempts, containers, Kill) and
//! `/cluster/appattempt/{id}` (one attempt and its containers).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use common::webui::fields::{compare, integer, number, text, web_link, with_scheme};
use common::webui::format::{self, datetime, duration, progress};
use common::webui::listing::Listing;
use common::webui::{Markup, html};
use common::yarn::{ApplicationAttemptId, ApplicationId};
use serde_json::Value;

use super::{Web, badge, megabytes, node_page};
use crate::rest::app_info::{APP_STATES, app_info, attempt_info, container_info};
use crate::state::{App, RmState};

/// `/cluster/apps`: every application.
pub(super) async fn list(
    State(web): State<Web>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    apps_page(&web, None, &params)
}

/// `/cluster/apps/{STATE}`: the applications in one YarnApplicationState.
pub(super) async fn list_in_state(
    State(web): State<Web>,
    Path(state): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let upper = state.to_ascii_uppercase();
    if !APP_STATES.contains(&upper.as_str()) {
        let message = format!(
            "Invalid application-state {state} specified. It should be one of [{}]",
            APP_STATES.join(", ")
        );
        return web.missing("Applications", "/cluster/apps", &message);
    }
    apps_page(&web, Some(&upper), &params)
}

/// The text a row is filtered on: what its columns show.
fn row_text(app: &Value) -> String {
    [
        "id",
        "user",
        "name",
        "applicationType",
        "queue",
        "state",
        "finalStatus",
    ]
    .iter()
    .map(|key| text(app, key))
    .collect::<Vec<_>>()
    .join(" ")
}

fn apps_page(web: &Web, state: Option<&str>, params: &HashMap<String, String>) -> Response {
    let path = match state {
        Some(state) => format!("/cluster/apps/{state}"),
        None => "/cluster/apps".to_string(),
    };
    let listing = Listing::from_query(&path, params, &[]);
    let now = common::time::now_millis();
    let apps: Vec<(ApplicationId, Value)> = web.read(|rm| {
        rm.apps
            .values()
            .filter(|app| {
                state.is_none_or(|state| crate::rest::app_info::app_state_name(app.state) == state)
            })
            .map(|app| (app.submission.id, app_info(rm, app, now)))
            .collect()
    });
    let title = match state {
        Some(state) => format!("{state} Applications"),
        None => "All Applications".to_string(),
    };
    web.shell
        .page(&title, "/cluster/apps", apps_content(&listing, state, apps))
}

/// The state tabs, the listing's controls and the asked page of `apps` (filtered and
/// ordered as `listing` asks; newest first unless a column is asked).
fn apps_content(
    listing: &Listing,
    state: Option<&str>,
    mut apps: Vec<(ApplicationId, Value)>,
) -> Markup {
    apps.retain(|(_, app)| listing.matches(&row_text(app)));
    listing.order(
        &mut apps,
        "newest",
        |(a_id, a), (b_id, b), column| match column {
            "newest" => b_id.cmp(a_id),
            "id" => a_id.cmp(b_id),
            _ => compare(a, b, column),
        },
    );
    let window = listing.window(apps.len());
    let heading = |column: &str, label: &str| listing.heading(column, label);
    html! {
        nav.tabs aria-label="Application states" {
            a.current[state.is_none()] href="/cluster/apps" { "All" }
            @for name in APP_STATES {
                a.current[state == Some(name)] href=(format!("/cluster/apps/{name}")) { (name) }
            }
        }
        (listing.controls(apps.len()))
        section #apps data-live="5" {
            div.scroll {
                table.apps {
                    thead { tr {
                        (heading("id", "ID"))
                        (heading("user", "User"))
                        (heading("name", "Name"))
                        (heading("applicationType", "Application Type"))
                        (heading("queue", "Queue"))
                        (heading("priority", "Application Priority"))
                        (heading("startedTime", "StartTime"))
                        (heading("finishedTime", "FinishTime"))
                        (heading("state", "State"))
                        (heading("finalStatus", "FinalStatus"))
                        (heading("runningContainers", "Running Containers"))
                        (heading("allocatedVCores", "Allocated CPU VCores"))
                        (heading("allocatedMB", "Allocated Memory MB"))
                        (heading("queueUsagePercentage", "% of Queue"))
                        (heading("clusterUsagePercentage", "% of Cluster"))
                        (heading("progress", "Progress"))
                        th scope="col" { "Tracking UI" }
                    } }
                    tbody {
                        @for (_, app) in &apps[window] {
                            (app_row(app))
                        }
                    }
                }
            }
        }
    }
}

/// The class of an application's progress bar.
fn progress_class(app: &Value) -> &'static str {
    match text(app, "finalStatus").as_ref() {
        "FAILED" | "KILLED" => "bad",
        _ => "ok",
    }
}

fn app_row(app: &Value) -> Markup {
    let id = text(app, "id");
    html! {
        tr {
            td.nowrap { a href=(format!("/cluster/app/{id}")) { (id) } }
            td { (text(app, "user")) }
            td.app-name style="min-width:10rem" { (text(app, "name")) }
            td { (text(app, "applicationType")) }
            td { (text(app, "queue")) }
            td.num { (integer(app, "priority")) }
            td.nowrap { (datetime(integer(app, "startedTime"))) }
            td.nowrap { (datetime(integer(app, "finishedTime"))) }
            td.nowrap { (badge(&text(app, "state"))) }
            td.nowrap { (badge(&text(app, "finalStatus"))) }
            td.num { (integer(app, "runningContainers")) }
            td.num { (integer(app, "allocatedVCores")) }
            td.num { (integer(app, "allocatedMB")) }
            td.num { (format!("{:.1}", number(app, "queueUsagePercentage"))) }
            td.num { (format!("{:.1}", number(app, "clusterUsagePercentage"))) }
            td { (progress(number(app, "progress") / 100.0, progress_class(app))) }
            td { (tracking_link(app)) }
        }
    }
}

/// The Tracking UI link (`ApplicationMaster` or `History`), when the URL is a web one.
fn tracking_link(app: &Value) -> Markup {
    let url = text(app, "trackingUrl");
    html! {
        @match web_link(&url) {
            Some(url) => a href=(url) { (text(app, "trackingUI")) },
            None => span.muted { (text(app, "trackingUI")) },
        }
    }
}

/// What the application page shows, read under one lock.
struct AppView {
    info: Value,
    attempts: Vec<Value>,
    /// The live containers of the current attempt.
    containers: Vec<Value>,
}

fn find_app<'a>(rm: &'a RmState, text: &str) -> Option<&'a App> {
    rm.apps.get(&text.parse::<ApplicationId>().ok()?)
}

/// The live containers of `attempt` of `app`, as the REST API describes them.
fn live_containers(rm: &RmState, app: &App, attempt: ApplicationAttemptId, now: i64) -> Vec<Value> {
    rm.usage()
        .live_of_attempt(attempt)
        .map(|(id, live)| container_info(rm, &app.submission.user, id, live, now))
        .collect()
}

/// `/cluster/app/{id}`.
pub(super) async fn app(State(web): State<Web>, Path(app_text): Path<String>) -> Response {
    let now = common::time::now_millis();
    let view = web.read(|rm| {
        let app = find_app(rm, &app_text)?;
        Some(AppView {
            info: app_info(rm, app, now),
            attempts: app
                .attempts
                .iter()
                .map(|attempt| attempt_info(app, attempt))
                .collect(),
            containers: app
                .current_attempt()
                .map(|attempt| live_containers(rm, app, attempt.id, now))
                .unwrap_or_default(),
        })
    });
    let Some(view) = view else {
        let message = format!("Application {app_text} not found");
        return web.missing("Application", "/cluster/apps", &message);
    };
    let content = html! {
        section #app-overview data-live="5" { (app_overview(&view.info)) }
        section #app-attempts data-live="5" {
            h2 { "Application Attempts" }
            (attempts_table(&view.attempts))
            h2 { "Containers of the current attempt" }
            (containers_table(&view.containers))
        }
    };
    let title = format!("Application {}", text(&view.info, "id"));
    web.shell.page(&title, "/cluster/apps", content)
}

fn app_overview(info: &Value) -> Markup {
    let id = text(info, "id");
    let state = text(info, "state");
    let finished = matches!(state.as_ref(), "FINISHED" | "FAILED" | "KILLED");
    let tracking = text(info, "trackingUrl");
    let am_logs = text(info, "amContainerLogs");
    let facts = format::facts([
        ("User", html! { (text(info, "user")) }),
        ("Name", html! { span.app-name { (text(info, "name")) } }),
        (
            "Application Type",
            html! { (text(info, "applicationType")) },
        ),
        (
            "Application Tags",
            html! { (text(info, "applicationTags")) },
        ),
        (
            "Application Priority",
            html! { (integer(info, "priority")) },
        ),
        (
            "YarnApplicationState",
            html! { span #app-state { (badge(&state)) } },
        ),
        ("Queue", html! { (text(info, "queue")) }),
        (
            "FinalStatus Reported by AM",
            html! { (badge(&text(info, "finalStatus"))) },
        ),
        (
            "Started",
            html! { (datetime(integer(info, "startedTime"))) },
        ),
        (
            "Launched",
            html! { (datetime(integer(info, "launchTime"))) },
        ),
        (
            "Finished",
            html! { (datetime(integer(info, "finishedTime"))) },
        ),
        (
            "Elapsed",
            html! { (duration(integer(info, "elapsedTime"))) },
        ),
        (
            "Progress",
            html! { (progress(number(info, "progress") / 100.0, progress_class(info))) },
        ),
        (
            "Tracking URL",
            html! {
                @match web_link(&tracking) {
                    Some(url) => a href=(url) { (text(info, "trackingUI")) },
                    None => span.muted { (text(info, "trackingUI")) },
                }
            },
        ),
        (
            "AM container logs",
            html! {
                @match web_link(&am_logs) {
                    Some(url) => a href=(url) { "Logs" },
                    None => span.muted { "N/A" },
                }
            },
        ),
        (
            "Log Aggregation Status",
            html! { (text(info, "logAggregationStatus")) },
        ),
        (
            "Diagnostics",
            html! { pre.diagnostics { (text(info, "diagnostics")) } },
        ),
        (
            "Aggregate Resource Allocation",
            html! {
                (integer(info, "memorySeconds")) " MB-seconds, "
                (integer(info, "vcoreSeconds")) " vcore-seconds"
            },
        ),
        (
            "Running Containers",
            html! { (integer(info, "runningContainers")) },
        ),
        (
            "Allocated Resources",
            html! {
                "<memory:" (integer(info, "allocatedMB")) ", vCores:" (integer(info, "allocatedVCores")) ">"
            },
        ),
    ]);
    html! {
        @if !finished {
            form.inline.kill data-method="PUT"
                data-url=(format!("/ws/v1/cluster/apps/{id}/state"))
                data-body=r#"{"state":"KILLED"}"#
                data-confirm=(format!("Are you sure you want to kill {id}?"))
                data-done="Kill requested" {
                button.danger type="submit" { "Kill Application" }
            }
        }
        (facts)
    }
}

fn attempts_table(attempts: &[Value]) -> Markup {
    html! {
        div.scroll {
            table.sortable.attempts {
                thead { tr {
                    th { "Attempt ID" } th { "Started" } th { "Finished" } th { "State" }
                    th { "Node" } th { "Logs" }
                } }
                tbody {
                    @for attempt in attempts {
                        @let id = text(attempt, "appAttemptId");
                        @let node = text(attempt, "nodeHttpAddress");
                        @let logs = text(attempt, "logsLink");
                        tr {
                            td.nowrap { a href=(format!("/cluster/appattempt/{id}")) { (id) } }
                            td.nowrap data-sort=(integer(attempt, "startTime")) { (datetime(integer(attempt, "startTime"))) }
                            td.nowrap data-sort=(integer(attempt, "finishedTime")) { (datetime(integer(attempt, "finishedTime"))) }
                            td { (badge(&text(attempt, "appAttemptState"))) }
                            td { @if node.is_empty() { "N/A" } @else { a href=(node_page(&node)) { (node) } } }
                            td { @match web_link(&logs) {
                                Some(url) => a.logs href=(url) { "Logs" },
                                None => "N/A",
                            } }
                        }
                    }
                }
            }
        }
    }
}

fn containers_table(containers: &[Value]) -> Markup {
    if containers.is_empty() {
        return html! { p.muted { "No running containers." } };
    }
    html! {
        div.scroll {
            table.sortable.containers {
                thead { tr {
                    th { "Container ID" } th { "Node" } th { "Started" } th { "Elapsed" }
                    th.num { "Memory" } th.num { "VCores" } th { "State" } th { "Logs" }
                } }
                tbody {
                    @for container in containers {
                        @let node = text(container, "nodeHttpAddress");
                        @let logs = text(container, "logUrl");
                        tr {
                            td.nowrap { (text(container, "containerId")) }
                            td { a href=(format!("{}/node", with_scheme(&node))) { (text(container, "assignedNodeId")) } }
                            td.nowrap data-sort=(integer(container, "startedTime")) { (datetime(integer(container, "startedTime"))) }
                            td data-sort=(integer(container, "elapsedTime")) { (duration(integer(container, "elapsedTime"))) }
                            td.num data-sort=(integer(container, "allocatedMB")) { (megabytes(number(container, "allocatedMB"))) }
                            td.num { (integer(container, "allocatedVCores")) }
                            td { (badge(&text(container, "containerState"))) }
                            td { @match web_link(&logs) {
                                Some(url) => a.logs href=(url) { "Logs" },
                                None => "N/A",
                            } }
                        }
                    }
                }
            }
        }
    }
}

/// `/cluster/appattempt/{id}`.
pub(super) async fn attempt(State(web): State<Web>, Path(attempt_text): Path<String>) -> Response {
    let now = common::time::now_millis();
    let view = web.read(|rm| {
        let attempt_id: ApplicationAttemptId = attempt_text.parse().ok()?;
        let app = rm.apps.get(&attempt_id.application)?;
        let attempt = app
            .attempts
            .iter()
            .find(|attempt| attempt.id == attempt_id)?;
        Some((
            attempt_info(app, attempt),
            live_containers(rm, app, attempt_id, now),
        ))
    });
    let Some((attempt, containers)) = view else {
        let message = format!("Application attempt {attempt_text} not found");
        return web.missing("Application Attempt", "/cluster/apps", &message);
    };
    let id = text(&attempt, "appAttemptId");
    let app_id = attempt_text
        .parse::<ApplicationAttemptId>()
        .map(|attempt| attempt.application.to_string())
        .unwrap_or_default();
    let node = text(&attempt, "nodeHttpAddress");
    let logs = text(&attempt, "logsLink");
    let content = html! {
        section #attempt data-live="5" {
            (format::facts([
                ("Application", html! { a href=(format!("/cluster/app/{app_id}")) { (app_id) } }),
                ("Application Attempt State", html! { (badge(&text(&attempt, "appAttemptState"))) }),
                ("Started", html! { (datetime(integer(&attempt, "startTime"))) }),
                ("Finished", html! { (datetime(integer(&attempt, "finishedTime"))) }),
                ("AM Container", html! { (text(&attempt, "containerId")) }),
                ("Node", html! { @if node.is_empty() { "N/A" } @else { a href=(node_page(&node)) { (node) } } }),
                ("Logs", html! { @match web_link(&logs) { Some(url) => a.logs href=(url) { "Logs" }, None => "N/A", } }),
            ]))
            h2 { "Containers" }
            (containers_table(&containers))
        }
    };
    web.shell.page(
        &format!("Application Attempt {id}"),
        "/cluster/apps",
        content,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn app(sequence: u32, name: &str) -> (ApplicationId, Value) {
        let id = ApplicationId {
            cluster_timestamp: 1_700_000_000_000,
            id: sequence,
        };
        let info = json!({
            "id": id.to_string(), "user": "alice", "name": name, "applicationType": "MAPREDUCE",
            "queue": "default", "priority": 0, "startedTime": 1_700_000_000_000i64 + i64::from(sequence),
            "finishedTime": 0, "state": "RUNNING", "finalStatus": "UNDEFINED",
            "runningContainers": 2, "allocatedVCores": 2, "allocatedMB": 2048,
            "queueUsagePercentage": 12.5, "clusterUsagePercentage": 6.25, "progress": 40.0,
            "trackingUI": "ApplicationMaster", "trackingUrl": "javascript:alert(1)",
        });
        (id, info)
    }

    fn render(query: &[(&str, &str)], apps: Vec<(ApplicationId, Value)>) -> String {
        let params = query
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let listing = Listing::from_query("/cluster/apps", &params, &[]);
        apps_content(&listing, None, apps).into_string()
    }

    #[test]
    fn a_thousand_applications_render_a_page_at_a_time_newest_first() {
        let apps: Vec<_> = (1..=1200).map(|n| app(n, &format!("job-{n}"))).collect();
        let page = render(&[], apps.clone());
        assert!(page.len() < 300 * 1024, "{} bytes", page.len());
        assert!(page.contains("Showing 1 to 100 of 1200 entries"), "{page}");
        let newest = page.find("application_1700000000000_1200").unwrap();
        let older = page.find("application_1700000000000_1199").unwrap();
        assert!(newest < older);
        assert!(!page.contains("application_1700000000000_1100<"));

        let third = render(&[("page", "3"), ("sort", "startedTime")], apps.clone());
        assert!(third.contains("Showing 201 to 300 of 1200 entries"));
        assert!(third.contains(">application_1700000000000_0201<"));

        let filtered = render(&[("filter", "JOB-77")], apps);
        assert!(
            filtered.contains("Showing 1 to 11 of 11 entries"),
            "{filtered}"
        );
    }

    #[test]
    fn names_are_escaped_and_only_web_urls_linked() {
        let page = render(&[], vec![app(1, "<img src=x onerror=alert(1)>")]);
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{page}"
        );
        assert!(!page.contains("<img"));
        assert!(!page.contains("javascript:"));
    }
}
