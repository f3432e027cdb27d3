//! `distcp` end to end: the job binary as its client against a mini-cluster,
//! its copy tasks in NodeManager containers. Trees are compared byte for
//! byte and by file checksum; `-update` is judged by DistCp's counters.

use client::DfsClient;
use common::FsPermission;
use minicluster::MiniCluster;
use tusk_tests::{content, read_file, run_binary, write_file};

const BLOCK: u64 = 16 * 1024;

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .datanodes(3)
        .nodemanagers(2)
        .build()
        .await
        .unwrap()
}

/// The value of counter `name` in a job's report (0 when not reported).
fn counter(stderr: &str, name: &str) -> u64 {
    stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix(name)?.strip_prefix('='))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// Every file under `root` (relative path -> contents) and every directory.
async fn tree(client: &DfsClient, root: &str) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut pending = vec![root.to_string()];
    while let Some(dir) = pending.pop() {
        for entry in client.list(&dir).await.unwrap() {
            let relative = entry.path[root.len()..].to_string();
            if entry.is_dir {
                dirs.push(relative);
                pending.push(entry.path.clone());
            } else {
                files.push((relative, read_file(client, &entry.path).await));
            }
        }
    }
    files.sort();
    dirs.sort();
    (files, dirs)
}

async fn assert_same_checksums(client: &DfsClient, left: &str, right: &str) {
    let (files, _) = tree(client, left).await;
    for (relative, _) in files {
        let source = client
            .file_checksum(&format!("{left}{relative}"))
            .await
            .unwrap();
        let copy = client
            .file_checksum(&format!("{right}{relative}"))
            .await
            .unwrap();
        assert_eq!(source, copy, "{relative}");
    }
}

