//! The pages of one MapReduce job, in Hadoop's layout, shared by the JobHistory server
//! (a finished job, read from its history) and the MRAppMaster (the running job):
//! overview, tasks of a kind, a task's attempts, attempts by state, counters and
//! configuration. They are rendered from the same job report and [`JobSnapshot`] the REST
//! documents ([`documents`]) are built from, so a page and its REST resource cannot
//! disagree. Pure: no locks, no I/O; the servers snapshot their job, then render.

use common::webui::chart::{self, Span};
use common::webui::format;
use common::webui::listing::Listing;
use common::webui::{Markup, html};
use proto::mapreduce as pb;

use crate::counters::{FILE_SYSTEM_GROUP, JOB_GROUP, TASK_GROUP};
use crate::ids::TaskType;
use crate::yarn::appmaster::{AttemptSnapshot, JobSnapshot, TaskSnapshot, documents};

/// The most attempts a job's timeline draws (the first to start), so a big job's page
/// stays small.
const MAX_TIMELINE_SPANS: usize = 200;

/// Where a server's job pages live, and so how they link to each other.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    /// The way from the page being rendered back to the server's root: `/` on the history
    /// server; relative (`../../`) on the AM, whose pages are also reached under the
    /// ResourceManager's `/proxy/{app}/`.
    root: String,
    /// The first segment of the pages' paths: `jobhistory` or `mapreduce`.
    app: &'static str,
}

impl Site {
    /// The history server's pages, under `/jobhistory`.
    pub fn history() -> Self {
        Self {
            root: "/".to_string(),
            app: "jobhistory",
        }
    }

    /// The AM's pages, under `/mapreduce`, as linked from the page at `path` (its path on
    /// the AM's own port).
    pub fn am(path: &str) -> Self {
        Self {
            root: relative_root(path),
            app: "mapreduce",
        }
    }

    /// The way back to the server's root from the page.
    pub fn root(&self) -> &str {
        &self.root
    }

    fn link(&self, rest: &str) -> String {
        format!("{}{}/{rest}", self.root, self.app)
    }

    /// The job's overview page.
    pub fn job(&self, job_id: &str) -> String {
        self.link(&format!("job/{job_id}"))
    }

    fn tasks(&self, job_id: &str, kind: TaskType) -> String {
        self.link(&format!("tasks/{job_id}/{}", kind.letter()))
    }

    fn tasks_in_state(&self, job_id: &str, kind: TaskType, state: &str) -> String {
        format!("{}?state={state}", self.tasks(job_id, kind))
    }

    fn task(&self, task_id: &str) -> String {
        self.link(&format!("task/{task_id}"))
    }

    fn attempts(&self, job_id: &str, kind: TaskType, state: &str) -> String {
        self.link(&format!("attempts/{job_id}/{}/{state}", kind.letter()))
    }

    fn counters(&self, job_id: &str) -> String {
        self.link(&format!("jobcounters/{job_id}"))
    }

    fn task_counters(&self, task_id: &str) -> String {
        self.link(&format!("taskcounters/{task_id}"))
    }

    fn conf(&self, job_id: &str) -> String {
        self.link(&format!("conf/{job_id}"))
    }
}

/// The relative way from the page at `path` back to the root: `../` per directory below
/// the root, `./` for a page in the root.
pub(crate) fn relative_root(path: &str) -> String {
    let depth = path.trim_start_matches('/').matches('/').count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// The last segment of `path`: what a page's own links (paging, sorting) are written
/// as, so they work under any prefix.
pub(crate) fn own_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// One job as its pages show it.
pub(crate) struct JobView<'a> {
    pub report: &'a pb::JobReport,
    pub snapshot: &'a JobSnapshot,
    /// The job's MRAppMaster attempts.
    pub am_attempts: &'a [pb::AmAttemptHistory],
    /// Where the elapsed times of what still runs stop: now on the AM, the job's finish
    /// on the history server.
    pub now: i64,
}

impl JobView<'_> {
    fn job_id(&self) -> &str {
        &self.report.job_id
    }

    fn logs_url(&self, node_http_address: &str, container_id: &str) -> String {
        documents::container_logs_url(node_http_address, container_id, &self.report.user)
    }
}

/// `map` or `reduce` from the `m` or `r` of a URL.
pub(crate) fn task_type(letter: &str) -> Option<TaskType> {
    match letter {
        "m" => Some(TaskType::Map),
        "r" => Some(TaskType::Reduce),
        _ => None,
    }
}

