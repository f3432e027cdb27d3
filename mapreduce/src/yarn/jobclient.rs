//! The job client on YARN: stages the job (this binary, `job.xml`,
//! `job.split` and the job's own files), submits the MRAppMaster, follows
//! the job (`map 45% reduce 0%`) and reads its final report from the job
//! history. Also what `mapred job -status | -list | -kill` ask.

use std::collections::HashMap;
use std::time::Duration;

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use common::conf::keys;
use proto::mapreduce as mrpb;
use proto::mapreduce::mr_client_protocol_client::MrClientProtocolClient;
use proto::yarn as pb;
use tokio::runtime::Runtime;

use crate::Error;
use crate::counters::Counters;
use crate::dfs_io::Dfs;
use crate::input::InputSplit;
use crate::job::JobSpec;
use crate::yarn::appmaster::JOB_DIR_KEY;
use crate::yarn::staging::{SUBMIT_REPLICATION_KEY, done_dir, staging_dir, upload, upload_file};
use crate::yarn::wire::{channel, counters_from_proto, encode_splits};
use crate::yarn::{JOB_BINARY, JOB_CONF, JOB_SPLITS, ROLE_ENV, history, job_id_of};
use client::yarn::names::is_final;

/// The application type of MapReduce jobs.
pub const APPLICATION_TYPE: &str = "MAPREDUCE";
/// How often the client polls the job (Hadoop: 1000 ms).
const POLL_KEY: &str = common::conf::keys::MAPREDUCE_CLIENT_PROGRESSMONITOR_POLLINTERVAL;

/// A job the client staged and submitted.
pub(crate) struct Submitted {
    pub job_id: String,
    pub application: common::yarn::ApplicationId,
}

/// Stages and submits the job; returns its id.
pub(crate) fn stage_and_submit(
    spec: &JobSpec,
    mut conf: Configuration,
    runtime: &Runtime,
    dfs: &Dfs,
    splits: &[InputSplit],
) -> Result<Submitted, Error> {
    let yarn = {
        let _entered = runtime.enter();
        YarnClient::from_conf(&conf)?
    };
    let application: common::yarn::ApplicationId = runtime
        .block_on(yarn.new_application())?
        .application_id
        .parse()
        .map_err(|e: common::yarn::InvalidId| Error::Config(e.to_string()))?;
    let job_id = job_id_of(application);
    let job_dir = staging_dir(&conf, dfs.user(), &job_id)?;
    let replication = conf.get_u16(SUBMIT_REPLICATION_KEY)?;
    conf.set("mapreduce.job.id", job_id.clone());
    conf.set(JOB_DIR_KEY, job_dir.clone());
    conf.set("mapreduce.job.user.name", dfs.user().to_string());
    conf.set(keys::MAPREDUCE_JOB_MAPS, splits.len().to_string());
    let binary = std::env::current_exe()?;
    let mut resources = vec![upload_file(
        dfs,
        &binary,
        &format!("{job_dir}/{JOB_BINARY}"),
        replication,
        JOB_BINARY,
        true,
    )?];
    let xml = conf.to_xml()?;
    let split_file = encode_splits(splits);
    let staged: Vec<(&str, &[u8])> = [(JOB_CONF, xml.as_bytes()), (JOB_SPLITS, &split_file[..])]
        .into_iter()
        .chain(
            spec.files
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
        )
        .collect();
    for (name, bytes) in staged {
        let path = format!("{job_dir}/{name}");
        resources.push(upload(dfs, bytes, &path, replication, name, false)?);
    }
    let am_memory = conf.get_i64(keys::YARN_APP_MAPREDUCE_AM_RESOURCE_MB)?;
    let am_vcores = conf.get_u32(keys::YARN_APP_MAPREDUCE_AM_RESOURCE_CPU_VCORES)?;
    let submission = pb::ApplicationSubmissionContext {
        application_id: application.to_string(),
        application_name: spec.name.clone(),
        queue: conf.get_string(keys::MAPREDUCE_JOB_QUEUENAME)?,
        application_type: APPLICATION_TYPE.to_string(),
        am_resource: Some(pb::Resource {
            memory_mb: am_memory,
            vcores: am_vcores as i32,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: format!("./{JOB_BINARY}"),
            environment: HashMap::from([(ROLE_ENV.to_string(), "appmaster".to_string())]),
            local_resources: resources,
        }),
        ..Default::default()
    };
    runtime.block_on(yarn.submit_application(submission))?;
    eprintln!("INFO impl.YarnClientImpl: Submitted application {application}");
    Ok(Submitted {
        job_id,
        application,
    })
}

