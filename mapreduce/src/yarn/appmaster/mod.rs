//! The MRAppMaster: runs in the AM container, serves its tasks and clients
//! ([`service`]), heartbeats the ResourceManager with the asks the job
//! state ([`job`]) makes, starts granted containers on their NodeManagers,
//! and at the end commits (or aborts) the output, writes job history and
//! unregisters with the final status. Its web port ([`rest`]: REST API and
//! pages) is the tracking URL it registers; at the end it names the history
//! server's job page instead.

mod job;
mod rest;
mod service;
mod speculation;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::mapoutput::parse_shuffle_port;
use client::yarn::{AmRmClient, NmClient, YarnClient};
use common::Configuration;
use common::conf::keys;
use common::yarn::ContainerId;
use proto::mapreduce::mr_client_protocol_server::MrClientProtocolServer;
use proto::mapreduce::task_umbilical_protocol_server::TaskUmbilicalProtocolServer;
use proto::yarn as pb;
use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::Error;
use crate::dfs_io::Dfs;
use crate::ids::TaskAttemptId;
use crate::output::FileOutputCommitter;
use crate::settings::JobSettings;
use crate::yarn::historyserver::job_page_url;
use crate::yarn::staging::done_dir;
use crate::yarn::wire::decode_splits;
use crate::yarn::{
    APP_ATTEMPT_ENV, ATTEMPT_ENV, JOB_BINARY, JOB_CONF, JOB_SPLITS, ROLE_ENV, UMBILICAL_ENV,
    container_conf, history, host_of, job_committer, job_id_of,
};
pub(crate) use job::{AmSettings, AttemptSnapshot, JobSnapshot, JobState, Outcome, TaskSnapshot};
pub(crate) use rest::documents;
use service::{AmService, Shared};

/// The staged job dir, recorded in `job.xml` by the client.
pub(crate) const JOB_DIR_KEY: &str = "mapreduce.job.dir";
/// How often the AM heartbeats the ResourceManager (Hadoop: 1000 ms; Tusk
/// also wakes at once when a task finishes, so this mostly paces asks).
const HEARTBEAT_KEY: &str =
    common::conf::keys::YARN_APP_MAPREDUCE_AM_SCHEDULER_HEARTBEAT_INTERVAL_MS;
/// No task is speculated before it ran this long.
const MIN_SPECULATION_RUNTIME: Duration = Duration::from_secs(1);
/// The aux service serving map outputs.
const SHUFFLE_SERVICE: &str = "mapreduce_shuffle";

/// Runs the AM to the end of the job; the process exit code.
pub(crate) fn run() -> i32 {
    common::logging::init("info");
    let runtime = match crate::dfs_io::io_runtime(2) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("MRAppMaster: cannot start its runtime: {error}");
            return 1;
        }
    };
    match run_job(&runtime) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("MRAppMaster: {error}");
            1
        }
    }
}

/// Reads the AM's settings.
fn am_settings(conf: &Configuration, settings: &JobSettings) -> Result<AmSettings, Error> {
    let resource = |memory: &str, vcores: &str| -> Result<pb::Resource, Error> {
        Ok(pb::Resource {
            memory_mb: conf.get_i64(memory)?,
            vcores: conf.get_u32(vcores)? as i32,
        })
    };
    Ok(AmSettings {
        map_max_attempts: settings.map_max_attempts,
        reduce_max_attempts: settings.reduce_max_attempts,
        slowstart: conf
            .get_f64(keys::MAPREDUCE_JOB_REDUCE_SLOWSTART_COMPLETEDMAPS)?
            .clamp(0.0, 1.0),
        map_speculative: conf.get_bool(keys::MAPREDUCE_MAP_SPECULATIVE)?,
        reduce_speculative: conf.get_bool(keys::MAPREDUCE_REDUCE_SPECULATIVE)?,
        speculative_cap: conf
            .get_f64(keys::MAPREDUCE_JOB_SPECULATIVE_SPECULATIVE_CAP_RUNNING_TASKS)?,
        slow_task_threshold: conf
            .get_f64(keys::MAPREDUCE_JOB_SPECULATIVE_SLOWTASKTHRESHOLD)?
            .max(0.0),
        speculative_min_runtime: MIN_SPECULATION_RUNTIME,
        map_resource: resource(
            keys::MAPREDUCE_MAP_MEMORY_MB,
            keys::MAPREDUCE_MAP_CPU_VCORES,
        )?,
        reduce_resource: resource(
            keys::MAPREDUCE_REDUCE_MEMORY_MB,
            keys::MAPREDUCE_REDUCE_CPU_VCORES,
        )?,
        fetch_failure_notifications: conf
            .get_u32(keys::MAPREDUCE_JOB_MAXFETCHFAILURES_NOTIFICATIONS)?
            .max(1),
        slot_memory_mb: conf.get_i64(keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_MB)?,
    })
}

