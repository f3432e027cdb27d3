//! More `hdfs dfs` commands as users run them (issue 22): `-find`, `-moveFromLocal`,
//! `-moveToLocal`, `-text` and the commands whose features Tusk lacks, through the real
//! binary against a mini-cluster, checking Hadoop's output, messages and exit codes.

use std::path::Path;
use std::process::Command;

use minicluster::MiniCluster;
use tusk_tests::binary;

/// `compressed with gzip\nsecond line\n`, gzip-compressed (no name, mtime 0).
const GZIP: &[u8] = &[
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 75, 206, 207, 45, 40, 74, 45, 46, 78, 77, 81, 40, 207, 44,
    201, 80, 72, 175, 202, 44, 224, 42, 78, 77, 206, 207, 75, 81, 200, 201, 204, 75, 229, 2, 0,
    155, 216, 141, 86, 33, 0, 0, 0,
];
/// `compressed with deflate\n`, zlib-wrapped as Hadoop's DefaultCodec writes `.deflate`.
const DEFLATE: &[u8] = &[
    120, 156, 75, 206, 207, 45, 40, 74, 45, 46, 78, 77, 81, 40, 207, 44, 201, 80, 72, 73, 77, 203,
    73, 44, 73, 229, 2, 0, 119, 45, 9, 17,
];
/// `compressed with bzip2\n`, bzip2-compressed.
const BZIP2: &[u8] = &[
    66, 90, 104, 57, 49, 65, 89, 38, 83, 89, 70, 168, 124, 158, 0, 0, 2, 217, 128, 0, 16, 64, 0,
    16, 0, 30, 98, 220, 144, 32, 0, 49, 67, 77, 48, 0, 80, 52, 6, 30, 165, 247, 175, 162, 113, 153,
    192, 120, 23, 190, 202, 146, 46, 228, 138, 112, 161, 32, 141, 80, 249, 60,
];

