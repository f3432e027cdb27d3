//! `yarn logs -applicationId APP | -containerId C [-log_files NAMES] [-appOwner U]`:
//! prints aggregated container logs from `yarn.nodemanager.remote-app-log-dir`,
//! all of an application's, or one container's, or some of its log files.

use std::io::Write;

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use common::conf::keys;
use common::yarn::{ApplicationId, ContainerId};

const USAGE: &str = "Retrieve logs for YARN applications.
usage: yarn logs -applicationId <application ID> [OPTIONS]

general options are:
 -appOwner <Application Owner>   AppOwner (assumed to be current user if
                                 not specified)
 -applicationId <Application ID> ApplicationId (required)
 -containerId <Container ID>     ContainerId. By default, it will print
                                 all available logs. Work with -log_files
                                 to get only specific logs.
 -help                           Displays help for all commands.
 -log_files <Log File Name>      Specify comma-separated value to get
                                 exact matched log files. Use \"ALL\" or \"*\"
                                 to fetch all the log files for the
                                 container.";

/// What to print: an application's logs, maybe one container's, maybe some files.
#[derive(Debug, Default, PartialEq)]
struct Request {
    application: Option<String>,
    container: Option<String>,
    log_files: Vec<String>,
    owner: Option<String>,
}

impl Request {
    /// The `[...]` pattern Hadoop names in its messages.
    fn pattern(&self) -> String {
        if self.log_files.is_empty() {
            "ALL".to_string()
        } else {
            self.log_files.join(", ")
        }
    }

    fn wants_file(&self, name: &str) -> bool {
        self.log_files.is_empty()
            || self
                .log_files
                .iter()
                .any(|wanted| wanted == name || wanted == "ALL" || wanted == "*")
    }
}

fn parse(args: &[String]) -> Option<Request> {
    let mut request = Request::default();
    let mut index = 0;
    while index < args.len() {
        let value = args.get(index + 1).cloned();
        match (args[index].as_str(), value) {
            ("-applicationId", Some(value)) => request.application = Some(value),
            ("-containerId", Some(value)) => request.container = Some(value),
            ("-log_files" | "-logFiles", Some(value)) => request
                .log_files
                .extend(value.split(',').map(|name| name.trim().to_string())),
            ("-appOwner", Some(value)) => request.owner = Some(value),
            _ => return None,
        }
        index += 2;
    }
    (request.application.is_some() || request.container.is_some()).then_some(request)
}

/// Runs `yarn logs ARGS` and returns the exit code.
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
    let Some(mut request) = parse(args) else {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    };
    if let Some(container) = &request.container {
        let Ok(container_id) = container.parse::<ContainerId>() else {
            let _ = writeln!(err, "Invalid ContainerId specified");
            return crate::EXIT_USAGE;
        };
        let owner = container_id.application().to_string();
        if request
            .application
            .as_ref()
            .is_some_and(|application| *application != owner)
        {
            let _ = writeln!(
                err,
                "The Application:{} does not have the container:{container}",
                request.application.as_deref().unwrap_or_default()
            );
            return crate::EXIT_USAGE;
        }
        request.application = Some(owner);
    }
    let id = request.application.clone().unwrap_or_default();
    if id.parse::<ApplicationId>().is_err() {
        let _ = writeln!(err, "Invalid ApplicationId specified");
        return crate::EXIT_USAGE;
    }
    match print_logs(conf, &id, &request, out).await {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            crate::EXIT_USAGE
        }
    }
}

/// `yarn logs -containerId CONTAINER`, for `mapred job -logs`: prints that
/// container's aggregated logs; the exit code.
pub async fn print_container_logs(
    conf: &Configuration,
    container: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let args = ["-containerId".to_string(), container.to_string()];
    run(conf, &args, out, err).await
}

async fn print_logs(
    conf: &Configuration,
    id: &str,
    request: &Request,
    out: &mut dyn Write,
) -> Result<(), String> {
    let yarn = YarnClient::from_conf(conf).map_err(|e| e.to_string())?;
    let report = yarn.application_report(id).await.ok();
    let user = request
        .owner
        .clone()
        .or_else(|| report.as_ref().map(|report| report.user.clone()))
        .unwrap_or_else(common::user::current_user);
    let remote = conf
        .get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR)
        .map_err(|e| e.to_string())?;
    let suffix = conf
        .get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR_SUFFIX)
        .map_err(|e| e.to_string())?;
    let dir = format!("{}/{user}/{suffix}/{id}", remote.trim_end_matches('/'));
    let dfs = DfsClient::from_conf(conf).map_err(|e| e.to_string())?;
    let pattern = request.pattern();
    let not_found = || {
        let finished = report.as_ref().is_some_and(|r| super::is_final(r.state));
        let subject = match &request.container {
            Some(container) => {
                format!("the container: {container} within the application: {id}")
            }
            None => format!("the application: {id}"),
        };
        let missing =
            format!("Can not find any log file matching the pattern: [{pattern}] for {subject}");
        if finished {
            format!("Log aggregation has not completed or is not enabled.\n{missing}")
        } else {
            missing
        }
    };
    let entries = match dfs.list(&dir).await {
        Ok(entries) if !entries.is_empty() => entries,
        _ => return Err(not_found()),
    };
    let mut printed = false;
    for entry in entries.iter().filter(|entry| !entry.is_dir) {
        let mut reader = dfs.open(&entry.path).await.map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| e.to_string())?;
        if request.container.is_none() && request.log_files.is_empty() {
            out.write_all(&bytes).map_err(|e| e.to_string())?;
            printed |= !bytes.is_empty();
            continue;
        }
        for section in sections(&bytes) {
            if request
                .container
                .as_ref()
                .is_some_and(|wanted| *wanted != section.container)
            {
                continue;
            }
            let files: Vec<&LogFile> = section
                .files
                .iter()
                .filter(|file| request.wants_file(&file.name))
                .collect();
            if files.is_empty() {
                continue;
            }
            out.write_all(&bytes[section.header.clone()])
                .map_err(|e| e.to_string())?;
            for file in files {
                out.write_all(&bytes[file.bytes.clone()])
                    .map_err(|e| e.to_string())?;
            }
            printed = true;
        }
    }
    if !printed {
        return Err(not_found());
    }
    Ok(())
}

