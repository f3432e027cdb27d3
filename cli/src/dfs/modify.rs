//! `-mkdir`, `-mv`, `-rm`, `-rmdir` and `-expunge` (Hadoop's `Mkdir`,
//! `MoveCommands.Rename`, `Delete` and `Delete.Expunge`), with the trash.

use std::io::BufRead;

use client::trash::{TRASH_INTERVAL_KEY, Trash};
use client::webhdfs::WebHdfsClient;
use common::{ExceptionKind, FsPermission, RemoteException};

use super::CommandInfo;
use super::fs::FileSystem;
use super::options::{CommandFormat, UsageError};
use super::paths;
use super::shell::{self, PathItem, Shell};

/// `-mkdir`.
pub const MKDIR: CommandInfo = CommandInfo {
    name: "mkdir",
    usage: "[-p] <path> ...",
    description: "Creates directories.
  -p  Create missing parent directories too, and do not fail if the directory exists.",
};

/// `-mv`.
pub const MV: CommandInfo = CommandInfo {
    name: "mv",
    usage: "<src> ... <dst>",
    description: "Moves the paths that match the pattern <src> to <dst>, which must be an \
existing directory when several paths are moved.",
};

/// `-rm`.
pub const RM: CommandInfo = CommandInfo {
    name: "rm",
    usage: "[-f] [-r|-R] [-skipTrash] [-safely] <src> ...",
    description: "Deletes the paths that match the patterns.
  -f          Say nothing and do not fail when a path does not exist.
  -[rR]       Delete directories and everything below them.
  -skipTrash  Delete immediately instead of moving to the trash.
  -safely     Ask before deleting a directory holding more files than
              hadoop.shell.delete.limit.num.files (default 100).",
};

/// `-expunge`.
pub const EXPUNGE: CommandInfo = CommandInfo {
    name: "expunge",
    usage: "[-immediate]",
    description: "Deletes files from the trash that are older than the retention threshold \
(fs.trash.interval), and makes a new checkpoint of the current trash.
  -immediate  Deletes everything in the trash now, checkpoints included.",
};

/// `-concat`.
pub const CONCAT: CommandInfo = CommandInfo {
    name: "concat",
    usage: "<target path> <src path> <src path> ...",
    description: "Concatenate existing source files into the target file. Target file and \
source files should be in the same directory.",
};

/// `-rmdir`.
pub const RMDIR: CommandInfo = CommandInfo {
    name: "rmdir",
    usage: "[--ignore-fail-on-non-empty] <dir> ...",
    description: "Deletes each directory given, provided it is empty.
  --ignore-fail-on-non-empty  Leave non-empty directories alone without failing.",
};

const MKDIR_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["p"]);
const MV_FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &[]);
const RM_FORMAT: CommandFormat =
    CommandFormat::new(1, usize::MAX, &["f", "r", "R", "skipTrash", "safely"]);
const EXPUNGE_FORMAT: CommandFormat = CommandFormat::new(0, 0, &["immediate"]);
const CONCAT_FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &[]);
const RMDIR_FORMAT: CommandFormat =
    CommandFormat::new(1, usize::MAX, &["-ignore-fail-on-non-empty"]);

/// Configuration key: how many files a directory may hold before `-rm -safely` asks.
const SAFELY_DELETE_LIMIT_KEY: &str = common::conf::keys::HADOOP_SHELL_DELETE_LIMIT_NUM_FILES;

