//! The ActiveStandbyElector and the ZKFC's reactions to it, in one task: while the local
//! NameNode is healthy, hold (or wait for) the ephemeral `<parent>/<ns>/ActiveStandbyElectorLock`;
//! the holder fences the NameNode named by the persistent `ActiveBreadCrumb`, writes itself
//! there and makes its NameNode active. The lock is watched, so a standby reacts to its
//! deletion at once.

use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use proto::hdfs::HaRequestSource;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use zookeeper_client::{
    Acls, Client, CreateMode, Error as ZkError, OneshotWatcher, SessionInfo, SessionState,
    StateWatcher, WatchedEvent,
};

use super::config::{HaServiceTarget, ZkfcConfig};
use super::fence;
use super::health::HealthState;
use super::target::{HaServiceClient, ZkfcClient};

/// Name of the ephemeral lock znode under `<parent>/<ns>`.
pub const LOCK_ZNODE: &str = "ActiveStandbyElectorLock";
/// Name of the persistent breadcrumb znode under `<parent>/<ns>`.
pub const BREADCRUMB_ZNODE: &str = "ActiveBreadCrumb";
/// Hadoop's `SLEEP_AFTER_FAILURE_TO_BECOME_ACTIVE`: how long a ZKFC whose NameNode could not
/// become active stays out of the election, so another can win.
const SLEEP_AFTER_FAILURE_TO_BECOME_ACTIVE: Duration = Duration::from_secs(1);
/// Pause before retrying a ZooKeeper operation or connection that failed.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// The identity a ZKFC writes in the lock and the breadcrumb: Hadoop's `ActiveNodeInfo`
/// (HAZKInfo.proto), with its field numbers.
#[derive(Clone, PartialEq, Message)]
pub struct ActiveNodeInfo {
    #[prost(string, tag = "1")]
    pub nameservice_id: String,
    #[prost(string, tag = "2")]
    pub namenode_id: String,
    #[prost(string, tag = "3")]
    pub hostname: String,
    #[prost(int32, tag = "4")]
    pub port: i32,
    #[prost(int32, tag = "5")]
    pub zkfc_port: i32,
}

impl ActiveNodeInfo {
    /// The identity of `target`.
    pub fn of(target: &HaServiceTarget) -> Self {
        let (hostname, port) = split(&target.rpc_address);
        let (_, zkfc_port) = split(&target.zkfc_address);
        Self {
            nameservice_id: target.nameservice_id.clone(),
            namenode_id: target.namenode_id.clone(),
            hostname,
            port,
            zkfc_port,
        }
    }

    /// The NameNode this identity names.
    pub fn target(&self) -> HaServiceTarget {
        HaServiceTarget {
            nameservice_id: self.nameservice_id.clone(),
            namenode_id: self.namenode_id.clone(),
            rpc_address: format!("{}:{}", self.hostname, self.port),
            zkfc_address: format!("{}:{}", self.hostname, self.zkfc_port),
        }
    }
}

fn split(address: &str) -> (String, i32) {
    match address.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse().unwrap_or(0)),
        None => (address.to_string(), 0),
    }
}

/// Hadoop's `ActiveStandbyElector.State`, as this ZKFC sees its NameNode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElectorState {
    /// Not in the election (or not decided yet).
    Init,
    /// Holds the lock; its NameNode is active.
    Active,
    /// Another ZKFC holds the lock; its NameNode is standby.
    Standby,
}

/// A request from the ZKFCProtocol server.
pub(super) enum Command {
    /// cedeActive(millis).
    Cede {
        millis: u32,
        reply: oneshot::Sender<()>,
    },
    /// The identity in the lock znode, if any.
    CurrentActive {
        reply: oneshot::Sender<Result<Option<ActiveNodeInfo>, String>>,
    },
}

/// The znodes of one nameservice's election.
#[derive(Debug, Clone)]
pub(super) struct Znodes {
    pub lock: String,
    pub breadcrumb: String,
}

impl Znodes {
    pub fn new(config: &ZkfcConfig) -> Self {
        let base = config.znode();
        Self {
            lock: format!("{base}/{LOCK_ZNODE}"),
            breadcrumb: format!("{base}/{BREADCRUMB_ZNODE}"),
        }
    }
}

