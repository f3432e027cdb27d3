//! The services a ZKFC and `haadmin` talk to: a NameNode's HAServiceProtocol and a ZKFC's
//! ZKFCProtocol, each call bounded by a timeout (Hadoop's `HAServiceTarget` proxies).

use std::time::Duration;

use common::faults;
use proto::hdfs::ha_service_protocol_client::HaServiceProtocolClient;
use proto::hdfs::zkfc_protocol_client::ZkfcProtocolClient;
use proto::hdfs::{
    CedeActiveRequest, GetServiceStatusRequest, GracefulFailoverRequest, HaRequestSource,
    HaServiceState, HaStateChangeRequestInfo, MonitorHealthRequest, TransitionToActiveRequest,
    TransitionToStandbyRequest,
};
use tonic::transport::Endpoint;

/// Hadoop's class of the error an unhealthy service answers monitorHealth with.
pub const HEALTH_CHECK_FAILED_EXCEPTION: &str = "org.apache.hadoop.ha.HealthCheckFailedException";
/// Hadoop's class of a failed transition or failover.
pub const SERVICE_FAILED_EXCEPTION: &str = "org.apache.hadoop.ha.ServiceFailedException";

/// A failed call to an HA service.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TargetError {
    /// The service answered that it is not healthy (HealthCheckFailedException).
    #[error("{0}")]
    Unhealthy(String),
    /// No answer: refused, unreachable or timed out.
    #[error("{0}")]
    NotResponding(String),
    /// The service answered with an error of this Hadoop class.
    #[error("{message}")]
    Remote { class: String, message: String },
    /// An address that is not `host:port`.
    #[error("invalid address '{0}'")]
    InvalidAddress(String),
}

impl TargetError {
    fn from_status(status: &tonic::Status) -> Self {
        let class = status
            .metadata()
            .get(proto::EXCEPTION_METADATA)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        match class {
            Some(class) if class == HEALTH_CHECK_FAILED_EXCEPTION => {
                Self::Unhealthy(status.message().to_string())
            }
            Some(class) => Self::Remote {
                class,
                message: status.message().to_string(),
            },
            None => Self::NotResponding(common::RemoteException::from_status(status).message),
        }
    }
}

/// A NameNode's HA state as getServiceStatus answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    pub state: HaServiceState,
    pub ready_to_become_active: bool,
    pub not_ready_reason: String,
}

/// Hadoop's lower-case name of an HA state (`haadmin -getServiceState` prints it).
pub fn state_name(state: HaServiceState) -> &'static str {
    match state {
        HaServiceState::Initializing => "initializing",
        HaServiceState::Active => "active",
        HaServiceState::Standby => "standby",
        HaServiceState::Observer => "observer",
    }
}

fn endpoint(address: &str, timeout: Duration) -> Result<Endpoint, TargetError> {
    Ok(Endpoint::from_shared(format!("http://{address}"))
        .map_err(|_| TargetError::InvalidAddress(address.to_string()))?
        .connect_timeout(timeout)
        .tcp_nodelay(true))
}

async fn call<T>(
    address: &str,
    timeout: Duration,
    future: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, TargetError> {
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(TargetError::from_status(&status)),
        Err(_) => Err(TargetError::NotResponding(format!(
            "Call to {address} failed on socket timeout exception: \
             java.net.SocketTimeoutException: {} millis timeout while waiting for the answer",
            timeout.as_millis()
        ))),
    }
}

/// A client of one NameNode's HAServiceProtocol.
#[derive(Clone)]
pub struct HaServiceClient {
    address: String,
    timeout: Duration,
    rpc: HaServiceProtocolClient<faults::Channel>,
}

impl HaServiceClient {
    /// Connects (lazily) to the NameNode RPC server at `host:port`; each call times out after
    /// `timeout`.
    pub fn connect(address: &str, timeout: Duration) -> Result<Self, TargetError> {
        let channel = faults::channel(faults::CLIENT, endpoint(address, timeout)?);
        Ok(Self {
            address: address.to_string(),
            timeout,
            rpc: HaServiceProtocolClient::new(channel),
        })
    }

    /// The same service with another timeout per call.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// `host:port` of the service.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// monitorHealth: `Ok` when healthy.
    pub async fn monitor_health(&self) -> Result<(), TargetError> {
        let mut rpc = self.rpc.clone();
        call(
            &self.address,
            self.timeout,
            rpc.monitor_health(MonitorHealthRequest {}),
        )
        .await
        .map(|_| ())
    }

    /// transitionToActive on behalf of `source`.
    pub async fn transition_to_active(&self, source: HaRequestSource) -> Result<(), TargetError> {
        let mut rpc = self.rpc.clone();
        let request = TransitionToActiveRequest {
            req_info: Some(request_info(source)),
        };
        call(
            &self.address,
            self.timeout,
            rpc.transition_to_active(request),
        )
        .await
        .map(|_| ())
    }

    /// transitionToStandby on behalf of `source`.
    pub async fn transition_to_standby(&self, source: HaRequestSource) -> Result<(), TargetError> {
        let mut rpc = self.rpc.clone();
        let request = TransitionToStandbyRequest {
            req_info: Some(request_info(source)),
        };
        call(
            &self.address,
            self.timeout,
            rpc.transition_to_standby(request),
        )
        .await
        .map(|_| ())
    }

    /// getServiceStatus.
    pub async fn get_service_status(&self) -> Result<ServiceStatus, TargetError> {
        let mut rpc = self.rpc.clone();
        let response = call(
            &self.address,
            self.timeout,
            rpc.get_service_status(GetServiceStatusRequest {}),
        )
        .await?;
        Ok(ServiceStatus {
            state: response.state(),
            ready_to_become_active: response.ready_to_become_active,
            not_ready_reason: response.not_ready_reason,
        })
    }
}

fn request_info(source: HaRequestSource) -> HaStateChangeRequestInfo {
    HaStateChangeRequestInfo {
        req_source: source as i32,
    }
}

/// A client of one ZKFC's ZKFCProtocol.
#[derive(Clone)]
pub struct ZkfcClient {
    address: String,
    timeout: Duration,
    rpc: ZkfcProtocolClient<faults::Channel>,
}

impl ZkfcClient {
    /// Connects (lazily) to the ZKFC at `host:port`; each call times out after `timeout`.
    pub fn connect(address: &str, timeout: Duration) -> Result<Self, TargetError> {
        let channel = faults::channel(faults::CLIENT, endpoint(address, timeout)?);
        Ok(Self {
            address: address.to_string(),
            timeout,
            rpc: ZkfcProtocolClient::new(channel),
        })
    }

    /// cedeActive: the ZKFC leaves the election for `millis` (and its NameNode goes to
    /// standby); `0` or less lets it rejoin at once.
    pub async fn cede_active(&self, millis: u32) -> Result<(), TargetError> {
        let mut rpc = self.rpc.clone();
        call(
            &self.address,
            self.timeout,
            rpc.cede_active(CedeActiveRequest {
                millis_to_cede: millis,
            }),
        )
        .await
        .map(|_| ())
    }

    /// gracefulFailover: the ZKFC makes its own NameNode active.
    pub async fn graceful_failover(&self) -> Result<(), TargetError> {
        let mut rpc = self.rpc.clone();
        call(
            &self.address,
            self.timeout,
            rpc.graceful_failover(GracefulFailoverRequest {}),
        )
        .await
        .map(|_| ())
    }
}