/// Follows a submitted job to its end, printing progress; the final report.
pub(crate) fn monitor(
    conf: &Configuration,
    runtime: &Runtime,
    dfs: &Dfs,
    submitted: &Submitted,
) -> Result<mrpb::JobReport, Error> {
    let poll = Duration::from_millis(conf.get_u64(POLL_KEY)?.max(1));
    let yarn = {
        let _entered = runtime.enter();
        YarnClient::from_conf(conf)?
    };
    let application = submitted.application.to_string();
    let mut last = None;
    let mut announced = false;
    loop {
        let app = runtime.block_on(yarn.application_report(&application))?;
        if !announced && app.state == pb::YarnApplicationState::Running as i32 {
            eprintln!(
                "INFO mapreduce.Job: Job {} running in uber mode : false",
                submitted.job_id
            );
            announced = true;
        }
        if is_final(app.state) {
            let client = dfs.client().clone();
            let done = done_dir(conf)?;
            let history = runtime.block_on(history::read(&client, &done, &submitted.job_id))?;
            let report =
                history.unwrap_or_else(|| report_from_application(&submitted.job_id, &app));
            // The last progress, as Hadoop's client prints it, even when
            // the job ended between two polls.
            print_progress(&report, &mut last);
            return Ok(report);
        }
        if let Some(report) = runtime.block_on(am_report(&app, &submitted.job_id)) {
            print_progress(&report, &mut last);
        }
        std::thread::sleep(poll);
    }
}

/// Prints `map M% reduce R%` when it changed since `last`. Progress never
/// goes back: a killed job's last report (the killed attempts, or a report
/// made from the application alone) does not undo what was printed.
fn print_progress(report: &mrpb::JobReport, last: &mut Option<(u32, u32)>) {
    let (map, reduce) = last.unwrap_or_default();
    let now = (
        percent(report.map_progress).max(map),
        percent(report.reduce_progress).max(reduce),
    );
    if *last != Some(now) {
        eprintln!("INFO mapreduce.Job:  map {}% reduce {}%", now.0, now.1);
        *last = Some(now);
    }
}

fn percent(progress: f32) -> u32 {
    (progress.clamp(0.0, 1.0) * 100.0).floor() as u32
}

/// The running AM's report of the job, if it answers.
async fn am_report(app: &pb::ApplicationReport, job_id: &str) -> Option<mrpb::JobReport> {
    let mut client = am_client(app)?;
    let request = mrpb::GetJobReportRequest {
        job_id: job_id.to_string(),
    };
    let response = tokio::time::timeout(Duration::from_secs(5), client.get_job_report(request));
    response.await.ok()?.ok()?.into_inner().report
}

fn am_client(
    app: &pb::ApplicationReport,
) -> Option<MrClientProtocolClient<common::faults::Channel>> {
    if app.rpc_port <= 0 || app.am_host.is_empty() || app.am_host == "N/A" {
        return None;
    }
    let address = format!("{}:{}", app.am_host, app.rpc_port);
    Some(MrClientProtocolClient::new(channel(&address).ok()?))
}

/// A report made from the application alone (the AM left no history:
/// it was killed, or never started).
fn report_from_application(job_id: &str, app: &pb::ApplicationReport) -> mrpb::JobReport {
    let state = match pb::YarnApplicationState::try_from(app.state) {
        Ok(pb::YarnApplicationState::Killed) => "KILLED",
        Ok(pb::YarnApplicationState::Finished)
            if app.final_status == pb::FinalApplicationStatus::Succeeded as i32 =>
        {
            "SUCCEEDED"
        }
        Ok(pb::YarnApplicationState::Finished | pb::YarnApplicationState::Failed) => "FAILED",
        _ => "RUNNING",
    };
    mrpb::JobReport {
        job_id: job_id.to_string(),
        job_name: app.name.clone(),
        user: app.user.clone(),
        state: state.to_string(),
        start_time: app.start_time,
        finish_time: app.finish_time,
        diagnostics: app.diagnostics.clone(),
        queue: app.queue.clone(),
        ..Default::default()
    }
}

/// The counters of a report.
pub(crate) fn report_counters(report: &mrpb::JobReport) -> Counters {
    counters_from_proto(&report.counters)
}

