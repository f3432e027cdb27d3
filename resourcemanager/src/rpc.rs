//! The RM's gRPC adapters: decode, call the state, encode. Work that needs
//! I/O (AM launches) goes to the [`Launcher`] once the lock is released.

use std::sync::Arc;

use client::DfsClient;
use common::yarn::{ApplicationAttemptId, ApplicationId};
use common::{ExceptionKind, RemoteException};
use proto::yarn as pb;
use proto::yarn::application_client_protocol_server::ApplicationClientProtocol;
use proto::yarn::application_master_protocol_server::ApplicationMasterProtocol;
use proto::yarn::resource_manager_administration_protocol_server::ResourceManagerAdministrationProtocol;
use proto::yarn::resource_tracker_server::ResourceTracker;
use tonic::{Request, Response, Status};

use crate::reports;
use crate::scheduler::{Ask, Resource};
use crate::server::Core;
use crate::state::{FinalStatus, StateError, Submission};

fn status(error: StateError) -> Status {
    let kind = match error {
        StateError::UnknownApplication(_) | StateError::UnknownAttempt(_) => {
            ExceptionKind::FileNotFound
        }
        _ => ExceptionKind::IllegalArgument,
    };
    RemoteException::new(kind, error.to_string()).to_status()
}

fn caller<T>(request: &Request<T>) -> String {
    request
        .metadata()
        .get(proto::USER_METADATA)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(common::user::os_user)
}

fn domain_resource(resource: Option<pb::Resource>) -> Resource {
    let resource = resource.unwrap_or_default();
    Resource::new(resource.memory_mb, resource.vcores)
}

/// A new application id and the largest container it may ask for (the client RPC's
/// getNewApplication and REST's `apps/new-application`).
pub(crate) fn new_application(core: &Core) -> pb::GetNewApplicationResponse {
    let mut state = core.lock();
    let id = state.new_application_id();
    let maximum = state.scheduler.config().maximum_allocation;
    pb::GetNewApplicationResponse {
        application_id: id.to_string(),
        maximum_capability: Some(reports::resource(maximum)),
    }
}

/// Accepts `context` from `user` and launches what it can (the client RPC's
/// submitApplication and REST's `POST apps`).
pub(crate) async fn submit(
    core: &Arc<Core>,
    user: String,
    context: pb::ApplicationSubmissionContext,
) -> Result<(), Status> {
    let id: ApplicationId =
        context
            .application_id
            .parse()
            .map_err(|error: common::yarn::InvalidId| {
                RemoteException::illegal_argument(error.to_string()).to_status()
            })?;
    let launch_context = context.am_container_spec.unwrap_or_default();
    check_local_resources(core, id, &launch_context).await?;
    let queue = if context.queue.is_empty() {
        "default".to_string()
    } else {
        context.queue
    };
    let submission = Submission {
        id,
        user,
        name: if context.application_name.is_empty() {
            "N/A".to_string()
        } else {
            context.application_name
        },
        queue,
        app_type: if context.application_type.is_empty() {
            "YARN".to_string()
        } else {
            context.application_type
        },
        tags: context.application_tags,
        am_resource: domain_resource(context.am_resource),
        am_launch_context: launch_context,
        max_attempts: context.max_app_attempts.max(0) as u32,
        priority: context.priority.max(0),
    };
    let launches = core.lock().submit(submission).map_err(status)?;
    core.launch(launches);
    Ok(())
}

/// ApplicationClientProtocol (port 8032).
pub struct ClientService(pub Arc<Core>);

#[tonic::async_trait]
impl ApplicationClientProtocol for ClientService {
    async fn get_new_application(
        &self,
        _request: Request<pb::GetNewApplicationRequest>,
    ) -> Result<Response<pb::GetNewApplicationResponse>, Status> {
        Ok(Response::new(new_application(&self.0)))
    }

    async fn submit_application(
        &self,
        request: Request<pb::SubmitApplicationRequest>,
    ) -> Result<Response<pb::SubmitApplicationResponse>, Status> {
        let user = caller(&request);
        let context = request.into_inner().context.unwrap_or_default();
        submit(&self.0, user, context).await?;
        Ok(Response::new(pb::SubmitApplicationResponse {}))
    }

