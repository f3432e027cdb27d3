//! Hadoop's DataTransferProtocol framing (version 28), which a DataNode's
//! transfer port speaks beside Tusk's own.
//!
//! An op starts with the u16 big-endian [`VERSION`] and an [`Op`] byte,
//! then the op message, varint-length-delimited (protobuf's
//! `writeDelimitedTo`); replies, acks and a reader's final status are
//! varint-delimited too. A packet is a u32 big-endian payload length (4 +
//! checksum bytes + data bytes, so it counts itself), a u16 big-endian
//! header length, a `PacketHeaderProto`, one CRC per chunk (u32 big-endian)
//! and the data. The first byte of a Hadoop connection is thus 0x00, of a
//! Tusk one its version byte 28.

use std::io;

use prost::Message;
use proto::hadoop::hdfs::PacketHeaderProto;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{MAX_MESSAGE_LEN, PacketBuffer, invalid, write_head_and_data};

/// The protocol version an op starts with.
pub const VERSION: u16 = 28;
/// Largest packet payload accepted (Hadoop's `PacketReceiver.MAX_PACKET_SIZE`).
pub const MAX_PACKET_LEN: usize = 16 * 1024 * 1024;
/// Largest packet header accepted (Hadoop's are at most 33 bytes with their
/// lengths).
pub const MAX_PACKET_HEADER_LEN: usize = 1024;
/// The seqno of a heartbeat packet (no data; answered with an ack).
pub const HEARTBEAT_SEQNO: i64 = -1;

/// The op byte after the version (Hadoop's `Op` enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    WriteBlock,
    ReadBlock,
    ReadMetadata,
    ReplaceBlock,
    CopyBlock,
    BlockChecksum,
    TransferBlock,
    RequestShortCircuitFds,
    ReleaseShortCircuitFds,
    RequestShortCircuitShm,
    BlockGroupChecksum,
    Custom,
}

/// Every op and its code, in Hadoop's order.
const OPS: [(Op, u8); 12] = [
    (Op::WriteBlock, 80),
    (Op::ReadBlock, 81),
    (Op::ReadMetadata, 82),
    (Op::ReplaceBlock, 83),
    (Op::CopyBlock, 84),
    (Op::BlockChecksum, 85),
    (Op::TransferBlock, 86),
    (Op::RequestShortCircuitFds, 87),
    (Op::ReleaseShortCircuitFds, 88),
    (Op::RequestShortCircuitShm, 89),
    (Op::BlockGroupChecksum, 90),
    (Op::Custom, 127),
];

impl Op {
    /// The byte on the wire.
    pub fn code(self) -> u8 {
        OPS.iter()
            .find(|(op, _)| *op == self)
            .map(|(_, code)| *code)
            .unwrap_or_default()
    }

    /// The op of a byte, None for a byte that names none.
    pub fn from_code(code: u8) -> Option<Op> {
        OPS.iter().find(|(_, c)| *c == code).map(|(op, _)| *op)
    }
}

/// Appends `message`, varint-length-delimited, to `out`.
pub fn encode_delimited(message: &impl Message, out: &mut Vec<u8>) {
    out.reserve(message.encoded_len() + 5);
    // Encoding into a Vec cannot run out of space.
    let _ = message.encode_length_delimited(out);
}

/// Writes one varint-delimited message.
pub async fn write_delimited<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &impl Message,
) -> io::Result<()> {
    let mut bytes = Vec::new();
    encode_delimited(message, &mut bytes);
    writer.write_all(&bytes).await
}

/// Writes an op: version, op byte, then the varint-delimited message, in
/// one write.
pub async fn write_op<W: AsyncWrite + Unpin>(
    writer: &mut W,
    op: Op,
    message: &impl Message,
) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(3 + 5 + message.encoded_len());
    bytes.extend_from_slice(&VERSION.to_be_bytes());
    bytes.push(op.code());
    encode_delimited(message, &mut bytes);
    writer.write_all(&bytes).await
}

/// Reads a varint length prefix, refusing lengths above `MAX_MESSAGE_LEN`
/// (an `InvalidData` error; a connection ending first is `UnexpectedEof`).
pub async fn read_length<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<usize> {
    let mut length: u64 = 0;
    for index in 0..10 {
        let byte = reader.read_u8().await?;
        length |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 != 0 {
            continue;
        }
        if length > MAX_MESSAGE_LEN as u64 {
            return Err(invalid(format!(
                "message of {length} bytes exceeds the {MAX_MESSAGE_LEN}-byte limit"
            )));
        }
        return Ok(length as usize);
    }
    Err(invalid("malformed varint length prefix".into()))
}

