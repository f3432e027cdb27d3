//! `hdfs dfs`: the user shell of the distributed file system (Hadoop's `FsShell`).
//!
//! Commands, paths, output and exit codes follow Hadoop 3: 0 on success, 1 when any path
//! failed (the remaining paths are still processed), 255 for an unknown command or bad usage.

mod count_du;
mod cp;
mod destination;
mod df;
mod display;
mod find;
pub mod format;
mod fs;
mod get;
mod ls;
mod modify;
mod options;
mod paths;
mod perms;
mod put;
mod replication_wait;
mod setrep;
mod shell;
mod stat_test;
mod touch;
mod transfer;
mod truncate;
mod unsupported;

use std::io::Write;

use common::Configuration;

use self::options::UsageError;
use self::shell::Shell;

const USAGE_PREFIX: &str = "Usage: hadoop fs [generic options]";
/// Hadoop's ToolRunner generic options text, printed after a usage.
pub(crate) const GENERIC_OPTIONS: &str = "Generic options supported are:
-conf <configuration file>        specify an application configuration file
-D <property=value>               define a value for a given property
-fs <file:///|hdfs://namenode:port> specify default filesystem URL to use, overrides 'fs.defaultFS' property from configurations.

The general command line syntax is:
command [genericOptions] [commandOptions]";

/// A command's name (without its dash), usage synopsis and help text.
pub struct CommandInfo {
    /// `ls` for `-ls`.
    pub name: &'static str,
    /// Options and arguments, as in `Usage: hadoop fs [generic options] -ls <usage>`.
    pub usage: &'static str,
    /// The `-help` text; lines after the first are indented.
    pub description: &'static str,
}

const HELP: CommandInfo = CommandInfo {
    name: "help",
    usage: "[cmd ...]",
    description: "Displays help for the given commands, or for all commands if none is given.",
};

const USAGE: CommandInfo = CommandInfo {
    name: "usage",
    usage: "[cmd ...]",
    description: "Displays the usage of the given commands, or of all commands if none is given.",
};

/// Every command, in name order (the order of the usage summary).
const COMMANDS: [&CommandInfo; 43] = [
    &put::APPEND_TO_FILE,
    &display::CAT,
    &display::CHECKSUM,
    &perms::CHGRP,
    &perms::CHMOD,
    &perms::CHOWN,
    &modify::CONCAT,
    &put::COPY_FROM_LOCAL,
    &get::COPY_TO_LOCAL,
    &count_du::COUNT,
    &cp::CP,
    &unsupported::CREATE_SNAPSHOT,
    &unsupported::DELETE_SNAPSHOT,
    &df::DF,
    &count_du::DU,
    &modify::EXPUNGE,
    &find::FIND,
    &get::GET,
    &unsupported::GETFACL,
    &unsupported::GETFATTR,
    &get::GETMERGE,
    &display::HEAD,
    &HELP,
    &ls::LS,
    &modify::MKDIR,
    &put::MOVE_FROM_LOCAL,
    &unsupported::MOVE_TO_LOCAL,
    &modify::MV,
    &put::PUT,
    &unsupported::RENAME_SNAPSHOT,
    &modify::RM,
    &modify::RMDIR,
    &unsupported::SETFACL,
    &unsupported::SETFATTR,
    &setrep::SETREP,
    &stat_test::STAT,
    &display::TAIL,
    &stat_test::TEST,
    &display::TEXT,
    &touch::TOUCH,
    &touch::TOUCHZ,
    &truncate::TRUNCATE,
    &USAGE,
];