fn kind_label(kind: TaskType) -> &'static str {
    match kind {
        TaskType::Map => "Map",
        TaskType::Reduce => "Reduce",
    }
}

/// Whether a task in `state` is listed under `wanted`: a TaskState name, or `PENDING`
/// for the tasks not yet running (NEW and SCHEDULED), as Hadoop's AM lists them.
fn task_state_matches(wanted: &str, state: &str) -> bool {
    if wanted.eq_ignore_ascii_case("PENDING") {
        return matches!(state, "NEW" | "SCHEDULED");
    }
    wanted.eq_ignore_ascii_case(state)
}

/// Whether an attempt in `state` is listed under `wanted`: a TaskAttemptState name, or
/// Hadoop's `NEW` (STARTING here) and `SUCCESSFUL` (SUCCEEDED) of its attempts pages.
fn attempt_state_matches(wanted: &str, state: &str) -> bool {
    match wanted.to_ascii_uppercase().as_str() {
        "NEW" => state == "STARTING",
        "SUCCESSFUL" => state == "SUCCEEDED",
        other => other == state,
    }
}

/// The badge class of a job, task or attempt state.
fn state_class(state: &str) -> &'static str {
    match state {
        "SUCCEEDED" => "ok",
        "FAILED" | "KILLED" | "ERROR" => "bad",
        "RUNNING" => "warn",
        _ => "",
    }
}

/// A job, task or attempt state as a colored badge.
pub(crate) fn state_badge(state: &str) -> Markup {
    html! { span.badge.(state_class(state)) { (state) } }
}

/// Hadoop's display names of the built-in counter groups.
fn group_label(group: &str) -> &str {
    match group {
        TASK_GROUP => "Map-Reduce Framework",
        JOB_GROUP => "Job Counters",
        FILE_SYSTEM_GROUP => "File System Counters",
        other => other,
    }
}

/// A start, finish or elapsed time cell; N/A for what did not happen.
fn elapsed_cell(start: i64, finish: i64, now: i64) -> Markup {
    let elapsed = documents::elapsed(start, finish, now);
    html! {
        td.num data-sort=(elapsed) {
            @if elapsed < 0 { "N/A" } @else { (format::duration(elapsed)) }
        }
    }
}

fn time_cell(millis: i64) -> Markup {
    html! { td.nowrap data-sort=(millis) { (format::datetime(millis)) } }
}

/// The links between one job's pages (Hadoop's "Job" menu); `current` is the link of
/// the page showing them.
pub(crate) fn job_tabs(site: &Site, job_id: &str, current: &str) -> Markup {
    let tabs = [
        (site.job(job_id), "Overview"),
        (site.counters(job_id), "Counters"),
        (site.conf(job_id), "Configuration"),
        (site.tasks(job_id, TaskType::Map), "Map tasks"),
        (site.tasks(job_id, TaskType::Reduce), "Reduce tasks"),
    ];
    html! {
        nav.tabs aria-label="Job" {
            @for (href, label) in &tabs {
                @if href == current {
                    a.current href=(href) aria-current="page" { (label) }
                } @else {
                    a href=(href) { (label) }
                }
            }
        }
    }
}

/// The job's overview page: facts, task and attempt counts by state linking to their
/// lists, AM attempts, and a timeline of the attempts. With `live` (the AM's page of a
/// running job) it shows the progress of each kind and the tasks pending and running,
/// and refreshes all that in place every two seconds.
pub(crate) fn job_page(site: &Site, view: &JobView<'_>, live: bool) -> Markup {
    let report = view.report;
    let job_id = view.job_id();
    html! {
        (job_tabs(site, job_id, &site.job(job_id)))
        div #job-live data-live=[live.then_some("2")] {
            div.columns {
                section {
                    h2 { "Job Overview" }
                    (job_facts(view))
                }
                div {
                    section {
                        h2 { "Tasks" }
                        div.scroll { (task_counts_table(site, view, live)) }
                        h2 { "Attempts" }
                        div.scroll { (attempt_counts_table(site, view)) }
                    }
                    section {
                        h2 { "ApplicationMaster" }
                        (am_attempts_table(view))
                    }
                }
            }
            section {
                (timeline(view))
                p {
                    a href=(site.counters(job_id)) { "Counters" } " · "
                    a href=(site.conf(job_id)) { "Configuration" }
                    @if !report.diagnostics.is_empty() {
                        " · " a href="#diagnostics" { "Diagnostics" }
                    }
                }
            }
        }
    }
}

