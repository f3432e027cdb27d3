//! Hadoop's MapReduce web-service documents (JobInfo, JobCounterInfo,
//! TaskInfo, TaskAttemptInfo, their counters) built from a job report and a
//! [`JobSnapshot`]: the AM's REST API renders them from the running job,
//! the history server's from the job history, so both name fields alike;
//! the job pages ([`crate::yarn::jobpages`]) show the same tallies, averages
//! and counter rows.
//! Pure: no locks, no I/O.

use common::rest::{RestError, param};
use proto::mapreduce as pb;
use serde_json::{Value, json};

use crate::counters::{Counters, JOB_GROUP};
use crate::ids::TaskType;
use crate::yarn::appmaster::{AttemptSnapshot, JobSnapshot, TaskSnapshot};

/// Hadoop's `Times.elapsed`: finish - start once finished, now - start
/// while running, -1 before it started.
pub fn elapsed(start: i64, finish: i64, now: i64) -> i64 {
    if start <= 0 {
        return -1;
    }
    if finish > 0 {
        return (finish - start).max(-1);
    }
    now - start
}

/// Hadoop's TaskType names.
fn type_name(kind: TaskType) -> &'static str {
    match kind {
        TaskType::Map => "MAP",
        TaskType::Reduce => "REDUCE",
    }
}

/// Tasks and attempts of one kind counted as Hadoop's JobInfo does.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub pending: usize,
    pub running: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub killed: usize,
    pub new_attempts: usize,
    pub running_attempts: usize,
    pub failed_attempts: usize,
    pub killed_attempts: usize,
    pub successful_attempts: usize,
}

/// The tasks of one kind and their attempts, counted by state.
pub(crate) fn tally(tasks: &[TaskSnapshot]) -> Tally {
    let mut tally = Tally::default();
    for task in tasks {
        match task.state {
            "NEW" | "SCHEDULED" => tally.pending += 1,
            "RUNNING" => tally.running += 1,
            "SUCCEEDED" => tally.succeeded += 1,
            "FAILED" => tally.failed += 1,
            "KILLED" => tally.killed += 1,
            _ => {}
        }
        for attempt in &task.attempts {
            match attempt.state {
                "STARTING" => tally.new_attempts += 1,
                "RUNNING" => tally.running_attempts += 1,
                "FAILED" => tally.failed_attempts += 1,
                "KILLED" => tally.killed_attempts += 1,
                "SUCCEEDED" => tally.successful_attempts += 1,
                _ => {}
            }
        }
    }
    tally
}

/// Hadoop's JobInfo of the AM.
pub fn job_info(report: &pb::JobReport, snapshot: &JobSnapshot, now: i64) -> Value {
    let maps = tally(&snapshot.maps);
    let reduces = tally(&snapshot.reduces);
    json!({
        "submitTime": report.start_time,
        "startTime": report.start_time,
        "finishTime": report.finish_time,
        "elapsedTime": elapsed(report.start_time, report.finish_time, now),
        "id": report.job_id,
        "name": report.job_name,
        "user": report.user,
        "queue": report.queue,
        "state": report.state,
        "mapsTotal": report.total_maps,
        "mapsCompleted": report.finished_maps,
        "reducesTotal": report.total_reduces,
        "reducesCompleted": report.finished_reduces,
        "mapProgress": f64::from(report.map_progress) * 100.0,
        "reduceProgress": f64::from(report.reduce_progress) * 100.0,
        "mapsPending": maps.pending,
        "mapsRunning": maps.running,
        "reducesPending": reduces.pending,
        "reducesRunning": reduces.running,
        "uberized": false,
        "diagnostics": report.diagnostics,
        "newReduceAttempts": reduces.new_attempts,
        "runningReduceAttempts": reduces.running_attempts,
        "failedReduceAttempts": reduces.failed_attempts,
        "killedReduceAttempts": reduces.killed_attempts,
        "successfulReduceAttempts": reduces.successful_attempts,
        "newMapAttempts": maps.new_attempts,
        "runningMapAttempts": maps.running_attempts,
        "failedMapAttempts": maps.failed_attempts,
        "killedMapAttempts": maps.killed_attempts,
        "successfulMapAttempts": maps.successful_attempts,
        "acls": [],
    })
}

