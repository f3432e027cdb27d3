//! YARN clients: the application client (RM port 8032), the AM's client of
//! the scheduler (8030) and the container-management client of a
//! NodeManager. Failures come back as [`RemoteException`]s with Hadoop's
//! messages.

pub mod names;

use common::faults::{self, Channel};
use common::yarn::ApplicationAttemptId;
use common::{Configuration, RemoteException};
use proto::yarn as pb;
use proto::yarn::application_client_protocol_client::ApplicationClientProtocolClient;
use proto::yarn::application_master_protocol_client::ApplicationMasterProtocolClient;
use proto::yarn::container_management_client::ContainerManagementClient;
use proto::yarn::resource_manager_administration_protocol_client::ResourceManagerAdministrationProtocolClient;
use tonic::transport::Endpoint;

use crate::Result;

/// `host:port` the ResourceManager's client service listens on.
pub const RM_ADDRESS_KEY: &str = common::conf::keys::YARN_RESOURCEMANAGER_ADDRESS;
/// `host:port` of the ResourceManager's scheduler (AM) service.
pub const RM_SCHEDULER_ADDRESS_KEY: &str =
    common::conf::keys::YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS;
/// `host:port` of the ResourceManager's resource tracker (NM) service.
pub const RM_RESOURCE_TRACKER_ADDRESS_KEY: &str =
    common::conf::keys::YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS;

const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// A lazily connected channel to `host:port` (`0.0.0.0` means this host),
/// checked against the fault rules as every Tusk channel is.
pub fn channel(address: &str) -> Result<Channel> {
    let address = address.replace("0.0.0.0", "127.0.0.1");
    let endpoint = Endpoint::from_shared(format!("http://{address}"))
        .map_err(|error| {
            RemoteException::illegal_argument(format!("invalid address '{address}': {error}"))
        })?
        .tcp_nodelay(true);
    Ok(faults::channel(faults::CLIENT, endpoint))
}

fn configured_address(conf: &Configuration, key: &str) -> Result<String> {
    let (host, port) = conf
        .get_socket_addr(key)
        .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
    Ok(format!("{host}:{port}"))
}

fn request<T>(user: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(user) = user.parse() {
        request.metadata_mut().insert(proto::USER_METADATA, user);
    }
    request
}

fn remote(status: tonic::Status) -> RemoteException {
    RemoteException::from_status(&status)
}

/// A client of the ResourceManager's ApplicationClientProtocol.
#[derive(Clone)]
pub struct YarnClient {
    rpc: ApplicationClientProtocolClient<Channel>,
    user: String,
}

