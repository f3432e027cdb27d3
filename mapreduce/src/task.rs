//! What every task attempt runs with.

use std::path::PathBuf;
use std::sync::Arc;

use common::Configuration;

use crate::Error;
use crate::dfs_io::Dfs;
use crate::ids::TaskType;
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
        task_type: TaskType,
        index: usize,
    ) -> Result<RecordWriter, Error> {
        let path = format!(
            "{}/{}",
            self.committer.task_attempt_path(attempt_id),
            part_name(task_type == TaskType::Map, index)
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