/// Mean elapsed time of the successful attempts of `tasks`, 0 without any.
pub(crate) fn average_successful_time(tasks: &[TaskSnapshot]) -> i64 {
    let times: Vec<i64> = tasks
        .iter()
        .flat_map(|task| &task.attempts)
        .filter(|attempt| attempt.state == "SUCCEEDED")
        .map(|attempt| (attempt.finish_time - attempt.start_time).max(0))
        .collect();
    if times.is_empty() {
        return 0;
    }
    times.iter().sum::<i64>() / times.len() as i64
}

/// Hadoop's JobInfo of the history server. `avgMapTime` is the mean time
/// of the successful map attempts and `avgReduceTime` that of the
/// successful reduce attempts, shuffle and merge included: Tusk's AM keeps
/// no per-phase times of a reduce, so `avgShuffleTime` and `avgMergeTime`
/// are 0.
pub fn history_job_info(report: &pb::JobReport, snapshot: &JobSnapshot) -> Value {
    let maps = tally(&snapshot.maps);
    let reduces = tally(&snapshot.reduces);
    let mut info = history_job_summary(report);
    let details = json!({
        "uberized": false,
        "diagnostics": report.diagnostics,
        "avgMapTime": average_successful_time(&snapshot.maps),
        "avgReduceTime": average_successful_time(&snapshot.reduces),
        "avgShuffleTime": 0,
        "avgMergeTime": 0,
        "failedReduceAttempts": reduces.failed_attempts,
        "killedReduceAttempts": reduces.killed_attempts,
        "successfulReduceAttempts": reduces.successful_attempts,
        "failedMapAttempts": maps.failed_attempts,
        "killedMapAttempts": maps.killed_attempts,
        "successfulMapAttempts": maps.successful_attempts,
        "acls": [],
    });
    if let (Some(info), Value::Object(details)) = (info.as_object_mut(), details) {
        info.extend(details);
    }
    info
}

/// The job summary Hadoop's history `/jobs` list gives, the head of
/// [`history_job_info`].
pub fn history_job_summary(report: &pb::JobReport) -> Value {
    json!({
        "submitTime": report.start_time,
        "startTime": report.start_time,
        "finishTime": report.finish_time,
        "id": report.job_id,
        "name": report.job_name,
        "queue": report.queue,
        "user": report.user,
        "state": report.state,
        "mapsTotal": report.total_maps,
        "mapsCompleted": report.finished_maps,
        "reducesTotal": report.total_reduces,
        "reducesCompleted": report.finished_reduces,
    })
}

/// Groups in first-use order, each with its counters' names.
pub(crate) fn groups(counters: &Counters) -> Vec<(&str, Vec<(&str, u64)>)> {
    let mut groups: Vec<(&str, Vec<(&str, u64)>)> = Vec::new();
    for (group, name, value) in counters.iter() {
        match groups.iter_mut().find(|(known, _)| *known == group) {
            Some((_, names)) => names.push((name, value)),
            None => groups.push((group, vec![(name, value)])),
        }
    }
    groups
}

/// One counter of a job: its total, and its values in the maps and in the reduces.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JobCounter {
    pub name: String,
    pub total: u64,
    pub map: u64,
    pub reduce: u64,
}

/// The job's counters by group, in first-use order: the rows of Hadoop's JobCounterInfo.
pub(crate) fn job_counter_groups(snapshot: &JobSnapshot) -> Vec<(String, Vec<JobCounter>)> {
    let map = snapshot.counters_of(TaskType::Map);
    let reduce = snapshot.counters_of(TaskType::Reduce);
    let mut total = snapshot.job_counters.clone();
    total.merge(&map);
    total.merge(&reduce);
    groups(&total)
        .into_iter()
        .map(|(group, names)| {
            // Job counters belong to the job, not to a task kind.
            let of_tasks = group != JOB_GROUP;
            let counters = names
                .into_iter()
                .map(|(name, value)| JobCounter {
                    name: name.to_string(),
                    total: value,
                    map: if of_tasks { map.get(group, name) } else { 0 },
                    reduce: if of_tasks { reduce.get(group, name) } else { 0 },
                })
                .collect();
            (group.to_string(), counters)
        })
        .collect()
}

