use super::*;

fn settings() -> AmSettings {
    let resource = pb::Resource {
        memory_mb: 100,
        vcores: 1,
    };
    AmSettings {
        map_max_attempts: 2,
        reduce_max_attempts: 2,
        slowstart: 1.0,
        map_speculative: true,
        reduce_speculative: true,
        speculative_cap: 0.1,
        slow_task_threshold: 1.0,
        speculative_min_runtime: Duration::ZERO,
        map_resource: resource,
        reduce_resource: resource,
        fetch_failure_notifications: 3,
        slot_memory_mb: 50,
    }
}

fn split(host: &str) -> InputSplit {
    InputSplit {
        path: "/in/f".into(),
        start: 0,
        length: 10,
        hosts: vec![host.into()],
        racks: vec!["/r1".into()],
    }
}

fn nodes() -> Vec<(String, String)> {
    vec![
        ("h1:1".to_string(), "/r1".to_string()),
        ("h2:1".to_string(), "/r1".to_string()),
        ("h3:1".to_string(), "/r2".to_string()),
    ]
}

/// Grants every outstanding ask on `node` and returns the attempts launched.
fn grant_all(job: &mut JobState, node: &str) -> Vec<String> {
    let asks = std::mem::take(&mut job.actions.asks);
    for (n, ask) in asks.iter().enumerate() {
        job.allocated(pb::Container {
            container_id: format!("c{}_{n}", ask.allocation_request_id),
            node_id: node.to_string(),
            allocation_request_id: ask.allocation_request_id,
            ..Default::default()
        });
    }
    let launched: Vec<String> = job
        .actions
        .launch
        .drain(..)
        .map(|(id, _)| id.to_string())
        .collect();
    for id in &launched {
        job.launched(id, Some(format!("{}:13562", host_of(node))));
    }
    launched
}

fn container_of(job: &JobState, attempt: &str) -> String {
    let (kind, index, number) = job.find(attempt).unwrap();
    job.tasks(kind)[index].attempts[number]
        .container
        .as_ref()
        .unwrap()
        .container_id
        .clone()
}

#[test]
fn maps_ask_for_their_split_hosts_and_count_locality() {
    let mut job = JobState::new(
        "job_1_0001",
        &[split("h1"), split("h9")],
        0,
        settings(),
        &nodes(),
    );
    assert_eq!(job.actions.asks.len(), 2);
    assert_eq!(job.actions.asks[0].hosts, vec!["h1".to_string()]);
    assert_eq!(job.actions.asks[0].priority, PRIORITY_MAP);
    let launched = grant_all(&mut job, "h1:1");
    assert_eq!(launched.len(), 2);
    let counters = job.counters();
    assert_eq!(counters.get(JOB_GROUP, "DATA_LOCAL_MAPS"), 1);
    assert_eq!(counters.get(JOB_GROUP, "RACK_LOCAL_MAPS"), 1);
    for attempt in &launched {
        assert_eq!(job.can_commit(attempt), (true, false));
        job.done(attempt, Counters::new());
    }
    assert_eq!(job.outcome(), Some(&Outcome::Succeeded));
}

#[test]
fn ended_attempts_charge_their_time_and_resources_to_the_job_counters() {
    let mut job = JobState::new("job_1_0001", &[split("h1")], 0, settings(), &nodes());
    let asks = std::mem::take(&mut job.actions.asks);
    job.allocated(pb::Container {
        container_id: "c1".to_string(),
        node_id: "h1:1".to_string(),
        allocation_request_id: asks[0].allocation_request_id,
        resource: Some(pb::Resource {
            memory_mb: 120,
            vcores: 2,
        }),
        ..Default::default()
    });
    let (attempt, _) = job.actions.launch.remove(0);
    let attempt = attempt.to_string();
    job.launched(&attempt, None);
    std::thread::sleep(Duration::from_millis(5));
    job.done(&attempt, Counters::new());
    let counters = job.counters();
    let millis = counters.get(JOB_GROUP, "MILLIS_MAPS");
    assert!(millis >= 5, "{counters:?}");
    assert_eq!(counters.get(JOB_GROUP, "VCORES_MILLIS_MAPS"), 2 * millis);
    assert_eq!(counters.get(JOB_GROUP, "MB_MILLIS_MAPS"), 120 * millis);
    // 120 MB is three 50 MB slots.
    assert_eq!(counters.get(JOB_GROUP, "SLOTS_MILLIS_MAPS"), 3 * millis);
    assert_eq!(counters.get(JOB_GROUP, "MILLIS_REDUCES"), 0);
}

