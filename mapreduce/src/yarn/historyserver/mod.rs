//! The JobHistoryServer (`mapred historyserver`): serves the reports of
//! finished jobs, as their AMs left them in `mapreduce.jobhistory.done-dir`,
//! through Hadoop's REST API on `mapreduce.jobhistory.webapp.address`
//! (port 19888):
//!
//! - `/ws/v1/history` (or `/ws/v1/history/info`): about the server;
//! - `/ws/v1/history/mapreduce/jobs[?user=&state=&queue=&limit=]`;
//! - `/ws/v1/history/mapreduce/jobs/{jobid}` (the history JobInfo);
//! - `.../jobs/{jobid}/counters` (total, map and reduce values), `/conf`,
//!   `/jobattempts`;
//! - `.../jobs/{jobid}/tasks[?type=m|r]`, `/tasks/{task}`, its `counters`,
//!   `attempts`, `attempts/{attempt}` and that attempt's `counters`;
//! - the web UI ([`pages`]): `/jobhistory` lists the jobs, and
//!   `/jobhistory/job/{jobid}` is the job's page, which finished MapReduce
//!   applications name as their final tracking URL.
//!
//! The done dir is read at every request, so jobs appear as soon as their
//! AM wrote them, whichever history server runs. Answers render through
//! [`common::rest`] (JSON, or XML on request) from the same document
//! builders as the AM's REST API ([`crate::yarn::appmaster::documents`]).

mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use client::DfsClient;
use common::Configuration;
use common::rest::{RestError, RestErrorKind, RestResult, ok, param, respond};
use common::webui::Shell;
use proto::mapreduce as pb;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::Error;
use crate::yarn::appmaster::{JobSnapshot, documents};
use crate::yarn::history;
use crate::yarn::staging::done_dir;

/// Query parameters in order.
type Params = Query<Vec<(String, String)>>;

/// Where the history server listens for HTTP.
pub const WEBAPP_ADDRESS_KEY: &str = common::conf::keys::MAPREDUCE_JOBHISTORY_WEBAPP_ADDRESS;
/// The history server's own pages, for the 404 page of [`common::http`].
const PAGES: &[(&str, &str)] = &[
    ("/jobhistory", "the finished jobs"),
    ("/jobhistory/job/<job id>", "a finished job's page"),
    ("/ws/v1/history/info", "about the server"),
    ("/ws/v1/history/mapreduce/jobs", "finished jobs"),
];
/// What a job's history file name ends with.
const HISTORY_SUFFIX: &str = ".jhist";

struct Shared {
    dfs: DfsClient,
    done_dir: String,
    started_on: i64,
    /// The frame of the web UI's pages.
    shell: Shell,
}

