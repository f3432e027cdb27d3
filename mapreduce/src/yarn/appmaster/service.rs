//! The AM's RPC services over the shared [`JobState`]:
//! TaskUmbilicalProtocol for its tasks and MRClientProtocol for job clients.
//! Each call holds the state lock only to read or update it.

use std::sync::{Arc, Mutex, MutexGuard};

use proto::mapreduce as pb;
use proto::mapreduce::mr_client_protocol_server::MrClientProtocol;
use proto::mapreduce::task_umbilical_protocol_server::TaskUmbilicalProtocol;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

use crate::yarn::appmaster::job::{JobState, Outcome};
use crate::yarn::history;
use crate::yarn::wire::{counters_from_proto, counters_to_proto};

/// Events the umbilical returns per call at most.
const MAX_EVENTS_PER_CALL: usize = 10_000;

/// What the services and the AM's heartbeat loop share.
pub(crate) struct Shared {
    pub state: Mutex<JobState>,
    /// Wakes the heartbeat loop when a task's news needs action.
    pub wake: Notify,
    pub job_name: String,
    pub user: String,
    pub queue: String,
    pub start_time: i64,
    /// This AM attempt, as the job history records it.
    pub am_attempt: pb::AmAttemptHistory,
    /// The job's configuration, as its pages and the job history show it.
    pub conf: Vec<pb::ConfProperty>,
    /// Where that configuration was read from (the staged `job.xml`).
    pub conf_path: String,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, JobState> {
        self.state.lock().expect("job state lock")
    }

    /// Hadoop's JobState name of the job now.
    pub fn state_name(&self) -> &'static str {
        job_state_name(self.lock().outcome())
    }

    /// The job's report as clients see it.
    pub fn report(&self, finish_time: i64) -> pb::JobReport {
        let state = self.lock();
        let (map_progress, reduce_progress) = state.progress();
        let (finished_maps, finished_reduces) = state.finished();
        let state_name = job_state_name(state.outcome());
        let diagnostics = match state.outcome() {
            None | Some(Outcome::Succeeded) => String::new(),
            Some(Outcome::Failed(why) | Outcome::Killed(why)) => why.clone(),
        };
        pb::JobReport {
            job_id: state.job_id.clone(),
            job_name: self.job_name.clone(),
            user: self.user.clone(),
            state: state_name.to_string(),
            map_progress,
            reduce_progress,
            start_time: self.start_time,
            finish_time,
            counters: counters_to_proto(&state.counters()),
            diagnostics,
            total_maps: state.total_maps() as i32,
            total_reduces: state.total_reduces() as i32,
            finished_maps: finished_maps as i32,
            finished_reduces: finished_reduces as i32,
            queue: self.queue.clone(),
            attempt_failures: state.attempt_failures(),
            history: None,
        }
    }
}

/// Hadoop's JobState name of a job with `outcome` (none yet: running).
fn job_state_name(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        None => "RUNNING",
        Some(Outcome::Succeeded) => "SUCCEEDED",
        Some(Outcome::Failed(_)) => "FAILED",
        Some(Outcome::Killed(_)) => "KILLED",
    }
}

/// Serves both protocols.
#[derive(Clone)]
pub(crate) struct AmService(pub Arc<Shared>);

#[tonic::async_trait]
impl TaskUmbilicalProtocol for AmService {
    async fn status_update(
        &self,
        request: Request<pb::StatusUpdateRequest>,
    ) -> Result<Response<pb::StatusUpdateResponse>, Status> {
        let request = request.into_inner();
        let counters = counters_from_proto(&request.counters);
        let should_die =
            self.0
                .lock()
                .status_update(&request.attempt_id, request.progress, counters);
        Ok(Response::new(pb::StatusUpdateResponse { should_die }))
    }

    async fn can_commit(
        &self,
        request: Request<pb::CanCommitRequest>,
    ) -> Result<Response<pb::CanCommitResponse>, Status> {
        let (allowed, should_die) = self.0.lock().can_commit(&request.into_inner().attempt_id);
        Ok(Response::new(pb::CanCommitResponse {
            allowed,
            should_die,
        }))
    }

    async fn done(
        &self,
        request: Request<pb::DoneRequest>,
    ) -> Result<Response<pb::DoneResponse>, Status> {
        let request = request.into_inner();
        let counters = counters_from_proto(&request.counters);
        self.0.lock().done(&request.attempt_id, counters);
        self.0.wake.notify_one();
        Ok(Response::new(pb::DoneResponse {}))
    }

