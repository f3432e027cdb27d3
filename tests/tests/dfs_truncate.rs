//! `truncate` end to end (HDFS-3107): on a block boundary the tail blocks go at
//! once and their replicas are deleted; inside a block the DataNodes cut that
//! block's replicas (finalized ones: data, chunk CRCs, digests) at a new
//! generation stamp and the file closes when they report. Through
//! `hdfs dfs -truncate [-w]`, the Rust client and WebHDFS TRUNCATE, with
//! Hadoop's refusals; the result survives a NameNode restart (OP_TRUNCATE).

use std::time::Duration;

use common::ExceptionKind;
use md5::{Digest, Md5};
use minicluster::MiniCluster;
use proto::hdfs as pb;
use tusk_tests::web::request;
use tusk_tests::{content, eventually, read_file, write_file};

const WAIT: Duration = Duration::from_secs(60);
const BLOCK: u64 = 1024 * 1024;

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .datanodes(3)
        .set("dfs.heartbeat.interval", "200ms")
        .set("dfs.namenode.heartbeat.recheck-interval", "500ms")
        .build()
        .await
        .unwrap()
}

/// `hdfs dfs ARGS`: exit code, stdout, stderr.
fn dfs(cluster: &MiniCluster, args: &[&str]) -> (i32, String, String) {
    tusk_tests::hdfs(&cluster.conf_dir(), &[&["dfs"], args].concat())
}

async fn blocks(client: &client::DfsClient, path: &str) -> Vec<pb::LocatedBlock> {
    client.block_locations(path, 0, u64::MAX).await.unwrap().1
}

/// Waits until `path` is closed at `length`.
async fn wait_closed(client: &client::DfsClient, path: &str, length: u64) {
    eventually(WAIT, "the truncated file closed", async || {
        let status = client.get_file_info(path).await.unwrap().unwrap();
        status.length == length && !status.under_construction
    })
    .await;
}

