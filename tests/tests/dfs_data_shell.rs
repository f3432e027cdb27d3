//! `hdfs dfs` data commands and `hdfs fsck` / `dfsadmin -report` as users
//! run them: the real binary against a mini-cluster with DataNodes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::binary;

fn hdfs(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary("hdfs"))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("HADOOP_USER_NAME")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(conf_dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = hdfs(conf_dir, args);
    assert_eq!(code, 0, "hdfs {args:?} failed: {err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_get_cat_checksum_and_fsck() {
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r1", "/r2"])
        .set("dfs.blocksize", "1m")
        .build()
        .await
        .unwrap();
    let conf = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let source = local.path().join("input.txt");
    let text: String = (0..60_000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&source, &text).unwrap();

    ok(&conf, &["dfs", "-mkdir", "-p", "/in"]);
    ok(
        &conf,
        &["dfs", "-put", source.to_str().unwrap(), "/in/input.txt"],
    );
    let (code, _, err) = hdfs(
        &conf,
        &["dfs", "-put", source.to_str().unwrap(), "/in/input.txt"],
    );
    assert_eq!((code, err.trim()), (1, "put: '/in/input.txt': File exists"));
    assert!(
        ok(&conf, &["dfs", "-ls", "/in"])
            .lines()
            .all(|line| !line.contains("._COPYING_"))
    );
    assert_eq!(ok(&conf, &["dfs", "-cat", "/in/input.txt"]), text);
    assert_eq!(ok(&conf, &["dfs", "-head", "/in/input.txt"]), text[..1024]);
    assert_eq!(
        ok(&conf, &["dfs", "-tail", "/in/input.txt"]),
        text[text.len() - 1024..]
    );

    let copy = local.path().join("copy.txt");
    ok(
        &conf,
        &["dfs", "-get", "/in/input.txt", copy.to_str().unwrap()],
    );
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), text);
    ok(&conf, &["dfs", "-cp", "/in/input.txt", "/in/copy.txt"]);
    let checksums = ok(
        &conf,
        &["dfs", "-checksum", "/in/input.txt", "/in/copy.txt"],
    );
    let sums: Vec<&str> = checksums
        .lines()
        .map(|line| line.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(sums.len(), 2);
    assert_eq!(sums[0], sums[1], "a copy has the same checksum");
    assert!(
        checksums.starts_with("/in/input.txt\tMD5-of-0MD5-of-512CRC32C\t000002000000000000000000"),
        "{checksums}"
    );

    cluster
        .wait_fully_replicated(Duration::from_secs(30))
        .await
        .unwrap();
    let (code, out, _) = hdfs(&conf, &["fsck", "/", "-files", "-blocks", "-racks"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Status: HEALTHY"), "{out}");
    let pool = &cluster.namesystem().unwrap().storage_info().block_pool_id;
    assert!(
        out.contains(&format!(" {pool}:blk_")),
        "blocks are named with their pool: {out}"
    );
    assert!(
        out.contains("The filesystem under path '/' is HEALTHY"),
        "{out}"
    );
    assert!(
        out.contains("Number of racks:\t\t2") || out.contains("Number of racks:"),
        "{out}"
    );
    let report = ok(&conf, &["dfsadmin", "-report"]);
    assert!(report.contains("Live datanodes (3):"), "{report}");
    let topology = ok(&conf, &["dfsadmin", "-printTopology"]);
    assert!(
        topology.contains("Rack: /r1") && topology.contains("Rack: /r2"),
        "{topology}"
    );
    cluster.shutdown().await;
}
