//! Property tests of plan/apply: random sequences of client operations planned and applied
//! live, then the records they produced written to an edit segment and replayed, on an empty
//! namespace and on a checkpoint taken midway, must rebuild the same namespace; and the path
//! rules the namespace resolves by.

use common::FsPermission;
use common::ids::BlockId;
use common::path;
use proptest::prelude::*;
use proto::namenode_storage::EditRecord;
use proto::namenode_storage::edit_record::Op;

use std::collections::HashMap;

use super::*;
use crate::editlog::record;
use crate::fsimage;

const START: i64 = 1_700_000_000_000;
const NAMES: [&str; 3] = ["a", "b", "c"];
const CLIENTS: [&str; 2] = ["DFSClient_1", "DFSClient_2"];

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

fn limits() -> Limits {
    Limits {
        min_block_size: 0,
        ..Limits::default()
    }
}

fn empty_namespace() -> Namespace {
    Namespace::new("hdfs", "supergroup", START, limits())
}

/// Who calls: the superuser, or one of two users who own only what they made.
#[derive(Clone, Copy, Debug)]
enum Who {
    Superuser,
    Alice,
    Bob,
}

impl Who {
    fn caller(self) -> Caller {
        let user = match self {
            Self::Superuser => return Caller::superuser("hdfs"),
            Self::Alice => "alice",
            Self::Bob => "bob",
        };
        Caller {
            user: user.to_string(),
            groups: vec![user.to_string(), "staff".to_string()],
            is_superuser: false,
            origin: None,
        }
    }
}

/// One client request.
#[derive(Clone, Debug)]
enum Request<P> {
    Mkdirs {
        path: P,
        mode: u16,
        create_parent: bool,
    },
    Create {
        path: P,
        mode: u16,
        client: usize,
        overwrite: bool,
        create_parent: bool,
        replication: u16,
    },
    AddBlock {
        path: P,
        client: usize,
        previous_bytes: u64,
    },
    AbandonBlock {
        path: P,
        client: usize,
    },
    BumpGenerationStamp {
        path: P,
        client: usize,
    },
    Complete {
        path: P,
        client: usize,
        last_bytes: u64,
    },
    Append {
        path: P,
        client: usize,
    },
    Delete {
        path: P,
        recursive: bool,
    },
    Rename {
        src: P,
        dst: P,
        overwrite: bool,
        move_into_directory: bool,
    },
    SetReplication {
        path: P,
        replication: u16,
    },
    SetPermission {
        path: P,
        mode: u16,
    },
    SetOwner {
        path: P,
        owner: &'static str,
        group: &'static str,
    },
    SetTimes {
        path: P,
        mtime: i64,
        atime: i64,
    },
    /// Small quotas (or -1, none), so that later requests run into them.
    SetQuota {
        path: P,
        namespace_quota: i64,
        space_quota: i64,
    },
}

