//! `yarn node -list [-all] [-states S] [-showDetails] | -status NODE` with Hadoop's
//! NodeCLI output.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;
use proto::yarn as pb;

use super::node_state_name;

const USAGE: &str = "usage: node
 -all             Works with -list to list all nodes.
 -list            List all running nodes. Supports optional use of
                  -states to filter nodes based on node state, all -all
                  to list all nodes, -showDetails to display more
                  details about each node.
 -showDetails     Works with -list to show more details about each node.
 -states <States> Works with -list to filter nodes based on input
                  comma-separated list of node states.
 -status <NodeId> Prints the status report of the node.";

/// Runs `yarn node ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut listing = false;
    let mut all = false;
    let mut details = false;
    let mut states = Vec::new();
    let mut index = 0;
    while index < args.len() {
        match args[index].as_str() {
            "-list" => listing = true,
            "-status" if index + 1 == args.len() - 1 && !listing => {
                return status(conf, &args[index + 1], out, err).await;
            }
            "-all" => all = true,
            "-showDetails" => details = true,
            "-states" if index + 1 < args.len() => {
                for name in args[index + 1].split(',') {
                    let state = [
                        pb::NodeState::NodeNew,
                        pb::NodeState::NodeRunning,
                        pb::NodeState::NodeUnhealthy,
                        pb::NodeState::NodeDecommissioned,
                        pb::NodeState::NodeLost,
                        pb::NodeState::NodeShutdown,
                    ]
                    .into_iter()
                    .find(|state| node_state_name(*state as i32).eq_ignore_ascii_case(name.trim()));
                    match state {
                        Some(state) => states.push(state),
                        None => {
                            let _ = writeln!(err, "The node state {name} is invalid.");
                            return crate::EXIT_USAGE;
                        }
                    }
                }
                index += 1;
            }
            _ => {
                let _ = writeln!(err, "{USAGE}");
                return crate::EXIT_USAGE;
            }
        }
        index += 1;
    }
    if !listing {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    }
    if states.is_empty() && !all {
        states.push(pb::NodeState::NodeRunning);
    }
    if all {
        states.clear();
    }
    let nodes = match YarnClient::from_conf(conf) {
        Ok(client) => client.nodes(&states).await,
        Err(error) => Err(error),
    };
    let nodes = or_exit!(nodes, err, "");
    let _ = writeln!(out, "Total Nodes:{}", nodes.len());
    let _ = writeln!(
        out,
        "{:>16}\t{:>15}\t{:>17}\t{:>28}",
        "Node-Id", "Node-State", "Node-Http-Address", "Number-of-Running-Containers"
    );
    for node in nodes {
        let _ = writeln!(
            out,
            "{:>16}\t{:>15}\t{:>17}\t{:>28}",
            node.node_id,
            node_state_name(node.state),
            node.http_address,
            node.num_containers
        );
        if details {
            let (capability, used) = (
                node.capability.unwrap_or_default(),
                node.used.unwrap_or_default(),
            );
            // Tusk's RM keeps no node or container utilization: Hadoop prints
            // nothing after those labels when the report has none.
            let _ = write!(
                out,
                "Detailed Node Information :\n\
                 \tConfigured Resources : <memory:{}, vCores:{}>\n\
                 \tAllocated Resources : <memory:{}, vCores:{}>\n\
                 \tResource Utilization by Node : \n\
                 \tResource Utilization by Containers : \n\
                 \tNode-Labels : \n",
                capability.memory_mb, capability.vcores, used.memory_mb, used.vcores
            );
        }
    }
    0
}

/// `-status NODE`: Hadoop's node report.
async fn status(
    conf: &Configuration,
    node_id: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let nodes = match YarnClient::from_conf(conf) {
        Ok(client) => client.nodes(&[]).await,
        Err(error) => Err(error),
    };
    let nodes = or_exit!(nodes, err, "");
    let Some(node) = nodes.into_iter().find(|node| node.node_id == node_id) else {
        let _ = writeln!(
            err,
            "Could not find the node report for node id : {node_id}"
        );
        return crate::EXIT_FAILURE;
    };
    let (used, capability) = (
        node.used.unwrap_or_default(),
        node.capability.unwrap_or_default(),
    );
    let updated = chrono::DateTime::from_timestamp_millis(node.last_health_update)
        .map(|time| time.format("%a %d/%b/%y %I:%M:%S:%3f%Z").to_string())
        .unwrap_or_default();
    let _ = write!(
        out,
        "Node Report : \n\
         \tNode-Id : {}\n\
         \tRack : {}\n\
         \tNode-State : {}\n\
         \tNode-Http-Address : {}\n\
         \tLast-Health-Update : {updated}\n\
         \tHealth-Report : {}\n\
         \tContainers : {}\n\
         \tMemory-Used : {}MB\n\
         \tMemory-Capacity : {}MB\n\
         \tCPU-Used : {} vcores\n\
         \tCPU-Capacity : {} vcores\n\
         \tNode-Labels : \n",
        node.node_id,
        node.rack,
        node_state_name(node.state),
        node.http_address,
        node.health_report,
        node.num_containers,
        used.memory_mb,
        capability.memory_mb,
        used.vcores,
        capability.vcores,
    );
    0
}
