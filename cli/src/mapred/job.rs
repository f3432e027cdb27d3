//! `mapred job -status ID | -counter ID GROUP NAME | -list [all] | -kill ID | -history [all] ID
//! | -events ID FROM N | -list-attempt-ids ID TYPE STATE | -logs ID [ATTEMPT]
//! | -kill-task ATTEMPT | -fail-task ATTEMPT`, with Hadoop's output.

use std::io::Write;

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use mapreduce::counters::Counters;
use mapreduce::yarn::jobclient::{
    JobClientError, job_details, job_status, jobs, kill_job, kill_task_attempt, running_jobs,
};
use mapreduce::yarn::staging::done_dir;
use proto::mapreduce as mrpb;

const USAGE: &str = "Usage: mapred job <command> <args>
\t[-status <job-id>]
\t[-counter <job-id> <group-name> <counter-name>]
\t[-kill <job-id>]
\t[-events <job-id> <from-event-#> <#-of-events>]
\t[-history [all] <jobHistoryFile|jobId>]
\t[-list [all]]
\t[-list-attempt-ids <job-id> <task-type> <task-state>]. Valid values for <task-type> are MAP REDUCE. Valid values for <task-state> are pending, running, completed, failed, killed
\t[-kill-task <task-attempt-id>]
\t[-fail-task <task-attempt-id>]
\t[-logs <job-id> <task-attempt-id>]";

/// The usage of one command given the wrong arguments (Hadoop's `Usage: CLI [...]`).
fn command_usage(command: &str) -> Option<&'static str> {
    Some(match command {
        "-status" | "-kill" => "<job-id>",
        "-counter" => "<job-id> <group-name> <counter-name>",
        "-events" => "<job-id> <from-event-#> <#-of-events>]. Event #s start from 1.",
        "-history" => "[all] <jobHistoryFile|jobId> [-outfile <file>] [-format <human|json>]",
        "-list" => "[all]",
        "-kill-task" | "-fail-task" => "<task-attempt-id>",
        "-list-attempt-ids" => {
            "<job-id> <task-type> <task-state>]. Valid values for <task-type> are MAP REDUCE. Valid values for <task-state> are pending, running, completed, failed, killed"
        }
        "-logs" => {
            "<job-id> <task-attempt-id>]. <task-attempt-id> is optional to get task attempt logs."
        }
        _ => return None,
    })
}

fn usage_of(command: &str) -> String {
    match command_usage(command) {
        Some(arguments) if arguments.contains(']') => {
            format!("Usage: mapred job [{command} {arguments}")
        }
        Some(arguments) => format!("Usage: mapred job [{command} {arguments}]"),
        None => USAGE.to_string(),
    }
}

