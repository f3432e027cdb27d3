//! A Tusk cluster across hosts (issue 24): eight simulated hosts, each a Linux network
//! namespace with its own address (`sbin/tusk-hosts.sh`), five on `/rack1` and three on
//! `/rack2`, racks resolved by the topology script, traffic between racks shaped by tc. The
//! NameNode (h1) and the ResourceManager (h2) each have a host; h3..h8 each run a DataNode
//! and a NodeManager. Every daemon is a real process reading its own host's `*-site.xml`,
//! bound to its host's address on Hadoop's default ports. The test process is a client from
//! outside the racks.
//!
//! On it: 3-replica blocks land on two racks, two replicas on one; wordcount and terasort
//! run with their maps data-local; a crashed host's replicas are re-replicated across both
//! racks again; with `/rack2` cut off, the cluster still serves every file and takes new
//! ones from `/rack1`, and the rack rejoins when healed.
//!
//! Skips (passing) where network namespaces cannot be made (not root, no iproute2).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use proto::hdfs as hpb;
use proto::yarn as ypb;
use tusk_tests::hosts::{Host, Hosts};
use tusk_tests::{binary, content, eventually, read_file, run_binary, write_file};

/// Long enough for a debug build on a busy 2-core machine; each wait names what it waits for.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The block size of the test's files: several blocks, so several map tasks, from little data.
const BLOCK: u64 = 1024 * 1024;
const NAMENODE_HOST: &str = "h1";
const RESOURCEMANAGER_HOST: &str = "h2";
const WORKER_HOSTS: [&str; 6] = ["h3", "h4", "h5", "h6", "h7", "h8"];
const RACK1: &str = "/rack1";
const RACK2: &str = "/rack2";

/// The cluster: its hosts (dropping them kills every daemon and deletes the namespaces) and
/// a client's view of it from this machine.
struct Cluster {
    hosts: Hosts,
    /// Kept (and its path printed) when the test fails, for the daemons' logs.
    base: Option<tempfile::TempDir>,
    client_conf_dir: PathBuf,
    dfs: DfsClient,
    yarn: YarnClient,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(base) = self.base.take()
        {
            eprintln!(
                "multihost: daemon logs kept in {}",
                base.keep().join("logs").display()
            );
        }
    }
}

/// The settings every host and the client share: where the NameNode and the
/// ResourceManager are, the racks, and liveness fast enough for a test.
fn shared_settings(hosts: &Hosts) -> Vec<(&'static str, String)> {
    let namenode = &hosts.host(NAMENODE_HOST).address;
    let resourcemanager = &hosts.host(RESOURCEMANAGER_HOST).address;
    vec![
        ("fs.defaultFS", format!("hdfs://{namenode}:8020")),
        ("dfs.namenode.rpc-address", format!("{namenode}:8020")),
        ("dfs.namenode.http-address", format!("{namenode}:9870")),
        (
            "net.topology.script.file.name",
            hosts.topology_script().display().to_string(),
        ),
        // A dead DataNode is declared after 2 x recheck + 10 x heartbeat: 4 s.
        ("dfs.heartbeat.interval", "200ms".into()),
        ("dfs.namenode.heartbeat.recheck-interval", "1000".into()),
        ("dfs.namenode.redundancy.interval.seconds", "1s".into()),
        ("dfs.namenode.fs-limits.min-block-size", "0".into()),
        ("dfs.namenode.safemode.extension", "0".into()),
        ("ipc.client.connect.max.retries", "5".into()),
        ("ipc.client.connect.retry.interval", "200".into()),
        (
            "yarn.resourcemanager.address",
            format!("{resourcemanager}:8032"),
        ),
        (
            "yarn.resourcemanager.scheduler.address",
            format!("{resourcemanager}:8030"),
        ),
        (
            "yarn.resourcemanager.resource-tracker.address",
            format!("{resourcemanager}:8031"),
        ),
        (
            "yarn.resourcemanager.admin.address",
            format!("{resourcemanager}:8033"),
        ),
        (
            "yarn.resourcemanager.webapp.address",
            format!("{resourcemanager}:8088"),
        ),
        (
            "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms",
            "100".into(),
        ),
        ("yarn.nm.liveness-monitor.expiry-interval-ms", "4000".into()),
        ("yarn.nodemanager.resource.memory-mb", "2048".into()),
        ("yarn.nodemanager.resource.cpu-vcores", "4".into()),
        ("yarn.nodemanager.aux-services", "mapreduce_shuffle".into()),
        ("yarn.scheduler.minimum-allocation-mb", "128".into()),
        (
            "yarn.app.mapreduce.am.scheduler.heartbeat.interval-ms",
            "100".into(),
        ),
        ("mapreduce.framework.name", "yarn".into()),
        ("yarn.app.mapreduce.am.resource.mb", "256".into()),
        ("mapreduce.map.memory.mb", "256".into()),
        ("mapreduce.reduce.memory.mb", "256".into()),
    ]
}

