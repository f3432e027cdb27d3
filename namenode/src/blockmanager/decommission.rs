//! Decommissioning (HDFS's DatanodeAdminManager): nodes listed in
//! `dfs.hosts.exclude` stop taking new replicas, their replicas are copied to
//! other nodes by the redundancy monitor (replicas on a leaving node do not
//! count), and once every block they hold is fully replicated elsewhere they
//! are Decommissioned. Removing a node from the file puts it back in service.

use std::collections::HashSet;
use std::path::Path;

use super::BlockManager;
use super::state::{AdminState, BlockState, DatanodeDescriptor};
use crate::storage::StorageError;

/// The hosts of an exclude file: one `host`, `ip` or `host:port` per line or
/// separated by spaces; `#` starts a comment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExcludedHosts(HashSet<String>);

impl ExcludedHosts {
    pub fn parse(text: &str) -> Self {
        Self(
            text.lines()
                .map(|line| line.split('#').next().unwrap_or(""))
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect(),
        )
    }

    /// Reads `path`; the error names the file.
    pub fn read(path: &Path) -> Result<Self, StorageError> {
        std::fs::read_to_string(path)
            .map(|text| Self::parse(&text))
            .map_err(|source| StorageError::Io {
                context: format!("cannot read hosts file {}", path.display()),
                source,
            })
    }

    fn excludes(&self, node: &DatanodeDescriptor) -> bool {
        let address = &node.address;
        self.0.contains(&address.host)
            || self
                .0
                .contains(&format!("{}:{}", address.host, address.xfer_port))
    }
}

impl BlockManager {
    /// `dfsadmin -refreshNodes`: starts decommissioning newly excluded nodes
    /// and returns nodes no longer excluded to service. Returns how many
    /// nodes changed state.
    pub fn refresh_nodes(&self, excluded: &ExcludedHosts) -> usize {
        let mut state = self.lock();
        let mut changed = Vec::new();
        for (index, node) in state.nodes.iter_mut().enumerate() {
            let leaving = excluded.excludes(node);
            let next = match (node.admin_state, leaving) {
                (AdminState::Normal, true) => AdminState::DecommissionInProgress,
                (AdminState::DecommissionInProgress | AdminState::Decommissioned, false) => {
                    AdminState::Normal
                }
                (current, _) => current,
            };
            if next != node.admin_state {
                tracing::info!(datanode = %node.address.uuid, host = %node.address.host, from = ?node.admin_state, to = ?next, "datanode admin state changed");
                node.admin_state = next;
                changed.push(index);
            }
        }
        // Replicas on leaving nodes no longer count as live.
        for &index in &changed {
            state.retally_node(index);
        }
        // Remembered so that nodes registering later are checked too.
        state.excluded_hosts = excluded.clone();
        changed.len()
    }

    /// A node registering while excluded starts decommissioning at once.
    pub(super) fn admit(&self, state: &mut BlockState, node: usize) {
        if state.excluded_hosts.excludes(&state.nodes[node])
            && state.nodes[node].admin_state == AdminState::Normal
        {
            state.nodes[node].admin_state = AdminState::DecommissionInProgress;
            state.retally_node(node);
        }
    }

    /// Marks Decommissioned every live decommissioning node whose blocks all
    /// have their full replication on nodes staying in service.
    pub(super) fn finish_decommissions(&self, state: &mut BlockState) -> usize {
        let mut finished = Vec::new();
        for (index, node) in state.nodes.iter().enumerate() {
            if !node.alive || node.admin_state != AdminState::DecommissionInProgress {
                continue;
            }
            let done = node.blocks.iter().all(|block_id| {
                state.blocks.get(block_id).is_none_or(|info| {
                    !info.under_construction
                        && state.live_replicas(info) >= usize::from(info.replication)
                })
            });
            if done {
                finished.push(index);
            }
        }
        for &index in &finished {
            let node = &mut state.nodes[index];
            node.admin_state = AdminState::Decommissioned;
            tracing::info!(datanode = %node.address.uuid, host = %node.address.host, "datanode decommissioned");
            state.retally_node(index);
        }
        finished.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_files_take_hosts_and_host_ports_with_comments() {
        let hosts = ExcludedHosts::parse("127.0.0.2  # leaving\n\n127.0.0.3:9866 dn4\n#all\n");
        let expected: HashSet<String> = ["127.0.0.2", "127.0.0.3:9866", "dn4"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(hosts.0, expected);
    }
}
