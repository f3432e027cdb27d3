//! `hadoopclientbench`: a third-party Hadoop client (the `hdfs-native` crate: Hadoop IPC to the
//! NameNode, DataTransferProtocol to the DataNodes) beside Tusk's own client (gRPC and Tusk's
//! data transfer), on one mini-cluster of 3 DataNodes, in the same run:
//! - a file written by each client, at replication 3 and 1, then both files read whole by each
//!   client `--read-runs` times, alternating the clients (so both read the same replicas with
//!   the same page-cache state). Tusk's client reads twice per turn: as configured by default
//!   (CRC32C per chunk plus each whole block's MD5 and SHA-1 against the digests the DataNode
//!   holds) and with `dfs.client.read.verify-block-digests=false` (CRC32C only, the checks
//!   Hadoop's clients make);
//! - getFileInfo calls per second from 64 concurrent clients, each with its own connection.
//!
//! `cargo build --release -p tusk-bench && target/release/hadoopclientbench --mib 1024`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::timings::median;
use bytes::Bytes;
use clap::Parser;
use client::{CreateOptions, DfsClient};
use common::FsPermission;
use common::conf::keys;
use hdfs_native::{Client, ClientBuilder, WriteOptions};
use minicluster::MiniCluster;
use tokio_stream::StreamExt;

#[derive(Parser)]
struct Args {
    /// Size of the file, in MiB.
    #[arg(long, default_value_t = 1024)]
    mib: u64,
    /// Runs of each client and replication, alternating.
    #[arg(long, default_value_t = 2)]
    runs: usize,
    /// Whole-file reads of each written file by each client, per run.
    #[arg(long, default_value_t = 1)]
    read_runs: usize,
    /// Concurrent clients of the getFileInfo step.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds each client kind calls getFileInfo.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Where the cluster lives (default: a temp dir).
    #[arg(long)]
    base_dir: Option<std::path::PathBuf>,
}

/// Tusk's client with block digests, Tusk's client CRC-only, hdfs-native.
const READERS: usize = 3;
const MIB: usize = 1024 * 1024;
const BLOCK: u64 = 128 * MIB as u64;

fn pattern() -> Bytes {
    Bytes::from(
        (0..MIB)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
            .collect::<Vec<u8>>(),
    )
}

fn hadoop_client(cluster: &MiniCluster) -> anyhow::Result<Client> {
    Ok(ClientBuilder::new()
        .with_url(format!("hdfs://{}", cluster.namenode_rpc_address()))
        .with_user(common::user::os_user())
        .build()?)
}

async fn tusk_write(
    client: &DfsClient,
    path: &str,
    mib: u64,
    replication: u16,
) -> anyhow::Result<()> {
    let options = CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: true,
        create_parent: true,
        replication,
        block_size: BLOCK,
    };
    let buffer = pattern();
    let mut writer = client.create_writer(path, &options).await?;
    for _ in 0..mib {
        writer.write(&buffer).await?;
    }
    writer.close().await?;
    Ok(())
}

async fn tusk_read(client: &DfsClient, path: &str) -> anyhow::Result<u64> {
    let mut reader = client.open(path).await?;
    let mut buffer = vec![0u8; MIB];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            return Ok(total);
        }
        total += read as u64;
    }
}

async fn hadoop_write(
    client: &Client,
    path: &str,
    mib: u64,
    replication: u32,
) -> anyhow::Result<()> {
    let options = WriteOptions {
        block_size: Some(BLOCK),
        replication: Some(replication),
        overwrite: true,
        ..WriteOptions::default()
    };
    let buffer = pattern();
    let mut writer = client.create(path, options).await?;
    for _ in 0..mib {
        writer.write_bytes(buffer.clone()).await?;
    }
    writer.close().await?;
    Ok(())
}

/// Reads the whole file as one stream, block after block (hdfs-native's streaming read;
/// its `read_bytes` would start a block read per call).
async fn hadoop_read(client: &Client, path: &str) -> anyhow::Result<u64> {
    let reader = client.read(path).await?;
    let mut stream = Box::pin(reader.read_range_stream(0, reader.file_length()));
    let mut total = 0u64;
    while let Some(bytes) = stream.next().await {
        total += bytes?.len() as u64;
    }
    Ok(total)
}

