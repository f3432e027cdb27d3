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
\t[-help [cmd]]";

/// The subcommands Tusk has; `-help` is answered before any connection.
const KNOWN: &[&str] = &[
    "-report",
    "-safemode",
    "-saveNamespace",
    "-rollEdits",
    "-printTopology",
    "-refreshNodes",
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
