//! BlockStore tests on temp dirs: round trips, restarts, crashes, damage.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use common::ids::{BlockId, GenerationStamp};
use md5::{Digest, Md5};
use sha1::Sha1;
use tempfile::TempDir;

use super::*;

const BPC: u32 = 512;
const POOL: &str = "BP-1-127.0.0.1-1";
const CLUSTER: &str = "CID-test";

fn open(dirs: &[PathBuf]) -> BlockStore {
    let store = BlockStore::open(dirs, BPC).unwrap();
    store.set_cluster(CLUSTER, POOL).unwrap();
    store
}

fn one_volume() -> (TempDir, Vec<PathBuf>) {
    let temp = tempfile::tempdir().unwrap();
    let dirs = vec![temp.path().join("data1")];
    (temp, dirs)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|index| (index * 31 + index / 7) as u8)
        .collect()
}

fn crcs(data: &[u8]) -> Vec<u32> {
    data.chunks(BPC as usize).map(crc32c::crc32c).collect()
}

fn key(id: u64, generation_stamp: u64) -> BlockKey {
    BlockKey {
        id,
        generation_stamp,
    }
}

/// Writes `data` in packets of `packet` bytes (a multiple of BPC).
fn write_packets(writer: &mut ReplicaWriter, start: usize, data: &[u8], packet: usize) {
    for (index, chunk) in data.chunks(packet).enumerate() {
        let offset = (start + index * packet) as u64;
        writer.write_packet(offset, chunk, &crcs(chunk)).unwrap();
    }
}

/// Writes and finalizes a replica, leaving its digests pending.
fn write_pending(store: &BlockStore, block: BlockKey, data: &[u8]) -> ReplicaInfo {
    let mut writer = store.create_rbw(block).unwrap();
    write_packets(&mut writer, 0, data, 4 * BPC as usize);
    writer.finalize().unwrap()
}

/// Records a finalized replica's digests, as the digester does.
fn record(store: &BlockStore, block_id: u64) -> Digests {
    match store
        .record_digests(block_id, &AtomicBool::new(false))
        .unwrap()
    {
        DigestOutcome::Recorded(digests) => digests,
        DigestOutcome::Corrupt(reason) => panic!("blk_{block_id} is corrupt: {reason}"),
    }
}

/// Writes and finalizes a replica and records its digests.
fn write_block(store: &BlockStore, block: BlockKey, data: &[u8]) -> ReplicaInfo {
    let info = write_pending(store, block, data);
    record(store, block.id);
    info
}

fn digests_of(data: &[u8]) -> Digests {
    Digests {
        md5: Md5::digest(data).into(),
        sha1: Sha1::digest(data).into(),
    }
}

/// The flags byte of a meta file's header.
fn meta_flags(path: &Path) -> u8 {
    fs::read(path).unwrap()[7]
}

/// Reads a replica back, checking the stored CRCs against the data.
fn read_all(store: &BlockStore, block_id: u64) -> Vec<u8> {
    let mut reader = store
        .open_replica(BlockId(block_id), GenerationStamp(0))
        .unwrap();
    let mut out = Vec::new();
    let mut buffer = vec![0u8; 3 * BPC as usize];
    let mut checksums = Vec::new();
    loop {
        let count = reader
            .read_chunks(out.len() as u64, &mut buffer, &mut checksums)
            .unwrap();
        if count == 0 {
            return out;
        }
        assert_eq!(checksums, crcs(&buffer[..count]));
        out.extend_from_slice(&buffer[..count]);
    }
}

/// The path of a file named `name` anywhere under `dir`.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|file| file == name) {
            return Some(path);
        }
    }
    None
}

fn flip_byte(path: &Path, offset: u64) {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut byte = [0u8];
    file.read_exact_at(&mut byte, offset).unwrap();
    file.write_all_at(&[!byte[0]], offset).unwrap();
    let mut after = [0u8];
    file.read_exact_at(&mut after, offset).unwrap();
    assert_ne!(after, byte, "the byte really flipped");
}

fn no_throttle() -> impl FnMut(u64) {
    |_| {}
}

#[test]
fn store_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BlockStore>();
    assert_send_sync::<ReplicaWriter>();
    assert_send_sync::<ReplicaReader>();
}

