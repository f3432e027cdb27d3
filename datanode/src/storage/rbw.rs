//! Opening writers: new rbw replicas (`create_rbw`), recovered ones
//! (`recover_rbw`) and finalized ones reopened for an append (`append`).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use tracing::{info, warn};

use super::meta::{self, MetaHeader};
use super::replica_map::{Located, StoreInner};
use super::volume;
use super::writer::ReplicaWriter;
use super::{BlockKey, ReplicaState, StorageError, io_error, open_error, write_error};

/// A new empty replica on the volume with the most free space.
pub(super) fn create(
    store: &Arc<StoreInner>,
    block: BlockKey,
) -> Result<ReplicaWriter, StorageError> {
    let located = store.reserve_rbw(block, store.choose_volume())?;
    let volume_root = &store.volumes[located.volume].root;
    match create_files(volume_root, &located, store.bytes_per_checksum) {
        Ok((data, meta)) => Ok(ReplicaWriter::new(Arc::clone(store), located, data, meta)),
        Err(err) => {
            store.forget_owned(block.id, located.epoch);
            Err(err)
        }
    }
}

/// Takes an rbw replica over at `new_generation_stamp`, cut to `bytes_acked`.
pub(super) fn recover(
    store: &Arc<StoreInner>,
    block_id: u64,
    new_generation_stamp: u64,
    bytes_acked: u64,
) -> Result<ReplicaWriter, StorageError> {
    let mut located = store.take_over_rbw(block_id, new_generation_stamp, bytes_acked)?;
    let open = |path: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|err| open_error(block_id, path, err))
    };
    let (data, meta) = (open(&located.data)?, open(&located.meta)?);
    let volume_root = &store.volumes[located.volume].root;
    cut(volume_root, &located, &data, &meta)?;
    if located.info.generation_stamp != new_generation_stamp {
        let old_meta = located.meta.clone();
        located
            .meta
            .set_file_name(volume::meta_file_name(block_id, new_generation_stamp));
        fs::rename(&old_meta, &located.meta).map_err(io_error(format!(
            "cannot rename {} to {}",
            old_meta.display(),
            located.meta.display()
        )))?;
        let dir = located.meta.parent().unwrap_or(Path::new("."));
        volume::sync_dir(dir).map_err(io_error(format!("cannot fsync {}", dir.display())))?;
    }
    store.set_generation_stamp(block_id, located.epoch, new_generation_stamp)?;
    located.info.generation_stamp = new_generation_stamp;
    info!(
        block_id,
        generation_stamp = new_generation_stamp,
        length = located.info.length,
        "recovered rbw replica"
    );
    Ok(ReplicaWriter::new(Arc::clone(store), located, data, meta))
}

/// Append: reopens the replica of `block_id`, which must hold `length`
/// bytes, as rbw at `new_generation_stamp`. A finalized replica's files are
/// moved back to `rbw/` (linked there, then unlinked from `finalized/`, so a
/// crash leaves one of them, and the scan keeps the newer stamp) and its
/// digests are dropped; an rbw one (an earlier attempt of this append got
/// that far) is recovered at `length`.
pub(super) fn reopen(
    store: &Arc<StoreInner>,
    block_id: u64,
    new_generation_stamp: u64,
    length: u64,
    bytes_per_checksum: u32,
) -> Result<ReplicaWriter, StorageError> {
    let located = store.locate(block_id)?;
    let wrong_length = |had: u64| {
        StorageError::InvalidArgument(format!(
            "blk_{block_id}: the append expects {length} bytes, the replica has {had}"
        ))
    };
    if located.bytes_per_checksum != bytes_per_checksum {
        return Err(StorageError::InvalidArgument(format!(
            "blk_{block_id}: the append writes {bytes_per_checksum} bytes per checksum, the replica has {}",
            located.bytes_per_checksum
        )));
    }
    if located.info.state == ReplicaState::Rbw {
        let writer = recover(store, block_id, new_generation_stamp, length)?;
        if writer.bytes_written() != length {
            return Err(wrong_length(writer.bytes_written()));
        }
        return Ok(writer);
    }
    if located.info.generation_stamp > new_generation_stamp {
        return Err(StorageError::GenerationStamp {
            block_id,
            replica: located.info.generation_stamp,
            requested: new_generation_stamp,
            operation: "an append needs at most",
        });
    }
    if located.info.length != length {
        return Err(wrong_length(located.info.length));
    }
    let open = |path: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|err| open_error(block_id, path, err))
    };
    let (data, meta) = (open(&located.data)?, open(&located.meta)?);
    let bytes_per_checksum = u64::from(bytes_per_checksum);
    let partial_chunk_crc = if length.is_multiple_of(bytes_per_checksum) {
        None
    } else {
        let mut stored = [0u8; meta::CRC_LEN as usize];
        meta.read_exact_at(&mut stored, meta::crc_offset(length / bytes_per_checksum))
            .map_err(io_error(format!("cannot read {}", located.meta.display())))?;
        Some(u32::from_be_bytes(stored))
    };
    let pool = store.block_pool()?;
    let reopened_key = BlockKey {
        id: block_id,
        generation_stamp: new_generation_stamp,
    };
    let (rbw_data, rbw_meta) =
        store.replica_paths(&pool, located.volume, reopened_key, ReplicaState::Rbw);
    let volume_root = &store.volumes[located.volume].root;
    let mut linked: Vec<&Path> = Vec::new();
    let mut linking = Ok(());
    for (from, to) in [(&located.data, &rbw_data), (&located.meta, &rbw_meta)] {
        linking = fs::hard_link(from, to).map_err(write_error(volume_root, to));
        if linking.is_err() {
            break;
        }
        linked.push(to);
    }
    let rbw_dir = rbw_data.parent().unwrap_or(Path::new("."));
    let reopened = linking
        .and_then(|()| {
            volume::sync_dir(rbw_dir)
                .map_err(io_error(format!("cannot fsync {}", rbw_dir.display())))
        })
        .and_then(|()| {
            store.reopen_finalized(
                block_id,
                located.epoch,
                new_generation_stamp,
                partial_chunk_crc,
            )
        });
    let reopened = match reopened {
        Ok(reopened) => reopened,
        Err(err) => {
            remove_links(&linked);
            return Err(err);
        }
    };
    // From here the map says rbw/: the finalized names go, and the header
    // drops the digests, which the next finalize marks pending again.
    for path in [&located.data, &located.meta] {
        fs::remove_file(path).map_err(io_error(format!("cannot unlink {}", path.display())))?;
    }
    let finalized_dir = located.data.parent().unwrap_or(Path::new("."));
    volume::sync_dir(finalized_dir).map_err(io_error(format!(
        "cannot fsync {}",
        finalized_dir.display()
    )))?;
    let header = MetaHeader::new(reopened.bytes_per_checksum).encode();
    meta.write_all_at(&header, 0)
        .map_err(write_error(volume_root, &reopened.meta))?;
    info!(
        block_id,
        generation_stamp = new_generation_stamp,
        length,
        "reopened finalized replica for an append"
    );
    Ok(ReplicaWriter::new(Arc::clone(store), reopened, data, meta))
}

