//! Append continues the file's last block when it is partial (HDFS's
//! PIPELINE_SETUP_APPEND): the DataNodes reopen their finalized replicas at a
//! new generation stamp and the first packet completes the partial chunk, so
//! a file written as CREATE + many small APPENDs stays in few blocks, over
//! RPC and over WebHDFS alike.

use std::time::Duration;

use md5::{Digest, Md5};
use minicluster::MiniCluster;
use proto::hdfs as pb;
use tusk_tests::web::{request, split_url};
use tusk_tests::{content, eventually, read_file, write_file};

const WAIT: Duration = Duration::from_secs(60);
const MIB: u64 = 1024 * 1024;

async fn cluster(datanodes: usize) -> MiniCluster {
    MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2"][..datanodes])
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.heartbeat.recheck-interval", "500ms")
        .build()
        .await
        .unwrap()
}

/// Appends `data` to `path` through `DfsClient::append_writer`, in pieces
/// of `piece` bytes.
async fn append(client: &client::DfsClient, path: &str, data: &[u8], piece: usize) {
    let mut writer = client.append_writer(path).await.unwrap();
    for piece in data.chunks(piece) {
        writer.write(piece).await.unwrap();
    }
    writer.close().await.unwrap();
}

/// The file's blocks with their locations.
async fn blocks(client: &client::DfsClient, path: &str) -> Vec<pb::LocatedBlock> {
    client.block_locations(path, 0, u64::MAX).await.unwrap().1
}

