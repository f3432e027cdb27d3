//! `dfsio`: a TestDFSIO-style throughput benchmark on a mini-cluster of 3
//! DataNodes, beside `dd` writing (conv=fdatasync) and reading the same bytes
//! on the same disk, in the same run: one `dd` writer (the baseline), then
//! three at once (what the disk gives each copy of a replication-3 write).
//! Each step reports the CPU its writes cost, and starts once the previous
//! step's replicas are deleted and the file systems synced.
//!
//! `cargo run --release -p tusk-bench --bin dfsio -- --total-mib 1024`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use client::{CreateOptions, DfsClient};
use common::FsPermission;
use common::cpu::CpuSnapshot;
use minicluster::MiniCluster;

/// Write then read files through the DFS and report MB/s.
#[derive(Parser)]
struct Args {
    /// Bytes written in total by each run, in MiB (split among the writers).
    #[arg(long, default_value_t = 1024)]
    total_mib: u64,
    /// Writer counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    writers: Vec<usize>,
    /// Replication factors to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,3")]
    replication: Vec<u16>,
    /// Where the cluster and the dd file live (default: a temp dir).
    #[arg(long)]
    base_dir: Option<std::path::PathBuf>,
}

const MIB: u64 = 1024 * 1024;

fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect()
}

async fn write_file(
    client: DfsClient,
    path: String,
    bytes: u64,
    replication: u16,
) -> anyhow::Result<()> {
    let options = CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: true,
        create_parent: true,
        replication,
        block_size: 128 * MIB,
    };
    let buffer = pattern(MIB as usize);
    let mut writer = client.create_writer(&path, &options).await?;
    let mut left = bytes;
    while left > 0 {
        let take = left.min(MIB) as usize;
        writer.write(&buffer[..take]).await?;
        left -= take as u64;
    }
    writer.close().await?;
    Ok(())
}

async fn read_file(client: DfsClient, path: String) -> anyhow::Result<u64> {
    let mut reader = client.open(&path).await?;
    let mut buffer = vec![0u8; MIB as usize];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            return Ok(total);
        }
        total += read as u64;
    }
}

/// Reads every file concurrently; MB/s.
async fn read_all(client: &DfsClient, paths: &[String], expected: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for path in paths {
        tasks.push(tokio::spawn(read_file(client.clone(), path.clone())));
    }
    let mut read_bytes = 0;
    for task in tasks {
        read_bytes += task.await??;
    }
    anyhow::ensure!(
        read_bytes == expected,
        "read {read_bytes} bytes, wrote {expected}"
    );
    Ok(mb_per_second(read_bytes, started.elapsed().as_secs_f64()))
}

fn mb_per_second(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / 1e6 / seconds
}

/// What `dd` gets from the same disk for the same bytes, in MB/s.
struct Baseline {
    /// One writer with conv=fdatasync, the faster of two (the first write
    /// of a run may pay for memory the VM's balloon took back).
    write: f64,
    first_write: f64,
    /// Each of three writers at once, the faster of two: the disk's share
    /// per copy when it takes three copies, which replication 3 asks of it.
    three_writers: f64,
    /// Reading the file back (from the page cache).
    read: f64,
}

/// `dd` writes of `total_mib` to each of `files`, all at once; MB/s per file.
fn dd_write(files: &[PathBuf], total_mib: u64) -> anyhow::Result<f64> {
    for file in files {
        let _ = std::fs::remove_file(file);
    }
    sync()?;
    let started = Instant::now();
    let writers = files
        .iter()
        .map(|file| {
            Command::new("dd")
                .arg("if=/dev/zero")
                .arg(format!("of={}", file.display()))
                .arg("bs=1M")
                .arg(format!("count={total_mib}"))
                .arg("conv=fdatasync")
                .arg("status=none")
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    for mut writer in writers {
        anyhow::ensure!(writer.wait()?.success(), "dd write failed");
    }
    Ok(mb_per_second(
        total_mib * MIB,
        started.elapsed().as_secs_f64(),
    ))
}

fn dd_baseline(dir: &Path, total_mib: u64) -> anyhow::Result<Baseline> {
    let files: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("dd{i}.bin"))).collect();
    let writes = [
        dd_write(&files[..1], total_mib)?,
        dd_write(&files[..1], total_mib)?,
    ];
    let started = Instant::now();
    let status = Command::new("dd")
        .arg(format!("if={}", files[0].display()))
        .arg("of=/dev/null")
        .arg("bs=1M")
        .arg("status=none")
        .status()?;
    anyhow::ensure!(status.success(), "dd read failed");
    let read = mb_per_second(total_mib * MIB, started.elapsed().as_secs_f64());
    let three_writers = dd_write(&files, total_mib)?.max(dd_write(&files, total_mib)?);
    for file in &files {
        std::fs::remove_file(file)?;
    }
    sync()?;
    Ok(Baseline {
        write: writes[0].max(writes[1]),
        first_write: writes[0],
        three_writers,
        read,
    })
}