/// Hadoop's JobCounterInfo: each counter's total, map and reduce values.
pub fn job_counters(job_id: &str, snapshot: &JobSnapshot) -> Value {
    let groups: Vec<Value> = job_counter_groups(snapshot)
        .into_iter()
        .map(|(group, counters)| {
            let counters: Vec<Value> = counters
                .into_iter()
                .map(|counter| {
                    json!({
                        "name": counter.name,
                        "totalCounterValue": counter.total,
                        "mapCounterValue": counter.map,
                        "reduceCounterValue": counter.reduce,
                    })
                })
                .collect();
            json!({"counterGroupName": group, "counter": counters})
        })
        .collect();
    json!({"jobCounters": {"id": job_id, "counterGroup": groups}})
}

/// Hadoop's ConfInfo: the job's configuration file `path` and its `properties`.
pub fn conf_info(path: &str, properties: &[pb::ConfProperty]) -> Value {
    let properties: Vec<Value> = properties
        .iter()
        .map(|property| {
            json!({
                "name": property.name,
                "value": property.value,
                "source": [property.source],
            })
        })
        .collect();
    json!({"conf": {"path": path, "property": properties}})
}

/// The NodeManager's page of a container's logs (Hadoop's `containerlogs` link).
pub fn container_logs_url(node_http_address: &str, container_id: &str, user: &str) -> String {
    format!("http://{node_http_address}/node/containerlogs/{container_id}/{user}")
}

/// Hadoop's AMAttemptsInfo: the job's MRAppMaster attempts, run by `user`.
pub fn am_attempts_info(attempts: &[pb::AmAttemptHistory], user: &str) -> Value {
    let attempts: Vec<Value> = attempts
        .iter()
        .map(|attempt| {
            json!({
                "id": attempt.id,
                "nodeId": attempt.node_id,
                "nodeHttpAddress": attempt.node_http_address,
                "containerId": attempt.container_id,
                "startTime": attempt.start_time,
                "logsLink": container_logs_url(
                    &attempt.node_http_address,
                    &attempt.container_id,
                    user,
                ),
            })
        })
        .collect();
    json!({"jobAttempts": {"jobAttempt": attempts}})
}

/// `{root: {id, group_key: [{counterGroupName, counter: [{name, value}]}]}}`,
/// Hadoop's JobTaskCounterInfo and JobTaskAttemptCounterInfo.
fn simple_counters(root: &str, group_key: &str, id: &str, counters: &Counters) -> Value {
    let groups: Vec<Value> = groups(counters)
        .into_iter()
        .map(|(group, names)| {
            let counters: Vec<Value> = names
                .into_iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            json!({"counterGroupName": group, "counter": counters})
        })
        .collect();
    json!({root: {"id": id, group_key: groups}})
}

/// `type=m|r` as Hadoop's `getJobTasks` reads it: the kind to list, or
/// every kind.
pub fn task_type_filter(query: &[(String, String)]) -> Result<Option<TaskType>, RestError> {
    match param(query, "type") {
        None => Ok(None),
        Some("m") => Ok(Some(TaskType::Map)),
        Some("r") => Ok(Some(TaskType::Reduce)),
        Some(_) => Err(RestError::bad_request("tasktype must be either m or r")),
    }
}

/// The task named `task`, or Hadoop's 404.
pub fn find_task<'a>(snapshot: &'a JobSnapshot, task: &str) -> Result<&'a TaskSnapshot, RestError> {
    snapshot
        .task(task)
        .ok_or_else(|| RestError::not_found(format!("task not found with id {task}")))
}

/// The attempt of `task` named `attempt`, or Hadoop's 404.
pub fn find_attempt<'a>(
    task: &'a TaskSnapshot,
    attempt: &str,
) -> Result<&'a AttemptSnapshot, RestError> {
    task.attempts
        .iter()
        .find(|candidate| candidate.id.to_string() == attempt)
        .ok_or_else(|| RestError::not_found(format!("task attempt not found with id {attempt}")))
}

/// Hadoop's TasksInfo: the job's tasks, of kind `only` if given.
pub fn tasks_info(snapshot: &JobSnapshot, only: Option<TaskType>, now: i64) -> Value {
    let tasks: Vec<Value> = snapshot
        .maps
        .iter()
        .chain(&snapshot.reduces)
        .filter(|task| only.is_none_or(|kind| task.id.task_type() == kind))
        .map(|task| task_info(task, now))
        .collect();
    json!({"tasks": {"task": tasks}})
}

