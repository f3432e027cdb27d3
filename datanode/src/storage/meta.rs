//! The `.meta` file: header, digests and the CRC table (format in the module doc).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use md5::{Digest, Md5};
use sha1::Sha1;

use super::{StorageError, io_error};

/// Bytes before the first CRC.
pub const HEADER_LEN: u64 = 44;
/// Bytes per stored CRC.
pub const CRC_LEN: u64 = 4;
const META_VERSION: u16 = 1;
const CHECKSUM_CRC32C: u8 = 2;
/// Flags: the MD5 and SHA-1 after the flags byte are the replica's.
const FLAG_DIGESTS: u8 = 1;
/// Flags: the replica is finalized; its digests are still being computed.
const FLAG_DIGESTS_PENDING: u8 = 2;
/// Where the flags byte is; MD5 and SHA-1 follow it.
const FLAGS_OFFSET: u64 = 7;

/// MD5 and SHA-1 of a whole replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digests {
    pub md5: [u8; 16],
    pub sha1: [u8; 20],
}

/// What a meta header says about the replica's MD5 and SHA-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestState {
    /// Being written: no digests yet.
    Unset,
    /// Finalized; the digester has not recorded the digests yet.
    Pending,
    /// Finalized, with its digests.
    Recorded(Digests),
}

/// A decoded meta header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetaHeader {
    pub bytes_per_checksum: u32,
    pub digests: DigestState,
}

impl MetaHeader {
    /// The header of a new replica: no digests yet.
    pub fn new(bytes_per_checksum: u32) -> Self {
        Self {
            bytes_per_checksum,
            digests: DigestState::Unset,
        }
    }

    pub fn encode(&self) -> [u8; HEADER_LEN as usize] {
        let mut bytes = [0u8; HEADER_LEN as usize];
        bytes[0..2].copy_from_slice(&META_VERSION.to_be_bytes());
        bytes[2] = CHECKSUM_CRC32C;
        bytes[3..7].copy_from_slice(&self.bytes_per_checksum.to_be_bytes());
        match &self.digests {
            DigestState::Unset => {}
            DigestState::Pending => bytes[7] = FLAG_DIGESTS_PENDING,
            DigestState::Recorded(digests) => {
                bytes[7] = FLAG_DIGESTS;
                bytes[8..].copy_from_slice(&encode_digests(digests));
            }
        }
        bytes
    }

    /// Decodes a header; the error is the reason it is malformed.
    pub fn decode(bytes: &[u8; HEADER_LEN as usize]) -> Result<Self, String> {
        let version = u16::from_be_bytes([bytes[0], bytes[1]]);
        if version != META_VERSION {
            return Err(format!("unsupported meta version {version}"));
        }
        if bytes[2] != CHECKSUM_CRC32C {
            return Err(format!(
                "unsupported checksum type {} (only CRC32C = 2)",
                bytes[2]
            ));
        }
        let bytes_per_checksum = u32::from_be_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]);
        if bytes_per_checksum == 0 {
            return Err("bytes per checksum is 0".to_string());
        }
        let digests = match bytes[7] {
            0 => DigestState::Unset,
            FLAG_DIGESTS_PENDING => DigestState::Pending,
            FLAG_DIGESTS => {
                let mut md5 = [0u8; 16];
                let mut sha1 = [0u8; 20];
                md5.copy_from_slice(&bytes[8..24]);
                sha1.copy_from_slice(&bytes[24..44]);
                DigestState::Recorded(Digests { md5, sha1 })
            }
            flags => return Err(format!("unknown flags {flags:#x}")),
        };
        Ok(Self {
            bytes_per_checksum,
            digests,
        })
    }

    /// Reads and decodes the header of an open meta file.
    pub fn read(file: &File, path: &Path) -> Result<Self, StorageError> {
        let mut bytes = [0u8; HEADER_LEN as usize];
        file.read_exact_at(&mut bytes, 0)
            .map_err(|err| match err.kind() {
                std::io::ErrorKind::UnexpectedEof => malformed(path, "shorter than its header"),
                _ => io_error(format!("cannot read {}", path.display()))(err),
            })?;
        Self::decode(&bytes).map_err(|reason| malformed(path, reason))
    }
}