/// Reads one varint-delimited message (at most `MAX_MESSAGE_LEN` bytes).
/// Reads byte by byte up to the message itself, so a reader without a
/// buffer takes no byte beyond it.
pub async fn read_delimited<M: Message + Default, R: AsyncRead + Unpin>(
    reader: &mut R,
) -> io::Result<M> {
    let length = read_length(reader).await?;
    let mut bytes = vec![0u8; length];
    reader.read_exact(&mut bytes).await?;
    M::decode(bytes.as_slice()).map_err(|error| invalid(format!("undecodable message: {error}")))
}

impl PacketBuffer {
    /// Reads the next packet in Hadoop's framing into this buffer; its
    /// checksums must be one per `bytes_per_checksum` chunk of its data
    /// (`sync_block` is set from the header).
    pub async fn read_hadoop_from<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        bytes_per_checksum: u32,
    ) -> io::Result<()> {
        let payload_len = reader.read_u32().await? as usize;
        let header_len = usize::from(reader.read_u16().await?);
        if !(4..=MAX_PACKET_LEN).contains(&payload_len) {
            return Err(invalid(format!(
                "packet payload of {payload_len} bytes is outside 4..={MAX_PACKET_LEN}"
            )));
        }
        if header_len > MAX_PACKET_HEADER_LEN {
            return Err(invalid(format!(
                "packet header of {header_len} bytes exceeds {MAX_PACKET_HEADER_LEN}"
            )));
        }
        self.raw_header.resize(header_len, 0);
        reader.read_exact(&mut self.raw_header).await?;
        let header = PacketHeaderProto::decode(self.raw_header.as_slice())
            .map_err(|error| invalid(format!("undecodable packet header: {error}")))?;
        let checksums_and_data = payload_len - 4;
        let data_len = usize::try_from(header.data_len)
            .ok()
            .filter(|len| *len <= checksums_and_data)
            .ok_or_else(|| {
                invalid(format!(
                    "packet data length {} does not fit its payload of {payload_len} bytes",
                    header.data_len
                ))
            })?;
        let offset_in_block = u64::try_from(header.offset_in_block)
            .map_err(|_| invalid(format!("negative packet offset {}", header.offset_in_block)))?;
        let checksum_len = checksums_and_data - data_len;
        let chunks = data_len.div_ceil(bytes_per_checksum.max(1) as usize);
        if checksum_len != chunks * 4 {
            return Err(invalid(format!(
                "packet has {checksum_len} checksum bytes for {data_len} data bytes (expected {})",
                chunks * 4
            )));
        }
        self.read_checksums(reader, checksum_len).await?;
        self.data.resize(data_len, 0);
        reader.read_exact(&mut self.data).await?;
        self.header.offset_in_block = offset_in_block;
        self.header.seqno = header.seqno;
        self.header.last_packet_in_block = header.last_packet_in_block;
        self.header.data_len = data_len as u32;
        self.header.checksum_len = checksum_len as u32;
        self.sync_block = header.sync_block.unwrap_or(false);
        Ok(())
    }

    /// Writes this buffer's packet in Hadoop's framing.
    pub async fn write_hadoop_to<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
    ) -> io::Result<()> {
        let header = packet_header(
            self.header.offset_in_block,
            self.header.seqno,
            self.header.last_packet_in_block,
            self.data.len(),
            self.sync_block,
        );
        write_packet(writer, &header, &self.checksums, &self.data).await
    }
}

/// A packet's header; `syncBlock` only when set, as Hadoop sends it.
pub fn packet_header(
    offset_in_block: u64,
    seqno: i64,
    last_packet_in_block: bool,
    data_len: usize,
    sync_block: bool,
) -> PacketHeaderProto {
    PacketHeaderProto {
        offset_in_block: offset_in_block as i64,
        seqno,
        last_packet_in_block,
        data_len: data_len as i32,
        sync_block: sync_block.then_some(true),
    }
}

/// Writes one packet in Hadoop's framing (one vectored write when the
/// writer takes it all). `checksums` may be empty (a reader that asked for
/// none); otherwise one per chunk of `data`.
pub async fn write_packet<W: AsyncWrite + Unpin>(
    writer: &mut W,
    header: &PacketHeaderProto,
    checksums: &[u32],
    data: &[u8],
) -> io::Result<()> {
    let mut head = Vec::new();
    encode_head(header, checksums, data.len(), &mut head)?;
    write_head_and_data(writer, &head, data).await
}

