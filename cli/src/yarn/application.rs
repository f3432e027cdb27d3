//! `yarn application -list [-appStates S] [-appTypes T] [-appTags T] | -status ID | -kill ID
//! | -movetoqueue ID -queue Q | -appId ID -changeQueue Q | -appId ID -updatePriority P`
//! with Hadoop's ApplicationCLI output.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;
use proto::yarn as pb;

use super::{final_status_name, parse_state, state_name};

const USAGE: &str = "usage: application
 -appId <Application ID>  Specify Application Id to be operated
 -appStates <States>   Works with -list to filter applications based on
                       input comma-separated list of application states.
 -appTags <Tags>       Works with -list to filter applications based on
                       input comma-separated list of application tags.
 -appTypes <Types>     Works with -list to filter applications based on
                       input comma-separated list of application types.
 -changeQueue <Queue Name>  Moves application to a new queue. ApplicationId
                       can be passed using 'appId' option.
 -kill <Application ID>  Kills the application.
 -list                 List applications.
 -movetoqueue <Application ID>  Moves the application to a different
                       queue. Deprecated command. Use 'changeQueue'
                       instead.
 -queue <Queue Name>   Works with the movetoqueue command to specify
                       which queue to move an application to.
 -status <Application ID>  Prints the status of the application.
 -updatePriority <Priority>  update priority of an application.
                       ApplicationId can be passed using 'appId' option.";

/// Runs `yarn application ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let client = or_exit!(YarnClient::from_conf(conf), err, "");
    let mut states: Vec<String> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut action = None;
    let mut app_id: Option<String> = None;
    let mut queue: Option<String> = None;
    let mut priority: Option<String> = None;
    let mut index = 0;
    while index < args.len() {
        let value = args.get(index + 1).cloned();
        match (args[index].as_str(), value) {
            ("-list", _) => action = Some(("list", String::new())),
            ("-appStates", Some(value)) => {
                states.extend(value.split(',').map(|s| s.trim().to_string()));
                index += 1;
            }
            ("-appTypes", Some(value)) => {
                types.extend(value.split(',').map(|s| s.trim().to_string()));
                index += 1;
            }
            ("-appTags", Some(value)) => {
                tags.extend(value.split(',').map(|s| s.trim().to_string()));
                index += 1;
            }
            ("-status", Some(id)) => {
                action = Some(("status", id));
                index += 1;
            }
            ("-kill", Some(id)) => {
                action = Some(("kill", id));
                index += 1;
            }
            ("-movetoqueue", Some(id)) => {
                action = Some(("move", id));
                index += 1;
            }
            ("-changeQueue", Some(name)) => {
                action = Some(("move", String::new()));
                queue = Some(name);
                index += 1;
            }
            ("-queue", Some(name)) => {
                queue = Some(name);
                index += 1;
            }
            ("-appId", Some(id)) => {
                app_id = Some(id);
                index += 1;
            }
            ("-updatePriority", Some(value)) => {
                action = Some(("priority", String::new()));
                priority = Some(value);
                index += 1;
            }
            _ => {
                let _ = writeln!(err, "{USAGE}");
                return crate::EXIT_USAGE;
            }
        }
        index += 1;
    }
    let result = match action {
        Some(("list", _)) => list(&client, &states, &types, &tags, out, err).await,
        Some(("status", id)) => status(&client, &id, out).await,
        Some(("kill", id)) => kill(&client, &id, out).await,
        Some(("move", id)) => {
            let Some((id, queue)) = app_id.or(Some(id)).filter(|id| !id.is_empty()).zip(queue)
            else {
                let _ = writeln!(err, "{USAGE}");
                return crate::EXIT_USAGE;
            };
            move_to_queue(&client, &id, &queue, out).await
        }
        Some(("priority", _)) => {
            let Some(id) = app_id else {
                let _ = writeln!(err, "{USAGE}");
                return crate::EXIT_USAGE;
            };
            let priority = priority.unwrap_or_default();
            let Ok(priority) = priority.trim().parse::<i32>() else {
                let _ = writeln!(err, "For input string: \"{priority}\"");
                return crate::EXIT_USAGE;
            };
            update_priority(&client, &id, priority, out).await
        }
        _ => {
            let _ = writeln!(err, "{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            crate::EXIT_FAILURE
        }
    }
}

