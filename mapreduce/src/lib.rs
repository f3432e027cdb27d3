//! MapReduce: jobs written as Rust binaries.
//!
//! A job is a [`Job`] built from a [`Mapper`], an optional combiner and a
//! [`Reducer`]; `mapreduce::run(job)` in a binary's `main` makes it a job
//! client. `mapreduce.framework.name=yarn` runs it on YARN ([`yarn`]): the
//! same binary becomes the MRAppMaster and the tasks in their containers;
//! `local` (the default) runs it in-process against the DFS, as Hadoop's
//! LocalJobRunner.
//!
//! The pieces a YARN task will reuse unchanged: input splits and record
//! readers ([`input`]), the map-side sort buffer with background spills and
//! the spill merge ([`map`]), the k-way merge into reduce() fed by a
//! [`reduce::ShuffleSource`] ([`reduce`]), and the output formats and
//! FileOutputCommitter ([`output`]).

pub mod api;
pub mod counters;
mod dfs_io;
pub mod distcp;
pub mod fs;
pub mod ids;
pub mod ifile;
pub mod input;
mod job;
pub mod map;
pub mod mapoutput;
pub mod merge;
pub mod output;
pub mod records;
pub mod reduce;
pub mod runner;
pub mod settings;
pub mod shuffle;
pub mod streaming;
mod task;
pub mod writable;
pub mod yarn;

pub use api::{
    CompareFn, HashPartitioner, IdentityReducer, KeyOrder, LongSumReducer, Mapper, Output,
    Partitioner, Reducer, TaskContext, TotalOrderPartitioner, Values,
};
pub use counters::Counters;
pub use fs::FileSystem;
pub use job::{InputFormat, Job, OutputFormat};
pub use runner::{JobFailure, JobReport, parse_command_line, run, submit};
pub use writable::{Encode, Writable};
pub use yarn::{in_container, job_file};

/// Why a task or job step failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A DFS or YARN call failed (message already Hadoop-shaped).
    #[error("{0}")]
    Dfs(#[from] common::RemoteException),
    /// Local disk I/O failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A spill, map output or input file is damaged.
    #[error("{0}")]
    Corrupt(String),
    /// Bytes did not decode as the job's key or value type.
    #[error("{0}")]
    Decode(String),
    /// A bad setting or job definition.
    #[error("{0}")]
    Config(String),
    /// A setting that does not parse, or a configuration file that does not
    /// load (the message names the key or file).
    #[error(transparent)]
    Conf(#[from] common::conf::ConfError),
    /// A task or attempt id that is not one.
    #[error(transparent)]
    Id(#[from] ids::IdParseError),
    /// A task attempt failed (user code panicked, or gave up).
    #[error("{0}")]
    Task(String),
}