/// Writes `settings` into the four site files of `dir`, each key where Hadoop keeps it.
fn write_conf_dir(dir: &Path, settings: &[(&str, String)]) {
    std::fs::create_dir_all(dir).unwrap();
    for file in minicluster::SITE_FILES {
        let properties: Vec<(&str, &str)> = settings
            .iter()
            .filter(|(key, _)| minicluster::site_file_for(key) == file)
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        Configuration::write_site_file(&dir.join(file), &properties).unwrap();
    }
}

/// Writes `base/<host>/conf`: the shared settings, the host's own directories (under
/// `base/<host>`), and its daemons bound to its own address.
fn write_host_conf_dir(hosts: &Hosts, host: &Host, base: &Path) {
    let dir = base.join(&host.name);
    let address = &host.address;
    let mut settings = shared_settings(hosts);
    settings.extend([
        ("hadoop.tmp.dir", dir.join("tmp").display().to_string()),
        (
            "dfs.namenode.name.dir",
            dir.join("name").display().to_string(),
        ),
        (
            "dfs.datanode.data.dir",
            dir.join("data").display().to_string(),
        ),
        ("dfs.datanode.address", format!("{address}:9866")),
        ("dfs.datanode.ipc.address", format!("{address}:9867")),
        ("dfs.datanode.http.address", format!("{address}:9864")),
        ("yarn.nodemanager.address", format!("{address}:8041")),
        ("yarn.nodemanager.webapp.address", format!("{address}:8042")),
    ]);
    write_conf_dir(&dir.join("conf"), &settings);
}

