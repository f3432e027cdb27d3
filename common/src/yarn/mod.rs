//! YARN's shared vocabulary: the ids of applications, attempts and
//! containers, and the exit codes the framework gives containers.

pub mod exit_status;
pub mod ids;

pub use ids::{ApplicationAttemptId, ApplicationId, ContainerId, InvalidId};
