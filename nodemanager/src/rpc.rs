//! ContainerManagement (the NM's port 8040): thin adapter over the
//! [`ContainerManager`].

use std::sync::Arc;

use common::yarn::{ContainerId, exit_status};
use proto::yarn as pb;
use proto::yarn::container_management_server::ContainerManagement;
use tonic::{Request, Response, Status};

use crate::containers::ContainerManager;

pub struct ContainerManagementService(pub Arc<ContainerManager>);

fn failure(container_id: &str, message: impl Into<String>) -> pb::ContainerFailure {
    pb::ContainerFailure {
        container_id: container_id.to_string(),
        message: message.into(),
    }
}

#[tonic::async_trait]
impl ContainerManagement for ContainerManagementService {
    async fn start_containers(
        &self,
        request: Request<pb::StartContainersRequest>,
    ) -> Result<Response<pb::StartContainersResponse>, Status> {
        let mut response = pb::StartContainersResponse {
            services_metadata: self.0.aux_metadata.clone().into_iter().collect(),
            ..Default::default()
        };
        for start in request.into_inner().requests {
            let container = start.container.unwrap_or_default();
            let id = container.container_id.clone();
            if container.node_id != self.0.node_id {
                response.failed.push(failure(
                    &id,
                    format!(
                        "Container {id} is for node {}, this is {}",
                        container.node_id, self.0.node_id
                    ),
                ));
                continue;
            }
            let user = if start.user.is_empty() {
                common::user::os_user()
            } else {
                start.user
            };
            match self
                .0
                .start_container(container, start.launch_context.unwrap_or_default(), user)
            {
                Ok(()) => response.succeeded.push(id),
                Err(error) => response.failed.push(failure(&id, error.to_string())),
            }
        }
        Ok(Response::new(response))
    }

    async fn stop_containers(
        &self,
        request: Request<pb::StopContainersRequest>,
    ) -> Result<Response<pb::StopContainersResponse>, Status> {
        let mut response = pb::StopContainersResponse::default();
        for text in request.into_inner().container_ids {
            let stopped = text.parse::<ContainerId>().ok().is_some_and(|id| {
                self.0.kill(
                    id,
                    exit_status::KILLED_BY_APPMASTER,
                    "Container killed by the ApplicationMaster.",
                )
            });
            if stopped {
                response.succeeded.push(text);
            } else {
                let message = format!("Container {text} is not handled by this NodeManager");
                response.failed.push(failure(&text, message));
            }
        }
        Ok(Response::new(response))
    }

    async fn get_container_statuses(
        &self,
        request: Request<pb::GetContainerStatusesRequest>,
    ) -> Result<Response<pb::GetContainerStatusesResponse>, Status> {
        let ids = request.into_inner().container_ids;
        let statuses = self.0.statuses(Some(&ids));
        let failed = ids
            .iter()
            .filter(|id| !statuses.iter().any(|status| &status.container_id == *id))
            .map(|id| {
                failure(
                    id,
                    format!("Container {id} is not handled by this NodeManager"),
                )
            })
            .collect();
        Ok(Response::new(pb::GetContainerStatusesResponse {
            statuses,
            failed,
        }))
    }
}
