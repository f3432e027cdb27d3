//! `hdfs dfs` on `webhdfs://` paths, as users run it: the real binary against a
//! mini-cluster, copying between `hdfs://`, `webhdfs://` and local files and
//! checking that both schemes show the same namespace the same way.

use std::path::Path;
use std::process::Command;

use minicluster::MiniCluster;
use tusk_tests::binary;

/// `hdfs dfs ARGS` with the cluster's conf dir: exit code, raw stdout, stderr.
fn dfs(conf_dir: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let output = Command::new(binary("hdfs"))
        .arg("dfs")
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("HADOOP_USER_NAME")
        .output()
        .expect("run hdfs");
    (
        output.status.code().unwrap_or(-1),
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Stdout of a command that must succeed.
fn ok(conf_dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = dfs(conf_dir, args);
    assert_eq!(code, 0, "hdfs dfs {args:?} failed: {err}");
    String::from_utf8(out).unwrap()
}

/// Asserts a command exits 1 with exactly `message` on stderr.
fn fails(conf_dir: &Path, args: &[&str], message: &str) {
    let (code, _, err) = dfs(conf_dir, args);
    assert_eq!((code, err.trim_end()), (1, message), "hdfs dfs {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_works_on_webhdfs_paths() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .set("dfs.replication", "1")
        .build()
        .await
        .unwrap();
    let conf_dir = cluster.conf_dir();
    let conf = conf_dir.as_path();
    let web = format!("webhdfs://{}", cluster.namenode_http_address());
    let w = |path: &str| format!("{web}{path}");
    let local = tempfile::tempdir().unwrap();
    // Several 1 MiB copy buffers and an odd tail, so streaming is exercised.
    let data: Vec<u8> = (0..3 * (1 << 20) + 4321).map(|i| (i % 251) as u8).collect();
    let source = local.path().join("data.bin");
    std::fs::write(&source, &data).unwrap();
    let source = source.to_str().unwrap();

    // hdfs:// -> webhdfs:// -> hdfs://, contents intact both ways.
    ok(conf, &["-mkdir", "-p", "/src"]);
    ok(conf, &["-put", source, "/src/data"]);
    ok(conf, &["-mkdir", "-p", &w("/dst/sub/deeper")]);
    ok(conf, &["-cp", "/src/data", &w("/dst/data")]);
    ok(conf, &["-cp", &w("/dst/data"), "/src/back"]);
    let (code, via_web, err) = dfs(conf, &["-cat", &w("/dst/data")]);
    assert_eq!(code, 0, "{err}");
    assert!(via_web == data, "-cat over webhdfs differs from the source");
    let (_, back, _) = dfs(conf, &["-cat", "/src/back"]);
    assert!(
        back == data,
        "the copy back to hdfs differs from the source"
    );

    // -put and -get with webhdfs:// on the cluster side.
    ok(conf, &["-put", source, &w("/dst/put")]);
    let (_, put, _) = dfs(conf, &["-cat", "/dst/put"]);
    assert!(put == data, "-put to webhdfs differs from the source");
    let fetched = local.path().join("fetched.bin");
    ok(conf, &["-get", &w("/dst/put"), fetched.to_str().unwrap()]);
    assert!(std::fs::read(&fetched).unwrap() == data);

    // The same directory lists, stats, counts and checksums alike through both schemes.
    for args in [
        vec!["-ls", "/dst"],
        vec!["-ls", "-R", "/dst"],
        vec!["-stat", "%n %b %r %o %u %g %y %F", "/dst/data"],
        vec!["-count", "/dst"],
        vec!["-du", "/dst"],
        vec!["-checksum", "/dst/data"],
    ] {
        let via_hdfs = ok(conf, &args);
        let mut web_args = args.clone();
        let path = w(args.last().unwrap());
        *web_args.last_mut().unwrap() = &path;
        let via_web = ok(conf, &web_args).replace(&web, "");
        assert_eq!(via_web, via_hdfs, "{args:?}");
        assert!(!via_hdfs.is_empty(), "{args:?}");
    }
    let checksum = ok(conf, &["-checksum", "/dst/data"]);
    assert!(checksum.contains("MD5-of-"), "{checksum}");

    // Changes made over webhdfs:// show through hdfs://.
    ok(conf, &["-chmod", "600", &w("/dst/data")]);
    ok(conf, &["-setrep", "2", &w("/dst/data")]);
    assert_eq!(ok(conf, &["-stat", "%a %r", "/dst/data"]), "600 2\n");
    ok(conf, &["-mv", &w("/dst/put"), &w("/dst/moved")]);
    let (missing, _, _) = dfs(conf, &["-test", "-e", &w("/dst/put")]);
    assert_eq!(missing, 1);
    ok(conf, &["-test", "-f", &w("/dst/moved")]);
    ok(conf, &["-test", "-d", &w("/dst/sub")]);
    let deleted = ok(conf, &["-rm", "-r", &w("/dst/sub")]);
    assert_eq!(deleted, format!("Deleted {}\n", w("/dst/sub")));
    let (gone, _, _) = dfs(conf, &["-test", "-e", "/dst/sub"]);
    assert_eq!(gone, 1);
    let files = ok(conf, &["-ls", "-C", &w("/dst")]);
    assert_eq!(files, format!("{}\n{}\n", w("/dst/data"), w("/dst/moved")));

    // Hadoop's messages for what is missing, and a clear one for what webhdfs:// cannot do.
    let missing = w("/missing");
    fails(
        conf,
        &["-ls", &missing],
        &format!("ls: '{missing}': No such file or directory"),
    );
    fails(
        conf,
        &["-cat", &missing],
        &format!("cat: '{missing}': No such file or directory"),
    );
    fails(
        conf,
        &["-mkdir", &w("/no/parent")],
        &format!("mkdir: '{}': No such file or directory", w("/no/parent")),
    );
    fails(
        conf,
        &["-df", &w("/")],
        "df: -df is not supported on webhdfs:// file systems",
    );
    fails(
        conf,
        &["-mv", &w("/dst/moved"), "/moved"],
        &format!(
            "mv: '{}': Does not match target filesystem",
            w("/dst/moved")
        ),
    );
}
