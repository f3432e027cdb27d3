//! `minicluster`: starts a whole Tusk cluster in one process and prints how
//! to reach it. Runs until Ctrl-C (or exits at once with `--exit`).

use clap::Parser;
use common::FsPermission;
use tusk_minicluster::MiniCluster;

/// Start an in-process Tusk cluster for trying things out.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Keep the cluster's files here instead of in a temporary directory.
    #[arg(long)]
    base_dir: Option<std::path::PathBuf>,
    /// Configuration overrides, `key=value` (repeatable).
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    defines: Vec<String>,
    /// Exit after the demo instead of serving until Ctrl-C.
    #[arg(long)]
    exit: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    let mut builder = MiniCluster::builder();
    if let Some(dir) = args.base_dir {
        builder = builder.base_dir(dir);
    }
    for define in &args.defines {
        let (key, value) = define
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("-D expects key=value, got '{define}'"))?;
        builder = builder.set(key, value);
    }
    let cluster = builder.build().await?;
    let user = common::user::current_user();
    cluster.create_home_dirs(&user).await?;
    run_demo(&cluster, &user).await?;

    println!("Tusk mini-cluster is running.");
    println!("  fs.defaultFS          {}", cluster.default_fs());
    println!("  NameNode web UI       http://{}/", cluster.namenode_http_address());
    println!("  NameNode JMX          http://{}/jmx", cluster.namenode_http_address());
    println!("Use it from another shell:");
    println!("  export HADOOP_CONF_DIR={}", cluster.conf_dir().display());
    println!("  target/release/hdfs dfs -ls -R /");
    if args.exit {
        cluster.shutdown().await;
        return Ok(());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    cluster.shutdown().await;
    Ok(())
}

/// A first walk through the namespace: directories, an empty file, a rename,
/// and what the NameNode now reports.
async fn run_demo(cluster: &MiniCluster, user: &str) -> anyhow::Result<()> {
    let client = cluster.client()?;
    let home = format!("/user/{user}");
    let demo = format!("{home}/demo");
    client.mkdirs(&format!("{demo}/input"), FsPermission::new(0o755), true).await?;
    let options = client::CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: true,
        create_parent: false,
        replication: 3,
        block_size: 128 * 1024 * 1024,
    };
    client.create_empty(&format!("{demo}/input/part-0"), &options).await?;
    client.rename(&format!("{demo}/input"), &format!("{demo}/data"), false, false).await?;
    println!("Demo namespace under {demo}:");
    for entry in client.list(&demo).await? {
        let kind = if entry.is_dir { 'd' } else { '-' };
        println!("  {kind}{} {} {}", entry.permission, entry.owner, entry.path);
    }
    let summary = client.content_summary("/").await?;
    println!(
        "NameNode holds {} directories and {} files.",
        summary.directory_count, summary.file_count
    );
    Ok(())
}
