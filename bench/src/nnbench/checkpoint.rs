//! `-checkpoint N`: what checkpointing costs and saves, with N one-block
//! files.
//!
//! 1. Restart time: `Namesystem::open` (load, replay, block map, new
//!    segment) of a name dir holding (a) an fsimage of the N files alone and
//!    (b) that fsimage plus N logged mkdirs after it.
//! 2. A real NameNode on (a) under a continuous mkdirs load from `-threads`
//!    clients, all in the same run: mkdirs/s over 10 s without a checkpoint;
//!    while a fresh SecondaryNameNode takes its first checkpoint (download
//!    and load the image, merge, save, upload); over 10 s after it; while
//!    the same SecondaryNameNode takes its next one (it keeps the merged
//!    namespace, so only the new edits travel); over 10 s after that. The
//!    SecondaryNameNode runs on threads of its own at idle CPU priority, the
//!    nearest this one machine has to its own machine (on 2 cores it still
//!    takes CPU from the NameNode: see BENCHMARKS.md).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use client::DfsClient;
use common::{Configuration, FsPermission};
use namenode::Namesystem;
use namenode::formats;
use namenode::formats::{NameDirs, finalized_segment_name};
use namenode::{Caller, Limits, Namespace};
use namenode::{NameNode, NameNodeConfig};
use namenode::{SecondaryConfig, SecondaryNameNode};
use proto::namenode_storage::EditRecord;
use tokio::runtime::Runtime;

use super::memory::add_one_block_file;

/// How long the load is counted without a checkpoint, before and after one.
const RATE_WINDOW: Duration = Duration::from_secs(10);
use super::target::{Area, Layout};

/// What the checkpoint benchmark measured.
#[derive(Clone, Debug)]
pub struct CheckpointReport {
    pub files: u64,
    pub restart_image_only: Duration,
    pub restart_image_plus_edits: Duration,
    pub edits: u64,
    /// mkdirs/s before the first checkpoint.
    pub mkdirs_per_sec_before: f64,
    /// The first checkpoint of a fresh SecondaryNameNode.
    pub first: CheckpointRun,
    /// The next checkpoint, in the steady state of a running one.
    pub next: CheckpointRun,
}

/// One checkpoint under the mkdirs load.
#[derive(Clone, Copy, Debug)]
pub struct CheckpointRun {
    pub wall: Duration,
    pub mkdirs_per_sec_during: f64,
    /// Over the window right after it.
    pub mkdirs_per_sec_after: f64,
}

fn conf_for(name_dir: &Path, checkpoint_dir: &Path) -> Configuration {
    let mut conf = Configuration::new();
    conf.set("dfs.namenode.name.dir", name_dir.display().to_string());
    conf.set(
        "dfs.namenode.checkpoint.dir",
        checkpoint_dir.display().to_string(),
    );
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.namenode.secondary.http-address", "127.0.0.1:0");
    // The benchmark's files have blocks but it runs no DataNodes: startup
    // safe mode would never end.
    conf.set("dfs.namenode.safemode.threshold-pct", "0");
    conf
}

/// Builds the N files in memory and writes name dirs `a` (image) and `b`
/// (image + `edits` mkdirs).
fn write_name_dirs(dir: &Path, files: u64, files_per_dir: u64) -> anyhow::Result<u64> {
    let user = common::user::os_user();
    let caller = Caller::superuser(&user);
    let now = common::time::now_millis();
    let layout = Layout { files_per_dir };
    let mut namespace = Namespace::new(&user, "supergroup", now, Limits::default());
    for index in 0..layout.parents_for(files) {
        let path = layout.parent(Area::Files, index);
        for op in namespace.plan_mkdirs(&path, FsPermission::new(0o755), true, &caller, now)? {
            namespace.apply(&op)?;
        }
    }
    for index in 0..files {
        add_one_block_file(
            &mut namespace,
            &caller,
            &layout.entry(Area::Files, "file", index),
            now,
        )?;
    }
    let image_txid = 1;
    for name in ["a", "b"] {
        let names = NameDirs::lock(&[dir.join(name)])?;
        let info = names.format(Some("CID-nnbench"), true, &user, "supergroup")?;
        names.save_image(&namespace, image_txid, info.namespace_id)?;
    }
    // (b): N mkdirs after the image, as one finalized segment.
    let mut segment = formats::file_header().to_vec();
    let mut txid = image_txid;
    for index in 0..files {
        let path = layout.entry(Area::Dirs, "dir", index);
        for op in namespace.plan_mkdirs(&path, FsPermission::new(0o755), true, &caller, now)? {
            namespace.apply(&op)?;
            txid += 1;
            formats::encode(
                &EditRecord {
                    txid,
                    op: Some(op),
                    ..Default::default()
                },
                &mut segment,
            );
        }
    }
    let current = dir.join("b").join("current");
    std::fs::write(
        current.join(finalized_segment_name(image_txid + 1, txid)),
        &segment,
    )?;
    Ok(txid - image_txid)
}

fn time_restart(conf: &Configuration) -> anyhow::Result<Duration> {
    let config = NameNodeConfig::from_conf(conf)?;
    let started = Instant::now();
    let namesystem = Namesystem::open(config.namesystem)?;
    let elapsed = started.elapsed();
    namesystem.close();
    Ok(elapsed)
}

