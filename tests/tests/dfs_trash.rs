//! The trash through the real `hdfs dfs`: `-rm` moves to
//! `/user/<user>/.Trash/Current/<full path>`, `-mv` restores, `-skipTrash`
//! and deleting from the trash delete for good, `-expunge -immediate`
//! empties it, and the NameNode's emptier removes what passed the interval.

use std::time::Duration;

use minicluster::MiniCluster;
use tusk_tests::{eventually, hdfs};

async fn cluster(interval_minutes: &str, checkpoint_minutes: &str) -> (MiniCluster, String) {
    let cluster = MiniCluster::builder()
        .racks(&["/r1"])
        .set("dfs.replication", "1")
        .set("fs.trash.interval", interval_minutes)
        .set("fs.trash.checkpoint.interval", checkpoint_minutes)
        .build()
        .await
        .unwrap();
    let user = common::user::current_user();
    cluster.create_home_dirs(&user).await.unwrap();
    (cluster, user)
}

fn put(cluster: &MiniCluster, local_dir: &std::path::Path, path: &str, text: &str) {
    let local = local_dir.join("upload");
    std::fs::write(&local, text).unwrap();
    let (code, _, err) = hdfs(
        &cluster.conf_dir(),
        &["dfs", "-put", "-f", local.to_str().unwrap(), path],
    );
    assert_eq!(code, 0, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rm_moves_to_the_trash_and_mv_restores() {
    let (cluster, user) = cluster("60", "60").await;
    let conf = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let home = format!("/user/{user}");
    let file = format!("{home}/data/report.csv");
    hdfs(&conf, &["dfs", "-mkdir", "-p", &format!("{home}/data")]);
    put(&cluster, local.path(), &file, "a,b\n1,2\n");

    let (code, out, err) = hdfs(&conf, &["dfs", "-rm", &file]);
    assert_eq!(code, 0, "{err}");
    let uri = cluster.default_fs();
    let in_trash = format!("{home}/.Trash/Current{file}");
    assert_eq!(
        out.trim(),
        format!("Moved: '{uri}{file}' to trash at: {uri}{in_trash}")
    );
    let (code, listing, _) = hdfs(&conf, &["dfs", "-ls", "-R", &format!("{home}/.Trash")]);
    assert_eq!(code, 0);
    assert!(listing.contains(&in_trash), "{listing}");

    // Restore with -mv; deleting the same name twice keeps both in the trash.
    let (code, _, err) = hdfs(&conf, &["dfs", "-mv", &in_trash, &file]);
    assert_eq!(code, 0, "{err}");
    let (_, text, _) = hdfs(&conf, &["dfs", "-cat", &file]);
    assert_eq!(text, "a,b\n1,2\n");
    hdfs(&conf, &["dfs", "-rm", &file]);
    put(&cluster, local.path(), &file, "second\n");
    let (_, out, _) = hdfs(&conf, &["dfs", "-rm", &file]);
    let second = out.trim().rsplit(": ").next().unwrap().to_string();
    assert!(
        second.starts_with(&format!("{uri}{in_trash}"))
            && second.len() > uri.len() + in_trash.len(),
        "{out}"
    );

    // -skipTrash and deleting inside the trash are final.
    put(&cluster, local.path(), &file, "gone\n");
    let (_, out, _) = hdfs(&conf, &["dfs", "-rm", "-skipTrash", &file]);
    assert_eq!(out.trim(), format!("Deleted {file}"));
    let (_, out, _) = hdfs(&conf, &["dfs", "-rm", &in_trash]);
    assert_eq!(out.trim(), format!("Deleted {in_trash}"));

    // The trash itself cannot go to the trash.
    let (code, _, err) = hdfs(&conf, &["dfs", "-rm", "-r", &home]);
    assert_eq!(code, 1);
    assert!(err.contains("as it contains the trash"), "{err}");

    let (code, _, err) = hdfs(&conf, &["dfs", "-expunge", "-immediate"]);
    assert_eq!(code, 0, "{err}");
    let (_, listing, _) = hdfs(&conf, &["dfs", "-ls", "-R", &format!("{home}/.Trash")]);
    assert!(!listing.contains("report.csv"), "{listing}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emptier_removes_trash_after_the_interval() {
    // Three seconds in the trash; the emptier runs every 0.6 s.
    let (cluster, user) = cluster("0.05", "0.01").await;
    let conf = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let file = format!("/user/{user}/old.log");
    put(&cluster, local.path(), &file, "old\n");
    let (code, out, _) = hdfs(&conf, &["dfs", "-rm", &file]);
    assert!(code == 0 && out.starts_with("Moved:"), "{out}");
    let trash_listing = || {
        hdfs(
            &conf,
            &["dfs", "-ls", "-R", &format!("/user/{user}/.Trash")],
        )
        .1
    };
    assert!(
        trash_listing().contains("old.log"),
        "the file starts in the trash"
    );

    eventually(Duration::from_secs(60), "the trash to expire", async || {
        !trash_listing().contains("old.log")
    })
    .await;
    cluster.shutdown().await;
}
