//! MapReduce: jobs written as Rust binaries, run on YARN.
//!
//! Filled by the MapReduce issue; the crate exists so the workspace has its final shape.
