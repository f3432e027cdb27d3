//! `mapred` subcommands: `job` (status, list, kill of MapReduce jobs on YARN),
//! `queue` (the scheduler's queues) and `historyserver` (the JobHistoryServer daemon).

pub mod historyserver;
pub mod job;
pub mod queue;
