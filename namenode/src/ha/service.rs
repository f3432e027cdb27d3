//! HAServiceProtocol over gRPC on the NameNode's RPC port: what `hdfs
//! haadmin` and the ZKFC call. Thin: the namesystem does the work.

use std::sync::Arc;

use proto::hdfs as pb;
use proto::hdfs::ha_service_protocol_server::HaServiceProtocol;
use tonic::{Request, Response, Status};

use crate::namesystem::Namesystem;

/// The HAServiceProtocol service of one NameNode.
pub struct HaServiceRpc {
    namesystem: Arc<Namesystem>,
}

impl HaServiceRpc {
    pub fn new(namesystem: Arc<Namesystem>) -> Self {
        Self { namesystem }
    }

    /// Refuses a transition its source may not ask for.
    fn check_source<T>(
        &self,
        request: &Request<T>,
        info: Option<pb::HaStateChangeRequestInfo>,
    ) -> Result<(), Status> {
        let source = info.map_or(pb::HaRequestSource::RequestByUser, |info| info.req_source());
        let remote = request.remote_addr().map_or_else(
            || "an unknown address".to_string(),
            |address| address.to_string(),
        );
        Ok(self.namesystem.check_ha_state_change(source, &remote)?)
    }
}

#[tonic::async_trait]
impl HaServiceProtocol for HaServiceRpc {
    async fn monitor_health(
        &self,
        _request: Request<pb::MonitorHealthRequest>,
    ) -> Result<Response<pb::MonitorHealthResponse>, Status> {
        self.namesystem.monitor_health()?;
        Ok(Response::new(pb::MonitorHealthResponse {}))
    }

    async fn transition_to_active(
        &self,
        request: Request<pb::TransitionToActiveRequest>,
    ) -> Result<Response<pb::TransitionToActiveResponse>, Status> {
        let info = request.get_ref().req_info;
        self.check_source(&request, info)?;
        self.namesystem.transition_to_active().await?;
        Ok(Response::new(pb::TransitionToActiveResponse {}))
    }

    async fn transition_to_standby(
        &self,
        request: Request<pb::TransitionToStandbyRequest>,
    ) -> Result<Response<pb::TransitionToStandbyResponse>, Status> {
        let info = request.get_ref().req_info;
        self.check_source(&request, info)?;
        self.namesystem.transition_to_standby().await?;
        Ok(Response::new(pb::TransitionToStandbyResponse {}))
    }

    async fn get_service_status(
        &self,
        _request: Request<pb::GetServiceStatusRequest>,
    ) -> Result<Response<pb::GetServiceStatusResponse>, Status> {
        let (state, not_ready) = self.namesystem.service_status()?;
        Ok(Response::new(pb::GetServiceStatusResponse {
            state: state.to_proto().into(),
            ready_to_become_active: not_ready.is_none(),
            not_ready_reason: not_ready.unwrap_or_default(),
        }))
    }
}
