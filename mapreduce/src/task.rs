//! What every task attempt runs with, and the ids that name tasks.

use std::path::PathBuf;
use std::sync::Arc;

use common::Configuration;

use crate::Error;
use crate::dfs_io::Dfs;
use crate::job::JobSpec;
use crate::output::{FileOutputCommitter, RecordWriter, part_name};
use crate::settings::JobSettings;

/// A job as its tasks see it.
pub(crate) struct TaskEnv {
    pub job_id: String,
    pub spec: JobSpec,
    pub settings: JobSettings,
    pub conf: Arc<Configuration>,
    pub dfs: Dfs,
    /// This job's directory on local disk (spills, map outputs).
    pub local_dir: PathBuf,
    pub committer: FileOutputCommitter,
}

impl TaskEnv {
    /// Creates the output file `part-{m,r}-NNNNN` of task `index` in the
    /// attempt's directory of the committer.
    pub fn create_part(
        &self,
        attempt_id: &str,
        kind: TaskKind,
        index: usize,
    ) -> Result<RecordWriter, Error> {
        let path = format!(
            "{}/{}",
            self.committer.task_attempt_path(attempt_id),
            part_name(kind == TaskKind::Map, index)
        );
        RecordWriter::create(
            &self.dfs,
            &path,
            self.spec.output_format,
            &self.settings.text_separator,
            self.settings.output_replication,
            self.settings.output_block_size,
        )
    }
}

/// Map or reduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TaskKind {
    Map,
    Reduce,
}

impl TaskKind {
    fn letter(self) -> char {
        match self {
            TaskKind::Map => 'm',
            TaskKind::Reduce => 'r',
        }
    }
}

/// `job_local123_0001` -> `task_local123_0001_m_000004`.
pub(crate) fn task_id(job_id: &str, kind: TaskKind, index: usize) -> String {
    let job = job_id.strip_prefix("job_").unwrap_or(job_id);
    format!("task_{job}_{}_{index:06}", kind.letter())
}

/// `task_..._m_000004` attempt 1 -> `attempt_..._m_000004_1`.
pub(crate) fn attempt_id(task_id: &str, attempt: u32) -> String {
    let task = task_id.strip_prefix("task_").unwrap_or(task_id);
    format!("attempt_{task}_{attempt}")
}

/// What an attempt id names: (job id, kind, task index).
pub(crate) fn parse_attempt_id(attempt_id: &str) -> Option<(String, TaskKind, usize)> {
    let rest = attempt_id.strip_prefix("attempt_")?;
    let mut parts = rest.rsplitn(4, '_');
    let _number: u32 = parts.next()?.parse().ok()?;
    let index: usize = parts.next()?.parse().ok()?;
    let kind = match parts.next()? {
        "m" => TaskKind::Map,
        "r" => TaskKind::Reduce,
        _ => return None,
    };
    Some((format!("job_{}", parts.next()?), kind, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_hadoops() {
        let task = task_id("job_local42_0001", TaskKind::Map, 4);
        assert_eq!(task, "task_local42_0001_m_000004");
        assert_eq!(attempt_id(&task, 1), "attempt_local42_0001_m_000004_1");
        assert_eq!(
            task_id("job_local42_0001", TaskKind::Reduce, 0),
            "task_local42_0001_r_000000"
        );
        assert_eq!(
            parse_attempt_id("attempt_1700_0002_r_000003_1"),
            Some(("job_1700_0002".to_string(), TaskKind::Reduce, 3))
        );
        assert_eq!(parse_attempt_id("attempt_1700_0002_x_000003_1"), None);
        assert_eq!(parse_attempt_id("container_1"), None);
    }
}