/// Connects a ZooKeeper session with the configured quorum and session timeout.
pub(super) async fn connect(config: &ZkfcConfig) -> Result<Client, ZkError> {
    connect_session(config, None).await
}

/// Connects a new session, or re-establishes `session` (which fails with
/// `SessionExpired` once ZooKeeper has expired it).
async fn connect_session(
    config: &ZkfcConfig,
    session: Option<SessionInfo>,
) -> Result<Client, ZkError> {
    let mut connector = Client::connector().with_session_timeout(config.session_timeout);
    if let Some(session) = session {
        connector = connector.with_session(session);
    }
    let attempt = connector.connect(&config.quorum);
    match tokio::time::timeout(config.session_timeout + RETRY_PAUSE, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ZkError::Timeout),
    }
}

/// The watch on the lock znode, as a task; dropping it drops the watch.
struct LockEvent(tokio::task::JoinHandle<WatchedEvent>);

impl LockEvent {
    fn new(watcher: OneshotWatcher) -> Self {
        Self(tokio::spawn(watcher.changed()))
    }
}

impl Drop for LockEvent {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The election task's state.
pub(super) struct Elector {
    config: Arc<ZkfcConfig>,
    znodes: Znodes,
    identity: Vec<u8>,
    local: HaServiceClient,
    zk: Option<Client>,
    zk_states: Option<StateWatcher>,
    /// A session the client gave up on (ZooKeeper unreachable), to re-establish: only
    /// ZooKeeper can tell whether it expired.
    lost_session: Option<SessionInfo>,
    health: watch::Receiver<HealthState>,
    commands: mpsc::Receiver<Command>,
    shutdown: watch::Receiver<bool>,
    status: watch::Sender<ElectorState>,
    want_election: bool,
    /// No joining before this (after cedeActive or a failure to become active).
    delay_until: Option<Instant>,
    /// When to retry a failed connection or ZooKeeper operation.
    retry_at: Option<Instant>,
    lock_event: Option<LockEvent>,
}

enum Event {
    Shutdown,
    Health,
    Session(SessionState),
    LockChanged,
    Command(Command),
    Timer,
}

impl Elector {
    pub fn new(
        config: Arc<ZkfcConfig>,
        local_target: &HaServiceTarget,
        zk: Client,
        health: watch::Receiver<HealthState>,
        commands: mpsc::Receiver<Command>,
        shutdown: watch::Receiver<bool>,
        status: watch::Sender<ElectorState>,
    ) -> Result<Self, super::target::TargetError> {
        let local = HaServiceClient::connect(&local_target.rpc_address, config.new_active_timeout)?;
        Ok(Self {
            znodes: Znodes::new(&config),
            identity: ActiveNodeInfo::of(local_target).encode_to_vec(),
            local,
            zk_states: Some(zk.state_watcher()),
            zk: Some(zk),
            lost_session: None,
            health,
            commands,
            shutdown,
            status,
            want_election: false,
            delay_until: None,
            retry_at: None,
            lock_event: None,
            config,
        })
    }

    fn state(&self) -> ElectorState {
        *self.status.borrow()
    }

    fn set_state(&self, state: ElectorState) {
        self.status.send_replace(state);
    }

    /// Runs until shutdown; the session is closed when the task ends (the lock goes with it).
    pub async fn run(mut self) {
        self.recheck_electability().await;
        loop {
            let event = self.next_event().await;
            match event {
                Event::Shutdown => {
                    tracing::info!("Terminating ZK connection for elector");
                    return;
                }
                Event::Health => self.recheck_electability().await,
                Event::Session(state) => self.on_session_state(state).await,
                Event::LockChanged => {
                    self.lock_event = None;
                    if self.want_election {
                        self.join().await;
                    }
                }
                Event::Command(command) => self.on_command(command).await,
                Event::Timer => self.on_timer().await,
            }
        }
    }

