//! The DistributedShell client (`yarn distributedshell -shell_command CMD
//! -num_containers N ...`): submits the AM and follows the application to
//! its end, as Hadoop's Client.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use client::yarn::YarnClient;
use client::yarn::names::{final_status_name, is_final, state_name};
use client::{CreateOptions, DfsClient};
use common::{Configuration, FsPermission};
use proto::yarn as pb;

use super::{
    ENV_CONTAINER_MEMORY, ENV_CONTAINER_VCORES, ENV_NUM_CONTAINERS, ENV_PRIORITY,
    ENV_SCRIPT_LENGTH, ENV_SCRIPT_LOCATION, ENV_SCRIPT_TIMESTAMP, ENV_SHELL_COMMAND, ENV_SHELL_ENV,
    SCRIPT_NAME,
};
use crate::distributedshell::DistributedShellError;

/// The client's usage text, printed after a command-line error.
pub const USAGE: &str = "usage: yarn distributedshell -shell_command <cmd> | -shell_script <file>
 -appname <name>            Application Name. Default value - DistributedShell
 -container_memory <mb>     Amount of memory in MB to be requested to run the shell command
 -container_vcores <n>      Amount of virtual cores to be requested to run the shell command
 -master_memory <mb>        Amount of memory in MB to be requested to run the application master
 -master_vcores <n>         Amount of virtual cores to be requested to run the application master
 -num_containers <n>        No. of containers on which the shell command needs to be executed
 -priority <p>              Application Priority. Default 0
 -queue <queue>             RM Queue in which this application is to be submitted
 -shell_command <cmd>       Shell command to be executed by the Application Master
 -shell_env <k=v>           Environment for shell script. Specified as env_key=env_val pairs
 -shell_script <file>       Location of the shell script to be executed
 -timeout <ms>              Application timeout in milliseconds";

/// What the command line asks for.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    app_name: String,
    queue: String,
    shell_command: Option<String>,
    shell_script: Option<String>,
    shell_env: Vec<String>,
    num_containers: u32,
    container_memory: i64,
    container_vcores: i32,
    master_memory: i64,
    master_vcores: i32,
    priority: i32,
    timeout: Duration,
}

/// Reads the client's command line (Hadoop's flags); an error is a
/// [`DistributedShellError::Usage`].
pub fn parse_args(args: &[String]) -> Result<ClientOptions, DistributedShellError> {
    let usage = |message: String| DistributedShellError::Usage(message);
    let mut options = ClientOptions {
        app_name: "DistributedShell".to_string(),
        queue: "default".to_string(),
        shell_command: None,
        shell_script: None,
        shell_env: Vec::new(),
        num_containers: 1,
        container_memory: 10,
        container_vcores: 1,
        master_memory: 100,
        master_vcores: 1,
        priority: 0,
        timeout: Duration::from_millis(600_000),
    };
    let mut index = 0;
    while index < args.len() {
        let flag = args[index].as_str();
        let value = args.get(index + 1).cloned().ok_or_else(|| {
            usage(format!(
                "Missing argument for option: {}",
                flag.trim_start_matches('-')
            ))
        })?;
        let number = |value: &str| {
            value
                .parse::<i64>()
                .map_err(|_| usage(format!("Invalid value for {flag}: {value}")))
        };
        match flag {
            "-appname" => options.app_name = value,
            "-queue" => options.queue = value,
            "-shell_command" => options.shell_command = Some(value),
            "-shell_script" => options.shell_script = Some(value),
            "-shell_env" => options.shell_env.push(value),
            "-num_containers" => options.num_containers = number(&value)?.max(0) as u32,
            "-container_memory" => options.container_memory = number(&value)?,
            "-container_vcores" => options.container_vcores = number(&value)? as i32,
            "-master_memory" => options.master_memory = number(&value)?,
            "-master_vcores" => options.master_vcores = number(&value)? as i32,
            "-priority" => options.priority = number(&value)? as i32,
            "-timeout" => options.timeout = Duration::from_millis(number(&value)?.max(0) as u64),
            _ => return Err(usage(format!("Unrecognized option: {flag}"))),
        }
        index += 2;
    }
    if options.shell_command.is_none() && options.shell_script.is_none() {
        return Err(usage(
            "No shell command or shell script specified to be executed by application master"
                .to_string(),
        ));
    }
    if options.num_containers < 1 {
        return Err(usage(
            "Invalid no. of containers specified, exiting. Specified numContainer=0".to_string(),
        ));
    }
    Ok(options)
}

