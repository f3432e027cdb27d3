//! A NameNode on a quorum of three JournalNodes (the mini-cluster's
//! `journal_nodes(3)`, real sockets): durability, one and two JournalNodes
//! lost, segment recovery over a torn copy, and the refusals Hadoop words.

use std::path::Path;
use std::time::{Duration, Instant};

use common::FsPermission;
use minicluster::MiniCluster;
use namenode::{NameNode, NameNodeConfig, QuorumJournal};
use proto::hdfs::NamespaceInfo;

fn dir_permission() -> FsPermission {
    FsPermission::new(0o755)
}

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .journal_nodes(3)
        .set("dfs.qjournal.write-txns.timeout.ms", "3000")
        .build()
        .await
        .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn finalized(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|name| name.starts_with("edits_0"))
        .collect()
}

fn in_progress(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|name| name.starts_with("edits_inprogress_"))
        .collect()
}

async fn mkdirs(cluster: &MiniCluster, prefix: &str, count: usize) {
    let client = cluster.client().unwrap();
    for i in 0..count {
        client
            .mkdirs(&format!("/{prefix}{i}"), dir_permission(), false)
            .await
            .unwrap();
    }
}

async fn count_present(cluster: &MiniCluster, prefix: &str, count: usize) -> usize {
    let client = cluster.client().unwrap();
    let mut present = 0;
    for i in 0..count {
        if client
            .get_file_info(&format!("/{prefix}{i}"))
            .await
            .unwrap()
            .is_some()
        {
            present += 1;
        }
    }
    present
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_survive_a_restart_and_reach_every_journal_node() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "a", 25).await;
    cluster.restart_namenode().await.unwrap();
    assert_eq!(count_present(&cluster, "a", 25).await, 25);
    let segments = finalized(&cluster.journal_dir(0));
    assert!(!segments.is_empty(), "the clean stop finalized the segment");
    for index in 1..3 {
        assert_eq!(finalized(&cluster.journal_dir(index)), segments);
    }
    for index in 0..3 {
        let dir = cluster.journal_dir(index);
        for name in [
            "VERSION",
            "last-promised-epoch",
            "last-writer-epoch",
            "paxos",
        ] {
            assert!(dir.join(name).exists(), "{name} in {}", dir.display());
        }
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_journal_node_down_writes_go_on_and_it_catches_up() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "before", 5).await;
    cluster.kill_journal_node(2).await;
    mkdirs(&cluster, "during", 20).await;
    cluster.restart_journal_node(2).await.unwrap();
    // A clean restart of the NameNode finalizes the segment the lagging
    // JournalNode missed part of; its syncer downloads it from a peer.
    cluster.restart_namenode().await.unwrap();
    mkdirs(&cluster, "after", 5).await;
    let wanted = finalized(&cluster.journal_dir(0));
    assert!(!wanted.is_empty());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let have = finalized(&cluster.journal_dir(2));
        if wanted.iter().all(|name| have.contains(name)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "JournalNode 2 never caught up: has {have:?}, peers have {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        in_progress(&cluster.journal_dir(2)),
        in_progress(&cluster.journal_dir(0)),
        "it writes the new segment with the others"
    );
    assert_eq!(count_present(&cluster, "during", 20).await, 20);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_journal_nodes_down_no_write_is_acknowledged_and_nothing_is_lost() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "acked", 10).await;
    cluster.kill_journal_node(1).await;
    cluster.kill_journal_node(2).await;
    let client = cluster.client().unwrap();
    let mut refused = 0;
    for i in 0..5 {
        if let Err(error) = client
            .mkdirs(&format!("/refused{i}"), dir_permission(), false)
            .await
        {
            refused += 1;
            if i == 0 {
                let text = error.to_string();
                assert!(
                    text.contains("flush failed for required journal")
                        || text.contains("not writable"),
                    "{text}"
                );
            }
        }
    }
    assert_eq!(refused, 5, "no write is acknowledged without a quorum");
    cluster.kill_namenode().await;
    cluster.restart_journal_node(1).await.unwrap();
    cluster.restart_journal_node(2).await.unwrap();
    cluster.restart_namenode().await.unwrap();
    assert_eq!(count_present(&cluster, "acked", 10).await, 10);
    // The first refused write reached the one live JournalNode: its outcome
    // is in doubt (as in Hadoop, recovery may keep it, being the longest
    // copy of the newest writer). The edit log failed with it, so the later
    // ones never left the NameNode and must be absent.
    let client = cluster.client().unwrap();
    for i in 1..5 {
        assert!(
            client
                .get_file_info(&format!("/refused{i}"))
                .await
                .unwrap()
                .is_none(),
            "refused{i} was applied"
        );
    }
    mkdirs(&cluster, "later", 3).await;
    cluster.restart_namenode().await.unwrap();
    assert_eq!(count_present(&cluster, "later", 3).await, 3);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_picks_the_longer_valid_copy_over_a_torn_one() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "r", 30).await;
    cluster.kill_namenode().await;
    for index in 0..3 {
        cluster.stop_journal_node(index).await;
    }
    let dir = cluster.journal_dir(0);
    let segment = in_progress(&dir).pop().expect("an in-progress segment");
    let path = dir.join(&segment);
    let length = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(length / 2 - 3).unwrap();
    drop(file);
    for index in 0..3 {
        cluster.restart_journal_node(index).await.unwrap();
    }
    cluster.restart_namenode().await.unwrap();
    assert_eq!(count_present(&cluster, "r", 30).await, 30);
    let recovered = finalized(&cluster.journal_dir(2));
    let on_torn = finalized(&dir);
    let start = segment.trim_start_matches("edits_inprogress_");
    let full = recovered
        .iter()
        .find(|name| name.starts_with(&format!("edits_{start}-")))
        .expect("the segment was finalized");
    assert!(on_torn.contains(full), "{on_torn:?} lacks {full}");
    assert_eq!(
        std::fs::read(dir.join(full)).unwrap(),
        std::fs::read(cluster.journal_dir(2).join(full)).unwrap()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_writer_is_refused_with_hadoops_text() {
    let cluster = cluster().await;
    mkdirs(&cluster, "e", 3).await;
    let uri = cluster.conf().get("dfs.namenode.shared.edits.dir").unwrap();
    let usurper = QuorumJournal::from_uri(&uri, cluster.conf()).unwrap();
    let info = cluster.namesystem().unwrap().storage_info();
    let ns = NamespaceInfo {
        namespace_id: info.namespace_id,
        cluster_id: info.cluster_id.clone(),
        block_pool_id: info.block_pool_id.clone(),
        ctime: info.ctime,
        layout_version: -66,
    };
    usurper.recover_for_write(&ns).await.unwrap();
    let error = cluster
        .client()
        .unwrap()
        .mkdirs("/fenced", dir_permission(), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("IPC's epoch 1 is less than the last promised epoch 2"),
        "{error}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_and_unformatted_journals_are_clear_errors() {
    let mut cluster = cluster().await;
    let uri = cluster.conf().get("dfs.namenode.shared.edits.dir").unwrap();
    let other_ns = NamespaceInfo {
        namespace_id: 4242,
        cluster_id: "CID-other".into(),
        block_pool_id: "BP-other".into(),
        ctime: 0,
        layout_version: -66,
    };
    let foreign = QuorumJournal::from_uri(&uri, cluster.conf()).unwrap();
    let error = foreign
        .recover_for_write(&other_ns)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("Incompatible namespaceID for journal"),
        "{error}"
    );
    assert!(error.contains("NameNode has nsId 4242"), "{error}");

    cluster.stop_namenode().await;
    let fresh = uri.replace("/minicluster", "/fresh");
    let mut conf = cluster.conf().clone();
    conf.set("dfs.namenode.shared.edits.dir", fresh);
    let error = match NameNode::start(NameNodeConfig::from_conf(&conf).unwrap()).await {
        Ok(_) => panic!("a NameNode started on unformatted journals"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("is not formatted"), "{error}");
    let first = uri
        .trim_start_matches("qjournal://")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(error.contains(&first), "{error} names the JournalNodes");
    cluster.restart_namenode().await.unwrap();
    cluster.shutdown().await;
}
