//! `mrbench`: MapReduce's figures on a mini-cluster (3 DataNodes on 2 racks,
//! 2 NodeManagers), each job a real job client whose AM and tasks run in
//! containers, each beside its baseline measured in the same run.
//!
//! 1. An empty job (wordcount of one tiny file): submit to success.
//! 2. terasort of `--rows` teragen rows, beside `LC_ALL=C sort -k1.1,1.10`
//!    of the same rows from a local file.
//! 3. wordcount of `--text-mb` MB of text, beside
//!    `tr -s ' ' '\n' | LC_ALL=C sort | uniq -c` of the same file.
//!
//! The job counters printed with each job say where the time went.
//!
//! `cargo build --release && target/release/mrbench`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bench::timings::{fastest, median};
use clap::Parser;
use minicluster::MiniCluster;

#[derive(Parser)]
struct Args {
    /// Empty jobs to time (0: skip).
    #[arg(long, default_value_t = 5)]
    empty_runs: usize,
    /// teragen rows for terasort (100 bytes each; 0: skip).
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Megabytes of text for wordcount (0: skip).
    #[arg(long, default_value_t = 200)]
    text_mb: usize,
    /// Reducers of terasort and wordcount.
    #[arg(long, default_value_t = 2)]
    reduces: u32,
}

fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: cargo build --release",
        path.display()
    );
    Ok(path)
}

/// Runs a job binary against the cluster; its wall time in seconds and stderr.
fn run_job(conf_dir: &Path, name: &str, args: &[&str]) -> anyhow::Result<(f64, String)> {
    let started = Instant::now();
    let output = Command::new(sibling(name)?)
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    anyhow::ensure!(output.status.success(), "{name} failed:\n{stderr}");
    Ok((seconds, stderr))
}

/// Runs a shell pipeline; its wall time in seconds.
fn run_shell(script: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = Command::new("bash").args(["-c", script]).status()?;
    anyhow::ensure!(status.success(), "`{script}` failed");
    Ok(started.elapsed().as_secs_f64())
}

/// The counters block of a job client's output.
fn counters(stderr: &str) -> String {
    stderr
        .split_once("Counters:")
        .map(|(_, rest)| format!("Counters:{rest}"))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .nodemanagers(2)
        .set("mapreduce.reduce.memory.mb", "1024")
        .build()
        .await?;
    let user = common::user::current_user();
    cluster.create_home_dirs(&user).await?;
    let bench = Bench {
        cluster: &cluster,
        conf_dir: cluster.conf_dir(),
        local: tempfile::tempdir()?,
        reduces: format!("mapreduce.job.reduces={}", args.reduces),
    };
    if args.empty_runs > 0 {
        bench.empty_job(args.empty_runs).await?;
    }
    if args.rows > 0 {
        bench.terasort(args.rows).await?;
    }
    if args.text_mb > 0 {
        bench.wordcount(args.text_mb).await?;
    }
    cluster.shutdown().await;
    Ok(())
}

/// The cluster and scratch space the benchmarks share.
struct Bench<'a> {
    cluster: &'a MiniCluster,
    conf_dir: PathBuf,
    local: tempfile::TempDir,
    reduces: String,
}

