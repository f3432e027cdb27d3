//! Clients calling `getFileInfo` while something else happens, each call's
//! latency recorded: what a storm costs the NameNode's users. Each client
//! calls every [`CALL_EVERY`] (an open load, as users' calls come),
//! rather than as fast as it can: 32 clients in a closed loop would keep the
//! NameNode's 2 cores busy and measure their own queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use client::DfsClient;
use tokio::task::JoinSet;

use crate::timings::percentile;

/// How often each client calls.
pub const CALL_EVERY: Duration = Duration::from_millis(10);

/// Latencies of the calls made over one window.
#[derive(Clone, Copy, Debug, Default)]
pub struct Latencies {
    pub calls: usize,
    pub failures: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Running probe clients.
pub struct Probes {
    stop: Arc<AtomicBool>,
    tasks: JoinSet<(Vec<f64>, usize)>,
}

impl Probes {
    /// Starts one task per client, each calling `getFileInfo` on `paths` in turn.
    pub fn start(clients: &[DfsClient], paths: Arc<Vec<String>>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = JoinSet::new();
        for (index, client) in clients.iter().enumerate() {
            let client = client.clone();
            let stop = stop.clone();
            let paths = paths.clone();
            tasks.spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0;
                let mut next = index * 7919;
                let mut ticks = tokio::time::interval(CALL_EVERY);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while !stop.load(Ordering::Relaxed) {
                    ticks.tick().await;
                    let path = &paths[next % paths.len()];
                    next += 1;
                    let started = Instant::now();
                    match client.get_file_info(path).await {
                        Ok(Some(_)) => latencies.push(started.elapsed().as_secs_f64() * 1e3),
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            });
        }
        Self { stop, tasks }
    }

    /// Stops the clients and summarizes their calls.
    pub async fn stop(mut self) -> Latencies {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        let mut failures = 0;
        while let Some(result) = self.tasks.join_next().await {
            if let Ok((latencies, failed)) = result {
                all.extend(latencies);
                failures += failed;
            }
        }
        Latencies {
            calls: all.len(),
            failures,
            p50_ms: percentile(&all, 50.0),
            p99_ms: percentile(&all, 99.0),
            max_ms: all.iter().copied().fold(0.0, f64::max),
        }
    }
}
