//! MapReduce jobs end to end on YARN in a mini-cluster with tiny blocks:
//! the example binaries (wordcount, teragen/terasort/teravalidate) as real
//! job clients whose MRAppMaster and tasks run in NodeManager containers.

use std::collections::BTreeMap;
use std::path::Path;

use client::DfsClient;
use minicluster::MiniCluster;
use tusk_tests::{eventually, read_file as read, run_binary, write_file};

const BLOCK: u64 = 16 * 1024;
/// How long a job's milestones may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .nodemanagers(2)
        .build()
        .await
        .unwrap()
}

/// The `part-*` files of a job's output, concatenated in name order.
async fn job_output(client: &DfsClient, dir: &str) -> Vec<u8> {
    let entries = client.list(dir).await.unwrap();
    let names: Vec<&str> = entries.iter().map(|entry| entry.name()).collect();
    assert!(names.contains(&"_SUCCESS"), "no _SUCCESS in {names:?}");
    assert!(
        !names.contains(&"_temporary"),
        "_temporary left in {names:?}"
    );
    let mut out = Vec::new();
    for entry in &entries {
        if entry.name().starts_with("part-") {
            out.extend(read(client, &entry.path).await);
        }
    }
    out
}

/// A corpus with UTF-8 words, empty lines, CRLF and CR endings, tabs and
/// form feeds, and one line longer than 64 KiB, over several tiny blocks.
fn corpus(seed: u64) -> Vec<u8> {
    let words = [
        "alpha",
        "beta",
        "γάμμα",
        "délta",
        "ε",
        "日本語",
        "naïve",
        "Zürich",
        "a",
        "the",
        "the",
        "the",
        "of",
        "x-y",
        "123",
    ];
    let separators: [&[u8]; 6] = [b" ", b" ", b"\t", b"  ", b"\x0c", b" \t "];
    let endings: [&[u8]; 4] = [b"\n", b"\r\n", b"\r", b"\n\n"];
    let mut state = seed;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % bound
    };
    let mut text = Vec::new();
    for line in 0..3_000 {
        if line == 1_234 {
            for index in 0..14_000 {
                text.extend_from_slice(words[index % words.len()].as_bytes());
                text.push(b' ');
            }
        }
        for _ in 0..next(12) {
            text.extend_from_slice(words[next(words.len())].as_bytes());
            text.extend_from_slice(separators[next(separators.len())]);
        }
        text.extend_from_slice(endings[next(endings.len())]);
    }
    text
}

fn reference_count(texts: &[&[u8]]) -> BTreeMap<Vec<u8>, u64> {
    let mut counts = BTreeMap::new();
    for text in texts {
        for word in text
            .split(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0x0c))
            .filter(|word| !word.is_empty())
        {
            *counts.entry(word.to_vec()).or_insert(0) += 1;
        }
    }
    counts
}

