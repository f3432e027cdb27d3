//! In-process MapReduce jobs on a mini-cluster: a panicking map is retried
//! and then fails the job with its message and no output; a tiny sort
//! buffer forces many spills and merge passes without changing the output.

use common::Configuration;
use mapreduce::{Job, JobFailure, JobReport, LongSumReducer, Mapper, Output};
use minicluster::MiniCluster;
use tusk_tests::{read_file as read, write_file};

/// The block size of the jobs' input files.
const BLOCK: u64 = 64 * 1024;

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .build()
        .await
        .unwrap()
}

/// Runs a job off the test's runtime, as a job client would.
async fn submit<K: 'static, V: 'static>(
    job: Job<K, V>,
    conf: &Configuration,
) -> Result<JobReport, JobFailure> {
    let conf = conf.clone();
    tokio::task::spawn_blocking(move || mapreduce::submit(job, &conf))
        .await
        .unwrap()
}

/// Words of a line, with a word that is "poison" making the map panic.
#[derive(Clone)]
struct Words {
    panic_on: Option<&'static str>,
}

impl Mapper for Words {
    type KeyIn = u64;
    type ValueIn = String;
    type KeyOut = String;
    type ValueOut = u64;

    fn map(&mut self, offset: &u64, line: &String, output: &mut Output<'_, String, u64>) {
        for word in line.split_whitespace() {
            if Some(word) == self.panic_on {
                panic!("bad record at offset {offset}: '{word}'");
            }
            output.emit(&word.to_string(), &1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_map_is_retried_then_fails_the_job_cleanly() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    write_file(
        &client,
        "/in/good.txt",
        b"one two three\nfour five\n",
        2,
        BLOCK,
    )
    .await;
    write_file(
        &client,
        "/in/bad.txt",
        b"fine words\nthen poison here\n",
        2,
        BLOCK,
    )
    .await;

    let job = Job::new("poisoned")
        .mapper(Words {
            panic_on: Some("poison"),
        })
        .reducer(LongSumReducer::default())
        .set("mapreduce.map.maxattempts", "3")
        .input("/in")
        .output("/out");
    let failure = submit(job, cluster.conf()).await.unwrap_err();
    assert!(
        failure.reason.contains("after 3 attempts"),
        "{}",
        failure.reason
    );
    assert!(
        failure
            .reason
            .contains("task panicked: bad record at offset 11: 'poison'"),
        "{}",
        failure.reason
    );
    assert!(
        failure.reason.contains("Job failed as tasks failed"),
        "{}",
        failure.reason
    );
    let failed_attempts = failure
        .counters
        .get(mapreduce::counters::JOB_GROUP, "NUM_FAILED_MAPS");
    assert_eq!(failed_attempts, 3);
    // Nothing outside _temporary, and _temporary itself is gone.
    let left: Vec<String> = client
        .list("/out")
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.name().to_string())
        .collect();
    assert!(left.is_empty(), "a failed job left {left:?}");

    // Without the poison the same job succeeds.
    let job = Job::new("clean")
        .mapper(Words { panic_on: None })
        .reducer(LongSumReducer::default())
        .input("/in")
        .output("/out2");
    let report = submit(job, cluster.conf()).await.unwrap();
    assert_eq!(report.counters.task("MAP_INPUT_RECORDS"), 4);
    assert_eq!(report.counters.task("REDUCE_OUTPUT_RECORDS"), 10);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_sort_buffer_spills_and_merges_without_changing_the_output() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let mut text = String::new();
    for line in 0..20_000u64 {
        text.push_str(&format!("w{} w{} common\n", line % 997, (line * 31) % 5003));
    }
    write_file(&client, "/in/words.txt", text.as_bytes(), 2, BLOCK).await;

    let job = |output: &str| {
        Job::new("spilly")
            .mapper(Words { panic_on: None })
            .reducer(LongSumReducer::default())
            .reduces(2)
            .set("mapreduce.input.fileinputformat.split.minsize", "100000000")
            .input("/in")
            .output(output)
    };
    let roomy = submit(job("/roomy"), cluster.conf()).await.unwrap();
    let tiny = submit(
        job("/tiny")
            .set("mapreduce.task.io.sort.mb", "1")
            .set("mapreduce.map.sort.spill.percent", "0.02")
            .set("mapreduce.task.io.sort.factor", "3"),
        cluster.conf(),
    )
    .await
    .unwrap();

    let map_output = tiny.counters.task("MAP_OUTPUT_RECORDS");
    assert_eq!(map_output, 60_000);
    assert_eq!(roomy.counters.task("SPILLED_RECORDS"), 60_000);
    // Every record is spilled once, then rewritten by the merge passes.
    assert!(
        tiny.counters.task("SPILLED_RECORDS") >= 2 * map_output,
        "{}",
        tiny.counters.report()
    );
    // How many spills there are depends on how fast the spill thread drains
    // the buffer, but two spills in a row never hold more than the 1 MiB
    // buffer, so the 1.7 MB of output (records plus their 16-byte index
    // entries) makes at least 4 spills: more than the factor of 3, so the
    // map merges at least once on disk before its final pass.
    assert!(
        tiny.counters.task("MERGE_PASSES") >= 2,
        "{}",
        tiny.counters.report()
    );
    for part in ["part-r-00000", "part-r-00001"] {
        let roomy_part = read(&client, &format!("/roomy/{part}")).await;
        let tiny_part = read(&client, &format!("/tiny/{part}")).await;
        assert!(!roomy_part.is_empty());
        assert_eq!(tiny_part, roomy_part, "{part} differs");
    }
    let counts = String::from_utf8(read(&client, "/tiny/part-r-00000").await).unwrap()
        + &String::from_utf8(read(&client, "/tiny/part-r-00001").await).unwrap();
    assert!(
        counts.lines().any(|line| line == "common\t20000"),
        "{counts}"
    );
    cluster.shutdown().await;
}