fn job_facts(view: &JobView<'_>) -> Markup {
    let report = view.report;
    let average = |tasks: &[TaskSnapshot]| {
        let average = documents::average_successful_time(tasks);
        if average > 0 {
            format::duration(average)
        } else {
            "N/A".to_string()
        }
    };
    let elapsed = documents::elapsed(report.start_time, report.finish_time, view.now);
    let rows = [
        ("Job Name", html! { (report.job_name) }),
        ("User Name", html! { (report.user) }),
        ("Queue", html! { (report.queue) }),
        ("State", state_badge(&report.state)),
        ("Uberized", html! { "false" }),
        ("Submitted", html! { (format::datetime(report.start_time)) }),
        ("Started", html! { (format::datetime(report.start_time)) }),
        ("Finished", html! { (format::datetime(report.finish_time)) }),
        ("Elapsed", html! { (format::duration(elapsed)) }),
        (
            "Diagnostics",
            html! { span #diagnostics { (report.diagnostics) } },
        ),
        ("Average Map Time", html! { (average(&view.snapshot.maps)) }),
        // Tusk's AM keeps no per-phase times of a reduce (as the REST documents say).
        ("Average Shuffle Time", html! { "N/A" }),
        ("Average Merge Time", html! { "N/A" }),
        (
            "Average Reduce Time",
            html! { (average(&view.snapshot.reduces)) },
        ),
    ];
    format::facts(rows)
}

fn am_attempts_table(view: &JobView<'_>) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { th { "Attempt Number" } th { "Start Time" } th { "Node" } th { "Logs" } } }
                tbody {
                    @for attempt in view.am_attempts {
                        tr {
                            td.num { (attempt.id) }
                            (time_cell(attempt.start_time))
                            td { a href=(format!("http://{}/node", attempt.node_http_address)) { (attempt.node_http_address) } }
                            td { a href=(view.logs_url(&attempt.node_http_address, &attempt.container_id)) { "logs" } }
                        }
                    }
                }
            }
        }
    }
}

/// A count linking to the list it counts, or a plain 0.
fn count_link(count: usize, href: String) -> Markup {
    html! {
        td.num {
            @if count == 0 { "0" } @else { a href=(href) { (count) } }
        }
    }
}

/// The tasks of each kind by state; with `live` (a running job), its progress and the
/// tasks pending and running too.
fn task_counts_table(site: &Site, view: &JobView<'_>, live: bool) -> Markup {
    let report = view.report;
    let job_id = view.job_id();
    html! {
        table.task-counts {
            thead {
                tr {
                    th { "Task Type" }
                    @if live { th { "Progress" } }
                    th.num { "Total" }
                    @if live { th.num { "Pending" } th.num { "Running" } }
                    th.num { "Successful" } th.num { "Failed" } th.num { "Killed" }
                }
            }
            tbody {
                @for kind in [TaskType::Map, TaskType::Reduce] {
                    @let tasks = view.snapshot.tasks(kind);
                    @let tally = documents::tally(tasks);
                    @let progress = match kind {
                        TaskType::Map => report.map_progress,
                        TaskType::Reduce => report.reduce_progress,
                    };
                    @let bar_state = if tally.failed > 0 { "bad" } else { "ok" };
                    tr data-kind=(kind) {
                        th scope="row" { a href=(site.tasks(job_id, kind)) { (kind_label(kind)) } }
                        @if live { td { (format::progress(f64::from(progress), bar_state)) } }
                        td.num.total { a href=(site.tasks(job_id, kind)) { (tasks.len()) } }
                        @if live {
                            (count_link(tally.pending, site.tasks_in_state(job_id, kind, "PENDING")))
                            (count_link(tally.running, site.tasks_in_state(job_id, kind, "RUNNING")))
                        }
                        (count_link(tally.succeeded, site.tasks_in_state(job_id, kind, "SUCCEEDED")))
                        (count_link(tally.failed, site.tasks_in_state(job_id, kind, "FAILED")))
                        (count_link(tally.killed, site.tasks_in_state(job_id, kind, "KILLED")))
                    }
                }
            }
        }
    }
}

