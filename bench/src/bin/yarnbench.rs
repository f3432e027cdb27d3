//! `yarnbench`: YARN's two figures on a mini-cluster (1 DataNode, 2
//! NodeManagers), each beside its baseline measured in the same run.
//!
//! 1. Submit to FINISHED of a DistributedShell running `true` in one
//!    container (AM and container are real processes), beside the floor of
//!    starting the same two processes directly (`yarn distributedshell-am`
//!    cannot run outside a container, so the floor is `yarn version` + `true`).
//! 2. Container allocation throughput: one AM asks for N small containers on
//!    2 NodeManagers, measured through the real scheduler RPC, beside the
//!    scheduler's domain alone doing the same allocations in-process.
//!
//! `cargo build --release -p tusk-cli -p tusk-bench && target/release/yarnbench`

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use bench::timings::{fastest, median};
use clap::Parser;
use client::yarn::{AmRmClient, YarnClient};
use common::yarn::ApplicationAttemptId;
use minicluster::MiniCluster;
use proto::yarn as pb;
use resourcemanager::scheduler::{Ask, QueueSpec, Resource, Scheduler, SchedulerConfig};

#[derive(Parser)]
struct Args {
    /// DistributedShell runs to time.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Containers the throughput AM asks for.
    #[arg(long, default_value_t = 1000)]
    containers: u32,
    /// Throughput rounds (a new application each).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

fn yarn_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?
        .parent()
        .map(|dir| dir.join("yarn"))
        .ok_or_else(|| anyhow::anyhow!("no directory for this program"))?;
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build tusk-cli",
        path.display()
    );
    Ok(path)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let yarn = yarn_binary()?;
    let per_node_mb = (i64::from(args.containers) + 8) * 128 / 2 + 1024;
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .nodemanagers(2)
        .set(
            "yarn.nodemanager.resource.memory-mb",
            &per_node_mb.to_string(),
        )
        .set("yarn.nodemanager.resource.cpu-vcores", "10000")
        .build()
        .await?;
    cluster
        .wait_nodemanagers(2, Duration::from_secs(30))
        .await?;
    let client = cluster.yarn_client()?;

    println!("== submit to FINISHED: DistributedShell, 1 container running `true` ==");
    let mut latencies = Vec::new();
    for run in 0..args.runs {
        let elapsed = distributedshell_true(&client, &yarn, run).await?;
        latencies.push(elapsed.as_secs_f64() * 1000.0);
    }
    let mut floors = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        Command::new(&yarn).arg("version").output()?;
        Command::new("/bin/bash").args(["-c", "true"]).output()?;
        floors.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "submit->FINISHED: median {:.1} ms, min {:.1}, max {:.1} over {} runs",
        median(&latencies),
        fastest(&latencies),
        latencies.iter().copied().fold(0.0, f64::max),
        latencies.len()
    );
    println!(
        "baseline (start `yarn version` and `bash -c true` directly): median {:.1} ms",
        median(&floors)
    );

    println!(
        "== allocation throughput: one AM, {} containers of 128 MB, 2 NodeManagers ==",
        args.containers
    );
    for round in 0..args.rounds {
        let (seconds, responses) =
            allocation_throughput(&client, &cluster, args.containers).await?;
        println!(
            "round {round}: through the RM: {} containers in {:.1} ms = {:.0} containers/s ({} allocate calls)",
            args.containers,
            seconds * 1000.0,
            f64::from(args.containers) / seconds,
            responses
        );
    }
    let domain_seconds = domain_throughput(args.containers, per_node_mb);
    println!(
        "baseline (scheduler domain alone, in-process): {:.1} ms = {:.0} containers/s",
        domain_seconds * 1000.0,
        f64::from(args.containers) / domain_seconds
    );
    cluster.shutdown().await;
    Ok(())
}