fn malformed(path: &Path, reason: impl Into<String>) -> StorageError {
    StorageError::Malformed {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn encode_digests(digests: &Digests) -> [u8; 36] {
    let mut bytes = [0u8; 36];
    bytes[..16].copy_from_slice(&digests.md5);
    bytes[16..].copy_from_slice(&digests.sha1);
    bytes
}

/// Marks a finalized replica's digests as pending (the caller fsyncs).
pub fn write_pending(file: &File) -> std::io::Result<()> {
    file.write_all_at(&[FLAG_DIGESTS_PENDING], FLAGS_OFFSET)
}

/// Records the digests in a meta file's header (the caller fsyncs): the
/// digests first, under the pending flag, then the one-byte flag, so a
/// concurrent reader of the header never takes half-written digests for
/// recorded ones.
pub fn write_digests(file: &File, digests: &Digests) -> std::io::Result<()> {
    file.write_all_at(&encode_digests(digests), FLAGS_OFFSET + 1)?;
    file.write_all_at(&[FLAG_DIGESTS], FLAGS_OFFSET)
}

/// Chunks covering `length` bytes (the last one may be partial).
pub fn chunk_count(length: u64, bytes_per_checksum: u32) -> u64 {
    length.div_ceil(u64::from(bytes_per_checksum))
}

/// The size of the meta file of a replica of `length` bytes.
pub fn meta_file_len(length: u64, bytes_per_checksum: u32) -> u64 {
    HEADER_LEN + CRC_LEN * chunk_count(length, bytes_per_checksum)
}

/// Where the CRC of chunk `chunk_index` is stored.
pub fn crc_offset(chunk_index: u64) -> u64 {
    HEADER_LEN + CRC_LEN * chunk_index
}

/// Appends the big-endian encoding of `crcs` to `out`.
pub fn encode_crcs(crcs: &[u32], out: &mut Vec<u8>) {
    for crc in crcs {
        out.extend_from_slice(&crc.to_be_bytes());
    }
}

/// Appends the CRCs encoded in `bytes` (a multiple of 4 long) to `out`.
pub fn decode_crcs(bytes: &[u8], out: &mut Vec<u32>) {
    debug_assert_eq!(bytes.len() % CRC_LEN as usize, 0);
    for crc in bytes.chunks_exact(CRC_LEN as usize) {
        out.push(u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]));
    }
}

/// MD5 and SHA-1 of a replica, fed incrementally.
#[derive(Clone, Default)]
pub struct BlockHasher {
    md5: Md5,
    sha1: Sha1,
}

impl BlockHasher {
    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.sha1.update(data);
    }

    pub fn finish(self) -> Digests {
        Digests {
            md5: self.md5.finalize().into(),
            sha1: self.sha1.finalize().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_with_and_without_digests() {
        let plain = MetaHeader::new(512);
        let bytes = plain.encode();
        assert_eq!(&bytes[..7], &[0, 1, 2, 0, 0, 2, 0]);
        assert_eq!(MetaHeader::decode(&bytes), Ok(plain));

        let digests = Digests {
            md5: [7; 16],
            sha1: [9; 20],
        };
        let full = MetaHeader {
            bytes_per_checksum: 4096,
            digests: DigestState::Recorded(digests),
        };
        assert_eq!(MetaHeader::decode(&full.encode()), Ok(full));
        let pending = MetaHeader {
            bytes_per_checksum: 512,
            digests: DigestState::Pending,
        };
        assert_eq!(pending.encode()[7], 2);
        assert_eq!(MetaHeader::decode(&pending.encode()), Ok(pending));
    }

    #[test]
    fn malformed_headers_are_rejected_with_a_reason() {
        let mut bytes = MetaHeader::new(512).encode();
        bytes[2] = 1;
        assert!(
            MetaHeader::decode(&bytes)
                .unwrap_err()
                .contains("checksum type 1")
        );
        let mut bytes = MetaHeader::new(512).encode();
        bytes[7] = 9;
        assert!(MetaHeader::decode(&bytes).unwrap_err().contains("flags"));
        let bytes = MetaHeader::new(0).encode();
        assert!(
            MetaHeader::decode(&bytes)
                .unwrap_err()
                .contains("bytes per checksum")
        );
    }

    #[test]
    fn chunk_arithmetic() {
        assert_eq!(chunk_count(0, 512), 0);
        assert_eq!(chunk_count(1, 512), 1);
        assert_eq!(chunk_count(512, 512), 1);
        assert_eq!(chunk_count(513, 512), 2);
        assert_eq!(meta_file_len(513, 512), 44 + 8);
        let mut encoded = Vec::new();
        encode_crcs(&[1, 0xdead_beef], &mut encoded);
        let mut decoded = Vec::new();
        decode_crcs(&encoded, &mut decoded);
        assert_eq!(decoded, vec![1, 0xdead_beef]);
    }
}
