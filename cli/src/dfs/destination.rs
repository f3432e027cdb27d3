//! Where copies go (Hadoop's `CommandWithDestination`): the checks on the destination
//! argument, the target path of each source, and local paths as the copy commands see them.

use std::path::{Path, PathBuf};

use common::RemoteException;

use super::paths;
use super::shell::{self, PathItem, Shell};

/// What the destination must still prove once [`check_destination`] passed.
#[derive(Debug, PartialEq, Eq)]
pub enum DestinationCheck {
    /// Nothing more.
    Valid,
    /// It does not exist: its parent must.
    ParentMustExist,
}

/// Hadoop's `CommandWithDestination.processArguments`: several sources need an existing
/// directory; one source needs no file in the way (unless `overwrite`). `is_dir` is `None`
/// when the destination does not exist.
pub fn check_destination(
    display: &str,
    is_dir: Option<bool>,
    source_count: usize,
    overwrite: bool,
) -> Result<DestinationCheck, RemoteException> {
    let exists_error = || RemoteException::io(format!("'{display}': File exists"));
    match is_dir {
        None if source_count > 1 => Err(RemoteException::not_found(display)),
        Some(false) if source_count > 1 => Err(RemoteException::io(format!(
            "'{display}': Is not a directory"
        ))),
        Some(false) if !overwrite => Err(exists_error()),
        Some(_) => Ok(DestinationCheck::Valid),
        None => Ok(DestinationCheck::ParentMustExist),
    }
}

/// Hadoop's `copyStreamToTarget` check: a file may only be replaced with `overwrite`, a
/// directory never.
pub fn check_target(
    display: &str,
    is_dir: Option<bool>,
    overwrite: bool,
) -> Result<(), RemoteException> {
    match is_dir {
        Some(true) => Err(RemoteException::io(format!("'{display}': File exists"))),
        Some(false) if !overwrite => Err(RemoteException::io(format!("'{display}': File exists"))),
        _ => Ok(()),
    }
}

/// Whether a source goes inside the destination rather than becoming it (Hadoop's
/// `getTargetPath`): below the top level, or when the destination is or looks like a
/// directory.
pub fn goes_inside(depth: usize, destination_is_dir: bool, represents_directory: bool) -> bool {
    depth > 0 || destination_is_dir || represents_directory
}

/// The DFS destination argument: the one path it names (a glob must match exactly one).
pub async fn remote_destination(
    shell: &mut Shell<'_>,
    raw: &str,
) -> Result<PathItem, RemoteException> {
    let mut items = shell.expand(raw).await?;
    if items.len() != 1 {
        return Err(RemoteException::io(format!("'{raw}': Too many matches")));
    }
    Ok(items.remove(0))
}

/// Checks a DFS destination for `source_count` sources.
pub async fn check_remote_destination(
    shell: &Shell<'_>,
    destination: &PathItem,
    source_count: usize,
    overwrite: bool,
) -> Result<(), RemoteException> {
    let is_dir = destination.stat.as_ref().map(|status| status.is_dir);
    let check = check_destination(&destination.display, is_dir, source_count, overwrite)?;
    if check == DestinationCheck::ParentMustExist && !shell.parent_exists(destination).await? {
        return Err(destination.not_found());
    }
    Ok(())
}

/// The DFS path named `name` inside directory `directory`, with its status.
pub async fn remote_child(directory: &PathItem, name: &str) -> Result<PathItem, RemoteException> {
    let path = common::path::join(&directory.path, name);
    let stat = shell::lookup(&directory.fs, &path).await?;
    Ok(PathItem {
        fs: directory.fs.clone(),
        display: paths::child_display(&directory.display, name),
        path,
        stat,
        represents_directory: false,
    })
}

/// Where a source copied to DFS destination `destination` goes at `depth`.
pub async fn remote_target(
    destination: &PathItem,
    name: &str,
    depth: usize,
) -> Result<PathItem, RemoteException> {
    if goes_inside(
        depth,
        destination.is_dir(),
        destination.represents_directory,
    ) {
        remote_child(destination, name).await
    } else {
        Ok(destination.clone())
    }
}

/// A local path argument as the copy commands use it.
#[derive(Clone, Debug)]
pub struct LocalItem {
    /// As the user wrote it (children: `<parent>/<name>`).
    pub display: String,
    pub path: PathBuf,
    /// `None` when nothing is there.
    pub metadata: Option<std::fs::Metadata>,
    /// Whether the argument ended like a directory (`/`, `.`, `..`).
    pub represents_directory: bool,
}

