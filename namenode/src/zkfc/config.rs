//! The ZKFC's configuration, read as Hadoop's `DFSZKFailoverController` reads it.

use std::time::Duration;

use common::Configuration;
use common::conf::{Nameservice, TimeUnit, key_with_suffixes, keys};

use super::ZkfcError;
use super::fence::{FenceMethod, FencingParameters, parse_fencing_methods};
use super::health::HealthMonitorConfig;

/// One NameNode of the nameservice as the ZKFCs and haadmin address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaServiceTarget {
    pub nameservice_id: String,
    pub namenode_id: String,
    /// `host:port` of its RPC server (HAServiceProtocol).
    pub rpc_address: String,
    /// `host:port` of its ZKFC (ZKFCProtocol): the RPC host and `dfs.ha.zkfc.port`.
    pub zkfc_address: String,
}

impl HaServiceTarget {
    /// The NameNodes of `nameservice`, each with its ZKFC's address.
    pub fn all(
        conf: &Configuration,
        nameservice: &Nameservice,
    ) -> Result<Vec<HaServiceTarget>, ZkfcError> {
        nameservice
            .namenodes
            .iter()
            .map(|namenode| {
                let port = zkfc_port(conf, &nameservice.id, &namenode.id)?;
                Ok(HaServiceTarget {
                    nameservice_id: nameservice.id.clone(),
                    namenode_id: namenode.id.clone(),
                    rpc_address: namenode.rpc_address.clone(),
                    zkfc_address: format!("{}:{port}", host_of(&namenode.rpc_address)),
                })
            })
            .collect()
    }

    /// What a fencing command is told about this NameNode.
    pub fn fencing_parameters(&self) -> FencingParameters {
        let (host, port) = self
            .rpc_address
            .rsplit_once(':')
            .unwrap_or((self.rpc_address.as_str(), ""));
        FencingParameters {
            host: host.to_string(),
            port: port.to_string(),
            nameservice_id: self.nameservice_id.clone(),
            namenode_id: self.namenode_id.clone(),
        }
    }
}

impl std::fmt::Display for HaServiceTarget {
    /// Hadoop's `NameNode at host/ip:port` shortened to the address.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NameNode at {}", self.rpc_address)
    }
}

/// `dfs.ha.zkfc.port.<ns>.<nn>`, else `dfs.ha.zkfc.port`.
fn zkfc_port(conf: &Configuration, nameservice: &str, namenode: &str) -> Result<u16, ZkfcError> {
    let specific = key_with_suffixes(keys::DFS_HA_ZKFC_PORT, &[nameservice, namenode]);
    if conf.get_trimmed(&specific).is_some() {
        return Ok(conf.get_u16(&specific)?);
    }
    Ok(conf.get_u16(keys::DFS_HA_ZKFC_PORT)?)
}

fn host_of(address: &str) -> &str {
    address.rsplit_once(':').map_or(address, |(host, _)| host)
}

/// Everything a ZKFC needs to run.
#[derive(Debug, Clone)]
pub struct ZkfcConfig {
    /// `ha.zookeeper.quorum`.
    pub quorum: String,
    /// `ha.zookeeper.session-timeout.ms`.
    pub session_timeout: Duration,
    /// `ha.zookeeper.parent-znode` (`/hadoop-ha`).
    pub parent_znode: String,
    /// The NameNode this ZKFC watches.
    pub local: HaServiceTarget,
    /// The other NameNodes of the nameservice.
    pub others: Vec<HaServiceTarget>,
    pub health: HealthMonitorConfig,
    /// `ha.failover-controller.graceful-fence.rpc-timeout.ms`.
    pub graceful_fence_timeout: Duration,
    /// `ha.failover-controller.new-active.rpc-timeout.ms`.
    pub new_active_timeout: Duration,
    /// `dfs.ha.fencing.methods`.
    pub fencing: Vec<FenceMethod>,
    /// `dfs.ha.automatic-failover.enabled` (for this nameservice).
    pub automatic_failover: bool,
    /// The whole configuration, for the fencing commands' environment.
    pub conf: Configuration,
}

impl ZkfcConfig {
    /// Reads the configuration of the ZKFC beside this host's NameNode
    /// (`Configuration::local_ha_namenode`).
    pub fn from_conf(conf: &Configuration) -> Result<Self, ZkfcError> {
        let Some((nameservice, local_id)) = conf.local_ha_namenode()? else {
            return Err(ZkfcError::HaNotEnabled);
        };
        let targets = HaServiceTarget::all(conf, &nameservice)?;
        let (local, others): (Vec<_>, Vec<_>) = targets
            .into_iter()
            .partition(|target| target.namenode_id == local_id);
        let local = local.into_iter().next().ok_or(ZkfcError::HaNotEnabled)?;
        let quorum = conf
            .get_trimmed(keys::HA_ZOOKEEPER_QUORUM)
            .ok_or(ZkfcError::MissingQuorum)?;
        let millis = |key: &str| conf.get_duration(key, TimeUnit::Milliseconds);
        let fencing_text = conf.get(keys::DFS_HA_FENCING_METHODS).unwrap_or_default();
        Ok(Self {
            quorum,
            session_timeout: millis(keys::HA_ZOOKEEPER_SESSION_TIMEOUT_MS)?,
            parent_znode: conf.get_trimmed_or_default(keys::HA_ZOOKEEPER_PARENT_ZNODE)?,
            health: HealthMonitorConfig {
                check_interval: millis(keys::HA_HEALTH_MONITOR_CHECK_INTERVAL_MS)?,
                rpc_timeout: millis(keys::HA_HEALTH_MONITOR_RPC_TIMEOUT_MS)?,
                connect_retry_interval: millis(keys::HA_HEALTH_MONITOR_CONNECT_RETRY_INTERVAL_MS)?,
            },
            graceful_fence_timeout: millis(
                keys::HA_FAILOVER_CONTROLLER_GRACEFUL_FENCE_RPC_TIMEOUT_MS,
            )?,
            new_active_timeout: millis(keys::HA_FAILOVER_CONTROLLER_NEW_ACTIVE_RPC_TIMEOUT_MS)?,
            fencing: parse_fencing_methods(&fencing_text)?,
            automatic_failover: automatic_failover_enabled(conf, &nameservice.id)?,
            conf: conf.clone(),
            local,
            others,
        })
    }

    /// `<parent>/<nameservice>`: the znode under which the election runs.
    pub fn znode(&self) -> String {
        format!(
            "{}/{}",
            self.parent_znode.trim_end_matches('/'),
            self.local.nameservice_id
        )
    }
}

/// `dfs.ha.automatic-failover.enabled.<ns>`, else `dfs.ha.automatic-failover.enabled`.
pub fn automatic_failover_enabled(
    conf: &Configuration,
    nameservice: &str,
) -> Result<bool, ZkfcError> {
    let specific = key_with_suffixes(keys::DFS_HA_AUTOMATIC_FAILOVER_ENABLED, &[nameservice]);
    if conf.get_trimmed(&specific).is_some() {
        return Ok(conf.get_bool(&specific)?);
    }
    Ok(conf.get_bool(keys::DFS_HA_AUTOMATIC_FAILOVER_ENABLED)?)
}
