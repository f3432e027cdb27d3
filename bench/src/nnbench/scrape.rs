//! A monitoring scraper for `-scrapeMs`: GETs the NameNode's `/jmx` and `/prom` on a
//! period while the timed ops run, so their cost to the RPC path shows in the figures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
                    match get(address, path).await {
                        Ok(()) => counted.fetch_add(1, Ordering::Relaxed),
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

/// One `GET path` on a fresh connection, read to the end; an error unless 200.
async fn get(address: SocketAddr, path: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("GET {path}: not 200")))
    }
}
