//! NodeManagers: registration, heartbeats (container completions in,
//! cleanup orders out), loss, and the node read-model AMs and clients see.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use common::yarn::{ApplicationId, ContainerId, exit_status};
use proto::yarn as pb;
use tracing::info;

use super::{AmLaunch, RmState, completed_status};
use crate::scheduler::Resource;

/// Hadoop's NodeState.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    Running,
    Unhealthy,
    Lost,
    /// Excluded by the administrator (`yarn rmadmin -refreshNodes`).
    Decommissioned,
}

impl NodeState {
    /// Whether the node is out of the cluster (lost or decommissioned).
    pub fn is_gone(self) -> bool {
        matches!(self, Self::Lost | Self::Decommissioned)
    }
}

#[derive(Debug)]
pub struct Node {
    pub node_id: String,
    pub host: String,
    pub http_address: String,
    pub rack: String,
    pub capability: Resource,
    pub state: NodeState,
    pub last_heartbeat: Instant,
    pub last_health_update: i64,
    pub health_report: String,
    pub(super) containers_to_cleanup: BTreeSet<String>,
    pub(super) apps_to_cleanup: BTreeSet<ApplicationId>,
}

/// A node as AMs and clients see it: its registration, health and what
/// runs on it now.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeReport {
    pub node_id: String,
    pub http_address: String,
    pub rack: String,
    pub state: NodeState,
    pub used: Resource,
    pub num_containers: usize,
    pub capability: Resource,
    pub health_report: String,
    pub last_health_update: i64,
}

/// The hosts the administrator lets in and keeps out (host names or
/// `host:port` node ids); an empty include list lets every host in.
#[derive(Clone, Debug, Default)]
pub struct HostLists {
    pub included: BTreeSet<String>,
    pub excluded: BTreeSet<String>,
}

/// What a NodeManager heartbeat gets back.
#[derive(Debug, Default)]
pub struct HeartbeatAnswer {
    pub resync: bool,
    pub containers_to_cleanup: Vec<String>,
    pub apps_to_cleanup: Vec<String>,
    pub acknowledged: Vec<String>,
}

impl RmState {
    /// A NodeManager (re)joins with `running_applications` on it: those
    /// the RM knows as over, or not at all, are cleaned up through the next
    /// heartbeat (Hadoop's `handleRunningAppOnNode`); the node of a live one
    /// is cleaned up when it ends.
    pub fn register_node(
        &mut self,
        node_id: &str,
        http_address: &str,
        rack: &str,
        capability: Resource,
        running_applications: &[ApplicationId],
    ) {
        let host = node_id
            .rsplit_once(':')
            .map(|(host, _)| host)
            .unwrap_or(node_id);
        if let Some(old) = self.nodes.get(node_id)
            && !old.state.is_gone()
        {
            self.node_gone(node_id, "Node re-registered");
        }
        self.scheduler.add_node(node_id, host, rack, capability);
        info!(node = node_id, %rack, %capability, "NodeManager registered");
        self.nodes.insert(
            node_id.to_string(),
            Node {
                node_id: node_id.to_string(),
                host: host.to_string(),
                http_address: http_address.to_string(),
                rack: rack.to_string(),
                capability,
                state: NodeState::Running,
                last_heartbeat: self.clock.now(),
                last_health_update: common::time::now_millis(),
                health_report: String::new(),
                containers_to_cleanup: BTreeSet::new(),
                apps_to_cleanup: BTreeSet::new(),
            },
        );
        let mut to_cleanup = BTreeSet::new();
        for &app_id in running_applications {
            match self.apps.get_mut(&app_id) {
                Some(app) if !app.state.is_final() => {
                    app.nodes.insert(node_id.to_string());
                }
                _ => {
                    info!(node = node_id, application = %app_id, "application over: the node cleans it up");
                    to_cleanup.insert(app_id);
                }
            }
        }
        if let Some(node) = self.nodes.get_mut(node_id) {
            node.apps_to_cleanup = to_cleanup;
        }
    }

    /// A NodeManager heartbeat: container completions reach their attempts,
    /// and the node learns what to kill and clean up.
    pub fn node_heartbeat(
        &mut self,
        request: &pb::NodeHeartbeatRequest,
    ) -> (HeartbeatAnswer, Vec<AmLaunch>) {
        let node_id = request.node_id.as_str();
        let running = self
            .nodes
            .get(node_id)
            .is_some_and(|node| !node.state.is_gone());
        if !running {
            let answer = HeartbeatAnswer {
                resync: true,
                ..HeartbeatAnswer::default()
            };
            return (answer, Vec::new());
        }
        let mut answer = HeartbeatAnswer::default();
        for app_text in &request.log_aggregated_applications {
            if let Ok(app_id) = app_text.parse::<ApplicationId>()
                && let Some(app) = self.apps.get_mut(&app_id)
            {
                app.logs_pending.remove(node_id);
            }
        }
        for status in &request.container_statuses {
            let Ok(container_id) = status.container_id.parse::<ContainerId>() else {
                continue;
            };
            if status.state == pb::ContainerState::ContainerComplete as i32 {
                answer.acknowledged.push(status.container_id.clone());
                self.container_completed(container_id, status);
            } else if !self.container_wanted(container_id) {
                answer
                    .containers_to_cleanup
                    .push(status.container_id.clone());
            }
        }
        let node = self.nodes.get_mut(node_id).expect("checked above");
        node.last_heartbeat = self.clock.now();
        node.health_report = request.health_report.clone();
        node.state = if request.healthy {
            NodeState::Running
        } else {
            NodeState::Unhealthy
        };
        node.last_health_update = common::time::now_millis();
        answer
            .containers_to_cleanup
            .extend(std::mem::take(&mut node.containers_to_cleanup));
        answer.apps_to_cleanup = std::mem::take(&mut node.apps_to_cleanup)
            .into_iter()
            .map(|app| app.to_string())
            .collect();
        let launches = self.schedule();
        (answer, launches)
    }