#[test]
fn replicas_of_edge_sizes_round_trip_with_digests() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    for (id, len) in [0usize, 1, 511, 512, 513, 5 * 512 + 17]
        .into_iter()
        .enumerate()
    {
        let data = pattern(len);
        let info = write_block(&store, key(id as u64, 1001), &data);
        assert_eq!(
            info,
            ReplicaInfo {
                block_id: id as u64,
                generation_stamp: 1001,
                length: len as u64,
                state: ReplicaState::Finalized
            }
        );
        assert_eq!(store.replica(id as u64), Some(info));
        assert_eq!(read_all(&store, id as u64), data, "{len} bytes");
        assert_eq!(
            store.verify(id as u64, &mut no_throttle()).unwrap(),
            VerifyOutcome::Healthy
        );
        assert_eq!(store.digests(id as u64).unwrap(), Some(digests_of(&data)));
    }
}

#[test]
fn finalize_leaves_digests_pending_until_recorded() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(5000);
    write_pending(&store, key(21, 3), &data);
    let meta = find_file(&dirs[0], "blk_21_3.meta").unwrap();
    assert_eq!(meta_flags(&meta), 2, "pending is marked on disk");
    assert_eq!(store.digests(21).unwrap(), None);
    assert_eq!(store.pending_digests(), 1);
    // Checked by its CRCs alone meanwhile.
    assert_eq!(
        store.verify(21, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
    assert_eq!(read_all(&store, 21), data);

    assert_eq!(record(&store, 21), digests_of(&data));
    assert_eq!(meta_flags(&meta), 1);
    assert_eq!(store.digests(21).unwrap(), Some(digests_of(&data)));
    assert_eq!(store.pending_digests(), 0);
    assert_eq!(
        record(&store, 21),
        digests_of(&data),
        "recording is idempotent"
    );
    assert_eq!(
        store.verify(21, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
}

#[test]
fn pending_digests_are_queued_again_after_a_restart() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let (pending, recorded) = (pattern(1500), pattern(700));
    write_pending(&store, key(31, 1), &pending);
    write_block(&store, key(32, 1), &recorded);
    drop(store);

    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.pending_digests(), 1);
    assert_eq!(store.digests(31).unwrap(), None);
    assert_eq!(
        store.next_pending_digests(&AtomicBool::new(false)),
        Some(31)
    );
    assert_eq!(record(&store, 31), digests_of(&pending));
    assert_eq!(store.pending_digests(), 0);
    assert_eq!(store.digests(32).unwrap(), Some(digests_of(&recorded)));
    // A stopped digester gets nothing, even with work queued.
    write_pending(&store, key(33, 1), &pending);
    assert_eq!(store.next_pending_digests(&AtomicBool::new(true)), None);
}

#[test]
fn a_pending_replica_that_fails_its_crcs_gets_no_digests() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_pending(&store, key(41, 1), &pattern(3000));
    flip_byte(&find_file(&dirs[0], "blk_41").unwrap(), 2100);
    let outcome = store.record_digests(41, &AtomicBool::new(false)).unwrap();
    let DigestOutcome::Corrupt(reason) = outcome else {
        panic!("a flipped byte must be found: {outcome:?}")
    };
    assert!(reason.contains("chunk 4 at offset 2048"), "{reason}");
    assert_eq!(store.digests(41).unwrap(), None, "nothing recorded");
    assert_eq!(store.pending_digests(), 0, "nothing left to hash");
    let VerifyOutcome::Corrupt(reason) = store.verify(41, &mut no_throttle()).unwrap() else {
        panic!("the scanner's check must find it too")
    };
    assert!(reason.contains("chunk 4 at offset 2048"), "{reason}");

    // A replica whose file vanished is corrupt too, not pending forever.
    write_pending(&store, key(42, 1), &pattern(100));
    let data_file = find_file(&dirs[0], "blk_42").unwrap();
    fs::remove_file(&data_file).unwrap();
    let outcome = store.record_digests(42, &AtomicBool::new(false)).unwrap();
    assert_eq!(
        outcome,
        DigestOutcome::Corrupt(format!("{} is missing", data_file.display()))
    );
    assert_eq!(store.pending_digests(), 0);
}

#[test]
fn space_allocated_ahead_is_released_at_finalize_and_recovery() {
    use std::os::unix::fs::MetadataExt;
    let allocated = |path: &Path| fs::metadata(path).unwrap().blocks() * 512;
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(3000);
    write_block(&store, key(61, 1), &data);
    let finalized = find_file(&dirs[0], "blk_61").unwrap();
    assert!(
        allocated(&finalized) < 64 * 1024,
        "{}",
        allocated(&finalized)
    );

    // A writer that went away mid-block (a crash) may leave space allocated
    // past its end; recovering the replica releases it.
    let mut writer = store.create_rbw(key(62, 1)).unwrap();
    write_packets(&mut writer, 0, &data[..2048], 1024);
    drop(writer);
    let rbw = dirs[0]
        .join("current")
        .join(POOL)
        .join("rbw")
        .join("blk_62");
    let writer = store
        .recover_rbw(BlockId(62), GenerationStamp(2), 2048)
        .unwrap();
    assert!(allocated(&rbw) < 64 * 1024, "{}", allocated(&rbw));
    assert_eq!(writer.finalize().unwrap().length, 2048);
}

