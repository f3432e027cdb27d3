//! `mrbench`: MapReduce's figures on a mini-cluster (3 DataNodes on 2 racks,
//! 2 NodeManagers), each job a real job client whose AM and tasks run in
//! containers, each beside its baselines measured in the same run.
//!
//! 1. An empty job (wordcount of one tiny file): submit to success.
//! 2. terasort of `--rows` rows of each `--rows-kind` (teragen's, or 100-byte
//!    lines with a 10-character alphanumeric key), beside
//!    `LC_ALL=C sort -S 2G --parallel=2` of the same rows and the floor, a
//!    single-threaded in-memory sort; the output is compared with the floor's.
//! 3. wordcount of `--text-mb` MB of each `--corpus` (`zipf`: the realistic
//!    corpus of `bench::corpus`; `simple`: 5,000 ASCII words), beside
//!    `tr | LC_ALL=C sort -S 2G --parallel=2 | uniq -c` and the floor, a
//!    single-threaded hash-map count; the counts are compared with the floor's.
//!
//! Every figure is the median of `--runs` runs, job, baseline and floor in
//! turns. The job counters printed with each job say where the time went.
//!
//! `cargo build --release -p tusk-bench -p tusk-mapreduce -p tusk-cli && target/release/mrbench`
//! (quick try: `--empty-runs 1 --rows 200000 --text-mb 10 --runs 1`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bench::corpus::{self, ZipfSpec};
use bench::floor;
use bench::timings::{fastest, median};
use clap::{Parser, ValueEnum};
use minicluster::MiniCluster;

#[derive(Parser)]
struct Args {
    /// Empty jobs to time (0: skip).
    #[arg(long, default_value_t = 5)]
    empty_runs: usize,
    /// Rows for terasort (100 bytes each; 0: skip).
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Kinds of rows to sort.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "teragen,alnum"
    )]
    rows_kind: Vec<RowsKind>,
    /// Megabytes of text for wordcount (0: skip).
    #[arg(long, default_value_t = 200)]
    text_mb: usize,
    /// Text corpora to count.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "zipf,simple")]
    corpus: Vec<Corpus>,
    /// Seed of the zipf corpus and of the alphanumeric rows.
    #[arg(long, default_value_t = 25)]
    seed: u64,
    /// Timed runs of each job, baseline and floor (the median counts).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Reducers of terasort and wordcount.
    #[arg(long, default_value_t = 2)]
    reduces: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum RowsKind {
    /// teragen's rows: a 10-byte printable key, the row id, filler.
    Teragen,
    /// 100-byte lines with a random 10-character alphanumeric key.
    Alnum,
}

#[derive(Clone, Copy, ValueEnum)]
enum Corpus {
    /// Zipf (s = 1) over 60,000 words, 4% accented, 1% CJK, 5-20 words a
    /// line, 3% empty lines.
    Zipf,
    /// The earlier corpus: 12 words a line from 5,000 ASCII words.
    Simple,
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

/// Runs a bash script (with `pipefail`); its wall time in seconds.
fn run_shell(script: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = Command::new("bash")
        .args(["-c", &format!("set -o pipefail; {script}")])
        .status()?;
    anyhow::ensure!(status.success(), "`{script}` failed");
    Ok(started.elapsed().as_secs_f64())
}

/// Times `work`; its wall time in seconds.
fn timed<T>(work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<f64> {
    let started = Instant::now();
    work()?;
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
    anyhow::ensure!(args.runs > 0, "--runs must be at least 1");
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
        runs: args.runs,
    };
    if args.empty_runs > 0 {
        bench.empty_job(args.empty_runs).await?;
    }
    if args.rows > 0 {
        for kind in &args.rows_kind {
            bench.terasort(*kind, args.rows, args.seed).await?;
        }
    }
    if args.text_mb > 0 {
        for corpus in &args.corpus {
            bench.wordcount(*corpus, args.text_mb, args.seed).await?;
        }
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
    runs: usize,
}

/// A job's, its baseline's and its floor's runs.
#[derive(Default)]
struct Figures {
    job: Vec<f64>,
    baseline: Vec<f64>,
    floor: Vec<f64>,
    /// What the job's last run printed.
    stderr: String,
}

impl Figures {
    /// One turn of each side, `sync` before each: the job (`name` and its
    /// arguments) on the cluster, the shell `baseline`, then the `floor`.
    fn take_turns(
        &mut self,
        conf_dir: &Path,
        (name, args): (&str, &[&str]),
        baseline: &str,
        floor: impl FnOnce() -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        run_shell("sync")?;
        let (seconds, stderr) = tokio::task::block_in_place(|| run_job(conf_dir, name, args))?;
        self.job.push(seconds);
        self.stderr = stderr;
        run_shell("sync")?;
        self.baseline.push(run_shell(baseline)?);
        run_shell("sync")?;
        self.floor
            .push(tokio::task::block_in_place(|| timed(floor))?);
        Ok(())
    }

    /// `name: job ..., baseline ..., floor ...` with the two ratios and
    /// their targets.
    fn report(&self, name: &str, baseline: &str, target_vs_baseline: f64) -> String {
        let job = median(&self.job);
        let floor_per_core = median(&self.floor) / 2.0;
        format!(
            "{name}: {job:.2} s (runs {:.2?}); {baseline}: {:.2} s (runs {:.2?}); \
             floor {:.2} s (runs {:.2?}), /2 cores {floor_per_core:.2} s; \
             job/baseline {:.2}x (target <= {target_vs_baseline}x), job/(floor/2) {:.2}x",
            self.job,
            median(&self.baseline),
            self.baseline,
            median(&self.floor),
            self.floor,
            job / median(&self.baseline),
            job / floor_per_core,
        )
    }
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
            "empty job (1 tiny split, 1 reducer), submit to success: median {:.3} s over {} runs (min {:.3} s; target <= 0.25 s)",
            median(&empty),
            empty.len(),
            fastest(&empty)
        );
        Ok(())
    }

