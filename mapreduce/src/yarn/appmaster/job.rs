//! The job as the MRAppMaster tracks it: tasks, their attempts, the map
//! completion events reducers fetch by, and the decisions (which container
//! runs which attempt, when reducers start, when to retry, speculate or
//! re-run a map whose output was lost). Pure: no I/O. The driver feeds it
//! events and carries out the [`Actions`] it collects.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::yarn::exit_status;
use proto::mapreduce as mrpb;
use proto::yarn as pb;

use crate::counters::{Counters, JOB_GROUP};
use crate::ids::{TaskAttemptId, TaskId, TaskType};
use crate::input::InputSplit;
use crate::yarn::appmaster::speculation::{SpeculationPolicy, Speculator, TaskView};
use crate::yarn::host_of;
pub(crate) use view::{AttemptSnapshot, JobSnapshot, TaskSnapshot};

/// YARN priorities (lower first), as Hadoop's RMContainerAllocator.
const PRIORITY_FAST_FAIL_MAP: i32 = 5;
const PRIORITY_REDUCE: i32 = 10;
const PRIORITY_MAP: i32 = 20;
/// Hadoop's ContainerExitStatus.ABORTED / PREEMPTED / KILLED_BY_APPMASTER:
/// the framework, not the task, ended the container.
const FRAMEWORK_EXITS: [i32; 3] = [
    exit_status::ABORTED,
    exit_status::PREEMPTED,
    exit_status::KILLED_BY_APPMASTER,
];

/// The AM's settings (Hadoop's keys, read by the driver).
#[derive(Clone, Debug)]
pub(crate) struct AmSettings {
    pub map_max_attempts: u32,
    pub reduce_max_attempts: u32,
    /// `mapreduce.job.reduce.slowstart.completedmaps`.
    pub slowstart: f64,
    pub map_speculative: bool,
    pub reduce_speculative: bool,
    /// Running tasks that may have a speculative attempt at once, as a fraction.
    pub speculative_cap: f64,
    /// A task is a straggler once it ran (1 + this) times the mean of
    /// finished ones (`mapreduce.job.speculative.slowtaskthreshold`)...
    pub slow_task_threshold: f64,
    /// ...and at least this long (short tasks are cheaper to wait for).
    pub speculative_min_runtime: Duration,
    pub map_resource: pb::Resource,
    pub reduce_resource: pb::Resource,
    /// Reducers' fetch-failure reports that declare a map's output lost.
    pub fetch_failure_notifications: u32,
    /// `yarn.scheduler.minimum-allocation-mb`: the size of a "slot" in the
    /// SLOTS_MILLIS counters.
    pub slot_memory_mb: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttemptState {
    /// Asked for a container.
    Waiting,
    /// Its container is starting or running.
    Running,
    Succeeded,
    Failed,
    Killed,
}

/// Where a map ran relative to its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Locality {
    Data,
    Rack,
    Other,
}

#[derive(Debug)]
pub(crate) struct Attempt {
    pub id: TaskAttemptId,
    pub state: AttemptState,
    ask_id: i64,
    pub container: Option<pb::Container>,
    pub shuffle_address: Option<String>,
    started: Option<Instant>,
    /// When it succeeded, failed or was killed.
    finished: Option<Instant>,
    pub progress: f32,
    pub counters: Counters,
    speculative: bool,
    fetch_failures: u32,
    pub diagnostics: String,
}

impl Attempt {
    fn host(&self) -> Option<&str> {
        self.container.as_ref().map(|c| host_of(&c.node_id))
    }

    fn is_live(&self) -> bool {
        matches!(self.state, AttemptState::Waiting | AttemptState::Running)
    }
}

#[derive(Debug)]
pub(crate) struct Task {
    pub index: usize,
    pub id: TaskId,
    hosts: Vec<String>,
    racks: Vec<String>,
    pub attempts: Vec<Attempt>,
    /// The attempt that succeeded (or was allowed to commit).
    winner: Option<usize>,
    failed_attempts: u32,
    failed_hosts: HashSet<String>,
    failed: bool,
}