#[test]
fn recording_digests_stops_when_asked() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_pending(&store, key(51, 1), &pattern(1000));
    assert!(matches!(
        store.record_digests(51, &AtomicBool::new(true)),
        Err(StorageError::Interrupted(51))
    ));
    assert_eq!(store.pending_digests(), 1);
    assert_eq!(store.digests(51).unwrap(), None);
}

#[test]
fn finalized_replicas_survive_a_restart() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let uuid = store.datanode_uuid();
    let data = pattern(3000);
    write_block(&store, key(70_000, 5), &data);
    let digests = store.digests(70_000).unwrap();
    let used = store.usage().dfs_used;
    assert_eq!(used, 3000 + 44 + 4 * 6);
    drop(store);

    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.datanode_uuid(), uuid);
    assert_eq!(store.cluster_id().as_deref(), Some(CLUSTER));
    assert_eq!(
        store.replicas(),
        vec![ReplicaInfo {
            block_id: 70_000,
            generation_stamp: 5,
            length: 3000,
            state: ReplicaState::Finalized
        }]
    );
    assert_eq!(store.digests(70_000).unwrap(), digests);
    assert_eq!(read_all(&store, 70_000), data);
    assert_eq!(store.usage().dfs_used, used);
    let finalized = find_file(&dirs[0], "blk_70000").unwrap();
    assert!(
        finalized.ends_with("current/BP-1-127.0.0.1-1/finalized/subdir1/subdir17/blk_70000"),
        "{finalized:?}"
    );
}

#[test]
fn rbw_after_a_crash_keeps_its_longest_valid_prefix() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(1500);
    let mut writer = store.create_rbw(key(1, 1)).unwrap();
    write_packets(&mut writer, 0, &data, 1024);
    assert_eq!(store.replica(1).unwrap().length, 1500);
    drop(writer);
    drop(store);
    // The crash tore the tail: data beyond the last CRC and half a CRC.
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    let data_file = OpenOptions::new()
        .append(true)
        .open(rbw.join("blk_1"))
        .unwrap();
    data_file.write_all_at(&[0xAB; 700], 1500).unwrap();
    let meta_file = OpenOptions::new()
        .append(true)
        .open(rbw.join("blk_1_1.meta"))
        .unwrap();
    meta_file.write_all_at(&[0xCD; 2], 44 + 12).unwrap();

    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(
        store.replica(1),
        Some(ReplicaInfo {
            block_id: 1,
            generation_stamp: 1,
            length: 1500,
            state: ReplicaState::Rbw
        })
    );
    assert_eq!(read_all(&store, 1), data);
    assert_eq!(fs::metadata(rbw.join("blk_1")).unwrap().len(), 1500);
    assert_eq!(
        fs::metadata(rbw.join("blk_1_1.meta")).unwrap().len(),
        44 + 12
    );
    drop(store);

    // A partial last chunk that no longer matches its CRC is dropped.
    flip_byte(&rbw.join("blk_1"), 1400);
    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.replica(1).unwrap().length, 1024);
    assert_eq!(read_all(&store, 1), data[..1024]);
}

#[test]
fn inconsistent_files_are_set_aside_at_open() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(2, 1), &pattern(2000));
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    drop(store.create_rbw(key(3, 1)).unwrap());
    drop(store);
    let data_file = find_file(&dirs[0], "blk_2").unwrap();
    OpenOptions::new()
        .write(true)
        .open(&data_file)
        .unwrap()
        .set_len(1500)
        .unwrap();
    fs::remove_file(rbw.join("blk_3_1.meta")).unwrap();

    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.replicas(), vec![]);
    assert!(find_file(&dirs[0], "blk_2.corrupt").is_some());
    assert!(find_file(&dirs[0], "blk_2_1.meta.corrupt").is_some());
    assert!(rbw.join("blk_3.corrupt").exists());
}

#[test]
fn an_interrupted_finalize_is_completed_at_open() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(900);
    write_block(&store, key(15, 2), &data);
    drop(store);
    // A crash after linking into finalized/ but before unlinking from rbw/.
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    for name in ["blk_15", "blk_15_2.meta"] {
        fs::hard_link(find_file(&dirs[0], name).unwrap(), rbw.join(name)).unwrap();
    }
    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.replica(15).unwrap().state, ReplicaState::Finalized);
    assert_eq!(fs::read_dir(&rbw).unwrap().count(), 0);
    assert_eq!(read_all(&store, 15), data);
}

