//! `hafailover`: NameNode failover time on the HA mini-cluster (real ZooKeeper, three
//! JournalNodes, two NameNode processes each with a ZKFC process, three DataNodes).
//!
//! 1. `kill -9` of the active NameNode with its ZKFC alive: from the kill to the first write
//!    acknowledged through the nameservice (the client fails over by itself).
//! 2. The active's host lost (NameNode and ZKFC killed together): the standby's ZKFC waits for
//!    the dead ZKFC's ZooKeeper session to expire, so the bound is the session timeout.
//!
//! After each failover the killed daemons start again (the NameNode as standby) and the next
//! round waits until it has caught up. Medians and extremes of `--failovers` rounds each.
//!
//! `cargo build --release -p tusk-cli -p tusk-bench && target/release/hafailover`

use std::time::{Duration, Instant};

use bench::timings::median;
use clap::Parser;
use common::FsPermission;
use minicluster::ha::HaCluster;
use proto::hdfs::HaServiceState;

#[derive(Parser)]
struct Args {
    /// Failovers to time, per kind.
    #[arg(long, default_value_t = 10)]
    failovers: usize,
    /// `ha.zookeeper.session-timeout.ms` of the ZKFCs.
    #[arg(long, default_value_t = 3000)]
    session_timeout_ms: u64,
    /// `dfs.client.failover.sleep.max.millis`: the cap of the client's backoff while no
    /// NameNode is active (Hadoop: 15000; the HA mini-cluster: 1000).
    #[arg(long, default_value_t = 1000)]
    client_sleep_max_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let mut cluster = HaCluster::builder()
        .session_timeout(Duration::from_millis(args.session_timeout_ms))
        .set(
            "dfs.client.failover.sleep.max.millis",
            &args.client_sleep_max_ms.to_string(),
        )
        .build()
        .await?;
    println!(
        "HA mini-cluster: ZooKeeper, 3 JournalNodes, 2 NameNodes + 2 ZKFCs (processes), 3 DataNodes; \
         ha.health-monitor.check-interval.ms=500, session timeout {} ms, client backoff 100 ms .. {} ms",
        args.session_timeout_ms, args.client_sleep_max_ms
    );
    for (label, host_lost) in [
        ("kill -9 of the active NameNode (ZKFC alive)", false),
        ("active host lost (NameNode + ZKFC killed)", true),
    ] {
        let mut millis = Vec::with_capacity(args.failovers);
        for round in 0..args.failovers {
            let elapsed = failover_once(&mut cluster, host_lost, round).await?;
            millis.push(elapsed.as_secs_f64() * 1e3);
        }
        millis.sort_by(f64::total_cmp);
        println!(
            "{label}: median {:.0} ms, min {:.0} ms, max {:.0} ms over {} failovers",
            median(&millis),
            millis[0],
            millis[millis.len() - 1],
            millis.len()
        );
    }
    cluster.shutdown().await;
    Ok(())
}

/// One failover: waits for a settled pair (one active, one standby), kills the active, and
/// times the first acknowledged write; then brings the killed daemons back.
async fn failover_once(
    cluster: &mut HaCluster,
    host_lost: bool,
    round: usize,
) -> anyhow::Result<Duration> {
    let active = cluster
        .wait_for_active(None, Duration::from_secs(60))
        .await?;
    let standby = 1 - active;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(
        cluster.service_state(standby).await,
        Ok(HaServiceState::Standby)
    ) {
        anyhow::ensure!(
            Instant::now() < deadline,
            "NameNode {standby} never became standby"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let client = cluster.client()?;
    client
        .mkdirs(
            &format!("/bench/before-{host_lost}-{round}"),
            FsPermission::new(0o755),
            true,
        )
        .await?;
    // Let the restarted standby's ZKFC settle in the election.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    cluster.kill_namenode(active);
    if host_lost {
        cluster.kill_zkfc(active);
    }
    client
        .mkdirs(
            &format!("/bench/after-{host_lost}-{round}"),
            FsPermission::new(0o755),
            true,
        )
        .await?;
    let elapsed = killed_at.elapsed();
    cluster.restart_namenode(active).await?;
    if host_lost {
        cluster.restart_zkfc(active)?;
    }
    Ok(elapsed)
}