fn dfs(conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary("hdfs"))
        .arg("dfs")
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("HADOOP_USER_NAME")
        .output()
        .expect("run hdfs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(conf_dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = dfs(conf_dir, args);
    assert_eq!(code, 0, "hdfs dfs {args:?} failed: {err}");
    out
}

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .datanodes(1)
        .set("dfs.replication", "1")
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_matches_names_and_reports_missing_paths() {
    let cluster = cluster().await;
    let conf = cluster.conf_dir();
    ok(&conf, &["-mkdir", "-p", "/t/sub"]);
    ok(
        &conf,
        &[
            "-touchz",
            "/t/a.txt",
            "/t/B.TXT",
            "/t/sub/c.txt",
            "/t/sub/d.log",
        ],
    );

    assert_eq!(
        ok(&conf, &["-find", "/t"]),
        "/t\n/t/B.TXT\n/t/a.txt\n/t/sub\n/t/sub/c.txt\n/t/sub/d.log\n"
    );
    assert_eq!(
        ok(&conf, &["-find", "/t", "-name", "*.txt", "-print"]),
        "/t/a.txt\n/t/sub/c.txt\n"
    );
    assert_eq!(
        ok(&conf, &["-find", "/t", "-iname", "*.txt"]),
        "/t/B.TXT\n/t/a.txt\n/t/sub/c.txt\n"
    );
    assert_eq!(
        ok(&conf, &["-find", "/t", "-name", "[st]*"]),
        "/t\n/t/sub\n",
        "the start path is matched too"
    );
    assert_eq!(
        ok(&conf, &["-find", "/t/sub/d.log", "-name", "?.log"]),
        "/t/sub/d.log\n"
    );

    let (code, out, err) = dfs(&conf, &["-find", "/nope", "/t/sub", "-name", "c.*"]);
    assert_eq!(code, 1);
    assert_eq!(out, "/t/sub/c.txt\n");
    assert_eq!(err, "find: '/nope': No such file or directory\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_from_local_deletes_the_source_and_move_to_local_is_unimplemented() {
    let cluster = cluster().await;
    let conf = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let source = local.path().join("moved.txt");
    let text: String = (0..2_000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&source, &text).unwrap();
    let tree = local.path().join("tree");
    std::fs::create_dir_all(tree.join("inner")).unwrap();
    std::fs::write(tree.join("inner/f"), "in a tree\n").unwrap();

    ok(&conf, &["-mkdir", "/m"]);
    ok(&conf, &["-moveFromLocal", source.to_str().unwrap(), "/m/"]);
    assert!(!source.exists(), "the local file is gone");
    assert_eq!(ok(&conf, &["-cat", "/m/moved.txt"]), text);

    ok(&conf, &["-moveFromLocal", tree.to_str().unwrap(), "/m"]);
    assert!(!tree.exists(), "the local directory is gone");
    assert_eq!(ok(&conf, &["-cat", "/m/tree/inner/f"]), "in a tree\n");

    // A failed copy keeps the source.
    std::fs::write(&source, "again\n").unwrap();
    let (code, _, err) = dfs(&conf, &["-moveFromLocal", source.to_str().unwrap(), "/m"]);
    assert_eq!(
        (code, err.trim_end()),
        (1, "moveFromLocal: '/m/moved.txt': File exists")
    );
    assert!(source.exists());

    let (code, out, err) = dfs(&conf, &["-moveToLocal", "/m/moved.txt", "/tmp/x"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "moveToLocal: Option '-moveToLocal' is not implemented yet.\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_features_answer_hadoops_not_supported_errors() {
    let cluster = cluster().await;
    let conf = cluster.conf_dir();
    ok(&conf, &["-mkdir", "/d"]);
    ok(&conf, &["-touchz", "/d/f", "/d/g"]);
    let cases: [(&[&str], &str); 9] = [
        (
            &["-createSnapshot", "/d", "s1"],
            "createSnapshot: DistributedFileSystem doesn't support createSnapshot",
        ),
        (
            &["-deleteSnapshot", "/d", "s1"],
            "deleteSnapshot: DistributedFileSystem doesn't support deleteSnapshot",
        ),
        (
            &["-renameSnapshot", "/d", "s1", "s2"],
            "renameSnapshot: DistributedFileSystem doesn't support renameSnapshot",
        ),
        (
            &["-getfacl", "/d"],
            "getfacl: DistributedFileSystem doesn't support getAclStatus",
        ),
        (
            &["-setfacl", "-m", "user:bob:rwx", "/d"],
            "setfacl: DistributedFileSystem doesn't support modifyAclEntries",
        ),
        (
            &["-setfacl", "--set", "user::rwx,group::r-x,other::---", "/d"],
            "setfacl: DistributedFileSystem doesn't support setAcl",
        ),
        (
            &["-getfattr", "-d", "/d"],
            "getfattr: DistributedFileSystem doesn't support getXAttrs",
        ),
        (
            &["-setfattr", "-n", "user.a", "-v", "1", "/d"],
            "setfattr: DistributedFileSystem doesn't support setXAttr",
        ),
        (
            &["-setfattr", "-x", "user.a", "/d"],
            "setfattr: DistributedFileSystem doesn't support removeXAttr",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = dfs(&conf, args);
        assert_eq!((code, err.trim_end()), (1, message), "hdfs dfs {args:?}");
        assert!(out.is_empty());
    }
    let usage = ok(&conf, &["-usage", "truncate", "createSnapshot"]);
    assert_eq!(
        usage,
        "Usage: hadoop fs [generic options] -truncate [-w] <length> <path> ...\n\
         Usage: hadoop fs [generic options] -createSnapshot <snapshotDir> [<snapshotName>]\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_decompresses_by_magic_and_extension() {
    let cluster = cluster().await;
    let conf = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let files = [
        ("a.gz", GZIP),
        ("gzip-without-extension", GZIP),
        ("b.deflate", DEFLATE),
        ("c.bz2", BZIP2),
        ("plain.txt", b"just text\n".as_slice()),
    ];
    ok(&conf, &["-mkdir", "/x"]);
    for (name, data) in files {
        let path = local.path().join(name);
        std::fs::write(&path, data).unwrap();
        ok(&conf, &["-put", path.to_str().unwrap(), "/x/"]);
    }
    assert_eq!(
        ok(&conf, &["-text", "/x/a.gz"]),
        "compressed with gzip\nsecond line\n"
    );
    assert_eq!(
        ok(&conf, &["-text", "/x/gzip-without-extension"]),
        "compressed with gzip\nsecond line\n"
    );
    assert_eq!(
        ok(&conf, &["-text", "/x/b.deflate"]),
        "compressed with deflate\n"
    );
    assert_eq!(ok(&conf, &["-text", "/x/c.bz2"]), "compressed with bzip2\n");
    assert_eq!(ok(&conf, &["-text", "/x/plain.txt"]), "just text\n");
    // -cat shows the bytes as stored.
    let (_, raw, _) = dfs(&conf, &["-cat", "/x/b.deflate"]);
    assert_ne!(raw, "compressed with deflate\n");

    let (code, out, err) = dfs(&conf, &["-text", "/x/nope.gz", "/x/plain.txt"]);
    assert_eq!(code, 1);
    assert_eq!(out, "just text\n");
    assert_eq!(err, "text: '/x/nope.gz': No such file or directory\n");
}
