use common::ids::{BlockId, GenerationStamp};
use common::{ExceptionKind, FsPermission};

use super::*;

const NOW: i64 = 1_700_000_000_000;

fn namespace() -> Namespace {
    let limits = Limits {
        min_block_size: 0,
        ..Limits::default()
    };
    Namespace::new("hdfs", "supergroup", NOW, limits)
}

fn admin() -> Caller {
    Caller::superuser("hdfs")
}

fn user(name: &str) -> Caller {
    Caller {
        user: name.to_string(),
        groups: vec![name.to_string()],
        is_superuser: false,
        origin: None,
    }
}

fn run(namespace: &mut Namespace, ops: Vec<rec_op::Op>) {
    for op in ops {
        namespace.apply(&op).expect("planned op applies");
    }
}

mod rec_op {
    pub use proto::namenode_storage::edit_record::Op;
}

fn mkdirs(
    namespace: &mut Namespace,
    path: &str,
    caller: &Caller,
) -> Result<(), common::RemoteException> {
    let ops = namespace.plan_mkdirs(path, FsPermission::new(0o755), true, caller, NOW)?;
    run(namespace, ops);
    Ok(())
}

fn create(
    namespace: &mut Namespace,
    path: &str,
    caller: &Caller,
) -> Result<(), common::RemoteException> {
    let request = CreateRequest {
        path,
        permission: FsPermission::new(0o644),
        client_name: "client",
        overwrite: false,
        create_parent: false,
        replication: 3,
        block_size: 1024,
    };
    let ops = namespace.plan_create(&request, caller, NOW)?;
    run(namespace, ops);
    let op = namespace.plan_complete(path, "client", 0, None, NOW)?;
    run(namespace, op.into_iter().collect());
    Ok(())
}

fn open_request<'a>(path: &'a str, client_name: &'a str) -> CreateRequest<'a> {
    CreateRequest {
        path,
        permission: FsPermission::new(0o644),
        client_name,
        overwrite: false,
        create_parent: false,
        replication: 1,
        block_size: 1024,
    }
}

fn open_for_writing(namespace: &mut Namespace, path: &str, client_name: &str) {
    let ops = namespace
        .plan_create(&open_request(path, client_name), &admin(), NOW)
        .unwrap();
    run(namespace, ops);
}

fn names(namespace: &Namespace, path: &str) -> Vec<String> {
    let listing = namespace
        .listing(path, b"", 1000, &admin())
        .unwrap()
        .unwrap();
    listing
        .entries
        .into_iter()
        .map(|entry| String::from_utf8(entry.name).unwrap())
        .collect()
}

#[test]
fn mkdirs_creates_parents_and_is_idempotent() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/a/b/c", &admin()).unwrap();
    assert!(
        ns.file_info("/a/b/c", &admin())
            .unwrap()
            .unwrap()
            .is_directory
    );
    assert_eq!(ns.num_directories(), 4);
    let again = ns
        .plan_mkdirs("/a/b/c", FsPermission::new(0o755), true, &admin(), NOW)
        .unwrap();
    assert!(again.is_empty());
}

#[test]
fn mkdir_without_parent_fails_with_hadoop_message() {
    let ns = namespace();
    let error = ns
        .plan_mkdirs("/a/b", FsPermission::new(0o755), false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    assert_eq!(error.message, "'/a/b': No such file or directory");
}

#[test]
fn file_in_the_middle_is_not_a_directory() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/a", &admin()).unwrap();
    create(&mut ns, "/a/f", &admin()).unwrap();
    let error = ns
        .plan_mkdirs("/a/f/b", FsPermission::new(0o755), true, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.message, "'/a/f/b': Not a directory");
    let error = ns
        .plan_mkdirs("/a/f", FsPermission::new(0o755), true, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.message, "'/a/f': File exists");
}

#[test]
fn children_stay_sorted_and_listing_pages() {
    let mut ns = namespace();
    for name in ["m", "b", "z", "a", "k"] {
        mkdirs(&mut ns, &format!("/d/{name}"), &admin()).unwrap();
    }
    assert_eq!(names(&ns, "/d"), ["a", "b", "k", "m", "z"]);
    let page = ns.listing("/d", b"", 2, &admin()).unwrap().unwrap();
    assert_eq!(page.entries.len(), 2);
    assert_eq!(page.remaining, 3);
    let page = ns.listing("/d", b"b", 2, &admin()).unwrap().unwrap();
    assert_eq!(page.entries[0].name, b"k");
    assert_eq!(page.remaining, 1);
    assert!(ns.listing("/nope", b"", 10, &admin()).unwrap().is_none());
}

