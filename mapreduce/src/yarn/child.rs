//! A map or reduce task in its container (Hadoop's YarnChild): runs one
//! attempt with the job's own mapper or reducer, reports progress to the
//! AM, asks before committing output, and reports done or the failure.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use crate::Error;
use crate::counters::Counters;
use crate::dfs_io::Dfs;
use crate::ids::{TaskAttemptId, TaskType};
use crate::job::JobSpec;
use crate::map::run_map_attempt;
use crate::reduce::run_reduce_attempt;
use crate::runner::panic_message;
use crate::settings::JobSettings;
use crate::task::TaskEnv;
use crate::yarn::shuffle_source::{ShuffleSettings, YarnShuffle};
use crate::yarn::umbilical::Umbilical;
use crate::yarn::wire::decode_splits;
use crate::yarn::{APP_ATTEMPT_ENV, JOB_SPLITS, container_conf, job_committer};

/// How often a task reports progress (and learns whether to stop).
const STATUS_INTERVAL: Duration = Duration::from_millis(500);

/// Runs attempt `attempt_id` and returns the exit code.
pub(crate) fn run(spec: JobSpec, attempt_id: &str, umbilical_address: &str) -> i32 {
    let runtime = match crate::dfs_io::io_runtime(2) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{attempt_id}: cannot start its runtime: {error}");
            return 1;
        }
    };
    let umbilical =
        match Umbilical::connect(umbilical_address, attempt_id, runtime.handle().clone()) {
            Ok(umbilical) => umbilical,
            Err(error) => {
                eprintln!("{attempt_id}: {error}");
                return 1;
            }
        };
    let outcome = catch_unwind(AssertUnwindSafe(|| run_attempt(spec, &runtime, &umbilical)))
        .unwrap_or_else(|panic| {
            Err(Error::Task(format!(
                "task panicked: {}",
                panic_message(panic.as_ref())
            )))
        });
    match outcome {
        Ok(counters) => match umbilical.done(&counters) {
            Ok(()) => 0,
            Err(error) => {
                eprintln!("{attempt_id}: {error}");
                1
            }
        },
        Err(error) => {
            eprintln!("Error: {error}");
            let _ = umbilical.fatal_error(&error.to_string());
            1
        }
    }
}

/// Where this attempt keeps its map output: `<app dir>/output`, under one
/// of the container's `LOCAL_DIRS` (spread by task).
fn output_dir(index: usize) -> Result<PathBuf, Error> {
    let dirs = std::env::var("LOCAL_DIRS").unwrap_or_default();
    let dirs: Vec<&str> = dirs.split(',').filter(|dir| !dir.is_empty()).collect();
    if dirs.is_empty() {
        return Err(Error::Config(
            "LOCAL_DIRS is not set: run by a NodeManager".into(),
        ));
    }
    Ok(PathBuf::from(dirs[index % dirs.len()]).join("output"))
}

fn run_attempt(
    spec: JobSpec,
    runtime: &tokio::runtime::Runtime,
    umbilical: &Umbilical,
) -> Result<Counters, Error> {
    let attempt_id = umbilical.attempt_id().to_string();
    let attempt: TaskAttemptId = attempt_id.parse()?;
    let kind = attempt.task_type();
    let index = attempt.task().index() as usize;
    let (conf, _) = container_conf()?;
    let settings = JobSettings::from_conf(&conf)?;
    let dfs = Dfs::connect(&conf, runtime)?;
    let app_attempt = std::env::var(APP_ATTEMPT_ENV)
        .ok()
        .and_then(|number| number.parse().ok())
        .unwrap_or(1);
    let committer = job_committer(&conf, &dfs, app_attempt);
    let env = TaskEnv {
        job_id: attempt.job_id(),
        spec,
        settings,
        conf: Arc::new(conf),
        dfs,
        local_dir: output_dir(index)?,
        committer,
    };
    let progress = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let (finished, finishes) = channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(|| report_status(umbilical, &progress, &total, finishes));
        let result = match kind {
            TaskType::Map => run_map(&env, index, &attempt_id, &progress, &total),
            TaskType::Reduce => run_reduce(&env, index, umbilical, &progress, &total),
        };
        drop(finished);
        let mut counters = result?;
        counters.merge(&process_counters(kind));
        let commits = kind == TaskType::Reduce || env.settings.reduces == 0;
        if commits {
            if !umbilical.can_commit()? {
                return Err(Error::Task(
                    "another attempt of this task commits its output".into(),
                ));
            }
            let task = attempt.task().to_string();
            env.committer.commit_task(&env.dfs, &task, &attempt_id)?;
        }
        Ok(counters)
    })
}

