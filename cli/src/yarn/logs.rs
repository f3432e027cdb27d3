//! `yarn logs -applicationId ID`: prints the application's aggregated
//! container logs from `yarn.nodemanager.remote-app-log-dir`.

use std::io::Write;

use client::DfsClient;
use client::yarn::YarnClient;
use common::Configuration;
use common::conf::keys;

const USAGE: &str = "usage: yarn logs -applicationId <application ID> [OPTIONS]";

/// Runs `yarn logs ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let id = match args {
        [flag, id] if flag == "-applicationId" => id.clone(),
        _ => {
            let _ = writeln!(err, "{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    if id.parse::<common::yarn::ApplicationId>().is_err() {
        let _ = writeln!(err, "Invalid ApplicationId specified");
        return crate::EXIT_FAILURE;
    }
    match print_logs(conf, &id, out).await {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            crate::EXIT_FAILURE
        }
    }
}

async fn print_logs(conf: &Configuration, id: &str, out: &mut dyn Write) -> Result<(), String> {
    let yarn = YarnClient::from_conf(conf).map_err(|e| e.to_string())?;
    let report = yarn.application_report(id).await.ok();
    let user = report
        .as_ref()
        .map(|report| report.user.clone())
        .unwrap_or_else(common::user::current_user);
    let remote = conf
        .get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR)
        .map_err(|e| e.to_string())?;
    let suffix = conf
        .get_string(keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR_SUFFIX)
        .map_err(|e| e.to_string())?;
    let dir = format!("{}/{user}/{suffix}/{id}", remote.trim_end_matches('/'));
    let dfs = DfsClient::from_conf(conf).map_err(|e| e.to_string())?;
    let not_ready = || {
        let finished = report.as_ref().is_some_and(|r| super::is_final(r.state));
        if finished {
            format!(
                "Log aggregation has not completed or is not enabled.\nCan not find any log file matching the pattern: [ALL] for the application: {id}"
            )
        } else {
            format!(
                "Can not find any log file matching the pattern: [ALL] for the application: {id}"
            )
        }
    };
    let entries = match dfs.list(&dir).await {
        Ok(entries) if !entries.is_empty() => entries,
        _ => return Err(not_ready()),
    };
    let mut buffer = vec![0u8; 256 * 1024];
    for entry in entries.iter().filter(|entry| !entry.is_dir) {
        let mut reader = dfs.open(&entry.path).await.map_err(|e| e.to_string())?;
        loop {
            let read = reader.read(&mut buffer).await.map_err(|e| e.to_string())?;
            if read == 0 {
                break;
            }
            out.write_all(&buffer[..read]).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
