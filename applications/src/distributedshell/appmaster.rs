//! The DistributedShell ApplicationMaster (`yarn distributedshell-am`, run
//! by the NodeManager in the AM container): registers, asks for N
//! containers, runs the shell command in each, replaces containers lost
//! with their node, and unregisters SUCCEEDED only if all exited 0. The
//! decisions are the [`Tracker`]'s; this is the allocate loop around it.

use std::collections::HashMap;
use std::time::Duration;

use client::yarn::names::node_state_name;
use client::yarn::{AmRmClient, NmClient};
use common::Configuration;
use common::yarn::{ApplicationAttemptId, ContainerId};
use proto::yarn as pb;

use super::tracker::{Completion, Grant, StartFailure, Tracker};
use crate::distributedshell::DistributedShellError;

use super::{
    ENV_CONTAINER_MEMORY, ENV_CONTAINER_VCORES, ENV_NUM_CONTAINERS, ENV_PRIORITY,
    ENV_SCRIPT_LENGTH, ENV_SCRIPT_LOCATION, ENV_SCRIPT_TIMESTAMP, ENV_SHELL_COMMAND, ENV_SHELL_ENV,
    SCRIPT_NAME,
};

const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(20);

struct Plan {
    command: String,
    num_containers: u32,
    capability: pb::Resource,
    priority: i32,
    environment: HashMap<String, String>,
    local_resources: Vec<pb::LocalResource>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn plan_from_env() -> Result<Plan, DistributedShellError> {
    let number = |name: &str, default: i64| -> Result<i64, DistributedShellError> {
        match env(name) {
            Some(value) => value.parse().map_err(|_| {
                DistributedShellError::Environment(format!("invalid {name}: {value}"))
            }),
            None => Ok(default),
        }
    };
    let mut local_resources = Vec::new();
    let command = match env(ENV_SCRIPT_LOCATION) {
        Some(path) => {
            local_resources.push(pb::LocalResource {
                name: SCRIPT_NAME.to_string(),
                path,
                size: number(ENV_SCRIPT_LENGTH, 0)? as u64,
                timestamp: number(ENV_SCRIPT_TIMESTAMP, 0)?,
                executable: true,
            });
            format!("/bin/bash ./{SCRIPT_NAME}")
        }
        None => env(ENV_SHELL_COMMAND).ok_or_else(|| {
            DistributedShellError::Environment("no shell command given".to_string())
        })?,
    };
    let environment = env(ENV_SHELL_ENV)
        .unwrap_or_default()
        .lines()
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    Ok(Plan {
        command,
        num_containers: number(ENV_NUM_CONTAINERS, 1)?.max(1) as u32,
        capability: pb::Resource {
            memory_mb: number(ENV_CONTAINER_MEMORY, 10)?,
            vcores: number(ENV_CONTAINER_VCORES, 1)? as i32,
        },
        priority: number(ENV_PRIORITY, 0)? as i32,
        environment,
        local_resources,
    })
}

/// Runs the AM in its container (the NodeManager's `CONTAINER_ID` names
/// the attempt) until every command is over; true when the application
/// SUCCEEDED, false when it failed or the RM told this attempt to stop.
pub async fn run_application_master(conf: &Configuration) -> Result<bool, DistributedShellError> {
    let container_id: ContainerId = env("CONTAINER_ID")
        .ok_or_else(|| {
            DistributedShellError::Environment(
                "CONTAINER_ID is not set: run by a NodeManager".to_string(),
            )
        })?
        .parse()?;
    let attempt: ApplicationAttemptId = container_id.attempt;
    let plan = plan_from_env()?;
    let rm = AmRmClient::from_conf(conf, attempt)?;
    let host = env("NM_HOST").unwrap_or_else(|| "localhost".to_string());
    rm.register(&host, 0, "").await?;
    println!(
        "Registered {attempt}; requesting {} containers",
        plan.num_containers
    );
    let user = common::user::current_user();
    let mut tracker = Tracker::new(plan.num_containers);
    let mut asks = vec![ask(&plan, tracker.initial_ask())];
    while !tracker.is_done() {
        let request = pb::AllocateRequest {
            asks: std::mem::take(&mut asks),
            progress: tracker.progress(),
            ..Default::default()
        };
        let response = rm.allocate(request).await?;
        if response.shutdown {
            println!("The ResourceManager asked this attempt to shut down");
            return Ok(false);
        }
        let mut release = Vec::new();
        let mut blacklist = Vec::new();
        for container in response.allocated {
            if tracker.on_granted() == Grant::Release {
                release.push(container.container_id);
                continue;
            }
            let id = container.container_id.clone();
            let nm = NmClient::connect(&container.node_id, &user)?;
            let launch = pb::ContainerLaunchContext {
                command: plan.command.clone(),
                environment: plan.environment.clone(),
                local_resources: plan.local_resources.clone(),
            };
            match nm.start_container(container.clone(), launch).await {
                Ok(_) => {
                    println!("Launched shell command on {id} at {}", container.node_id);
                    tracker.on_started(id);
                }
                Err(error) => match tracker.on_start_failed(&id, &error.to_string()) {
                    StartFailure::Replace => {
                        println!(
                            "Failed to start {id}: {error}; requesting a replacement elsewhere"
                        );
                        release.push(id);
                        asks.push(ask(&plan, 1));
                        let host = container
                            .node_id
                            .rsplit_once(':')
                            .map_or("", |(host, _)| host);
                        blacklist.push(host.to_string());
                    }
                    StartFailure::GiveUp => println!("Failed to start {id}: {error}"),
                },
            }
        }
        for node in &response.updated_nodes {
            println!(
                "Node {} is now {}",
                node.node_id,
                node_state_name(node.state)
            );
        }
        for status in response.completed {
            match tracker.on_completed(&status) {
                Completion::NotOurs | Completion::Succeeded => {}
                Completion::Replace => {
                    println!(
                        "Container {} was aborted ({}); requesting a replacement",
                        status.container_id, status.diagnostics
                    );
                    asks.push(ask(&plan, 1));
                }
                Completion::Failed => println!(
                    "Container {} failed with exit status {}: {}",
                    status.container_id, status.exit_status, status.diagnostics
                ),
            }
        }
        if !release.is_empty() {
            let request = pb::AllocateRequest {
                release,
                blacklist_additions: blacklist,
                ..Default::default()
            };
            rm.allocate(request).await?;
        }
        tokio::time::sleep(HEARTBEAT_INTERVAL).await;
    }
    let (final_status, diagnostics) = tracker.outcome();
    println!(
        "Application completed: succeeded={} failed={}",
        tracker.succeeded(),
        tracker.failed()
    );
    rm.finish(final_status, &diagnostics, "").await?;
    Ok(final_status == pb::FinalApplicationStatus::Succeeded)
}

fn ask(plan: &Plan, count: u32) -> pb::ContainerAsk {
    pb::ContainerAsk {
        priority: plan.priority,
        capability: Some(plan.capability),
        count: count as i32,
        hosts: Vec::new(),
        racks: Vec::new(),
        relax_locality: true,
        allocation_request_id: 0,
    }
}
