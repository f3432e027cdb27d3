//! Quota enforcement and counting, with Hadoop's messages.

use common::{ExceptionKind, FsPermission, RemoteException};
use proto::namenode_storage::edit_record::Op;

use super::quota::QUOTA_DONT_SET;
use super::*;

const NOW: i64 = 1_700_000_000_000;
const BLOCK_SIZE: u64 = 1 << 20;

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

fn run(namespace: &mut Namespace, ops: Vec<Op>) {
    for op in ops {
        namespace.apply(&op).expect("planned op applies");
    }
}

fn mkdirs(namespace: &mut Namespace, path: &str) -> Result<(), RemoteException> {
    let ops = namespace.plan_mkdirs(path, FsPermission::new(0o755), true, &admin(), NOW)?;
    run(namespace, ops);
    Ok(())
}

fn set_quota(namespace: &mut Namespace, path: &str, names: i64, space: i64) {
    let op = namespace
        .plan_set_quota(path, names, space)
        .expect("quota can be set");
    run(namespace, op.into_iter().collect());
}

/// Opens `path` for writing by `client` with replication 3.
fn open(namespace: &mut Namespace, path: &str, client: &str) -> Result<(), RemoteException> {
    let request = CreateRequest {
        path,
        permission: FsPermission::new(0o644),
        client_name: client,
        overwrite: false,
        create_parent: true,
        replication: 3,
        block_size: BLOCK_SIZE,
    };
    let ops = namespace.plan_create(&request, &admin(), NOW)?;
    run(namespace, ops);
    Ok(())
}

fn add_block(
    namespace: &mut Namespace,
    path: &str,
    previous: Option<Block>,
) -> Result<Block, RemoteException> {
    let (op, block) = namespace.plan_add_block(path, "client", 0, previous)?;
    run(namespace, vec![op]);
    Ok(block)
}

fn complete(namespace: &mut Namespace, path: &str, last: Option<Block>) {
    let op = namespace
        .plan_complete(path, "client", 0, last, NOW)
        .expect("the file completes");
    run(namespace, op.into_iter().collect());
}

/// A closed file at `path` of one block of `bytes`, replication 3.
fn write_file(namespace: &mut Namespace, path: &str, bytes: u64) -> Result<(), RemoteException> {
    open(namespace, path, "client")?;
    let block = add_block(namespace, path, None)?;
    complete(
        namespace,
        path,
        Some(Block {
            num_bytes: bytes,
            ..block
        }),
    );
    Ok(())
}

fn usage(namespace: &Namespace, path: &str) -> QuotaUsage {
    namespace.quota_usage(path, &admin()).expect("usage")
}

#[test]
fn name_quota_counts_the_directory_itself_and_refuses_with_hadoops_message() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/q").unwrap();
    set_quota(&mut ns, "/q", 3, QUOTA_DONT_SET);
    open(&mut ns, "/q/f1", "client").unwrap();
    mkdirs(&mut ns, "/q/d").unwrap();
    assert_eq!(usage(&ns, "/q").file_and_directory_count, 3);

    let error = open(&mut ns, "/q/f2", "client").unwrap_err();
    assert_eq!(error.kind, ExceptionKind::NsQuotaExceeded);
    assert_eq!(
        error.message,
        "The NameSpace quota (directories and files) of directory /q is exceeded: quota=3 file count=4"
    );
    let error = mkdirs(&mut ns, "/q/d/e/f").unwrap_err();
    assert_eq!(error.kind, ExceptionKind::NsQuotaExceeded);
    assert!(
        error.message.ends_with("quota=3 file count=4"),
        "{}",
        error.message
    );
    // Refused as a whole: nothing of it was made.
    assert!(ns.file_info("/q/d/e", &admin()).unwrap().is_none());

    // Into the directory by rename, too; out of it frees names.
    mkdirs(&mut ns, "/elsewhere/x").unwrap();
    let error = ns
        .plan_rename("/elsewhere/x", "/q/x", false, false, &admin(), NOW)
        .unwrap_err();
    assert_eq!(error.kind, ExceptionKind::NsQuotaExceeded);
    let op = ns
        .plan_rename("/q/d", "/elsewhere/d", false, false, &admin(), NOW)
        .unwrap();
    run(&mut ns, vec![op]);
    assert_eq!(usage(&ns, "/q").file_and_directory_count, 2);
    let op = ns
        .plan_rename("/elsewhere/x", "/q/x", false, false, &admin(), NOW)
        .unwrap();
    run(&mut ns, vec![op]);
    assert_eq!(usage(&ns, "/q").file_and_directory_count, 3);

    // Cleared, the limit is gone.
    set_quota(&mut ns, "/q", QUOTA_RESET, QUOTA_DONT_SET);
    assert_eq!(
        ns.quota_of(ns.file_info("/q", &admin()).unwrap().unwrap().id),
        None
    );
    open(&mut ns, "/q/f2", "client").unwrap();
}

