//! `minicluster`: starts a whole Tusk cluster in one process and prints how
//! to reach it. Runs until Ctrl-C (or exits at once with `--exit`).

use clap::Parser;
use common::FsPermission;
use tusk_minicluster::MiniCluster;
use tusk_minicluster::ha::HaCluster;

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
    /// Racks of the DataNodes, one entry per DataNode.
    #[arg(long, value_delimiter = ',', default_value = "/rack1,/rack1,/rack2")]
    racks: Vec<String>,
    /// NodeManagers to start beside the first DataNodes (with a ResourceManager).
    #[arg(long, default_value_t = 2)]
    nodemanagers: usize,
    /// Start the HA topology instead: ZooKeeper, 3 JournalNodes, 2 NameNodes with their
    /// ZKFCs (processes), DataNodes serving both; no YARN.
    #[arg(long)]
    ha: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::logging::init("warn");
    let args = Args::parse();
    if args.ha {
        return run_ha(args).await;
    }
    let racks: Vec<&str> = args.racks.iter().map(String::as_str).collect();
    let mut builder = MiniCluster::builder()
        .racks(&racks)
        .nodemanagers(args.nodemanagers);
    if let Some(dir) = args.base_dir {
        builder = builder.base_dir(dir);
    }
    for (key, value) in defines(&args.defines)? {
        builder = builder.set(key, value);
    }
    let cluster = builder.build().await?;
    let user = common::user::current_user();
    cluster.create_home_dirs(&user).await?;
    run_demo(&cluster, &user).await?;
    if args.nodemanagers > 0 {
        run_wordcount(&cluster, &user).await?;
    }

    println!("Tusk mini-cluster is running.");
    let show = |label: &str, value: &str| println!("  {label:<23} {value}");
    show("fs.defaultFS", &cluster.default_fs());
    let namenode = cluster.namenode_http_address();
    show("NameNode web UI", &format!("http://{namenode}/"));
    show("NameNode JMX", &format!("http://{namenode}/jmx"));
    for (index, rack) in racks.iter().enumerate() {
        let datanode = cluster.datanode(index)?;
        show(
            &format!("DataNode {index}"),
            &format!("{} (data transfer), rack {rack}", datanode.xfer_address()),
        );
        let web = cluster.datanode_http_address(index).await?;
        show(
            &format!("DataNode {index} web UI"),
            &format!("http://{web}/"),
        );
    }
    if args.nodemanagers > 0 {
        let resourcemanager = cluster.resourcemanager_web_url()?;
        show("ResourceManager web UI", &format!("{resourcemanager}/"));
        show(
            "ResourceManager REST",
            &format!("{resourcemanager}/ws/v1/cluster/info"),
        );
        show(
            "JobHistory web UI",
            &format!("{}/jobhistory", cluster.yarn()?.jobhistory_web_url()?),
        );
        for index in 0..args.nodemanagers {
            let nodemanager = cluster.nodemanager(index)?;
            show(&format!("NodeManager {index}"), nodemanager.node_id());
            show(
                &format!("NodeManager {index} web UI"),
                &format!("http://{}/", nodemanager.http_address()),
            );
        }
    }
    println!("Use it from another shell:");
    println!("  export HADOOP_CONF_DIR={}", cluster.conf_dir().display());
    println!("  target/release/hdfs dfs -ls -R /");
    if args.nodemanagers > 0 {
        println!(
            "  target/release/yarn distributedshell -shell_command 'uname -n' -num_containers 2"
        );
        println!("  target/release/yarn jar target/release/wordcount demo/data demo/counts2");
        println!("  target/release/mapred job -list");
    }
    if args.exit {
        cluster.shutdown().await;
        return Ok(());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    cluster.shutdown().await;
    Ok(())
}

/// The `-D key=value` overrides as pairs.
fn defines(defines: &[String]) -> anyhow::Result<Vec<(&str, &str)>> {
    defines
        .iter()
        .map(|define| {
            define
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("-D expects key=value, got '{define}'"))
        })
        .collect()
}

