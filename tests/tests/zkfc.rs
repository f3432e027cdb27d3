//! The ZKFC on a real Apache ZooKeeper: the server's lifecycle, the election between two
//! ZKFCs, failover when the winner's session closes (with fencing through the breadcrumb),
//! ZooKeeper going away (the active stays active), `-formatZK`, graceful failover through
//! ZKFCProtocol, and a 3-server ensemble. The NameNodes here are small HAServiceProtocol
//! servers that record what they were told, so the ZKFC is tested on its own.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Configuration;
use minicluster::zookeeper::ZooKeeperServer;
use namenode::zkfc::{
    ElectorState, HaServiceClient, ZkFailoverController, ZkfcClient, ZkfcConfig, format_zk,
};
use proto::hdfs::ha_service_protocol_server::{HaServiceProtocol, HaServiceProtocolServer};
use proto::hdfs::{
    GetServiceStatusRequest, GetServiceStatusResponse, HaRequestSource, HaServiceState,
    MonitorHealthRequest, MonitorHealthResponse, TransitionToActiveRequest,
    TransitionToActiveResponse, TransitionToStandbyRequest, TransitionToStandbyResponse,
};
use tonic::{Request, Response, Status};
use tusk_tests::{eventually, free_port};

const WAIT: Duration = Duration::from_secs(30);
/// A ZooKeeper session timeout short enough for quick expiry, as the tests set it.
const SESSION_TIMEOUT_MS: u64 = 2000;

#[derive(Default)]
struct FakeState {
    state: i32,
    unhealthy: bool,
    refuse_standby: bool,
    /// Sources of the transitions, in order: ("active" | "standby", source).
    transitions: Vec<(&'static str, i32)>,
}

/// A NameNode's HAServiceProtocol that obeys (or refuses, when told) and records.
#[derive(Clone, Default)]
struct FakeNameNode(Arc<Mutex<FakeState>>);

impl FakeNameNode {
    fn state(&self) -> HaServiceState {
        HaServiceState::try_from(self.0.lock().unwrap().state).unwrap()
    }
    fn set_unhealthy(&self, unhealthy: bool) {
        self.0.lock().unwrap().unhealthy = unhealthy;
    }
    fn refuse_standby(&self) {
        self.0.lock().unwrap().refuse_standby = true;
    }
    fn standby_requests(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .transitions
            .iter()
            .filter(|(kind, _)| *kind == "standby")
            .count()
    }
    fn transitions(&self) -> usize {
        self.0.lock().unwrap().transitions.len()
    }
    fn last_transition(&self) -> Option<(&'static str, i32)> {
        self.0.lock().unwrap().transitions.last().copied()
    }
}

fn failed(class: &'static str, message: &str) -> Status {
    let mut status = Status::failed_precondition(message);
    status.metadata_mut().insert(
        proto::EXCEPTION_METADATA,
        tonic::metadata::MetadataValue::from_static(class),
    );
    status
}

#[tonic::async_trait]
impl HaServiceProtocol for FakeNameNode {
    async fn monitor_health(
        &self,
        _: Request<MonitorHealthRequest>,
    ) -> Result<Response<MonitorHealthResponse>, Status> {
        if self.0.lock().unwrap().unhealthy {
            return Err(failed(
                namenode::zkfc::HEALTH_CHECK_FAILED_EXCEPTION,
                "The NameNode has no resources available",
            ));
        }
        Ok(Response::new(MonitorHealthResponse {}))
    }

    async fn transition_to_active(
        &self,
        request: Request<TransitionToActiveRequest>,
    ) -> Result<Response<TransitionToActiveResponse>, Status> {
        let source = request
            .into_inner()
            .req_info
            .map_or(0, |info| info.req_source);
        let mut state = self.0.lock().unwrap();
        state.transitions.push(("active", source));
        state.state = HaServiceState::Active as i32;
        Ok(Response::new(TransitionToActiveResponse {}))
    }

    async fn transition_to_standby(
        &self,
        request: Request<TransitionToStandbyRequest>,
    ) -> Result<Response<TransitionToStandbyResponse>, Status> {
        let source = request
            .into_inner()
            .req_info
            .map_or(0, |info| info.req_source);
        let mut state = self.0.lock().unwrap();
        state.transitions.push(("standby", source));
        if state.refuse_standby {
            return Err(failed(
                namenode::zkfc::SERVICE_FAILED_EXCEPTION,
                "refusing to go standby",
            ));
        }
        state.state = HaServiceState::Standby as i32;
        Ok(Response::new(TransitionToStandbyResponse {}))
    }

