//! NameNode high availability: the HA state (active or standby), what each
//! state allows, the shared edits a standby tails, and the standby's
//! checkpoints, after Hadoop's `HAState`, `EditLogTailer` and
//! `StandbyCheckpointer`.
//!
//! An HA NameNode starts in standby: it loads its newest local fsimage, then
//! applies the shared edits and keeps tailing them. `transitionToActive`
//! stops the tailing, recovers the shared edits for writing, applies every
//! remaining edit and only then opens the edit log (local dirs and the shared
//! edits) and becomes active. `transitionToStandby` closes the edit log and
//! tails again. In standby every client operation is refused with a
//! `StandbyException`, so clients fail over to the active.

pub mod bootstrap;
pub mod service;
mod shared;
mod standby;

use std::fmt;
use std::time::Duration;

use common::conf::{ConfError, TimeUnit, key_with_suffixes, keys};
use common::{Configuration, ExceptionKind, RemoteException};
use proto::hdfs::HaServiceState;

pub use shared::SharedEdits;
pub(crate) use standby::{HaContext, load_newest_image, run_standby_checkpointer, run_tailer};

/// The HA state of a NameNode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaState {
    Active,
    Standby,
}

impl HaState {
    /// Hadoop's lower-case name, as messages and the web UI show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Standby => "standby",
        }
    }

    /// The state on the wire.
    pub fn to_proto(self) -> HaServiceState {
        match self {
            Self::Active => HaServiceState::Active,
            Self::Standby => HaServiceState::Standby,
        }
    }
}

impl fmt::Display for HaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Hadoop's `NameNode.OperationCategory`: what an operation needs of the
/// NameNode's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationCategory {
    /// Served in every state (DataNode calls, safe mode queries).
    Unchecked,
    Read,
    Write,
    Checkpoint,
    Journal,
}

impl fmt::Display for OperationCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unchecked => "UNCHECKED",
            Self::Read => "READ",
            Self::Write => "WRITE",
            Self::Checkpoint => "CHECKPOINT",
            Self::Journal => "JOURNAL",
        })
    }
}

/// Refuses `category` in `state` as Hadoop's `StandbyState.checkOperation`.
pub fn check_operation(state: HaState, category: OperationCategory) -> Result<(), RemoteException> {
    if state == HaState::Active || category == OperationCategory::Unchecked {
        return Ok(());
    }
    Err(RemoteException::new(
        ExceptionKind::Standby,
        format!(
            "Operation category {category} is not supported in state {state}. Visit https://s.apache.org/sbnn-error"
        ),
    ))
}

/// How an HA NameNode runs, from its nameservice's keys.
#[derive(Clone, Debug)]
pub struct HaConfig {
    /// The nameservice (`dfs.nameservice.id` or the one in `dfs.nameservices`).
    pub nameservice: String,
    /// This NameNode's id in it (`dfs.ha.namenode.id` or found by address).
    pub namenode_id: String,
    /// `dfs.namenode.shared.edits.dir`.
    pub shared_edits: SharedEdits,
    /// `dfs.ha.tail-edits.period`: how long the standby waits after a read
    /// that found new edits before reading again.
    pub tail_period: Duration,
    /// `dfs.ha.tail-edits.period.backoff-max`: after a read that found
    /// nothing, the wait doubles up to this (zero: it stays the period).
    pub tail_backoff_max: Duration,
    /// `dfs.ha.tail-edits.in-progress`: the standby also reads the segment
    /// being written, not only finalized ones.
    pub tail_in_progress: bool,
    /// `dfs.ha.log-roll.period`: a standby that has read nothing new for this
    /// long asks the active to roll its edit log, so the edits it has
    /// written become a finalized segment; `None` (a negative period) never.
    pub log_roll_period: Option<Duration>,
    /// `dfs.ha.automatic-failover.enabled`: the ZKFCs decide transitions, so
    /// a user's request is refused unless forced.
    pub automatic_failover: bool,
    /// `dfs.ha.standby.checkpoints`: the standby takes the checkpoints.
    pub standby_checkpoints: bool,
    /// `dfs.namenode.checkpoint.period`
    pub checkpoint_period: Duration,
    /// `dfs.namenode.checkpoint.txns`
    pub checkpoint_txns: u64,
    /// `dfs.namenode.checkpoint.check.period`
    pub checkpoint_check_period: Duration,
    /// HTTP `host:port` of the other NameNodes, where checkpoints are uploaded.
    pub other_http_addresses: Vec<String>,
    /// RPC `host:port` of the other NameNodes, asked to roll their edit log.
    pub other_rpc_addresses: Vec<String>,
}

/// An HA NameNode's own addresses and HA settings.
#[derive(Clone, Debug)]
pub struct LocalHaNameNode {
    /// `dfs.namenode.rpc-address.<ns>.<nn>`
    pub rpc_address: String,
    /// `dfs.namenode.http-address.<ns>.<nn>`
    pub http_address: String,
    pub config: HaConfig,
}