impl Task {
    fn succeeded(&self) -> bool {
        self.winner
            .is_some_and(|winner| self.attempts[winner].state == AttemptState::Succeeded)
    }

    fn live_attempts(&self) -> usize {
        self.attempts.iter().filter(|a| a.is_live()).count()
    }

    /// What the speculator needs to know of the task.
    fn view(&self) -> TaskView {
        TaskView {
            index: self.index,
            succeeded: self.succeeded(),
            live_attempts: self.live_attempts(),
            speculated: self.attempts.iter().any(|a| a.speculative),
            speculating: self.attempts.iter().any(|a| a.speculative && a.is_live()),
            running: self
                .attempts
                .iter()
                .find(|a| a.state == AttemptState::Running)
                .and_then(|a| a.started.map(|started| (started.elapsed(), a.progress))),
        }
    }

    fn progress(&self) -> f32 {
        if self.succeeded() {
            return 1.0;
        }
        self.attempts
            .iter()
            .filter(|a| a.is_live())
            .map(|a| a.progress)
            .fold(0.0, f32::max)
    }
}

/// What the driver must do after the job state changed.
#[derive(Debug, Default)]
pub(crate) struct Actions {
    pub asks: Vec<pb::ContainerAsk>,
    pub cancel_asks: Vec<i64>,
    pub release: Vec<String>,
    /// Containers to start: (attempt id, container).
    pub launch: Vec<(TaskAttemptId, pb::Container)>,
    /// Running containers to stop.
    pub stop: Vec<pb::Container>,
}

/// How the job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    Failed(String),
    Killed(String),
}

/// The whole job.
pub(crate) struct JobState {
    pub job_id: String,
    settings: AmSettings,
    maps: Vec<Task>,
    reduces: Vec<Task>,
    events: Vec<mrpb::MapCompletionEvent>,
    /// Node id -> rack, for locality counters.
    racks: HashMap<String, String>,
    /// Hosts of running NodeManagers, for retries on another node.
    hosts: HashSet<String>,
    next_ask_id: i64,
    reduces_requested: bool,
    job_counters: Counters,
    outcome: Option<Outcome>,
    pub actions: Actions,
    /// Finished attempts' durations, to pick stragglers by.
    speculator: Speculator,
    /// Attempts by the ask that wants their container, then by the container.
    by_ask: HashMap<i64, AttemptRef>,
    by_container: HashMap<String, AttemptRef>,
}

/// Where an attempt is: (kind, task index, attempt number).
type AttemptRef = (TaskType, usize, usize);

impl JobState {
    /// A job of one map per split and `reduces` reducers, on a cluster of
    /// `nodes` (node id, rack).
    pub fn new(
        job_id: &str,
        splits: &[InputSplit],
        reduces: u32,
        settings: AmSettings,
        nodes: &[(String, String)],
    ) -> Self {
        let task = |kind, index, hosts: Vec<String>, racks: Vec<String>| Task {
            index,
            id: TaskId::new(job_id, kind, index as u32),
            hosts,
            racks,
            attempts: Vec::new(),
            winner: None,
            failed_attempts: 0,
            failed_hosts: HashSet::new(),
            failed: false,
        };
        let mut job = JobState {
            job_id: job_id.to_string(),
            settings,
            maps: splits
                .iter()
                .enumerate()
                .map(|(index, split)| {
                    task(
                        TaskType::Map,
                        index,
                        split.hosts.clone(),
                        split.racks.clone(),
                    )
                })
                .collect(),
            reduces: (0..reduces as usize)
                .map(|index| task(TaskType::Reduce, index, Vec::new(), Vec::new()))
                .collect(),
            events: Vec::new(),
            racks: nodes.iter().cloned().collect(),
            hosts: nodes
                .iter()
                .map(|(node, _)| host_of(node).to_string())
                .collect(),
            next_ask_id: 1,
            reduces_requested: false,
            job_counters: Counters::new(),
            outcome: None,
            actions: Actions::default(),
            speculator: Speculator::default(),
            by_ask: HashMap::new(),
            by_container: HashMap::new(),
        };
        for index in 0..job.maps.len() {
            job.new_attempt(TaskType::Map, index, false);
        }
        job.maybe_start_reduces();
        job.check_done();
        job
    }

