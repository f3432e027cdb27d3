//! Hadoop Streaming end to end: `streaming` (and `mapred streaming`) jobs on
//! a mini-cluster whose mappers and reducers are shell commands and a
//! script shipped with `-file`, run by the tasks in their containers.

use std::collections::BTreeMap;

use client::DfsClient;
use minicluster::MiniCluster;
use tusk_tests::{read_file, run_binary, write_file};

const BLOCK: u64 = 16 * 1024;

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .datanodes(3)
        .nodemanagers(2)
        .build()
        .await
        .unwrap()
}

/// The `part-*` files of a job's output, concatenated in name order.
async fn job_output(client: &DfsClient, dir: &str) -> Vec<u8> {
    let entries = client.list(dir).await.unwrap();
    assert!(
        entries.iter().any(|entry| entry.name() == "_SUCCESS"),
        "no _SUCCESS in {dir}"
    );
    let mut out = Vec::new();
    for entry in &entries {
        if entry.name().starts_with("part-") {
            out.extend(read_file(client, &entry.path).await);
        }
    }
    out
}

/// The value of counter `name` in a job's report (0 when not reported).
fn counter(stderr: &str, name: &str) -> u64 {
    stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix(name)?.strip_prefix('='))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// Lines of words separated by one or more spaces, over several blocks.
fn corpus(seed: u64) -> Vec<u8> {
    let words = [
        "alpha", "beta", "gamma", "delta", "the", "the", "of", "x-y", "42",
    ];
    let mut state = seed;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % bound
    };
    let mut text = Vec::new();
    for _ in 0..4_000 {
        for _ in 0..next(9) {
            text.extend_from_slice(words[next(words.len())].as_bytes());
            text.extend_from_slice(if next(4) == 0 { b"   " } else { b" " });
        }
        text.push(b'\n');
    }
    text
}

fn reference_count(texts: &[&[u8]]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for text in texts {
        for word in String::from_utf8_lossy(text).split_whitespace() {
            *counts.entry(word.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_word_count_with_a_shipped_script_and_uniq() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let (first, second) = (corpus(1), corpus(2));
    assert!(first.len() as u64 > 3 * BLOCK, "the corpus spans blocks");
    write_file(&client, "/words/one.txt", &first, 2, BLOCK).await;
    write_file(&client, "/words/two.txt", &second, 2, BLOCK).await;
    let scripts = tempfile::tempdir().unwrap();
    let script = scripts.path().join("split-words.sh");
    // Not executable here: the task makes a shipped program executable.
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'reporter:counter:Word Count,mapper runs,1' >&2\n\
         tr -s ' ' '\\n' | sed '/^$/d'\n",
    )
    .unwrap();

    let (code, stderr) = run_binary(
        &conf_dir,
        "mapred",
        &[
            "streaming",
            "-D",
            "mapreduce.job.name=streaming wordcount",
            "-input",
            "/words",
            "-output",
            "/counts",
            "-mapper",
            "split-words.sh",
            "-combiner",
            "cat",
            "-reducer",
            "uniq -c",
            "-numReduceTasks",
            "2",
            "-file",
            &script.display().to_string(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Submitted application"), "{stderr}");
    assert!(stderr.contains("map 100% reduce 100%"), "{stderr}");
    assert!(counter(&stderr, "Combine input records") > 0, "{stderr}");
    // The script's reporter line on stderr, one per map task.
    assert!(stderr.contains("\tWord Count\n"), "{stderr}");
    assert!(counter(&stderr, "mapper runs") >= 2, "{stderr}");
    assert!(
        stderr.contains("INFO streaming.StreamJob: Output directory: /counts"),
        "{stderr}"
    );
    // `uniq -c` prints "   COUNT WORD" (and the empty value's tab it was fed).
    let output = String::from_utf8(job_output(&client, "/counts").await).unwrap();
    let mut counted = BTreeMap::new();
    for line in output.lines() {
        let mut fields = line.split_whitespace();
        let count: u64 = fields.next().unwrap().parse().unwrap();
        let word = fields.next().unwrap().to_string();
        assert!(fields.next().is_none(), "{line:?}");
        assert!(counted.insert(word, count).is_none(), "{line:?}");
    }
    assert_eq!(counted, reference_count(&[&first, &second]));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_map_only_cat_and_a_failing_mapper() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let input = corpus(3);
    write_file(&client, "/lines/in.txt", &input, 2, BLOCK).await;

    // Map-only, as Hadoop users run it: every line comes back as a key with
    // an empty value.
    let (code, stderr) = run_binary(
        &conf_dir,
        "hadoop",
        &[
            "jar",
            "/opt/hadoop/share/hadoop/tools/lib/hadoop-streaming-3.3.6.jar",
            "-input",
            "/lines",
            "-output",
            "/cat",
            "-mapper",
            "cat",
            "-reducer",
            "NONE",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let output = String::from_utf8(job_output(&client, "/cat").await).unwrap();
    let names: Vec<String> = client
        .list("/cat")
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.name().to_string())
        .collect();
    assert!(
        names.iter().any(|name| name.starts_with("part-m-")),
        "{names:?}"
    );
    let mut expected: Vec<String> = String::from_utf8(input)
        .unwrap()
        .lines()
        .map(|line| format!("{line}\t"))
        .collect();
    let mut got: Vec<String> = output.lines().map(str::to_string).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    // The local job runner ships nothing: the command runs where the client is.
    let (code, stderr) = run_binary(
        &conf_dir,
        "streaming",
        &[
            "-D",
            "mapreduce.framework.name=local",
            "-input",
            "/lines",
            "-output",
            "/cat-local",
            "-mapper",
            "cat",
            "-reducer",
            "NONE",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let mut local: Vec<String> = String::from_utf8(job_output(&client, "/cat-local").await)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    local.sort();
    assert_eq!(local, expected);

    // A mapper exiting non-zero fails its task and the job, in Hadoop's words.
    let (code, stderr) = run_binary(
        &conf_dir,
        "streaming",
        &[
            "-D",
            "mapreduce.map.maxattempts=1",
            "-input",
            "/lines",
            "-output",
            "/failed",
            "-mapper",
            "false",
            "-reducer",
            "cat",
        ],
    )
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("PipeMapRed.waitOutputThreads(): subprocess failed with code 1"),
        "{stderr}"
    );
    assert!(stderr.contains("Streaming Command Failed!"), "{stderr}");
    assert!(
        client
            .get_file_info("/failed/_SUCCESS")
            .await
            .unwrap()
            .is_none()
    );
    cluster.shutdown().await;
}
