//! `/ws/v1/cluster/scheduler`: the capacity scheduler's queue tree as
//! Hadoop's CapacitySchedulerInfo and CapacitySchedulerQueueInfo
//! (capacities in percent, usage of now).

use common::rest::{RestResult, ok};
use serde_json::{Map, Value, json};

use crate::scheduler::Resource;
use crate::state::{App, AppState, RmState};

fn resource(resource: Resource) -> Value {
    json!({"memory": resource.memory_mb, "vCores": resource.vcores})
}

fn percent(part: i64, whole: f64) -> f64 {
    if whole > 0.0 {
        part as f64 * 100.0 / whole
    } else {
        0.0
    }
}

/// The applications not yet ended whose leaf is `index` or under it.
fn live_apps_under(state: &RmState, index: usize) -> Vec<&App> {
    let queues = state.scheduler.queues();
    state
        .apps
        .values()
        .filter(|app| !app.state.is_final())
        .filter(|app| {
            let mut at = queues.find(&app.submission.queue);
            while let Some(current) = at {
                if current == index {
                    return true;
                }
                at = queues.get(current).parent;
            }
            false
        })
        .collect()
}

fn queue_info(state: &RmState, index: usize) -> Value {
    let queues = state.scheduler.queues();
    let queue = queues.get(index);
    let cluster_mb = state.scheduler.cluster_resource().memory_mb as f64;
    let apps = live_apps_under(state, index);
    let mut info = Map::new();
    let fields = json!({
        "queuePath": queue.path,
        "queueName": queue.name,
        "state": "RUNNING",
        "capacity": queue.capacity,
        "usedCapacity": percent(queue.used.memory_mb, queue.absolute_capacity * cluster_mb),
        "maxCapacity": queue.maximum_capacity,
        "absoluteCapacity": queue.absolute_capacity * 100.0,
        "absoluteMaxCapacity": queue.absolute_maximum_capacity * 100.0,
        "absoluteUsedCapacity": percent(queue.used.memory_mb, cluster_mb),
        "numApplications": apps.len(),
        "usedResources": format!("<memory:{}, vCores:{}>", queue.used.memory_mb, queue.used.vcores),
        "resourcesUsed": resource(queue.used),
    });
    if let Value::Object(fields) = fields {
        info.extend(fields);
    }
    if !queue.is_leaf() {
        let children: Vec<Value> = queue
            .children
            .iter()
            .map(|child| queue_info(state, *child))
            .collect();
        info.insert("queues".to_string(), json!({"queue": children}));
        return Value::Object(info);
    }
    let running = |apps: &[&App]| {
        apps.iter()
            .filter(|app| app.state == AppState::Running)
            .count()
    };
    let mut users: Vec<Value> = queue
        .used_by_user
        .iter()
        .map(|(user, used)| {
            let mine: Vec<&App> = apps
                .iter()
                .copied()
                .filter(|app| &app.submission.user == user)
                .collect();
            json!({
                "username": user,
                "resourcesUsed": resource(*used),
                "numActiveApplications": running(&mine),
                "numPendingApplications": mine.len() - running(&mine),
            })
        })
        .collect();
    users.sort_by(|a, b| a["username"].as_str().cmp(&b["username"].as_str()));
    let leaf_fields = json!({
        "type": "capacitySchedulerLeafQueueInfo",
        "numActiveApplications": running(&apps),
        "numPendingApplications": apps.len() - running(&apps),
        "numContainers": queue.num_containers,
        "userLimitFactor": queue.user_limit_factor,
        "users": {"user": users},
    });
    if let Value::Object(fields) = leaf_fields {
        info.extend(fields);
    }
    Value::Object(info)
}

pub fn scheduler(state: &RmState) -> RestResult {
    ok(json!({"scheduler": {"schedulerInfo": scheduler_info(state)}}))
}

/// The CapacitySchedulerInfo object itself: the queue tree (the REST answer and the
/// web pages show it).
pub fn scheduler_info(state: &RmState) -> Value {
    let queues = state.scheduler.queues();
    let root = queues.get(0);
    let cluster_mb = state.scheduler.cluster_resource().memory_mb as f64;
    let children: Vec<Value> = root
        .children
        .iter()
        .map(|child| queue_info(state, *child))
        .collect();
    json!({
        "type": "capacityScheduler",
        "capacity": root.capacity,
        "usedCapacity": percent(root.used.memory_mb, cluster_mb),
        "maxCapacity": root.maximum_capacity,
        "queueName": root.name,
        "queuePath": root.path,
        "queues": {"queue": children},
    })
}
