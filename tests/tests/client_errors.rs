//! A client that cannot reach its NameNode says where and why, in Hadoop's
//! words, after retrying the connection as `ipc.client.connect.*` says; a
//! NameNode's answer too big for a header still arrives.

use std::time::Duration;

use common::{ExceptionKind, FsPermission};
use minicluster::MiniCluster;
use tusk_tests::hdfs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_namenode_is_named_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let closed = tusk_tests::free_port();
    let local = common::net::local_host_details();

    let uri = format!("hdfs://127.0.0.1:{closed}/");
    let (code, _, stderr) = hdfs(
        dir.path(),
        &["dfs", "-D", "ipc.client.connect.max.retries=0", "-ls", &uri],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "ls: Call From {local} to 127.0.0.1:{closed} failed on connection exception: \
             java.net.ConnectException: Connection refused; For more details see:  \
             http://wiki.apache.org/hadoop/ConnectionRefused"
        )
    );

    let (code, _, stderr) = hdfs(
        dir.path(),
        &["dfs", "-ls", "hdfs://no-such-host.invalid:8020/"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "ls: Invalid host name: local host is: \"{local}\"; destination host is: \
             \"no-such-host.invalid\":8020; java.net.UnknownHostException: no-such-host.invalid;"
        )),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_retries_a_refused_connection_until_the_namenode_is_back() {
    let mut cluster = MiniCluster::builder()
        .datanodes(1)
        .set("ipc.client.connect.max.retries", "100")
        .set("ipc.client.connect.retry.interval", "100")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    client
        .mkdirs("/kept", FsPermission::new(0o755), false)
        .await
        .unwrap();
    cluster.kill_namenode().await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.get_file_info("/kept").await }
    });
    // The NameNode stays down for a while: a client that did not retry would
    // have failed by now.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !call.is_finished(),
        "the call gave up while the NameNode was down"
    );
    cluster.restart_namenode().await.unwrap();
    let status = call.await.unwrap().unwrap();
    assert!(status.is_some_and(|status| status.is_dir));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_file_name_gets_the_namenodes_answer() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let client = cluster.client().unwrap();
    let name = format!("/{}", "n".repeat(100_000));
    let error = client
        .mkdirs(&name, FsPermission::new(0o755), false)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::PathComponentTooLong, "{error}");
    assert!(
        error
            .message
            .ends_with("is exceeded: limit=255 length=100000"),
        "{}",
        &error.message[error.message.len().saturating_sub(200)..]
    );
    client
        .mkdirs("/fine", FsPermission::new(0o755), false)
        .await
        .unwrap();
    cluster.shutdown().await;
}