    async fn get_service_status(
        &self,
        _: Request<GetServiceStatusRequest>,
    ) -> Result<Response<GetServiceStatusResponse>, Status> {
        Ok(Response::new(GetServiceStatusResponse {
            state: self.0.lock().unwrap().state,
            ready_to_become_active: true,
            not_ready_reason: String::new(),
        }))
    }
}

/// Serves `fake` on a loopback port; the server stops with the runtime.
async fn serve(fake: FakeNameNode) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(HaServiceProtocolServer::new(fake))
            .serve_with_incoming(common::net::incoming(
                listener,
                common::net::ConnectionLimits::default(),
            )),
    );
    address
}

/// Two NameNodes (fakes) of `mycluster` and the HA keys of a ZKFC beside `local`.
struct Pair {
    namenodes: [FakeNameNode; 2],
    addresses: [SocketAddr; 2],
    zkfc_ports: [u16; 2],
}

impl Pair {
    async fn start() -> Self {
        let namenodes = [FakeNameNode::default(), FakeNameNode::default()];
        let addresses = [
            serve(namenodes[0].clone()).await,
            serve(namenodes[1].clone()).await,
        ];
        Self {
            namenodes,
            addresses,
            zkfc_ports: [free_port(), free_port()],
        }
    }

    fn conf(&self, quorum: &str, local: usize, fencing: &str) -> Configuration {
        let mut conf = Configuration::new();
        for (key, value) in [
            ("dfs.nameservices", "mycluster".to_string()),
            ("dfs.ha.namenodes.mycluster", "nn1,nn2".to_string()),
            (
                "dfs.namenode.rpc-address.mycluster.nn1",
                self.addresses[0].to_string(),
            ),
            (
                "dfs.namenode.rpc-address.mycluster.nn2",
                self.addresses[1].to_string(),
            ),
            (
                "dfs.ha.zkfc.port.mycluster.nn1",
                self.zkfc_ports[0].to_string(),
            ),
            (
                "dfs.ha.zkfc.port.mycluster.nn2",
                self.zkfc_ports[1].to_string(),
            ),
            ("dfs.ha.namenode.id", format!("nn{}", local + 1)),
            ("dfs.ha.automatic-failover.enabled", "true".to_string()),
            ("dfs.ha.fencing.methods", fencing.to_string()),
            ("ha.zookeeper.quorum", quorum.to_string()),
            (
                "ha.zookeeper.session-timeout.ms",
                SESSION_TIMEOUT_MS.to_string(),
            ),
            ("ha.health-monitor.check-interval.ms", "100".to_string()),
            (
                "ha.health-monitor.connect-retry-interval.ms",
                "100".to_string(),
            ),
            ("ha.health-monitor.rpc-timeout.ms", "1000".to_string()),
            (
                "ha.failover-controller.graceful-fence.rpc-timeout.ms",
                "1000".to_string(),
            ),
            (
                "ha.failover-controller.new-active.rpc-timeout.ms",
                "5000".to_string(),
            ),
        ] {
            conf.set(key, value);
        }
        conf
    }

    fn config(&self, quorum: &str, local: usize, fencing: &str) -> ZkfcConfig {
        ZkfcConfig::from_conf(&self.conf(quorum, local, fencing)).unwrap()
    }

    async fn start_zkfc(&self, quorum: &str, local: usize, fencing: &str) -> ZkFailoverController {
        ZkFailoverController::start(self.config(quorum, local, fencing))
            .await
            .unwrap()
    }
}

/// Formats ZooKeeper for `mycluster` and starts both ZKFCs; waits for one to be active.
async fn elected(pair: &Pair, quorum: &str, fencing: &str) -> (Vec<ZkFailoverController>, usize) {
    assert!(
        format_zk(&pair.config(quorum, 0, fencing), false, |_| false)
            .await
            .unwrap()
    );
    let zkfcs = vec![
        pair.start_zkfc(quorum, 0, fencing).await,
        pair.start_zkfc(quorum, 1, fencing).await,
    ];
    let winner = eventually(WAIT, "one ZKFC to win the election", async || {
        let active: Vec<usize> = (0..2)
            .filter(|&i| zkfcs[i].state() == ElectorState::Active)
            .collect();
        let standby = (0..2).any(|i| zkfcs[i].state() == ElectorState::Standby);
        match active.as_slice() {
            [winner] if standby => Some(*winner),
            _ => None,
        }
    })
    .await;
    (zkfcs, winner)
}