    async fn fatal_error(
        &self,
        request: Request<pb::FatalErrorRequest>,
    ) -> Result<Response<pb::FatalErrorResponse>, Status> {
        let request = request.into_inner();
        self.0
            .lock()
            .fatal_error(&request.attempt_id, &request.message);
        Ok(Response::new(pb::FatalErrorResponse {}))
    }

    async fn get_map_completion_events(
        &self,
        request: Request<pb::MapCompletionEventsRequest>,
    ) -> Result<Response<pb::MapCompletionEventsResponse>, Status> {
        let request = request.into_inner();
        let state = self.0.lock();
        let should_die = state.is_unwanted(&request.attempt_id);
        let from = request.from_event_id.max(0) as usize;
        let events = state.events_from(from);
        let events = events[..events.len().min(MAX_EVENTS_PER_CALL)].to_vec();
        Ok(Response::new(pb::MapCompletionEventsResponse {
            events,
            total_maps: state.total_maps() as i32,
            should_die,
        }))
    }

    async fn report_fetch_failure(
        &self,
        request: Request<pb::FetchFailureRequest>,
    ) -> Result<Response<pb::FetchFailureResponse>, Status> {
        let request = request.into_inner();
        tracing::warn!(
            reduce = %request.attempt_id,
            map = %request.map_attempt_id,
            reason = %request.reason,
            "fetch failure"
        );
        self.0.lock().fetch_failure(&request.map_attempt_id);
        self.0.wake.notify_one();
        Ok(Response::new(pb::FetchFailureResponse {}))
    }
}

#[tonic::async_trait]
impl MrClientProtocol for AmService {
    async fn get_job_report(
        &self,
        request: Request<pb::GetJobReportRequest>,
    ) -> Result<Response<pb::GetJobReportResponse>, Status> {
        let job_id = request.into_inner().job_id;
        let report = self.0.report(0);
        if report.job_id != job_id {
            return Err(Status::not_found(format!("Unknown job {job_id}")));
        }
        Ok(Response::new(pb::GetJobReportResponse {
            report: Some(report),
        }))
    }

    async fn kill_job(
        &self,
        request: Request<pb::KillJobRequest>,
    ) -> Result<Response<pb::KillJobResponse>, Status> {
        let caller = request.remote_addr().map_or_else(
            || "the client".to_string(),
            |address| address.ip().to_string(),
        );
        let job_id = request.into_inner().job_id;
        let mut state = self.0.lock();
        if state.job_id != job_id {
            return Err(Status::not_found(format!("Unknown job {job_id}")));
        }
        // Hadoop's MRClientService and JobImpl diagnostics of a kill.
        state.fail(Outcome::Killed(format!(
            "Kill job {job_id} received from {} (auth:SIMPLE) at {caller}\n\
             Job received Kill while in RUNNING state.",
            self.0.user
        )));
        drop(state);
        self.0.wake.notify_one();
        Ok(Response::new(pb::KillJobResponse {}))
    }

    async fn get_job_details(
        &self,
        request: Request<pb::GetJobDetailsRequest>,
    ) -> Result<Response<pb::GetJobDetailsResponse>, Status> {
        let job_id = request.into_inner().job_id;
        let snapshot = {
            let state = self.0.lock();
            if state.job_id != job_id {
                return Err(Status::not_found(format!("Unknown job {job_id}")));
            }
            state.snapshot(common::time::now_millis())
        };
        let details = history::details(&snapshot, vec![self.0.am_attempt.clone()], Vec::new());
        Ok(Response::new(pb::GetJobDetailsResponse {
            details: Some(details),
        }))
    }

    async fn kill_task_attempt(
        &self,
        request: Request<pb::KillTaskAttemptRequest>,
    ) -> Result<Response<pb::KillTaskAttemptResponse>, Status> {
        let caller = request.remote_addr().map_or_else(
            || "the client".to_string(),
            |address| address.ip().to_string(),
        );
        let request = request.into_inner();
        // Hadoop's MRClientService diagnostics of a kill or fail request.
        let verb = if request.fail { "Fail" } else { "Kill" };
        let why = format!(
            "{verb} task attempt {} received from {} (auth:SIMPLE) at {caller}",
            request.attempt_id, self.0.user
        );
        let ended = self
            .0
            .lock()
            .end_attempt_by_request(&request.attempt_id, request.fail, &why);
        if !ended {
            return Err(Status::failed_precondition(format!(
                "Attempt {} is not running",
                request.attempt_id
            )));
        }
        self.0.wake.notify_one();
        Ok(Response::new(pb::KillTaskAttemptResponse {}))
    }
}