#[test]
fn space_quota_counts_a_block_being_written_at_its_full_size() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/q").unwrap();
    set_quota(&mut ns, "/q", QUOTA_DONT_SET, 1 << 20);
    open(&mut ns, "/q/f", "client").unwrap();
    let error = add_block(&mut ns, "/q/f", None).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::DsQuotaExceeded);
    assert_eq!(
        error.message,
        "The DiskSpace quota of /q is exceeded: quota = 1048576 B = 1 MB \
         but diskspace consumed = 3145728 B = 3 MB"
    );

    set_quota(&mut ns, "/q", QUOTA_DONT_SET, 4 * BLOCK_SIZE as i64);
    let block = add_block(&mut ns, "/q/f", None).unwrap();
    assert_eq!(usage(&ns, "/q").space_consumed, 3 * BLOCK_SIZE as i64);
    complete(
        &mut ns,
        "/q/f",
        Some(Block {
            num_bytes: 100,
            ..block
        }),
    );
    assert_eq!(usage(&ns, "/q").space_consumed, 300);

    // Raising the replication needs room for every byte again.
    set_quota(&mut ns, "/q", QUOTA_DONT_SET, 350);
    let error = ns.plan_set_replication("/q/f", 4, &admin()).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::DsQuotaExceeded);
    assert!(
        error
            .message
            .ends_with("diskspace consumed = 400 B = 400 B"),
        "{}",
        error.message
    );
    let op = ns.plan_set_replication("/q/f", 1, &admin()).unwrap();
    run(&mut ns, op.into_iter().collect());
    assert_eq!(usage(&ns, "/q").space_consumed, 100);

    // Appending reopens the partial last block: counted at the full block size again.
    let error = ns.plan_append("/q/f", "client", &admin(), NOW).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::DsQuotaExceeded);
    assert!(
        error
            .message
            .ends_with("diskspace consumed = 1048576 B = 1 MB"),
        "{}",
        error.message
    );
}

#[test]
fn usage_follows_deletes_renames_and_concat_between_quota_directories() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/a/sub").unwrap();
    mkdirs(&mut ns, "/b").unwrap();
    write_file(&mut ns, "/a/sub/f", 10).unwrap();
    write_file(&mut ns, "/a/g", 20).unwrap();
    set_quota(&mut ns, "/a", 100, 1000);
    set_quota(&mut ns, "/a/sub", 100, QUOTA_RESET);
    set_quota(&mut ns, "/b", 100, 1000);
    assert_eq!(usage(&ns, "/a").space_consumed, 90);
    assert_eq!(usage(&ns, "/a").file_and_directory_count, 4);
    assert_eq!(usage(&ns, "/a/sub").file_and_directory_count, 2);

    let op = ns
        .plan_rename("/a/sub", "/b/sub", false, false, &admin(), NOW)
        .unwrap();
    run(&mut ns, vec![op]);
    assert_eq!(usage(&ns, "/a").space_consumed, 60);
    assert_eq!(usage(&ns, "/b").space_consumed, 30);
    assert_eq!(usage(&ns, "/b").file_and_directory_count, 3);
    assert_eq!(usage(&ns, "/b/sub").file_and_directory_count, 2);

    // concat moves the blocks (at the target's replication) and drops the sources.
    let op = ns
        .plan_concat("/a/g", &["/b/sub/f".to_string()], &admin(), NOW)
        .unwrap();
    run(&mut ns, vec![op]);
    assert_eq!(usage(&ns, "/a").space_consumed, 90);
    assert_eq!(usage(&ns, "/b").space_consumed, 0);
    assert_eq!(usage(&ns, "/b/sub").file_and_directory_count, 1);

    let op = ns.plan_delete("/a/g", false, &admin(), NOW).unwrap();
    run(&mut ns, op.into_iter().collect());
    assert_eq!(usage(&ns, "/a").space_consumed, 0);
    assert_eq!(usage(&ns, "/a").file_and_directory_count, 1);
    assert!(ns.stale_quota_usage().is_empty());

    // The root always has Hadoop's default name quota, and its usage.
    let root = usage(&ns, "/");
    assert_eq!(root.quota, i64::MAX);
    assert_eq!(root.file_and_directory_count, 4);
}

#[test]
fn set_quota_checks_its_arguments_like_hadoop() {
    let mut ns = namespace();
    mkdirs(&mut ns, "/d").unwrap();
    write_file(&mut ns, "/d/f", 1).unwrap();
    let error = ns.plan_set_quota("/d", -2, QUOTA_DONT_SET).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::IllegalArgument);
    assert_eq!(
        error.message,
        "Illegal value for nsQuota or ssQuota : -2 and 9223372036854775807"
    );
    let error = ns.plan_set_quota("/nope", 3, QUOTA_DONT_SET).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::FileNotFound);
    assert_eq!(error.message, "Directory does not exist: /nope");
    let error = ns.plan_set_quota("/d/f", 3, QUOTA_DONT_SET).unwrap_err();
    assert_eq!(error.kind, ExceptionKind::PathIsNotDirectory);
    let error = ns
        .plan_set_quota("/", QUOTA_RESET, QUOTA_DONT_SET)
        .unwrap_err();
    assert_eq!(error.message, "Cannot clear namespace quota on root.");
    // Nothing to change, nothing to log.
    assert_eq!(
        ns.plan_set_quota("/d", QUOTA_RESET, QUOTA_RESET).unwrap(),
        None
    );
    // A quota below the usage is allowed (then nothing may be added).
    set_quota(&mut ns, "/d", 1, QUOTA_DONT_SET);
    let summary = ns.content_summary("/d", &admin()).unwrap();
    assert_eq!((summary.quota, summary.space_quota), (1, QUOTA_RESET));
}
