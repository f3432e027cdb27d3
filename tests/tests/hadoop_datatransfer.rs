//! The DataNode's transfer port speaks Hadoop's DataTransferProtocol (28)
//! beside Tusk's framing: blocks written through a pipeline in Hadoop's
//! framing read back with Tusk's client and the other way round, block
//! checksums as Hadoop computes them, the bad link of a broken pipeline in
//! its acks and a recovery after it, replica transfers, and malformed ops
//! refused while the DataNode serves on. Blocks are allocated with Tusk's
//! own NameNode calls.

use std::time::Duration;

use common::datatransfer::hadoop::Op;
use md5::{Digest, Md5};
use minicluster::MiniCluster;
use proto::hadoop::hdfs as hpb;
use proto::hadoop::hdfs::op_write_block_proto::BlockConstructionStage;
use proto::hdfs as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tusk_tests::hadoop_dtp::{
    self, BYTES_PER_CHECKSUM, PACKET_DATA, PipelineWriter, extended_block, read_block,
    read_block_on, write_op, xfer_address,
};
use tusk_tests::{content, create_options, eventually, read_file, write_file};

const BLOCK_SIZE: u64 = 128 * 1024 * 1024;
const SUCCESS: i32 = hpb::Status::Success as i32;
const ERROR: i32 = hpb::Status::Error as i32;
const WAIT: Duration = Duration::from_secs(60);

fn pool_id(cluster: &MiniCluster) -> String {
    cluster
        .datanode(0)
        .unwrap()
        .store()
        .block_pool()
        .expect("registered DataNodes serve a block pool")
}

/// The mini-cluster index of the DataNode a location names.
fn index_of(cluster: &MiniCluster, node: &pb::DatanodeInfo) -> usize {
    (0..cluster.num_datanodes())
        .find(|&index| {
            cluster
                .datanode(index)
                .is_ok_and(|datanode| datanode.uuid().to_string() == node.datanode_uuid)
        })
        .expect("a location names a running DataNode")
}

/// The MD5 of the CRC32C of each 512-byte chunk of `data` (u32 big-endian):
/// Hadoop's MD5CRC block checksum, computed independently.
fn md5_of_crc32cs(data: &[u8]) -> Vec<u8> {
    let mut md5 = Md5::new();
    for chunk in data.chunks(BYTES_PER_CHECKSUM as usize) {
        md5.update(crc32c::crc32c(chunk).to_be_bytes());
    }
    md5.finalize().to_vec()
}

/// The only block of a closed file and its locations.
async fn only_block(client: &client::DfsClient, path: &str) -> (pb::Block, Vec<pb::DatanodeInfo>) {
    let (_, blocks, _) = client.block_locations(path, 0, u64::MAX).await.unwrap();
    assert_eq!(blocks.len(), 1, "{path} has one block");
    let located = blocks.into_iter().next().unwrap();
    (located.block.unwrap(), located.locations)
}

/// Closes a file whose last block is `last`, once the NameNode has the
/// replicas it needs.
async fn complete(client: &client::DfsClient, path: &str, file_id: u64, last: pb::Block) {
    eventually(WAIT, "the file to close", async || {
        client.complete(path, file_id, Some(last)).await.unwrap()
    })
    .await;
}

/// Creates `path` at `replication` and allocates its first block: the file's id, the
/// block and its pipeline, as Tusk's NameNode placed it.
async fn new_block(
    client: &client::DfsClient,
    path: &str,
    replication: u16,
) -> (u64, pb::Block, Vec<pb::DatanodeInfo>) {
    let status = client
        .create(path, &create_options(replication, BLOCK_SIZE))
        .await
        .unwrap();
    let located = client
        .add_block(path, status.file_id, None, &[])
        .await
        .unwrap();
    (status.file_id, located.block.unwrap(), located.locations)
}

