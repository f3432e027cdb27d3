//! The read path, whichever protocol carries it: a replica's chunks and
//! their stored CRCs, streamed as packets.

use common::datatransfer::MAX_PACKET_DATA;
use common::ids::{BlockId, GenerationStamp};

use super::TransferContext;
use super::framing::Framing;
use crate::storage::{ReplicaReader, StorageError};

/// How much one disk read fetches before it is sent as packets.
const READ_BATCH: usize = 16 * MAX_PACKET_DATA;

/// Opens a replica of `block_id` whose stamp is at least `generation_stamp`
/// (on the blocking pool; the outer error is the pool's).
pub(crate) async fn open_reader(
    context: &TransferContext,
    block_id: u64,
    generation_stamp: u64,
) -> std::io::Result<Result<ReplicaReader, StorageError>> {
    let store = context.store.clone();
    tokio::task::spawn_blocking(move || {
        store.open_replica(BlockId(block_id), GenerationStamp(generation_stamp))
    })
    .await
    .map_err(std::io::Error::other)
}

/// The bytes a read of `[offset, offset + length)` sends: from the chunk
/// boundary at or before `offset` to the requested end (the last chunk is
/// sent whole, or to the replica's end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadRange {
    pub start: u64,
    pub end: u64,
}

impl ReadRange {
    /// `end` is capped at `replica_length`; the caller checks `offset`.
    pub fn new(offset: u64, length: u64, replica_length: u64, bytes_per_checksum: u32) -> Self {
        let bytes_per_checksum = u64::from(bytes_per_checksum.max(1));
        Self {
            start: offset - offset % bytes_per_checksum,
            end: offset.saturating_add(length).min(replica_length),
        }
    }
}

/// Sends `[start, end)` of a replica as packets numbered from `first_seqno`
/// (each with its chunks' CRCs unless `send_checksums` is false), then the
/// empty last packet. Returns the next seqno.
pub(crate) async fn stream_packets<W: tokio::io::AsyncWrite + Unpin>(
    framing: Framing,
    stream: &mut W,
    mut reader: ReplicaReader,
    start: u64,
    end: u64,
    first_seqno: i64,
    send_checksums: bool,
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
            let packet_checksums = if send_checksums {
                &checksums[first_chunk..first_chunk + chunk_count]
            } else {
                &[]
            };
            framing
                .write_data_packet(
                    stream,
                    offset + (index * packet_len) as u64,
                    seqno,
                    false,
                    packet_checksums,
                    packet,
                )
                .await?;
            seqno += 1;
        }
        offset += read as u64;
    }
    framing
        .write_data_packet(stream, offset, seqno, true, &[], &[])
        .await?;
    Ok(seqno + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_starts_at_the_chunk_boundary_before_its_offset() {
        let range = ReadRange::new(1000, 10, 5000, 512);
        assert_eq!((range.start, range.end), (512, 1010));
        let range = ReadRange::new(1024, u64::MAX, 5000, 512);
        assert_eq!((range.start, range.end), (1024, 5000));
        let range = ReadRange::new(4999, 1, 5000, 512);
        assert_eq!((range.start, range.end), (4608, 5000));
    }
}
