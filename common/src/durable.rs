//! Durable file writes and keeping bad files as evidence, one implementation for every daemon.
//!
//! A file replaced with [`write_atomically`] is, after a crash, either the old file or the new
//! one, never a mix: the bytes go to `<name>.tmp`, which is synced and renamed over `<name>`,
//! and the directory is synced so the rename itself survives. A file found corrupt is renamed
//! by [`set_aside_corrupt`] rather than deleted, so an operator can inspect it.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Fsyncs a directory so that new entries and renames in it are durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Replaces `path` with `bytes` atomically and durably: writes `<name>.tmp`, syncs it, renames
/// it over `path` and syncs the directory. On failure the temporary file is removed and `path`
/// is left as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |mut file| {
        file.write_all(bytes)?;
        Ok((file, ()))
    })
}

/// [`write_atomically`] for content written as a stream: `write` gets the new `<name>.tmp`
/// and hands back the file (possibly unwrapped from the writers it built around it) with its
/// result; the file is then synced, renamed over `path` and the directory synced.
pub fn write_atomically_with<T>(
    path: &Path,
    write: impl FnOnce(File) -> io::Result<(File, T)>,
) -> io::Result<T> {
    let temporary = temporary_path(path)?;
    let written = File::create(&temporary)
        .and_then(write)
        .and_then(|(file, value)| file.sync_all().map(|()| value));
    let value = match written {
        Ok(value) => value,
        Err(error) => {
            let _ = fs::remove_file(&temporary);
            return Err(error);
        }
    };
    if let Err(error) = fs::rename(&temporary, path) {
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    sync_dir(parent_dir(path))?;
    Ok(value)
}

/// Renames a bad file to `<name>.corrupt`, or `<name>.corrupt.1`, `.corrupt.2`, ... when that is
/// taken, so no earlier evidence is overwritten. Returns the new path.
pub fn set_aside_corrupt(path: &Path) -> io::Result<PathBuf> {
    let mut aside = with_suffix(path, ".corrupt");
    let mut attempt = 1u64;
    while aside.symlink_metadata().is_ok() {
        aside = with_suffix(path, &format!(".corrupt.{attempt}"));
        attempt += 1;
    }
    fs::rename(path, &aside)?;
    Ok(aside)
}

/// Whether `file_name` is one [`set_aside_corrupt`] gave: it ends in `.corrupt` or
/// `.corrupt.<n>`. Cleanup that removes leftovers must keep these.
pub fn is_set_aside(file_name: &str) -> bool {
    if file_name.ends_with(".corrupt") {
        return true;
    }
    match file_name.rsplit_once(".corrupt.") {
        Some((_, number)) => !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()),
        None => false,
    }
}

/// `<name>.tmp` beside `path`; an error if `path` names no file.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        ));
    }
    Ok(with_suffix(path, ".tmp"))
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomically_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("VERSION");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert!(!dir.path().join("VERSION.tmp").exists());
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn write_atomically_keeps_an_extension_and_appends_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fsimage_1.md5");
        assert_eq!(
            temporary_path(&path).unwrap(),
            dir.path().join("fsimage_1.md5.tmp")
        );
        write_atomically(&path, b"x").unwrap();
        assert!(!dir.path().join("fsimage_1.md5.tmp").exists());
    }

    #[test]
    fn write_atomically_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent").join("file");
        assert!(write_atomically(&missing, b"x").is_err());
        assert!(!missing.exists());
        let error = write_atomically(Path::new("/"), b"x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn write_atomically_cleans_up_when_the_rename_fails() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), b"keep").unwrap();
        assert!(write_atomically(&target, b"x").is_err());
        assert!(!dir.path().join("target.tmp").exists());
        assert_eq!(fs::read(target.join("inside")).unwrap(), b"keep");
    }

    #[test]
    fn write_atomically_with_returns_the_writers_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image");
        let length = write_atomically_with(&path, |mut file| {
            file.write_all(b"streamed")?;
            Ok((file, 8))
        })
        .unwrap();
        assert_eq!(length, 8);
        assert_eq!(fs::read(&path).unwrap(), b"streamed");
        assert!(!dir.path().join("image.tmp").exists());

        let error = write_atomically_with(&path, |mut file| {
            file.write_all(b"half")?;
            Err::<(File, ()), _>(io::Error::other("the writer failed"))
        })
        .unwrap_err();
        assert_eq!(error.to_string(), "the writer failed");
        assert!(!dir.path().join("image.tmp").exists());
        assert_eq!(fs::read(&path).unwrap(), b"streamed");
    }

    #[test]
    fn set_aside_corrupt_numbers_collisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blk_42");
        for (round, expected) in ["blk_42.corrupt", "blk_42.corrupt.1", "blk_42.corrupt.2"]
            .iter()
            .enumerate()
        {
            fs::write(&path, format!("round {round}")).unwrap();
            let aside = set_aside_corrupt(&path).unwrap();
            assert_eq!(aside, dir.path().join(expected));
            assert!(is_set_aside(expected));
            assert!(!path.exists());
            assert_eq!(
                fs::read_to_string(&aside).unwrap(),
                format!("round {round}")
            );
        }
    }

    #[test]
    fn set_aside_names_are_recognized() {
        for name in ["blk_1.corrupt", "fsimage.ckpt_1.corrupt.1", "x.corrupt.12"] {
            assert!(is_set_aside(name), "{name}");
        }
        for name in [
            "blk_1",
            "x.corrupt.",
            "x.corrupt.1a",
            "x.corrupted",
            "corrupt",
        ] {
            assert!(!is_set_aside(name), "{name}");
        }
    }

    #[test]
    fn set_aside_corrupt_of_a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = set_aside_corrupt(&dir.path().join("absent")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
