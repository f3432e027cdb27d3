//! `yarn top [-queues Q] [-users U] [-types T] [-rows N] [-delay S]`: Hadoop's
//! TopCLI screen, the cluster's header lines then a row per live application.
//! On a terminal the screen is redrawn every `-delay` seconds until Ctrl-C;
//! otherwise (a pipe, a file) it is printed once.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use client::yarn::YarnClient;
use common::Configuration;
use proto::yarn as pb;

const USAGE: &str = "usage: yarn top
 -cols <Cols>     Number of columns on the terminal
 -delay <Delay>   The refresh delay(in seconds), default is 3 seconds
 -help            Print usage; for help while the tool is running press 'h'
                  + Enter
 -queues <Queues> Comma separated list of queues to restrict applications
 -rows <Rows>     Number of rows on the terminal
 -types <Types>   Comma separated list of types to restrict applications,
                  case sensitive(though the display is lower case)
 -users <Users>   Comma separated list of users to restrict applications";

/// What `yarn top` shows and how often.
#[derive(Debug, PartialEq)]
struct Options {
    queues: Vec<String>,
    users: Vec<String>,
    types: Vec<String>,
    rows: Option<usize>,
    delay: Duration,
}

fn parse(args: &[String]) -> Option<Options> {
    let mut options = Options {
        queues: Vec::new(),
        users: Vec::new(),
        types: Vec::new(),
        rows: None,
        delay: Duration::from_secs(3),
    };
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(|item| item.trim().to_string())
            .filter(|item| !item.is_empty())
            .collect()
    };
    let mut index = 0;
    while index < args.len() {
        let value = args.get(index + 1)?;
        match args[index].as_str() {
            "-queues" => options.queues = list(value),
            "-users" => options.users = list(value),
            "-types" => options.types = list(value),
            "-rows" => options.rows = Some(value.parse().ok()?),
            "-cols" => {
                value.parse::<usize>().ok()?;
            }
            "-delay" => options.delay = Duration::from_secs(value.parse().ok()?),
            _ => return None,
        }
        index += 2;
    }
    Some(options)
}

/// Runs `yarn top ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if args.iter().any(|arg| arg == "-help") {
        let _ = writeln!(out, "{USAGE}");
        return 0;
    }
    let Some(options) = parse(args) else {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    };
    let client = or_exit!(YarnClient::from_conf(conf), err, "");
    let redraw = std::io::stdout().is_terminal();
    loop {
        let screen = match screen(&client, &options).await {
            Ok(screen) => screen,
            Err(message) => {
                let _ = writeln!(err, "{message}");
                return crate::EXIT_FAILURE;
            }
        };
        if redraw {
            // Clear the terminal and home the cursor, as top does.
            let _ = write!(out, "\x1b[2J\x1b[H");
        }
        let _ = write!(out, "{screen}");
        let _ = out.flush();
        if !redraw {
            return 0;
        }
        tokio::time::sleep(options.delay).await;
    }
}

/// One screen: the header lines, an empty line, the column titles, the rows.
async fn screen(client: &YarnClient, options: &Options) -> Result<String, String> {
    let metrics = client.cluster_metrics().await.map_err(|e| e.to_string())?;
    let nodes = client.nodes(&[]).await.map_err(|e| e.to_string())?;
    let apps = client
        .applications(pb::GetApplicationsRequest::default())
        .await
        .map_err(|e| e.to_string())?;
    let now = common::time::now_millis();
    let apps: Vec<pb::ApplicationReport> = apps
        .into_iter()
        .filter(|app| options.queues.is_empty() || options.queues.contains(&app.queue))
        .filter(|app| options.users.is_empty() || options.users.contains(&app.user))
        .filter(|app| options.types.is_empty() || options.types.contains(&app.application_type))
        .collect();
    let mut text = header(&metrics, &nodes, &apps, options, now);
    text.push('\n');
    let mut live: Vec<&pb::ApplicationReport> = apps
        .iter()
        .filter(|app| !super::is_final(app.state))
        .collect();
    live.sort_by(|a, b| b.application_id.cmp(&a.application_id));
    let id_width = live
        .iter()
        .map(|app| app.application_id.len())
        .max()
        .unwrap_or(0)
        .max("APPLICATIONID".len())
        + 1;
    text.push_str(&row(
        id_width,
        [
            "APPLICATIONID",
            "USER",
            "TYPE",
            "QUEUE",
            "#CONT",
            "#RCONT",
            "VCORES",
            "RVCORES",
            "MEM",
            "RMEM",
            "VCORESECS",
            "MEMSECS",
            "%PROGR",
            "TIME",
            "NAME",
        ]
        .map(str::to_string),
    ));
    let shown = options.rows.map_or(live.len(), |rows| rows.min(live.len()));
    for app in &live[..shown] {
        let used = app.used_resources.unwrap_or_default();
        let elapsed_seconds = (now - app.start_time).max(0) / 1000;
        text.push_str(&row(
            id_width,
            [
                app.application_id.clone(),
                app.user.clone(),
                app.application_type.to_lowercase(),
                app.queue.clone(),
                app.running_containers.to_string(),
                "0".to_string(),
                used.vcores.to_string(),
                "0".to_string(),
                format!("{}G", used.memory_mb / 1024),
                "0G".to_string(),
                app.vcore_seconds.to_string(),
                app.memory_seconds.to_string(),
                format!("{:.2}", app.progress * 100.0),
                format!(
                    "{:02}:{:02}:{:02}",
                    elapsed_seconds / 3600,
                    elapsed_seconds / 60 % 60,
                    elapsed_seconds % 60
                ),
                app.name.clone(),
            ],
        ));
    }
    Ok(text)
}