/// Submits the DistributedShell AM with `true` and times submit -> FINISHED.
async fn distributedshell_true(
    client: &YarnClient,
    yarn: &std::path::Path,
    run: usize,
) -> anyhow::Result<Duration> {
    let id = client.new_application().await?.application_id;
    let environment: HashMap<String, String> = [
        ("DISTRIBUTEDSHELL_SHELL_COMMAND", "true"),
        ("DISTRIBUTEDSHELL_NUM_CONTAINERS", "1"),
        ("DISTRIBUTEDSHELL_CONTAINER_MEMORY", "128"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value.to_string()))
    .collect();
    let context = pb::ApplicationSubmissionContext {
        application_id: id.clone(),
        application_name: format!("bench-true-{run}"),
        queue: "default".into(),
        application_type: "YARN".into(),
        am_resource: Some(pb::Resource {
            memory_mb: 128,
            vcores: 1,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: format!("exec '{}' distributedshell-am", yarn.display()),
            environment,
            local_resources: Vec::new(),
        }),
        ..Default::default()
    };
    let started = Instant::now();
    client.submit_application(context).await?;
    loop {
        let report = client.application_report(&id).await?;
        if report.state == pb::YarnApplicationState::Finished as i32 {
            anyhow::ensure!(
                report.final_status == pb::FinalApplicationStatus::Succeeded as i32,
                "{id} did not succeed: {}",
                report.diagnostics
            );
            return Ok(started.elapsed());
        }
        anyhow::ensure!(
            report.state != pb::YarnApplicationState::Failed as i32,
            "{id} failed: {}",
            report.diagnostics
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Registers as the AM of an application whose real AM only sleeps, asks
/// for `count` containers and times until all are granted.
async fn allocation_throughput(
    client: &YarnClient,
    cluster: &MiniCluster,
    count: u32,
) -> anyhow::Result<(f64, usize)> {
    let id = client.new_application().await?.application_id;
    let context = pb::ApplicationSubmissionContext {
        application_id: id.clone(),
        application_name: "bench-allocation".into(),
        queue: "default".into(),
        am_resource: Some(pb::Resource {
            memory_mb: 128,
            vcores: 1,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: "sleep 600".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    client.submit_application(context).await?;
    let attempt: ApplicationAttemptId = loop {
        let report = client.application_report(&id).await?;
        if !report.am_container_id.is_empty() {
            break report.current_attempt_id.parse()?;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let am = AmRmClient::from_conf(cluster.conf(), attempt)?;
    am.register("localhost", 0, "").await?;
    let ask = pb::ContainerAsk {
        priority: 1,
        capability: Some(pb::Resource {
            memory_mb: 128,
            vcores: 1,
        }),
        count: count as i32,
        relax_locality: true,
        ..Default::default()
    };
    let started = Instant::now();
    let mut granted = 0;
    let mut calls = 0;
    let mut asks = vec![ask];
    while granted < count as usize {
        let response = am
            .allocate(pb::AllocateRequest {
                asks: std::mem::take(&mut asks),
                ..Default::default()
            })
            .await?;
        calls += 1;
        granted += response.allocated.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    client.kill_application(&id).await?;
    Ok((seconds, calls))
}

/// The same allocations straight on the scheduler domain.
fn domain_throughput(count: u32, per_node_mb: i64) -> f64 {
    let config = SchedulerConfig {
        minimum_allocation: Resource::new(128, 1),
        maximum_allocation: Resource::new(4096, 8),
        node_locality_delay: 4,
        rack_locality_additional_delay: 0,
    };
    let mut scheduler = Scheduler::new(config, &QueueSpec::default_root()).expect("default queues");
    for index in 0..2 {
        let host = format!("127.0.0.{}", index + 2);
        scheduler.add_node(
            &format!("{host}:1"),
            &host,
            "/default-rack",
            Resource::new(per_node_mb, 10_000),
        );
    }
    let attempt = common::yarn::ApplicationId {
        cluster_timestamp: 1,
        id: 1,
    }
    .application_attempt(1);
    scheduler
        .add_attempt(attempt, "bench", "default", Resource::new(128, 1), 0)
        .expect("admitted");
    scheduler.schedule();
    let started = Instant::now();
    scheduler
        .add_asks(
            attempt,
            vec![Ask {
                priority: 1,
                capability: Resource::new(128, 1),
                count,
                hosts: Vec::new(),
                racks: Vec::new(),
                relax_locality: true,
                allocation_request_id: 0,
            }],
        )
        .expect("asks");
    let granted = scheduler.schedule().len();
    assert_eq!(granted, count as usize);
    started.elapsed().as_secs_f64()
}
