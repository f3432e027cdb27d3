//! `-put`, `-copyFromLocal` and `-appendToFile`: local files into the DFS (Hadoop's
//! `CopyCommands.Put`, `CopyFromLocal` and `AppendToFile`).

use std::os::unix::fs::PermissionsExt;
use std::time::SystemTime;

use client::CreateOptions;
use common::{FsPermission, RemoteException};

use super::CommandInfo;
use super::destination::{self, LocalItem};
use super::fs::Writer;
use super::options::{self, CommandFormat, UsageError};
use super::shell::{PathItem, Shell};
use super::transfer::{self, CopySink, CopySource, Progress};

/// `-put`.
pub const PUT: CommandInfo = CommandInfo {
    name: "put",
    usage: "[-f] [-p] [-d] <localsrc> ... <dst>",
    description: "Copy files from the local file system into fs. Copying fails if the file \
already exists, unless the -f flag is given. <localsrc> - reads standard input.
Flags:
  -p : Preserves access and modification times and the mode.
  -f : Overwrites the destination if it already exists.
  -d : Skip creation of temporary file(<dst>._COPYING_).",
};

/// `-copyFromLocal`.
pub const COPY_FROM_LOCAL: CommandInfo = CommandInfo {
    name: "copyFromLocal",
    usage: "[-f] [-p] [-d] [-t <thread count>] <localsrc> ... <dst>",
    description: "Identical to the -put command. -t is accepted; files are copied one at a \
time.",
};

/// `-moveFromLocal`.
pub const MOVE_FROM_LOCAL: CommandInfo = CommandInfo {
    name: "moveFromLocal",
    usage: "[-f] [-p] [-d] <localsrc> ... <dst>",
    description: "Same as -put, except that the source is deleted after it's copied.",
};

/// `-appendToFile`.
pub const APPEND_TO_FILE: CommandInfo = CommandInfo {
    name: "appendToFile",
    usage: "<localsrc> ... <dst>",
    description: "Appends the contents of all the given local files to the given dst file. The \
dst file will be created if it does not exist. If <localSrc> is -, then the input is read from \
stdin.",
};

const PUT_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["f", "p", "d"]);
const APPEND_FORMAT: CommandFormat = CommandFormat::new(0, usize::MAX, &[]);

/// What `-put` was asked to do.
struct PutOptions {
    overwrite: bool,
    preserve: bool,
    direct: bool,
    create: CreateOptions,
}

/// Runs `-put`.
pub async fn put(shell: &mut Shell<'_>, args: Vec<String>) -> Result<i32, UsageError> {
    run_put(shell, args, false).await
}

/// Runs `-moveFromLocal`: `-put`, then each local source whose copy succeeded is deleted.
pub async fn move_from_local(shell: &mut Shell<'_>, args: Vec<String>) -> Result<i32, UsageError> {
    run_put(shell, args, true).await
}

/// Runs `-copyFromLocal`.
pub async fn copy_from_local(
    shell: &mut Shell<'_>,
    mut args: Vec<String>,
) -> Result<i32, UsageError> {
    if let Some(threads) = options::pop_option_with_argument("-t", &mut args)?
        && threads.parse::<i32>().is_err()
    {
        return Err(UsageError(format!("For input string: \"{threads}\"")));
    }
    run_put(shell, args, false).await
}