/// The HA topology: starts it, writes a file through the nameservice, and prints how to watch
/// a failover.
async fn run_ha(args: Args) -> anyhow::Result<()> {
    let mut builder = HaCluster::builder().datanodes(args.racks.len());
    if let Some(dir) = args.base_dir {
        builder = builder.base_dir(dir);
    }
    for (key, value) in defines(&args.defines)? {
        builder = builder.set(key, value);
    }
    let cluster = builder.build().await?;
    let active = cluster
        .wait_for_active(None, std::time::Duration::from_secs(60))
        .await?;
    let client = cluster.client()?;
    let text = b"written through hdfs://mycluster\n";
    let mut writer = client
        .create_writer(
            "/ha-demo.txt",
            &client::CreateOptions {
                permission: FsPermission::new(0o644),
                overwrite: true,
                create_parent: true,
                replication: 3,
                block_size: 1024 * 1024,
            },
        )
        .await?;
    writer.write(text).await?;
    writer.close().await?;
    println!("Tusk HA mini-cluster is running.");
    let show = |label: &str, value: &str| println!("  {label:<23} {value}");
    show(
        "fs.defaultFS",
        &format!("hdfs://{}", tusk_minicluster::ha::NAMESERVICE),
    );
    for (index, id) in tusk_minicluster::ha::NAMENODE_IDS.iter().enumerate() {
        let state = if index == active { "active" } else { "standby" };
        show(
            &format!("NameNode {id}"),
            &format!(
                "{} (RPC), http://{}/ ({state})",
                cluster.namenode_rpc_address(index),
                cluster.namenode_http_address(index)
            ),
        );
    }
    show(
        "logs",
        &cluster.base_dir().join("logs").display().to_string(),
    );
    println!("Use it from another shell:");
    println!("  export HADOOP_CONF_DIR={}", cluster.conf_dir().display());
    println!("  target/release/hdfs haadmin -getAllServiceState");
    println!("  target/release/hdfs dfs -cat /ha-demo.txt");
    println!(
        "  kill -9 <pid of the active NameNode: pgrep -f conf-{}>  # the standby takes over",
        tusk_minicluster::ha::NAMENODE_IDS[active]
    );
    println!("  target/release/hdfs haadmin -getAllServiceState");
    if args.exit {
        cluster.shutdown().await;
        return Ok(());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    cluster.shutdown().await;
    Ok(())
}

/// A first walk through the file system: directories, a file written
/// through a 3-replica pipeline and read back, a rename, and where the
/// replicas went.
async fn run_demo(cluster: &MiniCluster, user: &str) -> anyhow::Result<()> {
    let client = cluster.client()?;
    let demo = format!("/user/{user}/demo");
    client
        .mkdirs(&format!("{demo}/input"), FsPermission::new(0o755), true)
        .await?;
    let options = client::CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: true,
        create_parent: false,
        replication: 3,
        block_size: 1024 * 1024,
    };
    let text: String = (0..20_000)
        .map(|line| format!("line {line}: the quick brown fox jumps over the lazy dog\n"))
        .collect();
    let path = format!("{demo}/input/sample.txt");
    let mut writer = client.create_writer(&path, &options).await?;
    writer.write(text.as_bytes()).await?;
    writer.close().await?;
    let mut read_back = Vec::new();
    client
        .open(&path)
        .await?
        .read_to_end(&mut read_back)
        .await?;
    anyhow::ensure!(
        read_back == text.as_bytes(),
        "the sample file did not read back intact"
    );
    client
        .rename(
            &format!("{demo}/input"),
            &format!("{demo}/data"),
            false,
            false,
        )
        .await?;
    let moved = format!("{demo}/data/sample.txt");
    let (length, blocks, _) = client.block_locations(&moved, 0, u64::MAX).await?;
    println!(
        "Wrote and read back {moved}: {length} bytes in {} blocks of 1 MiB, checksum {}",
        blocks.len(),
        client.file_checksum(&moved).await?.hex()
    );
    for block in &blocks {
        let replicas: Vec<String> = block
            .locations
            .iter()
            .map(|node| format!("{}{}", node.host, node.rack))
            .collect();
        println!(
            "  block {} -> {}",
            block.block.map_or(0, |b| b.block_id),
            replicas.join(", ")
        );
    }
    Ok(())
}

/// Runs the `wordcount` example (built beside this binary) on YARN over
/// the demo's text and prints the most frequent words.
async fn run_wordcount(cluster: &MiniCluster, user: &str) -> anyhow::Result<()> {
    let binary = std::env::current_exe()?.with_file_name("wordcount");
    anyhow::ensure!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release`",
        binary.display()
    );
    let output = format!("/user/{user}/demo/counts");
    println!(
        "Running wordcount on YARN: {} demo/data demo/counts",
        binary.display()
    );
    let status = tokio::process::Command::new(&binary)
        .args(["demo/data", "demo/counts"])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .status()
        .await?;
    anyhow::ensure!(status.success(), "wordcount failed ({status})");
    let client = cluster.client()?;
    let mut counts: Vec<(u64, String)> = Vec::new();
    for file in client.list(&output).await? {
        if !file.name().starts_with("part-") {
            continue;
        }
        let mut bytes = Vec::new();
        client
            .open(&file.path)
            .await?
            .read_to_end(&mut bytes)
            .await?;
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Some((word, count)) = line.rsplit_once('\t') {
                counts.push((count.parse().unwrap_or(0), word.to_string()));
            }
        }
    }
    println!("Top words in {output}:");
    for (count, word) in top_words(counts, 10) {
        println!("  {count:>8}  {word}");
    }
    Ok(())
}

/// The at most `limit` most frequent words, most frequent first (ties by
/// word). Words tied with the first one left out are left out too: the demo
/// text numbers its 20 000 lines, so 20 000 words occur once, and listing
/// the alphabetically first of them (`0:`) would pick one at random.
fn top_words(mut counts: Vec<(u64, String)>, limit: usize) -> Vec<(u64, String)> {
    counts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if let Some(&(first_left_out, _)) = counts.get(limit) {
        counts.truncate(limit);
        counts.retain(|&(count, _)| count != first_left_out);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::top_words;

    fn counts(pairs: &[(u64, &str)]) -> Vec<(u64, String)> {
        pairs
            .iter()
            .map(|&(count, word)| (count, word.to_string()))
            .collect()
    }

    #[test]
    fn top_words_leaves_out_the_ties_cut_at_the_limit() {
        // The demo's shape: one word twice as frequent, eight more, then
        // the line numbers, each once.
        let mut all = counts(&[(40_000, "the"), (20_000, "line"), (20_000, "dog")]);
        all.extend((0..5).map(|line| (1, format!("{line}:"))));
        assert_eq!(
            top_words(all, 4),
            counts(&[(40_000, "the"), (20_000, "dog"), (20_000, "line")])
        );
    }

    #[test]
    fn top_words_keeps_everything_under_the_limit() {
        let all = counts(&[(1, "b"), (3, "a"), (1, "c")]);
        assert_eq!(
            top_words(all.clone(), 3),
            counts(&[(3, "a"), (1, "b"), (1, "c")])
        );
        assert_eq!(top_words(all, 2), counts(&[(3, "a")]));
    }
}
