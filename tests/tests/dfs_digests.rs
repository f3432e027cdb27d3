//! Replica digests off the write path: each DataNode's digester records a
//! replica's MD5 and SHA-1 shortly after finalize. Until then readers check
//! CRCs only and BLOCK_CHECKSUM computes the digests on demand, so
//! `hdfs dfs -checksum` never returns a wrong value.

use std::path::PathBuf;
use std::time::Duration;

use md5::{Digest, Md5};
use minicluster::MiniCluster;
use tusk_tests::{content, eventually, read_file, write_file};

const BLOCK: u64 = 256 * 1024;
const DEADLINE: Duration = Duration::from_secs(60);

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await
        .unwrap()
}

/// Hadoop's MD5MD5CRC32C checksum of `data` cut into blocks of 512-byte chunks: the MD5 of
/// each block's MD5 over its chunks' big-endian CRC32Cs.
fn md5_md5_crc32c(data: &[u8]) -> [u8; 16] {
    let mut all = Md5::new();
    for block in data.chunks(BLOCK as usize) {
        let mut crcs = Md5::new();
        for chunk in block.chunks(512) {
            crcs.update(crc32c::crc32c(chunk).to_be_bytes());
        }
        all.update(crcs.finalize());
    }
    all.finalize().into()
}

/// Waits until no DataNode has a replica whose digests are pending.
async fn wait_for_digests(cluster: &MiniCluster) {
    eventually(DEADLINE, "every replica's digests", async || {
        (0..cluster.num_datanodes())
            .map(|index| cluster.datanode(index).unwrap().store().pending_digests())
            .sum::<usize>()
            == 0
    })
    .await;
}

/// The meta file beside a replica's data file.
fn meta_file(data_file: &std::path::Path, block_id: u64) -> PathBuf {
    let prefix = format!("blk_{block_id}_");
    std::fs::read_dir(data_file.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".meta")
        })
        .expect("meta file beside the block file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checksums_are_right_before_and_after_the_digests_are_recorded() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let data = content(5 * BLOCK as usize + 1234, 3);
    write_file(&client, "/d/f", &data, 3, BLOCK).await;

    // Right after close: whatever the digesters have recorded so far.
    let checksum = client.file_checksum("/d/f").await.unwrap();
    assert_eq!(checksum.algorithm(), "MD5-of-512MD5-of-512CRC32C");
    assert_eq!(checksum.md5, md5_md5_crc32c(&data));

    wait_for_digests(&cluster).await;
    let (_, blocks, _) = client.block_locations("/d/f", 0, u64::MAX).await.unwrap();
    assert_eq!(blocks.len(), 6);
    for (located, expected) in blocks.iter().zip(data.chunks(BLOCK as usize)) {
        let block_id = located.block.unwrap().block_id;
        for node in &located.locations {
            let index = cluster.datanode_at(&node.host).unwrap();
            let data_file = cluster.replica_file(index, block_id).unwrap();
            let header = std::fs::read(meta_file(&data_file, block_id)).unwrap();
            assert_eq!(
                header[7], 1,
                "blk_{block_id} on {}: digests recorded",
                node.host
            );
            assert_eq!(&header[8..24], Md5::digest(expected).as_slice());
        }
    }
    let checksum = client.file_checksum("/d/f").await.unwrap();
    assert_eq!(checksum.md5, md5_md5_crc32c(&data));
    // Whole-block reads now check the recorded digests too.
    assert!(read_file(&client, "/d/f").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_replica_that_fails_its_crcs_gives_no_checksum() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let data = content(BLOCK as usize / 2, 5);
    write_file(&client, "/d/g", &data, 3, BLOCK).await;
    wait_for_digests(&cluster).await;

    // The replica BLOCK_CHECKSUM asks first rots on disk while its digests
    // read as pending (as after a crash before the digester got to it).
    let (_, blocks, _) = client.block_locations("/d/g", 0, u64::MAX).await.unwrap();
    let block_id = blocks[0].block.unwrap().block_id;
    let index = cluster.datanode_at(&blocks[0].locations[0].host).unwrap();
    let data_file = cluster.replica_file(index, block_id).unwrap();
    let mut bytes = std::fs::read(&data_file).unwrap();
    bytes[5000] ^= 0x40;
    std::fs::write(&data_file, &bytes).unwrap();
    let meta = meta_file(&data_file, block_id);
    let mut header = std::fs::read(&meta).unwrap();
    header[7] = 2;
    std::fs::write(&meta, &header).unwrap();

    // Hashing it now finds the bad chunk, so the checksum comes from another
    // replica, and is right.
    let checksum = client.file_checksum("/d/g").await.unwrap();
    assert_eq!(checksum.md5, md5_md5_crc32c(&data));
    assert_eq!(std::fs::read(&meta).unwrap()[7], 2, "nothing recorded");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_file_has_hadoops_checksum() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    write_file(&client, "/d/empty", b"", 3, BLOCK).await;
    let checksum = client.file_checksum("/d/empty").await.unwrap();
    // What `hdfs dfs -checksum` prints for an empty file on Hadoop 3.
    assert_eq!(checksum.algorithm(), "MD5-of-0MD5-of-0CRC32");
    assert_eq!(
        checksum.hex(),
        "00000000000000000000000070bc8f4b72a86921468bf8e8441dce51"
    );
    cluster.shutdown().await;
}
