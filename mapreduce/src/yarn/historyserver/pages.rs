//! The history server's web UI at Hadoop's paths: `/jobhistory` (the finished jobs),
//! `/jobhistory/about`, and one job's pages ([`crate::yarn::jobpages`]):
//! `/jobhistory/job/{job}`, `jobcounters/{job}`, `conf/{job}`, `tasks/{job}/{m|r}`,
//! `task/{task}`, `taskcounters/{task}` and `attempts/{job}/{m|r}/{state}`. Each page
//! reads the job as the REST API does, then renders it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::rest::RestError;
use common::webui::listing::Listing;
use common::webui::{Markup, Shell, format, html};
use proto::mapreduce as pb;

use super::{FinishedJob, Shared, finished_job, finished_jobs, history_of, internal_error};
use crate::ids::TaskId;
use crate::yarn::appmaster::documents;
use crate::yarn::history;
use crate::yarn::jobpages::{self, JobView, Site};

/// The history server's navigation.
pub(super) const NAV: &[(&str, &str)] = &[
    ("/jobhistory", "Jobs"),
    ("/jobhistory/about", "About"),
    ("/conf", "Configuration"),
    ("/logs/", "Local logs"),
    ("/jmx", "Metrics"),
];
/// Where every job page sits in the navigation.
const JOBS: &str = "/jobhistory";

/// The page routes.
pub(super) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to(JOBS) }))
        .route(JOBS, get(jobs))
        .route("/jobhistory/app", get(jobs))
        .route("/jobhistory/about", get(about))
        .route("/jobhistory/job/{job}", get(job))
        .route("/jobhistory/jobcounters/{job}", get(counters))
        .route("/jobhistory/conf/{job}", get(conf))
        .route("/jobhistory/tasks/{job}/{kind}", get(tasks))
        .route("/jobhistory/task/{task}", get(task))
        .route("/jobhistory/taskcounters/{task}", get(task_counters))
        .route("/jobhistory/attempts/{job}/{kind}/{state}", get(attempts))
        .with_state(shared)
}

/// A page in the frame, or the error as a page with its status.
fn page(shell: &Shell, title: &str, content: Result<Markup, RestError>) -> Response {
    match content {
        Ok(content) => shell.page(title, JOBS, content),
        Err(error) => error_page(shell, &error),
    }
}

fn error_page(shell: &Shell, error: &RestError) -> Response {
    let mut response = shell.page(
        "Not available",
        JOBS,
        html! { p.notice.bad { (error.message) } p { a href=(JOBS) { "Every job" } } },
    );
    *response.status_mut() = error.kind.status();
    response
}

/// The job of `task_id`.
async fn job_of_task(shared: &Shared, task_id: &str) -> Result<FinishedJob, RestError> {
    let id: TaskId = task_id
        .parse()
        .map_err(|_| RestError::bad_request(format!("Invalid TaskId: {task_id}")))?;
    finished_job(shared, &id.job_id()).await
}

fn view(job: &FinishedJob) -> JobView<'_> {
    JobView {
        report: &job.report,
        snapshot: &job.snapshot,
        am_attempts: history_of(&job.report).0,
        now: job.end(),
    }
}

async fn jobs(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let listing = Listing::from_query(jobpages::own_name(uri.path()), &params, &[]);
    let content = finished_jobs(&shared)
        .await
        .map_err(internal_error)
        .map(|reports| jobs_table(reports, &listing));
    page(&shared.shell, "JobHistory", content)
}