/// Runs `hdfs dfs ARGS...` (generic options like -D already consumed) and returns the process
/// exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some((command, rest)) = args.split_first() else {
        print_info(err, None, false);
        return crate::EXIT_USAGE;
    };
    let Some(info) = find_command(command) else {
        let _ = writeln!(err, "{command}: Unknown command");
        if !command.starts_with('-') && find_command(&format!("-{command}")).is_some() {
            let _ = writeln!(
                err,
                "Did you mean -{command}?  This command begins with a dash."
            );
        }
        print_info(err, None, false);
        return crate::EXIT_USAGE;
    };
    let mut shell = Shell::new(conf, info.name, out, err);
    let rest = rest.to_vec();
    let result = match info.name {
        "appendToFile" => put::append_to_file(&mut shell, rest).await,
        "cat" => display::cat(&mut shell, rest).await,
        "checksum" => display::checksum(&mut shell, rest).await,
        "chgrp" => perms::chgrp(&mut shell, rest).await,
        "chmod" => perms::chmod(&mut shell, rest).await,
        "chown" => perms::chown(&mut shell, rest).await,
        "copyFromLocal" => put::copy_from_local(&mut shell, rest).await,
        "copyToLocal" | "get" => get::get(&mut shell, rest).await,
        "count" => count_du::count(&mut shell, rest).await,
        "cp" => cp::cp(&mut shell, rest).await,
        "df" => df::df(&mut shell, rest).await,
        "du" => count_du::du(&mut shell, rest).await,
        "getmerge" => get::getmerge(&mut shell, rest).await,
        "head" => display::head(&mut shell, rest).await,
        "help" => help(&mut shell, &rest, true),
        "ls" => ls::ls(&mut shell, rest).await,
        "mkdir" => modify::mkdir(&mut shell, rest).await,
        "mv" => modify::mv(&mut shell, rest).await,
        "put" => put::put(&mut shell, rest).await,
        "rm" => modify::rm(&mut shell, rest).await,
        "expunge" => modify::expunge(&mut shell, rest).await,
        "find" => find::find(&mut shell, rest).await,
        "moveFromLocal" => put::move_from_local(&mut shell, rest).await,
        "moveToLocal" => unsupported::move_to_local(&mut shell),
        "text" => display::text(&mut shell, rest).await,
        "createSnapshot" | "deleteSnapshot" | "renameSnapshot" | "getfacl" | "setfacl"
        | "getfattr" | "setfattr" => unsupported::not_supported(&mut shell, info.name, &rest),
        "concat" => modify::concat(&mut shell, rest).await,
        "truncate" => truncate::truncate(&mut shell, rest).await,
        "rmdir" => modify::rmdir(&mut shell, rest).await,
        "setrep" => setrep::setrep(&mut shell, rest).await,
        "stat" => stat_test::stat(&mut shell, rest).await,
        "tail" => display::tail(&mut shell, rest).await,
        "test" => stat_test::test(&mut shell, rest).await,
        "touch" => touch::touch(&mut shell, rest).await,
        "touchz" => touch::touchz(&mut shell, rest).await,
        _ => help(&mut shell, &rest, false),
    };
    match result {
        Ok(code) => code,
        Err(UsageError(message)) => {
            for line in message.lines() {
                let _ = writeln!(shell.err, "{command}: {line}");
            }
            let _ = writeln!(shell.err, "{USAGE_PREFIX} {}", synopsis(info));
            crate::EXIT_USAGE
        }
    }
}

/// The command named `-name`.
fn find_command(dashed: &str) -> Option<&'static CommandInfo> {
    let name = dashed.strip_prefix('-')?;
    COMMANDS.into_iter().find(|info| info.name == name)
}

/// `-name usage`, the synopsis of a command.
fn synopsis(info: &CommandInfo) -> String {
    if info.usage.is_empty() {
        format!("-{}", info.name)
    } else {
        format!("-{} {}", info.name, info.usage)
    }
}

/// `-help` and `-usage`: the help or usage of the named commands, or of all.
fn help(shell: &mut Shell<'_>, names: &[String], with_help: bool) -> Result<i32, UsageError> {
    if names.is_empty() {
        print_info(shell.out, None, with_help);
    }
    for name in names {
        let dashed = if name.starts_with('-') {
            name.clone()
        } else {
            format!("-{name}")
        };
        let Some(info) = find_command(&dashed) else {
            return Err(UsageError(format!("`{name}': Unknown command")));
        };
        print_info(shell.out, Some(info), with_help);
    }
    Ok(0)
}

/// Prints the usage (or help) of one command, or the summary of all commands followed by the
/// generic options.
fn print_info(out: &mut dyn Write, command: Option<&CommandInfo>, with_help: bool) {
    let text = match command {
        Some(info) if with_help => command_help(info),
        Some(info) => format!("{USAGE_PREFIX} {}\n", synopsis(info)),
        None => {
            let mut text = format!("{USAGE_PREFIX}\n");
            for info in COMMANDS {
                text.push_str(&format!("\t[{}]\n", synopsis(info)));
            }
            if with_help {
                for info in COMMANDS {
                    text.push('\n');
                    text.push_str(&command_help(info));
                }
            }
            text.push('\n');
            text.push_str(GENERIC_OPTIONS);
            text.push('\n');
            text
        }
    };
    let _ = out.write_all(text.as_bytes());
}

