//! Startup scan: finds every replica of a block pool on the volumes, checks
//! finalized ones by their meta header and lengths, cuts rbw ones to their
//! longest valid prefix, and sets aside whatever is inconsistent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use tracing::{info, warn};

use super::meta::{self, DigestState, MetaHeader};
use super::volume::{self, BlockFileName, Volume};
use super::{ReplicaInfo, ReplicaState, StorageError, io_error};

/// A replica found on disk.
pub struct FoundReplica {
    pub info: ReplicaInfo,
    pub volume: usize,
    pub bytes_per_checksum: u32,
    /// Finalized before its digests were recorded: the digester owes them.
    pub digests_pending: bool,
    data: PathBuf,
    meta: PathBuf,
}

/// A data file and its meta file in one directory.
struct FilePair {
    block_id: u64,
    generation_stamp: u64,
    data: PathBuf,
    meta: PathBuf,
}

/// Every replica of `pool`, one per block id; duplicates are set aside.
pub fn scan_volumes(
    volumes: &[Volume],
    pool: &str,
) -> Result<HashMap<u64, FoundReplica>, StorageError> {
    let mut replicas: HashMap<u64, FoundReplica> = HashMap::new();
    for (index, volume) in volumes.iter().enumerate() {
        for found in scan_volume(volume, index, pool)? {
            let Some(kept) = replicas.remove(&found.info.block_id) else {
                replicas.insert(found.info.block_id, found);
                continue;
            };
            let (winner, loser) = if rank(&found) > rank(&kept) {
                (found, kept)
            } else {
                (kept, found)
            };
            if same_file(&winner.data, &loser.data) && same_file(&winner.meta, &loser.meta) {
                // A finalize interrupted after linking the files into finalized/.
                remove_links(&loser);
            } else {
                let reason = format!("duplicate of {}", winner.data.display());
                set_aside_pair(&loser.data, &loser.meta, &reason);
            }
            replicas.insert(winner.info.block_id, winner);
        }
    }
    Ok(replicas)
}

/// Whether two paths are hard links of one file.
fn same_file(left: &Path, right: &Path) -> bool {
    match (fs::metadata(left), fs::metadata(right)) {
        (Ok(left), Ok(right)) => (left.dev(), left.ino()) == (right.dev(), right.ino()),
        _ => false,
    }
}

/// Removes the rbw links of a replica whose finalize was interrupted.
fn remove_links(replica: &FoundReplica) {
    for path in [&replica.data, &replica.meta] {
        match fs::remove_file(path) {
            Ok(()) => info!(file = %path.display(), "removed the rbw link of a finalized replica"),
            Err(err) => {
                warn!(file = %path.display(), error = %err, "cannot remove the rbw link of a finalized replica")
            }
        }
    }
}

/// Which of two replicas of one block to keep: newest stamp, then finalized, then longest.
fn rank(replica: &FoundReplica) -> (u64, bool, u64) {
    let info = &replica.info;
    (
        info.generation_stamp,
        info.state == ReplicaState::Finalized,
        info.length,
    )
}

fn scan_volume(
    volume: &Volume,
    index: usize,
    pool: &str,
) -> Result<Vec<FoundReplica>, StorageError> {
    let mut found = Vec::new();
    for pair in pair_files(&volume.rbw_dir(pool))? {
        match recover_rbw(&pair) {
            Ok((length, bytes_per_checksum)) => found.push(pair.into_found(
                index,
                (length, bytes_per_checksum, false),
                ReplicaState::Rbw,
            )),
            Err(reason) => set_aside_pair(&pair.data, &pair.meta, &reason),
        }
    }
    let finalized = volume.finalized_dir(pool);
    for first in subdirs(&finalized)? {
        for leaf in subdirs(&first)? {
            for pair in pair_files(&leaf)? {
                if volume::finalized_subdir(&finalized, pair.block_id) != leaf {
                    warn!(file = %pair.data.display(), "ignoring a replica outside its finalized subdir");
                    continue;
                }
                match check_finalized(&pair) {
                    Ok(length) => {
                        found.push(pair.into_found(index, length, ReplicaState::Finalized))
                    }
                    Err(reason) => set_aside_pair(&pair.data, &pair.meta, &reason),
                }
            }
        }
    }
    Ok(found)
}

