//! Checkpointing with a real `hdfs namenode` and `hdfs secondarynamenode`:
//! checkpoints by transaction count with old edits purged, a restart that
//! replays only what follows the newest image, a SecondaryNameNode killed
//! mid-upload, corrupt uploads refused, and the offline viewers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use client::{CreateOptions, DfsClient};
use common::FsPermission;
use md5::{Digest, Md5};
use tusk_tests::{NameNodeProcess, binary, eventually, field, hdfs, http};

const DEADLINE: Duration = Duration::from_secs(120);

/// A conf dir with the name dir in `base/name`, the checkpoint dir in
/// `base/checkpoint`, ports 0, plus `extra` properties.
fn write_conf(base: &Path, extra: &[(&str, &str)]) -> PathBuf {
    let conf_dir = base.join("conf");
    std::fs::create_dir_all(&conf_dir).unwrap();
    let mut properties = vec![
        (
            "dfs.namenode.name.dir",
            base.join("name").display().to_string(),
        ),
        (
            "dfs.namenode.checkpoint.dir",
            base.join("checkpoint").display().to_string(),
        ),
        ("dfs.namenode.rpc-address", "127.0.0.1:0".into()),
        ("dfs.namenode.http-address", "127.0.0.1:0".into()),
        ("dfs.namenode.secondary.http-address", "127.0.0.1:0".into()),
        ("dfs.namenode.fs-limits.min-block-size", "0".into()),
    ];
    properties.extend(extra.iter().map(|(key, value)| (*key, value.to_string())));
    let mut xml = String::from("<configuration>\n");
    for (key, value) in properties {
        xml.push_str(&format!(
            "<property><name>{key}</name><value>{value}</value></property>\n"
        ));
    }
    xml.push_str("</configuration>\n");
    std::fs::write(conf_dir.join("hdfs-site.xml"), xml).unwrap();
    let (code, _, stderr) = hdfs(&conf_dir, &["namenode", "-format", "-nonInteractive"]);
    assert_eq!(code, 0, "format failed: {stderr}");
    conf_dir
}

/// `hdfs secondarynamenode` pointed at `namenode`, its stderr lines on a channel.
struct Secondary {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Secondary {
    fn spawn(conf_dir: &Path, namenode: &NameNodeProcess, options: &[&str], args: &[&str]) -> Self {
        let mut command = Command::new(binary("hdfs"));
        command
            .arg("secondarynamenode")
            .args([
                "-D",
                &format!("dfs.namenode.rpc-address={}", namenode.rpc_address),
                "-D",
                &format!("dfs.namenode.http-address={}", namenode.http_address),
            ])
            .env("HADOOP_CONF_DIR", conf_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for option in options {
            command.args(["-D", option]);
        }
        let mut child = command.args(args).spawn().expect("spawn secondarynamenode");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        let mut seen = String::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(_) => break,
            }
        }
        panic!("secondarynamenode never logged '{needle}':\n{seen}");
    }

    /// SIGKILL, and check it really died of it.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("reap");
        assert!(
            !status.success(),
            "secondarynamenode exited before the kill"
        );
    }
}

