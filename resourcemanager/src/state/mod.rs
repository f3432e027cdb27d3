//! The ResourceManager's state machine: applications and their attempts
//! (`applications`), NodeManagers (`nodes`), and the scheduler, changed
//! under one lock by short synchronous calls. I/O (launching an AM on a
//! NodeManager) is returned to the caller as [`AmLaunch`]es to perform after
//! the lock is released. The state never calls the proto adapter
//! ([`crate::reports`]): the rpc and web layers turn its read-models (such
//! as [`NodeReport`]) into protos.

mod applications;
mod nodes;
#[cfg(test)]
mod tests;
mod usage;

use std::collections::BTreeMap;
use std::time::Duration;

use common::time::Clock;
use common::yarn::{ApplicationAttemptId, ApplicationId, ContainerId};
use proto::yarn as pb;
use tracing::{info, warn};

pub use applications::{App, AppState, Attempt, AttemptInbox, FinalStatus, Submission};
pub use nodes::{HeartbeatAnswer, HostLists, Node, NodeReport, NodeState};
pub use usage::{LiveContainer, ResourceSeconds, UsageMeter};

use crate::scheduler::{AM_REQUEST_ID, Allocation, Scheduler, SchedulerError};

/// An AM container for the server to start on its NodeManager.
#[derive(Clone, Debug)]
pub struct AmLaunch {
    pub attempt: ApplicationAttemptId,
    pub container: pb::Container,
    pub launch_context: pb::ContainerLaunchContext,
    pub user: String,
}

/// Errors of AM and client calls, each worded for its caller.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("Application with id '{0}' doesn't exist in RM.")]
    UnknownApplication(String),
    #[error("Application {0} is already submitted")]
    DuplicateApplication(ApplicationId),
    #[error("Application attempt {0} doesn't exist in ApplicationMasterService cache.")]
    UnknownAttempt(String),
    #[error("Failed to submit {app} to YARN : Application {app} {source}")]
    Rejected {
        app: ApplicationId,
        source: SchedulerError,
    },
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error("App in {state} state cannot be moved.")]
    CannotMove { state: &'static str },
    #[error("Failed to move {app} to queue {queue}: {source}")]
    MoveRefused {
        app: ApplicationId,
        queue: String,
        source: SchedulerError,
    },
    #[error("Disallowed NodeManager from {0}, Sending SHUTDOWN signal to the NodeManager.")]
    DisallowedNode(String),
}

/// The whole ResourceManager state.
pub struct RmState {
    pub cluster_timestamp: i64,
    pub scheduler: Scheduler,
    pub apps: BTreeMap<ApplicationId, App>,
    pub nodes: BTreeMap<String, Node>,
    next_app: u32,
    default_max_attempts: u32,
    pub containers_allocated: u64,
    /// Live containers and every application's MB- and vcore-seconds.
    usage: UsageMeter,
    /// What NodeManager and AM liveness is measured with (manual in tests).
    clock: Clock,
    /// `http://host:port` of the RM's web proxy, which the tracking URLs
    /// shown to clients point at (set once the web port is bound).
    pub web_proxy: String,
    /// The highest priority an application gets
    /// (`yarn.cluster.max-application-priority`); higher asks are capped.
    pub max_application_priority: i32,
    /// Which NodeManagers may join (`yarn rmadmin -refreshNodes`).
    host_lists: HostLists,
}

impl RmState {
    pub fn new(scheduler: Scheduler, default_max_attempts: u32, clock: Clock) -> Self {
        Self {
            cluster_timestamp: common::time::now_millis(),
            scheduler,
            apps: BTreeMap::new(),
            nodes: BTreeMap::new(),
            next_app: 1,
            default_max_attempts,
            containers_allocated: 0,
            web_proxy: String::new(),
            max_application_priority: 0,
            host_lists: HostLists::default(),
            usage: UsageMeter::default(),
            clock,
        }
    }

    pub fn new_application_id(&mut self) -> ApplicationId {
        let id = ApplicationId {
            cluster_timestamp: self.cluster_timestamp,
            id: self.next_app,
        };
        self.next_app += 1;
        id
    }

    /// Runs a scheduling pass and routes what it granted.
    pub fn schedule(&mut self) -> Vec<AmLaunch> {
        let mut launches = Vec::new();
        let now = common::time::now_millis();
        for allocation in self.scheduler.schedule() {
            self.containers_allocated += 1;
            self.usage.granted(
                allocation.container_id,
                LiveContainer {
                    node_id: allocation.node_id.clone(),
                    resource: allocation.resource,
                    priority: allocation.priority,
                    granted_at: now,
                },
            );
            if let Some(launch) = self.route_allocation(allocation) {
                launches.push(launch);
            }
        }
        launches
    }

