//! A damaged fsimage or edit log is a clear startup error naming the file,
//! never a silent loss. Real processes; the tools used are the real CLI.

use std::path::{Path, PathBuf};

use client::DfsClient;
use common::FsPermission;
use tusk_tests::{NameNodeProcess, hdfs, write_namenode_conf};

fn newest(dir: &Path, prefix: &str) -> PathBuf {
    let mut matching: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && !name.ends_with(".md5")
        })
        .collect();
    matching.sort();
    matching
        .pop()
        .unwrap_or_else(|| panic!("no {prefix}* in {}", dir.display()))
}

fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let before = bytes[offset];
    bytes[offset] ^= 0x5a;
    std::fs::write(path, &bytes).unwrap();
    assert_ne!(
        std::fs::read(path).unwrap()[offset],
        before,
        "the byte really flipped"
    );
}

async fn populate(namenode: &NameNodeProcess, count: usize) {
    let client = DfsClient::connect(
        &namenode.rpc_address,
        &common::user::os_user(),
        FsPermission::new(0o022),
    )
    .unwrap();
    for i in 0..count {
        client
            .mkdirs(&format!("/data/d{i}"), FsPermission::new(0o755), true)
            .await
            .unwrap();
    }
}

fn conf_with_address(conf_dir: &Path, namenode: &NameNodeProcess) -> Vec<String> {
    let _ = conf_dir;
    vec![
        "-fs".to_string(),
        format!("hdfs://{}", namenode.rpc_address),
    ]
}

#[tokio::test]
async fn corrupt_fsimage_is_refused_with_its_name() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_namenode_conf(base.path());
    assert_eq!(hdfs(&conf_dir, &["namenode", "-format", "-force"]).0, 0);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    populate(&namenode, 20).await;
    let fs = conf_with_address(&conf_dir, &namenode);
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = vec!["dfsadmin", &fs[0], &fs[1]];
        all.extend_from_slice(args);
        hdfs(&conf_dir, &all)
    };
    assert_eq!(
        run(&["-safemode", "enter"]),
        (0, "Safe mode is ON\n".into(), String::new())
    );
    assert_eq!(run(&["-saveNamespace"]).1, "Save namespace successful\n");
    namenode.kill();

    let image = newest(&base.path().join("name/current"), "fsimage_");
    assert!(
        !image.ends_with("fsimage_0000000000000000000"),
        "a new image was saved"
    );
    let size = std::fs::metadata(&image).unwrap().len() as usize;
    flip_byte(&image, size / 2);
    let log = NameNodeProcess::start(&conf_dir)
        .err()
        .expect("NameNode must refuse a corrupt fsimage");
    assert!(
        log.contains(&image.display().to_string()),
        "error names the file:\n{log}"
    );
    assert!(
        log.contains("MD5 mismatch") || log.contains("corrupt"),
        "error says why:\n{log}"
    );
}

#[tokio::test]
async fn corrupt_edit_in_the_middle_is_refused_with_its_name() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_namenode_conf(base.path());
    assert_eq!(hdfs(&conf_dir, &["namenode", "-format", "-force"]).0, 0);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    populate(&namenode, 50).await;
    let fs = conf_with_address(&conf_dir, &namenode);
    let (code, out, err) = hdfs(&conf_dir, &["dfsadmin", &fs[0], &fs[1], "-rollEdits"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Successfully rolled edit logs.\nNew segment starts at txid "),
        "{out}"
    );
    populate(&namenode, 5).await;
    namenode.kill();

    let current = base.path().join("name/current");
    let segment = newest(&current, "edits_0");
    let size = std::fs::metadata(&segment).unwrap().len() as usize;
    flip_byte(&segment, size / 2);
    let log = NameNodeProcess::start(&conf_dir)
        .err()
        .expect("NameNode must refuse a corrupt edit log");
    assert!(
        log.contains(&segment.display().to_string()),
        "error names the file:\n{log}"
    );
    assert!(
        log.contains("is corrupt at offset"),
        "error says why:\n{log}"
    );
}
