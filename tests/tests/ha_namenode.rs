//! Two in-process NameNodes of one nameservice on shared edits (a shared
//! directory, or a quorum of three in-process JournalNodes): both start
//! standby and refuse clients with Hadoop's StandbyException; transitions by
//! HAServiceProtocol calls; every write made on the old active is on the new
//! one; a new active fences the old one on the quorum; `/isActive`; the HA
//! status in heartbeat answers; the standby's checkpoints landing on the
//! active; `-bootstrapStandby`; and the SecondaryNameNode refused in an HA
//! cluster.

use std::path::{Path, PathBuf};
use std::time::Duration;

use client::{CreateOptions, DfsClient};
use common::{Configuration, ExceptionKind, FsPermission, RemoteException};
use datanode::{DataNode, DataNodeConfig};
use namenode::bootstrap::{self, BootstrapError};
use namenode::{
    JournalNode, JournalNodeConfig, NameNode, NameNodeConfig, Namesystem, QuorumJournal,
    SecondaryConfig,
};
use proto::hdfs as pb;
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use proto::hdfs::datanode_protocol_client::DatanodeProtocolClient;
use proto::hdfs::ha_service_protocol_client::HaServiceProtocolClient;
use tusk_tests::{
    content, create_options, eventually, free_port, hdfs, http, read_file, write_file,
};

const DEADLINE: Duration = Duration::from_secs(30);

/// The configuration of a two-NameNode nameservice `mycluster` under `base`.
struct HaLayout {
    base: PathBuf,
    rpc: [String; 2],
    http: [String; 2],
    extra: Vec<(String, String)>,
}

impl HaLayout {
    fn new(base: &Path, extra: &[(&str, &str)]) -> Self {
        Self {
            base: base.to_path_buf(),
            rpc: [0, 1].map(|_| format!("127.0.0.1:{}", free_port())),
            http: [0, 1].map(|_| format!("127.0.0.1:{}", free_port())),
            extra: extra
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        }
    }

    /// The properties NameNode `nn1` or `nn2` reads.
    fn properties(&self, namenode: usize) -> Vec<(String, String)> {
        let id = format!("nn{}", namenode + 1);
        let mut properties = vec![
            (
                "dfs.namenode.name.dir".to_string(),
                self.base.join(&id).display().to_string(),
            ),
            (
                "dfs.namenode.shared.edits.dir".to_string(),
                format!("file://{}", self.base.join("shared").display()),
            ),
            ("dfs.nameservices".to_string(), "mycluster".to_string()),
            (
                "dfs.ha.namenodes.mycluster".to_string(),
                "nn1,nn2".to_string(),
            ),
        ];
        for index in 0..2 {
            let nn = format!("nn{}", index + 1);
            properties.push((
                format!("dfs.namenode.rpc-address.mycluster.{nn}"),
                self.rpc[index].clone(),
            ));
            properties.push((
                format!("dfs.namenode.http-address.mycluster.{nn}"),
                self.http[index].clone(),
            ));
        }
        properties.extend(
            [
                ("dfs.ha.namenode.id", id.as_str()),
                ("dfs.ha.tail-edits.period", "50ms"),
                ("dfs.ha.tail-edits.in-progress", "true"),
                ("dfs.namenode.fs-limits.min-block-size", "0"),
            ]
            .map(|(key, value)| (key.to_string(), value.to_string())),
        );
        properties.extend(self.extra.iter().cloned());
        properties
    }

    /// The configuration NameNode `nn1` or `nn2` reads.
    fn conf(&self, namenode: usize) -> Configuration {
        let mut conf = Configuration::new();
        for (key, value) in self.properties(namenode) {
            conf.set(&key, value);
        }
        conf
    }

    /// A conf dir (`hdfs-site.xml`) for NameNode `nn1` or `nn2`'s commands.
    fn conf_dir(&self, namenode: usize) -> PathBuf {
        let dir = self.base.join(format!("conf{}", namenode + 1));
        std::fs::create_dir_all(&dir).unwrap();
        let mut xml = String::from("<configuration>\n");
        for (key, value) in self.properties(namenode) {
            xml.push_str(&format!(
                "<property><name>{key}</name><value>{value}</value></property>\n"
            ));
        }
        xml.push_str("</configuration>\n");
        std::fs::write(dir.join("hdfs-site.xml"), xml).unwrap();
        dir
    }

