//! `ReplicaReader` (chunks and their stored CRCs, for READ_BLOCK) and the
//! full re-reads behind `BlockStore::verify` and the digester.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::meta::{self, BlockHasher, DigestState, Digests, MetaHeader};
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

impl ReplicaReader {
    /// Reads `data.len()` bytes of data at `offset`, anywhere within the
    /// length, without their CRCs (the caller checksums them itself).
    pub fn read_data(&self, offset: u64, data: &mut [u8]) -> Result<(), StorageError> {
        if offset.saturating_add(data.len() as u64) > self.length {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{}: {} bytes at offset {offset} are past the length {}",
                self.block.id,
                data.len(),
                self.length
            )));
        }
        self.data
            .read_exact_at(data, offset)
            .map_err(read_error(&self.data_path, self.length))
    }

    /// The stored CRCs of `count` chunks from chunk `first_chunk` into
    /// `checksums` (cleared first), without reading their data: what a
    /// block checksum is made of. The chunks must lie within the length.
    pub fn read_crcs(
        &mut self,
        first_chunk: u64,
        count: u64,
        checksums: &mut Vec<u32>,
    ) -> Result<(), StorageError> {
        checksums.clear();
        let chunks = meta::chunk_count(self.length, self.bytes_per_checksum);
        if first_chunk.saturating_add(count) > chunks {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{}: chunks {first_chunk}..{} are past the {chunks} chunks of {} bytes",
                self.block.id,
                first_chunk.saturating_add(count),
                self.length
            )));
        }
        if count == 0 {
            return Ok(());
        }
        self.crc_bytes.resize((count * meta::CRC_LEN) as usize, 0);
        self.meta
            .read_exact_at(&mut self.crc_bytes, meta::crc_offset(first_chunk))
            .map_err(read_error(&self.meta_path, self.length))?;
        meta::decode_crcs(&self.crc_bytes, checksums);
        use_published_crc(
            self.last_chunk_crc,
            first_chunk + count == chunks,
            checksums,
        );
        Ok(())
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

/// Re-reads a replica: every chunk against its CRC, then (finalized, digests
/// recorded) the digests against the header. A finalized replica whose
/// digests are pending is checked by its CRCs alone. Damage is an outcome;
/// only I/O failures are errors.
pub(super) fn verify(
    located: &Located,
    data: &File,
    meta: &File,
    throttle: &mut dyn FnMut(u64),
) -> Result<VerifyOutcome, StorageError> {
    let header = match checked_header(located, data, meta)? {
        Ok(header) => header,
        Err(reason) => return Ok(VerifyOutcome::Corrupt(reason)),
    };
    let recorded = match header.digests {
        DigestState::Recorded(digests) if located.info.state == ReplicaState::Finalized => {
            Some(digests)
        }
        _ => None,
    };
    let mut hasher = BlockHasher::default();
    let hashing = recorded.is_some().then_some(&mut hasher);
    let mut paced = |bytes| {
        throttle(bytes);
        true
    };
    if let Err(reason) = reread(located, data, meta, &header, hashing, &mut paced)? {
        return Ok(VerifyOutcome::Corrupt(reason));
    }
    Ok(recorded
        .and_then(|recorded| compare(located, &recorded, &hasher.finish()))
        .map_or(VerifyOutcome::Healthy, VerifyOutcome::Corrupt))
}

/// The digests of a finalized replica, as [`digests`] found them.
pub(super) enum Hashed {
    /// Already in the meta header.
    Recorded(Digests),
    /// Pending, computed now from data whose every chunk matched its CRC:
    /// the caller records them.
    Computed(Digests),
    /// Why the replica is corrupt.
    Corrupt(String),
}

