//! `hdfs haadmin`: the HA state of a nameservice's NameNodes, as Hadoop's `DFSHAAdmin`:
//! `-getServiceState`, `-getAllServiceState`, `-checkHealth`, `-transitionToActive`,
//! `-transitionToStandby` and `-failover` (through the ZKFCs when automatic failover is on,
//! else fencing and transitioning as Hadoop's `FailoverController`).

use std::io::Write;
use std::time::Duration;

use common::Configuration;
use common::conf::{TimeUnit, keys};
use namenode::zkfc::{
    HaServiceClient, HaServiceTarget, TargetError, ZkfcClient, automatic_failover_enabled, fence,
    parse_fencing_methods, state_name,
};
use proto::hdfs::{HaRequestSource, HaServiceState};

/// Hadoop's `HAAdmin` exit code of a failed command: -1, which a shell sees as 255.
const FAILED: i32 = 255;

/// The commands in Hadoop's order, with their arguments and help.
const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "-transitionToActive",
        "[--forceactive] <serviceId>",
        "Transitions the service into Active state",
    ),
    (
        "-transitionToStandby",
        "<serviceId>",
        "Transitions the service into Standby state",
    ),
    (
        "-failover",
        "[--forcefence] [--forceactive] <serviceId> <serviceId>",
        "Failover from the first service to the second.\n\
         Unconditionally fence services if the --forcefence option is used.\n\
         Try to failover to the target service even if it is not ready if the --forceactive option is used.",
    ),
    (
        "-getServiceState",
        "<serviceId>",
        "Returns the state of the service",
    ),
    (
        "-getAllServiceState",
        "",
        "Returns the state of all the services",
    ),
    (
        "-checkHealth",
        "<serviceId>",
        "Requests that the service perform a health check.\n\
         The HAAdmin tool will exit with a non-zero exit code\n\
         if the check fails.",
    ),
    (
        "-help",
        "<command>",
        "Displays help on the specified command",
    ),
];

/// A parsed `haadmin` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaAdminArgs {
    /// `-ns <nameserviceId>`.
    pub nameservice: Option<String>,
    /// `--forcemanual`: manual transitions even with automatic failover on.
    pub force_manual: bool,
    pub command: HaAdminCommand,
}

/// One `haadmin` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaAdminCommand {
    TransitionToActive {
        id: String,
        force_active: bool,
    },
    TransitionToStandby {
        id: String,
    },
    Failover {
        from: String,
        to: String,
        force_fence: bool,
        force_active: bool,
    },
    GetServiceState {
        id: String,
    },
    GetAllServiceState,
    CheckHealth {
        id: String,
    },
    Help {
        command: Option<String>,
    },
}

/// A command line that does not parse: what to print on stderr (usage included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

fn usage() -> String {
    let mut text = String::from("Usage: haadmin [-ns <nameserviceId>]\n");
    for (command, args, _) in COMMANDS {
        if args.is_empty() {
            text.push_str(&format!("    [{command}]\n"));
        } else {
            text.push_str(&format!("    [{command} {args}]\n"));
        }
    }
    text
}

fn command_usage(command: &str) -> String {
    let (_, args, _) = COMMANDS
        .iter()
        .find(|(name, _, _)| *name == command)
        .expect("a known command");
    format!("Usage: haadmin [-ns <nameserviceId>] [{command} {args}]\n")
}

