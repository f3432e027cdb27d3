//! `/ws/v1/cluster/info` and `/ws/v1/cluster/metrics`: Hadoop's
//! ClusterInfo and ClusterMetricsInfo, with the figures of now.

use common::rest::{RestResult, ok};
use serde_json::{Value, json};

use crate::state::{AppState, NodeState, RmState};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Hadoop's ClusterInfo. There is no RM HA (always ACTIVE) and no state
/// store (Hadoop's NullRMStateStore); build dates are not recorded, which
/// Hadoop's VersionInfo reports as "Unknown".
pub fn info(state: &RmState) -> RestResult {
    ok(json!({"clusterInfo": cluster_info(state)}))
}

/// The ClusterInfo object itself (the REST answer and the web pages show it).
pub fn cluster_info(state: &RmState) -> Value {
    let build = format!("{VERSION} from tusk");
    json!({
        "id": state.cluster_timestamp,
        "startedOn": state.cluster_timestamp,
        "state": "STARTED",
        "haState": "ACTIVE",
        "rmStateStoreName": "org.apache.hadoop.yarn.server.resourcemanager.recovery.NullRMStateStore",
        "resourceManagerVersion": VERSION,
        "resourceManagerBuildVersion": build,
        "resourceManagerVersionBuiltOn": "Unknown",
        "hadoopVersion": VERSION,
        "hadoopBuildVersion": build,
        "hadoopVersionBuiltOn": "Unknown",
        "haZooKeeperConnectionState": "ResourceManager HA is not enabled.",
    })
}

/// Hadoop's ClusterMetricsInfo: application counts by state, memory and
/// vcores in total, allocated (to live containers) and available, live
/// and pending containers, nodes by state.
pub fn metrics(state: &RmState) -> RestResult {
    ok(json!({"clusterMetrics": metrics_info(state)}))
}

/// The ClusterMetricsInfo object itself (the REST answer and the web pages show it).
pub fn metrics_info(state: &RmState) -> Value {
    let total = state.scheduler.cluster_resource();
    let used = state.scheduler.used_resource();
    let count_apps = |wanted: AppState| {
        state
            .apps
            .values()
            .filter(|app| app.state == wanted)
            .count()
    };
    let count_nodes = |wanted: NodeState| {
        state
            .nodes
            .values()
            .filter(|node| node.state == wanted)
            .count()
    };
    let mut containers_pending = 0;
    for app in state.apps.values().filter(|app| !app.state.is_final()) {
        if let Some(attempt) = app.current_attempt() {
            containers_pending += state.scheduler.outstanding(attempt.id);
        }
    }
    let percent = |part: i64, whole: i64| {
        if whole > 0 {
            (part * 100 / whole) as i32
        } else {
            0
        }
    };
    json!({
        "appsSubmitted": state.apps.len(),
        "appsCompleted": count_apps(AppState::Finished),
        "appsPending": count_apps(AppState::Submitted) + count_apps(AppState::Accepted),
        "appsRunning": count_apps(AppState::Running),
        "appsFailed": count_apps(AppState::Failed),
        "appsKilled": count_apps(AppState::Killed),
        "reservedMB": 0,
        "availableMB": total.memory_mb - used.memory_mb,
        "allocatedMB": used.memory_mb,
        "totalMB": total.memory_mb,
        "reservedVirtualCores": 0,
        "availableVirtualCores": total.vcores - used.vcores,
        "allocatedVirtualCores": used.vcores,
        "totalVirtualCores": total.vcores,
        "containersAllocated": state.usage().live_count(),
        "containersReserved": 0,
        "containersPending": containers_pending,
        "utilizedMBPercent": percent(used.memory_mb, total.memory_mb),
        "utilizedVirtualCoresPercent": percent(i64::from(used.vcores), i64::from(total.vcores)),
        "totalNodes": state.nodes.len(),
        "activeNodes": count_nodes(NodeState::Running),
        "lostNodes": count_nodes(NodeState::Lost),
        "unhealthyNodes": count_nodes(NodeState::Unhealthy),
        "decommissioningNodes": 0,
        "decommissionedNodes": count_nodes(NodeState::Decommissioned),
        "rebootedNodes": 0,
        "shutdownNodes": 0,
        "totalUsedResourcesAcrossPartition": {"memory": used.memory_mb, "vCores": used.vcores},
        "totalClusterResourcesAcrossPartition": {"memory": total.memory_mb, "vCores": total.vcores},
    })
}
