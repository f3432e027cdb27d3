//! Job history: at the end of a job the AM writes its final report to
//! `mapreduce.jobhistory.done-dir/<job>.jhist` (a JobReport message) and the
//! job's configuration beside it as `<job>_conf.xml`; `mapred job -status`
//! and the job client read them once the AM is gone. The report's
//! `history` field holds what the history server's REST API serves beyond
//! it: every task and attempt, the job's own counters, the AM attempts and
//! the configuration. Files written before that field existed still load,
//! with no tasks.

use common::ExceptionKind;
use prost::Message;
use proto::mapreduce as pb;

use crate::Error;
use crate::dfs_io::Dfs;
use crate::ids::TaskType;
use crate::yarn::appmaster::{AttemptSnapshot, JobSnapshot, TaskSnapshot};
use crate::yarn::staging::write_small_file;
use crate::yarn::wire::{counters_from_proto, counters_to_proto};

/// Hadoop's TaskState names a [`TaskSnapshot`] can carry.
const TASK_STATES: &[&str] = &[
    "NEW",
    "SCHEDULED",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "KILLED",
];
/// Hadoop's TaskAttemptState names an [`AttemptSnapshot`] can carry.
const ATTEMPT_STATES: &[&str] = &["STARTING", "RUNNING", "SUCCEEDED", "FAILED", "KILLED"];

/// `<done>/<job>.jhist`.
pub fn history_file(done_dir: &str, job_id: &str) -> String {
    format!("{}/{job_id}.jhist", done_dir.trim_end_matches('/'))
}

/// `<done>/<job>_conf.xml`.
pub fn conf_file(done_dir: &str, job_id: &str) -> String {
    format!("{}/{job_id}_conf.xml", done_dir.trim_end_matches('/'))
}

/// Writes the final report and the job's configuration.
pub(crate) fn write(
    dfs: &Dfs,
    done_dir: &str,
    report: &pb::JobReport,
    conf_xml: &str,
) -> Result<(), Error> {
    let done = done_dir.trim_end_matches('/');
    write_small_file(dfs, &conf_file(done, &report.job_id), conf_xml.as_bytes())?;
    write_small_file(
        dfs,
        &history_file(done, &report.job_id),
        &report.encode_to_vec(),
    )
}

/// The final report of a finished job; None when there is no history.
pub async fn read(
    client: &client::DfsClient,
    done_dir: &str,
    job_id: &str,
) -> Result<Option<pb::JobReport>, Error> {
    let path = history_file(done_dir, job_id);
    let mut reader = match client.open(&path).await {
        Ok(reader) => reader,
        Err(error) if error.kind == ExceptionKind::FileNotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).await?;
    pb::JobReport::decode(bytes.as_slice())
        .map(Some)
        .map_err(|error| Error::Corrupt(format!("{path}: {error}")))
}

/// The history record of a job's tasks and counters, its AM `am_attempts`
/// and its configuration.
pub(crate) fn details(
    snapshot: &JobSnapshot,
    am_attempts: Vec<pb::AmAttemptHistory>,
    conf: Vec<pb::ConfProperty>,
) -> pb::JobHistoryDetails {
    let tasks = snapshot
        .maps
        .iter()
        .chain(&snapshot.reduces)
        .map(task_to_proto)
        .collect();
    pb::JobHistoryDetails {
        tasks,
        job_counters: counters_to_proto(&snapshot.job_counters),
        am_attempts,
        conf,
    }
}

fn task_to_proto(task: &TaskSnapshot) -> pb::TaskHistory {
    pb::TaskHistory {
        id: task.id.to_string(),
        state: task.state.to_string(),
        progress: task.progress,
        start_time: task.start_time,
        finish_time: task.finish_time,
        successful_attempt: task.successful_attempt.clone().unwrap_or_default(),
        attempts: task.attempts.iter().map(attempt_to_proto).collect(),
    }
}

fn attempt_to_proto(attempt: &AttemptSnapshot) -> pb::AttemptHistory {
    pb::AttemptHistory {
        id: attempt.id.to_string(),
        state: attempt.state.to_string(),
        progress: attempt.progress,
        start_time: attempt.start_time,
        finish_time: attempt.finish_time,
        node_http_address: attempt.node_http_address.clone(),
        rack: attempt.rack.clone(),
        container_id: attempt.container_id.clone(),
        diagnostics: attempt.diagnostics.clone(),
        counters: counters_to_proto(&attempt.counters),
    }
}

/// The job's tasks as the AM last saw them, from its history record. A
/// file written before tasks were recorded has none, and its report's
/// counters stand as the job's own (totals without a map/reduce split).
pub(crate) fn snapshot(report: &pb::JobReport) -> Result<JobSnapshot, Error> {
    let mut snapshot = JobSnapshot::default();
    let Some(details) = &report.history else {
        snapshot.job_counters = counters_from_proto(&report.counters);
        return Ok(snapshot);
    };
    snapshot.job_counters = counters_from_proto(&details.job_counters);
    for task in &details.tasks {
        let task = task_from_proto(task)?;
        match task.id.task_type() {
            TaskType::Map => snapshot.maps.push(task),
            TaskType::Reduce => snapshot.reduces.push(task),
        }
    }
    for tasks in [&mut snapshot.maps, &mut snapshot.reduces] {
        tasks.sort_by_key(|task| task.id.index());
    }
    Ok(snapshot)
}

