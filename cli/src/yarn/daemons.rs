//! `yarn resourcemanager` and `yarn nodemanager`: run a daemon in the
//! foreground until Ctrl-C or SIGTERM.

use common::Configuration;
use nodemanager::{NodeManager, NodeManagerConfig};
use resourcemanager::{ResourceManager, ResourceManagerConfig};

/// Runs `yarn resourcemanager` and returns the exit code.
pub fn resourcemanager(conf: &Configuration, args: &[String]) -> i32 {
    if let Some(option) = args.first() {
        eprintln!("resourcemanager: unknown option {option}\nUsage: yarn resourcemanager");
        return crate::EXIT_USAGE;
    }
    let config = match ResourceManagerConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("resourcemanager: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    common::logging::init("info");
    crate::launcher::runtime().block_on(async move {
        let rm = match ResourceManager::start(config).await {
            Ok(rm) => rm,
            Err(error) => {
                eprintln!("resourcemanager: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        crate::namenode_cmd::wait_for_termination().await;
        rm.stop().await;
        0
    })
}

/// Runs `yarn nodemanager` and returns the exit code.
pub fn nodemanager(conf: &Configuration, args: &[String]) -> i32 {
    if let Some(option) = args.first() {
        eprintln!("nodemanager: unknown option {option}\nUsage: yarn nodemanager");
        return crate::EXIT_USAGE;
    }
    let config = match NodeManagerConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("nodemanager: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    common::logging::init("info");
    crate::launcher::runtime().block_on(async move {
        let nm = match NodeManager::start(config, Vec::new()).await {
            Ok(nm) => nm,
            Err(error) => {
                eprintln!("nodemanager: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        crate::namenode_cmd::wait_for_termination().await;
        nm.stop().await;
        0
    })
}