/// Runs `-mkdir`.
pub async fn mkdir(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let create_parents = MKDIR_FORMAT.parse(&mut args)?.has("p");
    for item in shell.expand_all(&args).await {
        if let Err(error) = mkdir_one(&item, create_parents).await {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

async fn mkdir_one(item: &PathItem, create_parents: bool) -> Result<(), RemoteException> {
    match &item.stat {
        Some(status) if !status.is_dir => Err(item.error("Is not a directory")),
        Some(_) if create_parents => Ok(()),
        Some(_) => Err(item.error("File exists")),
        None => {
            let parent = common::path::parent(&item.path);
            if !create_parents && shell::lookup(&item.fs, parent).await?.is_none() {
                return Err(item.not_found());
            }
            let permission = FsPermission::default_for(true, item.fs.umask());
            item.fs.mkdirs(&item.path, permission, true).await
        }
    }
}

/// Runs `-mv`.
pub async fn mv(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    MV_FORMAT.parse(&mut args)?;
    let Some(destination) = args.pop() else {
        return Ok(shell.exit_code(0));
    };
    let destination = match single_match(shell, &destination).await {
        Ok(destination) => destination,
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    let sources = shell.expand_all(&args).await;
    if let Err(error) = check_destination(shell, &destination, sources.len()).await {
        shell.error(error);
        return Ok(shell.exit_code(0));
    }
    for source in sources {
        if let Err(error) = move_one(&source, &destination).await {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

/// The one path a destination argument names; a glob must match exactly one.
async fn single_match(shell: &mut Shell<'_>, raw: &str) -> Result<PathItem, RemoteException> {
    let mut items = shell.expand(raw).await?;
    match items.len() {
        1 => Ok(items.remove(0)),
        _ => Err(RemoteException::io(format!("'{raw}': Too many matches"))),
    }
}

/// Several sources need an existing directory; one source needs no file in the way and an
/// existing parent.
async fn check_destination(
    shell: &Shell<'_>,
    destination: &PathItem,
    source_count: usize,
) -> Result<(), RemoteException> {
    if source_count > 1 {
        return match &destination.stat {
            None => Err(destination.not_found()),
            Some(status) if !status.is_dir => Err(destination.error("Is not a directory")),
            Some(_) => Ok(()),
        };
    }
    match &destination.stat {
        Some(status) if !status.is_dir => Err(destination.error("File exists")),
        Some(_) => Ok(()),
        None if !shell.parent_exists(destination).await? => Err(destination.not_found()),
        None => Ok(()),
    }
}

async fn move_one(source: &PathItem, destination: &PathItem) -> Result<(), RemoteException> {
    let Some(status) = &source.stat else {
        return Err(source.not_found());
    };
    let target = target_path(destination, source)?;
    let same_fs = source.fs.uri() == destination.fs.uri();
    if status.is_dir && same_fs {
        if target.path == source.path {
            let qualified = format!("{}{}", source.fs.uri(), source.path);
            return Err(RemoteException::io(format!(
                "'{}' to '{qualified}': are identical",
                source.display
            )));
        }
        if common::path::is_same_or_descendant(&target.path, &source.path) {
            return Err(RemoteException::io(format!(
                "'{}' to '{}': is a subdirectory of itself",
                source.display, target.display
            )));
        }
    }
    if !same_fs {
        return Err(source.error("Does not match target filesystem"));
    }
    source
        .fs
        .rename(&source.path, &target.path, false, true)
        .await
}

/// Where a source goes: inside the destination if it is (or is written as) a directory, else
/// the destination itself (Hadoop's `CommandWithDestination.getTargetPath`).
fn target_path(destination: &PathItem, source: &PathItem) -> Result<PathItem, RemoteException> {
    let into_directory = destination.is_dir() || destination.represents_directory;
    if !into_directory {
        return Ok(destination.clone());
    }
    if destination.stat.is_none() {
        return Err(destination.not_found());
    }
    let name = common::path::basename(&source.path);
    Ok(PathItem {
        fs: destination.fs.clone(),
        display: paths::child_display(&destination.display, name),
        path: common::path::join(&destination.path, name),
        stat: None,
        represents_directory: false,
    })
}

/// Runs `-rm`.
pub async fn rm(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = RM_FORMAT.parse(&mut args)?;
    let ignore_missing = flags.has("f");
    let recursive = flags.has("r") || flags.has("R");
    let safely = flags.has("safely");
    let skip_trash = flags.has("skipTrash");
    let mut items = Vec::new();
    for arg in &args {
        match shell.expand(arg).await {
            Ok(expanded) => items.extend(expanded),
            Err(error) if ignore_missing && error.kind == common::ExceptionKind::FileNotFound => {}
            Err(error) => shell.error(error),
        }
    }
    for item in items {
        let Some(status) = &item.stat else {
            if !ignore_missing {
                shell.error(item.not_found());
            }
            continue;
        };
        if status.is_dir && !recursive {
            shell.error(item.error("Is a directory"));
            continue;
        }
        if safely && status.is_dir && !confirm_large_delete(shell, &item).await {
            continue;
        }
        if !skip_trash {
            match move_to_trash(shell, &item).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    shell.error(error);
                    continue;
                }
            }
        }
        match item.fs.delete(&item.path, recursive).await {
            Ok(true) => shell.print(format_args!("Deleted {}", item.display)),
            Ok(false) => shell.error(item.error("Input/output error")),
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// Moves `item` to its owner's trash when the trash is on; false when it
/// must be deleted instead (trash off, or `item` already in the trash).
async fn move_to_trash(shell: &mut Shell<'_>, item: &PathItem) -> Result<bool, RemoteException> {
    let fs = match &item.fs {
        FileSystem::Dfs(fs) => fs,
        FileSystem::WebHdfs { client, .. } => {
            return webhdfs_trash_off(client, shell.conf).await.map(|()| false);
        }
    };
    let trash = Trash::new(fs, shell.conf).await?;
    let Some(target) = trash.move_to_trash(&item.path).await? else {
        return Ok(false);
    };
    let uri = item.fs.uri();
    shell.print(format_args!(
        "Moved: '{uri}{}' to trash at: {uri}{target}",
        item.path
    ));
    Ok(true)
}

/// Over WebHDFS the shell has no trash: fine when the trash is off (the server's
/// `fs.trash.interval`, else the client's), else an error asking for `-skipTrash`.
async fn webhdfs_trash_off(
    client: &WebHdfsClient,
    conf: &common::Configuration,
) -> Result<(), RemoteException> {
    let server_minutes = client.trash_interval_minutes().await?;
    let client_interval = conf
        .get_minutes(TRASH_INTERVAL_KEY)
        .map_err(|error| RemoteException::illegal_argument(error.to_string()))?;
    if server_minutes == 0 && client_interval.is_zero() {
        return Ok(());
    }
    Err(RemoteException::new(
        ExceptionKind::UnsupportedOperation,
        "moving to the trash is not supported on webhdfs:// file systems (use -skipTrash)",
    ))
}

/// Runs `-expunge [-immediate]`.
pub async fn expunge(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let immediate = EXPUNGE_FORMAT.parse(&mut args)?.has("immediate");
    let result = async {
        let fs = shell.default_fs()?;
        Trash::new(&fs, shell.conf).await?.expunge(immediate).await
    }
    .await;
    if let Err(error) = result {
        shell.error(error);
    }
    Ok(shell.exit_code(0))
}

/// With `-safely`: whether to go on deleting a directory, asking on stdin when it holds more
/// files than the configured limit.
async fn confirm_large_delete(shell: &mut Shell<'_>, item: &PathItem) -> bool {
    let limit = match shell.conf.get_u64(SAFELY_DELETE_LIMIT_KEY) {
        Ok(limit) => limit,
        Err(error) => {
            shell.error(error);
            return false;
        }
    };
    if limit == 0 {
        return true;
    }
    let files = match item.fs.content_summary(&item.path).await {
        Ok(summary) => summary.file_count,
        Err(error) => {
            shell.error(error);
            return false;
        }
    };
    if files <= limit {
        return true;
    }
    let prompt = format!("Proceed deleting {files} files? (Y or N) ");
    let confirmed = tokio::task::spawn_blocking(move || ask_yes_no(&prompt))
        .await
        .unwrap_or(false);
    if !confirmed {
        let _ = writeln!(shell.err, "Delete aborted at user request.\n");
    }
    confirmed
}

/// Asks on stderr until stdin answers y/yes or n/no; end of input is no.
fn ask_yes_no(prompt: &str) -> bool {
    let stdin = std::io::stdin();
    loop {
        eprint!("{prompt}");
        let mut answer = String::new();
        match stdin.lock().read_line(&mut answer) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        match answer.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return true,
            "n" | "no" => return false,
            _ => eprintln!("Invalid input: {}", answer.trim()),
        }
    }
}

/// Runs `-rmdir`.
pub async fn rmdir(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let ignore_non_empty = RMDIR_FORMAT
        .parse(&mut args)?
        .has("-ignore-fail-on-non-empty");
    for item in shell.expand_all(&args).await {
        if let Err(error) = rmdir_one(shell, &item, ignore_non_empty).await {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

/// Runs `-concat TARGET SOURCE...`: the sources' blocks move to the end of the target.
pub async fn concat(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    CONCAT_FORMAT.parse(&mut args)?;
    let target = match single_match(shell, &args[0]).await {
        Ok(target) => target,
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    let sources: Vec<String> = shell
        .expand_all(&args[1..])
        .await
        .into_iter()
        .map(|item| item.path)
        .collect();
    if let Err(error) = target.fs.concat(&target.path, &sources).await {
        shell.error(error);
    }
    Ok(shell.exit_code(0))
}

async fn rmdir_one(
    shell: &Shell<'_>,
    item: &PathItem,
    ignore_non_empty: bool,
) -> Result<(), RemoteException> {
    match &item.stat {
        None => return Err(item.not_found()),
        Some(status) if !status.is_dir => return Err(item.error("Is not a directory")),
        Some(_) => {}
    }
    if !shell.children(item).await?.is_empty() {
        if ignore_non_empty {
            return Ok(());
        }
        return Err(item.error("Directory is not empty"));
    }
    if !item.fs.delete(&item.path, false).await? {
        return Err(item.error("Input/output error"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dfs::test_item;

    #[tokio::test]
    async fn moves_into_an_existing_directory() {
        let source = test_item("/a/f", "/a/f", Some(false));
        let target = target_path(&test_item("d", "/user/alice/d", Some(true)), &source).unwrap();
        assert_eq!(target.path, "/user/alice/d/f");
        assert_eq!(target.display, "d/f");

        let target = target_path(&test_item("/g", "/g", None), &source).unwrap();
        assert_eq!(target.path, "/g");

        let error = target_path(&test_item("/missing/", "/missing", None), &source)
            .err()
            .unwrap();
        assert_eq!(error.message, "'/missing/': No such file or directory");
    }

    #[tokio::test]
    async fn refuses_to_move_a_directory_into_itself() {
        let source = test_item("/a", "/a", Some(true));
        let error = move_one(&source, &test_item("/a/b", "/a/b", Some(true)))
            .await
            .unwrap_err();
        assert_eq!(
            error.message,
            "'/a' to '/a/b/a': is a subdirectory of itself"
        );
        let error = move_one(&source, &test_item("/", "/", Some(true)))
            .await
            .unwrap_err();
        assert_eq!(
            error.message,
            "'/a' to 'hdfs://127.0.0.1:1/a': are identical"
        );
        let missing = test_item("/x", "/x", None);
        let error = move_one(&missing, &source).await.unwrap_err();
        assert_eq!(error.message, "'/x': No such file or directory");
    }

    #[tokio::test]
    async fn checks_the_destination_of_several_sources() {
        let conf = common::Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let shell = Shell::new(&conf, "mv", &mut out, &mut err);
        let error = check_destination(&shell, &test_item("/f", "/f", Some(false)), 2)
            .await
            .unwrap_err();
        assert_eq!(error.message, "'/f': Is not a directory");
        let error = check_destination(&shell, &test_item("/n", "/n", None), 2)
            .await
            .unwrap_err();
        assert_eq!(error.message, "'/n': No such file or directory");
        let error = check_destination(&shell, &test_item("/f", "/f", Some(false)), 1)
            .await
            .unwrap_err();
        assert_eq!(error.message, "'/f': File exists");
        assert!(
            check_destination(&shell, &test_item("/d", "/d", Some(true)), 2)
                .await
                .is_ok()
        );
    }
}
