//! The endpoints every daemon serves on its HTTP port, as Hadoop's HttpServer2 adds
//! them (`/jmx`, `/prom`, `/conf`, `/stacks`, `/logLevel`, `/logs/`, and a 404 page
//! that says what exists), checked over real sockets on each daemon of a mini-cluster:
//! NameNode, DataNode, JournalNode, SecondaryNameNode, ResourceManager, NodeManager
//! and JobHistoryServer.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use common::Configuration;
use mapreduce::yarn::historyserver::HistoryServer;
use minicluster::MiniCluster;
use namenode::{SecondaryConfig, SecondaryDaemon};
use serde_json::Value;
use tusk_tests::{eventually, http};

/// The replication the cluster sets, which every daemon's `/conf` must show.
const REPLICATION: &str = "2";

/// One daemon's HTTP port and a metric of its own to compare between `/jmx` and `/prom`.
struct Daemon {
    service: &'static str,
    address: String,
    /// `(bean, attribute, Prometheus name)`.
    metric: (String, &'static str, &'static str),
}

impl Daemon {
    fn new(
        service: &'static str,
        address: String,
        bean: &str,
        attribute: &'static str,
        prom: &'static str,
    ) -> Self {
        Self {
            service,
            address,
            metric: (
                format!("Hadoop:service={service},name={bean}"),
                attribute,
                prom,
            ),
        }
    }

    /// A daemon whose only metrics are the process's (`JvmMetrics`).
    fn process_only(service: &'static str, address: String) -> Self {
        Self::new(
            service,
            address,
            "JvmMetrics",
            "ThreadsWaiting",
            "jvm_metrics_threads_waiting",
        )
    }
}

/// `GET path` on `address`, off the async workers (the helper blocks).
async fn get(address: &str, path: &str) -> (u16, String) {
    let (address, head) = (address.to_string(), format!("GET {path} HTTP/1.1"));
    tokio::task::spawn_blocking(move || http(&address, &head, b""))
        .await
        .expect("the request thread")
}