/// How a request names a path; resolved against the namespace when the request runs, so that
/// requests mostly meet what earlier ones made.
#[derive(Clone, Debug)]
enum PathChoice {
    /// An inode other than the root that exists then (the root when none does), by position
    /// in the tree walk, with the trailing `/` HDFS accepts or not.
    Existing(prop::sample::Index, bool),
    /// A file that exists then (any inode when there is no file), by position in the walk.
    ExistingFile(prop::sample::Index),
    /// A new name below an inode that exists then.
    Below(prop::sample::Index, &'static str),
    /// A path over a few names, which may or may not exist.
    Named(String),
    /// A path HDFS refuses.
    Invalid(&'static str),
}

impl PathChoice {
    fn resolve(&self, existing: &Existing) -> String {
        let pick = |index: &prop::sample::Index| {
            existing.paths[index.index(existing.paths.len())].as_str()
        };
        let pick_below_root = |index: &prop::sample::Index| match &existing.paths[..] {
            [root] => root.as_str(),
            [_, below_root @ ..] => below_root[index.index(below_root.len())].as_str(),
            [] => "/",
        };
        match self {
            Self::ExistingFile(index) if !existing.files.is_empty() => {
                existing.files[index.index(existing.files.len())].clone()
            }
            Self::ExistingFile(index) => pick(index).to_string(),
            Self::Existing(index, trailing_slash) => match pick_below_root(index) {
                "/" => "/".to_string(),
                path if *trailing_slash => format!("{path}/"),
                path => path.to_string(),
            },
            Self::Below(index, name) => path::join(pick(index), name),
            Self::Named(path) => path.clone(),
            Self::Invalid(path) => path.to_string(),
        }
    }
}

/// The paths of a namespace at one moment.
struct Existing {
    /// Every inode's, parents first.
    paths: Vec<String>,
    /// The files'.
    files: Vec<String>,
}

fn existing_paths(namespace: &Namespace) -> Existing {
    let mut by_id: HashMap<u64, String> = HashMap::new();
    let mut existing = Existing {
        paths: Vec::new(),
        files: Vec::new(),
    };
    namespace.walk(|parent_id, inode| {
        let path = match by_id.get(&parent_id) {
            Some(parent) => path::join(parent, &String::from_utf8_lossy(&inode.name)),
            None => "/".to_string(),
        };
        by_id.insert(inode.id, path.clone());
        if !inode.is_directory() {
            existing.files.push(path.clone());
        }
        existing.paths.push(path);
    });
    existing
}

fn any_path() -> impl Strategy<Value = PathChoice> {
    let named = (
        prop::collection::vec(prop::sample::select(&NAMES[..]), 1..=3),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(names, trailing_slash)| {
            let mut path = format!("/{}", names.join("/"));
            if trailing_slash {
                path.push('/');
            }
            PathChoice::Named(path)
        });
    prop_oneof![
        8 => (any::<prop::sample::Index>(), prop::bool::weighted(0.15))
            .prop_map(|(index, trailing_slash)| PathChoice::Existing(index, trailing_slash)),
        4 => (any::<prop::sample::Index>(), prop::sample::select(&NAMES[..]))
            .prop_map(|(index, name)| PathChoice::Below(index, name)),
        6 => named,
        1 => Just(PathChoice::Named("/".to_string())),
        1 => prop::sample::select(vec!["a/b", "/a//b", "/a/./b", "/a/../b", "/a:b", ""])
            .prop_map(PathChoice::Invalid),
    ]
}

/// Mostly a name that does not exist yet, for requests that make one.
fn new_path() -> impl Strategy<Value = PathChoice> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), prop::sample::select(&NAMES[..]))
            .prop_map(|(index, name)| PathChoice::Below(index, name)),
        1 => any_path(),
    ]
}

/// Mostly an existing file, for requests about files.
fn file_path() -> impl Strategy<Value = PathChoice> {
    prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(PathChoice::ExistingFile),
        1 => any_path(),
    ]
}

fn mode() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![0o755, 0o700, 0o777, 0o1777, 0o644, 0o500])
}

/// Mostly the first client, so that files are mostly written by the client that opened them.
fn client() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![0, 0, 0, 1])
}

