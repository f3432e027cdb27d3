//! The ZKFC's HealthMonitor: monitorHealth on the local NameNode every
//! `ha.health-monitor.check-interval.ms`, each call bounded by
//! `ha.health-monitor.rpc-timeout.ms`, published as Hadoop's states.

use std::time::Duration;

use tokio::sync::watch;

use super::target::{HaServiceClient, TargetError};

/// Hadoop's `HealthMonitor.State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// No answer yet.
    Initializing,
    /// monitorHealth succeeded.
    Healthy,
    /// The NameNode did not answer (down, unreachable or too slow).
    ServiceNotResponding,
    /// The NameNode answered that it is not healthy.
    ServiceUnhealthy,
    /// The monitor itself failed.
    HealthMonitorFailed,
}

impl std::fmt::Display for HealthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Initializing => "INITIALIZING",
            Self::Healthy => "HEALTHY",
            Self::ServiceNotResponding => "SERVICE_NOT_RESPONDING",
            Self::ServiceUnhealthy => "SERVICE_UNHEALTHY",
            Self::HealthMonitorFailed => "HEALTH_MONITOR_FAILED",
        })
    }
}

/// How often and how patiently the monitor checks.
#[derive(Debug, Clone, Copy)]
pub struct HealthMonitorConfig {
    pub check_interval: Duration,
    pub rpc_timeout: Duration,
    pub connect_retry_interval: Duration,
}

/// Runs the monitor until `states` has no receiver left; every change is sent on `states`.
pub async fn monitor(
    client: HaServiceClient,
    config: HealthMonitorConfig,
    states: watch::Sender<HealthState>,
) {
    let client = client.with_timeout(config.rpc_timeout);
    loop {
        let (state, pause) = match client.monitor_health().await {
            Ok(()) => (HealthState::Healthy, config.check_interval),
            Err(TargetError::Unhealthy(message)) => {
                tracing::warn!(
                    "Service health check failed for {}: {message}",
                    client.address()
                );
                (HealthState::ServiceUnhealthy, config.check_interval)
            }
            Err(error) => {
                tracing::warn!(
                    "Transport-level exception trying to monitor health of NameNode at {}: {error}",
                    client.address()
                );
                (
                    HealthState::ServiceNotResponding,
                    config.connect_retry_interval,
                )
            }
        };
        if states.is_closed() {
            return;
        }
        states.send_if_modified(|current| {
            if *current == state {
                return false;
            }
            tracing::info!("Entering state {state}");
            *current = state;
            true
        });
        tokio::time::sleep(pause).await;
    }
}
