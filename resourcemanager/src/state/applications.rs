//! Applications and their attempts: submission, the AM's register,
//! heartbeat and unregister, kills, and an attempt's failure and retry.

use std::collections::BTreeSet;
use std::time::Instant;

use common::yarn::{ApplicationAttemptId, ApplicationId, ContainerId, exit_status};
use proto::yarn as pb;
use tracing::{info, warn};

use super::nodes::NodeReport;
use super::{AmLaunch, RmState, StateError, completed_status};
use crate::scheduler::{Ask, Resource};

/// Hadoop's YarnApplicationState.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppState {
    Submitted,
    Accepted,
    Running,
    Finished,
    Failed,
    Killed,
}

impl AppState {
    /// Hadoop's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::Accepted => "ACCEPTED",
            Self::Running => "RUNNING",
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Finished | Self::Failed | Self::Killed)
    }
}

/// Hadoop's FinalApplicationStatus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalStatus {
    Undefined,
    Succeeded,
    Failed,
    Killed,
}

/// What a submission asks for, checked by the rpc layer.
#[derive(Clone, Debug)]
pub struct Submission {
    pub id: ApplicationId,
    pub user: String,
    pub name: String,
    pub queue: String,
    pub app_type: String,
    pub tags: Vec<String>,
    pub am_resource: Resource,
    pub am_launch_context: pb::ContainerLaunchContext,
    pub max_attempts: u32,
    /// The priority asked for (capped at the cluster's maximum on submission).
    pub priority: i32,
}

/// An application attempt's view of the cluster since its last heartbeat.
#[derive(Debug, Default)]
pub struct AttemptInbox {
    pub allocated: Vec<pb::Container>,
    pub completed: Vec<pb::ContainerStatus>,
    pub updated_nodes: Vec<NodeReport>,
}

#[derive(Debug)]
pub struct Attempt {
    pub id: ApplicationAttemptId,
    pub am_container: Option<pb::Container>,
    /// Since launch; refreshed by every AM call.
    pub last_heartbeat: Option<Instant>,
    pub host: String,
    /// The AM's own RPC port (0 when it serves none).
    pub rpc_port: i32,
    pub inbox: AttemptInbox,
    /// Milliseconds since the epoch; `finish_time` 0 while it lives.
    pub start_time: i64,
    pub finish_time: i64,
}

#[derive(Debug)]
pub struct App {
    pub submission: Submission,
    pub state: AppState,
    pub final_status: FinalStatus,
    pub diagnostics: String,
    pub progress: f32,
    pub tracking_url: String,
    pub submit_time: i64,
    pub start_time: i64,
    /// When the first AM container started (0 before).
    pub launch_time: i64,
    pub finish_time: i64,
    pub attempts: Vec<Attempt>,
    /// NodeManagers that ran a container of this application.
    pub nodes: BTreeSet<String>,
    /// Nodes that still have to aggregate this application's logs.
    pub logs_pending: BTreeSet<String>,
}

impl App {
    pub fn current_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    pub(super) fn current_attempt_mut(&mut self) -> Option<&mut Attempt> {
        self.attempts.last_mut()
    }

    /// NONE, NOT_START, RUNNING or SUCCEEDED, as Hadoop's LogAggregationStatus.
    pub fn log_aggregation_status(&self) -> &'static str {
        if !self.state.is_final() {
            return if self.nodes.is_empty() {
                "NONE"
            } else {
                "NOT_START"
            };
        }
        if self.logs_pending.is_empty() {
            "SUCCEEDED"
        } else {
            "RUNNING"
        }
    }
}

fn new_attempt(id: ApplicationAttemptId) -> Attempt {
    Attempt {
        id,
        am_container: None,
        last_heartbeat: None,
        host: String::new(),
        rpc_port: 0,
        inbox: AttemptInbox::default(),
        start_time: common::time::now_millis(),
        finish_time: 0,
    }
}

