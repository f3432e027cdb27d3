use common::yarn::ApplicationId;

use super::*;

const GIG: Resource = Resource {
    memory_mb: 1024,
    vcores: 1,
};

fn config(node_locality_delay: u32) -> SchedulerConfig {
    SchedulerConfig {
        minimum_allocation: Resource::new(1024, 1),
        maximum_allocation: Resource::new(8192, 4),
        node_locality_delay,
        rack_locality_additional_delay: 2,
    }
}

fn attempt(id: u32) -> ApplicationAttemptId {
    ApplicationId {
        cluster_timestamp: 1,
        id,
    }
    .application_attempt(1)
}

fn ask(count: u32, hosts: &[&str], racks: &[&str]) -> Ask {
    Ask {
        priority: 1,
        capability: GIG,
        count,
        hosts: hosts.iter().map(|host| host.to_string()).collect(),
        racks: racks.iter().map(|rack| rack.to_string()).collect(),
        relax_locality: true,
        allocation_request_id: 7,
    }
}

/// Nodes `h0..hN` of `memory_gb` each, rack `/r<i % racks>`.
fn scheduler_with_nodes(count: usize, memory_gb: i64, racks: usize) -> Scheduler {
    let mut scheduler = Scheduler::new(config(3), &QueueSpec::default_root()).unwrap();
    for index in 0..count {
        let host = format!("h{index}");
        scheduler.add_node(
            &format!("{host}:1"),
            &host,
            &format!("/r{}", index % racks),
            Resource::new(memory_gb * 1024, 64),
        );
    }
    scheduler
}

/// Admits `attempt`, grants its AM container, and returns the AM's node.
fn start_app(scheduler: &mut Scheduler, attempt: ApplicationAttemptId, queue: &str) -> String {
    scheduler
        .add_attempt(attempt, "alice", queue, GIG, 0)
        .unwrap();
    let granted = scheduler.schedule();
    let am = granted
        .iter()
        .find(|allocation| allocation.container_id.attempt == attempt)
        .expect("AM container granted");
    assert_eq!(am.allocation_request_id, AM_REQUEST_ID);
    assert_eq!(am.container_id.id, 1);
    am.node_id.clone()
}

#[test]
fn never_hands_out_more_than_a_node_has() {
    let mut scheduler = scheduler_with_nodes(2, 3, 1);
    start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .add_asks(attempt(1), vec![ask(10, &[], &[])])
        .unwrap();
    let granted = scheduler.schedule();
    assert_eq!(granted.len(), 5, "6 GB of nodes, 1 GB taken by the AM");
    for node in ["h0:1", "h1:1"] {
        let (used, containers) = scheduler.node_usage(node).unwrap();
        assert_eq!(used.memory_mb, 3072);
        assert_eq!(containers, 3);
    }
    assert!(scheduler.schedule().is_empty());
    assert_eq!(scheduler.outstanding(attempt(1)), 5);
    scheduler.release(granted[0].container_id);
    let more = scheduler.schedule();
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].node_id, granted[0].node_id);
    assert!(granted.iter().all(|a| a.container_id.id >= 2));
}

#[test]
fn requests_are_normalized_and_the_maximum_is_enforced() {
    let mut scheduler = scheduler_with_nodes(1, 8, 1);
    start_app(&mut scheduler, attempt(1), "default");
    let mut small = ask(1, &[], &[]);
    small.capability = Resource::new(100, 1);
    scheduler.add_asks(attempt(1), vec![small]).unwrap();
    assert_eq!(scheduler.schedule()[0].resource, Resource::new(1024, 1));
    let mut huge = ask(1, &[], &[]);
    huge.capability = Resource::new(9000, 1);
    let error = scheduler.add_asks(attempt(1), vec![huge]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Invalid resource request, requested resource <memory:9000, vCores:1> is negative or greater than the maximum allowed allocation <memory:8192, vCores:4>"
    );
    assert_eq!(scheduler.outstanding(attempt(1)), 0);
}

#[test]
fn unknown_and_parent_queues_are_refused() {
    let mut scheduler = scheduler_with_nodes(1, 8, 1);
    let error = scheduler
        .add_attempt(attempt(1), "bob", "nosuch", GIG, 0)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "submitted by user bob to unknown queue: nosuch"
    );
    let error = scheduler
        .add_attempt(attempt(1), "bob", "root", GIG, 0)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "submitted by user bob to non-leaf queue: root"
    );
    assert!(scheduler.schedule().is_empty());
}

#[test]
fn fifo_inside_a_leaf() {
    let mut scheduler = scheduler_with_nodes(1, 4, 1);
    start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .add_attempt(attempt(2), "alice", "default", GIG, 0)
        .unwrap();
    scheduler
        .add_asks(attempt(1), vec![ask(10, &[], &[])])
        .unwrap();
    let granted = scheduler.schedule();
    // The first application takes what is free before the second's AM.
    assert_eq!(granted.len(), 3);
    assert!(granted.iter().all(|a| a.container_id.attempt == attempt(1)));
    scheduler.cancel_asks(attempt(1), &[7]);
    scheduler.release(granted[0].container_id);
    let next = scheduler.schedule();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].container_id.attempt, attempt(2));
}

