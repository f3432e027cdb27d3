//! Hadoop's block checksums, made of a replica's stored chunk CRCs as
//! HDFS's `ReplicatedBlockChecksumComputer` makes them: what
//! `hadoop fs -checksum` and distcp compare across clusters.
//!
//! - MD5CRC: the MD5 of the chunk CRCs (u32 big-endian each) covering the
//!   requested length; a requested length ending inside a chunk that is not
//!   the replica's last contributes the CRC of its bytes up to there.
//! - COMPOSITE_CRC: the chunk CRCs composed (CRC32C of a concatenation)
//!   into the CRC of the requested bytes, one per stripe of
//!   `stripe_length` bytes (the whole range when 0), u32 big-endian each.

use md5::{Digest, Md5};

use crate::storage::{ReplicaReader, StorageError};

/// Chunk CRCs read from the meta file at a time.
const CRC_BATCH: u64 = 16 * 1024;

/// Which block checksum a client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChecksumKind {
    Md5OfCrcs,
    CompositeCrc { stripe_length: u64 },
}

/// A block checksum and what it is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockChecksum {
    pub bytes_per_crc: u32,
    /// The CRCs the replica stores, whatever length was asked (as HDFS
    /// counts them: from its meta file's length).
    pub crc_per_block: u64,
    pub checksum: Vec<u8>,
}

/// The checksum of the replica's first `request_length` bytes (all of them
/// when it is longer). Blocking: it reads the meta file, and the data of a
/// partial chunk the request ends in.
pub(crate) fn compute(
    reader: &mut ReplicaReader,
    request_length: u64,
    kind: ChecksumKind,
) -> Result<BlockChecksum, StorageError> {
    let length = reader.length();
    let bytes_per_crc = reader.bytes_per_checksum();
    let chunk_len = u64::from(bytes_per_crc);
    let covered = request_length.min(length);
    let full_chunks = covered / chunk_len;
    let tail_len = covered % chunk_len;
    let mut crcs = Vec::new();
    // A range ending inside a chunk: the replica's own last chunk has its
    // CRC stored; any other partial chunk's CRC is computed now.
    let tail_crc = if tail_len == 0 {
        None
    } else if covered == length {
        reader.read_crcs(full_chunks, 1, &mut crcs)?;
        crcs.first().copied()
    } else {
        let mut data = vec![0u8; tail_len as usize];
        reader.read_data(full_chunks * chunk_len, &mut data)?;
        Some(crc32c::crc32c(&data))
    };
    let checksum = match kind {
        ChecksumKind::Md5OfCrcs => {
            let mut md5 = Md5::new();
            let mut bytes = Vec::new();
            for_each_crc(reader, full_chunks, &mut crcs, &mut |batch| {
                bytes.clear();
                for crc in batch {
                    bytes.extend_from_slice(&crc.to_be_bytes());
                }
                md5.update(&bytes);
            })?;
            if let Some(crc) = tail_crc {
                md5.update(crc.to_be_bytes());
            }
            md5.finalize().to_vec()
        }
        ChecksumKind::CompositeCrc { stripe_length } => {
            let stripe = if stripe_length == 0 || stripe_length > covered {
                covered
            } else {
                stripe_length
            };
            if stripe != covered && !stripe.is_multiple_of(chunk_len) {
                return Err(StorageError::InvalidArgument(format!(
                    "stripe length {stripe_length} is not a multiple of {chunk_len} bytes per checksum"
                )));
            }
            let mut composer = CrcComposer::new(stripe);
            for_each_crc(reader, full_chunks, &mut crcs, &mut |batch| {
                for &crc in batch {
                    composer.update(crc, chunk_len);
                }
            })?;
            if let Some(crc) = tail_crc {
                composer.update(crc, tail_len);
            }
            composer.finish()
        }
    };
    Ok(BlockChecksum {
        bytes_per_crc,
        crc_per_block: length.div_ceil(chunk_len),
        checksum,
    })
}

/// Calls `each` with the stored CRCs of the first `chunks` chunks, a batch
/// at a time.
fn for_each_crc(
    reader: &mut ReplicaReader,
    chunks: u64,
    buffer: &mut Vec<u32>,
    each: &mut dyn FnMut(&[u32]),
) -> Result<(), StorageError> {
    let mut first = 0;
    while first < chunks {
        let count = (chunks - first).min(CRC_BATCH);
        reader.read_crcs(first, count, buffer)?;
        each(buffer);
        first += count;
    }
    Ok(())
}

