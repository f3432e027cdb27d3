//! A monitoring scraper for `-scrapeMs`: GETs the NameNode's `/jmx` and `/prom` on a
//! period while the timed ops run, so their cost to the RPC path shows in the figures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A running scraper.
pub struct Scraper {
    task: tokio::task::JoinHandle<()>,
    done: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl Scraper {
    /// Starts scraping `address` every `every` on `runtime`.
    pub fn start(runtime: &tokio::runtime::Runtime, address: SocketAddr, every: Duration) -> Self {
        let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (counted, failures) = (done.clone(), failed.clone());
        let task = runtime.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                for path in ["/jmx", "/prom"] {
                    match crate::http::get(address, path).await {
                        Ok(_) => counted.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failures.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }
        });
        Self { task, done, failed }
    }

    /// Stops it; returns (pages read, pages that failed).
    pub fn stop(self) -> (u64, u64) {
        self.task.abort();
        (
            self.done.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}
