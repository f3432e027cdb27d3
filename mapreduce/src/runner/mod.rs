//! The job client: reads the command line and configuration, checks the
//! output, computes splits, runs the job (in-process with the local runner
//! until YARN runs them), prints progress and counters, commits or aborts.

mod local;

use std::any::Any;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use client::DfsClient;
use common::Configuration;

use crate::Error;
use crate::counters::Counters;
use crate::dfs_io::{Dfs, absolute_path};
use crate::input::{compute_splits, is_splittable, list_input_files};
use crate::job::Job;
use crate::output::FileOutputCommitter;
use crate::settings::JobSettings;
use crate::task::TaskEnv;

/// A job that succeeded.
#[derive(Debug)]
pub struct JobReport {
    pub job_id: String,
    pub counters: Counters,
}

/// A job that failed, with Hadoop's kind of reason.
#[derive(Debug)]
pub struct JobFailure {
    pub job_id: Option<String>,
    pub reason: String,
    pub counters: Counters,
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for JobFailure {}

/// The configuration (`$HADOOP_CONF_DIR` plus `-D`, `-conf`, `-fs`) and the
/// remaining arguments of this process. Bad generic options print the
/// reason and exit with status 2.
pub fn parse_command_line() -> (Configuration, Vec<String>) {
    let program = program_name();
    let mut conf = match Configuration::load() {
        Ok(conf) => conf,
        Err(error) => {
            eprintln!("{program}: {error}");
            std::process::exit(2);
        }
    };
    match conf.apply_generic_options(std::env::args().skip(1).collect()) {
        Ok(args) => (conf, args),
        Err(error) => {
            eprintln!("{program}: {error}");
            std::process::exit(2);
        }
    }
}

fn program_name() -> String {
    std::env::args()
        .next()
        .and_then(|path| {
            std::path::Path::new(&path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "job".to_string())
}

/// A job binary's whole `main`: configuration and `IN... OUT` from the
/// command line (unless the job names its paths), run, exit 0 on success
/// and 1 on failure.
pub fn run<K, V>(job: Job<K, V>) -> ! {
    let (conf, args) = parse_command_line();
    let mut job = job;
    if !job.has_paths() {
        if args.len() < 2 {
            eprintln!(
                "Usage: {} [generic options] <in> [<in>...] <out>",
                program_name()
            );
            std::process::exit(2);
        }
        let (inputs, output) = args.split_at(args.len() - 1);
        for input in inputs {
            job = job.input(input);
        }
        job = job.output(&output[0]);
    }
    exit_with(&submit(job, &conf))
}

/// Exits 0 for a report, 1 for a failure.
pub fn exit_with<T>(result: &Result<T, JobFailure>) -> ! {
    std::process::exit(if result.is_ok() { 0 } else { 1 })
}

/// Runs `job` with `conf` (plus the job's own settings) and waits for it,
/// printing progress and, at the end, the counters to stderr. Must not be
/// called from inside a tokio runtime (use `spawn_blocking`).
pub fn submit<K, V>(job: Job<K, V>, conf: &Configuration) -> Result<JobReport, JobFailure> {
    let spec = job.spec;
    let mut conf = conf.clone();
    conf.set("mapreduce.job.name", spec.name.clone());
    for (key, value) in &spec.settings {
        conf.set(key, value.clone());
    }
    let failure = |job_id: Option<&str>, reason: String| {
        eprintln!("ERROR mapreduce.Job: {reason}");
        JobFailure {
            job_id: job_id.map(str::to_string),
            reason,
            counters: Counters::new(),
        }
    };
    let settings =
        JobSettings::from_conf(&conf).map_err(|error| failure(None, error.to_string()))?;
    if settings.framework != "local" {
        return Err(failure(
            None,
            format!(
                "mapreduce.framework.name={}: only the local job runner is available in this build",
                settings.framework
            ),
        ));
    }
    let Some(output) = spec.output.clone() else {
        return Err(failure(None, "Output directory not set.".into()));
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| failure(None, format!("cannot start the I/O runtime: {error}")))?;
    let client = {
        let _entered = runtime.enter();
        DfsClient::from_conf(&conf).map_err(|error| failure(None, error.to_string()))?
    };
    let dfs = Dfs::new(client, runtime.handle().clone());
    let job_id = new_job_id();
    let output = absolute_path(&output, dfs.user());
    let inputs: Vec<String> = spec
        .inputs
        .iter()
        .map(|input| absolute_path(input, dfs.user()))
        .collect();
    let committer = FileOutputCommitter::new(&output, 0);
    committer
        .setup_job(&dfs)
        .map_err(|error| failure(None, error.to_string()))?;
    let splits = list_input_files(&dfs, &inputs)
        .map(|files| {
            compute_splits(
                &files,
                settings.split_min_size,
                settings.split_max_size,
                is_splittable(spec.input_format),
            )
        })
        .map_err(|error| {
            let _ = committer.abort_job(&dfs);
            failure(None, error.to_string())
        })?;
    eprintln!(
        "INFO mapreduce.JobSubmitter: number of splits:{}",
        splits.len()
    );
    eprintln!("INFO mapreduce.Job: Running job: {job_id}");
    let local_dir = settings
        .local_dir
        .join(dfs.user())
        .join("jobcache")
        .join(&job_id);
    let env = Arc::new(TaskEnv {
        job_id: job_id.clone(),
        spec,
        settings,
        conf: Arc::new(conf),
        dfs: dfs.clone(),
        local_dir: local_dir.clone(),
        committer: committer.clone(),
    });
    let outcome = local::run_job(&env, splits);
    let _ = std::fs::remove_dir_all(&local_dir);
    let outcome = outcome.and_then(|counters| {
        committer
            .commit_job(&dfs)
            .map(|()| counters.clone())
            .map_err(|error| (format!("Job commit failed: {error}"), counters))
    });
    match outcome {
        Ok(counters) => {
            eprintln!("INFO mapreduce.Job: Job {job_id} completed successfully");
            eprint!("INFO mapreduce.Job: {}", counters.report());
            Ok(JobReport { job_id, counters })
        }
        Err((reason, counters)) => {
            let _ = committer.abort_job(&dfs);
            eprintln!("INFO mapreduce.Job: Job {job_id} failed with state FAILED due to: {reason}");
            eprint!("INFO mapreduce.Job: {}", counters.report());
            Err(JobFailure {
                job_id: Some(job_id),
                reason,
                counters,
            })
        }
    }
}

/// `job_local<n>_0001`, as the LocalJobRunner names jobs.
fn new_job_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let number = (u64::from(nanos) ^ (u64::from(std::process::id()) << 20)) % 1_000_000_000;
    format!("job_local{number}_0001")
}

/// The message a panic carried.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).to_string();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    "panic with a non-string payload".to_string()
}

impl From<Error> for JobFailure {
    fn from(error: Error) -> Self {
        JobFailure {
            job_id: None,
            reason: error.to_string(),
            counters: Counters::new(),
        }
    }
}
