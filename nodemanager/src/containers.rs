//! Containers as real child processes: each in its own process group and
//! working dir, with its environment, its local resources linked in, its
//! stdout and stderr in its log dir; killed by group (SIGTERM, then
//! SIGKILL); its exit reported with Hadoop's exit statuses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};

use common::yarn::{ApplicationId, ContainerId, InvalidId, exit_status};
use proto::yarn as pb;
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::aux_services::AuxServices;
use crate::config::NodeManagerConfig;
use crate::layout;
use crate::leftovers::LeftApplication;
use crate::localizer::{LocalizationError, Localizer};
use crate::monitor::{ProcessTable, over_limit_diagnostics};

/// Why a NodeManager refuses a container (Hadoop's messages).
#[derive(Debug, thiserror::Error)]
pub enum StartContainerError {
    #[error(transparent)]
    InvalidId(#[from] InvalidId),
    #[error("NodeManager is shutting down")]
    ShuttingDown,
    #[error("Container {0} already is running on this node!!")]
    AlreadyRunning(ContainerId),
    #[error("Application {0} is finishing")]
    ApplicationFinishing(ApplicationId),
}

/// Why an accepted container could not be launched; its diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Resource localization failed: {0}")]
    Localization(#[from] LocalizationError),
    #[error("cannot create {stream} log: {source}")]
    CreateLog {
        stream: &'static str,
        source: std::io::Error,
    },
    #[error("Exception from container-launch: {0}")]
    Spawn(std::io::Error),
}

#[derive(Debug)]
struct Container {
    memory_limit_bytes: u64,
    vcores: i32,
    pid: Option<u32>,
    complete: bool,
    exit_status: i32,
    diagnostics: String,
    /// Why the NodeManager killed it: the status and diagnostics to report.
    kill: Option<(i32, String)>,
}

#[derive(Debug, Default)]
struct AppEntry {
    user: String,
    containers: BTreeSet<ContainerId>,
    /// The RM said the application is over: clean up once its containers end.
    ending: bool,
}

#[derive(Default)]
struct NmState {
    containers: BTreeMap<ContainerId, Container>,
    apps: BTreeMap<ApplicationId, AppEntry>,
    /// Applications whose logs were aggregated, for the next heartbeat.
    aggregated: Vec<ApplicationId>,
    stopping: bool,
}

/// A container as the web shows it (Hadoop's NM ContainerInfo).
#[derive(Clone, Debug)]
pub struct ContainerView {
    pub id: ContainerId,
    pub user: String,
    /// Hadoop's NM container state: LOCALIZING, RUNNING, KILLING,
    /// EXITED_WITH_SUCCESS or EXITED_WITH_FAILURE.
    pub state: &'static str,
    pub exit_status: i32,
    pub diagnostics: String,
    pub memory_mb: u64,
    pub vcores: i32,
}

/// An application with containers on this node, as the web shows it.
#[derive(Clone, Debug)]
pub struct AppView {
    pub id: ApplicationId,
    pub user: String,
    /// The RM said it is over; its containers are being cleaned up.
    pub ending: bool,
    pub containers: Vec<ContainerId>,
}

/// Runs and tracks this node's containers.
pub struct ContainerManager {
    pub config: NodeManagerConfig,
    /// `host:port` this node is known by.
    pub node_id: String,
    pub http_address: String,
    state: Mutex<NmState>,
    localizer: Localizer,
    /// Wakes the heartbeat loop early (a container completed).
    pub heartbeat_now: Notify,
    pub aux_services: AuxServices,
    pub aux_metadata: BTreeMap<String, Vec<u8>>,
    pub dfs: Option<client::DfsClient>,
}

impl ContainerManager {
    pub fn new(
        config: NodeManagerConfig,
        node_id: String,
        http_address: String,
        aux_services: AuxServices,
        aux_metadata: BTreeMap<String, Vec<u8>>,
        dfs: Option<client::DfsClient>,
    ) -> Self {
        Self {
            config,
            node_id,
            http_address,
            state: Mutex::new(NmState::default()),
            localizer: Localizer::new(dfs.clone()),
            heartbeat_now: Notify::new(),
            aux_services,
            aux_metadata,
            dfs,
        }
    }