#[test]
fn truncated_finalized_block_fails_verification() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(4, 1), &pattern(2000));
    let data_file = find_file(&dirs[0], "blk_4").unwrap();
    OpenOptions::new()
        .write(true)
        .open(&data_file)
        .unwrap()
        .set_len(1500)
        .unwrap();
    let VerifyOutcome::Corrupt(reason) = store.verify(4, &mut no_throttle()).unwrap() else {
        panic!("a truncated block must be corrupt");
    };
    assert!(
        reason.contains("1500 bytes") && reason.contains("2000"),
        "{reason}"
    );
}

#[test]
fn flipped_byte_is_found_with_its_chunk_and_offset() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(5, 1), &pattern(3000));
    flip_byte(&find_file(&dirs[0], "blk_5").unwrap(), 1600);
    let mut throttled = 0;
    let outcome = store.verify(5, &mut |bytes| throttled += bytes).unwrap();
    assert_eq!(throttled, 3000);
    let VerifyOutcome::Corrupt(reason) = outcome else {
        panic!("a flipped byte must be found")
    };
    assert!(reason.contains("chunk 3 at offset 1536"), "{reason}");
}

#[test]
fn flipped_checksum_or_digest_is_found() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(6, 1), &pattern(1000));
    let meta = find_file(&dirs[0], "blk_6_1.meta").unwrap();
    flip_byte(&meta, 10);
    let VerifyOutcome::Corrupt(reason) = store.verify(6, &mut no_throttle()).unwrap() else {
        panic!("MD5 mismatch")
    };
    assert!(reason.starts_with("MD5"), "{reason}");
    flip_byte(&meta, 10);
    flip_byte(&meta, 44);
    let VerifyOutcome::Corrupt(reason) = store.verify(6, &mut no_throttle()).unwrap() else {
        panic!("CRC mismatch")
    };
    assert!(reason.contains("chunk 0 at offset 0"), "{reason}");
}

#[test]
fn quarantine_keeps_the_evidence_and_forgets_the_replica() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(7, 3), &pattern(800));
    let data_file = find_file(&dirs[0], "blk_7").unwrap();
    flip_byte(&data_file, 0);
    store.quarantine(7).unwrap();
    assert_eq!(store.replica(7), None);
    assert!(!data_file.exists());
    assert!(data_file.with_file_name("blk_7.corrupt").exists());
    assert!(data_file.with_file_name("blk_7_3.meta.corrupt").exists());
    assert!(matches!(
        store.open_replica(BlockId(7), GenerationStamp(0)),
        Err(StorageError::ReplicaNotFound(7))
    ));
    assert!(matches!(
        store.quarantine(7),
        Err(StorageError::ReplicaNotFound(7))
    ));
    drop(store);
    assert_eq!(BlockStore::open(&dirs, BPC).unwrap().replicas(), vec![]);
}

#[test]
fn another_cluster_is_refused_with_hadoops_message() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    store.set_cluster(CLUSTER, POOL).unwrap();
    let expected = format!(
        "Incompatible clusterIDs in {}: namenode clusterID = CID-other; datanode clusterID = {CLUSTER}",
        dirs[0].display()
    );
    assert_eq!(
        store
            .set_cluster("CID-other", POOL)
            .unwrap_err()
            .to_string(),
        expected
    );
    drop(store);
    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(
        store
            .set_cluster("CID-other", POOL)
            .unwrap_err()
            .to_string(),
        expected
    );
    assert!(matches!(
        store.set_cluster(CLUSTER, "BP-2"),
        Err(StorageError::IncompatibleBlockPool { .. })
    ));
}

#[test]
fn nothing_is_written_before_registration() {
    let (_temp, dirs) = one_volume();
    let store = BlockStore::open(&dirs, BPC).unwrap();
    assert_eq!(store.cluster_id(), None);
    assert!(matches!(
        store.create_rbw(key(1, 1)),
        Err(StorageError::NoBlockPool)
    ));
    let version = fs::read_to_string(dirs[0].join("current/VERSION")).unwrap();
    assert!(
        version.contains(&format!("datanodeUuid={}", store.datanode_uuid())),
        "{version}"
    );
    assert!(
        version.contains("layoutVersion=-57") && version.contains("storageType=DATA_NODE"),
        "{version}"
    );
}