fn parse_counts(output: &[u8]) -> BTreeMap<Vec<u8>, u64> {
    let mut counts = BTreeMap::new();
    for line in output
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
    {
        let tab = line.iter().rposition(|&byte| byte == b'\t').unwrap();
        let count = std::str::from_utf8(&line[tab + 1..])
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            counts.insert(line[..tab].to_vec(), count).is_none(),
            "duplicate word"
        );
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wordcount_counts_a_tricky_corpus_exactly() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let first = corpus(1);
    let second = corpus(2);
    assert!(
        first.len() as u64 > 8 * BLOCK,
        "the corpus spans many blocks"
    );
    write_file(&client, "/in/one.txt", &first, 2, BLOCK).await;
    write_file(&client, "/in/two.txt", &second, 2, BLOCK).await;
    write_file(&client, "/in/_ignored", b"hidden hidden hidden\n", 2, BLOCK).await;
    write_file(&client, "/in/.also-ignored", b"hidden\n", 2, BLOCK).await;

    let (code, stderr) = run_binary(
        &cluster.conf_dir(),
        "wordcount",
        &["-D", "mapreduce.job.reduces=3", "/in", "/out"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("map 100% reduce 100%"), "{stderr}");
    assert!(stderr.contains("Map input records="), "{stderr}");
    assert!(stderr.contains("Data-local map tasks="), "{stderr}");
    // Hadoop's counter groups, with what was really read, written and used.
    let input_bytes = (first.len() + second.len()) as u64;
    assert!(counter(&stderr, "HDFS: Number of bytes read") >= input_bytes);
    assert_eq!(
        counter(&stderr, "Bytes Read"),
        counter(&stderr, "HDFS: Number of bytes read")
    );
    assert_eq!(
        counter(&stderr, "Bytes Written"),
        counter(&stderr, "HDFS: Number of bytes written")
    );
    assert!(
        counter(&stderr, "FILE: Number of bytes written")
            >= counter(&stderr, "Map output materialized bytes")
    );
    assert!(
        counter(&stderr, "FILE: Number of bytes read")
            <= counter(&stderr, "FILE: Number of bytes written"),
        "every local file read was written by the job's tasks"
    );
    assert!(counter(&stderr, "CPU time spent (ms)") > 0);
    assert!(counter(&stderr, "Peak Map Physical memory (bytes)") > 0);
    assert!(counter(&stderr, "Total time spent by all map tasks (ms)") > 0);
    assert!(
        counter(
            &stderr,
            "Total megabyte-milliseconds taken by all reduce tasks"
        ) >= counter(&stderr, "Total time spent by all reduce tasks (ms)")
    );
    assert_eq!(
        counter(&stderr, "Shuffled Maps "),
        counter(&stderr, "Merged Map outputs")
    );
    for name in [
        "BAD_ID",
        "CONNECTION",
        "IO_ERROR",
        "WRONG_LENGTH",
        "WRONG_MAP",
        "WRONG_REDUCE",
    ] {
        assert_eq!(counter(&stderr, name), 0, "{name}");
    }
    let groups: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with('\t') && !line.starts_with("\t\t"))
        .map(str::trim_end)
        .collect();
    assert_eq!(
        groups[..6],
        [
            "\tFile System Counters",
            "\tJob Counters",
            "\tMap-Reduce Framework",
            "\tShuffle Errors",
            "\tFile Input Format Counters",
            "\tFile Output Format Counters",
        ],
        "{stderr}"
    );
    let splits: usize = stderr
        .split("number of splits:")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|count| count.trim().parse().ok())
        .unwrap();
    assert!(splits > 8, "expected a split per block, got {splits}");

    // The mini-cluster's JobHistoryServer serves the finished job.
    let job_id = stderr
        .split("Running job: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let history = cluster.yarn().unwrap().jobhistory_web_url().unwrap();
    let history = history.trim_start_matches("http://");
    let (status, body) = tusk_tests::http(
        history,
        &format!("GET /ws/v1/history/mapreduce/jobs/{job_id} HTTP/1.1"),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"state\":\"SUCCEEDED\""), "{body}");

    let counted = parse_counts(&job_output(&client, "/out").await);
    assert_eq!(counted, reference_count(&[&first, &second]));
    assert!(!counted.contains_key(&b"hidden"[..]));

    // An existing output directory is refused before anything runs.
    let (code, stderr) = run_binary(&cluster.conf_dir(), "wordcount", &["/in", "/out"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("Output directory hdfs://"), "{stderr}");
    assert!(stderr.contains("/out already exists"), "{stderr}");
    cluster.shutdown().await;
}