/// Runs `mapred job ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let yarn = or_exit!(YarnClient::from_conf(conf), err, "job: ");
    let arg = |index: usize| args.get(index).map(String::as_str);
    let command = arg(0).unwrap_or_default();
    let result = match (command, arg(1)) {
        ("-status", Some(job_id)) if args.len() == 2 => status(conf, &yarn, job_id, out).await,
        ("-counter", Some(job_id)) if args.len() == 4 => {
            counter(conf, &yarn, job_id, &args[2], &args[3], out).await
        }
        ("-list", None) => list(&yarn, false, out).await,
        ("-list", Some("all")) if args.len() == 2 => list(&yarn, true, out).await,
        ("-kill", Some(job_id)) if args.len() == 2 => kill_job(&yarn, job_id)
            .await
            .map(|()| writeln!(out, "Killed job {job_id}").unwrap_or_default())
            .map_err(|error| error.to_string()),
        ("-history", Some(_)) => {
            let all = arg(1) == Some("all");
            let rest = &args[1 + usize::from(all)..];
            match rest {
                [job] => history(conf, &yarn, job, all, out).await,
                _ => Err(usage_of(command)),
            }
        }
        ("-events", Some(job_id)) if args.len() == 4 => {
            match (args[2].parse::<usize>(), args[3].parse::<usize>()) {
                (Ok(from), Ok(count)) => events(conf, &yarn, job_id, from, count, out).await,
                _ => Err(usage_of(command)),
            }
        }
        ("-list-attempt-ids", Some(job_id)) if args.len() == 4 => {
            match attempt_ids(conf, &yarn, job_id, &args[2], &args[3], out).await {
                Ok(true) => Ok(()),
                Ok(false) => {
                    let _ = writeln!(err, "{}", usage_of(command));
                    return crate::EXIT_USAGE;
                }
                Err(message) => Err(message),
            }
        }
        ("-logs", Some(job_id)) if args.len() <= 3 => {
            return logs(conf, &yarn, job_id, arg(2), out, err).await;
        }
        ("-kill-task" | "-fail-task", Some(attempt)) if args.len() == 2 => {
            let fail = command == "-fail-task";
            match kill_task_attempt(&yarn, attempt, fail).await {
                Ok(()) if fail => {
                    let _ = writeln!(out, "Killed task {attempt} by failing it");
                    Ok(())
                }
                Ok(()) => {
                    let _ = writeln!(out, "Killed task {attempt}");
                    Ok(())
                }
                Err(JobClientError::NotFound(job)) => Err(format!("Could not find job {job}")),
                Err(_) => {
                    let verb = if fail { "fail" } else { "kill" };
                    let _ = writeln!(out, "Could not {verb} task {attempt}");
                    return crate::EXIT_USAGE;
                }
            }
        }
        _ => {
            let _ = writeln!(err, "{}", usage_of(command));
            return crate::EXIT_USAGE;
        }
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            crate::EXIT_FAILURE
        }
    }
}

/// `-history [all] JOB`: the job's history as Hadoop's HistoryViewer prints
/// it; JOB is a job id or the path of its `.jhist` file.
async fn history(
    conf: &Configuration,
    yarn: &YarnClient,
    job: &str,
    all: bool,
    out: &mut dyn Write,
) -> Result<(), String> {
    let dfs = DfsClient::from_conf(conf).map_err(|error| error.to_string())?;
    let done = done_dir(conf).map_err(|error| error.to_string())?;
    let report = if job.starts_with("job_") {
        job_details(conf, &dfs, yarn, job)
            .await
            .map_err(|error| error.to_string())?
    } else {
        let (dir, file) = job.rsplit_once('/').unwrap_or((".", job));
        let job_id = file.trim_end_matches(".jhist");
        mapreduce::yarn::history::read(&dfs, dir, job_id)
            .await
            .map_err(|error| error.to_string())?
            .ok_or_else(|| format!("File {job} does not exist"))?
    };
    let conf_path = format!("{done}/{}_conf.xml", report.job_id);
    let _ = write!(out, "{}", super::history::render(&report, &conf_path, all));
    Ok(())
}

/// Hadoop's TaskCompletionEvent status of a finished attempt.
fn event_status(state: &str) -> Option<&'static str> {
    match state {
        "SUCCEEDED" => Some("SUCCEEDED"),
        "FAILED" => Some("FAILED"),
        "KILLED" => Some("KILLED"),
        _ => None,
    }
}

