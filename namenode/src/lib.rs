//! The NameNode: the namespace in memory, made durable by an fsimage and an
//! edit log, served to clients over gRPC (ClientProtocol) and HTTP.
//!
//! Layers: [`namespace`] is the pure domain (inode tree, checks, records);
//! [`editlog`], [`fsimage`], [`storage`] and [`namesystem`] own state and
//! I/O; [`rpc`] and [`web`] are thin adapters; [`server`] runs it all.

pub mod blockmanager;
pub mod checkpoint;
pub mod config;
pub mod datanode_rpc;
pub mod editlog;
pub mod fsimage;
pub mod lease;
pub mod lease_recovery;
pub mod namespace;
pub mod namesystem;
pub mod rpc;
pub mod safemode;
pub mod secondary;
pub mod server;
pub mod storage;
pub mod trash_emptier;
pub mod web;

pub use config::NameNodeConfig;
pub use placement::additional_racks_required;
pub use server::{NameNode, NameNodeError};
pub mod placement;