    fn lock(&self) -> MutexGuard<'_, NmState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Accepts a container and starts localizing and launching it in the
    /// background; an error when it cannot be accepted at all.
    pub fn start_container(
        self: &Arc<Self>,
        container: pb::Container,
        launch_context: pb::ContainerLaunchContext,
        user: String,
    ) -> Result<(), StartContainerError> {
        let id: ContainerId = container.container_id.parse()?;
        let memory_mb = container.resource.map(|r| r.memory_mb).unwrap_or(0).max(0) as u64;
        let vcores = container.resource.map(|r| r.vcores).unwrap_or(0);
        let new_app = {
            let mut state = self.lock();
            if state.stopping {
                return Err(StartContainerError::ShuttingDown);
            }
            if state.containers.contains_key(&id) {
                return Err(StartContainerError::AlreadyRunning(id));
            }
            let app = state.apps.entry(id.application()).or_default();
            if app.ending {
                return Err(StartContainerError::ApplicationFinishing(id.application()));
            }
            let new_app = app.containers.is_empty() && app.user.is_empty();
            app.user = user.clone();
            app.containers.insert(id);
            state.containers.insert(
                id,
                Container {
                    memory_limit_bytes: memory_mb << 20,
                    vcores,
                    pid: None,
                    complete: false,
                    exit_status: 0,
                    diagnostics: String::new(),
                    kill: None,
                },
            );
            new_app
        };
        if new_app {
            for service in &self.aux_services {
                service.initialize_application(id.application(), &user);
            }
        }
        let manager = self.clone();
        tokio::spawn(async move { manager.run(id, launch_context, user).await });
        Ok(())
    }

    async fn run(
        self: Arc<Self>,
        id: ContainerId,
        launch_context: pb::ContainerLaunchContext,
        user: String,
    ) {
        match self.launch(id, &launch_context, &user).await {
            Ok(mut child) => {
                let status = child.wait().await;
                let pid = child.id();
                // Orphans of the container go with it.
                if let Some(pid) = self.lock().containers.get(&id).and_then(|c| c.pid) {
                    signal_group(pid, libc::SIGKILL);
                }
                let code = match status {
                    Ok(status) => exit_code(status),
                    Err(error) => {
                        warn!(container = %id, %error, ?pid, "cannot wait for container");
                        exit_status::INVALID
                    }
                };
                self.completed(id, code, None);
            }
            Err(error) => self.completed(id, exit_status::INVALID, Some(error.to_string())),
        }
    }