/// `-events JOB FROM N`: the job's task completion events (its attempts
/// that ended, in the order they did), from the FROM-th, at most N.
async fn events(
    conf: &Configuration,
    yarn: &YarnClient,
    job_id: &str,
    from: usize,
    count: usize,
    out: &mut dyn Write,
) -> Result<(), String> {
    let dfs = DfsClient::from_conf(conf).map_err(|error| error.to_string())?;
    let report = job_details(conf, &dfs, yarn, job_id)
        .await
        .map_err(|error| error.to_string())?;
    let details = report.history.unwrap_or_default();
    let mut ended: Vec<(&mrpb::AttemptHistory, &'static str)> = details
        .tasks
        .iter()
        .flat_map(|task| &task.attempts)
        .filter_map(|attempt| Some((attempt, event_status(&attempt.state)?)))
        .collect();
    ended.sort_by_key(|(attempt, _)| (attempt.finish_time, attempt.id.clone()));
    let shown: Vec<_> = ended.into_iter().skip(from).take(count).collect();
    let mut text = format!(
        "Task completion events for {job_id}
Number of events (from {from}) are: {}
",
        shown.len()
    );
    for (attempt, status) in shown {
        text.push_str(&format!(
            "{status} {} {}/tasklog?plaintext=true&attemptid={}
",
            attempt.id,
            super::history::http_url(&attempt.node_http_address),
            attempt.id
        ));
    }
    let _ = write!(out, "{text}");
    Ok(())
}

/// `-list-attempt-ids JOB TYPE STATE`: the running attempts of the tasks
/// of TYPE that are running, or the successful attempt of the completed
/// ones (Hadoop prints none for other states). False for a bad TYPE or
/// STATE, after saying which.
async fn attempt_ids(
    conf: &Configuration,
    yarn: &YarnClient,
    job_id: &str,
    task_type: &str,
    task_state: &str,
    out: &mut dyn Write,
) -> Result<bool, String> {
    let kind = match task_type.to_uppercase().as_str() {
        "MAP" => "_m_",
        "REDUCE" => "_r_",
        _ => {
            let _ = writeln!(out, "Error: Invalid task-type: {task_type}");
            return Ok(false);
        }
    };
    let state = task_state.to_lowercase();
    if !["pending", "running", "completed", "failed", "killed"].contains(&state.as_str()) {
        let _ = writeln!(out, "Error: Invalid task-state: {task_state}");
        return Ok(false);
    }
    let dfs = DfsClient::from_conf(conf).map_err(|error| error.to_string())?;
    let report = job_details(conf, &dfs, yarn, job_id)
        .await
        .map_err(|error| error.to_string())?;
    let details = report.history.unwrap_or_default();
    let mut text = String::new();
    for task in details.tasks.iter().filter(|task| task.id.contains(kind)) {
        match (state.as_str(), task.state.as_str()) {
            ("running", "RUNNING") => {
                for attempt in task
                    .attempts
                    .iter()
                    .filter(|attempt| attempt.state == "RUNNING")
                {
                    text.push_str(&attempt.id);
                    text.push('\n');
                }
            }
            ("completed", "SUCCEEDED") => {
                text.push_str(&task.successful_attempt);
                text.push('\n');
            }
            _ => {}
        }
    }
    let _ = write!(out, "{text}");
    Ok(true)
}

/// `-logs JOB [ATTEMPT]`: the aggregated logs of the attempt's container,
/// or of the job's ApplicationMaster.
async fn logs(
    conf: &Configuration,
    yarn: &YarnClient,
    job_id: &str,
    attempt: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let dfs = or_exit!(DfsClient::from_conf(conf), err, "");
    let report = or_exit!(job_details(conf, &dfs, yarn, job_id).await, err, "");
    let details = report.history.unwrap_or_default();
    let container = match attempt {
        Some(attempt) => details
            .tasks
            .iter()
            .flat_map(|task| &task.attempts)
            .find(|known| known.id == attempt)
            .map(|known| known.container_id.clone()),
        None => details.am_attempts.last().map(|am| am.container_id.clone()),
    };
    let Some(container) = container.filter(|container| !container.is_empty()) else {
        let subject = attempt.unwrap_or("the ApplicationMaster");
        let _ = writeln!(
            out,
            "Could not find the container of {subject} of job {job_id}"
        );
        return crate::EXIT_FAILURE;
    };
    crate::yarn::logs::print_container_logs(conf, &container, out, err).await
}

async fn status(
    conf: &Configuration,
    yarn: &YarnClient,
    job_id: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let dfs = DfsClient::from_conf(conf).map_err(|error| error.to_string())?;
    let report = job_status(conf, &dfs, yarn, job_id)
        .await
        .map_err(|error| error.to_string())?;
    let done = done_dir(conf).map_err(|error| error.to_string())?;
    let _ = write!(out, "{}", format_status(&report, &done));
    Ok(())
}

/// Hadoop's `mapred job -status` layout.
fn format_status(report: &mrpb::JobReport, done_dir: &str) -> String {
    let mut counters = Counters::new();
    for counter in &report.counters {
        counters.increment(&counter.group, &counter.name, counter.value);
    }
    let counters = counters.report();
    format!(
        "\nJob: {id}\nJob File: {done_dir}/{id}_conf.xml\nUber job : false\n\
         Number of maps: {maps}\nNumber of reduces: {reduces}\n\
         map() completion: {map:.1}\nreduce() completion: {reduce:.1}\n\
         Job state: {state}\nretired: false\nreason for failure: {reason}\n{counters}",
        id = report.job_id,
        maps = report.total_maps,
        reduces = report.total_reduces,
        map = report.map_progress,
        reduce = report.reduce_progress,
        state = report.state,
        reason = report.diagnostics,
    )
}

/// `-counter`: the counter's value alone (0 for one the job does not have, as Hadoop's
/// `findCounter` gives).
async fn counter(
    conf: &Configuration,
    yarn: &YarnClient,
    job_id: &str,
    group: &str,
    name: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let dfs = DfsClient::from_conf(conf).map_err(|error| error.to_string())?;
    let report = job_status(conf, &dfs, yarn, job_id)
        .await
        .map_err(|error| error.to_string())?;
    let value = report
        .counters
        .iter()
        .find(|counter| counter.group == group && counter.name == name)
        .map_or(0, |counter| counter.value);
    let _ = writeln!(out, "{value}");
    Ok(())
}

/// Hadoop's JobStatus state of the job `app` ran: PREP, RUNNING, SUCCEEDED, FAILED or KILLED.
fn job_state(app: &proto::yarn::ApplicationReport) -> &'static str {
    use proto::yarn::YarnApplicationState as State;
    if crate::yarn::is_final(app.state) {
        match crate::yarn::final_status_name(app.final_status) {
            "SUCCEEDED" => "SUCCEEDED",
            "KILLED" => "KILLED",
            _ => "FAILED",
        }
    } else if app.state == State::Running as i32 {
        "RUNNING"
    } else {
        "PREP"
    }
}

