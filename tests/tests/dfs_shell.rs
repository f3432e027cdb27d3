//! `hdfs dfs`, `dfsadmin` and `getconf` as users run them: the real binary
//! against a mini-cluster, checking Hadoop's output, messages and exit codes.

use std::path::Path;
use std::process::Command;

use minicluster::MiniCluster;
use tusk_tests::binary;

struct Shell<'a> {
    conf_dir: &'a Path,
    user: Option<&'a str>,
}

impl Shell<'_> {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new(binary("hdfs"));
        command
            .args(args)
            .env("HADOOP_CONF_DIR", self.conf_dir)
            .env_remove("HADOOP_USER_NAME");
        if let Some(user) = self.user {
            command.env("HADOOP_USER_NAME", user);
        }
        let output = command.output().expect("run hdfs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn dfs(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["dfs"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.dfs(args);
        assert_eq!(code, 0, "hdfs dfs {args:?} failed: {err}");
        out
    }

    fn fails(&self, args: &[&str], code: i32, message: &str) {
        let (actual, _, err) = self.dfs(args);
        assert_eq!(
            (actual, err.trim_end()),
            (code, message),
            "hdfs dfs {args:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_commands_behave_like_hadoop() {
    let cluster = MiniCluster::builder().build().await.unwrap();
    let conf_dir = cluster.conf_dir();
    let sh = Shell {
        conf_dir: &conf_dir,
        user: None,
    };
    let me = common::user::os_user();

    sh.fails(
        &["-mkdir", "/a/b"],
        1,
        "mkdir: '/a/b': No such file or directory",
    );
    sh.ok(&["-mkdir", "-p", "/a/b", "/a/c"]);
    sh.fails(&["-mkdir", "/a"], 1, "mkdir: '/a': File exists");
    sh.ok(&["-touchz", "/a/f"]);
    sh.fails(
        &["-mkdir", "-p", "/a/f/b"],
        1,
        "mkdir: '/a/f/b': Not a directory",
    );

    let listing = sh.ok(&["-ls", "/a"]);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines[0], "Found 3 items");
    assert!(
        lines[1].starts_with("drwxr-xr-x   - ") && lines[1].ends_with(" /a/b"),
        "{listing}"
    );
    assert!(
        lines[3].starts_with("-rw-r--r--   3 ") && lines[3].contains(&format!(" {me} supergroup ")),
        "{listing}"
    );
    assert!(
        lines[3].ends_with(" 0 ")
            || lines[3].contains("          0 ")
            || lines[3].contains(" 0 20"),
        "{listing}"
    );
    assert_eq!(sh.ok(&["-ls", "-d", "/a"]).lines().count(), 1);
    assert_eq!(
        sh.ok(&["-ls", "-R", "/"])
            .lines()
            .filter(|line| line.contains("/a/"))
            .count(),
        3
    );

    // Full URIs work like paths.
    let uri = format!("{}/a/f", cluster.default_fs());
    sh.ok(&["-test", "-f", &uri]);

    // -test answers only with the exit code.
    assert_eq!(
        sh.dfs(&["-test", "-d", "/a"]),
        (0, String::new(), String::new())
    );
    assert_eq!(sh.dfs(&["-test", "-d", "/a/f"]).0, 1);
    assert_eq!(sh.dfs(&["-test", "-e", "/nope"]).0, 1);
    assert_eq!(sh.dfs(&["-test", "-z", "/a/f"]).0, 0);

    assert_eq!(
        sh.ok(&["-stat", "%F %u:%g %b %r %o %n", "/a/f"]).trim(),
        format!("regular file {me}:supergroup 0 3 134217728 f")
    );
    assert_eq!(
        sh.ok(&["-stat", "%F %a %A", "/a"]).trim(),
        "directory 755 rwxr-xr-x"
    );

    let count = sh.ok(&["-count", "/a"]);
    assert_eq!(count, "           3            1                  0 /a\n");
    let quotas = sh.ok(&["-count", "-q", "/a"]);
    assert!(
        quotas
            .trim_start()
            .starts_with("none             inf            none             inf"),
        "{quotas}"
    );
    assert_eq!(
        sh.ok(&["-du", "-s", "/a"])
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["0", "0", "/a"]
    );

    sh.fails(
        &["-mv", "/a", "/a/b/x"],
        1,
        "mv: '/a' to '/a/b/x': is a subdirectory of itself",
    );
    sh.ok(&["-mv", "/a/f", "/a/b"]);
    sh.ok(&["-test", "-f", "/a/b/f"]);
    sh.ok(&["-mv", "/a/b/f", "/a/g"]);

    sh.ok(&["-chmod", "-R", "700", "/a"]);
    assert_eq!(sh.ok(&["-stat", "%a", "/a/c"]).trim(), "700");
    sh.ok(&["-chmod", "g+rx,o+x", "/a"]);
    assert_eq!(sh.ok(&["-stat", "%A", "/a"]).trim(), "rwxr-x--x");
    assert_eq!(sh.dfs(&["-chmod", "abc", "/a"]).0, 255);
    sh.ok(&["-chgrp", "-R", "staff", "/a"]);
    assert_eq!(sh.ok(&["-stat", "%g", "/a/g"]).trim(), "staff");
    assert_eq!(
        sh.ok(&["-setrep", "2", "/a/g"]).trim(),
        "Replication 2 set: /a/g"
    );
    assert_eq!(sh.ok(&["-stat", "%r", "/a/g"]).trim(), "2");

    sh.fails(&["-rm", "/a/c"], 1, "rm: '/a/c': Is a directory");
    sh.fails(&["-rmdir", "/a"], 1, "rmdir: '/a': Directory is not empty");
    sh.fails(
        &["-rm", "/nope"],
        1,
        "rm: '/nope': No such file or directory",
    );
    assert_eq!(sh.dfs(&["-rm", "-f", "/nope"]).0, 0);
    sh.ok(&["-rmdir", "/a/c"]);
    assert_eq!(sh.ok(&["-rm", "-r", "/a"]), "Deleted /a\n");
    sh.fails(&["-ls", "/a"], 1, "ls: '/a': No such file or directory");
    assert_eq!(sh.dfs(&["-nosuchcommand"]).0, 255);

    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_and_safe_mode_are_enforced() {
    let cluster = MiniCluster::builder().build().await.unwrap();
    cluster.create_home_dirs("bob").await.unwrap();
    let conf_dir = cluster.conf_dir();
    let admin = Shell {
        conf_dir: &conf_dir,
        user: None,
    };
    let bob = Shell {
        conf_dir: &conf_dir,
        user: Some("bob"),
    };
    let me = common::user::os_user();

    bob.fails(
        &["-mkdir", "/forbidden"],
        1,
        &format!("mkdir: Permission denied: user=bob, access=WRITE_EXECUTE, inode=\"/\":{me}:supergroup:drwxr-xr-x"),
    );
    bob.ok(&["-mkdir", "/user/bob/mine"]);
    bob.ok(&["-mkdir", "relative"]);
    bob.ok(&["-test", "-d", "/user/bob/relative"]);
    assert_eq!(
        bob.ok(&["-stat", "%u:%g", "/user/bob/mine"]).trim(),
        "bob:supergroup"
    );
    let (code, _, err) = bob.dfs(&["-chown", "alice", "/user/bob/mine"]);
    assert_eq!(code, 1);
    assert!(err.contains("non-super user cannot change owner"), "{err}");
    admin.ok(&["-chown", "alice:staff", "/user/bob/mine"]);
    assert_eq!(
        admin.ok(&["-stat", "%u:%g", "/user/bob/mine"]).trim(),
        "alice:staff"
    );

    // Only the superuser administers; safe mode makes the namespace read-only.
    let (code, _, err) = bob.run(&["dfsadmin", "-safemode", "enter"]);
    assert_eq!(code, 255);
    assert!(err.contains("Superuser privilege is required"), "{err}");
    assert_eq!(
        admin.run(&["dfsadmin", "-safemode", "enter"]).1,
        "Safe mode is ON\n"
    );
    let (code, _, err) = admin.dfs(&["-mkdir", "/x"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("mkdir: Cannot create directory /x. Name node is in safe mode."),
        "{err}"
    );
    admin.ok(&["-ls", "/"]);
    assert_eq!(
        admin.run(&["dfsadmin", "-saveNamespace"]).1,
        "Save namespace successful\n"
    );
    assert_eq!(
        admin.run(&["dfsadmin", "-safemode", "get"]).1,
        "Safe mode is ON\n"
    );
    assert_eq!(
        admin.run(&["dfsadmin", "-safemode", "leave"]).1,
        "Safe mode is OFF\n"
    );
    admin.ok(&["-mkdir", "/x"]);

    let (code, out, _) = admin.run(&["getconf", "-confKey", "fs.defaultFS"]);
    assert_eq!((code, out.trim()), (0, cluster.default_fs().as_str()));
    let (code, out, _) = admin.run(&[
        "getconf",
        "-D",
        "dfs.replication=2",
        "-confKey",
        "dfs.replication",
    ]);
    assert_eq!((code, out.as_str()), (0, "2\n"));
    let (code, out, _) = admin.run(&[
        "getconf",
        "-D",
        "dfs.namenode.shared.edits.dir=qjournal://jn1:8485;jn2:8485/ns1",
        "-journalNodes",
    ]);
    assert_eq!((code, out.as_str()), (0, "jn1 jn2\n"));
    let (code, out, _) = admin.run(&["getconf", "-secondaryNameNodes"]);
    assert_eq!((code, out.as_str()), (0, "0.0.0.0\n"));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_survives_restarts_from_image_and_edits() {
    let mut cluster = MiniCluster::builder().build().await.unwrap();
    let client = cluster.client().unwrap();
    let dir = common::FsPermission::new(0o755);
    for i in 0..50 {
        client
            .mkdirs(&format!("/before-image/d{i}"), dir, true)
            .await
            .unwrap();
    }
    client
        .set_safe_mode(client::SafeModeAction::Enter)
        .await
        .unwrap();
    let image_txid = client.save_namespace().await.unwrap();
    client
        .set_safe_mode(client::SafeModeAction::Leave)
        .await
        .unwrap();
    for i in 0..20 {
        client
            .mkdirs(&format!("/after-image/d{i}"), dir, true)
            .await
            .unwrap();
    }
    client
        .rename("/before-image/d0", "/after-image/moved", false, false)
        .await
        .unwrap();
    client.delete("/before-image/d1", true).await.unwrap();
    let before = cluster.namesystem().unwrap().last_txid();
    assert!(before > image_txid);

    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    assert_eq!(client.list("/before-image").await.unwrap().len(), 48);
    assert_eq!(client.list("/after-image").await.unwrap().len(), 21);
    assert!(
        client
            .get_file_info("/after-image/moved")
            .await
            .unwrap()
            .unwrap()
            .is_dir
    );
    assert_eq!(cluster.namesystem().unwrap().last_txid(), before);

    // Restarting twice more (each start finalizes the last segment and opens
    // a new one) changes nothing.
    cluster.restart_namenode().await.unwrap();
    cluster.restart_namenode().await.unwrap();
    let client = cluster.client().unwrap();
    assert_eq!(
        client.content_summary("/").await.unwrap().directory_count,
        1 + 1 + 48 + 1 + 21
    );
    cluster.shutdown().await;
}