/// The source tree: a small file, an empty file, one of several blocks, a
/// nested file and an empty directory.
async fn write_tree(client: &DfsClient, root: &str) -> u64 {
    let files: [(&str, Vec<u8>); 4] = [
        ("a.txt", b"alpha beta\n".to_vec()),
        ("empty", Vec::new()),
        ("sub/big", content(5 * BLOCK as usize + 777, 7)),
        ("sub/deeper/c", content(3000, 9)),
    ];
    let mut bytes = 0;
    for (name, data) in &files {
        write_file(client, &format!("{root}/{name}"), data, 2, BLOCK).await;
        bytes += data.len() as u64;
    }
    client
        .mkdirs(&format!("{root}/emptydir"), FsPermission::new(0o755), true)
        .await
        .unwrap();
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distcp_copies_trees_and_updates_only_what_changed() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    let bytes = write_tree(&client, "/src").await;

    // A new target: it becomes the copy of the source directory.
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["-pb", "-m", "3", "/src", "/dst"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("INFO tools.DistCp: Input Options: DistCpOptions{"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Number of paths in the copy list: 8"),
        "{stderr}"
    );
    assert!(stderr.contains("DistCp Counters"), "{stderr}");
    assert_eq!(counter(&stderr, "Files Copied"), 4, "{stderr}");
    assert_eq!(counter(&stderr, "Bytes Copied"), bytes, "{stderr}");
    assert_eq!(counter(&stderr, "Bytes Expected"), bytes, "{stderr}");
    let (source_files, source_dirs) = tree(&client, "/src").await;
    let (copied_files, copied_dirs) = tree(&client, "/dst").await;
    assert_eq!(copied_files, source_files);
    assert_eq!(copied_dirs, source_dirs);
    assert!(copied_dirs.contains(&"/emptydir".to_string()));
    assert_same_checksums(&client, "/src", "/dst").await;

    // -update: only the changed and the new file are copied.
    client.delete("/src/a.txt", false).await.unwrap();
    write_file(&client, "/src/a.txt", b"alpha gamma\n", 2, BLOCK).await;
    write_file(&client, "/src/sub/new", b"new file\n", 2, BLOCK).await;
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["-update", "-pb", "/src", "/dst"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counter(&stderr, "Files Copied"), 2, "{stderr}");
    assert_eq!(counter(&stderr, "Files Skipped"), 3, "{stderr}");
    assert_eq!(
        counter(&stderr, "Bytes Expected"),
        counter(&stderr, "Bytes Copied"),
        "{stderr}"
    );
    assert_eq!(
        counter(&stderr, "Bytes Skipped"),
        5 * BLOCK + 777 + 3000,
        "{stderr}"
    );
    assert_eq!(read_file(&client, "/dst/a.txt").await, b"alpha gamma\n");
    assert_eq!(tree(&client, "/dst").await, tree(&client, "/src").await);
    assert_same_checksums(&client, "/src", "/dst").await;

    // -update -delete: what the source no longer has goes from the target.
    client.delete("/src/empty", false).await.unwrap();
    client.delete("/src/emptydir", true).await.unwrap();
    let (code, stderr) = run_binary(
        &conf_dir,
        "distcp",
        &["-update", "-delete", "-pb", "/src", "/dst"],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(counter(&stderr, "Files Copied"), 0, "{stderr}");
    assert!(
        stderr.contains("Deleted from target: files: 1 directories: 1;"),
        "{stderr}"
    );
    assert_eq!(tree(&client, "/dst").await, tree(&client, "/src").await);

    // An existing target directory without -update: the source goes under it.
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["-pb", "/src/sub", "/dst/sub"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read_file(&client, "/dst/sub/sub/deeper/c").await,
        content(3000, 9)
    );

    // A copy whose checksum differs from its source's (other block size,
    // as without -pb) fails its task with the reason and leaves nothing.
    let (code, stderr) = run_binary(
        &conf_dir,
        "distcp",
        &[
            "-D",
            "dfs.blocksize=1m",
            "-D",
            "mapreduce.map.maxattempts=1",
            "/src/sub/big",
            "/mismatch",
        ],
    )
    .await;
    assert_eq!(code, 25, "{stderr}");
    assert!(
        stderr.contains("Checksum mismatch between hdfs://"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Use -pb to preserve block-sizes"),
        "{stderr}"
    );
    assert!(client.get_file_info("/mismatch").await.unwrap().is_none());
    let leftovers = client.list("/").await.unwrap();
    assert!(
        leftovers
            .iter()
            .all(|entry| !entry.name().starts_with(".distcp.tmp.")),
        "a failed copy's temp file is removed"
    );

    // A missing source fails before any job, with Hadoop's message and code.
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["/nope", "/dst2"]).await;
    assert_eq!(code, 255, "{stderr}");
    assert!(stderr.contains("Input source hdfs://"), "{stderr}");
    assert!(stderr.contains("/nope doesn't exist"), "{stderr}");
    assert!(!stderr.contains("Running job"), "{stderr}");
    assert!(client.get_file_info("/dst2").await.unwrap().is_none());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distcp_preserves_attributes_and_crosses_file_systems() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    let conf_dir = cluster.conf_dir();
    write_tree(&client, "/psrc").await;
    client
        .set_permission("/psrc/a.txt", FsPermission::new(0o640))
        .await
        .unwrap();
    client
        .set_owner("/psrc/a.txt", Some("alice"), Some("staff"))
        .await
        .unwrap();
    client.set_replication("/psrc/sub/big", 1).await.unwrap();
    client
        .set_times("/psrc/sub/deeper/c", 1_500_000_000_000, 1_500_000_000_000)
        .await
        .unwrap();

    // -p through `hadoop distcp`.
    let output = tokio::process::Command::new(tusk_tests::binary("hadoop"))
        .args(["distcp", "-p", "/psrc", "/pdst"])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for relative in ["/a.txt", "/empty", "/sub/big", "/sub/deeper/c", "/emptydir"] {
        let source = client
            .get_file_info(&format!("/psrc{relative}"))
            .await
            .unwrap()
            .unwrap();
        let copy = client
            .get_file_info(&format!("/pdst{relative}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(copy.permission, source.permission, "{relative}");
        assert_eq!(copy.owner, source.owner, "{relative}");
        assert_eq!(copy.group, source.group, "{relative}");
        assert_eq!(copy.replication, source.replication, "{relative}");
        assert_eq!(copy.block_size, source.block_size, "{relative}");
        assert_eq!(
            copy.modification_time, source.modification_time,
            "{relative}"
        );
    }
    let copied = client.get_file_info("/pdst/a.txt").await.unwrap().unwrap();
    assert_eq!(copied.permission, FsPermission::new(0o640));
    assert_eq!(
        (copied.owner.as_str(), copied.group.as_str()),
        ("alice", "staff")
    );
    assert_eq!(
        client
            .get_file_info("/pdst/sub/big")
            .await
            .unwrap()
            .unwrap()
            .replication,
        1
    );

    // hdfs:// -> file:// -> hdfs:// (the tasks run on this machine).
    let local = tempfile::tempdir().unwrap();
    let local_copy = local.path().join("copy");
    let local_uri = format!("file://{}", local_copy.display());
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["/psrc", &local_uri]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(local_copy.join("sub/big")).unwrap(),
        content(5 * BLOCK as usize + 777, 7)
    );
    assert_eq!(std::fs::read(local_copy.join("empty")).unwrap(), b"");
    assert!(local_copy.join("emptydir").is_dir());
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["-pb", &local_uri, "/back"]).await;
    assert_eq!(code, 0, "{stderr}");
    let (source_files, _) = tree(&client, "/psrc").await;
    let (back_files, _) = tree(&client, "/back").await;
    assert_eq!(back_files, source_files);

    // The local job runner (the default outside a YARN cluster) copies too.
    let (code, stderr) = run_binary(
        &conf_dir,
        "distcp",
        &[
            "-D",
            "mapreduce.framework.name=local",
            "-pb",
            "/psrc",
            "/local-runner",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Submitted application"), "{stderr}");
    assert_eq!(tree(&client, "/local-runner").await.0, source_files);

    // hdfs:// -> webhdfs://, checked with the same file checksums.
    let webhdfs = format!("webhdfs://{}/web", cluster.namenode_http_address());
    let (code, stderr) = run_binary(&conf_dir, "distcp", &["-pb", "/psrc", &webhdfs]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tree(&client, "/web").await.0, source_files);
    assert_same_checksums(&client, "/psrc", "/web").await;
    cluster.shutdown().await;
}