async fn get_json(address: &str, path: &str) -> Value {
    let (status, body) = get(address, path).await;
    assert_eq!(status, 200, "GET {path} on {address}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("GET {path}: {error}: {body}"))
}

/// The beans' names in a `/jmx` answer.
fn bean_names(jmx: &Value) -> Vec<String> {
    jmx["beans"]
        .as_array()
        .expect("a beans array")
        .iter()
        .map(|bean| bean["name"].as_str().expect("a bean name").to_string())
        .collect()
}

/// Checks every line of a Prometheus text answer strictly (a `# TYPE` line, or
/// `name[{labels}] value`), then parses it with a Prometheus parser; returns the samples.
fn parse_prometheus(text: &str) -> Vec<prometheus_parse::Sample> {
    let is_name = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let mut sample_lines = 0;
    for line in text.lines() {
        if let Some(declaration) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declaration.split_once(' ').expect("# TYPE name kind");
            assert!(is_name(name), "bad metric name in {line:?}");
            assert!(matches!(kind, "gauge" | "counter"), "bad type in {line:?}");
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        let name = match series.split_once('{') {
            Some((name, labels)) => {
                assert!(labels.ends_with('}'), "unclosed labels in {line:?}");
                name
            }
            None => series,
        };
        assert!(is_name(name), "bad metric name in {line:?}");
        assert!(value.parse::<f64>().is_ok(), "bad value in {line:?}");
        sample_lines += 1;
    }
    let lines = text.lines().map(|line| Ok(line.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text parses");
    assert_eq!(
        scrape.samples.len(),
        sample_lines,
        "every sample line parsed:\n{text}"
    );
    scrape.samples
}

fn sample_value(sample: &prometheus_parse::Sample) -> f64 {
    match sample.value {
        prometheus_parse::Value::Gauge(value)
        | prometheus_parse::Value::Counter(value)
        | prometheus_parse::Value::Untyped(value) => value,
        _ => panic!("{} is neither a gauge nor a counter", sample.metric),
    }
}

async fn check_conf(daemon: &Daemon) {
    let (status, xml) = get(&daemon.address, "/conf").await;
    assert_eq!(status, 200, "{}: /conf: {xml}", daemon.service);
    let document = roxmltree::Document::parse(&xml).expect("/conf is XML");
    assert!(document.root_element().has_tag_name("configuration"));
    let replication = document
        .descendants()
        .filter(|node| node.has_tag_name("property"))
        .find(|property| {
            property
                .children()
                .any(|child| child.text() == Some("dfs.replication"))
        })
        .unwrap_or_else(|| panic!("{}: no dfs.replication in /conf", daemon.service));
    let field = |tag: &str| {
        replication
            .children()
            .find(|child| child.has_tag_name(tag))
            .and_then(|child| child.text())
    };
    assert_eq!(field("value"), Some(REPLICATION));
    assert_eq!(field("final"), Some("false"));
    assert!(field("source").is_some());

    let json = get_json(&daemon.address, "/conf?format=json").await;
    let properties = json["properties"].as_array().expect("a properties array");
    let entry = properties
        .iter()
        .find(|entry| entry["key"] == "dfs.replication")
        .unwrap_or_else(|| panic!("{}: no dfs.replication in /conf JSON", daemon.service));
    assert_eq!(entry["value"], REPLICATION);
    assert_eq!(entry["isFinal"], false);
    assert!(entry["resource"].is_string());

    let one = get_json(&daemon.address, "/conf?format=json&name=dfs.replication").await;
    assert_eq!(one["property"]["value"], REPLICATION);
    let (status, body) = get(&daemon.address, "/conf?format=yaml").await;
    assert_eq!((status, body.trim()), (400, "Bad format: yaml"));
    let (status, body) = get(&daemon.address, "/conf?name=no.such.key").await;
    assert_eq!(
        (status, body.trim()),
        (404, "Property no.such.key not found")
    );
}

async fn check_jmx(daemon: &Daemon) {
    let all = bean_names(&get_json(&daemon.address, "/jmx").await);
    let (bean, attribute, _) = &daemon.metric;
    assert!(
        all.contains(bean),
        "{}: /jmx lacks {bean}: {all:?}",
        daemon.service
    );

    let only = get_json(&daemon.address, &format!("/jmx?qry={bean}")).await;
    assert_eq!(
        bean_names(&only),
        std::slice::from_ref(bean),
        "{}: qry={bean}",
        daemon.service
    );
    assert!(only["beans"][0][*attribute].is_number());

    let service_prefix = format!("Hadoop:service={},", daemon.service);
    let pattern = format!("/jmx?qry=Hadoop:service={},name=*", daemon.service);
    let matched = bean_names(&get_json(&daemon.address, &pattern).await);
    assert!(!matched.is_empty());
    assert!(
        matched.iter().all(|name| name.starts_with(&service_prefix)),
        "{matched:?}"
    );
    let none = get_json(&daemon.address, "/jmx?qry=Hadoop:service=NoSuchDaemon,*").await;
    assert!(bean_names(&none).is_empty());

    let got = get_json(&daemon.address, &format!("/jmx?get={bean}::{attribute}")).await;
    let fields = got["beans"][0].as_object().expect("one bean");
    assert!(fields.contains_key(*attribute));
    assert_eq!(
        fields.len(),
        3,
        "name, modelerType and {attribute}: {fields:?}"
    );
    let (status, _) = get(&daemon.address, "/jmx?qry=Hadoop").await;
    assert_eq!(status, 400, "a malformed qry");
}

/// `/prom` parses, and its value of the daemon's metric is the one `/jmx` gives (polled
/// until the two answers are taken while the number stands still).
async fn check_prom(daemon: &Daemon) {
    let (bean, attribute, prom_name) = daemon.metric.clone();
    let service = daemon.service;
    eventually(
        Duration::from_secs(20),
        "/prom to agree with /jmx",
        async || {
            let (status, text) = get(&daemon.address, "/prom").await;
            assert_eq!(status, 200, "{service}: /prom");
            let samples = parse_prometheus(&text);
            let sample = samples
                .iter()
                .find(|sample| {
                    sample.metric == prom_name
                        && sample
                            .labels
                            .get("processname")
                            .is_none_or(|name| name == service)
                })
                .unwrap_or_else(|| panic!("{service}: no {prom_name} in\n{text}"));
            let process = samples
                .iter()
                .find(|sample| sample.metric == "jvm_metrics_threads_runnable")
                .unwrap_or_else(|| panic!("{service}: no process metrics in\n{text}"));
            assert_eq!(process.labels.get("processname"), Some(service));
            assert!(
                process.labels.get("hostname").is_some(),
                "{service}: no hostname label"
            );
            let jmx = get_json(&daemon.address, &format!("/jmx?qry={bean}")).await;
            let from_jmx = jmx["beans"][0][attribute].as_f64().expect("a number");
            sample_value(sample) == from_jmx
        },
    )
    .await;
}

async fn check_stacks(daemon: &Daemon) {
    let (status, text) = get(&daemon.address, "/stacks").await;
    assert_eq!(status, 200);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Process Thread Dump: "));
    let count: usize = lines
        .next()
        .and_then(|line| line.strip_suffix(" active threads"))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{}: no thread count in\n{text}", daemon.service));
    let blocks = text
        .lines()
        .filter(|line| line.starts_with("Thread "))
        .count();
    let states = text
        .lines()
        .filter(|line| line.starts_with("  State: "))
        .count();
    assert!(count >= 2, "a tokio runtime has several threads:\n{text}");
    assert_eq!((blocks, states), (count, count), "{text}");
    // This process's main thread is listed under its id, the process id.
    assert!(
        text.contains(&format!("Thread {} (", std::process::id())),
        "{text}"
    );
}

async fn check_not_found(daemon: &Daemon) {
    let (status, body) = get(&daemon.address, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(body.contains(daemon.service), "{body}");
    for endpoint in ["/jmx", "/prom", "/conf", "/stacks", "/logLevel", "/logs/"] {
        assert!(
            body.contains(&format!("href=\"{endpoint}\"")),
            "{endpoint} not listed: {body}"
        );
    }
}

/// Starts a SecondaryNameNode on the cluster's NameNode, HTTP on port 0.
async fn start_secondary(conf: &Configuration, dir: &Path) -> SecondaryDaemon {
    let mut conf = conf.clone();
    conf.set("dfs.namenode.secondary.http-address", "127.0.0.1:0");
    conf.set(
        "dfs.namenode.checkpoint.dir",
        dir.join("checkpoint").display().to_string(),
    );
    let config = SecondaryConfig::from_conf(&conf).expect("SecondaryNameNode config");
    SecondaryDaemon::start(config)
        .await
        .expect("SecondaryNameNode starts")
}

async fn start_history_server(conf: &Configuration) -> HistoryServer {
    let mut conf = conf.clone();
    conf.set("mapreduce.jobhistory.webapp.address", "127.0.0.1:0");
    HistoryServer::start(&conf)
        .await
        .expect("JobHistoryServer starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_daemon_serves_conf_jmx_prom_stacks_and_a_404_page() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .journal_nodes(1)
        .nodemanagers(1)
        .set("dfs.replication", REPLICATION)
        .build()
        .await
        .expect("mini-cluster");
    cluster
        .wait_nodemanagers(1, Duration::from_secs(30))
        .await
        .expect("the NodeManager registers");
    let secondary = start_secondary(cluster.conf(), cluster.base_dir()).await;
    let history = start_history_server(cluster.conf()).await;
    let rm_address = cluster
        .resourcemanager_web_url()
        .expect("RM web")
        .trim_start_matches("http://")
        .to_string();
    let daemons = [
        Daemon::new(
            "NameNode",
            cluster.namenode_http_address().to_string(),
            "FSNamesystem",
            "FilesTotal",
            "fs_namesystem_files_total",
        ),
        Daemon::new(
            "DataNode",
            cluster
                .datanode_http_address(0)
                .await
                .expect("DataNode web"),
            "DataNodeInfo",
            "BlockCount",
            "data_node_info_block_count",
        ),
        Daemon::process_only(
            "JournalNode",
            cluster
                .journal_node(0)
                .expect("JournalNode")
                .http_address()
                .to_string(),
        ),
        Daemon::process_only("SecondaryNameNode", secondary.http_address().to_string()),
        Daemon::new(
            "ResourceManager",
            rm_address,
            "ClusterMetrics",
            "NumActiveNMs",
            "cluster_metrics_num_active_n_ms",
        ),
        Daemon::new(
            "NodeManager",
            cluster
                .nodemanager(0)
                .expect("NodeManager")
                .http_address()
                .to_string(),
            "NodeManagerMetrics",
            "ContainersRunning",
            "node_manager_metrics_containers_running",
        ),
        Daemon::process_only("JobHistoryServer", history.web_address().to_string()),
    ];
    for daemon in &daemons {
        check_conf(daemon).await;
        check_jmx(daemon).await;
        check_prom(daemon).await;
        check_stacks(daemon).await;
        check_not_found(daemon).await;
    }

    // The RM's node count reached /prom through the same bean as /jmx.
    let rm = &daemons[4];
    let jmx = get_json(
        &rm.address,
        "/jmx?get=Hadoop:service=ResourceManager,name=ClusterMetrics::NumActiveNMs",
    )
    .await;
    assert_eq!(jmx["beans"][0]["NumActiveNMs"], 1);
    let (status, body) = get(
        &rm.address,
        "/jmx?get=Hadoop:service=ResourceManager,name=ClusterMetrics::NoSuch",
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("No attribute with name NoSuch was found."),
        "{body}"
    );

    // Without hadoop.log.dir (nor HADOOP_LOG_DIR), /logs/ says why there is nothing.
    if std::env::var_os("HADOOP_LOG_DIR").is_none() {
        let (status, body) = get(&daemons[0].address, "/logs/").await;
        assert_eq!(status, 404);
        assert!(body.contains("hadoop.log.dir"), "{body}");
    }
    history.stop().await;
    secondary.stop().await;
    cluster.shutdown().await;
}

/// The lines `hadoop daemonlog` prints from a `/logLevel` page: those behind the
/// output marker, tags stripped.
fn daemonlog_output(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|line| line.strip_prefix("<!-- OUTPUT -->"))
        .map(|line| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in line.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_level_gets_and_sets_what_is_logged() {
    common::logging::init("info");
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .build()
        .await
        .expect("mini-cluster");
    let namenode = cluster.namenode_http_address().to_string();
    let datanode = cluster
        .datanode_http_address(0)
        .await
        .expect("DataNode web");

    let (status, page) = get(&namenode, "/logLevel?log=tusk_daemon_http_probe").await;
    assert_eq!(status, 200);
    let output = daemonlog_output(&page);
    assert!(
        output.contains(&"Submitted Class Name: tusk_daemon_http_probe".to_string()),
        "{page}"
    );
    assert!(
        output.contains(&"Effective Level: INFO".to_string()),
        "{page}"
    );
    assert!(!tracing::enabled!(target: "tusk_daemon_http_probe", tracing::Level::DEBUG));

    let (_, page) = get(
        &namenode,
        "/logLevel?log=tusk_daemon_http_probe&level=DEBUG",
    )
    .await;
    let output = daemonlog_output(&page);
    assert!(
        output.contains(&"Setting Level to DEBUG ...".to_string()),
        "{page}"
    );
    assert!(
        output.contains(&"Effective Level: DEBUG".to_string()),
        "{page}"
    );
    assert!(tracing::enabled!(target: "tusk_daemon_http_probe", tracing::Level::DEBUG));
    assert!(!tracing::enabled!(target: "tusk_daemon_http_other", tracing::Level::DEBUG));

    // One subscriber serves the process: the DataNode sees the NameNode's change, and a
    // level set there turns the target's events off.
    let (_, page) = get(&datanode, "/logLevel?log=tusk_daemon_http_probe").await;
    assert!(
        daemonlog_output(&page).contains(&"Effective Level: DEBUG".to_string()),
        "{page}"
    );
    let (_, page) = get(&datanode, "/logLevel?log=tusk_daemon_http_probe&level=off").await;
    assert!(
        daemonlog_output(&page).contains(&"Effective Level: OFF".to_string()),
        "{page}"
    );
    assert!(!tracing::enabled!(target: "tusk_daemon_http_probe", tracing::Level::ERROR));

    let (_, page) = get(&namenode, "/logLevel?log=tusk_daemon_http_probe&level=LOUD").await;
    let output = daemonlog_output(&page);
    assert!(output.contains(&"Bad Level : LOUD".to_string()), "{page}");
    assert!(
        output.contains(&"Effective Level: OFF".to_string()),
        "{page}"
    );
    // The form page without a target, as Hadoop's.
    let (status, page) = get(&namenode, "/logLevel").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<h1>Log Level</h1>") && page.contains("name='level'"),
        "{page}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logs_serves_the_log_dir_and_nothing_outside_it() {
    let base = tempfile::tempdir().expect("temp dir");
    let log_dir = base.path().join("logs");
    std::fs::create_dir_all(log_dir.join("old")).expect("log dirs");
    std::fs::write(log_dir.join("hadoop-namenode.log"), "started\n").expect("a log file");
    std::fs::write(log_dir.join("old/hadoop-namenode.log.1"), "earlier\n").expect("an old log");
    std::fs::write(base.path().join("secret.txt"), "not a log\n").expect("a file outside");
    std::os::unix::fs::symlink(base.path().join("secret.txt"), log_dir.join("escape.log"))
        .expect("a link out of the log dir");
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .set("hadoop.log.dir", &log_dir.display().to_string())
        .build()
        .await
        .expect("mini-cluster");
    let datanode = cluster
        .datanode_http_address(0)
        .await
        .expect("DataNode web");
    for address in [cluster.namenode_http_address().to_string(), datanode] {
        let (status, listing) = get(&address, "/logs/").await;
        assert_eq!(status, 200);
        for link in ["/logs/hadoop-namenode.log", "/logs/old/"] {
            assert!(
                listing.contains(&format!("href=\"{link}\"")),
                "{link}: {listing}"
            );
        }
        assert_eq!(
            get(&address, "/logs/hadoop-namenode.log").await,
            (200, "started\n".to_string())
        );
        let (status, listing) = get(&address, "/logs/old/").await;
        assert_eq!(status, 200);
        assert!(
            listing.contains("href=\"/logs/old/hadoop-namenode.log.1\""),
            "{listing}"
        );
        assert_eq!(
            get(&address, "/logs/old/hadoop-namenode.log.1").await,
            (200, "earlier\n".to_string())
        );
        assert_eq!(get(&address, "/logs/no-such.log").await.0, 404);
        let (status, _) = get(&address, "/logs").await;
        assert_eq!(status, 308, "/logs redirects to /logs/");

        let mut refused = HashMap::new();
        for path in [
            "/logs/../secret.txt",
            "/logs/old/../../secret.txt",
            "/logs/%2e%2e/secret.txt",
            "/logs/..%2fsecret.txt",
            "/logs/escape.log",
        ] {
            let (status, body) = get(&address, path).await;
            assert!(
                !body.contains("not a log"),
                "{path} leaked the file outside: {body}"
            );
            refused.insert(path, status);
        }
        assert!(refused.values().all(|&status| status == 403), "{refused:?}");
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_namenode_counts_its_rpc_calls() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .build()
        .await
        .expect("mini-cluster");
    let client = cluster.client().unwrap();
    for index in 0..7 {
        client
            .mkdirs(
                &format!("/rpc/{index}"),
                common::FsPermission::new(0o755),
                true,
            )
            .await
            .unwrap();
    }
    for _ in 0..3 {
        client.get_file_info("/rpc").await.unwrap();
    }
    let http = cluster.namenode_http_address().to_string();
    let port = cluster.namenode_rpc_address().port();
    let bean = |jmx: &Value| jmx["beans"][0].clone();
    let detailed = bean(
        &get_json(
            &http,
            &format!("/jmx?qry=Hadoop:service=NameNode,name=RpcDetailedActivityForPort{port}"),
        )
        .await,
    );
    assert_eq!(detailed["MkdirsNumOps"], 7, "{detailed}");
    assert!(
        detailed["MkdirsAvgTime"].as_f64().unwrap() > 0.0,
        "{detailed}"
    );
    let activity = bean(
        &get_json(
            &http,
            &format!("/jmx?qry=Hadoop:service=NameNode,name=RpcActivityForPort{port}"),
        )
        .await,
    );
    assert!(
        activity["RpcProcessingTimeNumOps"].as_u64().unwrap() >= 10,
        "{activity}"
    );
    let namenode = bean(
        &get_json(
            &http,
            "/jmx?qry=Hadoop:service=NameNode,name=NameNodeActivity",
        )
        .await,
    );
    assert!(namenode["FileInfoOps"].as_u64().unwrap() >= 3, "{namenode}");
    let (_, prom) = get(&http, "/prom").await;
    // Hadoop's names: the record (`rpcdetailed`, `rpc`) then the metric, in snake case.
    let mkdirs = prom
        .lines()
        .find(|line| line.starts_with("rpcdetailed_mkdirs_num_ops{"))
        .unwrap_or_else(|| panic!("no rpcdetailed_mkdirs_num_ops in {prom}"));
    assert!(mkdirs.ends_with(" 7"), "{mkdirs}");
    assert!(mkdirs.contains(&format!("port=\"{port}\"")), "{mkdirs}");
    assert!(
        prom.lines()
            .any(|line| line.starts_with("rpc_rpc_processing_time_num_ops{")),
        "{prom}"
    );
    cluster.shutdown().await;
}