    async fn launch(
        &self,
        id: ContainerId,
        launch_context: &pb::ContainerLaunchContext,
        user: &str,
    ) -> Result<tokio::process::Child, LaunchError> {
        let application = id.application();
        let config = &self.config;
        let local_dir = &config.local_dirs[0];
        let work_dir = layout::container_work_dir(local_dir, user, id);
        let log_dirs: Vec<PathBuf> = config
            .log_dirs
            .iter()
            .map(|dir| layout::container_log_dir(dir, id))
            .collect();
        let app_dirs: Vec<PathBuf> = config
            .local_dirs
            .iter()
            .map(|dir| layout::app_dir(dir, user, application))
            .collect();
        for dir in log_dirs.iter().chain(&app_dirs).chain([&work_dir]) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| LaunchError::CreateDir {
                    path: dir.clone(),
                    source,
                })?;
        }
        let cache_dir = layout::file_cache_dir(local_dir, user, application);
        self.localizer
            .localize(
                application,
                &cache_dir,
                &work_dir,
                &launch_context.local_resources,
            )
            .await?;
        let log_dir = &log_dirs[0];
        let create_log = |stream: &'static str| {
            std::fs::File::create(log_dir.join(stream))
                .map_err(|source| LaunchError::CreateLog { stream, source })
        };
        let stdout = create_log("stdout")?;
        let stderr = create_log("stderr")?;
        let command = launch_context
            .command
            .replace("<LOG_DIR>", &log_dir.display().to_string());
        let join = |dirs: &[PathBuf]| {
            dirs.iter()
                .map(|dir| dir.display().to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let (host, port) = self
            .node_id
            .rsplit_once(':')
            .unwrap_or((&self.node_id, "0"));
        let http_port = self
            .http_address
            .rsplit_once(':')
            .map_or("0", |(_, port)| port);
        let mut process = tokio::process::Command::new("/bin/bash");
        process
            .arg("-c")
            .arg(&command)
            .current_dir(&work_dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0);
        if let Some(conf_dir) = &config.container_conf_dir {
            process.env("HADOOP_CONF_DIR", conf_dir);
        }
        process.envs(&launch_context.environment);
        process
            .env("CONTAINER_ID", id.to_string())
            .env("APPLICATION_ID", application.to_string())
            .env("NM_HOST", host)
            .env("NM_PORT", port)
            .env("NM_HTTP_PORT", http_port)
            .env("LOG_DIRS", join(&log_dirs))
            .env("LOCAL_DIRS", join(&app_dirs))
            .env("PWD", &work_dir)
            .env("USER", user)
            .env("LOGNAME", user)
            .env("HADOOP_USER_NAME", user);
        let child = process.spawn().map_err(LaunchError::Spawn)?;
        let pid = child.id();
        let kill_now = {
            let mut state = self.lock();
            match state.containers.get_mut(&id) {
                Some(container) => {
                    container.pid = pid;
                    container.kill.is_some()
                }
                None => true,
            }
        };
        if kill_now && let Some(pid) = pid {
            signal_group(pid, libc::SIGKILL);
        }
        info!(container = %id, pid = ?pid, "container launched");
        Ok(child)
    }

    fn completed(self: &Arc<Self>, id: ContainerId, code: i32, launch_error: Option<String>) {
        let ending_app = {
            let mut state = self.lock();
            let Some(container) = state.containers.get_mut(&id) else {
                return;
            };
            container.complete = true;
            match (container.kill.take(), launch_error) {
                (Some((status, reason)), _) => {
                    container.exit_status = status;
                    container.diagnostics =
                        format!("{reason}\nContainer killed on request. Exit code is {code}");
                }
                (None, Some(error)) => {
                    container.exit_status = code;
                    container.diagnostics = error;
                }
                (None, None) => {
                    container.exit_status = code;
                    if code != 0 {
                        container.diagnostics = format!(
                            "Exception from container-launch.\nContainer id: {id}\nExit code: {code}"
                        );
                    }
                }
            }
            info!(container = %id, exit_status = container.exit_status, "container completed");
            let app = state.apps.get(&id.application());
            app.is_some_and(|app| app.ending)
        };
        self.heartbeat_now.notify_one();
        if ending_app {
            self.maybe_finish_app(id.application());
        }
    }

    /// Kills a container: SIGTERM to its process group, SIGKILL after the
    /// configured delay. `status` and `reason` are what gets reported.
    pub fn kill(&self, id: ContainerId, status: i32, reason: &str) -> bool {
        let pid = {
            let mut state = self.lock();
            let Some(container) = state.containers.get_mut(&id) else {
                return false;
            };
            if container.complete {
                return true;
            }
            if container.kill.is_none() {
                container.kill = Some((status, reason.to_string()));
            }
            container.pid
        };
        if let Some(pid) = pid {
            signal_group(pid, libc::SIGTERM);
            let delay = self.config.sigkill_delay;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                signal_group(pid, libc::SIGKILL);
            });
        }
        true
    }

    /// Every container's status (completed ones until acknowledged).
    pub fn statuses(&self, only: Option<&[String]>) -> Vec<pb::ContainerStatus> {
        let state = self.lock();
        state
            .containers
            .iter()
            .filter(|(id, _)| only.is_none_or(|ids| ids.contains(&id.to_string())))
            .map(|(id, container)| pb::ContainerStatus {
                container_id: id.to_string(),
                state: if container.complete {
                    pb::ContainerState::ContainerComplete as i32
                } else {
                    pb::ContainerState::ContainerRunning as i32
                },
                exit_status: container.exit_status,
                diagnostics: container.diagnostics.clone(),
            })
            .collect()
    }

    /// Every container this node still tracks (completed ones until the
    /// RM acknowledges them).
    pub fn container_views(&self) -> Vec<ContainerView> {
        let state = self.lock();
        let mut views = Vec::new();
        for (id, container) in &state.containers {
            let user = state
                .apps
                .get(&id.application())
                .map(|app| app.user.clone())
                .unwrap_or_default();
            let phase = match (container.complete, container.pid, &container.kill) {
                (true, _, _) if container.exit_status == 0 => "EXITED_WITH_SUCCESS",
                (true, _, _) => "EXITED_WITH_FAILURE",
                (false, _, Some(_)) => "KILLING",
                (false, Some(_), None) => "RUNNING",
                (false, None, None) => "LOCALIZING",
            };
            views.push(ContainerView {
                id: *id,
                user,
                state: phase,
                exit_status: container.exit_status,
                diagnostics: container.diagnostics.clone(),
                memory_mb: container.memory_limit_bytes >> 20,
                vcores: container.vcores,
            });
        }
        views
    }

    /// Every application with containers on this node that is not cleaned up yet.
    pub fn app_views(&self) -> Vec<AppView> {
        let state = self.lock();
        state
            .apps
            .iter()
            .map(|(id, app)| AppView {
                id: *id,
                user: app.user.clone(),
                ending: app.ending,
                containers: app.containers.iter().copied().collect(),
            })
            .collect()
    }

    pub fn knows(&self, id: ContainerId) -> bool {
        self.lock().containers.contains_key(&id)
    }

    /// The pid of a running container's main process.
    pub fn container_pid(&self, id: ContainerId) -> Option<u32> {
        let state = self.lock();
        state
            .containers
            .get(&id)
            .filter(|container| !container.complete)
            .and_then(|container| container.pid)
    }

    /// The RM recorded these completions: forget them.
    pub fn acknowledge(&self, ids: &[String]) {
        let mut state = self.lock();
        for text in ids {
            if let Ok(id) = text.parse::<ContainerId>()
                && state.containers.get(&id).is_some_and(|c| c.complete)
            {
                state.containers.remove(&id);
            }
        }
    }

    /// Puts back aggregated applications a failed heartbeat did not deliver.
    pub fn requeue_aggregated(&self, applications: Vec<String>) {
        let mut state = self.lock();
        for text in applications {
            if let Ok(application) = text.parse() {
                state.aggregated.push(application);
            }
        }
    }

    /// Applications aggregated since the last heartbeat.
    pub fn take_aggregated(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().aggregated)
            .into_iter()
            .map(|app| app.to_string())
            .collect()
    }

    /// The RM says an application is over: kill what is left of it, then
    /// aggregate its logs and remove its files.
    /// Tracks the applications an earlier run left on disk (see
    /// [`crate::leftovers`]) as applications with no live container, so that
    /// the RM's word that one is over cleans it up as any other.
    pub fn adopt_leftovers(&self, found: BTreeMap<ApplicationId, LeftApplication>) {
        let mut state = self.lock();
        for (application, left) in found {
            info!(%application, user = ?left.user, containers = left.containers.len(), "files of an earlier run found");
            let app = state.apps.entry(application).or_default();
            if app.user.is_empty() {
                app.user = left.user.unwrap_or_default();
            }
            app.containers.extend(left.containers);
        }
    }

    /// The applications this node has containers or files of (what it
    /// reports when it registers).
    pub fn application_ids(&self) -> Vec<ApplicationId> {
        self.lock().apps.keys().copied().collect()
    }

    pub fn finish_application(self: &Arc<Self>, application: ApplicationId) {
        let running: Vec<ContainerId> = {
            let mut state = self.lock();
            let Some(app) = state.apps.get_mut(&application) else {
                return;
            };
            app.ending = true;
            let ids: Vec<ContainerId> = app.containers.iter().copied().collect();
            ids.into_iter()
                .filter(|id| state.containers.get(id).is_some_and(|c| !c.complete))
                .collect()
        };
        for id in &running {
            self.kill(
                *id,
                exit_status::KILLED_AFTER_APP_COMPLETION,
                "Container killed on application completion",
            );
        }
        if running.is_empty() {
            self.maybe_finish_app(application);
        }
    }

    fn maybe_finish_app(self: &Arc<Self>, application: ApplicationId) {
        let (user, containers) = {
            let mut state = self.lock();
            let Some(app) = state.apps.get(&application) else {
                return;
            };
            let all_done = app
                .containers
                .iter()
                .all(|id| state.containers.get(id).is_none_or(|c| c.complete));
            if !app.ending || !all_done {
                return;
            }
            let app = state.apps.remove(&application).expect("checked above");
            (app.user, app.containers)
        };
        for service in &self.aux_services {
            service.stop_application(application);
        }
        self.localizer.forget(application);
        let manager = self.clone();
        tokio::spawn(async move {
            // Logs left by an earlier run without their user's files name no
            // remote dir: they stay.
            let aggregated = if manager.config.log_aggregation_enabled && !user.is_empty() {
                match crate::logs::aggregate(&manager, application, &user, &containers).await {
                    Ok(()) => true,
                    Err(error) => {
                        warn!(%application, %error, "log aggregation failed");
                        false
                    }
                }
            } else {
                false
            };
            manager
                .remove_app_files(application, &user, aggregated)
                .await;
            if aggregated {
                manager.lock().aggregated.push(application);
                manager.heartbeat_now.notify_one();
            }
        });
    }

    async fn remove_app_files(&self, application: ApplicationId, user: &str, logs_too: bool) {
        let mut dirs: Vec<PathBuf> = self
            .config
            .local_dirs
            .iter()
            .map(|dir| layout::app_dir(dir, user, application))
            .collect();
        if logs_too {
            dirs.extend(
                self.config
                    .log_dirs
                    .iter()
                    .map(|dir| layout::app_log_dir(dir, application)),
            );
        }
        for dir in dirs {
            let _ = tokio::fs::remove_dir_all(&dir).await;
        }
    }

    /// One round of the memory monitor: kills containers whose process tree
    /// is over its limit.
    pub fn check_memory(&self) {
        if !self.config.pmem_check_enabled {
            return;
        }
        let watched: Vec<(ContainerId, u32, u64)> = {
            let state = self.lock();
            state
                .containers
                .iter()
                .filter(|(_, c)| !c.complete && c.kill.is_none() && c.memory_limit_bytes > 0)
                .filter_map(|(id, c)| c.pid.map(|pid| (*id, pid, c.memory_limit_bytes)))
                .collect()
        };
        if watched.is_empty() {
            return;
        }
        let table = ProcessTable::snapshot();
        for (id, pid, limit) in watched {
            let used = table.tree_rss(pid);
            if used > limit {
                let diagnostics = over_limit_diagnostics(pid, &id.to_string(), used, limit);
                warn!(container = %id, used, limit, "container over its memory limit");
                self.kill(id, exit_status::KILLED_EXCEEDED_PMEM, &diagnostics);
            }
        }
    }

    /// Kills every container (the NodeManager stops or lost the RM).
    pub fn kill_all(&self, status: i32, reason: &str) {
        let ids: Vec<ContainerId> = self.lock().containers.keys().copied().collect();
        for id in ids {
            self.kill(id, status, reason);
        }
    }

    /// Refuses new containers from now on.
    pub fn stop_accepting(&self) {
        self.lock().stopping = true;
    }

    /// Whether every container has ended.
    pub fn all_complete(&self) -> bool {
        self.lock().containers.values().all(|c| c.complete)
    }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => exit_status::INVALID,
    }
}

/// Signals a whole process group (the container's).
fn signal_group(pid: u32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals the group; no memory is involved.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}
