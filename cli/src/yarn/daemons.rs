//! `yarn resourcemanager` and `yarn nodemanager`: run a daemon in the
//! foreground until Ctrl-C or SIGTERM.

use std::sync::Arc;

use common::Configuration;
use mapreduce::mapoutput::SHUFFLE_SERVICE_NAME;
use mapreduce::shuffle::ShuffleHandler;
use nodemanager::{AuxServices, NodeManager, NodeManagerConfig};
use resourcemanager::{ResourceManager, ResourceManagerConfig};

/// Runs `yarn resourcemanager` and returns the exit code.
pub fn resourcemanager(conf: &Configuration, args: &[String]) -> i32 {
    crate::launcher::run_daemon(
        "resourcemanager",
        "yarn resourcemanager",
        args,
        async || Ok(ResourceManager::start(ResourceManagerConfig::from_conf(conf)?).await?),
        async |rm: ResourceManager| rm.stop().await,
    )
}

/// Runs `yarn nodemanager` and returns the exit code.
pub fn nodemanager(conf: &Configuration, args: &[String]) -> i32 {
    crate::launcher::run_daemon(
        "nodemanager",
        "yarn nodemanager",
        args,
        async || {
            let config = NodeManagerConfig::from_conf(conf)?;
            let aux_services = aux_services(&config.aux_services)?;
            Ok(NodeManager::start(config, aux_services).await?)
        },
        async |nm: NodeManager| nm.stop().await,
    )
}

/// The auxiliary services named in `yarn.nodemanager.aux-services`.
fn aux_services(names: &[String]) -> Result<AuxServices, String> {
    let mut services: AuxServices = Vec::new();
    for name in names {
        if name != SHUFFLE_SERVICE_NAME {
            return Err(format!(
                "yarn.nodemanager.aux-services: unknown auxiliary service '{name}' \
                 (this NodeManager has {SHUFFLE_SERVICE_NAME})"
            ));
        }
        services.push(Arc::new(ShuffleHandler::new()));
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aux_services_are_the_named_ones() {
        assert!(aux_services(&[]).unwrap().is_empty());
        let services = aux_services(&[SHUFFLE_SERVICE_NAME.to_string()]).unwrap();
        let names: Vec<&str> = services.iter().map(|service| service.name()).collect();
        assert_eq!(names, [SHUFFLE_SERVICE_NAME]);
        let error = aux_services(&[
            SHUFFLE_SERVICE_NAME.to_string(),
            "spark_shuffle".to_string(),
        ])
        .err()
        .unwrap();
        assert!(
            error.contains("unknown auxiliary service 'spark_shuffle'"),
            "{error}"
        );
    }
}
