//! `-datanodes N`: a NameNode under N simulated DataNodes, as Hadoop's
//! NNThroughputBenchmark (`-op blockReport`) and Dynamometer measure one.
//!
//! The real `hdfs namenode` runs in a process of its own on a namespace
//! built for it: files of `-blocksPerFile` blocks, `-blocksPerReport`
//! replicas on each DataNode at replication 3. The DataNodes are simulated
//! in this process (see [`simulated`]): only their metadata traffic is
//! real. In order, one run measures:
//! 1. resident memory per block and per replica: a NameNode on the same
//!    files without blocks, then this one before and after the reports;
//! 2. a cold start: load the image, register N DataNodes, take their first
//!    full reports (64 in flight), leave safe mode;
//! 3. the full report processing rate, with 2 reports in flight (one per
//!    core), per second of wall time and of the NameNode's CPU time;
//! 4. the NameNode's CPU for N heartbeats every `dfs.heartbeat.interval`;
//! 5. `getFileInfo` latency of `-probeClients` clients (each calling every
//!    10 ms), quiet and during a storm (every DataNode's full report at
//!    once, 64 in flight);
//! 6. a dead-node storm: `-deadDatanodes` stop heartbeating at once; the
//!    time until the NameNode declares them dead and queues their blocks
//!    for re-replication, and the clients' latency meanwhile.

mod image;
mod probes;
mod process;
mod report;
mod simulated;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use client::SafeModeAction;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use probes::Latencies;
pub use report::{SimulationReport, print};

use image::Image;
use probes::Probes;
use process::NameNodeProcess;
use simulated::{Placement, SimulatedDatanode};

/// Heartbeat interval of the simulated DataNodes (`dfs.heartbeat.interval`).
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(3);
/// `dfs.namenode.heartbeat.recheck-interval` of the run: a silent DataNode
/// is dead after 2 x 5 s + 10 x 3 s = 40 s.
const RECHECK_INTERVAL_MS: u64 = 5000;
/// Reports sent at once in a storm (and at the cold start).
const STORM_IN_FLIGHT: usize = 64;
/// Reports sent at once when the processing rate is measured.
const RATE_IN_FLIGHT: usize = 2;
/// How long the heartbeat cost and the quiet latency are measured.
const QUIET_WINDOW: Duration = Duration::from_secs(12);
/// How long after the expected detection a dead-node storm may take.
const DEAD_NODE_GRACE: Duration = Duration::from_secs(120);

/// What the simulation is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct SimulationOptions {
    pub datanodes: u64,
    pub replicas_per_datanode: u64,
    pub blocks_per_file: u64,
    pub probe_clients: usize,
    pub dead_datanodes: u64,
    pub files_per_dir: u64,
}

/// Runs the simulation in `dir`, printing progress and figures to `out`.
pub fn measure(
    dir: &Path,
    options: &SimulationOptions,
    out: &mut dyn Write,
) -> anyhow::Result<SimulationReport> {
    if options.dead_datanodes + 3 > options.datanodes {
        bail!("-deadDatanodes must leave at least 3 live DataNodes");
    }
    crate::runtime().block_on(simulate(dir, options, out))
}