    /// A node is lost: its containers complete as ABORTED for their AMs,
    /// AMs that ran there fail their attempt, every AM hears of the node.
    pub(super) fn node_gone(&mut self, node_id: &str, diagnostics: &str) {
        if let Some(node) = self.nodes.get_mut(node_id) {
            node.state = NodeState::Lost;
            node.containers_to_cleanup.clear();
            node.apps_to_cleanup.clear();
        }
        for app in self.apps.values_mut() {
            app.logs_pending.remove(node_id);
        }
        let lost = self.remove_node(node_id);
        for container_id in lost {
            let status =
                completed_status(&container_id.to_string(), exit_status::ABORTED, diagnostics);
            let Some(app) = self.apps.get_mut(&container_id.application()) else {
                continue;
            };
            let is_am = app
                .current_attempt()
                .and_then(|a| a.am_container.as_ref())
                .map(|c| c.container_id.clone())
                == Some(status.container_id.clone());
            if is_am {
                let reason = format!(
                    "AM Container for {} exited with  exitCode: {}\nDiagnostics: {diagnostics}\nFailing this attempt.",
                    container_id.attempt,
                    exit_status::ABORTED
                );
                self.attempt_failed(container_id.attempt, reason);
            } else if let Some(attempt) = self.attempt_mut(container_id.attempt) {
                attempt.inbox.completed.push(status);
            }
        }
        let report = self.nodes.get(node_id).map(|node| self.node_report(node));
        if let Some(report) = report {
            for app in self.apps.values_mut().filter(|app| !app.state.is_final()) {
                if let Some(attempt) = app.current_attempt_mut() {
                    attempt.inbox.updated_nodes.push(report.clone());
                }
            }
        }
    }

    /// Whether a NodeManager on `node_id` may join: not when its host (or
    /// `host:port`) is excluded, nor missing from a non-empty include list
    /// (Hadoop's `yarn.resourcemanager.nodes.{include,exclude}-path`).
    pub fn node_allowed(&self, node_id: &str) -> bool {
        let host = node_id
            .rsplit_once(':')
            .map(|(host, _)| host)
            .unwrap_or(node_id);
        let listed = |list: &BTreeSet<String>| list.contains(host) || list.contains(node_id);
        !listed(&self.host_lists.excluded)
            && (self.host_lists.included.is_empty() || listed(&self.host_lists.included))
    }

    /// Takes new include and exclude lists (Hadoop's refreshNodes): running
    /// nodes no longer allowed are DECOMMISSIONED, their containers
    /// completing as on a lost node; they cannot register again.
    pub fn refresh_nodes(&mut self, lists: HostLists) {
        self.host_lists = lists;
        let leaving: Vec<String> = self
            .nodes
            .values()
            .filter(|node| !node.state.is_gone() && !self.node_allowed(&node.node_id))
            .map(|node| node.node_id.clone())
            .collect();
        for node_id in leaving {
            info!(node = %node_id, "NodeManager decommissioned");
            self.node_gone(&node_id, "Container released on a *decommissioned* node");
            if let Some(node) = self.nodes.get_mut(&node_id) {
                node.state = NodeState::Decommissioned;
            }
        }
    }

    /// Node ids by state, for reports.
    pub fn node_counts(&self) -> HashMap<&'static str, usize> {
        let mut counts = HashMap::new();
        for node in self.nodes.values() {
            let key = match node.state {
                NodeState::Running => "running",
                NodeState::Unhealthy => "unhealthy",
                NodeState::Lost => "lost",
                NodeState::Decommissioned => "decommissioned",
            };
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }

    /// The read-model of `node`, with its usage from the scheduler.
    pub fn node_report(&self, node: &Node) -> NodeReport {
        let (used, num_containers) = self
            .scheduler
            .node_usage(&node.node_id)
            .unwrap_or((Resource::ZERO, 0));
        NodeReport {
            node_id: node.node_id.clone(),
            http_address: node.http_address.clone(),
            rack: node.rack.clone(),
            state: node.state,
            used,
            num_containers,
            capability: node.capability,
            health_report: node.health_report.clone(),
            last_health_update: node.last_health_update,
        }
    }
}
