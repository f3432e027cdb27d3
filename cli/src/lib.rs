//! The `hadoop`, `hdfs`, `yarn` and `mapred` command lines: daemon launchers and user
//! commands, with Hadoop's syntax, output and exit codes.

/// The value of a `Result`, or else, in a command's `run`: the error
/// printed on `err` after `prefix`, and `EXIT_FAILURE` returned.
macro_rules! or_exit {
    ($result:expr, $err:expr, $prefix:literal) => {
        match $result {
            Ok(value) => value,
            Err(error) => {
                let _ = writeln!($err, concat!($prefix, "{}"), error);
                return $crate::EXIT_FAILURE;
            }
        }
    };
}

pub mod daemon_mode;
pub mod datanode_cmd;
pub mod debug;
pub mod dfs;
pub mod dfsadmin;
pub mod fsck;
pub mod getconf;
pub mod haadmin;
pub mod hadoop;
pub mod journalnode_cmd;
pub mod launcher;
pub mod mapred;
pub mod namenode_cmd;
pub mod nnbench;
pub mod oev;
pub mod oiv;
pub mod secondarynamenode;
pub mod yarn;
pub mod zkfc_cmd;

pub use common::exit_code::{FAILURE as EXIT_FAILURE, USAGE as EXIT_USAGE};