fn request() -> impl Strategy<Value = Request<PathChoice>> {
    prop_oneof![
        3 => (new_path(), mode(), prop::bool::weighted(0.7)).prop_map(|(path, mode, create_parent)| {
            Request::Mkdirs {
                path,
                mode,
                create_parent,
            }
        }),
        4 => (
            new_path(),
            mode(),
            client(),
            any::<bool>(),
            prop::bool::weighted(0.7),
            0..=4u16
        )
            .prop_map(
                |(path, mode, client, overwrite, create_parent, replication)| Request::Create {
                    path,
                    mode,
                    client,
                    overwrite,
                    create_parent,
                    replication,
                }
            ),
        3 => (file_path(), client(), 0..4096u64).prop_map(|(path, client, previous_bytes)| {
            Request::AddBlock {
                path,
                client,
                previous_bytes,
            }
        }),
        1 => (file_path(), client()).prop_map(|(path, client)| Request::AbandonBlock { path, client }),
        1 => (file_path(), client())
            .prop_map(|(path, client)| Request::BumpGenerationStamp { path, client }),
        2 => (file_path(), client(), 0..4096u64).prop_map(|(path, client, last_bytes)| {
            Request::Complete {
                path,
                client,
                last_bytes,
            }
        }),
        1 => (file_path(), client()).prop_map(|(path, client)| Request::Append { path, client }),
        2 => (any_path(), any::<bool>())
            .prop_map(|(path, recursive)| Request::Delete { path, recursive }),
        3 => (any_path(), new_path(), any::<bool>(), any::<bool>()).prop_map(
            |(src, dst, overwrite, move_into_directory)| Request::Rename {
                src,
                dst,
                overwrite,
                move_into_directory,
            }
        ),
        1 => (
            any::<prop::sample::Index>(),
            prop::bool::weighted(0.5),
            prop::sample::select(&NAMES[..])
        )
            .prop_map(|(index, trailing_slash, name)| Request::Rename {
                src: PathChoice::Existing(index, trailing_slash),
                dst: PathChoice::Below(index, name),
                overwrite: false,
                move_into_directory: false,
            }),
        1 => (file_path(), 0..=4u16)
            .prop_map(|(path, replication)| Request::SetReplication { path, replication }),
        1 => (any_path(), mode()).prop_map(|(path, mode)| Request::SetPermission { path, mode }),
        1 => (
            any_path(),
            prop::sample::select(vec!["", "alice", "bob"]),
            prop::sample::select(vec!["", "alice", "staff"])
        )
            .prop_map(|(path, owner, group)| Request::SetOwner { path, owner, group }),
        1 => (any_path(), -1..3i64, -1..3i64).prop_map(|(path, mtime, atime)| Request::SetTimes {
            path,
            mtime: if mtime < 0 { -1 } else { START + mtime },
            atime: if atime < 0 { -1 } else { START + atime },
        }),
        2 => (
            any_path(),
            prop::sample::select(vec![-1i64, 1, 2, 4, 8, 30, i64::MAX]),
            prop::sample::select(vec![-1i64, 0, 1024, 4096, 16384, i64::MAX]),
        )
            .prop_map(|(path, namespace_quota, space_quota)| Request::SetQuota {
                path,
                namespace_quota,
                space_quota,
            }),
    ]
}

fn requests() -> impl Strategy<Value = Vec<(Who, Request<PathChoice>)>> {
    let who = prop_oneof![
        3 => Just(Who::Superuser),
        1 => Just(Who::Alice),
        1 => Just(Who::Bob),
    ];
    prop::collection::vec((who, request()), 1..50)
}

/// The last block of a file, as a client would report it, if the file has one.
fn last_block(namespace: &Namespace, path: &str, num_bytes: u64) -> Option<Block> {
    let (blocks, _) = namespace
        .file_blocks(path, &Caller::superuser("hdfs"))
        .ok()?;
    blocks.last().map(|last| Block { num_bytes, ..*last })
}

