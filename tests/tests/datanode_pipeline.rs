//! The write pipeline's last DataNode checks every chunk: a packet whose
//! data was corrupted on the way is refused with ERROR_CHECKSUM, the
//! replicas stay unfinalized, and the DataNodes go on serving.

use common::datatransfer::{self, DATA_TRANSFER_VERSION};
use minicluster::MiniCluster;
use proto::hdfs as pb;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tusk_tests::{content, read_file as read, write_file};

const BYTES_PER_CHECKSUM: u32 = 512;
/// Far above any block id the NameNode hands out in this test.
const BLOCK_ID: u64 = 1 << 40;

fn target(cluster: &MiniCluster, index: usize) -> pb::DatanodeInfo {
    let address = cluster.datanode(index).unwrap().xfer_address();
    pb::DatanodeInfo {
        host: address.ip().to_string(),
        xfer_port: u32::from(address.port()),
        ..Default::default()
    }
}

/// Sends one packet of `data`; with `corrupt`, a data byte is flipped after
/// the checksums were computed.
async fn send_packet(
    stream: &mut TcpStream,
    seqno: i64,
    offset: u64,
    data: &[u8],
    last: bool,
    corrupt: bool,
) {
    let mut checksums = Vec::new();
    datatransfer::checksum_chunks(data, BYTES_PER_CHECKSUM, &mut checksums);
    let mut data = data.to_vec();
    if corrupt {
        data[700] ^= 0x01;
    }
    let header = pb::PacketHeader {
        offset_in_block: offset,
        seqno,
        last_packet_in_block: last,
        data_len: data.len() as u32,
        checksum_len: (checksums.len() * 4) as u32,
    };
    datatransfer::write_packet(stream, &header, &checksums, &data)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packet_corrupted_on_the_way_is_refused_by_the_last_datanode() {
    let cluster = MiniCluster::builder().datanodes(2).build().await.unwrap();
    let mut stream = TcpStream::connect(cluster.datanode(0).unwrap().xfer_address())
        .await
        .unwrap();
    stream.write_u8(DATA_TRANSFER_VERSION).await.unwrap();
    let op = pb::OpWriteBlock {
        block: Some(pb::Block {
            block_id: BLOCK_ID,
            generation_stamp: 1,
            num_bytes: 0,
        }),
        targets: vec![target(&cluster, 1)],
        stage: pb::PipelineStage::SetupCreate.into(),
        bytes_per_checksum: BYTES_PER_CHECKSUM,
        ..Default::default()
    };
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::WriteBlock(op)),
    };
    datatransfer::write_message(&mut stream, &request)
        .await
        .unwrap();
    let response: pb::BlockOpResponse = datatransfer::read_message(&mut stream).await.unwrap();
    assert_eq!(response.status(), pb::Status::Success, "{response:?}");

    let data = vec![0x5a_u8; 2048];
    send_packet(&mut stream, 0, 0, &data, false, false).await;
    let ack: pb::PipelineAck = datatransfer::read_message(&mut stream).await.unwrap();
    let success = pb::Status::Success as i32;
    assert_eq!((ack.seqno, ack.replies), (0, vec![success, success]));

    // The first node forwards the corrupt packet as it came; the second,
    // the pipeline's last, checks it.
    send_packet(&mut stream, 1, 2048, &data, false, true).await;
    let ack: pb::PipelineAck = datatransfer::read_message(&mut stream).await.unwrap();
    assert_eq!(ack.seqno, 1);
    assert_eq!(
        ack.replies,
        vec![success, pb::Status::ErrorChecksum as i32],
        "the last DataNode names the checksum error"
    );
    drop(stream);
    for index in 0..2 {
        assert!(
            cluster.replica_file(index, BLOCK_ID).is_none(),
            "DataNode {index} finalized a replica of a refused block"
        );
    }

    // Both DataNodes still take a whole file.
    let client = cluster.client().unwrap();
    let content = content(300_000, 3);
    write_file(&client, "/after", &content, 2, 128 * 1024 * 1024).await;
    assert!(read(&client, "/after").await == content);
    cluster.shutdown().await;
}
