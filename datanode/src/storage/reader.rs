//! `ReplicaReader` (chunks and their stored CRCs, for READ_BLOCK) and the
//! full re-read behind `BlockStore::verify`.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::meta::{self, BlockHasher, MetaHeader};
use super::replica_map::Located;
use super::{BlockKey, ReplicaState, StorageError, VerifyOutcome, io_error};

/// Bytes verified per run (and per throttle call).
const VERIFY_RUN: u64 = 64 * 1024;

/// Reads one replica with positional reads, so readers share no cursor.
pub struct ReplicaReader {
    block: BlockKey,
    length: u64,
    bytes_per_checksum: u32,
    last_chunk_crc: Option<u32>,
    data: File,
    meta: File,
    data_path: PathBuf,
    meta_path: PathBuf,
    crc_bytes: Vec<u8>,
}

impl ReplicaReader {
    /// Checks the meta header and wraps the open files.
    pub(super) fn new(located: Located, data: File, meta: File) -> Result<Self, StorageError> {
        let header = MetaHeader::read(&meta, &located.meta)?;
        if header.bytes_per_checksum != located.bytes_per_checksum {
            return Err(StorageError::Malformed {
                path: located.meta,
                reason: format!(
                    "bytes per checksum is {}, {} when the replica was loaded",
                    header.bytes_per_checksum, located.bytes_per_checksum
                ),
            });
        }
        Ok(Self {
            block: BlockKey {
                id: located.info.block_id,
                generation_stamp: located.info.generation_stamp,
            },
            length: located.info.length,
            bytes_per_checksum: header.bytes_per_checksum,
            last_chunk_crc: located.last_chunk_crc,
            data,
            meta,
            data_path: located.data,
            meta_path: located.meta,
            crc_bytes: Vec::new(),
        })
    }

    /// The block read.
    pub fn block(&self) -> BlockKey {
        self.block
    }

    /// Bytes readable: the replica's length when the reader was opened.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// The size of a checksummed chunk.
    pub fn bytes_per_checksum(&self) -> u32 {
        self.bytes_per_checksum
    }

    /// Reads data from `offset` (chunk-aligned) into `data`, whole chunks
    /// unless the replica ends first, and the stored CRCs of those chunks into
    /// `checksums` (cleared first). Returns the bytes read, 0 at the end.
    pub fn read_chunks(
        &mut self,
        offset: u64,
        data: &mut [u8],
        checksums: &mut Vec<u32>,
    ) -> Result<usize, StorageError> {
        checksums.clear();
        let bytes_per_checksum = u64::from(self.bytes_per_checksum);
        let block_id = self.block.id;
        if offset == self.length {
            return Ok(0);
        }
        if !offset.is_multiple_of(bytes_per_checksum) || offset > self.length {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: cannot read at offset {offset}: not a multiple of {bytes_per_checksum} \
                 bytes per checksum or past the length {}",
                self.length
            )));
        }
        let remaining = self.length - offset;
        let mut count = (data.len() as u64).min(remaining);
        if count < remaining {
            count -= count % bytes_per_checksum;
        }
        if count == 0 {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: a buffer of {} bytes cannot hold a chunk of {bytes_per_checksum}",
                data.len()
            )));
        }
        let data = &mut data[..count as usize];
        self.data
            .read_exact_at(data, offset)
            .map_err(read_error(&self.data_path, self.length))?;
        let chunks = meta::chunk_count(count, self.bytes_per_checksum);
        self.crc_bytes.resize((chunks * meta::CRC_LEN) as usize, 0);
        let crc_at = meta::crc_offset(offset / bytes_per_checksum);
        self.meta
            .read_exact_at(&mut self.crc_bytes, crc_at)
            .map_err(read_error(&self.meta_path, self.length))?;
        meta::decode_crcs(&self.crc_bytes, checksums);
        use_published_crc(
            self.last_chunk_crc,
            offset + count == self.length,
            checksums,
        );
        Ok(count as usize)
    }
}

/// For reads reaching the end of an rbw replica whose last chunk is partial:
/// the CRC its writer published for that length, since the one on disk may
/// already cover bytes written since.
fn use_published_crc(last_chunk_crc: Option<u32>, reaches_end: bool, crcs: &mut [u32]) {
    if let (true, Some(published), Some(last)) = (reaches_end, last_chunk_crc, crcs.last_mut()) {
        *last = published;
    }
}