/// Plans `request` as the NameNode would: the records to apply, or why it is refused.
fn plan(
    namespace: &Namespace,
    who: Who,
    request: &Request<String>,
    now: i64,
) -> Result<Vec<Op>, RemoteException> {
    let caller = who.caller();
    let caller = &caller;
    match request {
        Request::Mkdirs {
            path,
            mode,
            create_parent,
        } => namespace.plan_mkdirs(path, FsPermission::new(*mode), *create_parent, caller, now),
        Request::Create {
            path,
            mode,
            client,
            overwrite,
            create_parent,
            replication,
        } => {
            let request = CreateRequest {
                path,
                permission: FsPermission::new(*mode),
                client_name: CLIENTS[*client],
                overwrite: *overwrite,
                create_parent: *create_parent,
                replication: *replication,
                block_size: 1024,
            };
            namespace.plan_create(&request, caller, now)
        }
        Request::AddBlock {
            path,
            client,
            previous_bytes,
        } => {
            let previous = last_block(namespace, path, *previous_bytes);
            let (op, _) = namespace.plan_add_block(path, CLIENTS[*client], 0, previous)?;
            Ok(vec![op])
        }
        Request::AbandonBlock { path, client } => {
            let Some(last) = last_block(namespace, path, 0) else {
                return Ok(Vec::new());
            };
            let op = namespace.plan_abandon_block(path, CLIENTS[*client], 0, last.id)?;
            Ok(op.into_iter().collect())
        }
        Request::BumpGenerationStamp { path, client } => {
            let block_id = last_block(namespace, path, 0).map_or(BlockId(0), |last| last.id);
            let (op, _) = namespace.plan_bump_generation_stamp(path, CLIENTS[*client], block_id)?;
            Ok(vec![op])
        }
        Request::Complete {
            path,
            client,
            last_bytes,
        } => {
            let last = last_block(namespace, path, *last_bytes);
            let op = namespace.plan_complete(path, CLIENTS[*client], 0, last, now)?;
            Ok(op.into_iter().collect())
        }
        Request::Append { path, client } => {
            let plan = namespace.plan_append(path, CLIENTS[*client], caller, now)?;
            Ok(vec![plan.op])
        }
        Request::Delete { path, recursive } => {
            let op = namespace.plan_delete(path, *recursive, caller, now)?;
            Ok(op.into_iter().collect())
        }
        Request::Rename {
            src,
            dst,
            overwrite,
            move_into_directory,
        } => Ok(vec![namespace.plan_rename(
            src,
            dst,
            *overwrite,
            *move_into_directory,
            caller,
            now,
        )?]),
        Request::SetReplication { path, replication } => {
            let op = namespace.plan_set_replication(path, *replication, caller)?;
            Ok(op.into_iter().collect())
        }
        Request::SetPermission { path, mode } => Ok(vec![namespace.plan_set_permission(
            path,
            FsPermission::new(*mode),
            caller,
        )?]),
        Request::SetOwner { path, owner, group } => {
            Ok(vec![namespace.plan_set_owner(path, owner, group, caller)?])
        }
        Request::SetTimes { path, mtime, atime } => Ok(vec![
            namespace.plan_set_times(path, *mtime, *atime, caller)?,
        ]),
        // Superuser only: the namesystem checks that before planning.
        Request::SetQuota {
            path,
            namespace_quota,
            space_quota,
        } => {
            let op = namespace.plan_set_quota(path, *namespace_quota, *space_quota)?;
            Ok(op.into_iter().collect())
        }
    }
}

impl<P> Request<P> {
    /// The same request with its paths mapped by `f`.
    fn map_paths<Q>(&self, mut f: impl FnMut(&P) -> Q) -> Request<Q> {
        match self {
            Self::Mkdirs {
                path,
                mode,
                create_parent,
            } => Request::Mkdirs {
                path: f(path),
                mode: *mode,
                create_parent: *create_parent,
            },
            Self::Create {
                path,
                mode,
                client,
                overwrite,
                create_parent,
                replication,
            } => Request::Create {
                path: f(path),
                mode: *mode,
                client: *client,
                overwrite: *overwrite,
                create_parent: *create_parent,
                replication: *replication,
            },
            Self::AddBlock {
                path,
                client,
                previous_bytes,
            } => Request::AddBlock {
                path: f(path),
                client: *client,
                previous_bytes: *previous_bytes,
            },
            Self::AbandonBlock { path, client } => Request::AbandonBlock {
                path: f(path),
                client: *client,
            },
            Self::BumpGenerationStamp { path, client } => Request::BumpGenerationStamp {
                path: f(path),
                client: *client,
            },
            Self::Complete {
                path,
                client,
                last_bytes,
            } => Request::Complete {
                path: f(path),
                client: *client,
                last_bytes: *last_bytes,
            },
            Self::Append { path, client } => Request::Append {
                path: f(path),
                client: *client,
            },
            Self::Delete { path, recursive } => Request::Delete {
                path: f(path),
                recursive: *recursive,
            },
            Self::Rename {
                src,
                dst,
                overwrite,
                move_into_directory,
            } => Request::Rename {
                src: f(src),
                dst: f(dst),
                overwrite: *overwrite,
                move_into_directory: *move_into_directory,
            },
            Self::SetReplication { path, replication } => Request::SetReplication {
                path: f(path),
                replication: *replication,
            },
            Self::SetPermission { path, mode } => Request::SetPermission {
                path: f(path),
                mode: *mode,
            },
            Self::SetOwner { path, owner, group } => Request::SetOwner {
                path: f(path),
                owner,
                group,
            },
            Self::SetTimes { path, mtime, atime } => Request::SetTimes {
                path: f(path),
                mtime: *mtime,
                atime: *atime,
            },
            Self::SetQuota {
                path,
                namespace_quota,
                space_quota,
            } => Request::SetQuota {
                path: f(path),
                namespace_quota: *namespace_quota,
                space_quota: *space_quota,
            },
        }
    }
}