impl LocalItem {
    /// Looks up local path `raw` (relative to the current directory).
    pub async fn lookup(raw: &str) -> Self {
        let name = raw.rsplit('/').next().unwrap_or("");
        Self {
            display: raw.to_string(),
            path: PathBuf::from(raw),
            metadata: tokio::fs::metadata(raw).await.ok(),
            represents_directory: name.is_empty() || name == "." || name == "..",
        }
    }

    /// Looks up `name` inside this directory.
    pub async fn child(&self, name: &str) -> Self {
        let path = self.path.join(name);
        Self {
            display: paths::child_display(&self.display, name),
            metadata: tokio::fs::metadata(&path).await.ok(),
            path,
            represents_directory: false,
        }
    }

    /// `Some(is_dir)` when it exists.
    pub fn is_dir(&self) -> Option<bool> {
        self.metadata.as_ref().map(std::fs::Metadata::is_dir)
    }

    /// The last component of the path.
    pub fn name(&self) -> String {
        let trimmed = self.display.trim_end_matches('/');
        let from_display = trimmed.rsplit('/').next().unwrap_or("");
        if from_display.is_empty() || from_display == "." || from_display == ".." {
            // `.` or `..`: the real directory's name.
            let absolute = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
            return normalized_name(&absolute);
        }
        from_display.to_string()
    }

    /// `'<display>': No such file or directory`.
    pub fn not_found(&self) -> RemoteException {
        RemoteException::not_found(&self.display)
    }

    /// Whether the parent directory exists (for a directory-like argument, the path itself).
    pub async fn parent_exists(&self) -> bool {
        if self.represents_directory {
            return self.metadata.is_some();
        }
        let parent = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        tokio::fs::metadata(parent).await.is_ok()
    }
}

/// The name of the directory an absolute path ends in, with `.` and `..` resolved.
fn normalized_name(absolute: &Path) -> String {
    let mut components: Vec<String> = Vec::new();
    for component in absolute.components() {
        match component {
            std::path::Component::Normal(name) => {
                components.push(name.to_string_lossy().into_owned())
            }
            std::path::Component::ParentDir => {
                components.pop();
            }
            _ => {}
        }
    }
    components.pop().unwrap_or_default()
}

/// Checks a local destination for `source_count` sources.
pub async fn check_local_destination(
    destination: &LocalItem,
    source_count: usize,
    overwrite: bool,
) -> Result<(), RemoteException> {
    let check = check_destination(
        &destination.display,
        destination.is_dir(),
        source_count,
        overwrite,
    )?;
    if check == DestinationCheck::ParentMustExist && !destination.parent_exists().await {
        return Err(destination.not_found());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_checked_like_hadoop() {
        let check = |is_dir, count, overwrite| {
            check_destination("/d", is_dir, count, overwrite).map_err(|error| error.message)
        };
        assert_eq!(
            check(None, 2, false),
            Err("'/d': No such file or directory".into())
        );
        assert_eq!(
            check(Some(false), 2, true),
            Err("'/d': Is not a directory".into())
        );
        assert_eq!(check(Some(true), 2, false), Ok(DestinationCheck::Valid));
        assert_eq!(
            check(Some(false), 1, false),
            Err("'/d': File exists".into())
        );
        assert_eq!(check(Some(false), 1, true), Ok(DestinationCheck::Valid));
        assert_eq!(check(Some(true), 1, false), Ok(DestinationCheck::Valid));
        assert_eq!(check(None, 1, false), Ok(DestinationCheck::ParentMustExist));
    }

    #[test]
    fn targets_are_replaced_only_with_overwrite() {
        assert!(check_target("/f", None, false).is_ok());
        assert!(check_target("/f", Some(false), true).is_ok());
        assert_eq!(
            check_target("/f", Some(false), false).unwrap_err().message,
            "'/f': File exists"
        );
        assert!(check_target("/d", Some(true), true).is_err());
    }

    #[test]
    fn sources_go_inside_directories() {
        assert!(goes_inside(1, false, false));
        assert!(goes_inside(0, true, false));
        assert!(goes_inside(0, false, true));
        assert!(!goes_inside(0, false, false));
    }

    #[tokio::test]
    async fn local_items_know_their_names() {
        let item = LocalItem::lookup("some/dir/file.txt").await;
        assert_eq!(item.name(), "file.txt");
        assert!(item.metadata.is_none());
        assert!(!item.represents_directory);
        let item = LocalItem::lookup("some/dir/").await;
        assert_eq!(item.name(), "dir");
        assert!(item.represents_directory);
        assert_eq!(item.child("x").await.display, "some/dir/x");
        let here = LocalItem::lookup(".").await;
        assert!(here.represents_directory && here.is_dir() == Some(true));
        let cwd = std::env::current_dir().unwrap();
        let expected = cwd
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        assert_eq!(Some(here.name()), expected);
        assert_eq!(here.child("f").await.display, "f");
    }
}