    async fn get_application_report(
        &self,
        request: Request<pb::GetApplicationReportRequest>,
    ) -> Result<Response<pb::GetApplicationReportResponse>, Status> {
        let text = request.into_inner().application_id;
        let unknown = || status(StateError::UnknownApplication(text.clone()));
        let id: ApplicationId = text.parse().map_err(|_| unknown())?;
        let state = self.0.lock();
        let app = state.apps.get(&id).ok_or_else(unknown)?;
        Ok(Response::new(pb::GetApplicationReportResponse {
            report: Some(reports::app_report(&state, app)),
        }))
    }

    async fn get_applications(
        &self,
        request: Request<pb::GetApplicationsRequest>,
    ) -> Result<Response<pb::GetApplicationsResponse>, Status> {
        let filter = request.into_inner();
        let state = self.0.lock();
        let mut applications = Vec::new();
        for app in state.apps.values() {
            let report = reports::app_report(&state, app);
            let type_matches = filter.application_types.is_empty()
                || filter
                    .application_types
                    .iter()
                    .any(|wanted| wanted.eq_ignore_ascii_case(&report.application_type));
            if (filter.states.is_empty() || filter.states.contains(&report.state))
                && (filter.users.is_empty() || filter.users.contains(&report.user))
                && (filter.queues.is_empty() || filter.queues.contains(&report.queue))
                && type_matches
            {
                applications.push(report);
            }
        }
        Ok(Response::new(pb::GetApplicationsResponse { applications }))
    }

    async fn kill_application(
        &self,
        request: Request<pb::KillApplicationRequest>,
    ) -> Result<Response<pb::KillApplicationResponse>, Status> {
        let request = request.into_inner();
        let done = self
            .0
            .lock()
            .kill(&request.application_id, &request.diagnostics)
            .map_err(status)?;
        Ok(Response::new(pb::KillApplicationResponse {
            is_kill_completed: done,
        }))
    }

    async fn get_cluster_metrics(
        &self,
        _request: Request<pb::GetClusterMetricsRequest>,
    ) -> Result<Response<pb::GetClusterMetricsResponse>, Status> {
        let state = self.0.lock();
        let counts = state.node_counts();
        let running = state
            .apps
            .values()
            .filter(|app| !app.state.is_final())
            .count();
        Ok(Response::new(pb::GetClusterMetricsResponse {
            num_node_managers: *counts.get("running").unwrap_or(&0) as i32,
            num_lost_node_managers: *counts.get("lost").unwrap_or(&0) as i32,
            apps_submitted: state.apps.len() as i32,
            apps_running: running as i32,
            apps_completed: (state.apps.len() - running) as i32,
            total: Some(reports::resource(state.scheduler.cluster_resource())),
            used: Some(reports::resource(state.scheduler.used_resource())),
            containers_allocated: state.containers_allocated as i32,
            rm_start_time: state.cluster_timestamp,
        }))
    }

    async fn get_cluster_nodes(
        &self,
        request: Request<pb::GetClusterNodesRequest>,
    ) -> Result<Response<pb::GetClusterNodesResponse>, Status> {
        let states = request.into_inner().states;
        let state = self.0.lock();
        let nodes = state
            .nodes
            .values()
            .map(|node| reports::node_report(&state.node_report(node)))
            .filter(|report| states.is_empty() || states.contains(&report.state))
            .collect();
        Ok(Response::new(pb::GetClusterNodesResponse { nodes }))
    }

    async fn get_queue_info(
        &self,
        request: Request<pb::GetQueueInfoRequest>,
    ) -> Result<Response<pb::GetQueueInfoResponse>, Status> {
        let request = request.into_inner();
        let state = self.0.lock();
        let queues = reports::queue_infos(&state, &request.queue_name, request.recursive)
            .ok_or_else(|| {
                RemoteException::io(format!("Unknown queue: {}", request.queue_name)).to_status()
            })?;
        Ok(Response::new(pb::GetQueueInfoResponse { queues }))
    }