fn attempt_counts_table(site: &Site, view: &JobView<'_>) -> Markup {
    let job_id = view.job_id();
    html! {
        table.attempt-counts {
            thead {
                tr {
                    th { "Attempt Type" } th.num { "New" } th.num { "Running" }
                    th.num { "Failed" } th.num { "Killed" } th.num { "Successful" }
                }
            }
            tbody {
                @for kind in [TaskType::Map, TaskType::Reduce] {
                    @let tally = documents::tally(view.snapshot.tasks(kind));
                    tr data-kind=(kind) {
                        th scope="row" { (kind_label(kind)) " attempts" }
                        (count_link(tally.new_attempts, site.attempts(job_id, kind, "NEW")))
                        (count_link(tally.running_attempts, site.attempts(job_id, kind, "RUNNING")))
                        (count_link(tally.failed_attempts, site.attempts(job_id, kind, "FAILED")))
                        (count_link(tally.killed_attempts, site.attempts(job_id, kind, "KILLED")))
                        (count_link(tally.successful_attempts, site.attempts(job_id, kind, "SUCCESSFUL")))
                    }
                }
            }
        }
    }
}

/// The attempts that started, first to start first, as timeline bars.
fn timeline(view: &JobView<'_>) -> Markup {
    let mut attempts: Vec<&AttemptSnapshot> = view
        .snapshot
        .maps
        .iter()
        .chain(&view.snapshot.reduces)
        .flat_map(|task| &task.attempts)
        .filter(|attempt| attempt.start_time > 0)
        .collect();
    if attempts.is_empty() {
        return html! { p.muted { "No task attempt has started yet." } };
    }
    attempts.sort_by_key(|attempt| attempt.start_time);
    let started = attempts.len();
    attempts.truncate(MAX_TIMELINE_SPANS);
    let labels: Vec<String> = attempts
        .iter()
        .map(|attempt| attempt.id.to_string())
        .collect();
    let spans: Vec<Span<'_>> = attempts
        .iter()
        .zip(&labels)
        .map(|(attempt, label)| Span {
            label: label.as_str(),
            start: attempt.start_time,
            end: attempt.finish_time,
            class: match (attempt.state, attempt.id.task_type()) {
                ("FAILED" | "KILLED", _) => "failed",
                (_, TaskType::Map) => "map",
                (_, TaskType::Reduce) => "reduce",
            },
        })
        .collect();
    html! {
        (chart::timeline("Task attempts", &spans, view.now))
        ul.legend {
            li { span.swatch.map {} "map" }
            li { span.swatch.reduce {} "reduce" }
            li { span.swatch.failed {} "failed or killed" }
            @if started > spans.len() {
                li.muted { "the first " (spans.len()) " of " (started) " attempts" }
            }
        }
    }
}

