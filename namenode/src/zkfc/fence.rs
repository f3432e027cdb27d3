//! Fencing a NameNode that may still think it is active (Hadoop's `NodeFencer`): the methods of
//! `dfs.ha.fencing.methods`, one a line, tried in order until one succeeds. Tusk has
//! `shell(command)` (Hadoop's `ShellCommandFencer`); `sshfence` is refused when the
//! configuration is read, since Tusk ships no SSH client.

use std::process::Stdio;

use common::Configuration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A fencing method that could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FencingConfigError {
    #[error("Unable to parse line: '{0}'")]
    Unparsable(String),
    #[error("No argument passed to 'shell' fencing method")]
    ShellWithoutCommand,
    #[error(
        "sshfence is not available in Tusk (it has no SSH client): fence with \
         shell(<command>) instead, e.g. shell(ssh $target_host pkill -9 -f NameNode)"
    )]
    SshFenceUnsupported,
    #[error("Could not find configured fencing method {0}")]
    Unknown(String),
}

/// One configured fencing method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FenceMethod {
    /// `shell(command)`: the command run by `bash -c`; fenced when it exits 0.
    Shell(String),
}

impl std::fmt::Display for FenceMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Shell(command) => write!(f, "shell({command})"),
        }
    }
}

/// Parses `dfs.ha.fencing.methods`: one method a line (`name` or `name(arguments)`), `#`
/// starting a comment, blank lines skipped.
pub fn parse_fencing_methods(text: &str) -> Result<Vec<FenceMethod>, FencingConfigError> {
    let mut methods = Vec::new();
    for line in text.split(['\r', '\n']) {
        let line = match line.find('#') {
            Some(comment) => &line[..comment],
            None => line,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        let (name, argument) = match line.find('(') {
            Some(open) => {
                let Some(inner) = line[open + 1..].strip_suffix(')') else {
                    return Err(FencingConfigError::Unparsable(line.to_string()));
                };
                (&line[..open], Some(inner.trim()))
            }
            None => (line, None),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '$')
        {
            return Err(FencingConfigError::Unparsable(line.to_string()));
        }
        let method = match name {
            "shell" | "org.apache.hadoop.ha.ShellCommandFencer" => match argument {
                Some(command) if !command.is_empty() => FenceMethod::Shell(command.to_string()),
                _ => return Err(FencingConfigError::ShellWithoutCommand),
            },
            "sshfence" | "org.apache.hadoop.ha.SshFenceByTcpPort" => {
                return Err(FencingConfigError::SshFenceUnsupported);
            }
            other => return Err(FencingConfigError::Unknown(other.to_string())),
        };
        methods.push(method);
    }
    Ok(methods)
}

/// What a fencing command is told about a NameNode (Hadoop's `getFencingParameters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FencingParameters {
    pub host: String,
    pub port: String,
    pub nameservice_id: String,
    pub namenode_id: String,
}

impl FencingParameters {
    fn entries(&self) -> [(&'static str, String); 5] {
        [
            ("host", self.host.clone()),
            ("port", self.port.clone()),
            ("address", format!("{}:{}", self.host, self.port)),
            ("nameserviceid", self.nameservice_id.clone()),
            ("namenodeid", self.namenode_id.clone()),
        ]
    }
}

/// The environment of a `shell(...)` fencing command, as Hadoop's `ShellCommandFencer` sets
/// it: every configuration key with `.` replaced by `_`, then `target_host`, `target_port`,
/// `target_address`, `target_nameserviceid`, `target_namenodeid` for the NameNode being
/// fenced, and the same with `source_` for the one about to become active (when known).
pub fn shell_environment(
    conf: &Configuration,
    target: &FencingParameters,
    source: Option<&FencingParameters>,
) -> Vec<(String, String)> {
    let mut environment: Vec<(String, String)> = conf
        .iter()
        .map(|(key, value)| (key.replace('.', "_"), value))
        .collect();
    let prefixed = [("target_", Some(target)), ("source_", source)];
    for (prefix, parameters) in prefixed {
        let Some(parameters) = parameters else {
            continue;
        };
        for (key, value) in parameters.entries() {
            environment.push((format!("{prefix}{key}").replace('.', "_"), value));
        }
    }
    environment
}

/// Runs the methods in order until one fences `target`; `true` when one did.
pub async fn fence(
    methods: &[FenceMethod],
    conf: &Configuration,
    target: &FencingParameters,
    source: Option<&FencingParameters>,
) -> bool {
    tracing::info!("====== Beginning Service Fencing Process... ======");
    for (index, method) in methods.iter().enumerate() {
        tracing::info!("Trying method {}/{}: {method}", index + 1, methods.len());
        let fenced = match method {
            FenceMethod::Shell(command) => {
                run_shell(command, &shell_environment(conf, target, source)).await
            }
        };
        if fenced {
            tracing::info!("====== Fencing successful by method {method} ======");
            return true;
        }
        tracing::warn!("Fencing method {method} was unsuccessful.");
    }
    tracing::error!("Unable to fence service by any configured method.");
    false
}

/// Runs `bash -c command` with `environment` added, logging its output; `true` on exit 0.
async fn run_shell(command: &str, environment: &[(String, String)]) -> bool {
    tracing::info!("Launching fencing command: {command}");
    let child = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(command)
        .envs(environment.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            tracing::warn!("Unable to execute {command}: {error}");
            return false;
        }
    };
    let prefix: String = command.chars().take(20).collect();
    let stdout = child
        .stdout
        .take()
        .map(|out| log_lines(prefix.clone(), out));
    let stderr = child.stderr.take().map(|err| log_lines(prefix, err));
    let status = child.wait().await;
    for task in [stdout, stderr].into_iter().flatten() {
        let _ = task.await;
    }
    match status {
        Ok(status) if status.success() => true,
        Ok(status) => {
            tracing::warn!("Fencing command {command} exited with {status}");
            false
        }
        Err(error) => {
            tracing::warn!("Interrupted while waiting for fencing command: {command}: {error}");
            false
        }
    }
}