/// Composes consecutive CRCs into one per stripe (HDFS's CrcComposer).
struct CrcComposer {
    stripe_length: u64,
    position_in_stripe: u64,
    current: u32,
    composed: Vec<u8>,
}

impl CrcComposer {
    fn new(stripe_length: u64) -> Self {
        Self {
            stripe_length,
            position_in_stripe: 0,
            current: 0,
            composed: Vec::new(),
        }
    }

    /// Appends the CRC of the next `len` bytes.
    fn update(&mut self, crc: u32, len: u64) {
        self.current = if self.position_in_stripe == 0 {
            crc
        } else {
            crc32c::crc32c_combine(self.current, crc, len as usize)
        };
        self.position_in_stripe += len;
        if self.position_in_stripe == self.stripe_length {
            self.composed.extend_from_slice(&self.current.to_be_bytes());
            self.position_in_stripe = 0;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.position_in_stripe > 0 {
            self.composed.extend_from_slice(&self.current.to_be_bytes());
        }
        self.composed
    }
}

#[cfg(test)]
mod tests {
    use common::ids::{BlockId, GenerationStamp};

    use super::*;
    use crate::storage::{BlockKey, BlockStore};

    const BPC: u32 = 512;

    /// A finalized replica of `data` in a fresh store.
    fn replica(data: &[u8]) -> (tempfile::TempDir, BlockStore) {
        let temp = tempfile::tempdir().unwrap();
        let store = BlockStore::open(&[temp.path().join("vol")], BPC).unwrap();
        store.set_cluster("CID-1", "BP-1").unwrap();
        let mut writer = store
            .create_rbw(BlockKey {
                id: 1,
                generation_stamp: 1,
            })
            .unwrap();
        let crcs: Vec<u32> = data.chunks(BPC as usize).map(crc32c::crc32c).collect();
        writer.write_packet(0, data, &crcs).unwrap();
        writer.finalize().unwrap();
        (temp, store)
    }

    fn md5_of_crcs(data: &[u8]) -> Vec<u8> {
        let mut md5 = Md5::new();
        for chunk in data.chunks(BPC as usize) {
            md5.update(crc32c::crc32c(chunk).to_be_bytes());
        }
        md5.finalize().to_vec()
    }

    fn checksum(store: &BlockStore, request_length: u64, kind: ChecksumKind) -> BlockChecksum {
        let mut reader = store.open_replica(BlockId(1), GenerationStamp(1)).unwrap();
        compute(&mut reader, request_length, kind).unwrap()
    }

    #[test]
    fn md5_of_crcs_covers_the_requested_length() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 253) as u8).collect();
        let (_temp, store) = replica(&data);
        let whole = checksum(&store, 5000, ChecksumKind::Md5OfCrcs);
        assert_eq!(whole.checksum, md5_of_crcs(&data));
        assert_eq!((whole.bytes_per_crc, whole.crc_per_block), (512, 10));
        // Asking for more is asking for all of it.
        assert_eq!(checksum(&store, u64::MAX, ChecksumKind::Md5OfCrcs), whole);
        // A prefix ending inside a chunk: that chunk's CRC up to there.
        let prefix = checksum(&store, 1300, ChecksumKind::Md5OfCrcs);
        assert_eq!(prefix.checksum, md5_of_crcs(&data[..1300]));
        assert_eq!(prefix.crc_per_block, 10);
    }

    #[test]
    fn composite_crc_is_the_crc_of_the_bytes() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 13 % 251) as u8).collect();
        let (_temp, store) = replica(&data);
        let whole = checksum(
            &store,
            5000,
            ChecksumKind::CompositeCrc { stripe_length: 0 },
        );
        assert_eq!(whole.checksum, crc32c::crc32c(&data).to_be_bytes());
        let prefix = checksum(
            &store,
            2000,
            ChecksumKind::CompositeCrc { stripe_length: 0 },
        );
        assert_eq!(prefix.checksum, crc32c::crc32c(&data[..2000]).to_be_bytes());
        // Stripes of 2 chunks: one CRC per 1024 bytes, the last one short.
        let striped = checksum(
            &store,
            5000,
            ChecksumKind::CompositeCrc {
                stripe_length: 1024,
            },
        );
        let expected: Vec<u8> = data
            .chunks(1024)
            .flat_map(|stripe| crc32c::crc32c(stripe).to_be_bytes())
            .collect();
        assert_eq!(striped.checksum, expected);
    }
}
