//! The NameNode's audit log (`hdfs-audit.log`, Hadoop's `FSNamesystem.audit`):
//! a scripted session over Tusk's gRPC client, a third-party Hadoop IPC client
//! (`hdfs-native`) and WebHDFS over HTTP, by three users, one of them refused,
//! leaves exactly Hadoop's lines, in order, in the mini-cluster's directory.

use std::path::Path;
use std::time::Duration;

use common::FsPermission;
use hdfs_native::ClientBuilder;
use minicluster::MiniCluster;
use tusk_tests::web::request;
use tusk_tests::{eventually, write_file};

const WAIT: Duration = Duration::from_secs(60);

/// The audit lines written so far, each without log4j's timestamp (checked
/// to be `yyyy-MM-dd HH:mm:ss,SSS`).
fn audit_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let (timestamp, rest) = line.split_at(23);
            let shape: String = timestamp
                .chars()
                .map(|c| if c.is_ascii_digit() { '9' } else { c })
                .collect();
            assert_eq!(shape, "9999-99-99 99:99:99,999", "{line}");
            rest.to_string()
        })
        .collect()
}

/// Hadoop's line for `user`'s `cmd` from 127.0.0.1.
fn line(
    allowed: bool,
    user: &str,
    cmd: &str,
    src: &str,
    dst: &str,
    perm: &str,
    proto: &str,
) -> String {
    format!(
        " INFO FSNamesystem.audit: allowed={allowed}\tugi={user} (auth:SIMPLE)\tip=/127.0.0.1\t\
         cmd={cmd}\tsrc={src}\tdst={dst}\tperm={perm}\tproto={proto}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_session_leaves_hadoops_audit_lines() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .set("dfs.replication", "1")
        .set("dfs.namenode.audit.log.enabled", "true")
        .build()
        .await
        .unwrap();
    let audit_log = cluster.audit_log_path().expect("the audit log is on");
    assert!(
        audit_log.starts_with(cluster.base_dir()),
        "{} is in the cluster's directory",
        audit_log.display()
    );
    let admin_user = common::user::os_user();
    let admin = cluster.client_as(&admin_user).unwrap();
    let alice = cluster.client_as("alice").unwrap();
    let bob = cluster.client_as("bob").unwrap();

    // gRPC (Tusk's client).
    admin
        .mkdirs("/audit", FsPermission::new(0o777), true)
        .await
        .unwrap();
    alice
        .mkdirs("/audit/alice", FsPermission::new(0o755), true)
        .await
        .unwrap();
    write_file(&alice, "/audit/alice/f", b"some bytes", 1, 1 << 20).await;
    assert_eq!(alice.list("/audit/alice").await.unwrap().len(), 1);
    alice
        .rename("/audit/alice/f", "/audit/alice/g", false, true)
        .await
        .unwrap();
    alice
        .set_permission("/audit/alice/g", FsPermission::new(0o600))
        .await
        .unwrap();
    let refused = bob.delete("/audit/alice/g", false).await;
    assert!(refused.is_err(), "bob may not delete alice's file");
    assert!(alice.delete("/audit/alice/g", false).await.unwrap());

    // Hadoop IPC (hdfs-native).
    let hadoop = |user: &str| {
        ClientBuilder::new()
            .with_url(format!("hdfs://{}", cluster.namenode_rpc_address()))
            .with_user(user)
            .build()
            .unwrap()
    };
    let (alice_ipc, bob_ipc) = (hadoop("alice"), hadoop("bob"));
    alice_ipc.mkdirs("/audit/ipc", 0o755, true).await.unwrap();
    let listed = alice_ipc.list_status("/audit", false).await.unwrap();
    assert_eq!(listed.len(), 2);
    alice_ipc
        .rename("/audit/ipc", "/audit/ipc2", false)
        .await
        .unwrap();
    let refused = bob_ipc.mkdirs("/audit/alice/x", 0o755, true).await;
    assert!(refused.is_err(), "bob may not write in alice's directory");

    // WebHDFS over HTTP.
    let nn = cluster.namenode_http_address().to_string();
    let web = |method: &'static str, path: &'static str, query: &'static str| {
        let nn = nn.clone();
        async move {
            let target = format!("/webhdfs/v1{path}?{query}");
            request(&nn, method, &target, b"").await.status
        }
    };
    let mkdirs = "op=MKDIRS&permission=755&user.name=alice";
    assert_eq!(web("PUT", "/audit/web", mkdirs).await, 200);
    assert_eq!(
        web("GET", "/audit/web", "op=LISTSTATUS&user.name=alice").await,
        200
    );
    let rename = "op=RENAME&destination=/audit/web2&user.name=alice";
    assert_eq!(web("PUT", "/audit/web", rename).await, 200);
    let chmod = "op=SETPERMISSION&permission=700&user.name=alice";
    assert_eq!(web("PUT", "/audit/web2", chmod).await, 200);
    let stat = "op=GETFILESTATUS&user.name=alice";
    assert_eq!(web("GET", "/audit/web2", stat).await, 200);
    let refused = "op=MKDIRS&user.name=bob";
    assert_eq!(web("PUT", "/audit/alice/y", refused).await, 403);
    let delete = "op=DELETE&user.name=alice";
    assert_eq!(web("DELETE", "/audit/web2", delete).await, 200);

    let admin_dir = format!("{admin_user}:supergroup:rwxrwxrwx");
    let expected = [
        line(
            true,
            &admin_user,
            "mkdirs",
            "/audit",
            "null",
            &admin_dir,
            "rpc",
        ),
        line(
            true,
            "alice",
            "mkdirs",
            "/audit/alice",
            "null",
            "alice:supergroup:rwxr-xr-x",
            "rpc",
        ),
        line(
            true,
            "alice",
            "create",
            "/audit/alice/f",
            "null",
            "alice:supergroup:rw-r--r--",
            "rpc",
        ),
        line(
            true,
            "alice",
            "listStatus",
            "/audit/alice",
            "null",
            "null",
            "rpc",
        ),
        line(
            true,
            "alice",
            "rename",
            "/audit/alice/f",
            "/audit/alice/g",
            "alice:supergroup:rw-r--r--",
            "rpc",
        ),
        line(
            true,
            "alice",
            "setPermission",
            "/audit/alice/g",
            "null",
            "alice:supergroup:rw-------",
            "rpc",
        ),
        line(
            false,
            "bob",
            "delete",
            "/audit/alice/g",
            "null",
            "null",
            "rpc",
        ),
        line(
            true,
            "alice",
            "delete",
            "/audit/alice/g",
            "null",
            "null",
            "rpc",
        ),
        line(
            true,
            "alice",
            "mkdirs",
            "/audit/ipc",
            "null",
            "alice:supergroup:rwxr-xr-x",
            "rpc",
        ),
        line(true, "alice", "listStatus", "/audit", "null", "null", "rpc"),
        line(
            true,
            "alice",
            "rename (options=[NONE])",
            "/audit/ipc",
            "/audit/ipc2",
            "alice:supergroup:rwxr-xr-x",
            "rpc",
        ),
        line(
            false,
            "bob",
            "mkdirs",
            "/audit/alice/x",
            "null",
            "null",
            "rpc",
        ),
        line(
            true,
            "alice",
            "mkdirs",
            "/audit/web",
            "null",
            "alice:supergroup:rwxr-xr-x",
            "webhdfs",
        ),
        line(
            true,
            "alice",
            "listStatus",
            "/audit/web",
            "null",
            "null",
            "webhdfs",
        ),
        line(
            true,
            "alice",
            "rename",
            "/audit/web",
            "/audit/web2",
            "alice:supergroup:rwxr-xr-x",
            "webhdfs",
        ),
        line(
            true,
            "alice",
            "setPermission",
            "/audit/web2",
            "null",
            "alice:supergroup:rwx------",
            "webhdfs",
        ),
        line(
            true,
            "alice",
            "getfileinfo",
            "/audit/web2",
            "null",
            "null",
            "webhdfs",
        ),
        line(
            false,
            "bob",
            "mkdirs",
            "/audit/alice/y",
            "null",
            "null",
            "webhdfs",
        ),
        line(
            true,
            "alice",
            "delete",
            "/audit/web2",
            "null",
            "null",
            "webhdfs",
        ),
    ];
    let written = eventually(WAIT, "every audit line written", async || {
        let lines = audit_lines(&audit_log);
        (lines.len() >= expected.len()).then_some(lines)
    })
    .await;
    for (index, (written, expected)) in written.iter().zip(&expected).enumerate() {
        assert_eq!(written, expected, "audit line {index}");
    }
    assert_eq!(written.len(), expected.len(), "{written:#?}");
    cluster.shutdown().await;
}
