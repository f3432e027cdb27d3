//! A snapshot of the job for the AM's REST API: every task and attempt
//! with Hadoop's state names and times since the epoch. Taken under the
//! state lock, rendered after it is released.

use std::time::Instant;

use crate::counters::Counters;
use crate::ids::{TaskAttemptId, TaskId, TaskType};
use crate::yarn::appmaster::job::{Attempt, AttemptState, JobState, Task};

/// One attempt as Hadoop's TaskAttemptInfo describes it.
#[derive(Clone, Debug)]
pub(crate) struct AttemptSnapshot {
    pub id: TaskAttemptId,
    /// Hadoop's TaskAttemptState name (STARTING while it waits for a container).
    pub state: &'static str,
    /// 0.0 to 1.0.
    pub progress: f32,
    /// Milliseconds since the epoch, 0 when not started / not finished.
    pub start_time: i64,
    pub finish_time: i64,
    pub node_http_address: String,
    pub rack: String,
    pub container_id: String,
    pub diagnostics: String,
    pub counters: Counters,
}

/// One task as Hadoop's TaskInfo describes it.
#[derive(Clone, Debug)]
pub(crate) struct TaskSnapshot {
    pub id: TaskId,
    /// Hadoop's TaskState name.
    pub state: &'static str,
    /// 0.0 to 1.0.
    pub progress: f32,
    pub start_time: i64,
    pub finish_time: i64,
    pub successful_attempt: Option<String>,
    pub attempts: Vec<AttemptSnapshot>,
}

impl TaskSnapshot {
    /// The counters of its successful attempt (none before it succeeded).
    pub fn counters(&self) -> Counters {
        self.successful_attempt
            .as_ref()
            .and_then(|id| {
                self.attempts
                    .iter()
                    .find(|attempt| attempt.id.to_string() == *id)
            })
            .map(|attempt| attempt.counters.clone())
            .unwrap_or_default()
    }
}

/// Every task of the job, maps then reduces.
#[derive(Clone, Debug, Default)]
pub(crate) struct JobSnapshot {
    pub maps: Vec<TaskSnapshot>,
    pub reduces: Vec<TaskSnapshot>,
    /// The job's own counters (launched maps, locality, failures).
    pub job_counters: Counters,
}

impl JobSnapshot {
    pub fn tasks(&self, kind: TaskType) -> &[TaskSnapshot] {
        match kind {
            TaskType::Map => &self.maps,
            TaskType::Reduce => &self.reduces,
        }
    }

    /// The task named `id`, if the job has it.
    pub fn task(&self, id: &str) -> Option<&TaskSnapshot> {
        let id: TaskId = id.parse().ok()?;
        self.tasks(id.task_type())
            .get(id.index() as usize)
            .filter(|task| task.id == id)
    }

    /// Counters of the successful attempts of one kind.
    pub fn counters_of(&self, kind: TaskType) -> Counters {
        let mut total = Counters::new();
        for task in self.tasks(kind) {
            total.merge(&task.counters());
        }
        total
    }
}

/// Milliseconds since the epoch of `instant`, seen at `now_millis`.
fn epoch_millis(now_millis: i64, instant: Option<Instant>) -> i64 {
    instant.map_or(0, |instant| {
        now_millis - instant.elapsed().as_millis() as i64
    })
}

fn attempt_state_name(state: AttemptState) -> &'static str {
    match state {
        AttemptState::Waiting => "STARTING",
        AttemptState::Running => "RUNNING",
        AttemptState::Succeeded => "SUCCEEDED",
        AttemptState::Failed => "FAILED",
        AttemptState::Killed => "KILLED",
    }
}

/// Hadoop's TaskState of a task from its attempts.
fn task_state_name(task: &Task) -> &'static str {
    let any = |state| task.attempts.iter().any(|a| a.state == state);
    if task.succeeded() {
        "SUCCEEDED"
    } else if task.failed {
        "FAILED"
    } else if any(AttemptState::Running) {
        "RUNNING"
    } else if any(AttemptState::Waiting) {
        "SCHEDULED"
    } else if task.attempts.is_empty() {
        "NEW"
    } else {
        "KILLED"
    }
}

impl JobState {
    /// The job's tasks and attempts as they are at `now_millis`.
    pub fn snapshot(&self, now_millis: i64) -> JobSnapshot {
        JobSnapshot {
            maps: self
                .maps
                .iter()
                .map(|t| self.task_snapshot(t, now_millis))
                .collect(),
            reduces: self
                .reduces
                .iter()
                .map(|t| self.task_snapshot(t, now_millis))
                .collect(),
            job_counters: self.job_counters.clone(),
        }
    }

    fn task_snapshot(&self, task: &Task, now_millis: i64) -> TaskSnapshot {
        let attempts: Vec<AttemptSnapshot> = task
            .attempts
            .iter()
            .map(|attempt| self.attempt_snapshot(attempt, now_millis))
            .collect();
        let winner = task.winner.filter(|_| task.succeeded());
        let start_time = attempts
            .iter()
            .map(|attempt| attempt.start_time)
            .filter(|&start| start > 0)
            .min()
            .unwrap_or(0);
        TaskSnapshot {
            id: task.id.clone(),
            state: task_state_name(task),
            progress: task.progress(),
            start_time,
            finish_time: winner.map_or(0, |winner| attempts[winner].finish_time),
            successful_attempt: winner.map(|winner| attempts[winner].id.to_string()),
            attempts,
        }
    }

    fn attempt_snapshot(&self, attempt: &Attempt, now_millis: i64) -> AttemptSnapshot {
        let container = attempt.container.as_ref();
        AttemptSnapshot {
            id: attempt.id.clone(),
            state: attempt_state_name(attempt.state),
            progress: attempt.progress,
            start_time: epoch_millis(now_millis, attempt.started),
            finish_time: epoch_millis(now_millis, attempt.finished),
            node_http_address: container
                .map(|c| c.node_http_address.clone())
                .unwrap_or_default(),
            rack: container
                .and_then(|c| self.racks.get(&c.node_id).cloned())
                .unwrap_or_default(),
            container_id: container
                .map(|c| c.container_id.clone())
                .unwrap_or_default(),
            diagnostics: attempt.diagnostics.clone(),
            counters: attempt.counters.clone(),
        }
    }
}