#[test]
fn create_rules() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/d", &admin()).unwrap();
    create(&mut ns, "/d/f", &admin()).unwrap();
    let error = create(&mut ns, "/d/f", &admin()).unwrap_err();
    assert_eq!(error.message, "'/d/f': File exists");
    let error = create(&mut ns, "/missing/f", &admin()).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    let error = create(&mut ns, "/d", &admin()).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileAlreadyExists);
    let status = ns.file_info("/d/f", &admin()).unwrap().unwrap();
    assert_eq!(
        (status.replication, status.block_size, status.length),
        (3, 1024, 0)
    );
    assert!(!status.under_construction);
}

#[test]
fn blocks_are_allocated_and_completed() {
    let mut ns = namespace();
    open_for_writing(&mut ns, "/f", "writer");
    let request = open_request("/f", "writer");
    let other = ns.plan_create(
        &CreateRequest {
            client_name: "other",
            overwrite: true,
            ..request.clone()
        },
        &admin(),
        NOW,
    );
    assert_eq!(other.unwrap_err().kind, ExceptionKind::AlreadyBeingCreated);
    let (op, first) = ns.plan_add_block("/f", "writer", 0, None).unwrap();
    ns.apply(&op).unwrap();
    assert_eq!(first.id, BlockId(LAST_RESERVED_BLOCK_ID + 1));
    let wrong_holder = ns.plan_add_block("/f", "intruder", 0, Some(first));
    assert_eq!(wrong_holder.unwrap_err().kind, ExceptionKind::LeaseExpired);
    let (op, second) = ns
        .plan_add_block(
            "/f",
            "writer",
            0,
            Some(Block {
                num_bytes: 1024,
                ..first
            }),
        )
        .unwrap();
    ns.apply(&op).unwrap();
    assert_eq!(second.id, BlockId(first.id.0 + 1));
    assert!(second.generation_stamp > first.generation_stamp);
    let close = ns
        .plan_complete(
            "/f",
            "writer",
            0,
            Some(Block {
                num_bytes: 100,
                ..second
            }),
            NOW,
        )
        .unwrap();
    ns.apply(&close.unwrap()).unwrap();
    let status = ns.file_info("/f", &admin()).unwrap().unwrap();
    assert_eq!(status.length, 1124);
    assert_eq!(ns.num_blocks(), 2);
    assert!(
        ns.plan_complete("/f", "writer", 0, None, NOW)
            .unwrap()
            .is_none()
    );
}

#[test]
fn abandon_block_drops_only_the_last() {
    let mut ns = namespace();
    open_for_writing(&mut ns, "/f", "writer");
    let (op, block) = ns.plan_add_block("/f", "writer", 0, None).unwrap();
    ns.apply(&op).unwrap();
    assert!(
        ns.plan_abandon_block("/f", "writer", 0, BlockId(block.id.0 + 7))
            .unwrap()
            .is_none()
    );
    let op = ns
        .plan_abandon_block("/f", "writer", 0, block.id)
        .unwrap()
        .unwrap();
    ns.apply(&op).unwrap();
    assert_eq!(ns.num_blocks(), 0);
}

