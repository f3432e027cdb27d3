//! A small client of Hadoop's DataTransferProtocol (version 28), for the
//! DataNode tests: it frames ops, packets, acks and read statuses as
//! Hadoop's clients do (see `common::datatransfer::hadoop`), with
//! `proto::hadoop` messages, and checks what the DataNode sends back as
//! strictly as they would.

use std::io;

use common::datatransfer::hadoop::{self, Op};
use common::datatransfer::{self, PacketBuffer};
use proto::hadoop::hdfs as hpb;
use proto::hadoop::hdfs::op_write_block_proto::BlockConstructionStage;
use proto::hdfs as pb;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Chunk size of every checksum here (Hadoop's default).
pub const BYTES_PER_CHECKSUM: u32 = 512;
/// Data per packet as Java's DFSOutputStream fills a 64 KiB packet.
pub const PACKET_DATA: usize = 126 * BYTES_PER_CHECKSUM as usize;
/// The client name every op carries.
pub const CLIENT_NAME: &str = "DFSClient_hadoop_dtp_test";

/// The block as Hadoop's ops name it.
pub fn extended_block(pool_id: &str, block: &pb::Block) -> hpb::ExtendedBlockProto {
    hpb::ExtendedBlockProto {
        pool_id: pool_id.to_string(),
        block_id: block.block_id,
        generation_stamp: block.generation_stamp,
        num_bytes: Some(block.num_bytes),
    }
}

/// A DataNode of a located block, as Hadoop's ops name it.
pub fn datanode_info(node: &pb::DatanodeInfo) -> hpb::DatanodeInfoProto {
    hpb::DatanodeInfoProto {
        id: hpb::DatanodeIdProto {
            ip_addr: node.host.clone(),
            host_name: node.host.clone(),
            datanode_uuid: node.datanode_uuid.clone(),
            xfer_port: node.xfer_port,
            info_port: node.http_port,
            ipc_port: node.ipc_port,
            info_secure_port: None,
        },
        ..Default::default()
    }
}

/// `ip:port` of a DataNode's transfer server, as a first bad link names it.
pub fn xfer_address(node: &pb::DatanodeInfo) -> String {
    format!("{}:{}", node.host, node.xfer_port)
}

fn header(block: hpb::ExtendedBlockProto) -> hpb::ClientOperationHeaderProto {
    hpb::ClientOperationHeaderProto {
        base_header: hpb::BaseHeaderProto {
            block,
            token: Some(proto::hadoop::common::TokenProto {
                identifier: Vec::new(),
                password: Vec::new(),
                kind: String::new(),
                service: String::new(),
            }),
            trace_info: None,
        },
        client_name: CLIENT_NAME.to_string(),
    }
}

/// A WRITE_BLOCK op as Java's DataStreamer fills it: `targets` are the
/// DataNodes after the one it is sent to, `bytes_acked` the block's length
/// acknowledged so far, `new_stamp` the stamp of a recovery or append.
pub fn write_op(
    block: hpb::ExtendedBlockProto,
    targets: &[pb::DatanodeInfo],
    stage: BlockConstructionStage,
    bytes_acked: u64,
    new_stamp: u64,
) -> hpb::OpWriteBlockProto {
    hpb::OpWriteBlockProto {
        header: header(block),
        targets: targets.iter().map(datanode_info).collect(),
        source: None,
        stage: stage.into(),
        pipeline_size: targets.len() as u32 + 1,
        min_bytes_rcvd: bytes_acked,
        max_bytes_rcvd: bytes_acked,
        latest_generation_stamp: new_stamp,
        requested_checksum: hpb::ChecksumProto {
            r#type: hpb::ChecksumTypeProto::ChecksumCrc32c.into(),
            bytes_per_checksum: BYTES_PER_CHECKSUM,
        },
        caching_strategy: None,
        storage_type: Some(hpb::StorageTypeProto::Disk.into()),
        target_storage_types: vec![hpb::StorageTypeProto::Disk.into(); targets.len()],
        allow_lazy_persist: Some(false),
        pinning: Some(false),
        target_pinnings: vec![false; targets.len()],
        storage_id: None,
        target_storage_ids: Vec::new(),
    }
}

/// Connects to a DataNode's transfer port and sends one op.
pub async fn send_op(
    address: &str,
    op: Op,
    message: &impl prost::Message,
) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    hadoop::write_op(&mut stream, op, message).await?;
    Ok(stream)
}

/// Reads a varint-delimited BlockOpResponseProto.
pub async fn read_response(stream: &mut TcpStream) -> io::Result<hpb::BlockOpResponseProto> {
    hadoop::read_delimited(stream).await
}

/// A block being written through a pipeline: packets out, acks back.
pub struct PipelineWriter {
    acks: BufReader<OwnedReadHalf>,
    packets: OwnedWriteHalf,
    packet: PacketBuffer,
    /// Where the next packet starts.
    pub offset: u64,
    /// The next packet's seqno.
    pub seqno: i64,
}

