//! `yarn rmadmin -refreshQueues | -refreshNodes | -getServiceState RM_ID | -help [cmd]`:
//! Hadoop's RMAdminCLI over the ResourceManager's administration port
//! (`yarn.resourcemanager.admin.address`, 8033).

use std::io::Write;

use client::yarn::RmAdminClient;
use common::Configuration;
use common::conf::keys;

/// The commands Tusk's ResourceManager answers: (name, arguments, help).
const COMMANDS: [(&str, &str, &str); 3] = [
    (
        "-refreshQueues",
        "",
        "Reload the queues' acls, states and scheduler specific properties. \n\t\tResourceManager will reload the mapred-queues configuration file.",
    ),
    (
        "-refreshNodes",
        "",
        "Refresh the hosts information at the ResourceManager.",
    ),
    (
        "-getServiceState",
        "<serviceId>",
        "Returns the state of the service",
    ),
];

/// Runs `yarn rmadmin ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some(command) = args.first() else {
        let _ = write!(err, "{}", usage());
        return crate::EXIT_USAGE;
    };
    let ha_enabled = conf
        .get_bool(keys::YARN_RESOURCEMANAGER_HA_ENABLED)
        .unwrap_or(false);
    let result = match (command.as_str(), &args[1..]) {
        ("-help", rest) => {
            let _ = write!(out, "{}", help(rest.first().map(String::as_str)));
            return 0;
        }
        ("-refreshQueues", []) => match RmAdminClient::from_conf(conf) {
            Ok(admin) => admin.refresh_queues().await,
            Err(error) => Err(error),
        },
        ("-refreshNodes", []) => match RmAdminClient::from_conf(conf) {
            Ok(admin) => admin.refresh_nodes().await,
            Err(error) => Err(error),
        },
        ("-getServiceState", [service_id]) => {
            if !ha_enabled {
                let _ = writeln!(
                    out,
                    "Cannot run {command} when ResourceManager HA is not enabled"
                );
                return crate::EXIT_USAGE;
            }
            return service_state(conf, service_id, out, err).await;
        }
        (known, _) if COMMANDS.iter().any(|(name, _, _)| *name == known) => {
            let _ = write!(err, "{}", individual_usage(known));
            return crate::EXIT_USAGE;
        }
        (other, _) => {
            let _ = writeln!(
                err,
                "{}: Unknown command",
                other.strip_prefix('-').unwrap_or(other)
            );
            let _ = write!(err, "{}", usage());
            return crate::EXIT_USAGE;
        }
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(
                err,
                "{}: {}",
                command.trim_start_matches('-'),
                error.message
            );
            crate::EXIT_USAGE
        }
    }
}

/// `-getServiceState RM_ID`: the HA state of the ResourceManager `RM_ID`
/// of `yarn.resourcemanager.ha.rm-ids`, at its
/// `yarn.resourcemanager.admin.address.RM_ID`.
async fn service_state(
    conf: &Configuration,
    service_id: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let ids = conf.get_strings(keys::YARN_RESOURCEMANAGER_HA_RM_IDS);
    if !ids.iter().any(|id| id == service_id) {
        let mut valid = String::new();
        for id in &ids {
            valid.push_str(id);
            valid.push(' ');
        }
        let _ = writeln!(
            err,
            "Illegal argument: {service_id} is not a valid serviceId. It should be one of {valid}"
        );
        return crate::EXIT_USAGE;
    }
    let key = format!("{}.{service_id}", keys::YARN_RESOURCEMANAGER_ADMIN_ADDRESS);
    let address = match conf.get_socket_addr(&key) {
        Ok((host, port)) => format!("{host}:{port}"),
        Err(error) => {
            let _ = writeln!(err, "Illegal argument: {error}");
            return crate::EXIT_USAGE;
        }
    };
    let state = match RmAdminClient::connect(&address) {
        Ok(admin) => admin.service_state().await,
        Err(error) => Err(error),
    };
    match state {
        Ok(state) => {
            let _ = writeln!(out, "{state}");
            0
        }
        Err(error) => {
            let _ = writeln!(err, "Operation failed: {}", error.message);
            crate::EXIT_USAGE
        }
    }
}

/// RMAdminCLI's usage, on a wrong command line.
fn usage() -> String {
    let mut text = "Usage: yarn rmadmin\n".to_string();
    for (name, arguments, _) in COMMANDS {
        text.push_str(&format!("   {name} {arguments}\n"));
    }
    text.push_str("   -help [cmd]\n\n");
    text.push_str(crate::dfs::GENERIC_OPTIONS);
    text.push('\n');
    text
}

/// The usage of one command given the wrong arguments.
fn individual_usage(command: &str) -> String {
    let arguments = COMMANDS
        .iter()
        .find(|(name, _, _)| *name == command)
        .map_or("", |(_, arguments, _)| arguments);
    let space = if arguments.is_empty() { "" } else { " " };
    format!("Usage: yarn rmadmin [{command}{space}{arguments}]\n")
}

/// `-help [cmd]`: the summary and every command's help, or one command's.
fn help(command: Option<&str>) -> String {
    let line = |(name, arguments, help): (&str, &str, &str)| {
        let space = if arguments.is_empty() { "" } else { " " };
        format!("   {name}{space}{arguments}: {help}\n")
    };
    if let Some(command) = command {
        let wanted = format!("-{}", command.trim_start_matches('-'));
        if let Some(entry) = COMMANDS.iter().find(|(name, _, _)| *name == wanted) {
            return line(*entry);
        }
    }
    let mut text = "rmadmin is the command to execute YARN administrative commands.\n\
                    The full syntax is: \n\n\
                    yarn rmadmin [-refreshQueues] [-refreshNodes] [-getServiceState <serviceId>] [-help [cmd]]\n\n"
        .to_string();
    for entry in COMMANDS {
        text.push_str(&line(entry));
    }
    text.push_str(
        "   -help [cmd]: Displays help for the given command or all commands if none is specified.\n\n",
    );
    text.push_str(crate::dfs::GENERIC_OPTIONS);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_reads_like_rmadmincli() {
        let all = help(None);
        assert!(all.starts_with(
            "rmadmin is the command to execute YARN administrative commands.\nThe full syntax is: \n\n"
        ));
        assert!(
            all.contains(
                "   -refreshNodes: Refresh the hosts information at the ResourceManager.\n"
            )
        );
        assert_eq!(
            help(Some("getServiceState")),
            "   -getServiceState <serviceId>: Returns the state of the service\n"
        );
        assert_eq!(
            individual_usage("-getServiceState"),
            "Usage: yarn rmadmin [-getServiceState <serviceId>]\n"
        );
    }
}
