//! Hadoop's MapReduce ApplicationMaster REST API (`/ws/v1/mapreduce`) on
//! the AM's own HTTP port: info, the job, its counters, configuration and
//! AM attempts, tasks (`type=m|r`), their attempts and counters; and the
//! job's web pages ([`pages`]). The AM registers this port's URL as its
//! tracking URL, so the ResourceManager's web proxy leads here. Answers
//! render through [`common::rest`] (JSON, or XML on request).

pub(crate) mod documents;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Response};
use axum::routing::get;
use common::rest::{RestError, RestResult, ok, respond};
use proto::mapreduce as pb;
use serde_json::json;
use tokio::task::JoinHandle;
use tracing::warn;

use crate::Error;
use crate::yarn::appmaster::JobSnapshot;
use crate::yarn::appmaster::service::Shared;

/// Query parameters in order.
type Params = Query<Vec<(String, String)>>;

/// Starts the REST server on `host`, port 0; its address and task.
pub(crate) async fn serve(
    host: &str,
    shared: Arc<Shared>,
) -> Result<(SocketAddr, JoinHandle<()>), Error> {
    let listener = tokio::net::TcpListener::bind((host, 0)).await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router(shared)).await {
            warn!(%error, "MRAppMaster web server stopped");
        }
    });
    Ok((address, server))
}

fn router(shared: Arc<Shared>) -> Router {
    const JOB: &str = "/ws/v1/mapreduce/jobs/{job}";
    Router::new()
        .route("/ws/v1/mapreduce", get(info))
        .route("/ws/v1/mapreduce/info", get(info))
        .route("/ws/v1/mapreduce/jobs", get(jobs))
        .route(JOB, get(job))
        .route(&format!("{JOB}/counters"), get(job_counters))
        .route(&format!("{JOB}/conf"), get(job_conf))
        .route(&format!("{JOB}/jobattempts"), get(job_attempts))
        .route(&format!("{JOB}/tasks"), get(tasks))
        .route(&format!("{JOB}/tasks/{{task}}"), get(task))
        .route(
            &format!("{JOB}/tasks/{{task}}/counters"),
            get(task_counters),
        )
        .route(&format!("{JOB}/tasks/{{task}}/attempts"), get(attempts))
        .route(
            &format!("{JOB}/tasks/{{task}}/attempts/{{attempt}}"),
            get(attempt),
        )
        .route(
            &format!("{JOB}/tasks/{{task}}/attempts/{{attempt}}/counters"),
            get(attempt_counters),
        )
        .with_state(shared.clone())
        .merge(pages::routes(shared))
        .merge(common::webui::routes())
}

/// The job as it is now: its report, its tasks, and the time they were read.
struct Now {
    report: pb::JobReport,
    snapshot: JobSnapshot,
    millis: i64,
}

fn now(shared: &Shared) -> Now {
    let millis = common::time::now_millis();
    let report = shared.report(0);
    let snapshot = shared.lock().snapshot(millis);
    Now {
        report,
        snapshot,
        millis,
    }
}

/// Hadoop's `AMWebServices.getJobFromJobIdString`.
fn check_job(now: &Now, job: &str) -> Result<(), RestError> {
    if now.report.job_id == job {
        return Ok(());
    }
    Err(RestError::not_found(format!("job, {job}, is not found")))
}

fn find_task<'a>(
    now: &'a Now,
    job: &str,
    task: &str,
) -> Result<&'a crate::yarn::appmaster::TaskSnapshot, RestError> {
    check_job(now, job)?;
    documents::find_task(&now.snapshot, task)
}

fn find_attempt<'a>(
    now: &'a Now,
    job: &str,
    task: &str,
    attempt: &str,
) -> Result<&'a crate::yarn::appmaster::AttemptSnapshot, RestError> {
    documents::find_attempt(find_task(now, job, task)?, attempt)
}

async fn info(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response<String> {
    let now = now(&shared);
    let app_id = now.report.job_id.replacen("job_", "application_", 1);
    let document = json!({"info": {
        "appId": app_id,
        "name": now.report.job_name,
        "user": now.report.user,
        "startedOn": now.report.start_time,
        "elapsedTime": documents::elapsed(now.report.start_time, 0, now.millis),
    }});
    respond(&headers, ok(document))
}

async fn jobs(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response<String> {
    let now = now(&shared);
    let job = documents::job_info(&now.report, &now.snapshot, now.millis);
    respond(&headers, ok(json!({"jobs": {"job": [job]}})))
}

async fn job(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let now = now(&shared);
    let result = check_job(&now, &job).and_then(|()| {
        ok(json!({"job": documents::job_info(&now.report, &now.snapshot, now.millis)}))
    });
    respond(&headers, result)
}

async fn job_counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let now = now(&shared);
    let result =
        check_job(&now, &job).and_then(|()| ok(documents::job_counters(&job, &now.snapshot)));
    respond(&headers, result)
}

async fn job_conf(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let now = now(&shared);
    let result = check_job(&now, &job)
        .and_then(|()| ok(documents::conf_info(&shared.conf_path, &shared.conf)));
    respond(&headers, result)
}

async fn job_attempts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let now = now(&shared);
    let result = check_job(&now, &job).and_then(|()| {
        ok(documents::am_attempts_info(
            std::slice::from_ref(&shared.am_attempt),
            &shared.user,
        ))
    });
    respond(&headers, result)
}

fn tasks_document(now: &Now, job: &str, query: &[(String, String)]) -> RestResult {
    check_job(now, job)?;
    let only = documents::task_type_filter(query)?;
    ok(documents::tasks_info(&now.snapshot, only, now.millis))
}

async fn tasks(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
    Query(query): Params,
) -> Response<String> {
    respond(&headers, tasks_document(&now(&shared), &job, &query))
}

async fn task(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let now = now(&shared);
    let result = find_task(&now, &job, &task)
        .and_then(|task| ok(json!({"task": documents::task_info(task, now.millis)})));
    respond(&headers, result)
}

async fn task_counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let now = now(&shared);
    let result = find_task(&now, &job, &task).and_then(|task| ok(documents::task_counters(task)));
    respond(&headers, result)
}

async fn attempts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let now = now(&shared);
    let result = find_task(&now, &job, &task)
        .and_then(|task| ok(documents::attempts_info(task, now.millis)));
    respond(&headers, result)
}

async fn attempt(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task, attempt)): Path<(String, String, String)>,
) -> Response<String> {
    let now = now(&shared);
    let result = find_attempt(&now, &job, &task, &attempt).and_then(|attempt| {
        ok(json!({"taskAttempt": documents::attempt_info(attempt, now.millis)}))
    });
    respond(&headers, result)
}

async fn attempt_counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task, attempt)): Path<(String, String, String)>,
) -> Response<String> {
    let now = now(&shared);
    let result = find_attempt(&now, &job, &task, &attempt)
        .and_then(|attempt| ok(documents::attempt_counters(attempt)));
    respond(&headers, result)
}
