//! `mapred` subcommands: `job` (status, list, kill of MapReduce jobs on YARN).

pub mod job;