fn read_error(path: &Path, length: u64) -> impl FnOnce(io::Error) -> StorageError {
    move |err| match err.kind() {
        io::ErrorKind::UnexpectedEof => StorageError::Malformed {
            path: path.to_path_buf(),
            reason: format!("too short for a replica of {length} bytes"),
        },
        _ => io_error(format!("cannot read {}", path.display()))(err),
    }
}

/// Re-reads a replica: every chunk against its CRC, then (finalized) the
/// digests against the header. Damage is an outcome; only I/O failures are errors.
pub(super) fn verify(
    located: &Located,
    data: &File,
    meta: &File,
    throttle: &mut dyn FnMut(u64),
) -> Result<VerifyOutcome, StorageError> {
    let corrupt = |reason: String| Ok(VerifyOutcome::Corrupt(reason));
    let header = match MetaHeader::read(meta, &located.meta) {
        Ok(header) => header,
        Err(err @ StorageError::Malformed { .. }) => return corrupt(err.to_string()),
        Err(err) => return Err(err),
    };
    let bytes_per_checksum = u64::from(header.bytes_per_checksum);
    let length = located.info.length;
    let finalized = located.info.state == ReplicaState::Finalized;
    if finalized && header.digests.is_none() {
        return corrupt(format!("{} records no digests", located.meta.display()));
    }
    if finalized {
        let file_len = |file: &File, path: &Path| {
            file.metadata()
                .map(|metadata| metadata.len())
                .map_err(io_error(format!("cannot stat {}", path.display())))
        };
        let data_len = file_len(data, &located.data)?;
        if data_len != length {
            return corrupt(format!(
                "{} has {data_len} bytes, the replica has {length}",
                located.data.display()
            ));
        }
        let meta_len = file_len(meta, &located.meta)?;
        let expected = meta::meta_file_len(length, header.bytes_per_checksum);
        if meta_len != expected {
            return corrupt(format!(
                "{} has {meta_len} bytes, {expected} expected",
                located.meta.display()
            ));
        }
    }
    let run_len = (VERIFY_RUN / bytes_per_checksum).max(1) * bytes_per_checksum;
    let mut buffer = vec![0u8; run_len.min(length) as usize];
    let mut crc_bytes = Vec::new();
    let mut crcs = Vec::new();
    let mut hasher = BlockHasher::default();
    let mut offset = 0;
    while offset < length {
        let count = run_len.min(length - offset);
        throttle(count);
        let run = &mut buffer[..count as usize];
        let chunks = meta::chunk_count(count, header.bytes_per_checksum);
        crc_bytes.resize((chunks * meta::CRC_LEN) as usize, 0);
        let first_chunk = offset / bytes_per_checksum;
        for (file, buf, at, path) in [
            (data, &mut *run, offset, &located.data),
            (
                meta,
                &mut crc_bytes[..],
                meta::crc_offset(first_chunk),
                &located.meta,
            ),
        ] {
            match file.read_exact_at(buf, at) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    return corrupt(format!(
                        "{} ends before the replica's {length} bytes",
                        path.display()
                    ));
                }
                Err(err) => return Err(io_error(format!("cannot read {}", path.display()))(err)),
            }
        }
        crcs.clear();
        meta::decode_crcs(&crc_bytes, &mut crcs);
        use_published_crc(located.last_chunk_crc, offset + count == length, &mut crcs);
        for (index, (chunk, stored)) in run
            .chunks(bytes_per_checksum as usize)
            .zip(&crcs)
            .enumerate()
        {
            if crc32c::crc32c(chunk) != *stored {
                let chunk_index = first_chunk + index as u64;
                return corrupt(format!(
                    "checksum mismatch in chunk {chunk_index} at offset {} of {}",
                    chunk_index * bytes_per_checksum,
                    located.data.display()
                ));
            }
        }
        hasher.update(run);
        offset += count;
    }
    let Some(recorded) = header.digests.filter(|_| finalized) else {
        return Ok(VerifyOutcome::Healthy);
    };
    let computed = hasher.finish();
    if computed.md5 != recorded.md5 {
        return corrupt(format!(
            "MD5 of {} is {}, {} recorded",
            located.data.display(),
            hex(&computed.md5),
            hex(&recorded.md5)
        ));
    }
    if computed.sha1 != recorded.sha1 {
        return corrupt(format!(
            "SHA-1 of {} is {}, {} recorded",
            located.data.display(),
            hex(&computed.sha1),
            hex(&recorded.sha1)
        ));
    }
    Ok(VerifyOutcome::Healthy)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