async fn list(yarn: &YarnClient, all: bool, out: &mut dyn Write) -> Result<(), String> {
    let apps = if all {
        jobs(yarn).await
    } else {
        running_jobs(yarn).await
    };
    let apps = apps.map_err(|error| error.to_string())?;
    let mut text = format!(
        "Total jobs:{}\n{:>23}\t{:>12}\t{:>10}\t{:>14}\t{:>12}\t{:>12}\t{:>10}\t{:>15}\t{:>9}\t   AM info\n",
        apps.len(),
        "JobId",
        "JobName",
        "State",
        "StartTime",
        "UserName",
        "Queue",
        "Priority",
        "UsedContainers",
        "UsedMem"
    );
    for app in apps {
        let job_id = app.application_id.replacen("application_", "job_", 1);
        let used = app.used_resources.unwrap_or_default();
        text.push_str(&format!(
            "{job_id:>23}\t{:>12}\t{:>10}\t{:>14}\t{:>12}\t{:>12}\t{:>10}\t{:>15}\t{:>8}M\t{}\n",
            app.name,
            job_state(&app),
            app.start_time,
            app.user,
            app.queue,
            "NORMAL",
            app.running_containers,
            used.memory_mb,
            app.tracking_url,
        ));
    }
    let _ = write!(out, "{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_like_hadoops() {
        let report = mrpb::JobReport {
            job_id: "job_1_0001".into(),
            state: "SUCCEEDED".into(),
            map_progress: 1.0,
            reduce_progress: 1.0,
            total_maps: 2,
            total_reduces: 1,
            counters: vec![mrpb::Counter {
                group: mapreduce::counters::TASK_GROUP.into(),
                name: "MAP_INPUT_RECORDS".into(),
                value: 7,
            }],
            ..Default::default()
        };
        let text = format_status(&report, "/done");
        assert!(
            text.contains("\nJob: job_1_0001\nJob File: /done/job_1_0001_conf.xml\n"),
            "{text}"
        );
        assert!(
            text.contains("Number of maps: 2\nNumber of reduces: 1\n"),
            "{text}"
        );
        assert!(text.contains("map() completion: 1.0\n"), "{text}");
        assert!(text.contains("Job state: SUCCEEDED\n"), "{text}");
        assert!(text.contains("\t\tMap input records=7\n"), "{text}");
    }
}