/// What this task's process used: its CPU time and memory, now and at its
/// peak (Hadoop's ResourceCalculatorProcessTree counters; GC time is 0: no
/// collector runs here).
fn process_counters(kind: TaskType) -> Counters {
    let mut counters = Counters::new();
    let cpu = common::cpu::process_cpu_time().unwrap_or_default();
    counters.increment_task("GC_TIME_MILLIS", 0);
    counters.increment_task("CPU_MILLISECONDS", cpu.as_millis() as u64);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kilobytes = |field: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB"))
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    counters.increment_task("PHYSICAL_MEMORY_BYTES", kilobytes("VmRSS:"));
    counters.increment_task("VIRTUAL_MEMORY_BYTES", kilobytes("VmSize:"));
    let phase = match kind {
        TaskType::Map => "MAP",
        TaskType::Reduce => "REDUCE",
    };
    counters.increment_task(
        &format!("{phase}_PHYSICAL_MEMORY_BYTES_MAX"),
        kilobytes("VmHWM:"),
    );
    counters.increment_task(
        &format!("{phase}_VIRTUAL_MEMORY_BYTES_MAX"),
        kilobytes("VmPeak:"),
    );
    counters
}

fn run_map(
    env: &TaskEnv,
    index: usize,
    attempt_id: &str,
    progress: &Arc<AtomicU64>,
    total: &AtomicU64,
) -> Result<Counters, Error> {
    let splits = decode_splits(&std::fs::read(JOB_SPLITS)?)?;
    let split = splits
        .get(index)
        .ok_or_else(|| Error::Config(format!("job.split has no split {index}")))?;
    total.store(split.length, Ordering::Relaxed);
    Ok(run_map_attempt(env, index, split, attempt_id, progress.clone())?.counters)
}

fn run_reduce(
    env: &TaskEnv,
    partition: usize,
    umbilical: &Umbilical,
    progress: &AtomicU64,
    total: &AtomicU64,
) -> Result<Counters, Error> {
    let spill_dir = env.local_dir.join(umbilical.attempt_id()).join("shuffle");
    std::fs::create_dir_all(&spill_dir)?;
    let shuffle = YarnShuffle {
        umbilical: umbilical.clone(),
        job_id: env.job_id.clone(),
        settings: ShuffleSettings::from_conf(&env.conf)?,
        spill_dir,
        order: env.spec.key_order.clone(),
    };
    run_reduce_attempt(
        env,
        partition as u32,
        umbilical.attempt_id(),
        &shuffle,
        progress,
        total,
    )
}

/// Sends progress until the attempt finishes; exits the process when the
/// AM no longer wants the attempt (it was killed or superseded).
fn report_status(
    umbilical: &Umbilical,
    done: &AtomicU64,
    total: &AtomicU64,
    finished: Receiver<()>,
) {
    let counters = Counters::new();
    while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(STATUS_INTERVAL) {
        let total = total.load(Ordering::Relaxed);
        let fraction = if total == 0 {
            0.0
        } else {
            (done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32
        };
        if let Ok(true) = umbilical.status(fraction, &counters) {
            eprintln!("The MRAppMaster asked this attempt to stop");
            std::process::exit(1);
        }
    }
}
