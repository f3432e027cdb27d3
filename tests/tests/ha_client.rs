//! Clients and DataNodes of a HA nameservice: a client of `hdfs://mycluster`
//! fails over past a dead or standby NameNode; a retried non-idempotent call
//! (the same client id and call id) gets its first answer and is applied
//! once; a DataNode whose nameservice has a NameNode that is down serves the
//! other.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use client::{CreateOptions, DfsClient};
use common::{Configuration, FsPermission};
use datanode::{DataNode, DataNodeConfig};
use minicluster::MiniCluster;
use proto::hdfs as pb;
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use tusk_tests::{content, read_file as read};

const STANDBY_CLASS: &str = "org.apache.hadoop.ipc.StandbyException";
const STANDBY_MESSAGE: &str = "Operation category WRITE is not supported in state standby";

fn options(replication: u16) -> CreateOptions {
    CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: false,
        create_parent: true,
        replication,
        block_size: 1024 * 1024,
    }
}

/// An address nothing listens on.
fn dead_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// `conf` with `fs.defaultFS=hdfs://mycluster`, a nameservice of the
/// NameNodes at `nn1` and `nn2`, and quick failovers.
fn nameservice_conf(conf: &Configuration, nn1: SocketAddr, nn2: SocketAddr) -> Configuration {
    let mut conf = conf.clone();
    conf.set("fs.defaultFS", "hdfs://mycluster");
    conf.set("dfs.nameservices", "mycluster");
    conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
    conf.set("dfs.namenode.rpc-address.mycluster.nn1", nn1.to_string());
    conf.set("dfs.namenode.rpc-address.mycluster.nn2", nn2.to_string());
    conf.set(
        "dfs.client.failover.proxy.provider.mycluster",
        "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
    );
    conf.set("dfs.client.failover.sleep.base.millis", "10");
    conf.set("dfs.client.failover.sleep.max.millis", "50");
    conf
}

