//! HDFS path rules: absolute, `/`-separated, no `.` or `..` components.

use crate::error::{ExceptionKind, RemoteException};

/// Splits an absolute path into its components, rejecting what HDFS rejects
/// (relative paths, `.`, `..`, `:` or NUL in a name, `//` inside the path). A
/// single trailing `/` is allowed; `/` itself has no components.
pub fn components(path: &str) -> Result<Vec<&str>, RemoteException> {
    let invalid = |reason: &str| {
        RemoteException::new(
            ExceptionKind::InvalidPath,
            format!("'{path}': Invalid path name: {reason}"),
        )
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid("not an absolute path"));
    };
    if rest.starts_with('/') {
        return Err(invalid("empty path component"));
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let mut components = Vec::new();
    for name in rest.split('/') {
        match name {
            "" => return Err(invalid("empty path component")),
            "." | ".." => return Err(invalid("'.' and '..' are not allowed")),
            _ if name.contains(':') => return Err(invalid("':' is not allowed in a name")),
            _ if name.contains('\0') => return Err(invalid("NUL is not allowed in a name")),
            _ => components.push(name),
        }
    }
    Ok(components)
}

/// The parent of a normalized absolute path (`/` for top-level names and `/`).
pub fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/",
        Some(at) => &path[..at],
    }
}

/// The last component of a path (empty for `/`).
pub fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or("")
}

/// Joins a directory and a child name.
pub fn join(directory: &str, name: &str) -> String {
    if directory.ends_with('/') {
        format!("{directory}{name}")
    } else {
        format!("{directory}/{name}")
    }
}

/// Whether `path` is `ancestor` or lies below it.
pub fn is_same_or_descendant(path: &str, ancestor: &str) -> bool {
    if ancestor == "/" {
        return true;
    }
    path == ancestor
        || (path.starts_with(ancestor) && path.as_bytes().get(ancestor.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_valid_paths() {
        assert_eq!(components("/").unwrap(), Vec::<&str>::new());
        assert_eq!(components("/a/b").unwrap(), vec!["a", "b"]);
        assert_eq!(components("/a/b/").unwrap(), vec!["a", "b"]);
        assert_eq!(components("/é/日本").unwrap(), vec!["é", "日本"]);
    }

    #[test]
    fn rejects_invalid_paths() {
        for bad in [
            "", "a/b", "/a//b", "/a/./b", "/a/../b", "/a:b", "/a\0b", "//",
        ] {
            let error = components(bad).unwrap_err();
            assert_eq!(error.kind, ExceptionKind::InvalidPath, "{bad:?}");
        }
    }

    #[test]
    fn parent_basename_join() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(basename("/a/b"), "b");
        assert_eq!(basename("/"), "");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
        assert!(is_same_or_descendant("/a/b", "/a"));
        assert!(is_same_or_descendant("/a", "/a"));
        assert!(!is_same_or_descendant("/ab", "/a"));
        assert!(is_same_or_descendant("/x", "/"));
    }
}
