//! `hdfs dfsadmin -help [cmd]`: Hadoop's help text (`DFSAdmin.printHelp`)
//! for the subcommands Tusk has, with the options Tusk has.

const SUMMARY: &str = "hdfs dfsadmin performs DFS administrative commands.\n\
Note: Administrative commands can only be run with superuser permission.\n\
The full syntax is: \n\n";

/// Each subcommand (without its dash) and its help, in Hadoop's words.
const COMMANDS: &[(&str, &str)] = &[
    (
        "report",
        "-report [-live] [-dead] [-decommissioning]:\n\
\tReports basic filesystem information and statistics. \n\
\tThe dfs usage can be different from \"du\" usage, because it\n\
\tmeasures raw space used by replication, checksums, snapshots\n\
\tand etc. on all the DNs.\n\
\tOptional flags may be used to filter the list of displayed DNs.\n",
    ),
    (
        "safemode",
        "-safemode <enter|leave|get|wait>:  Safe mode maintenance command.\n\
\t\tSafe mode is a Namenode state in which it\n\
\t\t\t1.  does not accept changes to the name space (read-only)\n\
\t\t\t2.  does not replicate or delete blocks.\n\
\t\tSafe mode is entered automatically at Namenode startup, and\n\
\t\tleaves safe mode automatically when the configured minimum\n\
\t\tpercentage of blocks satisfies the minimum replication\n\
\t\tcondition.  Safe mode can also be entered manually, but then\n\
\t\tit can only be turned off manually as well.\n",
    ),
    (
        "saveNamespace",
        "-saveNamespace:\tSave current namespace into storage directories and reset edits log.\n\
\t\tRequires safe mode.\n",
    ),
    ("rollEdits", "-rollEdits:\tRolls the edit log.\n"),
    (
        "refreshNodes",
        "-refreshNodes: \tUpdates the namenode with the set of datanodes allowed to connect to the namenode.\n\n\
\t\tNamenode re-reads datanode hostnames from the file defined by \n\
\t\tdfs.hosts, dfs.hosts.exclude configuration parameters.\n\
\t\tHosts defined in dfs.hosts are the datanodes that are part of \n\
\t\tthe cluster. If the dfs.hosts list is empty, all hosts are \n\
\t\tpermitted.\n\
\t\tdfs.hosts.exclude: Hosts defined in dfs.hosts.exclude are \n\
\t\tdatanodes that need to be decommissioned. \n\
\t\tDatanodes complete decommissioning when \n\
\t\tall the replicas from them are replicated to other datanodes.\n\
\t\tDecommissioned nodes are not automatically shutdown and \n\
\t\tare not chosen for writing new replicas.\n",
    ),
    (
        "setQuota",
        "-setQuota <quota> <dirname>...<dirname>: Set the quota <quota> for each directory <dirName>.\n\
\t\tThe directory quota is a long integer that puts a hard limit\n\
\t\ton the number of names in the directory tree\n\
\t\tFor each directory, attempt to set the quota. An error will be reported if\n\
\t\t1. quota is not a positive integer, or\n\
\t\t2. User is not an administrator, or\n\
\t\t3. The directory does not exist or is a file.\n\
\t\tNote: A quota of 1 would force the directory to remain empty.\n\n",
    ),
    (
        "clrQuota",
        "-clrQuota <dirname>...<dirname>: Clear the quota for each directory <dirName>.\n\
\t\tFor each directory, attempt to clear the quota. An error will be reported if\n\
\t\t1. the directory does not exist or is a file, or\n\
\t\t2. user is not an administrator.\n\
\t\tIt does not fault if the directory has no quota.\n",
    ),
    (
        "setSpaceQuota",
        "-setSpaceQuota <quota> [-storageType <storagetype>] <dirname>...<dirname>: \
Set the space quota <quota> for each directory <dirName>.\n\
\t\tThe space quota is a long integer that puts a hard limit\n\
\t\ton the total size of all the files under the directory tree.\n\
\t\tThe extra space required for replication is also counted. E.g.\n\
\t\ta 1GB file with replication of 3 consumes 3GB of the quota.\n\n\
\t\tQuota can also be specified with a binary prefix for terabytes,\n\
\t\tpetabytes etc (e.g. 50t is 50TB, 5m is 5MB, 3p is 3PB).\n\
\t\tFor each directory, attempt to set the quota. An error will be reported if\n\
\t\t1. quota is not a positive integer or zero, or\n\
\t\t2. user is not an administrator, or\n\
\t\t3. the directory does not exist or is a file.\n\
\t\tThe storage type specific quota is set when -storageType option is specified.\n\
\t\tAvailable storageTypes are \n\
\t\t- RAM_DISK\n\
\t\t- DISK\n\
\t\t- SSD\n\
\t\t- ARCHIVE\n",
    ),
    (
        "clrSpaceQuota",
        "-clrSpaceQuota [-storageType <storagetype>] <dirname>...<dirname>: \
Clear the space quota for each directory <dirName>.\n\
\t\tFor each directory, attempt to clear the quota. An error will be reported if\n\
\t\t1. the directory does not exist or is a file, or\n\
\t\t2. user is not an administrator.\n\
\t\tIt does not fault if the directory has no quota.\n\
\t\tThe storage type specific quota is cleared when -storageType option is specified.\n\
\t\tAvailable storageTypes are \n\
\t\t- RAM_DISK\n\
\t\t- DISK\n\
\t\t- SSD\n\
\t\t- ARCHIVE\n",
    ),
    (
        "printTopology",
        "-printTopology: Print a tree of the racks and their\n\
\t\tnodes as reported by the Namenode\n",
    ),
    (
        "help",
        "-help [cmd]: \tDisplays help for the given command or all commands if none\n\
\t\tis specified.\n",
    ),
];

/// The help for `command` (with or without its dash); for none or one
/// Tusk does not have, Hadoop's summary, the usage and every command's help.
pub fn text(command: Option<&str>, usage: &str) -> String {
    let wanted = command.map(|command| command.trim_start_matches('-'));
    if let Some((_, help)) = COMMANDS.iter().find(|(name, _)| Some(*name) == wanted) {
        return (*help).to_string();
    }
    let syntax = usage.trim_start_matches("Usage: ");
    let mut text = format!("{SUMMARY}{syntax}\n\n");
    for (_, help) in COMMANDS {
        text.push_str(help);
        text.push('\n');
    }
    text
}