#[test]
fn rename_semantics() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/a/sub", &admin()).unwrap();
    mkdirs(&mut ns, "/b", &admin()).unwrap();
    create(&mut ns, "/a/f", &admin()).unwrap();
    create(&mut ns, "/b/g", &admin()).unwrap();

    let error = ns
        .plan_rename("/a", "/a/sub/x", false, false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(
        error.message,
        "'/a' to '/a/sub/x': cannot move a directory into itself"
    );
    let error = ns
        .plan_rename("/a/f", "/b/g", false, false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.message, "'/b/g': File exists");
    let error = ns
        .plan_rename("/nope", "/x", false, false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    let error = ns
        .plan_rename("/a/f", "/x/y", false, false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    let error = ns
        .plan_rename("/a/sub", "/b/g", true, false, &admin(), NOW)
        .unwrap_err();
    assert!(
        error
            .message
            .contains("source is a directory but destination is a file")
    );

    // Overwrite replaces a file of the same kind.
    let op = ns
        .plan_rename("/a/f", "/b/g", true, false, &admin(), NOW)
        .unwrap();
    ns.apply(&op).unwrap();
    assert_eq!(names(&ns, "/b"), ["g"]);
    assert_eq!(names(&ns, "/a"), ["sub"]);
    assert_eq!(ns.num_files(), 1);

    // FileSystem#rename moves into an existing directory.
    let op = ns
        .plan_rename("/a/sub", "/b", false, true, &admin(), NOW)
        .unwrap();
    ns.apply(&op).unwrap();
    assert_eq!(names(&ns, "/b"), ["g", "sub"]);
    assert!(names(&ns, "/a").is_empty());
}

#[test]
fn delete_semantics_and_counts() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/d/e", &admin()).unwrap();
    create(&mut ns, "/d/e/f", &admin()).unwrap();
    let error = ns.plan_delete("/d", false, &admin(), NOW).unwrap_err();
    assert_eq!(error.message, "'/d': Directory is not empty");
    assert!(
        ns.plan_delete("/nope", true, &admin(), NOW)
            .unwrap()
            .is_none()
    );
    assert!(ns.plan_delete("/", true, &admin(), NOW).is_err());
    let op = ns.plan_delete("/d", true, &admin(), NOW).unwrap().unwrap();
    ns.apply(&op).unwrap();
    assert_eq!((ns.num_files(), ns.num_directories()), (0, 1));
    // Freed slots are reused.
    mkdirs(&mut ns, "/x/y", &admin()).unwrap();
    assert_eq!(ns.inodes.len(), 4);
}

#[test]
fn permissions_are_enforced_for_other_users() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/private", &admin()).unwrap();
    let op = ns
        .plan_set_permission("/private", FsPermission::new(0o700), &admin())
        .unwrap();
    ns.apply(&op).unwrap();
    let error = ns
        .plan_mkdirs(
            "/private/x",
            FsPermission::new(0o755),
            true,
            &user("bob"),
            NOW,
        )
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::AccessControl);
    assert_eq!(
        error.message,
        "Permission denied: user=bob, access=EXECUTE, inode=\"/private\":hdfs:supergroup:drwx------"
    );
    let error = ns
        .plan_mkdirs("/top", FsPermission::new(0o755), true, &user("bob"), NOW)
        .unwrap_err();
    assert!(
        error.message.contains("access=WRITE_EXECUTE, inode=\"/\""),
        "{}",
        error.message
    );

    // A user's own directory is theirs.
    mkdirs(&mut ns, "/user/bob", &admin()).unwrap();
    let op = ns
        .plan_set_owner("/user/bob", "bob", "bob", &admin())
        .unwrap();
    ns.apply(&op).unwrap();
    mkdirs(&mut ns, "/user/bob/work", &user("bob")).unwrap();
    let status = ns.file_info("/user/bob/work", &admin()).unwrap().unwrap();
    assert_eq!(
        (status.owner.as_str(), status.group.as_str()),
        ("bob", "bob")
    );
    assert!(
        ns.plan_set_owner("/user/bob", "alice", "", &user("bob"))
            .is_err()
    );
    assert!(
        ns.plan_set_permission("/user", FsPermission::new(0o777), &user("bob"))
            .is_err()
    );
}

#[test]
fn sticky_bit_protects_other_users_entries() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/tmp", &admin()).unwrap();
    let op = ns
        .plan_set_permission("/tmp", FsPermission::new(0o1777), &admin())
        .unwrap();
    ns.apply(&op).unwrap();
    mkdirs(&mut ns, "/tmp/alice", &user("alice")).unwrap();
    let error = ns
        .plan_delete("/tmp/alice", true, &user("bob"), NOW)
        .unwrap_err();
    assert!(error.message.contains("sticky bit"), "{}", error.message);
    assert!(
        ns.plan_delete("/tmp/alice", true, &user("alice"), NOW)
            .unwrap()
            .is_some()
    );
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_component_length: 8,
        max_directory_items: 2,
        ..Limits::default()
    };
    let mut ns = Namespace::new("hdfs", "supergroup", NOW, limits);
    let error = mkdirs(&mut ns, "/waytoolongname", &admin()).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::PathComponentTooLong);
    mkdirs(&mut ns, "/a", &admin()).unwrap();
    mkdirs(&mut ns, "/b", &admin()).unwrap();
    let error = mkdirs(&mut ns, "/c", &admin()).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::MaxDirectoryItemsExceeded);
    assert!(error.message.contains("limit=2"), "{}", error.message);
}

#[test]
fn content_summary_counts_subtree() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/s/t", &admin()).unwrap();
    create(&mut ns, "/s/f", &admin()).unwrap();
    create(&mut ns, "/s/t/g", &admin()).unwrap();
    let summary = ns.content_summary("/s", &admin()).unwrap();
    assert_eq!(
        (summary.directory_count, summary.file_count, summary.length),
        (2, 2, 0)
    );
}