/// Parses `haadmin` arguments (after the generic options), as Hadoop's `HAAdmin.runCmd`.
pub fn parse(args: &[String]) -> Result<HaAdminArgs, UsageError> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut nameservice = None;
    if args.first() == Some(&"-ns") {
        match args.get(1) {
            Some(ns) if !ns.starts_with('-') => nameservice = Some(ns.to_string()),
            _ => return Err(UsageError(format!("Missing nameservice ID\n{}", usage()))),
        }
        args.drain(..2);
    }
    let Some((&command, rest)) = args.split_first() else {
        return Err(UsageError(usage()));
    };
    if !command.starts_with('-') {
        return Err(UsageError(format!(
            "Bad command '{command}': expected command starting with '-'\n{}",
            usage()
        )));
    }
    if !COMMANDS.iter().any(|(name, _, _)| *name == command) {
        return Err(UsageError(format!(
            "{}: Unknown command\n{}",
            &command[1..],
            usage()
        )));
    }
    if command == "-help" {
        return match rest {
            [] => Ok(HaAdminArgs {
                nameservice,
                force_manual: false,
                command: HaAdminCommand::Help { command: None },
            }),
            [name] => Ok(HaAdminArgs {
                nameservice,
                force_manual: false,
                command: HaAdminCommand::Help {
                    command: Some(name.to_string()),
                },
            }),
            _ => Err(UsageError(command_usage("-help"))),
        };
    }
    let allowed: &[&str] = match command {
        "-failover" => &["forcefence", "forceactive", "forcemanual"],
        "-transitionToActive" => &["forceactive", "forcemanual"],
        "-transitionToStandby" => &["forcemanual"],
        _ => &[],
    };
    let mut flags = Vec::new();
    let mut ids = Vec::new();
    for arg in rest {
        match arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) {
            Some(flag) if allowed.contains(&flag) => flags.push(flag),
            Some(_) => {
                return Err(UsageError(format!(
                    "Illegal argument: Unrecognized option: {arg}\n{}",
                    command_usage(command)
                )));
            }
            None => ids.push(arg.to_string()),
        }
    }
    let has = |flag: &str| flags.contains(&flag);
    let name = &command[1..];
    let wrong_count = || {
        UsageError(format!(
            "{name}: incorrect number of arguments\n{}",
            command_usage(command)
        ))
    };
    let command = match (command, ids.as_slice()) {
        ("-transitionToActive", [id]) => HaAdminCommand::TransitionToActive {
            id: id.clone(),
            force_active: has("forceactive"),
        },
        ("-transitionToStandby", [id]) => HaAdminCommand::TransitionToStandby { id: id.clone() },
        ("-failover", [from, to]) => HaAdminCommand::Failover {
            from: from.clone(),
            to: to.clone(),
            force_fence: has("forcefence"),
            force_active: has("forceactive"),
        },
        ("-failover", _) => {
            return Err(UsageError(format!(
                "failover: incorrect arguments\n{}",
                command_usage(command)
            )));
        }
        ("-getServiceState", [id]) => HaAdminCommand::GetServiceState { id: id.clone() },
        ("-getAllServiceState", []) => HaAdminCommand::GetAllServiceState,
        ("-checkHealth", [id]) => HaAdminCommand::CheckHealth { id: id.clone() },
        _ => return Err(wrong_count()),
    };
    Ok(HaAdminArgs {
        nameservice,
        force_manual: has("forcemanual"),
        command,
    })
}

/// The nameservice's NameNodes, or Hadoop's `IllegalArgumentException` text.
fn targets(
    conf: &Configuration,
    nameservice: Option<&str>,
) -> Result<(String, Vec<HaServiceTarget>), String> {
    let id = match nameservice {
        Some(id) => id.to_string(),
        None => {
            let ids = conf.nameservice_ids();
            match ids.as_slice() {
                [only] => only.clone(),
                [] => return Err("Unable to determine the name service ID.".into()),
                many => {
                    return Err(format!(
                        "Unable to determine the name service ID. This is an HA configuration \
                         with multiple name services configured. {} is set to [{}]. Please \
                         re-run with the -ns option.",
                        keys::DFS_NAMESERVICES,
                        many.join(", ")
                    ));
                }
            }
        }
    };
    if !conf.is_ha_nameservice(&id) {
        return Err(format!(
            "Unable to determine the name service ID: {id} is not a HA nameservice \
             ({} is not set).",
            common::conf::key_with_suffixes(keys::DFS_HA_NAMENODES_PREFIX, &[&id])
        ));
    }
    let nameservice = conf.nameservice(&id).map_err(|error| error.to_string())?;
    let targets = HaServiceTarget::all(conf, &nameservice).map_err(|error| error.to_string())?;
    Ok((id, targets))
}

fn resolve<'a>(targets: &'a [HaServiceTarget], id: &str) -> Result<&'a HaServiceTarget, String> {
    targets
        .iter()
        .find(|target| target.namenode_id == id)
        .ok_or_else(|| format!("Unable to determine service address for namenode '{id}'"))
}

/// Timeouts from Hadoop's `ha.failover-controller.*` keys.
struct Timeouts {
    cli_check: Duration,
    graceful_fence: Duration,
    new_active: Duration,
}

