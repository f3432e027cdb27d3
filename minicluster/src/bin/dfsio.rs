//! `dfsio`: a TestDFSIO-style throughput benchmark on a mini-cluster of 3
//! DataNodes, beside `dd` writing (conv=fdatasync) and reading the same bytes
//! on the same disk, in the same run.
//!
//! `cargo run --release -p tusk-minicluster --bin dfsio -- --total-mib 1024`

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use client::{CreateOptions, DfsClient};
use common::FsPermission;
use tusk_minicluster::MiniCluster;

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

/// `dd` of the same bytes: write with conv=fdatasync (twice, keeping the
/// faster: the first write of a run may pay for memory the VM's balloon
/// took back), then read back. Returns (write, first write, read) MB/s.
fn dd_baseline(dir: &Path, total_mib: u64) -> anyhow::Result<(f64, f64, f64)> {
    let file = dir.join("dd.bin");
    let mut writes = Vec::new();
    for _ in 0..2 {
        let _ = std::fs::remove_file(&file);
        let started = Instant::now();
        let status = Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", file.display()))
            .arg("bs=1M")
            .arg(format!("count={total_mib}"))
            .arg("conv=fdatasync")
            .arg("status=none")
            .status()?;
        anyhow::ensure!(status.success(), "dd write failed");
        writes.push(mb_per_second(
            total_mib * MIB,
            started.elapsed().as_secs_f64(),
        ));
    }
    let write = writes.iter().copied().fold(0.0, f64::max);
    let started = Instant::now();
    let status = Command::new("dd")
        .arg(format!("if={}", file.display()))
        .arg("of=/dev/null")
        .arg("bs=1M")
        .arg("status=none")
        .status()?;
    anyhow::ensure!(status.success(), "dd read failed");
    let read = mb_per_second(total_mib * MIB, started.elapsed().as_secs_f64());
    std::fs::remove_file(file)?;
    Ok((write, writes[0], read))
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
    let (dd_write, dd_first_write, dd_read) = dd_baseline(cluster.base_dir(), args.total_mib)?;
    println!(
        "dfsio: {} MiB per run on 3 DataNodes (2 racks), block size 128 MiB",
        args.total_mib
    );
    println!(
        "baseline dd (same disk, same bytes): write {dd_write:.0} MB/s (conv=fdatasync, best of 2; first {dd_first_write:.0}), read {dd_read:.0} MB/s (page cache)"
    );
    // Readers check every chunk's CRC32C; the second reader also checks each
    // whole block's MD5 and SHA-1 (the default), once the DataNodes' digesters
    // have recorded them ("digests" is how long after the writers closed).
    let mut crc_only_conf = cluster.conf().clone();
    crc_only_conf.set(client::VERIFY_BLOCK_DIGESTS_KEY, "false");
    let crc_only = DfsClient::from_conf(&crc_only_conf)?;
    println!(
        "{:<12} {:>8} {:>12} {:>7} {:>10} {:>16} {:>22}",
        "replication",
        "streams",
        "write MB/s",
        "vs dd",
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
            let digests = cluster.wait_for_digests().await?.as_secs_f64();
            let read_crc = read_all(&crc_only, &paths, per_stream * streams as u64).await?;
            let read_digests = read_all(&client, &paths, per_stream * streams as u64).await?;
            println!(
                "{replication:<12} {streams:>8} {write:>12.0} {:>6.0}% {:>9.1}s {read_crc:>16.0} {read_digests:>22.0}",
                100.0 * write / dd_write,
                digests
            );
            client
                .delete(
                    &format!("/benchmarks/dfsio/r{replication}-s{streams}"),
                    true,
                )
                .await?;
        }
    }
    cluster.shutdown().await;
    Ok(())
}