    async fn get_application_attempts(
        &self,
        request: Request<pb::GetApplicationAttemptsRequest>,
    ) -> Result<Response<pb::GetApplicationAttemptsResponse>, Status> {
        let text = request.into_inner().application_id;
        let unknown = || status(StateError::UnknownApplication(text.clone()));
        let id: ApplicationId = text.parse().map_err(|_| unknown())?;
        let state = self.0.lock();
        let app = state.apps.get(&id).ok_or_else(unknown)?;
        let attempts = app
            .attempts
            .iter()
            .map(|attempt| reports::attempt_report(app, attempt))
            .collect();
        Ok(Response::new(pb::GetApplicationAttemptsResponse {
            attempts,
        }))
    }

    async fn get_containers(
        &self,
        request: Request<pb::GetContainersRequest>,
    ) -> Result<Response<pb::GetContainersResponse>, Status> {
        let text = request.into_inner().application_attempt_id;
        let unknown = || {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("Application attempt with id '{text}' doesn't exist in RM."),
            )
            .to_status()
        };
        let attempt: ApplicationAttemptId = text.parse().map_err(|_| unknown())?;
        let state = self.0.lock();
        let app = state
            .apps
            .get(&attempt.application)
            .filter(|app| app.attempts.iter().any(|known| known.id == attempt))
            .ok_or_else(unknown)?;
        let containers = reports::container_reports(&state, app, attempt);
        Ok(Response::new(pb::GetContainersResponse { containers }))
    }

    async fn move_application_across_queues(
        &self,
        request: Request<pb::MoveApplicationAcrossQueuesRequest>,
    ) -> Result<Response<pb::MoveApplicationAcrossQueuesResponse>, Status> {
        let request = request.into_inner();
        let launches = {
            let mut state = self.0.lock();
            state
                .move_application(&request.application_id, &request.target_queue)
                .map_err(status)?;
            state.schedule()
        };
        self.0.launch(launches);
        Ok(Response::new(pb::MoveApplicationAcrossQueuesResponse {}))
    }

    async fn update_application_priority(
        &self,
        request: Request<pb::UpdateApplicationPriorityRequest>,
    ) -> Result<Response<pb::UpdateApplicationPriorityResponse>, Status> {
        let request = request.into_inner();
        let (application_priority, launches) = {
            let mut state = self.0.lock();
            let granted = state
                .update_priority(&request.application_id, request.priority)
                .map_err(status)?;
            (granted, state.schedule())
        };
        self.0.launch(launches);
        Ok(Response::new(pb::UpdateApplicationPriorityResponse {
            application_priority,
        }))
    }
}

/// ResourceManagerAdministrationProtocol (port 8033): `yarn rmadmin`.
pub struct AdminService(pub Arc<Core>);

impl AdminService {
    /// The configuration as it is on disk now, read off the async workers.
    async fn reread(&self) -> Result<common::Configuration, Status> {
        let core = self.0.clone();
        tokio::task::spawn_blocking(move || core.config.reread())
            .await
            .map_err(|error| RemoteException::io(error.to_string()).to_status())?
            .map_err(|error| RemoteException::io(error.to_string()).to_status())
    }
}

#[tonic::async_trait]
impl ResourceManagerAdministrationProtocol for AdminService {
    async fn refresh_queues(
        &self,
        _request: Request<pb::RefreshQueuesRequest>,
    ) -> Result<Response<pb::RefreshQueuesResponse>, Status> {
        let conf = self.reread().await?;
        let queues = crate::config::queues_of(&conf)
            .map_err(|error| RemoteException::io(error.to_string()).to_status())?;
        let launches = {
            let mut state = self.0.lock();
            state
                .scheduler
                .reconfigure_queues(&queues)
                .map_err(|error| RemoteException::io(error.to_string()).to_status())?;
            state.schedule()
        };
        tracing::info!("queues refreshed");
        self.0.launch(launches);
        Ok(Response::new(pb::RefreshQueuesResponse {}))
    }

