//! `ReplicaWriter`: appends packets to an rbw replica and finalizes it.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::{debug, info, warn};

use super::meta;
use super::replica_map::{Located, StoreInner};
use super::volume;
use super::{BlockKey, ReplicaInfo, ReplicaState, StorageError, io_error, write_error};

/// Writes one replica being written. Dropping it without `finalize` or
/// `abandon` leaves the rbw replica on disk, as a crash would.
pub struct ReplicaWriter {
    store: Arc<StoreInner>,
    block: BlockKey,
    /// Proves this writer still owns the replica's map entry.
    epoch: u64,
    volume: usize,
    bytes_per_checksum: u32,
    data_path: PathBuf,
    meta_path: PathBuf,
    data: File,
    meta: File,
    bytes_written: u64,
    crc_bytes: Vec<u8>,
    /// Data before this offset has had its writeback started.
    writeback_started_to: u64,
    /// With drop-behind, data before this offset has been dropped from the
    /// page cache.
    dropped_to: u64,
    /// Disk space is allocated up to here (beyond the file's length, which
    /// it does not change); None once allocating ahead failed.
    allocated_to: Option<u64>,
}

/// Writeback of a replica's data starts every this many bytes (Hadoop's
/// sync-behind-writes), so the fsync at finalize has little left to flush
/// (it waits for at most this much) and the disk works while the network
/// streams.
const WRITEBACK_INTERVAL: u64 = 1024 * 1024;

/// With drop-behind, data this far behind the newest writeback stays in the
/// page cache (Hadoop's CACHE_DROP_LAG_BYTES): its writeback is likely still
/// running, and the kernel keeps dirty pages anyway.
const DROP_BEHIND_LAG: u64 = 8 * 1024 * 1024;

/// Disk space is allocated ahead of the writes in steps of this many bytes
/// (`fallocate` keeping the file's size): writing into allocated space
/// spares the file system its per-page delayed-allocation work. Finalize
/// releases what the replica did not use.
const ALLOCATION_STEP: u64 = 8 * 1024 * 1024;

impl ReplicaWriter {
    /// A writer positioned at `located.info.length`.
    pub(super) fn new(store: Arc<StoreInner>, located: Located, data: File, meta: File) -> Self {
        store.writer_opened();
        Self {
            store,
            block: BlockKey {
                id: located.info.block_id,
                generation_stamp: located.info.generation_stamp,
            },
            epoch: located.epoch,
            volume: located.volume,
            bytes_per_checksum: located.bytes_per_checksum,
            data_path: located.data,
            meta_path: located.meta,
            data,
            meta,
            bytes_written: located.info.length,
            crc_bytes: Vec::new(),
            writeback_started_to: located.info.length,
            dropped_to: 0,
            allocated_to: Some(located.info.length),
        }
    }

    /// Allocates disk space for the data up to `end` ahead, a step at a
    /// time. Only a hint: a failure (no space, no support) stops it, and the
    /// writes themselves report a full disk.
    fn allocate_ahead(&mut self, end: u64) {
        let Some(allocated_to) = self.allocated_to.filter(|allocated| end > *allocated) else {
            return;
        };
        let from = allocated_to.max(self.bytes_written);
        let to = end.next_multiple_of(ALLOCATION_STEP);
        // SAFETY: fallocate on a file descriptor this writer owns.
        let result = unsafe {
            libc::fallocate(
                std::os::fd::AsRawFd::as_raw_fd(&self.data),
                libc::FALLOC_FL_KEEP_SIZE,
                from as libc::off_t,
                (to - from) as libc::off_t,
            )
        };
        if result == 0 {
            self.allocated_to = Some(to);
        } else {
            debug!(block_id = self.block.id, error = %io::Error::last_os_error(), "cannot allocate replica space ahead");
            self.allocated_to = None;
        }
    }