#[test]
fn a_failed_attempt_retries_elsewhere_then_fails_the_job() {
    let mut job = JobState::new("job_1_0001", &[split("h1")], 0, settings(), &nodes());
    let first = grant_all(&mut job, "h1:1").remove(0);
    job.fatal_error(&first, "task panicked: bad record");
    job.container_completed(&container_of(&job, &first), 1, "");
    let retry = &job.actions.asks[0];
    assert_eq!(retry.priority, PRIORITY_FAST_FAIL_MAP);
    assert!(!retry.hosts.contains(&"h1".to_string()), "{retry:?}");
    assert!(!retry.relax_locality);
    let second = grant_all(&mut job, "h2:1").remove(0);
    assert!(second.ends_with("_m_000000_1"), "{second}");
    job.container_completed(&container_of(&job, &second), 1, "boom");
    let Some(Outcome::Failed(reason)) = job.outcome() else {
        panic!("{:?}", job.outcome());
    };
    assert!(
        reason.contains("Task failed task_1_0001_m_000000"),
        "{reason}"
    );
    assert_eq!(job.counters().get(JOB_GROUP, "NUM_FAILED_MAPS"), 2);
    let failures = job.attempt_failures();
    assert!(failures[0].contains("bad record"), "{failures:?}");
}

#[test]
fn a_container_killed_by_the_framework_is_not_a_failure() {
    let mut job = JobState::new("job_1_0001", &[split("h1")], 0, settings(), &nodes());
    for _ in 0..3 {
        let attempt = grant_all(&mut job, "h1:1").remove(0);
        job.container_completed(
            &container_of(&job, &attempt),
            exit_status::ABORTED,
            "node lost",
        );
    }
    assert_eq!(job.outcome(), None);
    assert_eq!(job.actions.asks.len(), 1);
}

#[test]
fn only_the_first_attempt_to_ask_commits() {
    let mut job = JobState::new("job_1_0002", &[split("h1")], 0, settings(), &nodes());
    let a = grant_all(&mut job, "h1:1").remove(0);
    job.new_attempt(TaskType::Map, 0, true);
    let b = grant_all(&mut job, "h2:1").remove(0);
    assert_eq!(job.can_commit(&b), (true, false));
    assert_eq!(job.can_commit(&a), (false, true));
    job.done(&a, Counters::new());
    assert_eq!(job.outcome(), None);
    job.done(&b, Counters::new());
    assert_eq!(job.outcome(), Some(&Outcome::Succeeded));
    assert!(
        job.actions
            .stop
            .iter()
            .any(|c| c.container_id == container_of(&job, &a))
    );
}