impl HaConfig {
    /// The local NameNode's HA configuration, `None` without HA. In HA the
    /// shared edits dir is required.
    pub fn from_conf(conf: &Configuration) -> Result<Option<LocalHaNameNode>, ConfError> {
        let Some((nameservice, namenode_id)) = conf.local_ha_namenode()? else {
            return Ok(None);
        };
        let local =
            nameservice
                .namenode(&namenode_id)
                .cloned()
                .ok_or_else(|| ConfError::Missing {
                    key: keys::DFS_HA_NAMENODE_ID.into(),
                })?;
        let shared_key = keys::DFS_NAMENODE_SHARED_EDITS_DIR;
        let shared_edits = conf
            .get_trimmed(&key_with_suffixes(
                shared_key,
                &[&nameservice.id, &namenode_id],
            ))
            .or_else(|| conf.get_trimmed(&key_with_suffixes(shared_key, &[&nameservice.id])))
            .or_else(|| conf.get_trimmed(shared_key))
            .filter(|dir| !dir.is_empty())
            .ok_or_else(|| ConfError::Missing {
                key: shared_key.into(),
            })?;
        let config = HaConfig {
            nameservice: nameservice.id.clone(),
            namenode_id: namenode_id.clone(),
            shared_edits: SharedEdits::from_uri(&shared_edits, conf)?,
            tail_period: conf.get_duration(keys::DFS_HA_TAIL_EDITS_PERIOD, TimeUnit::Seconds)?,
            tail_backoff_max: conf.get_duration(
                keys::DFS_HA_TAIL_EDITS_PERIOD_BACKOFF_MAX,
                TimeUnit::Seconds,
            )?,
            tail_in_progress: conf.get_bool(keys::DFS_HA_TAIL_EDITS_INPROGRESS)?,
            log_roll_period: match conf.get_trimmed(keys::DFS_HA_LOG_ROLL_PERIOD) {
                Some(period) if period.starts_with('-') => None,
                _ => Some(conf.get_duration(keys::DFS_HA_LOG_ROLL_PERIOD, TimeUnit::Seconds)?),
            },
            automatic_failover: conf.get_bool(keys::DFS_HA_AUTOMATIC_FAILOVER_ENABLED)?,
            standby_checkpoints: conf.get_bool(keys::DFS_HA_STANDBY_CHECKPOINTS)?,
            checkpoint_period: conf
                .get_duration(keys::DFS_NAMENODE_CHECKPOINT_PERIOD, TimeUnit::Seconds)?,
            checkpoint_txns: conf.get_u64(keys::DFS_NAMENODE_CHECKPOINT_TXNS)?,
            checkpoint_check_period: conf.get_duration(
                keys::DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD,
                TimeUnit::Seconds,
            )?,
            other_http_addresses: nameservice
                .others(&namenode_id)
                .map(|other| other.http_address.clone())
                .collect(),
            other_rpc_addresses: nameservice
                .others(&namenode_id)
                .map(|other| other.rpc_address.clone())
                .collect(),
        };
        Ok(Some(LocalHaNameNode {
            rpc_address: local.rpc_address,
            http_address: local.http_address,
            config,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standby_refuses_reads_and_writes_with_hadoops_text() {
        let read = check_operation(HaState::Standby, OperationCategory::Read).unwrap_err();
        assert_eq!(read.kind, ExceptionKind::Standby);
        assert!(
            read.message
                .starts_with("Operation category READ is not supported in state standby")
        );
        let write = check_operation(HaState::Standby, OperationCategory::Write).unwrap_err();
        assert!(
            write
                .message
                .starts_with("Operation category WRITE is not supported in state standby")
        );
        assert!(check_operation(HaState::Standby, OperationCategory::Unchecked).is_ok());
        assert!(check_operation(HaState::Active, OperationCategory::Write).is_ok());
    }

    fn ha_conf() -> Configuration {
        let mut conf = Configuration::new();
        conf.set(keys::DFS_NAMESERVICES, "mycluster");
        conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
        conf.set("dfs.namenode.rpc-address.mycluster.nn1", "127.0.0.1:8020");
        conf.set("dfs.namenode.rpc-address.mycluster.nn2", "127.0.0.1:8021");
        conf.set("dfs.namenode.http-address.mycluster.nn1", "127.0.0.1:9870");
        conf.set("dfs.namenode.http-address.mycluster.nn2", "127.0.0.1:9871");
        conf.set(keys::DFS_HA_NAMENODE_ID, "nn2");
        conf
    }

    #[test]
    fn ha_needs_the_shared_edits_dir() {
        let error = HaConfig::from_conf(&ha_conf()).unwrap_err();
        assert!(error.to_string().contains("dfs.namenode.shared.edits.dir"));
    }

    #[test]
    fn the_local_namenode_takes_its_own_addresses_and_knows_the_other() {
        let mut conf = ha_conf();
        conf.set(keys::DFS_NAMENODE_SHARED_EDITS_DIR, "file:///shared");
        let local = HaConfig::from_conf(&conf).unwrap().unwrap();
        assert_eq!(local.rpc_address, "127.0.0.1:8021");
        assert_eq!(local.http_address, "127.0.0.1:9871");
        assert_eq!(local.config.namenode_id, "nn2");
        assert_eq!(local.config.other_http_addresses, ["127.0.0.1:9870"]);
        assert_eq!(local.config.tail_period, Duration::from_secs(60));
        assert_eq!(local.config.log_roll_period, Some(Duration::from_secs(120)));
        assert_eq!(local.config.other_rpc_addresses, ["127.0.0.1:8020"]);
        assert!(!local.config.automatic_failover);
    }

    #[test]
    fn without_nameservices_there_is_no_ha() {
        assert!(
            HaConfig::from_conf(&Configuration::new())
                .unwrap()
                .is_none()
        );
    }
}
