//! `-stat` (Hadoop's `Stat`) and `-test` (Hadoop's `Test`).

use client::FileStatus;
use common::permission::FsAction;

use super::CommandInfo;
use super::options::{CommandFormat, UsageError};
use super::shell::{Shell, TreeWalk};

/// `-stat`.
pub const STAT: CommandInfo = CommandInfo {
    name: "stat",
    usage: "[format] <path> ...",
    description: "Prints facts about each path in the given format (default %y):
  %a  permissions in octal        %A  permissions as rwxr-xr-x
  %b  size in bytes               %F  type (directory or regular file)
  %g  group                       %n  name
  %o  block size                  %r  replication
  %u  owner
  %x  access time (UTC, yyyy-MM-dd HH:mm:ss)    %X  access time in ms since the epoch
  %y  modification time (UTC)                   %Y  modification time in ms since the epoch",
};

/// `-test`.
pub const TEST: CommandInfo = CommandInfo {
    name: "test",
    usage: "-[defswrz] <path>",
    description: "Answers a question about <path> with the exit status: 0 for yes, 1 for no.
  -d  Is it a directory?
  -e  Does it exist?
  -f  Is it a file?
  -s  Is it larger than zero bytes?
  -w  Does it exist, with write permission granted?
  -r  Does it exist, with read permission granted?
  -z  Is it zero bytes long?",
};

const STAT_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["R"]);
const TEST_FORMAT: CommandFormat = CommandFormat::new(1, 1, &["e", "d", "f", "s", "z", "w", "r"]);

/// Runs `-stat`.
pub async fn stat(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let recursive = STAT_FORMAT.parse(&mut args)?.has("R");
    let format = if args[0].contains('%') {
        args.remove(0)
    } else {
        "%y".to_string()
    };
    // At least one path must remain.
    STAT_FORMAT.parse(&mut args)?;
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let mut walk = TreeWalk::new(vec![item]);
        while let Some(entry) = walk.next() {
            let Some(status) = &entry.stat else { continue };
            shell.print(format_stat(&format, status));
            if recursive && status.is_dir {
                match shell.children(&entry).await {
                    Ok(children) => walk.descend(children),
                    Err(error) => shell.error(error),
                }
            }
        }
    }
    Ok(shell.exit_code(0))
}

/// Expands the `%` sequences of `format` for one path. An unknown sequence `%c` prints `c`;
/// a trailing `%` is dropped.
pub fn format_stat(format: &str, status: &FileStatus) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(sequence) = chars.next() else { break };
        match sequence {
            'a' => out.push_str(&format!("{:o}", status.permission.bits())),
            'A' => out.push_str(&status.permission.to_string()),
            'b' => out.push_str(&status.length.to_string()),
            'F' if status.is_dir => out.push_str("directory"),
            'F' => out.push_str("regular file"),
            'g' => out.push_str(&status.group),
            'n' => out.push_str(status.name()),
            'o' => out.push_str(&status.block_size.to_string()),
            'r' => out.push_str(&status.replication.to_string()),
            'u' => out.push_str(&status.owner),
            'x' => out.push_str(&format_utc(status.access_time)),
            'X' => out.push_str(&status.access_time.to_string()),
            'y' => out.push_str(&format_utc(status.modification_time)),
            'Y' => out.push_str(&status.modification_time.to_string()),
            other => out.push(other),
        }
    }
    out
}

/// `yyyy-MM-dd HH:mm:ss` in UTC.
fn format_utc(millis: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(time) => time.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => millis.to_string(),
    }
}

/// Runs `-test`.
pub async fn test(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = TEST_FORMAT.parse(&mut args)?;
    let flag = match (flags.count(), flags.iter().next()) {
        (1, Some(flag)) => flag,
        (0, _) => return Err(UsageError("No test flag given".to_string())),
        _ => return Err(UsageError("Only one test flag is allowed".to_string())),
    };
    let mut code = 0;
    for item in shell.expand_all(&args).await {
        let holds = item
            .stat
            .as_ref()
            .is_some_and(|status| test_holds(flag, status, shell.user()));
        if !holds {
            code = 1;
        }
    }
    Ok(shell.exit_code(code))
}