    /// Puts `rows` rows of `kind` in the DFS under `/bench/<kind>-in` and a
    /// copy in a local file; the local file.
    async fn make_rows(&self, kind: RowsKind, rows: u64, seed: u64) -> anyhow::Result<PathBuf> {
        let rows_file = self.local.path().join("rows.txt");
        match kind {
            RowsKind::Teragen => {
                let rows_arg = rows.to_string();
                tokio::task::block_in_place(|| {
                    run_job(
                        &self.conf_dir,
                        "teragen",
                        &["-D", "mapreduce.job.maps=4", &rows_arg, "/bench/teragen-in"],
                    )
                })?;
                let script = format!(
                    "{} dfs -cat '/bench/teragen-in/part-*' > {}",
                    sibling("hdfs")?.display(),
                    rows_file.display()
                );
                let status = Command::new("bash")
                    .args(["-c", &script])
                    .env("HADOOP_CONF_DIR", &self.conf_dir)
                    .status()?;
                anyhow::ensure!(status.success(), "reading the rows back failed");
            }
            RowsKind::Alnum => {
                let mut out = std::io::BufWriter::new(std::fs::File::create(&rows_file)?);
                corpus::write_alnum_rows(&mut out, rows, seed)?;
                std::io::Write::flush(&mut out)?;
                drop(out);
                put(
                    &self.cluster.client()?,
                    &rows_file,
                    "/bench/alnum-in/rows.txt",
                )
                .await?;
            }
        }
        // The DataNodes hash what was written at idle priority; the sort
        // starts once they are done, as on a cluster whose data was written
        // earlier.
        self.cluster.wait_for_digests().await?;
        Ok(rows_file)
    }

    /// terasort of `rows` rows of `kind` beside GNU sort and the floor.
    async fn terasort(&self, kind: RowsKind, rows: u64, seed: u64) -> anyhow::Result<()> {
        let kind_name = kind.to_possible_value().expect("no skipped kinds");
        let kind_name = kind_name.get_name();
        let rows_file = self.make_rows(kind, rows, seed).await?;
        let input = format!("/bench/{kind_name}-in");
        let floor_output = self.local.path().join("floor-sorted.txt");
        let gnu_sort = format!(
            "LC_ALL=C sort -S 2G --parallel=2 {} > {}/sorted.txt",
            rows_file.display(),
            self.local.path().display()
        );
        let mut figures = Figures::default();
        for run in 0..self.runs {
            let output = format!("/bench/{kind_name}-out{run}");
            figures.take_turns(
                &self.conf_dir,
                ("terasort", &["-D", &self.reduces, &input, &output]),
                &gnu_sort,
                || {
                    floor::sort_rows_file(&rows_file, &floor_output)?;
                    Ok(())
                },
            )?;
            if run == 0 {
                self.same_as_floor(&output, &floor_output)?;
            }
            self.cluster.client()?.delete(&output, true).await?;
        }
        println!(
            "{}",
            figures.report(
                &format!(
                    "terasort of {rows} {kind_name} rows ({} MB)",
                    rows * 100 / 1_000_000
                ),
                "LC_ALL=C sort -S 2G --parallel=2",
                0.9
            )
        );
        println!("{}", counters(&figures.stderr));
        std::fs::remove_file(&rows_file)?;
        std::fs::remove_file(&floor_output)?;
        std::fs::remove_file(self.local.path().join("sorted.txt"))?;
        Ok(())
    }

