//! `/ws/v1/cluster/nodes` (with the `states` filter) and
//! `/ws/v1/cluster/nodes/{nodeid}`: Hadoop's NodeInfo.

use common::rest::{RestError, RestResult, list_param, ok};
use serde_json::{Value, json};

use crate::state::{Node, NodeState, RmState};

/// Hadoop's NodeState names.
pub const NODE_STATES: [&str; 8] = [
    "NEW",
    "RUNNING",
    "UNHEALTHY",
    "DECOMMISSIONED",
    "LOST",
    "REBOOTED",
    "DECOMMISSIONING",
    "SHUTDOWN",
];

pub fn node_state_name(state: NodeState) -> &'static str {
    match state {
        NodeState::Running => "RUNNING",
        NodeState::Unhealthy => "UNHEALTHY",
        NodeState::Lost => "LOST",
        NodeState::Decommissioned => "DECOMMISSIONED",
    }
}

/// Hadoop's NodeInfo of `node`.
pub fn node_info(state: &RmState, node: &Node) -> Value {
    let report = state.node_report(node);
    let available = report.capability - report.used;
    json!({
        "rack": report.rack,
        "state": node_state_name(report.state),
        "id": report.node_id,
        "nodeHostName": node.host,
        "nodeHTTPAddress": report.http_address,
        "lastHealthUpdate": report.last_health_update,
        "version": env!("CARGO_PKG_VERSION"),
        "healthReport": report.health_report,
        "numContainers": report.num_containers,
        "usedMemoryMB": report.used.memory_mb,
        "availMemoryMB": available.memory_mb,
        "usedVirtualCores": report.used.vcores,
        "availableVirtualCores": available.vcores,
        "numRunningOpportContainers": 0,
        "usedMemoryOpportGB": 0,
        "usedVirtualCoresOpport": 0,
        "numQueuedContainers": 0,
        "totalResource": {"memory": report.capability.memory_mb, "vCores": report.capability.vcores},
        "usedResource": {"memory": report.used.memory_mb, "vCores": report.used.vcores},
        "availableResource": {"memory": available.memory_mb, "vCores": available.vcores},
    })
}

/// Every node, or those in the `states` asked for.
pub fn list(state: &RmState, query: &[(String, String)]) -> RestResult {
    let mut wanted = Vec::new();
    for name in list_param(query, "states") {
        let upper = name.to_uppercase();
        if !NODE_STATES.contains(&upper.as_str()) {
            return Err(RestError::illegal_argument(format!(
                "No enum constant org.apache.hadoop.yarn.api.records.NodeState.{upper}"
            )));
        }
        wanted.push(upper);
    }
    let nodes: Vec<Value> = state
        .nodes
        .values()
        .filter(|node| {
            wanted.is_empty()
                || wanted
                    .iter()
                    .any(|name| name == node_state_name(node.state))
        })
        .map(|node| node_info(state, node))
        .collect();
    ok(json!({"nodes": {"node": nodes}}))
}

pub fn one(state: &RmState, node_id: &str) -> RestResult {
    let node = state
        .nodes
        .get(node_id)
        .ok_or_else(|| RestError::not_found(format!("nodeId, {node_id}, is not found")))?;
    ok(json!({"node": node_info(state, node)}))
}