#[test]
fn delete_removes_replicas_in_any_state() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    write_block(&store, key(8, 1), &pattern(600));
    let mut writer = store.create_rbw(key(9, 1)).unwrap();
    write_packets(&mut writer, 0, &pattern(100), 512);
    let data_file = find_file(&dirs[0], "blk_8").unwrap();
    assert!(store.delete(8).unwrap());
    assert!(store.delete(9).unwrap());
    assert!(!store.delete(8).unwrap());
    assert!(!data_file.exists() && find_file(&dirs[0], "blk_8_1.meta").is_none());
    assert!(find_file(&dirs[0], "blk_9").is_none());
    assert_eq!(store.replicas(), vec![]);
    let more = pattern(200);
    assert!(matches!(
        writer.write_packet(0, &more, &crcs(&more)),
        Err(StorageError::Superseded(9))
    ));
    assert!(matches!(
        writer.finalize(),
        Err(StorageError::Superseded(9))
    ));
    assert_eq!(store.usage().dfs_used, 0);
}

#[test]
fn recover_rbw_cuts_to_the_acked_bytes_and_renames_the_meta() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(2000);
    let mut old_writer = store.create_rbw(key(10, 1)).unwrap();
    write_packets(&mut old_writer, 0, &data[..1500], 1024);

    assert!(matches!(
        store.recover_rbw(BlockId(10), GenerationStamp(0), 1000),
        Err(StorageError::GenerationStamp { .. })
    ));
    let mut writer = store
        .recover_rbw(BlockId(10), GenerationStamp(2), 1000)
        .unwrap();
    assert_eq!(writer.block(), key(10, 2));
    assert_eq!(writer.bytes_written(), 1000);
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    assert!(rbw.join("blk_10_2.meta").exists() && !rbw.join("blk_10_1.meta").exists());
    assert_eq!(fs::metadata(rbw.join("blk_10")).unwrap().len(), 1000);
    assert_eq!(store.replica(10).unwrap().generation_stamp, 2);
    let late = &data[1024..];
    assert!(matches!(
        old_writer.write_packet(1024, late, &crcs(late)),
        Err(StorageError::Superseded(10))
    ));

    // The client resends from the start of the partial chunk.
    write_packets(&mut writer, 512, &data[512..], 1024);
    assert_eq!(writer.finalize().unwrap().length, 2000);
    assert_eq!(read_all(&store, 10), data);
    assert_eq!(
        store.verify(10, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
    assert_eq!(record(&store, 10), digests_of(&data));
    assert!(matches!(
        store.recover_rbw(BlockId(10), GenerationStamp(3), 0),
        Err(StorageError::WrongState { .. })
    ));
    assert!(matches!(
        store.open_replica(BlockId(10), GenerationStamp(3)),
        Err(StorageError::GenerationStamp { .. })
    ));
}

#[test]
fn recover_rbw_never_extends() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let mut writer = store.create_rbw(key(11, 1)).unwrap();
    write_packets(&mut writer, 0, &pattern(700), 1024);
    let writer = store
        .recover_rbw(BlockId(11), GenerationStamp(1), 5000)
        .unwrap();
    assert_eq!(writer.bytes_written(), 700);
    assert_eq!(writer.finalize().unwrap().length, 700);
    assert_eq!(read_all(&store, 11), pattern(700));
}

#[test]
fn rbw_replicas_are_readable_while_written() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(1800);
    let mut writer = store.create_rbw(key(12, 4)).unwrap();
    write_packets(&mut writer, 0, &data[..1024], 1024);
    let mut reader = store.open_replica(BlockId(12), GenerationStamp(4)).unwrap();
    assert_eq!(
        (reader.length(), reader.bytes_per_checksum(), reader.block()),
        (1024, BPC, key(12, 4))
    );
    write_packets(&mut writer, 1024, &data[1024..], 1024);
    writer.finalize().unwrap();
    // The old reader still reads its snapshot after the files moved.
    let mut buffer = vec![0u8; 2048];
    let mut checksums = Vec::new();
    assert_eq!(
        reader.read_chunks(0, &mut buffer, &mut checksums).unwrap(),
        1024
    );
    assert_eq!(buffer[..1024], data[..1024]);
    assert_eq!(
        reader
            .read_chunks(1024, &mut buffer, &mut checksums)
            .unwrap(),
        0
    );
    assert!(checksums.is_empty());
    assert_eq!(read_all(&store, 12), data);
}

