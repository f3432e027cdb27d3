//! `yarn applicationattempt -list APP | -status ATTEMPT` and `yarn container -list ATTEMPT |
//! -status CONTAINER`, with Hadoop's ApplicationCLI output.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;
use common::yarn::{ApplicationAttemptId, ContainerId};
use proto::yarn as pb;

const ATTEMPT_USAGE: &str = "usage: applicationattempt
 -list <Application ID>        List application attempts for application.
 -status <Application Attempt ID>  Prints the status of the application
                               attempt.";

const CONTAINER_USAGE: &str = "usage: container
 -list <Application Attempt ID>  List containers for application attempt.
 -status <Container ID>        Prints the status of the container.";

/// Which of the two commands runs.
#[derive(Clone, Copy)]
pub enum Subject {
    Attempt,
    Container,
}

/// Runs `yarn applicationattempt ARGS` or `yarn container ARGS`; returns the exit code.
pub async fn run(
    subject: Subject,
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let usage = match subject {
        Subject::Attempt => ATTEMPT_USAGE,
        Subject::Container => CONTAINER_USAGE,
    };
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (action, id) = match words.as_slice() {
        [action @ ("-list" | "-status"), id] => (*action, *id),
        _ => {
            let _ = writeln!(err, "{usage}");
            return crate::EXIT_USAGE;
        }
    };
    let client = or_exit!(YarnClient::from_conf(conf), err, "");
    let text = match (subject, action) {
        (Subject::Attempt, "-list") => list_attempts(&client, id).await,
        (Subject::Attempt, _) => attempt_status(&client, id).await,
        (Subject::Container, "-list") => list_containers(&client, id).await,
        (Subject::Container, _) => container_status(&client, id).await,
    };
    match text {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            0
        }
        Err(message) => {
            let _ = writeln!(err, "{message}");
            crate::EXIT_FAILURE
        }
    }
}

fn or_na(text: &str) -> &str {
    if text.is_empty() { "N/A" } else { text }
}

async fn list_attempts(client: &YarnClient, app: &str) -> Result<String, String> {
    let attempts = client
        .application_attempts(app)
        .await
        .map_err(|e| e.to_string())?;
    let mut text = format!("Total number of application attempts :{}\n", attempts.len());
    text.push_str(&format!(
        "{:>30}\t{:>20}\t{:>35}\t{:>35}\n",
        "ApplicationAttempt-Id", "State", "AM-Container-Id", "Tracking-URL"
    ));
    for attempt in attempts {
        text.push_str(&format!(
            "{:>30}\t{:>20}\t{:>35}\t{:>35}\n",
            attempt.attempt_id,
            attempt.state,
            or_na(&attempt.am_container_id),
            or_na(&attempt.tracking_url)
        ));
    }
    Ok(text)
}

/// The application an attempt or container id belongs to, and the attempt's own id.
fn parents(id: &str) -> Option<(String, String)> {
    let attempt = match id.parse::<ContainerId>() {
        Ok(container) => container.attempt,
        Err(_) => id.parse::<ApplicationAttemptId>().ok()?,
    };
    Some((attempt.application.to_string(), attempt.to_string()))
}

async fn attempt_status(client: &YarnClient, id: &str) -> Result<String, String> {
    let missing =
        || format!("Application Attempt with id '{id}' doesn't exist in RM or Timeline Server.");
    let (app, _) = parents(id).ok_or_else(missing)?;
    let attempts = client
        .application_attempts(&app)
        .await
        .map_err(|_| missing())?;
    let attempt = attempts
        .into_iter()
        .find(|attempt| attempt.attempt_id == id)
        .ok_or_else(missing)?;
    Ok(format!(
        "Application Attempt Report : \n\
         \tApplicationAttempt-Id : {}\n\
         \tState : {}\n\
         \tAMContainer : {}\n\
         \tTracking-URL : {}\n\
         \tRPC Port : {}\n\
         \tAM Host : {}\n\
         \tDiagnostics : {}\n",
        attempt.attempt_id,
        attempt.state,
        or_na(&attempt.am_container_id),
        or_na(&attempt.tracking_url),
        attempt.rpc_port,
        or_na(&attempt.host),
        attempt.diagnostics
    ))
}

async fn list_containers(client: &YarnClient, attempt: &str) -> Result<String, String> {
    let containers = client
        .containers(attempt)
        .await
        .map_err(|e| e.to_string())?;
    let mut text = format!("Total number of containers :{}\n", containers.len());
    text.push_str(&format!(
        "{:>30}\t{:>20}\t{:>20}\t{:>20}\t{:>20}\t{:>20}\t{:>35}\n",
        "Container-Id",
        "Start Time",
        "Finish Time",
        "State",
        "Host",
        "Node Http Address",
        "LOG-URL"
    ));
    for container in &containers {
        text.push_str(&format!(
            "{:>30}\t{:>20}\t{:>20}\t{:>20}\t{:>20}\t{:>20}\t{:>35}\n",
            container.container_id,
            time(container.start_time),
            time(container.finish_time),
            container.state,
            container.node_id,
            http(&container.node_http_address),
            container.log_url
        ));
    }
    Ok(text)
}

async fn container_status(client: &YarnClient, id: &str) -> Result<String, String> {
    let missing = || format!("Container with id '{id}' doesn't exist in RM or Timeline Server.");
    let (_, attempt) = parents(id).ok_or_else(missing)?;
    let containers = client.containers(&attempt).await.map_err(|_| missing())?;
    let container: pb::ContainerReport = containers
        .into_iter()
        .find(|container| container.container_id == id)
        .ok_or_else(missing)?;
    let resource = container.resource.unwrap_or_default();
    Ok(format!(
        "Container Report : \n\
         \tContainer-Id : {}\n\
         \tStart-Time : {}\n\
         \tFinish-Time : {}\n\
         \tState : {}\n\
         \tExecution-Type : GUARANTEED\n\
         \tLOG-URL : {}\n\
         \tHost : {}\n\
         \tNodeHttpAddress : {}\n\
         \tResource : <memory:{}, vCores:{}>\n\
         \tPriority : {}\n\
         \tDiagnostics : \n",
        container.container_id,
        container.start_time,
        container.finish_time,
        container.state,
        container.log_url,
        container.node_id,
        http(&container.node_http_address),
        resource.memory_mb,
        resource.vcores,
        container.priority
    ))
}

/// Hadoop's `Times.format`: a date, or N/A for 0.
fn time(millis: i64) -> String {
    if millis <= 0 {
        return "N/A".to_string();
    }
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|time| time.format("%a %b %d %H:%M:%S %z %Y").to_string())
        .unwrap_or_else(|| "N/A".to_string())
}

fn http(address: &str) -> String {
    if address.is_empty() || address.starts_with("http") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

#[cfg(test)]
mod tests {
    use super::parents;

    #[test]
    fn ids_lead_to_their_application_and_attempt() {
        assert_eq!(
            parents("container_1700000000000_0003_02_000001"),
            Some((
                "application_1700000000000_0003".to_string(),
                "appattempt_1700000000000_0003_000002".to_string()
            ))
        );
        assert_eq!(
            parents("appattempt_1700000000000_0003_000001").map(|(app, _)| app),
            Some("application_1700000000000_0003".to_string())
        );
        assert_eq!(parents("nonsense"), None);
    }
}
