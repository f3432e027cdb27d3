//! Unmodified Hadoop clients read and write Tusk over `hdfs://`: the `hdfs-native` crate (Hadoop
//! IPC to the NameNode, DataTransferProtocol to the DataNodes, nothing of Tusk's) puts and gets
//! files of every size through 3-replica pipelines, appends, renames, deletes and changes
//! attributes; reads on while a DataNode dies; writes on while a DataNode of its pipeline dies;
//! fails over between the NameNodes of an HA nameservice. What it writes, Tusk's own client
//! reads byte for byte, and the other way round.

use bytes::Bytes;
use client::DfsClient;
use hdfs_native::{Client, ClientBuilder, WriteOptions};
use minicluster::MiniCluster;
use minicluster::ha::HaCluster;
use std::collections::HashMap;
use std::time::Duration;
use tusk_tests::{binary, content, eventually, read_file, write_file};

/// Small blocks, so that a few megabytes span many of them.
const BLOCK: u64 = 1024 * 1024;

fn hadoop_client(url: String) -> Client {
    ClientBuilder::new()
        .with_url(url)
        .with_user(common::user::os_user())
        .build()
        .unwrap()
}

fn client_of(cluster: &MiniCluster) -> Client {
    hadoop_client(format!("hdfs://{}", cluster.namenode_rpc_address()))
}

fn options(replication: u32) -> WriteOptions {
    WriteOptions {
        block_size: Some(BLOCK),
        replication: Some(replication),
        ..WriteOptions::default()
    }
}

/// Writes `data` through `client` in 100 KiB pieces (packets cross chunk and block ends).
async fn put(client: &Client, path: &str, data: &[u8], replication: u32) {
    let mut writer = client.create(path, options(replication)).await.unwrap();
    for piece in data.chunks(100 * 1024) {
        writer
            .write_bytes(Bytes::copy_from_slice(piece))
            .await
            .unwrap();
    }
    writer.close().await.unwrap();
}

