//! `mapred` subcommands: `job` (status, list, kill of MapReduce jobs on YARN)
//! and `historyserver` (the JobHistoryServer daemon).

pub mod historyserver;
pub mod job;