    fn tasks(&self, kind: TaskType) -> &Vec<Task> {
        match kind {
            TaskType::Map => &self.maps,
            TaskType::Reduce => &self.reduces,
        }
    }

    fn tasks_mut(&mut self, kind: TaskType) -> &mut Vec<Task> {
        match kind {
            TaskType::Map => &mut self.maps,
            TaskType::Reduce => &mut self.reduces,
        }
    }

    /// Adds an attempt to a task and asks for its container.
    fn new_attempt(&mut self, kind: TaskType, index: usize, speculative: bool) {
        let ask_id = self.next_ask_id;
        self.next_ask_id += 1;
        let capability = match kind {
            TaskType::Map => self.settings.map_resource,
            TaskType::Reduce => self.settings.reduce_resource,
        };
        let known_hosts = self.hosts.clone();
        let task = &mut self.tasks_mut(kind)[index];
        let retry = task.failed_attempts > 0;
        let (priority, hosts, racks, relax) = match kind {
            TaskType::Map if !retry => (PRIORITY_MAP, task.hosts.clone(), task.racks.clone(), true),
            TaskType::Map => other_hosts(PRIORITY_FAST_FAIL_MAP, &known_hosts, task),
            TaskType::Reduce if !retry => (PRIORITY_REDUCE, Vec::new(), Vec::new(), true),
            TaskType::Reduce => other_hosts(PRIORITY_REDUCE, &known_hosts, task),
        };
        let number = task.attempts.len() as u32;
        task.attempts.push(Attempt {
            id: task.id.attempt(number),
            state: AttemptState::Waiting,
            ask_id,
            container: None,
            shuffle_address: None,
            started: None,
            finished: None,
            progress: 0.0,
            counters: Counters::new(),
            speculative,
            fetch_failures: 0,
            diagnostics: String::new(),
        });
        self.by_ask.insert(ask_id, (kind, index, number as usize));
        self.actions.asks.push(pb::ContainerAsk {
            priority,
            capability: Some(capability),
            count: 1,
            hosts,
            racks,
            relax_locality: relax,
            allocation_request_id: ask_id,
        });
    }

    /// Where attempt `attempt` is, read from its id (`..._m_000004_1`).
    fn find(&self, attempt: &str) -> Option<AttemptRef> {
        let id: TaskAttemptId = attempt.parse().ok()?;
        let kind = id.task_type();
        let index = id.task().index() as usize;
        let number = id.number() as usize;
        let task = self.tasks(kind).get(index)?;
        (task.attempts.get(number)?.id == id).then_some((kind, index, number))
    }

    fn attempt_mut(&mut self, kind: TaskType, index: usize, number: usize) -> &mut Attempt {
        &mut self.tasks_mut(kind)[index].attempts[number]
    }

