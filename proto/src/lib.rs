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

/// Hadoop's own wire messages, for Hadoop's clients: its IPC and
/// DataTransferProtocol, beside Tusk's gRPC and data transfer.
pub mod hadoop {
    /// hadoop-common's messages: tokens, and the IPC headers and connection
    /// context of Hadoop's RPC.
    pub mod common {
        tonic::include_proto!("hadoop.common");
    }
    /// HDFS's messages (ClientNamenodeProtocol, DataTransferProtocol).
    pub mod hdfs {
        tonic::include_proto!("hadoop.hdfs");
    }
}

/// Metadata key carrying the Hadoop exception class of a failed call.
pub const EXCEPTION_METADATA: &str = "x-tusk-exception";
/// Metadata key carrying the caller's user name (simple authentication).
pub const USER_METADATA: &str = "x-tusk-user";
/// Metadata key carrying the calling client's id (16 bytes, hex), for the
/// NameNode's retry cache (Hadoop's RpcRequestHeader clientId).
pub const CLIENT_ID_METADATA: &str = "x-tusk-client-id";
/// Metadata key carrying the call's id within its client, for the retry
/// cache: a retried call carries the same id (Hadoop's callId).
pub const CALL_ID_METADATA: &str = "x-tusk-call-id";