/// The tasks of one kind (those in `state` when given), a page of `listing` at a time.
pub(crate) fn tasks_page(
    site: &Site,
    view: &JobView<'_>,
    kind: TaskType,
    state: Option<&str>,
    listing: &Listing,
) -> Markup {
    let job_id = view.job_id();
    let mut tasks: Vec<&TaskSnapshot> = view
        .snapshot
        .tasks(kind)
        .iter()
        .filter(|task| state.is_none_or(|wanted| task_state_matches(wanted, task.state)))
        .filter(|task| listing.matches(&task.id.to_string()) || listing.matches(task.state))
        .collect();
    let elapsed =
        |task: &TaskSnapshot| documents::elapsed(task.start_time, task.finish_time, view.now);
    listing.order(&mut tasks, "task", |a, b, column| match column {
        "state" => a.state.cmp(b.state),
        "start" => a.start_time.cmp(&b.start_time),
        "finish" => a.finish_time.cmp(&b.finish_time),
        "elapsed" => elapsed(a).cmp(&elapsed(b)),
        "progress" => a.progress.total_cmp(&b.progress),
        _ => a.id.index().cmp(&b.id.index()),
    });
    let window = listing.window(tasks.len());
    html! {
        (job_tabs(site, job_id, &site.tasks(job_id, kind)))
        @if let Some(state) = state {
            p { "Only the tasks in state " strong { (state) } ". "
                a href=(site.tasks(job_id, kind)) { "Show every " (kind) " task" } }
        }
        section {
            (listing.controls(tasks.len()))
            div.scroll {
                table.tasks {
                    thead {
                        tr {
                            (listing.heading("task", "Task"))
                            (listing.heading("state", "State"))
                            (listing.heading("progress", "Progress"))
                            (listing.heading("start", "Start Time"))
                            (listing.heading("finish", "Finish Time"))
                            (listing.heading("elapsed", "Elapsed Time"))
                            th.num { "Attempts" }
                        }
                    }
                    tbody {
                        @for task in &tasks[window] {
                            @let id = task.id.to_string();
                            tr {
                                td { a href=(site.task(&id)) { (id) } }
                                td { (state_badge(task.state)) }
                                td { (format::progress(f64::from(task.progress), if task.state == "FAILED" { "bad" } else { "ok" })) }
                                (time_cell(task.start_time))
                                (time_cell(task.finish_time))
                                (elapsed_cell(task.start_time, task.finish_time, view.now))
                                td.num { (task.attempts.len()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The header row of an attempts table.
fn attempt_headings(with_task: bool) -> Markup {
    html! {
        tr {
            th { "Attempt" }
            @if with_task { th { "Task" } }
            th { "State" } th { "Progress" } th { "Node" } th { "Logs" }
            th { "Start Time" } th { "Finish Time" } th { "Elapsed Time" } th { "Diagnostics" }
        }
    }
}

fn attempt_row(
    site: &Site,
    view: &JobView<'_>,
    attempt: &AttemptSnapshot,
    with_task: bool,
) -> Markup {
    let task_id = attempt.id.task().to_string();
    html! {
        tr {
            td.nowrap { (attempt.id) }
            @if with_task { td { a href=(site.task(&task_id)) { (task_id) } } }
            td { (state_badge(attempt.state)) }
            td { (format::progress(f64::from(attempt.progress), if state_class(attempt.state) == "bad" { "bad" } else { "ok" })) }
            td {
                @if attempt.node_http_address.is_empty() { "N/A" } @else {
                    a.node href=(format!("http://{}/node", attempt.node_http_address)) { (attempt.node_http_address) }
                    @if !attempt.rack.is_empty() { br; span.muted { (attempt.rack) } }
                }
            }
            td {
                @if attempt.container_id.is_empty() { "N/A" } @else {
                    a href=(view.logs_url(&attempt.node_http_address, &attempt.container_id)) { "logs" }
                }
            }
            (time_cell(attempt.start_time))
            (time_cell(attempt.finish_time))
            (elapsed_cell(attempt.start_time, attempt.finish_time, view.now))
            td { @if !attempt.diagnostics.is_empty() { pre.diagnostics { (attempt.diagnostics) } } }
        }
    }
}

/// A task: what it is, and each of its attempts.
pub(crate) fn task_page(site: &Site, view: &JobView<'_>, task: &TaskSnapshot) -> Markup {
    let task_id = task.id.to_string();
    let job_id = view.job_id();
    let kind = task.id.task_type();
    let rows = [
        ("Job", html! { a href=(site.job(job_id)) { (job_id) } }),
        ("Type", html! { (kind_label(kind)) }),
        ("State", state_badge(task.state)),
        ("Progress", format::progress(f64::from(task.progress), "ok")),
        ("Started", html! { (format::datetime(task.start_time)) }),
        ("Finished", html! { (format::datetime(task.finish_time)) }),
        (
            "Elapsed",
            html! { (format::duration(documents::elapsed(task.start_time, task.finish_time, view.now))) },
        ),
        (
            "Successful Attempt",
            html! { (task.successful_attempt.as_deref().unwrap_or("N/A")) },
        ),
        (
            "Counters",
            html! { a href=(site.task_counters(&task_id)) { "Task counters" } },
        ),
    ];
    html! {
        (job_tabs(site, job_id, &site.tasks(job_id, kind)))
        section { (format::facts(rows)) }
        section {
            h2 { "Attempts" }
            div.scroll {
                table.sortable.attempts {
                    thead { (attempt_headings(false)) }
                    tbody {
                        @for attempt in &task.attempts { (attempt_row(site, view, attempt, false)) }
                    }
                }
            }
        }
    }
}

/// The attempts of one kind in `state` (Hadoop's attempts page), a page at a time.
pub(crate) fn attempts_page(
    site: &Site,
    view: &JobView<'_>,
    kind: TaskType,
    state: &str,
    listing: &Listing,
) -> Markup {
    let job_id = view.job_id();
    let attempts: Vec<&AttemptSnapshot> = view
        .snapshot
        .tasks(kind)
        .iter()
        .flat_map(|task| &task.attempts)
        .filter(|attempt| attempt_state_matches(state, attempt.state))
        .filter(|attempt| {
            listing.matches(&attempt.id.to_string()) || listing.matches(&attempt.node_http_address)
        })
        .collect();
    let window = listing.window(attempts.len());
    html! {
        (job_tabs(site, job_id, ""))
        section {
            (listing.controls(attempts.len()))
            div.scroll {
                table.sortable.attempts {
                    thead { (attempt_headings(true)) }
                    tbody {
                        @for attempt in &attempts[window] { (attempt_row(site, view, attempt, true)) }
                    }
                }
            }
        }
    }
}

/// The job's counters by group: each counter's map, reduce and total values.
pub(crate) fn counters_page(site: &Site, view: &JobView<'_>) -> Markup {
    let job_id = view.job_id();
    let groups = documents::job_counter_groups(view.snapshot);
    html! {
        (job_tabs(site, job_id, &site.counters(job_id)))
        @if groups.is_empty() { p.muted { "No counters yet." } }
        @for (group, counters) in &groups {
            section.counter-group data-group=(group) {
                h2 title=(group) { (group_label(group)) }
                div.scroll {
                    table.sortable.counters {
                        thead { tr { th { "Name" } th.num { "Map" } th.num { "Reduce" } th.num { "Total" } } }
                        tbody {
                            @for counter in counters {
                                tr data-counter=(counter.name) {
                                    td { (counter.name) }
                                    td.num.map { (counter.map) }
                                    td.num.reduce { (counter.reduce) }
                                    td.num.total { (counter.total) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A task's counters (its successful attempt's) by group.
pub(crate) fn task_counters_page(site: &Site, view: &JobView<'_>, task: &TaskSnapshot) -> Markup {
    let job_id = view.job_id();
    let task_id = task.id.to_string();
    let counters = task.counters();
    let groups = documents::groups(&counters);
    html! {
        (job_tabs(site, job_id, ""))
        p { "Task " a href=(site.task(&task_id)) { (task_id) } }
        @if groups.is_empty() { p.muted { "No counters: the task has not succeeded." } }
        @for (group, counters) in &groups {
            section.counter-group data-group=(group) {
                h2 title=(group) { (group_label(group)) }
                div.scroll {
                    table.sortable.counters {
                        thead { tr { th { "Name" } th.num { "Value" } } }
                        tbody {
                            @for (name, value) in counters {
                                tr data-counter=(name) { td { (name) } td.num.total { (value) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The job's configuration, from the file at `path`: every property with its source,
/// sortable and searchable in the page.
pub(crate) fn conf_page(
    site: &Site,
    job_id: &str,
    path: &str,
    properties: &[pb::ConfProperty],
) -> Markup {
    let mut properties: Vec<&pb::ConfProperty> = properties.iter().collect();
    properties.sort_by(|a, b| a.name.cmp(&b.name));
    html! {
        (job_tabs(site, job_id, &site.conf(job_id)))
        p { "From " code { (path) } }
        section {
            div.scroll {
                table.sortable.conf data-filter {
                    thead { tr { th { "Key" } th { "Value" } th { "Source" } } }
                    tbody {
                        @for property in &properties {
                            tr data-key=(property.name) {
                                td.nowrap { (property.name) }
                                td { (property.value) }
                                td.muted { (property.source) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counters::Counters;
    use crate::ids::TaskId;

    const JOB: &str = "job_1700000000000_0001";
    const HOSTILE: &str = "<img src=x onerror=alert(1)>";

    fn snapshot() -> JobSnapshot {
        let map = TaskId::new(JOB, TaskType::Map, 0);
        let mut counters = Counters::new();
        counters.increment(TASK_GROUP, HOSTILE, 3);
        counters.increment(TASK_GROUP, "MAP_INPUT_RECORDS", 1);
        let attempt = AttemptSnapshot {
            id: map.attempt(0),
            state: "SUCCEEDED",
            progress: 1.0,
            start_time: 1_000,
            finish_time: 3_000,
            node_http_address: "h1:8042".to_string(),
            rack: "/r1".to_string(),
            container_id: "container_1700000000000_0001_01_000002".to_string(),
            diagnostics: HOSTILE.to_string(),
            counters,
        };
        JobSnapshot {
            maps: vec![TaskSnapshot {
                successful_attempt: Some(map.attempt(0).to_string()),
                id: map,
                state: "SUCCEEDED",
                progress: 1.0,
                start_time: 1_000,
                finish_time: 3_000,
                attempts: vec![attempt],
            }],
            reduces: Vec::new(),
            job_counters: Counters::new(),
        }
    }

    fn report() -> pb::JobReport {
        pb::JobReport {
            job_id: JOB.to_string(),
            job_name: HOSTILE.to_string(),
            user: HOSTILE.to_string(),
            state: "SUCCEEDED".to_string(),
            start_time: 500,
            finish_time: 4_000,
            diagnostics: HOSTILE.to_string(),
            total_maps: 1,
            finished_maps: 1,
            map_progress: 1.0,
            ..Default::default()
        }
    }

    #[test]
    fn links_stay_under_the_proxy_prefix() {
        assert_eq!(relative_root("/mapreduce"), "./");
        assert_eq!(relative_root("/mapreduce/job/job_1_0001"), "../../");
        let site = Site::am("/mapreduce/tasks/job_1_0001/m");
        assert_eq!(site.job("job_1_0001"), "../../../mapreduce/job/job_1_0001");
        assert_eq!(
            Site::history().job("job_1_0001"),
            "/jobhistory/job/job_1_0001"
        );
        assert_eq!(own_name("/jobhistory/tasks/job_1_0001/m"), "m");
    }

    #[test]
    fn every_page_escapes_what_users_named() {
        let (report, snapshot) = (report(), snapshot());
        let am = [pb::AmAttemptHistory {
            id: 1,
            node_http_address: "h1:8042".to_string(),
            container_id: "container_1700000000000_0001_01_000001".to_string(),
            start_time: 500,
            ..Default::default()
        }];
        let view = JobView {
            report: &report,
            snapshot: &snapshot,
            am_attempts: &am,
            now: 4_000,
        };
        let site = Site::history();
        let listing = Listing::from_query("m", &Default::default(), &["state"]);
        let conf = [pb::ConfProperty {
            name: "mapreduce.job.name".to_string(),
            value: HOSTILE.to_string(),
            source: "job.xml".to_string(),
        }];
        // The tasks page shows nothing a user named; the others show the hostile text.
        let tasks = tasks_page(&site, &view, TaskType::Map, None, &listing).into_string();
        assert!(!tasks.contains("<img"), "{tasks}");
        let pages = [
            job_page(&site, &view, false),
            task_page(&site, &view, &snapshot.maps[0]),
            attempts_page(&site, &view, TaskType::Map, "SUCCESSFUL", &listing),
            counters_page(&site, &view),
            task_counters_page(&site, &view, &snapshot.maps[0]),
            conf_page(&site, JOB, "/done/job_conf.xml", &conf),
        ];
        for page in pages {
            let page = page.into_string();
            assert!(!page.contains("<img"), "{page}");
            assert!(
                page.contains("&lt;img src=x onerror=alert(1)&gt;"),
                "{page}"
            );
        }
    }

    #[test]
    fn pages_show_the_jobs_numbers() {
        let (report, snapshot) = (report(), snapshot());
        let view = JobView {
            report: &report,
            snapshot: &snapshot,
            am_attempts: &[],
            now: 4_000,
        };
        let site = Site::history();
        let overview = job_page(&site, &view, true).into_string();
        assert!(overview.contains(r#"data-live="2""#), "{overview}");
        assert!(
            overview.contains("/jobhistory/tasks/job_1700000000000_0001/m?state=SUCCEEDED"),
            "{overview}"
        );
        assert!(overview.contains("/jobhistory/attempts/job_1700000000000_0001/m/SUCCESSFUL"));
        let counters = counters_page(&site, &view).into_string();
        assert!(counters.contains("Map-Reduce Framework"), "{counters}");
        assert!(
            counters.contains(r#"<tr data-counter="MAP_INPUT_RECORDS"><td>MAP_INPUT_RECORDS</td><td class="num map">1</td>"#),
            "{counters}"
        );
        let listing = Listing::from_query("m", &Default::default(), &["state"]);
        let running = tasks_page(&site, &view, TaskType::Map, Some("RUNNING"), &listing);
        assert!(running.into_string().contains("No entries"));
        assert!(task_state_matches("PENDING", "SCHEDULED"));
        assert!(attempt_state_matches("successful", "SUCCEEDED"));
        assert!(!attempt_state_matches("NEW", "RUNNING"));
    }
}
