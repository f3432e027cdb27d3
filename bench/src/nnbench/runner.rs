//! Running one batch of operations with a fixed number of concurrent
//! workers, timed as a whole.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::target::{Layout, Target, Task};

/// The outcome of a batch: how many operations succeeded and how long the
/// whole batch took.
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    pub operations: u64,
    pub elapsed: Duration,
    /// Sum of every operation's latency, for the average.
    pub total_latency: Duration,
}

impl Batch {
    /// Operations per second over the whole batch.
    pub fn ops_per_sec(&self) -> f64 {
        self.operations as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Mean latency of one operation, in milliseconds.
    pub fn average_millis(&self) -> f64 {
        if self.operations == 0 {
            return 0.0;
        }
        self.total_latency.as_secs_f64() * 1000.0 / self.operations as f64
    }
}

/// Runs `task` on indices `0..count` with `workers` concurrent tasks that
/// each take the next index until none is left. Stops at the first failure
/// and returns it.
pub async fn run_batch(
    target: &Arc<Target>,
    task: Task,
    count: u64,
    workers: usize,
    layout: Layout,
) -> Result<Batch, String> {
    let next_index = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let worker_count = (workers as u64).min(count) as usize;
    let started = Instant::now();
    let mut running = JoinSet::new();
    for worker in 0..worker_count {
        let (target, next_index, failed) = (target.clone(), next_index.clone(), failed.clone());
        running.spawn(async move {
            let mut operations = 0u64;
            let mut total_latency = Duration::ZERO;
            while !failed.load(Ordering::Relaxed) {
                let index = next_index.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let began = Instant::now();
                if let Err(error) = target.execute(worker, task, index, &layout).await {
                    failed.store(true, Ordering::Relaxed);
                    return Err(error);
                }
                total_latency += began.elapsed();
                operations += 1;
            }
            Ok((operations, total_latency))
        });
    }
    let mut batch = Batch {
        operations: 0,
        elapsed: Duration::ZERO,
        total_latency: Duration::ZERO,
    };
    let mut first_error = None;
    while let Some(joined) = running.join_next().await {
        match joined {
            Ok(Ok((operations, latency))) => {
                batch.operations += operations;
                batch.total_latency += latency;
            }
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(join_error) => {
                first_error.get_or_insert(format!("benchmark worker failed: {join_error}"));
            }
        }
    }
    batch.elapsed = started.elapsed();
    match first_error {
        Some(error) => Err(error),
        None => Ok(batch),
    }
}
