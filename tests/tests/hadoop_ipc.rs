//! Hadoop IPC on the NameNode's RPC port: a third-party Hadoop client (the
//! `hdfs-native` crate, which speaks Hadoop's RPC v9 and ClientNamenodeProtocol
//! and nothing of Tusk's) manages the namespace through `hdfs://nn:port`,
//! sees what Tusk's own gRPC client sees on the same port, and gets Hadoop's
//! exceptions (a standby's StandbyException makes it fail over). Hand-written
//! bytes check the framing: broken headers, wrong versions, unknown auth
//! protocols, methods and protocols, oversized frames each get their answer
//! or a closed connection, and the NameNode goes on.

use std::net::SocketAddr;
use std::time::Duration;

use common::FsPermission;
use hdfs_native::{Client, ClientBuilder, HdfsError, WriteOptions};
use minicluster::MiniCluster;
use prost::Message;
use proto::hadoop::common::rpc_response_header_proto::{RpcErrorCodeProto, RpcStatusProto};
use proto::hadoop::common::{
    IpcConnectionContextProto, RequestHeaderProto, RpcRequestHeaderProto, RpcResponseHeaderProto,
    UserInformationProto,
};
use proto::hadoop::hdfs as hadoop;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

const CLIENT_PROTOCOL: &str = "org.apache.hadoop.hdfs.protocol.ClientProtocol";
/// More entries than one listing page (`dfs.ls.limit`, 1000).
const BIG_DIRECTORY: usize = 1100;

fn hadoop_client(cluster: &MiniCluster, user: &str) -> Client {
    ClientBuilder::new()
        .with_url(format!("hdfs://{}", cluster.namenode_rpc_address()))
        .with_user(user)
        .build()
        .unwrap()
}

