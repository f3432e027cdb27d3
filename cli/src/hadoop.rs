//! `hadoop` subcommands that `hdfs` and `yarn` do not already have:
//! `version` (shared by all three), `classpath`, `checknative` and
//! `conftest`, in Hadoop's words and formats.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The Hadoop release line whose protocols and commands Tusk speaks.
pub const HADOOP_COMPATIBLE: &str = "3.3";

/// `hadoop version` (and `hdfs version`, `yarn version`): Hadoop's lines, as
/// far as they are known when Tusk is built, without invented ids.
pub fn version(out: &mut dyn Write) -> i32 {
    let _ = writeln!(out, "Tusk {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "Compatible with Apache Hadoop {HADOOP_COMPATIBLE}");
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        let _ = writeln!(out, "Source code repository {repository}");
    }
    let _ = writeln!(
        out,
        "Compiled on platform {}-{} ({} build)",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    if let Ok(exe) = std::env::current_exe() {
        let _ = writeln!(out, "This command was run using {}", exe.display());
    }
    0
}

/// `hadoop classpath`: there is none to print.
pub fn classpath(out: &mut dyn Write) -> i32 {
    let _ = writeln!(
        out,
        "Tusk jobs are native executables run with `hadoop jar JOB-BINARY`; there is no Java classpath."
    );
    0
}

/// `hadoop checknative`: Hadoop's table, true for what Tusk has natively.
pub fn checknative(out: &mut dyn Write) -> i32 {
    let crc = if crc32c_accelerated() {
        "crc32c with SSE4.2 hardware acceleration"
    } else {
        "crc32c in software (no SSE4.2 on this CPU)"
    };
    let exe = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    let _ = writeln!(out, "Native library checking:");
    let _ = writeln!(out, "hadoop:  true {exe} (Tusk is native code; {crc})");
    for (name, why) in [
        ("zlib:   ", "Tusk does not have the zlib codec"),
        ("zstd  : ", "Tusk does not have the zstd codec"),
        ("snappy: ", "Tusk does not have the snappy codec"),
        ("lz4:    ", "Tusk does not have the lz4 codec"),
        ("bzip2:  ", "Tusk does not have the bzip2 codec"),
        ("openssl:", "Tusk does not use openssl"),
        ("ISA-L:  ", "Tusk was built without ISA-L support"),
    ] {
        let _ = writeln!(out, "{name} false {why}");
    }
    0
}

fn crc32c_accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sse4.2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

const CONFTEST_USAGE: &str = "Usage: hadoop conftest [-conffile <path>|-h|--help]
  Options:

  -conffile <path>
    If not specified, the files in ${HADOOP_CONF_DIR}
    whose name end with .xml will be verified.
    If specified, that path will be verified.
    You can specify either a file or directory, and
    if a directory specified, the files in that directory
    whose name end with .xml will be verified.
    You can specify this option multiple times.
  -h, --help       Print this help";

/// `hadoop conftest [-conffile FILE|DIR]...`: validates Hadoop XML
/// configuration files as Hadoop's `ConfTest` does. `FILE: valid` on `out`
/// for each good file, `FILE:` and its problems on `err` for each bad one;
/// exit 0 when all are valid, 1 (ConfTest's code) otherwise.
pub fn conftest(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut paths = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "-conffile" => match words.next() {
                Some(path) => paths.push(PathBuf::from(path)),
                None => {
                    let _ = writeln!(
                        err,
                        "Missing argument for option: conffile\n{CONFTEST_USAGE}"
                    );
                    return crate::EXIT_USAGE;
                }
            },
            "-h" | "--help" => {
                let _ = writeln!(out, "{CONFTEST_USAGE}");
                return 0;
            }
            other => {
                let _ = writeln!(err, "Unrecognized option: {other}\n{CONFTEST_USAGE}");
                return crate::EXIT_USAGE;
            }
        }
    }
    if paths.is_empty() {
        match std::env::var_os("HADOOP_CONF_DIR") {
            Some(dir) => paths.push(PathBuf::from(dir)),
            None => {
                let _ = writeln!(err, "HADOOP_CONF_DIR is not set\n{CONFTEST_USAGE}");
                return crate::EXIT_USAGE;
            }
        }
    }
    let mut files = Vec::new();
    for path in &paths {
        if !path.exists() {
            let _ = writeln!(err, "{} does not exist", path.display());
            return crate::EXIT_FAILURE;
        }
        match xml_files(path) {
            Ok(found) => files.extend(found),
            Err(error) => {
                let _ = writeln!(err, "{}: {error}", path.display());
                return crate::EXIT_FAILURE;
            }
        }
    }
    if files.is_empty() {
        let _ = writeln!(err, "No input file to validate");
        return crate::EXIT_FAILURE;
    }
    let mut ok = true;
    for file in files {
        let errors = match std::fs::read(&file) {
            Ok(bytes) => common::conf::validate_resource(&bytes),
            Err(error) => vec![error.to_string()],
        };
        if errors.is_empty() {
            let _ = writeln!(out, "{}: valid", file.display());
        } else {
            ok = false;
            let _ = writeln!(err, "{}:", file.display());
            for error in errors {
                let _ = writeln!(err, "\t{error}");
            }
        }
    }
    if ok {
        let _ = writeln!(out, "OK");
        0
    } else {
        let _ = writeln!(err, "Invalid file exists");
        crate::EXIT_FAILURE
    }
}

