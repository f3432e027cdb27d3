//! A NameNode on a quorum of three JournalNodes (the mini-cluster's
//! `journal_nodes(3)`, real sockets): durability, one and two JournalNodes
//! lost, segment recovery over a torn copy, and the refusals Hadoop words.

use std::path::Path;
use std::time::{Duration, Instant};

use common::FsPermission;
use minicluster::MiniCluster;
use namenode::{NameNode, NameNodeConfig, QuorumJournal};
use proto::hdfs::NamespaceInfo;
use tusk_tests::eventually;

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
    // It catches up, and writes the new segment with the others.
    loop {
        let have = finalized(&cluster.journal_dir(2));
        let writing = in_progress(&cluster.journal_dir(2));
        if wanted.iter().all(|name| have.contains(name))
            && writing == in_progress(&cluster.journal_dir(0))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "JournalNode 2 never caught up: has {have:?} and {writing:?}, peers have {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
async fn a_namenode_cut_off_from_the_quorum_acknowledges_nothing() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "before", 3).await;
    cluster.partition(&["nn"], &["jn1", "jn2"]);
    let client = cluster.client().unwrap();
    assert!(
        client
            .mkdirs("/cut", dir_permission(), false)
            .await
            .is_err()
    );
    assert!(
        client
            .mkdirs("/cut2", dir_permission(), false)
            .await
            .is_err()
    );
    cluster.heal();
    cluster.kill_namenode().await;
    cluster.restart_namenode().await.unwrap();
    assert_eq!(count_present(&cluster, "before", 3).await, 3);
    let client = cluster.client().unwrap();
    assert!(client.get_file_info("/cut2").await.unwrap().is_none());
    mkdirs(&cluster, "after", 3).await;
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
    let start = segment.trim_start_matches("edits_inprogress_");
    let full = recovered
        .iter()
        .find(|name| name.starts_with(&format!("edits_{start}-")))
        .expect("the segment was finalized");
    // Recovery needs a quorum only: the torn copy is replaced when its JournalNode has
    // synced the chosen one, which may come just after the NameNode is up.
    eventually(
        Duration::from_secs(60),
        "the torn copy replaced by the recovered segment",
        async || finalized(&dir).contains(full),
    )
    .await;
    assert_eq!(
        std::fs::read(dir.join(full)).unwrap(),
        std::fs::read(cluster.journal_dir(2).join(full)).unwrap()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_gets_every_durable_edit_finalized_and_in_progress() {
    let mut cluster = cluster().await;
    mkdirs(&cluster, "f", 4).await;
    cluster.restart_namenode().await.unwrap();
    mkdirs(&cluster, "p", 6).await;
    let last = cluster.namesystem().unwrap().last_txid();
    let uri = cluster.conf().get("dfs.namenode.shared.edits.dir").unwrap();
    let reader = QuorumJournal::from_uri(&uri, cluster.conf()).unwrap();
    let finalized_only = reader.read_edits(0, false).await.unwrap();
    assert!(!finalized_only.is_empty());
    let all = reader.read_edits(0, true).await.unwrap();
    let txids: Vec<u64> = all.iter().map(|edit| edit.txid).collect();
    assert_eq!(txids, (1..=last).collect::<Vec<_>>());
    let tail = reader.read_edits(last - 2, true).await.unwrap();
    assert_eq!(
        tail.iter().map(|edit| edit.txid).collect::<Vec<_>>(),
        [last - 1, last]
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

/// Real processes: three `hdfs journalnode`s, `hdfs namenode
/// -initializeSharedEdits` moving a local-edits NameNode onto them, then the
/// NameNode exiting with Hadoop's FATAL line when it loses the quorum.
mod processes {
    use std::io::{BufRead, BufReader};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    use client::DfsClient;
    use common::FsPermission;
    use tusk_tests::{NameNodeProcess, binary, free_port, hdfs, write_namenode_conf};

    struct Daemon(Child);

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn site(properties: &[(&str, String)]) -> String {
        let body: String = properties
            .iter()
            .map(|(key, value)| {
                format!("<property><name>{key}</name><value>{value}</value></property>\n")
            })
            .collect();
        format!("<configuration>\n{body}</configuration>\n")
    }

    fn start_journal_node(base: &Path, index: usize, rpc: u16) -> Daemon {
        let conf_dir = base.join(format!("jn{index}-conf"));
        std::fs::create_dir_all(&conf_dir).unwrap();
        let edits: PathBuf = base.join(format!("jn{index}"));
        std::fs::write(
            conf_dir.join("hdfs-site.xml"),
            site(&[
                ("dfs.journalnode.rpc-address", format!("127.0.0.1:{rpc}")),
                ("dfs.journalnode.http-address", "127.0.0.1:0".to_string()),
                ("dfs.journalnode.edits.dir", edits.display().to_string()),
            ]),
        )
        .unwrap();
        let child = Command::new(binary("hdfs"))
            .arg("journalnode")
            .env("HADOOP_CONF_DIR", &conf_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", rpc)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "JournalNode {index} did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon(child)
    }

    #[test]
    fn initialize_shared_edits_then_exit_on_losing_the_quorum() {
        let base = tempfile::tempdir().unwrap();
        let conf_dir = write_namenode_conf(base.path());
        let (code, _, stderr) = hdfs(&conf_dir, &["namenode", "-format", "-nonInteractive"]);
        assert_eq!(code, 0, "{stderr}");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let namenode = NameNodeProcess::start(&conf_dir).unwrap();
        runtime.block_on(async {
            let client = DfsClient::connect(
                &namenode.rpc_address,
                &common::user::os_user(),
                FsPermission::new(0o022),
            )
            .unwrap();
            client
                .mkdirs("/local-only", FsPermission::new(0o755), false)
                .await
                .unwrap();
        });
        namenode.kill();

        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut journal_nodes: Vec<Option<Daemon>> = (0..3)
            .map(|index| Some(start_journal_node(base.path(), index, ports[index])))
            .collect();
        let uri = format!(
            "qjournal://{}/proc",
            ports
                .iter()
                .map(|port| format!("127.0.0.1:{port}"))
                .collect::<Vec<_>>()
                .join(";")
        );
        let site_path = conf_dir.join("hdfs-site.xml");
        let text = std::fs::read_to_string(&site_path).unwrap().replace(
            "</configuration>",
            &format!(
                "<property><name>dfs.namenode.shared.edits.dir</name><value>{uri}</value></property>\n\
                 <property><name>dfs.qjournal.write-txns.timeout.ms</name><value>3000</value></property>\n</configuration>"
            ),
        );
        std::fs::write(&site_path, text).unwrap();

        let (code, _, stderr) = hdfs(&conf_dir, &["namenode"]);
        assert_eq!(code, 1);
        assert!(stderr.contains("is not formatted"), "{stderr}");
        let (code, stdout, stderr) = hdfs(
            &conf_dir,
            &["namenode", "-initializeSharedEdits", "-nonInteractive"],
        );
        assert_eq!(code, 0, "{stdout}{stderr}");
        let (code, _, stderr) = hdfs(
            &conf_dir,
            &["namenode", "-initializeSharedEdits", "-nonInteractive"],
        );
        assert_eq!(code, 1, "formatted journals need -force: {stderr}");
        let (code, _, stderr) = hdfs(&conf_dir, &["namenode", "-format", "-nonInteractive"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("QJM to [127.0.0.1:"), "{stderr}");

        let mut child = Command::new(binary("hdfs"))
            .arg("namenode")
            .env("HADOOP_CONF_DIR", &conf_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut namenode = Daemon(child);
        let rpc = loop {
            let line = lines.recv_timeout(Duration::from_secs(60)).unwrap();
            if line.contains("NameNode started") {
                break tusk_tests::field(&line, "rpc=").unwrap();
            }
        };
        runtime.block_on(async {
            let client =
                DfsClient::connect(&rpc, &common::user::os_user(), FsPermission::new(0o022))
                    .unwrap();
            assert!(client.get_file_info("/local-only").await.unwrap().is_some());
            client
                .mkdirs("/on-quorum", FsPermission::new(0o755), false)
                .await
                .unwrap();
            journal_nodes[1].take();
            journal_nodes[2].take();
            assert!(
                client
                    .mkdirs("/lost-quorum", FsPermission::new(0o755), false)
                    .await
                    .is_err()
            );
        });
        let mut fatal = String::new();
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
            if line.contains("FATAL") {
                fatal = line;
                break;
            }
        }
        assert!(
            fatal.contains("Error: flush failed for required journal"),
            "{fatal}"
        );
        let status = namenode.0.wait().unwrap();
        assert_eq!(status.code(), Some(1));
    }
}