impl RmState {
    /// Accepts an application into its queue and asks for its AM container.
    pub fn submit(&mut self, mut submission: Submission) -> Result<Vec<AmLaunch>, StateError> {
        let id = submission.id;
        if self.apps.contains_key(&id) {
            return Err(StateError::DuplicateApplication(id));
        }
        if submission.max_attempts == 0 || submission.max_attempts > self.default_max_attempts {
            submission.max_attempts = self.default_max_attempts;
        }
        submission.priority = submission.priority.min(self.max_application_priority);
        let attempt = id.application_attempt(1);
        self.scheduler
            .add_attempt(
                attempt,
                &submission.user,
                &submission.queue,
                submission.am_resource,
                submission.priority,
            )
            .map_err(|source| StateError::Rejected { app: id, source })?;
        if id.cluster_timestamp == self.cluster_timestamp && id.id >= self.next_app {
            self.next_app = id.id + 1;
        }
        info!(application = %id, user = %submission.user, queue = %submission.queue, "application accepted");
        let now = common::time::now_millis();
        self.apps.insert(
            id,
            App {
                submission,
                state: AppState::Accepted,
                final_status: FinalStatus::Undefined,
                diagnostics: String::new(),
                progress: 0.0,
                tracking_url: String::new(),
                submit_time: now,
                start_time: now,
                launch_time: 0,
                finish_time: 0,
                attempts: vec![new_attempt(attempt)],
                nodes: BTreeSet::new(),
                logs_pending: BTreeSet::new(),
            },
        );
        Ok(self.schedule())
    }

    /// The AM container started: its liveness clock runs from now.
    pub fn am_launched(&mut self, attempt_id: ApplicationAttemptId) {
        let now = self.clock.now();
        if let Some(attempt) = self.attempt_mut(attempt_id) {
            attempt.last_heartbeat = Some(now);
        }
        if let Some(app) = self.apps.get_mut(&attempt_id.application)
            && app.launch_time == 0
        {
            app.launch_time = common::time::now_millis();
        }
    }

    pub(super) fn attempt_mut(&mut self, attempt_id: ApplicationAttemptId) -> Option<&mut Attempt> {
        let app = self.apps.get_mut(&attempt_id.application)?;
        if app.state.is_final() {
            return None;
        }
        app.current_attempt_mut()
            .filter(|attempt| attempt.id == attempt_id)
    }

    /// The current, live attempt `text` names, or the error an AM gets.
    fn live_attempt(&mut self, text: &str) -> Result<&mut Attempt, StateError> {
        let attempt_id: ApplicationAttemptId = text
            .parse()
            .map_err(|_| StateError::UnknownAttempt(text.to_string()))?;
        self.attempt_mut(attempt_id)
            .ok_or_else(|| StateError::UnknownAttempt(text.to_string()))
    }

    pub fn register_am(
        &mut self,
        attempt_text: &str,
        host: &str,
        rpc_port: i32,
        tracking_url: &str,
    ) -> Result<String, StateError> {
        let now = self.clock.now();
        let attempt = self.live_attempt(attempt_text)?;
        attempt.host = host.to_string();
        attempt.rpc_port = rpc_port;
        attempt.last_heartbeat = Some(now);
        let app_id = attempt.id.application;
        let app = self.apps.get_mut(&app_id).expect("live attempt has an app");
        app.state = AppState::Running;
        app.tracking_url = tracking_url.to_string();
        info!(
            attempt = attempt_text,
            host, "application master registered"
        );
        Ok(app.submission.queue.clone())
    }

    /// The AM heartbeat: takes releases, cancellations and asks, schedules,
    /// blacklist changes (additions, removals), and empties the attempt's
    /// inbox into the answer. An attempt that is
    /// no longer current gets `Ok(None)`: it must shut down.
    #[allow(clippy::type_complexity)]
    pub fn allocate(
        &mut self,
        attempt_text: &str,
        asks: Vec<Ask>,
        cancel: &[i64],
        release: &[String],
        blacklist: (&[String], &[String]),
        progress: f32,
    ) -> Result<(Option<AttemptInbox>, Vec<AmLaunch>), StateError> {
        let attempt_id: ApplicationAttemptId = match attempt_text.parse() {
            Ok(id) => id,
            Err(_) => return Err(StateError::UnknownAttempt(attempt_text.to_string())),
        };
        let now = self.clock.now();
        let Some(attempt) = self.attempt_mut(attempt_id) else {
            return Ok((None, Vec::new()));
        };
        attempt.last_heartbeat = Some(now);
        if let Some(app) = self.apps.get_mut(&attempt_id.application) {
            app.progress = progress.clamp(0.0, 1.0);
        }
        for text in release {
            let Ok(container_id) = text.parse::<ContainerId>() else {
                continue;
            };
            if container_id.attempt != attempt_id {
                continue;
            }
            if let Some(node_id) = self.release_container(container_id) {
                if let Some(node) = self.nodes.get_mut(&node_id) {
                    node.containers_to_cleanup.insert(text.clone());
                }
                if let Some(attempt) = self.attempt_mut(attempt_id) {
                    attempt.inbox.completed.push(completed_status(
                        text,
                        exit_status::ABORTED,
                        "Container released by application",
                    ));
                }
            }
        }
        self.scheduler.cancel_asks(attempt_id, cancel);
        self.scheduler
            .update_blacklist(attempt_id, blacklist.0, blacklist.1);
        self.scheduler.add_asks(attempt_id, asks)?;
        let launches = self.schedule();
        let attempt = self.attempt_mut(attempt_id).expect("attempt checked above");
        Ok((Some(std::mem::take(&mut attempt.inbox)), launches))
    }