/// A running history server.
pub struct HistoryServer {
    web_address: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl HistoryServer {
    /// Binds `mapreduce.jobhistory.webapp.address` and starts serving.
    pub async fn start(conf: &Configuration) -> Result<Self, Error> {
        let address = conf.get_string(WEBAPP_ADDRESS_KEY)?;
        let listener = tokio::net::TcpListener::bind(address.as_str())
            .await
            .map_err(|error| {
                Error::Config(format!(
                    "{WEBAPP_ADDRESS_KEY}: cannot bind {address}: {error}"
                ))
            })?;
        let web_address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            dfs: DfsClient::from_conf(conf)?,
            done_dir: done_dir(conf)?,
            started_on: common::time::now_millis(),
            shell: Shell::new("JobHistoryServer", pages::NAV),
        });
        const JOB: &str = "/ws/v1/history/mapreduce/jobs/{job}";
        const TASK: &str = "/ws/v1/history/mapreduce/jobs/{job}/tasks/{task}";
        let router = Router::new()
            .route("/ws/v1/history", get(server_info))
            .route("/ws/v1/history/info", get(server_info))
            .route("/ws/v1/history/mapreduce/jobs", get(jobs))
            .route(JOB, get(job))
            .route(&format!("{JOB}/counters"), get(counters))
            .route(&format!("{JOB}/conf"), get(job_conf))
            .route(&format!("{JOB}/jobattempts"), get(job_attempts))
            .route(&format!("{JOB}/tasks"), get(tasks))
            .route(TASK, get(task))
            .route(&format!("{TASK}/counters"), get(task_counters))
            .route(&format!("{TASK}/attempts"), get(attempts))
            .route(&format!("{TASK}/attempts/{{attempt}}"), get(attempt))
            .route(
                &format!("{TASK}/attempts/{{attempt}}/counters"),
                get(attempt_counters),
            )
            .with_state(shared.clone())
            .merge(pages::routes(shared.clone()))
            .merge(common::http::routes(
                common::http::DaemonHttp::new("JobHistoryServer", conf).pages(PAGES),
            ));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                warn!(%error, "the history server stopped");
            }
        });
        info!(%web_address, done_dir = %shared.done_dir, "JobHistoryServer started");
        Ok(Self {
            web_address,
            shutdown,
            task,
        })
    }

    /// The bound HTTP address (a port of 0 is resolved).
    pub fn web_address(&self) -> SocketAddr {
        self.web_address
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

async fn server_info(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response<String> {
    let document = json!({
        "historyInfo": {
            "startedOn": shared.started_on,
            "hadoopVersion": concat!("Tusk ", env!("CARGO_PKG_VERSION")),
            "hadoopBuildVersion": concat!("Tusk ", env!("CARGO_PKG_VERSION")),
            "hadoopVersionBuiltOn": "",
        }
    });
    respond(&headers, ok(document))
}

/// The history server's page of `job_id`, as Hadoop's
/// `MRWebAppUtil.getApplicationWebURLOnJHSWithScheme` builds it: the AM
/// names it as its final tracking URL. A wildcard host (`0.0.0.0`) stands
/// for `local_host`, the machine the caller runs on.
pub fn job_page_url(webapp_address: &str, local_host: &str, job_id: &str) -> String {
    let (host, port) = webapp_address
        .rsplit_once(':')
        .unwrap_or((webapp_address, "19888"));
    let host = if host.is_empty() || host == "0.0.0.0" {
        local_host
    } else {
        host
    };
    format!("http://{host}:{port}/jobhistory/job/{job_id}")
}

/// A failure reading the done dir, as a 500.
fn internal_error(error: impl std::fmt::Display) -> RestError {
    RestError {
        kind: RestErrorKind::YarnException,
        message: error.to_string(),
    }
}

/// Every finished job of the done dir (a missing dir has none).
async fn finished_jobs(shared: &Shared) -> Result<Vec<pb::JobReport>, Error> {
    if shared.dfs.get_file_info(&shared.done_dir).await?.is_none() {
        return Ok(Vec::new());
    }
    let mut reports = Vec::new();
    for entry in shared.dfs.list(&shared.done_dir).await? {
        let name = entry.path.rsplit('/').next().unwrap_or_default();
        let Some(job_id) = name.strip_suffix(HISTORY_SUFFIX) else {
            continue;
        };
        match history::read(&shared.dfs, &shared.done_dir, job_id).await {
            Ok(Some(report)) => reports.push(report),
            Ok(None) => {}
            // One damaged file does not hide the other jobs.
            Err(error) => warn!(job_id, %error, "skipping an unreadable job history file"),
        }
    }
    reports.sort_by(|left, right| left.job_id.cmp(&right.job_id));
    Ok(reports)
}

async fn jobs(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(filters): Params,
) -> Response<String> {
    respond(&headers, jobs_document(&shared, &filters).await)
}

async fn jobs_document(shared: &Shared, filters: &[(String, String)]) -> RestResult {
    let limit = match param(filters, "limit") {
        None => usize::MAX,
        Some(limit) => limit.parse::<usize>().map_err(|_| {
            RestError::bad_request(format!("limit value must be a number: {limit}"))
        })?,
    };
    let reports = finished_jobs(shared).await.map_err(internal_error)?;
    let matches = |report: &pb::JobReport| {
        param(filters, "user").is_none_or(|user| report.user == user)
            && param(filters, "state").is_none_or(|state| report.state.eq_ignore_ascii_case(state))
            && param(filters, "queue").is_none_or(|queue| report.queue == queue)
    };
    let jobs: Vec<Value> = reports
        .iter()
        .filter(|report| matches(report))
        .take(limit)
        .map(documents::history_job_summary)
        .collect();
    ok(json!({ "jobs": { "job": jobs } }))
}

/// A finished job: its final report and its tasks.
struct FinishedJob {
    report: pb::JobReport,
    snapshot: JobSnapshot,
}

impl FinishedJob {
    /// The job's end: what running attempts' elapsed times stop at.
    fn end(&self) -> i64 {
        self.report.finish_time
    }

    /// The task named `task`, or Hadoop's 404.
    fn task(&self, task: &str) -> Result<&crate::yarn::appmaster::TaskSnapshot, RestError> {
        documents::find_task(&self.snapshot, task)
    }
}

/// The report of `job_id`, or the 400 / 404 Hadoop answers for a bad or
/// unknown job.
async fn one_job(shared: &Shared, job_id: &str) -> Result<pb::JobReport, RestError> {
    if !job_id.starts_with("job_") || job_id.contains('/') {
        return Err(RestError::bad_request(format!("Invalid JobId: {job_id}")));
    }
    match history::read(&shared.dfs, &shared.done_dir, job_id).await {
        Ok(Some(report)) => Ok(report),
        Ok(None) => Err(RestError::not_found(format!("job, {job_id}, is not found"))),
        Err(error) => Err(internal_error(error)),
    }
}

/// `job_id` with its tasks.
async fn finished_job(shared: &Shared, job_id: &str) -> Result<FinishedJob, RestError> {
    let report = one_job(shared, job_id).await?;
    let snapshot = history::snapshot(&report).map_err(internal_error)?;
    Ok(FinishedJob { report, snapshot })
}

async fn job(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let result = finished_job(&shared, &job).await.and_then(|job| {
        ok(json!({"job": documents::history_job_info(&job.report, &job.snapshot)}))
    });
    respond(&headers, result)
}

async fn counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let result = finished_job(&shared, &job)
        .await
        .and_then(|finished| ok(documents::job_counters(&job, &finished.snapshot)));
    respond(&headers, result)
}

/// Hadoop's ConfInfo: the file and the job's configuration.
async fn job_conf(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let result = one_job(&shared, &job).await.and_then(|report| {
        let path = history::conf_file(&shared.done_dir, &job);
        ok(documents::conf_info(&path, history_of(&report).1))
    });
    respond(&headers, result)
}

/// Hadoop's AMAttemptsInfo: the job's MRAppMaster attempts.
async fn job_attempts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
) -> Response<String> {
    let result = one_job(&shared, &job).await.and_then(|report| {
        ok(documents::am_attempts_info(
            history_of(&report).0,
            &report.user,
        ))
    });
    respond(&headers, result)
}

