//! DistributedShell, YARN's example application: the client submits an AM
//! (the program that called the client, run as `<program>
//! distributedshell-am` in a container), which asks for N containers, runs
//! a shell command in each, and finishes SUCCEEDED only if every one exits 0.
//!
//! The facade: [`parse_args`] and [`run_client`] for the submitting side,
//! [`run_application_master`] for the AM container.

mod appmaster;
mod client;
mod error;
mod tracker;

pub use appmaster::run_application_master;
pub use client::{ClientOptions, USAGE, parse_args, run_client};
pub use error::DistributedShellError;

/// Environment the client gives the AM (Hadoop passes the same through
/// files in the staging dir; variables need no cleanup).
const ENV_SHELL_COMMAND: &str = "DISTRIBUTEDSHELL_SHELL_COMMAND";
const ENV_NUM_CONTAINERS: &str = "DISTRIBUTEDSHELL_NUM_CONTAINERS";
const ENV_CONTAINER_MEMORY: &str = "DISTRIBUTEDSHELL_CONTAINER_MEMORY";
const ENV_CONTAINER_VCORES: &str = "DISTRIBUTEDSHELL_CONTAINER_VCORES";
const ENV_PRIORITY: &str = "DISTRIBUTEDSHELL_PRIORITY";
/// `k=v` pairs separated by newlines for the containers' environment.
const ENV_SHELL_ENV: &str = "DISTRIBUTEDSHELL_SHELL_ENV";
/// DFS path, length and modification time of the script to run, if any.
const ENV_SCRIPT_LOCATION: &str = "DISTRIBUTEDSHELL_SCRIPT_LOCATION";
const ENV_SCRIPT_LENGTH: &str = "DISTRIBUTEDSHELL_SCRIPT_LENGTH";
const ENV_SCRIPT_TIMESTAMP: &str = "DISTRIBUTEDSHELL_SCRIPT_TIMESTAMP";
/// The name the script gets in a container's working directory.
const SCRIPT_NAME: &str = "ExecScript.sh";
