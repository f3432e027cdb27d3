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

/// The path part of an `hdfs://authority/path` (or `hdfs:/path`) URI:
/// `hdfs://nn:8020/a/b` is `/a/b`, `hdfs://nn:8020` is `/`. Any other text
/// is returned as it is.
pub fn strip_hdfs_uri(uri: &str) -> &str {
    match uri.strip_prefix("hdfs://") {
        Some(rest) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => uri.strip_prefix("hdfs:").unwrap_or(uri),
    }
}

/// A user's home directory, `/user/<user>`: Hadoop's working directory, where
/// relative paths resolve.
pub fn home_directory(user: &str) -> String {
    format!("/user/{user}")
}

/// A path as the NameNode wants it: the `hdfs://` URI part stripped, a
/// relative path taken below the user's [`home_directory`]. Not normalized.
pub fn make_absolute(path: &str, user: &str) -> String {
    let path = strip_hdfs_uri(path);
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", home_directory(user))
    }
}

/// Makes an absolute path canonical: collapses `//`, drops `.` and a trailing
/// `/`, resolves `..` (which stops at the root). An empty path is the root.
pub fn normalize(path: &str) -> String {
    let mut components: Vec<&str> = Vec::new();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name => components.push(name),
        }
    }
    format!("/{}", components.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_hdfs_uris() {
        assert_eq!(strip_hdfs_uri("hdfs://nn:8020/a/b"), "/a/b");
        assert_eq!(strip_hdfs_uri("hdfs://nn:8020"), "/");
        assert_eq!(strip_hdfs_uri("hdfs:///a"), "/a");
        assert_eq!(strip_hdfs_uri("hdfs:/a"), "/a");
        assert_eq!(strip_hdfs_uri("/a/b"), "/a/b");
        assert_eq!(strip_hdfs_uri("a/b"), "a/b");
        assert_eq!(strip_hdfs_uri("file:///a"), "file:///a");
    }

    #[test]
    fn makes_paths_absolute_below_the_home_directory() {
        assert_eq!(home_directory("ann"), "/user/ann");
        assert_eq!(make_absolute("/in", "ann"), "/in");
        assert_eq!(make_absolute("in/a", "ann"), "/user/ann/in/a");
        assert_eq!(make_absolute("hdfs://nn:8020/x/y", "ann"), "/x/y");
        assert_eq!(make_absolute("hdfs://nn:8020", "ann"), "/");
    }

    #[test]
    fn normalizes_absolute_paths() {
        assert_eq!(normalize("/a//b/"), "/a/b");
        assert_eq!(normalize("/a/./b/../c"), "/a/c");
        assert_eq!(normalize("/../a"), "/a");
        assert_eq!(normalize(""), "/");
        assert_eq!(normalize("/"), "/");
    }

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