    fn config(&self, namenode: usize) -> NameNodeConfig {
        NameNodeConfig::from_conf(&self.conf(namenode)).unwrap()
    }
}

/// Formats nn1 (and the quorum journal its shared edits name, if any),
/// starts it (standby), bootstraps nn2 from it and starts nn2.
async fn start_pair(layout: &HaLayout) -> [NameNode; 2] {
    let first = layout.config(0);
    Namesystem::format(&first.namesystem, None, true).unwrap();
    let conf = layout.conf(0);
    let shared = conf.get("dfs.namenode.shared.edits.dir").unwrap();
    if shared.starts_with("qjournal://") {
        let quorum = QuorumJournal::from_uri(&shared, &conf).unwrap();
        namenode::format_shared_edits(&quorum, &first.namesystem.name_dirs, true)
            .await
            .unwrap();
    }
    let nn1 = NameNode::start(first).await.unwrap();
    bootstrap::bootstrap_standby(&layout.config(1), false)
        .await
        .unwrap();
    let nn2 = NameNode::start(layout.config(1)).await.unwrap();
    [nn1, nn2]
}

async fn ha_client(namenode: &NameNode) -> HaServiceProtocolClient<tonic::transport::Channel> {
    HaServiceProtocolClient::connect(format!("http://{}", namenode.rpc_address()))
        .await
        .unwrap()
}

fn request_info(source: pb::HaRequestSource) -> Option<pb::HaStateChangeRequestInfo> {
    Some(pb::HaStateChangeRequestInfo {
        req_source: source.into(),
    })
}

async fn to_active(namenode: &NameNode) {
    ha_client(namenode)
        .await
        .transition_to_active(pb::TransitionToActiveRequest {
            req_info: request_info(pb::HaRequestSource::RequestByUser),
        })
        .await
        .unwrap();
}

async fn to_standby(namenode: &NameNode) {
    ha_client(namenode)
        .await
        .transition_to_standby(pb::TransitionToStandbyRequest {
            req_info: request_info(pb::HaRequestSource::RequestByUser),
        })
        .await
        .unwrap();
}

async fn service_state(namenode: &NameNode) -> pb::GetServiceStatusResponse {
    ha_client(namenode)
        .await
        .get_service_status(pb::GetServiceStatusRequest {})
        .await
        .unwrap()
        .into_inner()
}

fn client(namenode: &NameNode) -> DfsClient {
    DfsClient::connect(
        &namenode.rpc_address().to_string(),
        &common::user::os_user(),
        FsPermission::new(0o022),
    )
    .unwrap()
}

fn is_active(namenode: &NameNode) -> (u16, String) {
    http(
        &namenode.http_address().to_string(),
        "GET /isActive HTTP/1.1",
        b"",
    )
}

fn assert_standby_refusal(error: RemoteException, category: &str) {
    assert_eq!(error.kind, ExceptionKind::Standby, "{error:?}");
    assert!(
        error.message.starts_with(&format!(
            "Operation category {category} is not supported in state standby"
        )),
        "{}",
        error.message
    );
}

fn options() -> CreateOptions {
    create_options(1, 1 << 20)
}