/// Runs the benchmark in `dir` and prints its figures.
pub fn measure(
    dir: &Path,
    files: u64,
    files_per_dir: u64,
    threads: usize,
) -> anyhow::Result<CheckpointReport> {
    let edits = write_name_dirs(dir, files, files_per_dir)?;
    let checkpoint_dir = dir.join("checkpoint");
    let conf_a = conf_for(&dir.join("a"), &checkpoint_dir);
    let restart_image_only = time_restart(&conf_a).context("restarting from the image")?;
    let restart_image_plus_edits = time_restart(&conf_for(&dir.join("b"), &checkpoint_dir))
        .context("restarting from the image and edits")?;

    let runtime = crate::runtime();
    let (mkdirs_per_sec_before, first, next) =
        runtime.block_on(checkpoints_under_load(&conf_a, threads))?;
    Ok(CheckpointReport {
        files,
        restart_image_only,
        restart_image_plus_edits,
        edits,
        mkdirs_per_sec_before,
        first,
        next,
    })
}

/// A runtime whose threads all run at idle CPU priority, for the
/// SecondaryNameNode.
fn idle_runtime() -> anyhow::Result<Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("secondarynamenode")
        .on_thread_start(|| {
            if let Err(error) = common::os::set_thread_idle() {
                eprintln!("nnbench: cannot lower the SecondaryNameNode's priority: {error}");
            }
        })
        .enable_all()
        .build()?)
}

async fn checkpoints_under_load(
    conf: &Configuration,
    threads: usize,
) -> anyhow::Result<(f64, CheckpointRun, CheckpointRun)> {
    let namenode = NameNode::start(NameNodeConfig::from_conf(conf)?).await?;
    let rpc = namenode.rpc_address().to_string();
    let mut secondary_conf = conf.clone();
    secondary_conf.set("dfs.namenode.rpc-address", &rpc);
    secondary_conf.set(
        "dfs.namenode.http-address",
        namenode.http_address().to_string(),
    );
    let secondary_config = SecondaryConfig::from_conf(&secondary_conf)?;
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..threads {
        let client = DfsClient::connect(&rpc, &common::user::os_user(), FsPermission::new(0o022))?;
        let (done, stop) = (done.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut index = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let path = format!("/load/w{worker}/d{}/e{index}", index / 1000);
                client.mkdirs(&path, FsPermission::new(0o755), true).await?;
                done.fetch_add(1, Ordering::Relaxed);
                index += 1;
            }
            anyhow::Ok(())
        }));
    }
    let rate_over = |window: Duration| {
        let done = done.clone();
        async move {
            let start_count = done.load(Ordering::Relaxed);
            let started = Instant::now();
            tokio::time::sleep(window).await;
            (done.load(Ordering::Relaxed) - start_count) as f64 / started.elapsed().as_secs_f64()
        }
    };
    let secondary_runtime = idle_runtime()?;
    let secondary = secondary_runtime
        .spawn(async move { SecondaryNameNode::new(secondary_config) })
        .await??;
    let checkpoint = || {
        let secondary = secondary.clone();
        let done = done.clone();
        let task = secondary_runtime.spawn(async move { secondary.checkpoint().await });
        async move {
            let counted_from = done.load(Ordering::Relaxed);
            let started = Instant::now();
            task.await?.context("the checkpoint failed")?;
            let wall = started.elapsed();
            let during = (done.load(Ordering::Relaxed) - counted_from) as f64 / wall.as_secs_f64();
            anyhow::Ok((wall, during))
        }
    };
    // Warm up; the load without a checkpoint; then each checkpoint and the
    // window right after it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = rate_over(RATE_WINDOW).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (wall, mkdirs_per_sec_during) = checkpoint().await?;
        runs.push(CheckpointRun {
            wall,
            mkdirs_per_sec_during,
            mkdirs_per_sec_after: rate_over(RATE_WINDOW).await,
        });
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await??;
    }
    secondary_runtime.shutdown_background();
    namenode.stop().await;
    Ok((before, runs[0], runs[1]))
}

/// Prints the report.
pub fn print(out: &mut dyn std::io::Write, report: &CheckpointReport) -> std::io::Result<()> {
    writeln!(
        out,
        "\n=== checkpoint: {} one-block files ===",
        report.files
    )?;
    writeln!(
        out,
        "restart from the fsimage alone:            {:>8.2} s",
        report.restart_image_only.as_secs_f64()
    )?;
    writeln!(
        out,
        "restart from the fsimage + {} edits: {:>8.2} s",
        report.edits,
        report.restart_image_plus_edits.as_secs_f64()
    )?;
    let change = |rate: f64| (rate / report.mkdirs_per_sec_before - 1.0) * 100.0;
    writeln!(
        out,
        "mkdirs/s before a checkpoint: {:.0}",
        report.mkdirs_per_sec_before
    )?;
    for (name, run) in [
        (
            "first checkpoint (fresh SNN: download and load the image, merge, save, upload)",
            report.first,
        ),
        (
            "next checkpoint (the SNN holds the namespace: download the new edits, merge, save, upload)",
            report.next,
        ),
    ] {
        writeln!(
            out,
            "{name}: {:.2} s; mkdirs/s during it: {:.0} ({:+.1}%); after it: {:.0}",
            run.wall.as_secs_f64(),
            run.mkdirs_per_sec_during,
            change(run.mkdirs_per_sec_during),
            run.mkdirs_per_sec_after
        )?;
    }
    Ok(())
}