impl YarnClient {
    /// Connects (lazily) to `yarn.resourcemanager.address` as the current user.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let address = configured_address(conf, RM_ADDRESS_KEY)?;
        Self::connect(&address, &common::user::current_user())
    }

    /// Connects (lazily) to `host:port` as `user`.
    pub fn connect(address: &str, user: &str) -> Result<Self> {
        let rpc = ApplicationClientProtocolClient::new(channel(address)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            rpc,
            user: user.to_string(),
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// A new application id and the largest container the cluster grants.
    pub async fn new_application(&self) -> Result<pb::GetNewApplicationResponse> {
        let message = pb::GetNewApplicationRequest {};
        let mut rpc = self.rpc.clone();
        let response = rpc.get_new_application(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }

    pub async fn submit_application(
        &self,
        context: pb::ApplicationSubmissionContext,
    ) -> Result<()> {
        let message = pb::SubmitApplicationRequest {
            context: Some(context),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.submit_application(request(&self.user, message));
        response.await.map_err(remote)?;
        Ok(())
    }

    pub async fn application_report(&self, id: &str) -> Result<pb::ApplicationReport> {
        let message = pb::GetApplicationReportRequest {
            application_id: id.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_application_report(request(&self.user, message));
        response
            .await
            .map_err(remote)?
            .into_inner()
            .report
            .ok_or_else(|| RemoteException::io("empty application report"))
    }

    pub async fn applications(
        &self,
        filter: pb::GetApplicationsRequest,
    ) -> Result<Vec<pb::ApplicationReport>> {
        let mut rpc = self.rpc.clone();
        let response = rpc.get_applications(request(&self.user, filter));
        Ok(response.await.map_err(remote)?.into_inner().applications)
    }

    /// Asks the RM to kill an application; true when it was already over.
    pub async fn kill_application(&self, id: &str) -> Result<bool> {
        let message = pb::KillApplicationRequest {
            application_id: id.to_string(),
            diagnostics: format!("Application killed by user {}", self.user),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.kill_application(request(&self.user, message));
        Ok(response
            .await
            .map_err(remote)?
            .into_inner()
            .is_kill_completed)
    }

    pub async fn cluster_metrics(&self) -> Result<pb::GetClusterMetricsResponse> {
        let message = pb::GetClusterMetricsRequest {};
        let mut rpc = self.rpc.clone();
        let response = rpc.get_cluster_metrics(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }

    /// Nodes in any of `states` (all when empty).
    pub async fn nodes(&self, states: &[pb::NodeState]) -> Result<Vec<pb::NodeReport>> {
        let message = pb::GetClusterNodesRequest {
            states: states.iter().map(|state| *state as i32).collect(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_cluster_nodes(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner().nodes)
    }

    /// A queue (and with `recursive` every queue below it).
    pub async fn queue_info(&self, name: &str, recursive: bool) -> Result<Vec<pb::QueueInfo>> {
        let message = pb::GetQueueInfoRequest {
            queue_name: name.to_string(),
            recursive,
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_queue_info(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner().queues)
    }

    /// The attempts of application `id`, first to last.
    pub async fn application_attempts(
        &self,
        id: &str,
    ) -> Result<Vec<pb::ApplicationAttemptReport>> {
        let message = pb::GetApplicationAttemptsRequest {
            application_id: id.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_application_attempts(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner().attempts)
    }

    /// The live containers of attempt `attempt`.
    pub async fn containers(&self, attempt: &str) -> Result<Vec<pb::ContainerReport>> {
        let message = pb::GetContainersRequest {
            application_attempt_id: attempt.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_containers(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner().containers)
    }

    /// Moves application `id` to the leaf queue `queue`.
    pub async fn move_application(&self, id: &str, queue: &str) -> Result<()> {
        let message = pb::MoveApplicationAcrossQueuesRequest {
            application_id: id.to_string(),
            target_queue: queue.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.move_application_across_queues(request(&self.user, message));
        response.await.map_err(remote)?;
        Ok(())
    }

    /// Sets the priority of application `id`; the priority it has now.
    pub async fn update_priority(&self, id: &str, priority: i32) -> Result<i32> {
        let message = pb::UpdateApplicationPriorityRequest {
            application_id: id.to_string(),
            priority,
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.update_application_priority(request(&self.user, message));
        Ok(response
            .await
            .map_err(remote)?
            .into_inner()
            .application_priority)
    }
}

/// A client of the ResourceManager's administration service (8033).
#[derive(Clone)]
pub struct RmAdminClient {
    rpc: ResourceManagerAdministrationProtocolClient<Channel>,
    user: String,
}

impl RmAdminClient {
    /// Connects (lazily) to `host:port` as the current user.
    pub fn connect(address: &str) -> Result<Self> {
        Ok(Self {
            rpc: ResourceManagerAdministrationProtocolClient::new(channel(address)?),
            user: common::user::current_user(),
        })
    }

    /// Connects (lazily) to `yarn.resourcemanager.admin.address`.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let address =
            configured_address(conf, common::conf::keys::YARN_RESOURCEMANAGER_ADMIN_ADDRESS)?;
        Self::connect(&address)
    }

    /// Has the RM read its queue configuration again.
    pub async fn refresh_queues(&self) -> Result<()> {
        let mut rpc = self.rpc.clone();
        let response = rpc.refresh_queues(request(&self.user, pb::RefreshQueuesRequest {}));
        response.await.map_err(remote)?;
        Ok(())
    }

    /// Has the RM read its include and exclude host lists again.
    pub async fn refresh_nodes(&self) -> Result<()> {
        let mut rpc = self.rpc.clone();
        let response = rpc.refresh_nodes(request(&self.user, pb::RefreshNodesRequest {}));
        response.await.map_err(remote)?;
        Ok(())
    }

    /// The RM's HA state name (`active`, `standby`).
    pub async fn service_state(&self) -> Result<String> {
        let mut rpc = self.rpc.clone();
        let response = rpc.get_service_status(request(&self.user, pb::GetServiceStatusRequest {}));
        Ok(response.await.map_err(remote)?.into_inner().state)
    }
}

/// An ApplicationMaster's client of the RM scheduler service.
#[derive(Clone)]
pub struct AmRmClient {
    rpc: ApplicationMasterProtocolClient<Channel>,
    attempt: ApplicationAttemptId,
    user: String,
}

impl AmRmClient {
    /// Connects (lazily) to `yarn.resourcemanager.scheduler.address` for `attempt`.
    pub fn from_conf(conf: &Configuration, attempt: ApplicationAttemptId) -> Result<Self> {
        let address = configured_address(conf, RM_SCHEDULER_ADDRESS_KEY)?;
        let rpc = ApplicationMasterProtocolClient::new(channel(&address)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            rpc,
            attempt,
            user: common::user::current_user(),
        })
    }

    pub fn attempt(&self) -> ApplicationAttemptId {
        self.attempt
    }

    /// Registers this attempt: the host and RPC port it serves clients on
    /// (0 for none), and its tracking URL.
    pub async fn register(
        &self,
        host: &str,
        rpc_port: u16,
        tracking_url: &str,
    ) -> Result<pb::RegisterApplicationMasterResponse> {
        let message = pb::RegisterApplicationMasterRequest {
            application_attempt_id: self.attempt.to_string(),
            host: host.to_string(),
            rpc_port: i32::from(rpc_port),
            tracking_url: tracking_url.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.register_application_master(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }

    /// The heartbeat: new asks and releases in, grants and completions out.
    pub async fn allocate(&self, mut message: pb::AllocateRequest) -> Result<pb::AllocateResponse> {
        message.application_attempt_id = self.attempt.to_string();
        let mut rpc = self.rpc.clone();
        let response = rpc.allocate(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }

    /// Unregisters with the final status; `tracking_url` is where the
    /// application can be seen from now on (empty for nowhere).
    pub async fn finish(
        &self,
        final_status: pb::FinalApplicationStatus,
        diagnostics: &str,
        tracking_url: &str,
    ) -> Result<()> {
        let message = pb::FinishApplicationMasterRequest {
            application_attempt_id: self.attempt.to_string(),
            final_status: final_status as i32,
            diagnostics: diagnostics.to_string(),
            tracking_url: tracking_url.to_string(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.finish_application_master(request(&self.user, message));
        response.await.map_err(remote)?;
        Ok(())
    }
}

/// A client of one NodeManager's ContainerManagement service.
#[derive(Clone)]
pub struct NmClient {
    rpc: ContainerManagementClient<Channel>,
    user: String,
}

impl NmClient {
    /// Connects (lazily) to the NodeManager `node_id` (`host:port`).
    pub fn connect(node_id: &str, user: &str) -> Result<Self> {
        let rpc = ContainerManagementClient::new(channel(node_id)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            rpc,
            user: user.to_string(),
        })
    }

    /// Starts one container; an error when the NodeManager refused it.
    pub async fn start_container(
        &self,
        container: pb::Container,
        launch_context: pb::ContainerLaunchContext,
    ) -> Result<pb::StartContainersResponse> {
        let container_id = container.container_id.clone();
        let message = pb::StartContainersRequest {
            requests: vec![pb::StartContainerRequest {
                container: Some(container),
                launch_context: Some(launch_context),
                user: self.user.clone(),
            }],
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.start_containers(request(&self.user, message));
        let response = response.await.map_err(remote)?.into_inner();
        if let Some(failure) = response.failed.first() {
            return Err(RemoteException::io(format!(
                "{}: {}",
                container_id, failure.message
            )));
        }
        Ok(response)
    }

    pub async fn stop_containers(&self, ids: &[String]) -> Result<pb::StopContainersResponse> {
        let message = pb::StopContainersRequest {
            container_ids: ids.to_vec(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.stop_containers(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }

    pub async fn container_statuses(
        &self,
        ids: &[String],
    ) -> Result<pb::GetContainerStatusesResponse> {
        let message = pb::GetContainerStatusesRequest {
            container_ids: ids.to_vec(),
        };
        let mut rpc = self.rpc.clone();
        let response = rpc.get_container_statuses(request(&self.user, message));
        Ok(response.await.map_err(remote)?.into_inner())
    }
}

/// The path part of a DFS URI (`hdfs://host:port/a/b` -> `/a/b`); a plain
/// path is returned as it is. Local resources live on the default file system.
pub fn dfs_path(uri: &str) -> &str {
    common::path::strip_hdfs_uri(uri)
}
