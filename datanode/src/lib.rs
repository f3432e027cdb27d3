//! The DataNode: stores checksummed block replicas on local volumes, serves
//! them over the data-transfer protocol, and keeps the NameNode informed
//! (registration, heartbeats, block reports) while carrying out its commands.

pub mod config;
pub mod digester;
pub mod namenode;
pub mod recovery;
pub mod scanner;
pub mod server;
pub mod storage;
pub mod web;
mod webhdfs;
pub mod xfer;

pub use config::DataNodeConfig;
pub use server::{DataNode, DataNodeError};