/// Everything the heartbeat loop needs.
struct Am {
    conf: Configuration,
    shared: Arc<Shared>,
    rm: AmRmClient,
    user: String,
    /// The AM's own RPC address, for its tasks.
    umbilical: String,
    app_attempt: u32,
    resources: Vec<pb::LocalResource>,
    /// Node id -> NodeManager client.
    nodemanagers: HashMap<String, NmClient>,
}

fn run_job(runtime: &Runtime) -> Result<(), Error> {
    let (conf, _) = container_conf()?;
    let settings = JobSettings::from_conf(&conf)?;
    let container: ContainerId = std::env::var("CONTAINER_ID")
        .unwrap_or_default()
        .parse()
        .map_err(|_| Error::Config("CONTAINER_ID is not set: run by a NodeManager".into()))?;
    let attempt = container.attempt;
    let job_id = job_id_of(attempt.application);
    let splits = decode_splits(&std::fs::read(JOB_SPLITS)?)?;
    let user = common::user::current_user();
    let host = std::env::var("NM_HOST").unwrap_or_else(|_| "localhost".to_string());
    let dfs = Dfs::connect(&conf, runtime)?;
    let committer = job_committer(&conf, &dfs, attempt.attempt);
    if attempt.attempt <= 1 {
        committer.setup_job(&dfs)?;
    } else {
        committer.setup_job_attempt(&dfs)?;
    }
    let yarn = {
        let _entered = runtime.enter();
        YarnClient::from_conf(&conf)?
    };
    let nodes: Vec<(String, String)> = runtime
        .block_on(yarn.nodes(&[pb::NodeState::NodeRunning]))?
        .into_iter()
        .map(|node| (node.node_id, node.rack))
        .collect();
    let state = JobState::new(
        &job_id,
        &splits,
        settings.reduces,
        am_settings(&conf, &settings)?,
        &nodes,
    );
    let done = done_dir(&conf)?;
    let start_time = common::time::now_millis();
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
        wake: Notify::new(),
        job_name: conf.get_string(keys::MAPREDUCE_JOB_NAME)?,
        user: user.clone(),
        queue: conf.get_string(keys::MAPREDUCE_JOB_QUEUENAME)?,
        start_time,
        am_attempt: am_attempt_history(&container, &host, start_time),
        conf: conf
            .properties()
            .map(|property| proto::mapreduce::ConfProperty {
                name: property.key,
                value: property.value,
                source: property.source,
            })
            .collect(),
        conf_path: format!(
            "{}/{JOB_CONF}",
            conf.get(JOB_DIR_KEY)
                .unwrap_or_default()
                .trim_end_matches('/')
        ),
    });
    let (address, server) = runtime.block_on(serve(&host, shared.clone()))?;
    let (web_address, web_server) = runtime.block_on(rest::serve(&host, shared.clone()))?;
    let rm = {
        let _entered = runtime.enter();
        AmRmClient::from_conf(&conf, attempt)?
    };
    let tracking_url = format!("http://{host}:{}/", web_address.port());
    runtime.block_on(rm.register(&host, address.port(), &tracking_url))?;
    info!(job = %job_id, maps = splits.len(), reduces = settings.reduces, "MRAppMaster registered");
    let resources = runtime.block_on(job_resources(&dfs, &conf))?;
    let mut am = Am {
        conf: conf.clone(),
        shared: shared.clone(),
        rm,
        user,
        umbilical: format!("{host}:{}", address.port()),
        app_attempt: attempt.attempt,
        resources,
        nodemanagers: HashMap::new(),
    };
    let outcome = runtime.block_on(am.heartbeat_until_done())?;
    runtime.block_on(am.stop_containers(shared.lock().live_containers()));
    let outcome = finish_output(&dfs, &committer, outcome);
    let report = {
        let now = common::time::now_millis();
        let mut report = shared.report(now);
        if let Outcome::Failed(why) = &outcome {
            report.state = "FAILED".to_string();
            report.diagnostics = why.clone();
        }
        let snapshot = shared.lock().snapshot(now);
        report.history = Some(history::details(
            &snapshot,
            vec![shared.am_attempt.clone()],
            shared.conf.clone(),
        ));
        report
    };
    let conf_xml = conf.to_xml().unwrap_or_default();
    if let Err(error) = history::write(&dfs, &done, &report, &conf_xml) {
        warn!(%error, "could not write the job history");
    }
    if let Some(job_dir) = conf.get(JOB_DIR_KEY) {
        let _ = dfs.call(async |client| client.delete(&job_dir, true).await);
    }
    let (status, diagnostics) = match &outcome {
        Outcome::Succeeded => (pb::FinalApplicationStatus::Succeeded, String::new()),
        Outcome::Failed(why) => (pb::FinalApplicationStatus::FailedStatus, why.clone()),
        Outcome::Killed(why) => (pb::FinalApplicationStatus::KilledStatus, why.clone()),
    };
    let history_url = job_page_url(
        &conf.get_string(keys::MAPREDUCE_JOBHISTORY_WEBAPP_ADDRESS)?,
        &host,
        &job_id,
    );
    runtime.block_on(am.rm.finish(status, &diagnostics, &history_url))?;
    info!(job = %job_id, state = %report.state, "MRAppMaster unregistered");
    server.abort();
    web_server.abort();
    Ok(())
}