    /// A container the RM granted: it runs the attempt whose ask it answers.
    pub fn allocated(&mut self, container: pb::Container) {
        let ask_id = container.allocation_request_id;
        let waiting = self
            .by_ask
            .remove(&ask_id)
            .filter(|&(kind, index, number)| {
                self.tasks(kind)[index].attempts[number].state == AttemptState::Waiting
            });
        let Some((kind, index, number)) = waiting else {
            self.actions.release.push(container.container_id);
            return;
        };
        if kind == TaskType::Map {
            let locality = self.locality(index, &container.node_id);
            let name = match locality {
                Locality::Data => "DATA_LOCAL_MAPS",
                Locality::Rack => "RACK_LOCAL_MAPS",
                Locality::Other => "OTHER_LOCAL_MAPS",
            };
            self.job_counters.increment(JOB_GROUP, name, 1);
        }
        let launched = match kind {
            TaskType::Map => "TOTAL_LAUNCHED_MAPS",
            TaskType::Reduce => "TOTAL_LAUNCHED_REDUCES",
        };
        self.job_counters.increment(JOB_GROUP, launched, 1);
        self.by_container
            .insert(container.container_id.clone(), (kind, index, number));
        let attempt = self.attempt_mut(kind, index, number);
        attempt.state = AttemptState::Running;
        attempt.container = Some(container.clone());
        attempt.started = Some(Instant::now());
        let id = attempt.id.clone();
        self.actions.launch.push((id, container));
    }

    fn locality(&self, index: usize, node_id: &str) -> Locality {
        let task = &self.maps[index];
        if task.hosts.iter().any(|host| host == host_of(node_id)) {
            return Locality::Data;
        }
        match self.racks.get(node_id) {
            Some(rack) if task.racks.contains(rack) => Locality::Rack,
            _ => Locality::Other,
        }
    }

    /// The NodeManager started the attempt's container; maps serve their
    /// output from `shuffle_address`.
    pub fn launched(&mut self, attempt: &str, shuffle_address: Option<String>) {
        if let Some((kind, index, number)) = self.find(attempt) {
            self.attempt_mut(kind, index, number).shuffle_address = shuffle_address;
        }
    }

    /// A task reported progress; true when the attempt should die.
    pub fn status_update(&mut self, attempt: &str, progress: f32, counters: Counters) -> bool {
        let Some((kind, index, number)) = self.find(attempt) else {
            return true;
        };
        let attempt = self.attempt_mut(kind, index, number);
        if attempt.state != AttemptState::Running {
            return true;
        }
        attempt.progress = progress.clamp(0.0, 1.0);
        attempt.counters = counters;
        false
    }

    /// Whether an attempt is no longer wanted (killed, failed, unknown).
    pub fn is_unwanted(&self, attempt: &str) -> bool {
        self.find(attempt).is_none_or(|(kind, index, number)| {
            self.tasks(kind)[index].attempts[number].state != AttemptState::Running
        })
    }

    /// An attempt asks to commit: the first of its task may; (allowed, should die).
    pub fn can_commit(&mut self, attempt: &str) -> (bool, bool) {
        let Some((kind, index, number)) = self.find(attempt) else {
            return (false, true);
        };
        let task = &mut self.tasks_mut(kind)[index];
        if task.attempts[number].state != AttemptState::Running {
            return (false, true);
        }
        match task.winner {
            Some(winner) if winner == number => (true, false),
            Some(_) => (false, true),
            None => {
                task.winner = Some(number);
                (true, false)
            }
        }
    }

    /// An attempt finished its work (and committed, when it had output).
    pub fn done(&mut self, attempt: &str, counters: Counters) {
        let Some((kind, index, number)) = self.find(attempt) else {
            return;
        };
        let task = &mut self.tasks_mut(kind)[index];
        let is_winner = task.winner.is_none_or(|winner| winner == number);
        if task.attempts[number].state != AttemptState::Running || !is_winner || task.succeeded() {
            return;
        }
        task.winner = Some(number);
        let attempt = &mut task.attempts[number];
        attempt.state = AttemptState::Succeeded;
        attempt.finished = Some(Instant::now());
        attempt.progress = 1.0;
        attempt.counters = counters;
        let elapsed = attempt.started.map(|started| started.elapsed());
        let event = (kind == TaskType::Map).then(|| mrpb::MapCompletionEvent {
            event_id: 0,
            map_index: index as i32,
            attempt_id: attempt.id.to_string(),
            status: mrpb::CompletionStatus::CompletionSucceeded as i32,
            shuffle_address: attempt.shuffle_address.clone().unwrap_or_default(),
        });
        if let Some(elapsed) = elapsed {
            self.speculator.finished(kind, elapsed);
        }
        self.kill_other_attempts(kind, index, number);
        self.charge_time(kind, index, number);
        if let Some(mut event) = event {
            event.event_id = self.events.len() as i32;
            self.events.push(event);
        }
        self.maybe_start_reduces();
        self.check_done();
    }

