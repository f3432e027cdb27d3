//! `hdfs dfsadmin`: administration of the NameNode and a view of its DataNodes.

mod help;
mod report;

use std::io::Write;

use client::{DfsClient, RemoteException, SafeModeAction};
use common::Configuration;
use proto::hdfs::DatanodeReportType;

const USAGE: &str = "Usage: hdfs dfsadmin\n\
\t[-report [-live] [-dead] [-decommissioning]]\n\
\t[-safemode <enter | leave | get | wait>]\n\
\t[-saveNamespace]\n\
\t[-rollEdits]\n\
\t[-printTopology]\n\
\t[-refreshNodes]\n\
\t[-setQuota <quota> <dirname>...<dirname>]\n\
\t[-clrQuota <dirname>...<dirname>]\n\
\t[-setSpaceQuota <quota> [-storageType <storagetype>] <dirname>...<dirname>]\n\
\t[-clrSpaceQuota [-storageType <storagetype>] <dirname>...<dirname>]\n\
\t[-help [cmd]]";

/// The subcommands Tusk has; `-help` is answered before any connection.
const KNOWN: &[&str] = &[
    "-report",
    "-safemode",
    "-saveNamespace",
    "-rollEdits",
    "-printTopology",
    "-refreshNodes",
    "-setQuota",
    "-clrQuota",
    "-setSpaceQuota",
    "-clrSpaceQuota",
    "-help",
];

/// Runs `hdfs dfsadmin ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["-help"] | ["-help", _] => {
            let _ = write!(out, "{}", help::text(words.get(1).copied(), USAGE));
            return 0;
        }
        [command, ..] if !KNOWN.contains(command) => {
            // DFSAdmin.run's last branch: the command without its dash.
            let name = command.strip_prefix('-').unwrap_or(command);
            let _ = writeln!(err, "{name}: Unknown command");
            return usage(err);
        }
        [command, rest @ ..] if QuotaCommand::named(command).is_some() => {
            let Some(quota_command) = QuotaCommand::named(command) else {
                return usage(err);
            };
            return run_quota_command(conf, quota_command, rest, err).await;
        }
        _ => {}
    }
    let client = or_exit!(DfsClient::from_conf(conf), err, "dfsadmin: ");
    let (command, result) = match words.as_slice() {
        ["-safemode", action] => ("safemode", safe_mode(&client, action, out).await),
        ["-saveNamespace"] => ("saveNamespace", save_namespace(&client, out).await),
        ["-rollEdits"] => ("rollEdits", roll_edits(&client, out).await),
        ["-report", filters @ ..] => match ReportFilter::parse(filters) {
            Some(filter) => ("report", report(&client, filter, out).await),
            None => return usage(err),
        },
        ["-printTopology"] => ("printTopology", print_topology(&client, out).await),
        ["-refreshNodes"] => ("refreshNodes", refresh_nodes(&client, out).await),
        _ => return usage(err),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(err, "{command}: {error}");
            crate::EXIT_USAGE
        }
    }
}

/// The quota subcommands (Hadoop's `SetQuotaCommand` and friends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuotaCommand {
    SetNames,
    ClearNames,
    SetSpace,
    ClearSpace,
}

/// The storage types Hadoop's `-storageType` names (`StorageType.getTypesSupportingQuota`).
const QUOTA_STORAGE_TYPES: &[&str] = &["RAM_DISK", "SSD", "DISK", "ARCHIVE", "PROVIDED", "NVDIMM"];

impl QuotaCommand {
    fn named(command: &str) -> Option<Self> {
        match command {
            "-setQuota" => Some(Self::SetNames),
            "-clrQuota" => Some(Self::ClearNames),
            "-setSpaceQuota" => Some(Self::SetSpace),
            "-clrSpaceQuota" => Some(Self::ClearSpace),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::SetNames => "setQuota",
            Self::ClearNames => "clrQuota",
            Self::SetSpace => "setSpaceQuota",
            Self::ClearSpace => "clrSpaceQuota",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Self::SetNames => "-setQuota <quota> <dirname>...<dirname>",
            Self::ClearNames => "-clrQuota <dirname>...<dirname>",
            Self::SetSpace => {
                "-setSpaceQuota <quota> [-storageType <storagetype>] <dirname>...<dirname>"
            }
            Self::ClearSpace => "-clrSpaceQuota [-storageType <storagetype>] <dirname>...<dirname>",
        }
    }

    fn takes_quota(self) -> bool {
        matches!(self, Self::SetNames | Self::SetSpace)
    }

    fn takes_storage_type(self) -> bool {
        matches!(self, Self::SetSpace | Self::ClearSpace)
    }
}

