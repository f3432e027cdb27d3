//! What every command shares (Hadoop's `Command` and `PathData`): the file systems paths live
//! on, glob expansion of arguments, directory listings, error reporting and the exit code.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Display;
use std::io::Write;

use client::webhdfs::{WebHdfsClient, webhdfs_authority};
use client::{DfsClient, FileStatus};
use common::conf::{DEFAULT_NAMENODE_PORT, keys};
use common::{Configuration, ExceptionKind, FsPermission, RemoteException};

use super::fs::FileSystem;
use super::paths::{self, PathArg, PathKind, Segment};

/// A path a command works on: where it lives, how to show it, and its status if it exists.
#[derive(Clone)]
pub struct PathItem {
    /// The file system the path is on.
    pub fs: FileSystem,
    /// The path as Hadoop prints it (relative, absolute or a URI, like the argument).
    pub display: String,
    /// Absolute, normalized path on `fs`.
    pub path: String,
    /// `None` when nothing is there.
    pub stat: Option<FileStatus>,
    /// Whether the argument ended like a directory (`/`, `.`, `..`).
    pub represents_directory: bool,
}

impl PathItem {
    /// Whether it exists and is a directory.
    pub fn is_dir(&self) -> bool {
        self.stat.as_ref().is_some_and(|status| status.is_dir)
    }

    /// `'<display>': No such file or directory`
    pub fn not_found(&self) -> RemoteException {
        RemoteException::not_found(&self.display)
    }

    /// `'<display>': <reason>`, an error about this path found by the shell itself.
    pub fn error(&self, reason: &str) -> RemoteException {
        RemoteException::io(format!("'{}': {reason}", self.display))
    }
}

/// The state of one command run: file systems, output streams and the errors seen so far.
pub struct Shell<'a> {
    /// The configuration the shell runs with.
    pub conf: &'a Configuration,
    default_fs: Result<DfsClient, RemoteException>,
    /// File systems named by URIs other than the default's, by `scheme://authority`.
    other_fs: HashMap<String, FileSystem>,
    user: String,
    umask: FsPermission,
    /// `/user/<user>`, against which relative paths resolve.
    pub working_dir: String,
    /// Standard output: listings and results.
    pub out: &'a mut dyn Write,
    /// Standard error: errors and warnings.
    pub err: &'a mut dyn Write,
    /// The command name without its dash, prefixed to every error.
    name: &'static str,
    errors: usize,
}

impl<'a> Shell<'a> {
    /// A shell for command `name` on the file system of `fs.defaultFS`.
    pub fn new(
        conf: &'a Configuration,
        name: &'static str,
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
    ) -> Self {
        let default_fs = DfsClient::from_conf(conf);
        let (user, umask) = match &default_fs {
            Ok(fs) => (fs.user().to_string(), fs.umask()),
            Err(_) => {
                let umask = conf.get_string(keys::FS_PERMISSIONS_UMASK_MODE);
                let umask = umask
                    .ok()
                    .and_then(|umask| FsPermission::from_octal(umask.trim()));
                (
                    common::user::current_user(),
                    umask.unwrap_or(FsPermission::new(0o022)),
                )
            }
        };
        Self {
            conf,
            default_fs,
            other_fs: HashMap::new(),
            working_dir: common::path::home_directory(&user),
            user,
            umask,
            out,
            err,
            name,
            errors: 0,
        }
    }

    /// The file system of `fs.defaultFS` (or `-fs`).
    pub fn default_fs(&self) -> Result<DfsClient, RemoteException> {
        self.default_fs.clone()
    }

    /// The user commands run as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Prints a line of output. A closed stdout (`| head`) is not an error of the command.
    pub fn print(&mut self, line: impl Display) {
        let _ = writeln!(self.out, "{line}");
    }

    /// Prints `<cmd>: <message>` without counting it as an error.
    pub fn warn(&mut self, message: impl Display) {
        let _ = writeln!(self.err, "{}: {message}", self.name);
    }

    /// Prints `<cmd>: <message>` and makes the command exit with 1.
    pub fn error(&mut self, message: impl Display) {
        self.errors += 1;
        self.warn(message);
    }

    /// How many errors were reported so far.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// `code`, or 1 if any error was reported.
    pub fn exit_code(&self, code: i32) -> i32 {
        if self.errors > 0 { 1 } else { code }
    }

    /// The file system an argument names: `hdfs://` (the default for a path without a
    /// scheme) or `webhdfs://host[:port]`.
    fn fs_for(&mut self, arg: &PathArg) -> Result<FileSystem, RemoteException> {
        let (scheme, authority) = match &arg.kind {
            PathKind::Uri { scheme, authority } => (scheme.as_str(), authority),
            _ => return self.default_fs.clone().map(FileSystem::Dfs),
        };
        match scheme {
            "hdfs" if authority.is_empty() => self.default_fs.clone().map(FileSystem::Dfs),
            "hdfs" => self.dfs_for(authority).map(FileSystem::Dfs),
            "webhdfs" => Ok(self.webhdfs_for(authority)),
            _ => Err(RemoteException::io(format!(
                "No FileSystem for scheme \"{scheme}\""
            ))),
        }
    }

