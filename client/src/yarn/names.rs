//! Hadoop's spellings of YARN's states and statuses, for every command
//! line and application that prints them.

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
