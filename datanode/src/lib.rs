//! DataNode: stores checksummed block replicas and serves them over the data-transfer protocol.
//!
//! Filled by the DataNode issue; the crate exists so the workspace has its final shape.