    async fn next_event(&mut self) -> Event {
        let wake = [self.delay_until, self.retry_at]
            .into_iter()
            .flatten()
            .min();
        let Self {
            shutdown,
            health,
            zk_states,
            lock_event,
            commands,
            ..
        } = self;
        tokio::select! {
            _ = shutdown.changed() => Event::Shutdown,
            changed = health.changed() => match changed {
                Ok(()) => Event::Health,
                Err(_) => Event::Shutdown,
            },
            state = async {
                match zk_states.as_mut() {
                    Some(states) => states.changed().await,
                    None => std::future::pending().await,
                }
            } => Event::Session(state),
            _ = async {
                match lock_event.as_mut() {
                    Some(event) => {
                        let _ = (&mut event.0).await;
                    }
                    None => std::future::pending().await,
                }
            } => Event::LockChanged,
            command = commands.recv() => match command {
                Some(command) => Event::Command(command),
                None => Event::Shutdown,
            },
            _ = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => Event::Timer,
        }
    }

    async fn on_timer(&mut self) {
        let now = Instant::now();
        if self.delay_until.is_some_and(|until| until <= now) {
            self.delay_until = None;
            self.recheck_electability().await;
        }
        if self.retry_at.is_some_and(|at| at <= now) {
            self.retry_at = None;
            if self.zk.is_none() {
                self.reconnect().await;
            } else if self.want_election {
                self.join().await;
            }
        }
    }

    async fn on_session_state(&mut self, state: SessionState) {
        match state {
            SessionState::Disconnected => {
                // Hadoop's enterNeutralMode: nothing changes until the session is known lost.
                tracing::info!("Session disconnected. Entering neutral mode...");
            }
            SessionState::SyncConnected | SessionState::ConnectedReadOnly => {
                tracing::info!("Session connected.");
                if self.want_election {
                    self.join().await;
                }
            }
            SessionState::Expired | SessionState::Closed | SessionState::AuthFailed => {
                // The client gives a session up when it cannot reach ZooKeeper for a while;
                // ZooKeeper itself may still hold it (and our lock), as Hadoop's client would
                // keep assuming: stay as we are until ZooKeeper answers.
                tracing::info!("Session lost ({state}). Entering neutral mode...");
                self.lost_session = self.zk.take().map(|zk| zk.session().clone());
                self.zk_states = None;
                self.lock_event = None;
                self.reconnect().await;
            }
        }
    }

    async fn reconnect(&mut self) {
        tracing::info!("Trying to re-establish ZK session");
        if let Some(session) = self.lost_session.clone() {
            match connect_session(&self.config, Some(session)).await {
                Ok(zk) => {
                    tracing::info!(
                        "Session re-established (session 0x{:x}).",
                        zk.session_id().0
                    );
                    self.lost_session = None;
                    self.zk_states = Some(zk.state_watcher());
                    self.zk = Some(zk.clone());
                    if self.want_election {
                        self.join().await;
                    } else {
                        self.delete_if_ours(&zk, &self.znodes.lock, true).await;
                    }
                    return;
                }
                Err(ZkError::SessionExpired) => {
                    tracing::info!("Session expired. Entering neutral mode and rejoining...");
                    self.lost_session = None;
                    self.become_standby().await;
                }
                Err(error) => {
                    tracing::warn!(
                        "Unable to reach ZooKeeper quorum at {}: {error}",
                        self.config.quorum
                    );
                    self.retry_at = Some(Instant::now() + RETRY_PAUSE);
                    return;
                }
            }
        }
        match connect(&self.config).await {
            Ok(zk) => {
                tracing::info!(
                    "Session connected to {} (session 0x{:x}).",
                    self.config.quorum,
                    zk.session_id().0
                );
                self.zk_states = Some(zk.state_watcher());
                self.zk = Some(zk);
                if self.want_election {
                    self.join().await;
                }
            }
            Err(error) => {
                tracing::warn!(
                    "Unable to connect to ZooKeeper quorum at {}: {error}",
                    self.config.quorum
                );
                self.retry_at = Some(Instant::now() + RETRY_PAUSE);
            }
        }
    }

