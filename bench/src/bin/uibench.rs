//! `uibench`: how fast the daemons render their web pages, and how big the pages are, on
//! a cluster at the sizes issue 20 names: 100,000 files in one directory, 1,000
//! applications and 100 nodes. Beside each page, the REST resource that serves the same
//! data (WebHDFS LISTSTATUS, `/ws/v1/cluster/apps`, ...) is timed in the same run.
//!
//! Each page is read `--runs` times on a fresh loopback connection; the figure is the
//! time to the last byte of the answer (the server's render plus loopback), median and
//! worst, and the size of the body.
//!
//! `cargo build --release -p tusk-cli -p tusk-bench && target/release/uibench`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bench::timings::median;
use clap::Parser;
use client::CreateOptions;
use common::FsPermission;
use minicluster::MiniCluster;
use proto::yarn as pb;
use proto::yarn::resource_tracker_client::ResourceTrackerClient;
use tokio::sync::Semaphore;

#[derive(Parser)]
struct Args {
    /// Files in the big directory.
    #[arg(long, default_value_t = 100_000)]
    files: usize,
    /// Applications submitted.
    #[arg(long, default_value_t = 1000)]
    apps: usize,
    /// NodeManagers: one real, the others registered by the benchmark over the
    /// ResourceTracker RPC (they heartbeat but run nothing).
    #[arg(long, default_value_t = 100)]
    nodes: usize,
    /// Reads of each page.
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

/// A page and, beside it, the REST resource with the same data (if there is one).
struct Page {
    daemon: &'static str,
    address: SocketAddr,
    path: String,
    baseline: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The simulated nodes refuse the AMs placed on them: each such failure is a warning.
    common::logging::init("error");
    let args = Args::parse();
    let temp = tempfile::tempdir()?;
    let cluster = MiniCluster::builder()
        .base_dir(temp.path().join("cluster"))
        .datanodes(3)
        .nodemanagers(1)
        .build()
        .await?;
    cluster
        .wait_nodemanagers(1, Duration::from_secs(60))
        .await?;
    let started = Instant::now();
    create_files(&cluster, args.files).await?;
    println!(
        "{} files in /big in {:.1} s",
        args.files,
        started.elapsed().as_secs_f64()
    );
    let rm = cluster.resourcemanager()?.addresses();
    let _nodes = register_nodes(rm.tracker, args.nodes.saturating_sub(1)).await?;
    let started = Instant::now();
    let last_app = submit_apps(&cluster, args.apps).await?;
    println!(
        "{} applications submitted in {:.1} s; {} nodes",
        args.apps,
        started.elapsed().as_secs_f64(),
        args.nodes
    );

