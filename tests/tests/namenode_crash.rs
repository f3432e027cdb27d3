//! Crash safety of the NameNode, with a real process and SIGKILL.
//!
//! Clients run a mixed mkdir / create / rename / delete load, each in its own
//! subtree and each keeping a model of what the NameNode acknowledged. The
//! process is killed at random moments and restarted; the namespace must then
//! equal the model, give or take each client's one unacknowledged operation.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use client::{CreateOptions, DfsClient};
use common::{ExceptionKind, FsPermission};
use tusk_tests::{NameNodeProcess, hdfs, write_namenode_conf};

const CLIENTS: usize = 6;
const CYCLES: usize = 6;

/// A small deterministic generator, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One client operation and its effect on the set of paths.
#[derive(Clone, Debug)]
enum Op {
    Mkdir(String),
    Create(String),
    Rename(String, String),
    Delete(String),
}

impl Op {
    fn apply(&self, paths: &mut BTreeSet<String>) {
        match self {
            Op::Mkdir(path) | Op::Create(path) => {
                paths.insert(path.clone());
            }
            Op::Rename(src, dst) => {
                let moved: Vec<String> = subtree(paths, src);
                for path in moved {
                    paths.remove(&path);
                    paths.insert(format!("{dst}{}", &path[src.len()..]));
                }
            }
            Op::Delete(path) => {
                for path in subtree(paths, path) {
                    paths.remove(&path);
                }
            }
        }
    }
}

fn subtree(paths: &BTreeSet<String>, root: &str) -> Vec<String> {
    let prefix = format!("{root}/");
    paths
        .iter()
        .filter(|path| *path == root || path.starts_with(&prefix))
        .cloned()
        .collect()
}

/// Picks an operation that is valid against `paths` (entries under `root`).
fn pick(rng: &mut Rng, root: &str, paths: &BTreeSet<String>, serial: u64) -> Op {
    let dirs: Vec<&String> = paths
        .iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('d')))
        .collect();
    let files: Vec<&String> = paths
        .iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('f')))
        .collect();
    let parent = if dirs.is_empty() || rng.below(4) == 0 {
        root.to_string()
    } else {
        dirs[rng.below(dirs.len())].clone()
    };
    match rng.below(10) {
        0..=2 => Op::Mkdir(format!("{parent}/d{serial}")),
        3..=5 => Op::Create(format!("{parent}/f{serial}")),
        6 | 7 if !files.is_empty() => {
            let src = files[rng.below(files.len())].clone();
            Op::Rename(src, format!("{parent}/f{serial}"))
        }
        6 | 7 if !dirs.is_empty() => {
            let src = dirs[rng.below(dirs.len())].clone();
            if parent == src || parent.starts_with(&format!("{src}/")) {
                return Op::Mkdir(format!("{parent}/d{serial}"));
            }
            Op::Rename(src, format!("{parent}/d{serial}"))
        }
        _ if !files.is_empty() && rng.below(2) == 0 => {
            Op::Delete(files[rng.below(files.len())].clone())
        }
        _ if !dirs.is_empty() => Op::Delete(dirs[rng.below(dirs.len())].clone()),
        _ => Op::Mkdir(format!("{parent}/d{serial}")),
    }
}

async fn execute(client: &DfsClient, op: &Op) -> Result<(), common::RemoteException> {
    match op {
        Op::Mkdir(path) => client.mkdirs(path, FsPermission::new(0o755), false).await,
        Op::Create(path) => {
            let options = CreateOptions {
                permission: FsPermission::new(0o644),
                overwrite: false,
                create_parent: false,
                replication: 1,
                block_size: 1024 * 1024,
            };
            client.create_empty(path, &options).await
        }
        Op::Rename(src, dst) => client.rename(src, dst, false, false).await,
        Op::Delete(path) => client.delete(path, true).await.map(|_| ()),
    }
}

/// Every path below `root` (not `root` itself), as the NameNode lists them.
async fn actual_paths(client: &DfsClient, root: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![root.to_string()];
    while let Some(dir) = pending.pop() {
        for entry in client.list(&dir).await.expect("list after restart") {
            if entry.is_dir {
                pending.push(entry.path.clone());
            }
            found.insert(entry.path);
        }
    }
    found
}

/// What one client knows: acknowledged paths, and the operation that was
/// under way when the NameNode died (its outcome is unknown).
struct ClientModel {
    root: String,
    paths: BTreeSet<String>,
    in_flight: Option<Op>,
    acknowledged: u64,
}

