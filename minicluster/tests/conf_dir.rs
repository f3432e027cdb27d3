//! The conf dir a mini-cluster writes: each key in the site file Hadoop
//! keeps it in, and all of them back when the dir is loaded as
//! `HADOOP_CONF_DIR` is.

use common::Configuration;
use tusk_minicluster::{MiniCluster, SITE_FILES, site_file_for};

#[test]
fn keys_go_to_the_site_file_of_their_prefix() {
    assert_eq!(site_file_for("fs.defaultFS"), "core-site.xml");
    assert_eq!(site_file_for("hadoop.tmp.dir"), "core-site.xml");
    assert_eq!(
        site_file_for("net.topology.table.file.name"),
        "core-site.xml"
    );
    assert_eq!(site_file_for("io.file.buffer.size"), "core-site.xml");
    assert_eq!(site_file_for("dfs.namenode.rpc-address"), "hdfs-site.xml");
    assert_eq!(
        site_file_for("yarn.resourcemanager.address"),
        "yarn-site.xml"
    );
    assert_eq!(site_file_for("mapreduce.framework.name"), "mapred-site.xml");
    assert_eq!(site_file_for("mapred.child.java.opts"), "mapred-site.xml");
    assert_eq!(
        site_file_for("yarn.app.mapreduce.am.resource.mb"),
        "mapred-site.xml"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conf_dir_splits_keys_by_site_file_and_loads_back_whole() -> anyhow::Result<()> {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .nodemanagers(1)
        .set("io.file.buffer.size", "8192")
        .build()
        .await?;
    let dir = cluster.conf_dir();
    let mut seen = 0;
    for name in SITE_FILES {
        let mut only = Configuration::new();
        only.add_resource(&dir.join(name))?;
        let site = std::fs::read_to_string(dir.join(name))?;
        for (key, value) in cluster.conf().iter() {
            if !site.contains(&format!("<name>{key}</name>")) {
                continue;
            }
            assert_eq!(site_file_for(&key), name, "{key} is in {name}");
            assert_eq!(only.get(&key).as_deref(), Some(value.as_str()), "{key}");
            seen += 1;
        }
    }
    for (key, file) in [
        ("fs.defaultFS", "core-site.xml"),
        ("hadoop.tmp.dir", "core-site.xml"),
        ("io.file.buffer.size", "core-site.xml"),
        ("dfs.namenode.rpc-address", "hdfs-site.xml"),
        ("yarn.resourcemanager.address", "yarn-site.xml"),
        ("yarn.nodemanager.aux-services", "yarn-site.xml"),
        ("mapreduce.framework.name", "mapred-site.xml"),
        ("yarn.app.mapreduce.am.resource.mb", "mapred-site.xml"),
    ] {
        let site = std::fs::read_to_string(dir.join(file))?;
        assert!(
            site.contains(&format!("<name>{key}</name>")),
            "{key} in {file}:\n{site}"
        );
    }
    assert!(seen >= 8, "only {seen} keys written");

    // Everything the daemons run with comes back through the four files.
    let loaded = Configuration::load_from_dir(&dir)?;
    for (key, value) in cluster.conf().iter() {
        assert_eq!(loaded.get(&key).as_deref(), Some(value.as_str()), "{key}");
    }
    cluster.shutdown().await;
    Ok(())
}
