//! The job's files in the DFS: the staging dir the client uploads the job
//! to (`yarn.app.mapreduce.am.staging-dir/<user>/.staging/<job>`), whose
//! files every container localizes, and the history done dir.

use std::io::Read;
use std::path::Path;

use common::Configuration;
use common::conf::ConfError;
use proto::yarn as pb;

use crate::Error;
use crate::dfs_io::Dfs;

/// Where job clients stage jobs.
pub const STAGING_DIR_KEY: &str = common::conf::keys::YARN_APP_MAPREDUCE_AM_STAGING_DIR;
/// Where finished jobs' history files go.
pub const DONE_DIR_KEY: &str = "mapreduce.jobhistory.done-dir";
/// Replication of the staged job files (Hadoop's default: 10, so many
/// NodeManagers localize them from many DataNodes).
pub const SUBMIT_REPLICATION_KEY: &str =
    common::conf::keys::MAPREDUCE_CLIENT_SUBMIT_FILE_REPLICATION;

/// Bytes moved per write while uploading.
const UPLOAD_CHUNK: usize = 1 << 20;

/// `<staging>/<user>/.staging/<job_id>`.
pub(crate) fn staging_dir(
    conf: &Configuration,
    user: &str,
    job_id: &str,
) -> Result<String, ConfError> {
    let staging = conf.get_string(STAGING_DIR_KEY)?;
    Ok(format!(
        "{}/{user}/.staging/{job_id}",
        staging.trim_end_matches('/')
    ))
}

/// `mapreduce.jobhistory.done-dir` (default `<staging>/history/done`).
pub fn done_dir(conf: &Configuration) -> Result<String, ConfError> {
    if let Some(done) = conf.get_trimmed(DONE_DIR_KEY) {
        return Ok(done);
    }
    let staging = conf.get_string(STAGING_DIR_KEY)?;
    Ok(format!("{}/history/done", staging.trim_end_matches('/')))
}

/// Uploads what `source` yields to `path` and describes it as a resource
/// named `name` for the containers.
pub(crate) fn upload(
    dfs: &Dfs,
    mut source: impl Read,
    path: &str,
    replication: u16,
    name: &str,
    executable: bool,
) -> Result<pb::LocalResource, Error> {
    let mut output = dfs.create(path, replication, 128 << 20)?;
    let mut buffer = vec![0; UPLOAD_CHUNK];
    loop {
        let read = source.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        output.write_all(&buffer[..read])?;
    }
    output.close()?;
    let status = dfs
        .call(async |client| client.get_file_info(path).await)?
        .ok_or_else(|| Error::Config(format!("{path}: vanished after upload")))?;
    Ok(pb::LocalResource {
        name: name.to_string(),
        path: path.to_string(),
        size: status.length,
        timestamp: status.modification_time,
        executable,
    })
}

/// Uploads the local file `local`.
pub(crate) fn upload_file(
    dfs: &Dfs,
    local: &Path,
    path: &str,
    replication: u16,
    name: &str,
    executable: bool,
) -> Result<pb::LocalResource, Error> {
    let file = std::fs::File::open(local)
        .map_err(|error| Error::Config(format!("{}: {error}", local.display())))?;
    upload(dfs, file, path, replication, name, executable)
}

/// Writes a small file whole.
pub(crate) fn write_small_file(dfs: &Dfs, path: &str, bytes: &[u8]) -> Result<(), Error> {
    let mut output = dfs.create(path, 3, 128 << 20)?;
    output.write_all(bytes)?;
    output.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_and_done_dirs_follow_hadoop() {
        let mut conf = Configuration::new();
        assert_eq!(
            staging_dir(&conf, "ann", "job_1_0001").unwrap(),
            "/tmp/hadoop-yarn/staging/ann/.staging/job_1_0001"
        );
        assert_eq!(
            done_dir(&conf).unwrap(),
            "/tmp/hadoop-yarn/staging/history/done"
        );
        conf.set(STAGING_DIR_KEY, "/stage/");
        assert_eq!(done_dir(&conf).unwrap(), "/stage/history/done");
        conf.set(DONE_DIR_KEY, "/done");
        assert_eq!(done_dir(&conf).unwrap(), "/done");
    }
}