/// Every path a request names.
fn paths_of<P>(request: &Request<P>) -> Vec<&P> {
    match request {
        Request::Rename { src, dst, .. } => vec![src, dst],
        Request::Mkdirs { path, .. }
        | Request::Create { path, .. }
        | Request::AddBlock { path, .. }
        | Request::AbandonBlock { path, .. }
        | Request::BumpGenerationStamp { path, .. }
        | Request::Complete { path, .. }
        | Request::Append { path, .. }
        | Request::Delete { path, .. }
        | Request::SetReplication { path, .. }
        | Request::SetPermission { path, .. }
        | Request::SetOwner { path, .. }
        | Request::SetTimes { path, .. }
        | Request::SetQuota { path, .. } => vec![path],
    }
}

/// What one inode is, with names instead of string-table indexes and ids instead of slots.
#[derive(Debug, PartialEq)]
struct InodeSummary {
    parent_id: u64,
    id: u64,
    name: Vec<u8>,
    mtime: i64,
    atime: i64,
    owner: String,
    group: String,
    permission: FsPermission,
    children: Option<usize>,
    file: Option<(u16, u64, Vec<Block>, Option<String>)>,
}

/// Everything a namespace holds, comparable across namespaces built differently.
#[derive(Debug, PartialEq)]
struct Summary {
    inodes: Vec<InodeSummary>,
    counters: IdCounters,
    num_files: u64,
    num_directories: u64,
    num_blocks: u64,
    content: ContentSummary,
    /// Every quota directory's quotas and cached usage, by inode id.
    quotas: Vec<(u64, DirectoryQuota)>,
}

fn summary(namespace: &Namespace) -> Summary {
    let strings = namespace.strings();
    let mut inodes = Vec::new();
    namespace.walk(|parent_id, inode| {
        inodes.push(InodeSummary {
            parent_id,
            id: inode.id,
            name: inode.name.to_vec(),
            mtime: inode.mtime,
            atime: inode.atime,
            owner: strings.get(inode.owner).to_string(),
            group: strings.get(inode.group).to_string(),
            permission: inode.permission,
            children: inode.children().map(<[Slot]>::len),
            file: inode.file().map(|file| {
                (
                    file.replication,
                    file.block_size,
                    file.blocks.to_vec(),
                    file.under_construction
                        .as_ref()
                        .map(|open| open.client_name.clone()),
                )
            }),
        });
    });
    Summary {
        inodes,
        counters: namespace.counters(),
        num_files: namespace.num_files(),
        num_directories: namespace.num_directories(),
        num_blocks: namespace.num_blocks(),
        content: namespace
            .content_summary("/", &Caller::superuser("hdfs"))
            .expect("the root has a summary"),
        quotas: {
            let mut quotas: Vec<(u64, DirectoryQuota)> =
                namespace.quotas().map(|(id, quota)| (id, *quota)).collect();
            quotas.sort_unstable_by_key(|(id, _)| *id);
            quotas
        },
    }
}

/// Runs `requests` live; returns the records they produced, each applied as it was planned.
fn run_live(
    namespace: &mut Namespace,
    requests: &[(Who, Request<PathChoice>)],
    first_step: usize,
) -> Result<Vec<Op>, TestCaseError> {
    let mut records = Vec::new();
    for (step, (who, request)) in requests.iter().enumerate() {
        let now = START + 1000 * (first_step + step) as i64;
        let existing = existing_paths(namespace);
        let request = request.map_paths(|choice| choice.resolve(&existing));
        // A refused request changes nothing: planning only reads the namespace.
        let Ok(ops) = plan(namespace, *who, &request, now) else {
            continue;
        };
        let invalid_path = paths_of(&request)
            .into_iter()
            .any(|path| path::components(path).is_err());
        prop_assert!(
            ops.is_empty() || !invalid_path,
            "{request:?} planned {ops:?}"
        );
        for op in ops {
            if let Err(error) = namespace.apply(&op) {
                return Err(TestCaseError::fail(format!(
                    "{request:?} planned {op:?}, which does not apply: {error}"
                )));
            }
            records.push(op);
        }
        // Usage is counted incrementally: it must equal a full recount after every request.
        let stale = namespace.stale_quota_usage();
        prop_assert!(stale.is_empty(), "after {request:?}: {stale:?}");
    }
    Ok(records)
}