    /// Charges an ended attempt's time to the job counters.
    fn charge_time(&mut self, kind: TaskType, index: usize, number: usize) {
        let mut charged = Counters::new();
        let attempt = &self.tasks(kind)[index].attempts[number];
        charge_time(&mut charged, self.settings.slot_memory_mb, kind, attempt);
        self.job_counters.merge(&charged);
    }

    fn kill_other_attempts(&mut self, kind: TaskType, index: usize, keep: usize) {
        let slot_memory_mb = self.settings.slot_memory_mb;
        let mut charged = Counters::new();
        let task = &mut self.tasks_mut(kind)[index];
        let mut stop = Vec::new();
        let mut cancel = Vec::new();
        for (number, attempt) in task.attempts.iter_mut().enumerate() {
            if number == keep || !attempt.is_live() {
                continue;
            }
            match attempt.container.clone() {
                Some(container) => stop.push(container),
                None => cancel.push(attempt.ask_id),
            }
            attempt.state = AttemptState::Killed;
            attempt.finished = Some(Instant::now());
            attempt.diagnostics = "Speculation: another attempt succeeded".to_string();
            charged.increment(JOB_GROUP, killed_counter(kind), 1);
            charge_time(&mut charged, slot_memory_mb, kind, attempt);
        }
        self.job_counters.merge(&charged);
        self.actions.stop.extend(stop);
        self.actions.cancel_asks.extend(cancel);
    }

    /// A task reported a fatal error (a panic, a failed read) before exiting.
    pub fn fatal_error(&mut self, attempt: &str, message: &str) {
        if let Some((kind, index, number)) = self.find(attempt) {
            let attempt = self.attempt_mut(kind, index, number);
            if attempt.diagnostics.is_empty() {
                attempt.diagnostics = message.to_string();
            }
        }
    }

    /// A container ended. A task attempt that had not succeeded failed
    /// (or was killed, when the framework ended it).
    pub fn container_completed(&mut self, container_id: &str, exit_status: i32, diagnostics: &str) {
        let Some((kind, index, number)) = self.by_container.remove(container_id) else {
            return;
        };
        if self.tasks(kind)[index].attempts[number].state != AttemptState::Running {
            return;
        }
        let killed = FRAMEWORK_EXITS.contains(&exit_status);
        let why = if killed {
            format!("Container killed by the framework: {diagnostics}")
        } else if exit_status == 0 {
            "The task exited without reporting that it was done".to_string()
        } else {
            format!("Container exited with a non-zero exit code {exit_status}. {diagnostics}")
        };
        self.end_attempt(kind, index, number, killed, &why);
    }

    /// Ends a live attempt at a client's request (`mapred job -kill-task`,
    /// `-fail-task`): its container is stopped (or its ask dropped) and it
    /// is killed, or failed when `fail` (counting towards the task's
    /// attempts); the task runs another. False when it is not live.
    pub fn end_attempt_by_request(&mut self, attempt: &str, fail: bool, why: &str) -> bool {
        let Some((kind, index, number)) = self.find(attempt) else {
            return false;
        };
        let attempt = &self.tasks(kind)[index].attempts[number];
        if !attempt.is_live() {
            return false;
        }
        match attempt.container.clone() {
            Some(container) => self.actions.stop.push(container),
            None => self.actions.cancel_asks.push(attempt.ask_id),
        }
        self.end_attempt(kind, index, number, !fail, why);
        true
    }