impl Timeouts {
    fn from_conf(conf: &Configuration) -> Result<Self, String> {
        let millis = |key: &str| {
            conf.get_duration(key, TimeUnit::Milliseconds)
                .map_err(|error| error.to_string())
        };
        Ok(Self {
            cli_check: millis(keys::HA_FAILOVER_CONTROLLER_CLI_CHECK_RPC_TIMEOUT_MS)?,
            graceful_fence: millis(keys::HA_FAILOVER_CONTROLLER_GRACEFUL_FENCE_RPC_TIMEOUT_MS)?,
            new_active: millis(keys::HA_FAILOVER_CONTROLLER_NEW_ACTIVE_RPC_TIMEOUT_MS)?,
        })
    }
}

/// How a command failed: Hadoop's `HAAdmin.run` prints these two kinds.
enum Failure {
    IllegalArgument(String),
    Operation(String),
    /// Already printed.
    Printed,
}

impl From<TargetError> for Failure {
    fn from(error: TargetError) -> Self {
        Failure::Operation(error.to_string())
    }
}

/// Runs `hdfs haadmin ARGS` and returns the exit code (0, or 255 as Hadoop's -1).
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let parsed = match parse(args) {
        Ok(parsed) => parsed,
        Err(UsageError(text)) => {
            let _ = write!(err, "{text}");
            return FAILED;
        }
    };
    if let HaAdminCommand::Help { command } = &parsed.command {
        return help(command.as_deref(), out, err);
    }
    let mut source = HaRequestSource::RequestByUser;
    if parsed.force_manual {
        if !confirm_force_manual().await {
            let _ = writeln!(err, "Aborted");
            return FAILED;
        }
        source = HaRequestSource::RequestByUserForced;
    }
    let admin = HaAdmin {
        conf,
        nameservice: parsed.nameservice.as_deref(),
        source,
    };
    match admin.execute(&parsed.command, out, err).await {
        Ok(code) => code,
        Err(Failure::IllegalArgument(message)) => {
            let _ = writeln!(err, "Illegal argument: {message}");
            FAILED
        }
        Err(Failure::Operation(message)) => {
            let _ = writeln!(err, "Operation failed: {message}");
            FAILED
        }
        Err(Failure::Printed) => FAILED,
    }
}

fn help(command: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let Some(command) = command else {
        let _ = write!(out, "{}", usage());
        return 0;
    };
    let name = if command.starts_with('-') {
        command.to_string()
    } else {
        format!("-{command}")
    };
    match COMMANDS.iter().find(|(known, _, _)| *known == name) {
        Some((known, args, text)) => {
            let _ = writeln!(out, "{known} {args}: {text}");
            0
        }
        None => {
            let _ = writeln!(err, "Unknown command: {command}");
            FAILED
        }
    }
}

/// Hadoop's `confirmForceManual` prompt, on stderr; end of input is no.
async fn confirm_force_manual() -> bool {
    let prompt = "You have specified the --forcemanual flag. This flag is dangerous, as it can \
                  induce a split-brain scenario that WILL CORRUPT your HDFS namespace, possibly \
                  irrecoverably.\n\n\
                  It is recommended not to use this flag, but instead to shut down the cluster \
                  and disable automatic failover if you prefer to manually manage your HA \
                  state.\n\n\
                  You may abort safely by answering 'n' or hitting ^C now.\n\n\
                  Are you sure you want to continue? (Y or N) ";
    tokio::task::spawn_blocking(move || crate::zkfc_cmd::confirm_prompt(prompt))
        .await
        .unwrap_or(false)
}

struct HaAdmin<'a> {
    conf: &'a Configuration,
    nameservice: Option<&'a str>,
    source: HaRequestSource,
}