    /// Starts the writeback of what was written since the last call, once
    /// that is `WRITEBACK_INTERVAL` or more, and with drop-behind drops what
    /// lies `DROP_BEHIND_LAG` before it from the page cache.
    fn write_behind(&mut self) {
        let from = self.writeback_started_to;
        let len = self.bytes_written.saturating_sub(from);
        if len < WRITEBACK_INTERVAL {
            return;
        }
        common::os::start_writeback(&self.data, from, len);
        self.writeback_started_to = self.bytes_written;
        let drop_to = from.saturating_sub(DROP_BEHIND_LAG);
        if self.store.drop_cache_behind_writes() && drop_to > self.dropped_to {
            common::os::drop_from_cache(&self.data, self.dropped_to, drop_to - self.dropped_to);
            self.dropped_to = drop_to;
        }
    }

    /// The block being written.
    pub fn block(&self) -> BlockKey {
        self.block
    }

    /// Bytes of data in the replica so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Appends one packet: `data` at `offset_in_block` with one CRC per chunk
    /// (`checksums.len() == ceil(data.len() / bpc)`). The offset must be
    /// chunk-aligned and at most `bytes_written()`; the part of a resent
    /// packet already written is skipped. Only a block's last packet may end
    /// in a partial chunk, and only the first packet of an append may start
    /// in one (see `write_mid_chunk`). The checksums are trusted (the caller
    /// verified them).
    pub fn write_packet(
        &mut self,
        offset_in_block: u64,
        data: &[u8],
        checksums: &[u32],
    ) -> Result<(), StorageError> {
        let bytes_per_checksum = u64::from(self.bytes_per_checksum);
        let block_id = self.block.id;
        // The empty packet ending a block carries no data, at a maybe unaligned offset.
        if data.is_empty() && checksums.is_empty() && offset_in_block <= self.bytes_written {
            return Ok(());
        }
        if !offset_in_block.is_multiple_of(bytes_per_checksum)
            && offset_in_block == self.bytes_written
        {
            return self.write_mid_chunk(data, checksums);
        }
        if !offset_in_block.is_multiple_of(bytes_per_checksum) {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: packet offset {offset_in_block} is not a multiple of {bytes_per_checksum} bytes per checksum"
            )));
        }
        if offset_in_block > self.bytes_written {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: packet at offset {offset_in_block} leaves a gap after {} bytes written",
                self.bytes_written
            )));
        }
        let chunks = meta::chunk_count(data.len() as u64, self.bytes_per_checksum);
        if checksums.len() as u64 != chunks {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: packet of {} bytes has {} checksums, {chunks} expected",
                data.len(),
                checksums.len()
            )));
        }
        self.store.check_owned(block_id, self.epoch)?;
        let end = offset_in_block + data.len() as u64;
        if end <= self.bytes_written {
            return Ok(());
        }
        let fresh = &data[(self.bytes_written - offset_in_block) as usize..];
        // The chunk holding `bytes_written` gets a new CRC, even if it is partial on disk.
        let first_chunk = self.bytes_written / bytes_per_checksum;
        let first_checksum = (first_chunk - offset_in_block / bytes_per_checksum) as usize;
        self.allocate_ahead(end);
        let volume_root = &self.store.volumes[self.volume].root;
        self.data
            .write_all_at(fresh, self.bytes_written)
            .map_err(write_error(volume_root, &self.data_path))?;
        self.crc_bytes.clear();
        meta::encode_crcs(&checksums[first_checksum..], &mut self.crc_bytes);
        self.meta
            .write_all_at(&self.crc_bytes, meta::crc_offset(first_chunk))
            .map_err(write_error(volume_root, &self.meta_path))?;
        self.bytes_written = end;
        self.write_behind();
        let partial_last_crc = checksums
            .last()
            .copied()
            .filter(|_| !end.is_multiple_of(bytes_per_checksum));
        self.store
            .publish_length(block_id, self.epoch, end, partial_last_crc)
    }

    /// The first packet of an append to a replica ending in a partial chunk
    /// (as HDFS's BlockReceiver takes it): it starts at the replica's end and
    /// stays within that chunk, with one CRC over its own bytes. The chunk's
    /// stored CRC is extended over them (the CRC32C of a concatenation,
    /// without reading the chunk's data again).
    fn write_mid_chunk(&mut self, data: &[u8], checksums: &[u32]) -> Result<(), StorageError> {
        let block_id = self.block.id;
        let bytes_per_checksum = u64::from(self.bytes_per_checksum);
        let offset = self.bytes_written;
        let end = offset + data.len() as u64;
        if end > offset.next_multiple_of(bytes_per_checksum) || checksums.len() != 1 {
            return Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: a packet starting inside a chunk (at {offset}) must end within it, with one checksum; it has {} bytes and {} checksums",
                data.len(),
                checksums.len()
            )));
        }
        self.store.check_owned(block_id, self.epoch)?;
        let chunk = offset / bytes_per_checksum;
        let mut stored = [0u8; meta::CRC_LEN as usize];
        self.meta
            .read_exact_at(&mut stored, meta::crc_offset(chunk))
            .map_err(io_error(format!(
                "cannot read {}",
                self.meta_path.display()
            )))?;
        let crc = crc32c::crc32c_append(u32::from_be_bytes(stored), data);
        let volume_root = &self.store.volumes[self.volume].root;
        self.data
            .write_all_at(data, offset)
            .map_err(write_error(volume_root, &self.data_path))?;
        self.meta
            .write_all_at(&crc.to_be_bytes(), meta::crc_offset(chunk))
            .map_err(write_error(volume_root, &self.meta_path))?;
        self.bytes_written = end;
        let partial_last_crc = Some(crc).filter(|_| !end.is_multiple_of(bytes_per_checksum));
        self.store
            .publish_length(block_id, self.epoch, end, partial_last_crc)
    }

    /// Makes what was written so far durable (Hadoop's hsync: a packet
    /// with `syncBlock`); the replica stays being written. Blocking: it
    /// fsyncs.
    pub fn sync(&mut self) -> Result<(), StorageError> {
        self.store.check_owned(self.block.id, self.epoch)?;
        let sync = |file: &File, path: &Path| {
            file.sync_data()
                .map_err(io_error(format!("cannot fsync {}", path.display())))
        };
        sync(&self.data, &self.data_path)?;
        sync(&self.meta, &self.meta_path)
    }

    /// Makes the replica durable and final: marks its digests pending in the
    /// meta header, fsyncs data and meta, then moves both files into
    /// `finalized/subdirA/subdirB` (fsyncing the directories) and queues the
    /// replica for the digester, which records its MD5 and SHA-1 shortly
    /// after, off the write path.
    pub fn finalize(self) -> Result<ReplicaInfo, StorageError> {
        fail::fail_point!("datanode::finalize", |_| Err(StorageError::Io {
            context: format!("finalizing blk_{}", self.block.id),
            source: std::io::Error::other("injected finalize failure"),
        }));
        let block_id = self.block.id;
        self.store.check_owned(block_id, self.epoch)?;
        let volume = &self.store.volumes[self.volume];
        if self
            .allocated_to
            .is_some_and(|allocated| allocated > self.bytes_written)
        {
            // Releases the space allocated ahead but not written.
            self.data
                .set_len(self.bytes_written)
                .map_err(write_error(&volume.root, &self.data_path))?;
        }
        let sync = |file: &File, path: &Path| {
            file.sync_all()
                .map_err(io_error(format!("cannot fsync {}", path.display())))
        };
        // The meta file is written back while the data fsync waits, so its
        // own fsync has little left to do.
        meta::write_pending(&self.meta).map_err(write_error(&volume.root, &self.meta_path))?;
        common::os::start_writeback(&self.meta, 0, 0);
        sync(&self.data, &self.data_path)?;
        sync(&self.meta, &self.meta_path)?;
        if self.store.drop_cache_behind_writes() {
            common::os::drop_from_cache(&self.data, 0, 0);
        }

        let pool = self.store.block_pool()?;
        let (final_data, final_meta) =
            self.store
                .replica_paths(&pool, self.volume, self.block, ReplicaState::Finalized);
        // Hard links first, so the files are always where the map says; the
        // rbw names go once the map points at finalized/.
        let links = [
            (self.data_path.as_path(), final_data.as_path()),
            (&self.meta_path, &final_meta),
        ];
        link_into_finalized(&volume.root, &volume.finalized_dir(&pool), links)?;
        if let Err(err) = self
            .store
            .mark_finalized(block_id, self.epoch, self.bytes_written)
        {
            remove_quietly(&[&final_data, &final_meta]);
            return Err(err);
        }
        // No fsync of rbw/ after this: a crash that undoes the unlinks leaves
        // rbw links to the finalized files, which the startup scan removes.
        remove_quietly(&[&self.data_path, &self.meta_path]);
        info!(
            block_id,
            generation_stamp = self.block.generation_stamp,
            length = self.bytes_written,
            "finalized replica"
        );
        Ok(ReplicaInfo {
            block_id,
            generation_stamp: self.block.generation_stamp,
            length: self.bytes_written,
            state: ReplicaState::Finalized,
        })
    }

    /// Deletes the partial replica (unless another writer took it over).
    pub fn abandon(self) -> Result<(), StorageError> {
        if !self.store.forget_owned(self.block.id, self.epoch) {
            debug!(
                block_id = self.block.id,
                "abandoned writer no longer owns its replica"
            );
            return Ok(());
        }
        for path in [&self.data_path, &self.meta_path] {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(io_error(format!("cannot delete {}", path.display()))(err)),
            }
        }
        Ok(())
    }
}