    /// Ends a running attempt as failed or killed and retries its task.
    fn end_attempt(
        &mut self,
        kind: TaskType,
        index: usize,
        number: usize,
        killed: bool,
        why: &str,
    ) {
        let max_attempts = match kind {
            TaskType::Map => self.settings.map_max_attempts,
            TaskType::Reduce => self.settings.reduce_max_attempts,
        };
        let task = &mut self.tasks_mut(kind)[index];
        let attempt = &mut task.attempts[number];
        let was_live = attempt.is_live() || attempt.state == AttemptState::Succeeded;
        if !was_live {
            return;
        }
        attempt.state = if killed {
            AttemptState::Killed
        } else {
            AttemptState::Failed
        };
        attempt.finished = Some(Instant::now());
        attempt.diagnostics = if attempt.diagnostics.is_empty() {
            why.to_string()
        } else {
            format!("{}\n{why}", attempt.diagnostics)
        };
        let host = attempt.host().map(str::to_string);
        if task.winner == Some(number) {
            task.winner = None;
        }
        if !killed {
            task.failed_attempts += 1;
            task.failed_hosts.extend(host);
        }
        let failed_name = match kind {
            TaskType::Map => "NUM_FAILED_MAPS",
            TaskType::Reduce => "NUM_FAILED_REDUCES",
        };
        let exhausted = task.failed_attempts >= max_attempts;
        let others_live = task.live_attempts() > 0;
        if killed {
            self.job_counters
                .increment(JOB_GROUP, killed_counter(kind), 1);
        } else {
            self.job_counters.increment(JOB_GROUP, failed_name, 1);
        }
        self.charge_time(kind, index, number);
        if exhausted {
            let task = &mut self.tasks_mut(kind)[index];
            task.failed = true;
            let reason = format!(
                "Task failed {}\nJob failed as tasks failed. failedMaps:{} failedReduces:{}\n{}",
                task.id,
                u32::from(kind == TaskType::Map),
                u32::from(kind == TaskType::Reduce),
                task.attempts[number].diagnostics
            );
            self.fail(Outcome::Failed(reason));
            return;
        }
        if !others_live {
            self.new_attempt(kind, index, false);
        }
    }

    /// A reducer could not fetch `map_attempt`'s output; enough reports
    /// declare the output lost and the map runs again.
    pub fn fetch_failure(&mut self, map_attempt: &str) {
        let Some((TaskType::Map, index, number)) = self.find(map_attempt) else {
            return;
        };
        let running_reduces = self
            .reduces
            .iter()
            .filter(|task| task.live_attempts() > 0)
            .count() as u32;
        let threshold = self
            .settings
            .fetch_failure_notifications
            .min(running_reduces.max(1));
        let attempt = self.attempt_mut(TaskType::Map, index, number);
        if attempt.state != AttemptState::Succeeded {
            return;
        }
        attempt.fetch_failures += 1;
        if attempt.fetch_failures >= threshold {
            self.rerun_map(
                index,
                number,
                "Too many fetch failures. Failing the attempt",
            );
        }
    }

    /// The output of a succeeded map is gone: make its event obsolete and run it again.
    fn rerun_map(&mut self, index: usize, number: usize, why: &str) {
        let attempt_id = self.maps[index].attempts[number].id.to_string();
        let obsolete = mrpb::MapCompletionEvent {
            event_id: self.events.len() as i32,
            map_index: index as i32,
            attempt_id,
            status: mrpb::CompletionStatus::CompletionObsolete as i32,
            shuffle_address: String::new(),
        };
        self.events.push(obsolete);
        self.end_attempt(TaskType::Map, index, number, false, why);
    }