#[test]
fn replayed_records_rebuild_the_same_namespace() {
    let mut live = namespace();
    let mut log = Vec::new();
    let mut record = |ns: &mut Namespace, ops: Vec<rec_op::Op>| {
        for op in ops {
            ns.apply(&op).unwrap();
            log.push(op);
        }
    };
    let ops = live
        .plan_mkdirs("/a/b", FsPermission::new(0o755), true, &admin(), NOW)
        .unwrap();
    record(&mut live, ops);
    let ops = live
        .plan_mkdirs("/c", FsPermission::new(0o700), true, &admin(), NOW)
        .unwrap();
    record(&mut live, ops);
    let op = live
        .plan_rename("/a/b", "/c/b", false, false, &admin(), NOW + 1)
        .unwrap();
    record(&mut live, vec![op]);
    let op = live
        .plan_delete("/a", true, &admin(), NOW + 2)
        .unwrap()
        .unwrap();
    record(&mut live, vec![op]);

    let mut replayed = namespace();
    for op in &log {
        replayed.apply(op).unwrap();
    }
    assert_eq!(names(&replayed, "/"), names(&live, "/"));
    assert_eq!(
        replayed.file_info("/c/b", &admin()).unwrap(),
        live.file_info("/c/b", &admin()).unwrap()
    );
    assert_eq!(replayed.counters(), live.counters());
}

#[test]
fn append_continues_a_partial_last_block_only() {
    let mut ns = namespace();
    // Empty file: no block to continue.
    create(&mut ns, "/empty", &admin()).unwrap();
    let plan = ns.plan_append("/empty", "appender", &admin(), NOW).unwrap();
    assert_eq!((plan.last, plan.reopen_last), (None, false));

    // Blocks of 1024 bytes: a file ending in a partial block continues it,
    // one ending in a full block starts a new one.
    for (path, last_bytes, reopen) in [("/partial", 100, true), ("/full", 1024, false)] {
        open_for_writing(&mut ns, path, "writer");
        let (op, block) = ns.plan_add_block(path, "writer", 0, None).unwrap();
        ns.apply(&op).unwrap();
        let last = Block {
            num_bytes: last_bytes,
            ..block
        };
        let close = ns
            .plan_complete(path, "writer", 0, Some(last), NOW)
            .unwrap();
        ns.apply(&close.unwrap()).unwrap();
        let plan = ns.plan_append(path, "appender", &admin(), NOW).unwrap();
        assert_eq!(
            (plan.last, plan.reopen_last),
            (Some(last), reopen),
            "{path}"
        );
        ns.apply(&plan.op).unwrap();
        // The file is open for the appender, its blocks unchanged.
        let status = ns.file_info(path, &admin()).unwrap().unwrap();
        assert!(status.under_construction);
        assert_eq!(status.length, last_bytes);
    }
}

/// A closed file of three blocks: 1024 + 1024 + 500 bytes.
fn three_block_file(ns: &mut Namespace, path: &str) -> Vec<Block> {
    open_for_writing(ns, path, "writer");
    let mut blocks = Vec::new();
    let mut previous: Option<Block> = None;
    for _ in 0..3 {
        let (op, block) = ns.plan_add_block(path, "writer", 0, previous).unwrap();
        ns.apply(&op).unwrap();
        let full = Block {
            num_bytes: 1024,
            ..block
        };
        blocks.push(full);
        previous = Some(full);
    }
    let last = Block {
        num_bytes: 500,
        ..blocks[2]
    };
    blocks[2] = last;
    let close = ns
        .plan_complete(path, "writer", 0, Some(last), NOW)
        .unwrap();
    ns.apply(&close.unwrap()).unwrap();
    blocks
}