    let nn = cluster.namenode_http_address();
    let dn: SocketAddr = cluster.datanode_http_address(0).await?.parse()?;
    let nm: SocketAddr = cluster.nodemanager(0)?.http_address().parse()?;
    let user = common::user::os_user();
    let page = |daemon, address, path: &str, baseline: Option<&str>| Page {
        daemon,
        address,
        path: path.to_string(),
        baseline: baseline.map(str::to_string),
    };
    let pages = [
        page("NameNode", nn, "/dfshealth.html", Some("/jmx")),
        page(
            "NameNode",
            nn,
            "/explorer.html?path=/big",
            Some(&format!(
                "/webhdfs/v1/big?op=LISTSTATUS_BATCH&user.name={user}"
            )),
        ),
        page(
            "NameNode",
            nn,
            "/explorer.html?path=/big&sort=name&order=desc&page=500",
            None,
        ),
        page(
            "NameNode",
            nn,
            "/explorer.html?path=/big&filter=file-0099",
            None,
        ),
        page("DataNode", dn, "/datanode.html", Some("/jmx")),
        page(
            "ResourceManager",
            rm.webapp,
            "/cluster",
            Some("/ws/v1/cluster/metrics"),
        ),
        page(
            "ResourceManager",
            rm.webapp,
            "/cluster/apps",
            Some("/ws/v1/cluster/apps"),
        ),
        page(
            "ResourceManager",
            rm.webapp,
            "/cluster/apps?sort=name&order=desc&page=5",
            None,
        ),
        page(
            "ResourceManager",
            rm.webapp,
            &format!("/cluster/app/{last_app}"),
            Some(&format!("/ws/v1/cluster/apps/{last_app}")),
        ),
        page(
            "ResourceManager",
            rm.webapp,
            "/cluster/nodes",
            Some("/ws/v1/cluster/nodes"),
        ),
        page(
            "ResourceManager",
            rm.webapp,
            "/cluster/scheduler",
            Some("/ws/v1/cluster/scheduler"),
        ),
        page("NodeManager", nm, "/node", Some("/ws/v1/node/info")),
        page(
            "NodeManager",
            nm,
            "/node/allContainers",
            Some("/ws/v1/node/containers"),
        ),
    ];
    println!(
        "\n{:<16} {:<56} {:>9} {:>9} {:>9}   {:>9} {:>9}",
        "daemon", "page", "median ms", "worst ms", "KB", "REST ms", "REST KB"
    );
    for page in &pages {
        let (median_ms, worst_ms, size) = measure(page.address, &page.path, args.runs).await?;
        let baseline = match &page.baseline {
            Some(path) => {
                let (ms, _, size) = measure(page.address, path, args.runs).await?;
                format!("{ms:>9.2} {:>9.1}", size as f64 / 1024.0)
            }
            None => format!("{:>9} {:>9}", "-", "-"),
        };
        println!(
            "{:<16} {:<56} {median_ms:>9.2} {worst_ms:>9.2} {:>9.1}   {baseline}",
            page.daemon,
            page.path,
            size as f64 / 1024.0
        );
    }
    cluster.shutdown().await;
    Ok(())
}

/// Reads `path` `runs` times; (median ms, worst ms, body bytes).
async fn measure(
    address: SocketAddr,
    path: &str,
    runs: usize,
) -> anyhow::Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let body = bench::http::get(address, path)
            .await
            .with_context(|| format!("http://{address}{path}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    let worst = times.iter().copied().fold(0.0, f64::max);
    Ok((median(&times), worst, size))
}

/// `/big/file-NNNNNN`, empty, 64 creates in flight.
async fn create_files(cluster: &MiniCluster, count: usize) -> anyhow::Result<()> {
    let client = Arc::new(cluster.client()?);
    client
        .mkdirs("/big", FsPermission::new(0o755), true)
        .await?;
    let options = Arc::new(CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: false,
        create_parent: false,
        replication: 1,
        block_size: 128 << 20,
    });
    let slots = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        let permit = slots.clone().acquire_owned().await?;
        let (client, options) = (client.clone(), options.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            client
                .create_empty(&format!("/big/file-{index:06}"), &options)
                .await
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Registers `count` simulated NodeManagers and heartbeats them every second for as
/// long as the returned task lives.
async fn register_nodes(
    tracker: SocketAddr,
    count: usize,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let channel = client::yarn::channel(&tracker.to_string())?;
    let mut rpc = ResourceTrackerClient::new(channel);
    // Nothing listens on these ports: a container placed there fails to start at once.
    let ids: Vec<String> = (0..count)
        .map(|index| format!("127.0.0.{}:{}", 2 + index / 200, 1 + index % 200))
        .collect();
    for id in &ids {
        rpc.register_node_manager(pb::RegisterNodeManagerRequest {
            node_id: id.clone(),
            http_address: format!("{}:8042", id.split(':').next().unwrap_or_default()),
            capability: Some(pb::Resource {
                memory_mb: 8192,
                vcores: 8,
            }),
            rack: String::new(),
            running_applications: Vec::new(),
        })
        .await?;
    }
    Ok(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        loop {
            ticks.tick().await;
            for id in &ids {
                let _ = rpc
                    .node_heartbeat(pb::NodeHeartbeatRequest {
                        node_id: id.clone(),
                        healthy: true,
                        ..Default::default()
                    })
                    .await;
            }
        }
    }))
}

/// Submits `count` applications whose AM only sleeps; returns the last one's id.
async fn submit_apps(cluster: &MiniCluster, count: usize) -> anyhow::Result<String> {
    let client = cluster.yarn_client()?;
    let mut last = String::new();
    for index in 0..count {
        let id = client.new_application().await?.application_id;
        client
            .submit_application(pb::ApplicationSubmissionContext {
                application_id: id.clone(),
                application_name: format!("bench-app-{index:04}"),
                queue: "default".into(),
                application_type: "YARN".into(),
                am_resource: Some(pb::Resource {
                    memory_mb: 128,
                    vcores: 1,
                }),
                am_container_spec: Some(pb::ContainerLaunchContext {
                    command: "sleep 600".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await?;
        last = id;
    }
    Ok(last)
}
