//! The benchmark's output, in NNThroughputBenchmark's format where it has one.

use std::io::{self, Write};

use super::baseline::SyncBaseline;
use super::memory::MemoryReport;
use super::options::{BenchOp, Mode, Options};
use super::runner::Batch;
use common::cpu::CpuUsage;

/// One timed batch.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    pub mode: Mode,
    pub op: BenchOp,
    /// Whether the NameNode wrote its audit log meanwhile.
    pub audit_log: bool,
    pub batch: Batch,
    /// Edit-log transactions the batch wrote.
    pub edit_records: u64,
    /// CPU used during the batch, where the platform tells.
    pub cpu: Option<CpuUsage>,
}

impl Measurement {
    /// This process's CPU time per operation, in microseconds.
    pub fn cpu_micros_per_op(&self) -> Option<f64> {
        Some(self.cpu?.process_micros / self.batch.operations.max(1) as f64)
    }
}

/// Everything one run measured.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub baseline: Option<SyncBaseline>,
    pub throughput: Vec<Measurement>,
    pub memory: Option<MemoryReport>,
}

/// How a batch ran: `rpc`, or `rpc, audit log on`.
pub(super) fn run_label(mode: Mode, audit_log: bool) -> String {
    match audit_log {
        true => format!("{}, audit log on", mode.name()),
        false => mode.name().to_string(),
    }
}

/// `--- mkdirs inputs (rpc) ---` and the parameters of the batch.
pub fn print_inputs(
    out: &mut dyn Write,
    (mode, audit_log): (Mode, bool),
    op: BenchOp,
    options: &Options,
) -> io::Result<()> {
    let (count_name, per_dir_name) = match op {
        BenchOp::Mkdirs => ("nrDirs", "nrDirsPerDir"),
        _ => ("nrFiles", "nrFilesPerDir"),
    };
    writeln!(out, "--- {op} inputs ({}) ---", run_label(mode, audit_log))?;
    writeln!(out, "{count_name} = {}", options.ops_per_op)?;
    writeln!(out, "nrThreads = {}", options.threads)?;
    writeln!(out, "{per_dir_name} = {}", options.files_per_dir)?;
    if mode == Mode::Rpc {
        writeln!(out, "nrConnections = {}", options.connections)?;
    }
    Ok(())
}

/// `--- mkdirs stats (rpc) ---`, the figures, and for durable ops the ratio
/// to the fdatasync baseline.
pub fn print_stats(
    out: &mut dyn Write,
    measurement: &Measurement,
    baseline: &SyncBaseline,
) -> io::Result<()> {
    let Measurement {
        mode,
        op,
        audit_log,
        batch,
        edit_records,
        cpu,
    } = measurement;
    writeln!(out, "--- {op} stats ({}) ---", run_label(*mode, *audit_log))?;
    writeln!(out, "# operations: {}", batch.operations)?;
    writeln!(out, "Elapsed Time: {} ms", batch.elapsed.as_millis())?;
    writeln!(out, " Ops per sec: {:.1}", batch.ops_per_sec())?;
    writeln!(out, "Average Time: {:.3} ms", batch.average_millis())?;
    if op.is_durable() {
        let per_op = *edit_records as f64 / batch.operations.max(1) as f64;
        writeln!(
            out,
            "Edit log txns: {edit_records} ({per_op:.1} per op, each synced before the op returned)"
        )?;
        writeln!(
            out,
            "vs fdatasync baseline: {:.1}x",
            batch.ops_per_sec() / baseline.ops_per_sec()
        )?;
    }
    if let (Some(cpu), Some(micros_per_op)) = (cpu, measurement.cpu_micros_per_op()) {
        writeln!(
            out,
            "CPU: {:.2} cores in this process ({micros_per_op:.1} us per op), {:.2} cores in other processes",
            cpu.process_cores, cpu.other_cores
        )?;
    }
    Ok(())
}