/// Hadoop's TaskAttemptsInfo of `task`.
pub fn attempts_info(task: &TaskSnapshot, now: i64) -> Value {
    let attempts: Vec<Value> = task
        .attempts
        .iter()
        .map(|attempt| attempt_info(attempt, now))
        .collect();
    json!({"taskAttempts": {"taskAttempt": attempts}})
}

/// Hadoop's JobTaskCounterInfo of `task` (its successful attempt's).
pub fn task_counters(task: &TaskSnapshot) -> Value {
    simple_counters(
        "jobTaskCounters",
        "taskCounterGroup",
        &task.id.to_string(),
        &task.counters(),
    )
}

/// Hadoop's JobTaskAttemptCounterInfo of `attempt`.
pub fn attempt_counters(attempt: &AttemptSnapshot) -> Value {
    simple_counters(
        "jobTaskAttemptCounters",
        "taskAttemptCounterGroup",
        &attempt.id.to_string(),
        &attempt.counters,
    )
}

/// Hadoop's TaskInfo.
pub fn task_info(task: &TaskSnapshot, now: i64) -> Value {
    json!({
        "startTime": task.start_time,
        "finishTime": task.finish_time,
        "elapsedTime": elapsed(task.start_time, task.finish_time, now),
        "progress": f64::from(task.progress) * 100.0,
        "id": task.id.to_string(),
        "state": task.state,
        "type": type_name(task.id.task_type()),
        "successfulAttempt": task.successful_attempt.clone().unwrap_or_default(),
        "status": "",
    })
}

