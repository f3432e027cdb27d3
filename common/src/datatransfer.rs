//! Framing of the data-transfer protocol, shared by clients and DataNodes.
//!
//! A connection starts with a version byte and a [`DataTransferOp`]; every
//! message is a u32 big-endian length + protobuf bytes. Block data travels in
//! packets: a `PacketHeader` message, then `checksum_len` bytes of CRC32C
//! (u32 big-endian, one per `bytes_per_checksum` chunk), then `data_len`
//! bytes of data. Packets carry at most [`MAX_PACKET_DATA`] bytes.
//!
//! Hadoop's DataTransferProtocol, which DataNodes also serve, frames the
//! same packets differently: see [`hadoop`].

pub mod hadoop;

use std::io;

use std::io::IoSlice;

use prost::Message;
use proto::hdfs::PacketHeader;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::crc;

/// Protocol version sent first on every connection.
pub const DATA_TRANSFER_VERSION: u8 = 28;
/// Largest data payload of one packet (`dfs.client-write-packet-size`).
pub const MAX_PACKET_DATA: usize = 64 * 1024;
/// Largest op or ack message accepted (they are small; this bounds bad input).
pub const MAX_MESSAGE_LEN: usize = 1024 * 1024;

/// Writes one length-prefixed message.
pub async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &impl Message,
) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(4 + message.encoded_len());
    bytes.extend_from_slice(&(message.encoded_len() as u32).to_be_bytes());
    message.encode(&mut bytes).map_err(io::Error::other)?;
    writer.write_all(&bytes).await
}

/// Reads one length-prefixed message, refusing lengths above `MAX_MESSAGE_LEN`.
pub async fn read_message<M: Message + Default, R: AsyncRead + Unpin>(
    reader: &mut R,
) -> io::Result<M> {
    let len = reader.read_u32().await? as usize;
    if len > MAX_MESSAGE_LEN {
        return Err(invalid(format!(
            "message of {len} bytes exceeds the {MAX_MESSAGE_LEN}-byte limit"
        )));
    }
    let mut bytes = vec![0u8; len];
    reader.read_exact(&mut bytes).await?;
    M::decode(bytes.as_slice()).map_err(|error| invalid(format!("undecodable message: {error}")))
}

/// A packet's checksums and data, in reusable buffers (read and written in
/// either framing).
#[derive(Default)]
pub struct PacketBuffer {
    pub header: PacketHeader,
    /// Hadoop's `syncBlock`: the writer asks for the data on disk (hsync).
    /// Tusk's own framing never sets it.
    pub sync_block: bool,
    pub checksums: Vec<u32>,
    pub data: Vec<u8>,
    raw_checksums: Vec<u8>,
    raw_header: Vec<u8>,
    /// What precedes the data on the wire when the packet is written.
    head: Vec<u8>,
}

impl PacketBuffer {
    /// Reads the next packet into this buffer.
    pub async fn read_from<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        bytes_per_checksum: u32,
    ) -> io::Result<()> {
        let header: PacketHeader = read_message(reader).await?;
        let data_len = header.data_len as usize;
        let checksum_len = header.checksum_len as usize;
        if data_len > MAX_PACKET_DATA {
            return Err(invalid(format!(
                "packet of {data_len} bytes exceeds {MAX_PACKET_DATA}"
            )));
        }
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
        self.header = header;
        self.sync_block = false;
        Ok(())
    }

    /// Reads `checksum_len` bytes of checksums into `checksums`.
    async fn read_checksums<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        checksum_len: usize,
    ) -> io::Result<()> {
        self.raw_checksums.resize(checksum_len, 0);
        reader.read_exact(&mut self.raw_checksums).await?;
        self.checksums.clear();
        self.checksums.extend(
            self.raw_checksums
                .chunks_exact(4)
                .map(|bytes| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        );
        Ok(())
    }

    /// Writes this buffer's packet (header fields for lengths are set here).
    pub async fn write_to<W: AsyncWrite + Unpin>(&mut self, writer: &mut W) -> io::Result<()> {
        self.header.data_len = self.data.len() as u32;
        self.header.checksum_len = (self.checksums.len() * 4) as u32;
        self.head.clear();
        encode_head(&self.header, &self.checksums, &mut self.head)?;
        write_head_and_data(writer, &self.head, &self.data).await
    }
}