async fn stop(pair: [NameNode; 2]) {
    for namenode in pair {
        namenode.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn both_start_standby_and_refuse_clients_until_one_is_made_active() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let pair = start_pair(&layout).await;
    for namenode in &pair {
        let status = service_state(namenode).await;
        assert_eq!(status.state(), pb::HaServiceState::Standby);
        assert!(status.ready_to_become_active, "{status:?}");
        let fs = client(namenode);
        let write = fs
            .mkdirs("/refused", FsPermission::new(0o755), true)
            .await
            .unwrap_err();
        assert_standby_refusal(write, "WRITE");
        let read = fs.get_file_info("/").await.unwrap_err();
        assert_standby_refusal(read, "READ");
        assert_standby_refusal(fs.fs_stats().await.unwrap_err(), "READ");
        assert_standby_refusal(fs.server_defaults().await.unwrap_err(), "READ");
        assert_standby_refusal(fs.renew_lease().await.unwrap_err(), "WRITE");
        let (status, _) = is_active(namenode);
        assert_eq!(status, 405);
    }

    to_active(&pair[0]).await;
    assert_eq!(
        service_state(&pair[0]).await.state(),
        pb::HaServiceState::Active
    );
    let (status, body) = is_active(&pair[0]);
    assert_eq!((status, body.trim()), (200, "I am Active!"));
    assert_eq!(is_active(&pair[1]).0, 405);
    let fs = client(&pair[0]);
    fs.mkdirs("/accepted", FsPermission::new(0o755), true)
        .await
        .unwrap();
    assert!(fs.get_file_info("/accepted").await.unwrap().is_some());
    let jmx = http(
        &pair[0].http_address().to_string(),
        "GET /jmx HTTP/1.1",
        b"",
    )
    .1;
    assert!(jmx.contains(r#""State":"active""#), "{jmx}");
    stop(pair).await;
}

/// A standby applies `SetQuota` records as it tails them, and counts usage as the active
/// does: after failover the quota holds and is enforced on the new active.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quotas_set_on_the_active_hold_on_the_new_one_after_failover() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let old = client(&pair[0]);
    old.mkdirs("/q", FsPermission::new(0o755), true)
        .await
        .unwrap();
    old.set_quota("/q", 3, 5000, None).await.unwrap();
    old.create_empty("/q/f", &options()).await.unwrap();
    let usage_on_old = old.quota_usage("/q").await.unwrap();

    let standby = pair[1].namesystem().clone();
    let last = pair[0].namesystem().last_txid();
    eventually(DEADLINE, "the standby to tail the quota", async || {
        standby.last_txid() >= last
    })
    .await;
    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;

    let new = client(&pair[1]);
    assert_eq!(new.quota_usage("/q").await.unwrap(), usage_on_old);
    assert_eq!((usage_on_old.quota, usage_on_old.space_quota), (3, 5000));
    new.create_empty("/q/g", &options()).await.unwrap();
    let refused = new.create_empty("/q/h", &options()).await.unwrap_err();
    assert_eq!(refused.kind, ExceptionKind::NsQuotaExceeded, "{refused:?}");
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_write_of_the_old_active_is_on_the_new_one_after_failover() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let old = client(&pair[0]);
    let permission = FsPermission::new(0o755);
    old.mkdirs("/a/b/c", permission, true).await.unwrap();
    for index in 0..20 {
        old.create_empty(&format!("/a/f{index}"), &options())
            .await
            .unwrap();
    }
    old.rename("/a/f0", "/a/b/renamed", false, false)
        .await
        .unwrap();
    assert!(old.delete("/a/f1", false).await.unwrap());
    old.create("/open/file", &options()).await.unwrap();

    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;

    let new = client(&pair[1]);
    assert!(new.get_file_info("/a/b/c").await.unwrap().is_some());
    assert!(new.get_file_info("/a/b/renamed").await.unwrap().is_some());
    assert!(new.get_file_info("/a/f0").await.unwrap().is_none());
    assert!(new.get_file_info("/a/f1").await.unwrap().is_none());
    for index in 2..20 {
        assert!(
            new.get_file_info(&format!("/a/f{index}"))
                .await
                .unwrap()
                .is_some(),
            "/a/f{index} is missing on the new active"
        );
    }
    let open = new.get_file_info("/open/file").await.unwrap().unwrap();
    assert_eq!(open.length, 0);

    let refused = old
        .mkdirs("/after-failover", permission, true)
        .await
        .unwrap_err();
    assert_standby_refusal(refused, "WRITE");

    new.mkdirs("/on-the-new-active", permission, true)
        .await
        .unwrap();
    let nn1 = pair[0].namesystem().clone();
    let last = pair[1].namesystem().last_txid();
    eventually(
        DEADLINE,
        "the old active to tail the new one's edits",
        async || nn1.last_txid() >= last,
    )
    .await;

    to_standby(&pair[1]).await;
    to_active(&pair[0]).await;
    assert!(
        old.get_file_info("/on-the-new-active")
            .await
            .unwrap()
            .is_some()
    );
    stop(pair).await;
}

/// Three in-process JournalNodes and the `qjournal://` URI naming them.
async fn start_journal_nodes(base: &Path) -> (Vec<JournalNode>, String) {
    let mut nodes = Vec::new();
    for index in 0..3 {
        let mut conf = Configuration::new();
        conf.set(
            "dfs.journalnode.edits.dir",
            base.join(format!("journal{index}")).display().to_string(),
        );
        conf.set("dfs.journalnode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.journalnode.http-address", "127.0.0.1:0");
        let config = JournalNodeConfig::from_conf(&conf).unwrap();
        nodes.push(JournalNode::start(config).await.unwrap());
    }
    let uri = format!(
        "qjournal://{}/mycluster",
        nodes
            .iter()
            .map(|node| node.rpc_address().to_string())
            .collect::<Vec<_>>()
            .join(";")
    );
    (nodes, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failover_on_a_quorum_journal_keeps_every_write() {
    let base = tempfile::tempdir().unwrap();
    let (journal_nodes, uri) = start_journal_nodes(base.path()).await;
    let layout = HaLayout::new(base.path(), &[("dfs.namenode.shared.edits.dir", &uri)]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let old = client(&pair[0]);
    let permission = FsPermission::new(0o755);
    for index in 0..10 {
        old.mkdirs(&format!("/q/{index}"), permission, true)
            .await
            .unwrap();
    }
    old.create_empty("/q/file", &options()).await.unwrap();
    let nn2 = pair[1].namesystem().clone();
    let written = pair[0].namesystem().last_txid();
    eventually(
        DEADLINE,
        "the standby to tail the quorum's in-progress edits",
        async || nn2.last_txid() >= written,
    )
    .await;
    let jmx = http(
        &pair[1].http_address().to_string(),
        "GET /jmx HTTP/1.1",
        b"",
    )
    .1;
    assert!(
        jmx.contains(&format!(r#"\"LastAppliedOrWrittenTxId\":\"{written}\""#)),
        "{jmx}"
    );

    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;
    let new = client(&pair[1]);
    for index in 0..10 {
        assert!(
            new.get_file_info(&format!("/q/{index}"))
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(new.get_file_info("/q/file").await.unwrap().is_some());
    assert_standby_refusal(
        old.mkdirs("/q/refused", permission, true)
            .await
            .unwrap_err(),
        "WRITE",
    );
    new.mkdirs("/q/new", permission, true).await.unwrap();
    let nn1 = pair[0].namesystem().clone();
    let last = pair[1].namesystem().last_txid();
    eventually(
        DEADLINE,
        "the old active to tail the new one's edits",
        async || nn1.last_txid() >= last,
    )
    .await;
    stop(pair).await;
    for node in journal_nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_active_loses_no_acknowledged_write_and_a_full_restart_neither() {
    let base = tempfile::tempdir().unwrap();
    let (journal_nodes, uri) = start_journal_nodes(base.path()).await;
    let layout = HaLayout::new(base.path(), &[("dfs.namenode.shared.edits.dir", &uri)]);
    let [nn1, nn2] = start_pair(&layout).await;
    to_active(&nn1).await;
    let fs = client(&nn1);
    let permission = FsPermission::new(0o755);
    for index in 0..25 {
        fs.mkdirs(&format!("/k/{index}"), permission, true)
            .await
            .unwrap();
    }
    nn1.kill().await;
    to_active(&nn2).await;
    let check = async |namenode: &NameNode| {
        let fs = client(namenode);
        for index in 0..25 {
            assert!(
                fs.get_file_info(&format!("/k/{index}"))
                    .await
                    .unwrap()
                    .is_some(),
                "/k/{index} was acknowledged but is lost"
            );
        }
    };
    check(&nn2).await;
    client(&nn2)
        .mkdirs("/after-the-kill", permission, true)
        .await
        .unwrap();

    nn2.stop().await;
    let nn1 = NameNode::start(layout.config(0)).await.unwrap();
    let nn2 = NameNode::start(layout.config(1)).await.unwrap();
    to_active(&nn1).await;
    check(&nn1).await;
    assert!(
        client(&nn1)
            .get_file_info("/after-the-kill")
            .await
            .unwrap()
            .is_some()
    );
    stop([nn1, nn2]).await;
    for node in journal_nodes {
        node.stop().await;
    }
}

/// An in-process DataNode of the nameservice (it serves both NameNodes).
async fn start_datanode(layout: &HaLayout, index: usize) -> DataNode {
    let mut conf = layout.conf(0);
    conf.set(
        "dfs.datanode.data.dir",
        layout
            .base
            .join(format!("data{index}"))
            .display()
            .to_string(),
    );
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    conf.set("dfs.heartbeat.interval", "1");
    DataNode::start(DataNodeConfig::from_conf(&conf).unwrap())
        .await
        .unwrap()
}

/// A client of `hdfs://mycluster` that fails over between the pair.
/// The pair, NameNode 0 active, and two DataNodes both NameNodes know.
async fn start_pair_with_datanodes(layout: &HaLayout) -> ([NameNode; 2], [DataNode; 2]) {
    let pair = start_pair(layout).await;
    to_active(&pair[0]).await;
    let datanodes = [
        start_datanode(layout, 0).await,
        start_datanode(layout, 1).await,
    ];
    for namenode in &pair {
        let namesystem = namenode.namesystem().clone();
        eventually(DEADLINE, "both DataNodes registered", async || {
            namesystem
                .blocks()
                .datanode_report()
                .iter()
                .filter(|node| node.alive)
                .count()
                == 2
        })
        .await;
    }
    (pair, datanodes)
}

/// Waits until the standby (NameNode 1) applied what the active logged so far.
async fn standby_caught_up(pair: &[NameNode; 2]) {
    let standby = pair[1].namesystem().clone();
    let written = pair[0].namesystem().last_txid();
    eventually(
        DEADLINE,
        "the standby to apply the active's edits",
        async || standby.last_txid() >= written,
    )
    .await;
}

fn nameservice_client(layout: &HaLayout) -> DfsClient {
    let mut conf = layout.conf(0);
    conf.set("fs.defaultFS", "hdfs://mycluster");
    conf.set(
        "dfs.client.failover.proxy.provider.mycluster",
        "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
    );
    conf.set("dfs.client.failover.sleep.base.millis", "10");
    conf.set("dfs.client.failover.sleep.max.millis", "50");
    DfsClient::from_conf(&conf).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_data_written_through_the_old_active_is_read_through_the_new_one() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let (pair, datanodes) = start_pair_with_datanodes(&layout).await;
    let fs = nameservice_client(&layout);
    let data = content(300_000, 7);
    write_file(&fs, "/data/before", &data, 2, 128 * 1024).await;
    assert_eq!(read_file(&fs, "/data/before").await, data);
    standby_caught_up(&pair).await;

    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;
    assert_eq!(read_file(&fs, "/data/before").await, data);
    let more = content(200_000, 8);
    write_file(&fs, "/data/after", &more, 2, 128 * 1024).await;
    assert_eq!(read_file(&fs, "/data/after").await, more);
    for datanode in datanodes {
        datanode.stop().await;
    }
    stop(pair).await;
}

/// Truncates on the active, on a block boundary and inside a block, reach the
/// standby through the shared edits (OP_TRUNCATE, then the close the
/// DataNodes' report made): after a failover the new active has the cut files.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn truncates_on_the_old_active_are_on_the_new_one() {
    const BLOCK: u64 = 128 * 1024;
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let (pair, datanodes) = start_pair_with_datanodes(&layout).await;
    let fs = nameservice_client(&layout);
    let data = content(3 * BLOCK as usize + 1_000, 9);
    write_file(&fs, "/t/boundary", &data, 2, BLOCK).await;
    write_file(&fs, "/t/inside", &data, 2, BLOCK).await;
    assert!(fs.truncate("/t/boundary", BLOCK).await.unwrap());
    assert!(!fs.truncate("/t/inside", BLOCK + 10).await.unwrap());
    eventually(DEADLINE, "the cut file closed", async || {
        let status = fs.get_file_info("/t/inside").await.unwrap().unwrap();
        !status.under_construction
    })
    .await;
    standby_caught_up(&pair).await;

    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;
    for (path, length) in [("/t/boundary", BLOCK), ("/t/inside", BLOCK + 10)] {
        let status = fs.get_file_info(path).await.unwrap().unwrap();
        assert_eq!((status.length, status.under_construction), (length, false));
        assert_eq!(read_file(&fs, path).await, &data[..length as usize]);
    }
    // The new active lets the cut file grow again.
    let mut writer = fs.append_writer("/t/inside").await.unwrap();
    writer.write(b"more").await.unwrap();
    writer.close().await.unwrap();
    let grown = [&data[..BLOCK as usize + 10], b"more"].concat();
    assert_eq!(read_file(&fs, "/t/inside").await, grown);
    for datanode in datanodes {
        datanode.stop().await;
    }
    stop(pair).await;
}

/// A `delete` carrying retry-cache ids, as a client retrying it sends it.
fn delete_with_ids(path: &str) -> tonic::Request<pb::DeleteRequest> {
    let mut request = tonic::Request::new(pb::DeleteRequest {
        src: path.to_string(),
        recursive: false,
    });
    let metadata = request.metadata_mut();
    metadata.insert(
        proto::CLIENT_ID_METADATA,
        "0123456789abcdef0123456789abcdef".parse().unwrap(),
    );
    metadata.insert(proto::CALL_ID_METADATA, "42".parse().unwrap());
    metadata.insert(
        proto::USER_METADATA,
        common::user::os_user().parse().unwrap(),
    );
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_retried_across_a_failover_gets_its_first_answer() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    client(&pair[0])
        .create_empty("/retried/file", &options())
        .await
        .unwrap();
    let mut old = ClientProtocolClient::connect(format!("http://{}", pair[0].rpc_address()))
        .await
        .unwrap();
    let first = old.delete(delete_with_ids("/retried/file")).await.unwrap();
    assert!(first.into_inner().result);
    let nn2 = pair[1].namesystem().clone();
    let written = pair[0].namesystem().last_txid();
    eventually(DEADLINE, "the standby to apply the delete", async || {
        nn2.last_txid() >= written
    })
    .await;

    to_standby(&pair[0]).await;
    to_active(&pair[1]).await;
    let mut new = ClientProtocolClient::connect(format!("http://{}", pair[1].rpc_address()))
        .await
        .unwrap();
    let retried = new.delete(delete_with_ids("/retried/file")).await.unwrap();
    assert!(
        retried.into_inner().result,
        "the retried delete was applied again instead of answered from the retry cache"
    );
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_active_fences_the_old_one_on_the_quorum() {
    let base = tempfile::tempdir().unwrap();
    let (journal_nodes, uri) = start_journal_nodes(base.path()).await;
    let layout = HaLayout::new(base.path(), &[("dfs.namenode.shared.edits.dir", &uri)]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let old = client(&pair[0]);
    let permission = FsPermission::new(0o755);
    old.mkdirs("/before", permission, true).await.unwrap();

    // The old active never hears of it (a partition, a long pause).
    to_active(&pair[1]).await;
    let new = client(&pair[1]);
    assert!(new.get_file_info("/before").await.unwrap().is_some());
    new.mkdirs("/by-the-new-active", permission, true)
        .await
        .unwrap();

    let stale = old.mkdirs("/stale", permission, true).await;
    assert!(stale.is_err(), "the fenced active acknowledged a write");
    assert!(new.get_file_info("/stale").await.unwrap().is_none());
    let health = ha_client(&pair[0])
        .await
        .monitor_health(pb::MonitorHealthRequest {})
        .await
        .unwrap_err();
    assert_eq!(
        RemoteException::from_status(&health).kind,
        ExceptionKind::HealthCheckFailed
    );
    ha_client(&pair[1])
        .await
        .monitor_health(pb::MonitorHealthRequest {})
        .await
        .unwrap();
    stop(pair).await;
    for node in journal_nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_reading_finalized_segments_only_has_the_active_roll() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(
        base.path(),
        &[
            ("dfs.ha.tail-edits.in-progress", "false"),
            ("dfs.ha.log-roll.period", "200ms"),
        ],
    );
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    client(&pair[0])
        .mkdirs("/rolled", FsPermission::new(0o755), true)
        .await
        .unwrap();
    let written = pair[0].namesystem().last_txid();
    let standby = pair[1].namesystem().clone();
    eventually(
        DEADLINE,
        "the standby to read the rolled segment",
        async || standby.last_txid() >= written,
    )
    .await;
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_automatic_failover_only_a_forced_request_transitions() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(
        base.path(),
        &[("dfs.ha.automatic-failover.enabled", "true")],
    );
    let pair = start_pair(&layout).await;
    let mut ha = ha_client(&pair[0]).await;
    let refused = ha
        .transition_to_active(pb::TransitionToActiveRequest {
            req_info: request_info(pb::HaRequestSource::RequestByUser),
        })
        .await
        .unwrap_err();
    let refused = RemoteException::from_status(&refused);
    assert_eq!(refused.kind, ExceptionKind::AccessControl);
    assert_eq!(
        refused.message,
        "Manual HA control for this NameNode is disallowed, because automatic HA is enabled."
    );
    ha.transition_to_active(pb::TransitionToActiveRequest {
        req_info: request_info(pb::HaRequestSource::RequestByUserForced),
    })
    .await
    .unwrap();
    assert_eq!(
        service_state(&pair[0]).await.state(),
        pb::HaServiceState::Active
    );
    ha.monitor_health(pb::MonitorHealthRequest {})
        .await
        .unwrap();
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn heartbeat_answers_carry_the_ha_state_and_txid() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    client(&pair[0])
        .mkdirs("/x/y", FsPermission::new(0o755), true)
        .await
        .unwrap();
    let written = pair[0].namesystem().last_txid();
    let mut answers = Vec::new();
    for namenode in &pair {
        let mut datanode =
            DatanodeProtocolClient::connect(format!("http://{}", namenode.rpc_address()))
                .await
                .unwrap();
        datanode
            .register_datanode(pb::RegisterDatanodeRequest {
                registration: Some(pb::DatanodeRegistration {
                    datanode_uuid: "dn-1".into(),
                    host: "127.0.0.1".into(),
                    xfer_port: 9866,
                    ipc_port: 9867,
                    http_port: 9864,
                    ..Default::default()
                }),
                storage: None,
            })
            .await
            .unwrap();
        let standby = namenode.namesystem().clone();
        eventually(DEADLINE, "the standby to apply every edit", async || {
            standby.last_txid() >= written
        })
        .await;
        let answer = datanode
            .send_heartbeat(pb::HeartbeatRequest {
                datanode_uuid: "dn-1".into(),
                storage: Some(Default::default()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        answers.push(
            answer
                .ha_status
                .expect("an HA NameNode states its HA status"),
        );
    }
    assert_eq!(answers[0].state(), pb::HaServiceState::Active);
    assert_eq!(answers[0].txid, written);
    assert_eq!(answers[1].state(), pb::HaServiceState::Standby);
    assert_eq!(answers[1].txid, written);
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_standby_checkpoint_lands_on_the_active() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(
        base.path(),
        &[
            ("dfs.namenode.checkpoint.txns", "10"),
            ("dfs.namenode.checkpoint.check.period", "100ms"),
        ],
    );
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let fs = client(&pair[0]);
    for index in 0..12 {
        fs.mkdirs(&format!("/ckpt/{index}"), FsPermission::new(0o755), true)
            .await
            .unwrap();
    }
    let active_current = base.path().join("nn1").join("current");
    let image = eventually(DEADLINE, "a checkpoint image on the active", async || {
        newest_image(&active_current).filter(|txid| *txid >= 10)
    })
    .await;
    assert!(
        base.path()
            .join("nn2/current")
            .join(format!("fsimage_{image:019}"))
            .exists(),
        "the standby keeps the checkpoint it uploaded"
    );
    stop(pair).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checkpoint_purges_old_segments_from_the_journal_nodes() {
    let base = tempfile::tempdir().unwrap();
    let (journal_nodes, uri) = start_journal_nodes(base.path()).await;
    let layout = HaLayout::new(
        base.path(),
        &[
            ("dfs.namenode.shared.edits.dir", &uri),
            ("dfs.namenode.checkpoint.txns", "10"),
            ("dfs.namenode.checkpoint.check.period", "100ms"),
            ("dfs.namenode.num.checkpoints.retained", "1"),
            ("dfs.namenode.num.extra.edits.retained", "0"),
        ],
    );
    let pair = start_pair(&layout).await;
    to_active(&pair[0]).await;
    let fs = client(&pair[0]);
    let journal_dirs: Vec<PathBuf> = (0..3)
        .map(|index| {
            base.path()
                .join(format!("journal{index}/mycluster/current"))
        })
        .collect();
    let finalized = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("edits_") && !name.starts_with("edits_inprogress"))
            .collect();
        names.sort();
        names
    };
    let mut round = 0;
    let mut write_and_roll = async || {
        round += 1;
        for index in 0..12 {
            fs.mkdirs(
                &format!("/purge/{round}/{index}"),
                FsPermission::new(0o755),
                true,
            )
            .await
            .unwrap();
        }
        fs.roll_edits().await.unwrap();
    };
    write_and_roll().await;
    let oldest = finalized(&journal_dirs[0])[0].clone();
    for dir in &journal_dirs {
        assert!(
            finalized(dir).contains(&oldest),
            "{dir:?}: {:?}",
            finalized(dir)
        );
    }
    // Each round writes and rolls a segment; the standby's checkpoints move on, and the
    // active, once one is installed, purges what no retained image needs everywhere.
    eventually(
        DEADLINE,
        "the JournalNodes to drop the oldest segment",
        async || {
            write_and_roll().await;
            !journal_dirs
                .iter()
                .any(|dir| finalized(dir).contains(&oldest))
        },
    )
    .await;
    assert!(
        newest_image(&base.path().join("nn1/current")).unwrap_or(0) > 1,
        "a checkpoint reached the active first"
    );
    stop(pair).await;
    for node in journal_nodes {
        node.stop().await;
    }
}

fn newest_image(current: &Path) -> Option<u64> {
    std::fs::read_dir(current)
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_prefix("fsimage_")?.parse::<u64>().ok()
        })
        .max()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bootstrap_standby_copies_the_namespace_and_refuses_formatted_dirs() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let first = layout.config(0);
    Namesystem::format(&first.namesystem, Some("CID-ha-test"), true).unwrap();
    let nn1 = NameNode::start(first).await.unwrap();
    let done = bootstrap::bootstrap_standby(&layout.config(1), false)
        .await
        .unwrap();
    assert_eq!(done.cluster_id, "CID-ha-test");
    assert_eq!(
        done.namespace_id,
        nn1.namesystem().storage_info().namespace_id
    );
    assert_eq!(
        done.block_pool_id,
        nn1.namesystem().storage_info().block_pool_id
    );
    let version = std::fs::read_to_string(base.path().join("nn2/current/VERSION")).unwrap();
    assert!(version.contains("clusterID=CID-ha-test"), "{version}");

    let refused = bootstrap::bootstrap_standby(&layout.config(1), false)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, BootstrapError::AlreadyFormatted(_)),
        "{refused}"
    );
    assert!(refused.to_string().contains("Not formatting."), "{refused}");
    bootstrap::bootstrap_standby(&layout.config(1), true)
        .await
        .unwrap();

    let nn2 = NameNode::start(layout.config(1)).await.unwrap();
    assert_eq!(nn2.namesystem().storage_info().cluster_id, "CID-ha-test");
    stop([nn1, nn2]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hdfs_namenode_bootstrap_standby_takes_hadoops_flags() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let first = layout.config(0);
    Namesystem::format(&first.namesystem, Some("CID-cli"), true).unwrap();
    let nn1 = NameNode::start(first).await.unwrap();
    let conf_dir = layout.conf_dir(1);
    let run = |args: &'static [&'static str]| {
        let conf_dir = conf_dir.clone();
        tokio::task::spawn_blocking(move || hdfs(&conf_dir, args))
    };
    let (code, stdout, stderr) = run(&["namenode", "-bootstrapStandby", "-nonInteractive"])
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Cluster ID: CID-cli"), "{stdout}");

    let (code, _, stderr) = run(&["namenode", "-bootstrapStandby", "-nonInteractive"])
        .await
        .unwrap();
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("Running in non-interactive mode, and data appears to exist in"),
        "{stderr}"
    );
    assert!(stderr.contains("Not formatting."), "{stderr}");

    let (code, _, stderr) = run(&["namenode", "-bootstrapStandby", "-force", "-nonInteractive"])
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    nn1.stop().await;
}

#[test]
fn the_secondary_namenode_refuses_an_ha_cluster() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let refusal = "Cannot use SecondaryNameNode in an HA cluster. The Standby Namenode will perform checkpointing.";
    let error = SecondaryConfig::from_conf(&layout.conf(0))
        .unwrap_err()
        .to_string();
    assert!(error.contains(refusal), "{error}");
    let (code, _, stderr) = hdfs(&layout.conf_dir(0), &["secondarynamenode"]);
    assert_ne!(code, 0);
    assert!(stderr.contains(refusal), "{stderr}");
}

#[test]
fn an_ha_namenode_without_shared_edits_names_the_key() {
    let base = tempfile::tempdir().unwrap();
    let layout = HaLayout::new(base.path(), &[]);
    let mut conf = layout.conf(0);
    conf.unset("dfs.namenode.shared.edits.dir");
    let error = NameNodeConfig::from_conf(&conf).unwrap_err().to_string();
    assert!(error.contains("dfs.namenode.shared.edits.dir"), "{error}");
}
