//! The simulation's figures and how they are printed.

use std::io::Write;
use std::time::Duration;

use super::Latencies;

/// What one simulation measured.
#[derive(Clone, Debug, Default)]
pub struct SimulationReport {
    pub datanodes: u64,
    pub replicas_per_datanode: u64,
    pub blocks: u64,
    pub files: u64,
    pub build_time: Duration,
    /// The NameNode's resident bytes on the same files without blocks.
    pub resident_files_only: u64,
    /// With the blocks, image loaded, before any report.
    pub resident_loaded: u64,
    /// After every DataNode's first report.
    pub resident_reported: u64,
    /// From the NameNode's spawn until it answered.
    pub image_loaded: Duration,
    pub initial_reports_done: Duration,
    pub safe_mode_left: Duration,
    /// Every DataNode's full report, 2 in flight: wall and NameNode CPU.
    pub rate_wall: Duration,
    pub rate_cpu: Duration,
    /// NameNode CPU over the quiet window (heartbeats and probes) and over
    /// one as long with heartbeats alone.
    pub heartbeat_cpu: Duration,
    pub idle_cpu: Duration,
    pub quiet: Latencies,
    pub storm: Latencies,
    pub storm_wall: Duration,
    pub dead_detected: Option<Duration>,
    /// When the dead nodes' blocks were all queued, and how many.
    pub dead_queued: Option<(Duration, u64)>,
    pub dead_storm: Option<Latencies>,
}

impl SimulationReport {
    /// Replicas in the cluster.
    pub fn replicas(&self) -> u64 {
        self.datanodes * self.replicas_per_datanode
    }

    /// Resident bytes a block adds to a file, before any replica.
    pub fn bytes_per_block(&self) -> f64 {
        self.resident_loaded
            .saturating_sub(self.resident_files_only) as f64
            / self.blocks.max(1) as f64
    }

    /// Resident bytes each reported replica adds.
    pub fn bytes_per_replica(&self) -> f64 {
        self.resident_reported.saturating_sub(self.resident_loaded) as f64
            / self.replicas().max(1) as f64
    }
}

fn latency_line(latencies: &Latencies) -> String {
    format!(
        "{} calls ({} failed), p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
        latencies.calls, latencies.failures, latencies.p50_ms, latencies.p99_ms, latencies.max_ms
    )
}

/// Prints the report in the benchmark's `name: value` style.
pub fn print(out: &mut dyn Write, report: &SimulationReport) -> std::io::Result<()> {
    let seconds = |duration: Duration| duration.as_secs_f64();
    let replicas = report.replicas() as f64;
    writeln!(out, "\n=== simulated DataNodes ===")?;
    writeln!(
        out,
        "cluster: {} DataNodes x {} replicas = {} replicas of {} blocks in {} files",
        report.datanodes,
        report.replicas_per_datanode,
        report.replicas(),
        report.blocks,
        report.files
    )?;
    writeln!(
        out,
        "NameNode resident: {:.1} MiB files only, {:.1} MiB with blocks, {:.1} MiB reported",
        report.resident_files_only as f64 / 1048576.0,
        report.resident_loaded as f64 / 1048576.0,
        report.resident_reported as f64 / 1048576.0
    )?;
    writeln!(
        out,
        "memory: {:.1} bytes per block, {:.1} bytes per replica",
        report.bytes_per_block(),
        report.bytes_per_replica()
    )?;
    writeln!(
        out,
        "cold start: image loaded {:.2} s, first reports done {:.2} s, safe mode left {:.2} s",
        seconds(report.image_loaded),
        seconds(report.initial_reports_done),
        seconds(report.safe_mode_left)
    )?;
    writeln!(
        out,
        "full block reports: {:.0} replicas/s wall, {:.0} replicas per NameNode CPU second ({:.2} s wall, {:.2} s CPU)",
        replicas / seconds(report.rate_wall).max(1e-9),
        replicas / seconds(report.rate_cpu).max(1e-9),
        seconds(report.rate_wall),
        seconds(report.rate_cpu)
    )?;
    let window = seconds(super::QUIET_WINDOW);
    writeln!(
        out,
        "heartbeats alone: {:.2}% of one core ({} DataNodes every {} s)",
        100.0 * seconds(report.idle_cpu) / window,
        report.datanodes,
        super::HEARTBEAT_INTERVAL.as_secs()
    )?;
    writeln!(
        out,
        "getFileInfo (each client every {} ms), quiet: {} (NameNode {:.0}% of a core)",
        super::probes::CALL_EVERY.as_millis(),
        latency_line(&report.quiet),
        100.0 * seconds(report.heartbeat_cpu) / window
    )?;
    writeln!(
        out,
        "getFileInfo, report storm ({:.2} s): {}",
        seconds(report.storm_wall),
        latency_line(&report.storm)
    )?;
    if let Some(latencies) = &report.dead_storm {
        let detected = report
            .dead_detected
            .map_or("not detected".into(), |at| format!("{:.1} s", seconds(at)));
        let queued = report
            .dead_queued
            .map_or("not all queued".into(), |(at, n)| {
                format!("{n} blocks queued at {:.1} s", seconds(at))
            });
        writeln!(
            out,
            "dead-node storm: declared dead at {detected}, {queued}; getFileInfo: {}",
            latency_line(latencies)
        )?;
    }
    Ok(())
}