/// Every replica of every block of `path` (3 each): finalized at the block's stamp and
/// length, holding `data`'s bytes, accepted by the DataNode's verify (what the block
/// scanner runs), and with the MD5 of its bytes recorded.
async fn check_replicas(
    cluster: &MiniCluster,
    client: &client::DfsClient,
    path: &str,
    data: &[u8],
) {
    let located = eventually(WAIT, "three replicas of every block", async || {
        let located = blocks(client, path).await;
        located
            .iter()
            .all(|block| block.locations.len() == 3)
            .then_some(located)
    })
    .await;
    cluster.wait_for_digests().await.unwrap();
    let mut offset = 0usize;
    for located_block in &located {
        let block = located_block.block.unwrap();
        let bytes = &data[offset..offset + block.num_bytes as usize];
        offset += block.num_bytes as usize;
        for node in &located_block.locations {
            let index = cluster.datanode_at(&node.host).unwrap();
            let store = cluster.datanode(index).unwrap().store();
            let replica = store.replica(block.block_id).unwrap();
            assert_eq!(
                (replica.generation_stamp, replica.length),
                (block.generation_stamp, block.num_bytes),
                "blk_{} on {}",
                block.block_id,
                node.host
            );
            let data_file = cluster.replica_file(index, block.block_id).unwrap();
            assert!(std::fs::read(&data_file).unwrap() == bytes, "{}", node.host);
            let verified = store.verify(block.block_id, &mut |_| {}).unwrap();
            assert_eq!(
                verified,
                datanode::storage::VerifyOutcome::Healthy,
                "{}",
                node.host
            );
            let meta_name = format!("blk_{}_{}.meta", block.block_id, block.generation_stamp);
            let header = std::fs::read(data_file.with_file_name(meta_name)).unwrap();
            assert_eq!(header[7], 1, "digests recorded on {}", node.host);
            assert_eq!(&header[8..24], Md5::digest(bytes).as_slice());
        }
    }
    assert_eq!(offset, data.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_on_a_boundary_inside_a_block_and_to_nothing() {
    let mut cluster = cluster().await;
    let client = cluster.client().unwrap();
    let data = content(2 * BLOCK as usize + 5_000, 7);

    // On a block boundary: done at once, the tail blocks' replicas deleted.
    write_file(&client, "/t/boundary", &data, 3, BLOCK).await;
    let before = blocks(&client, "/t/boundary").await;
    assert_eq!(before.len(), 3);
    let (code, out, err) = dfs(&cluster, &["-truncate", &BLOCK.to_string(), "/t/boundary"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("Truncated /t/boundary to length: {BLOCK}\n"));
    let status = client.get_file_info("/t/boundary").await.unwrap().unwrap();
    assert_eq!((status.length, status.under_construction), (BLOCK, false));
    assert_eq!(
        read_file(&client, "/t/boundary").await,
        &data[..BLOCK as usize]
    );
    for dropped in &before[1..] {
        let block_id = dropped.block.unwrap().block_id;
        eventually(WAIT, "the dropped blocks' replicas deleted", async || {
            (0..cluster.num_datanodes()).all(|index| {
                cluster
                    .datanode(index)
                    .unwrap()
                    .store()
                    .replica(block_id)
                    .is_none()
            })
        })
        .await;
    }

    // Inside a block, -w: the DataNodes cut the finalized replicas.
    write_file(&client, "/t/mid", &data, 3, BLOCK).await;
    let original = blocks(&client, "/t/mid").await;
    let new_length = BLOCK + 300_001;
    let (code, out, err) = dfs(
        &cluster,
        &["-truncate", "-w", &new_length.to_string(), "/t/mid"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("Waiting for /t/mid ...\nTruncated /t/mid to length: {new_length}\n")
    );
    let status = client.get_file_info("/t/mid").await.unwrap().unwrap();
    assert_eq!(
        (status.length, status.under_construction),
        (new_length, false)
    );
    let kept = &data[..new_length as usize];
    assert_eq!(read_file(&client, "/t/mid").await, kept);
    let cut = blocks(&client, "/t/mid").await;
    assert_eq!(cut.len(), 2);
    let (old_last, new_last) = (original[1].block.unwrap(), cut[1].block.unwrap());
    assert_eq!(new_last.block_id, old_last.block_id, "truncated in place");
    assert!(new_last.generation_stamp > old_last.generation_stamp);
    assert_eq!(new_last.num_bytes, 300_001);
    check_replicas(&cluster, &client, "/t/mid", kept).await;
    // Hadoop's file checksum equals that of the same bytes written at once.
    write_file(&client, "/t/at-once", kept, 3, BLOCK).await;
    let truncated = client.file_checksum("/t/mid").await.unwrap();
    let at_once = client.file_checksum("/t/at-once").await.unwrap();
    assert_eq!(truncated.md5, at_once.md5);

    // Inside a block without -w, through the client: false, then closed.
    write_file(&client, "/t/nowait", &data, 3, BLOCK).await;
    let (code, out, err) = dfs(&cluster, &["-truncate", "12345", "/t/nowait"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Truncating /t/nowait to length: 12345. Wait for block recovery to complete before \
         further updating this file.\n"
    );
    wait_closed(&client, "/t/nowait", 12345).await;
    assert_eq!(read_file(&client, "/t/nowait").await, &data[..12345]);

    // To nothing; the same length again is done at once.
    assert!(client.truncate("/t/boundary", 0).await.unwrap());
    assert!(client.truncate("/t/boundary", 0).await.unwrap());
    assert_eq!(read_file(&client, "/t/boundary").await, b"");
    assert!(blocks(&client, "/t/boundary").await.is_empty());

    // Append after truncate continues the cut block.
    let more = content(70_000, 9);
    let mut writer = client.append_writer("/t/mid").await.unwrap();
    writer.write(&more).await.unwrap();
    writer.close().await.unwrap();
    let appended = [kept, more.as_slice()].concat();
    assert_eq!(read_file(&client, "/t/mid").await, appended);
    check_replicas(&cluster, &client, "/t/mid", &appended).await;

    // The edit log (OP_TRUNCATE) replays all of it.
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    let read = eventually(WAIT, "the files read after a restart", async || {
        let mut out = Vec::new();
        let mut reader = client.open("/t/nowait").await.ok()?;
        reader.read_to_end(&mut out).await.ok()?;
        Some(out)
    })
    .await;
    assert_eq!(read, &data[..12345]);
    assert_eq!(read_file(&client, "/t/mid").await, appended);
    let boundary = client.get_file_info("/t/boundary").await.unwrap().unwrap();
    assert_eq!((boundary.length, boundary.under_construction), (0, false));
    let nowait = client.get_file_info("/t/nowait").await.unwrap().unwrap();
    assert!(!nowait.under_construction);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_refusals_follow_hadoop() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    write_file(&client, "/r/f", &content(1000, 1), 3, BLOCK).await;

    // Longer than the file: the NameNode's HadoopIllegalArgumentException, and the shell's
    // own check before it.
    let error = client.truncate("/r/f", 1001).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::HadoopIllegalArgument);
    assert_eq!(
        error.message,
        "Cannot truncate to a larger file size. Current size: 1000, truncate size: 1001."
    );
    let (code, _, err) = dfs(&cluster, &["-truncate", "2000", "/r/f"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "truncate: Cannot truncate to a larger file size. Current size: 1000, truncate size: 2000.\n"
    );

    // Open for writing by someone else, or by the caller itself.
    let options = tusk_tests::create_options(3, BLOCK);
    let mut writer = client.create_writer("/r/open", &options).await.unwrap();
    writer.write(b"abc").await.unwrap();
    let other = cluster.client().unwrap();
    let error = other.truncate("/r/open", 0).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::AlreadyBeingCreated);
    assert!(
        error
            .message
            .starts_with("Failed to TRUNCATE_FILE /r/open for ")
            && error
                .message
                .contains(" because this file lease is currently owned by "),
        "{}",
        error.message
    );
    let error = client.truncate("/r/open", 0).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::AlreadyBeingCreated);
    assert!(
        error
            .message
            .ends_with(" is already the current lease holder."),
        "{}",
        error.message
    );
    writer.close().await.unwrap();

    // A directory, a missing file.
    let error = client.truncate("/r", 0).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    assert_eq!(error.message, "Path is not a file: /r");
    let error = client.truncate("/r/nope", 0).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    assert_eq!(error.message, "File does not exist: /r/nope");
    let (code, _, err) = dfs(&cluster, &["-truncate", "0", "/r", "/r/nope"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "truncate: '/r': Is a directory\ntruncate: '/r/nope': No such file or directory\n"
    );
    let (code, _, err) = dfs(&cluster, &["-truncate", "-1", "/r/f"]);
    assert_ne!(code, 0, "{err}");
    // As Hadoop's CommandFormat: a leading dash is an option.
    assert!(err.starts_with("-truncate: Illegal option -1\n"), "{err}");
    let (code, _, err) = dfs(&cluster, &["-truncate", "x", "/r/f"]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.starts_with(
            "truncate: Illegal length, a non-negative integer expected\n\
             -truncate: For input string: \"x\"\n"
        ),
        "{err}"
    );
    assert_eq!(read_file(&client, "/r/f").await, content(1000, 1));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhdfs_truncate_answers_a_boolean() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let data = content(BLOCK as usize + 4_000, 3);
    write_file(&client, "/w/f", &data, 3, BLOCK).await;
    let web = cluster.namenode_http_address().to_string();
    let user = common::user::os_user();
    let truncate = async |path: &str, query: &str| {
        let reply = request(
            &web,
            "POST",
            &format!("/webhdfs/v1{path}?op=TRUNCATE{query}&user.name={user}"),
            b"",
        )
        .await;
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        (reply.status, body)
    };

    // Inside the second block: false until the DataNodes have cut it.
    let (status, body) = truncate("/w/f", "&newlength=1048676").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({ "boolean": false }));
    wait_closed(&client, "/w/f", BLOCK + 100).await;
    assert_eq!(
        read_file(&client, "/w/f").await,
        &data[..BLOCK as usize + 100]
    );

    // On a boundary: true.
    let (status, body) = truncate("/w/f", "&newlength=1048576").await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({ "boolean": true }))
    );
    assert_eq!(read_file(&client, "/w/f").await, &data[..BLOCK as usize]);

    // Hadoop's errors.
    let (status, body) = truncate("/w/f", "").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["RemoteException"]["message"],
        "Required param newlength for op: TRUNCATE is null or empty"
    );
    let (status, body) = truncate("/w/f", "&newlength=99999999").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["RemoteException"]["exception"],
        "HadoopIllegalArgumentException"
    );
    let (status, body) = truncate("/w/nope", "&newlength=0").await;
    assert_eq!(status, 404, "{body}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncate_cut_short_by_a_restart_is_finished_by_lease_recovery() {
    let mut cluster = cluster().await;
    let client = cluster.client().unwrap();
    let data = content(BLOCK as usize + 50_000, 4);
    write_file(&client, "/t/f", &data, 3, BLOCK).await;
    let original = blocks(&client, "/t/f").await[1].block.unwrap();

    // No DataNode to cut the block: the file stays open, being truncated,
    // across a NameNode restart (OP_TRUNCATE replayed).
    for index in 0..3 {
        cluster.stop_datanode(index).await;
    }
    assert!(!client.truncate("/t/f", BLOCK + 20_000).await.unwrap());
    cluster.restart_namenode().await.unwrap();
    for index in 0..3 {
        cluster.start_datanode(index).await.unwrap();
    }
    let client = cluster.client().unwrap();
    let status = client.get_file_info("/t/f").await.unwrap().unwrap();
    assert_eq!(
        (status.length, status.under_construction),
        (BLOCK + 20_000, true)
    );

    // The replicas still have the stamp from before the truncate; the lease
    // recovery cuts them to the truncate length, never back to theirs.
    let namesystem = cluster.namesystem().unwrap().clone();
    let block_id = common::ids::BlockId(original.block_id);
    eventually(WAIT, "the old replicas reported", async || {
        namesystem.blocks().locations(block_id, "").locations.len() == 3
    })
    .await;
    // One recovery (each call would start another, at a newer stamp).
    let recovered = eventually(WAIT, "the lease recovery started", async || {
        client.recover_lease("/t/f").await.ok()
    })
    .await;
    assert!(!recovered, "the block is to be cut first");
    wait_closed(&client, "/t/f", BLOCK + 20_000).await;
    let kept = &data[..BLOCK as usize + 20_000];
    assert_eq!(read_file(&client, "/t/f").await, kept);
    let cut = blocks(&client, "/t/f").await[1].block.unwrap();
    assert_eq!(cut.block_id, original.block_id);
    assert!(cut.generation_stamp > original.generation_stamp);
    check_replicas(&cluster, &client, "/t/f", kept).await;
    cluster.shutdown().await;
}