async fn get(client: &Client, path: &str) -> Vec<u8> {
    let reader = client.read(path).await.unwrap();
    let length = reader.file_length();
    reader.read_range(0, length).await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_puts_and_gets_files_of_every_size() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await
        .unwrap();
    let hadoop = client_of(&cluster);
    let tusk = cluster.client().unwrap();
    let sizes = [
        0,
        1,
        511,
        513,
        BLOCK as usize + 1,
        5 * BLOCK as usize + 12_345,
    ];
    for (index, size) in sizes.into_iter().enumerate() {
        let data = content(size, index as u8);
        // Hadoop writes, both read.
        let path = format!("/put/hadoop-{size}");
        put(&hadoop, &path, &data, 3).await;
        assert!(
            get(&hadoop, &path).await == data,
            "{path} through hdfs-native"
        );
        assert!(read_file(&tusk, &path).await == data, "{path} through Tusk");
        let status = hadoop.get_file_info(&path).await.unwrap();
        assert_eq!(status.length, size);
        assert_eq!(status.replication, Some(3));
        // Tusk writes, Hadoop reads, at every offset that matters.
        let path = format!("/put/tusk-{size}");
        write_file(&tusk, &path, &data, 3, BLOCK).await;
        assert!(
            get(&hadoop, &path).await == data,
            "{path} through hdfs-native"
        );
        let reader = hadoop.read(&path).await.unwrap();
        for offset in [1, 511, 512, BLOCK as usize - 1, BLOCK as usize + 7] {
            if offset < size {
                let len = (size - offset).min(1000);
                let got = reader.read_range(offset, len).await.unwrap();
                assert!(got[..] == data[offset..offset + len], "{path} at {offset}");
            }
        }
    }
    // Every replica the Hadoop client wrote is whole: the block checksums Tusk computes
    // agree across the replicas and with the ones of Tusk's own copy.
    let big = 5 * BLOCK + 12_345;
    let hadoop_written = tusk
        .file_checksum(&format!("/put/hadoop-{big}"))
        .await
        .unwrap();
    let tusk_written = tusk
        .file_checksum(&format!("/put/tusk-{big}"))
        .await
        .unwrap();
    assert_eq!(hadoop_written, tusk_written);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_appends_renames_deletes_and_sets_attributes() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await
        .unwrap();
    let hadoop = client_of(&cluster);
    let tusk = cluster.client().unwrap();
    let first = content(700_000, 1);
    put(&hadoop, "/work/log", &first, 3).await;
    let second = content(300_001, 2);
    let mut appender = hadoop.append("/work/log").await.unwrap();
    appender
        .write_bytes(Bytes::copy_from_slice(&second))
        .await
        .unwrap();
    appender.close().await.unwrap();
    let mut whole = first.clone();
    whole.extend_from_slice(&second);
    assert!(get(&hadoop, "/work/log").await == whole);
    assert!(read_file(&tusk, "/work/log").await == whole);

    hadoop
        .rename("/work/log", "/work/log.1", false)
        .await
        .unwrap();
    assert!(tusk.stat("/work/log").await.is_err());
    hadoop.set_permission("/work/log.1", 0o600).await.unwrap();
    hadoop
        .set_owner("/work/log.1", Some("alice"), Some("staff"))
        .await
        .unwrap();
    hadoop.set_replication("/work/log.1", 2).await.unwrap();
    let status = tusk.stat("/work/log.1").await.unwrap();
    assert_eq!(status.permission, common::FsPermission::new(0o600));
    assert_eq!((&*status.owner, &*status.group), ("alice", "staff"));
    assert_eq!(status.replication, 2);

    let summary = hadoop.get_content_summary("/work").await.unwrap();
    assert_eq!(summary.length, whole.len() as u64);
    assert_eq!((summary.file_count, summary.directory_count), (1, 1));

    assert!(hadoop.delete("/work", true).await.unwrap());
    assert!(tusk.stat("/work").await.is_err());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_reads_on_while_a_datanode_dies() {
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await
        .unwrap();
    let tusk = cluster.client().unwrap();
    let data = content(4 * BLOCK as usize, 9);
    write_file(&tusk, "/read/f", &data, 3, BLOCK).await;
    let hadoop = client_of(&cluster);
    let reader = hadoop.read("/read/f").await.unwrap();
    let half = data.len() / 2;
    assert!(reader.read_range(0, half).await.unwrap()[..] == data[..half]);
    cluster.stop_datanode(0).await;
    cluster.stop_datanode(1).await;
    // One replica of each block is left, on the third DataNode.
    let rest = reader.read_range(half, data.len() - half).await.unwrap();
    assert!(rest[..] == data[half..]);
    assert!(get(&hadoop, "/read/f").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hadoop_client_writes_on_while_a_datanode_of_its_pipeline_dies() {
    let mut cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2", "/r2"])
        .build()
        .await
        .unwrap();
    let hadoop = client_of(&cluster);
    // The DataNode dies while the last block is written: the client replaces it (Hadoop's
    // DEFAULT replace-datanode-on-failure policy: getAdditionalDatanode, TRANSFER_BLOCK
    // from a survivor, a streaming recovery at a new generation stamp) and goes on. (A
    // block allocated after it died could still be placed on it: the NameNode learns of a
    // death only when its heartbeats stop for long enough, and neither Hadoop's NameNode nor
    // this client's setup of a new pipeline works around that.)
    // The block is large enough that the client learns of the death from its acks long
    // before it sends the block's last packet (a failure after that needs a close recovery,
    // which this client does not do, against Hadoop's DataNodes either).
    let block = 32 * BLOCK;
    let data = content(24 * BLOCK as usize, 5);
    let mut writer = hadoop
        .create(
            "/pipeline/f",
            WriteOptions {
                block_size: Some(block),
                ..options(3)
            },
        )
        .await
        .unwrap();
    let (head, tail) = data.split_at(2 * BLOCK as usize);
    writer
        .write_bytes(Bytes::copy_from_slice(head))
        .await
        .unwrap();
    // Kill one DataNode of the open block's pipeline (every one holds a replica being
    // written, or none: take the first that does).
    let tusk = cluster.client().unwrap();
    let victim = eventually(
        Duration::from_secs(30),
        "the block under construction to have locations",
        async || {
            let (_, blocks, _) = tusk
                .block_locations("/pipeline/f", 0, u64::MAX)
                .await
                .ok()?;
            blocks.last()?.locations.get(1).cloned()
        },
    )
    .await;
    let index = (0..4)
        .find(|&index| {
            cluster.datanode(index).is_ok_and(|datanode| {
                datanode.xfer_address().port() == victim.xfer_port as u16
                    && datanode.xfer_address().ip().to_string() == victim.host
            })
        })
        .expect("the victim is one of the cluster's DataNodes");
    cluster.stop_datanode(index).await;
    for piece in tail.chunks(100 * 1024) {
        writer
            .write_bytes(Bytes::copy_from_slice(piece))
            .await
            .unwrap();
    }
    writer.close().await.unwrap();
    // A DataNode took the dead one's place: three replicas, none on it.
    eventually(
        Duration::from_secs(30),
        "three replicas on live DataNodes",
        async || {
            let Ok((_, blocks, _)) = tusk.block_locations("/pipeline/f", 0, u64::MAX).await else {
                return false;
            };
            blocks.iter().all(|block| {
                block.locations.len() == 3
                    && !block
                        .locations
                        .iter()
                        .any(|location| location.xfer_port == victim.xfer_port)
            })
        },
    )
    .await;
    assert!(read_file(&tusk, "/pipeline/f").await == data);
    assert!(get(&hadoop, "/pipeline/f").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hadoop_client_of_a_nameservice_fails_over_to_the_new_active() {
    let mut cluster = HaCluster::builder()
        .hdfs_binary(binary("hdfs"))
        .build()
        .await
        .unwrap();
    let first = cluster
        .wait_for_active(None, Duration::from_secs(30))
        .await
        .unwrap();
    let nameservice = minicluster::ha::NAMESERVICE;
    let mut config = HashMap::new();
    config.insert("dfs.nameservices".to_string(), nameservice.to_string());
    config.insert(
        format!("dfs.ha.namenodes.{nameservice}"),
        "nn0,nn1".to_string(),
    );
    for index in 0..2 {
        config.insert(
            format!("dfs.namenode.rpc-address.{nameservice}.nn{index}"),
            cluster.namenode_rpc_address(index),
        );
    }
    let hadoop = ClientBuilder::new()
        .with_url(format!("hdfs://{nameservice}"))
        .with_user(common::user::os_user())
        .with_config(config)
        .build()
        .unwrap();
    let data = content(300_000, 3);
    put(&hadoop, "/ha/before", &data, 3).await;
    cluster.kill_namenode(first);
    cluster
        .wait_for_active(Some(1 - first), Duration::from_secs(60))
        .await
        .unwrap();
    // The client finds the new active past the dead one (and past a standby's
    // StandbyException) and carries on.
    assert!(get(&hadoop, "/ha/before").await == data);
    put(&hadoop, "/ha/after", &data, 3).await;
    let tusk: DfsClient = cluster.client().unwrap();
    assert!(read_file(&tusk, "/ha/after").await == data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_hadoop_clients_work_against_tusk() {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import hdfs_native, snakebite.client"])
        .env("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")
        .status()
        .is_ok_and(|status| status.success());
    if !importable {
        eprintln!(
            "SKIPPED: python3 cannot import hdfs_native and snakebite \
             (pip install hdfs-native snakebite-py3 'protobuf<4'; .ci/run installs them)"
        );
        return;
    }
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .build()
        .await
        .unwrap();
    let user = common::user::os_user();
    cluster.create_home_dirs(&user).await.unwrap();
    let address = cluster.namenode_rpc_address();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/hadoop_python_clients.py"
    );
    let output = tokio::process::Command::new("python3")
        .args([
            script,
            &address.ip().to_string(),
            &address.port().to_string(),
            &user,
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("ALL OK"), "{stdout}");
    // What the scripts left, seen through Tusk's own client.
    let tusk = cluster.client().unwrap();
    let left = read_file(&tusk, &format!("/user/{user}/python/renamed.bin")).await;
    let mut expected = content(3 * 1024 * 1024 + 77, 4);
    expected.extend_from_slice(b"tail");
    assert!(left == expected);
    cluster.shutdown().await;
}