/// What a quota subcommand asks of each directory: (namespace quota, space quota,
/// storage type), in Hadoop's values (`-1` clears, `i64::MAX` keeps).
type QuotaRequest = (i64, i64, Option<String>);

/// Parses a quota subcommand's arguments as `DFSAdmin` does; `Err` is the message of the
/// `IllegalArgumentException` Hadoop prints before the command's usage.
fn parse_quota_arguments(
    command: QuotaCommand,
    args: &[&str],
) -> Result<(QuotaRequest, Vec<String>), String> {
    let mut args: Vec<&str> = args.to_vec();
    let mut quota = None;
    if command.takes_quota() {
        let text = args.remove(0).trim();
        let parsed = common::units::string_to_long(text);
        quota = Some(match (command, parsed) {
            (_, Ok(quota)) => quota,
            (QuotaCommand::SetSpace, Err(message)) if message.starts_with("For input") => {
                return Err(format!("\"{text}\" is not a valid value for a quota."));
            }
            (_, Err(message)) => return Err(message),
        });
    }
    let mut storage_type = None;
    if command.takes_storage_type()
        && let Some(at) = args.iter().position(|arg| *arg == "-storageType")
        && at + 1 < args.len()
    {
        let name = args.remove(at + 1);
        args.remove(at);
        let known = QUOTA_STORAGE_TYPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(name));
        let Some(known) = known else {
            return Err(format!(
                "Storage type {name} is not available. Available storage types are [{}]",
                QUOTA_STORAGE_TYPES.join(", ")
            ));
        };
        storage_type = Some(known.to_string());
    }
    const KEEP: i64 = i64::MAX;
    const CLEAR: i64 = -1;
    let (namespace_quota, space_quota) = match command {
        QuotaCommand::SetNames => (quota.unwrap_or(KEEP), KEEP),
        QuotaCommand::ClearNames => (CLEAR, KEEP),
        QuotaCommand::SetSpace => (KEEP, quota.unwrap_or(KEEP)),
        QuotaCommand::ClearSpace => (KEEP, CLEAR),
    };
    // DFSClient.setQuota's own check of the values.
    let invalid = |quota: i64, least: i64| quota < least && quota != KEEP && quota != CLEAR;
    if invalid(namespace_quota, 1) || invalid(space_quota, 0) {
        return Err(format!(
            "Invalid values for quota : {namespace_quota} and {space_quota}"
        ));
    }
    let dirs = args.into_iter().map(str::to_string).collect();
    Ok(((namespace_quota, space_quota, storage_type), dirs))
}

/// `-setQuota`, `-clrQuota`, `-setSpaceQuota`, `-clrSpaceQuota`: each directory in turn, an
/// error line per failing one (`setQuota: <reason>`), exit 255 if any failed.
async fn run_quota_command(
    conf: &Configuration,
    command: QuotaCommand,
    args: &[&str],
    err: &mut dyn Write,
) -> i32 {
    let least_words = if command.takes_quota() { 2 } else { 1 };
    let command_usage = |err: &mut dyn Write| {
        let _ = writeln!(err, "Usage: hdfs dfsadmin [{}]", command.usage());
        crate::EXIT_USAGE
    };
    if args.len() < least_words {
        return command_usage(err);
    }
    let ((namespace_quota, space_quota, storage_type), dirs) =
        match parse_quota_arguments(command, args) {
            Ok(parsed) => parsed,
            Err(message) => {
                let _ = writeln!(err, "{}: {message}", command.name());
                return command_usage(err);
            }
        };
    let client = or_exit!(DfsClient::from_conf(conf), err, "dfsadmin: ");
    let mut failed = false;
    for dir in &dirs {
        let result = async {
            // Hadoop expands each argument as a glob first: a missing path fails there.
            if client.get_file_info(dir).await?.is_none() {
                return Err(RemoteException::not_found(dir));
            }
            client
                .set_quota(dir, namespace_quota, space_quota, storage_type.as_deref())
                .await
        }
        .await;
        if let Err(error) = result {
            failed = true;
            let first_line = error.message.lines().next().unwrap_or_default();
            let _ = writeln!(err, "{}: {first_line}", command.name());
        }
    }
    if failed { crate::EXIT_USAGE } else { 0 }
}

fn usage(err: &mut dyn Write) -> i32 {
    let _ = writeln!(err, "{USAGE}");
    crate::EXIT_USAGE
}

async fn safe_mode(
    client: &DfsClient,
    action_name: &str,
    out: &mut dyn Write,
) -> Result<(), RemoteException> {
    let action = match action_name {
        "enter" => SafeModeAction::Enter,
        "leave" => SafeModeAction::Leave,
        "get" | "wait" => SafeModeAction::Get,
        other => {
            return Err(RemoteException::illegal_argument(format!(
                "unknown safemode action '{other}' (expected enter, leave, get or wait)"
            )));
        }
    };
    let mut on = client.set_safe_mode(action).await?;
    while on && action_name == "wait" {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        on = client.set_safe_mode(SafeModeAction::Get).await?;
    }
    let _ = writeln!(out, "Safe mode is {}", if on { "ON" } else { "OFF" });
    Ok(())
}