impl PipelineWriter {
    /// Sends a WRITE_BLOCK op to `first` and reads the connect ack; the
    /// writer comes back only if the pipeline is set up.
    pub async fn open(
        first: &pb::DatanodeInfo,
        op: &hpb::OpWriteBlockProto,
        offset: u64,
    ) -> io::Result<(Option<Self>, hpb::BlockOpResponseProto)> {
        let mut stream = send_op(&xfer_address(first), Op::WriteBlock, op).await?;
        let response = read_response(&mut stream).await?;
        if response.status != hpb::Status::Success as i32 {
            return Ok((None, response));
        }
        let (acks, packets) = stream.into_split();
        let writer = Self {
            acks: BufReader::new(acks),
            packets,
            packet: PacketBuffer::default(),
            offset,
            seqno: 0,
        };
        Ok((Some(writer), response))
    }

    /// Sends `data` as one packet at the current offset (its CRCs over
    /// chunks from there); returns its seqno.
    pub async fn send(&mut self, data: &[u8], sync: bool) -> io::Result<i64> {
        self.send_at(self.offset, data, sync, false).await
    }

    /// Sends `data` as one packet at `offset` (a resend may start before
    /// the current offset); `corrupt` flips a bit after the CRCs were made.
    pub async fn send_at(
        &mut self,
        offset: u64,
        data: &[u8],
        sync: bool,
        corrupt: bool,
    ) -> io::Result<i64> {
        let seqno = self.seqno;
        datatransfer::checksum_chunks(data, BYTES_PER_CHECKSUM, &mut self.packet.checksums);
        self.packet.data.clear();
        self.packet.data.extend_from_slice(data);
        if corrupt {
            self.packet.data[0] ^= 1;
        }
        self.packet.header.offset_in_block = offset;
        self.packet.header.seqno = seqno;
        self.packet.header.last_packet_in_block = false;
        self.packet.sync_block = sync;
        self.packet.write_hadoop_to(&mut self.packets).await?;
        self.seqno += 1;
        self.offset = offset + data.len() as u64;
        Ok(seqno)
    }

    /// Sends a heartbeat packet (seqno -1, no data).
    pub async fn heartbeat(&mut self) -> io::Result<()> {
        let header = hadoop::packet_header(0, hadoop::HEARTBEAT_SEQNO, false, 0, false);
        hadoop::write_packet(&mut self.packets, &header, &[], &[]).await
    }

    /// Sends the empty last packet of the block; returns its seqno.
    pub async fn finish(&mut self) -> io::Result<i64> {
        let seqno = self.seqno;
        let header = hadoop::packet_header(self.offset, seqno, true, 0, true);
        hadoop::write_packet(&mut self.packets, &header, &[], &[]).await?;
        self.seqno += 1;
        Ok(seqno)
    }

    pub async fn read_ack(&mut self) -> io::Result<hpb::PipelineAckProto> {
        hadoop::read_delimited(&mut self.acks).await
    }

    /// Reads a reply (the close ack of a transfer).
    pub async fn read_reply(&mut self) -> io::Result<hpb::BlockOpResponseProto> {
        hadoop::read_delimited(&mut self.acks).await
    }

    /// Closes the sending side (as a writer that went away).
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.packets.shutdown().await
    }
}

/// What a READ_BLOCK gave.
#[derive(Debug)]
pub struct BlockRead {
    pub response: hpb::BlockOpResponseProto,
    /// The bytes from the requested offset on (what the packets carried
    /// past it), every chunk's CRC checked when the DataNode sent CRCs.
    pub data: Vec<u8>,
    /// The offset of the first packet (where the DataNode said it starts).
    pub first_packet_offset: Option<u64>,
    pub packets: usize,
}