/// The machine's durable-write rate.
pub fn print_baseline(out: &mut dyn Write, baseline: &SyncBaseline) -> io::Result<()> {
    writeln!(
        out,
        "fdatasync baseline: {:.0} ops/s ({:.0} us per 4 KiB append + fdatasync, {} iterations, 1 thread)",
        baseline.ops_per_sec(),
        baseline.average_micros(),
        baseline.iterations
    )
}

/// The memory benchmark's figures.
pub fn print_memory(out: &mut dyn Write, report: &MemoryReport) -> io::Result<()> {
    const MIB: f64 = 1024.0 * 1024.0;
    writeln!(out, "--- memory inputs ---")?;
    writeln!(out, "nrFiles = {} (one block each)", report.files)?;
    writeln!(out, "nrDirs = {}", report.directories)?;
    writeln!(out, "--- memory stats ---")?;
    writeln!(
        out,
        "Build Time: {} ms ({:.0} files/s: create + addBlock + complete, plan + apply, no edit log)",
        report.build_time.as_millis(),
        report.files as f64 / report.build_time.as_secs_f64().max(1e-9)
    )?;
    writeln!(
        out,
        "Resident memory: {:.1} MiB before, {:.1} MiB after",
        report.resident_before as f64 / MIB,
        report.resident_after as f64 / MIB
    )?;
    writeln!(
        out,
        "Bytes per file: {:.1} (resident, /proc/self/statm)",
        report.bytes_per_file()
    )?;
    if let Some(heap) = report.heap_bytes_per_file() {
        writeln!(
            out,
            "Heap allocated per file: {heap:.1} (mallinfo2, spare Vec capacity included)"
        )?;
    }
    writeln!(
        out,
        "fsimage size: {:.1} MiB",
        report.image_bytes as f64 / MIB
    )?;
    writeln!(out, "fsimage save: {} ms", report.save_time.as_millis())?;
    writeln!(out, "fsimage load: {} ms", report.load_time.as_millis())?;
    if let Some(heap) = report.loaded_heap_per_file {
        writeln!(
            out,
            "Heap allocated per file after load: {heap:.1} (mallinfo2)"
        )?;
    }
    Ok(())
}

/// A table of every timed batch, for BENCHMARKS.md: CPU us/op is this
/// process's CPU time per op (clients included), "others" the cores other
/// processes kept busy meanwhile.
pub fn print_summary(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(out, "\n=== nnbench summary ===")?;
    if let Some(baseline) = &summary.baseline {
        print_baseline(out, baseline)?;
    }
    writeln!(
        out,
        "{:<10} {:<11} {:<5} {:>10} {:>10} {:>12} {:>10} {:>7}",
        "mode", "op", "audit", "ops", "ms", "ops/s", "CPU us/op", "others"
    )?;
    for measurement in &summary.throughput {
        let batch = &measurement.batch;
        let cpu_per_op = measurement
            .cpu_micros_per_op()
            .map_or("-".to_string(), |micros| format!("{micros:.1}"));
        let others = measurement
            .cpu
            .map_or("-".to_string(), |cpu| format!("{:.2}", cpu.other_cores));
        writeln!(
            out,
            "{:<10} {:<11} {:<5} {:>10} {:>10} {:>12.1} {:>10} {:>7}",
            measurement.mode.name(),
            measurement.op.name(),
            if measurement.audit_log { "on" } else { "off" },
            batch.operations,
            batch.elapsed.as_millis(),
            batch.ops_per_sec(),
            cpu_per_op,
            others
        )?;
    }
    for measured in &summary.throughput {
        let audited = summary.throughput.iter().find(|other| {
            other.audit_log
                && !measured.audit_log
                && (other.mode, other.op) == (measured.mode, measured.op)
        });
        if let Some(audited) = audited {
            writeln!(
                out,
                "audit log on/off: {} {} {:.3}",
                measured.mode.name(),
                measured.op.name(),
                audited.batch.ops_per_sec() / measured.batch.ops_per_sec()
            )?;
        }
    }
    Ok(())
}
