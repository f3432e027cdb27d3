//! Commands for features Tusk does not have: `-moveToLocal` (unimplemented in Hadoop 3 too),
//! snapshots, ACLs and extended attributes. Each fails the way Hadoop's
//! shell reports a `FileSystem` without the operation: `<cmd>: <message>`, exit 1.

use super::CommandInfo;
use super::options::UsageError;
use super::shell::Shell;

/// The class Hadoop names in its messages: the `FileSystem` of `hdfs://` paths.
const FILE_SYSTEM: &str = "DistributedFileSystem";

/// `-moveToLocal`.
pub const MOVE_TO_LOCAL: CommandInfo = CommandInfo {
    name: "moveToLocal",
    usage: "<src> <localdst>",
    description: "Not implemented yet",
};

/// `-createSnapshot`.
pub const CREATE_SNAPSHOT: CommandInfo = CommandInfo {
    name: "createSnapshot",
    usage: "<snapshotDir> [<snapshotName>]",
    description: "Create a snapshot on a directory. Not supported by Tusk yet.",
};

/// `-deleteSnapshot`.
pub const DELETE_SNAPSHOT: CommandInfo = CommandInfo {
    name: "deleteSnapshot",
    usage: "<snapshotDir> <snapshotName>",
    description: "Delete a snapshot from a directory. Not supported by Tusk yet.",
};

/// `-renameSnapshot`.
pub const RENAME_SNAPSHOT: CommandInfo = CommandInfo {
    name: "renameSnapshot",
    usage: "<snapshotDir> <oldName> <newName>",
    description: "Rename a snapshot from oldName to newName. Not supported by Tusk yet.",
};

/// `-getfacl`.
pub const GETFACL: CommandInfo = CommandInfo {
    name: "getfacl",
    usage: "[-R] <path>",
    description: "Displays the Access Control Lists (ACLs) of files and directories. Not \
supported by Tusk yet.",
};

/// `-setfacl`.
pub const SETFACL: CommandInfo = CommandInfo {
    name: "setfacl",
    usage: "[-R] [{-b|-k} {-m|-x <acl_spec>} <path>]|[--set <acl_spec> <path>]",
    description: "Sets Access Control Lists (ACLs) of files and directories. Not supported by \
Tusk yet.",
};

/// `-getfattr`.
pub const GETFATTR: CommandInfo = CommandInfo {
    name: "getfattr",
    usage: "[-R] {-n name | -d} [-e en] <path>",
    description: "Displays the extended attribute names and values (if any) for a file or \
directory. Not supported by Tusk yet.",
};

/// `-setfattr`.
pub const SETFATTR: CommandInfo = CommandInfo {
    name: "setfattr",
    usage: "{-n name [-v value] | -x name} <path>",
    description: "Sets an extended attribute name and value for a file or directory. Not \
supported by Tusk yet.",
};

/// Runs `-moveToLocal`: Hadoop 3 rejects it while processing its options.
pub fn move_to_local(shell: &mut Shell<'_>) -> Result<i32, UsageError> {
    shell.error("Option '-moveToLocal' is not implemented yet.");
    Ok(shell.exit_code(0))
}

/// The message Hadoop's `FileSystem` base class throws for command `name` with `args`.
fn message(name: &str, args: &[String]) -> String {
    let has = |option: &str| args.iter().any(|arg| arg == option);
    let method = match name {
        "createSnapshot" | "deleteSnapshot" | "renameSnapshot" => name,
        "getfacl" => "getAclStatus",
        "setfacl" if has("-b") => "removeAcl",
        "setfacl" if has("-k") => "removeDefaultAcl",
        "setfacl" if has("-m") => "modifyAclEntries",
        "setfacl" if has("-x") => "removeAclEntries",
        "setfacl" => "setAcl",
        "getfattr" if has("-n") => "getXAttr",
        "getfattr" => "getXAttrs",
        "setfattr" if has("-x") => "removeXAttr",
        "setfattr" => "setXAttr",
        _ => return format!("Not implemented by the {FILE_SYSTEM} FileSystem implementation"),
    };
    format!("{FILE_SYSTEM} doesn't support {method}")
}

/// Runs a command whose feature is missing: `<cmd>: <message>`, exit 1.
pub fn not_supported(
    shell: &mut Shell<'_>,
    name: &str,
    args: &[String],
) -> Result<i32, UsageError> {
    shell.error(message(name, args));
    Ok(shell.exit_code(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn names_the_missing_operation_like_hadoop() {
        assert_eq!(
            message("createSnapshot", &words(&["/d"])),
            "DistributedFileSystem doesn't support createSnapshot"
        );
        assert_eq!(
            message("getfacl", &words(&["/d"])),
            "DistributedFileSystem doesn't support getAclStatus"
        );
        assert_eq!(
            message("setfacl", &words(&["-m", "user:a:rwx", "/d"])),
            "DistributedFileSystem doesn't support modifyAclEntries"
        );
        assert_eq!(
            message("setfacl", &words(&["--set", "user::rwx", "/d"])),
            "DistributedFileSystem doesn't support setAcl"
        );
        assert_eq!(
            message("getfattr", &words(&["-d", "/d"])),
            "DistributedFileSystem doesn't support getXAttrs"
        );
        assert_eq!(
            message("setfattr", &words(&["-x", "user.a", "/d"])),
            "DistributedFileSystem doesn't support removeXAttr"
        );
    }
}
