//! `yarn` subcommands: the daemons, `application`, `node`, `logs`, `jar`
//! and the DistributedShell example.

pub mod application;
pub mod daemons;
pub mod distributedshell;
pub mod jar;
pub mod logs;
pub mod node;

use proto::yarn as pb;

/// Hadoop's spelling of an application state.
pub fn state_name(state: i32) -> &'static str {
    match pb::YarnApplicationState::try_from(state) {
        Ok(pb::YarnApplicationState::New) => "NEW",
        Ok(pb::YarnApplicationState::NewSaving) => "NEW_SAVING",
        Ok(pb::YarnApplicationState::Submitted) => "SUBMITTED",
        Ok(pb::YarnApplicationState::Accepted) => "ACCEPTED",
        Ok(pb::YarnApplicationState::Running) => "RUNNING",
        Ok(pb::YarnApplicationState::Finished) => "FINISHED",
        Ok(pb::YarnApplicationState::Failed) => "FAILED",
        Ok(pb::YarnApplicationState::Killed) => "KILLED",
        Err(_) => "UNKNOWN",
    }
}

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

/// Hadoop's spelling of a final status.
pub fn final_status_name(status: i32) -> &'static str {
    match pb::FinalApplicationStatus::try_from(status) {
        Ok(pb::FinalApplicationStatus::Succeeded) => "SUCCEEDED",
        Ok(pb::FinalApplicationStatus::FailedStatus) => "FAILED",
        Ok(pb::FinalApplicationStatus::KilledStatus) => "KILLED",
        _ => "UNDEFINED",
    }
}

/// Hadoop's spelling of a node state.
pub fn node_state_name(state: i32) -> &'static str {
    match pb::NodeState::try_from(state) {
        Ok(pb::NodeState::NodeNew) => "NEW",
        Ok(pb::NodeState::NodeRunning) => "RUNNING",
        Ok(pb::NodeState::NodeUnhealthy) => "UNHEALTHY",
        Ok(pb::NodeState::NodeDecommissioned) => "DECOMMISSIONED",
        Ok(pb::NodeState::NodeLost) => "LOST",
        Ok(pb::NodeState::NodeShutdown) => "SHUTDOWN",
        Err(_) => "UNKNOWN",
    }
}

/// Whether an application state is final.
pub fn is_final(state: i32) -> bool {
    matches!(
        pb::YarnApplicationState::try_from(state),
        Ok(pb::YarnApplicationState::Finished
            | pb::YarnApplicationState::Failed
            | pb::YarnApplicationState::Killed)
    )
}