/// This AM attempt as the job history records it (Hadoop's AMAttemptInfo),
/// from the container and the NodeManager's environment.
fn am_attempt_history(
    container: &ContainerId,
    host: &str,
    start_time: i64,
) -> proto::mapreduce::AmAttemptHistory {
    let port = |name: &str| std::env::var(name).unwrap_or_default();
    proto::mapreduce::AmAttemptHistory {
        id: container.attempt.attempt,
        node_id: format!("{host}:{}", port("NM_PORT")),
        node_http_address: format!("{host}:{}", port("NM_HTTP_PORT")),
        container_id: container.to_string(),
        start_time,
    }
}

/// Commits a succeeded job's output, or removes a failed one's.
fn finish_output(dfs: &Dfs, committer: &FileOutputCommitter, outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Succeeded => match committer.commit_job(dfs) {
            Ok(()) => Outcome::Succeeded,
            Err(error) => {
                let _ = committer.abort_job(dfs);
                Outcome::Failed(format!("Job commit failed: {error}"))
            }
        },
        other => {
            let _ = committer.abort_job(dfs);
            other
        }
    }
}

/// Starts the AM's RPC server on `host`, port 0.
async fn serve(
    host: &str,
    shared: Arc<Shared>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let listener = tokio::net::TcpListener::bind((host, 0)).await?;
    let address = listener.local_addr()?;
    let service = AmService(shared);
    let server = tokio::spawn(async move {
        let incoming = common::net::incoming(listener, common::net::ConnectionLimits::default());
        let result = tonic::transport::Server::builder()
            .add_service(TaskUmbilicalProtocolServer::new(service.clone()))
            .add_service(MrClientProtocolServer::new(service))
            .serve_with_incoming(incoming)
            .await;
        if let Err(error) = result {
            warn!(%error, "MRAppMaster RPC server stopped");
        }
    });
    Ok((address, server))
}

/// The staged files every task container localizes.
async fn job_resources(dfs: &Dfs, conf: &Configuration) -> Result<Vec<pb::LocalResource>, Error> {
    let job_dir = conf
        .get(JOB_DIR_KEY)
        .ok_or_else(|| Error::Config(format!("{JOB_DIR_KEY} is not set in job.xml")))?;
    let client = dfs.client().clone();
    let files = client.list(&job_dir).await?;
    Ok(files
        .into_iter()
        .filter(|file| !file.is_dir)
        .map(|file| pb::LocalResource {
            name: file.name().to_string(),
            executable: file.name() == JOB_BINARY,
            path: file.path.clone(),
            size: file.length,
            timestamp: file.modification_time,
        })
        .collect())
}

