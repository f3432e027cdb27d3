//! The local job runner (Hadoop's LocalJobRunner): maps on a bounded pool of
//! threads, then reduces, all in this process against the DFS. A failed or
//! panicking attempt is retried up to `maxattempts`; the first task out of
//! attempts fails the job and no new tasks start.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::Error;
use crate::counters::{Counters, JOB_GROUP};
use crate::ids::{TaskId, TaskType};
use crate::input::InputSplit;
use crate::map::{MapOutputFiles, run_map_attempt};
use crate::reduce::{LocalMapOutputs, run_reduce_attempt};
use crate::runner::panic_message;
use crate::task::TaskEnv;

/// How often progress is printed while tasks run.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(500);

/// Progress of one task: units done of units expected.
#[derive(Default)]
struct TaskProgress {
    done: Arc<AtomicU64>,
    total: AtomicU64,
    finished: AtomicBool,
}

impl TaskProgress {
    fn fraction(&self) -> f64 {
        if self.finished.load(Ordering::Relaxed) {
            return 1.0;
        }
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0)
    }
}

fn percent(tasks: &[TaskProgress]) -> u32 {
    if tasks.is_empty() {
        return 100;
    }
    let sum: f64 = tasks.iter().map(TaskProgress::fraction).sum();
    (sum * 100.0 / tasks.len() as f64).floor() as u32
}

/// Prints `map M% reduce R%` when it changes.
struct ProgressPrinter {
    last: Option<(u32, u32)>,
}

impl ProgressPrinter {
    fn print(&mut self, maps: &[TaskProgress], reduces: &[TaskProgress]) {
        let now = (
            percent(maps),
            if reduces.is_empty() {
                0
            } else {
                percent(reduces)
            },
        );
        if self.last != Some(now) {
            eprintln!("INFO mapreduce.Job:  map {}% reduce {}%", now.0, now.1);
            self.last = Some(now);
        }
    }
}

/// Attempt counts for the job counters.
#[derive(Default)]
struct AttemptCounts {
    launched: AtomicU64,
    failed: AtomicU64,
}

/// Runs `tasks` tasks on up to `workers` threads, calling `tick` while they
/// run. Stops handing out tasks after the first failure; tasks never
/// started are None.
fn run_phase<T: Send, E: Send>(
    tasks: usize,
    workers: usize,
    run_task: impl Fn(usize) -> Result<T, E> + Sync,
    mut tick: impl FnMut(),
) -> Vec<Option<Result<T, E>>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<T, E>>>> = Mutex::new((0..tasks).map(|_| None).collect());
    let (finished, finishes) = channel::<()>();
    std::thread::scope(|scope| {
        for _ in 0..workers.min(tasks) {
            let finished = finished.clone();
            let (next, failed, results, run_task) = (&next, &failed, &results, &run_task);
            scope.spawn(move || {
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= tasks {
                        break;
                    }
                    let result = run_task(index);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    results.lock().expect("results lock")[index] = Some(result);
                    let _ = finished.send(());
                }
            });
        }
        drop(finished);
        while let Ok(()) | Err(RecvTimeoutError::Timeout) = finishes.recv_timeout(PROGRESS_INTERVAL)
        {
            tick();
        }
    });
    tick();
    results.into_inner().expect("results lock")
}

/// Runs attempts of one task until one succeeds or `max_attempts` failed.
/// A panic in user code fails the attempt with the panic's message.
fn run_attempts<T>(
    env: &TaskEnv,
    task: &TaskId,
    max_attempts: u32,
    counts: &AttemptCounts,
    mut attempt: impl FnMut(&str) -> Result<T, Error>,
) -> Result<T, TaskFailed> {
    let mut last_error = String::new();
    for number in 0..max_attempts {
        let attempt_id = task.attempt(number).to_string();
        counts.launched.fetch_add(1, Ordering::Relaxed);
        let outcome = catch_unwind(AssertUnwindSafe(|| attempt(&attempt_id)))
            .unwrap_or_else(|panic| {
                Err(Error::Task(format!(
                    "task panicked: {}",
                    panic_message(panic.as_ref())
                )))
            })
            .and_then(|value| {
                env.committer
                    .commit_task(&env.dfs, &task.to_string(), &attempt_id)
                    .map(|()| value)
            });
        match outcome {
            Ok(value) => return Ok(value),
            Err(error) => {
                counts.failed.fetch_add(1, Ordering::Relaxed);
                last_error = error.to_string();
                eprintln!(
                    "INFO mapreduce.Job: Task Id : {attempt_id}, Status : FAILED\nError: {last_error}"
                );
                let _ = env.committer.abort_task(&env.dfs, &attempt_id);
                let _ = std::fs::remove_dir_all(env.local_dir.join(&attempt_id));
            }
        }
    }
    Err(TaskFailed {
        task: task.clone(),
        attempts: max_attempts,
        last_error,
    })
}

