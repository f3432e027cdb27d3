//! `mapred job -status ID | -counter ID GROUP NAME | -list [all] | -kill ID`, with Hadoop's
//! output.

use std::io::Write;

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use mapreduce::counters::Counters;
use mapreduce::yarn::jobclient::{job_status, jobs, kill_job, running_jobs};
use mapreduce::yarn::staging::done_dir;
use proto::mapreduce as mrpb;

const USAGE: &str = "Usage: mapred job <command> <args>
\t[-status <job-id>]
\t[-list [all]]
\t[-kill <job-id>]";

/// Runs `mapred job ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let yarn = or_exit!(YarnClient::from_conf(conf), err, "job: ");
    let arg = |index: usize| args.get(index).map(String::as_str);
    let result = match (arg(0), arg(1)) {
        (Some("-status"), Some(job_id)) => status(conf, &yarn, job_id, out).await,
        (Some("-counter"), Some(job_id)) if args.len() == 4 => {
            counter(conf, &yarn, job_id, &args[2], &args[3], out).await
        }
        (Some("-list"), None) => list(&yarn, false, out).await,
        (Some("-list"), Some("all")) => list(&yarn, true, out).await,
        (Some("-kill"), Some(job_id)) => kill_job(&yarn, job_id)
            .await
            .map(|()| writeln!(out, "Killed job {job_id}").unwrap_or_default())
            .map_err(|error| error.to_string()),
        _ => {
            let _ = writeln!(err, "{USAGE}");
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