/// Hadoop's TaskAttemptInfo.
pub fn attempt_info(attempt: &AttemptSnapshot, now: i64) -> Value {
    json!({
        "startTime": attempt.start_time,
        "finishTime": attempt.finish_time,
        "elapsedTime": elapsed(attempt.start_time, attempt.finish_time, now),
        "progress": f64::from(attempt.progress) * 100.0,
        "id": attempt.id.to_string(),
        "rack": attempt.rack,
        "state": attempt.state,
        "status": "",
        "nodeHttpAddress": attempt.node_http_address,
        "diagnostics": attempt.diagnostics,
        "type": type_name(attempt.id.task_type()),
        "assignedContainerId": attempt.container_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counters::TASK_GROUP;
    use crate::ids::TaskId;

    const JOB: &str = "job_1700000000000_0001";

    fn attempt(task: &TaskId, state: &'static str, records: u64) -> AttemptSnapshot {
        let mut counters = Counters::new();
        counters.increment(TASK_GROUP, "SPILLED_RECORDS", records);
        AttemptSnapshot {
            id: task.attempt(0),
            state,
            progress: 0.5,
            start_time: 1_000,
            finish_time: if state == "SUCCEEDED" { 3_000 } else { 0 },
            node_http_address: "h1:8042".to_string(),
            rack: "/r1".to_string(),
            container_id: "container_1700000000000_0001_01_000002".to_string(),
            diagnostics: String::new(),
            counters,
        }
    }

    fn task(kind: TaskType, index: u32, state: &'static str) -> TaskSnapshot {
        let id = TaskId::new(JOB, kind, index);
        let attempt_state = match state {
            "SUCCEEDED" => "SUCCEEDED",
            "SCHEDULED" => "STARTING",
            _ => "RUNNING",
        };
        let attempts = vec![attempt(&id, attempt_state, 10 + u64::from(index))];
        TaskSnapshot {
            successful_attempt: (state == "SUCCEEDED").then(|| id.attempt(0).to_string()),
            id,
            state,
            progress: 1.0,
            start_time: 1_000,
            finish_time: 0,
            attempts,
        }
    }

    fn snapshot() -> JobSnapshot {
        let mut job_counters = Counters::new();
        job_counters.increment(JOB_GROUP, "TOTAL_LAUNCHED_MAPS", 2);
        JobSnapshot {
            maps: vec![
                task(TaskType::Map, 0, "SUCCEEDED"),
                task(TaskType::Map, 1, "RUNNING"),
            ],
            reduces: vec![task(TaskType::Reduce, 0, "SCHEDULED")],
            job_counters,
        }
    }

    #[test]
    fn elapsed_follows_hadoops_times() {
        assert_eq!(elapsed(0, 0, 5_000), -1);
        assert_eq!(elapsed(1_000, 0, 5_000), 4_000);
        assert_eq!(elapsed(1_000, 3_000, 5_000), 2_000);
        assert_eq!(elapsed(3_000, 1_000, 5_000), -1);
    }

    #[test]
    fn job_info_counts_tasks_and_attempts() {
        let report = pb::JobReport {
            job_id: JOB.to_string(),
            state: "RUNNING".to_string(),
            start_time: 1_000,
            map_progress: 0.75,
            total_maps: 2,
            finished_maps: 1,
            total_reduces: 1,
            ..Default::default()
        };
        let info = job_info(&report, &snapshot(), 5_000);
        assert_eq!(info["elapsedTime"], 4_000);
        assert_eq!(info["mapProgress"], 75.0);
        assert_eq!(info["mapsRunning"], 1);
        assert_eq!(info["mapsPending"], 0);
        assert_eq!(info["reducesPending"], 1);
        assert_eq!(info["successfulMapAttempts"], 1);
        assert_eq!(info["runningMapAttempts"], 1);
        assert_eq!(info["newReduceAttempts"], 1);
        assert_eq!(info["uberized"], false);
    }

    #[test]
    fn history_job_info_averages_successful_attempts() {
        let report = pb::JobReport {
            job_id: JOB.to_string(),
            state: "SUCCEEDED".to_string(),
            start_time: 1_000,
            finish_time: 9_000,
            total_maps: 2,
            ..Default::default()
        };
        let mut snapshot = snapshot();
        // A second successful map of 4 s beside the first one's 2 s.
        snapshot.maps[1].attempts[0].state = "SUCCEEDED";
        snapshot.maps[1].attempts[0].finish_time = 5_000;
        let info = history_job_info(&report, &snapshot);
        assert_eq!(info["avgMapTime"], 3_000);
        assert_eq!(info["avgReduceTime"], 0);
        assert_eq!(info["avgShuffleTime"], 0);
        assert_eq!(info["successfulMapAttempts"], 2);
        assert_eq!(info["finishTime"], 9_000);
        assert!(info.get("mapProgress").is_none());
    }

    #[test]
    fn job_counters_split_map_and_reduce_values() {
        let document = job_counters(JOB, &snapshot());
        let groups = document["jobCounters"]["counterGroup"].as_array().unwrap();
        let find = |group: &str, name: &str| {
            groups
                .iter()
                .find(|g| g["counterGroupName"] == group)
                .and_then(|g| {
                    g["counter"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|c| c["name"] == name)
                        .cloned()
                })
                .unwrap()
        };
        // Only the succeeded map's attempt counts.
        let spilled = find(TASK_GROUP, "SPILLED_RECORDS");
        assert_eq!(spilled["totalCounterValue"], 10);
        assert_eq!(spilled["mapCounterValue"], 10);
        assert_eq!(spilled["reduceCounterValue"], 0);
        let launched = find(JOB_GROUP, "TOTAL_LAUNCHED_MAPS");
        assert_eq!(launched["totalCounterValue"], 2);
        assert_eq!(launched["mapCounterValue"], 0);
    }

    #[test]
    fn tasks_and_attempts_use_hadoops_names() {
        let snapshot = snapshot();
        let info = task_info(&snapshot.maps[0], 5_000);
        assert_eq!(info["type"], "MAP");
        assert_eq!(info["state"], "SUCCEEDED");
        assert_eq!(info["progress"], 100.0);
        assert_eq!(
            info["successfulAttempt"],
            snapshot.maps[0].attempts[0].id.to_string()
        );
        let attempt = attempt_info(&snapshot.reduces[0].attempts[0], 5_000);
        assert_eq!(attempt["type"], "REDUCE");
        assert_eq!(attempt["state"], "STARTING");
        assert_eq!(attempt["progress"], 50.0);
        assert_eq!(attempt["rack"], "/r1");
        let counters = simple_counters(
            "jobTaskCounters",
            "taskCounterGroup",
            "task_x",
            &snapshot.maps[0].counters(),
        );
        assert_eq!(
            counters["jobTaskCounters"]["taskCounterGroup"][0]["counter"][0]["value"],
            10
        );
    }
}
