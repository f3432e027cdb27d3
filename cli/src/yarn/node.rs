//! `yarn node -list [-all] [-states S]` with Hadoop's NodeCLI output.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;
use proto::yarn as pb;

use super::node_state_name;

const USAGE: &str = "usage: node
 -all             Works with -list to list all nodes.
 -list            List all running nodes. Supports optional use of
                  -states to filter nodes based on node state, all -all
                  to list all nodes.
 -states <States> Works with -list to filter nodes based on input
                  comma-separated list of node states.";

/// Runs `yarn node ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut listing = false;
    let mut all = false;
    let mut states = Vec::new();
    let mut index = 0;
    while index < args.len() {
        match args[index].as_str() {
            "-list" => listing = true,
            "-all" => all = true,
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
    }
    0
}