async fn list(
    client: &YarnClient,
    states: &[String],
    types: &[String],
    tags: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, String> {
    let all = states.iter().any(|state| state.eq_ignore_ascii_case("ALL"));
    let mut wanted = Vec::new();
    if states.is_empty() {
        wanted = vec![
            pb::YarnApplicationState::Submitted,
            pb::YarnApplicationState::Accepted,
            pb::YarnApplicationState::Running,
        ];
    } else if !all {
        for name in states {
            match parse_state(name) {
                Some(state) => wanted.push(state),
                None => {
                    let _ = writeln!(
                        err,
                        "The application state {name} is invalid.\nThe valid application state can be one of the following: ALL,NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING,FINISHED,FAILED,KILLED"
                    );
                    return Ok(crate::EXIT_USAGE);
                }
            }
        }
    }
    let filter = pb::GetApplicationsRequest {
        states: wanted.iter().map(|state| *state as i32).collect(),
        application_types: types.to_vec(),
        ..Default::default()
    };
    let mut apps = client
        .applications(filter)
        .await
        .map_err(|e| e.to_string())?;
    // As Hadoop's RM filters: an application with any of the tags.
    if !tags.is_empty() {
        apps.retain(|app| app.application_tags.iter().any(|tag| tags.contains(tag)));
    }
    let state_list = if all {
        "NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED".to_string()
    } else {
        wanted
            .iter()
            .map(|state| state_name(*state as i32))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "Total number of applications (application-types: [{}], states: [{state_list}] and tags: [{}]):{}",
        types.join(", "),
        tags.join(", "),
        apps.len()
    )
    .map_err(|e| e.to_string())?;
    writeln!(
        out,
        "{:>30}\t{:>20}\t{:>20}\t{:>10}\t{:>10}\t{:>18}\t{:>18}\t{:>15}\t{:>35}",
        "Application-Id",
        "Application-Name",
        "Application-Type",
        "User",
        "Queue",
        "State",
        "Final-State",
        "Progress",
        "Tracking-URL"
    )
    .map_err(|e| e.to_string())?;
    for app in apps {
        let tracking = if app.tracking_url.is_empty() {
            "N/A".to_string()
        } else {
            app.tracking_url.clone()
        };
        writeln!(
            out,
            "{:>30}\t{:>20}\t{:>20}\t{:>10}\t{:>10}\t{:>18}\t{:>18}\t{:>15}\t{:>35}",
            app.application_id,
            app.name,
            app.application_type,
            app.user,
            app.queue,
            state_name(app.state),
            final_status_name(app.final_status),
            format!("{}%", (app.progress * 100.0).round() as i64),
            tracking
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(0)
}

async fn status(client: &YarnClient, id: &str, out: &mut dyn Write) -> Result<i32, String> {
    let app = client
        .application_report(id)
        .await
        .map_err(|e| e.to_string())?;
    let rpc_port = if app.rpc_port > 0 { app.rpc_port } else { -1 };
    // Hadoop's RM gives every application a LIFETIME timeout, unlimited
    // unless one is set; the last line ends with an empty one.
    let text = format!(
        "Application Report : \n\
         \tApplication-Id : {}\n\
         \tApplication-Name : {}\n\
         \tApplication-Type : {}\n\
         \tApplication Tags : {}\n\
         \tUser : {}\n\
         \tQueue : {}\n\
         \tApplication Priority : {}\n\
         \tStart-Time : {}\n\
         \tLaunch-Time : {}\n\
         \tFinish-Time : {}\n\
         \tProgress : {}%\n\
         \tState : {}\n\
         \tFinal-State : {}\n\
         \tTracking-URL : {}\n\
         \tRPC Port : {rpc_port}\n\
         \tAM Host : {}\n\
         \tAggregate Resource Allocation : {} MB-seconds, {} vcore-seconds\n\
         \tAggregate Resource Preempted : 0 MB-seconds, 0 vcore-seconds\n\
         \tLog Aggregation Status : {}\n\
         \tDiagnostics : {}\n\
         \tUnmanaged Application : false\n\
         \tApplication Node Label Expression : <Not set>\n\
         \tAM container Node Label Expression : <DEFAULT_PARTITION>\n\
         \tTimeoutType : LIFETIME\tExpiryTime : UNLIMITED\tRemainingTime : -1seconds\n\n",
        app.application_id,
        app.name,
        app.application_type,
        app.application_tags.join(","),
        app.user,
        app.queue,
        app.priority,
        app.start_time,
        app.launch_time,
        app.finish_time,
        (app.progress * 100.0).round() as i64,
        state_name(app.state),
        final_status_name(app.final_status),
        if app.tracking_url.is_empty() {
            "N/A"
        } else {
            &app.tracking_url
        },
        app.am_host,
        app.memory_seconds,
        app.vcore_seconds,
        app.log_aggregation_status,
        app.diagnostics,
    );
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(0)
}

async fn kill(client: &YarnClient, id: &str, out: &mut dyn Write) -> Result<i32, String> {
    let app = client
        .application_report(id)
        .await
        .map_err(|e| e.to_string())?;
    if super::is_final(app.state) {
        writeln!(out, "Application {id} has already finished ").map_err(|e| e.to_string())?;
        return Ok(0);
    }
    writeln!(out, "Killing application {id}").map_err(|e| e.to_string())?;
    client
        .kill_application(id)
        .await
        .map_err(|e| e.to_string())?;
    Ok(0)
}

/// `-movetoqueue ID -queue Q`: the RM moves the application to leaf `Q`.
async fn move_to_queue(
    client: &YarnClient,
    id: &str,
    queue: &str,
    out: &mut dyn Write,
) -> Result<i32, String> {
    let app = client
        .application_report(id)
        .await
        .map_err(|e| e.to_string())?;
    if super::is_final(app.state) {
        writeln!(out, "Application {id} has already finished ").map_err(|e| e.to_string())?;
        return Ok(0);
    }
    writeln!(out, "Moving application {id} to queue {queue}").map_err(|e| e.to_string())?;
    client
        .move_application(id, queue)
        .await
        .map_err(|e| e.to_string())?;
    writeln!(out, "Successfully completed move.").map_err(|e| e.to_string())?;
    Ok(0)
}

/// `-appId ID -updatePriority P`: the RM gives the application priority
/// `P` (capped at the cluster's maximum).
async fn update_priority(
    client: &YarnClient,
    id: &str,
    priority: i32,
    out: &mut dyn Write,
) -> Result<i32, String> {
    writeln!(out, "Updating priority of an application {id}").map_err(|e| e.to_string())?;
    let granted = client
        .update_priority(id, priority)
        .await
        .map_err(|e| e.to_string())?;
    let message = if granted == priority {
        format!("Successfully updated the application {id} with priority '{priority}'")
    } else {
        format!(
            "Updated priority of an application  {id} to cluster max priority OR keeping old priority as application is in final states"
        )
    };
    writeln!(out, "{message}").map_err(|e| e.to_string())?;
    Ok(0)
}