#[test]
fn a_partial_last_chunk_reads_consistently_while_it_grows() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(1500);
    let mut writer = store.create_rbw(key(14, 1)).unwrap();
    write_packets(&mut writer, 0, &data[..700], 1024);
    let mut reader = store.open_replica(BlockId(14), GenerationStamp(1)).unwrap();
    // An hflush-style resend extends the partial chunk; its CRC on disk changes.
    write_packets(&mut writer, 512, &data[512..], 1024);
    let mut buffer = vec![0u8; 2048];
    let mut checksums = Vec::new();
    assert_eq!(
        reader.read_chunks(0, &mut buffer, &mut checksums).unwrap(),
        700
    );
    assert_eq!(checksums, crcs(&data[..700]));
    assert_eq!(
        store.verify(14, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
    // The empty packet that ends a block is accepted at its unaligned offset.
    writer.write_packet(1500, &[], &[]).unwrap();
    writer.finalize().unwrap();
    assert_eq!(read_all(&store, 14), data);
}

#[test]
fn packets_breaking_the_contract_are_refused() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let mut writer = store.create_rbw(key(13, 1)).unwrap();
    let data = pattern(1024);
    assert!(matches!(
        writer.write_packet(100, &data, &crcs(&data)),
        Err(StorageError::InvalidArgument(_))
    ));
    assert!(matches!(
        writer.write_packet(512, &data, &crcs(&data)),
        Err(StorageError::InvalidArgument(_))
    ));
    assert!(matches!(
        writer.write_packet(0, &data, &[1]),
        Err(StorageError::InvalidArgument(_))
    ));
    writer.write_packet(0, &data, &crcs(&data)).unwrap();
    // A full resend is a no-op.
    writer.write_packet(0, &data, &crcs(&data)).unwrap();
    assert_eq!(writer.bytes_written(), 1024);
    assert!(matches!(
        store.create_rbw(key(13, 2)),
        Err(StorageError::ReplicaAlreadyExists { block_id: 13, .. })
    ));
    let mut reader = store.open_replica(BlockId(13), GenerationStamp(0)).unwrap();
    assert!(
        reader
            .read_chunks(10, &mut [0u8; 512], &mut Vec::new())
            .is_err()
    );
    assert!(
        reader
            .read_chunks(0, &mut [0u8; 100], &mut Vec::new())
            .is_err()
    );
    writer.abandon().unwrap();
    assert_eq!(store.replica(13), None);
    assert!(find_file(&dirs[0], "blk_13").is_none());
}

#[test]
fn a_second_store_on_the_same_dir_is_refused() {
    let (_temp, dirs) = one_volume();
    let _store = open(&dirs);
    let Err(err) = BlockStore::open(&dirs, BPC) else {
        panic!("the volume must be locked")
    };
    assert!(matches!(err, StorageError::AlreadyLocked { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot lock storage {}. The directory is already locked",
            dirs[0].display()
        )
    );
}

#[test]
fn volumes_share_one_identity_and_take_turns() {
    let temp = tempfile::tempdir().unwrap();
    let dirs = vec![temp.path().join("a"), temp.path().join("b")];
    let store = open(&dirs);
    for id in 0..4 {
        write_block(&store, key(id, 1), &pattern(100));
    }
    for dir in &dirs {
        let version = fs::read_to_string(dir.join("current/VERSION")).unwrap();
        assert!(
            version.contains(&format!(
                "datanodeUuid={}\nclusterID={CLUSTER}\n",
                store.datanode_uuid()
            )),
            "{version}"
        );
        let blocks = (0..4)
            .filter(|id| find_file(dir, &format!("blk_{id}")).is_some())
            .count();
        assert_eq!(blocks, 2, "{dir:?}");
    }
    let usage = store.usage();
    assert!(usage.capacity >= usage.remaining && usage.remaining > 0);
    assert_eq!(
        (usage.dfs_used, usage.failed_volumes),
        (4 * (100 + 44 + 4), 0)
    );
    drop(store);
    let mut replicas = BlockStore::open(&dirs, BPC).unwrap().replicas();
    replicas.sort_by_key(|replica| replica.block_id);
    assert_eq!(
        replicas
            .iter()
            .map(|replica| replica.block_id)
            .collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
}

/// Pages of `path` in the page cache.
fn resident_pages(path: &Path) -> usize {
    let file = fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len() as usize;
    let page = 4096;
    let mut residency = vec![0u8; len.div_ceil(page)];
    // SAFETY: a read-only shared mapping of `len` bytes of an open file,
    // unmapped before returning; mincore writes one byte per page into a
    // vector of exactly that many bytes.
    unsafe {
        let mapping = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            std::os::fd::AsRawFd::as_raw_fd(&file),
            0,
        );
        assert_ne!(mapping, libc::MAP_FAILED);
        assert_eq!(libc::mincore(mapping, len, residency.as_mut_ptr()), 0);
        libc::munmap(mapping, len);
    }
    residency.iter().filter(|page| *page & 1 == 1).count()
}

#[test]
fn drop_behind_leaves_finalized_replicas_out_of_the_page_cache() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(3 << 20);
    write_pending(&store, key(1, 1), &data);
    let kept = find_file(&dirs[0], "blk_1").unwrap();
    assert!(
        resident_pages(&kept) > 0,
        "written data stays cached by default"
    );

    store.set_drop_cache_behind_writes(true);
    write_pending(&store, key(2, 1), &data);
    let dropped = find_file(&dirs[0], "blk_2").unwrap();
    assert_eq!(resident_pages(&dropped), 0);
    assert_eq!(fs::read(&dropped).unwrap(), data);
}