    /// The AM unregisters: the application ends with the AM's final status.
    pub fn finish_am(
        &mut self,
        attempt_text: &str,
        final_status: FinalStatus,
        diagnostics: &str,
        tracking_url: &str,
    ) -> Result<(), StateError> {
        let attempt_id = self.live_attempt(attempt_text)?.id;
        let app = self
            .apps
            .get_mut(&attempt_id.application)
            .expect("live attempt has an app");
        if !tracking_url.is_empty() {
            app.tracking_url = tracking_url.to_string();
        }
        app.diagnostics = diagnostics.to_string();
        app.progress = 1.0;
        info!(
            attempt = attempt_text,
            ?final_status,
            "application master unregistered"
        );
        self.end_application(attempt_id.application, AppState::Finished, final_status);
        Ok(())
    }

    /// Moves a live application to the leaf queue `queue` (Hadoop's
    /// moveApplicationAcrossQueues): the scheduler charges what it holds to
    /// the new queue, and it is scheduled there from now on.
    pub fn move_application(&mut self, app_text: &str, queue: &str) -> Result<(), StateError> {
        let app_id = self.app_id(app_text)?;
        let app = &self.apps[&app_id];
        if app.state.is_final() {
            return Err(StateError::CannotMove {
                state: app.state.name(),
            });
        }
        let attempt = app.current_attempt().map(|attempt| attempt.id);
        let refused = |source| StateError::MoveRefused {
            app: app_id,
            queue: queue.to_string(),
            source,
        };
        let leaf = self
            .scheduler
            .leaf_queue(queue, &app.submission.user)
            .map_err(refused)?;
        if let Some(attempt) = attempt {
            self.scheduler
                .move_attempt(attempt, queue)
                .map_err(refused)?;
        }
        let leaf_name = self.scheduler.queues().get(leaf).name.clone();
        info!(application = %app_id, queue = %leaf_name, "application moved");
        if let Some(app) = self.apps.get_mut(&app_id) {
            app.submission.queue = leaf_name;
        }
        Ok(())
    }

    /// Sets a live application's priority, capped at the cluster's maximum;
    /// returns the priority it has now (unchanged for an ended application,
    /// as Hadoop answers).
    pub fn update_priority(&mut self, app_text: &str, priority: i32) -> Result<i32, StateError> {
        let app_id = self.app_id(app_text)?;
        let maximum = self.max_application_priority;
        let app = self.apps.get_mut(&app_id).expect("found above");
        if app.state.is_final() {
            return Ok(app.submission.priority);
        }
        app.submission.priority = priority.min(maximum);
        let (attempt, granted) = (
            app.current_attempt().map(|attempt| attempt.id),
            app.submission.priority,
        );
        if let Some(attempt) = attempt {
            self.scheduler.set_priority(attempt, granted);
        }
        info!(application = %app_id, priority = granted, "application priority updated");
        Ok(granted)
    }

    fn app_id(&self, app_text: &str) -> Result<ApplicationId, StateError> {
        app_text
            .parse()
            .ok()
            .filter(|id| self.apps.contains_key(id))
            .ok_or_else(|| StateError::UnknownApplication(app_text.to_string()))
    }

    /// Kills an application; true when it had already ended.
    pub fn kill(&mut self, app_text: &str, diagnostics: &str) -> Result<bool, StateError> {
        let app_id: ApplicationId = app_text
            .parse()
            .map_err(|_| StateError::UnknownApplication(app_text.to_string()))?;
        let app = self
            .apps
            .get_mut(&app_id)
            .ok_or_else(|| StateError::UnknownApplication(app_text.to_string()))?;
        if app.state.is_final() {
            return Ok(true);
        }
        app.diagnostics = diagnostics.to_string();
        info!(application = %app_id, "killing application");
        self.end_application(app_id, AppState::Killed, FinalStatus::Killed);
        Ok(true)
    }

