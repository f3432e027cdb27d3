//! `standbylag`: how far the standby NameNode trails the active under a steady mkdirs load,
//! on the HA mini-cluster (real ZooKeeper, three JournalNodes, two NameNode processes).
//!
//! Clients issue mkdirs paced to `--rate` per second. A sampler reads both NameNodes'
//! `/jmx` every `--sample-ms` (the active's `LastWrittenTransactionId`, the standby's
//! `JournalTransactionInfo.LastAppliedOrWrittenTxId`). The lag of an active sample (time t,
//! txid T) is the time from t to the first standby sample at or past T. Percentiles over
//! the samples after a one-second warm-up; the sampling period bounds the resolution.
//!
//! `cargo build --release -p tusk-cli -p tusk-bench && target/release/standbylag`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::timings::percentile;
use clap::Parser;
use common::FsPermission;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use minicluster::ha::HaCluster;

#[derive(Parser)]
struct Args {
    /// Target mkdirs per second.
    #[arg(long, default_value_t = 20_000)]
    rate: u64,
    /// Length of the steady load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Sampling period of both NameNodes' txids.
    #[arg(long, default_value_t = 5)]
    sample_ms: u64,
    /// `dfs.ha.tail-edits.period` of the NameNodes (the HA mini-cluster's, 0ms, by default).
    #[arg(long)]
    tail_period: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let mut builder = HaCluster::builder().datanodes(1);
    if let Some(period) = &args.tail_period {
        builder = builder.set("dfs.ha.tail-edits.period", period);
    }
    let cluster = builder.build().await?;
    let active = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await?;
    let standby = 1 - active;
    let mut active_jmx = Jmx::new(&cluster.namenode_http_address(active));
    let mut standby_jmx = Jmx::new(&cluster.namenode_http_address(standby));
    println!(
        "HA mini-cluster: 3 JournalNodes, 2 NameNode processes (dfs.ha.tail-edits.period={}, \
         backoff-max {}, in-progress tailing on); target {} mkdirs/s from {} clients for {} s, \
         sampled every {} ms",
        conf_value(&cluster, "dfs.ha.tail-edits.period"),
        conf_value(&cluster, "dfs.ha.tail-edits.period.backoff-max"),
        args.rate,
        args.clients,
        args.seconds,
        args.sample_ms
    );

    let start = Instant::now();
    let load_time = Duration::from_secs(args.seconds);
    let issued = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let client = cluster.client()?;
        let issued = issued.clone();
        let rate = args.rate;
        clients.push(tokio::spawn(async move {
            let mut done = 0u64;
            loop {
                let op = issued.fetch_add(1, Ordering::Relaxed);
                let due = start + Duration::from_secs_f64(op as f64 / rate as f64);
                if due >= start + load_time {
                    return anyhow::Ok((done, Instant::now()));
                }
                tokio::time::sleep_until(due.into()).await;
                client
                    .mkdirs(
                        &format!("/lag/c{index}/d{op}"),
                        FsPermission::new(0o755),
                        true,
                    )
                    .await
                    .with_context(|| format!("mkdirs /lag/c{index}/d{op}"))?;
                done += 1;
            }
        }));
    }

    let mut active_samples = Vec::new();
    let mut standby_samples = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(args.sample_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Sample on until the standby has caught up with the active's last write.
    let mut last_written = None;
    while last_written.is_none_or(|last| standby_samples.last().is_none_or(|(_, s)| *s < last)) {
        tick.tick().await;
        let written = active_jmx.txid("LastWrittenTransactionId").await?;
        active_samples.push((Instant::now(), written));
        let applied = standby_jmx.txid("LastAppliedOrWrittenTxId").await?;
        standby_samples.push((Instant::now(), applied));
        if start.elapsed() > load_time + Duration::from_millis(200) {
            last_written.get_or_insert(written);
        }
        if start.elapsed() > load_time + Duration::from_secs(30) {
            bail!("the standby did not catch up within 30 s of the load's end");
        }
    }
    let mut done = 0;
    let mut finished = start;
    for client in clients {
        let (ops, at) = client.await??;
        done += ops;
        finished = finished.max(at);
    }
    let achieved = done as f64 / finished.duration_since(start).as_secs_f64();

    let warm = start + Duration::from_secs(1);
    let end = start + load_time;
    let mut lags: Vec<f64> = active_samples
        .iter()
        .filter(|(at, _)| *at >= warm && *at <= end)
        .filter_map(|(at, txid)| {
            let (seen, _) = standby_samples
                .iter()
                .find(|(seen, applied)| seen >= at && applied >= txid)?;
            Some(seen.duration_since(*at).as_secs_f64() * 1e3)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    if lags.is_empty() {
        bail!("no samples in the steady window");
    }
    println!(
        "achieved {achieved:.0} mkdirs/s; standby lag over {} samples: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lags.len(),
        percentile(&lags, 50.0),
        percentile(&lags, 99.0),
        lags[lags.len() - 1]
    );
    cluster.shutdown().await;
    Ok(())
}

fn conf_value(cluster: &HaCluster, key: &str) -> String {
    cluster.conf().get(key).unwrap_or_default()
}

/// A NameNode's `/jmx`, read over a kept-alive HTTP/1.1 connection (made again when the
/// server closed it).
struct Jmx {
    sender: Option<hyper::client::conn::http1::SendRequest<Empty<Bytes>>>,
    authority: String,
}

impl Jmx {
    fn new(address: &str) -> Self {
        Self {
            sender: None,
            authority: address.to_string(),
        }
    }

    async fn connect(
        &self,
    ) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Empty<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .with_context(|| format!("connecting to {}", self.authority))?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// The number after `"key":` (or `\"key\":\"`, inside a JSON string) in `/jmx`.
    async fn txid(&mut self, key: &str) -> anyhow::Result<u64> {
        let mut sender = match self.sender.take() {
            Some(sender) if sender.is_ready() => sender,
            _ => self.connect().await?,
        };
        let request = hyper::Request::get("/jmx")
            .header(hyper::header::HOST, &self.authority)
            .body(Empty::new())?;
        let response = sender
            .send_request(request)
            .await
            .with_context(|| format!("GET http://{}/jmx", self.authority))?;
        let body = response.into_body().collect().await?.to_bytes();
        self.sender = Some(sender);
        let text = std::str::from_utf8(&body)?;
        let at = text
            .find(key)
            .with_context(|| format!("no {key} in {}'s /jmx", self.authority))?;
        let digits: String = text[at + key.len()..]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        Ok(digits.parse()?)
    }
}
