//! The auxiliary-service hook: services that run inside the NodeManager
//! (MapReduce's shuffle handler is one), started when named in
//! `yarn.nodemanager.aux-services`, told when applications start and end,
//! and whose metadata (a port, say) AMs get back from startContainers.
//! Whoever builds a NodeManager hands it the services it may run; the
//! NodeManager knows none of them.

use std::path::PathBuf;
use std::sync::Arc;

use common::Configuration;
use common::yarn::ApplicationId;

/// What a service learns about its NodeManager when it starts.
#[derive(Clone, Debug)]
pub struct AuxServiceContext {
    pub conf: Configuration,
    /// `yarn.nodemanager.local-dirs`: where containers' files live.
    pub local_dirs: Vec<PathBuf>,
    /// The host the NodeManager advertises.
    pub host: String,
}

/// Why a service did not start: its own error, whatever its type.
pub type AuxServiceError = Box<dyn std::error::Error + Send + Sync>;

/// A service running inside the NodeManager.
pub trait AuxiliaryService: Send + Sync {
    /// The name it is configured by (`mapreduce_shuffle`).
    fn name(&self) -> &str;

    /// Starts the service (inside the NodeManager's tokio runtime) and
    /// returns the metadata handed to every AM that starts a container here.
    fn start(&self, context: &AuxServiceContext) -> Result<Vec<u8>, AuxServiceError>;

    /// A container of a new application is about to start on this node.
    fn initialize_application(&self, _application: ApplicationId, _user: &str) {}

    /// An application ended; its files are about to be removed.
    fn stop_application(&self, _application: ApplicationId) {}

    /// The NodeManager is stopping.
    fn stop(&self) {}
}

/// The services a NodeManager was built with.
pub type AuxServices = Vec<Arc<dyn AuxiliaryService>>;
