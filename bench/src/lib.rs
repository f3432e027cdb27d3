//! Benchmarks: release-mode binaries that print figures beside a baseline
//! measured on the same machine in the same run (`BENCHMARKS.md` has the
//! latest). `nnbench` measures the NameNode, `dfsio` the data path,
//! `yarnbench` YARN and `mrbench` MapReduce; this library holds what they
//! share and `nnbench` itself, which `hdfs nnbench` also runs.

pub mod corpus;
pub mod floor;
pub mod http;
pub mod nnbench;
pub mod timings;

/// A multi-threaded tokio runtime for a benchmark's clients and daemons.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("creating the tokio runtime")
}