    /// Live containers and usage per application, for reports.
    pub fn usage(&self) -> &UsageMeter {
        &self.usage
    }

    /// Frees a container in the scheduler and stops counting its usage;
    /// the node it ran on, or `None` when it was not live.
    fn release_container(&mut self, container_id: ContainerId) -> Option<String> {
        let node_id = self.scheduler.release(container_id)?;
        self.usage
            .released(container_id, common::time::now_millis());
        Some(node_id)
    }

    /// Removes an attempt from the scheduler; its live containers (with
    /// their nodes), now released.
    fn remove_attempt(&mut self, attempt: ApplicationAttemptId) -> Vec<(ContainerId, String)> {
        let released = self.scheduler.remove_attempt(attempt);
        let now = common::time::now_millis();
        for (container_id, _) in &released {
            self.usage.released(*container_id, now);
        }
        released
    }

    /// Removes a node from the scheduler; the containers it ran, now released.
    fn remove_node(&mut self, node_id: &str) -> Vec<ContainerId> {
        let released = self.scheduler.remove_node(node_id);
        let now = common::time::now_millis();
        for container_id in &released {
            self.usage.released(*container_id, now);
        }
        released
    }

    fn route_allocation(&mut self, allocation: Allocation) -> Option<AmLaunch> {
        let attempt_id = allocation.container_id.attempt;
        let node_http = self
            .nodes
            .get(&allocation.node_id)
            .map(|node| node.http_address.clone())
            .unwrap_or_default();
        let container = pb::Container {
            container_id: allocation.container_id.to_string(),
            node_id: allocation.node_id.clone(),
            node_http_address: node_http,
            resource: Some(pb::Resource {
                memory_mb: allocation.resource.memory_mb,
                vcores: allocation.resource.vcores,
            }),
            priority: allocation.priority,
            allocation_request_id: allocation.allocation_request_id,
        };
        let app = self.apps.get_mut(&attempt_id.application)?;
        app.nodes.insert(allocation.node_id.clone());
        let attempt = app
            .attempts
            .iter_mut()
            .find(|attempt| attempt.id == attempt_id)?;
        if allocation.allocation_request_id != AM_REQUEST_ID {
            attempt.inbox.allocated.push(container);
            return None;
        }
        attempt.am_container = Some(container.clone());
        let user = app.submission.user.clone();
        let mut launch_context = app.submission.am_launch_context.clone();
        launch_context.environment.insert(
            "MAX_APP_ATTEMPTS".to_string(),
            app.submission.max_attempts.to_string(),
        );
        launch_context.environment.insert(
            "APP_SUBMIT_TIME_ENV".to_string(),
            app.submit_time.to_string(),
        );
        info!(attempt = %attempt_id, container = %container.container_id, node = %container.node_id, "launching application master");
        Some(AmLaunch {
            attempt: attempt_id,
            container,
            launch_context,
            user,
        })
    }

    /// Expires silent NodeManagers and ApplicationMasters.
    pub fn check_liveness(&mut self, nm_expiry: Duration, am_expiry: Duration) -> Vec<AmLaunch> {
        let now = self.clock.now();
        let expired_nodes: Vec<String> = self
            .nodes
            .values()
            .filter(|node| {
                !node.state.is_gone() && now.duration_since(node.last_heartbeat) > nm_expiry
            })
            .map(|node| node.node_id.clone())
            .collect();
        for node_id in expired_nodes {
            warn!(node = %node_id, "NodeManager expired: LOST");
            self.node_gone(&node_id, "Container released on a *lost* node");
        }
        let expired_attempts: Vec<ApplicationAttemptId> = self
            .apps
            .values()
            .filter(|app| !app.state.is_final())
            .filter_map(|app| app.current_attempt())
            .filter(|attempt| {
                attempt
                    .last_heartbeat
                    .is_some_and(|last| now.duration_since(last) > am_expiry)
            })
            .map(|attempt| attempt.id)
            .collect();
        for attempt in expired_attempts {
            let reason = format!(
                "ApplicationMaster for attempt {attempt} timed out after {} ms",
                am_expiry.as_millis()
            );
            self.attempt_failed(attempt, reason);
        }
        self.schedule()
    }
}

fn completed_status(
    container_id: &str,
    exit_status: i32,
    diagnostics: &str,
) -> pb::ContainerStatus {
    pb::ContainerStatus {
        container_id: container_id.to_string(),
        state: pb::ContainerState::ContainerComplete as i32,
        exit_status,
        diagnostics: diagnostics.to_string(),
    }
}