/// Sends READ_BLOCK on `stream` and reads it as Java's BlockReaderRemote
/// does: the reply, packets with consecutive seqnos from 0 (CRCs checked),
/// the empty last packet, then the CHECKSUM_OK status sent back. Errors if
/// the DataNode breaks the protocol.
pub async fn read_block_on(
    stream: &mut TcpStream,
    block: hpb::ExtendedBlockProto,
    offset: u64,
    len: u64,
    send_checksums: bool,
) -> io::Result<BlockRead> {
    let op = hpb::OpReadBlockProto {
        header: header(block),
        offset,
        len,
        send_checksums: Some(send_checksums),
        caching_strategy: None,
    };
    hadoop::write_op(stream, Op::ReadBlock, &op).await?;
    let response = read_response(stream).await?;
    let mut read = BlockRead {
        response,
        data: Vec::new(),
        first_packet_offset: None,
        packets: 0,
    };
    if read.response.status != hpb::Status::Success as i32 {
        return Ok(read);
    }
    let info = read
        .response
        .read_op_checksum_info
        .ok_or_else(|| invalid("no checksum info in a successful read reply"))?;
    let with_crcs = info.checksum.r#type == hpb::ChecksumTypeProto::ChecksumCrc32c as i32;
    let bytes_per_checksum = info.checksum.bytes_per_checksum;
    let mut reader = BufReader::new(&mut *stream);
    let mut packet = PacketBuffer::default();
    let mut expected_offset = info.chunk_offset;
    loop {
        read_packet(&mut reader, &mut packet, bytes_per_checksum, with_crcs).await?;
        let header = &packet.header;
        if header.seqno != read.packets as i64 {
            return Err(invalid(format!(
                "packet seqno {} after {} packets",
                header.seqno, read.packets
            )));
        }
        read.packets += 1;
        if header.last_packet_in_block {
            if !packet.data.is_empty() {
                return Err(invalid("the last packet carries data"));
            }
            break;
        }
        if packet.data.is_empty() {
            return Err(invalid("an empty packet that is not the last"));
        }
        if header.offset_in_block != expected_offset {
            return Err(invalid(format!(
                "packet at offset {} where {expected_offset} was due",
                header.offset_in_block
            )));
        }
        read.first_packet_offset
            .get_or_insert(header.offset_in_block);
        if with_crcs
            && datatransfer::verify_chunks(&packet.data, bytes_per_checksum, &packet.checksums)
                .is_err()
        {
            return Err(invalid(format!(
                "checksum error in the packet at {}",
                header.offset_in_block
            )));
        }
        let skip = offset.saturating_sub(header.offset_in_block) as usize;
        read.data
            .extend_from_slice(&packet.data[skip.min(packet.data.len())..]);
        expected_offset += packet.data.len() as u64;
    }
    // The reader's verdict, as Java sends it after the whole range.
    let status = hpb::ClientReadStatusProto {
        status: if with_crcs {
            hpb::Status::ChecksumOk
        } else {
            hpb::Status::Success
        }
        .into(),
    };
    hadoop::write_delimited(stream, &status).await?;
    Ok(read)
}

/// A packet whose checksum table may be absent (a read without CRCs).
async fn read_packet<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut R,
    packet: &mut PacketBuffer,
    bytes_per_checksum: u32,
    with_crcs: bool,
) -> io::Result<()> {
    if with_crcs {
        return packet.read_hadoop_from(reader, bytes_per_checksum).await;
    }
    // No CRCs: the payload is the data alone.
    use tokio::io::AsyncReadExt;
    let payload_len = reader.read_u32().await? as usize;
    let header_len = usize::from(reader.read_u16().await?);
    let mut header = vec![0u8; header_len];
    reader.read_exact(&mut header).await?;
    let header = <hpb::PacketHeaderProto as prost::Message>::decode(header.as_slice())
        .map_err(|error| invalid(error.to_string()))?;
    if payload_len != 4 + header.data_len as usize {
        return Err(invalid("a read without checksums got checksums"));
    }
    packet.data.resize(header.data_len as usize, 0);
    reader.read_exact(&mut packet.data).await?;
    packet.checksums.clear();
    packet.header.offset_in_block = header.offset_in_block as u64;
    packet.header.seqno = header.seqno;
    packet.header.last_packet_in_block = header.last_packet_in_block;
    Ok(())
}

/// Connects and reads `[offset, offset + len)` of a block.
pub async fn read_block(
    address: &str,
    block: hpb::ExtendedBlockProto,
    offset: u64,
    len: u64,
) -> io::Result<BlockRead> {
    let mut stream = TcpStream::connect(address).await?;
    read_block_on(&mut stream, block, offset, len, true).await
}

/// BLOCK_CHECKSUM of a block (MD5CRC unless `options` say otherwise).
pub async fn block_checksum(
    address: &str,
    block: hpb::ExtendedBlockProto,
    options: Option<hpb::BlockChecksumOptionsProto>,
) -> io::Result<hpb::BlockOpResponseProto> {
    let op = hpb::OpBlockChecksumProto {
        header: header(block).base_header,
        block_checksum_options: options,
    };
    let mut stream = send_op(address, Op::BlockChecksum, &op).await?;
    read_response(&mut stream).await
}

/// TRANSFER_BLOCK: asks the DataNode at `address` to copy its replica to
/// `targets`; returns its reply.
pub async fn transfer_block(
    address: &str,
    block: hpb::ExtendedBlockProto,
    targets: &[pb::DatanodeInfo],
) -> io::Result<hpb::BlockOpResponseProto> {
    let op = hpb::OpTransferBlockProto {
        header: header(block),
        targets: targets.iter().map(datanode_info).collect(),
        target_storage_types: vec![hpb::StorageTypeProto::Disk.into(); targets.len()],
        target_storage_ids: Vec::new(),
    };
    let mut stream = send_op(address, Op::TransferBlock, &op).await?;
    read_response(&mut stream).await
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}
