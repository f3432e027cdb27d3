//! HDFS name and space quotas on the mini-cluster, as Hadoop has them: `dfsadmin
//! -setQuota`/`-setSpaceQuota`/`-clrQuota`/`-clrSpaceQuota`, the NameNode refusing what
//! would go over (`NSQuotaExceededException`, `DSQuotaExceededException`, Hadoop's
//! messages), `dfs -count -q`, and quotas and usage surviving restarts through the edit
//! log and through the fsimage.

use std::path::Path;
use std::process::Command;

use client::{DfsClient, QuotaUsage, RemoteException};
use common::{ExceptionKind, FsPermission};
use minicluster::MiniCluster;
use tusk_tests::{binary, content, create_options, write_file};

const MIB: u64 = 1024 * 1024;

async fn cluster() -> MiniCluster {
    MiniCluster::builder()
        .datanodes(3)
        .set("dfs.heartbeat.interval", "200ms")
        .build()
        .await
        .unwrap()
}

/// Runs `hdfs ARGS` as `user` (the superuser, the NameNode's own user, when `None`).
fn hdfs_as(conf_dir: &Path, user: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(binary("hdfs"));
    command
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("HADOOP_USER_NAME");
    if let Some(user) = user {
        command.env("HADOOP_USER_NAME", user);
    }
    let output = command.output().expect("run hdfs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn dfsadmin_ok(conf_dir: &Path, args: &[&str]) {
    let mut all = vec!["dfsadmin"];
    all.extend_from_slice(args);
    let (code, out, err) = hdfs_as(conf_dir, None, &all);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{all:?}");
}

async fn mkdir(client: &DfsClient, path: &str) -> Result<(), RemoteException> {
    client.mkdirs(path, FsPermission::new(0o755), true).await
}

async fn touch(client: &DfsClient, path: &str) -> Result<(), RemoteException> {
    client.create_empty(path, &create_options(1, MIB)).await
}

/// Writes `data` to a new file; the first error on the way, if any.
async fn try_write(
    client: &DfsClient,
    path: &str,
    data: &[u8],
    replication: u16,
    block_size: u64,
) -> Result<(), RemoteException> {
    let mut writer = client
        .create_writer(path, &create_options(replication, block_size))
        .await?;
    writer.write(data).await?;
    writer.close().await
}

fn assert_refused(result: Result<(), RemoteException>, kind: ExceptionKind, message: &str) {
    let error = result.expect_err("refused by a quota");
    assert_eq!((error.kind, error.message.as_str()), (kind, message));
}

fn count_q_line(
    quota: &str,
    remaining: &str,
    space: &str,
    space_remaining: &str,
    rest: &str,
) -> String {
    format!("{quota:>12} {remaining:>15} {space:>15} {space_remaining:>15} {rest}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_quota_refuses_create_mkdir_and_rename_until_cleared() {
    let cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let client = cluster.client().unwrap();
    mkdir(&client, "/q").await.unwrap();
    mkdir(&client, "/outside/d").await.unwrap();

    dfsadmin_ok(&conf_dir, &["-setQuota", "3", "/q"]);
    touch(&client, "/q/f1").await.unwrap();
    mkdir(&client, "/q/d1").await.unwrap();
    let exceeded = "The NameSpace quota (directories and files) of directory /q is exceeded: quota=3 file count=4";
    assert_refused(
        touch(&client, "/q/f2").await,
        ExceptionKind::NsQuotaExceeded,
        exceeded,
    );
    assert_refused(
        mkdir(&client, "/q/d2").await,
        ExceptionKind::NsQuotaExceeded,
        exceeded,
    );
    assert_refused(
        client.rename("/outside/d", "/q/d", false, false).await,
        ExceptionKind::NsQuotaExceeded,
        exceeded,
    );
    assert!(client.get_file_info("/outside/d").await.unwrap().is_some());

    // The shell shows the quota and what remains of it.
    let (code, out, err) = hdfs_as(&conf_dir, None, &["dfs", "-count", "-q", "/q"]);
    assert_eq!(code, 0, "{err}");
    let rest = format!("{:>12} {:>12} {:>18} /q", 2, 1, 0);
    assert_eq!(out, count_q_line("3", "0", "none", "inf", &rest));
    let (_, out, _) = hdfs_as(&conf_dir, None, &["dfs", "-count", "-u", "/q"]);
    assert_eq!(out, count_q_line("3", "0", "none", "inf", "/q"));
    let (_, out, _) = hdfs_as(
        &conf_dir,
        None,
        &["dfs", "-count", "-q", "-v", "-h", "/outside"],
    );
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{:>12} {:>15}", "none", "inf"))
    );

    // Another user may not change quotas: Hadoop's AccessControlException.
    let (code, out, err) = hdfs_as(&conf_dir, Some("alice"), &["dfsadmin", "-clrQuota", "/q"]);
    assert_eq!((code, out.as_str()), (255, ""));
    assert_eq!(
        err,
        "clrQuota: Access denied for user alice. Superuser privilege is required for setQuota\n"
    );
    let alice = cluster.client_as("alice").unwrap();
    let error = alice.set_quota("/q", 10, i64::MAX, None).await.unwrap_err();
    assert_eq!(error.kind, ExceptionKind::AccessControl);

    // Errors per directory, and the usage when arguments are wrong.
    let (code, _, err) = hdfs_as(
        &conf_dir,
        None,
        &["dfsadmin", "-setQuota", "2", "/nope", "/q/f1"],
    );
    assert_eq!(code, 255);
    assert_eq!(
        err,
        "setQuota: '/nope': No such file or directory\nsetQuota: '/q/f1': Is not a directory\n"
    );
    let (code, _, err) = hdfs_as(&conf_dir, None, &["dfsadmin", "-setQuota", "0", "/q"]);
    assert_eq!(code, 255);
    assert_eq!(
        err,
        "setQuota: Invalid values for quota : 0 and 9223372036854775807\n\
         Usage: hdfs dfsadmin [-setQuota <quota> <dirname>...<dirname>]\n"
    );

    // Cleared, the limit is gone.
    dfsadmin_ok(&conf_dir, &["-clrQuota", "/q"]);
    touch(&client, "/q/f2").await.unwrap();
    client
        .rename("/outside/d", "/q/d", false, false)
        .await
        .unwrap();
    let (_, out, _) = hdfs_as(&conf_dir, None, &["dfs", "-count", "-q", "/q"]);
    let rest = format!("{:>12} {:>12} {:>18} /q", 3, 2, 0);
    assert_eq!(out, count_q_line("none", "inf", "none", "inf", &rest));

    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_quota_refuses_a_block_a_replication_and_an_append() {
    let cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let client = cluster.client().unwrap();
    mkdir(&client, "/s").await.unwrap();

    // A new block counts at its full size times the replication (128 MiB x 3 here).
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "1m", "/s"]);
    assert_refused(
        try_write(&client, "/s/big", &content(1000, 1), 3, 128 * MIB).await,
        ExceptionKind::DsQuotaExceeded,
        "The DiskSpace quota of /s is exceeded: quota = 1048576 B = 1 MB \
         but diskspace consumed = 402653184 B = 384 MB",
    );
    // The file was created, but holds nothing.
    client.delete("/s/big", false).await.unwrap();

    // 1000 bytes at replication 1 in blocks of 256 KiB fit; raising the replication needs
    // room for every byte again.
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "300k", "/s"]);
    write_file(&client, "/s/f", &content(1000, 2), 1, 256 * 1024).await;
    assert_eq!(client.quota_usage("/s").await.unwrap().space_consumed, 1000);
    assert_refused(
        client.set_replication("/s/f", 400).await.map(|_| ()),
        ExceptionKind::DsQuotaExceeded,
        "The DiskSpace quota of /s is exceeded: quota = 307200 B = 300 KB \
         but diskspace consumed = 400000 B = 390.63 KB",
    );
    client.set_replication("/s/f", 2).await.unwrap();
    assert_eq!(client.quota_usage("/s").await.unwrap().space_consumed, 2000);

    // Appending reopens the partial last block: it counts at the full block size again.
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "500k", "/s"]);
    let error = client
        .append_writer("/s/f")
        .await
        .err()
        .expect("append refused");
    assert_eq!(error.kind, ExceptionKind::DsQuotaExceeded);
    assert!(
        error
            .message
            .ends_with("diskspace consumed = 524288 B = 512 KB"),
        "{}",
        error.message
    );

    let (_, out, _) = hdfs_as(&conf_dir, None, &["dfs", "-count", "-q", "-h", "/s"]);
    let rest = format!("{:>12} {:>12} {:>18} /s", 1, 1, 1000);
    assert_eq!(out, count_q_line("none", "inf", "500 K", "498.0 K", &rest));

    // Storage type quotas are not supported.
    let (code, _, err) = hdfs_as(
        &conf_dir,
        None,
        &[
            "dfsadmin",
            "-setSpaceQuota",
            "1g",
            "-storageType",
            "SSD",
            "/s",
        ],
    );
    assert_eq!(code, 255);
    assert_eq!(
        err,
        "setSpaceQuota: Quota by storage type is not supported: SSD\n"
    );

    dfsadmin_ok(&conf_dir, &["-clrSpaceQuota", "/s"]);
    let mut writer = client.append_writer("/s/f").await.unwrap();
    writer.write(b"more").await.unwrap();
    writer.close().await.unwrap();
    let usage = client.quota_usage("/s").await.unwrap();
    assert_eq!((usage.quota, usage.space_quota), (-1, -1));

    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_and_usage_survive_restarts_through_edits_and_the_image() {
    let mut cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let client = cluster.client().unwrap();
    mkdir(&client, "/keep/sub").await.unwrap();
    write_file(&client, "/keep/sub/f", &content(5000, 3), 2, MIB).await;
    dfsadmin_ok(&conf_dir, &["-setQuota", "3", "/keep"]);
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "1g", "/keep"]);
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "20000", "/keep/sub"]);
    let expected = [
        (
            "/keep",
            QuotaUsage {
                file_and_directory_count: 3,
                quota: 3,
                space_consumed: 10_000,
                space_quota: 1 << 30,
            },
        ),
        (
            "/keep/sub",
            QuotaUsage {
                file_and_directory_count: 2,
                quota: -1,
                space_consumed: 10_000,
                space_quota: 20_000,
            },
        ),
    ];
    async fn check(client: &DfsClient, expected: &[(&str, QuotaUsage)], when: &str) {
        for (path, usage) in expected {
            assert_eq!(
                client.quota_usage(path).await.unwrap(),
                *usage,
                "{path} {when}"
            );
        }
        // Still enforced: one more name is too many for /keep.
        let error = touch(client, "/keep/sub/g").await.unwrap_err();
        assert_eq!(error.kind, ExceptionKind::NsQuotaExceeded, "{when}");
    }
    check(&client, &expected, "before any restart").await;

    // Replayed from the edit log.
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    tusk_tests::eventually(
        std::time::Duration::from_secs(60),
        "out of safe mode",
        async || !cluster.namesystem().unwrap().in_safe_mode(),
    )
    .await;
    check(&client, &expected, "after replaying the edits").await;

    // Saved into an fsimage, then loaded from it.
    client
        .set_safe_mode(client::SafeModeAction::Enter)
        .await
        .unwrap();
    client.save_namespace().await.unwrap();
    client
        .set_safe_mode(client::SafeModeAction::Leave)
        .await
        .unwrap();
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    tusk_tests::eventually(
        std::time::Duration::from_secs(60),
        "out of safe mode",
        async || !cluster.namesystem().unwrap().in_safe_mode(),
    )
    .await;
    check(&client, &expected, "after loading the image").await;

    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhdfs_sets_and_reports_quotas() {
    let cluster = cluster().await;
    let client = cluster.client().unwrap();
    mkdir(&client, "/w").await.unwrap();
    let http = cluster.namenode_http_address().to_string();
    let user = common::user::os_user();

    let set = format!(
        "/webhdfs/v1/w?op=SETQUOTA&namespacequota=10&storagespacequota=4096&user.name={user}"
    );
    let reply = tusk_tests::web::request(&http, "PUT", &set, b"").await;
    assert_eq!(reply.status, 200);
    touch(&client, "/w/f").await.unwrap();

    let usage = tusk_tests::web::get_json(
        &http,
        &format!("/webhdfs/v1/w?op=GETQUOTAUSAGE&user.name={user}"),
    )
    .await;
    assert_eq!(usage["QuotaUsage"]["fileAndDirectoryCount"], 2);
    assert_eq!(usage["QuotaUsage"]["quota"], 10);
    assert_eq!(usage["QuotaUsage"]["spaceQuota"], 4096);
    let summary = tusk_tests::web::get_json(
        &http,
        &format!("/webhdfs/v1/w?op=GETCONTENTSUMMARY&user.name={user}"),
    )
    .await;
    assert_eq!(summary["ContentSummary"]["quota"], 10);
    assert_eq!(summary["ContentSummary"]["spaceQuota"], 4096);

    let refused = tusk_tests::web::request(
        &http,
        "PUT",
        "/webhdfs/v1/w?op=SETQUOTA&namespacequota=1&user.name=alice",
        b"",
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.exception().0, "AccessControlException");

    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncate_gives_back_the_space_it_cuts() {
    let cluster = cluster().await;
    let conf_dir = cluster.conf_dir();
    let client = cluster.client().unwrap();
    mkdir(&client, "/t").await.unwrap();
    dfsadmin_ok(&conf_dir, &["-setSpaceQuota", "10m", "/t"]);
    write_file(&client, "/t/f", &content(3000, 3), 2, 1024).await;
    let consumed = async || client.quota_usage("/t").await.unwrap().space_consumed;
    assert_eq!(consumed().await, 6000);

    // On a block boundary the tail blocks go at once.
    assert!(client.truncate("/t/f", 2048).await.unwrap());
    assert_eq!(consumed().await, 4096);
    // Inside a block, the cut block counts at its full size until the
    // DataNodes' recovery closes the file at its new length.
    assert!(!client.truncate("/t/f", 1000).await.unwrap());
    assert_eq!(consumed().await, 2048);
    tusk_tests::eventually(
        std::time::Duration::from_secs(20),
        "the truncated file closes",
        async || consumed().await == 2000,
    )
    .await;
    cluster.shutdown().await;
}