/// Whether test `flag` holds for an existing path, checked by `user`.
pub fn test_holds(flag: &str, status: &FileStatus, user: &str) -> bool {
    match flag {
        "d" => status.is_dir,
        "f" => !status.is_dir,
        "s" => status.length > 0,
        "z" => status.length == 0,
        "w" => is_granted(status, user, FsAction::WRITE),
        "r" => is_granted(status, user, FsAction::READ),
        _ => true,
    }
}

/// Whether the permission bits grant `action` to `user`: the owner's bits for the owner, the
/// others' bits for anyone else (group membership is the NameNode's to know).
fn is_granted(status: &FileStatus, user: &str, action: FsAction) -> bool {
    let granted = if status.owner == user {
        status.permission.user_action()
    } else {
        status.permission.other_action()
    };
    action.is_granted_by(granted)
}

#[cfg(test)]
mod tests {
    use common::FsPermission;

    use super::*;

    fn status(path: &str, is_dir: bool, length: u64) -> FileStatus {
        FileStatus {
            path: path.to_string(),
            is_dir,
            length,
            permission: FsPermission::new(if is_dir { 0o1755 } else { 0o640 }),
            owner: "alice".to_string(),
            group: "staff".to_string(),
            modification_time: 1_700_000_000_123,
            access_time: 1_600_000_000_000,
            replication: if is_dir { 0 } else { 2 },
            block_size: if is_dir { 0 } else { 1048576 },
            file_id: 7,
            children_num: 0,
            under_construction: false,
        }
    }

    #[test]
    fn formats_every_sequence() {
        let file = status("/d/f.txt", false, 42);
        assert_eq!(
            format_stat("%a %A %b %F %g %n %o %r %u", &file),
            "640 rw-r----- 42 regular file staff f.txt 1048576 2 alice"
        );
        assert_eq!(
            format_stat("%x|%X|%y|%Y", &file),
            "2020-09-13 12:26:40|1600000000000|2023-11-14 22:13:20|1700000000123"
        );
        let dir = status("/d", true, 0);
        assert_eq!(
            format_stat("%F %a %A %r %o", &dir),
            "directory 1755 rwxr-xr-t 0 0"
        );
        assert_eq!(format_stat("%y", &dir), "2023-11-14 22:13:20");
    }

    #[test]
    fn keeps_unknown_sequences_and_drops_a_trailing_percent() {
        let file = status("/f", false, 1);
        assert_eq!(format_stat("size=%b %q %% end%", &file), "size=1 q % end");
        assert_eq!(format_stat("%a", &status("/f", false, 1)), "640");
        let mut bare = status("/f", false, 1);
        bare.permission = FsPermission::new(0o44);
        assert_eq!(format_stat("%a", &bare), "44");
    }

    #[test]
    fn answers_test_flags() {
        let file = status("/f", false, 3);
        let empty = status("/e", false, 0);
        let dir = status("/d", true, 0);
        assert!(test_holds("e", &file, "alice"));
        assert!(test_holds("d", &dir, "alice") && !test_holds("d", &file, "alice"));
        assert!(test_holds("f", &file, "alice") && !test_holds("f", &dir, "alice"));
        assert!(test_holds("s", &file, "alice") && !test_holds("s", &empty, "alice"));
        assert!(test_holds("z", &empty, "alice") && !test_holds("z", &file, "alice"));
        // 0640: the owner may write; others may not even read.
        assert!(test_holds("w", &file, "alice") && test_holds("r", &file, "alice"));
        assert!(!test_holds("w", &file, "bob") && !test_holds("r", &file, "bob"));
        // 01755: others may read the directory but not write it.
        assert!(test_holds("r", &dir, "bob") && !test_holds("w", &dir, "bob"));
    }
}