/// Appends a packet's header message and checksums to `head`.
fn encode_head(header: &PacketHeader, checksums: &[u32], head: &mut Vec<u8>) -> io::Result<()> {
    head.reserve(4 + header.encoded_len() + checksums.len() * 4);
    head.extend_from_slice(&(header.encoded_len() as u32).to_be_bytes());
    header.encode(head).map_err(io::Error::other)?;
    for checksum in checksums {
        head.extend_from_slice(&checksum.to_be_bytes());
    }
    Ok(())
}

/// Writes one packet: header, checksums, data (in one vectored write when
/// the writer takes it all, so a packet costs one system call).
pub async fn write_packet<W: AsyncWrite + Unpin>(
    writer: &mut W,
    header: &PacketHeader,
    checksums: &[u32],
    data: &[u8],
) -> io::Result<()> {
    debug_assert_eq!(header.data_len as usize, data.len());
    debug_assert_eq!(header.checksum_len as usize, checksums.len() * 4);
    let mut head = Vec::new();
    encode_head(header, checksums, &mut head)?;
    write_head_and_data(writer, &head, data).await
}

/// Writes `head` then `data`, in one vectored write when the writer takes
/// it all.
async fn write_head_and_data<W: AsyncWrite + Unpin>(
    writer: &mut W,
    head: &[u8],
    data: &[u8],
) -> io::Result<()> {
    let mut parts = [IoSlice::new(head), IoSlice::new(data)];
    let mut parts = &mut parts[..];
    while !parts.is_empty() {
        let written = writer.write_vectored(parts).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut parts, written);
    }
    Ok(())
}

/// One CRC32C per `bytes_per_checksum` chunk of `data` (the last may be partial).
pub fn checksum_chunks(data: &[u8], bytes_per_checksum: u32, out: &mut Vec<u32>) {
    out.clear();
    crc::for_each_chunk_crc(data, bytes_per_checksum, &mut |_, crc| {
        out.push(crc);
        true
    });
}

/// Checks `data` against its chunk checksums; `Err(i)` names the first bad chunk.
pub fn verify_chunks(data: &[u8], bytes_per_checksum: u32, checksums: &[u32]) -> Result<(), usize> {
    let chunks = data.len().div_ceil(bytes_per_checksum.max(1) as usize);
    if chunks != checksums.len() {
        return Err(checksums.len().min(chunks));
    }
    let mut bad = None;
    crc::for_each_chunk_crc(data, bytes_per_checksum, &mut |index, crc| {
        if crc != checksums[index] {
            bad = Some(index);
        }
        bad.is_none()
    });
    bad.map_or(Ok(()), Err)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn packets_round_trip_and_verify() {
        let data: Vec<u8> = (0..1300u32).map(|i| (i % 251) as u8).collect();
        let mut checksums = Vec::new();
        checksum_chunks(&data, 512, &mut checksums);
        assert_eq!(checksums.len(), 3);
        let mut sent = PacketBuffer {
            header: PacketHeader {
                offset_in_block: 4096,
                seqno: 7,
                last_packet_in_block: false,
                ..Default::default()
            },
            checksums: checksums.clone(),
            data: data.clone(),
            ..Default::default()
        };
        let mut wire = Vec::new();
        sent.write_to(&mut wire).await.unwrap();
        let mut received = PacketBuffer::default();
        received.read_from(&mut wire.as_slice(), 512).await.unwrap();
        assert_eq!(
            (received.header.seqno, received.header.offset_in_block),
            (7, 4096)
        );
        assert_eq!(received.data, data);
        assert_eq!(
            verify_chunks(&received.data, 512, &received.checksums),
            Ok(())
        );
        received.data[700] ^= 1;
        assert_eq!(
            verify_chunks(&received.data, 512, &received.checksums),
            Err(1)
        );
    }

    #[tokio::test]
    async fn bad_lengths_are_refused() {
        let mut wire = Vec::new();
        wire.extend_from_slice(&(MAX_MESSAGE_LEN as u32 + 1).to_be_bytes());
        let result: io::Result<PacketHeader> = read_message(&mut wire.as_slice()).await;
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
        let header = PacketHeader {
            data_len: 100,
            checksum_len: 4 * 5,
            ..Default::default()
        };
        let mut wire = Vec::new();
        write_message(&mut wire, &header).await.unwrap();
        let mut packet = PacketBuffer::default();
        let error = packet
            .read_from(&mut wire.as_slice(), 512)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("checksum bytes"), "{error}");
    }
}