impl HaAdmin<'_> {
    async fn execute(
        &self,
        command: &HaAdminCommand,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<i32, Failure> {
        let (ns, targets) =
            targets(self.conf, self.nameservice).map_err(Failure::IllegalArgument)?;
        let timeouts = Timeouts::from_conf(self.conf).map_err(Failure::IllegalArgument)?;
        let automatic = automatic_failover_enabled(self.conf, &ns)
            .map_err(|error| Failure::IllegalArgument(error.to_string()))?;
        let client = |target: &HaServiceTarget, timeout: Duration| {
            HaServiceClient::connect(&target.rpc_address, timeout)
                .map_err(|error| Failure::IllegalArgument(error.to_string()))
        };
        match command {
            HaAdminCommand::GetServiceState { id } => {
                let target = resolve(&targets, id).map_err(Failure::IllegalArgument)?;
                let status = client(target, timeouts.cli_check)?
                    .get_service_status()
                    .await?;
                let _ = writeln!(out, "{}", state_name(status.state));
                Ok(0)
            }
            HaAdminCommand::GetAllServiceState => {
                for target in &targets {
                    let state = match client(target, timeouts.cli_check)?
                        .get_service_status()
                        .await
                    {
                        Ok(status) => state_name(status.state).to_string(),
                        Err(error) => format!("Failed to connect: {error}"),
                    };
                    let _ = writeln!(out, "{:<50} {:<10}", target.rpc_address, state);
                }
                Ok(0)
            }
            HaAdminCommand::CheckHealth { id } => {
                let target = resolve(&targets, id).map_err(Failure::IllegalArgument)?;
                match client(target, timeouts.cli_check)?.monitor_health().await {
                    Ok(()) => Ok(0),
                    Err(TargetError::Unhealthy(message)) => {
                        let _ = writeln!(err, "Health check failed: {message}");
                        Ok(FAILED)
                    }
                    Err(error) => Err(error.into()),
                }
            }
            HaAdminCommand::TransitionToActive { id, force_active } => {
                let target = resolve(&targets, id).map_err(Failure::IllegalArgument)?;
                if !force_active {
                    for other in targets.iter().filter(|other| other.namenode_id != *id) {
                        self.check_manual_state_management(other, automatic, err)?;
                        let status = client(other, Duration::from_secs(5))?
                            .get_service_status()
                            .await;
                        match status {
                            Ok(status) if status.state == HaServiceState::Active => {
                                let _ = writeln!(
                                    err,
                                    "transitionToActive: Node {} is already active\n{}",
                                    other.namenode_id,
                                    command_usage("-transitionToActive").trim_end()
                                );
                                return Ok(FAILED);
                            }
                            Ok(_) => {}
                            Err(error) => {
                                let _ = writeln!(
                                    err,
                                    "Unexpected error occurred  {error}\n{}",
                                    command_usage("-transitionToActive").trim_end()
                                );
                                return Ok(FAILED);
                            }
                        }
                    }
                }
                self.check_manual_state_management(target, automatic, err)?;
                client(target, timeouts.new_active)?
                    .transition_to_active(self.source)
                    .await?;
                Ok(0)
            }
            HaAdminCommand::TransitionToStandby { id } => {
                let target = resolve(&targets, id).map_err(Failure::IllegalArgument)?;
                self.check_manual_state_management(target, automatic, err)?;
                client(target, timeouts.new_active)?
                    .transition_to_standby(self.source)
                    .await?;
                Ok(0)
            }
            HaAdminCommand::Failover {
                from,
                to,
                force_fence,
                force_active,
            } => {
                let from_target = resolve(&targets, from).map_err(Failure::IllegalArgument)?;
                let to_target = resolve(&targets, to).map_err(Failure::IllegalArgument)?;
                if automatic {
                    if *force_fence || *force_active {
                        let _ = writeln!(
                            err,
                            "forcefence and forceactive flags not supported with auto-failover enabled."
                        );
                        return Ok(FAILED);
                    }
                    let zkfc = ZkfcClient::connect(&to_target.zkfc_address, timeouts.new_active)
                        .map_err(|error| Failure::IllegalArgument(error.to_string()))?;
                    return match zkfc.graceful_failover().await {
                        Ok(()) => {
                            let _ = writeln!(out, "Failover to {to_target} successful");
                            Ok(0)
                        }
                        Err(TargetError::Remote { message, .. }) => {
                            let _ = writeln!(err, "Failover failed: {message}");
                            Ok(FAILED)
                        }
                        Err(error) => Err(error.into()),
                    };
                }
                let controller = FailoverController {
                    conf: self.conf,
                    timeouts: &timeouts,
                    source: self.source,
                };
                match controller
                    .failover(from_target, to_target, *force_fence, *force_active)
                    .await
                {
                    Ok(()) => {
                        let _ = writeln!(out, "Failover from {from} to {to} successful");
                        Ok(0)
                    }
                    Err(FailoverError::Failed(message)) => {
                        let _ = writeln!(err, "Failover failed: {message}");
                        Ok(FAILED)
                    }
                    Err(FailoverError::IllegalArgument(message)) => {
                        Err(Failure::IllegalArgument(message))
                    }
                }
            }
            HaAdminCommand::Help { .. } => Ok(0),
        }
    }

    /// Hadoop's `checkManualStateManagementOK`.
    fn check_manual_state_management(
        &self,
        target: &HaServiceTarget,
        automatic: bool,
        err: &mut dyn Write,
    ) -> Result<(), Failure> {
        if !automatic {
            return Ok(());
        }
        if self.source != HaRequestSource::RequestByUserForced {
            let _ = writeln!(
                err,
                "Automatic failover is enabled for {target}\n\
                 Refusing to manually manage HA state, since it may cause\n\
                 a split-brain scenario or other incorrect state.\n\
                 If you are very sure you know what you are doing, please \n\
                 specify the --forcemanual flag."
            );
            return Err(Failure::Printed);
        }
        let _ = writeln!(
            err,
            "WARN ha.HAAdmin: Proceeding with manual HA state management even though\n\
             automatic failover is enabled for {target}"
        );
        Ok(())
    }
}

