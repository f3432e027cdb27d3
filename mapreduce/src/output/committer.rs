//! FileOutputCommitter, algorithm v1: a task attempt writes under
//! `OUT/_temporary/<app-attempt>/_temporary/<attempt>/`; commitTask renames
//! that to `OUT/_temporary/<app-attempt>/<task>/` (refused when another
//! attempt of the task already committed); commitJob moves each committed
//! task's files into OUT, removes `_temporary` and writes `_SUCCESS`. An
//! aborted job removes `_temporary`, leaving no output behind.

use crate::Error;
use crate::dfs_io::Dfs;

/// Marker written into a successful job's output directory.
pub const SUCCESS_MARKER: &str = "_SUCCESS";
/// Where uncommitted output lives.
pub const TEMP_DIR_NAME: &str = "_temporary";

/// Commits the output of one job attempt.
#[derive(Clone, Debug)]
pub struct FileOutputCommitter {
    output: String,
    app_attempt: u32,
}

impl FileOutputCommitter {
    /// A committer for output directory `output` (absolute) and application attempt `app_attempt`.
    pub fn new(output: &str, app_attempt: u32) -> Self {
        Self {
            output: output.trim_end_matches('/').to_string(),
            app_attempt,
        }
    }

    /// `OUT/_temporary/<app-attempt>`.
    pub fn job_attempt_path(&self) -> String {
        format!("{}/{TEMP_DIR_NAME}/{}", self.output, self.app_attempt)
    }

    /// Where a task attempt writes its files.
    pub fn task_attempt_path(&self, attempt_id: &str) -> String {
        format!("{}/{TEMP_DIR_NAME}/{attempt_id}", self.job_attempt_path())
    }

    /// Where a committed task's files wait for the job commit.
    pub fn committed_task_path(&self, task_id: &str) -> String {
        format!("{}/{task_id}", self.job_attempt_path())
    }

    /// Refuses an existing output directory, then makes the job's temporary dir.
    pub(crate) fn setup_job(&self, dfs: &Dfs) -> Result<(), Error> {
        let exists = dfs.call(async |client| client.get_file_info(&self.output).await)?;
        if exists.is_some() {
            return Err(Error::Config(format!(
                "Output directory {}{} already exists",
                dfs.uri(),
                self.output
            )));
        }
        self.setup_job_attempt(dfs)
    }

    /// Makes this job attempt's temporary dir (a restarted AM's output
    /// directory already holds the earlier attempts' `_temporary`).
    pub(crate) fn setup_job_attempt(&self, dfs: &Dfs) -> Result<(), Error> {
        let path = self.job_attempt_path();
        dfs.call(async |client| {
            let permission = common::FsPermission::default_for(true, client.umask());
            client.mkdirs(&path, permission, true).await
        })?;
        Ok(())
    }

    /// Makes an attempt's output the task's output (needsTaskCommit: only
    /// when the attempt wrote something).
    pub(crate) fn commit_task(
        &self,
        dfs: &Dfs,
        task_id: &str,
        attempt_id: &str,
    ) -> Result<(), Error> {
        let attempt = self.task_attempt_path(attempt_id);
        let committed = self.committed_task_path(task_id);
        dfs.call(async |client| {
            if client.get_file_info(&attempt).await?.is_none() {
                return Ok(());
            }
            if client.get_file_info(&committed).await?.is_some() {
                return Err(common::RemoteException::io(format!(
                    "'{committed}': task {task_id} was already committed by another attempt"
                )));
            }
            client.rename(&attempt, &committed, false, false).await
        })
    }

    /// Discards an attempt's output.
    pub(crate) fn abort_task(&self, dfs: &Dfs, attempt_id: &str) -> Result<(), Error> {
        let attempt = self.task_attempt_path(attempt_id);
        dfs.call(async |client| client.delete(&attempt, true).await)?;
        Ok(())
    }

    /// Moves every committed task's files into the output directory, removes
    /// `_temporary` and writes `_SUCCESS`.
    pub(crate) fn commit_job(&self, dfs: &Dfs) -> Result<(), Error> {
        let job_path = self.job_attempt_path();
        dfs.call(async |client| {
            for task in client.list(&job_path).await? {
                if !task.is_dir || task.name() == TEMP_DIR_NAME {
                    continue;
                }
                for file in client.list(&task.path).await? {
                    let target = format!("{}/{}", self.output, file.name());
                    client.rename(&file.path, &target, false, false).await?;
                }
            }
            client
                .delete(&format!("{}/{TEMP_DIR_NAME}", self.output), true)
                .await?;
            let marker = format!("{}/{SUCCESS_MARKER}", self.output);
            let options = client::CreateOptions {
                permission: common::FsPermission::default_for(false, client.umask()),
                overwrite: true,
                create_parent: false,
                replication: 1,
                block_size: 1 << 20,
            };
            client.create_empty(&marker, &options).await
        })
    }

    /// Removes everything the job wrote.
    pub(crate) fn abort_job(&self, dfs: &Dfs) -> Result<(), Error> {
        let temp = format!("{}/{TEMP_DIR_NAME}", self.output);
        dfs.call(async |client| client.delete(&temp, true).await)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_hadoops_layout() {
        let committer = FileOutputCommitter::new("/out/", 0);
        assert_eq!(committer.job_attempt_path(), "/out/_temporary/0");
        assert_eq!(
            committer.task_attempt_path("attempt_local1_0001_r_000000_0"),
            "/out/_temporary/0/_temporary/attempt_local1_0001_r_000000_0"
        );
        assert_eq!(
            committer.committed_task_path("task_local1_0001_r_000000"),
            "/out/_temporary/0/task_local1_0001_r_000000"
        );
    }
}
