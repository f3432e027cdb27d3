use std::time::{Duration, Instant};

use common::yarn::{ApplicationId, exit_status};
use proto::yarn as pb;

use super::*;
use crate::scheduler::{Ask, QueueSpec, Resource, Scheduler, SchedulerConfig};

const GIG: Resource = Resource {
    memory_mb: 1024,
    vcores: 1,
};
const AM_NODE: &str = "h1:8041";
const WORK_NODE: &str = "h2:8041";

/// A state with default max-attempts 2 and no locality delay.
fn state() -> RmState {
    let config = SchedulerConfig {
        minimum_allocation: GIG,
        maximum_allocation: Resource::new(8192, 4),
        node_locality_delay: 0,
        rack_locality_additional_delay: 0,
    };
    let scheduler = Scheduler::new(config, &QueueSpec::default_root()).unwrap();
    RmState::new(scheduler, 2, common::time::Clock::system())
}

fn add_node(state: &mut RmState, node_id: &str, memory_mb: i64) {
    let http = node_id.replace(":8041", ":8042");
    state.register_node(
        node_id,
        &http,
        "/default-rack",
        Resource::new(memory_mb, 8),
        &[],
    );
}

fn submission(id: ApplicationId, max_attempts: u32) -> Submission {
    Submission {
        id,
        user: "alice".to_string(),
        name: "sleep".to_string(),
        queue: "default".to_string(),
        app_type: "YARN".to_string(),
        tags: Vec::new(),
        am_resource: GIG,
        am_launch_context: pb::ContainerLaunchContext::default(),
        max_attempts,
        priority: 0,
    }
}

/// Submits an application and returns its id and its first AM launch.
fn submit(state: &mut RmState, max_attempts: u32) -> (ApplicationId, AmLaunch) {
    let id = state.new_application_id();
    let mut launches = state.submit(submission(id, max_attempts)).unwrap();
    assert_eq!(launches.len(), 1, "{launches:?}");
    let launch = launches.remove(0);
    state.am_launched(launch.attempt);
    (id, launch)
}

fn ask(count: u32) -> Ask {
    Ask {
        priority: 1,
        capability: GIG,
        count,
        hosts: Vec::new(),
        racks: Vec::new(),
        relax_locality: true,
        allocation_request_id: 0,
    }
}

fn heartbeat(
    state: &mut RmState,
    node_id: &str,
    statuses: Vec<pb::ContainerStatus>,
) -> (HeartbeatAnswer, Vec<AmLaunch>) {
    let request = pb::NodeHeartbeatRequest {
        node_id: node_id.to_string(),
        container_statuses: statuses,
        healthy: true,
        ..Default::default()
    };
    state.node_heartbeat(&request)
}

fn allocate(state: &mut RmState, attempt: &str, asks: Vec<Ask>) -> Option<AttemptInbox> {
    state
        .allocate(attempt, asks, &[], &[], (&[], &[]), 0.5)
        .unwrap()
        .0
}

fn exited(container: &pb::Container, code: i32) -> pb::ContainerStatus {
    completed_status(&container.container_id, code, "exited")
}

#[test]
fn an_application_runs_from_submission_to_finish() {
    let mut state = state();
    add_node(&mut state, AM_NODE, 8192);
    let (app, launch) = submit(&mut state, 0);
    assert_eq!(launch.attempt, app.application_attempt(1));
    assert_eq!(launch.container.node_id, AM_NODE);
    assert_eq!(launch.user, "alice");
    assert_eq!(launch.launch_context.environment["MAX_APP_ATTEMPTS"], "2");
    assert_eq!(state.apps[&app].state, AppState::Accepted);

    let attempt = launch.attempt.to_string();
    let queue = state
        .register_am(&attempt, "h1", 4000, "http://h1/am")
        .unwrap();
    assert_eq!(queue, "default");
    assert_eq!(state.apps[&app].state, AppState::Running);

    let inbox = allocate(&mut state, &attempt, vec![ask(2)]).unwrap();
    assert_eq!(inbox.allocated.len(), 2);
    assert!(
        inbox
            .allocated
            .iter()
            .all(|container| container.node_id == AM_NODE)
    );
    assert_eq!(state.apps[&app].progress, 0.5);

    let (answer, _) = heartbeat(&mut state, AM_NODE, vec![exited(&inbox.allocated[0], 0)]);
    assert_eq!(
        answer.acknowledged,
        vec![inbox.allocated[0].container_id.clone()]
    );
    let inbox = allocate(&mut state, &attempt, Vec::new()).unwrap();
    assert_eq!(inbox.completed.len(), 1);
    assert_eq!(inbox.completed[0].exit_status, exit_status::SUCCESS);

    state
        .finish_am(&attempt, FinalStatus::Succeeded, "done", "")
        .unwrap();
    let finished = &state.apps[&app];
    assert_eq!(finished.state, AppState::Finished);
    assert_eq!(finished.final_status, FinalStatus::Succeeded);
    assert_eq!(finished.progress, 1.0);
    assert_eq!(finished.tracking_url, "http://h1/am");
    assert_eq!(finished.log_aggregation_status(), "RUNNING");
    let (answer, _) = heartbeat(&mut state, AM_NODE, Vec::new());
    assert_eq!(answer.apps_to_cleanup, vec![app.to_string()]);
    assert!(allocate(&mut state, &attempt, Vec::new()).is_none());
}

