//! The ZKFailoverController (`hdfs zkfc`): beside each NameNode of an HA nameservice, a
//! HealthMonitor polls the NameNode and an ActiveStandbyElector on Apache ZooKeeper decides
//! which NameNode is active, fencing the previous active first; a ZKFCProtocol server lets
//! `haadmin -failover` move the active role gracefully. `hdfs zkfc -formatZK` creates the
//! nameservice's znode. Hadoop's keys, znodes (`/hadoop-ha/<ns>/ActiveStandbyElectorLock`,
//! `ActiveBreadCrumb`) and messages.

mod config;
mod elector;
mod fence;
mod health;
mod server;
mod target;

pub use config::{HaServiceTarget, ZkfcConfig, automatic_failover_enabled};
pub use elector::{ActiveNodeInfo, BREADCRUMB_ZNODE, ElectorState, LOCK_ZNODE};
pub use fence::{
    FenceMethod, FencingConfigError, FencingParameters, fence, parse_fencing_methods,
    shell_environment,
};
pub use health::{HealthMonitorConfig, HealthState};
pub use server::{ZkFailoverController, format_zk};
pub use target::{
    HEALTH_CHECK_FAILED_EXCEPTION, HaServiceClient, SERVICE_FAILED_EXCEPTION, ServiceStatus,
    TargetError, ZkfcClient, state_name,
};

use common::conf::{ConfError, keys};

/// Why a ZKFC cannot start or format, in Hadoop's words.
#[derive(Debug, thiserror::Error)]
pub enum ZkfcError {
    #[error("HA is not enabled for this namenode.")]
    HaNotEnabled,
    #[error(
        "Missing required configuration '{}' for ZooKeeper quorum",
        keys::HA_ZOOKEEPER_QUORUM
    )]
    MissingQuorum,
    #[error(
        "Automatic failover is not enabled for {0}. Please ensure that automatic failover is \
         enabled in the configuration before running the ZK failover controller."
    )]
    AutomaticFailoverNotEnabled(HaServiceTarget),
    #[error("No fencer configured for {0}")]
    NoFencer(HaServiceTarget),
    #[error(
        "Unable to start failover controller. Parent znode does not exist.\n\
         Run with -formatZK flag to initialize ZooKeeper."
    )]
    NoParentZnode,
    #[error(
        "Unable to start failover controller. Unable to connect to ZooKeeper quorum at \
         {quorum}. Please check the configured value for ha.zookeeper.quorum and ensure that \
         ZooKeeper is running. ({source})"
    )]
    ZooKeeperUnreachable {
        quorum: String,
        #[source]
        source: zookeeper_client::Error,
    },
    #[error("ZooKeeper operation on {path} failed: {source}")]
    ZooKeeper {
        path: String,
        #[source]
        source: zookeeper_client::Error,
    },
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Conf(#[from] ConfError),
    #[error(transparent)]
    Fencing(#[from] FencingConfigError),
}
