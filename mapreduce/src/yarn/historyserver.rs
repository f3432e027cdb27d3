//! The JobHistoryServer (`mapred historyserver`): serves the reports of
//! finished jobs, as their AMs left them in `mapreduce.jobhistory.done-dir`,
//! through Hadoop's REST API on `mapreduce.jobhistory.webapp.address`
//! (port 19888):
//!
//! - `/ws/v1/history` (or `/ws/v1/history/info`): about the server;
//! - `/ws/v1/history/mapreduce/jobs[?user=&state=&queue=&limit=]`;
//! - `/ws/v1/history/mapreduce/jobs/{jobid}`;
//! - `/ws/v1/history/mapreduce/jobs/{jobid}/counters`;
//! - `/jobhistory/job/{jobid}`: the job's page, which finished MapReduce
//!   applications name as their final tracking URL.
//!
//! The done dir is read at every request, so jobs appear as soon as their
//! AM wrote them, whichever history server runs.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use client::DfsClient;
use common::Configuration;
use proto::mapreduce as pb;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::Error;
use crate::yarn::history;
use crate::yarn::staging::done_dir;

/// Where the history server listens for HTTP.
pub const WEBAPP_ADDRESS_KEY: &str = common::conf::keys::MAPREDUCE_JOBHISTORY_WEBAPP_ADDRESS;
/// The history server's own pages, for the 404 page of [`common::http`].
const PAGES: &[(&str, &str)] = &[
    ("/ws/v1/history/info", "about the server"),
    ("/ws/v1/history/mapreduce/jobs", "finished jobs"),
    ("/jobhistory/job/<job id>", "a finished job's page"),
];
/// What a job's history file name ends with.
const HISTORY_SUFFIX: &str = ".jhist";

struct Shared {
    dfs: DfsClient,
    done_dir: String,
    started_on: i64,
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
        });
        let router = Router::new()
            .route("/ws/v1/history", get(server_info))
            .route("/ws/v1/history/info", get(server_info))
            .route("/ws/v1/history/mapreduce/jobs", get(jobs))
            .route("/ws/v1/history/mapreduce/jobs/{job_id}", get(job))
            .route(
                "/ws/v1/history/mapreduce/jobs/{job_id}/counters",
                get(counters),
            )
            .route("/jobhistory/job/{job_id}", get(job_page))
            .with_state(shared.clone())
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

async fn server_info(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "historyInfo": {
            "startedOn": shared.started_on,
            "hadoopVersion": concat!("Tusk ", env!("CARGO_PKG_VERSION")),
            "hadoopBuildVersion": concat!("Tusk ", env!("CARGO_PKG_VERSION")),
            "hadoopVersionBuiltOn": "",
        }
    }))
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

/// A failure as Hadoop's web services shape it.
fn remote_exception(status: StatusCode, exception: &str, message: String) -> Response {
    let body = json!({
        "RemoteException": {
            "exception": exception,
            "message": message,
            "javaClassName": format!("org.apache.hadoop.yarn.webapp.{exception}"),
        }
    });
    (status, Json(body)).into_response()
}

fn internal_error(error: impl std::fmt::Display) -> Response {
    remote_exception(
        StatusCode::INTERNAL_SERVER_ERROR,
        "WebApplicationException",
        error.to_string(),
    )
}

/// The job summary Hadoop's `/jobs` list gives.
fn job_summary(report: &pb::JobReport) -> Value {
    json!({
        "submitTime": report.start_time,
        "startTime": report.start_time,
        "finishTime": report.finish_time,
        "id": report.job_id,
        "name": report.job_name,
        "queue": report.queue,
        "user": report.user,
        "state": report.state,
        "mapsTotal": report.total_maps,
        "mapsCompleted": report.finished_maps,
        "reducesTotal": report.total_reduces,
        "reducesCompleted": report.finished_reduces,
    })
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
    Query(filters): Query<HashMap<String, String>>,
) -> Response {
    let limit = match filters.get("limit").map(|limit| limit.parse::<usize>()) {
        None => usize::MAX,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            return remote_exception(
                StatusCode::BAD_REQUEST,
                "BadRequestException",
                format!("limit value must be a number: {}", filters["limit"]),
            );
        }
    };
    let reports = match finished_jobs(&shared).await {
        Ok(reports) => reports,
        Err(error) => return internal_error(error),
    };
    let matches = |report: &pb::JobReport| {
        filters.get("user").is_none_or(|user| &report.user == user)
            && filters
                .get("state")
                .is_none_or(|state| report.state.eq_ignore_ascii_case(state))
            && filters
                .get("queue")
                .is_none_or(|queue| &report.queue == queue)
    };
    let jobs: Vec<Value> = reports
        .iter()
        .filter(|report| matches(report))
        .take(limit)
        .map(job_summary)
        .collect();
    Json(json!({ "jobs": { "job": jobs } })).into_response()
}

/// The report of `job_id`, or the 404 Hadoop answers for an unknown job.
async fn one_job(shared: &Shared, job_id: &str) -> Result<pb::JobReport, Response> {
    if !job_id.starts_with("job_") || job_id.contains('/') {
        return Err(remote_exception(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            format!("Invalid JobId: {job_id}"),
        ));
    }
    match history::read(&shared.dfs, &shared.done_dir, job_id).await {
        Ok(Some(report)) => Ok(report),
        Ok(None) => Err(remote_exception(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            format!("java.lang.Exception: job, {job_id}, is not found"),
        )),
        Err(error) => Err(internal_error(error)),
    }
}

async fn job(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let report = match one_job(&shared, &job_id).await {
        Ok(report) => report,
        Err(response) => return response,
    };
    let mut job = job_summary(&report);
    job["diagnostics"] = json!(report.diagnostics);
    job["uberized"] = json!(false);
    job["avgMapTime"] = json!(0);
    Json(json!({ "job": job })).into_response()
}

/// The job's page: its summary as an HTML table.
async fn job_page(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let report = match one_job(&shared, &job_id).await {
        Ok(report) => report,
        Err(response) => return response,
    };
    let rows = [
        ("Job Name", report.job_name.clone()),
        ("User Name", report.user.clone()),
        ("Queue", report.queue.clone()),
        ("State", report.state.clone()),
        ("Started", report.start_time.to_string()),
        ("Finished", report.finish_time.to_string()),
        (
            "Maps",
            format!("{} of {}", report.finished_maps, report.total_maps),
        ),
        (
            "Reduces",
            format!("{} of {}", report.finished_reduces, report.total_reduces),
        ),
        ("Diagnostics", report.diagnostics.clone()),
    ];
    let mut table = String::new();
    for (name, value) in rows {
        table.push_str(&format!(
            "<tr><th>{name}</th><td>{}</td></tr>",
            escape_html(&value)
        ));
    }
    let id = escape_html(&job_id);
    Html(format!(
        "<!DOCTYPE html><html><head><title>MapReduce Job {id}</title></head>\
         <body><h1>MapReduce Job {id}</h1><table>{table}</table></body></html>"
    ))
    .into_response()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn counters(State(shared): State<Arc<Shared>>, Path(job_id): Path<String>) -> Response {
    let report = match one_job(&shared, &job_id).await {
        Ok(report) => report,
        Err(response) => return response,
    };
    let mut groups: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for counter in &report.counters {
        groups.entry(&counter.group).or_default().push(json!({
            "name": counter.name,
            "totalCounterValue": counter.value,
        }));
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, counters)| json!({ "counterGroupName": group, "counter": counters }))
        .collect();
    Json(json!({ "jobCounters": { "id": job_id, "counterGroup": groups } })).into_response()
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
