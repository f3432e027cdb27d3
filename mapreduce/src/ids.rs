//! The ids that name a job's tasks and their attempts, in Hadoop's forms:
//! `task_<identifier>_<job>_m_000003` and
//! `attempt_<identifier>_<job>_m_000003_0`, where `<identifier>_<job>` is
//! the job id without its `job_` prefix (`1700000000000_0001` on YARN,
//! `local42_0001` in the local runner).

use std::fmt;
use std::str::FromStr;

/// Map or reduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskType {
    Map,
    Reduce,
}

impl TaskType {
    /// The letter that stands for the type in ids (`m`, `r`).
    pub fn letter(self) -> char {
        match self {
            TaskType::Map => 'm',
            TaskType::Reduce => 'r',
        }
    }

    fn from_letter(letter: &str) -> Option<Self> {
        match letter {
            "m" => Some(TaskType::Map),
            "r" => Some(TaskType::Reduce),
            _ => None,
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskType::Map => "map",
            TaskType::Reduce => "reduce",
        })
    }
}

/// A text that is not the id it was read as.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a {kind} id: '{text}'")]
pub struct IdParseError {
    /// `task` or `task attempt`.
    pub kind: &'static str,
    pub text: String,
}

/// One task of a job.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// The job id without `job_`: `<identifier>_<sequence>`.
    job: String,
    task_type: TaskType,
    index: u32,
}

impl TaskId {
    /// Task `index` of type `task_type` of job `job_id` (`job_...`; a job
    /// id without the prefix is taken as it is).
    pub fn new(job_id: &str, task_type: TaskType, index: u32) -> Self {
        Self {
            job: job_id.strip_prefix("job_").unwrap_or(job_id).to_string(),
            task_type,
            index,
        }
    }

    /// The job's id, `job_<identifier>_<sequence>`.
    pub fn job_id(&self) -> String {
        format!("job_{}", self.job)
    }

    pub fn task_type(&self) -> TaskType {
        self.task_type
    }

    /// The task's index among the job's tasks of its type (a map's split,
    /// a reduce's partition).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Attempt `number` of this task.
    pub fn attempt(&self, number: u32) -> TaskAttemptId {
        TaskAttemptId {
            task: self.clone(),
            number,
        }
    }

    /// Reads `<identifier>_<sequence>_<type>_<index>`.
    fn parse_body(body: &str) -> Option<Self> {
        let mut parts = body.rsplitn(3, '_');
        let index = decimal(parts.next()?)?;
        let task_type = TaskType::from_letter(parts.next()?)?;
        let job = parts.next()?;
        let (identifier, sequence) = job.split_once('_')?;
        (!identifier.is_empty() && !identifier.contains('_') && decimal(sequence).is_some()).then(
            || Self {
                job: job.to_string(),
                task_type,
                index,
            },
        )
    }
}

/// Digits only (Hadoop pads to 6 when it writes them).
fn decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task_{}_{}_{:06}",
            self.job,
            self.task_type.letter(),
            self.index
        )
    }
}

impl FromStr for TaskId {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("task_")
            .and_then(Self::parse_body)
            .ok_or_else(|| IdParseError {
                kind: "task",
                text: text.to_string(),
            })
    }
}

/// One attempt at running a task.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskAttemptId {
    task: TaskId,
    number: u32,
}

impl TaskAttemptId {
    pub fn task(&self) -> &TaskId {
        &self.task
    }

    pub fn task_type(&self) -> TaskType {
        self.task.task_type
    }

    /// The attempt's number among its task's attempts (0 first).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The job's id, `job_<identifier>_<sequence>`.
    pub fn job_id(&self) -> String {
        self.task.job_id()
    }
}

impl fmt::Display for TaskAttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "attempt_{}_{}_{:06}_{}",
            self.task.job,
            self.task.task_type.letter(),
            self.task.index,
            self.number
        )
    }
}

impl FromStr for TaskAttemptId {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("attempt_")
            .and_then(|body| body.rsplit_once('_'))
            .and_then(|(task, number)| {
                Some(TaskAttemptId {
                    task: TaskId::parse_body(task)?,
                    number: decimal(number)?,
                })
            })
            .ok_or_else(|| IdParseError {
                kind: "task attempt",
                text: text.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ids_look_like_hadoops() {
        let task = TaskId::new("job_local42_0001", TaskType::Map, 4);
        assert_eq!(task.to_string(), "task_local42_0001_m_000004");
        assert_eq!(
            task.attempt(1).to_string(),
            "attempt_local42_0001_m_000004_1"
        );
        assert_eq!(
            TaskId::new("job_local42_0001", TaskType::Reduce, 0).to_string(),
            "task_local42_0001_r_000000"
        );
        let attempt: TaskAttemptId = "attempt_1700_0002_r_000003_1".parse().unwrap();
        assert_eq!(attempt.job_id(), "job_1700_0002");
        assert_eq!(attempt.task_type(), TaskType::Reduce);
        assert_eq!(attempt.task().index(), 3);
        assert_eq!(attempt.number(), 1);
        assert_eq!(
            "task_1700000000000_0001_m_000003".parse::<TaskId>(),
            Ok(TaskId::new("job_1700000000000_0001", TaskType::Map, 3))
        );
    }

    #[test]
    fn other_texts_are_refused() {
        for bad in [
            "attempt_1700_0002_x_000003_1",
            "container_1",
            "attempt_1700_0002_m_000003",
            "attempt_1700_0002_m_000003_",
            "attempt_1700_0002_m_-3_0",
            "attempt__0002_m_000003_0",
            "attempt_1700_x_m_000003_0",
            "attempt_../../etc",
            "task_1700_0002_m_000003_0",
        ] {
            let error = bad.parse::<TaskAttemptId>().unwrap_err();
            assert_eq!(error.to_string(), format!("not a task attempt id: '{bad}'"));
        }
        for bad in [
            "task_1700_0002_m",
            "attempt_1700_0002_m_000003",
            "task_a_b_r_1",
        ] {
            assert!(bad.parse::<TaskId>().is_err(), "{bad}");
        }
    }

    fn task_types() -> impl Strategy<Value = TaskType> {
        prop_oneof![Just(TaskType::Map), Just(TaskType::Reduce)]
    }

    proptest! {
        #[test]
        fn attempt_ids_round_trip(
            identifier in "(local)?[0-9]{1,13}",
            sequence in 0u32..100_000,
            task_type in task_types(),
            index in any::<u32>(),
            number in 0u32..1000,
        ) {
            let job_id = format!("job_{identifier}_{sequence:04}");
            let task = TaskId::new(&job_id, task_type, index);
            prop_assert_eq!(task.to_string().parse::<TaskId>(), Ok(task.clone()));
            let attempt = task.attempt(number);
            let text = attempt.to_string();
            prop_assert_eq!(text.parse::<TaskAttemptId>(), Ok(attempt.clone()));
            prop_assert_eq!(attempt.job_id(), job_id);
        }
    }
}