/// (block id, generation stamp, length) of each block.
async fn block_list(client: &client::DfsClient, path: &str) -> Vec<(u64, u64, u64)> {
    blocks(client, path)
        .await
        .iter()
        .map(|located| {
            let block = located.block.unwrap();
            (block.block_id, block.generation_stamp, block.num_bytes)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_appends_continue_the_last_block() {
    let cluster = cluster(3).await;
    let client = cluster.client().unwrap();

    // 12 bytes, appended twice: one block of 36 bytes.
    let pieces: Vec<Vec<u8>> = (0..3).map(|seed| content(12, seed)).collect();
    write_file(&client, "/small", &pieces[0], 3, MIB).await;
    let created = block_list(&client, "/small").await;
    append(&client, "/small", &pieces[1], 5).await;
    append(&client, "/small", &pieces[2], 12).await;
    let appended = block_list(&client, "/small").await;
    assert_eq!(appended.len(), 1, "{appended:?}");
    assert_eq!(appended[0].0, created[0].0, "the same block");
    assert!(appended[0].1 > created[0].1, "a newer generation stamp");
    assert_eq!(appended[0].2, 36);
    assert_eq!(read_file(&client, "/small").await, pieces.concat());

    // CREATE + 100 appends of 64 KiB, as fsspec writes: one block.
    let block_size = 8 * MIB;
    let chunk = 64 * 1024;
    let data = content(101 * chunk, 7);
    write_file(&client, "/chunks", &data[..chunk], 3, block_size).await;
    for piece in data[chunk..].chunks(chunk) {
        append(&client, "/chunks", piece, 10_007).await;
    }
    let appended = block_list(&client, "/chunks").await;
    assert_eq!(appended.len(), 1, "{appended:?}");
    assert_eq!(appended[0].2, data.len() as u64);
    assert!(read_file(&client, "/chunks").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_fill_the_last_block_then_start_new_ones() {
    let cluster = cluster(3).await;
    let client = cluster.client().unwrap();
    let block_size = 256 * 1024;
    let data = content(3 * block_size as usize + 777, 3);
    // 1000 bytes, then an append crossing into the next block mid-chunk,
    // then one ending exactly at a block edge, then one starting a block.
    let cuts = [1_000, 300_001, 2 * block_size as usize, data.len()];
    write_file(&client, "/f", &data[..cuts[0]], 2, block_size).await;
    for window in cuts.windows(2) {
        append(&client, "/f", &data[window[0]..window[1]], 4_099).await;
        assert!(
            read_file(&client, "/f").await == data[..window[1]],
            "after appending up to {}",
            window[1]
        );
    }
    let lengths: Vec<u64> = block_list(&client, "/f")
        .await
        .iter()
        .map(|block| block.2)
        .collect();
    assert_eq!(lengths, [block_size, block_size, block_size, 777]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_replicas_agree_and_get_their_digests_again() {
    let cluster = cluster(3).await;
    let client = cluster.client().unwrap();
    let block_size = MIB;
    let data = content(200_000, 11);
    write_file(&client, "/d", &data[..1_234], 3, block_size).await;
    cluster.wait_for_digests().await.unwrap();
    let created = block_list(&client, "/d").await;
    append(&client, "/d", &data[1_234..70_000], 9_999).await;
    append(&client, "/d", &data[70_000..], 65_536).await;

    // The close needs one replica at the new stamp; the others report theirs
    // (incremental block reports) just after.
    let located = eventually(WAIT, "every replica at the new stamp", async || {
        let located = blocks(&client, "/d").await;
        (located.len() == 1 && located[0].locations.len() == 3).then_some(located)
    })
    .await;
    let block = located[0].block.unwrap();
    assert_eq!(block.num_bytes, data.len() as u64);
    assert!(block.generation_stamp > created[0].1);

    // Hadoop's file checksum equals that of the same bytes written at once.
    write_file(&client, "/at-once", &data, 3, block_size).await;
    let appended = client.file_checksum("/d").await.unwrap();
    let at_once = client.file_checksum("/at-once").await.unwrap();
    assert_eq!(appended.md5, at_once.md5);

    // Every replica: finalized at the new stamp, the same bytes, and its
    // digests recorded again for the new content.
    cluster.wait_for_digests().await.unwrap();
    for node in &located[0].locations {
        let index = cluster.datanode_at(&node.host).unwrap();
        let replica = cluster
            .datanode(index)
            .unwrap()
            .store()
            .replica(block.block_id)
            .unwrap();
        assert_eq!(replica.generation_stamp, block.generation_stamp);
        assert_eq!(replica.length, data.len() as u64);
        let data_file = cluster.replica_file(index, block.block_id).unwrap();
        assert!(std::fs::read(&data_file).unwrap() == data, "{}", node.host);
        let meta_name = format!("blk_{}_{}.meta", block.block_id, block.generation_stamp);
        let header = std::fs::read(data_file.with_file_name(meta_name)).unwrap();
        assert_eq!(header[7], 1, "digests recorded on {}", node.host);
        assert_eq!(&header[8..24], Md5::digest(&data).as_slice());
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_lost_mid_append_does_not_fail_the_append() {
    let mut cluster = cluster(4).await;
    let client = cluster.client().unwrap();
    let data = content(3 * MIB as usize, 5);
    let first = 100_003;
    write_file(&client, "/f", &data[..first], 3, 8 * MIB).await;
    let created = block_list(&client, "/f").await;
    let mut writer = client.append_writer("/f").await.unwrap();
    let (before, after) = data[first..].split_at(MIB as usize);
    writer.write(before).await.unwrap();

    // The block's pipeline is its DataNodes: stop one of them.
    let located = blocks(&client, "/f").await;
    let victim_host = located[0].locations[0].host.clone();
    let victim = cluster.datanode_at(&victim_host).unwrap();
    cluster.stop_datanode(victim).await;
    assert!(cluster.datanode(victim).is_err(), "the DataNode is down");

    for piece in after.chunks(10_007) {
        writer.write(piece).await.unwrap();
    }
    writer.close().await.unwrap();
    let located = blocks(&client, "/f").await;
    assert_eq!(located.len(), 1);
    let block = located[0].block.unwrap();
    assert_eq!(block.num_bytes, data.len() as u64);
    // One stamp for the append, at least one more for the pipeline recovery.
    assert!(
        block.generation_stamp >= created[0].1 + 2,
        "{created:?} then {block:?}"
    );
    assert!(
        located[0]
            .locations
            .iter()
            .all(|node| node.host != victim_host)
    );
    assert!(read_file(&client, "/f").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_blocks_survive_a_namenode_restart() {
    let mut cluster = cluster(3).await;
    let client = cluster.client().unwrap();
    let block_size = 256 * 1024;
    let data = content(600_000, 9);
    let cuts = [10, 5_000, 300_000, 400_000];
    write_file(&client, "/log", &data[..cuts[0]], 3, block_size).await;
    for window in cuts.windows(2) {
        append(&client, "/log", &data[window[0]..window[1]], 8_191).await;
    }
    let before = block_list(&client, "/log").await;
    assert_eq!(before.len(), 2, "{before:?}");

    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    eventually(
        WAIT,
        "the restarted NameNode to hear from DataNodes",
        async || {
            client
                .block_locations("/log", 0, u64::MAX)
                .await
                .is_ok_and(|(_, blocks, _)| blocks.iter().all(|block| block.locations.len() == 3))
        },
    )
    .await;
    // Space figures come with heartbeats, a new block needs them.
    eventually(WAIT, "heartbeats from every DataNode", async || {
        client
            .datanode_report(pb::DatanodeReportType::Live)
            .await
            .is_ok_and(|reports| {
                reports.len() == 3
                    && reports
                        .iter()
                        .all(|report| report.storage.is_some_and(|storage| storage.remaining > 0))
            })
    })
    .await;
    assert_eq!(block_list(&client, "/log").await, before);
    assert!(read_file(&client, "/log").await == data[..cuts[3]]);

    // Appending again after the restart continues the same last block.
    append(&client, "/log", &data[cuts[3]..], 8_191).await;
    let after = block_list(&client, "/log").await;
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[1].0, before[1].0);
    assert!(read_file(&client, "/log").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhdfs_appends_continue_the_last_block() {
    let cluster = cluster(3).await;
    let client = cluster.client().unwrap();
    let namenode = cluster.namenode_http_address().to_string();
    client
        .mkdirs("/w", common::FsPermission::new(0o777), true)
        .await
        .unwrap();
    let data = content(5 * 10_000 + 3, 4);
    let create = format!("/webhdfs/v1/w/f?op=CREATE&user.name=tusk&blocksize={MIB}");
    let mut next = 0;
    for (round, end) in [10_000, 20_000, 30_001, 40_000, data.len()]
        .into_iter()
        .enumerate()
    {
        let (method, target) = if round == 0 {
            ("PUT", create.clone())
        } else {
            (
                "POST",
                "/webhdfs/v1/w/f?op=APPEND&user.name=tusk".to_string(),
            )
        };
        let redirect = request(&namenode, method, &target, b"").await;
        assert_eq!(redirect.status, 307);
        let (datanode, target) = split_url(redirect.header("location").unwrap());
        let written = request(&datanode, method, &target, &data[next..end]).await;
        assert!(
            written.status == 200 || written.status == 201,
            "{}",
            String::from_utf8_lossy(&written.body)
        );
        next = end;
    }
    let appended = block_list(&client, "/w/f").await;
    assert_eq!(appended.len(), 1, "{appended:?}");
    assert!(read_file(&client, "/w/f").await == data);
    cluster.shutdown().await;
}
