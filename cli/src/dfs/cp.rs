//! `-cp`: copy DFS files and directories, through this client (Hadoop's `CopyCommands.Cp`).

use common::{FsPermission, RemoteException};

use super::CommandInfo;
use super::destination;
use super::options::{CommandFormat, UsageError};
use super::shell::{PathItem, Shell};
use super::transfer::{self, CopySource};
use client::CreateOptions;

/// `-cp`.
pub const CP: CommandInfo = CommandInfo {
    name: "cp",
    usage: "[-f] [-p | -p[topax]] [-d] <src> ... <dst>",
    description: "Copy files that match the file pattern <src> to a destination. When copying \
multiple files, the destination must be a directory. Passing -p preserves status [topax] \
(timestamps, ownership, permission, ACLs, XAttr). If -p is specified with no <arg>, then \
preserves timestamps, ownership, permission. If -pa is specified, then preserves permission \
also because ACL is a super-set of permission. Tusk has no ACLs or XAttrs: a and x keep only \
the permission. Passing -f overwrites the destination if it already exists. Passing -d will \
skip creation of temporary file(<dst>._COPYING_).",
};

const FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &["f", "d"]);

/// Which attributes `-p` keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Preserve {
    pub times: bool,
    pub ownership: bool,
    pub permission: bool,
}

/// Removes the first `-p` or `-p[topax]` before `--` from `args` (Hadoop's
/// `popPreserveOption`).
pub fn pop_preserve_option(args: &mut Vec<String>) -> Result<Preserve, UsageError> {
    let Some(at) = args
        .iter()
        .take_while(|arg| *arg != "--")
        .position(|arg| arg.starts_with("-p"))
    else {
        return Ok(Preserve::default());
    };
    let option = args.remove(at);
    let attributes = &option[2..];
    if attributes.is_empty() {
        return Ok(Preserve {
            times: true,
            ownership: true,
            permission: true,
        });
    }
    let mut preserve = Preserve::default();
    for attribute in attributes.chars() {
        match attribute {
            't' => preserve.times = true,
            'o' => preserve.ownership = true,
            // ACLs are a superset of the permission; XAttrs do not exist in Tusk.
            'p' | 'a' => preserve.permission = true,
            'x' => {}
            _ => return Err(UsageError(format!("Illegal option {option}"))),
        }
    }
    Ok(preserve)
}

/// What `-cp` was asked to do.
struct CopyOptions {
    overwrite: bool,
    direct: bool,
    preserve: Preserve,
    create: CreateOptions,
}

