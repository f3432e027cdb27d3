//! `hdfs nnbench`: a NameNode throughput benchmark in the manner of Hadoop's
//! NNThroughputBenchmark.
//!
//! Each mode gets a freshly formatted namespace whose edit log lives on disk
//! under the base dir, so every mutation is fsynced (group commit) before it
//! returns. `-threads` concurrent workers share each op's batch; ops run in
//! the order mkdirs, create (create + complete), fileStatus, rename, delete,
//! with whatever an op needs set up untimed. The same run measures the
//! machine's 4 KiB append + fdatasync rate in that dir, as a yardstick for
//! the durable ops, and `-memory N` the resident bytes per one-block file
//! and the fsimage save and load times; `-datanodes N` a NameNode process
//! under N simulated DataNodes.

mod baseline;
mod checkpoint;
mod datanodes;
mod deploy;
mod memory;
mod options;
mod report;
mod runner;
mod scrape;
mod target;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use common::Configuration;
use common::cpu::CpuSnapshot;

pub use datanodes::{SimulationOptions, SimulationReport};
pub use options::{BenchOp, Mode, Options, USAGE};
pub use report::{Measurement, Summary};

use deploy::Deployment;
use runner::run_batch;
use target::{Area, Layout, Task};

/// Runs `hdfs nnbench ARGS` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    run_with(conf, args, &mut std::io::stdout().lock())
}

/// [`run`], printing the report to `out` (errors go to stderr).
pub fn run_with(conf: &Configuration, args: &[String], out: &mut dyn Write) -> i32 {
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("nnbench: {message}\n{USAGE}");
            return common::exit_code::USAGE;
        }
    };
    match benchmark(conf, &options, out) {
        Ok(_) => 0,
        Err(error) => {
            eprintln!("nnbench: {error:#}");
            common::exit_code::FAILURE
        }
    }
}

/// Runs the benchmark `options` describe and returns what it measured.
pub fn benchmark(
    conf: &Configuration,
    options: &Options,
    out: &mut dyn Write,
) -> anyhow::Result<Summary> {
    let run_dir = RunDir::create(options.base_dir.as_deref())?;
    let dir = run_dir.path();
    writeln!(
        out,
        "nnbench: working in {} ({})",
        dir.display(),
        baseline::filesystem_type(dir)
    )?;
    let mut summary = Summary::default();
    // First, while nothing else has used (and freed) heap memory.
    if let Some(files) = options.memory_files {
        let report = memory::measure(dir, files, options.files_per_dir)?;
        report::print_memory(out, &report)?;
        summary.memory = Some(report);
    }
    if let Some(files) = options.checkpoint_files {
        let report = checkpoint::measure(dir, files, options.files_per_dir, options.threads)?;
        checkpoint::print(out, &report)?;
    }
    if let Some(simulation) = &options.simulation {
        let report = datanodes::measure(dir, simulation, out)?;
        datanodes::print(out, &report)?;
    }
    if options.ops.is_empty() || options.modes.is_empty() {
        return Ok(summary);
    }
    let baseline = baseline::measure(dir, options.baseline_syncs)
        .context("measuring the fdatasync baseline")?;
    report::print_baseline(out, &baseline)?;
    summary.baseline = Some(baseline);
    let runtime = crate::runtime();
    let runs = options.modes.iter().flat_map(|&mode| {
        options
            .audit_logs
            .iter()
            .map(move |&audit_log| (mode, audit_log))
    });
    for (mode, audit_log) in runs {
        writeln!(
            out,
            "\n=== mode: {} ===",
            report::run_label(mode, audit_log)
        )?;
        let mode_dir = match audit_log {
            true => dir.join(format!("{}-audit", mode.name())),
            false => dir.join(mode.name()),
        };
        let deployment =
            runtime.block_on(deploy::deploy(mode, audit_log, conf, &mode_dir, options))?;
        let scraper = match (options.scrape_every, deployment.http_address()) {
            (Some(every), Some(address)) => Some(scrape::Scraper::start(&runtime, address, every)),
            _ => None,
        };
        let measured = runtime.block_on(run_ops(
            &deployment,
            (mode, audit_log),
            options,
            &baseline,
            out,
        ));
        if let Some(scraper) = scraper {
            let (scrapes, failures) = scraper.stop();
            writeln!(
                out,
                "scraped /jmx and /prom {scrapes} times ({failures} failed) while the ops ran"
            )?;
        }
        runtime.block_on(deployment.shutdown());
        summary.throughput.extend(measured?);
    }
    report::print_summary(out, &summary)?;
    Ok(summary)
}