/// The AM attempts and the configuration a job's history records (none in
/// files written before they were recorded).
fn history_of(report: &pb::JobReport) -> (&[pb::AmAttemptHistory], &[pb::ConfProperty]) {
    match &report.history {
        Some(history) => (&history.am_attempts, &history.conf),
        None => (&[], &[]),
    }
}

async fn tasks(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(job): Path<String>,
    Query(query): Params,
) -> Response<String> {
    let result = async {
        let only = documents::task_type_filter(&query)?;
        let job = finished_job(&shared, &job).await?;
        ok(documents::tasks_info(&job.snapshot, only, job.end()))
    };
    respond(&headers, result.await)
}

async fn task(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let result = finished_job(&shared, &job).await.and_then(|job| {
        let task = job.task(&task)?;
        ok(json!({"task": documents::task_info(task, job.end())}))
    });
    respond(&headers, result)
}

async fn task_counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let result = finished_job(&shared, &job)
        .await
        .and_then(|job| ok(documents::task_counters(job.task(&task)?)));
    respond(&headers, result)
}

async fn attempts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task)): Path<(String, String)>,
) -> Response<String> {
    let result = finished_job(&shared, &job)
        .await
        .and_then(|job| ok(documents::attempts_info(job.task(&task)?, job.end())));
    respond(&headers, result)
}

async fn attempt(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task, attempt)): Path<(String, String, String)>,
) -> Response<String> {
    let result = finished_job(&shared, &job).await.and_then(|job| {
        let attempt = documents::find_attempt(job.task(&task)?, &attempt)?;
        ok(json!({"taskAttempt": documents::attempt_info(attempt, job.end())}))
    });
    respond(&headers, result)
}

async fn attempt_counters(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((job, task, attempt)): Path<(String, String, String)>,
) -> Response<String> {
    let result = finished_job(&shared, &job).await.and_then(|job| {
        let attempt = documents::find_attempt(job.task(&task)?, &attempt)?;
        ok(documents::attempt_counters(attempt))
    });
    respond(&headers, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_pages_name_a_real_host() {
        assert_eq!(
            job_page_url("0.0.0.0:19888", "node1", "job_1_0001"),
            "http://node1:19888/jobhistory/job/job_1_0001"
        );
        assert_eq!(
            job_page_url("jhs.example:19890", "node1", "job_1_0001"),
            "http://jhs.example:19890/jobhistory/job/job_1_0001"
        );
    }
}