/// TopCLI's six header lines.
fn header(
    metrics: &pb::GetClusterMetricsResponse,
    nodes: &[pb::NodeReport],
    apps: &[pb::ApplicationReport],
    options: &Options,
    now: i64,
) -> String {
    use pb::YarnApplicationState as State;
    let count_nodes = |state: pb::NodeState| {
        nodes
            .iter()
            .filter(|node| node.state == state as i32)
            .count()
    };
    let count_apps = |states: &[State]| {
        apps.iter()
            .filter(|app| states.iter().any(|state| app.state == *state as i32))
            .count()
    };
    let running = count_apps(&[State::Running]);
    let pending = count_apps(&[
        State::New,
        State::NewSaving,
        State::Submitted,
        State::Accepted,
    ]);
    let killed = count_apps(&[State::Killed]);
    let failed = count_apps(&[State::Failed]);
    let completed = count_apps(&[State::Finished]) + killed + failed;
    let mut users: Vec<&str> = apps
        .iter()
        .filter(|app| app.state == State::Running as i32)
        .map(|app| app.user.as_str())
        .collect();
    users.sort_unstable();
    users.dedup();
    let (total, used) = (
        metrics.total.unwrap_or_default(),
        metrics.used.unwrap_or_default(),
    );
    let containers: i32 = apps
        .iter()
        .filter(|app| !super::is_final(app.state))
        .map(|app| app.running_containers)
        .sum();
    let uptime_minutes = (now - metrics.rm_start_time).max(0) / 60_000;
    let clock = chrono::Local::now().format("%H:%M:%S");
    let queues = if options.queues.is_empty() {
        "root".to_string()
    } else {
        options.queues.join(", ")
    };
    format!(
        "YARN top - {clock}, up {}d, {}:{:02}, {} active users, queue(s): {queues}\n\
         NodeManager(s): {} total, {} active, {} unhealthy, {} decommissioned, {} lost, 0 rebooted\n\
         Queue(s) Applications: {running} running, {} submitted, {pending} pending, {completed} completed, {killed} killed, {failed} failed\n\
         Queue(s) Mem(GB): {} available, {} allocated, 0 pending, 0 reserved\n\
         Queue(s) VCores: {} available, {} allocated, 0 pending, 0 reserved\n\
         Queue(s) Containers: {containers} allocated, 0 pending, 0 reserved\n",
        uptime_minutes / (24 * 60),
        uptime_minutes / 60 % 24,
        uptime_minutes % 60,
        users.len(),
        nodes.len(),
        count_nodes(pb::NodeState::NodeRunning),
        count_nodes(pb::NodeState::NodeUnhealthy),
        count_nodes(pb::NodeState::NodeDecommissioned),
        count_nodes(pb::NodeState::NodeLost),
        apps.len(),
        (total.memory_mb - used.memory_mb).max(0) / 1024,
        used.memory_mb / 1024,
        (total.vcores - used.vcores).max(0),
        used.vcores,
    )
}

/// One line of the table, in TopCLI's column widths.
fn row(id_width: usize, cells: [String; 15]) -> String {
    let [
        id,
        user,
        kind,
        queue,
        containers,
        reserved,
        vcores,
        rvcores,
        memory,
        rmemory,
        vcore_seconds,
        memory_seconds,
        progress,
        time,
        name,
    ] = cells;
    format!(
        "{id:>id_width$} {user:<15} {kind:>5} {queue:>10} {containers:>7} {reserved:>7} {vcores:>7} {rvcores:>7} {memory:>7} {rmemory:>7} {vcore_seconds:>10} {memory_seconds:>10} {progress:>6} {time:>10} {name}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up_as_toptcli_prints_them() {
        let line = row(
            31,
            [
                "application_1490377567345_0007",
                "hive",
                "spark",
                "thriftsvr",
                "1",
                "0",
                "1",
                "0",
                "1G",
                "0G",
                "1628407",
                "2442611",
                "10.00",
                "18:20:20",
                "Thrift JDBC/ODBC Server",
            ]
            .map(str::to_string),
        );
        assert_eq!(
            line,
            " application_1490377567345_0007 hive            spark  thriftsvr       1       0       1       0      1G      0G    1628407    2442611  10.00   18:20:20 Thrift JDBC/ODBC Server\n"
        );
    }

    #[test]
    fn options_parse() {
        let args: Vec<String> = ["-rows", "5", "-queues", "a,b"]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        let options = parse(&args).unwrap();
        assert_eq!(options.rows, Some(5));
        assert_eq!(options.queues, ["a", "b"]);
        assert!(parse(&["-rows".to_string()]).is_none());
        assert!(parse(&["-bogus".to_string(), "1".to_string()]).is_none());
    }
}