impl Am {
    /// Heartbeats until the job has an outcome (or the RM says stop).
    async fn heartbeat_until_done(&mut self) -> Result<Outcome, Error> {
        let interval = self.conf.get_u64(HEARTBEAT_KEY)?.max(1);
        loop {
            let actions = std::mem::take(&mut self.shared.lock().actions);
            for (attempt, container) in actions.launch {
                self.launch(&attempt, container).await;
            }
            self.stop_containers(actions.stop).await;
            let (map_progress, reduce_progress, reduces) = {
                let state = self.shared.lock();
                let (map_progress, reduce_progress) = state.progress();
                (map_progress, reduce_progress, state.total_reduces())
            };
            // As Hadoop's JobImpl weighs them: a map-only job's progress
            // is its maps'.
            let progress = if reduces == 0 {
                map_progress
            } else {
                (map_progress + reduce_progress) / 2.0
            };
            let request = pb::AllocateRequest {
                asks: actions.asks,
                release: actions.release,
                cancel_asks: actions.cancel_asks,
                progress,
                ..Default::default()
            };
            let response = self.rm.allocate(request).await?;
            if response.shutdown {
                return Ok(Outcome::Killed(
                    "The ResourceManager asked the AM to shut down".to_string(),
                ));
            }
            {
                let mut state = self.shared.lock();
                state.nodes_updated(&response.updated_nodes);
                for status in &response.completed {
                    state.container_completed(
                        &status.container_id,
                        status.exit_status,
                        &status.diagnostics,
                    );
                }
                for container in response.allocated {
                    state.allocated(container);
                }
                state.tick();
                if let Some(outcome) = state.outcome() {
                    return Ok(outcome.clone());
                }
                if has_work(&state.actions) {
                    continue;
                }
            }
            let _ =
                tokio::time::timeout(Duration::from_millis(interval), self.shared.wake.notified())
                    .await;
        }
    }

    fn nodemanager(&mut self, node_id: &str) -> Result<NmClient, Error> {
        if let Some(client) = self.nodemanagers.get(node_id) {
            return Ok(client.clone());
        }
        let client = NmClient::connect(node_id, &self.user)?;
        self.nodemanagers
            .insert(node_id.to_string(), client.clone());
        Ok(client)
    }

    /// Starts a task attempt in its container.
    async fn launch(&mut self, attempt: &TaskAttemptId, container: pb::Container) {
        let environment = HashMap::from([
            (ROLE_ENV.to_string(), attempt.task_type().to_string()),
            (ATTEMPT_ENV.to_string(), attempt.to_string()),
            (UMBILICAL_ENV.to_string(), self.umbilical.clone()),
            (APP_ATTEMPT_ENV.to_string(), self.app_attempt.to_string()),
        ]);
        let context = pb::ContainerLaunchContext {
            command: format!("./{JOB_BINARY}"),
            environment,
            local_resources: self.resources.clone(),
        };
        let container_id = container.container_id.clone();
        let node_id = container.node_id.clone();
        let started = match self.nodemanager(&node_id) {
            Ok(nm) => nm
                .start_container(container, context)
                .await
                .map_err(Error::from),
            Err(error) => Err(error),
        };
        match started {
            Ok(response) => {
                let shuffle = response
                    .services_metadata
                    .get(SHUFFLE_SERVICE)
                    .and_then(|metadata| parse_shuffle_port(metadata))
                    .map(|port| format!("{}:{port}", host_of(&node_id)));
                self.shared.lock().launched(&attempt.to_string(), shuffle);
            }
            Err(error) => {
                warn!(%attempt, %error, "could not start the container");
                self.shared.lock().container_completed(
                    &container_id,
                    1,
                    &format!("Container launch failed: {error}"),
                );
            }
        }
    }

    async fn stop_containers(&mut self, containers: Vec<pb::Container>) {
        for container in containers {
            let Ok(nm) = self.nodemanager(&container.node_id) else {
                continue;
            };
            if let Err(error) = nm
                .stop_containers(std::slice::from_ref(&container.container_id))
                .await
            {
                warn!(container = %container.container_id, %error, "could not stop the container");
            }
        }
    }
}

fn has_work(actions: &job::Actions) -> bool {
    !(actions.launch.is_empty()
        && actions.stop.is_empty()
        && actions.asks.is_empty()
        && actions.release.is_empty()
        && actions.cancel_asks.is_empty())
}
