//! `-chmod`, `-chown` and `-chgrp` (Hadoop's `FsShellPermissions`).

use common::{FsPermission, RemoteException};

use super::CommandInfo;
use super::options::{CommandFormat, UsageError};
use super::shell::{PathItem, Shell, TreeWalk};

/// `-chmod`.
pub const CHMOD: CommandInfo = CommandInfo {
    name: "chmod",
    usage: "[-R] <MODE[,MODE]... | OCTALMODE> PATH...",
    description: "Changes the permissions of files, like the shell's chmod.
  -R  Change everything below directories too.
MODE is symbolic, with the letters rwxXt only (+t,a+r,g-w,+rwx,o=r); without u, g, o or a, \
a is meant and no umask applies.
OCTALMODE has 3 digits, or 4 when the first (0 or 1) sets the sticky bit: 754 is \
u=rwx,g=rx,o=r.",
};

/// `-chown`.
pub const CHOWN: CommandInfo = CommandInfo {
    name: "chown",
    usage: "[-R] [OWNER][:[GROUP]] PATH...",
    description: "Changes the owner and/or group of files; only the part given changes.
  -R  Change everything below directories too.
Names may hold letters, digits and any of -_./@ and are case sensitive.",
};

/// `-chgrp`.
pub const CHGRP: CommandInfo = CommandInfo {
    name: "chgrp",
    usage: "[-R] GROUP PATH...",
    description: "Changes the group of files, like -chown :GROUP.
  -R  Change everything below directories too.",
};

const CHMOD_FORMAT: CommandFormat = CommandFormat {
    ignore_unknown: true,
    ..CommandFormat::new(2, usize::MAX, &["R"])
};
const CHOWN_FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &["R"]);

/// What a command changes on each path.
enum Change {
    Mode(String),
    Owner {
        owner: Option<String>,
        group: Option<String>,
    },
}

/// Runs `-chmod`.
pub async fn chmod(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let recursive = CHMOD_FORMAT.parse(&mut args)?.has("R");
    let mode = args.remove(0);
    validate_mode(&mode)?;
    let change = Change::Mode(mode.trim().to_string());
    Ok(apply(shell, &args, recursive, &change).await)
}

/// Runs `-chown`.
pub async fn chown(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let recursive = CHOWN_FORMAT.parse(&mut args)?.has("R");
    let (owner, group) = parse_owner_group(&args.remove(0))?;
    Ok(apply(shell, &args, recursive, &Change::Owner { owner, group }).await)
}

/// Runs `-chgrp`.
pub async fn chgrp(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let recursive = CHOWN_FORMAT.parse(&mut args)?.has("R");
    let group = parse_group(&args.remove(0))?;
    let change = Change::Owner {
        owner: None,
        group: Some(group),
    };
    Ok(apply(shell, &args, recursive, &change).await)
}

/// Applies `change` to every path named by `args`, and below directories when `recursive`.
async fn apply(shell: &mut Shell<'_>, args: &[String], recursive: bool, change: &Change) -> i32 {
    for item in shell.expand_all(args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let mut walk = TreeWalk::new(vec![item]);
        while let Some(entry) = walk.next() {
            if let Err(error) = apply_one(&entry, change).await {
                shell.error(error);
            }
            if recursive && entry.is_dir() {
                match shell.children(&entry).await {
                    Ok(children) => walk.descend(children),
                    Err(error) => shell.error(error),
                }
            }
        }
    }
    shell.exit_code(0)
}

async fn apply_one(item: &PathItem, change: &Change) -> Result<(), RemoteException> {
    let Some(status) = &item.stat else {
        return Err(item.not_found());
    };
    match change {
        Change::Mode(mode) => {
            let permission = status
                .permission
                .apply_chmod(mode, status.is_dir)
                .map_err(RemoteException::illegal_argument)?;
            if permission == status.permission {
                return Ok(());
            }
            item.fs
                .set_permission(&item.path, permission)
                .await
                .map_err(|error| failed("changing permissions of", item, error))
        }
        Change::Owner { owner, group } => {
            let owner = owner.as_deref().filter(|owner| *owner != status.owner);
            let group = group.as_deref().filter(|group| *group != status.group);
            if owner.is_none() && group.is_none() {
                return Ok(());
            }
            item.fs
                .set_owner(&item.path, owner, group)
                .await
                .map_err(|error| failed("changing ownership of", item, error))
        }
    }
}