#[tokio::test]
async fn the_zookeeper_server_starts_stops_and_restarts_on_its_port() {
    let mut zookeeper = ZooKeeperServer::start().await.unwrap();
    assert!(zookeeper.is_serving(0).await);
    let quorum = zookeeper.connect_string();
    assert!(quorum.starts_with("127.0.0.1:"));
    zookeeper.stop();
    assert!(!zookeeper.is_serving(0).await);
    zookeeper.restart().await.unwrap();
    assert!(zookeeper.is_serving(0).await);
    assert_eq!(zookeeper.connect_string(), quorum);
    zookeeper.kill();
    assert!(!zookeeper.is_serving(0).await);
}

#[tokio::test]
async fn two_zkfcs_elect_exactly_one_active_namenode() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(/bin/true)").await;
    let loser = 1 - winner;
    eventually(WAIT, "the NameNodes' states to follow", async || {
        pair.namenodes[winner].state() == HaServiceState::Active
            && pair.namenodes[loser].state() == HaServiceState::Standby
    })
    .await;
    assert_eq!(
        pair.namenodes[winner].last_transition(),
        Some(("active", HaRequestSource::RequestByZkfc as i32))
    );
    for zkfc in zkfcs {
        zkfc.stop().await;
    }
}

#[tokio::test]
async fn the_standby_takes_over_at_once_when_the_winners_session_closes_and_fences_it() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (mut zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(/bin/true)").await;
    let loser = 1 - winner;
    let old_standby_requests = pair.namenodes[winner].standby_requests();
    let started = std::time::Instant::now();
    zkfcs.remove(winner).stop().await;
    let survivor = &zkfcs[0];
    assert!(survivor.wait_for_state(ElectorState::Active, WAIT).await);
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(SESSION_TIMEOUT_MS),
        "failover took {took:?}"
    );
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
    // The breadcrumb named the old active: it was fenced gracefully first.
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Standby);
    assert!(pair.namenodes[winner].standby_requests() > old_standby_requests);
}

#[tokio::test]
async fn a_namenode_that_refuses_standby_is_fenced_by_the_shell_method() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("fenced");
    let fencing = format!(
        "shell(/bin/false)\nshell(echo \"$target_namenodeid $target_nameserviceid $target_address $source_namenodeid\" > {})",
        record.display()
    );
    let (mut zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), &fencing).await;
    pair.namenodes[winner].refuse_standby();
    zkfcs.remove(winner).stop().await;
    assert!(zkfcs[0].wait_for_state(ElectorState::Active, WAIT).await);
    let written = std::fs::read_to_string(&record).unwrap();
    assert_eq!(
        written.trim(),
        format!(
            "nn{} mycluster {} nn{}",
            winner + 1,
            pair.addresses[winner],
            2 - winner
        )
    );
}

#[tokio::test]
async fn no_namenode_becomes_active_when_every_fencing_method_fails() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (mut zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(exit 1)").await;
    let loser = 1 - winner;
    pair.namenodes[winner].refuse_standby();
    zkfcs.remove(winner).stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_ne!(pair.namenodes[loser].state(), HaServiceState::Active);
    assert_ne!(zkfcs[0].state(), ElectorState::Active);
}

#[tokio::test]
async fn an_unhealthy_active_quits_the_election_and_the_other_takes_over() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(/bin/true)").await;
    let loser = 1 - winner;
    pair.namenodes[winner].set_unhealthy(true);
    assert!(
        zkfcs[loser]
            .wait_for_state(ElectorState::Active, WAIT)
            .await
    );
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Standby);
    pair.namenodes[winner].set_unhealthy(false);
    assert!(
        zkfcs[winner]
            .wait_for_state(ElectorState::Standby, WAIT)
            .await
    );
}

