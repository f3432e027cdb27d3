//! ResourceManager: grants containers on NodeManagers to applications.
//!
//! Three layers: the pure [`scheduler`] (capacity queues, locality), the
//! [`state`] machine of applications, attempts and nodes, and thin adapters
//! ([`rpc`], [`web`], [`rest`], the web [`proxy`]) around them; [`server`]
//! runs it all.

pub mod config;
pub mod proxy;
pub mod reports;
pub mod rest;
pub mod rpc;
pub mod scheduler;
pub mod server;
pub mod state;
pub mod web;

pub use config::ResourceManagerConfig;
pub use server::{ResourceManager, ResourceManagerError, RmAddresses};