    /// The DFS client of `hdfs://<authority>`.
    fn dfs_for(&mut self, authority: &str) -> Result<DfsClient, RemoteException> {
        let authority = if authority.contains(':') || self.conf.is_ha_nameservice(authority) {
            authority.to_string()
        } else {
            format!("{authority}:{DEFAULT_NAMENODE_PORT}")
        };
        if let Ok(fs) = &self.default_fs
            && fs.authority() == authority
        {
            return Ok(fs.clone());
        }
        let uri = format!("hdfs://{authority}");
        if let Some(FileSystem::Dfs(fs)) = self.other_fs.get(&uri) {
            return Ok(fs.clone());
        }
        let fs = DfsClient::for_uri(self.conf, &uri)?;
        self.other_fs.insert(uri, FileSystem::Dfs(fs.clone()));
        Ok(fs)
    }

    /// The WebHDFS file system of `webhdfs://<authority>` (port 9870 when none is given;
    /// an empty authority means the default file system's host).
    fn webhdfs_for(&mut self, authority: &str) -> FileSystem {
        let authority = webhdfs_authority(
            authority,
            self.default_fs.as_ref().ok().map(|fs| fs.authority()),
        );
        let uri = format!("webhdfs://{authority}");
        self.other_fs
            .entry(uri)
            .or_insert_with(|| FileSystem::WebHdfs {
                client: WebHdfsClient::new(&authority, &self.user),
                umask: self.umask,
            })
            .clone()
    }

    /// What `raw` names (Hadoop's `PathData.expandAsGlob`): the matches of a glob, sorted, or
    /// the one path of a plain argument, which may not exist. A glob matching nothing is
    /// `'<raw>': No such file or directory`.
    pub async fn expand(&mut self, raw: &str) -> Result<Vec<PathItem>, RemoteException> {
        let arg = PathArg::parse(raw, &self.working_dir);
        let fs = self.fs_for(&arg)?;
        let represents_directory = arg.represents_directory();
        if !paths::has_glob(&arg.absolute) {
            let path = paths::unescape(&arg.absolute);
            let stat = lookup(&fs, &path).await?;
            let display = match &stat {
                Some(status) => arg.display(&path, status.is_dir, &self.working_dir),
                None => arg.display_missing(),
            };
            let item = PathItem {
                fs,
                display,
                path,
                stat,
                represents_directory,
            };
            return Ok(vec![item]);
        }
        let alternatives = paths::compile_glob(&arg.absolute).map_err(RemoteException::io)?;
        let mut found = BTreeMap::new();
        for segments in &alternatives {
            glob(&fs, segments, &mut found).await?;
        }
        if found.is_empty() {
            return Err(RemoteException::not_found(raw));
        }
        let items = found
            .into_values()
            .map(|status| PathItem {
                fs: fs.clone(),
                display: arg.display(&status.path, status.is_dir, &self.working_dir),
                path: status.path.clone(),
                stat: Some(status),
                represents_directory,
            })
            .collect();
        Ok(items)
    }

    /// Expands every argument, reporting those that fail and keeping the rest.
    pub async fn expand_all(&mut self, args: &[String]) -> Vec<PathItem> {
        let mut items = Vec::new();
        for arg in args {
            match self.expand(arg).await {
                Ok(expanded) => items.extend(expanded),
                Err(error) => self.error(error),
            }
        }
        items
    }

    /// The entries of directory `item`, sorted by name, shown below its display string.
    pub async fn children(&self, item: &PathItem) -> Result<Vec<PathItem>, RemoteException> {
        let entries = item.fs.list(&item.path).await?;
        let children = entries
            .into_iter()
            .filter(|entry| entry.path != item.path)
            .map(|entry| PathItem {
                fs: item.fs.clone(),
                display: paths::child_display(&item.display, entry.name()),
                path: entry.path.clone(),
                stat: Some(entry),
                represents_directory: false,
            })
            .collect();
        Ok(children)
    }

    /// Whether the parent of `item` exists (for an argument ending like a directory, the
    /// path itself), as Hadoop's `PathData.parentExists` checks.
    pub async fn parent_exists(&self, item: &PathItem) -> Result<bool, RemoteException> {
        let path = if item.represents_directory {
            item.path.as_str()
        } else {
            common::path::parent(&item.path)
        };
        Ok(lookup(&item.fs, path).await?.is_some())
    }
}