impl FilePair {
    fn into_found(
        self,
        volume: usize,
        (length, bytes_per_checksum, digests_pending): (u64, u32, bool),
        state: ReplicaState,
    ) -> FoundReplica {
        FoundReplica {
            info: ReplicaInfo {
                block_id: self.block_id,
                generation_stamp: self.generation_stamp,
                length,
                state,
            },
            volume,
            bytes_per_checksum,
            digests_pending,
            data: self.data,
            meta: self.meta,
        }
    }
}

/// The `subdir*` directories in `dir`.
fn subdirs(dir: &Path) -> Result<Vec<PathBuf>, StorageError> {
    let context = || format!("cannot list {}", dir.display());
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(context()))? {
        let entry = entry.map_err(io_error(context()))?;
        let is_dir = entry.file_type().map_err(io_error(context()))?.is_dir();
        if is_dir && entry.file_name().to_string_lossy().starts_with("subdir") {
            dirs.push(entry.path());
        } else {
            warn!(file = %entry.path().display(), "ignoring an unexpected entry in finalized");
        }
    }
    Ok(dirs)
}

/// Pairs data and meta files by block id; a lone file, or a meta file with
/// an older stamp than its sibling, is set aside.
fn pair_files(dir: &Path) -> Result<Vec<FilePair>, StorageError> {
    let context = || format!("cannot list {}", dir.display());
    let mut data_files = BTreeMap::new();
    let mut meta_files: BTreeMap<u64, Vec<(u64, PathBuf)>> = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(io_error(context()))? {
        let entry = entry.map_err(io_error(context()))?;
        let name = entry.file_name();
        match volume::parse_block_file_name(&name.to_string_lossy()) {
            Some(BlockFileName::Data { block_id }) => {
                data_files.insert(block_id, entry.path());
            }
            Some(BlockFileName::Meta {
                block_id,
                generation_stamp,
            }) => {
                meta_files
                    .entry(block_id)
                    .or_default()
                    .push((generation_stamp, entry.path()));
            }
            None => {}
        }
    }
    let block_ids: BTreeSet<u64> = data_files
        .keys()
        .chain(meta_files.keys())
        .copied()
        .collect();
    let mut pairs = Vec::new();
    for block_id in block_ids {
        let mut metas = meta_files.remove(&block_id).unwrap_or_default();
        metas.sort();
        let newest = metas.pop();
        for (_, stale) in &metas {
            set_aside(stale, "a newer meta file exists");
        }
        match (data_files.remove(&block_id), newest) {
            (Some(data), Some((generation_stamp, meta))) => pairs.push(FilePair {
                block_id,
                generation_stamp,
                data,
                meta,
            }),
            (Some(data), None) => set_aside(&data, "no meta file"),
            (None, Some((_, meta))) => set_aside(&meta, "no data file"),
            (None, None) => {}
        }
    }
    Ok(pairs)
}

/// (length, bytes per checksum, digests pending) of a finalized replica, or
/// why it is corrupt.
fn check_finalized(pair: &FilePair) -> Result<(u64, u32, bool), String> {
    let meta_file = File::open(&pair.meta)
        .map_err(|err| format!("cannot open {}: {err}", pair.meta.display()))?;
    let header = MetaHeader::read(&meta_file, &pair.meta).map_err(|err| err.to_string())?;
    let digests_pending = match header.digests {
        DigestState::Unset => return Err("finalized replica without digests".to_string()),
        DigestState::Pending => true,
        DigestState::Recorded(_) => false,
    };
    let data_len = file_len(&pair.data)?;
    let meta_len = file_len(&pair.meta)?;
    let expected = meta::meta_file_len(data_len, header.bytes_per_checksum);
    if meta_len != expected {
        return Err(format!(
            "meta file has {meta_len} bytes, {expected} expected for {data_len} bytes of data"
        ));
    }
    Ok((data_len, header.bytes_per_checksum, digests_pending))
}