/// Flushes the file systems, so that one step's deletions are not paid for
/// by the next step's writes.
fn sync() -> anyhow::Result<()> {
    anyhow::ensure!(Command::new("sync").status()?.success(), "sync failed");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let mut builder = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .set("dfs.block.scanner.volume.bytes.per.second", "0");
    if let Some(dir) = &args.base_dir {
        builder = builder.base_dir(dir);
    }
    let cluster = builder.build().await?;
    let total = args.total_mib * MIB;
    let dd = dd_baseline(cluster.base_dir(), args.total_mib)?;
    println!(
        "dfsio: {} MiB per run on 3 DataNodes (2 racks), block size 128 MiB",
        args.total_mib
    );
    println!(
        "baseline dd (same disk, same bytes): write {:.0} MB/s (conv=fdatasync, best of 2; first {:.0}), read {:.0} MB/s (page cache)",
        dd.write, dd.first_write, dd.read
    );
    println!(
        "three dd writers at once: {:.0} MB/s each ({:.0}% of one), the disk's share per copy of a replication-3 write",
        dd.three_writers,
        100.0 * dd.three_writers / dd.write
    );
    // Readers check every chunk's CRC32C; the second reader also checks each
    // whole block's MD5 and SHA-1 (the default), once the DataNodes' digesters
    // have recorded them ("digests" is how long after the writers closed).
    let mut crc_only_conf = cluster.conf().clone();
    crc_only_conf.set(client::VERIFY_BLOCK_DIGESTS_KEY, "false");
    let crc_only = DfsClient::from_conf(&crc_only_conf)?;
    // CPU: this process's (clients and DataNodes) seconds per GiB written,
    // and the cores other processes (the kernel's writeback among them)
    // kept busy meanwhile.
    println!(
        "{:<12} {:>8} {:>12} {:>7} {:>10} {:>12} {:>10} {:>16} {:>22}",
        "replication",
        "streams",
        "write MB/s",
        "vs dd",
        "CPU s/GiB",
        "other cores",
        "digests",
        "read MB/s (CRC)",
        "read MB/s (CRC+MD5+SHA1)"
    );
    for &replication in &args.replication {
        for &streams in &args.writers {
            let per_stream = total / streams as u64;
            let client = cluster.client()?;
            let paths: Vec<String> = (0..streams)
                .map(|i| format!("/benchmarks/dfsio/r{replication}-s{streams}/f{i}"))
                .collect();
            let cpu_before = CpuSnapshot::take();
            let started = Instant::now();
            let mut tasks = Vec::new();
            for path in &paths {
                tasks.push(tokio::spawn(write_file(
                    client.clone(),
                    path.clone(),
                    per_stream,
                    replication,
                )));
            }
            for task in tasks {
                task.await??;
            }
            let write = mb_per_second(per_stream * streams as u64, started.elapsed().as_secs_f64());
            let cpu = cpu_before
                .zip(CpuSnapshot::take())
                .map(|(before, after)| before.usage_until(&after));
            let (cpu_per_gib, other_cores) = cpu.map_or((f64::NAN, f64::NAN), |cpu| {
                let gib = (per_stream * streams as u64) as f64 / (1024 * MIB) as f64;
                (cpu.process_micros / 1e6 / gib, cpu.other_cores)
            });
            let digests = cluster.wait_for_digests().await?.as_secs_f64();
            let read_crc = read_all(&crc_only, &paths, per_stream * streams as u64).await?;
            let read_digests = read_all(&client, &paths, per_stream * streams as u64).await?;
            println!(
                "{replication:<12} {streams:>8} {write:>12.0} {:>6.0}% {cpu_per_gib:>10.2} {other_cores:>12.2} {:>9.1}s {read_crc:>16.0} {read_digests:>22.0}",
                100.0 * write / dd.write,
                digests
            );
            client
                .delete(
                    &format!("/benchmarks/dfsio/r{replication}-s{streams}"),
                    true,
                )
                .await?;
            cluster.wait_for_no_replicas().await?;
            sync()?;
        }
    }
    cluster.shutdown().await;
    Ok(())
}