enum FailoverError {
    Failed(String),
    IllegalArgument(String),
}

/// Hadoop's `FailoverController`: a manual failover without the ZKFCs.
struct FailoverController<'a> {
    conf: &'a Configuration,
    timeouts: &'a Timeouts,
    source: HaRequestSource,
}

impl FailoverController<'_> {
    async fn failover(
        &self,
        from: &HaServiceTarget,
        to: &HaServiceTarget,
        force_fence: bool,
        force_active: bool,
    ) -> Result<(), FailoverError> {
        let fencing_text = self
            .conf
            .get(keys::DFS_HA_FENCING_METHODS)
            .unwrap_or_default();
        let methods = parse_fencing_methods(&fencing_text)
            .map_err(|error| FailoverError::IllegalArgument(error.to_string()))?;
        if methods.is_empty() {
            return Err(FailoverError::IllegalArgument(
                "failover requires a fencer".into(),
            ));
        }
        self.pre_failover_checks(from, to, force_active).await?;
        let mut try_fence = true;
        if self.graceful_fence(from).await {
            try_fence = force_fence;
        }
        if try_fence {
            let fenced = fence(
                &methods,
                self.conf,
                &from.fencing_parameters(),
                Some(&to.fencing_parameters()),
            )
            .await;
            if !fenced {
                return Err(FailoverError::Failed(format!(
                    "Unable to fence {from}. Fencing failed."
                )));
            }
        }
        let activated = self
            .client(to, self.timeouts.new_active)?
            .transition_to_active(self.source)
            .await;
        if let Err(error) = activated {
            eprintln!(
                "ERROR ha.FailoverController: Unable to make {to} active ({error}). Failing back."
            );
            let mut message = format!("Unable to failover to {to}");
            if !try_fence && let Err(failback) = Box::pin(self.failover(to, from, true, true)).await
            {
                let why = match failback {
                    FailoverError::Failed(why) | FailoverError::IllegalArgument(why) => why,
                };
                message.push_str(&format!(". Failback to {from} failed ({why})"));
            }
            return Err(FailoverError::Failed(message));
        }
        Ok(())
    }

    fn client(
        &self,
        target: &HaServiceTarget,
        timeout: Duration,
    ) -> Result<HaServiceClient, FailoverError> {
        HaServiceClient::connect(&target.rpc_address, timeout)
            .map_err(|error| FailoverError::IllegalArgument(error.to_string()))
    }

    async fn pre_failover_checks(
        &self,
        from: &HaServiceTarget,
        to: &HaServiceTarget,
        force_active: bool,
    ) -> Result<(), FailoverError> {
        if from.rpc_address == to.rpc_address {
            return Err(FailoverError::Failed(
                "Can't failover a service to itself".into(),
            ));
        }
        let client = self.client(to, self.timeouts.new_active)?;
        let status = client.get_service_status().await.map_err(|error| {
            eprintln!("ERROR ha.FailoverController: Unable to get service state for {to}: {error}");
            FailoverError::Failed(format!("Unable to get service state for {to}"))
        })?;
        if status.state != HaServiceState::Standby {
            return Err(FailoverError::Failed(format!(
                "Can't failover to an {} service",
                state_name(status.state)
            )));
        }
        if !status.ready_to_become_active {
            if !force_active {
                return Err(FailoverError::Failed(format!(
                    "{to} is not ready to become active: {}",
                    status.not_ready_reason
                )));
            }
            eprintln!(
                "WARN ha.FailoverController: Service is not ready to become active, but forcing: {}",
                status.not_ready_reason
            );
        }
        match client.monitor_health().await {
            Ok(()) => Ok(()),
            Err(TargetError::Unhealthy(_)) => Err(FailoverError::Failed(
                "Can't failover to an unhealthy service".into(),
            )),
            Err(_) => Err(FailoverError::Failed("Got an IO exception".into())),
        }
    }

    async fn graceful_fence(&self, target: &HaServiceTarget) -> bool {
        let Ok(client) = self.client(target, self.timeouts.graceful_fence) else {
            return false;
        };
        match client.transition_to_standby(self.source).await {
            Ok(()) => true,
            Err(TargetError::Remote { message, .. }) => {
                eprintln!(
                    "WARN ha.FailoverController: Unable to gracefully make {target} standby ({message})"
                );
                false
            }
            Err(_) => {
                eprintln!(
                    "WARN ha.FailoverController: Unable to gracefully make {target} standby (unable to connect)"
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    fn command(words: &[&str]) -> HaAdminCommand {
        parse(&args(words)).unwrap().command
    }

    #[test]
    fn commands_parse_with_their_flags() {
        assert_eq!(
            command(&["-getServiceState", "nn1"]),
            HaAdminCommand::GetServiceState { id: "nn1".into() }
        );
        assert_eq!(
            command(&["-getAllServiceState"]),
            HaAdminCommand::GetAllServiceState
        );
        assert_eq!(
            command(&["-transitionToActive", "--forceactive", "nn2"]),
            HaAdminCommand::TransitionToActive {
                id: "nn2".into(),
                force_active: true
            }
        );
        assert_eq!(
            command(&["-failover", "--forcefence", "nn1", "nn2"]),
            HaAdminCommand::Failover {
                from: "nn1".into(),
                to: "nn2".into(),
                force_fence: true,
                force_active: false
            }
        );
        let forced = parse(&args(&[
            "-ns",
            "mycluster",
            "-transitionToStandby",
            "--forcemanual",
            "nn1",
        ]))
        .unwrap();
        assert_eq!(forced.nameservice.as_deref(), Some("mycluster"));
        assert!(forced.force_manual);
        assert_eq!(
            forced.command,
            HaAdminCommand::TransitionToStandby { id: "nn1".into() }
        );
    }

    #[test]
    fn bad_command_lines_print_hadoop_errors() {
        let error = |words: &[&str]| parse(&args(words)).unwrap_err().0;
        assert!(error(&[]).starts_with("Usage: haadmin [-ns <nameserviceId>]\n"));
        assert!(error(&["-bogus"]).starts_with("bogus: Unknown command\n"));
        assert!(
            error(&["getServiceState"])
                .starts_with("Bad command 'getServiceState': expected command starting with '-'")
        );
        assert_eq!(
            error(&["-getServiceState"]),
            "getServiceState: incorrect number of arguments\n\
             Usage: haadmin [-ns <nameserviceId>] [-getServiceState <serviceId>]\n"
        );
        assert!(error(&["-failover", "nn1"]).starts_with("failover: incorrect arguments\n"));
        assert!(
            error(&["-getServiceState", "--forcemanual", "nn1"])
                .starts_with("Illegal argument: Unrecognized option: --forcemanual")
        );
        assert!(
            error(&["-transitionToStandby", "--forceactive", "nn1"])
                .starts_with("Illegal argument: Unrecognized option: --forceactive")
        );
    }

    #[test]
    fn the_usage_lists_every_command() {
        let text = usage();
        assert!(
            text.contains(
                "    [-failover [--forcefence] [--forceactive] <serviceId> <serviceId>]\n"
            )
        );
        assert!(text.contains("    [-getAllServiceState]\n"));
    }

    #[tokio::test]
    async fn a_non_ha_configuration_is_refused() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            &conf,
            &args(&["-getServiceState", "nn1"]),
            &mut out,
            &mut err,
        )
        .await;
        assert_eq!(code, 255);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "Illegal argument: Unable to determine the name service ID.\n"
        );
    }
}