/// `name` as one of `known`, or why the file is corrupt.
fn state_name(known: &[&'static str], name: &str) -> Result<&'static str, Error> {
    known
        .iter()
        .find(|candidate| **candidate == name)
        .copied()
        .ok_or_else(|| Error::Corrupt(format!("unknown state in the job history: {name}")))
}

fn task_from_proto(task: &pb::TaskHistory) -> Result<TaskSnapshot, Error> {
    let mut attempts = Vec::with_capacity(task.attempts.len());
    for attempt in &task.attempts {
        attempts.push(attempt_from_proto(attempt)?);
    }
    Ok(TaskSnapshot {
        id: task
            .id
            .parse()
            .map_err(|_| Error::Corrupt(format!("bad task id in the job history: {}", task.id)))?,
        state: state_name(TASK_STATES, &task.state)?,
        progress: task.progress,
        start_time: task.start_time,
        finish_time: task.finish_time,
        successful_attempt: Some(task.successful_attempt.clone())
            .filter(|attempt| !attempt.is_empty()),
        attempts,
    })
}

fn attempt_from_proto(attempt: &pb::AttemptHistory) -> Result<AttemptSnapshot, Error> {
    Ok(AttemptSnapshot {
        id: attempt.id.parse().map_err(|_| {
            Error::Corrupt(format!("bad attempt id in the job history: {}", attempt.id))
        })?,
        state: state_name(ATTEMPT_STATES, &attempt.state)?,
        progress: attempt.progress,
        start_time: attempt.start_time,
        finish_time: attempt.finish_time,
        node_http_address: attempt.node_http_address.clone(),
        rack: attempt.rack.clone(),
        container_id: attempt.container_id.clone(),
        diagnostics: attempt.diagnostics.clone(),
        counters: counters_from_proto(&attempt.counters),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counters::{Counters, JOB_GROUP, TASK_GROUP};
    use crate::ids::TaskId;

    const JOB: &str = "job_1700000000000_0001";

    fn sample() -> JobSnapshot {
        let map = TaskId::new(JOB, TaskType::Map, 0);
        let mut counters = Counters::new();
        counters.increment(TASK_GROUP, "MAP_INPUT_RECORDS", 7);
        let failed = AttemptSnapshot {
            id: map.attempt(0),
            state: "FAILED",
            progress: 0.5,
            start_time: 1_000,
            finish_time: 2_000,
            node_http_address: "h1:8042".to_string(),
            rack: "/r1".to_string(),
            container_id: "container_1700000000000_0001_01_000002".to_string(),
            diagnostics: "boom".to_string(),
            counters: Counters::new(),
        };
        let succeeded = AttemptSnapshot {
            id: map.attempt(1),
            state: "SUCCEEDED",
            progress: 1.0,
            start_time: 2_000,
            finish_time: 3_000,
            diagnostics: String::new(),
            counters,
            ..failed.clone()
        };
        let mut job_counters = Counters::new();
        job_counters.increment(JOB_GROUP, "TOTAL_LAUNCHED_MAPS", 2);
        JobSnapshot {
            maps: vec![TaskSnapshot {
                successful_attempt: Some(map.attempt(1).to_string()),
                id: map,
                state: "SUCCEEDED",
                progress: 1.0,
                start_time: 1_000,
                finish_time: 3_000,
                attempts: vec![failed, succeeded],
            }],
            reduces: vec![TaskSnapshot {
                id: TaskId::new(JOB, TaskType::Reduce, 0),
                state: "NEW",
                progress: 0.0,
                start_time: 0,
                finish_time: 0,
                successful_attempt: None,
                attempts: Vec::new(),
            }],
            job_counters,
        }
    }

    #[test]
    fn tasks_round_trip_through_the_history_file() {
        let original = sample();
        let report = pb::JobReport {
            job_id: JOB.to_string(),
            history: Some(details(&original, Vec::new(), Vec::new())),
            ..Default::default()
        };
        let decoded = pb::JobReport::decode(report.encode_to_vec().as_slice()).unwrap();
        let loaded = snapshot(&decoded).unwrap();
        assert_eq!(format!("{loaded:?}"), format!("{original:?}"));
        assert_eq!(
            loaded
                .counters_of(TaskType::Map)
                .get(TASK_GROUP, "MAP_INPUT_RECORDS"),
            7
        );
    }

    #[test]
    fn files_without_tasks_still_load() {
        let old = pb::JobReport {
            job_id: JOB.to_string(),
            state: "SUCCEEDED".to_string(),
            counters: vec![pb::Counter {
                group: TASK_GROUP.to_string(),
                name: "MAP_INPUT_RECORDS".to_string(),
                value: 7,
            }],
            ..Default::default()
        };
        let decoded = pb::JobReport::decode(old.encode_to_vec().as_slice()).unwrap();
        let loaded = snapshot(&decoded).unwrap();
        assert!(loaded.maps.is_empty() && loaded.reduces.is_empty());
        assert_eq!(loaded.job_counters.get(TASK_GROUP, "MAP_INPUT_RECORDS"), 7);
    }

    #[test]
    fn unknown_states_are_corrupt() {
        let mut record = details(&sample(), Vec::new(), Vec::new());
        record.tasks[0].state = "EXPLODED".to_string();
        let report = pb::JobReport {
            history: Some(record),
            ..Default::default()
        };
        assert!(matches!(
            snapshot(&report),
            Err(Error::Corrupt(message)) if message.contains("EXPLODED")
        ));
    }
}