impl Drop for ReplicaWriter {
    fn drop(&mut self) {
        self.store.writer_closed();
    }
}

/// Hard-links each (rbw, finalized) pair and fsyncs the directories that
/// changed; on failure no link made here is left behind.
fn link_into_finalized(
    volume_root: &Path,
    finalized: &Path,
    links: [(&Path, &Path); 2],
) -> Result<(), StorageError> {
    let leaf = links[0].1.parent().unwrap_or(finalized);
    let new_dirs = !leaf.is_dir();
    fs::create_dir_all(leaf).map_err(write_error(volume_root, leaf))?;
    let mut made: Vec<&Path> = Vec::new();
    let mut linked = Ok(());
    for (from, to) in links {
        linked = fs::hard_link(from, to).map_err(|err| match err.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => write_error(volume_root, to)(err),
            _ => io_error(format!(
                "cannot link {} to {}",
                from.display(),
                to.display()
            ))(err),
        });
        if linked.is_err() {
            break;
        }
        made.push(to);
    }
    let mut dirs = vec![leaf];
    if new_dirs {
        dirs.extend(leaf.parent());
        dirs.push(finalized);
    }
    let synced = linked.and_then(|()| {
        dirs.into_iter().try_for_each(|dir| {
            volume::sync_dir(dir).map_err(io_error(format!("cannot fsync {}", dir.display())))
        })
    });
    if synced.is_err() {
        remove_quietly(&made);
    }
    synced
}

