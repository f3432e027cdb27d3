//! Foundations shared by every Tusk crate: Hadoop XML configuration, the error
//! type that crosses the wire, path and permission rules, users, logging, metrics and
//! the HTTP endpoints every daemon serves.

pub mod conf;
pub mod cpu;
pub mod crc;
pub mod datatransfer;
pub mod durable;
pub mod error;
pub mod exit_code;
pub mod faults;
pub mod http;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod net;
pub mod os;
pub mod path;
pub mod permission;
pub mod required;
pub mod rest;
pub mod time;
pub mod units;
pub mod user;
pub mod webhdfs;
pub mod webui;
pub mod yarn;

pub use conf::Configuration;
pub use error::{ExceptionKind, RemoteException};
pub use permission::FsPermission;
pub mod topology;