    /// Checks that the reduce outputs under `output`, in order, are the
    /// floor's sorted rows byte for byte.
    fn same_as_floor(&self, output: &str, floor_output: &Path) -> anyhow::Result<()> {
        let script = format!(
            "{} dfs -cat '{output}/part-r-*' | cmp - {}",
            sibling("hdfs")?.display(),
            floor_output.display()
        );
        let status = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {script}")])
            .env("HADOOP_CONF_DIR", &self.conf_dir)
            .status()?;
        anyhow::ensure!(
            status.success(),
            "terasort's output differs from the floor's"
        );
        println!("terasort output validated: the floor's sorted rows, byte for byte");
        Ok(())
    }

    /// wordcount of `text_mb` MB of `corpus` beside `tr | sort | uniq -c` and
    /// the floor.
    async fn wordcount(&self, corpus: Corpus, text_mb: usize, seed: u64) -> anyhow::Result<()> {
        let corpus_name = corpus.to_possible_value().expect("no skipped corpora");
        let corpus_name = corpus_name.get_name();
        let text_file = self.local.path().join("text.txt");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&text_file)?);
        match corpus {
            Corpus::Zipf => {
                corpus::write_zipf_text(&mut out, text_mb << 20, &ZipfSpec::default(), seed)?
            }
            Corpus::Simple => corpus::write_simple_text(&mut out, text_mb << 20)?,
        }
        std::io::Write::flush(&mut out)?;
        drop(out);
        let input = format!("/bench/{corpus_name}-text");
        put(
            &self.cluster.client()?,
            &text_file,
            &format!("{input}/text.txt"),
        )
        .await?;
        self.cluster.wait_for_digests().await?;
        let pipeline = format!(
            "tr -s ' \\n' '\\n' < {} | LC_ALL=C sort -S 2G --parallel=2 | uniq -c > {}/counts.txt",
            text_file.display(),
            self.local.path().display()
        );
        let floor_output = self.local.path().join("floor-counts.txt");
        let mut figures = Figures::default();
        for run in 0..self.runs {
            let output = format!("/bench/{corpus_name}-counts{run}");
            let mut distinct = 0;
            figures.take_turns(
                &self.conf_dir,
                ("wordcount", &["-D", &self.reduces, &input, &output]),
                &pipeline,
                || {
                    distinct = floor::word_count_file(&text_file, &floor_output)?;
                    Ok(())
                },
            )?;
            if run == 0 {
                self.counts_match(&output, &text_file)?;
                println!(
                    "wordcount output validated: {distinct} distinct words, as the floor counts"
                );
            }
        }
        println!(
            "{}",
            figures.report(
                &format!("wordcount of {text_mb} MB of the {corpus_name} corpus"),
                "tr | LC_ALL=C sort -S 2G --parallel=2 | uniq -c",
                0.25
            )
        );
        println!("{}", counters(&figures.stderr));
        std::fs::remove_file(&text_file)?;
        std::fs::remove_file(&floor_output)?;
        Ok(())
    }

    /// Checks that wordcount's `word<TAB>count` lines under `output` are the
    /// floor's counts of `text_file`.
    fn counts_match(&self, output: &str, text_file: &Path) -> anyhow::Result<()> {
        let cat = Command::new(sibling("hdfs")?)
            .args(["dfs", "-cat", &format!("{output}/part-r-*")])
            .env("HADOOP_CONF_DIR", &self.conf_dir)
            .output()?;
        anyhow::ensure!(cat.status.success(), "reading wordcount's output failed");
        let text = std::fs::read(text_file)?;
        let expected = floor::count_words(&text);
        let mut lines = 0;
        for line in cat.stdout.split(|&byte| byte == b'\n') {
            if line.is_empty() {
                continue;
            }
            lines += 1;
            let tab = line.iter().rposition(|&byte| byte == b'\t');
            let Some(tab) = tab else {
                anyhow::bail!("wordcount line without a tab");
            };
            let count: u64 = std::str::from_utf8(&line[tab + 1..])?.parse()?;
            anyhow::ensure!(
                expected.get(&line[..tab]) == Some(&count),
                "wordcount's count of {:?} is {count}, the floor's {:?}",
                String::from_utf8_lossy(&line[..tab]),
                expected.get(&line[..tab])
            );
        }
        anyhow::ensure!(
            lines == expected.len(),
            "wordcount has {lines} words, the floor {}",
            expected.len()
        );
        Ok(())
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