async fn save_namespace(client: &DfsClient, out: &mut dyn Write) -> Result<(), RemoteException> {
    client.save_namespace().await?;
    let _ = writeln!(out, "Save namespace successful");
    Ok(())
}

async fn refresh_nodes(client: &DfsClient, out: &mut dyn Write) -> Result<(), RemoteException> {
    client.refresh_nodes().await?;
    let _ = writeln!(out, "Refresh nodes successful");
    Ok(())
}

async fn roll_edits(client: &DfsClient, out: &mut dyn Write) -> Result<(), RemoteException> {
    let txid = client.roll_edits().await?;
    let _ = writeln!(
        out,
        "Successfully rolled edit logs.\nNew segment starts at txid {txid}"
    );
    Ok(())
}

/// Which DataNodes `-report` lists: all kinds when no filter is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ReportFilter {
    live: bool,
    dead: bool,
    decommissioning: bool,
}

impl ReportFilter {
    /// `-live`, `-dead` and `-decommissioning`, in any order; `None` for anything else.
    fn parse(words: &[&str]) -> Option<Self> {
        let mut filter = Self::default();
        for word in words {
            match *word {
                "-live" => filter.live = true,
                "-dead" => filter.dead = true,
                "-decommissioning" => filter.decommissioning = true,
                _ => return None,
            }
        }
        Some(filter)
    }

    /// The sections to print: (title, kind of node, whether asked for explicitly).
    fn sections(self) -> Vec<(&'static str, DatanodeReportType, bool)> {
        let all = self == Self::default();
        let candidates = [
            ("Live", DatanodeReportType::Live, self.live),
            ("Dead", DatanodeReportType::Dead, self.dead),
            (
                "Decommissioning",
                DatanodeReportType::Decommissioning,
                self.decommissioning,
            ),
        ];
        candidates
            .into_iter()
            .filter(|(_, _, asked_for)| all || *asked_for)
            .collect()
    }
}

async fn report(
    client: &DfsClient,
    filter: ReportFilter,
    out: &mut dyn Write,
) -> Result<(), RemoteException> {
    let stats = client.fs_stats().await?;
    let safe_mode = client.set_safe_mode(SafeModeAction::Get).await?;
    let mut text = report::cluster_summary(&stats, safe_mode);
    for (state, kind, asked_for) in filter.sections() {
        let nodes = client.datanode_report(kind).await?;
        text.push_str(&report::node_section(state, &nodes, asked_for));
    }
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

async fn print_topology(client: &DfsClient, out: &mut dyn Write) -> Result<(), RemoteException> {
    let nodes = client.datanode_report(DatanodeReportType::All).await?;
    let _ = out.write_all(report::topology(&nodes).as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_filters_choose_sections() {
        let all = ReportFilter::parse(&[]).unwrap();
        let titles: Vec<_> = all
            .sections()
            .into_iter()
            .map(|(title, _, asked)| (title, asked))
            .collect();
        assert_eq!(
            titles,
            [("Live", false), ("Dead", false), ("Decommissioning", false)]
        );
        let dead = ReportFilter::parse(&["-dead"]).unwrap();
        let sections = dead.sections();
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0], ("Dead", DatanodeReportType::Dead, true));
        assert_eq!(ReportFilter::parse(&["-live", "-x"]), None);
    }

    #[tokio::test]
    async fn help_and_unknown_commands_need_no_namenode() {
        let mut conf = Configuration::new();
        conf.set("fs.defaultFS", "hdfs://127.0.0.1:1");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = vec!["-help".to_string(), "rollEdits".to_string()];
        assert_eq!(run(&conf, &args, &mut out, &mut err).await, 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-rollEdits:\tRolls the edit log.\n"
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = vec!["-bogus".to_string()];
        assert_eq!(run(&conf, &args, &mut out, &mut err).await, 255);
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.starts_with("bogus: Unknown command\nUsage: hdfs dfsadmin\n"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn bad_arguments_print_the_usage() {
        let mut conf = Configuration::new();
        conf.set("fs.defaultFS", "hdfs://127.0.0.1:1");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = vec!["-report".to_string(), "-bogus".to_string()];
        assert_eq!(run(&conf, &args, &mut out, &mut err).await, 255);
        assert!(
            String::from_utf8(err)
                .unwrap()
                .starts_with("Usage: hdfs dfsadmin\n")
        );
        assert!(out.is_empty());
    }
}
