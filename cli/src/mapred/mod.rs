//! `mapred` subcommands: `job` (status, list, kill, history, events, attempts, logs of
//! MapReduce jobs on YARN),
//! `queue` (the scheduler's queues) and `historyserver` (the JobHistoryServer daemon).

mod history;
pub mod historyserver;
pub mod job;
pub mod queue;