/// A task that ran out of attempts.
#[derive(Debug, thiserror::Error)]
#[error("Task failed {task} after {attempts} attempts; last error: {last_error}")]
struct TaskFailed {
    task: TaskId,
    attempts: u32,
    last_error: String,
}

/// Runs every map, then every reduce. On failure returns the reason and the
/// counters of what succeeded.
pub(super) fn run_job(
    env: &Arc<TaskEnv>,
    splits: Vec<InputSplit>,
) -> Result<Counters, (String, Counters)> {
    let map_progress: Vec<TaskProgress> = splits
        .iter()
        .map(|split| {
            let progress = TaskProgress::default();
            progress.total.store(split.length, Ordering::Relaxed);
            progress
        })
        .collect();
    let reduce_progress: Vec<TaskProgress> = (0..env.settings.reduces)
        .map(|_| TaskProgress::default())
        .collect();
    let mut printer = ProgressPrinter { last: None };
    let map_counts = AttemptCounts::default();
    let map_results = run_phase(
        splits.len(),
        env.settings.local_maps_maximum,
        |index| {
            let task = TaskId::new(&env.job_id, TaskType::Map, index as u32);
            let progress = &map_progress[index];
            let result = run_attempts(
                env,
                &task,
                env.settings.map_max_attempts,
                &map_counts,
                |attempt| {
                    progress.done.store(0, Ordering::Relaxed);
                    run_map_attempt(env, index, &splits[index], attempt, progress.done.clone())
                },
            );
            progress.finished.store(result.is_ok(), Ordering::Relaxed);
            result
        },
        || printer.print(&map_progress, &reduce_progress),
    );
    let mut counters = Counters::new();
    counters.increment(
        JOB_GROUP,
        "TOTAL_LAUNCHED_MAPS",
        map_counts.launched.load(Ordering::Relaxed),
    );
    counters.increment(
        JOB_GROUP,
        "NUM_FAILED_MAPS",
        map_counts.failed.load(Ordering::Relaxed),
    );
    let mut outputs: Vec<MapOutputFiles> = Vec::new();
    let mut failure = None;
    for result in map_results.into_iter().flatten() {
        match result {
            Ok(map) => {
                counters.merge(&map.counters);
                outputs.extend(map.output);
            }
            Err(reason) => failure = Some(reason),
        }
    }
    if let Some(reason) = failure {
        return Err((
            format!("{reason}\nJob failed as tasks failed. failedMaps:1 failedReduces:0"),
            counters,
        ));
    }
    if env.settings.reduces == 0 {
        return Ok(counters);
    }

    let shuffle = LocalMapOutputs::new(outputs);
    let reduce_counts = AttemptCounts::default();
    let reduce_results = run_phase(
        env.settings.reduces as usize,
        env.settings.local_reduces_maximum,
        |partition| {
            let task = TaskId::new(&env.job_id, TaskType::Reduce, partition as u32);
            let progress = &reduce_progress[partition];
            let result = run_attempts(
                env,
                &task,
                env.settings.reduce_max_attempts,
                &reduce_counts,
                |attempt| {
                    progress.done.store(0, Ordering::Relaxed);
                    run_reduce_attempt(
                        env,
                        partition as u32,
                        attempt,
                        &shuffle,
                        &progress.done,
                        &progress.total,
                    )
                },
            );
            progress.finished.store(result.is_ok(), Ordering::Relaxed);
            result
        },
        || printer.print(&map_progress, &reduce_progress),
    );
    counters.increment(
        JOB_GROUP,
        "TOTAL_LAUNCHED_REDUCES",
        reduce_counts.launched.load(Ordering::Relaxed),
    );
    counters.increment(
        JOB_GROUP,
        "NUM_FAILED_REDUCES",
        reduce_counts.failed.load(Ordering::Relaxed),
    );
    let mut failure = None;
    for result in reduce_results.into_iter().flatten() {
        match result {
            Ok(reduce) => counters.merge(&reduce),
            Err(reason) => failure = Some(reason),
        }
    }
    match failure {
        Some(reason) => Err((
            format!("{reason}\nJob failed as tasks failed. failedMaps:0 failedReduces:1"),
            counters,
        )),
        None => Ok(counters),
    }
}
