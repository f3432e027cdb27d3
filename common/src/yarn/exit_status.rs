//! Hadoop's `ContainerExitStatus`: the exit codes the framework reports for
//! a container it ended (or could not run) itself, as opposed to the code
//! the container's process returned. One home for the RM, the NM and the
//! ApplicationMasters.

/// The container's process exited with 0.
pub const SUCCESS: i32 = 0;
/// No exit status is known yet.
pub const INVALID: i32 = -1000;
/// The framework released or lost the container (its node was lost, the
/// application released it).
pub const ABORTED: i32 = -100;
/// Every local or log dir of the container's node went bad.
pub const DISKS_FAILED: i32 = -101;
/// The scheduler preempted the container.
pub const PREEMPTED: i32 = -102;
/// The container went over its virtual-memory limit.
pub const KILLED_EXCEEDED_VMEM: i32 = -103;
/// The container went over its physical-memory limit.
pub const KILLED_EXCEEDED_PMEM: i32 = -104;
/// The ApplicationMaster asked for the container to be stopped.
pub const KILLED_BY_APPMASTER: i32 = -105;
/// The ResourceManager told the node to kill the container.
pub const KILLED_BY_RESOURCEMANAGER: i32 = -106;
/// The container was still running when its application completed.
pub const KILLED_AFTER_APP_COMPLETION: i32 = -107;
