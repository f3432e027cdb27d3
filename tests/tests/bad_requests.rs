//! Bad input gets a clear error and the NameNode keeps serving.

use std::io::{Read, Write};

use common::datatransfer::{self, DATA_TRANSFER_VERSION};
use common::{ExceptionKind, FsPermission};
use minicluster::MiniCluster;
use proto::hdfs as pb;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_paths_and_arguments_are_clear_errors() {
    let cluster = MiniCluster::builder()
        .set("dfs.namenode.fs-limits.max-component-length", "16")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let perm = FsPermission::new(0o755);
    let cases: [(&str, ExceptionKind); 7] = [
        ("", ExceptionKind::InvalidPath),
        ("relative/path", ExceptionKind::InvalidPath),
        ("/a/../b", ExceptionKind::InvalidPath),
        ("/a/./b", ExceptionKind::InvalidPath),
        ("/a//b", ExceptionKind::InvalidPath),
        ("/a:b", ExceptionKind::InvalidPath),
        (
            "/this-name-is-longer-than-sixteen",
            ExceptionKind::PathComponentTooLong,
        ),
    ];
    for (path, kind) in cases {
        let error = client.mkdirs(path, perm, true).await.unwrap_err();
        assert_eq!(error.kind, kind, "{path:?}: {error}");
        assert!(!error.message.is_empty());
        let error = client.get_file_info(path).await;
        assert!(
            error.is_err() || kind == ExceptionKind::PathComponentTooLong,
            "{path:?}"
        );
    }
    let error = client.rename("/", "/x", false, false).await.unwrap_err();
    assert!(error.message.contains("root"), "{error}");
    let error = client.set_replication("/", 0).await.unwrap_err();
    assert!(
        error.message.contains("less than the required minimum"),
        "{error}"
    );
    let error = client.complete("/nope", 1, None).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::LeaseExpired);

    // Still serving.
    client.mkdirs("/fine", perm, false).await.unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_rpc_port_does_not_hurt_the_namenode() {
    let cluster = MiniCluster::builder().build().await.unwrap();
    let address = cluster.namenode_rpc_address();
    for garbage in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &[0xffu8; 4096][..],
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00",
    ] {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        stream.write_all(garbage).unwrap();
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
    }
    // A gRPC call whose path string is not UTF-8 is refused, not fatal.
    // Field 1 (src), two bytes, invalid UTF-8.
    let message = vec![0x0a, 0x02, 0xff, 0xfe];
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/tusk.hdfs.ClientProtocol/GetFileInfo",
    );
    let request = tonic::Request::new(message);
    let result: Result<tonic::Response<Vec<u8>>, tonic::Status> =
        grpc.unary(request, path, RawCodec).await;
    let status = result.expect_err("invalid UTF-8 must be refused");
    assert!(
        status.message().to_lowercase().contains("utf-8"),
        "{status:?}"
    );

    let client = cluster.client().unwrap();
    client
        .mkdirs("/still-serving", FsPermission::new(0o755), false)
        .await
        .unwrap();
    assert!(
        client
            .get_file_info("/still-serving")
            .await
            .unwrap()
            .is_some()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_missing_a_required_field_are_refused_by_name() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();

    // ClientProtocol: no block to update or abandon is an invalid argument
    // naming the field, not block 0.
    let channel = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        cluster.namenode_rpc_address()
    ))
    .unwrap()
    .connect()
    .await
    .unwrap();
    let mut rpc = pb::client_protocol_client::ClientProtocolClient::new(channel);
    let status = rpc
        .update_block_for_pipeline(pb::UpdateBlockForPipelineRequest {
            block: None,
            client_name: "writer".into(),
            src: "/f".into(),
        })
        .await
        .expect_err("a request without its block must be refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(status.message(), "Message missing required fields: block");
    let status = rpc
        .abandon_block(pb::AbandonBlockRequest {
            b: None,
            src: "/f".into(),
            holder: "writer".into(),
            file_id: 0,
        })
        .await
        .expect_err("a request without its block must be refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(status.message(), "Message missing required fields: b");

    // Data transfer: a READ_BLOCK without a block is ERROR_INVALID.
    let mut stream = tokio::net::TcpStream::connect(cluster.datanode(0).unwrap().xfer_address())
        .await
        .unwrap();
    stream.write_u8(DATA_TRANSFER_VERSION).await.unwrap();
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::ReadBlock(pb::OpReadBlock {
            block: None,
            offset: 0,
            length: 1024,
            ..Default::default()
        })),
    };
    datatransfer::write_message(&mut stream, &request)
        .await
        .unwrap();
    let response: pb::BlockOpResponse = datatransfer::read_message(&mut stream).await.unwrap();
    assert_eq!(response.status(), pb::Status::ErrorInvalid, "{response:?}");
    assert_eq!(response.message, "Message missing required fields: block");

    // Still serving.
    let client = cluster.client().unwrap();
    client
        .mkdirs("/still-serving", FsPermission::new(0o755), false)
        .await
        .unwrap();
    cluster.shutdown().await;
}

/// Sends and receives raw protobuf bytes, to craft requests a typed client never would.
#[derive(Clone, Default)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let mut bytes = vec![0u8; src.remaining()];
        src.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}
