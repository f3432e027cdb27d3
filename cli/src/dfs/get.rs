//! `-get`, `-copyToLocal` and `-getmerge`: DFS files onto the local file system (Hadoop's
//! `CopyCommands.Get`, `CopyToLocal` and `Merge`).

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use common::RemoteException;

use super::CommandInfo;
use super::destination::{self, LocalItem};
use super::options::{CommandFormat, UsageError};
use super::shell::{PathItem, Shell};
use super::transfer::{self, CopySink, CopySource, Progress};

/// `-get`.
pub const GET: CommandInfo = CommandInfo {
    name: "get",
    usage: "[-f] [-p] [-ignoreCrc] <src> ... <localdst>",
    description: "Copy files that match the file pattern <src> to the local name. <src> is \
kept. When copying multiple files, the destination must be a directory. Passing -f overwrites \
the destination if it already exists and -p preserves access and modification times and the \
mode. Checksums are always verified: -ignoreCrc is accepted for compatibility.",
};

/// `-copyToLocal`.
pub const COPY_TO_LOCAL: CommandInfo = CommandInfo {
    name: "copyToLocal",
    usage: "[-f] [-p] [-ignoreCrc] <src> ... <localdst>",
    description: "Identical to the -get command.",
};

/// `-getmerge`.
pub const GETMERGE: CommandInfo = CommandInfo {
    name: "getmerge",
    usage: "[-nl] [-skip-empty-file] <src> <localdst>",
    description: "Get all the files in the directories that match the source file pattern and \
merge and sort them to only one file on local fs. <src> is kept.
-nl: Add a newline character at the end of each file.
-skip-empty-file: Do not add new line character for empty file.",
};

const GET_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["f", "p", "ignoreCrc"]);
const MERGE_FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &["nl", "skip-empty-file"]);

/// Runs `-get` and `-copyToLocal`.
pub async fn get(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = GET_FORMAT.parse(&mut args)?;
    let (overwrite, preserve) = (flags.has("f"), flags.has("p"));
    let raw_destination = if args.len() < 2 {
        ".".to_string()
    } else {
        args.pop().unwrap_or_default()
    };
    let destination = LocalItem::lookup(&raw_destination).await;
    let sources = shell.expand_all(&args).await;
    let checked = destination::check_local_destination(&destination, sources.len(), overwrite);
    if let Err(error) = checked.await {
        shell.error(error);
        return Ok(shell.exit_code(0));
    }
    for source in sources {
        if source.stat.is_none() {
            shell.error(source.not_found());
            continue;
        }
        let name = common::path::basename(&source.path).to_string();
        let into = destination.is_dir() == Some(true) || destination.represents_directory;
        let target = if destination::goes_inside(0, into, false) {
            destination.child(&name).await
        } else {
            destination.clone()
        };
        get_tree(shell, source, target, overwrite, preserve).await;
    }
    Ok(shell.exit_code(0))
}

/// Copies `source` to `target`, a directory with everything below it, in pre-order; each
/// failure is reported and the rest still copied.
async fn get_tree(
    shell: &mut Shell<'_>,
    source: PathItem,
    target: LocalItem,
    overwrite: bool,
    preserve: bool,
) {
    let mut pending = vec![(source, target)];
    while let Some((source, target)) = pending.pop() {
        if !source.is_dir() {
            if let Err(error) = get_file(&source, &target, overwrite, preserve).await {
                shell.error(error);
            }
            continue;
        }
        let children = match make_local_directory(&target).await {
            Ok(()) => shell.children(&source).await,
            Err(error) => Err(error),
        };
        match children {
            Ok(children) => {
                for child in children.into_iter().rev() {
                    let name = common::path::basename(&child.path).to_string();
                    pending.push((child, target.child(&name).await));
                }
            }
            Err(error) => shell.error(error),
        }
    }
}

async fn make_local_directory(target: &LocalItem) -> Result<(), RemoteException> {
    match target.is_dir() {
        Some(true) => Ok(()),
        Some(false) => Err(RemoteException::io(format!(
            "'{}': Is not a directory",
            target.display
        ))),
        None => tokio::fs::create_dir(&target.path)
            .await
            .map_err(|error| transfer::local_error(&target.display, &error)),
    }
}

async fn get_file(
    source: &PathItem,
    target: &LocalItem,
    overwrite: bool,
    preserve: bool,
) -> Result<(), RemoteException> {
    destination::check_target(&target.display, target.is_dir(), overwrite)?;
    let reader = source.fs.open(&source.path).await?;
    let total = source.stat.as_ref().map(|status| status.length);
    let mut input = CopySource::Dfs(reader);
    transfer::write_to_local(&mut input, &target.path, &target.display, total).await?;
    let Some(status) = source.stat.as_ref().filter(|_| preserve) else {
        return Ok(());
    };
    let preserved = preserve_local(
        &target.path,
        status.modification_time,
        status.access_time,
        status.permission.bits(),
    );
    preserved.map_err(|error| transfer::local_error(&target.display, &error))
}