impl Drop for Secondary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One-shot `hdfs secondarynamenode ... -checkpoint force`.
fn checkpoint_now(conf_dir: &Path, namenode: &NameNodeProcess) -> String {
    let output = Command::new(binary("hdfs"))
        .args([
            "secondarynamenode",
            "-D",
            &format!("dfs.namenode.rpc-address={}", namenode.rpc_address),
            "-D",
            &format!("dfs.namenode.http-address={}", namenode.http_address),
            "-checkpoint",
            "force",
        ])
        .env("HADOOP_CONF_DIR", conf_dir)
        .output()
        .expect("run secondarynamenode -checkpoint");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "checkpoint failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn current(base: &Path) -> PathBuf {
    base.join("name").join("current")
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn images(dir: &Path) -> Vec<u64> {
    file_names(dir)
        .iter()
        .filter_map(|name| name.strip_prefix("fsimage_")?.parse().ok())
        .collect()
}

fn segments(dir: &Path) -> Vec<(u64, u64)> {
    file_names(dir)
        .iter()
        .filter_map(|name| {
            let (start, end) = name.strip_prefix("edits_")?.split_once('-')?;
            Some((start.parse().ok()?, end.parse().ok()?))
        })
        .collect()
}

fn uploads_in_progress(dir: &Path) -> Vec<String> {
    file_names(dir)
        .into_iter()
        .filter(|name| name.starts_with("fsimage.ckpt_") && !common::durable::is_set_aside(name))
        .collect()
}

/// The NameNode's last written txid, from `/jmx`.
fn last_txid(namenode: &NameNodeProcess) -> u64 {
    let (status, body) = http(&namenode.http_address, "GET /jmx HTTP/1.1", b"");
    assert_eq!(status, 200);
    let key = "\"LastWrittenTransactionId\":";
    let start = body.find(key).expect("LastWrittenTransactionId in /jmx") + key.len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Every path with its kind, permission and owner.
async fn snapshot(client: &DfsClient) -> BTreeMap<String, (bool, u16, String)> {
    let mut found = BTreeMap::new();
    let mut pending = vec!["/".to_string()];
    while let Some(dir) = pending.pop() {
        for entry in client.list(&dir).await.expect("list") {
            if entry.is_dir {
                pending.push(entry.path.clone());
            }
            found.insert(
                entry.path.clone(),
                (entry.is_dir, entry.permission.bits(), entry.owner.clone()),
            );
        }
    }
    found
}

fn connect(namenode: &NameNodeProcess) -> DfsClient {
    DfsClient::connect(
        &namenode.rpc_address,
        &common::user::os_user(),
        FsPermission::new(0o022),
    )
    .unwrap()
}

/// `workers` clients doing `per_worker` mutations each: mkdir, mkdir,
/// rename, delete, over and over, each in its own subtree.
async fn mutate(namenode: &NameNodeProcess, workers: usize, per_worker: usize) {
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let client = connect(namenode);
        tasks.push(tokio::spawn(async move {
            let dir = |k: usize| format!("/w{worker}/d{k}");
            for k in 0..per_worker {
                match k % 4 {
                    0 | 1 => client
                        .mkdirs(&dir(k), FsPermission::new(0o755), true)
                        .await
                        .unwrap(),
                    2 => client
                        .rename(&dir(k - 1), &format!("/w{worker}/r{}", k - 1), false, false)
                        .await
                        .unwrap(),
                    _ => assert!(client.delete(&dir(k - 3), true).await.unwrap()),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

fn restart(base: &Path, conf_dir: &Path, namenode: NameNodeProcess) -> NameNodeProcess {
    namenode.kill();
    NameNodeProcess::start(conf_dir).unwrap_or_else(|log| {
        panic!(
            "NameNode did not restart; name dir holds {:?}:\n{log}",
            file_names(&current(base))
        )
    })
}

fn loaded(namenode: &NameNodeProcess) -> (u64, u64) {
    let line = namenode
        .startup_log
        .lines()
        .find(|line| line.contains("loaded namespace"))
        .expect("a 'loaded namespace' line");
    let number = |key| field(line, key).unwrap().parse::<u64>().unwrap();
    (number("image_txid="), number("last_txid="))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkpoints_by_txns_purge_old_edits_and_restart_replays_only_newer_edits() {
    const TXNS: u64 = 10_000;
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_conf(
        base.path(),
        &[
            ("dfs.namenode.num.checkpoints.retained", "2"),
            ("dfs.namenode.num.extra.edits.retained", "0"),
        ],
    );
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    let secondary = Secondary::spawn(
        &conf_dir,
        &namenode,
        &[
            &format!("dfs.namenode.checkpoint.txns={TXNS}"),
            "dfs.namenode.checkpoint.check.period=200ms",
            "dfs.namenode.checkpoint.period=3600",
        ],
        &[],
    );
    secondary.wait_for_line("SecondaryNameNode started");

    mutate(&namenode, 50, 2_000).await;
    let name_current = current(base.path());
    let last = last_txid(&namenode);
    assert!(last >= 100_000, "only {last} transactions logged");
    eventually(
        DEADLINE,
        "the checkpoints catch up with the edit log and the last one is purged after",
        async || {
            // An image is installed, then the old ones are purged: wait for
            // both, so the retention checks below see a settled name dir.
            let kept = images(&name_current);
            let newest = kept.iter().copied().max().unwrap_or(0);
            newest > 0
                && last - newest < TXNS
                && uploads_in_progress(&name_current).is_empty()
                && kept.len() <= 2
        },
    )
    .await;
    secondary.kill();

    let kept_images = images(&name_current);
    let oldest_image = *kept_images.iter().min().unwrap();
    let newest_image = *kept_images.iter().max().unwrap();
    assert!(kept_images.len() <= 2, "images kept: {kept_images:?}");
    assert!(
        !kept_images.contains(&0),
        "the formatted image was not purged"
    );
    let kept_segments = segments(&name_current);
    assert!(
        kept_segments.iter().all(|(_, end)| *end > oldest_image),
        "segments before image {oldest_image} survived: {kept_segments:?}"
    );
    assert!(kept_segments.iter().all(|(start, _)| *start != 1));

    let client = connect(&namenode);
    let before = snapshot(&client).await;
    assert_eq!(
        before.len(),
        50 + 50 * 2_000 / 4,
        "paths before the restart"
    );
    let namenode = restart(base.path(), &conf_dir, namenode);
    let (image_txid, replayed_to) = loaded(&namenode);
    assert_eq!(image_txid, newest_image);
    assert!(
        replayed_to - image_txid < TXNS,
        "replayed {} transactions after the image",
        replayed_to - image_txid
    );
    assert_eq!(replayed_to, last);
    let after = snapshot(&connect(&namenode)).await;
    assert_eq!(before.len(), after.len());
    assert!(before == after, "the namespace changed across the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secondary_killed_mid_upload_leaves_namenode_serving_and_name_dir_valid() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_conf(base.path(), &[]);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    mutate(&namenode, 20, 1_000).await;
    let name_current = current(base.path());

    // Slow uploads (200 kB/s) so the kill lands while bytes are flowing.
    let secondary = Secondary::spawn(
        &conf_dir,
        &namenode,
        &["dfs.image.transfer.bandwidthPerSec=200000"],
        &["-checkpoint", "force"],
    );
    secondary.wait_for_line("uploading fsimage");
    eventually(
        DEADLINE,
        "part of the upload reached the NameNode",
        async || {
            uploads_in_progress(&name_current).iter().any(|name| {
                std::fs::metadata(name_current.join(name)).is_ok_and(|meta| meta.len() > 0)
            })
        },
    )
    .await;
    secondary.kill();

    eventually(
        DEADLINE,
        "the NameNode drops the broken upload",
        async || uploads_in_progress(&name_current).is_empty(),
    )
    .await;
    assert_eq!(
        images(&name_current),
        vec![0],
        "a partial image was installed"
    );
    let client = connect(&namenode);
    client
        .mkdirs("/after-kill", FsPermission::new(0o755), false)
        .await
        .expect("the NameNode keeps serving");
    let before = snapshot(&client).await;

    let namenode = restart(base.path(), &conf_dir, namenode);
    assert_eq!(loaded(&namenode).0, 0);
    assert!(before == snapshot(&connect(&namenode)).await);
    let report = checkpoint_now(&conf_dir, &namenode);
    assert!(report.contains("Checkpoint done"), "{report}");
    assert!(images(&name_current).iter().any(|txid| *txid > 0));
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Hadoop's `storageInfo` parameter for the name dir under `base`.
fn storage_info(base: &Path) -> String {
    let version = std::fs::read_to_string(current(base).join("VERSION")).unwrap();
    let value = |key: &str| {
        version
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap()
            .to_string()
    };
    format!("-66:{}:0:{}", value("namespaceID"), value("clusterID"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corrupt_uploads_are_refused_and_namenode_restarts_cleanly() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_conf(base.path(), &[]);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    mutate(&namenode, 4, 100).await;
    let name_current = current(base.path());
    let txid = last_txid(&namenode);
    let image = std::fs::read(name_current.join(format!("fsimage_{:019}", 0))).unwrap();
    let upload = |bytes: &[u8], md5: &str| {
        http(
            &namenode.http_address,
            &format!(
                "PUT /imagetransfer?txid={txid}&storageInfo={} HTTP/1.1\r\nX-MD5-Digest: {md5}",
                storage_info(base.path())
            ),
            bytes,
        )
    };

    // A byte flipped in transit: the advertised MD5 no longer matches.
    let mut flipped = image.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    assert_ne!(flipped, image);
    let (status, body) = upload(&flipped, &md5_hex(&image));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("does not match advertised digest"), "{body}");

    // A truncated image whose MD5 matches what was sent: the load check refuses it.
    let truncated = &image[..image.len() - 10];
    let (status, body) = upload(truncated, &md5_hex(truncated));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("refused the checkpoint"), "{body}");

    // A valid image of another txid than claimed.
    let (status, body) = upload(&image, &md5_hex(&image));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("instead of txid"), "{body}");

    // A stranger's namespace.
    let (status, body) = http(
        &namenode.http_address,
        &format!(
            "PUT /imagetransfer?txid={txid}&storageInfo=-66:1:0:CID-other HTTP/1.1\r\nX-MD5-Digest: {}",
            md5_hex(&image)
        ),
        &image,
    );
    assert_eq!(status, 403, "{body}");

    assert_eq!(images(&name_current), vec![0]);
    assert!(uploads_in_progress(&name_current).is_empty());
    let client = connect(&namenode);
    client
        .mkdirs("/still-serving", FsPermission::new(0o755), false)
        .await
        .expect("the NameNode keeps serving");
    let before = snapshot(&client).await;
    let namenode = restart(base.path(), &conf_dir, namenode);
    assert!(before == snapshot(&connect(&namenode)).await);
    let report = checkpoint_now(&conf_dir, &namenode);
    assert!(report.contains("Checkpoint done"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn import_checkpoint_rebuilds_a_lost_name_dir() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_conf(base.path(), &[]);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    mutate(&namenode, 4, 200).await;
    checkpoint_now(&conf_dir, &namenode);
    let before = snapshot(&connect(&namenode)).await;
    namenode.kill();

    std::fs::remove_dir_all(base.path().join("name")).unwrap();
    let mut child = Command::new(binary("hdfs"))
        .args(["namenode", "-importCheckpoint"])
        .env("HADOOP_CONF_DIR", &conf_dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut rpc_address = None;
    for line in stderr.lines().map_while(Result::ok) {
        if line.contains("NameNode started") {
            rpc_address = field(&line, "rpc=");
            break;
        }
    }
    let rpc_address = rpc_address.expect("the imported NameNode started");
    let client = DfsClient::connect(
        &rpc_address,
        &common::user::os_user(),
        FsPermission::new(0o022),
    )
    .unwrap();
    let after = snapshot(&client).await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(before == after, "the imported namespace differs");

    // A name dir that holds an image is never overwritten.
    let (code, _, stderr) = hdfs(&conf_dir, &["namenode", "-importCheckpoint"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already contains an image"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn offline_viewers_read_images_and_edits_without_a_namenode() {
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_conf(base.path(), &[]);
    let namenode = NameNodeProcess::start(&conf_dir).unwrap();
    let client = connect(&namenode);
    client
        .mkdirs("/data/logs", FsPermission::new(0o750), true)
        .await
        .unwrap();
    let options = CreateOptions {
        permission: FsPermission::new(0o640),
        overwrite: false,
        create_parent: false,
        replication: 2,
        block_size: 1024 * 1024,
    };
    for name in ["a.log", "b.log", "c & <d>.log"] {
        client
            .create_empty(&format!("/data/logs/{name}"), &options)
            .await
            .unwrap();
    }
    client
        .rename("/data/logs/b.log", "/data/b.log", false, false)
        .await
        .unwrap();
    client.delete("/data/logs/a.log", false).await.unwrap();
    checkpoint_now(&conf_dir, &namenode);
    namenode.kill();

    let name_current = current(base.path());
    let image_txid = images(&name_current).into_iter().max().unwrap();
    let image = name_current.join(format!("fsimage_{image_txid:019}"));
    let image = image.to_str().unwrap();
    let out = base.path().join("out");
    let out_path = out.to_str().unwrap();
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = hdfs(&conf_dir, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stdout
    };

    run(&["oiv", "-i", image, "-o", out_path, "-p", "Delimited"]);
    let delimited = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = delimited.lines().collect();
    assert!(lines[0].starts_with("Path\tReplication\tModificationTime"));
    let row = |path: &str| {
        lines
            .iter()
            .find(|line| line.split('\t').next() == Some(path))
            .unwrap_or_else(|| panic!("{path} missing from:\n{delimited}"))
            .split('\t')
            .collect::<Vec<_>>()
    };
    assert_eq!(row("/data/logs")[9], "drwxr-x---");
    let moved = row("/data/b.log");
    assert_eq!((moved[1], moved[9]), ("2", "-rw-r-----"));
    row("/data/logs/c & <d>.log");
    assert!(!delimited.contains("a.log"));
    assert_eq!(lines.len(), 1 + 5, "{delimited}");

    let xml = run(&["oiv", "-i", image, "-p", "XML"]);
    assert!(xml.contains("<numInodes>5</numInodes>"), "{xml}");
    assert!(xml.contains(&format!("<txid>{image_txid}</txid>")));
    assert!(xml.contains("<name>c &amp; &lt;d&gt;.log</name>"));

    let distribution = run(&["oiv", "-i", image, "-p", "FileDistribution"]);
    assert!(distribution.contains("totalFiles = 2"), "{distribution}");
    assert!(
        distribution.contains("totalDirectories = 3"),
        "{distribution}"
    );

    let (start, end) = *segments(&name_current)
        .iter()
        .find(|(start, _)| *start == 1)
        .unwrap();
    let edits = name_current.join(format!("edits_{start:019}-{end:019}"));
    let edits = edits.to_str().unwrap();
    let stats = run(&["oev", "-i", edits, "-p", "stats"]);
    let count = |name: &str| {
        stats
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{name} ")))
            .and_then(|line| line.rsplit(':').next())
            .map(|count| count.trim().parse::<u64>().unwrap())
            .unwrap_or_else(|| panic!("{name} missing from:\n{stats}"))
    };
    assert_eq!(count("OP_ADD"), 3, "{stats}");
    assert_eq!(count("OP_RENAME_OLD"), 1);
    assert_eq!(count("OP_DELETE"), 1);
    assert_eq!(count("OP_MKDIR"), 2);
    let xml = run(&["oev", "-i", edits, "-p", "xml"]);
    assert!(xml.contains("<OPCODE>OP_RENAME_OLD</OPCODE>"));
    assert!(xml.contains("<DST>/data/b.log</DST>"), "{xml}");

    // A damaged image is refused with the reason, not half-printed.
    let damaged = base.path().join("damaged");
    let damaged_md5 = base.path().join("damaged.md5");
    let mut bytes = std::fs::read(image).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&damaged, bytes).unwrap();
    std::fs::copy(format!("{image}.md5"), &damaged_md5).unwrap();
    let (code, _, stderr) = hdfs(
        &conf_dir,
        &[
            "oiv",
            "-i",
            damaged.to_str().unwrap(),
            "-p",
            "XML",
            "-o",
            out_path,
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("MD5 mismatch"), "{stderr}");
}