#[tokio::test]
async fn with_zookeeper_down_the_active_stays_active() {
    let mut zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(/bin/true)").await;
    let loser = 1 - winner;
    let transitions = pair.namenodes[winner].transitions();
    zookeeper.kill();
    // Longer than the session timeout: the client gives up, but only ZooKeeper may expire it.
    tokio::time::sleep(Duration::from_millis(2 * SESSION_TIMEOUT_MS + 1000)).await;
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Active);
    assert_ne!(pair.namenodes[loser].state(), HaServiceState::Active);
    zookeeper.restart().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Active);
    assert_eq!(pair.namenodes[winner].transitions(), transitions);
    assert_ne!(pair.namenodes[loser].state(), HaServiceState::Active);
    assert_eq!(zkfcs[winner].state(), ElectorState::Active);
    // Back to normal: the active's ZKFC stopping hands over.
    let mut zkfcs = zkfcs;
    zkfcs.remove(winner).stop().await;
    assert!(zkfcs[0].wait_for_state(ElectorState::Active, WAIT).await);
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
}

#[tokio::test]
async fn graceful_failover_moves_the_active_role_through_the_zkfcs() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let (zkfcs, winner) = elected(&pair, &zookeeper.connect_string(), "shell(/bin/true)").await;
    let loser = 1 - winner;
    let target = ZkfcClient::connect(
        &format!("127.0.0.1:{}", pair.zkfc_ports[loser]),
        Duration::from_secs(30),
    )
    .unwrap();
    target.graceful_failover().await.unwrap();
    assert_eq!(zkfcs[loser].state(), ElectorState::Active);
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Standby);
    eventually(
        WAIT,
        "the old active's ZKFC to rejoin as standby",
        async || zkfcs[winner].state() == ElectorState::Standby,
    )
    .await;
    // Failing over to the active is a success that changes nothing.
    target.graceful_failover().await.unwrap();
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
}

#[tokio::test]
async fn format_zk_creates_the_znode_and_refuses_a_second_time_without_force() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let config = pair.config(&zookeeper.connect_string(), 0, "shell(/bin/true)");
    assert!(
        ZkFailoverController::start(config.clone())
            .await
            .err()
            .unwrap()
            .to_string()
            .contains(
                "Parent znode does not exist.\nRun with -formatZK flag to initialize ZooKeeper."
            )
    );
    assert!(
        format_zk(&config, false, |_| panic!("nothing to confirm"))
            .await
            .unwrap()
    );
    let mut asked = None;
    assert!(
        !format_zk(&config, false, |znode| {
            asked = Some(znode.to_string());
            false
        })
        .await
        .unwrap()
    );
    assert_eq!(asked.as_deref(), Some("/hadoop-ha/mycluster"));
    assert!(format_zk(&config, true, |_| false).await.unwrap());
    ZkFailoverController::start(config)
        .await
        .unwrap()
        .stop()
        .await;
}

