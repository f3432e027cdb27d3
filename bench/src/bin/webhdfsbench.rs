//! `webhdfsbench`: a file written and read with curl through WebHDFS beside the same bytes
//! through `hdfs dfs -put` and `hdfs dfs -cat`, on one mini-cluster of 3 DataNodes, in the
//! same run, alternating, `--runs` times each.
//!
//! curl follows the NameNode's 307 to a DataNode (`-L`), which streams the body through the
//! normal replication pipeline (CREATE) or streams the file out (OPEN); its output goes to
//! /dev/null, as `-cat`'s does.
//!
//! `cargo build --release -p tusk-cli -p tusk-bench && target/release/webhdfsbench --mib 1024`

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, ensure};
use bench::timings::median;
use clap::Parser;
use minicluster::MiniCluster;

#[derive(Parser)]
struct Args {
    /// Size of the file, in MiB.
    #[arg(long, default_value_t = 1024)]
    mib: u64,
    /// Runs of each way, alternating.
    #[arg(long, default_value_t = 2)]
    runs: usize,
    /// Where the cluster and the local file live (default: a temp dir).
    #[arg(long)]
    base_dir: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let temp = tempfile::tempdir()?;
    let base = args.base_dir.clone().unwrap_or(temp.path().to_path_buf());
    let cluster = MiniCluster::builder()
        .base_dir(base.join("cluster"))
        .set("dfs.blocksize", "128m")
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await?;
    let hdfs = minicluster::ha::find_binary("hdfs")?;
    let local = base.join("data.bin");
    write_local(&local, args.mib)?;
    let conf_dir = cluster.conf_dir();
    let web = cluster.namenode_http_address();
    let user = common::user::os_user();
    println!(
        "mini-cluster: 3 DataNodes (replication 3, 128 MiB blocks), one {} MiB file, {} runs each",
        args.mib, args.runs
    );

    cluster
        .client()?
        .mkdirs("/bench", common::FsPermission::new(0o755), true)
        .await?;
    let mut timings: [Vec<f64>; 4] = Default::default();
    for run in 0..args.runs {
        let put_path = format!("/bench/put{run}");
        let web_path = format!("/bench/web{run}");
        timings[0].push(timed(|| {
            run_command(
                Command::new(&hdfs)
                    .env("HADOOP_CONF_DIR", &conf_dir)
                    .args(["dfs", "-put", "-f", "-d"])
                    .arg(&local)
                    .arg(&put_path),
            )
        })?);
        timings[1].push(timed(|| {
            run_command(
                Command::new("curl")
                    .args(["-sS", "-f", "-L", "-X", "PUT", "-T"])
                    .arg(&local)
                    .arg(format!(
                        "http://{web}/webhdfs/v1{web_path}?op=CREATE&overwrite=true&createparent=true&user.name={user}"
                    )),
            )
        })?);
        timings[2].push(timed(|| {
            run_command(
                Command::new(&hdfs)
                    .env("HADOOP_CONF_DIR", &conf_dir)
                    .args(["dfs", "-cat"])
                    .arg(&put_path),
            )
        })?);
        timings[3].push(timed(|| {
            run_command(Command::new("curl").args(["-sS", "-f", "-L"]).arg(format!(
                "http://{web}/webhdfs/v1{web_path}?op=OPEN&user.name={user}"
            )))
        })?);
        let client = cluster.client()?;
        for path in [&put_path, &web_path] {
            let status = client.stat(path).await?;
            ensure!(
                status.length == args.mib << 20,
                "{path} holds {} bytes",
                status.length
            );
        }
    }
    let rate = |seconds: f64| args.mib as f64 / seconds;
    let report = |label: &str, values: &[f64]| {
        let rates: Vec<String> = values.iter().map(|s| format!("{:.0}", rate(*s))).collect();
        println!(
            "{label:<28} median {:>5.0} MiB/s  (runs: {} MiB/s)",
            rate(median(values)),
            rates.join(", ")
        );
    };
    report("hdfs dfs -put", &timings[0]);
    report("curl WebHDFS CREATE", &timings[1]);
    println!(
        "  CREATE / -put: {:.0}%",
        100.0 * median(&timings[0]) / median(&timings[1])
    );
    report("hdfs dfs -cat > /dev/null", &timings[2]);
    report("curl WebHDFS OPEN > /dev/null", &timings[3]);
    println!(
        "  OPEN / -cat: {:.0}%",
        100.0 * median(&timings[2]) / median(&timings[3])
    );
    cluster.shutdown().await;
    Ok(())
}

/// Writes `mib` MiB of a non-repeating pattern to `path`.
fn write_local(path: &Path, mib: u64) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut block = vec![0u8; 1 << 20];
    for index in 0..mib {
        for (offset, byte) in block.iter_mut().enumerate() {
            *byte = ((offset as u64).wrapping_mul(2_654_435_761) ^ index) as u8;
        }
        file.write_all(&block)?;
    }
    file.flush()?;
    Ok(())
}

fn timed(run: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let start = Instant::now();
    run()?;
    Ok(start.elapsed().as_secs_f64())
}

/// Runs `command` with its output discarded; an error names it and its stderr.
fn run_command(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {command:?}"))?;
    ensure!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