fn rpc_error(error: HdfsError) -> (String, String) {
    match error {
        HdfsError::RPCError(class, message) => (class, message),
        other => panic!("expected a Hadoop RPC error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_manages_the_namespace() {
    let cluster = MiniCluster::builder().build().await.unwrap();
    cluster.create_home_dirs("alice").await.unwrap();
    let admin_user = common::user::os_user();
    let admin = hadoop_client(&cluster, &admin_user);
    let alice = hadoop_client(&cluster, "alice");
    let tusk = cluster.client().unwrap();

    admin.mkdirs("/ipc/a/b", 0o755, true).await.unwrap();
    let dir = admin.get_file_info("/ipc/a/b").await.unwrap();
    assert!(dir.isdir);
    assert_eq!(dir.permission, 0o755);
    assert_eq!(dir.owner, admin_user);

    // An empty file: create and close, no DataNode involved.
    let mut writer = admin
        .create("/ipc/a/empty", WriteOptions::default())
        .await
        .unwrap();
    writer.close().await.unwrap();
    let file = admin.get_file_info("/ipc/a/empty").await.unwrap();
    assert!(!file.isdir);
    assert_eq!(file.length, 0);
    assert_eq!(file.permission, 0o644);
    assert_eq!(file.replication, Some(3));
    let again = admin.create("/ipc/a/empty", WriteOptions::default()).await;
    assert!(
        matches!(again, Err(HdfsError::AlreadyExists(_))),
        "{:?}",
        again.err()
    );

    // Both clients, on the same port, see the same status.
    let seen_by_tusk = tusk.stat("/ipc/a/empty").await.unwrap();
    assert_eq!(seen_by_tusk.length, file.length as u64);
    assert_eq!(seen_by_tusk.owner, file.owner);
    assert_eq!(seen_by_tusk.group, file.group);
    assert_eq!(seen_by_tusk.permission.bits(), file.permission);
    assert_eq!(
        seen_by_tusk.modification_time,
        file.modification_time as i64
    );
    assert!(!seen_by_tusk.under_construction);

    let names = |statuses: Vec<hdfs_native::client::FileStatus>| -> Vec<String> {
        statuses.into_iter().map(|status| status.path).collect()
    };
    let listed = names(admin.list_status("/ipc/a", false).await.unwrap());
    assert_eq!(listed, ["/ipc/a/b", "/ipc/a/empty"]);

    // A directory of more than a listing page, its entries made by
    // concurrent calls on one connection (answered as they finish).
    let mut made = JoinSet::new();
    for index in 0..BIG_DIRECTORY {
        let admin = admin.clone();
        made.spawn(async move {
            admin
                .mkdirs(&format!("/ipc/big/d{index:04}"), 0o755, true)
                .await
        });
    }
    while let Some(made) = made.join_next().await {
        made.unwrap().unwrap();
    }
    let big = names(admin.list_status("/ipc/big", false).await.unwrap());
    let expected: Vec<String> = (0..BIG_DIRECTORY)
        .map(|index| format!("/ipc/big/d{index:04}"))
        .collect();
    assert_eq!(big, expected);
    assert_eq!(tusk.list("/ipc/big").await.unwrap().len(), BIG_DIRECTORY);

    // rename2, then the old name is gone.
    admin
        .rename("/ipc/a/empty", "/ipc/a/renamed", false)
        .await
        .unwrap();
    assert!(matches!(
        admin.get_file_info("/ipc/a/empty").await,
        Err(HdfsError::FileNotFound(_))
    ));
    assert!(
        tusk.get_file_info("/ipc/a/renamed")
            .await
            .unwrap()
            .is_some()
    );

    // Permission and owner changes show in the status, through both paths.
    admin.set_permission("/ipc/a/renamed", 0o600).await.unwrap();
    admin
        .set_owner("/ipc/a/renamed", Some("alice"), Some("staff"))
        .await
        .unwrap();
    let changed = admin.get_file_info("/ipc/a/renamed").await.unwrap();
    assert_eq!(
        (
            changed.permission,
            changed.owner.as_str(),
            changed.group.as_str()
        ),
        (0o600, "alice", "staff")
    );
    let changed_by_tusk = tusk.stat("/ipc/a/renamed").await.unwrap();
    assert_eq!(changed_by_tusk.permission, FsPermission::new(0o600));
    assert_eq!(changed_by_tusk.owner, "alice");

    let summary = admin.get_content_summary("/ipc").await.unwrap();
    assert_eq!(summary.file_count, 1);
    // /ipc, /ipc/a, /ipc/a/b, /ipc/big and its entries.
    assert_eq!(summary.directory_count, 4 + BIG_DIRECTORY as u64);
    assert_eq!(summary.length, 0);

    // Hadoop's exceptions.
    assert!(matches!(
        admin.get_file_info("/missing").await,
        Err(HdfsError::FileNotFound(_))
    ));
    let (class, message) = rpc_error(
        admin
            .mkdirs("/ipc/a/renamed/sub", 0o755, true)
            .await
            .unwrap_err(),
    );
    assert_eq!(class, "org.apache.hadoop.fs.ParentNotDirectoryException");
    assert!(message.contains("/ipc/a/renamed"), "{message}");
    let (class, _) = rpc_error(alice.mkdirs("/ipc/a/alice", 0o755, true).await.unwrap_err());
    assert_eq!(class, "org.apache.hadoop.security.AccessControlException");
    let (class, _) = rpc_error(admin.delete("/ipc/a", false).await.unwrap_err());
    assert_eq!(
        class,
        "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
    );
    // The user of the connection is the caller: alice works in her home.
    alice
        .mkdirs("/user/alice/mine", 0o700, false)
        .await
        .unwrap();
    assert_eq!(tusk.stat("/user/alice/mine").await.unwrap().owner, "alice");

    assert!(admin.delete("/ipc/a/renamed", false).await.unwrap());
    assert!(!admin.delete("/ipc/a/renamed", false).await.unwrap());
    assert!(matches!(
        admin.get_file_info("/ipc/a/renamed").await,
        Err(HdfsError::FileNotFound(_))
    ));

    // Tusk's own gRPC client still works on the shared port.
    tusk.mkdirs("/ipc/from-tusk", FsPermission::new(0o755), false)
        .await
        .unwrap();
    assert!(admin.get_file_info("/ipc/from-tusk").await.unwrap().isdir);
    cluster.shutdown().await;
}

/// A raw Hadoop IPC connection, its frames written by hand.
struct RawConnection {
    stream: TcpStream,
}

impl RawConnection {
    async fn open(address: SocketAddr, header: &[u8]) -> Self {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(header).await.unwrap();
        Self { stream }
    }

    /// `hrpc`, version 9, service class 0, no authentication, and the
    /// connection context of `user`.
    async fn handshake(address: SocketAddr, user: &str) -> Self {
        let mut connection = Self::open(address, b"hrpc\x09\x00\x00").await;
        let context = IpcConnectionContextProto {
            user_info: Some(UserInformationProto {
                effective_user: Some(user.to_string()),
                real_user: None,
            }),
            protocol: Some(CLIENT_PROTOCOL.to_string()),
        };
        connection
            .send(&[&rpc_header(-3), &context.encode_length_delimited_to_vec()])
            .await;
        connection
    }

    async fn send(&mut self, messages: &[&[u8]]) {
        let length: usize = messages.iter().map(|message| message.len()).sum();
        let mut frame = (length as u32).to_be_bytes().to_vec();
        for message in messages {
            frame.extend_from_slice(message);
        }
        self.stream.write_all(&frame).await.unwrap();
    }

    async fn call(&mut self, call_id: i32, protocol: &str, method: &str, request: &impl Message) {
        let header = RequestHeaderProto {
            method_name: method.to_string(),
            declaring_class_protocol_name: protocol.to_string(),
            client_protocol_version: 1,
        };
        self.send(&[
            &rpc_header(call_id),
            &header.encode_length_delimited_to_vec(),
            &request.encode_length_delimited_to_vec(),
        ])
        .await;
    }

    /// The next answer: its header and what follows it; `None` once the
    /// NameNode closed the connection.
    async fn answer(&mut self) -> Option<(RpcResponseHeaderProto, bytes::Bytes)> {
        let mut length = [0u8; 4];
        if self.stream.read_exact(&mut length).await.is_err() {
            return None;
        }
        let mut frame = vec![0u8; u32::from_be_bytes(length) as usize];
        self.stream.read_exact(&mut frame).await.ok()?;
        let mut frame = bytes::Bytes::from(frame);
        let header = RpcResponseHeaderProto::decode_length_delimited(&mut frame).unwrap();
        Some((header, frame))
    }

    /// Whether the NameNode closed the connection (after any answers).
    async fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(
            tokio::time::timeout(Duration::from_secs(30), self.stream.read_to_end(&mut rest)).await,
            Ok(Ok(_)) | Ok(Err(_))
        )
    }
}

fn rpc_header(call_id: i32) -> Vec<u8> {
    RpcRequestHeaderProto {
        rpc_kind: Some(2),
        rpc_op: Some(0),
        call_id,
        client_id: vec![7; 16],
        retry_count: Some(0),
        ..Default::default()
    }
    .encode_length_delimited_to_vec()
}

fn file_info(src: &str) -> hadoop::GetFileInfoRequestProto {
    hadoop::GetFileInfoRequestProto {
        src: src.to_string(),
    }
}

/// Expects a FATAL answer of `class` whose message contains `message`, then
/// the connection closed.
async fn expect_fatal(connection: &mut RawConnection, class: &str, message: &str) {
    let (header, _) = connection.answer().await.expect("a FATAL answer");
    assert_eq!(header.status(), RpcStatusProto::Fatal, "{header:?}");
    assert_eq!(header.exception_class_name(), class, "{header:?}");
    assert!(header.error_msg().contains(message), "{header:?}");
    assert_eq!(header.server_ipc_version_num, Some(9));
    assert!(connection.is_closed().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_hadoop_ipc_frames_are_refused_and_the_namenode_goes_on() {
    let cluster = MiniCluster::builder()
        .set("ipc.maximum.data.length", "1048576")
        .build()
        .await
        .unwrap();
    let address = cluster.namenode_rpc_address();
    let user = common::user::os_user();

    // Neither `hrpc` nor HTTP/2: tonic refuses it.
    let mut garbage = RawConnection::open(address, b"GET / HTTP/1.1\r\n\r\n").await;
    assert!(garbage.is_closed().await);

    // A connection header cut short: closed.
    let mut cut = RawConnection::open(address, b"hrpc\x09").await;
    cut.stream.shutdown().await.unwrap();
    assert!(cut.answer().await.is_none());

    // Another IPC version: Hadoop's VersionMismatch.
    let mut old = RawConnection::open(address, b"hrpc\x08\x00\x00").await;
    expect_fatal(
        &mut old,
        "org.apache.hadoop.ipc.RPC$VersionMismatch",
        "Server IPC version 9 cannot communicate with client version 8",
    )
    .await;

    // An unknown auth protocol, and SASL of a NameNode with simple auth.
    let mut unknown_auth = RawConnection::open(address, b"hrpc\x09\x00\x51").await;
    expect_fatal(
        &mut unknown_auth,
        "org.apache.hadoop.ipc.IpcException",
        "Unknown auth protocol:81",
    )
    .await;
    let mut sasl = RawConnection::open(address, b"hrpc\x09\x00\xdf").await;
    expect_fatal(
        &mut sasl,
        "org.apache.hadoop.security.AccessControlException",
        "SIMPLE authentication",
    )
    .await;

    // A call before the connection context.
    let mut early = RawConnection::open(address, b"hrpc\x09\x00\x00").await;
    early
        .call(0, CLIENT_PROTOCOL, "getFileInfo", &file_info("/"))
        .await;
    expect_fatal(
        &mut early,
        "org.apache.hadoop.ipc.RpcServerException",
        "Connection context not established",
    )
    .await;

    // Unknown methods and protocols fail the call, not the connection;
    // the calls after them are answered.
    let mut calls = RawConnection::handshake(address, &user).await;
    calls
        .call(1, CLIENT_PROTOCOL, "frobnicate", &file_info("/"))
        .await;
    let (header, _) = calls.answer().await.unwrap();
    assert_eq!(header.call_id, 1);
    assert_eq!(header.status(), RpcStatusProto::Error);
    assert_eq!(header.error_detail(), RpcErrorCodeProto::ErrorNoSuchMethod);
    assert_eq!(
        header.exception_class_name(),
        "org.apache.hadoop.ipc.RpcNoSuchMethodException"
    );
    assert_eq!(
        header.error_msg(),
        "Unknown method frobnicate called on org.apache.hadoop.hdfs.protocol.ClientProtocol protocol."
    );
    calls
        .call(2, "org.example.Nope", "getFileInfo", &file_info("/"))
        .await;
    let (header, _) = calls.answer().await.unwrap();
    assert_eq!(header.call_id, 2);
    assert_eq!(header.status(), RpcStatusProto::Error);
    assert_eq!(
        header.exception_class_name(),
        "org.apache.hadoop.ipc.RpcNoSuchProtocolException"
    );
    assert_eq!(header.error_msg(), "Unknown protocol: org.example.Nope");
    calls
        .call(3, CLIENT_PROTOCOL, "createSymlink", &file_info("/"))
        .await;
    let (header, _) = calls.answer().await.unwrap();
    assert_eq!(
        header.exception_class_name(),
        "java.lang.UnsupportedOperationException"
    );
    // A ping is not answered; the call after it is.
    calls.send(&[&rpc_header(-4)]).await;
    calls
        .call(4, CLIENT_PROTOCOL, "getFileInfo", &file_info("/"))
        .await;
    let (header, mut body) = calls.answer().await.unwrap();
    assert_eq!(
        (header.call_id, header.status()),
        (4, RpcStatusProto::Success)
    );
    assert_eq!(header.client_id.as_deref(), Some(&[7u8; 16][..]));
    let root = hadoop::GetFileInfoResponseProto::decode_length_delimited(&mut body)
        .unwrap()
        .fs
        .unwrap();
    assert_eq!(
        root.file_type(),
        hadoop::hdfs_file_status_proto::FileType::IsDir
    );

    // A frame longer than ipc.maximum.data.length: FATAL, closed.
    let mut oversized = RawConnection::handshake(address, &user).await;
    let claimed: u32 = 2 * 1024 * 1024;
    oversized
        .stream
        .write_all(&claimed.to_be_bytes())
        .await
        .unwrap();
    oversized.stream.write_all(&[0u8; 1024]).await.unwrap();
    expect_fatal(
        &mut oversized,
        "java.io.IOException",
        "Requested data length 2097152 is longer than maximum configured RPC length 1048576",
    )
    .await;

    // A frame cut short: the connection is dropped.
    let mut truncated = RawConnection::handshake(address, &user).await;
    truncated
        .stream
        .write_all(&100u32.to_be_bytes())
        .await
        .unwrap();
    truncated.stream.write_all(&[1, 2, 3]).await.unwrap();
    truncated.stream.shutdown().await.unwrap();
    assert!(truncated.answer().await.is_none());

    // Through it all the NameNode serves Hadoop clients, and Tusk's.
    let client = hadoop_client(&cluster, &user);
    assert!(client.get_file_info("/").await.unwrap().isdir);
    client.mkdirs("/after", 0o755, false).await.unwrap();

    // The RPC port's metrics count Hadoop IPC calls beside gRPC's, under
    // their method names; an unknown method's name is not kept.
    let port = address.port();
    let jmx = tusk_tests::web::get_json(
        &cluster.namenode_http_address().to_string(),
        &format!("/jmx?qry=Hadoop:service=NameNode,name=RpcDetailedActivityForPort{port}"),
    )
    .await;
    let detailed = &jmx["beans"][0];
    assert!(
        detailed["GetFileInfoNumOps"].as_u64().unwrap() >= 2,
        "{detailed}"
    );
    assert_eq!(detailed["CreateSymlinkNumOps"], 1, "{detailed}");
    assert!(detailed["FrobnicateNumOps"].is_null(), "{detailed}");
    assert!(
        cluster
            .client()
            .unwrap()
            .get_file_info("/after")
            .await
            .unwrap()
            .is_some()
    );
    cluster.shutdown().await;
}

/// Calls `method` on `connection` and decodes its response (the call must
/// succeed).
async fn call_ok<R: Message + Default>(
    connection: &mut RawConnection,
    call_id: i32,
    method: &str,
    request: &impl Message,
) -> R {
    connection
        .call(call_id, CLIENT_PROTOCOL, method, request)
        .await;
    let (header, mut body) = connection.answer().await.expect("an answer");
    assert_eq!(header.call_id, call_id as u32, "{header:?}");
    assert_eq!(
        header.status(),
        RpcStatusProto::Success,
        "{method}: {header:?}"
    );
    R::decode_length_delimited(&mut body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hadoop_ipc_locates_blocks_and_answers_the_admin_calls() {
    const BLOCK: u64 = 1024;
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1"])
        .set("dfs.namenode.fs-limits.min-block-size", "0")
        .build()
        .await
        .unwrap();
    let tusk = cluster.client().unwrap();
    let data = tusk_tests::content(3000, 5);
    tusk_tests::write_file(&tusk, "/data/f", &data, 1, BLOCK).await;
    let pool = cluster
        .namesystem()
        .unwrap()
        .storage_info()
        .block_pool_id
        .clone();
    let datanodes: Vec<(String, SocketAddr)> = (0..2)
        .map(|index| {
            let datanode = cluster.datanode(index).unwrap();
            (datanode.uuid().to_string(), datanode.xfer_address())
        })
        .collect();
    let (_, tusk_blocks, _) = tusk.block_locations("/data/f", 0, 3000).await.unwrap();
    let user = common::user::os_user();
    let mut ipc = RawConnection::handshake(cluster.namenode_rpc_address(), &user).await;

    // Every block, with its pool, DataNode and storage; the last block too.
    let located: hadoop::GetBlockLocationsResponseProto = call_ok(
        &mut ipc,
        0,
        "getBlockLocations",
        &hadoop::GetBlockLocationsRequestProto {
            src: "/data/f".to_string(),
            offset: 0,
            length: 3000,
        },
    )
    .await;
    let located = located.locations.unwrap();
    assert_eq!(located.file_length, 3000);
    assert!(!located.under_construction && located.is_last_block_complete);
    assert_eq!(located.blocks.len(), 3);
    for (block, tusk_block) in located.blocks.iter().zip(&tusk_blocks) {
        let expected = tusk_block.block.as_ref().unwrap();
        assert_eq!(block.b.pool_id, pool);
        assert_eq!(block.b.block_id, expected.block_id);
        assert_eq!(block.b.generation_stamp, expected.generation_stamp);
        assert_eq!(block.b.num_bytes, Some(expected.num_bytes));
        assert_eq!(block.offset, tusk_block.offset);
        assert_eq!(block.locs.len(), 1);
        let node = &block.locs[0].id;
        let (_, xfer_address) = datanodes
            .iter()
            .find(|(uuid, _)| *uuid == node.datanode_uuid)
            .expect("a DataNode of the cluster");
        assert_eq!(node.xfer_port, u32::from(xfer_address.port()));
        assert_eq!(node.ip_addr, xfer_address.ip().to_string());
        assert_eq!(block.locs[0].location.as_deref(), Some("/r1"));
        assert_eq!(block.storage_i_ds.len(), 1);
        assert_eq!(block.storage_types.len(), 1);
    }
    assert_eq!(located.last_block.as_ref(), located.blocks.last());
    // A range in the middle still names the last block.
    let middle: hadoop::GetBlockLocationsResponseProto = call_ok(
        &mut ipc,
        1,
        "getBlockLocations",
        &hadoop::GetBlockLocationsRequestProto {
            src: "/data/f".to_string(),
            offset: 1500,
            length: 10,
        },
    )
    .await;
    let middle = middle.locations.unwrap();
    assert_eq!(middle.blocks.len(), 1);
    assert_eq!(middle.blocks[0].offset, BLOCK);
    assert_eq!(middle.last_block.as_ref(), located.blocks.last());

    // A listing with locations.
    let listing: hadoop::GetListingResponseProto = call_ok(
        &mut ipc,
        2,
        "getListing",
        &hadoop::GetListingRequestProto {
            src: "/data".to_string(),
            start_after: Vec::new(),
            need_location: true,
        },
    )
    .await;
    let listing = listing.dir_list.unwrap();
    assert_eq!(listing.remaining_entries, 0);
    assert_eq!(listing.partial_listing.len(), 1);
    let entry = &listing.partial_listing[0];
    assert_eq!(entry.path, b"f");
    assert_eq!(entry.length, 3000);
    assert_eq!(entry.blocksize, Some(BLOCK));
    assert_eq!(entry.locations.as_ref(), Some(&located));

    let closed: hadoop::IsFileClosedResponseProto = call_ok(
        &mut ipc,
        3,
        "isFileClosed",
        &hadoop::IsFileClosedRequestProto {
            src: "/data/f".to_string(),
        },
    )
    .await;
    assert!(closed.result);
    let usage: hadoop::GetQuotaUsageResponseProto = call_ok(
        &mut ipc,
        4,
        "getQuotaUsage",
        &hadoop::GetQuotaUsageRequestProto {
            path: "/data".to_string(),
        },
    )
    .await;
    assert_eq!(usage.usage.file_and_directory_count, 2);
    assert_eq!(usage.usage.space_consumed, 3000);
    assert_eq!(usage.usage.quota, u64::MAX);
    // setQuota as Hadoop's DFSAdmin sends it (-1 and QUOTA_DONT_SET in unsigned fields).
    let _: hadoop::SetQuotaResponseProto = call_ok(
        &mut ipc,
        100,
        "setQuota",
        &hadoop::SetQuotaRequestProto {
            path: "/data".to_string(),
            namespace_quota: 10,
            storagespace_quota: i64::MAX as u64,
            storage_type: None,
        },
    )
    .await;
    let usage: hadoop::GetQuotaUsageResponseProto = call_ok(
        &mut ipc,
        101,
        "getQuotaUsage",
        &hadoop::GetQuotaUsageRequestProto {
            path: "/data".to_string(),
        },
    )
    .await;
    assert_eq!(usage.usage.quota, 10);
    assert_eq!(usage.usage.space_quota, u64::MAX);
    assert_eq!(usage.usage.file_and_directory_count, 2);
    assert_eq!(usage.usage.space_consumed, 3000);

    // The file system and the NameNode.
    let defaults: hadoop::GetServerDefaultsResponseProto = call_ok(
        &mut ipc,
        5,
        "getServerDefaults",
        &hadoop::GetServerDefaultsRequestProto {},
    )
    .await;
    let defaults = defaults.server_defaults;
    assert_eq!(defaults.block_size, 128 * 1024 * 1024);
    assert_eq!(defaults.bytes_per_checksum, 512);
    assert_eq!(
        defaults.checksum_type(),
        hadoop::ChecksumTypeProto::ChecksumCrc32c
    );
    let report: hadoop::GetDatanodeReportResponseProto = call_ok(
        &mut ipc,
        6,
        "getDatanodeReport",
        &hadoop::GetDatanodeReportRequestProto {
            r#type: hadoop::DatanodeReportTypeProto::Live as i32,
        },
    )
    .await;
    let mut reported: Vec<&str> = report
        .di
        .iter()
        .map(|node| node.id.datanode_uuid.as_str())
        .collect();
    reported.sort();
    let mut expected: Vec<&str> = datanodes.iter().map(|(uuid, _)| uuid.as_str()).collect();
    expected.sort();
    assert_eq!(reported, expected);
    assert!(report.di.iter().all(|node| node.capacity.is_some()));
    let stats: hadoop::GetFsStatsResponseProto = call_ok(
        &mut ipc,
        7,
        "getFsStats",
        &hadoop::GetFsStatusRequestProto {},
    )
    .await;
    assert_eq!(stats.missing_blocks, 0);
    let safe_mode: hadoop::SetSafeModeResponseProto = call_ok(
        &mut ipc,
        8,
        "setSafeMode",
        &hadoop::SetSafeModeRequestProto {
            action: hadoop::SafeModeActionProto::SafemodeGet as i32,
            checked: None,
        },
    )
    .await;
    assert!(!safe_mode.result);
    let state: hadoop::HaServiceStateResponseProto = call_ok(
        &mut ipc,
        9,
        "getHAServiceState",
        &hadoop::HaServiceStateRequestProto {},
    )
    .await;
    assert_eq!(
        state.state(),
        proto::hadoop::common::HaServiceStateProto::Active
    );
    let _: hadoop::MsyncResponseProto =
        call_ok(&mut ipc, 10, "msync", &hadoop::MsyncRequestProto {}).await;
    let policies: hadoop::GetStoragePoliciesResponseProto = call_ok(
        &mut ipc,
        11,
        "getStoragePolicies",
        &hadoop::GetStoragePoliciesRequestProto {},
    )
    .await;
    assert_eq!(policies.policies[0].name, "HOT");
    let acl = hadoop_client(&cluster, &user)
        .get_acl_status("/data/f")
        .await
        .unwrap();
    assert_eq!(acl.owner, user);
    assert!(acl.entries.is_empty());

    // A retried create (same clientId and callId) is answered from the
    // retry cache; another create of the open file is refused.
    let create = hadoop::CreateRequestProto {
        src: "/data/retried".to_string(),
        masked: hadoop::FsPermissionProto { perm: 0o644 },
        client_name: "raw-client".to_string(),
        create_flag: hadoop::CreateFlagProto::Create as u32,
        create_parent: false,
        replication: 1,
        block_size: BLOCK,
        ..Default::default()
    };
    let first: hadoop::CreateResponseProto = call_ok(&mut ipc, 12, "create", &create).await;
    let retried: hadoop::CreateResponseProto = call_ok(&mut ipc, 12, "create", &create).await;
    let file_id = first.fs.as_ref().unwrap().file_id;
    assert_eq!(retried.fs.unwrap().file_id, file_id);
    ipc.call(13, CLIENT_PROTOCOL, "create", &create).await;
    let (header, _) = ipc.answer().await.unwrap();
    assert_eq!(header.status(), RpcStatusProto::Error);
    assert!(
        header
            .exception_class_name()
            .ends_with("AlreadyBeingCreatedException")
            || header
                .exception_class_name()
                .ends_with("FileAlreadyExistsException"),
        "{header:?}"
    );
    // A Hadoop client's pipeline recovery asks for another DataNode.
    let added: hadoop::AddBlockResponseProto = call_ok(
        &mut ipc,
        14,
        "addBlock",
        &hadoop::AddBlockRequestProto {
            src: "/data/retried".to_string(),
            client_name: "raw-client".to_string(),
            file_id,
            ..Default::default()
        },
    )
    .await;
    let block = added.block;
    assert_eq!(block.locs.len(), 1);
    let additional: hadoop::GetAdditionalDatanodeResponseProto = call_ok(
        &mut ipc,
        15,
        "getAdditionalDatanode",
        &hadoop::GetAdditionalDatanodeRequestProto {
            src: "/data/retried".to_string(),
            blk: block.b.clone(),
            existings: block.locs.clone(),
            excludes: Vec::new(),
            num_additional_nodes: 1,
            client_name: "raw-client".to_string(),
            existing_storage_uuids: block.storage_i_ds.clone(),
            file_id,
        },
    )
    .await;
    let pipeline = additional.block.locs;
    assert_eq!(pipeline.len(), 2);
    assert_eq!(pipeline[0].id, block.locs[0].id);
    assert_ne!(pipeline[1].id.datanode_uuid, block.locs[0].id.datanode_uuid);
    let _: hadoop::AbandonBlockResponseProto = call_ok(
        &mut ipc,
        16,
        "abandonBlock",
        &hadoop::AbandonBlockRequestProto {
            b: block.b,
            src: "/data/retried".to_string(),
            holder: "raw-client".to_string(),
            file_id,
        },
    )
    .await;
    let completed: hadoop::CompleteResponseProto = call_ok(
        &mut ipc,
        17,
        "complete",
        &hadoop::CompleteRequestProto {
            src: "/data/retried".to_string(),
            client_name: "raw-client".to_string(),
            last: None,
            file_id,
        },
    )
    .await;
    assert!(completed.result);
    assert!(!tusk.stat("/data/retried").await.unwrap().under_construction);
    cluster.shutdown().await;
}

/// The configuration of NameNode `index` of a two-NameNode nameservice
/// `ns` on a shared edits directory under `base`, at the `rpc` and `http`
/// addresses.
fn ha_conf(
    base: &std::path::Path,
    [rpc, http]: &[[String; 2]; 2],
    index: usize,
) -> common::Configuration {
    let mut conf = common::Configuration::new();
    let id = format!("nn{}", index + 1);
    conf.set(
        "dfs.namenode.name.dir",
        base.join(&id).display().to_string(),
    );
    conf.set(
        "dfs.namenode.shared.edits.dir",
        format!("file://{}", base.join("shared").display()),
    );
    conf.set("dfs.nameservices", "ns");
    conf.set("dfs.ha.namenodes.ns", "nn1,nn2");
    for other in 0..2 {
        let nn = format!("nn{}", other + 1);
        conf.set(
            &format!("dfs.namenode.rpc-address.ns.{nn}"),
            rpc[other].clone(),
        );
        conf.set(
            &format!("dfs.namenode.http-address.ns.{nn}"),
            http[other].clone(),
        );
    }
    conf.set("dfs.ha.namenode.id", id);
    conf.set("dfs.ha.tail-edits.period", "50ms");
    conf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_fails_over_from_a_standby() {
    use namenode::{NameNode, NameNodeConfig, Namesystem};
    use proto::hdfs as pb;
    use proto::hdfs::ha_service_protocol_client::HaServiceProtocolClient;

    let base = tempfile::tempdir().unwrap();
    let addresses =
        [0, 1].map(|_| [0, 1].map(|_| format!("127.0.0.1:{}", tusk_tests::free_port())));
    let rpc = &addresses[0];
    let config =
        |index| NameNodeConfig::from_conf(&ha_conf(base.path(), &addresses, index)).unwrap();
    Namesystem::format(&config(0).namesystem, None, true).unwrap();
    let nn1 = NameNode::start(config(0)).await.unwrap();
    namenode::bootstrap::bootstrap_standby(&config(1), false)
        .await
        .unwrap();
    let nn2 = NameNode::start(config(1)).await.unwrap();
    HaServiceProtocolClient::connect(format!("http://{}", nn2.rpc_address()))
        .await
        .unwrap()
        .transition_to_active(pb::TransitionToActiveRequest {
            req_info: Some(pb::HaStateChangeRequestInfo {
                req_source: pb::HaRequestSource::RequestByUser.into(),
            }),
        })
        .await
        .unwrap();

    // The standby answers Hadoop's StandbyException...
    let user = common::user::os_user();
    let mut standby = RawConnection::handshake(nn1.rpc_address(), &user).await;
    standby
        .call(0, CLIENT_PROTOCOL, "getFileInfo", &file_info("/"))
        .await;
    let (header, _) = standby.answer().await.unwrap();
    assert_eq!(header.status(), RpcStatusProto::Error);
    assert_eq!(
        header.exception_class_name(),
        "org.apache.hadoop.ipc.StandbyException"
    );
    let state: hadoop::HaServiceStateResponseProto = call_ok(
        &mut standby,
        1,
        "getHAServiceState",
        &hadoop::HaServiceStateRequestProto {},
    )
    .await;
    assert_eq!(
        state.state(),
        proto::hadoop::common::HaServiceStateProto::Standby
    );

    // ... so a Hadoop client of the nameservice, trying nn1 first, fails
    // over to nn2 and works there.
    let client = ClientBuilder::new()
        .with_url("hdfs://ns")
        .with_user(&user)
        .with_config([
            ("dfs.ha.namenodes.ns", "nn1,nn2".to_string()),
            ("dfs.namenode.rpc-address.ns.nn1", rpc[0].clone()),
            ("dfs.namenode.rpc-address.ns.nn2", rpc[1].clone()),
        ])
        .build()
        .unwrap();
    client.mkdirs("/failed-over", 0o755, false).await.unwrap();
    assert!(client.get_file_info("/failed-over").await.unwrap().isdir);
    assert!(
        nn2.namesystem()
            .file_info("/failed-over", &nn2.namesystem().caller(&user))
            .unwrap()
            .is_some()
    );
    nn1.stop().await;
    nn2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hadoop_ipc_truncates_files() {
    const BLOCK: u64 = 1024;
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1"])
        .set("dfs.namenode.fs-limits.min-block-size", "0")
        .set("dfs.heartbeat.interval", "200ms")
        .build()
        .await
        .unwrap();
    let tusk = cluster.client().unwrap();
    let data = tusk_tests::content(3000, 8);
    tusk_tests::write_file(&tusk, "/t/f", &data, 2, BLOCK).await;
    let user = common::user::os_user();
    let mut ipc = RawConnection::handshake(cluster.namenode_rpc_address(), &user).await;
    let truncate = |new_length: u64| hadoop::TruncateRequestProto {
        src: "/t/f".to_string(),
        new_length,
        client_name: "DFSClient_NONMAPREDUCE_1_1".to_string(),
    };

    // On a block boundary: true, the file is shorter at once.
    let done: hadoop::TruncateResponseProto =
        call_ok(&mut ipc, 1, "truncate", &truncate(2048)).await;
    assert!(done.result);
    assert_eq!(tusk_tests::read_file(&tusk, "/t/f").await, &data[..2048]);

    // Inside a block: false, and the file closes once the DataNodes cut it.
    let done: hadoop::TruncateResponseProto =
        call_ok(&mut ipc, 2, "truncate", &truncate(1500)).await;
    assert!(!done.result);
    tusk_tests::eventually(
        Duration::from_secs(60),
        "the truncated file closed",
        async || {
            let status = tusk.get_file_info("/t/f").await.unwrap().unwrap();
            status.length == 1500 && !status.under_construction
        },
    )
    .await;
    assert_eq!(tusk_tests::read_file(&tusk, "/t/f").await, &data[..1500]);

    // Longer than the file: Hadoop's exception class and message.
    ipc.call(3, CLIENT_PROTOCOL, "truncate", &truncate(1501))
        .await;
    let (header, _) = ipc.answer().await.unwrap();
    assert_eq!(header.status(), RpcStatusProto::Error);
    assert_eq!(
        header.exception_class_name(),
        "org.apache.hadoop.HadoopIllegalArgumentException"
    );
    assert_eq!(
        header.error_msg(),
        "Cannot truncate to a larger file size. Current size: 1500, truncate size: 1501."
    );
    cluster.shutdown().await;
}