async fn run_client(
    client: DfsClient,
    mut model: ClientModel,
    seed: u64,
    stop: Arc<AtomicBool>,
    serial_base: u64,
) -> ClientModel {
    let mut rng = Rng(seed | 1);
    let mut serial = serial_base;
    while !stop.load(Ordering::Relaxed) {
        serial += 1;
        let op = pick(&mut rng, &model.root, &model.paths, serial);
        model.in_flight = Some(op.clone());
        match execute(&client, &op).await {
            Ok(()) => {
                op.apply(&mut model.paths);
                model.in_flight = None;
                model.acknowledged += 1;
            }
            Err(error) if error.kind == ExceptionKind::Io => return model,
            Err(error) => panic!("{op:?} was valid against the model but failed: {error}"),
        }
    }
    model
}

/// Appends a record cut short: a torn write at the end of the open segment.
fn tear_edit_log(name_dir: &Path) {
    let current = name_dir.join("current");
    let inprogress = std::fs::read_dir(&current)
        .expect("list name dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("edits_inprogress_"))
        })
        .expect("an in-progress segment after a kill");
    let mut bytes = std::fs::read(&inprogress).expect("read segment");
    let len_before = bytes.len();
    // Length 200, then half a header's worth of checksum: clearly cut short.
    bytes.extend_from_slice(&200u32.to_le_bytes());
    bytes.extend_from_slice(&[0xab, 0xcd]);
    std::fs::write(&inprogress, &bytes).expect("write torn segment");
    assert_eq!(
        std::fs::metadata(&inprogress).unwrap().len() as usize,
        len_before + 6,
        "torn bytes really appended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_operations_survive_sigkill() {
    let seed = std::env::var("TUSK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed: {seed} (TUSK_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed | 1);
    let base = tempfile::tempdir().unwrap();
    let conf_dir = write_namenode_conf(base.path());
    let (code, _, stderr) = hdfs(&conf_dir, &["namenode", "-format", "-force"]);
    assert_eq!(code, 0, "format failed: {stderr}");

    let mut models: Vec<ClientModel> = (0..CLIENTS)
        .map(|k| ClientModel {
            root: format!("/c{k}"),
            paths: BTreeSet::new(),
            in_flight: None,
            acknowledged: 0,
        })
        .collect();
    let mut total_acknowledged = 0;
    for cycle in 0..CYCLES {
        let namenode =
            NameNodeProcess::start(&conf_dir).unwrap_or_else(|log| panic!("cycle {cycle}: {log}"));
        let user = common::user::os_user();
        let client =
            DfsClient::connect(&namenode.rpc_address, &user, FsPermission::new(0o022)).unwrap();

        // Every acknowledged path is back, and nothing else but the outcome of
        // each client's unacknowledged operation.
        for model in &mut models {
            if cycle == 0 {
                client
                    .mkdirs(&model.root, FsPermission::new(0o755), true)
                    .await
                    .unwrap();
            }
            let actual = actual_paths(&client, &model.root).await;
            let mut with_in_flight = model.paths.clone();
            if let Some(op) = model.in_flight.take() {
                op.apply(&mut with_in_flight);
            }
            assert!(
                actual == model.paths || actual == with_in_flight,
                "cycle {cycle}, {}: namespace differs from acknowledged operations\n  acknowledged: {:?}\n  actual:       {:?}",
                model.root,
                model.paths,
                actual
            );
            model.paths = actual;
        }

        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (k, model) in models.drain(..).enumerate() {
            let client =
                DfsClient::connect(&namenode.rpc_address, &user, FsPermission::new(0o022)).unwrap();
            let serial_base = (cycle as u64 + 1) * 1_000_000;
            tasks.push(tokio::spawn(run_client(
                client,
                model,
                rng.next() ^ k as u64,
                stop.clone(),
                serial_base,
            )));
        }
        tokio::time::sleep(Duration::from_millis(150 + rng.below(600) as u64)).await;
        namenode.kill();
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let model = task.await.expect("client task");
            total_acknowledged += model.acknowledged;
            models.push(ClientModel {
                acknowledged: 0,
                ..model
            });
        }
        if cycle == CYCLES / 2 {
            tear_edit_log(&base.path().join("name"));
        }
    }
    assert!(
        total_acknowledged > 100,
        "the load really ran ({total_acknowledged} acknowledged operations)"
    );

    // A clean restart after the last kill still holds everything.
    let namenode = NameNodeProcess::start(&conf_dir).expect("final restart");
    let client = DfsClient::connect(
        &namenode.rpc_address,
        &common::user::os_user(),
        FsPermission::new(0o022),
    )
    .unwrap();
    for model in &models {
        let actual = actual_paths(&client, &model.root).await;
        let mut with_in_flight = model.paths.clone();
        if let Some(op) = &model.in_flight {
            op.apply(&mut with_in_flight);
        }
        assert!(
            actual == model.paths || actual == with_in_flight,
            "final check of {}",
            model.root
        );
    }
}