fn log_lines(
    prefix: String,
    stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!("[PID] {prefix}...: {line}");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_one_a_line() {
        let methods =
            parse_fencing_methods("shell(/bin/true)\n# a comment\n\n  shell( echo a b )  \n")
                .unwrap();
        assert_eq!(
            methods,
            vec![
                FenceMethod::Shell("/bin/true".into()),
                FenceMethod::Shell("echo a b".into())
            ]
        );
        assert_eq!(parse_fencing_methods("").unwrap(), vec![]);
    }

    #[test]
    fn bad_methods_are_named() {
        assert_eq!(
            parse_fencing_methods("sshfence").unwrap_err(),
            FencingConfigError::SshFenceUnsupported
        );
        assert_eq!(
            parse_fencing_methods("sshfence(hdfs:22)").unwrap_err(),
            FencingConfigError::SshFenceUnsupported
        );
        assert_eq!(
            parse_fencing_methods("shell").unwrap_err(),
            FencingConfigError::ShellWithoutCommand
        );
        assert_eq!(
            parse_fencing_methods("shell(/bin/true")
                .unwrap_err()
                .to_string(),
            "Unable to parse line: 'shell(/bin/true'"
        );
        assert_eq!(
            parse_fencing_methods("powershell(x)")
                .unwrap_err()
                .to_string(),
            "Could not find configured fencing method powershell"
        );
    }

    fn parameters(id: &str, port: &str) -> FencingParameters {
        FencingParameters {
            host: "nn.example.com".into(),
            port: port.into(),
            nameservice_id: "mycluster".into(),
            namenode_id: id.into(),
        }
    }

    #[test]
    fn the_shell_environment_names_target_and_source() {
        let mut conf = Configuration::new();
        conf.set("dfs.ha.fencing.methods", "shell(/bin/true)");
        let environment = shell_environment(
            &conf,
            &parameters("nn1", "8020"),
            Some(&parameters("nn2", "8021")),
        );
        let get = |key: &str| {
            environment
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(get("target_host"), Some("nn.example.com"));
        assert_eq!(get("target_port"), Some("8020"));
        assert_eq!(get("target_address"), Some("nn.example.com:8020"));
        assert_eq!(get("target_nameserviceid"), Some("mycluster"));
        assert_eq!(get("target_namenodeid"), Some("nn1"));
        assert_eq!(get("source_namenodeid"), Some("nn2"));
        assert_eq!(get("source_address"), Some("nn.example.com:8021"));
        assert_eq!(get("dfs_ha_fencing_methods"), Some("shell(/bin/true)"));
        let alone = shell_environment(&conf, &parameters("nn1", "8020"), None);
        assert!(alone.iter().all(|(name, _)| !name.starts_with("source_")));
    }

    #[tokio::test]
    async fn the_shell_fencer_succeeds_on_exit_zero_and_sees_its_target() {
        let conf = Configuration::new();
        let target = parameters("nn1", "8020");
        let methods = parse_fencing_methods(
            "shell(test \"$target_namenodeid\" = nn2)\nshell(test \"$target_address\" = nn.example.com:8020)",
        )
        .unwrap();
        assert!(fence(&methods, &conf, &target, None).await);
        let failing = parse_fencing_methods("shell(exit 1)").unwrap();
        assert!(!fence(&failing, &conf, &target, None).await);
    }
}