/// Writes `ops` as an edit segment from `first_txid` and reads the records back from it.
fn through_edit_log(ops: Vec<Op>, first_txid: u64) -> Vec<Op> {
    let mut bytes = record::file_header().to_vec();
    for (op, txid) in ops.into_iter().zip(first_txid..) {
        record::encode(
            &EditRecord {
                txid,
                op: Some(op),
                ..Default::default()
            },
            &mut bytes,
        );
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let segment = dir.path().join("edits");
    std::fs::write(&segment, &bytes).expect("writing the segment");
    let mut read = Vec::new();
    let scan = record::read_segment(&segment, first_txid, |record| {
        read.push(record.op.expect("every record has an op"));
        Ok::<_, std::convert::Infallible>(())
    })
    .expect("the segment reads");
    assert!(!scan.torn_tail);
    read
}

fn replay(namespace: &mut Namespace, ops: &[Op]) -> Result<(), TestCaseError> {
    for op in ops {
        if let Err(error) = namespace.apply(op) {
            return Err(TestCaseError::fail(format!(
                "replaying {op:?} fails: {error}"
            )));
        }
    }
    Ok(())
}

/// Saves `namespace` as an fsimage and loads it back, as a checkpoint and a restart do.
fn through_fsimage(namespace: &Namespace, txid: u64) -> Namespace {
    let dir = tempfile::tempdir().expect("temporary directory");
    let image = dir.path().join("fsimage");
    fsimage::save(namespace, txid, 1, &image).expect("saving the image");
    fsimage::load(&image, limits())
        .expect("loading the image")
        .namespace
}

fn sorted_ids(mut blocks: Vec<Block>) -> Vec<u64> {
    let mut ids: Vec<u64> = blocks.drain(..).map(|block| block.id.0).collect();
    ids.sort_unstable();
    ids
}

/// Valid path components.
fn components() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-zé0-9_.-]{1,6}", 0..5).prop_map(|names| {
        names
            .into_iter()
            .map(|name| {
                if name == "." || name == ".." {
                    format!("{name}x")
                } else {
                    name
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    /// What was planned applies, and the records replayed through an edit segment onto an
    /// empty namespace rebuild it exactly.
    #[test]
    fn replaying_the_records_rebuilds_the_namespace(requests in requests()) {
        let mut live = empty_namespace();
        let ops = run_live(&mut live, &requests, 0)?;
        let mut replayed = empty_namespace();
        replay(&mut replayed, &through_edit_log(ops, 1))?;
        prop_assert_eq!(summary(&replayed), summary(&live));
        prop_assert_eq!(
            sorted_ids(replayed.take_removed_blocks()),
            sorted_ids(live.take_removed_blocks())
        );
    }

    /// A checkpoint taken midway plus the records after it rebuild the namespace too.
    #[test]
    fn a_checkpoint_and_the_later_records_rebuild_the_namespace(
        before in requests(),
        after in requests(),
    ) {
        let mut live = empty_namespace();
        let checkpoint_txid = run_live(&mut live, &before, 0)?.len() as u64;
        let mut restarted = through_fsimage(&live, checkpoint_txid);
        prop_assert_eq!(summary(&restarted), summary(&live));
        live.take_removed_blocks();

        let ops = run_live(&mut live, &after, before.len())?;
        replay(&mut restarted, &through_edit_log(ops, checkpoint_txid + 1))?;
        prop_assert_eq!(summary(&restarted), summary(&live));
        prop_assert_eq!(
            sorted_ids(restarted.take_removed_blocks()),
            sorted_ids(live.take_removed_blocks())
        );
    }

    /// A trailing `/` names the same inode, and every listing agrees with the tree walk.
    #[test]
    fn paths_resolve_alike_with_or_without_a_trailing_slash(requests in requests()) {
        let mut namespace = empty_namespace();
        run_live(&mut namespace, &requests, 0)?;
        let admin = Caller::superuser("hdfs");
        for first in NAMES {
            for second in NAMES {
                for path in [format!("/{first}"), format!("/{first}/{second}")] {
                    let with_slash = format!("{path}/");
                    let plain = namespace.file_info(&path, &admin);
                    let slashed = namespace.file_info(&with_slash, &admin);
                    prop_assert_eq!(plain.is_ok(), slashed.is_ok(), "{}", path);
                    if let (Ok(plain), Ok(slashed)) = (plain, slashed) {
                        prop_assert_eq!(plain, slashed, "{}", path);
                    }
                }
            }
        }
        let mut listed = 0;
        let mut directories = vec!["/".to_string()];
        while let Some(directory) = directories.pop() {
            let listing = namespace
                .listing(&directory, b"", usize::MAX, &admin)
                .expect("the superuser lists any directory")
                .expect("a listed directory exists");
            prop_assert_eq!(listing.remaining, 0);
            let names: Vec<&[u8]> = listing.entries.iter().map(|entry| &entry.name[..]).collect();
            prop_assert!(names.is_sorted() && names.windows(2).all(|pair| pair[0] != pair[1]));
            for entry in &listing.entries {
                listed += 1;
                let name = String::from_utf8(entry.name.clone()).expect("UTF-8 names");
                if entry.is_directory {
                    directories.push(path::join(&directory, &name));
                }
            }
        }
        prop_assert_eq!(listed + 1, namespace.num_inodes());
    }

    /// The path helpers the namespace resolves by agree with one another.
    #[test]
    fn path_helpers_agree(names in components(), name in "[a-z0-9]{1,6}") {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let full = prefix_path(&names, names.len());
        prop_assert_eq!(path::components(&full).expect("a valid path"), names.clone());
        if !names.is_empty() {
            let slashed = format!("{full}/");
            prop_assert_eq!(
                path::components(&slashed).expect("a trailing / is allowed"),
                names.clone()
            );
            let doubled = format!("{full}//");
            prop_assert!(path::components(&doubled).is_err());
        }
        let child = path::join(&full, &name);
        prop_assert_eq!(path::parent(&child), full.as_str());
        prop_assert_eq!(path::basename(&child), name.as_str());
        for depth in 0..=names.len() {
            let prefix = prefix_path(&names, depth);
            prop_assert_eq!(path::components(&prefix).expect("a valid prefix"), &names[..depth]);
            prop_assert!(path::is_same_or_descendant(&full, &prefix));
            prop_assert_eq!(
                path::is_same_or_descendant(&prefix, &full),
                depth == names.len()
            );
        }
        let sibling = format!("{full}{name}");
        prop_assert_eq!(
            path::is_same_or_descendant(&sibling, &full),
            names.is_empty(),
            "{} is not below {}", sibling, full
        );
    }
}

/// Found by `replaying_the_records_rebuilds_the_namespace`: a source named with a trailing `/`
/// passed the into-itself check, and applying the rename unlinked the directory for good.
#[test]
fn a_directory_named_with_a_trailing_slash_cannot_move_into_itself() {
    let mut namespace = empty_namespace();
    let admin = Caller::superuser("hdfs");
    let ops = namespace
        .plan_mkdirs("/a", FsPermission::new(0o755), false, &admin, START)
        .expect("mkdirs is planned");
    replay(&mut namespace, &ops).expect("mkdirs applies");
    let error = namespace
        .plan_rename("/a/", "/a/x", false, false, &admin, START)
        .expect_err("moving /a/ below itself is refused");
    assert_eq!(
        error.message,
        "'/a/' to '/a/x': cannot move a directory into itself"
    );
    assert!(
        namespace
            .file_info("/a", &admin)
            .expect("resolves")
            .is_some()
    );
}
