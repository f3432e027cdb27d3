//! Name-dir redundancy and paged listings through a mini-cluster.

use common::FsPermission;
use minicluster::MiniCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_name_dir_is_written_and_one_good_copy_is_enough() {
    let spare = tempfile::tempdir().unwrap();
    let (first, second) = (spare.path().join("name1"), spare.path().join("name2"));
    let dirs = format!("{},file://{}", first.display(), second.display());
    let mut cluster = MiniCluster::builder()
        .set("dfs.namenode.name.dir", &dirs)
        .build()
        .await
        .unwrap();
    assert_eq!(cluster.name_dirs().len(), 2);
    let client = cluster.client().unwrap();
    for i in 0..30 {
        client
            .mkdirs(&format!("/d{i}"), FsPermission::new(0o755), false)
            .await
            .unwrap();
    }
    cluster.stop_namenode().await;

    let listing = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("current"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        listing(&first),
        listing(&second),
        "both name dirs hold the same files"
    );
    let segment = listing(&first)
        .into_iter()
        .find(|name| name.starts_with("edits_0"))
        .expect("a finalized segment");
    let original = std::fs::read(first.join("current").join(&segment)).unwrap();
    assert_eq!(
        original,
        std::fs::read(second.join("current").join(&segment)).unwrap()
    );

    // Damage the first copy: the NameNode reads the second one.
    let mut damaged = original.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(first.join("current").join(&segment), &damaged).unwrap();
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    assert_eq!(client.list("/").await.unwrap().len(), 30);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_paged_by_dfs_ls_limit() {
    let cluster = MiniCluster::builder()
        .set("dfs.ls.limit", "7")
        .build()
        .await
        .unwrap();
    let client = cluster.client().unwrap();
    for i in 0..50 {
        client
            .mkdirs(&format!("/many/e{i:02}"), FsPermission::new(0o755), true)
            .await
            .unwrap();
    }
    let entries = client.list("/many").await.unwrap();
    let names: Vec<&str> = entries.iter().map(|entry| entry.name()).collect();
    let expected: Vec<String> = (0..50).map(|i| format!("e{i:02}")).collect();
    assert_eq!(names, expected);
    cluster.shutdown().await;
}
