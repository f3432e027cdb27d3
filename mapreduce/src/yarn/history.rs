//! Job history: at the end of a job the AM writes its final report to
//! `mapreduce.jobhistory.done-dir/<job>.jhist` (a JobReport message) and the
//! job's configuration beside it as `<job>_conf.xml`; `mapred job -status`
//! and the job client read them once the AM is gone.

use common::ExceptionKind;
use prost::Message;
use proto::mapreduce as pb;

use crate::Error;
use crate::dfs_io::Dfs;
use crate::yarn::staging::write_small_file;

/// `<done>/<job>.jhist`.
pub fn history_file(done_dir: &str, job_id: &str) -> String {
    format!("{}/{job_id}.jhist", done_dir.trim_end_matches('/'))
}

/// Writes the final report and the job's configuration.
pub(crate) fn write(
    dfs: &Dfs,
    done_dir: &str,
    report: &pb::JobReport,
    conf_xml: &str,
) -> Result<(), Error> {
    let done = done_dir.trim_end_matches('/');
    write_small_file(
        dfs,
        &format!("{done}/{}_conf.xml", report.job_id),
        conf_xml.as_bytes(),
    )?;
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