#[tokio::test]
async fn hdfs_zkfc_format_zk_through_the_command_line() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_conf(
        dir.path(),
        &pair.conf(&zookeeper.connect_string(), 0, "shell(/bin/true)"),
    );
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc", "-formatZK", "-nonInteractive"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Successfully created /hadoop-ha/mycluster in ZK."),
        "{stderr}"
    );
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc", "-formatZK", "-nonInteractive"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = tusk_tests::hdfs(
        dir.path(),
        &["zkfc", "-formatZK", "-force", "-nonInteractive"],
    );
    assert_eq!(code, 0, "{stderr}");

    let mut no_quorum = pair.conf("", 0, "shell(/bin/true)");
    no_quorum.unset("ha.zookeeper.quorum");
    write_conf(dir.path(), &no_quorum);
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc", "-formatZK"]);
    assert_eq!(code, 1);
    assert!(
        stderr
            .contains("Missing required configuration 'ha.zookeeper.quorum' for ZooKeeper quorum"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_ensemble_elects_with_one_server_killed() {
    let mut zookeeper = ZooKeeperServer::start_ensemble(3).await.unwrap();
    assert_eq!(zookeeper.len(), 3);
    let pair = Pair::start().await;
    let quorum = zookeeper.connect_string();
    let (mut zkfcs, winner) = elected(&pair, &quorum, "shell(/bin/true)").await;
    let loser = 1 - winner;
    zookeeper.kill_server(0);
    zkfcs.remove(winner).stop().await;
    assert!(zkfcs[0].wait_for_state(ElectorState::Active, WAIT).await);
    assert_eq!(pair.namenodes[loser].state(), HaServiceState::Active);
    let restarted = pair.start_zkfc(&quorum, winner, "shell(/bin/true)").await;
    assert!(restarted.wait_for_state(ElectorState::Standby, WAIT).await);
    assert_eq!(pair.namenodes[winner].state(), HaServiceState::Standby);
}

#[tokio::test]
async fn health_checks_reach_a_namenode_through_the_client() {
    let pair = Pair::start().await;
    let client =
        HaServiceClient::connect(&pair.addresses[0].to_string(), Duration::from_secs(5)).unwrap();
    client.monitor_health().await.unwrap();
    pair.namenodes[0].set_unhealthy(true);
    assert!(matches!(
        client.monitor_health().await,
        Err(namenode::zkfc::TargetError::Unhealthy(_))
    ));
}

/// Writes `conf` as the conf dir's hdfs-site.xml (and an empty core-site.xml).
fn write_conf(dir: &Path, conf: &Configuration) {
    let defaults = Configuration::new();
    let mut xml = String::from("<configuration>\n");
    for (key, value) in conf.iter() {
        if defaults.get(&key).as_ref() == Some(&value) {
            continue;
        }
        xml.push_str(&format!(
            "<property><name>{key}</name><value>{}</value></property>\n",
            value.replace('&', "&amp;").replace('<', "&lt;")
        ));
    }
    xml.push_str("</configuration>\n");
    std::fs::write(dir.join("hdfs-site.xml"), xml).unwrap();
    std::fs::write(dir.join("core-site.xml"), "<configuration/>\n").unwrap();
}

#[tokio::test]
async fn hdfs_zkfc_runs_the_daemon_and_refuses_a_bad_setup() {
    let zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let dir = tempfile::tempdir().unwrap();
    let quorum = zookeeper.connect_string();

    let mut manual = pair.conf(&quorum, 0, "shell(/bin/true)");
    manual.set("dfs.ha.automatic-failover.enabled", "false");
    write_conf(dir.path(), &manual);
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("Automatic failover is not enabled for NameNode at "),
        "{stderr}"
    );

    write_conf(dir.path(), &pair.conf(&quorum, 0, "shell(/bin/true)"));
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "Parent znode does not exist.\nRun with -formatZK flag to initialize ZooKeeper."
        ),
        "{stderr}"
    );

    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc", "-formatZK", "-nonInteractive"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = tusk_tests::hdfs(dir.path(), &["zkfc", "-bogus"]);
    assert_eq!(code, 255);
    assert!(stderr.contains("Usage: hdfs zkfc [ -formatZK [-force] [-nonInteractive] ]"));

    let mut daemon = std::process::Command::new(tusk_tests::binary("hdfs"))
        .arg("zkfc")
        .env("HADOOP_CONF_DIR", dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually(WAIT, "the ZKFC process to make nn1 active", async || {
        pair.namenodes[0].state() == HaServiceState::Active
    })
    .await;
    // SIGTERM: the daemon stops cleanly and its lock goes with its session.
    // SAFETY: signals our own child.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let status = daemon.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let zkfc = pair.start_zkfc(&quorum, 1, "shell(/bin/true)").await;
    assert!(zkfc.wait_for_state(ElectorState::Active, WAIT).await);
    assert_eq!(pair.namenodes[0].state(), HaServiceState::Standby);
}

#[tokio::test]
async fn an_expired_session_sends_the_active_to_standby_and_the_zkfcs_rejoin() {
    let mut zookeeper = ZooKeeperServer::start().await.unwrap();
    let pair = Pair::start().await;
    let quorum = zookeeper.connect_string();
    let (zkfcs, winner) = elected(&pair, &quorum, "shell(/bin/true)").await;
    // A ZooKeeper that lost its data knows no session: each ZKFC's session has expired.
    zookeeper.kill();
    std::fs::remove_dir_all(zookeeper.server_dir(0).join("data").join("version-2")).unwrap();
    zookeeper.restart().await.unwrap();
    eventually(WAIT, "the old active to go standby", async || {
        pair.namenodes[winner].state() == HaServiceState::Standby
    })
    .await;
    assert!(
        format_zk(&pair.config(&quorum, 0, "shell(/bin/true)"), false, |_| {
            false
        })
        .await
        .unwrap()
    );
    eventually(
        WAIT,
        "a new session of each ZKFC to elect again",
        async || {
            let states = [zkfcs[0].state(), zkfcs[1].state()];
            states.contains(&ElectorState::Active) && states.contains(&ElectorState::Standby)
        },
    )
    .await;
    let active = (0..2)
        .find(|&i| zkfcs[i].state() == ElectorState::Active)
        .unwrap();
    eventually(WAIT, "its NameNode to be active", async || {
        pair.namenodes[active].state() == HaServiceState::Active
    })
    .await;
}