impl Cluster {
    /// Formats and starts every daemon on its host, then waits until the NameNode has all
    /// six DataNodes and the ResourceManager all six NodeManagers, each on its host's rack.
    async fn start(hosts: Hosts) -> Self {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("logs")).unwrap();
        for host in hosts.hosts() {
            write_host_conf_dir(&hosts, host, base.path());
        }
        let client_conf_dir = base.path().join("client");
        let mut client_settings = shared_settings(&hosts);
        client_settings.push((
            "hadoop.tmp.dir",
            base.path().join("client-tmp").display().to_string(),
        ));
        write_conf_dir(&client_conf_dir, &client_settings);
        let mut conf = Configuration::new();
        for (key, value) in &client_settings {
            conf.set(key, value.clone());
        }
        let mut cluster = Self {
            dfs: DfsClient::from_conf(&conf).unwrap(),
            yarn: YarnClient::from_conf(&conf).unwrap(),
            hosts,
            base: Some(base),
            client_conf_dir,
        };
        let (code, _, stderr) = tusk_tests::hdfs(
            &cluster.conf_dir(NAMENODE_HOST),
            &["namenode", "-format", "-nonInteractive"],
        );
        assert_eq!(code, 0, "hdfs namenode -format: {stderr}");
        cluster.start_daemon(NAMENODE_HOST, "hdfs", "namenode");
        cluster.start_daemon(RESOURCEMANAGER_HOST, "yarn", "resourcemanager");
        // As start-dfs.sh and start-yarn.sh: the workers once their masters answer (a
        // DataNode gives up after `ipc.client.connect.max.retries` refused connections).
        eventually(TIMEOUT, "the NameNode answering", async || {
            cluster
                .dfs
                .datanode_report(hpb::DatanodeReportType::Live)
                .await
                .is_ok()
        })
        .await;
        eventually(TIMEOUT, "the ResourceManager answering", async || {
            cluster.yarn.nodes(&[]).await.is_ok()
        })
        .await;
        for worker in WORKER_HOSTS {
            cluster.start_daemon(worker, "hdfs", "datanode");
            cluster.start_daemon(worker, "yarn", "nodemanager");
        }
        let workers: BTreeSet<&str> = WORKER_HOSTS.into_iter().collect();
        eventually(
            TIMEOUT,
            "six DataNodes registered, each on its host's rack",
            async || cluster.live_datanodes_by_host().await == cluster.racks_of(&workers),
        )
        .await;
        eventually(
            TIMEOUT,
            "six NodeManagers running, each on its host's rack",
            async || cluster.running_nodemanagers_by_host().await == cluster.racks_of(&workers),
        )
        .await;
        cluster
    }

    /// The directory of `host`'s files (written by [`write_host_conf_dir`]).
    fn host_dir(&self, host: &str) -> PathBuf {
        self.base
            .as_ref()
            .expect("the base dir lives as long as the cluster")
            .path()
            .join(host)
    }

    fn conf_dir(&self, host: &str) -> PathBuf {
        self.host_dir(host).join("conf")
    }

    /// Starts `program daemon` (`hdfs datanode`) on `host` with the host's conf dir, logging
    /// to `logs/<host>-<daemon>.log`.
    fn start_daemon(&mut self, host: &str, program: &str, daemon: &str) {
        let base = self
            .base
            .as_ref()
            .expect("the base dir lives as long as the cluster");
        let log = base
            .path()
            .join("logs")
            .join(format!("{host}-{daemon}.log"));
        let conf_dir = self.conf_dir(host);
        self.hosts
            .spawn(host, &binary(program), &[daemon], &conf_dir, &log);
    }

    /// host name -> rack of `names`, as the hosts were made.
    fn racks_of(&self, names: &BTreeSet<&str>) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|name| (name.to_string(), self.hosts.host(name).rack.clone()))
            .collect()
    }

    /// The host (by name) of an address a daemon advertises; panics on a stranger.
    fn host_name(&self, address: &str) -> String {
        let host = self
            .hosts
            .host_at(address)
            .unwrap_or_else(|| panic!("{address} is no simulated host"));
        host.name.clone()
    }

    /// Live DataNodes as the NameNode reports them: host name -> rack it resolved.
    async fn live_datanodes_by_host(&self) -> BTreeMap<String, String> {
        let Ok(reports) = self
            .dfs
            .datanode_report(hpb::DatanodeReportType::Live)
            .await
        else {
            return BTreeMap::new();
        };
        reports
            .into_iter()
            .filter(|report| report.live)
            .filter_map(|report| report.info)
            .map(|info| (self.host_name(&info.host), info.rack))
            .collect()
    }

    /// Running NodeManagers as the ResourceManager reports them: host name -> rack.
    async fn running_nodemanagers_by_host(&self) -> BTreeMap<String, String> {
        let Ok(nodes) = self.yarn.nodes(&[ypb::NodeState::NodeRunning]).await else {
            return BTreeMap::new();
        };
        nodes
            .into_iter()
            .map(|node| {
                let host = node.node_id.rsplit_once(':').map_or("", |(host, _)| host);
                (self.host_name(host), node.rack)
            })
            .collect()
    }

    /// Each block of `path`: the hosts (by name) of its replicas, as the NameNode gives them.
    async fn replica_hosts(&self, path: &str) -> Vec<Vec<String>> {
        let (_, blocks, _) = self
            .dfs
            .block_locations(path, 0, u64::MAX)
            .await
            .unwrap_or_else(|error| panic!("block locations of {path}: {error}"));
        blocks
            .iter()
            .map(|block| {
                block
                    .locations
                    .iter()
                    .map(|location| self.host_name(&location.host))
                    .collect()
            })
            .collect()
    }

    /// The racks of `replica_hosts` (one block's replicas), as the hosts were made.
    fn racks(&self, replica_hosts: &[String]) -> Vec<String> {
        replica_hosts
            .iter()
            .map(|host| self.hosts.host(host).rack.clone())
            .collect()
    }
}

/// Replicas per rack of one block.
fn per_rack(racks: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for rack in racks {
        *counts.entry(rack.clone()).or_default() += 1;
    }
    counts
}

/// Whether one block's three replicas are as rack-aware placement puts them: on three
/// distinct hosts, two on one rack and one on the other, none on `dead`.
fn rack_aware(cluster: &Cluster, replicas: &[String], dead: &[&str]) -> bool {
    let distinct: BTreeSet<&String> = replicas.iter().collect();
    let mut counts: Vec<usize> = per_rack(&cluster.racks(replicas)).into_values().collect();
    counts.sort_unstable();
    replicas.len() == 3
        && distinct.len() == 3
        && counts == [1, 2]
        && replicas.iter().all(|host| !dead.contains(&host.as_str()))
}

/// Text of `lines` lines of words from a small vocabulary, and the count of each word.
fn corpus(lines: usize) -> (Vec<u8>, BTreeMap<String, u64>) {
    const WORDS: [&str; 12] = [
        "hadoop", "tusk", "rack", "host", "block", "replica", "namenode", "datanode", "yarn",
        "map", "reduce", "shuffle",
    ];
    let mut text = String::new();
    let mut counts = BTreeMap::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..lines {
        for position in 0..8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let word = WORDS[(state % WORDS.len() as u64) as usize];
            if position > 0 {
                text.push(' ');
            }
            text.push_str(word);
            *counts.entry(word.to_string()).or_default() += 1;
        }
        text.push('\n');
    }
    (text.into_bytes(), counts)
}