async fn simulate(
    dir: &Path,
    options: &SimulationOptions,
    out: &mut dyn Write,
) -> anyhow::Result<SimulationReport> {
    let placement = Placement::new(options.datanodes, options.replicas_per_datanode);
    let blocks = placement.blocks();
    let files = blocks.div_ceil(options.blocks_per_file);
    let mut report = SimulationReport {
        datanodes: options.datanodes,
        replicas_per_datanode: placement.replicas_per_datanode(),
        blocks,
        files,
        ..Default::default()
    };
    let settings = [
        ("dfs.namenode.safemode.extension", "0".to_string()),
        (
            "dfs.heartbeat.interval",
            HEARTBEAT_INTERVAL.as_secs().to_string(),
        ),
        (
            "dfs.namenode.heartbeat.recheck-interval",
            RECHECK_INTERVAL_MS.to_string(),
        ),
    ];

    // 1a. The same files without blocks: the memory baseline.
    let name_a = dir.join("files-only");
    image::write(&name_a, files, 0, options.files_per_dir)?;
    {
        let namenode = NameNodeProcess::start(&dir.join("a"), &name_a, &settings).await?;
        report.resident_files_only = namenode.resident_bytes()?;
    }
    std::fs::remove_dir_all(&name_a)?;
    let name_b = dir.join("name");
    let image = image::write(&name_b, files, blocks, options.files_per_dir)?;
    report.build_time = image.build_time;
    writeln!(
        out,
        "built {files} files with {blocks} blocks in {:.1} s",
        image.build_time.as_secs_f64()
    )?;

    // 2. Cold start.
    let started = Instant::now();
    let namenode = NameNodeProcess::start(&dir.join("b"), &name_b, &settings).await?;
    report.image_loaded = namenode.started_in;
    report.resident_loaded = namenode.resident_bytes()?;
    let client = namenode.client()?;
    let datanodes: Vec<Arc<SimulatedDatanode>> = (0..options.datanodes)
        .map(|index| SimulatedDatanode::new(index, &namenode.rpc_address).map(Arc::new))
        .collect::<anyhow::Result<_>>()?;
    each(&datanodes, STORM_IN_FLIGHT, move |node| async move {
        node.register(&placement).await
    })
    .await?;
    for node in &datanodes {
        node.start_heartbeats(placement, HEARTBEAT_INTERVAL);
    }
    let reports = full_reports(&datanodes, &image, placement, STORM_IN_FLIGHT);
    let safe_mode_client = client.clone();
    let safe_mode = tokio::spawn(async move {
        while safe_mode_client.set_safe_mode(SafeModeAction::Get).await? {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        anyhow::Ok(started.elapsed())
    });
    reports.await?;
    report.initial_reports_done = started.elapsed();
    report.safe_mode_left = safe_mode.await??;
    report.resident_reported = namenode.resident_bytes()?;
    writeln!(
        out,
        "cold start: image loaded in {:.1} s, safe mode left after {:.1} s",
        report.image_loaded.as_secs_f64(),
        report.safe_mode_left.as_secs_f64()
    )?;

    // 3. Processing rate.
    let cpu_before = namenode.cpu_time()?;
    let rate_started = Instant::now();
    full_reports(&datanodes, &image, placement, RATE_IN_FLIGHT).await?;
    report.rate_wall = rate_started.elapsed();
    report.rate_cpu = namenode.cpu_time()?.saturating_sub(cpu_before);
    writeln!(
        out,
        "full reports: {:.0} replicas/s",
        report.replicas() as f64 / report.rate_wall.as_secs_f64()
    )?;

    // 4 and 5. Heartbeats alone, with the probes' quiet latency; then a storm.
    let probe_clients = (0..options.probe_clients)
        .map(|_| namenode.client())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let paths = Arc::new(
        (0..files.min(100_000))
            .map(|index| image::file_path(options.files_per_dir, index))
            .collect::<Vec<_>>(),
    );
    let cpu_before = namenode.cpu_time()?;
    let probes = Probes::start(&probe_clients, paths.clone());
    tokio::time::sleep(QUIET_WINDOW).await;
    report.quiet = probes.stop().await;
    report.heartbeat_cpu = namenode.cpu_time()?.saturating_sub(cpu_before);
    let idle_cpu_before = namenode.cpu_time()?;
    tokio::time::sleep(QUIET_WINDOW).await;
    report.idle_cpu = namenode.cpu_time()?.saturating_sub(idle_cpu_before);
    let probes = Probes::start(&probe_clients, paths.clone());
    let storm_started = Instant::now();
    full_reports(&datanodes, &image, placement, STORM_IN_FLIGHT).await?;
    report.storm_wall = storm_started.elapsed();
    report.storm = probes.stop().await;
    writeln!(
        out,
        "storm: {:.1} s, getFileInfo p99 {:.2} ms (quiet {:.2} ms)",
        report.storm_wall.as_secs_f64(),
        report.storm.p99_ms,
        report.quiet.p99_ms
    )?;

    // 6. A dead-node storm.
    let dead = options.dead_datanodes;
    if dead > 0 {
        let probes = Probes::start(&probe_clients, paths);
        let stopped = Instant::now();
        for node in &datanodes[..dead as usize] {
            node.stop();
        }
        let dead_after = Duration::from_millis(2 * RECHECK_INTERVAL_MS) + 10 * HEARTBEAT_INTERVAL;
        // Blocks with a replica on DataNodes 0..dead: first replica on N-2 .. dead-1.
        let expected = (dead + simulated::REPLICATION - 1).min(options.datanodes)
            * placement.blocks_per_residue;
        loop {
            let stats = client.fs_stats().await?;
            let queued = stats.under_replicated + stats.missing_blocks;
            if report.dead_detected.is_none() {
                let dead_now = client
                    .datanode_report(proto::hdfs::DatanodeReportType::Dead)
                    .await?
                    .len() as u64;
                if dead_now >= dead {
                    report.dead_detected = Some(stopped.elapsed());
                }
            }
            if report.dead_detected.is_some() && queued >= expected {
                report.dead_queued = Some((stopped.elapsed(), queued));
                break;
            }
            if stopped.elapsed() > dead_after + DEAD_NODE_GRACE {
                writeln!(
                    out,
                    "dead-node storm: gave up after {:?} ({queued} of {expected} blocks queued)",
                    stopped.elapsed()
                )?;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        report.dead_storm = Some(probes.stop().await);
    }
    drop(namenode);
    Ok(report)
}

/// Every DataNode's full block report, `in_flight` at a time.
async fn full_reports(
    datanodes: &[Arc<SimulatedDatanode>],
    image: &Image,
    placement: Placement,
    in_flight: usize,
) -> anyhow::Result<()> {
    let image = *image;
    each(datanodes, in_flight, move |node| async move {
        node.block_report(&image, &placement).await
    })
    .await
}

/// Runs `task` for every DataNode, `in_flight` at a time; the first error wins.
async fn each<F, Fut>(
    datanodes: &[Arc<SimulatedDatanode>],
    in_flight: usize,
    task: F,
) -> anyhow::Result<()>
where
    F: Fn(Arc<SimulatedDatanode>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut tasks = JoinSet::new();
    for node in datanodes {
        let permit = permits.clone().acquire_owned().await?;
        let run = task(node.clone());
        tasks.spawn(async move {
            let result = run.await;
            drop(permit);
            result
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.context("a simulated DataNode's task panicked")??;
    }
    Ok(())
}
