//! NodeManager: runs containers as real OS processes and serves map outputs.
//!
//! Filled by the YARN issue; the crate exists so the workspace has its final shape.