fn remove_links(paths: &[&Path]) {
    for path in paths {
        if let Err(err) = fs::remove_file(path) {
            warn!(file = %path.display(), error = %err, "cannot remove a link of a failed append");
        }
    }
}

/// Creates the meta file (header only) and the empty data file.
fn create_files(
    volume_root: &Path,
    located: &Located,
    bytes_per_checksum: u32,
) -> Result<(File, File), StorageError> {
    let create = |path: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(write_error(volume_root, path))
    };
    let meta_file = create(&located.meta)?;
    let header = MetaHeader::new(bytes_per_checksum).encode();
    let data_file = meta_file
        .write_all_at(&header, 0)
        .map_err(write_error(volume_root, &located.meta))
        .and_then(|()| create(&located.data));
    match data_file {
        Ok(data_file) => Ok((data_file, meta_file)),
        Err(err) => {
            if let Err(remove) = fs::remove_file(&located.meta) {
                warn!(file = %located.meta.display(), error = %remove, "cannot remove the meta file of a failed create");
            }
            Err(err)
        }
    }
}

/// Cuts a recovered replica's files to `located.info.length`, fixing the CRC
/// of a now-partial last chunk and releasing space allocated past the end.
fn cut(
    volume_root: &Path,
    located: &Located,
    data: &File,
    meta: &File,
) -> Result<(), StorageError> {
    let header = MetaHeader::read(meta, &located.meta)?;
    let bytes_per_checksum = u64::from(header.bytes_per_checksum);
    let length = located.info.length;
    let file_len = |file: &File, path: &Path| {
        file.metadata()
            .map(|metadata| metadata.len())
            .map_err(io_error(format!("cannot stat {}", path.display())))
    };
    let data_len = file_len(data, &located.data)?;
    let meta_len = file_len(meta, &located.meta)?;
    let meta_wanted = meta::meta_file_len(length, header.bytes_per_checksum);
    if data_len < length || meta_len < meta_wanted {
        return Err(StorageError::Malformed {
            path: located.data.clone(),
            reason: format!(
                "{data_len} data and {meta_len} meta bytes are too few for a replica of {length} bytes"
            ),
        });
    }
    // Also releases disk space a crashed writer allocated past the end.
    data.set_len(length)
        .map_err(write_error(volume_root, &located.data))?;
    if data_len > length {
        let partial = length % bytes_per_checksum;
        if partial != 0 {
            let last_start = length - partial;
            let mut chunk = vec![0u8; partial as usize];
            data.read_exact_at(&mut chunk, last_start)
                .map_err(io_error(format!("cannot read {}", located.data.display())))?;
            let crc = crc32c::crc32c(&chunk).to_be_bytes();
            let crc_at = meta::crc_offset(last_start / bytes_per_checksum);
            meta.write_all_at(&crc, crc_at)
                .map_err(write_error(volume_root, &located.meta))?;
        }
    }
    if meta_len > meta_wanted {
        meta.set_len(meta_wanted)
            .map_err(write_error(volume_root, &located.meta))?;
    }
    Ok(())
}
