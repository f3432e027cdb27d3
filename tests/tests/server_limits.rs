//! Servers under idle and excess connections: a connection that sends
//! nothing is closed after Hadoop's idle time (twice
//! `ipc.client.connection.maxidletime`), connections over
//! `ipc.server.max.connections` are closed at once, a DataNode's transfer
//! port drops a peer that never sends its op, and every server keeps serving.

use std::time::Duration;

use common::FsPermission;
use minicluster::MiniCluster;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tusk_tests::eventually;

const IDLE: usize = 2_000;
const CAP: usize = 400;

/// Opens `count` connections to `address` that never send a byte.
async fn idle_connections(address: std::net::SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(TcpStream::connect(address).await.unwrap());
    }
    streams
}

/// How many of `streams` the server has closed (a read sees the end or a reset).
async fn closed_by_server(streams: &mut [TcpStream]) -> usize {
    let mut closed = 0;
    for stream in streams {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
            Ok(Ok(_)) | Err(_) => {}
        }
    }
    closed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_are_shed_and_the_namenode_serves_on() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .set("ipc.client.connection.maxidletime", "1000")
        .set("ipc.server.max.connections", &CAP.to_string())
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    client
        .mkdirs("/before", FsPermission::new(0o755), false)
        .await
        .unwrap();

    let mut streams = idle_connections(cluster.namenode_rpc_address(), IDLE).await;
    // Those over the cap are closed at once, long before the idle time.
    let over_cap = eventually(
        Duration::from_millis(1500),
        "the cap closes the excess",
        async || {
            let closed = closed_by_server(&mut streams).await;
            (closed >= IDLE - CAP).then_some(closed)
        },
    )
    .await;
    assert!(over_cap < IDLE, "every connection was closed at once");
    // The rest, silent, are closed after twice the idle time.
    eventually(
        Duration::from_secs(20),
        "silent connections are closed",
        async || closed_by_server(&mut streams).await == IDLE,
    )
    .await;

    client
        .mkdirs("/after", FsPermission::new(0o755), false)
        .await
        .unwrap();
    assert!(client.get_file_info("/before").await.unwrap().is_some());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_drops_a_transfer_peer_that_sends_no_op() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .set("dfs.client.socket-timeout", "500")
        .build()
        .await
        .unwrap();
    let address = cluster.datanode(0).unwrap().xfer_address();
    // One silent from the start, one that sends the version byte and stops.
    let mut silent = [
        TcpStream::connect(address).await.unwrap(),
        TcpStream::connect(address).await.unwrap(),
    ];
    tokio::io::AsyncWriteExt::write_all(
        &mut silent[1],
        &[common::datatransfer::DATA_TRANSFER_VERSION],
    )
    .await
    .unwrap();
    eventually(
        Duration::from_secs(10),
        "the DataNode drops silent peers",
        async || closed_by_server(&mut silent).await == silent.len(),
    )
    .await;
    cluster.shutdown().await;
}