    /// Hadoop's `ZKFailoverController.recheckElectability`.
    async fn recheck_electability(&mut self) {
        if let Some(until) = self.delay_until {
            if until > Instant::now() {
                if self.want_election {
                    self.quit_election(true).await;
                }
                return;
            }
            self.delay_until = None;
        }
        let health = *self.health.borrow();
        match health {
            HealthState::Healthy => {
                if !self.want_election {
                    tracing::info!(
                        "Local service {} entered state: {health}",
                        self.config.local
                    );
                    self.want_election = true;
                    self.join().await;
                }
            }
            HealthState::Initializing => {
                if self.want_election {
                    tracing::info!(
                        "Ensuring that {} does not participate in active master election",
                        self.config.local
                    );
                    self.quit_election(false).await;
                }
            }
            HealthState::ServiceNotResponding
            | HealthState::ServiceUnhealthy
            | HealthState::HealthMonitorFailed => {
                if self.want_election {
                    tracing::info!(
                        "Quitting master election for {} and marking that fencing is necessary",
                        self.config.local
                    );
                    let was_active = self.state() == ElectorState::Active;
                    self.quit_election(true).await;
                    if was_active {
                        self.transition_local_to_standby().await;
                    }
                }
            }
        }
    }

    /// Tries to take the lock; when another holds it, watches it and goes standby.
    async fn join(&mut self) {
        if self.delay_until.is_some() {
            return;
        }
        let Some(zk) = self.zk.clone() else {
            return;
        };
        for _ in 0..3 {
            let create = zk.create(
                &self.znodes.lock,
                &self.identity,
                &CreateMode::Ephemeral.with_acls(Acls::anyone_all()),
            );
            match create.await {
                Ok(_) => {
                    self.watch_lock(&zk).await;
                    self.become_active().await;
                    return;
                }
                Err(ZkError::NodeExists) => match zk.get_and_watch_data(&self.znodes.lock).await {
                    Ok((_, stat, watcher)) => {
                        self.lock_event = Some(LockEvent::new(watcher));
                        if stat.ephemeral_owner == zk.session_id().0 {
                            if self.state() != ElectorState::Active {
                                self.become_active().await;
                            }
                        } else {
                            self.become_standby().await;
                        }
                        return;
                    }
                    Err(ZkError::NoNode) => continue,
                    Err(error) => return self.retry_later(&error),
                },
                Err(ZkError::NoNode) => {
                    tracing::error!(
                        "Unable to join the election: parent znode {} does not exist. \
                         Run hdfs zkfc -formatZK to initialize ZooKeeper.",
                        self.config.znode()
                    );
                    return self.retry_later(&ZkError::NoNode);
                }
                Err(error) => return self.retry_later(&error),
            }
        }
    }

    fn retry_later(&mut self, error: &ZkError) {
        tracing::warn!("ZooKeeper operation failed: {error}; retrying");
        self.retry_at = Some(Instant::now() + RETRY_PAUSE);
    }

    /// Watches our own lock, so its loss (deleted by an operator) is seen.
    async fn watch_lock(&mut self, zk: &Client) {
        if let Ok((_, _, watcher)) = zk.get_and_watch_data(&self.znodes.lock).await {
            self.lock_event = Some(LockEvent::new(watcher));
        }
    }

    /// Hadoop's `becomeActive`: fence the breadcrumb's NameNode, write ours, transition ours.
    async fn become_active(&mut self) {
        let Some(zk) = self.zk.clone() else {
            return;
        };
        tracing::info!("Checking for any old active which needs to be fenced...");
        let version = match self.fence_old_active(&zk).await {
            Ok(version) => version,
            Err(error) => return self.failed_to_become_active(&error).await,
        };
        if let Err(error) = self.write_breadcrumb(&zk, version).await {
            return self
                .failed_to_become_active(&format!("Unable to write the breadcrumb: {error}"))
                .await;
        }
        tracing::info!("Trying to make {} active...", self.config.local);
        match self
            .local
            .transition_to_active(HaRequestSource::RequestByZkfc)
            .await
        {
            Ok(()) => {
                tracing::info!(
                    "Successfully transitioned {} to active state",
                    self.config.local
                );
                self.set_state(ElectorState::Active);
            }
            Err(error) => {
                self.failed_to_become_active(&format!(
                    "Couldn't make {} active: {error}",
                    self.config.local
                ))
                .await;
            }
        }
    }

    /// Leaves the election for a while so that another ZKFC can win.
    async fn failed_to_become_active(&mut self, why: &str) {
        tracing::error!("{why}");
        tracing::info!(
            "Failed to become active; sleeping {} ms before rejoining the election",
            SLEEP_AFTER_FAILURE_TO_BECOME_ACTIVE.as_millis()
        );
        self.quit_election(true).await;
        self.delay_until = Some(Instant::now() + SLEEP_AFTER_FAILURE_TO_BECOME_ACTIVE);
    }

