//! Process exit codes shared by every Tusk command, as Hadoop's.

/// A command that failed (Hadoop's 1).
pub const FAILURE: i32 = 1;
/// A usage error: Hadoop's -1, which a shell sees as 255.
pub const USAGE: i32 = 255;
