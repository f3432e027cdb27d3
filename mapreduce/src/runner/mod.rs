//! The job client: reads the command line and configuration, checks the
//! output, computes splits, runs the job (in-process with the local runner,
//! or on YARN), prints progress and counters.

mod local;

use std::any::Any;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use common::Configuration;

use crate::Error;
use crate::counters::Counters;
use crate::dfs_io::{Dfs, absolute_path};
use crate::input::{InputSplit, compute_splits, is_splittable, list_input_files};
use crate::job::{Job, JobSpec};
use crate::output::FileOutputCommitter;
use crate::settings::{FRAMEWORK_NAME, INPUT_DIR, JobSettings, OUTPUT_DIR};
use crate::task::TaskEnv;
use crate::yarn;

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
/// reason and exit with status 2. In a container of a job on YARN: the
/// job's `job.xml` and the arguments its client had.
pub fn parse_command_line() -> (Configuration, Vec<String>) {
    let program = program_name();
    if yarn::in_container() {
        return yarn::container_conf().unwrap_or_else(|error| {
            eprintln!("{program}: {error}");
            std::process::exit(2);
        });
    }
    let mut conf = match Configuration::load() {
        Ok(conf) => conf,
        Err(error) => {
            eprintln!("{program}: {error}");
            std::process::exit(2);
        }
    };
    match conf.apply_generic_options(std::env::args().skip(1).collect()) {
        Ok(args) => {
            yarn::record_args(&mut conf, &args);
            (conf, args)
        }
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
/// called from inside a tokio runtime (use `spawn_blocking`). In a
/// container of a job on YARN it plays the container's part instead and
/// exits (the jobs of one binary must have distinct names).
pub fn submit<K, V>(job: Job<K, V>, conf: &Configuration) -> Result<JobReport, JobFailure> {
    let spec = job.spec;
    if let Some(role) = yarn::container_role() {
        if yarn::runs_job(&spec.name) {
            yarn::run_in_container(spec, role);
        }
        // Another job of this binary's chain (grep's search, then sort):
        // the container's own job comes later in `main`.
        return Ok(JobReport {
            job_id: String::new(),
            counters: Counters::new(),
        });
    }
    let mut conf = conf.clone();
    conf.set(common::conf::keys::MAPREDUCE_JOB_NAME, spec.name.clone());
    for (key, value) in &spec.settings {
        conf.set(key, value.clone());
    }
    let settings =
        JobSettings::from_conf(&conf).map_err(|error| failure(None, error.to_string()))?;
    if !matches!(settings.framework.as_str(), "local" | "yarn") {
        return Err(failure(
            None,
            format!(
                "{FRAMEWORK_NAME}={}: expected local or yarn",
                settings.framework
            ),
        ));
    }
    let Some(output) = spec.output.clone() else {
        return Err(failure(None, "Output directory not set.".into()));
    };
    let runtime = crate::dfs_io::io_runtime(2)
        .map_err(|error| failure(None, format!("cannot start the I/O runtime: {error}")))?;
    let dfs = Dfs::connect(&conf, &runtime).map_err(|error| failure(None, error.to_string()))?;
    let output = absolute_path(&output, dfs.user());
    let inputs: Vec<String> = spec
        .inputs
        .iter()
        .map(|input| absolute_path(input, dfs.user()))
        .collect();
    conf.set(INPUT_DIR, inputs.join(","));
    conf.set(OUTPUT_DIR, output.clone());
    let splits = |dfs: &Dfs| {
        let files = list_input_files(dfs, &inputs)?;
        let splits = compute_splits(
            &files,
            settings.split_min_size,
            settings.split_max_size,
            is_splittable(spec.input_format),
        );
        eprintln!(
            "INFO mapreduce.JobSubmitter: number of splits:{}",
            splits.len()
        );
        Ok::<_, Error>(splits)
    };
    if settings.framework == "yarn" {
        return run_on_yarn(&spec, conf, &runtime, &dfs, &output, splits);
    }
    let committer = FileOutputCommitter::new(&output, 0);
    committer
        .setup_job(&dfs)
        .map_err(|error| failure(None, error.to_string()))?;
    let splits = splits(&dfs).map_err(|error| {
        let _ = committer.abort_job(&dfs);
        failure(None, error.to_string())
    })?;
    let job_id = new_job_id();
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
    if outcome.is_err() {
        let _ = committer.abort_job(&dfs);
    }
    finish(job_id, "FAILED", outcome)
}

/// Stages, submits and follows the job on YARN.
fn run_on_yarn(
    spec: &JobSpec,
    conf: Configuration,
    runtime: &tokio::runtime::Runtime,
    dfs: &Dfs,
    output: &str,
    splits: impl FnOnce(&Dfs) -> Result<Vec<InputSplit>, Error>,
) -> Result<JobReport, JobFailure> {
    let exists = dfs
        .call(async |client| client.get_file_info(output).await)
        .map_err(|error| failure(None, error.to_string()))?;
    if exists.is_some() {
        return Err(failure(
            None,
            format!("Output directory {}{output} already exists", dfs.uri()),
        ));
    }
    let splits = splits(dfs).map_err(|error| failure(None, error.to_string()))?;
    let submitted = yarn::jobclient::stage_and_submit(spec, conf.clone(), runtime, dfs, &splits)
        .map_err(|error| failure(None, error.to_string()))?;
    eprintln!("INFO mapreduce.Job: Running job: {}", submitted.job_id);
    let report = yarn::jobclient::monitor(&conf, runtime, dfs, &submitted)
        .map_err(|error| failure(Some(&submitted.job_id), error.to_string()))?;
    let counters = yarn::jobclient::report_counters(&report);
    let outcome = match report.state.as_str() {
        "SUCCEEDED" => Ok(counters),
        _ if report.diagnostics.is_empty() => Err((format!("Job {}", report.state), counters)),
        _ => Err((report.diagnostics.clone(), counters)),
    };
    finish(submitted.job_id, &report.state, outcome)
}

/// Prints the end of a job as Hadoop's client does and makes the result;
/// `state` is the job's final state (`FAILED` or `KILLED` when it did not
/// succeed), printed as Hadoop's `Job.monitorAndPrintJob` prints it.
fn finish(
    job_id: String,
    state: &str,
    outcome: Result<Counters, (String, Counters)>,
) -> Result<JobReport, JobFailure> {
    match outcome {
        Ok(counters) => {
            eprintln!("INFO mapreduce.Job: Job {job_id} completed successfully");
            eprint!("INFO mapreduce.Job: {}", counters.report());
            Ok(JobReport { job_id, counters })
        }
        Err((reason, counters)) => {
            eprintln!(
                "INFO mapreduce.Job: Job {job_id} failed with state {state} due to: {reason}"
            );
            eprint!("INFO mapreduce.Job: {}", counters.report());
            Err(JobFailure {
                job_id: Some(job_id),
                reason,
                counters,
            })
        }
    }
}

/// A failure before the job ran, printed as Hadoop's client prints it.
fn failure(job_id: Option<&str>, reason: String) -> JobFailure {
    eprintln!("ERROR mapreduce.Job: {reason}");
    JobFailure {
        job_id: job_id.map(str::to_string),
        reason,
        counters: Counters::new(),
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