/// Why a `mapred job` request failed.
#[derive(Debug, thiserror::Error)]
pub enum JobClientError {
    /// No application ran the job.
    #[error("Could not find job {0}")]
    NotFound(String),
    /// `-kill` of a job that already ended.
    #[error("Job {0} is already finished")]
    AlreadyFinished(String),
    /// The ResourceManager refused or failed a call.
    #[error("{0}")]
    Yarn(#[from] client::RemoteException),
    /// The job's history could not be read.
    #[error("{0}")]
    History(#[from] Error),
    /// `-kill-task` / `-fail-task` of an attempt that is not running, or a
    /// job whose AM no longer runs.
    #[error("{0}")]
    AttemptNotRunning(String),
}

/// The application report of a job's application.
async fn application_of_job(
    yarn: &YarnClient,
    job_id: &str,
) -> Result<pb::ApplicationReport, JobClientError> {
    let not_found = || JobClientError::NotFound(job_id.to_string());
    let application = super::application_of(job_id).ok_or_else(not_found)?;
    let report = yarn
        .application_report(&application.to_string())
        .await
        .map_err(|_| not_found())?;
    // An application of another type (a DistributedShell, say) ran no job.
    if report.application_type != APPLICATION_TYPE {
        return Err(not_found());
    }
    Ok(report)
}

/// `mapred job -status`: the AM's report while the job runs, the history
/// once it is over.
pub async fn job_status(
    conf: &Configuration,
    dfs: &DfsClient,
    yarn: &YarnClient,
    job_id: &str,
) -> Result<mrpb::JobReport, JobClientError> {
    let app = application_of_job(yarn, job_id).await?;
    if !is_final(app.state)
        && let Some(report) = am_report(&app, job_id).await
    {
        return Ok(report);
    }
    from_history(conf, dfs, job_id, &app).await
}

/// `mapred job -history / -events / -list-attempt-ids / -logs`: the job's
/// report with its tasks and attempts (`history`), from the AM while the
/// job runs, from the job history (what the JobHistory server serves) once
/// it is over.
pub async fn job_details(
    conf: &Configuration,
    dfs: &DfsClient,
    yarn: &YarnClient,
    job_id: &str,
) -> Result<mrpb::JobReport, JobClientError> {
    let app = application_of_job(yarn, job_id).await?;
    if !is_final(app.state)
        && let Some(mut report) = am_report(&app, job_id).await
        && let Some(mut client) = am_client(&app)
    {
        let request = mrpb::GetJobDetailsRequest {
            job_id: job_id.to_string(),
        };
        let answer = tokio::time::timeout(Duration::from_secs(5), client.get_job_details(request));
        if let Ok(Ok(response)) = answer.await {
            report.history = response.into_inner().details;
            return Ok(report);
        }
    }
    from_history(conf, dfs, job_id, &app).await
}

/// An ended job's report from the job history (what the JobHistory server
/// serves), or from its application when it left no history.
async fn from_history(
    conf: &Configuration,
    dfs: &DfsClient,
    job_id: &str,
    app: &pb::ApplicationReport,
) -> Result<mrpb::JobReport, JobClientError> {
    let done = done_dir(conf).map_err(Error::from)?;
    match history::read(dfs, &done, job_id).await {
        Ok(Some(report)) => Ok(report),
        Ok(None) => Ok(report_from_application(job_id, app)),
        Err(error) => Err(error.into()),
    }
}

/// `mapred job -kill-task / -fail-task ATTEMPT`: asks the job's AM to end a
/// running attempt, killed or (with `fail`) failed; its task runs another.
pub async fn kill_task_attempt(
    yarn: &YarnClient,
    attempt_id: &str,
    fail: bool,
) -> Result<(), JobClientError> {
    let job_id = attempt_id
        .parse::<crate::ids::TaskAttemptId>()
        .map_err(|_| JobClientError::NotFound(attempt_id.to_string()))?
        .job_id();
    let app = application_of_job(yarn, &job_id).await?;
    let not_running = || JobClientError::AttemptNotRunning(attempt_id.to_string());
    if is_final(app.state) {
        return Err(not_running());
    }
    let mut client = am_client(&app).ok_or_else(not_running)?;
    let request = mrpb::KillTaskAttemptRequest {
        attempt_id: attempt_id.to_string(),
        fail,
    };
    client
        .kill_task_attempt(request)
        .await
        .map_err(|status| JobClientError::AttemptNotRunning(status.message().to_string()))?;
    Ok(())
}

/// `mapred job -kill`: asks the AM to kill the job (it stops its tasks,
/// removes partial output and records KILLED); the RM kills the
/// application when the AM does not answer.
pub async fn kill_job(yarn: &YarnClient, job_id: &str) -> Result<(), JobClientError> {
    let app = application_of_job(yarn, job_id).await?;
    if is_final(app.state) {
        return Err(JobClientError::AlreadyFinished(job_id.to_string()));
    }
    if let Some(mut client) = am_client(&app) {
        let request = mrpb::KillJobRequest {
            job_id: job_id.to_string(),
        };
        if client.kill_job(request).await.is_ok() {
            return Ok(());
        }
    }
    yarn.kill_application(&app.application_id).await?;
    Ok(())
}

/// `mapred job -list`: MapReduce applications not yet finished.
pub async fn running_jobs(yarn: &YarnClient) -> Result<Vec<pb::ApplicationReport>, JobClientError> {
    Ok(jobs(yarn)
        .await?
        .into_iter()
        .filter(|app| !is_final(app.state))
        .collect())
}

/// Every MapReduce application the RM knows, finished ones included (`mapred job -list all`).
pub async fn jobs(yarn: &YarnClient) -> Result<Vec<pb::ApplicationReport>, JobClientError> {
    let apps = yarn
        .applications(pb::GetApplicationsRequest {
            application_types: vec![APPLICATION_TYPE.to_string()],
            ..Default::default()
        })
        .await?;
    Ok(apps)
}
