//! The file systems the shell's paths live on: the client crate's `hdfs://` and
//! `webhdfs://` file systems, shared with DistCp.

pub use client::fs::{FileSystem, Reader, Writer};
