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
    let rustc = env!("TUSK_RUSTC_VERSION");
    if !rustc.is_empty() {
        let _ = writeln!(out, "Compiled by {rustc}");
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
    let protox = env!("TUSK_PROTOX_VERSION");
    if !protox.is_empty() {
        let _ = writeln!(out, "Compiled with protox {protox} (no protoc)");
    }
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
/// configuration files as Hadoop's `ConfTest` does: `FILE: valid` on `out`
/// for each good file (its absolute path), `FILE:` and its problems on `err`
/// for each bad one; `OK` and exit 0 when all are valid, else 1 (ConfTest's
/// code for every failure).
pub fn conftest(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let terminate = |err: &mut dyn Write, code: i32, message: &str| {
        let _ = writeln!(err, "{message}");
        code
    };
    let mut given = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "-conffile" | "--conffile" => match words.next() {
                Some(path) => given.push(PathBuf::from(path)),
                None => {
                    return terminate(err, 1, "No argument specified for -conffile option");
                }
            },
            "-h" | "--help" => return terminate(err, 0, CONFTEST_USAGE),
            _ => return terminate(err, 1, CONFTEST_USAGE),
        }
    }
    let mut files = Vec::new();
    if given.is_empty() {
        let Some(dir) = std::env::var_os("HADOOP_CONF_DIR") else {
            return terminate(err, 1, "HADOOP_CONF_DIR is not defined");
        };
        let dir = PathBuf::from(dir);
        if !dir.is_dir() {
            return terminate(err, 1, "HADOOP_CONF_DIR is not a directory");
        }
        files.extend(xml_files(&dir));
    }
    for path in given {
        if path.is_file() {
            files.push(path);
        } else if path.is_dir() {
            files.extend(xml_files(&path));
        } else {
            let message = format!("{} is neither a file nor directory", absolute(&path));
            return terminate(err, 1, &message);
        }
    }
    if files.is_empty() {
        return terminate(err, 1, "No input file to validate");
    }
    let mut ok = true;
    for file in files {
        let path = absolute(&file);
        let errors = match std::fs::read(&file) {
            Ok(bytes) => common::conf::validate_resource(&bytes),
            Err(error) => vec![error.to_string()],
        };
        if errors.is_empty() {
            let _ = writeln!(out, "{path}: valid");
        } else {
            ok = false;
            let _ = writeln!(err, "{path}:");
            for error in errors {
                let _ = writeln!(err, "\t{error}");
            }
        }
    }
    if ok {
        let _ = writeln!(out, "OK");
        0
    } else {
        terminate(err, 1, "Invalid file exists")
    }
}

/// Java's `File.getAbsolutePath`: made absolute, not resolved.
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The `.xml` files in `dir`, sorted; none when it cannot be read.
fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|file| file.is_file() && file.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    files.sort();
    files
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
        assert_eq!(code, 1);
        assert_eq!(
            err,
            format!("{} is neither a file nor directory\n", missing.display())
        );
        let (code, _, err) = run_conftest(&["-conffile", dir.path().to_str().unwrap()]);
        assert_eq!(code, crate::EXIT_FAILURE);
        assert_eq!(err, "No input file to validate\n");
        let (code, _, err) = run_conftest(&["-conffile"]);
        assert_eq!(code, 1);
        assert_eq!(err, "No argument specified for -conffile option\n");
        let (code, _, err) = run_conftest(&["-x"]);
        assert_eq!(code, 1);
        assert!(err.starts_with("Usage: hadoop conftest"), "{err}");
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