#[test]
fn a_lost_node_completes_its_containers_as_aborted() {
    let mut state = state();
    add_node(&mut state, AM_NODE, 1024);
    let (_, launch) = submit(&mut state, 0);
    add_node(&mut state, WORK_NODE, 8192);
    let attempt = launch.attempt.to_string();
    state.register_am(&attempt, "h1", 0, "").unwrap();
    let granted = allocate(&mut state, &attempt, vec![ask(2)]).unwrap();
    assert_eq!(granted.allocated.len(), 2);
    assert!(
        granted
            .allocated
            .iter()
            .all(|container| container.node_id == WORK_NODE)
    );

    heartbeat(&mut state, AM_NODE, Vec::new());
    let silent_since = Instant::now().checked_sub(Duration::from_secs(60)).unwrap();
    state.nodes.get_mut(WORK_NODE).unwrap().last_heartbeat = silent_since;
    state.check_liveness(Duration::from_secs(10), Duration::from_secs(3600));
    assert_eq!(state.nodes[WORK_NODE].state, NodeState::Lost);
    assert_eq!(state.nodes[AM_NODE].state, NodeState::Running);

    let inbox = allocate(&mut state, &attempt, Vec::new()).unwrap();
    let mut completed: Vec<&str> = inbox
        .completed
        .iter()
        .map(|status| status.container_id.as_str())
        .collect();
    completed.sort_unstable();
    let mut expected: Vec<&str> = granted
        .allocated
        .iter()
        .map(|container| container.container_id.as_str())
        .collect();
    expected.sort_unstable();
    assert_eq!(completed, expected);
    for status in &inbox.completed {
        assert_eq!(status.exit_status, exit_status::ABORTED);
        assert_eq!(status.diagnostics, "Container released on a *lost* node");
    }
    assert_eq!(inbox.updated_nodes.len(), 1);
    assert_eq!(inbox.updated_nodes[0].node_id, WORK_NODE);
    assert_eq!(inbox.updated_nodes[0].state, NodeState::Lost);

    let (answer, _) = heartbeat(&mut state, WORK_NODE, Vec::new());
    assert!(answer.resync);
}

#[test]
fn a_failed_am_is_retried_up_to_max_attempts() {
    let mut state = state();
    add_node(&mut state, AM_NODE, 8192);
    let (app, first) = submit(&mut state, 2);

    let (_, launches) = heartbeat(&mut state, AM_NODE, vec![exited(&first.container, 1)]);
    assert_eq!(launches.len(), 1);
    let second = &launches[0];
    assert_eq!(second.attempt, app.application_attempt(2));
    assert_eq!(state.apps[&app].state, AppState::Accepted);
    assert!(
        state.apps[&app]
            .diagnostics
            .contains("exited with  exitCode: 1"),
        "{}",
        state.apps[&app].diagnostics
    );
    assert!(allocate(&mut state, &first.attempt.to_string(), Vec::new()).is_none());
    assert!(matches!(
        state.register_am(&first.attempt.to_string(), "h1", 0, ""),
        Err(StateError::UnknownAttempt(_))
    ));

    state.am_launched(second.attempt);
    let (_, launches) = heartbeat(&mut state, AM_NODE, vec![exited(&second.container, 1)]);
    assert!(launches.is_empty());
    let failed = &state.apps[&app];
    assert_eq!(failed.state, AppState::Failed);
    assert_eq!(failed.final_status, FinalStatus::Failed);
    assert_eq!(failed.attempts.len(), 2);
    assert!(
        failed.diagnostics.starts_with(&format!(
            "Application {app} failed 2 times due to AM Container"
        )),
        "{}",
        failed.diagnostics
    );
}

#[test]
fn a_killed_application_ends_and_its_nodes_clean_up() {
    let mut state = state();
    add_node(&mut state, AM_NODE, 8192);
    let (app, launch) = submit(&mut state, 0);
    let attempt = launch.attempt.to_string();
    state.register_am(&attempt, "h1", 0, "").unwrap();

    assert!(state.kill(&app.to_string(), "killed by alice").unwrap());
    let killed = &state.apps[&app];
    assert_eq!(killed.state, AppState::Killed);
    assert_eq!(killed.final_status, FinalStatus::Killed);
    assert_eq!(killed.diagnostics, "killed by alice");
    let (answer, _) = heartbeat(&mut state, AM_NODE, Vec::new());
    assert_eq!(answer.apps_to_cleanup, vec![app.to_string()]);
    assert!(matches!(
        state.finish_am(&attempt, FinalStatus::Succeeded, "", ""),
        Err(StateError::UnknownAttempt(_))
    ));

    assert!(state.kill(&app.to_string(), "again").unwrap());
    assert_eq!(state.apps[&app].diagnostics, "killed by alice");
    assert!(matches!(
        state.kill("application_1_0099", ""),
        Err(StateError::UnknownApplication(_))
    ));
}

#[test]
fn a_restarted_node_cleans_up_the_applications_that_ended_meanwhile() {
    let mut state = state();
    add_node(&mut state, AM_NODE, 8192);
    let (killed, _) = submit(&mut state, 0);
    let (running, _) = submit(&mut state, 0);
    state
        .kill(&killed.to_string(), "killed by the test")
        .unwrap();
    let unknown = ApplicationId {
        cluster_timestamp: 1,
        id: 99,
    };
    let restarted = "h9:8041";
    state.register_node(
        restarted,
        "h9:8042",
        "/default-rack",
        Resource::new(8192, 8),
        &[killed, running, unknown],
    );
    let (answer, _) = heartbeat(&mut state, restarted, Vec::new());
    let mut over = [killed, unknown];
    over.sort();
    let over: Vec<String> = over.iter().map(ToString::to_string).collect();
    assert_eq!(answer.apps_to_cleanup, over);
    assert!(state.apps[&running].nodes.contains(restarted));
    state
        .kill(&running.to_string(), "killed by the test")
        .unwrap();
    let (answer, _) = heartbeat(&mut state, restarted, Vec::new());
    assert_eq!(answer.apps_to_cleanup, vec![running.to_string()]);
}