    /// NodeManagers changed state: maps whose output lived on a node that
    /// is gone run again (while reducers may still need them).
    pub fn nodes_updated(&mut self, nodes: &[pb::NodeReport]) {
        for node in nodes {
            let usable = node.state == pb::NodeState::NodeRunning as i32;
            let host = host_of(&node.node_id).to_string();
            if usable {
                self.racks.insert(node.node_id.clone(), node.rack.clone());
                self.hosts.insert(host);
                continue;
            }
            self.hosts.remove(&host);
            if self.reduces.is_empty() || self.reduces.iter().all(Task::succeeded) {
                continue;
            }
            let lost: Vec<(usize, usize)> = self
                .maps
                .iter()
                .filter_map(|task| {
                    let winner = task.winner?;
                    let attempt = &task.attempts[winner];
                    let on_node = attempt
                        .container
                        .as_ref()
                        .is_some_and(|c| c.node_id == node.node_id);
                    (on_node && attempt.state == AttemptState::Succeeded)
                        .then_some((task.index, winner))
                })
                .collect();
            for (index, number) in lost {
                self.rerun_map(
                    index,
                    number,
                    "Its NodeManager is lost: the map output is gone",
                );
            }
        }
    }

    /// Map completion events from `from` on.
    pub fn events_from(&self, from: usize) -> &[mrpb::MapCompletionEvent] {
        self.events.get(from..).unwrap_or_default()
    }

    pub fn total_maps(&self) -> usize {
        self.maps.len()
    }

    /// Called on every heartbeat: starts reducers and speculative attempts.
    pub fn tick(&mut self) {
        self.maybe_start_reduces();
        self.speculate(TaskType::Map);
        self.speculate(TaskType::Reduce);
    }

    fn maybe_start_reduces(&mut self) {
        if self.reduces_requested || self.outcome.is_some() {
            return;
        }
        let finished = self.maps.iter().filter(|task| task.succeeded()).count();
        let needed = (self.settings.slowstart * self.maps.len() as f64).ceil() as usize;
        if finished < needed.min(self.maps.len()) {
            return;
        }
        self.reduces_requested = true;
        for index in 0..self.reduces.len() {
            self.new_attempt(TaskType::Reduce, index, false);
        }
    }

    /// Starts a second attempt of a straggler (see [`Speculator`]).
    fn speculate(&mut self, kind: TaskType) {
        let enabled = match kind {
            TaskType::Map => self.settings.map_speculative,
            TaskType::Reduce => self.settings.reduce_speculative,
        };
        if !enabled || self.outcome.is_some() {
            return;
        }
        let policy = SpeculationPolicy {
            cap: self.settings.speculative_cap,
            slow_task_threshold: self.settings.slow_task_threshold,
            min_runtime: self.settings.speculative_min_runtime,
        };
        let tasks: Vec<TaskView> = self.tasks(kind).iter().map(Task::view).collect();
        if let Some(index) = self.speculator.straggler(kind, &policy, &tasks) {
            self.new_attempt(kind, index, true);
        }
    }

    fn check_done(&mut self) {
        if self.outcome.is_some() {
            return;
        }
        let done = if self.reduces.is_empty() {
            self.maps.iter().all(Task::succeeded)
        } else {
            self.reduces.iter().all(Task::succeeded)
        };
        if done {
            self.outcome = Some(Outcome::Succeeded);
        }
    }