fn jobs_table(mut reports: Vec<pb::JobReport>, listing: &Listing) -> Markup {
    reports.retain(|report| {
        [
            &report.job_id,
            &report.job_name,
            &report.user,
            &report.queue,
            &report.state,
        ]
        .iter()
        .any(|text| listing.matches(text))
    });
    let elapsed = |report: &pb::JobReport| {
        documents::elapsed(report.start_time, report.finish_time, report.finish_time)
    };
    listing.order(&mut reports, "finish", |a, b, column| match column {
        "submit" | "start" => a.start_time.cmp(&b.start_time),
        "id" => a.job_id.cmp(&b.job_id),
        "name" => a.job_name.cmp(&b.job_name),
        "user" => a.user.cmp(&b.user),
        "queue" => a.queue.cmp(&b.queue),
        "state" => a.state.cmp(&b.state),
        "maps" => a.total_maps.cmp(&b.total_maps),
        "reduces" => a.total_reduces.cmp(&b.total_reduces),
        "elapsed" => elapsed(a).cmp(&elapsed(b)),
        _ => a.finish_time.cmp(&b.finish_time),
    });
    // Newest first unless a column is asked.
    if listing.sort.is_none() {
        reports.reverse();
    }
    let site = Site::history();
    let window = listing.window(reports.len());
    html! {
        section {
            (listing.controls(reports.len()))
            div.scroll {
                table.jobs {
                    thead {
                        tr {
                            (listing.heading("submit", "Submit Time"))
                            (listing.heading("start", "Start Time"))
                            (listing.heading("finish", "Finish Time"))
                            (listing.heading("id", "Job ID"))
                            (listing.heading("name", "Name"))
                            (listing.heading("user", "User"))
                            (listing.heading("queue", "Queue"))
                            (listing.heading("state", "State"))
                            (listing.heading("maps", "Maps Total"))
                            th.num { "Maps Completed" }
                            (listing.heading("reduces", "Reduces Total"))
                            th.num { "Reduces Completed" }
                            (listing.heading("elapsed", "Elapsed Time"))
                        }
                    }
                    tbody {
                        @for report in &reports[window] {
                            tr data-job=(report.job_id) {
                                td.nowrap { (format::datetime(report.start_time)) }
                                td.nowrap { (format::datetime(report.start_time)) }
                                td.nowrap { (format::datetime(report.finish_time)) }
                                td.nowrap { a href=(site.job(&report.job_id)) { (report.job_id) } }
                                td.name { (report.job_name) }
                                td { (report.user) }
                                td { (report.queue) }
                                td { (jobpages::state_badge(&report.state)) }
                                td.num { (report.total_maps) }
                                td.num { (report.finished_maps) }
                                td.num { (report.total_reduces) }
                                td.num { (report.finished_reduces) }
                                td.num.nowrap { (format::duration(elapsed(report))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn about(State(shared): State<Arc<Shared>>) -> Response {
    let rows = [
        ("Started", html! { (format::datetime(shared.started_on)) }),
        ("Version", html! { "Tusk " (env!("CARGO_PKG_VERSION")) }),
        ("Done directory", html! { code { (shared.done_dir) } }),
        (
            "REST API",
            html! { a href="/ws/v1/history/info" { "/ws/v1/history/info" } },
        ),
    ];
    shared.shell.page(
        "About the JobHistory Server",
        "/jobhistory/about",
        format::facts(rows),
    )
}

async fn job(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let content = finished_job(&shared, &job_id)
        .await
        .map(|job| jobpages::job_page(&Site::history(), &view(&job), false));
    page(&shared.shell, &format!("MapReduce Job {job_id}"), content)
}

async fn counters(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let content = finished_job(&shared, &job_id)
        .await
        .map(|job| jobpages::counters_page(&Site::history(), &view(&job)));
    page(&shared.shell, &format!("Counters for {job_id}"), content)
}

async fn conf(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let content = finished_job(&shared, &job_id).await.map(|job| {
        let path = history::conf_file(&shared.done_dir, &job_id);
        jobpages::conf_page(&Site::history(), &job_id, &path, history_of(&job.report).1)
    });
    page(
        &shared.shell,
        &format!("Configuration for MapReduce Job {job_id}"),
        content,
    )
}

async fn tasks(
    State(shared): State<Arc<Shared>>,
    Path((job_id, kind)): Path<(String, String)>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(kind) = jobpages::task_type(&kind) else {
        let error = RestError::bad_request("tasktype must be either m or r");
        return error_page(&shared.shell, &error);
    };
    let listing = Listing::from_query(jobpages::own_name(uri.path()), &params, &["state"]);
    let state = params.get("state").filter(|state| !state.is_empty());
    let content = finished_job(&shared, &job_id).await.map(|job| {
        jobpages::tasks_page(
            &Site::history(),
            &view(&job),
            kind,
            state.map(String::as_str),
            &listing,
        )
    });
    let title = match kind {
        crate::ids::TaskType::Map => format!("Map Tasks for {job_id}"),
        crate::ids::TaskType::Reduce => format!("Reduce Tasks for {job_id}"),
    };
    page(&shared.shell, &title, content)
}

async fn task(State(shared): State<Arc<Shared>>, Path(task_id): Path<String>) -> Response {
    let content = job_of_task(&shared, &task_id).await.and_then(|job| {
        let task = job.task(&task_id)?;
        Ok(jobpages::task_page(&Site::history(), &view(&job), task))
    });
    page(&shared.shell, &format!("Attempts for {task_id}"), content)
}

async fn task_counters(State(shared): State<Arc<Shared>>, Path(task_id): Path<String>) -> Response {
    let content = job_of_task(&shared, &task_id).await.and_then(|job| {
        let task = job.task(&task_id)?;
        Ok(jobpages::task_counters_page(
            &Site::history(),
            &view(&job),
            task,
        ))
    });
    page(&shared.shell, &format!("Counters for {task_id}"), content)
}

async fn attempts(
    State(shared): State<Arc<Shared>>,
    Path((job_id, kind, state)): Path<(String, String, String)>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(kind) = jobpages::task_type(&kind) else {
        let error = RestError::bad_request("tasktype must be either m or r");
        return error_page(&shared.shell, &error);
    };
    let listing = Listing::from_query(jobpages::own_name(uri.path()), &params, &[]);
    let content = finished_job(&shared, &job_id)
        .await
        .map(|job| jobpages::attempts_page(&Site::history(), &view(&job), kind, &state, &listing));
    page(
        &shared.shell,
        &format!("{state} {kind} attempts in {job_id}"),
        content,
    )
}
