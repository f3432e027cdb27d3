//! `hadoop` and the help texts of `hdfs` as users run them: the real
//! binaries, Hadoop's output, messages and exit codes.

use std::path::Path;
use std::process::Command;

use minicluster::MiniCluster;
use tusk_tests::binary;

/// Runs `program ARGS` with `conf_dir` as HADOOP_CONF_DIR; (exit code, stdout, stderr).
fn run(program: &str, conf_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary(program))
        .args(args)
        .env("HADOOP_CONF_DIR", conf_dir)
        .env_remove("HADOOP_USER_NAME")
        .output()
        .unwrap_or_else(|error| panic!("run {program}: {error}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(program: &str, conf_dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(program, conf_dir, args);
    assert_eq!(code, 0, "{program} {args:?} failed: {err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hadoop_fs_is_the_hdfs_dfs_shell() {
    let cluster = MiniCluster::builder().datanodes(1).build().await.unwrap();
    let conf_dir = cluster.conf_dir();
    let local = tempfile::tempdir().unwrap();
    let source = local.path().join("words.txt");
    std::fs::write(&source, "one two\nthree\n").unwrap();
    let source = source.to_str().unwrap();

    ok("hadoop", &conf_dir, &["fs", "-mkdir", "-p", "/via/hadoop"]);
    ok("hdfs", &conf_dir, &["dfs", "-mkdir", "-p", "/via/hdfs"]);
    ok(
        "hadoop",
        &conf_dir,
        &["fs", "-put", source, "/via/hadoop/words.txt"],
    );
    ok(
        "hdfs",
        &conf_dir,
        &["dfs", "-put", source, "/via/hdfs/words.txt"],
    );

    let cat = ok(
        "hadoop",
        &conf_dir,
        &["fs", "-cat", "/via/hadoop/words.txt"],
    );
    assert_eq!(cat, "one two\nthree\n");
    assert_eq!(
        cat,
        ok("hdfs", &conf_dir, &["dfs", "-cat", "/via/hadoop/words.txt"])
    );
    for dir in ["/", "/via", "/via/hdfs"] {
        assert_eq!(
            ok("hadoop", &conf_dir, &["fs", "-ls", dir]),
            ok("hdfs", &conf_dir, &["dfs", "-ls", dir]),
            "-ls {dir}"
        );
    }
    // Errors read the same through either name.
    let missing = ["-cat", "/via/nothing"];
    let (hadoop_code, _, hadoop_err) = run("hadoop", &conf_dir, &[&["fs"], &missing[..]].concat());
    let (hdfs_code, _, hdfs_err) = run("hdfs", &conf_dir, &[&["dfs"], &missing[..]].concat());
    assert_eq!((hadoop_code, &hadoop_err), (hdfs_code, &hdfs_err));
    assert_eq!(hadoop_code, 1);
    assert!(
        hadoop_err.contains("No such file or directory"),
        "{hadoop_err}"
    );
}

#[test]
fn version_is_the_same_from_every_launcher() {
    let conf_dir = tempfile::tempdir().unwrap();
    let hadoop = ok("hadoop", conf_dir.path(), &["version"]);
    let lines: Vec<&str> = hadoop.lines().collect();
    assert_eq!(lines[0], format!("Tusk {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(lines[1], "Compatible with Apache Hadoop 3.3");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("Compiled on platform ")),
        "{hadoop}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("Compiled by rustc ")),
        "{hadoop}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("This command was run using "),
        "{hadoop}"
    );
    for program in ["hdfs", "yarn", "mapred"] {
        let out = ok(program, conf_dir.path(), &["version"]);
        // The last line names the binary that ran.
        let without_last = |text: &str| -> Vec<String> {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.pop();
            lines
        };
        assert_eq!(
            without_last(&out),
            without_last(&hadoop),
            "{program} version"
        );
    }
}

#[test]
fn conftest_validates_configuration_files() {
    let conf_dir = tempfile::tempdir().unwrap();
    let dir = conf_dir.path();
    std::fs::write(
        dir.join("core-site.xml"),
        "<?xml version=\"1.0\"?>\n<configuration>\n  <property>\n    <name>fs.defaultFS</name>\n    \
         <value>hdfs://localhost:9000</value>\n  </property>\n</configuration>\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("hdfs-site.xml"),
        "<configuration><property><name>dfs.replication</name><value>1</value></property></configuration>\n",
    )
    .unwrap();

    // A directory: every .xml file in it.
    let (code, out, err) = run(
        "hadoop",
        dir,
        &["conftest", "-conffile", dir.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let core = dir.join("core-site.xml");
    let hdfs = dir.join("hdfs-site.xml");
    assert_eq!(
        out,
        format!("{}: valid\n{}: valid\nOK\n", core.display(), hdfs.display())
    );
    // No -conffile: $HADOOP_CONF_DIR.
    let (code, out, _) = run("hadoop", dir, &["conftest"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("{}: valid", core.display())), "{out}");

    let bad_dir = tempfile::tempdir().unwrap();
    let malformed = bad_dir.path().join("malformed.xml");
    std::fs::write(
        &malformed,
        "<configuration>\n  <property>\n</configuration>\n",
    )
    .unwrap();
    let (code, _, err) = run(
        "hadoop",
        dir,
        &["conftest", "-conffile", malformed.to_str().unwrap()],
    );
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!("{}:\n\tbad conf file: ", malformed.display())),
        "{err}"
    );

    let nameless = bad_dir.path().join("nameless.xml");
    std::fs::write(
        &nameless,
        "<configuration>\n  <property>\n    <value>1</value>\n  </property>\n</configuration>\n",
    )
    .unwrap();
    let (code, out, err) = run(
        "hadoop",
        dir,
        &[
            "conftest",
            "-conffile",
            core.to_str().unwrap(),
            "-conffile",
            nameless.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert_eq!(out, format!("{}: valid\n", core.display()));
    assert!(
        err.contains(&format!(
            "{}:\n\tLine 2: <property> has no <name>",
            nameless.display()
        )),
        "{err}"
    );
}

#[test]
fn checknative_classpath_and_usage() {
    let conf_dir = tempfile::tempdir().unwrap();
    let out = ok("hadoop", conf_dir.path(), &["checknative"]);
    assert!(
        out.starts_with("Native library checking:\nhadoop:  true "),
        "{out}"
    );
    for library in [
        "zlib:", "snappy:", "zstd", "lz4:", "bzip2:", "openssl:", "ISA-L:",
    ] {
        assert!(
            out.lines().any(|line| line.starts_with(library)),
            "{library} missing: {out}"
        );
    }
    let out = ok("hadoop", conf_dir.path(), &["classpath"]);
    assert!(out.contains("no Java classpath"), "{out}");

    let usage = ok("hadoop", conf_dir.path(), &["-h"]);
    assert!(usage.starts_with("Usage: hadoop "), "{usage}");
    for command in [
        "fs",
        "jar",
        "version",
        "classpath",
        "checknative",
        "conftest",
    ] {
        assert!(
            usage
                .lines()
                .any(|line| line.trim_start().starts_with(command)),
            "{command} missing: {usage}"
        );
    }
    let (code, _, err) = run("hadoop", conf_dir.path(), &["bogus"]);
    assert_eq!(code, 255);
    assert!(
        err.starts_with(
            "ERROR: bogus is not COMMAND nor fully qualified CLASSNAME.\nUsage: hadoop "
        ),
        "{err}"
    );
    let (code, _, err) = run("hadoop", conf_dir.path(), &[]);
    assert_eq!(code, 255);
    assert!(err.starts_with("Usage: hadoop "), "{err}");
}

#[test]
fn dfsadmin_help_and_unknown_commands() {
    let conf_dir = tempfile::tempdir().unwrap();
    let help = ok("hdfs", conf_dir.path(), &["dfsadmin", "-help"]);
    assert!(
        help.starts_with("hdfs dfsadmin performs DFS administrative commands.\n"),
        "{help}"
    );
    for command in [
        "-report",
        "-safemode",
        "-saveNamespace",
        "-rollEdits",
        "-printTopology",
        "-refreshNodes",
        "-help",
    ] {
        assert!(
            help.lines().any(|line| line.starts_with(command)),
            "{command} missing: {help}"
        );
        // One command's help, named with or without its dash.
        let one = ok(
            "hdfs",
            conf_dir.path(),
            &["dfsadmin", "-help", &command[1..]],
        );
        assert!(one.starts_with(command), "{command}: {one}");
        assert_eq!(
            one,
            ok("hdfs", conf_dir.path(), &["dfsadmin", "-help", command])
        );
    }

    let (code, out, err) = run("hdfs", conf_dir.path(), &["dfsadmin", "-bogus"]);
    assert_eq!(code, 255);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.starts_with("bogus: Unknown command\nUsage: hdfs dfsadmin\n"),
        "{err}"
    );
}

#[test]
fn namenode_help_prints_its_usage() {
    let conf_dir = tempfile::tempdir().unwrap();
    for help in ["-help", "-h"] {
        let out = ok("hdfs", conf_dir.path(), &["namenode", help]);
        assert!(out.starts_with("Usage: hdfs namenode [-format "), "{out}");
        assert!(out.contains("[-importCheckpoint]"), "{out}");
    }
}

#[test]
fn hadoop_jar_runs_the_job_binary_as_yarn_jar_does() {
    let conf_dir = tempfile::tempdir().unwrap();
    let out = ok(
        "hadoop",
        conf_dir.path(),
        &["jar", "/bin/echo", "one", "two"],
    );
    assert_eq!(out, "one two\n");
    assert_eq!(
        out,
        ok("yarn", conf_dir.path(), &["jar", "/bin/echo", "one", "two"])
    );
    let (code, _, err) = run("hadoop", conf_dir.path(), &["jar", "/no/such/job"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("JAR does not exist or is not a normal file: /no/such/job"),
        "{err}"
    );
}

#[test]
fn daemons_print_their_usage_on_help() {
    let conf_dir = tempfile::tempdir().unwrap();
    for (program, daemon) in [
        ("hdfs", "datanode"),
        ("hdfs", "journalnode"),
        ("yarn", "resourcemanager"),
        ("yarn", "nodemanager"),
    ] {
        let out = ok(program, conf_dir.path(), &[daemon, "-help"]);
        assert!(
            out.starts_with(&format!("Usage: {program} {daemon}")),
            "{program} {daemon} -help: {out}"
        );
    }
}
