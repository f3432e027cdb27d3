//! `mapred job -history [all] JOB`: Hadoop's HistoryViewer in its human
//! format (HumanReadableHistoryViewerPrinter) over a job's history record:
//! the job's details and counters, the task summary, the analysis of a
//! successful job, its failed and killed tasks (every task and attempt with
//! `all`) and the nodes of its failed and killed attempts.

use std::collections::BTreeMap;
use std::fmt::Write;

use mapreduce::counters::{Counters, counter_display_name, group_display_name};
use proto::mapreduce as mrpb;

/// The whole printout for `report` (whose `history` holds its tasks).
pub fn render(report: &mrpb::JobReport, conf_path: &str, all: bool) -> String {
    let details = report.history.clone().unwrap_or_default();
    let tasks = &details.tasks;
    let launch_time = details
        .am_attempts
        .first()
        .map_or(report.start_time, |attempt| attempt.start_time);
    let mut text = String::new();
    let _ = write!(
        text,
        "\nHadoop job: {}\n=====================================\nUser: {}\nJobName: {}\nJobConf: {conf_path}\nSubmitted At: {}\nLaunched At: {}\nFinished At: {}\nStatus: {}",
        report.job_id,
        report.user,
        report.job_name,
        time_with_diff(report.start_time, 0),
        time_with_diff(launch_time, report.start_time),
        time_with_diff(report.finish_time, launch_time),
        if report.state.is_empty() {
            "Incomplete"
        } else {
            &report.state
        },
    );
    counters_table(&mut text, report, tasks);
    text.push_str("\n\n=====================================\n");
    task_summary(&mut text, tasks);
    analysis(&mut text, report, tasks, launch_time);
    for kind in ["MAP", "REDUCE"] {
        for state in ["FAILED", "KILLED"] {
            task_list(&mut text, &report.job_id, tasks, kind, state);
        }
    }
    if all {
        for kind in ["MAP", "REDUCE"] {
            task_list(&mut text, &report.job_id, tasks, kind, "SUCCEEDED");
        }
        for kind in ["MAP", "REDUCE"] {
            attempt_list(&mut text, &report.job_id, tasks, kind);
        }
    }
    for state in ["FAILED", "KILLED"] {
        attempts_by_node(&mut text, tasks, state);
    }
    text
}

/// `MAP` or `REDUCE`: the kind in a task id (`task_<ts>_<n>_m_000000`).
fn kind_of(task_id: &str) -> &'static str {
    if task_id.contains("_r_") {
        "REDUCE"
    } else {
        "MAP"
    }
}

