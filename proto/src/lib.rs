//! Wire and storage messages of Tusk: every daemon talks only through these.

/// HDFS messages and the ClientProtocol service (client -> NameNode).
pub mod hdfs {
    tonic::include_proto!("tusk.hdfs");
}

/// The NameNode's on-disk records (edit log and fsimage).
pub mod namenode_storage {
    tonic::include_proto!("tusk.namenode_storage");
}

/// YARN records and services: ApplicationClientProtocol, ResourceTracker,
/// ApplicationMasterProtocol and ContainerManagement.
pub mod yarn {
    tonic::include_proto!("tusk.yarn");
}

/// The MRAppMaster's services: TaskUmbilicalProtocol (task -> AM) and
/// MRClientProtocol (job client -> AM).
pub mod mapreduce {
    tonic::include_proto!("tusk.mapreduce");
}

/// Metadata key carrying the Hadoop exception class of a failed call.
pub const EXCEPTION_METADATA: &str = "x-tusk-exception";
/// Metadata key carrying the caller's user name (simple authentication).
pub const USER_METADATA: &str = "x-tusk-user";