fn two_queues(a_share: f64, user_limit_factor: f64) -> QueueSpec {
    let mut a = QueueSpec::leaf("a", a_share, 100.0);
    let mut b = QueueSpec::leaf("b", 100.0 - a_share, 100.0);
    a.user_limit_factor = user_limit_factor;
    b.user_limit_factor = user_limit_factor;
    QueueSpec {
        children: vec![a, b],
        ..QueueSpec::default_root()
    }
}

#[test]
fn busy_queues_share_the_cluster_by_capacity() {
    let mut scheduler = Scheduler::new(config(3), &two_queues(70.0, 100.0)).unwrap();
    // Room for the two AMs only; the rest arrives when both are waiting.
    scheduler.add_node("h0:1", "h0", "/r0", Resource::new(2048, 8));
    start_app(&mut scheduler, attempt(1), "a");
    start_app(&mut scheduler, attempt(2), "b");
    scheduler
        .add_asks(attempt(1), vec![ask(100, &[], &[])])
        .unwrap();
    scheduler
        .add_asks(attempt(2), vec![ask(100, &[], &[])])
        .unwrap();
    for index in 1..=4 {
        let host = format!("h{index}");
        scheduler.add_node(&format!("{host}:1"), &host, "/r0", Resource::new(2048, 8));
    }
    scheduler.schedule();
    let used = |name: &str| {
        let queues = scheduler.queues();
        queues.get(queues.find(name).unwrap()).num_containers as f64
    };
    let total = used("a") + used("b");
    assert_eq!(total, 10.0);
    assert!(
        (used("a") - 0.7 * total).abs() <= 1.0,
        "a={} b={}",
        used("a"),
        used("b")
    );
}

#[test]
fn a_queue_stops_at_its_maximum_capacity() {
    let mut spec = two_queues(50.0, 100.0);
    spec.children[1].maximum_capacity = 50.0;
    let mut scheduler = Scheduler::new(config(3), &spec).unwrap();
    for index in 0..4 {
        let host = format!("h{index}");
        scheduler.add_node(&format!("{host}:1"), &host, "/r0", Resource::new(2048, 8));
    }
    start_app(&mut scheduler, attempt(1), "b");
    scheduler
        .add_asks(attempt(1), vec![ask(100, &[], &[])])
        .unwrap();
    scheduler.schedule();
    let queues = scheduler.queues();
    assert_eq!(queues.get(queues.find("b").unwrap()).num_containers, 4);
}

#[test]
fn node_local_first_then_rack_after_the_delay_then_anywhere() {
    // h0, h2 on /r0; h1, h3 on /r1.
    let mut scheduler = scheduler_with_nodes(4, 8, 2);
    start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .add_asks(attempt(1), vec![ask(1, &["h3"], &[])])
        .unwrap();
    let granted = scheduler.schedule();
    assert_eq!(granted[0].node_id, "h3:1");
    assert_eq!(granted[0].locality, Locality::NodeLocal);

    // h3 full: after the node-locality delay a node of h3's rack is taken.
    let full = Resource::new(8 * 1024 - 1024, 1);
    let mut filler = ask(1, &["h3"], &[]);
    filler.capability = full;
    filler.relax_locality = false;
    scheduler.add_asks(attempt(1), vec![filler]).unwrap();
    assert_eq!(scheduler.schedule()[0].node_id, "h3:1");
    scheduler
        .add_asks(attempt(1), vec![ask(1, &["h3"], &[])])
        .unwrap();
    let mut rounds = 0;
    let granted = loop {
        let granted = scheduler.schedule();
        if !granted.is_empty() {
            break granted;
        }
        rounds += 1;
        assert!(rounds < 10, "never relaxed");
    };
    assert!(rounds >= 1, "granted before any delay");
    assert_eq!(granted[0].node_id, "h1:1");
    assert_eq!(granted[0].locality, Locality::RackLocal);
}

#[test]
fn strict_locality_waits_for_its_host() {
    let mut scheduler = scheduler_with_nodes(2, 2, 1);
    assert_eq!(start_app(&mut scheduler, attempt(1), "default"), "h0:1");
    let mut strict = ask(3, &["h1"], &[]);
    strict.relax_locality = false;
    scheduler.add_asks(attempt(1), vec![strict]).unwrap();
    for _ in 0..20 {
        scheduler.schedule();
    }
    assert_eq!(scheduler.node_usage("h1:1").unwrap().0.memory_mb, 2048);
    assert_eq!(scheduler.node_usage("h0:1").unwrap().0.memory_mb, 1024);
    assert_eq!(scheduler.outstanding(attempt(1)), 1);
}