#[test]
fn rbw_links_left_by_an_interrupted_finalize_are_removed_at_start() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(5000);
    write_block(&store, key(51, 3), &data);
    drop(store);
    // A crash after the links into finalized/ but before the rbw unlinks
    // reached the disk (finalize does not fsync rbw/ after them).
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    for name in ["blk_51", "blk_51_3.meta"] {
        fs::hard_link(find_file(&dirs[0], name).unwrap(), rbw.join(name)).unwrap();
    }

    let store = open(&dirs);
    let replica = store.replica(51).unwrap();
    assert_eq!(
        (replica.state, replica.length, replica.generation_stamp),
        (ReplicaState::Finalized, 5000, 3)
    );
    assert_eq!(read_all(&store, 51), data);
    assert_eq!(fs::read_dir(&rbw).unwrap().count(), 0);
    assert_eq!(store.digests(51).unwrap(), Some(digests_of(&data)));
}

#[test]
fn append_reopens_a_finalized_replica_and_extends_its_partial_chunk() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(3000);
    write_block(&store, key(20, 1), &data[..700]);
    let finalized = find_file(&dirs[0], "blk_20").unwrap();

    // Wrong length, stamp or chunk size: refused, the replica untouched.
    for refused in [
        store.append(BlockId(20), GenerationStamp(2), 699, BPC),
        store.append(BlockId(20), GenerationStamp(0), 700, BPC),
        store.append(BlockId(20), GenerationStamp(2), 700, 2 * BPC),
    ] {
        assert!(refused.is_err());
    }
    assert_eq!(store.replica(20).unwrap().state, ReplicaState::Finalized);
    assert_eq!(store.pending_digests(), 0);

    let mut writer = store
        .append(BlockId(20), GenerationStamp(2), 700, BPC)
        .unwrap();
    assert_eq!((writer.block(), writer.bytes_written()), (key(20, 2), 700));
    let rbw = dirs[0].join("current").join(POOL).join("rbw");
    assert!(rbw.join("blk_20").exists() && rbw.join("blk_20_2.meta").exists());
    assert!(!finalized.exists(), "the finalized names are gone");
    assert_eq!(meta_flags(&rbw.join("blk_20_2.meta")), 0, "digests dropped");
    let replica = store.replica(20).unwrap();
    assert_eq!(
        (replica.state, replica.generation_stamp, replica.length),
        (ReplicaState::Rbw, 2, 700)
    );

    // The first packet completes the partial chunk (one CRC over its own
    // bytes); a packet inside a chunk crossing its end is refused.
    let crossing = &data[700..1100];
    assert!(matches!(
        writer.write_packet(700, crossing, &[crc32c::crc32c(crossing)]),
        Err(StorageError::InvalidArgument(_))
    ));
    let first = &data[700..800];
    writer
        .write_packet(700, first, &[crc32c::crc32c(first)])
        .unwrap();
    assert_eq!(read_all(&store, 20), data[..800]);
    let rest = &data[800..1024];
    writer
        .write_packet(800, rest, &[crc32c::crc32c(rest)])
        .unwrap();
    write_packets(&mut writer, 1024, &data[1024..], 4 * BPC as usize);
    let info = writer.finalize().unwrap();
    assert_eq!((info.generation_stamp, info.length), (2, 3000));
    assert!(
        find_file(&dirs[0], "blk_20_2.meta")
            .unwrap()
            .starts_with(dirs[0].join("current").join(POOL).join("finalized"))
    );
    assert_eq!(read_all(&store, 20), data);
    assert_eq!(store.pending_digests(), 1, "queued for the digester again");
    assert_eq!(record(&store, 20), digests_of(&data));
    assert_eq!(
        store.verify(20, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
}

#[test]
fn an_append_retried_after_a_failed_setup_takes_its_rbw_replica_over() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(1500);
    write_pending(&store, key(21, 1), &data[..1000]);
    assert_eq!(store.pending_digests(), 1);
    // The first attempt reopened the replica, then the pipeline failed.
    drop(
        store
            .append(BlockId(21), GenerationStamp(2), 1000, BPC)
            .unwrap(),
    );
    assert_eq!(store.pending_digests(), 0, "no longer finalized");
    let mut writer = store
        .append(BlockId(21), GenerationStamp(3), 1000, BPC)
        .unwrap();
    assert_eq!(writer.block(), key(21, 3));
    let tail = &data[1000..1024];
    writer
        .write_packet(1000, tail, &[crc32c::crc32c(tail)])
        .unwrap();
    write_packets(&mut writer, 1024, &data[1024..], 1024);
    writer.finalize().unwrap();
    assert_eq!(read_all(&store, 21), data);

    // A restart finds the replica finalized at its new stamp.
    drop(store);
    let store = open(&dirs);
    let replica = store.replica(21).unwrap();
    assert_eq!(
        (replica.state, replica.generation_stamp, replica.length),
        (ReplicaState::Finalized, 3, 1500)
    );
    assert_eq!(record(&store, 21), digests_of(&data));
}