/// `-name usage:\t<first line>` then `\t\t<line>` for each further line of the description.
fn command_help(info: &CommandInfo) -> String {
    let mut text = String::new();
    for (index, line) in info.description.split('\n').enumerate() {
        if index == 0 {
            text.push_str(&format!("{}:\t{line}\n", synopsis(info)));
        } else {
            text.push_str(&format!("\t\t{line}\n"));
        }
    }
    text
}

/// A path item for unit tests: `display` as typed, `path` resolved, and a
/// status when `is_dir` is given (the client is never contacted).
#[cfg(test)]
pub(crate) fn test_item(display: &str, path: &str, is_dir: Option<bool>) -> shell::PathItem {
    let fs = client::DfsClient::connect("127.0.0.1:1", "alice", common::FsPermission::new(0o022))
        .unwrap();
    let stat = is_dir.map(|is_dir| client::FileStatus {
        path: path.to_string(),
        is_dir,
        length: 0,
        permission: common::FsPermission::new(0o755),
        owner: "alice".to_string(),
        group: "supergroup".to_string(),
        modification_time: 0,
        access_time: 0,
        replication: 0,
        block_size: 0,
        file_id: 1,
        children_num: 0,
        under_construction: false,
    });
    shell::PathItem {
        fs: fs::FileSystem::Dfs(fs),
        display: display.to_string(),
        path: path.to_string(),
        stat,
        represents_directory: display.ends_with('/'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run_shell(args: &[&str]) -> (i32, String, String) {
        let conf = Configuration::new();
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&conf, &args, &mut out, &mut err).await;
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        (code, text(out), text(err))
    }

    #[test]
    fn commands_are_sorted_and_unique() {
        for pair in COMMANDS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} >= {}",
                pair[0].name,
                pair[1].name
            );
        }
    }

    #[tokio::test]
    async fn no_arguments_print_the_summary() {
        let (code, out, err) = run_shell(&[]).await;
        assert_eq!(code, 255);
        assert!(out.is_empty());
        assert!(err.starts_with(
            "Usage: hadoop fs [generic options]\n\t[-appendToFile <localsrc> ... <dst>]\n"
        ));
        assert!(
            err.contains(
                "\t[-ls [-C] [-d] [-h] [-q] [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]]\n"
            )
        );
        assert!(err.contains("Generic options supported are:"));
    }

    #[tokio::test]
    async fn unknown_commands_are_usage_errors() {
        let (code, _, err) = run_shell(&["-nope"]).await;
        assert_eq!(code, 255);
        assert!(err.starts_with("-nope: Unknown command\nUsage: hadoop fs [generic options]\n"));

        let (code, _, err) = run_shell(&["ls"]).await;
        assert_eq!(code, 255);
        assert!(err.starts_with(
            "ls: Unknown command\nDid you mean -ls?  This command begins with a dash.\n"
        ));
    }

    #[tokio::test]
    async fn illegal_options_print_the_command_usage() {
        let (code, out, err) = run_shell(&["-ls", "-x", "/"]).await;
        assert_eq!(code, 255);
        assert!(out.is_empty());
        assert_eq!(
            err,
            "-ls: Illegal option -x\nUsage: hadoop fs [generic options] -ls [-C] [-d] [-h] [-q] \
             [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]\n"
        );
        let (code, _, err) = run_shell(&["-count"]).await;
        assert_eq!(code, 255);
        assert!(err.starts_with("-count: Not enough arguments: expected 1 but got 0\n"));
    }

    #[tokio::test]
    async fn help_and_usage_describe_commands() {
        let (code, out, _) = run_shell(&["-usage", "mkdir"]).await;
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "Usage: hadoop fs [generic options] -mkdir [-p] <path> ...\n"
        );

        let (code, out, _) = run_shell(&["-help", "-rmdir"]).await;
        assert_eq!(code, 0);
        assert!(out.starts_with("-rmdir [--ignore-fail-on-non-empty] <dir> ...:\t"));

        let (code, out, _) = run_shell(&["-help"]).await;
        assert_eq!(code, 0);
        assert!(out.contains("\n-touchz <path> ...:\t"));

        let (code, _, err) = run_shell(&["-help", "bogus"]).await;
        assert_eq!(code, 255);
        assert_eq!(
            err,
            "-help: `bogus': Unknown command\nUsage: hadoop fs [generic options] -help [cmd ...]\n"
        );
    }

    #[tokio::test]
    async fn path_errors_exit_with_one() {
        // The default file system of an empty configuration is not HDFS.
        let (code, out, err) = run_shell(&["-ls", "/"]).await;
        assert_eq!(code, 1);
        assert!(out.is_empty());
        assert!(err.starts_with("ls: fs.defaultFS is 'file:///'"), "{err}");
    }
}