#[test]
fn truncate_drops_tail_blocks_and_cuts_the_last_one_under_the_callers_lease() {
    let mut ns = namespace();
    let blocks = three_block_file(&mut ns, "/f");
    let truncate = |ns: &Namespace, length| {
        ns.plan_truncate("/f", length, "cutter", "host", &admin(), NOW + 1)
    };

    // Refusals, before anything is applied.
    let longer = truncate(&ns, 2549).unwrap_err();
    assert_eq!(longer.kind, ExceptionKind::HadoopIllegalArgument);
    assert_eq!(
        longer.message,
        "Cannot truncate to a larger file size. Current size: 2548, truncate size: 2549."
    );
    assert_eq!(
        truncate(&ns, 2548).unwrap(),
        TruncatePlan::Unchanged { done: true }
    );
    mkdirs(&mut ns, "/d", &admin()).unwrap();
    let directory = ns.plan_truncate("/d", 0, "cutter", "host", &admin(), NOW);
    assert_eq!(directory.unwrap_err().message, "Path is not a file: /d");
    let missing = ns.plan_truncate("/nope", 0, "cutter", "host", &admin(), NOW);
    assert_eq!(missing.unwrap_err().message, "File does not exist: /nope");
    let stranger = ns.plan_truncate("/f", 0, "cutter", "host", &user("eve"), NOW);
    assert_eq!(stranger.unwrap_err().kind, ExceptionKind::AccessControl);

    // On a block boundary: the last block goes, the file stays closed.
    let TruncatePlan::Truncate { op, recovery } = truncate(&ns, 2048).unwrap() else {
        panic!("a truncate");
    };
    assert_eq!(recovery, None);
    ns.apply(&op).unwrap();
    assert_eq!(ns.take_removed_blocks(), vec![blocks[2]]);
    let status = ns.file_info("/f", &admin()).unwrap().unwrap();
    assert_eq!((status.length, status.under_construction), (2048, false));
    assert_eq!(status.mtime, NOW + 1);
    assert_eq!(ns.num_blocks(), 2);

    // Inside the first block: the second goes, the first takes a new stamp and
    // the new length, and the file is open for the caller until it is cut.
    let stamp = ns.counters().generation_stamp;
    let TruncatePlan::Truncate { op, recovery } = truncate(&ns, 1000).unwrap() else {
        panic!("a truncate");
    };
    let recovery = recovery.unwrap();
    assert_eq!(recovery.old, blocks[0]);
    assert_eq!(
        recovery.truncated,
        Block {
            generation_stamp: GenerationStamp(stamp + 1),
            num_bytes: 1000,
            ..blocks[0]
        }
    );
    ns.apply(&op).unwrap();
    assert_eq!(ns.take_removed_blocks(), vec![blocks[1]]);
    assert_eq!(ns.counters().generation_stamp, stamp + 1);
    assert!(ns.is_being_truncated("/f"));
    assert_eq!(
        ns.open_files(),
        vec![("/f".to_string(), "cutter".to_string())]
    );
    assert_eq!(
        ns.open_file_last_block("/f").unwrap(),
        Some(recovery.truncated)
    );

    // While it is cut: the same length again waits, another is refused, and
    // so is an append.
    assert_eq!(
        truncate(&ns, 1000).unwrap(),
        TruncatePlan::Unchanged { done: false }
    );
    let again = truncate(&ns, 10).unwrap_err();
    assert_eq!(again.kind, ExceptionKind::AlreadyBeingCreated);
    assert_eq!(
        again.message,
        "Failed to TRUNCATE_FILE /f for cutter on host because /f is being truncated."
    );
    let append = ns.plan_append("/f", "appender", &admin(), NOW);
    assert_eq!(append.unwrap_err().kind, ExceptionKind::AlreadyBeingCreated);

    // A lease recovery meanwhile recovers to the truncate length.
    let LeaseRecoveryPlan::RecoverBlock { new_length, .. } = ns
        .plan_lease_recovery("/f", "cutter", "NN", true, true, NOW)
        .unwrap()
    else {
        panic!("a block recovery");
    };
    assert_eq!(new_length, Some(1000));

    // The DataNodes' report closes it.
    let close = ns
        .plan_recovered_close("/f", "cutter", blocks[0].id, recovery.truncated, NOW)
        .unwrap();
    run(&mut ns, close);
    assert!(!ns.is_being_truncated("/f"));
    let status = ns.file_info("/f", &admin()).unwrap().unwrap();
    assert_eq!((status.length, status.under_construction), (1000, false));
}

#[test]
fn truncate_of_an_open_file_names_the_lease_holder() {
    let mut ns = namespace();
    open_for_writing(&mut ns, "/open", "writer");
    let other = ns
        .plan_truncate("/open", 0, "cutter", "host", &admin(), NOW)
        .unwrap_err();
    assert_eq!(other.kind, ExceptionKind::AlreadyBeingCreated);
    assert_eq!(
        other.message,
        "Failed to TRUNCATE_FILE /open for cutter on host because this file lease is currently owned by writer"
    );
    let own = ns
        .plan_truncate("/open", 0, "writer", "host", &admin(), NOW)
        .unwrap_err();
    assert_eq!(
        own.message,
        "Failed to TRUNCATE_FILE /open for writer on host because writer is already the current lease holder."
    );
}