/// Submits the application, with this program as its AM, and follows it to
/// its end, writing Hadoop's progress lines to `err`; true when it
/// SUCCEEDED. Past the timeout it kills the application.
pub async fn run_client(
    conf: &Configuration,
    options: &ClientOptions,
    err: &mut dyn Write,
) -> Result<bool, DistributedShellError> {
    let yarn = YarnClient::from_conf(conf)?;
    let new_app = yarn.new_application().await?;
    let app_id = new_app.application_id.clone();
    let mut environment: HashMap<String, String> = HashMap::new();
    if let Some(command) = &options.shell_command {
        environment.insert(ENV_SHELL_COMMAND.into(), command.clone());
    }
    if let Some(script) = &options.shell_script {
        let (path, length, timestamp) = upload_script(conf, &app_id, script).await?;
        environment.insert(ENV_SCRIPT_LOCATION.into(), path);
        environment.insert(ENV_SCRIPT_LENGTH.into(), length.to_string());
        environment.insert(ENV_SCRIPT_TIMESTAMP.into(), timestamp.to_string());
    }
    environment.insert(
        ENV_NUM_CONTAINERS.into(),
        options.num_containers.to_string(),
    );
    environment.insert(
        ENV_CONTAINER_MEMORY.into(),
        options.container_memory.to_string(),
    );
    environment.insert(
        ENV_CONTAINER_VCORES.into(),
        options.container_vcores.to_string(),
    );
    environment.insert(ENV_PRIORITY.into(), options.priority.to_string());
    environment.insert(ENV_SHELL_ENV.into(), options.shell_env.join("\n"));
    environment.insert("RUST_LOG".into(), "info".into());
    let program = std::env::current_exe().map_err(DistributedShellError::CurrentExe)?;
    let context = pb::ApplicationSubmissionContext {
        application_id: app_id.clone(),
        application_name: options.app_name.clone(),
        queue: options.queue.clone(),
        application_type: "YARN".to_string(),
        application_tags: Vec::new(),
        am_resource: Some(pb::Resource {
            memory_mb: options.master_memory,
            vcores: options.master_vcores,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: format!("exec '{}' distributedshell-am", program.display()),
            environment,
            local_resources: Vec::new(),
        }),
        max_app_attempts: 0,
        priority: options.priority,
    };
    yarn.submit_application(context).await?;
    let _ = writeln!(
        err,
        "INFO distributedshell.Client: Submitted application {app_id}"
    );
    let started = Instant::now();
    let mut last_state = None;
    loop {
        let report = yarn.application_report(&app_id).await?;
        if last_state != Some(report.state) {
            let _ = writeln!(
                err,
                "INFO distributedshell.Client: Got application report from ASM for, appId={app_id}, appAttemptId={}, yarnAppState={}, distributedFinalState={}, appTrackingUrl={}, appUser={}",
                report.current_attempt_id,
                state_name(report.state),
                final_status_name(report.final_status),
                report.tracking_url,
                report.user
            );
            last_state = Some(report.state);
        }
        if is_final(report.state) {
            let succeeded = report.state == pb::YarnApplicationState::Finished as i32
                && report.final_status == pb::FinalApplicationStatus::Succeeded as i32;
            if succeeded {
                let _ = writeln!(
                    err,
                    "INFO distributedshell.Client: Application has completed successfully. Breaking monitoring loop"
                );
            } else {
                let _ = writeln!(
                    err,
                    "INFO distributedshell.Client: Application did finished unsuccessfully. YarnState={}, DSFinalStatus={}. Breaking monitoring loop\nDiagnostics: {}",
                    state_name(report.state),
                    final_status_name(report.final_status),
                    report.diagnostics
                );
            }
            return Ok(succeeded);
        }
        if started.elapsed() > options.timeout {
            let _ = writeln!(
                err,
                "INFO distributedshell.Client: Reached client specified timeout for application. Killing application"
            );
            let _ = yarn.kill_application(&app_id).await;
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Copies the script into the DFS (`/user/<user>/DistributedShell/<app>/`)
/// and returns its path, length and modification time.
async fn upload_script(
    conf: &Configuration,
    app_id: &str,
    local: &str,
) -> Result<(String, u64, i64), DistributedShellError> {
    let data = std::fs::read(local).map_err(|source| DistributedShellError::ReadScript {
        path: local.to_string(),
        source,
    })?;
    let dfs = DfsClient::from_conf(conf)?;
    let path = format!(
        "/user/{}/DistributedShell/{app_id}/{SCRIPT_NAME}",
        dfs.user()
    );
    let defaults = dfs.server_defaults().await?;
    let options = CreateOptions {
        permission: FsPermission::new(0o644),
        overwrite: true,
        create_parent: true,
        replication: defaults.replication,
        block_size: defaults.block_size,
    };
    let mut writer = dfs.create_writer(&path, &options).await.map_err(|source| {
        DistributedShellError::UploadScript {
            path: path.clone(),
            source,
        }
    })?;
    writer.write(&data).await?;
    writer.close().await?;
    let status = dfs.stat(&path).await?;
    Ok((path, status.length, status.modification_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    fn usage_message(list: &[&str]) -> String {
        match parse_args(&args(list)) {
            Err(DistributedShellError::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn flags_override_hadoops_defaults() {
        let options = parse_args(&args(&[
            "-shell_command",
            "date",
            "-num_containers",
            "3",
            "-shell_env",
            "A=1",
            "-shell_env",
            "B=2",
            "-timeout",
            "5000",
        ]))
        .unwrap();
        assert_eq!(options.shell_command.as_deref(), Some("date"));
        assert_eq!(options.num_containers, 3);
        assert_eq!(options.shell_env, vec!["A=1", "B=2"]);
        assert_eq!(options.timeout, Duration::from_millis(5000));
        assert_eq!(options.app_name, "DistributedShell");
        assert_eq!(options.queue, "default");
        assert_eq!(options.container_memory, 10);
        assert_eq!(options.master_memory, 100);
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        assert_eq!(
            usage_message(&[]),
            "No shell command or shell script specified to be executed by application master"
        );
        assert_eq!(
            usage_message(&["-shell_command"]),
            "Missing argument for option: shell_command"
        );
        assert_eq!(
            usage_message(&["-shell_command", "ls", "-num_containers", "x"]),
            "Invalid value for -num_containers: x"
        );
        assert_eq!(
            usage_message(&["-shell_command", "ls", "-num_containers", "0"]),
            "Invalid no. of containers specified, exiting. Specified numContainer=0"
        );
        assert_eq!(
            usage_message(&["-bogus", "1"]),
            "Unrecognized option: -bogus"
        );
    }
}