#[test]
fn off_switch_after_both_delays_when_relaxed() {
    let mut scheduler = scheduler_with_nodes(2, 4, 2);
    start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .add_asks(attempt(1), vec![ask(1, &["elsewhere"], &["/nowhere"])])
        .unwrap();
    let mut passes = 0;
    let granted = loop {
        let granted = scheduler.schedule();
        if !granted.is_empty() {
            break granted;
        }
        passes += 1;
        assert!(passes < 20, "never relaxed");
    };
    assert!(passes >= 2);
    assert_eq!(granted[0].locality, Locality::OffSwitch);
}

#[test]
fn a_lost_node_releases_its_containers() {
    let mut scheduler = scheduler_with_nodes(2, 2, 1);
    let am_node = start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .add_asks(attempt(1), vec![ask(3, &[], &[])])
        .unwrap();
    let granted = scheduler.schedule();
    assert_eq!(granted.len(), 3);
    let other = if am_node == "h0:1" { "h1:1" } else { "h0:1" };
    let lost = scheduler.remove_node(other);
    assert_eq!(lost.len(), 2);
    assert_eq!(scheduler.used_resource(), Resource::new(2048, 2));
    assert_eq!(scheduler.cluster_resource().memory_mb, 2048);
    let removed = scheduler.remove_attempt(attempt(1));
    assert_eq!(removed.len(), 2);
    assert_eq!(scheduler.used_resource(), Resource::ZERO);
}

#[test]
fn a_blacklisted_host_gets_no_containers() {
    let mut scheduler = scheduler_with_nodes(2, 4, 1);
    assert_eq!(start_app(&mut scheduler, attempt(1), "default"), "h0:1");
    scheduler.update_blacklist(attempt(1), &["h1".to_string()], &[]);
    scheduler
        .add_asks(attempt(1), vec![ask(5, &[], &[])])
        .unwrap();
    let granted = scheduler.schedule();
    assert_eq!(granted.len(), 3);
    assert!(granted.iter().all(|a| a.node_id == "h0:1"));
    scheduler.update_blacklist(attempt(1), &[], &["h1".to_string()]);
    assert_eq!(scheduler.schedule().len(), 2);
}

fn default_and_etl(a: f64, b: f64) -> QueueSpec {
    QueueSpec {
        name: "root".into(),
        capacity: 100.0,
        maximum_capacity: 100.0,
        user_limit_factor: 1.0,
        children: vec![
            QueueSpec::leaf("default", a, 100.0),
            QueueSpec::leaf("etl", b, 100.0),
        ],
    }
}

#[test]
fn a_moved_attempt_takes_what_it_holds_to_its_new_queue() {
    let mut scheduler = Scheduler::new(config(3), &default_and_etl(50.0, 50.0)).unwrap();
    scheduler.add_node("h0:1", "h0", "/r0", Resource::new(8 * 1024, 64));
    start_app(&mut scheduler, attempt(1), "default");
    let used = |scheduler: &Scheduler, name: &str| {
        let queues = scheduler.queues();
        queues.get(queues.find(name).unwrap()).used
    };
    assert_eq!(used(&scheduler, "default"), GIG);
    scheduler.move_attempt(attempt(1), "etl").unwrap();
    assert_eq!(used(&scheduler, "default"), Resource::ZERO);
    assert_eq!(used(&scheduler, "etl"), GIG);
    let error = scheduler.move_attempt(attempt(1), "root").unwrap_err();
    assert!(matches!(error, SchedulerError::NonLeafQueue { .. }));
}

#[test]
fn higher_priority_goes_first_inside_a_leaf() {
    let mut scheduler = scheduler_with_nodes(1, 3, 1);
    start_app(&mut scheduler, attempt(1), "default");
    start_app(&mut scheduler, attempt(2), "default");
    scheduler
        .add_asks(attempt(1), vec![ask(1, &[], &[])])
        .unwrap();
    scheduler
        .add_asks(attempt(2), vec![ask(1, &[], &[])])
        .unwrap();
    scheduler.set_priority(attempt(2), 5);
    let granted = scheduler.schedule();
    assert_eq!(granted.len(), 1, "one GB left");
    assert_eq!(granted[0].container_id.attempt, attempt(2));
}

#[test]
fn reconfigured_queues_keep_running_attempts_and_their_usage() {
    let mut scheduler = Scheduler::new(config(3), &QueueSpec::default_root()).unwrap();
    scheduler.add_node("h0:1", "h0", "/r0", Resource::new(8 * 1024, 64));
    start_app(&mut scheduler, attempt(1), "default");
    scheduler
        .reconfigure_queues(&default_and_etl(40.0, 60.0))
        .unwrap();
    let queues = scheduler.queues();
    let default = queues.get(queues.find("default").unwrap());
    assert_eq!((default.capacity, default.used), (40.0, GIG));
    assert_eq!(queues.get(0).used, GIG);
    scheduler.move_attempt(attempt(1), "etl").unwrap();
    let error = scheduler
        .reconfigure_queues(&QueueSpec::default_root())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "root.etl is deleted from the new capacity scheduler configuration, but the queue is not yet in stopped state. Current State : RUNNING"
    );
    assert!(scheduler.queues().find("etl").is_some(), "nothing changed");
}