/// Runs `-cp`.
pub async fn cp(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let preserve = pop_preserve_option(&mut args)?;
    let flags = FORMAT.parse(&mut args)?;
    let raw_destination = args.pop().unwrap_or_default();
    let destination = match destination::remote_destination(shell, &raw_destination).await {
        Ok(destination) => destination,
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    let sources = shell.expand_all(&args).await;
    let overwrite = flags.has("f");
    let checked =
        destination::check_remote_destination(shell, &destination, sources.len(), overwrite);
    let options = match checked.await {
        Ok(()) => transfer::create_options(shell.conf, &destination.fs),
        Err(error) => Err(error),
    };
    let options = match options {
        Ok(create) => CopyOptions {
            overwrite,
            direct: flags.has("d"),
            preserve,
            create,
        },
        Err(error) => {
            shell.error(error);
            return Ok(shell.exit_code(0));
        }
    };
    for source in sources {
        let name = common::path::basename(&source.path).to_string();
        let target = match destination::remote_target(&destination, &name, 0).await {
            Ok(target) => target,
            Err(error) => {
                shell.error(error);
                continue;
            }
        };
        if let Err(error) = check_source(&source, &target) {
            shell.error(error);
            continue;
        }
        copy_tree(shell, source, target, &options).await;
    }
    Ok(shell.exit_code(0))
}

/// A source must exist, and a directory cannot be copied onto or into itself.
fn check_source(source: &PathItem, target: &PathItem) -> Result<(), RemoteException> {
    let Some(status) = &source.stat else {
        return Err(source.not_found());
    };
    let same_fs = source.fs.uri() == target.fs.uri();
    if !status.is_dir || !same_fs {
        return Ok(());
    }
    if target.path == source.path {
        let qualified = format!("{}{}", target.fs.uri(), target.path);
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
    Ok(())
}

/// Copies `source` to `target`, a directory with everything below it, in pre-order; each
/// failure is reported and the rest still copied.
async fn copy_tree(
    shell: &mut Shell<'_>,
    source: PathItem,
    target: PathItem,
    options: &CopyOptions,
) {
    let mut pending = vec![(source, target)];
    while let Some((source, target)) = pending.pop() {
        if !source.is_dir() {
            if let Err(error) = copy_file(&source, &target, options).await {
                shell.error(error);
            }
            continue;
        }
        let children = match make_directory(&target).await {
            Ok(()) => shell.children(&source).await,
            Err(error) => Err(error),
        };
        let children = match children {
            Ok(children) => children,
            Err(error) => {
                shell.error(error);
                continue;
            }
        };
        for child in children.into_iter().rev() {
            let name = common::path::basename(&child.path).to_string();
            match destination::remote_child(&target, &name).await {
                Ok(child_target) => pending.push((child, child_target)),
                Err(error) => shell.error(error),
            }
        }
    }
}

async fn make_directory(target: &PathItem) -> Result<(), RemoteException> {
    match &target.stat {
        Some(status) if !status.is_dir => Err(target.error("Is not a directory")),
        Some(_) => Ok(()),
        None => {
            let permission = FsPermission::default_for(true, target.fs.umask());
            target.fs.mkdirs(&target.path, permission, true).await
        }
    }
}

async fn copy_file(
    source: &PathItem,
    target: &PathItem,
    options: &CopyOptions,
) -> Result<(), RemoteException> {
    let is_dir = target.stat.as_ref().map(|status| status.is_dir);
    destination::check_target(&target.display, is_dir, options.overwrite)?;
    let reader = source.fs.open(&source.path).await?;
    let total = source.stat.as_ref().map(|status| status.length);
    let mut input = CopySource::Dfs(reader);
    transfer::write_to_dfs(&mut input, target, &options.create, options.direct, total).await?;
    let Some(status) = &source.stat else {
        return Ok(());
    };
    let preserve = options.preserve;
    if preserve.times {
        let (mtime, atime) = (status.modification_time, status.access_time);
        target.fs.set_times(&target.path, mtime, atime).await?;
    }
    if preserve.ownership {
        let (owner, group) = (Some(status.owner.as_str()), Some(status.group.as_str()));
        target.fs.set_owner(&target.path, owner, group).await?;
    }
    if preserve.permission {
        target
            .fs
            .set_permission(&target.path, status.permission)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dfs::test_item;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn pops_the_preserve_option() {
        let mut list = args(&["-f", "-p", "/a", "/b"]);
        let all = Preserve {
            times: true,
            ownership: true,
            permission: true,
        };
        assert_eq!(pop_preserve_option(&mut list), Ok(all));
        assert_eq!(list, args(&["-f", "/a", "/b"]));

        let mut list = args(&["-pt", "/a", "/b"]);
        let times = Preserve {
            times: true,
            ..Preserve::default()
        };
        assert_eq!(pop_preserve_option(&mut list), Ok(times));

        let mut list = args(&["-pax", "/a", "/b"]);
        assert!(pop_preserve_option(&mut list).unwrap().permission);

        let mut list = args(&["--", "-p", "/b"]);
        assert_eq!(pop_preserve_option(&mut list), Ok(Preserve::default()));
        assert_eq!(list.len(), 3);

        let mut list = args(&["-pz", "/a", "/b"]);
        assert_eq!(
            pop_preserve_option(&mut list),
            Err(UsageError("Illegal option -pz".into()))
        );
    }

    #[tokio::test]
    async fn refuses_to_copy_a_directory_into_itself() {
        let source = test_item("/a", "/a", Some(true));
        let error = check_source(&source, &test_item("/a", "/a", Some(true))).unwrap_err();
        assert_eq!(
            error.message,
            "'/a' to 'hdfs://127.0.0.1:1/a': are identical"
        );
        let error = check_source(&source, &test_item("/a/b/a", "/a/b/a", None)).unwrap_err();
        assert_eq!(
            error.message,
            "'/a' to '/a/b/a': is a subdirectory of itself"
        );
        assert!(check_source(&source, &test_item("/ab", "/ab", None)).is_ok());
        assert!(
            check_source(
                &test_item("/f", "/f", Some(false)),
                &test_item("/f", "/f", Some(false))
            )
            .is_ok()
        );
        let error =
            check_source(&test_item("/x", "/x", None), &test_item("/y", "/y", None)).unwrap_err();
        assert_eq!(error.message, "'/x': No such file or directory");
    }
}
