//! `yarn` subcommands: the daemons, `application`, `applicationattempt`, `container`,
//! `node`, `queue`, `logs`, `top`, `rmadmin`, `jar`
//! and the DistributedShell example.

pub mod application;
pub mod attempts;
pub mod daemons;
pub mod distributedshell;
pub mod jar;
pub mod logs;
pub mod node;
pub mod queue;
pub mod rmadmin;
pub mod top;

pub use client::yarn::names::{final_status_name, is_final, node_state_name, state_name};
use proto::yarn as pb;

/// The state named `name` (any case), if it is one.
pub fn parse_state(name: &str) -> Option<pb::YarnApplicationState> {
    use pb::YarnApplicationState as S;
    [
        S::New,
        S::NewSaving,
        S::Submitted,
        S::Accepted,
        S::Running,
        S::Finished,
        S::Failed,
        S::Killed,
    ]
    .into_iter()
    .find(|state| state_name(*state as i32).eq_ignore_ascii_case(name.trim()))
}
