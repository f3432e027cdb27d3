//! NodeManager: runs containers as real OS processes for the ResourceManager
//! and ApplicationMasters, localizes their files from the DFS, watches their
//! memory, aggregates their logs, and hosts the auxiliary services it is
//! built with (MapReduce's shuffle handler is one).

pub mod aux_services;
pub mod config;
pub mod containers;
pub mod layout;
pub mod leftovers;
pub mod localizer;
pub mod logs;
pub mod monitor;
pub mod resources;
pub mod rest;
pub mod rpc;
pub mod server;
pub mod web;

pub use aux_services::{AuxServiceContext, AuxServiceError, AuxServices, AuxiliaryService};
pub use config::NodeManagerConfig;
pub use server::{NodeManager, NodeManagerError};