#[test]
fn truncating_a_finalized_replica_cuts_data_crcs_and_digests() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(5 * BPC as usize + 100);
    write_block(&store, key(40, 1), &data);
    assert_eq!(store.digests(40).unwrap(), Some(digests_of(&data)));

    // Inside a chunk: the last chunk becomes partial and gets a new CRC.
    let new_length = 2 * BPC as usize + 77;
    let cut = store
        .truncate_finalized(BlockId(40), GenerationStamp(2), new_length as u64)
        .unwrap();
    assert_eq!((cut.length, cut.generation_stamp), (new_length as u64, 2));
    assert_eq!(cut.state, ReplicaState::Finalized);
    let pool = dirs[0].join("current").join(POOL);
    let data_file = find_file(&pool, "blk_40").unwrap();
    let meta_file = find_file(&pool, "blk_40_2.meta").unwrap();
    assert!(find_file(&pool, "blk_40_1.meta").is_none());
    assert!(!data_file.starts_with(pool.join("rbw")));
    assert_eq!(fs::metadata(&data_file).unwrap().len(), new_length as u64);
    let meta_bytes = fs::read(&meta_file).unwrap();
    let expected_crcs = crcs(&data[..new_length]);
    assert_eq!(
        meta_bytes.len() as u64,
        meta::meta_file_len(new_length as u64, BPC)
    );
    let mut stored_crcs = Vec::new();
    meta::decode_crcs(&meta_bytes[meta::HEADER_LEN as usize..], &mut stored_crcs);
    assert_eq!(stored_crcs, expected_crcs);
    assert_eq!(
        *stored_crcs.last().unwrap(),
        crc32c::crc32c(&data[2 * BPC as usize..new_length])
    );
    assert_eq!(read_all(&store, 40), &data[..new_length]);

    // The digests are those of the cut bytes, recorded again (streaming,
    // CRC-checked) by the digester's path; the scanner accepts the replica.
    assert_eq!(store.digests(40).unwrap(), None);
    assert_eq!(record(&store, 40), digests_of(&data[..new_length]));
    assert_eq!(
        store.digests(40).unwrap(),
        Some(digests_of(&data[..new_length]))
    );
    assert_eq!(
        store.verify(40, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );

    // On a chunk boundary, and then to nothing; it survives a restart.
    store
        .truncate_finalized(BlockId(40), GenerationStamp(3), BPC as u64)
        .unwrap();
    assert_eq!(record(&store, 40), digests_of(&data[..BPC as usize]));
    store
        .truncate_finalized(BlockId(40), GenerationStamp(4), 0)
        .unwrap();
    assert_eq!(record(&store, 40), digests_of(&[]));
    drop(store);
    let store = open(&dirs);
    let replica = store.replica(40).unwrap();
    assert_eq!(
        (replica.length, replica.generation_stamp, replica.state),
        (0, 4, ReplicaState::Finalized)
    );
    assert_eq!(
        store.verify(40, &mut no_throttle()).unwrap(),
        VerifyOutcome::Healthy
    );
}

#[test]
fn truncate_refuses_to_grow_a_replica_or_go_back_in_stamps() {
    let (_temp, dirs) = one_volume();
    let store = open(&dirs);
    let data = pattern(1000);
    write_block(&store, key(41, 5), &data);
    assert!(matches!(
        store.truncate_finalized(BlockId(41), GenerationStamp(6), 1001),
        Err(StorageError::InvalidArgument(_))
    ));
    assert!(matches!(
        store.truncate_finalized(BlockId(41), GenerationStamp(4), 10),
        Err(StorageError::GenerationStamp { .. })
    ));
    let mut writer = store.create_rbw(key(42, 1)).unwrap();
    write_packets(&mut writer, 0, &data, 512);
    assert!(matches!(
        store.truncate_finalized(BlockId(42), GenerationStamp(2), 10),
        Err(StorageError::WrongState { .. })
    ));
    assert_eq!(read_all(&store, 41), data);
}
