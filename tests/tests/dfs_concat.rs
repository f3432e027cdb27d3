//! `concat` end to end: `hdfs dfs -concat` and WebHDFS CONCAT move the sources' blocks,
//! partial last blocks included, to the end of the target, which then reads as the
//! sources appended to it; the sources are gone; the result survives a NameNode restart
//! (the edit log's OP_CONCAT_DELETE); bad requests get Hadoop's messages.

use std::process::Command;
use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::web::request;
use tusk_tests::{binary, content, eventually, read_file, write_file};

const BLOCK: u64 = 1 << 20;

fn dfs(cluster: &MiniCluster, args: &[&str]) -> (i32, String) {
    let output = Command::new(binary("hdfs"))
        .arg("dfs")
        .args(args)
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .output()
        .expect("run hdfs dfs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concat_appends_the_sources_blocks_to_the_target() {
    let mut cluster = MiniCluster::builder()
        .datanodes(2)
        .set("dfs.namenode.fs-limits.min-block-size", "0")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    let target = content(BLOCK as usize + 1234, 1);
    let first = content(2 * BLOCK as usize + 77, 2);
    let second = content(5000, 3);
    write_file(&client, "/c/target", &target, 2, BLOCK).await;
    write_file(&client, "/c/first", &first, 2, BLOCK).await;
    write_file(&client, "/c/second", &second, 2, BLOCK).await;
    write_file(&client, "/c/empty", b"", 2, BLOCK).await;

    let (code, err) = dfs(&cluster, &["-concat", "/c/target", "/c/first", "/c/second"]);
    assert_eq!(code, 0, "{err}");
    let expected = [target.as_slice(), &first, &second].concat();
    assert_eq!(read_file(&client, "/c/target").await, expected);
    for gone in ["/c/first", "/c/second"] {
        assert!(
            client.get_file_info(gone).await.unwrap().is_none(),
            "{gone} is still there"
        );
    }
    let status = client.get_file_info("/c/target").await.unwrap().unwrap();
    assert_eq!(status.length, expected.len() as u64);

    // Hadoop's refusals, each naming the cause.
    let cases: [(&[&str], &str); 4] = [
        (
            &["/c/target", "/c/target"],
            "is the same with the target file /c/target",
        ),
        (
            &["/c/target", "/c/empty"],
            "concat: source file /c/empty is invalid or empty or underConstruction",
        ),
        (
            &["/c/nope", "/c/empty"],
            "concat: '/c/nope': No such file or directory",
        ),
        (&["/c/target"], "Not enough arguments: expected 2 but got 1"),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = std::iter::once("-concat")
            .chain(args.iter().copied())
            .collect();
        let (code, err) = dfs(&cluster, &args);
        assert_ne!(code, 0, "hdfs dfs {args:?}");
        assert!(err.contains(message), "hdfs dfs {args:?}: {err}");
    }

    // WebHDFS CONCAT, as user the files belong to.
    write_file(&client, "/c/third", &second, 2, BLOCK).await;
    let web = cluster.namenode_http_address().to_string();
    let user = common::user::os_user();
    let reply = request(
        &web,
        "POST",
        &format!("/webhdfs/v1/c/target?op=CONCAT&sources=/c/third&user.name={user}"),
        b"",
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let expected = [expected.as_slice(), &second].concat();
    assert_eq!(read_file(&client, "/c/target").await, expected);

    // The edit log replays it.
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    let read = eventually(
        Duration::from_secs(60),
        "the concatenated file read after a restart",
        async || {
            let mut out = Vec::new();
            let mut reader = client.open("/c/target").await.ok()?;
            reader.read_to_end(&mut out).await.ok()?;
            Some(out)
        },
    )
    .await;
    assert_eq!(read, expected);
    assert!(client.get_file_info("/c/third").await.unwrap().is_none());
}