async fn expect_ack(writer: &mut PipelineWriter, seqno: i64, nodes: usize) {
    let ack = writer.read_ack().await.unwrap();
    assert_eq!(ack.seqno, seqno, "{ack:?}");
    assert_eq!(ack.reply, vec![SUCCESS; nodes], "{ack:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_written_through_a_hadoop_pipeline_reads_back_with_tusks_client() {
    let cluster = MiniCluster::builder().datanodes(3).build().await.unwrap();
    let client = cluster.client().unwrap();
    let path = "/hadoop/written";
    let (file_id, block, nodes) = new_block(&client, path, 3).await;
    assert_eq!(nodes.len(), 3);
    let op = write_op(
        extended_block(&pool_id(&cluster), &block),
        &nodes[1..],
        BlockConstructionStage::PipelineSetupCreate,
        0,
        block.generation_stamp,
    );
    let (writer, response) = PipelineWriter::open(&nodes[0], &op, 0).await.unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let mut writer = writer.unwrap();
    let data = content(300_000, 7);

    // An hflush of a partial chunk: a packet ending inside a chunk, asked
    // to be synced ...
    let seqno = writer.send(&data[..1000], true).await.unwrap();
    expect_ack(&mut writer, seqno, 3).await;
    // ... a heartbeat while the writer is idle ...
    writer.heartbeat().await.unwrap();
    expect_ack(&mut writer, -1, 3).await;
    // ... then, as Java's DFSOutputStream goes on, a packet from that
    // chunk's boundary (the flushed bytes again, then new ones), ending
    // inside a chunk and synced again ...
    let seqno = writer
        .send_at(512, &data[512..1500], true, false)
        .await
        .unwrap();
    expect_ack(&mut writer, seqno, 3).await;
    // ... and as hdfs-native goes on, a packet from where the data ends,
    // completing the chunk with one CRC over its own bytes ...
    let seqno = writer.send(&data[1500..1536], false).await.unwrap();
    expect_ack(&mut writer, seqno, 3).await;
    // ... then whole packets.
    let mut offset = 1536;
    while offset < data.len() {
        let end = (offset + PACKET_DATA).min(data.len());
        let seqno = writer.send(&data[offset..end], false).await.unwrap();
        expect_ack(&mut writer, seqno, 3).await;
        offset = end;
    }
    let seqno = writer.finish().await.unwrap();
    expect_ack(&mut writer, seqno, 3).await;

    for node in &nodes {
        let index = index_of(&cluster, node);
        assert!(
            cluster.replica_file(index, block.block_id).is_some(),
            "DataNode {index} finalized its replica"
        );
    }
    let last = pb::Block {
        num_bytes: data.len() as u64,
        ..block
    };
    complete(&client, path, file_id, last).await;
    assert!(read_file(&client, path).await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_packet_and_an_unsupported_checksum_are_refused() {
    let cluster = MiniCluster::builder().datanodes(2).build().await.unwrap();
    let client = cluster.client().unwrap();
    let path = "/hadoop/refused";
    let (_, block, nodes) = new_block(&client, path, 2).await;
    let extended = extended_block(&pool_id(&cluster), &block);

    // CRC32 is not what this DataNode stores: the writer is told so.
    let mut op = write_op(
        extended.clone(),
        &nodes[1..],
        BlockConstructionStage::PipelineSetupCreate,
        0,
        block.generation_stamp,
    );
    op.requested_checksum.r#type = hpb::ChecksumTypeProto::ChecksumCrc32.into();
    let (writer, response) = PipelineWriter::open(&nodes[0], &op, 0).await.unwrap();
    assert!(writer.is_none());
    assert_eq!(response.status, ERROR, "{response:?}");
    assert!(
        response.message.unwrap_or_default().contains("CRC32C"),
        "the refusal names the checksum to use"
    );

    // A packet corrupted on the way: the pipeline's last DataNode checks it.
    op.requested_checksum.r#type = hpb::ChecksumTypeProto::ChecksumCrc32c.into();
    let (writer, response) = PipelineWriter::open(&nodes[0], &op, 0).await.unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let mut writer = writer.unwrap();
    let data = content(2 * PACKET_DATA, 21);
    let seqno = writer.send(&data[..PACKET_DATA], false).await.unwrap();
    expect_ack(&mut writer, seqno, 2).await;
    let seqno = writer
        .send_at(PACKET_DATA as u64, &data[PACKET_DATA..], false, true)
        .await
        .unwrap();
    let ack = writer.read_ack().await.unwrap();
    assert_eq!(ack.seqno, seqno);
    assert_eq!(
        ack.reply,
        vec![SUCCESS, hpb::Status::ErrorChecksum as i32],
        "the last DataNode names the checksum error"
    );
    drop(writer);
    for node in &nodes {
        let index = index_of(&cluster, node);
        assert!(
            cluster.replica_file(index, block.block_id).is_none(),
            "DataNode {index} finalized a refused block"
        );
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_block_serves_any_range_of_a_tusk_written_block() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let client = cluster.client().unwrap();
    let data = content(200_000, 3);
    write_file(&client, "/tusk/written", &data, 1, BLOCK_SIZE).await;
    let (block, nodes) = only_block(&client, "/tusk/written").await;
    let extended = extended_block(&pool_id(&cluster), &block);
    let address = xfer_address(&nodes[0]);
    let length = data.len() as u64;

    // One connection for several reads, as a reader's connection cache
    // reuses it: the whole block, from inside a chunk, its last byte, a
    // range of several packets.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    for (offset, len) in [(0, length), (700, 5000), (length - 1, 1), (4096, 70_000)] {
        let read = read_block_on(&mut stream, extended.clone(), offset, len, true)
            .await
            .unwrap();
        assert_eq!(read.response.status, SUCCESS, "{:?}", read.response);
        let info = read.response.read_op_checksum_info.unwrap();
        let chunk_start = offset - offset % u64::from(BYTES_PER_CHECKSUM);
        assert_eq!(info.chunk_offset, chunk_start, "read at {offset}");
        assert_eq!(
            info.checksum.r#type,
            hpb::ChecksumTypeProto::ChecksumCrc32c as i32
        );
        assert_eq!(read.first_packet_offset, Some(chunk_start));
        let (offset, len) = (offset as usize, len as usize);
        assert!(
            read.data.len() >= len && read.data.len() < len + BYTES_PER_CHECKSUM as usize,
            "read at {offset} got {} bytes for {len}",
            read.data.len()
        );
        assert!(
            read.data[..len] == data[offset..offset + len],
            "read at {offset}"
        );
    }
    // A reader that asks for no checksums gets none.
    let read = read_block_on(&mut stream, extended.clone(), 1000, 3000, false)
        .await
        .unwrap();
    let info = read.response.read_op_checksum_info.unwrap();
    assert_eq!(
        info.checksum.r#type,
        hpb::ChecksumTypeProto::ChecksumNull as i32
    );
    assert!(read.data[..3000] == data[1000..4000]);

    // A range past the replica's end is refused.
    let read = read_block(&address, extended.clone(), length, 10)
        .await
        .unwrap();
    assert_eq!(
        read.response.status,
        hpb::Status::ErrorInvalid as i32,
        "{:?}",
        read.response
    );
    // A replica of a newer stamp than this one's is not here.
    let newer = hpb::ExtendedBlockProto {
        generation_stamp: block.generation_stamp + 1,
        ..extended
    };
    let read = read_block(&address, newer, 0, 10).await.unwrap();
    assert_eq!(read.response.status, ERROR, "{:?}", read.response);

    // Tusk's framing still works on the same port.
    assert!(read_file(&client, "/tusk/written").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_checksum_is_the_md5_of_the_chunk_crcs() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let client = cluster.client().unwrap();
    // A partial last chunk.
    let data = content(1_000_300, 5);
    write_file(&client, "/checksummed", &data, 1, BLOCK_SIZE).await;
    let (block, nodes) = only_block(&client, "/checksummed").await;
    let extended = extended_block(&pool_id(&cluster), &block);
    let address = xfer_address(&nodes[0]);

    let response = hadoop_dtp::block_checksum(&address, extended.clone(), None)
        .await
        .unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let checksum = response.checksum_response.unwrap();
    assert_eq!(checksum.bytes_per_crc, BYTES_PER_CHECKSUM);
    assert_eq!(
        checksum.crc_per_block,
        data.len().div_ceil(BYTES_PER_CHECKSUM as usize) as u64
    );
    assert_eq!(
        checksum.crc_type,
        Some(hpb::ChecksumTypeProto::ChecksumCrc32c as i32)
    );
    assert_eq!(checksum.block_checksum, md5_of_crc32cs(&data));
    // Tusk's own BLOCK_CHECKSUM on the same port says the same.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_u8(common::datatransfer::DATA_TRANSFER_VERSION)
        .await
        .unwrap();
    let op = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::BlockChecksum(
            pb::OpBlockChecksum { block: Some(block) },
        )),
    };
    common::datatransfer::write_message(&mut stream, &op)
        .await
        .unwrap();
    let tusk: pb::BlockOpResponse = common::datatransfer::read_message(&mut stream)
        .await
        .unwrap();
    assert_eq!(tusk.status(), pb::Status::Success, "{tusk:?}");
    assert_eq!(tusk.crc_md5, checksum.block_checksum);
    assert_eq!(tusk.crc_per_block, checksum.crc_per_block);

    // A prefix ending inside a chunk (a file checksum up to a length).
    let prefix = hpb::ExtendedBlockProto {
        num_bytes: Some(100_100),
        ..extended.clone()
    };
    let response = hadoop_dtp::block_checksum(&address, prefix, None)
        .await
        .unwrap();
    assert_eq!(
        response.checksum_response.unwrap().block_checksum,
        md5_of_crc32cs(&data[..100_100])
    );

    // COMPOSITE_CRC: the CRC32C of the block's bytes.
    let composite = hpb::BlockChecksumOptionsProto {
        block_checksum_type: Some(hpb::BlockChecksumTypeProto::CompositeCrc.into()),
        stripe_length: None,
    };
    let response = hadoop_dtp::block_checksum(&address, extended, Some(composite))
        .await
        .unwrap();
    let checksum = response.checksum_response.unwrap();
    assert_eq!(
        checksum.block_checksum,
        crc32c::crc32c(&data).to_be_bytes().to_vec()
    );
    assert_eq!(
        checksum.block_checksum_options.unwrap().block_checksum_type,
        Some(hpb::BlockChecksumTypeProto::CompositeCrc as i32)
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_datanode_is_the_bad_link_of_the_ack_and_the_pipeline_recovers() {
    let mut cluster = MiniCluster::builder().datanodes(3).build().await.unwrap();
    let client = cluster.client().unwrap();
    let path = "/hadoop/recovered";
    let (file_id, block, nodes) = new_block(&client, path, 3).await;
    assert_eq!(nodes.len(), 3);
    let pool = pool_id(&cluster);
    let op = write_op(
        extended_block(&pool, &block),
        &nodes[1..],
        BlockConstructionStage::PipelineSetupCreate,
        0,
        block.generation_stamp,
    );
    let (writer, response) = PipelineWriter::open(&nodes[0], &op, 0).await.unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let mut writer = writer.unwrap();
    let data = content(20 * PACKET_DATA, 9);
    let seqno = writer.send(&data[..PACKET_DATA], false).await.unwrap();
    expect_ack(&mut writer, seqno, 3).await;
    let mut acked = PACKET_DATA;

    // The pipeline's second DataNode dies.
    cluster.stop_datanode(index_of(&cluster, &nodes[1])).await;
    assert!(
        TcpStream::connect(xfer_address(&nodes[1])).await.is_err(),
        "the killed DataNode no longer listens"
    );
    let mut failed_ack = None;
    while failed_ack.is_none() {
        assert!(acked < data.len(), "no ack named the dead DataNode");
        let end = acked + PACKET_DATA;
        let seqno = writer.send(&data[acked..end], false).await.unwrap();
        let ack = writer.read_ack().await.unwrap();
        assert_eq!(ack.seqno, seqno, "{ack:?}");
        if ack.reply == vec![SUCCESS; 3] {
            acked = end;
        } else {
            failed_ack = Some(ack);
        }
    }
    let ack = failed_ack.unwrap();
    assert_eq!(
        ack.reply,
        vec![SUCCESS, ERROR],
        "the first DataNode names its downstream as the bad link"
    );
    drop(writer);

    // Recovery as Hadoop's DataStreamer does it: a new stamp, the
    // survivors set up for streaming recovery from the acked length, the
    // NameNode told, the unacked packets sent again.
    let old_block = pb::Block {
        num_bytes: acked as u64,
        ..block
    };
    let bumped = client
        .update_block_for_pipeline(path, old_block)
        .await
        .unwrap();
    assert!(bumped.generation_stamp > block.generation_stamp);
    let survivors = [nodes[0].clone(), nodes[2].clone()];
    let op = write_op(
        extended_block(&pool, &old_block),
        &survivors[1..],
        BlockConstructionStage::PipelineSetupStreamingRecovery,
        acked as u64,
        bumped.generation_stamp,
    );
    let (writer, response) = PipelineWriter::open(&survivors[0], &op, acked as u64)
        .await
        .unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let mut writer = writer.unwrap();
    let new_block = pb::Block {
        num_bytes: acked as u64,
        ..bumped
    };
    let uuids: Vec<common::ids::DatanodeUuid> = survivors
        .iter()
        .map(|node| node.datanode_uuid.as_str().into())
        .collect();
    client
        .update_pipeline(path, old_block, new_block, &uuids)
        .await
        .unwrap();
    while acked < data.len() {
        let end = (acked + PACKET_DATA).min(data.len());
        let seqno = writer.send(&data[acked..end], false).await.unwrap();
        expect_ack(&mut writer, seqno, 2).await;
        acked = end;
    }
    let seqno = writer.finish().await.unwrap();
    expect_ack(&mut writer, seqno, 2).await;
    let last = pb::Block {
        num_bytes: data.len() as u64,
        ..bumped
    };
    complete(&client, path, file_id, last).await;
    assert!(read_file(&client, path).await == data);
    cluster.shutdown().await;
}

/// A block of a new file of replication 2, written through a one-node
/// Hadoop pipeline to its first location (`data` in packets, each acked,
/// the last packet too if `finish`): a pipeline that lost a DataNode, which
/// TRANSFER_BLOCK then copies the replica to the second location for.
async fn write_to_first_location(
    cluster: &MiniCluster,
    client: &client::DfsClient,
    path: &str,
    data: &[u8],
    finish: bool,
) -> (
    u64,
    pb::Block,
    Vec<pb::DatanodeInfo>,
    Option<PipelineWriter>,
) {
    let (file_id, block, nodes) = new_block(client, path, 2).await;
    assert_eq!(nodes.len(), 2);
    let op = write_op(
        extended_block(&pool_id(cluster), &block),
        &[],
        BlockConstructionStage::PipelineSetupCreate,
        0,
        block.generation_stamp,
    );
    let (writer, response) = PipelineWriter::open(&nodes[0], &op, 0).await.unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let mut writer = writer.unwrap();
    for piece in data.chunks(PACKET_DATA) {
        let seqno = writer.send(piece, false).await.unwrap();
        expect_ack(&mut writer, seqno, 1).await;
    }
    let block = pb::Block {
        num_bytes: data.len() as u64,
        ..block
    };
    if !finish {
        return (file_id, block, nodes, Some(writer));
    }
    let seqno = writer.finish().await.unwrap();
    expect_ack(&mut writer, seqno, 1).await;
    (file_id, block, nodes, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_block_copies_a_finalized_replica() {
    let cluster = MiniCluster::builder().datanodes(2).build().await.unwrap();
    let client = cluster.client().unwrap();
    let pool = pool_id(&cluster);
    let path = "/transferred";
    let data = content(150_000, 11);
    let (file_id, block, nodes, _) =
        write_to_first_location(&cluster, &client, path, &data, true).await;
    let target = index_of(&cluster, &nodes[1]);
    assert!(cluster.replica_file(target, block.block_id).is_none());

    let response = hadoop_dtp::transfer_block(
        &xfer_address(&nodes[0]),
        extended_block(&pool, &block),
        &nodes[1..],
    )
    .await
    .unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    assert!(
        cluster.replica_file(target, block.block_id).is_some(),
        "the copy of a finalized replica is finalized"
    );
    let read = read_block(
        &xfer_address(&nodes[1]),
        extended_block(&pool, &block),
        0,
        data.len() as u64,
    )
    .await
    .unwrap();
    assert!(read.data == data);
    // The NameNode heard of the copy: the file closes with both replicas.
    complete(&client, path, file_id, block).await;
    let (_, locations) = only_block(&client, path).await;
    assert_eq!(locations.len(), 2);
    assert!(read_file(&client, path).await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_block_copies_a_replica_being_written() {
    let cluster = MiniCluster::builder().datanodes(2).build().await.unwrap();
    let client = cluster.client().unwrap();
    let pool = pool_id(&cluster);
    let data = content(3 * PACKET_DATA + 100, 13);
    let (_, block, nodes, writer) =
        write_to_first_location(&cluster, &client, "/transferred-rbw", &data, false).await;
    let mut writer = writer.unwrap();

    let response = hadoop_dtp::transfer_block(
        &xfer_address(&nodes[0]),
        extended_block(&pool, &block),
        &nodes[1..],
    )
    .await
    .unwrap();
    assert_eq!(response.status, SUCCESS, "{response:?}");
    let target = index_of(&cluster, &nodes[1]);
    assert!(
        cluster.replica_file(target, block.block_id).is_none(),
        "a copy of a replica being written is not finalized"
    );
    let read = read_block(
        &xfer_address(&nodes[1]),
        extended_block(&pool, &block),
        0,
        data.len() as u64,
    )
    .await
    .unwrap();
    assert_eq!(read.response.status, SUCCESS, "{:?}", read.response);
    assert!(read.data == data);
    // The writer carries on.
    let seqno = writer.finish().await.unwrap();
    expect_ack(&mut writer, seqno, 1).await;
    cluster.shutdown().await;
}

/// Sends `bytes` (then closes the sending side if `half_close`) and returns
/// the DataNode's reply, if it sent one, once it closed the connection.
async fn send_raw(
    address: &str,
    bytes: &[u8],
    half_close: bool,
) -> Option<hpb::BlockOpResponseProto> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    if half_close {
        stream.shutdown().await.unwrap();
    }
    let mut received = Vec::new();
    let read = tokio::time::timeout(WAIT, stream.read_to_end(&mut received)).await;
    assert!(
        matches!(read, Ok(Ok(_))),
        "the DataNode closes the connection after a malformed op"
    );
    if received.is_empty() {
        return None;
    }
    let mut reader = received.as_slice();
    Some(
        common::datatransfer::hadoop::read_delimited(&mut reader)
            .await
            .expect("a reply in Hadoop's framing"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_ops_are_refused_and_the_datanode_serves_on() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let client = cluster.client().unwrap();
    let data = content(10_000, 17);
    write_file(&client, "/served", &data, 1, BLOCK_SIZE).await;
    let (block, nodes) = only_block(&client, "/served").await;
    let address = xfer_address(&nodes[0]);

    let invalid = hpb::Status::ErrorInvalid as i32;
    let unsupported = hpb::Status::ErrorUnsupported as i32;
    let read_op = Op::ReadBlock.code();
    let mut oversized = vec![0x00, 0x1c, read_op];
    // A varint length of 64 MiB.
    oversized.extend_from_slice(&[0x80, 0x80, 0x80, 0x20]);
    let mut truncated = vec![0x00, 0x1c, read_op, 50];
    truncated.extend_from_slice(&[0x0a; 10]);
    let cases: [(&str, Vec<u8>, i32); 6] = [
        ("a bad version", vec![0x00, 0x1b, read_op, 0x00], invalid),
        ("an unknown op", vec![0x00, 0x1c, 99, 0x00], unsupported),
        (
            "an op this DataNode does not serve",
            vec![0x00, 0x1c, Op::RequestShortCircuitFds.code(), 0x00],
            unsupported,
        ),
        ("a truncated op", truncated, invalid),
        ("an oversized op", oversized, invalid),
        (
            "an undecodable op",
            vec![0x00, 0x1c, read_op, 3, 0xff, 0xff, 0xff],
            invalid,
        ),
    ];
    for (what, bytes, status) in cases {
        let reply = send_raw(&address, &bytes, true)
            .await
            .unwrap_or_else(|| panic!("{what} is answered"));
        assert_eq!(reply.status, status, "{what}: {reply:?}");
        assert!(
            reply.message.is_some_and(|message| !message.is_empty()),
            "{what} is explained"
        );
    }
    // A SASL handshake (not spoken here) is closed without a word.
    assert!(
        send_raw(&address, &[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0], true)
            .await
            .is_none()
    );

    // The DataNode still serves both framings.
    let read = read_block(
        &address,
        extended_block(&pool_id(&cluster), &block),
        0,
        data.len() as u64,
    )
    .await
    .unwrap();
    assert_eq!(read.response.status, SUCCESS);
    assert!(read.data == data);
    assert!(read_file(&client, "/served").await == data);
    cluster.shutdown().await;
}