    async fn refresh_nodes(
        &self,
        _request: Request<pb::RefreshNodesRequest>,
    ) -> Result<Response<pb::RefreshNodesResponse>, Status> {
        let conf = self.reread().await?;
        let lists = tokio::task::spawn_blocking(move || crate::config::host_lists(&conf))
            .await
            .map_err(|error| RemoteException::io(error.to_string()).to_status())?
            .map_err(|error| RemoteException::io(error.to_string()).to_status())?;
        let launches = {
            let mut state = self.0.lock();
            state.refresh_nodes(lists);
            state.schedule()
        };
        self.0.launch(launches);
        Ok(Response::new(pb::RefreshNodesResponse {}))
    }

    async fn get_service_status(
        &self,
        _request: Request<pb::GetServiceStatusRequest>,
    ) -> Result<Response<pb::GetServiceStatusResponse>, Status> {
        Ok(Response::new(pb::GetServiceStatusResponse {
            state: "active".to_string(),
        }))
    }
}

/// Refuses a submission whose local resources are not in the DFS as recorded.
async fn check_local_resources(
    core: &Core,
    id: ApplicationId,
    launch_context: &pb::ContainerLaunchContext,
) -> Result<(), Status> {
    if launch_context.local_resources.is_empty() {
        return Ok(());
    }
    let dfs = DfsClient::from_conf(&core.config.conf).map_err(|error| {
        RemoteException::io(format!(
            "Failed to submit {id} to YARN : cannot reach the file system for local resources: {error}"
        ))
        .to_status()
    })?;
    for resource in &launch_context.local_resources {
        let path = client::yarn::dfs_path(&resource.path);
        let rejected = |reason: String| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!(
                    "Failed to submit {id} to YARN : local resource '{}': {reason}",
                    resource.name
                ),
            )
            .to_status()
        };
        match dfs.get_file_info(path).await {
            Ok(Some(status)) if status.is_dir => {
                return Err(rejected(format!("{} is a directory", resource.path)));
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(rejected(format!("File does not exist: {}", resource.path)));
            }
            Err(error) => return Err(rejected(error.to_string())),
        }
    }
    Ok(())
}

/// ApplicationMasterProtocol (port 8030).
pub struct MasterService(pub Arc<Core>);

#[tonic::async_trait]
impl ApplicationMasterProtocol for MasterService {
    async fn register_application_master(
        &self,
        request: Request<pb::RegisterApplicationMasterRequest>,
    ) -> Result<Response<pb::RegisterApplicationMasterResponse>, Status> {
        let request = request.into_inner();
        let mut state = self.0.lock();
        let queue = state
            .register_am(
                &request.application_attempt_id,
                &request.host,
                request.rpc_port,
                &request.tracking_url,
            )
            .map_err(status)?;
        let maximum = state.scheduler.config().maximum_allocation;
        Ok(Response::new(pb::RegisterApplicationMasterResponse {
            maximum_capability: Some(reports::resource(maximum)),
            queue,
            containers_from_previous_attempts: Vec::new(),
        }))
    }

    async fn allocate(
        &self,
        request: Request<pb::AllocateRequest>,
    ) -> Result<Response<pb::AllocateResponse>, Status> {
        let request = request.into_inner();
        let asks = request
            .asks
            .into_iter()
            .map(|ask| Ask {
                priority: ask.priority,
                capability: domain_resource(ask.capability),
                count: ask.count.max(0) as u32,
                hosts: ask.hosts,
                racks: ask.racks,
                relax_locality: ask.relax_locality,
                allocation_request_id: ask.allocation_request_id,
            })
            .collect();
        let (inbox, launches, available, nodes) = {
            let mut state = self.0.lock();
            let (inbox, launches) = state
                .allocate(
                    &request.application_attempt_id,
                    asks,
                    &request.cancel_asks,
                    &request.release,
                    (&request.blacklist_additions, &request.blacklist_removals),
                    request.progress,
                )
                .map_err(status)?;
            let available = state.scheduler.cluster_resource() - state.scheduler.used_resource();
            let nodes = *state.node_counts().get("running").unwrap_or(&0);
            (inbox, launches, available, nodes)
        };
        self.0.launch(launches);
        let Some(inbox) = inbox else {
            return Ok(Response::new(pb::AllocateResponse {
                shutdown: true,
                ..Default::default()
            }));
        };
        Ok(Response::new(pb::AllocateResponse {
            allocated: inbox.allocated,
            completed: inbox.completed,
            updated_nodes: inbox
                .updated_nodes
                .iter()
                .map(reports::node_report)
                .collect(),
            available: Some(reports::resource(available)),
            num_cluster_nodes: nodes as i32,
            shutdown: false,
        }))
    }