/// `path` itself if a file, else the `.xml` files in it, sorted.
fn xml_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let file = entry.path();
        if file.extension().is_some_and(|ext| ext == "xml") && entry.file_type()?.is_file() {
            files.push(file);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_conftest(args: &[&str]) -> (i32, String, String) {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = conftest(&args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn conftest_reports_valid_and_invalid_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("core-site.xml");
        std::fs::write(
            &good,
            "<configuration><property><name>a</name><value>1</value></property></configuration>",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not xml").unwrap();
        let (code, out, _) = run_conftest(&["-conffile", dir.path().to_str().unwrap()]);
        assert_eq!(code, 0);
        assert_eq!(out, format!("{}: valid\nOK\n", good.display()));

        let bad = dir.path().join("hdfs-site.xml");
        std::fs::write(
            &bad,
            "<configuration>\n<property><value>1</value></property>\n</configuration>",
        )
        .unwrap();
        let (code, _, err) = run_conftest(&["-conffile", bad.to_str().unwrap()]);
        assert_eq!(code, crate::EXIT_FAILURE);
        assert!(
            err.contains(&format!(
                "{}:\n\tLine 2: <property> has no <name>",
                bad.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn conftest_names_a_missing_path_and_an_empty_directory() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.xml");
        let (code, _, err) = run_conftest(&["-conffile", missing.to_str().unwrap()]);
        assert_eq!(code, crate::EXIT_FAILURE);
        assert_eq!(err, format!("{} does not exist\n", missing.display()));
        let (code, _, err) = run_conftest(&["-conffile", dir.path().to_str().unwrap()]);
        assert_eq!(code, crate::EXIT_FAILURE);
        assert_eq!(err, "No input file to validate\n");
        let (code, _, err) = run_conftest(&["-conffile"]);
        assert_eq!(code, crate::EXIT_USAGE);
        assert!(err.starts_with("Missing argument for option: conffile\nUsage: hadoop conftest"));
    }

    #[test]
    fn checknative_prints_hadoops_table() {
        let mut out = Vec::new();
        assert_eq!(checknative(&mut out), 0);
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("Native library checking:\nhadoop:  true "),
            "{out}"
        );
        for name in [
            "zlib:", "zstd", "snappy:", "lz4:", "bzip2:", "openssl:", "ISA-L:",
        ] {
            assert!(
                out.lines().any(|line| line.starts_with(name)),
                "{name}: {out}"
            );
        }
    }
}