/// Cuts an rbw replica to its longest valid prefix: whole chunks that have a
/// CRC, then the longest prefix of the last chunk that matches its CRC (a
/// crash may leave bytes past the last acknowledged partial chunk). Returns
/// (length, bytes per checksum), or why the replica is unusable.
fn recover_rbw(pair: &FilePair) -> Result<(u64, u32), String> {
    let open = |path: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|err| format!("cannot open {}: {err}", path.display()))
    };
    let (data, meta_file) = (open(&pair.data)?, open(&pair.meta)?);
    let header = MetaHeader::read(&meta_file, &pair.meta).map_err(|err| err.to_string())?;
    let bytes_per_checksum = u64::from(header.bytes_per_checksum);
    let data_len = file_len(&pair.data)?;
    let meta_len = file_len(&pair.meta)?;
    let crc_count = (meta_len - meta::HEADER_LEN) / meta::CRC_LEN;
    let mut length = data_len.min(crc_count * bytes_per_checksum);
    if length > 0 {
        let last_start = (length - 1) / bytes_per_checksum * bytes_per_checksum;
        let mut chunk = vec![0u8; (length - last_start) as usize];
        data.read_exact_at(&mut chunk, last_start)
            .map_err(read_error(&pair.data))?;
        let mut stored = [0u8; meta::CRC_LEN as usize];
        let crc_at = meta::crc_offset(last_start / bytes_per_checksum);
        meta_file
            .read_exact_at(&mut stored, crc_at)
            .map_err(read_error(&pair.meta))?;
        length = last_start + valid_prefix(&chunk, u32::from_be_bytes(stored));
    }
    let meta_wanted = meta::meta_file_len(length, header.bytes_per_checksum);
    if data_len > length || meta_len > meta_wanted {
        let truncate = |file: &File, len: u64, path: &Path| {
            file.set_len(len)
                .and_then(|()| file.sync_all())
                .map_err(|err| format!("cannot truncate {}: {err}", path.display()))
        };
        truncate(&data, length, &pair.data)?;
        truncate(&meta_file, meta_wanted, &pair.meta)?;
        info!(
            block_id = pair.block_id,
            data_len, length, "cut rbw replica to its valid prefix"
        );
    }
    Ok((length, header.bytes_per_checksum))
}

/// The length of the longest prefix of `chunk` whose CRC32C is `stored` (0 if none).
fn valid_prefix(chunk: &[u8], stored: u32) -> u64 {
    let mut crc = 0;
    let mut valid = 0;
    for (index, byte) in chunk.iter().enumerate() {
        crc = crc32c::crc32c_append(crc, std::slice::from_ref(byte));
        if crc == stored {
            valid = index as u64 + 1;
        }
    }
    valid
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> String + '_ {
    move |err| format!("cannot read {}: {err}", path.display())
}

fn file_len(path: &Path) -> Result<u64, String> {
    fs::metadata(path)
        .map(|metadata| metadata.len())
        .map_err(|err| format!("cannot stat {}: {err}", path.display()))
}

fn set_aside_pair(data: &Path, meta: &Path, reason: &str) {
    set_aside(data, reason);
    set_aside(meta, reason);
}

/// Renames a file aside as `.corrupt`, logging why; failures are logged too.
fn set_aside(path: &Path, reason: &str) {
    match common::durable::set_aside_corrupt(path) {
        Ok(aside) => {
            warn!(file = %path.display(), aside = %aside.display(), reason, "set corrupt replica file aside")
        }
        Err(err) => {
            warn!(file = %path.display(), reason, error = %err, "cannot set corrupt replica file aside")
        }
    }
}
