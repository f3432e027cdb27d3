//! A MapReduce job across a NameNode failover: the HA mini-cluster with YARN, the
//! `wordcount` example as a real job client, and `kill -9` of the active NameNode process
//! while the job's ApplicationMaster and tasks read and write `hdfs://mycluster`.

use std::collections::BTreeMap;
use std::time::Duration;

use minicluster::ha::HaCluster;
use proto::yarn as pb;
use tusk_tests::yarn::wait_final;
use tusk_tests::{binary, eventually, read_file, write_file};

const BLOCK: u64 = 16 * 1024;

/// `lines` lines of words from a small vocabulary, deterministic in `seed`.
fn corpus(seed: u64, lines: usize) -> Vec<u8> {
    let words = [
        "alpha",
        "beta",
        "γάμμα",
        "delta",
        "日本語",
        "the",
        "the",
        "of",
    ];
    let mut state = seed;
    let mut text = Vec::new();
    for _ in 0..lines {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        for word in 0..(state >> 60) + 1 {
            let pick = (state >> (8 * (word % 7))) as usize % words.len();
            text.extend_from_slice(words[pick].as_bytes());
            text.push(b' ');
        }
        text.push(b'\n');
    }
    text
}

fn count_words(text: &[u8]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for word in String::from_utf8_lossy(text).split_whitespace() {
        *counts.entry(word.to_string()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wordcount_completes_across_a_kill_of_the_active_namenode() {
    let mut cluster = HaCluster::builder()
        .hdfs_binary(binary("hdfs"))
        .nodemanagers(2)
        .build()
        .await
        .unwrap();
    cluster
        .yarn()
        .unwrap()
        .wait_nodemanagers(2, Duration::from_secs(30))
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let input = corpus(7, 12_000);
    assert!(
        input.len() as u64 > 10 * BLOCK,
        "the input spans many splits"
    );
    write_file(&client, "/in/words.txt", &input, 2, BLOCK).await;
    let active = cluster.active_index().await.expect("an active NameNode");

    let job = tokio::process::Command::new(binary("wordcount"))
        .args(["-D", "mapreduce.job.reduces=2", "/in", "/out"])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .kill_on_drop(true)
        .output();
    let job = tokio::spawn(job);

    // Once the tasks run, the active NameNode dies under them and their ApplicationMaster.
    let yarn = cluster.yarn().unwrap().yarn_client().unwrap();
    let app = eventually(
        Duration::from_secs(60),
        "the job's tasks to run",
        || async {
            let apps = yarn
                .applications(pb::GetApplicationsRequest::default())
                .await
                .ok()?;
            apps.into_iter().find(|app| {
                pb::YarnApplicationState::try_from(app.state)
                    == Ok(pb::YarnApplicationState::Running)
                    && app.progress > 0.0
            })
        },
    )
    .await;
    cluster.kill_namenode(active);
    let report = yarn.application_report(&app.application_id).await.unwrap();
    assert_eq!(
        pb::YarnApplicationState::try_from(report.state),
        Ok(pb::YarnApplicationState::Running),
        "the job was still running when its NameNode died"
    );
    assert!(report.progress < 1.0, "the job had work left: {report:?}");

    let output = job.await.unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "wordcount failed: {stderr}");
    let report = wait_final(&yarn, &app.application_id, Duration::from_secs(30)).await;
    assert_eq!(
        pb::FinalApplicationStatus::try_from(report.final_status),
        Ok(pb::FinalApplicationStatus::Succeeded)
    );
    let standby = 1 - active;
    assert_eq!(cluster.active_index().await, Some(standby));

    let mut counted = BTreeMap::new();
    let entries = client.list("/out").await.unwrap();
    let names: Vec<&str> = entries.iter().map(|entry| entry.name()).collect();
    assert!(names.contains(&"_SUCCESS"), "no _SUCCESS in {names:?}");
    for entry in entries
        .iter()
        .filter(|entry| entry.name().starts_with("part-"))
    {
        let part = read_file(&client, &entry.path).await;
        for line in String::from_utf8(part).unwrap().lines() {
            let (word, count) = line.rsplit_once('\t').unwrap();
            let fresh = counted.insert(word.to_string(), count.parse::<u64>().unwrap());
            assert!(fresh.is_none(), "{word} counted in two parts");
        }
    }
    assert_eq!(counted, count_words(&input));
    cluster.shutdown().await;
}