    /// Moves an application to a final state, frees its containers and tells
    /// its nodes to clean up and aggregate logs.
    pub(super) fn end_application(
        &mut self,
        app_id: ApplicationId,
        state: AppState,
        final_status: FinalStatus,
    ) {
        let Some(app) = self.apps.get_mut(&app_id) else {
            return;
        };
        app.state = state;
        app.final_status = final_status;
        let now = common::time::now_millis();
        app.finish_time = now;
        if let Some(attempt) = app.current_attempt_mut() {
            attempt.finish_time = now;
        }
        let nodes = &self.nodes;
        app.logs_pending = app
            .nodes
            .iter()
            .filter(|node_id| {
                nodes
                    .get(*node_id)
                    .is_some_and(|node| !node.state.is_gone())
            })
            .cloned()
            .collect();
        let attempt = app.current_attempt().map(|attempt| attempt.id);
        let nodes = app.nodes.clone();
        // The nodes kill what is left through apps_to_cleanup.
        if let Some(attempt) = attempt {
            self.remove_attempt(attempt);
        }
        for node_id in nodes {
            if let Some(node) = self.nodes.get_mut(&node_id) {
                node.apps_to_cleanup.insert(app_id);
            }
        }
    }

    /// An attempt failed (its AM exited, its node was lost, it timed out):
    /// start another, or fail the application after its last attempt.
    pub(super) fn attempt_failed(&mut self, attempt_id: ApplicationAttemptId, reason: String) {
        let Some(app) = self.apps.get_mut(&attempt_id.application) else {
            return;
        };
        if app.state.is_final()
            || app.current_attempt().map(|attempt| attempt.id) != Some(attempt_id)
        {
            return;
        }
        let attempts_made = app.attempts.len() as u32;
        let max_attempts = app.submission.max_attempts;
        warn!(attempt = %attempt_id, %reason, "application attempt failed");
        for (container_id, node_id) in self.remove_attempt(attempt_id) {
            if let Some(node) = self.nodes.get_mut(&node_id) {
                node.containers_to_cleanup.insert(container_id.to_string());
            }
        }
        let app = self.apps.get_mut(&attempt_id.application).expect("checked");
        if let Some(attempt) = app.current_attempt_mut() {
            attempt.finish_time = common::time::now_millis();
        }
        if attempts_made >= max_attempts {
            app.diagnostics = format!(
                "Application {} failed {max_attempts} times due to {reason}. Failing the application.",
                attempt_id.application
            );
            self.end_application(
                attempt_id.application,
                AppState::Failed,
                FinalStatus::Failed,
            );
            return;
        }
        app.diagnostics = reason;
        app.state = AppState::Accepted;
        let next = attempt_id
            .application
            .application_attempt(attempts_made + 1);
        app.attempts.push(new_attempt(next));
        let (user, queue, resource, priority) = (
            app.submission.user.clone(),
            app.submission.queue.clone(),
            app.submission.am_resource,
            app.submission.priority,
        );
        if let Err(error) = self
            .scheduler
            .add_attempt(next, &user, &queue, resource, priority)
        {
            warn!(attempt = %next, %error, "cannot schedule a new attempt");
        }
    }

    /// The AM container could not be started on its node.
    pub fn am_launch_failed(&mut self, attempt_id: ApplicationAttemptId, error: &str) {
        self.attempt_failed(
            attempt_id,
            format!("Error launching {attempt_id}. Got exception: {error}"),
        );
    }

    /// Whether a container the node runs still belongs to a live attempt.
    pub(super) fn container_wanted(&self, container_id: ContainerId) -> bool {
        self.apps
            .get(&container_id.application())
            .is_some_and(|app| {
                !app.state.is_final()
                    && app.current_attempt().map(|attempt| attempt.id) == Some(container_id.attempt)
            })
    }

    pub(super) fn container_completed(
        &mut self,
        container_id: ContainerId,
        status: &pb::ContainerStatus,
    ) {
        let was_live = self.release_container(container_id).is_some();
        let Some(app) = self.apps.get_mut(&container_id.application()) else {
            return;
        };
        let is_am = app.attempts.iter().any(|attempt| {
            attempt
                .am_container
                .as_ref()
                .map(|c| c.container_id.as_str())
                == Some(status.container_id.as_str())
        });
        if is_am {
            if was_live && !app.state.is_final() {
                let reason = format!(
                    "AM Container for {} exited with  exitCode: {}\nDiagnostics: {}\nFailing this attempt.",
                    container_id.attempt, status.exit_status, status.diagnostics
                );
                self.attempt_failed(container_id.attempt, reason);
            }
            return;
        }
        if was_live && let Some(attempt) = self.attempt_mut(container_id.attempt) {
            attempt.inbox.completed.push(status.clone());
        }
    }
}