/// The digests of a finalized replica: the recorded ones, or (pending) the
/// ones computed now. Hashing stops with `Interrupted` once `stop` is set.
pub(super) fn digests(
    located: &Located,
    data: &File,
    meta: &File,
    stop: &AtomicBool,
) -> Result<Hashed, StorageError> {
    let header = match checked_header(located, data, meta)? {
        Ok(header) => header,
        Err(reason) => return Ok(Hashed::Corrupt(reason)),
    };
    if let DigestState::Recorded(digests) = header.digests {
        return Ok(Hashed::Recorded(digests));
    }
    let mut hasher = BlockHasher::default();
    let mut go_on = |_| !stop.load(Ordering::Relaxed);
    Ok(
        match reread(located, data, meta, &header, Some(&mut hasher), &mut go_on)? {
            Ok(()) => Hashed::Computed(hasher.finish()),
            Err(reason) => Hashed::Corrupt(reason),
        },
    )
}

/// The meta header, if it is readable and (finalized) the files have the
/// replica's lengths and the header marks it finalized; else why not.
fn checked_header(
    located: &Located,
    data: &File,
    meta: &File,
) -> Result<Result<MetaHeader, String>, StorageError> {
    let header = match MetaHeader::read(meta, &located.meta) {
        Ok(header) => header,
        Err(err @ StorageError::Malformed { .. }) => return Ok(Err(err.to_string())),
        Err(err) => return Err(err),
    };
    if located.info.state != ReplicaState::Finalized {
        return Ok(Ok(header));
    }
    if header.digests == DigestState::Unset {
        return Ok(Err(format!(
            "{} records no digests",
            located.meta.display()
        )));
    }
    let length = located.info.length;
    let file_len = |file: &File, path: &Path| {
        file.metadata()
            .map(|metadata| metadata.len())
            .map_err(io_error(format!("cannot stat {}", path.display())))
    };
    let data_len = file_len(data, &located.data)?;
    if data_len != length {
        return Ok(Err(format!(
            "{} has {data_len} bytes, the replica has {length}",
            located.data.display()
        )));
    }
    let meta_len = file_len(meta, &located.meta)?;
    let expected = meta::meta_file_len(length, header.bytes_per_checksum);
    if meta_len != expected {
        return Ok(Err(format!(
            "{} has {meta_len} bytes, {expected} expected",
            located.meta.display()
        )));
    }
    Ok(Ok(header))
}

/// Reads the replica's `length` bytes, checking every chunk against its CRC
/// and feeding them to `hasher` if given. `Err` says which chunk failed.
/// `go_on` gets each run's byte count before the run is read; false stops
/// the re-read with `Interrupted`.
fn reread(
    located: &Located,
    data: &File,
    meta: &File,
    header: &MetaHeader,
    mut hasher: Option<&mut BlockHasher>,
    go_on: &mut dyn FnMut(u64) -> bool,
) -> Result<Result<(), String>, StorageError> {
    let bytes_per_checksum = u64::from(header.bytes_per_checksum);
    let length = located.info.length;
    let run_len = (VERIFY_RUN / bytes_per_checksum).max(1) * bytes_per_checksum;
    let mut buffer = vec![0u8; run_len.min(length) as usize];
    let mut crc_bytes = Vec::new();
    let mut crcs = Vec::new();
    let mut offset = 0;
    while offset < length {
        let count = run_len.min(length - offset);
        if !go_on(count) {
            return Err(StorageError::Interrupted(located.info.block_id));
        }
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
                    return Ok(Err(format!(
                        "{} ends before the replica's {length} bytes",
                        path.display()
                    )));
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
                return Ok(Err(format!(
                    "checksum mismatch in chunk {chunk_index} at offset {} of {}",
                    chunk_index * bytes_per_checksum,
                    located.data.display()
                )));
            }
        }
        if let Some(hasher) = hasher.as_deref_mut() {
            hasher.update(run);
        }
        offset += count;
    }
    Ok(Ok(()))
}

/// Why `computed` does not match `recorded`, if it does not.
fn compare(located: &Located, recorded: &Digests, computed: &Digests) -> Option<String> {
    if computed.md5 != recorded.md5 {
        return Some(format!(
            "MD5 of {} is {}, {} recorded",
            located.data.display(),
            hex(&computed.md5),
            hex(&recorded.md5)
        ));
    }
    if computed.sha1 != recorded.sha1 {
        return Some(format!(
            "SHA-1 of {} is {}, {} recorded",
            located.data.display(),
            hex(&computed.sha1),
            hex(&recorded.sha1)
        ));
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