impl Bench<'_> {
    /// Times `runs` wordcounts of one tiny file.
    async fn empty_job(&self, runs: usize) -> anyhow::Result<()> {
        let tiny = self.local.path().join("tiny.txt");
        std::fs::write(&tiny, "one tiny line\n")?;
        let client = self.cluster.client()?;
        put(&client, &tiny, "/bench/tiny/tiny.txt").await?;
        let mut empty = Vec::new();
        for run in 0..runs {
            let output = format!("/bench/empty{run}");
            let (seconds, _) = tokio::task::block_in_place(|| {
                run_job(&self.conf_dir, "wordcount", &["/bench/tiny", &output])
            })?;
            empty.push(seconds);
        }
        println!(
            "empty job (1 tiny split, 1 reducer), submit to success: median {:.3} s over {} runs (min {:.3} s)",
            median(&empty),
            empty.len(),
            fastest(&empty)
        );
        Ok(())
    }

    /// terasort of `rows` teragen rows beside GNU sort of the same rows.
    async fn terasort(&self, rows: u64) -> anyhow::Result<()> {
        let rows_arg = rows.to_string();
        tokio::task::block_in_place(|| {
            run_job(
                &self.conf_dir,
                "teragen",
                &["-D", "mapreduce.job.maps=4", &rows_arg, "/bench/tera-in"],
            )
        })?;
        let rows_file = self.local.path().join("rows.txt");
        let script = format!(
            "{} dfs -cat '/bench/tera-in/part-*' > {}",
            sibling("hdfs")?.display(),
            rows_file.display()
        );
        let status = Command::new("bash")
            .args(["-c", &script])
            .env("HADOOP_CONF_DIR", &self.conf_dir)
            .status()?;
        anyhow::ensure!(status.success(), "reading the rows back failed");
        // The DataNodes hash what teragen wrote at idle priority; the sort
        // starts once they are done, as on a cluster whose data was written
        // earlier.
        let digests = self.cluster.wait_for_digests().await?;
        println!(
            "teragen's replicas hashed {:.1} s after the read-back",
            digests.as_secs_f64()
        );
        let pair = self.best_of_two(
            "terasort",
            "/bench/tera-in",
            "/bench/tera-out",
            &format!(
                "LC_ALL=C sort -k1.1,1.10 {} > {}/sorted.txt",
                rows_file.display(),
                self.local.path().display()
            ),
        )?;
        println!(
            "terasort of {} rows ({} MB): {}; LC_ALL=C sort -k1.1,1.10: {}; ratio {:.2}x (target <= 1.0x)",
            rows,
            rows * 100 / 1_000_000,
            pair.job,
            pair.baseline,
            pair.ratio()
        );
        let stderr = pair.stderr;
        println!("{}", counters(&stderr));
        std::fs::remove_file(&rows_file)?;
        Ok(())
    }

    /// wordcount of `text_mb` MB of text beside `tr | sort | uniq -c`.
    async fn wordcount(&self, text_mb: usize) -> anyhow::Result<()> {
        let text_file = self.local.path().join("text.txt");
        write_text(&text_file, text_mb << 20)?;
        put(&self.cluster.client()?, &text_file, "/bench/text/text.txt").await?;
        let pair = self.best_of_two(
            "wordcount",
            "/bench/text",
            "/bench/counts",
            &format!(
                "tr -s ' ' '\\n' < {} | LC_ALL=C sort | uniq -c > {}/counts.txt",
                text_file.display(),
                self.local.path().display()
            ),
        )?;
        println!(
            "wordcount of {text_mb} MB: {}; tr | sort | uniq -c: {}; ratio {:.2}x (target <= 0.3x)",
            pair.job,
            pair.baseline,
            pair.ratio()
        );
        let stderr = pair.stderr;
        println!("{}", counters(&stderr));
        Ok(())
    }

    /// Runs job `name` from `input` into `output_prefix{run}` and the
    /// `baseline` pipeline, alternately, twice each; each side's faster run
    /// counts. The first run after a pause pays for memory the VM's balloon
    /// took back (see the dfsio notes in BENCHMARKS.md), and neither side
    /// starts while the other's output is still being written back.
    fn best_of_two(
        &self,
        name: &str,
        input: &str,
        output_prefix: &str,
        baseline: &str,
    ) -> anyhow::Result<TimedPair> {
        let mut pair = TimedPair::default();
        for run in 0..2 {
            run_shell("sync")?;
            let output = format!("{output_prefix}{run}");
            let (seconds, stderr) = tokio::task::block_in_place(|| {
                run_job(&self.conf_dir, name, &["-D", &self.reduces, input, &output])
            })?;
            pair.job.0.push(seconds);
            pair.stderr = stderr;
            run_shell("sync")?;
            pair.baseline.0.push(run_shell(baseline)?);
        }
        Ok(pair)
    }
}

/// Wall times of runs, in seconds; shown as the best and every run.
#[derive(Default)]
struct Runs(Vec<f64>);

impl Runs {
    fn best(&self) -> f64 {
        fastest(&self.0)
    }
}

impl std::fmt::Display for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} s (runs {:.2?})", self.best(), self.0)
    }
}

/// A job and its baseline, timed in turns.
#[derive(Default)]
struct TimedPair {
    job: Runs,
    baseline: Runs,
    /// What the job's last run printed.
    stderr: String,
}

impl TimedPair {
    fn ratio(&self) -> f64 {
        self.job.best() / self.baseline.best()
    }
}

/// Copies a local file into the DFS.
async fn put(client: &client::DfsClient, local: &Path, path: &str) -> anyhow::Result<()> {
    let options = client::CreateOptions {
        permission: common::FsPermission::new(0o644),
        overwrite: true,
        create_parent: true,
        replication: 3,
        block_size: 128 << 20,
    };
    let mut writer = client.create_writer(path, &options).await?;
    let mut file = std::fs::File::open(local)?;
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = std::io::Read::read(&mut file, &mut buffer)?;
        if read == 0 {
            break;
        }
        writer.write(&buffer[..read]).await?;
    }
    writer.close().await?;
    Ok(())
}

/// `bytes` of English-like text: words from a 5,000-word vocabulary with a
/// Zipf-like spread, 12 words a line.
fn write_text(path: &Path, bytes: usize) -> anyhow::Result<()> {
    let vocabulary: Vec<String> = (0..5_000u32)
        .map(|rank| format!("w{}{}", rank, ["", "ing", "ed", "s"][rank as usize % 4]))
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut written = 0;
    while written < bytes {
        let mut line = String::new();
        for word in 0..12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1u64 << 53) as f64;
            let rank = ((vocabulary.len() as f64).powf(uniform) as usize).min(vocabulary.len() - 1);
            if word > 0 {
                line.push(' ');
            }
            line.push_str(&vocabulary[rank]);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len();
    }
    out.flush()?;
    Ok(())
}