/// A NameNode that answers every call with StandbyException, as a standby
/// does; returns its address and how many calls it refused.
async fn standby_namenode() -> (SocketAddr, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let refused = Arc::new(AtomicU32::new(0));
    let counter = refused.clone();
    let router = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut status = tonic::Status::failed_precondition(STANDBY_MESSAGE);
            status.metadata_mut().insert(
                proto::EXCEPTION_METADATA,
                tonic::metadata::MetadataValue::from_static(STANDBY_CLASS),
            );
            status.into_http::<axum::body::Body>()
        }
    });
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_routes(tonic::service::Routes::from(router))
            .serve_with_incoming(common::net::incoming(
                listener,
                common::net::ConnectionLimits::default(),
            ))
            .await
            .unwrap();
    });
    (address, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_a_nameservice_works_through_the_second_namenode_when_the_first_is_dead() {
    let cluster = MiniCluster::builder().datanodes(3).build().await.unwrap();
    let conf = nameservice_conf(
        cluster.conf(),
        dead_address(),
        cluster.namenode_rpc_address(),
    );
    let client = DfsClient::from_conf(&conf).unwrap();
    assert_eq!(client.uri(), "hdfs://mycluster");
    client
        .mkdirs("/ha/dir", FsPermission::new(0o755), true)
        .await
        .unwrap();
    let data = content(300_000, 3);
    let mut writer = client.create_writer("/ha/file", &options(3)).await.unwrap();
    writer.write(&data).await.unwrap();
    writer.close().await.unwrap();
    assert_eq!(read(&client, "/ha/file").await, data);
    client
        .rename("/ha/file", "/ha/dir/file", false, false)
        .await
        .unwrap();
    let names: Vec<String> = client
        .list("/ha/dir")
        .await
        .unwrap()
        .into_iter()
        .map(|status| status.path)
        .collect();
    assert_eq!(names, ["/ha/dir/file"]);
    assert!(client.delete("/ha", true).await.unwrap());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_fails_over_past_a_standby_and_gives_up_after_the_attempts() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let (standby, refused) = standby_namenode().await;
    let conf = nameservice_conf(cluster.conf(), standby, cluster.namenode_rpc_address());
    let client = DfsClient::from_conf(&conf).unwrap();
    client
        .mkdirs("/after-standby", FsPermission::new(0o755), true)
        .await
        .unwrap();
    assert_eq!(refused.load(Ordering::SeqCst), 1);
    // The client stays with the NameNode that answered.
    assert!(
        client
            .get_file_info("/after-standby")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(refused.load(Ordering::SeqCst), 1);

    // Both standby: the first attempt and dfs.client.failover.max.attempts
    // failovers, then the standby's refusal.
    let (other, other_refused) = standby_namenode().await;
    let mut conf = nameservice_conf(cluster.conf(), standby, other);
    conf.set("dfs.client.failover.max.attempts", "3");
    let client = DfsClient::from_conf(&conf).unwrap();
    let error = client
        .mkdirs("/never", FsPermission::new(0o755), true)
        .await
        .unwrap_err();
    assert_eq!(error.message, STANDBY_MESSAGE);
    assert_eq!(
        refused.load(Ordering::SeqCst) - 1 + other_refused.load(Ordering::SeqCst),
        4
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_proxy_provider_or_a_missing_address_is_a_clear_error() {
    let mut conf = nameservice_conf(&Configuration::new(), dead_address(), dead_address());
    conf.set(
        "dfs.client.failover.proxy.provider.mycluster",
        "org.example.NoSuchProvider",
    );
    let error = DfsClient::from_conf(&conf).err().unwrap();
    assert!(
        error
            .message
            .starts_with("Could not load failover proxy provider class org.example.NoSuchProvider"),
        "{error}"
    );
    let mut conf = nameservice_conf(&Configuration::new(), dead_address(), dead_address());
    conf.unset("dfs.namenode.rpc-address.mycluster.nn2");
    let error = DfsClient::from_conf(&conf).err().unwrap();
    assert_eq!(
        error.message,
        "configuration dfs.namenode.rpc-address.mycluster.nn2 is missing"
    );
}

/// A request carrying the retry cache's ids.
fn with_ids<T>(message: T, call_id: u32) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert(
        proto::USER_METADATA,
        common::user::current_user().parse().unwrap(),
    );
    metadata.insert(
        proto::CLIENT_ID_METADATA,
        "00112233445566778899aabbccddeeff".parse().unwrap(),
    );
    metadata.insert(proto::CALL_ID_METADATA, call_id.into());
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_call_returns_its_first_answer_and_is_applied_once() {
    let mut cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let client = cluster.client().unwrap();
    let mut rpc =
        ClientProtocolClient::connect(format!("http://{}", cluster.namenode_rpc_address()))
            .await
            .unwrap();

    let create = pb::CreateRequest {
        src: "/retried".into(),
        masked: 0o644,
        client_name: "DFSClient_retry_test".into(),
        overwrite: false,
        create_parent: true,
        replication: 1,
        block_size: 0,
    };
    let first = rpc
        .create(with_ids(create.clone(), 1))
        .await
        .unwrap()
        .into_inner();
    let retry = rpc
        .create(with_ids(create.clone(), 1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retry);
    // A new call (another call id) is applied, and refused: the file exists.
    let again = rpc.create(with_ids(create, 2)).await.unwrap_err();
    assert!(again.message().contains("/retried"), "{again:?}");
    let file_id = first.fs.unwrap().file_id;
    let complete = pb::CompleteRequest {
        src: "/retried".into(),
        client_name: "DFSClient_retry_test".into(),
        last: None,
        file_id,
    };
    assert!(
        rpc.complete(with_ids(complete.clone(), 3))
            .await
            .unwrap()
            .into_inner()
            .result
    );
    assert!(
        rpc.complete(with_ids(complete, 3))
            .await
            .unwrap()
            .into_inner()
            .result
    );

    let rename = pb::RenameRequest {
        src: "/retried".into(),
        dst: "/renamed".into(),
        overwrite: false,
        move_into_directory: false,
    };
    rpc.rename(with_ids(rename.clone(), 4)).await.unwrap();
    rpc.rename(with_ids(rename.clone(), 4)).await.unwrap();
    assert!(rpc.rename(with_ids(rename, 5)).await.is_err());
    assert!(client.get_file_info("/retried").await.unwrap().is_none());
    assert_eq!(client.stat("/renamed").await.unwrap().file_id, file_id);

    let delete = pb::DeleteRequest {
        src: "/renamed".into(),
        recursive: false,
    };
    assert!(
        rpc.delete(with_ids(delete.clone(), 6))
            .await
            .unwrap()
            .into_inner()
            .result
    );
    assert!(
        rpc.delete(with_ids(delete.clone(), 6))
            .await
            .unwrap()
            .into_inner()
            .result
    );
    assert!(
        !rpc.delete(with_ids(delete, 7))
            .await
            .unwrap()
            .into_inner()
            .result
    );

    // The ids are in the edit log, for a standby to fill its cache from.
    let current = cluster.name_dirs()[0].join("current");
    cluster.stop_namenode().await;
    let mut logged = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&current).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("edits_") {
            continue;
        }
        let Some(first_txid) = namenode::formats::first_txid(&path).unwrap() else {
            continue;
        };
        namenode::formats::read_segment(&path, first_txid, |record| {
            if !record.rpc_client_id.is_empty() {
                assert_eq!(record.rpc_client_id[..2], [0x00, 0x11]);
                logged.insert(record.rpc_call_id);
            }
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
    }
    assert_eq!(logged.into_iter().collect::<Vec<_>>(), [1, 3, 4, 6]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_serves_the_live_namenode_of_its_nameservice() {
    let cluster = MiniCluster::builder().datanodes(0).build().await.unwrap();
    let base = tempfile::tempdir().unwrap();
    let mut conf = nameservice_conf(
        cluster.conf(),
        dead_address(),
        cluster.namenode_rpc_address(),
    );
    conf.set(
        "dfs.datanode.data.dir",
        base.path().join("data").display().to_string(),
    );
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    let config = DataNodeConfig::from_conf(&conf).unwrap();
    assert_eq!(config.namenode_addresses.len(), 2);
    let datanode = DataNode::start(config).await.unwrap();

    let client = DfsClient::from_conf(&conf).unwrap();
    let data = content(200_000, 9);
    let mut writer = client
        .create_writer("/one-replica", &options(1))
        .await
        .unwrap();
    writer.write(&data).await.unwrap();
    writer.close().await.unwrap();
    assert_eq!(read(&client, "/one-replica").await, data);
    let (_, blocks, _) = client
        .block_locations("/one-replica", 0, u64::MAX)
        .await
        .unwrap();
    assert_eq!(
        blocks[0].locations[0].datanode_uuid,
        datanode.uuid().to_string()
    );
    datanode.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hdfs_dfs_takes_a_nameservice_uri() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let nn1 = format!("dfs.namenode.rpc-address.mycluster.nn1={}", dead_address());
    let nn2 = format!(
        "dfs.namenode.rpc-address.mycluster.nn2={}",
        cluster.namenode_rpc_address()
    );
    let ha = [
        "-D",
        "dfs.nameservices=mycluster",
        "-D",
        "dfs.ha.namenodes.mycluster=nn1,nn2",
        "-D",
        &nn1,
        "-D",
        &nn2,
    ];
    let conf_dir = cluster.conf_dir();
    let run = |args: &[&str]| {
        let mut all = vec!["dfs"];
        all.extend_from_slice(&ha);
        all.extend_from_slice(args);
        tusk_tests::hdfs(&conf_dir, &all)
    };
    let (code, _, err) = run(&["-mkdir", "-p", "hdfs://mycluster/cli/ha"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&["-ls", "hdfs://mycluster/cli"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("hdfs://mycluster/cli/ha"), "{out}");
    let (code, out, err) = run(&["-fs", "hdfs://mycluster", "-ls", "/cli"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(" /cli/ha"), "{out}");
    assert!(
        cluster
            .client()
            .unwrap()
            .stat("/cli/ha")
            .await
            .unwrap()
            .is_dir
    );
    cluster.shutdown().await;
}