    async fn finish_application_master(
        &self,
        request: Request<pb::FinishApplicationMasterRequest>,
    ) -> Result<Response<pb::FinishApplicationMasterResponse>, Status> {
        let request = request.into_inner();
        let final_status = match pb::FinalApplicationStatus::try_from(request.final_status) {
            Ok(pb::FinalApplicationStatus::Succeeded) => FinalStatus::Succeeded,
            Ok(pb::FinalApplicationStatus::KilledStatus) => FinalStatus::Killed,
            Ok(pb::FinalApplicationStatus::FailedStatus) => FinalStatus::Failed,
            _ => FinalStatus::Undefined,
        };
        self.0
            .lock()
            .finish_am(
                &request.application_attempt_id,
                final_status,
                &request.diagnostics,
                &request.tracking_url,
            )
            .map_err(status)?;
        Ok(Response::new(pb::FinishApplicationMasterResponse {
            is_unregistered: true,
        }))
    }
}

/// ResourceTracker (port 8031).
pub struct TrackerService(pub Arc<Core>);

#[tonic::async_trait]
impl ResourceTracker for TrackerService {
    async fn register_node_manager(
        &self,
        request: Request<pb::RegisterNodeManagerRequest>,
    ) -> Result<Response<pb::RegisterNodeManagerResponse>, Status> {
        let request = request.into_inner();
        let host = request
            .node_id
            .rsplit_once(':')
            .map(|(host, _)| host.to_string())
            .unwrap_or_else(|| request.node_id.clone());
        if !self.0.lock().node_allowed(&request.node_id) {
            return Err(status(StateError::DisallowedNode(host)));
        }
        let rack = if request.rack.is_empty() {
            let racks = self.0.config.racks.clone();
            tokio::task::spawn_blocking(move || racks.resolve(&[host]))
                .await
                .ok()
                .and_then(|racks| racks.into_iter().next())
                .unwrap_or_else(|| common::topology::DEFAULT_RACK.to_string())
        } else {
            request.rack
        };
        let capability = domain_resource(request.capability);
        let launches = {
            let mut state = self.0.lock();
            let running: Vec<ApplicationId> = request
                .running_applications
                .iter()
                .filter_map(|app| app.parse().ok())
                .collect();
            state.register_node(
                &request.node_id,
                &request.http_address,
                &rack,
                capability,
                &running,
            );
            state.schedule()
        };
        self.0.launch(launches);
        Ok(Response::new(pb::RegisterNodeManagerResponse {
            rack,
            heartbeat_interval_ms: self.0.config.nm_heartbeat_interval.as_millis() as i64,
        }))
    }

    async fn node_heartbeat(
        &self,
        request: Request<pb::NodeHeartbeatRequest>,
    ) -> Result<Response<pb::NodeHeartbeatResponse>, Status> {
        let request = request.into_inner();
        let (answer, launches) = self.0.lock().node_heartbeat(&request);
        self.0.launch(launches);
        Ok(Response::new(pb::NodeHeartbeatResponse {
            resync: answer.resync,
            containers_to_cleanup: answer.containers_to_cleanup,
            applications_to_cleanup: answer.apps_to_cleanup,
            containers_acknowledged: answer.acknowledged,
            next_heartbeat_interval_ms: self.0.config.nm_heartbeat_interval.as_millis() as i64,
        }))
    }
}