fn remove_quietly(paths: &[&Path]) {
    for path in paths {
        if let Err(err) = fs::remove_file(path)
            && err.kind() != io::ErrorKind::NotFound
        {
            warn!(file = %path.display(), error = %err, "cannot remove replica file");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;

    use super::*;
    use crate::storage::BlockStore;

    #[test]
    fn a_full_disk_is_a_clear_error_naming_the_volume() {
        let temp = tempfile::tempdir().unwrap();
        let dirs = vec![temp.path().join("vol")];
        let store = BlockStore::open(&dirs, 512).unwrap();
        store.set_cluster("CID-1", "BP-1").unwrap();
        let mut writer = store
            .create_rbw(BlockKey {
                id: 1,
                generation_stamp: 1,
            })
            .unwrap();
        // /dev/full fails every write with ENOSPC, as a full file system does.
        writer.data = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let data = [7u8; 100];
        let err = writer
            .write_packet(0, &data, &[crc32c::crc32c(&data)])
            .unwrap_err();
        assert!(matches!(err, StorageError::DiskFull { .. }), "{err:?}");
        let expected = format!(
            "volume {} is full: cannot write {}",
            dirs[0].display(),
            writer.data_path.display()
        );
        assert_eq!(err.to_string(), expected);
        assert_eq!(
            (writer.bytes_written(), store.replica(1).unwrap().length),
            (0, 0)
        );
    }
}