    /// Ends the job: every live attempt is stopped.
    pub fn fail(&mut self, outcome: Outcome) {
        if self.outcome.is_some() {
            return;
        }
        self.outcome = Some(outcome);
        for kind in [TaskType::Map, TaskType::Reduce] {
            for index in 0..self.tasks(kind).len() {
                self.kill_other_attempts(kind, index, usize::MAX);
            }
        }
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Counters of the succeeded attempts plus the job counters.
    pub fn counters(&self) -> Counters {
        let mut total = self.job_counters.clone();
        for task in self.maps.iter().chain(&self.reduces) {
            if let Some(winner) = task.winner {
                total.merge(&task.attempts[winner].counters);
            }
        }
        total
    }

    /// Progress of maps and reduces, 0.0 to 1.0. As Hadoop's
    /// `JobImpl.computeProgress`, a phase without tasks stays at 0.0: a
    /// map-only job reports `map 100% reduce 0%` at its end, never
    /// `reduce 100%` while its maps have not started.
    pub fn progress(&self) -> (f32, f32) {
        let mean = |tasks: &[Task]| {
            if tasks.is_empty() {
                return 0.0;
            }
            tasks.iter().map(Task::progress).sum::<f32>() / tasks.len() as f32
        };
        (mean(&self.maps), mean(&self.reduces))
    }

    /// Finished tasks: (maps, reduces).
    pub fn finished(&self) -> (usize, usize) {
        let count = |tasks: &[Task]| tasks.iter().filter(|task| task.succeeded()).count();
        (count(&self.maps), count(&self.reduces))
    }

    pub fn total_reduces(&self) -> usize {
        self.reduces.len()
    }

    /// Why attempts failed or were killed, for the job report.
    pub fn attempt_failures(&self) -> Vec<String> {
        self.maps
            .iter()
            .chain(&self.reduces)
            .flat_map(|task| &task.attempts)
            .filter(|a| matches!(a.state, AttemptState::Failed | AttemptState::Killed))
            .map(|a| format!("{}: {}", a.id, a.diagnostics))
            .collect()
    }

    /// Every live container (to stop when the job ends).
    pub fn live_containers(&self) -> Vec<pb::Container> {
        self.maps
            .iter()
            .chain(&self.reduces)
            .flat_map(|task| &task.attempts)
            .filter(|a| a.state == AttemptState::Running)
            .filter_map(|a| a.container.clone())
            .collect()
    }
}

/// A retry's ask: any running node but the ones the task failed on, when there are such.
fn other_hosts(
    priority: i32,
    known_hosts: &HashSet<String>,
    task: &Task,
) -> (i32, Vec<String>, Vec<String>, bool) {
    let mut others: Vec<String> = known_hosts
        .iter()
        .filter(|host| !task.failed_hosts.contains(*host))
        .cloned()
        .collect();
    others.sort();
    if others.is_empty() {
        return (priority, Vec::new(), Vec::new(), true);
    }
    (priority, others, Vec::new(), false)
}

#[cfg(test)]
mod tests;
mod view;

fn killed_counter(kind: TaskType) -> &'static str {
    match kind {
        TaskType::Map => "NUM_KILLED_MAPS",
        TaskType::Reduce => "NUM_KILLED_REDUCES",
    }
}

/// Adds the time an ended attempt held its container to Hadoop's job
/// counters: milliseconds, slot-milliseconds (slots of the scheduler's
/// minimum allocation), vcore- and megabyte-milliseconds.
fn charge_time(counters: &mut Counters, slot_memory_mb: i64, kind: TaskType, attempt: &Attempt) {
    let (Some(started), Some(finished)) = (attempt.started, attempt.finished) else {
        return;
    };
    let millis = finished.duration_since(started).as_millis() as u64;
    let resource = attempt
        .container
        .as_ref()
        .and_then(|container| container.resource)
        .unwrap_or_default();
    let memory_mb = resource.memory_mb.max(0) as u64;
    let slots = memory_mb.div_ceil(slot_memory_mb.max(1) as u64).max(1);
    let phase = match kind {
        TaskType::Map => "MAPS",
        TaskType::Reduce => "REDUCES",
    };
    counters.increment(JOB_GROUP, &format!("MILLIS_{phase}"), millis);
    counters.increment(JOB_GROUP, &format!("SLOTS_MILLIS_{phase}"), millis * slots);
    counters.increment(
        JOB_GROUP,
        &format!("VCORES_MILLIS_{phase}"),
        millis * resource.vcores.max(0) as u64,
    );
    counters.increment(JOB_GROUP, &format!("MB_MILLIS_{phase}"), millis * memory_mb);
}
