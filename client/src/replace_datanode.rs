//! When a writer replaces a DataNode its pipeline lost: Hadoop's
//! `ReplaceDatanodeOnFailure`, from the
//! `dfs.client.block.write.replace-datanode-on-failure.*` keys.

use common::conf::{ConfError, keys};
use common::{Configuration, RemoteException};

use crate::Result;

/// Hadoop's replacement policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplacePolicy {
    /// Replace when at most half the replicas are left (replication 3 or
    /// more), or at any loss for an append.
    Default,
    /// Replace at any loss.
    Always,
    /// Never replace.
    Never,
}

impl ReplacePolicy {
    fn name(self) -> &'static str {
        match self {
            Self::Default => "DEFAULT",
            Self::Always => "ALWAYS",
            Self::Never => "NEVER",
        }
    }
}

/// What a writer does when its pipeline loses a DataNode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplaceDatanodeOnFailure {
    /// `…enable`: false is NEVER.
    pub policy: ReplacePolicy,
    /// `…best-effort`: a writer that finds no replacement goes on with the
    /// DataNodes it has.
    pub best_effort: bool,
    /// `…min-replication`: the DataNodes a writer that finds no
    /// replacement needs to go on anyway (0: it fails).
    pub min_replication: usize,
}

impl Default for ReplaceDatanodeOnFailure {
    /// Hadoop's defaults: DEFAULT, not best-effort.
    fn default() -> Self {
        Self {
            policy: ReplacePolicy::Default,
            best_effort: false,
            min_replication: 0,
        }
    }
}

impl ReplaceDatanodeOnFailure {
    /// The policy `conf` sets.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let conf_error = |error: ConfError| RemoteException::illegal_argument(error.to_string());
        let key = keys::DFS_CLIENT_REPLACE_DATANODE_POLICY;
        let policy = match conf
            .get_trimmed(key)
            .unwrap_or_default()
            .to_uppercase()
            .as_str()
        {
            "" | "DEFAULT" => ReplacePolicy::Default,
            "ALWAYS" => ReplacePolicy::Always,
            "NEVER" => ReplacePolicy::Never,
            other => {
                return Err(RemoteException::illegal_argument(format!(
                    "Illegal value {other} for {key}: expected DEFAULT, ALWAYS or NEVER"
                )));
            }
        };
        let enabled = conf
            .get_bool(keys::DFS_CLIENT_REPLACE_DATANODE_ENABLE)
            .map_err(conf_error)?;
        Ok(Self {
            policy: if enabled {
                policy
            } else {
                ReplacePolicy::Never
            },
            best_effort: conf
                .get_bool(keys::DFS_CLIENT_REPLACE_DATANODE_BEST_EFFORT)
                .map_err(conf_error)?,
            min_replication: conf
                .get_u32(keys::DFS_CLIENT_REPLACE_DATANODE_MIN_REPLICATION)
                .map_err(conf_error)? as usize,
        })
    }

    /// Whether a writer of a file at `replication`, left with `remaining`
    /// DataNodes, replaces the lost ones (Hadoop's `Condition.satisfy`).
    pub fn should_replace(&self, replication: u16, remaining: usize, appending: bool) -> bool {
        let replication = usize::from(replication);
        if remaining == 0 || remaining >= replication {
            return false;
        }
        match self.policy {
            ReplacePolicy::Never => false,
            ReplacePolicy::Always => true,
            ReplacePolicy::Default => {
                replication >= 3 && (remaining <= replication / 2 || appending)
            }
        }
    }

    /// Whether a writer that found no replacement may go on with
    /// `remaining` DataNodes.
    pub fn may_go_on_without(&self, remaining: usize) -> bool {
        self.best_effort || (self.min_replication > 0 && remaining >= self.min_replication)
    }

    /// Hadoop's message for a writer that found no replacement.
    pub fn no_replacement(&self, current: &[String], original: &[String]) -> String {
        format!(
            "Failed to replace a bad datanode on the existing pipeline due to no more good \
             datanodes being available to try. (Nodes: current=[{}], original=[{}]). The current \
             failed datanode replacement policy is {}, and a client may configure this via \
             '{}' in its configuration.",
            current.join(", "),
            original.join(", "),
            self.policy.name(),
            keys::DFS_CLIENT_REPLACE_DATANODE_POLICY
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conditions_are_hadoops() {
        let default = ReplaceDatanodeOnFailure::default();
        // Replication 3: one of three left is at most half; two are not.
        assert!(default.should_replace(3, 1, false));
        assert!(!default.should_replace(3, 2, false));
        assert!(
            default.should_replace(3, 2, true),
            "an append replaces any loss"
        );
        assert!(!default.should_replace(2, 1, false), "below 3, never");
        assert!(
            !default.should_replace(3, 0, false),
            "nothing left to copy from"
        );
        assert!(!default.should_replace(3, 3, false), "nothing lost");
        let always = ReplaceDatanodeOnFailure {
            policy: ReplacePolicy::Always,
            ..default
        };
        assert!(always.should_replace(2, 1, false));
        let never = ReplaceDatanodeOnFailure {
            policy: ReplacePolicy::Never,
            ..default
        };
        assert!(!never.should_replace(5, 1, true));
    }

    #[test]
    fn the_keys_set_the_policy() {
        let mut conf = Configuration::new();
        assert_eq!(
            ReplaceDatanodeOnFailure::from_conf(&conf).unwrap(),
            ReplaceDatanodeOnFailure::default()
        );
        conf.set(keys::DFS_CLIENT_REPLACE_DATANODE_POLICY, "always");
        conf.set(keys::DFS_CLIENT_REPLACE_DATANODE_BEST_EFFORT, "true");
        let policy = ReplaceDatanodeOnFailure::from_conf(&conf).unwrap();
        assert_eq!(policy.policy, ReplacePolicy::Always);
        assert!(policy.may_go_on_without(1));
        conf.set(keys::DFS_CLIENT_REPLACE_DATANODE_ENABLE, "false");
        let policy = ReplaceDatanodeOnFailure::from_conf(&conf).unwrap();
        assert_eq!(policy.policy, ReplacePolicy::Never);
        conf.set(keys::DFS_CLIENT_REPLACE_DATANODE_POLICY, "SOMETIMES");
        let error = ReplaceDatanodeOnFailure::from_conf(&conf).unwrap_err();
        assert!(error.message.contains("SOMETIMES"), "{error}");
    }
}