/// One log file of a container in an aggregated file: its name and the
/// bytes of its whole block (header, contents, footer).
#[derive(Debug, PartialEq)]
struct LogFile {
    name: String,
    bytes: std::ops::Range<usize>,
}

/// One container's part of an aggregated file.
#[derive(Debug, PartialEq)]
struct Section {
    container: String,
    header: std::ops::Range<usize>,
    files: Vec<LogFile>,
}

/// Splits a node's aggregated log file (the NodeManager's layout:
/// `Container: C on N` headers, then per file `LogType:`, `LogLength:`,
/// `LogContents:`, exactly that many bytes and an `End of LogType:`
/// footer) into containers and files. A damaged tail is left out.
fn sections(bytes: &[u8]) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut position = 0;
    while position < bytes.len() {
        let Some((line, next)) = line_at(bytes, position) else {
            break;
        };
        if let Some(rest) = line.strip_prefix("Container: ") {
            let container = rest.split(' ').next().unwrap_or_default().to_string();
            // The container line, LogAggregationType and the rule of '='s.
            let mut end = next;
            for _ in 0..2 {
                match line_at(bytes, end) {
                    Some((_, after)) => end = after,
                    None => return sections,
                }
            }
            sections.push(Section {
                container,
                header: position..end,
                files: Vec::new(),
            });
            position = end;
        } else if let Some(name) = line.strip_prefix("LogType:") {
            let Some(end) = log_file_end(bytes, next) else {
                return sections;
            };
            if let Some(section) = sections.last_mut() {
                section.files.push(LogFile {
                    name: name.to_string(),
                    bytes: position..end,
                });
            }
            position = end;
        } else {
            position = next;
        }
    }
    sections
}

/// Where the file block whose `LogType:` line ended at `position` ends.
fn log_file_end(bytes: &[u8], mut position: usize) -> Option<usize> {
    let mut length = None;
    loop {
        let (line, next) = line_at(bytes, position)?;
        position = next;
        if let Some(value) = line.strip_prefix("LogLength:") {
            length = value.trim().parse::<usize>().ok();
        }
        if line == "LogContents:" {
            break;
        }
    }
    position = position.checked_add(length?)?;
    if position > bytes.len() {
        return None;
    }
    // "\nEnd of LogType:name\n", the rule of '*'s and an empty line.
    for _ in 0..4 {
        let (_, next) = line_at(bytes, position)?;
        position = next;
    }
    Some(position)
}

/// The line starting at `position` (without its newline) and where the next starts.
fn line_at(bytes: &[u8], position: usize) -> Option<(&str, usize)> {
    if position >= bytes.len() {
        return None;
    }
    let end = bytes[position..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |offset| position + offset);
    let line = std::str::from_utf8(&bytes[position..end]).unwrap_or_default();
    Some((line, (end + 1).min(bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, contents: &str) -> String {
        format!(
            "LogType:{name}\nLogLastModifiedTime:Tue Dec 08 01:00:00 +0000 2026\nLogLength:{}\nLogContents:\n{contents}\nEnd of LogType:{name}\n{}\n\n",
            contents.len(),
            "*".repeat(74)
        )
    }

    fn header(container: &str) -> String {
        format!(
            "Container: {container} on 127.0.0.1_4545\nLogAggregationType: AGGREGATED\n{}\n",
            "=".repeat(74)
        )
    }

    #[test]
    fn aggregated_files_split_into_containers_and_files() {
        let text = format!(
            "{}{}{}{}{}",
            header("container_1_0001_01_000001"),
            block("stderr", "LogType:fake\nline\n"),
            block("stdout", "hello"),
            header("container_1_0001_01_000002"),
            block("stdout", ""),
        );
        let found = sections(text.as_bytes());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].container, "container_1_0001_01_000001");
        let names: Vec<&str> = found[0].files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["stderr", "stdout"]);
        let stdout = &text[found[0].files[1].bytes.clone()];
        assert_eq!(stdout, block("stdout", "hello"));
        assert_eq!(
            &text[found[1].header.clone()],
            header("container_1_0001_01_000002")
        );
        assert_eq!(found[1].files.len(), 1);
    }

    #[test]
    fn options_parse_as_hadoops() {
        let args: Vec<String> = ["-containerId", "c", "-log_files", "stdout,stderr"]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        let request = parse(&args).unwrap();
        assert_eq!(request.container.as_deref(), Some("c"));
        assert!(request.wants_file("stderr") && !request.wants_file("syslog"));
        assert_eq!(request.pattern(), "stdout, stderr");
        assert!(parse(&["-bogus".to_string()]).is_none());
    }
}