#[test]
fn reducers_start_after_slowstart_and_lost_outputs_rerun_their_map() {
    let mut job = JobState::new(
        "job_1_0001",
        &[split("h1"), split("h2")],
        2,
        settings(),
        &nodes(),
    );
    let maps = grant_all(&mut job, "h1:1");
    job.done(&maps[0], Counters::new());
    assert!(
        job.actions.asks.is_empty(),
        "reducers wait for slowstart 1.0"
    );
    job.done(&maps[1], Counters::new());
    assert_eq!(job.actions.asks.len(), 2);
    assert_eq!(job.actions.asks[0].priority, PRIORITY_REDUCE);
    let reduces = grant_all(&mut job, "h2:1");
    assert_eq!(job.events_from(0).len(), 2);
    assert_eq!(job.events_from(0)[0].shuffle_address, "h1:13562");

    job.fetch_failure(&maps[0]);
    assert!(
        job.actions.asks.is_empty(),
        "one report of two running reducers is not enough"
    );
    job.fetch_failure(&maps[0]);
    let events = job.events_from(2);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].status,
        mrpb::CompletionStatus::CompletionObsolete as i32
    );
    assert_eq!(events[0].attempt_id, maps[0]);
    let rerun = grant_all(&mut job, "h3:1").remove(0);
    assert!(rerun.ends_with("_m_000000_1"), "{rerun}");
    job.done(&rerun, Counters::new());
    assert_eq!(job.events_from(3)[0].shuffle_address, "h3:13562");

    job.nodes_updated(&[pb::NodeReport {
        node_id: "h1:1".into(),
        state: pb::NodeState::NodeLost as i32,
        ..Default::default()
    }]);
    let events = job.events_from(4);
    assert_eq!(events.len(), 1, "map 1 ran on the lost node");
    assert_eq!(events[0].attempt_id, maps[1]);

    for reduce in &reduces {
        assert_eq!(job.can_commit(reduce), (true, false));
        job.done(reduce, Counters::new());
    }
    assert_eq!(job.outcome(), Some(&Outcome::Succeeded));
}

#[test]
fn a_straggler_gets_one_speculative_attempt_and_the_loser_is_stopped() {
    let splits: Vec<InputSplit> = (0..3).map(|_| split("h1")).collect();
    let mut job = JobState::new("job_1_0001", &splits, 0, settings(), &nodes());
    let maps = grant_all(&mut job, "h1:1");
    job.tick();
    assert!(
        job.actions.asks.is_empty(),
        "nothing finished yet to compare with"
    );
    for fast in &maps[..2] {
        assert_eq!(job.can_commit(fast), (true, false));
        job.done(fast, Counters::new());
    }
    // The straggler has run longer than the finished ones took, with no progress.
    std::thread::sleep(Duration::from_millis(5));
    job.tick();
    assert_eq!(job.actions.asks.len(), 1);
    let speculative = grant_all(&mut job, "h2:1").remove(0);
    assert!(speculative.ends_with("_m_000002_1"), "{speculative}");
    job.tick();
    assert!(
        job.actions.asks.is_empty(),
        "one speculative attempt per task"
    );
    assert_eq!(job.can_commit(&speculative), (true, false));
    job.done(&speculative, Counters::new());
    assert_eq!(job.outcome(), Some(&Outcome::Succeeded));
    let straggler = container_of(&job, &maps[2]);
    assert!(job.actions.stop.iter().any(|c| c.container_id == straggler));
    assert!(
        job.status_update(&maps[2], 0.5, Counters::new()),
        "the loser is told to die"
    );
}

#[test]
fn attempts_killed_or_failed_on_request_run_again() {
    let mut job = JobState::new(
        "job_1_0001",
        &[split("h1"), split("h1")],
        0,
        settings(),
        &nodes(),
    );
    let launched = grant_all(&mut job, "h1:1");
    let (first, second) = (launched[0].clone(), launched[1].clone());
    assert!(job.end_attempt_by_request(&first, false, "Kill task attempt from the CLI"));
    assert!(job.end_attempt_by_request(&second, true, "Fail task attempt from the CLI"));
    assert!(
        !job.end_attempt_by_request(&first, false, "again"),
        "no longer live"
    );
    let stopped: Vec<String> = job
        .actions
        .stop
        .iter()
        .map(|container| container.container_id.clone())
        .collect();
    assert_eq!(stopped.len(), 2);
    assert_eq!(
        job.actions.asks.len(),
        2,
        "each task asks for another attempt"
    );
    assert!(job.is_unwanted(&first) && job.is_unwanted(&second));
    assert_eq!(job.counters().get(JOB_GROUP, "NUM_KILLED_MAPS"), 1);
    assert_eq!(job.counters().get(JOB_GROUP, "NUM_FAILED_MAPS"), 1);
    // The stopped containers completing change nothing more.
    job.container_completed(&stopped[0], exit_status::KILLED_BY_APPMASTER, "");
    assert_eq!(job.counters().get(JOB_GROUP, "NUM_KILLED_MAPS"), 1);
    assert_eq!(job.outcome(), None);
}