    /// Fences the NameNode the breadcrumb names, unless it is ours; the breadcrumb's version.
    async fn fence_old_active(&self, zk: &Client) -> Result<Option<i32>, String> {
        let (data, stat) = match zk.get_data(&self.znodes.breadcrumb).await {
            Ok(found) => found,
            Err(ZkError::NoNode) => return Ok(None),
            Err(error) => return Err(format!("Unable to read the breadcrumb: {error}")),
        };
        if data == self.identity {
            tracing::info!("But old node has our own data, so don't need to fence it.");
            return Ok(Some(stat.version));
        }
        let old = match ActiveNodeInfo::decode(data.as_slice()) {
            Ok(old) => old.target(),
            Err(error) => return Err(format!("Unable to parse the breadcrumb: {error}")),
        };
        tracing::info!("Old node exists: {}", old.namenode_id);
        tracing::info!("Should fence: {old}");
        if self.graceful_fence(&old).await {
            return Ok(Some(stat.version));
        }
        let fenced = fence::fence(
            &self.config.fencing,
            &self.config.conf,
            &old.fencing_parameters(),
            Some(&self.config.local.fencing_parameters()),
        )
        .await;
        if fenced {
            Ok(Some(stat.version))
        } else {
            Err(format!("Unable to fence {old}"))
        }
    }

    /// transitionToStandby of the old active within the graceful fence timeout.
    async fn graceful_fence(&self, old: &HaServiceTarget) -> bool {
        let client =
            match HaServiceClient::connect(&old.rpc_address, self.config.graceful_fence_timeout) {
                Ok(client) => client,
                Err(error) => {
                    tracing::warn!("Unable to gracefully make {old} standby ({error})");
                    return false;
                }
            };
        match client
            .transition_to_standby(HaRequestSource::RequestByZkfc)
            .await
        {
            Ok(()) => {
                tracing::info!("Successfully transitioned {old} to standby state without fencing");
                true
            }
            Err(error) => {
                tracing::warn!("Unable to gracefully make {old} standby ({error})");
                false
            }
        }
    }