/// Where the files the ops work on are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Files {
    Absent,
    Created,
    Renamed,
}

/// Runs the timed ops of one mode in order, setting up what each needs.
async fn run_ops(
    deployment: &Deployment,
    (mode, audit_log): (Mode, bool),
    options: &Options,
    baseline: &baseline::SyncBaseline,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Measurement>> {
    let layout = Layout {
        files_per_dir: options.files_per_dir,
    };
    let count = options.ops_per_op;
    let mut files = Files::Absent;
    let mut measurements = Vec::new();
    for &op in &options.ops {
        let task = match op {
            BenchOp::Mkdirs => {
                let parents = layout.parents_for(count);
                setup(
                    deployment,
                    Task::MakeParent(Area::Dirs),
                    parents,
                    options,
                    layout,
                    out,
                )
                .await?;
                Task::Mkdir
            }
            BenchOp::Create => {
                let parents = layout.parents_for(count);
                setup(
                    deployment,
                    Task::MakeParent(Area::Files),
                    parents,
                    options,
                    layout,
                    out,
                )
                .await?;
                Task::Create
            }
            BenchOp::FileStatus | BenchOp::Rename | BenchOp::Delete => {
                if files == Files::Absent {
                    let parents = layout.parents_for(count);
                    setup(
                        deployment,
                        Task::MakeParent(Area::Files),
                        parents,
                        options,
                        layout,
                        out,
                    )
                    .await?;
                    setup(deployment, Task::Create, count, options, layout, out).await?;
                    files = Files::Created;
                }
                match op {
                    BenchOp::FileStatus => Task::FileStatus,
                    BenchOp::Rename => Task::Rename,
                    _ => Task::Delete {
                        renamed: files == Files::Renamed,
                    },
                }
            }
        };
        report::print_inputs(out, (mode, audit_log), op, options)?;
        let (txid_before, inodes_before) = (deployment.last_txid(), deployment.inode_count());
        let cpu_before = CpuSnapshot::take();
        let batch = run_batch(&deployment.target, task, count, options.threads, layout)
            .await
            .map_err(anyhow::Error::msg)?;
        let cpu_after = CpuSnapshot::take();
        let measurement = Measurement {
            mode,
            op,
            audit_log,
            batch,
            edit_records: deployment.last_txid() - txid_before,
            cpu: cpu_before
                .zip(cpu_after)
                .map(|(before, after)| before.usage_until(&after)),
        };
        report::print_stats(out, &measurement, baseline)?;
        check_inode_count(op, count, inodes_before, deployment.inode_count())?;
        files = match op {
            BenchOp::Create => Files::Created,
            BenchOp::Rename => Files::Renamed,
            _ => files,
        };
        measurements.push(measurement);
    }
    Ok(measurements)
}

/// Runs an untimed batch that prepares the namespace for a timed one.
async fn setup(
    deployment: &Deployment,
    task: Task,
    count: u64,
    options: &Options,
    layout: Layout,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let batch = run_batch(&deployment.target, task, count, options.threads, layout)
        .await
        .map_err(anyhow::Error::msg)?;
    let what = match task {
        Task::MakeParent(_) => "parent directories",
        _ => "files",
    };
    writeln!(
        out,
        "setup (untimed): {} {what} in {} ms",
        batch.operations,
        batch.elapsed.as_millis()
    )?;
    Ok(())
}

/// The namespace must have gained (or lost) exactly one inode per op.
fn check_inode_count(op: BenchOp, count: u64, before: u64, after: u64) -> anyhow::Result<()> {
    let expected = match op {
        BenchOp::Mkdirs | BenchOp::Create => before + count,
        BenchOp::FileStatus | BenchOp::Rename => before,
        BenchOp::Delete => before.saturating_sub(count),
    };
    if after != expected {
        bail!("{op}: the namespace has {after} inodes after the batch, expected {expected}");
    }
    Ok(())
}

/// The run's own directory under the base dir, removed when dropped.
struct RunDir(PathBuf);

impl RunDir {
    fn create(base: Option<&Path>) -> anyhow::Result<Self> {
        let base = base
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_nanos())
            .unwrap_or(0);
        let path = base.join(format!("nnbench-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("'{}': cannot create the benchmark dir", path.display()))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests;