/// Hadoop's `d-MMM-yyyy HH:mm:ss` in local time, with the time since
/// `since` in brackets (nothing for a time of 0).
fn time_with_diff(millis: i64, since: i64) -> String {
    if millis == 0 {
        return String::new();
    }
    let formatted = chrono::DateTime::from_timestamp_millis(millis)
        .map(|time| {
            time.with_timezone(&chrono::Local)
                .format("%-d-%b-%Y %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    if since == 0 {
        return formatted;
    }
    format!("{formatted} ({})", time_diff(millis, since))
}

/// Hadoop's StringUtils.formatTimeDiff: `1hrs, 2mins, 3sec`.
fn time_diff(finish: i64, start: i64) -> String {
    let seconds = (finish - start).max(0) / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if hours != 0 {
        let _ = write!(text, "{hours}hrs, ");
    }
    if minutes != 0 {
        let _ = write!(text, "{minutes}mins, ");
    }
    let _ = write!(text, "{seconds}sec");
    text
}

/// The counters of the successful attempts of one kind of task.
fn kind_counters(tasks: &[mrpb::TaskHistory], kind: &str) -> Counters {
    let mut counters = Counters::new();
    for task in tasks.iter().filter(|task| kind_of(&task.id) == kind) {
        let winner = task
            .attempts
            .iter()
            .find(|attempt| attempt.id == task.successful_attempt);
        for counter in winner
            .map(|attempt| &attempt.counters)
            .into_iter()
            .flatten()
        {
            counters.increment(&counter.group, &counter.name, counter.value);
        }
    }
    counters
}

fn counters_table(text: &mut String, report: &mrpb::JobReport, tasks: &[mrpb::TaskHistory]) {
    if report.counters.is_empty() {
        return;
    }
    let (maps, reduces) = (kind_counters(tasks, "MAP"), kind_counters(tasks, "REDUCE"));
    let _ = write!(
        text,
        "\nCounters: \n\n|{:<30}|{:<30}|{:<10}|{:<10}|{:<10}|\n{}",
        "Group Name",
        "Counter name",
        "Map Value",
        "Reduce Value",
        "Total Value",
        "-".repeat(87)
    );
    for counter in &report.counters {
        let _ = write!(
            text,
            "\n|{:<30}|{:<30}|{:<10}|{:<10}|{:<10}",
            group_display_name(&counter.group),
            counter_display_name(&counter.group, &counter.name),
            grouped(maps.get(&counter.group, &counter.name)),
            grouped(reduces.get(&counter.group, &counter.name)),
            grouped(counter.value),
        );
    }
}

/// Java's DecimalFormat default: thousands separated by commas.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Tasks of `kind` by their final state, and when the first started and the last finished.
struct KindSummary {
    total: usize,
    succeeded: usize,
    failed: usize,
    killed: usize,
    started: i64,
    finished: i64,
}

fn summarize(tasks: &[mrpb::TaskHistory], kind: &str) -> KindSummary {
    let mut summary = KindSummary {
        total: 0,
        succeeded: 0,
        failed: 0,
        killed: 0,
        started: 0,
        finished: 0,
    };
    for task in tasks.iter().filter(|task| kind_of(&task.id) == kind) {
        summary.total += 1;
        match task.state.as_str() {
            "SUCCEEDED" => summary.succeeded += 1,
            "FAILED" => summary.failed += 1,
            "KILLED" => summary.killed += 1,
            _ => {}
        }
        for attempt in &task.attempts {
            match attempt.state.as_str() {
                "FAILED" if task.state != "FAILED" => summary.failed += 1,
                "KILLED" if task.state != "KILLED" => summary.killed += 1,
                _ => {}
            }
        }
        if task.start_time > 0 && (summary.started == 0 || task.start_time < summary.started) {
            summary.started = task.start_time;
        }
        summary.finished = summary.finished.max(task.finish_time);
    }
    summary
}

fn task_summary(text: &mut String, tasks: &[mrpb::TaskHistory]) {
    text.push_str("\nTask Summary\n============================\nKind\tTotal\tSuccessful\tFailed\tKilled\tStartTime\tFinishTime\n\nSetup\t0\t0\t\t0\t0\t\t");
    for (label, kind) in [("Map", "MAP"), ("Reduce", "REDUCE")] {
        let summary = summarize(tasks, kind);
        let _ = write!(
            text,
            "\n{label}\t{}\t{}\t\t{}\t{}\t{}\t{}",
            summary.total,
            summary.succeeded,
            summary.failed,
            summary.killed,
            time_with_diff(summary.started, 0),
            time_with_diff(summary.finished, summary.started),
        );
    }
    text.push_str("\nCleanup\t0\t0\t\t0\t0\t\t\n============================\n\n");
}

fn analysis(
    text: &mut String,
    report: &mrpb::JobReport,
    tasks: &[mrpb::TaskHistory],
    launch_time: i64,
) {
    if report.state != "SUCCEEDED" {
        text.push_str("No Analysis available as job did not finish\n");
        return;
    }
    text.push_str("\nAnalysis\n=========\n");
    for (kind, label) in [("MAP", "map"), ("REDUCE", "reduce")] {
        let mut winners: Vec<(&str, i64, i64)> = tasks
            .iter()
            .filter(|task| kind_of(&task.id) == kind)
            .filter_map(|task| {
                let attempt = task
                    .attempts
                    .iter()
                    .find(|attempt| attempt.id == task.successful_attempt)?;
                Some((task.id.as_str(), attempt.start_time, attempt.finish_time))
            })
            .collect();
        if winners.is_empty() {
            continue;
        }
        // Longest first, as Hadoop sorts them.
        winners.sort_by_key(|(_, start, finish)| std::cmp::Reverse(finish - start));
        let best = winners[winners.len() - 1];
        let average = winners
            .iter()
            .map(|(_, start, finish)| finish - start)
            .sum::<i64>()
            / winners.len() as i64;
        let _ = write!(
            text,
            "\nTime taken by best performing {label} task {}: {}\nAverage time taken by {label} tasks: {}\nWorse performing {label} tasks: \nTaskId\t\tTimetaken\n",
            best.0,
            time_diff(best.2, best.1),
            time_diff(average, 0),
        );
        for (task, start, finish) in winners.iter().take(10) {
            let _ = writeln!(text, "{task} {}", time_diff(*finish, *start));
        }
        let last = winners
            .iter()
            .max_by_key(|(_, _, finish)| *finish)
            .expect("not empty");
        let _ = writeln!(
            text,
            "The last {label} task {} finished at (relative to the Job launch time): {}",
            last.0,
            time_with_diff(last.2, launch_time)
        );
    }
    text.push_str("=========\n");
}

fn task_list(
    text: &mut String,
    job_id: &str,
    tasks: &[mrpb::TaskHistory],
    kind: &str,
    state: &str,
) {
    let header = format!(
        "\n{state} {kind} task list for {job_id}\nTaskId\t\tStartTime\tFinishTime\tError{}\n====================================================\n",
        if kind == "MAP" { "\tInputSplits" } else { "" }
    );
    for task in tasks
        .iter()
        .filter(|task| kind_of(&task.id) == kind && task.state == state)
    {
        let error = task
            .attempts
            .iter()
            .rev()
            .find(|attempt| !attempt.diagnostics.is_empty())
            .map_or("", |attempt| attempt.diagnostics.as_str());
        text.push_str(&header);
        let _ = write!(
            text,
            "{}\t{}\t{}\t{error}",
            task.id,
            time_with_diff(task.start_time, 0),
            time_with_diff(task.finish_time, task.start_time),
        );
        if kind == "MAP" {
            text.push('\t');
        }
        text.push('\n');
    }
}

fn attempt_list(text: &mut String, job_id: &str, tasks: &[mrpb::TaskHistory], kind: &str) {
    let _ = write!(
        text,
        "\n{kind} task list for {job_id}\nTaskId\t\tStartTime{}\tFinishTime\tHostName\tError\tTaskLogs\n====================================================\n",
        if kind == "REDUCE" {
            "\tShuffleFinished\tSortFinished"
        } else {
            ""
        }
    );
    for task in tasks.iter().filter(|task| kind_of(&task.id) == kind) {
        for attempt in &task.attempts {
            let _ = write!(
                text,
                "{}\t{}\t",
                attempt.id,
                time_with_diff(attempt.start_time, 0)
            );
            if kind == "REDUCE" {
                text.push_str("\t\t");
            }
            let host = attempt
                .node_http_address
                .rsplit_once(':')
                .map_or(attempt.node_http_address.as_str(), |(host, _)| host);
            let _ = writeln!(
                text,
                "{}\t{host}\t{}{}",
                time_with_diff(attempt.finish_time, attempt.start_time),
                attempt.diagnostics,
                task_logs_url(attempt),
            );
        }
    }
}

/// Where an attempt's log is served (`n/a` before it ran on a node).
fn task_logs_url(attempt: &mrpb::AttemptHistory) -> String {
    if attempt.node_http_address.is_empty() {
        return "n/a".to_string();
    }
    format!(
        "{}/tasklog?attemptid={}",
        http_url(&attempt.node_http_address),
        attempt.id
    )
}

/// `http://host:port` of an address that may lack the scheme.
pub fn http_url(address: &str) -> String {
    if address.starts_with("http://") || address.starts_with("https://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

fn attempts_by_node(text: &mut String, tasks: &[mrpb::TaskHistory], state: &str) {
    let mut by_node: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for task in tasks {
        for attempt in task
            .attempts
            .iter()
            .filter(|attempt| attempt.state == state)
        {
            let host = attempt
                .node_http_address
                .rsplit_once(':')
                .map_or(attempt.node_http_address.as_str(), |(host, _)| host)
                .to_string();
            let tasks_of_node = by_node.entry(host).or_default();
            if !tasks_of_node.contains(&task.id.as_str()) {
                tasks_of_node.push(&task.id);
            }
        }
    }
    if by_node.is_empty() {
        return;
    }
    let _ = write!(
        text,
        "\n{state} task attempts by nodes\nHostname\tFailedTasks\n===============================\n"
    );
    for (node, node_tasks) in by_node {
        let _ = write!(text, "{node}\t");
        for task in node_tasks {
            let _ = write!(text, "{task}, ");
        }
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: &str, state: &str, start: i64, finish: i64) -> mrpb::AttemptHistory {
        mrpb::AttemptHistory {
            id: id.into(),
            state: state.into(),
            start_time: start,
            finish_time: finish,
            node_http_address: "127.0.0.1:8042".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_job_with_a_killed_and_a_failed_attempt() {
        let report = mrpb::JobReport {
            job_id: "job_1_0001".into(),
            job_name: "sleep".into(),
            user: "alice".into(),
            state: "SUCCEEDED".into(),
            start_time: 1_000,
            finish_time: 70_000,
            counters: vec![mrpb::Counter {
                group: mapreduce::counters::TASK_GROUP.into(),
                name: "MAP_INPUT_RECORDS".into(),
                value: 12_345,
            }],
            history: Some(mrpb::JobHistoryDetails {
                tasks: vec![mrpb::TaskHistory {
                    id: "task_1_0001_m_000000".into(),
                    state: "SUCCEEDED".into(),
                    start_time: 2_000,
                    finish_time: 65_000,
                    successful_attempt: "attempt_1_0001_m_000000_2".into(),
                    attempts: vec![
                        attempt("attempt_1_0001_m_000000_0", "KILLED", 2_000, 3_000),
                        attempt("attempt_1_0001_m_000000_1", "FAILED", 3_000, 4_000),
                        mrpb::AttemptHistory {
                            counters: vec![mrpb::Counter {
                                group: mapreduce::counters::TASK_GROUP.into(),
                                name: "MAP_INPUT_RECORDS".into(),
                                value: 12_345,
                            }],
                            ..attempt("attempt_1_0001_m_000000_2", "SUCCEEDED", 4_000, 65_000)
                        },
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        let text = render(&report, "/done/job_1_0001_conf.xml", true);
        assert!(text.starts_with("\nHadoop job: job_1_0001\n=====================================\nUser: alice\nJobName: sleep\nJobConf: /done/job_1_0001_conf.xml\n"), "{text}");
        assert!(text.contains("\nStatus: SUCCEEDED\n"), "{text}");
        assert!(text.contains("|Map-Reduce Framework          |Map input records             |12,345    |0         |12,345    "), "{text}");
        assert!(text.contains("\nMap\t1\t1\t\t1\t1\t"), "{text}");
        assert!(
            text.contains(
                "Time taken by best performing map task task_1_0001_m_000000: 1mins, 1sec\n"
            ),
            "{text}"
        );
        assert!(text.contains("\nFAILED task attempts by nodes\nHostname\tFailedTasks\n===============================\n127.0.0.1\ttask_1_0001_m_000000, \n"), "{text}");
        assert!(text.contains("\nKILLED task attempts by nodes\n"), "{text}");
        assert!(text.contains("attempt_1_0001_m_000000_1\t"), "{text}");
    }

    #[test]
    fn differences_read_as_hadoops() {
        assert_eq!(time_diff(3_723_000, 0), "1hrs, 2mins, 3sec");
        assert_eq!(time_diff(5_000, 0), "5sec");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }
}