/// getFileInfo calls per second from `clients` concurrent callers over `seconds`.
async fn file_info_rate<C, F>(clients: Vec<C>, seconds: u64, call: F) -> f64
where
    C: Send + Sync + 'static,
    F: Fn(Arc<C>, String) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
        + Send
        + Sync
        + Copy
        + 'static,
{
    let calls = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(index, client)| {
            let client = Arc::new(client);
            let calls = calls.clone();
            tokio::spawn(async move {
                let path = format!("/bench/stat/f{}", index % 100);
                while Instant::now() < deadline {
                    assert!(
                        call(client.clone(), path.clone()).await,
                        "getFileInfo {path}"
                    );
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a caller panicked");
    }
    calls.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let temp = tempfile::tempdir()?;
    let base = args.base_dir.clone().unwrap_or(temp.path().to_path_buf());
    let cluster = MiniCluster::builder()
        .base_dir(base.join("cluster"))
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await?;
    let tusk = cluster.client()?;
    let mut crc_only = cluster.conf().clone();
    crc_only.set(keys::DFS_CLIENT_READ_VERIFY_BLOCK_DIGESTS, "false");
    let tusk_crc_only = DfsClient::from_conf(&crc_only)?;
    let hadoop = hadoop_client(&cluster)?;
    println!(
        "mini-cluster: 3 DataNodes, 128 MiB blocks, a {} MiB file, {} runs each ({} reads of each file by each reader), alternating",
        args.mib, args.runs, args.read_runs
    );
    let bytes = (args.mib * MIB as u64) as f64;
    for replication in [3u16, 1] {
        // [tusk write, hadoop write, tusk read, tusk CRC-only read, hadoop read]
        let mut seconds: [Vec<f64>; 5] = Default::default();
        for run in 0..args.runs {
            let path = format!("/bench/r{replication}-{run}");
            let started = Instant::now();
            tusk_write(&tusk, &format!("{path}-tusk"), args.mib, replication).await?;
            seconds[0].push(started.elapsed().as_secs_f64());
            let started = Instant::now();
            hadoop_write(
                &hadoop,
                &format!("{path}-hadoop"),
                args.mib,
                u32::from(replication),
            )
            .await?;
            seconds[1].push(started.elapsed().as_secs_f64());
            for read_run in 0..args.read_runs {
                for file in ["tusk", "hadoop"] {
                    let file = format!("{path}-{file}");
                    for turn in 0..READERS {
                        let reader = (turn + read_run) % READERS;
                        let started = Instant::now();
                        let read = match reader {
                            0 => tusk_read(&tusk, &file).await?,
                            1 => tusk_read(&tusk_crc_only, &file).await?,
                            _ => hadoop_read(&hadoop, &file).await?,
                        };
                        anyhow::ensure!(read as f64 == bytes);
                        seconds[2 + reader].push(started.elapsed().as_secs_f64());
                    }
                }
            }
            tusk.delete(&format!("{path}-tusk"), false).await?;
            tusk.delete(&format!("{path}-hadoop"), false).await?;
        }
        let rate = |samples: &[f64]| bytes / MIB as f64 / median(samples);
        let (tusk_write, hadoop_write) = (rate(&seconds[0]), rate(&seconds[1]));
        let (tusk_read, tusk_crc_read) = (rate(&seconds[2]), rate(&seconds[3]));
        let hadoop_read = rate(&seconds[4]);
        println!(
            "replication {replication}: write MB/s  tusk {tusk_write:.0}  hdfs-native {hadoop_write:.0} ({:.0}%)",
            100.0 * hadoop_write / tusk_write
        );
        println!(
            "replication {replication}: read  MB/s  tusk {tusk_read:.0}  tusk CRC-only {tusk_crc_read:.0}  hdfs-native {hadoop_read:.0} ({:.0}% of tusk, {:.0}% of tusk CRC-only)",
            100.0 * hadoop_read / tusk_read,
            100.0 * hadoop_read / tusk_crc_read
        );
    }

    for index in 0..100 {
        let mut writer = hadoop
            .create(&format!("/bench/stat/f{index}"), WriteOptions::default())
            .await?;
        writer.close().await?;
    }
    let grpc_clients = (0..args.clients)
        .map(|_| cluster.client())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let grpc = file_info_rate(
        grpc_clients,
        args.seconds,
        |client: Arc<DfsClient>, path| {
            Box::pin(async move { matches!(client.get_file_info(&path).await, Ok(Some(_))) })
        },
    )
    .await;
    let ipc_clients = (0..args.clients)
        .map(|_| hadoop_client(&cluster))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ipc = file_info_rate(ipc_clients, args.seconds, |client: Arc<Client>, path| {
        Box::pin(async move { client.get_file_info(&path).await.is_ok() })
    })
    .await;
    println!(
        "getFileInfo/s, {} clients: gRPC (Tusk's client) {grpc:.0}  Hadoop IPC (hdfs-native) {ipc:.0} ({:.0}%)",
        args.clients,
        100.0 * ipc / grpc
    );
    cluster.shutdown().await;
    Ok(())
}