fn report_value<'a>(report: &'a str, key: &str) -> Option<&'a str> {
    report
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('\t'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terasort_of_100000_rows_with_3_reducers_validates() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let small_blocks = "dfs.blocksize=1m";
    let (code, stderr) = run_binary(
        &conf_dir,
        "teragen",
        &[
            "-D",
            small_blocks,
            "-D",
            "mapreduce.job.maps=3",
            "100000",
            "/tera/in",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let generated = job_output(&client, "/tera/in").await;
    assert_eq!(generated.len(), 100_000 * 100);

    // A tiny merge threshold: the reducers merge segments held in memory to
    // disk while their fetches go on.
    let (code, stderr) = run_binary(
        &conf_dir,
        "terasort",
        &[
            "-D",
            "mapreduce.job.reduces=3",
            "-D",
            "mapreduce.reduce.shuffle.merge.percent=0.001",
            "/tera/in",
            "/tera/out",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    // Each map spills once (no map-side merge), so the passes are the
    // reducers': at least one each.
    assert!(counter(&stderr, "Merge passes") >= 3, "{stderr}");
    assert!(counter(&stderr, "Spilled Records") > 100_000, "{stderr}");
    let parts: Vec<String> = client
        .list("/tera/out")
        .await
        .unwrap()
        .iter()
        .map(|entry| entry.name().to_string())
        .filter(|name| name.starts_with("part-r-"))
        .collect();
    assert_eq!(parts, ["part-r-00000", "part-r-00001", "part-r-00002"]);
    for part in &parts {
        let length = client
            .stat(&format!("/tera/out/{part}"))
            .await
            .unwrap()
            .length;
        assert!(
            length > 0,
            "{part} is empty: the partitioner did not spread keys"
        );
    }
    let sorted = job_output(&client, "/tera/out").await;
    let mut expected: Vec<&[u8]> = generated.chunks(100).collect();
    expected.sort_by(|left, right| left[..10].cmp(&right[..10]));
    let sorted_keys: Vec<&[u8]> = sorted.chunks(100).map(|row| &row[..10]).collect();
    let expected_keys: Vec<&[u8]> = expected.iter().map(|row| &row[..10]).collect();
    assert_eq!(sorted_keys, expected_keys);

    let (code, stderr) =
        run_binary(&conf_dir, "teravalidate", &["/tera/out", "/tera/report"]).await;
    assert_eq!(code, 0, "{stderr}");
    let report = String::from_utf8(job_output(&client, "/tera/report").await).unwrap();
    assert!(!report.contains("error"), "{report}");
    assert_eq!(report_value(&report, "rows"), Some("100000"));

    // The same checksum over the unsorted input: nothing lost or changed.
    let (code, stderr) =
        run_binary(&conf_dir, "teravalidate", &["/tera/in", "/tera/in-report"]).await;
    assert_eq!(code, 0, "{stderr}");
    let input_report = String::from_utf8(job_output(&client, "/tera/in-report").await).unwrap();
    assert!(
        input_report.contains("error\tmisorder"),
        "unsorted input must be flagged"
    );
    assert_eq!(
        report_value(&input_report, "checksum"),
        report_value(&report, "checksum")
    );
    cluster.shutdown().await;
}

/// A cluster whose NodeManagers each hold the AM and a few small tasks, so
/// the tasks of a job spread over both.
async fn small_nodes_cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .nodemanagers(2)
        .set("yarn.nodemanager.resource.memory-mb", "1024")
        .build()
        .await
        .unwrap()
}

/// Generates `rows` teragen rows in 1 MiB blocks under `dir`; returns them.
async fn teragen(cluster: &MiniCluster, rows: &str, dir: &str) -> Vec<u8> {
    let client = cluster.client().unwrap();
    let args = [
        "-D",
        "dfs.blocksize=1m",
        "-D",
        "mapreduce.job.maps=2",
        rows,
        dir,
    ];
    let (code, stderr) = run_binary(&cluster.conf_dir(), "teragen", &args).await;
    assert_eq!(code, 0, "{stderr}");
    // A map-only job: its reduce progress stays 0% as Hadoop's does, from
    // the first progress line (never `map 0% reduce 100%`) to the last.
    let progress: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.split("INFO mapreduce.Job:  ").nth(1))
        .collect();
    assert!(
        progress.iter().all(|line| line.ends_with(" reduce 0%")),
        "{stderr}"
    );
    assert_eq!(progress.last(), Some(&"map 100% reduce 0%"), "{stderr}");
    job_output(&client, dir).await
}

/// The rows of `generated` sorted by key, as terasort must output them.
fn sorted_keys(rows: &[u8]) -> Vec<&[u8]> {
    let mut keys: Vec<&[u8]> = rows.chunks(100).map(|row| &row[..10]).collect();
    keys.sort();
    keys
}

/// The value of a counter line (`\t\tName=value`) in a job client's output.
fn counter(stderr: &str, name: &str) -> u64 {
    stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix(&format!("{name}=")))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no counter {name} in {stderr}"))
}

/// A job binary started in the background.
fn spawn_binary(conf_dir: &Path, name: &str, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(tusk_tests::binary(name))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

async fn finish(child: tokio::process::Child) -> (i32, String) {
    let output = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

/// Pid and attempt id of a running task process of this cluster with `role`.
fn find_task_process(conf_dir: &Path, role: &str) -> Option<(i32, String)> {
    let wanted_role = format!("TUSK_MR_ROLE={role}");
    let wanted_conf = format!("HADOOP_CONF_DIR={}", conf_dir.display());
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let vars: Vec<String> = environ
            .split(|&byte| byte == 0)
            .map(|var| String::from_utf8_lossy(var).into_owned())
            .collect();
        if vars.contains(&wanted_role) && vars.contains(&wanted_conf) {
            let attempt = vars
                .iter()
                .find_map(|var| var.strip_prefix("TUSK_MR_ATTEMPT="))?
                .to_string();
            return Some((pid, attempt));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_attempt_killed_mid_run_is_retried_and_the_sort_stays_exact() {
    let cluster = small_nodes_cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let generated = teragen(&cluster, "100000", "/tera/in").await;
    let job = spawn_binary(
        &conf_dir,
        "terasort",
        &[
            "-D",
            "mapreduce.job.reduces=3",
            "-D",
            "mapreduce.task.io.sort.mb=1",
            "/tera/in",
            "/tera/out",
        ],
    );
    let (pid, attempt) = eventually(TIMEOUT, "a map task to run", async || {
        find_task_process(&conf_dir, "map")
    })
    .await;
    // SAFETY: kill(2) on a pid just read from /proc; at worst it is gone.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let (code, stderr) = finish(job).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        counter(&stderr, "Failed map tasks"),
        1,
        "{attempt} was killed"
    );
    let sorted = job_output(&client, "/tera/out").await;
    let keys: Vec<&[u8]> = sorted.chunks(100).map(|row| &row[..10]).collect();
    assert_eq!(keys, sorted_keys(&generated));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nodemanager_lost_after_the_maps_makes_the_am_run_them_again() {
    let mut cluster = small_nodes_cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let generated = teragen(&cluster, "100000", "/tera/in").await;
    let args = [
        "-D",
        "mapreduce.job.reduces=3",
        "-D",
        "mapreduce.job.reduce.slowstart.completedmaps=1.0",
        "/tera/in",
        "/tera/out",
    ];
    let job = spawn_binary(&conf_dir, "terasort", &args);
    let yarn = cluster.yarn_client().unwrap();
    let conf = cluster.conf().clone();
    let (report, am_host) = eventually(TIMEOUT, "the maps to finish", async || {
        let apps = mapreduce::yarn::jobclient::running_jobs(&yarn)
            .await
            .unwrap();
        let app = apps.first()?;
        let job_id = app.application_id.replacen("application_", "job_", 1);
        let report = mapreduce::yarn::jobclient::job_status(&conf, &client, &yarn, &job_id)
            .await
            .ok()?;
        (report.total_maps > 0 && report.finished_maps == report.total_maps)
            .then(|| (report, app.am_host.clone()))
    })
    .await;
    let victim = (0..2)
        .find(|&index| minicluster::datanode_host(index) != am_host)
        .unwrap();
    cluster.yarn_mut().unwrap().stop_nodemanager(victim).await;
    let (code, stderr) = finish(job).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        counter(&stderr, "Launched map tasks") > report.total_maps as u64,
        "the maps of the lost node ran again: {stderr}"
    );
    let sorted = job_output(&client, "/tera/out").await;
    let keys: Vec<&[u8]> = sorted.chunks(100).map(|row| &row[..10]).collect();
    assert_eq!(keys, sorted_keys(&generated));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapred_job_lists_kills_and_reports_jobs() {
    let cluster = small_nodes_cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    teragen(&cluster, "100000", "/tera/in").await;
    let job = spawn_binary(
        &conf_dir,
        "terasort",
        &["-D", "mapreduce.task.io.sort.mb=1", "/tera/in", "/tera/out"],
    );
    let job_id = eventually(TIMEOUT, "the job to show up", async || {
        let (code, stdout, stderr) = mapred(&conf_dir, &["job", "-list"]);
        assert_eq!(code, 0, "{stderr}");
        stdout
            .lines()
            .find(|line| line.contains("RUNNING"))
            .map(|line| line.split_whitespace().next().unwrap().to_string())
    })
    .await;
    let (code, stdout, stderr) = mapred(&conf_dir, &["job", "-kill", &job_id]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), format!("Killed job {job_id}"));
    let (code, stderr) = finish(job).await;
    assert_eq!(code, 1, "the killed job's client fails");
    // Hadoop's Job.monitorAndPrintJob: the state is KILLED, the reason
    // MRClientService's, and no progress line goes back.
    assert!(
        stderr.contains(&format!(
            "INFO mapreduce.Job: Job {job_id} failed with state KILLED due to: \
             Kill job {job_id} received from "
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("Job received Kill while in RUNNING state."),
        "{stderr}"
    );
    assert!(!stderr.contains("with state FAILED"), "{stderr}");
    let progress: Vec<(u32, u32)> = stderr
        .lines()
        .filter_map(|line| line.split("INFO mapreduce.Job:  map ").nth(1))
        .map(|line| {
            let (map, reduce) = line.split_once("% reduce ").unwrap();
            (
                map.parse().unwrap(),
                reduce.trim_end_matches('%').parse().unwrap(),
            )
        })
        .collect();
    assert!(
        progress
            .windows(2)
            .all(|pair| pair[0].0 <= pair[1].0 && pair[0].1 <= pair[1].1),
        "progress went back: {progress:?}\n{stderr}"
    );
    let (code, stdout, stderr) = mapred(&conf_dir, &["job", "-status", &job_id]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Job state: KILLED"), "{stdout}");
    let left: Vec<String> = client
        .list("/tera/out")
        .await
        .map(|entries| entries.iter().map(|e| e.name().to_string()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a killed job leaves no output: {left:?}");

    let (code, stderr) = run_binary(&conf_dir, "wordcount", &["/tera/in", "/counts"]).await;
    assert_eq!(code, 0, "{stderr}");
    let finished = stderr
        .lines()
        .find_map(|line| line.split("Running job: ").nth(1))
        .unwrap()
        .to_string();
    let (code, stdout, stderr) = mapred(&conf_dir, &["job", "-status", &finished]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Job state: SUCCEEDED"), "{stdout}");
    assert!(stdout.contains("map() completion: 1.0"), "{stdout}");
    assert!(stdout.contains("Map input records=100000"), "{stdout}");
    let (code, _, stderr) = mapred(&conf_dir, &["job", "-status", "job_1_9999"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("Could not find job job_1_9999"), "{stderr}");
    let (code, stdout, stderr) = mapred(
        &conf_dir,
        &[
            "job",
            "-counter",
            &finished,
            "org.apache.hadoop.mapreduce.TaskCounter",
            "MAP_INPUT_RECORDS",
        ],
    );
    assert_eq!((code, stdout.as_str()), (0, "100000\n"), "{stderr}");
    // `-list all` shows teragen's, the killed and the finished job, in job states;
    // `-list` none of them.
    let (code, stdout, _) = mapred(&conf_dir, &["job", "-list", "all"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("Total jobs:3\n"), "{stdout}");
    let state_of = |job: &str| {
        let line = stdout.lines().find(|line| line.contains(job)).unwrap();
        line.split('\t').nth(2).unwrap().trim().to_string()
    };
    assert_eq!(state_of(&finished), "SUCCEEDED", "{stdout}");
    assert_eq!(state_of(&job_id), "KILLED", "{stdout}");
    let (_, stdout, _) = mapred(&conf_dir, &["job", "-list"]);
    assert!(stdout.starts_with("Total jobs:0\n"), "{stdout}");
    the_history_server_serves(&conf_dir, &finished, &job_id);
    cluster.shutdown().await;
}

/// `mapred historyserver` lists both finished jobs and serves the report
/// and counters of `succeeded` over Hadoop's REST API.
fn the_history_server_serves(conf_dir: &Path, succeeded: &str, killed: &str) {
    let mut server = std::process::Command::new(tusk_tests::binary("mapred"))
        .args([
            "historyserver",
            "-D",
            "mapreduce.jobhistory.webapp.address=127.0.0.1:0",
        ])
        .env("HADOOP_CONF_DIR", conf_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let address = std::io::BufRead::lines(stderr)
        .map_while(Result::ok)
        .find_map(|line| {
            line.contains("JobHistoryServer started")
                .then(|| tusk_tests::field(&line, "web_address="))
                .flatten()
        })
        .expect("the history server printed its address");

    let (status, body) =
        tusk_tests::http(&address, "GET /ws/v1/history/mapreduce/jobs HTTP/1.1", b"");
    assert_eq!(status, 200, "{body}");
    let jobs: serde_json::Value = serde_json::from_str(&body).unwrap();
    let jobs = jobs["jobs"]["job"].as_array().unwrap();
    let state_of = |id: &str| {
        jobs.iter()
            .find(|job| job["id"] == id)
            .map(|job| job["state"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(state_of(succeeded).as_deref(), Some("SUCCEEDED"), "{body}");
    assert_eq!(state_of(killed).as_deref(), Some("KILLED"), "{body}");

    let (status, body) = tusk_tests::http(
        &address,
        "GET /ws/v1/history/mapreduce/jobs?state=KILLED HTTP/1.1",
        b"",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(killed) && !body.contains(succeeded), "{body}");

    let path = format!("/ws/v1/history/mapreduce/jobs/{succeeded}");
    let (status, body) = tusk_tests::http(&address, &format!("GET {path} HTTP/1.1"), b"");
    assert_eq!(status, 200, "{body}");
    let job: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(job["job"]["mapsTotal"].as_u64().unwrap() > 0, "{body}");
    assert_eq!(
        job["job"]["mapsCompleted"], job["job"]["mapsTotal"],
        "{body}"
    );
    assert_eq!(job["job"]["name"], "word count", "{body}");

    let (status, body) = tusk_tests::http(&address, &format!("GET {path}/counters HTTP/1.1"), b"");
    assert_eq!(status, 200, "{body}");
    let counters: serde_json::Value = serde_json::from_str(&body).unwrap();
    let input_records = counters["jobCounters"]["counterGroup"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["counter"].as_array().unwrap())
        .find(|counter| counter["name"] == "MAP_INPUT_RECORDS")
        .map(|counter| counter["totalCounterValue"].clone());
    assert_eq!(input_records, Some(serde_json::json!(100000)), "{body}");

    let (status, body) = tusk_tests::http(
        &address,
        "GET /ws/v1/history/mapreduce/jobs/job_1_9999 HTTP/1.1",
        b"",
    );
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("job, job_1_9999, is not found"), "{body}");
    server.kill().unwrap();
    server.wait().unwrap();
}

fn mapred(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(tusk_tests::binary("mapred"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