/// The value of counter `name` in a job client's output (`\t\tname=value`); 0 if absent,
/// as the client prints only counters that are not zero.
fn counter(output: &str, name: &str) -> u64 {
    let prefix = format!("{name}=");
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix(&prefix)?.parse().ok())
        .unwrap_or(0)
}

/// The word counts of a wordcount output directory.
async fn read_counts(dfs: &DfsClient, dir: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for status in dfs.list(dir).await.unwrap() {
        let name = status.name().to_string();
        if !name.starts_with("part-") {
            continue;
        }
        let text = read_file(dfs, &format!("{dir}/{name}")).await;
        for line in String::from_utf8(text).unwrap().lines() {
            let (word, count) = line.rsplit_once('\t').unwrap();
            counts.insert(word.to_string(), count.parse().unwrap());
        }
    }
    counts
}

/// Runs a MapReduce job binary from this machine and checks that every map ran on a host
/// (or at least the rack) of its split's replicas; returns (data-local maps, maps).
async fn run_job(cluster: &Cluster, name: &str, args: &[&str]) -> (u64, u64) {
    let started = Instant::now();
    let (code, stderr) = run_binary(&cluster.client_conf_dir, name, args).await;
    assert_eq!(code, 0, "{name} failed:\n{stderr}");
    let maps = counter(&stderr, "Launched map tasks");
    assert!(maps > 0, "{name} launched no maps:\n{stderr}");
    let data_local = counter(&stderr, "Data-local map tasks");
    let rack_local = counter(&stderr, "Rack-local map tasks");
    eprintln!(
        "multihost: {name}: {data_local} of {maps} maps data-local, {rack_local} rack-local, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        data_local + rack_local,
        maps,
        "{name}: every map runs beside a replica of its split, or on its rack:\n{stderr}"
    );
    (data_local, maps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_across_hosts_places_re_replicates_survives_a_rack_and_runs_jobs_locally() {
    let hosts = match Hosts::up(&[(RACK1, 5), (RACK2, 3)]) {
        Ok(hosts) => hosts,
        Err(reason) => {
            eprintln!("skipping the multihost test: {reason}");
            return;
        }
    };
    let started = Instant::now();
    let mut cluster = Cluster::start(hosts).await;
    eprintln!(
        "multihost: 8 hosts, 14 daemons up in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Placement: every block on three hosts, two racks, two replicas on one of them.
    let placed = content(4 * BLOCK as usize + 12_345, 7);
    write_file(&cluster.dfs, "/placement/file", &placed, 3, BLOCK).await;
    let blocks = cluster.replica_hosts("/placement/file").await;
    assert_eq!(blocks.len(), 5);
    for replicas in &blocks {
        assert!(
            rack_aware(&cluster, replicas, &[]),
            "replicas {replicas:?} on racks {:?}",
            cluster.racks(replicas)
        );
        for host in replicas {
            assert!(WORKER_HOSTS.contains(&host.as_str()), "a replica on {host}");
        }
    }

    // Jobs: maps run where their blocks are.
    let (text, expected_counts) = corpus(120_000);
    assert!(text.len() as u64 > 5 * BLOCK, "the corpus spans six blocks");
    write_file(&cluster.dfs, "/wc/in/words.txt", &text, 3, BLOCK).await;
    let (data_local, maps) = run_job(
        &cluster,
        "wordcount",
        &["-D", "mapreduce.job.reduces=2", "/wc/in", "/wc/out"],
    )
    .await;
    assert!(maps >= 6, "one map per block: {maps}");
    assert!(
        2 * data_local >= maps,
        "most maps data-local: {data_local} of {maps}"
    );
    assert_eq!(read_counts(&cluster.dfs, "/wc/out").await, expected_counts);

    run_job(
        &cluster,
        "teragen",
        &[
            "-D",
            "mapreduce.job.maps=4",
            "-D",
            "dfs.blocksize=1048576",
            "40000",
            "/tera/in",
        ],
    )
    .await;
    let (data_local, maps) = run_job(
        &cluster,
        "terasort",
        &["-D", "mapreduce.job.reduces=2", "/tera/in", "/tera/out"],
    )
    .await;
    assert!(
        2 * data_local >= maps,
        "most terasort maps data-local: {data_local} of {maps}"
    );
    run_job(&cluster, "teravalidate", &["/tera/out", "/tera/report"]).await;
    let report = read_file(&cluster.dfs, "/tera/report/part-r-00000").await;
    let report = String::from_utf8(report).unwrap();
    assert!(!report.contains("error"), "teravalidate: {report}");
    assert!(report.contains("rows\t40000"), "teravalidate: {report}");

    // A host crash: the rack2 worker with the most replicas of these files goes down.
    let files = ["/placement/file", "/wc/in/words.txt"];
    let mut replicas_on: BTreeMap<String, usize> = BTreeMap::new();
    for file in files {
        for replicas in cluster.replica_hosts(file).await {
            for host in replicas {
                *replicas_on.entry(host).or_default() += 1;
            }
        }
    }
    let (victim, lost_replicas) = replicas_on
        .iter()
        .filter(|(host, _)| cluster.hosts.host(host).rack == RACK2)
        .max_by_key(|(_, count)| **count)
        .map(|(host, count)| (host.clone(), *count))
        .expect("every block has a replica on /rack2");
    let killed_at = Instant::now();
    cluster.hosts.kill_host(&victim);
    let survivors: BTreeSet<&str> = WORKER_HOSTS
        .into_iter()
        .filter(|host| *host != victim)
        .collect();
    eventually(
        TIMEOUT,
        &format!("the NameNode declares {victim} dead"),
        async || cluster.live_datanodes_by_host().await == cluster.racks_of(&survivors),
    )
    .await;
    let detected = killed_at.elapsed();
    eventually(
        TIMEOUT,
        &format!("every block back at 3 rack-aware replicas off {victim}"),
        async || {
            for file in files {
                for replicas in cluster.replica_hosts(file).await {
                    if !rack_aware(&cluster, &replicas, &[victim.as_str()]) {
                        return false;
                    }
                }
            }
            true
        },
    )
    .await;
    eprintln!(
        "multihost: {victim} killed with {lost_replicas} replicas: declared dead after {:.1} s, \
         all re-replicated after {:.1} s",
        detected.as_secs_f64(),
        killed_at.elapsed().as_secs_f64()
    );
    eventually(
        TIMEOUT,
        &format!("the ResourceManager loses {victim}'s NodeManager"),
        async || cluster.running_nodemanagers_by_host().await == cluster.racks_of(&survivors),
    )
    .await;

    // A rack partition: /rack2 is cut off; /rack1 serves everything.
    let rack2_worker = survivors
        .iter()
        .find(|host| cluster.hosts.host(host).rack == RACK2)
        .expect("a live worker on /rack2");
    let rack2_address = format!("{}:9866", cluster.hosts.host(rack2_worker).address);
    let partitioned_at = Instant::now();
    cluster.hosts.partition(RACK2);
    let connect = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(&rack2_address),
    )
    .await;
    assert!(
        !matches!(connect, Ok(Ok(_))),
        "{rack2_address} still reachable with /rack2 partitioned"
    );
    let rack1_workers: BTreeSet<&str> = survivors
        .iter()
        .copied()
        .filter(|host| cluster.hosts.host(host).rack == RACK1)
        .collect();
    eventually(
        TIMEOUT,
        "the NameNode declares /rack2's DataNodes dead",
        async || cluster.live_datanodes_by_host().await == cluster.racks_of(&rack1_workers),
    )
    .await;
    eprintln!(
        "multihost: /rack2 partitioned: its DataNodes declared dead after {:.1} s",
        partitioned_at.elapsed().as_secs_f64()
    );
    assert_eq!(read_file(&cluster.dfs, "/placement/file").await, placed);
    assert_eq!(read_file(&cluster.dfs, "/wc/in/words.txt").await, text);
    let during = content(2 * BLOCK as usize + 99, 11);
    write_file(&cluster.dfs, "/during-partition", &during, 3, BLOCK).await;
    for replicas in cluster.replica_hosts("/during-partition").await {
        let distinct: BTreeSet<&String> = replicas.iter().collect();
        assert_eq!(distinct.len(), 3, "three replicas: {replicas:?}");
        assert_eq!(
            cluster.racks(&replicas),
            [RACK1; 3],
            "replicas {replicas:?} of a block written during the partition"
        );
    }
    assert_eq!(read_file(&cluster.dfs, "/during-partition").await, during);

    // Healed, /rack2's DataNodes come back.
    cluster.hosts.heal(RACK2);
    eventually(
        TIMEOUT,
        "/rack2's DataNodes live again after the heal",
        async || cluster.live_datanodes_by_host().await == cluster.racks_of(&survivors),
    )
    .await;
    eprintln!(
        "multihost: whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
