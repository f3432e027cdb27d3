//! READ_BLOCK and BLOCK_CHECKSUM.

use std::sync::atomic::AtomicBool;

use common::datatransfer::{self, MAX_PACKET_DATA};
use common::ids::{BlockId, GenerationStamp};
use common::required::Required;
use proto::hdfs as pb;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{TransferContext, error_response, refuse_invalid, success_response};
use crate::storage::{DigestOutcome, ReplicaReader};

/// How much one disk read fetches before it is sent as packets.
const READ_BATCH: usize = 16 * MAX_PACKET_DATA;

/// Streams `[offset, offset + length)` of a replica, from the chunk boundary
/// at or before `offset`, in packets; ends with an empty last packet.
pub async fn send_block(
    mut stream: TcpStream,
    op: pb::OpReadBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let store = context.store.clone();
    let opened = tokio::task::spawn_blocking(move || {
        store.open_replica(
            BlockId(block.block_id),
            GenerationStamp(block.generation_stamp),
        )
    })
    .await;
    let reader = match opened {
        Ok(Ok(reader)) => reader,
        Ok(Err(error)) => {
            return datatransfer::write_message(
                &mut stream,
                &error_response(pb::Status::Error, error.to_string()),
            )
            .await;
        }
        Err(error) => return Err(std::io::Error::other(error)),
    };
    let length = reader.length();
    if op.offset > length {
        let message = format!(
            "offset {} is beyond the replica's length {length}",
            op.offset
        );
        return datatransfer::write_message(
            &mut stream,
            &error_response(pb::Status::ErrorInvalid, message),
        )
        .await;
    }
    let bytes_per_checksum = u64::from(reader.bytes_per_checksum());
    let start = op.offset - op.offset % bytes_per_checksum;
    let end = op.offset.saturating_add(op.length).min(length);
    let mut response = pb::BlockOpResponse {
        first_chunk_offset: start,
        replica_length: length,
        bytes_per_checksum: reader.bytes_per_checksum(),
        ..success_response()
    };
    if start == 0 && end == length {
        // A whole-block read: the reader checks the recorded digests (none
        // while they are pending: the reader checks the CRCs only).
        let store = context.store.clone();
        let digests = tokio::task::spawn_blocking(move || store.digests(block.block_id))
            .await
            .map_err(std::io::Error::other)?;
        if let Ok(Some(digests)) = digests {
            response.md5 = digests.md5.to_vec();
            response.sha1 = digests.sha1.to_vec();
        }
    }
    datatransfer::write_message(&mut stream, &response).await?;
    let mut buffered = tokio::io::BufWriter::with_capacity(256 * 1024, &mut stream);
    stream_packets(&mut buffered, reader, start, end, 0).await?;
    buffered.flush().await
}

/// Sends `[start, end)` of a replica as packets numbered from `first_seqno`,
/// then the empty last packet. Returns the next seqno.
pub async fn stream_packets<W: tokio::io::AsyncWrite + Unpin>(
    stream: &mut W,
    mut reader: ReplicaReader,
    start: u64,
    end: u64,
    first_seqno: i64,
) -> std::io::Result<i64> {
    let bytes_per_checksum = reader.bytes_per_checksum() as usize;
    let chunks_per_packet = MAX_PACKET_DATA / bytes_per_checksum.max(1);
    let packet_len = chunks_per_packet.max(1) * bytes_per_checksum;
    let mut offset = start;
    let mut seqno = first_seqno;
    let mut data = vec![0u8; READ_BATCH - READ_BATCH % packet_len.max(1)];
    let mut checksums = Vec::new();
    while offset < end {
        let want = (end - offset).min(data.len() as u64) as usize;
        let want = want.div_ceil(bytes_per_checksum) * bytes_per_checksum;
        let want = want.min(data.len());
        let (returned_reader, returned_data, returned_checksums, read) =
            tokio::task::spawn_blocking(move || {
                let result = reader.read_chunks(offset, &mut data[..want], &mut checksums);
                (reader, data, checksums, result)
            })
            .await
            .map_err(std::io::Error::other)?;
        reader = returned_reader;
        data = returned_data;
        checksums = returned_checksums;
        let read = read.map_err(|error| std::io::Error::other(error.to_string()))?;
        if read == 0 {
            break;
        }
        for (index, packet) in data[..read].chunks(packet_len).enumerate() {
            let first_chunk = index * chunks_per_packet;
            let chunk_count = packet.len().div_ceil(bytes_per_checksum);
            let header = pb::PacketHeader {
                offset_in_block: offset + (index * packet_len) as u64,
                seqno,
                last_packet_in_block: false,
                data_len: packet.len() as u32,
                checksum_len: (chunk_count * 4) as u32,
            };
            datatransfer::write_packet(
                stream,
                &header,
                &checksums[first_chunk..first_chunk + chunk_count],
                packet,
            )
            .await?;
            seqno += 1;
        }
        offset += read as u64;
    }
    let last = pb::PacketHeader {
        offset_in_block: offset,
        seqno,
        last_packet_in_block: true,
        data_len: 0,
        checksum_len: 0,
    };
    datatransfer::write_packet(stream, &last, &[], &[]).await?;
    Ok(seqno + 1)
}

/// BLOCK_CHECKSUM: the replica's MD5 and SHA-1, computed (and recorded)
/// now if the digester has not recorded them yet (which checks its CRCs),
/// and Hadoop's block checksum, the MD5 of its chunk CRCs.
pub async fn block_checksum(
    mut stream: TcpStream,
    op: pb::OpBlockChecksum,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let store = context.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        let length = store.replica(block.block_id).map(|replica| replica.length);
        let outcome = store.record_digests(block.block_id, &AtomicBool::new(false))?;
        let crcs = match outcome {
            DigestOutcome::Recorded(_) => Some(store.crc_md5(block.block_id)?),
            DigestOutcome::Corrupt(_) => None,
        };
        Ok::<_, crate::storage::StorageError>((outcome, crcs, length.unwrap_or_default()))
    })
    .await
    .map_err(std::io::Error::other)?;
    let response = match result {
        Ok((DigestOutcome::Recorded(digests), Some(crcs), length)) => pb::BlockOpResponse {
            md5: digests.md5.to_vec(),
            sha1: digests.sha1.to_vec(),
            replica_length: length,
            bytes_per_checksum: crcs.bytes_per_crc,
            crc_md5: crcs.md5.to_vec(),
            crc_per_block: crcs.crc_count,
            ..success_response()
        },
        Ok((DigestOutcome::Recorded(_), None, _)) => {
            error_response(pb::Status::Error, "no block checksum".into())
        }
        Ok((DigestOutcome::Corrupt(reason), _, _)) => error_response(
            pb::Status::ErrorChecksum,
            format!("replica blk_{} is corrupt: {reason}", block.block_id),
        ),
        Err(error) => error_response(pb::Status::Error, error.to_string()),
    };
    datatransfer::write_message(&mut stream, &response).await
}
