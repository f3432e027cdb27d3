//! The DistributedShell ApplicationMaster (`yarn distributedshell-am`, run
//! by the NodeManager in the AM container): registers, asks for N
//! containers, runs the shell command in each, replaces containers lost
//! with their node, and unregisters SUCCEEDED only if all exited 0.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use client::yarn::{AmRmClient, ApplicationAttemptId, ContainerId, NmClient};
use common::Configuration;
use proto::yarn as pb;

use super::{
    ENV_CONTAINER_MEMORY, ENV_CONTAINER_VCORES, ENV_NUM_CONTAINERS, ENV_PRIORITY,
    ENV_SCRIPT_LENGTH, ENV_SCRIPT_LOCATION, ENV_SCRIPT_TIMESTAMP, ENV_SHELL_COMMAND, ENV_SHELL_ENV,
    SCRIPT_NAME,
};

/// Hadoop's ContainerExitStatus.ABORTED: the framework took the container
/// away (node lost, released), so it is asked for again.
const EXIT_ABORTED: i32 = -100;
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

fn plan_from_env() -> Result<Plan, String> {
    let number = |name: &str, default: i64| -> Result<i64, String> {
        match env(name) {
            Some(value) => value
                .parse()
                .map_err(|_| format!("invalid {name}: {value}")),
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
        None => env(ENV_SHELL_COMMAND).ok_or("no shell command given")?,
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

/// Runs the AM; the exit code is 0 when the application succeeded.
pub async fn run(conf: &Configuration) -> i32 {
    match run_am(conf).await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(message) => {
            eprintln!("distributedshell-am: {message}");
            1
        }
    }
}

/// What the AM has seen so far.
#[derive(Default)]
struct Progress {
    requested: u32,
    launched: HashSet<String>,
    succeeded: u32,
    failed: u32,
    failures: Vec<String>,
    /// Containers that could not be started (their node went away, say);
    /// their hosts are blacklisted for this attempt.
    start_failures: u32,
}

async fn run_am(conf: &Configuration) -> Result<bool, String> {
    let container_id: ContainerId = env("CONTAINER_ID")
        .ok_or("CONTAINER_ID is not set: run by a NodeManager")?
        .parse()
        .map_err(|e: client::yarn::InvalidId| e.to_string())?;
    let attempt: ApplicationAttemptId = container_id.attempt;
    let plan = plan_from_env()?;
    let rm = AmRmClient::from_conf(conf, attempt).map_err(|e| e.to_string())?;
    let host = env("NM_HOST").unwrap_or_else(|| "localhost".to_string());
    rm.register(&host, 0, "").await.map_err(|e| e.to_string())?;
    println!(
        "Registered {attempt}; requesting {} containers",
        plan.num_containers
    );
    let user = common::user::current_user();
    let mut progress = Progress::default();
    let mut asks = vec![ask(&plan, plan.num_containers)];
    progress.requested = plan.num_containers;
    let total = plan.num_containers;
    while progress.succeeded + progress.failed < total {
        let request = pb::AllocateRequest {
            asks: std::mem::take(&mut asks),
            progress: (progress.succeeded + progress.failed) as f32 / total as f32,
            ..Default::default()
        };
        let response = rm.allocate(request).await.map_err(|e| e.to_string())?;
        if response.shutdown {
            println!("The ResourceManager asked this attempt to shut down");
            return Ok(false);
        }
        let mut release = Vec::new();
        let mut blacklist = Vec::new();
        for container in response.allocated {
            let wanted = progress.launched.len() as u32 + progress.succeeded + progress.failed;
            if wanted >= total {
                release.push(container.container_id);
                continue;
            }
            let id = container.container_id.clone();
            let nm = NmClient::connect(&container.node_id, &user).map_err(|e| e.to_string())?;
            let launch = pb::ContainerLaunchContext {
                command: plan.command.clone(),
                environment: plan.environment.clone(),
                local_resources: plan.local_resources.clone(),
            };
            match nm.start_container(container.clone(), launch).await {
                Ok(_) => {
                    println!("Launched shell command on {id} at {}", container.node_id);
                    progress.launched.insert(id);
                }
                Err(error) if progress.start_failures < total => {
                    println!("Failed to start {id}: {error}; requesting a replacement elsewhere");
                    progress.start_failures += 1;
                    release.push(id);
                    asks.push(ask(&plan, 1));
                    let host = container
                        .node_id
                        .rsplit_once(':')
                        .map_or("", |(host, _)| host);
                    blacklist.push(host.to_string());
                }
                Err(error) => {
                    println!("Failed to start {id}: {error}");
                    progress.failed += 1;
                    progress.failures.push(format!("{id}: {error}"));
                }
            }
        }
        for node in &response.updated_nodes {
            println!(
                "Node {} is now {}",
                node.node_id,
                crate::yarn::node_state_name(node.state)
            );
        }
        for status in response.completed {
            if !progress.launched.remove(&status.container_id) {
                continue;
            }
            match status.exit_status {
                0 => progress.succeeded += 1,
                EXIT_ABORTED => {
                    println!(
                        "Container {} was aborted ({}); requesting a replacement",
                        status.container_id, status.diagnostics
                    );
                    asks.push(ask(&plan, 1));
                }
                code => {
                    println!(
                        "Container {} failed with exit status {code}: {}",
                        status.container_id, status.diagnostics
                    );
                    progress.failed += 1;
                    progress.failures.push(format!(
                        "{} exit status {code}: {}",
                        status.container_id, status.diagnostics
                    ));
                }
            }
        }
        if !release.is_empty() {
            let request = pb::AllocateRequest {
                release,
                blacklist_additions: blacklist,
                ..Default::default()
            };
            rm.allocate(request).await.map_err(|e| e.to_string())?;
        }
        tokio::time::sleep(HEARTBEAT_INTERVAL).await;
    }
    let success = progress.failed == 0;
    let (final_status, diagnostics) = if success {
        (pb::FinalApplicationStatus::Succeeded, String::new())
    } else {
        (
            pb::FinalApplicationStatus::FailedStatus,
            format!(
                "Diagnostics., total={total}, completed={}, allocated={}, failed={}\n{}",
                progress.succeeded + progress.failed,
                progress.succeeded + progress.failed,
                progress.failed,
                progress.failures.join("\n")
            ),
        )
    };
    println!(
        "Application completed: succeeded={} failed={}",
        progress.succeeded, progress.failed
    );
    rm.finish(final_status, &diagnostics)
        .await
        .map_err(|e| e.to_string())?;
    Ok(success)
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