/// The status of `path`, `None` when it or an ancestor is missing or an ancestor is a file.
pub async fn lookup(fs: &FileSystem, path: &str) -> Result<Option<FileStatus>, RemoteException> {
    match fs.get_file_info(path).await {
        Err(error) if is_missing(&error) => Ok(None),
        other => other,
    }
}

fn is_missing(error: &RemoteException) -> bool {
    matches!(
        error.kind,
        ExceptionKind::FileNotFound | ExceptionKind::ParentNotDirectory
    )
}

/// Adds to `found` what one brace-free glob alternative matches (Hadoop's `Globber`):
/// literal components are appended unchecked, patterns are matched against listings, and a
/// literal last component is looked up.
async fn glob(
    fs: &FileSystem,
    segments: &[Segment],
    found: &mut BTreeMap<String, FileStatus>,
) -> Result<(), RemoteException> {
    let mut candidates: Vec<(String, Option<FileStatus>)> = vec![("/".to_string(), None)];
    for segment in segments {
        let mut next = Vec::new();
        for (path, status) in candidates {
            match segment {
                Segment::Literal(name) => next.push((common::path::join(&path, name), None)),
                Segment::Pattern(pattern) => {
                    if status.as_ref().is_some_and(|status| !status.is_dir) {
                        continue;
                    }
                    let entries = match fs.list(&path).await {
                        Ok(entries) => entries,
                        Err(error) if is_missing(&error) => continue,
                        Err(error) => return Err(error),
                    };
                    for entry in entries {
                        // A file lists as itself: it has no children to match.
                        if entry.path != path && pattern.matches(entry.name()) {
                            next.push((entry.path.clone(), Some(entry)));
                        }
                    }
                }
            }
        }
        candidates = next;
    }
    for (path, status) in candidates {
        let status = match status {
            Some(status) => Some(status),
            None => lookup(fs, &path).await?,
        };
        if let Some(status) = status {
            found.insert(path, status);
        }
    }
    Ok(())
}

/// A depth-first, pre-order walk over items and the directory contents pushed while visiting
/// them (Hadoop's recursion through `processPaths`).
pub struct TreeWalk {
    stack: Vec<VecDeque<PathItem>>,
}

impl TreeWalk {
    /// A walk starting with `items`, in order.
    pub fn new(items: Vec<PathItem>) -> Self {
        Self {
            stack: vec![items.into()],
        }
    }

    /// The next item: the first child of the last visited directory if one was pushed, else
    /// its next sibling, else the next sibling of an ancestor.
    pub fn next(&mut self) -> Option<PathItem> {
        while let Some(level) = self.stack.last_mut() {
            if let Some(item) = level.pop_front() {
                return Some(item);
            }
            self.stack.pop();
        }
        None
    }

    /// Visits `children` before the remaining siblings of the current item.
    pub fn descend(&mut self, children: Vec<PathItem>) {
        self.stack.push(children.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(path: &str) -> PathItem {
        let fs = DfsClient::connect("127.0.0.1:1", "alice", FsPermission::new(0o022)).unwrap();
        PathItem {
            fs: FileSystem::Dfs(fs),
            display: path.to_string(),
            path: path.to_string(),
            stat: None,
            represents_directory: false,
        }
    }

    #[tokio::test]
    async fn tree_walk_is_pre_order() {
        let mut walk = TreeWalk::new(vec![item("/a"), item("/b")]);
        let mut visited = Vec::new();
        while let Some(next) = walk.next() {
            if next.path == "/a" {
                walk.descend(vec![item("/a/x"), item("/a/y")]);
            }
            if next.path == "/a/x" {
                walk.descend(vec![item("/a/x/1")]);
            }
            visited.push(next.path);
        }
        assert_eq!(visited, ["/a", "/a/x", "/a/x/1", "/a/y", "/b"]);
    }

    #[tokio::test]
    async fn reports_errors_with_the_command_name() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut shell = Shell::new(&conf, "ls", &mut out, &mut err);
        assert_eq!(shell.exit_code(0), 0);
        shell.warn("just saying");
        assert_eq!(shell.exit_code(0), 0);
        shell.error(RemoteException::not_found("/x"));
        assert_eq!(shell.exit_code(0), 1);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "ls: just saying\nls: '/x': No such file or directory\n"
        );
    }

    #[tokio::test]
    async fn rejects_other_schemes_and_a_non_hdfs_default() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut shell = Shell::new(&conf, "ls", &mut out, &mut err);
        let error = shell.expand("s3://bucket/x").await.err().unwrap();
        assert_eq!(error.message, "No FileSystem for scheme \"s3\"");
        // The default file system of an empty configuration is file:///.
        let error = shell.expand("/x").await.err().unwrap();
        assert!(
            error.message.contains("not an hdfs:// URI"),
            "{}",
            error.message
        );
    }
}