    async fn write_breadcrumb(&self, zk: &Client, version: Option<i32>) -> Result<(), ZkError> {
        tracing::info!(
            "Writing znode {} to indicate that the local node is the most recent active...",
            self.znodes.breadcrumb
        );
        match version {
            Some(version) => {
                zk.set_data(&self.znodes.breadcrumb, &self.identity, Some(version))
                    .await?;
            }
            None => {
                let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
                match zk
                    .create(&self.znodes.breadcrumb, &self.identity, &options)
                    .await
                {
                    Ok(_) => {}
                    Err(ZkError::NodeExists) => {
                        zk.set_data(&self.znodes.breadcrumb, &self.identity, None)
                            .await?;
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(())
    }

    /// Hadoop's `becomeStandby`: the lock is another's, so the local NameNode is standby.
    async fn become_standby(&mut self) {
        if self.state() == ElectorState::Standby {
            return;
        }
        tracing::info!(
            "ZK Election indicated that {} should become standby",
            self.config.local
        );
        self.transition_local_to_standby().await;
        self.set_state(ElectorState::Standby);
    }

    async fn transition_local_to_standby(&self) -> bool {
        match self
            .local
            .transition_to_standby(HaRequestSource::RequestByZkfc)
            .await
        {
            Ok(()) => {
                tracing::info!(
                    "Successfully transitioned {} to standby state",
                    self.config.local
                );
                true
            }
            Err(error) => {
                tracing::error!(
                    "Couldn't transition {} to standby state: {error}",
                    self.config.local
                );
                false
            }
        }
    }

    /// Hadoop's `quitElection`: drop our lock; without `need_fence` also the breadcrumb, so
    /// that the next active does not fence a NameNode that left gracefully.
    async fn quit_election(&mut self, need_fence: bool) {
        tracing::info!("Yielding from election");
        if let Some(zk) = self.zk.clone() {
            if self.state() == ElectorState::Active && !need_fence {
                self.delete_if_ours(&zk, &self.znodes.breadcrumb, false)
                    .await;
            }
            self.delete_if_ours(&zk, &self.znodes.lock, true).await;
        }
        self.want_election = false;
        self.lock_event = None;
        self.set_state(ElectorState::Init);
    }

    /// Deletes `path` when it holds our identity (and, for the lock, our session owns it).
    async fn delete_if_ours(&self, zk: &Client, path: &str, ephemeral: bool) {
        let Ok((data, stat)) = zk.get_data(path).await else {
            return;
        };
        let ours =
            data == self.identity && (!ephemeral || stat.ephemeral_owner == zk.session_id().0);
        if ours && let Err(error) = zk.delete(path, Some(stat.version)).await {
            tracing::warn!("Unable to delete our own znode {path}: {error}");
        }
    }

    async fn on_command(&mut self, command: Command) {
        match command {
            Command::Cede { millis, reply } => {
                self.cede_active(millis).await;
                let _ = reply.send(());
            }
            Command::CurrentActive { reply } => {
                let answer = match self.zk.clone() {
                    None => Err("not connected to ZooKeeper".to_string()),
                    Some(zk) => match zk.get_data(&self.znodes.lock).await {
                        Ok((data, _)) => ActiveNodeInfo::decode(data.as_slice())
                            .map(Some)
                            .map_err(|error| error.to_string()),
                        Err(ZkError::NoNode) => Ok(None),
                        Err(error) => Err(error.to_string()),
                    },
                };
                let _ = reply.send(answer);
            }
        }
    }

    /// Hadoop's `doCedeActive`.
    async fn cede_active(&mut self, millis: u32) {
        if millis == 0 {
            self.delay_until = None;
            self.recheck_electability().await;
            return;
        }
        tracing::info!("Requested to cede active role for {millis} ms.");
        let need_fence = if self.transition_local_to_standby().await {
            tracing::info!("Successfully ensured local node is in standby mode");
            false
        } else {
            tracing::warn!("Quitting election but indicating that fencing is necessary");
            true
        };
        self.delay_until = Some(Instant::now() + Duration::from_millis(u64::from(millis)));
        self.quit_election(need_fence).await;
    }
}

/// Hadoop's `doGracefulFailover`, run by the ZKFC of the NameNode that is to become active.
pub(super) async fn graceful_failover(
    config: Arc<ZkfcConfig>,
    commands: mpsc::Sender<Command>,
    health: watch::Receiver<HealthState>,
    mut status: watch::Receiver<ElectorState>,
) -> Result<(), String> {
    let local = &config.local;
    if *health.borrow() != HealthState::Healthy {
        return Err(format!(
            "Local node {local} is not currently healthy. Cannot be failover target"
        ));
    }
    let (reply, answer) = oneshot::channel();
    let _ = commands.send(Command::Cede { millis: 0, reply }).await;
    let _ = answer.await;
    let (reply, answer) = oneshot::channel();
    let _ = commands.send(Command::CurrentActive { reply }).await;
    let current = answer
        .await
        .map_err(|_| "the failover controller is stopping".to_string())??;
    let Some(current) = current else {
        return Err("No other node is currently active.".into());
    };
    if current.namenode_id == local.namenode_id {
        tracing::info!(
            "Local node {local} is already active. No need to failover. Returning success."
        );
        return Ok(());
    }
    let timeout = config.graceful_fence_timeout * 2;
    let millis = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let mut ceded = Vec::new();
    for other in &config.others {
        tracing::info!("Asking {other} to cede its active state for {millis}ms");
        let zkfc = ZkfcClient::connect(&other.zkfc_address, timeout).map_err(|e| e.to_string())?;
        zkfc.cede_active(millis)
            .await
            .map_err(|error| format!("Unable to cede active role of {other}: {error}"))?;
        ceded.push(zkfc);
    }
    let deadline = timeout + Duration::from_secs(60);
    let became_active = matches!(
        tokio::time::timeout(
            deadline,
            status.wait_for(|state| *state == ElectorState::Active),
        )
        .await,
        Ok(Ok(_))
    );
    for zkfc in &ceded {
        let _ = zkfc.cede_active(0).await;
    }
    if became_active {
        tracing::info!("Successfully became active. Failover to {local} completed");
        Ok(())
    } else {
        Err(
            "Unable to become active. Local node did not get an opportunity to do so from \
             ZooKeeper, or the local node took too long to transition to active."
                .into(),
        )
    }
}