/// `-put` and its variants; with `move_sources`, a local source is deleted once everything in
/// it was copied (Hadoop's `MoveFromLocal.postProcessPath`).
async fn run_put(
    shell: &mut Shell<'_>,
    mut args: Vec<String>,
    move_sources: bool,
) -> Result<i32, UsageError> {
    let flags = PUT_FORMAT.parse(&mut args)?;
    let raw_destination = if args.len() < 2 {
        ".".to_string()
    } else {
        args.pop().unwrap_or_default()
    };
    let destination = match destination::remote_destination(shell, &raw_destination).await {
        Ok(destination) => destination,
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    let create = match transfer::create_options(shell.conf, &destination.fs) {
        Ok(create) => create,
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    let options = PutOptions {
        overwrite: flags.has("f"),
        preserve: flags.has("p"),
        direct: flags.has("d"),
        create,
    };
    if args == ["-"] {
        if let Err(error) = put_stdin(&destination, &options).await {
            shell.error(error);
        }
        return Ok(shell.exit_code(0));
    }
    let checked =
        destination::check_remote_destination(shell, &destination, args.len(), options.overwrite)
            .await;
    if let Err(error) = checked {
        shell.error(error);
        return Ok(shell.exit_code(0));
    }
    for raw in &args {
        let source = LocalItem::lookup(raw).await;
        if source.metadata.is_none() {
            shell.error(source.not_found());
            continue;
        }
        let errors_before = shell.error_count();
        let local = (source.path.clone(), source.display.clone(), source.is_dir());
        match destination::remote_target(&destination, &source.name(), 0).await {
            Ok(target) => put_tree(shell, source, target, &options).await,
            Err(error) => shell.error(error),
        }
        if move_sources && shell.error_count() == errors_before {
            let (path, display, is_dir) = local;
            let removed = if is_dir == Some(true) {
                tokio::fs::remove_dir_all(&path).await
            } else {
                tokio::fs::remove_file(&path).await
            };
            if let Err(error) = removed {
                shell.error(transfer::local_error(&display, &error));
            }
        }
    }
    Ok(shell.exit_code(0))
}

/// `-put - <dst>`: standard input into the target (inside `dst` if it is a directory).
async fn put_stdin(destination: &PathItem, options: &PutOptions) -> Result<(), RemoteException> {
    let target = destination::remote_target(destination, "-", 0).await?;
    let is_dir = target.stat.as_ref().map(|status| status.is_dir);
    destination::check_target(&target.display, is_dir, options.overwrite)?;
    let mut source = CopySource::stdin();
    transfer::write_to_dfs(&mut source, &target, &options.create, options.direct, None).await
}

/// Copies `source` to `target`, a directory with everything below it, in pre-order; each
/// failure is reported and the rest still copied.
async fn put_tree(
    shell: &mut Shell<'_>,
    source: LocalItem,
    target: PathItem,
    options: &PutOptions,
) {
    let mut pending = vec![(source, target)];
    while let Some((source, target)) = pending.pop() {
        let is_dir = source.is_dir() == Some(true);
        if !is_dir {
            if let Err(error) = put_file(&source, &target, options).await {
                shell.error(error);
            }
            continue;
        }
        match put_directory(&source, &target).await {
            Ok(children) => {
                // Reversed so that the stack hands them out in name order.
                for name in children.into_iter().rev() {
                    let child_source = source.child(&name).await;
                    match destination::remote_child(&target, &name).await {
                        Ok(child_target) => pending.push((child_source, child_target)),
                        Err(error) => shell.error(error),
                    }
                }
            }
            Err(error) => shell.error(error),
        }
    }
}

/// Creates directory `target` if needed and returns the sorted entry names of `source`.
async fn put_directory(
    source: &LocalItem,
    target: &PathItem,
) -> Result<Vec<String>, RemoteException> {
    match &target.stat {
        Some(status) if !status.is_dir => return Err(target.error("Is not a directory")),
        Some(_) => {}
        None => {
            let permission = FsPermission::default_for(true, target.fs.umask());
            target.fs.mkdirs(&target.path, permission, true).await?;
        }
    }
    local_children(source).await
}

/// The entry names of a local directory, sorted.
pub async fn local_children(directory: &LocalItem) -> Result<Vec<String>, RemoteException> {
    let read_error = |error: std::io::Error| transfer::local_error(&directory.display, &error);
    let mut entries = tokio::fs::read_dir(&directory.path)
        .await
        .map_err(read_error)?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(read_error)? {
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

async fn put_file(
    source: &LocalItem,
    target: &PathItem,
    options: &PutOptions,
) -> Result<(), RemoteException> {
    let is_dir = target.stat.as_ref().map(|status| status.is_dir);
    destination::check_target(&target.display, is_dir, options.overwrite)?;
    let mut input = CopySource::open_local(&source.path, &source.display).await?;
    let total = source.metadata.as_ref().map(std::fs::Metadata::len);
    transfer::write_to_dfs(&mut input, target, &options.create, options.direct, total).await?;
    if options.preserve
        && let Some(metadata) = &source.metadata
    {
        let (mtime, atime) = (millis(metadata.modified()), millis(metadata.accessed()));
        target.fs.set_times(&target.path, mtime, atime).await?;
        let mode = (metadata.permissions().mode() & 0o1777) as u16;
        target
            .fs
            .set_permission(&target.path, FsPermission::new(mode))
            .await?;
    }
    Ok(())
}

/// Milliseconds since the epoch; -1 (leave unchanged) when the time is unknown.
fn millis(time: std::io::Result<SystemTime>) -> i64 {
    time.ok()
        .and_then(|time| time.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(-1, |elapsed| elapsed.as_millis() as i64)
}

/// Runs `-appendToFile`: a missing dst is created with the data, as Hadoop does; an existing
/// one is reopened and the data goes to new blocks at its end.
pub async fn append_to_file(
    shell: &mut Shell<'_>,
    mut args: Vec<String>,
) -> Result<i32, UsageError> {
    APPEND_FORMAT.parse(&mut args)?;
    let Some(raw_destination) = args.pop().filter(|_| !args.is_empty()) else {
        shell.error("missing destination argument");
        return Ok(shell.exit_code(0));
    };
    if let Err(error) = append(shell, &raw_destination, &args).await {
        shell.error(error);
    }
    Ok(shell.exit_code(0))
}

async fn append(
    shell: &mut Shell<'_>,
    raw_destination: &str,
    args: &[String],
) -> Result<(), RemoteException> {
    let destination = destination::remote_destination(shell, raw_destination).await?;
    if destination
        .stat
        .as_ref()
        .is_some_and(|status| status.is_dir)
    {
        return Err(destination.error("Is a directory"));
    }
    let reads_stdin = args.iter().any(|arg| arg == "-");
    if reads_stdin && args.len() > 1 {
        return Err(RemoteException::io(
            "stdin (-) must be the sole input argument when present",
        ));
    }
    let mut sources = Vec::new();
    for raw in args.iter().filter(|_| !reads_stdin) {
        let source = LocalItem::lookup(raw).await;
        match source.is_dir() {
            None => return Err(source.not_found()),
            Some(true) => return Err(RemoteException::io(format!("'{raw}': Is a directory"))),
            Some(false) => sources.push(source),
        }
    }
    let writer = if destination.stat.is_some() {
        let fs = destination.fs.dfs("-appendToFile")?;
        Writer::Dfs(Box::new(fs.append_writer(&destination.path).await?))
    } else {
        let options = transfer::create_options(shell.conf, &destination.fs)?;
        destination
            .fs
            .create_writer(&destination.path, &options)
            .await?
    };
    let mut sink = CopySink::Dfs(writer);
    if reads_stdin {
        transfer::pump(&mut CopySource::stdin(), &mut sink, &Progress::none()).await?;
    }
    for source in &sources {
        let mut input = CopySource::open_local(&source.path, &source.display).await?;
        transfer::pump(&mut input, &mut sink, &Progress::none()).await?;
    }
    sink.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_local_times() {
        assert_eq!(millis(Ok(SystemTime::UNIX_EPOCH)), 0);
        let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_234);
        assert_eq!(millis(Ok(later)), 1_234);
        assert_eq!(millis(Err(std::io::ErrorKind::Unsupported.into())), -1);
    }

    #[tokio::test]
    async fn lists_local_directories_sorted() {
        let dir = std::env::temp_dir().join(format!("tusk-put-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("c"), b"").unwrap();
        std::fs::write(dir.join("a"), b"").unwrap();
        let item = LocalItem::lookup(&dir.display().to_string()).await;
        assert_eq!(local_children(&item).await.unwrap(), ["a", "b", "c"]);
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = LocalItem::lookup("no/such/dir").await;
        assert_eq!(
            local_children(&missing).await.unwrap_err().message,
            "'no/such/dir': No such file or directory"
        );
    }
}