/// Sets a local file's times (ms since the epoch) and mode, as `-get -p` does.
fn preserve_local(
    path: &std::path::Path,
    mtime: i64,
    atime: i64,
    mode: u16,
) -> std::io::Result<()> {
    let time = |millis: i64| SystemTime::UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64);
    let times = std::fs::FileTimes::new()
        .set_modified(time(mtime))
        .set_accessed(time(atime));
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_times(times)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(u32::from(mode)))
}

/// One piece of `-getmerge` output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergePiece {
    /// The contents of the source with this index.
    File(usize),
    /// A newline (`-nl`).
    Delimiter,
}

/// What `-getmerge` writes for sources of these lengths (Hadoop's `Merge`): each non-empty
/// file followed, with `-nl`, by a newline; an empty file contributes only the newline, and
/// not even that with `-skip-empty-file`.
pub fn merge_plan(lengths: &[u64], newline: bool, skip_empty: bool) -> Vec<MergePiece> {
    let mut pieces = Vec::new();
    for (index, &length) in lengths.iter().enumerate() {
        if length != 0 {
            pieces.push(MergePiece::File(index));
        } else if skip_empty {
            continue;
        }
        if newline {
            pieces.push(MergePiece::Delimiter);
        }
    }
    pieces
}

/// Runs `-getmerge`.
pub async fn getmerge(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = MERGE_FORMAT.parse(&mut args)?;
    let (newline, skip_empty) = (flags.has("nl"), flags.has("skip-empty-file"));
    let destination = LocalItem::lookup(&args.pop().unwrap_or_default()).await;
    if destination.is_dir() == Some(true) {
        shell.error(format_args!("'{}': Is a directory", destination.display));
        return Ok(shell.exit_code(0));
    }
    let sources = merge_sources(shell, &args).await;
    if shell.exit_code(0) != 0 {
        // A bad source aborts the merge before anything is written.
        return Ok(shell.exit_code(0));
    }
    let lengths: Vec<u64> = sources
        .iter()
        .map(|source| source.stat.as_ref().map_or(0, |status| status.length))
        .collect();
    let plan = merge_plan(&lengths, newline, skip_empty);
    if let Err(error) = write_merge(&sources, &plan, &destination).await {
        shell.error(error);
    }
    Ok(shell.exit_code(0))
}

/// The files to merge: matched files, and the files directly inside matched directories.
async fn merge_sources(shell: &mut Shell<'_>, args: &[String]) -> Vec<PathItem> {
    let mut sources = Vec::new();
    for item in shell.expand_all(args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
        } else if item.is_dir() {
            match shell.children(&item).await {
                Ok(children) => {
                    sources.extend(children.into_iter().filter(|child| !child.is_dir()))
                }
                Err(error) => shell.error(error),
            }
        } else {
            sources.push(item);
        }
    }
    sources
}

async fn write_merge(
    sources: &[PathItem],
    plan: &[MergePiece],
    destination: &LocalItem,
) -> Result<(), RemoteException> {
    let local_error = |error: std::io::Error| transfer::local_error(&destination.display, &error);
    let file = tokio::fs::File::create(&destination.path)
        .await
        .map_err(local_error)?;
    let mut sink = CopySink::Local {
        output: Box::new(file),
        display: destination.display.clone(),
    };
    for piece in plan {
        match *piece {
            MergePiece::File(index) => {
                let source = &sources[index];
                let mut input = CopySource::Dfs(source.fs.open(&source.path).await?);
                transfer::pump(&mut input, &mut sink, &Progress::none()).await?;
            }
            MergePiece::Delimiter => sink.write(b"\n").await?,
        }
    }
    sink.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a plan to in-memory files.
    fn merge(files: &[&[u8]], newline: bool, skip_empty: bool) -> Vec<u8> {
        let lengths: Vec<u64> = files.iter().map(|file| file.len() as u64).collect();
        let mut out = Vec::new();
        for piece in merge_plan(&lengths, newline, skip_empty) {
            match piece {
                MergePiece::File(index) => out.extend_from_slice(files[index]),
                MergePiece::Delimiter => out.push(b'\n'),
            }
        }
        out
    }

    #[test]
    fn merges_files_with_optional_newlines() {
        let files: [&[u8]; 3] = [b"a", b"", b"bc"];
        assert_eq!(merge(&files, false, false), b"abc");
        assert_eq!(merge(&files, false, true), b"abc");
        assert_eq!(merge(&files, true, false), b"a\n\nbc\n");
        assert_eq!(merge(&files, true, true), b"a\nbc\n");
        assert!(merge(&[], true, false).is_empty());
    }

    #[test]
    fn preserves_local_times_and_mode() {
        let path = std::env::temp_dir().join(format!("tusk-get-{}", std::process::id()));
        std::fs::write(&path, b"x").unwrap();
        preserve_local(&path, 1_000_000, 2_000_000, 0o640).unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        let modified = metadata
            .modified()
            .unwrap()
            .duration_since(SystemTime::UNIX_EPOCH);
        assert_eq!(modified.unwrap(), Duration::from_millis(1_000_000));
        assert_eq!(metadata.permissions().mode() & 0o777, 0o640);
        std::fs::remove_file(&path).unwrap();
    }
}