/// Appends what precedes a packet's data to `head`: the payload and header
/// lengths, the header, the checksums.
fn encode_head(
    header: &PacketHeaderProto,
    checksums: &[u32],
    data_len: usize,
    head: &mut Vec<u8>,
) -> io::Result<()> {
    debug_assert_eq!(header.data_len as usize, data_len);
    let header_len = header.encoded_len();
    let payload_len = 4 + checksums.len() * 4 + data_len;
    head.reserve(6 + header_len + checksums.len() * 4);
    head.extend_from_slice(&(payload_len as u32).to_be_bytes());
    head.extend_from_slice(&(header_len as u16).to_be_bytes());
    header.encode(head).map_err(io::Error::other)?;
    for checksum in checksums {
        head.extend_from_slice(&checksum.to_be_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proto::hadoop::hdfs::{BlockOpResponseProto, Status};

    use super::*;
    use crate::datatransfer::{checksum_chunks, verify_chunks};

    #[tokio::test]
    async fn packets_round_trip_in_hadoops_framing() {
        let data: Vec<u8> = (0..1300u32).map(|i| (i % 251) as u8).collect();
        let mut sent = PacketBuffer::default();
        checksum_chunks(&data, 512, &mut sent.checksums);
        sent.data = data.clone();
        sent.header.offset_in_block = 4096;
        sent.header.seqno = 7;
        sent.sync_block = true;
        let mut wire = Vec::new();
        sent.write_hadoop_to(&mut wire).await.unwrap();
        // Payload length counts itself, the checksums and the data.
        let payload_len = u32::from_be_bytes(wire[..4].try_into().unwrap()) as usize;
        assert_eq!(payload_len, 4 + 3 * 4 + 1300);
        let header_len = usize::from(u16::from_be_bytes([wire[4], wire[5]]));
        assert_eq!(wire.len(), 4 + 2 + header_len + payload_len - 4);

        let mut received = PacketBuffer::default();
        received
            .read_hadoop_from(&mut wire.as_slice(), 512)
            .await
            .unwrap();
        assert_eq!(
            (received.header.seqno, received.header.offset_in_block),
            (7, 4096)
        );
        assert!(received.sync_block && !received.header.last_packet_in_block);
        assert_eq!(received.data, data);
        assert_eq!(
            verify_chunks(&received.data, 512, &received.checksums),
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_heartbeat_packet_is_empty() {
        let header = packet_header(0, HEARTBEAT_SEQNO, false, 0, false);
        let mut wire = Vec::new();
        write_packet(&mut wire, &header, &[], &[]).await.unwrap();
        let mut received = PacketBuffer::default();
        received
            .read_hadoop_from(&mut wire.as_slice(), 512)
            .await
            .unwrap();
        assert_eq!(received.header.seqno, HEARTBEAT_SEQNO);
        assert!(received.data.is_empty() && received.checksums.is_empty());
    }

    #[tokio::test]
    async fn bad_packets_are_refused() {
        // Checksums that do not match the data length.
        let header = packet_header(0, 0, false, 100, false);
        let mut wire = Vec::new();
        write_packet(&mut wire, &header, &[1, 2], &[0u8; 100])
            .await
            .unwrap();
        let mut packet = PacketBuffer::default();
        let error = packet
            .read_hadoop_from(&mut wire.as_slice(), 512)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("checksum bytes"), "{error}");
        // An oversized payload.
        let mut wire = ((MAX_PACKET_LEN + 1) as u32).to_be_bytes().to_vec();
        wire.extend_from_slice(&[0, 0]);
        let error = packet
            .read_hadoop_from(&mut wire.as_slice(), 512)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[tokio::test]
    async fn ops_and_delimited_messages_round_trip() {
        let response = BlockOpResponseProto {
            status: Status::ErrorInvalid.into(),
            message: Some("no".into()),
            ..Default::default()
        };
        let mut wire = Vec::new();
        write_op(&mut wire, Op::ReadBlock, &response).await.unwrap();
        assert_eq!(&wire[..3], &[0x00, 0x1c, 81]);
        let mut reader = &wire[3..];
        let decoded: BlockOpResponseProto = read_delimited(&mut reader).await.unwrap();
        assert_eq!(decoded, response);
        assert_eq!(Op::from_code(86), Some(Op::TransferBlock));
        assert_eq!(Op::from_code(79), None);
        assert_eq!(Op::BlockChecksum.code(), 85);
    }

    #[tokio::test]
    async fn oversized_and_truncated_lengths_are_refused() {
        // A varint of 2^21: above the limit.
        let wire = [0x80u8, 0x80, 0x80, 0x01];
        let error = read_length(&mut wire.as_slice()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let wire = [0x80u8, 0x80];
        let error = read_length(&mut wire.as_slice()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        let wire = [0xffu8; 10];
        let error = read_length(&mut wire.as_slice()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