/// `changing permissions of '<path>': <reason>`
fn failed(what: &str, item: &PathItem, error: RemoteException) -> RemoteException {
    RemoteException::new(
        error.kind,
        format!("{what} '{}': {}", item.display, error.message),
    )
}

/// Checks a mode before touching any path: octal with 3 digits (or 4, the first 0 or 1), or
/// symbolic.
pub fn validate_mode(mode: &str) -> Result<(), UsageError> {
    let invalid = || {
        UsageError(format!(
            "chmod : mode '{mode}' does not match the expected pattern."
        ))
    };
    let trimmed = mode.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let valid_octal = match trimmed.as_bytes() {
            [_, _, _] => true,
            [sticky, _, _, _] => matches!(sticky, b'0' | b'1'),
            _ => false,
        } && FsPermission::from_octal(trimmed).is_some();
        return if valid_octal { Ok(()) } else { Err(invalid()) };
    }
    FsPermission::new(0)
        .apply_chmod(mode, false)
        .map_err(|_| invalid())?;
    Ok(())
}

/// Whether every character is one Hadoop allows in a user or group name.
fn is_name(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@'))
}

/// Splits `[OWNER][:[GROUP]]`; an empty part is left unchanged.
pub fn parse_owner_group(spec: &str) -> Result<(Option<String>, Option<String>), UsageError> {
    let trimmed = spec.trim();
    let (owner, group) = match trimmed.split_once(':') {
        Some((owner, group)) => (owner, Some(group)),
        None => (trimmed, None),
    };
    if !is_name(owner) || !group.is_none_or(is_name) {
        return Err(UsageError(format!(
            "'{spec}' does not match expected pattern for [owner][:group]."
        )));
    }
    let owner = Some(owner)
        .filter(|owner| !owner.is_empty())
        .map(String::from);
    let group = group.filter(|group| !group.is_empty()).map(String::from);
    if owner.is_none() && group.is_none() {
        return Err(UsageError(format!(
            "'{spec}' does not specify owner or group."
        )));
    }
    Ok((owner, group))
}

/// Checks a `-chgrp` group name.
pub fn parse_group(spec: &str) -> Result<String, UsageError> {
    let trimmed = spec.trim();
    if trimmed.is_empty() || !is_name(trimmed) {
        return Err(UsageError(format!(
            "'{spec}' does not match expected pattern for group"
        )));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_modes() {
        for good in ["755", "0644", "1777", "u+x", "go-w,a+r", "+t", "a=rX"] {
            assert!(validate_mode(good).is_ok(), "{good}");
        }
        for bad in ["abc", "75", "7", "2755", "888", "u+z", "q+x", ""] {
            let error = validate_mode(bad).unwrap_err();
            assert_eq!(
                error.0,
                format!("chmod : mode '{bad}' does not match the expected pattern.")
            );
        }
    }

    #[test]
    fn parses_owner_and_group() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(parse_owner_group("bob").unwrap(), (some("bob"), None));
        assert_eq!(
            parse_owner_group("bob:staff").unwrap(),
            (some("bob"), some("staff"))
        );
        assert_eq!(parse_owner_group(":staff").unwrap(), (None, some("staff")));
        assert_eq!(parse_owner_group("bob:").unwrap(), (some("bob"), None));
        assert_eq!(
            parse_owner_group("a.b@REALM/x").unwrap(),
            (some("a.b@REALM/x"), None)
        );
        assert_eq!(
            parse_owner_group(":").unwrap_err().0,
            "':' does not specify owner or group."
        );
        assert_eq!(
            parse_owner_group("bob:staff:x").unwrap_err().0,
            "'bob:staff:x' does not match expected pattern for [owner][:group]."
        );
        assert!(parse_owner_group("b*b").is_err());
    }

    #[test]
    fn parses_groups() {
        assert_eq!(parse_group("staff").unwrap(), "staff");
        assert_eq!(
            parse_group("st:aff").unwrap_err().0,
            "'st:aff' does not match expected pattern for group"
        );
        assert!(parse_group("").is_err());
    }
}
