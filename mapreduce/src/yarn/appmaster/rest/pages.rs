//! The running job's web pages on the AM's port, at Hadoop's paths: `/` and `/mapreduce`
//! lead to `/mapreduce/job/{job}` (its progress refreshed in place while it runs), with
//! `jobcounters/{job}`, `conf/{job}`, `tasks/{job}/{m|r}`, `task/{task}`,
//! `taskcounters/{task}` and `attempts/{job}/{m|r}/{state}` beside it
//! ([`crate::yarn::jobpages`]). Clients mostly reach them through the ResourceManager's
//! `/proxy/{app}/`, so every link between them is relative.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::rest::RestError;
use common::webui::listing::Listing;
use common::webui::{Markup, Shell, html};

use super::{Now, check_job, find_task, now};
use crate::ids::TaskType;
use crate::yarn::appmaster::service::Shared;
use crate::yarn::jobpages::{self, JobView, Site};

/// The AM's navigation (its paths are written relative to each page).
const NAV: &[(&str, &str)] = &[("/mapreduce", "Job"), ("/ws/v1/mapreduce/jobs", "REST API")];
/// Where every job page sits in the navigation.
const JOB: &str = "/mapreduce";

/// What the pages read.
struct Pages {
    shared: Arc<Shared>,
    shell: Shell,
}

/// The page routes.
pub(super) fn routes(shared: Arc<Shared>) -> Router {
    let state_of = shared.clone();
    let shell = Shell::new("MRAppMaster", NAV).state(move || state_of.state_name().to_string());
    Router::new()
        .route("/", get(to_job))
        .route(JOB, get(to_job))
        .route("/mapreduce/app", get(to_job))
        .route("/mapreduce/job/{job}", get(job))
        .route("/mapreduce/jobcounters/{job}", get(counters))
        .route("/mapreduce/conf/{job}", get(conf))
        .route("/mapreduce/tasks/{job}/{kind}", get(tasks))
        .route("/mapreduce/task/{task}", get(task))
        .route("/mapreduce/taskcounters/{task}", get(task_counters))
        .route("/mapreduce/attempts/{job}/{kind}/{state}", get(attempts))
        .with_state(Arc::new(Pages { shared, shell }))
}

/// The job's page, relative to the page asked.
async fn to_job(State(pages): State<Arc<Pages>>, uri: Uri) -> Redirect {
    let job_id = pages.shared.lock().job_id.clone();
    Redirect::to(&Site::am(uri.path()).job(&job_id))
}

/// A page in the frame, or the error as a page with its status.
fn page(pages: &Pages, uri: &Uri, title: &str, content: Result<Markup, RestError>) -> Response {
    let site = Site::am(uri.path());
    match content {
        Ok(content) => pages.shell.page_under(site.root(), title, JOB, content),
        Err(error) => error_page(pages, &site, &error),
    }
}

fn error_page(pages: &Pages, site: &Site, error: &RestError) -> Response {
    let mut response = pages.shell.page_under(
        site.root(),
        "Not available",
        JOB,
        html! { p.notice.bad { (error.message) } },
    );
    *response.status_mut() = error.kind.status();
    response
}

fn view<'a>(now: &'a Now, shared: &'a Shared) -> JobView<'a> {
    JobView {
        report: &now.report,
        snapshot: &now.snapshot,
        am_attempts: std::slice::from_ref(&shared.am_attempt),
        now: now.millis,
    }
}

/// `m` or `r` as a task type, or Hadoop's 400.
fn kind_of(letter: &str) -> Result<TaskType, RestError> {
    jobpages::task_type(letter)
        .ok_or_else(|| RestError::bad_request("tasktype must be either m or r"))
}

async fn job(State(pages): State<Arc<Pages>>, Path(job_id): Path<String>, uri: Uri) -> Response {
    let now = now(&pages.shared);
    let running = now.report.state == "RUNNING";
    let content = check_job(&now, &job_id)
        .map(|()| jobpages::job_page(&Site::am(uri.path()), &view(&now, &pages.shared), running));
    page(&pages, &uri, &format!("MapReduce Job {job_id}"), content)
}

async fn counters(
    State(pages): State<Arc<Pages>>,
    Path(job_id): Path<String>,
    uri: Uri,
) -> Response {
    let now = now(&pages.shared);
    let content = check_job(&now, &job_id)
        .map(|()| jobpages::counters_page(&Site::am(uri.path()), &view(&now, &pages.shared)));
    page(&pages, &uri, &format!("Counters for {job_id}"), content)
}

async fn conf(State(pages): State<Arc<Pages>>, Path(job_id): Path<String>, uri: Uri) -> Response {
    let now = now(&pages.shared);
    let shared = &pages.shared;
    let content = check_job(&now, &job_id).map(|()| {
        jobpages::conf_page(
            &Site::am(uri.path()),
            &job_id,
            &shared.conf_path,
            &shared.conf,
        )
    });
    page(
        &pages,
        &uri,
        &format!("Configuration for MapReduce Job {job_id}"),
        content,
    )
}

async fn tasks(
    State(pages): State<Arc<Pages>>,
    Path((job_id, kind)): Path<(String, String)>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = now(&pages.shared);
    let listing = Listing::from_query(jobpages::own_name(uri.path()), &params, &["state"]);
    let state = params.get("state").filter(|state| !state.is_empty());
    let content = check_job(&now, &job_id).and_then(|()| {
        let kind = kind_of(&kind)?;
        Ok(jobpages::tasks_page(
            &Site::am(uri.path()),
            &view(&now, &pages.shared),
            kind,
            state.map(String::as_str),
            &listing,
        ))
    });
    let title = match kind_of(&kind) {
        Ok(TaskType::Reduce) => format!("Reduce Tasks for {job_id}"),
        _ => format!("Map Tasks for {job_id}"),
    };
    page(&pages, &uri, &title, content)
}

async fn task(State(pages): State<Arc<Pages>>, Path(task_id): Path<String>, uri: Uri) -> Response {
    let now = now(&pages.shared);
    let job_id = now.report.job_id.clone();
    let content = find_task(&now, &job_id, &task_id)
        .map(|task| jobpages::task_page(&Site::am(uri.path()), &view(&now, &pages.shared), task));
    page(&pages, &uri, &format!("Attempts for {task_id}"), content)
}

async fn task_counters(
    State(pages): State<Arc<Pages>>,
    Path(task_id): Path<String>,
    uri: Uri,
) -> Response {
    let now = now(&pages.shared);
    let job_id = now.report.job_id.clone();
    let content = find_task(&now, &job_id, &task_id).map(|task| {
        jobpages::task_counters_page(&Site::am(uri.path()), &view(&now, &pages.shared), task)
    });
    page(&pages, &uri, &format!("Counters for {task_id}"), content)
}

async fn attempts(
    State(pages): State<Arc<Pages>>,
    Path((job_id, kind, state)): Path<(String, String, String)>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = now(&pages.shared);
    let listing = Listing::from_query(jobpages::own_name(uri.path()), &params, &[]);
    let content = check_job(&now, &job_id).and_then(|()| {
        let kind = kind_of(&kind)?;
        Ok(jobpages::attempts_page(
            &Site::am(uri.path()),
            &view(&now, &pages.shared),
            kind,
            &state,
            &listing,
        ))
    });
    page(
        &pages,
        &uri,
        &format!("{state} attempts in {job_id}"),
        content,
    )
}
