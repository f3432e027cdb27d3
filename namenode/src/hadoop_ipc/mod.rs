//! Hadoop IPC on the NameNode's RPC port, beside gRPC: RPC version 9 with the
//! protobuf engine, serving ClientNamenodeProtocol
//! (`org.apache.hadoop.hdfs.protocol.ClientProtocol`), so unmodified Hadoop
//! clients (Java's DFSClient, the `hdfs-native` crate, Go's colinmarc/hdfs)
//! work against `hdfs://nn:port`.
//!
//! An adapter like the gRPC layer: a call is decoded, turned into the Tusk
//! request the gRPC path builds (the caller, the retry-cache ids), run by the
//! same [`ClientRpc`] methods (HA checks, safe mode, retry cache and
//! permissions apply identically), and its answer or failure encoded back.
//!
//! - `port`: the RPC listener's accept loop; a connection opening with `hrpc`
//!   is served here, any other (HTTP/2's preface) is handed to tonic.
//! - `framing`: the connection header, length-prefixed frames, answers.
//! - `connection`: one client connection: its context, its calls run
//!   concurrently (a bounded number at a time), answers in completion order.
//! - `errors`: the one table of Java exception classes and IPC error codes.
//! - `dispatch`: method name -> handler, and the calls Tusk refuses.
//! - `namespace_calls`, `write_calls`, `admin_calls`: the handlers;
//!   `feature_calls`: those of features Tusk lacks (ACLs, extended
//!   attributes, storage policies, erasure coding, encryption zones,
//!   snapshots), answered as a namespace without them.
//! - `convert`: Tusk's messages to Hadoop's and back.

mod admin_calls;
mod connection;
mod convert;
mod dispatch;
mod errors;
mod feature_calls;
mod framing;
mod namespace_calls;
mod port;
mod write_calls;

use std::sync::Arc;

use common::Configuration;
use common::conf::{ConfError, keys};
use common::metrics::RpcMetrics;
use common::net::ConnectionLimits;

use crate::namesystem::Namesystem;
use crate::rpc::ClientRpc;

pub(crate) use port::share_rpc_port;

/// The protocol served: ClientNamenodeProtocol's Java interface.
const CLIENT_PROTOCOL: &str = "org.apache.hadoop.hdfs.protocol.ClientProtocol";
/// The version of ClientNamenodeProtocolPB clients declare.
const CLIENT_PROTOCOL_VERSION: u64 = 1;

/// The Hadoop IPC settings of the NameNode.
#[derive(Clone, Debug)]
pub struct IpcConfig {
    /// `ipc.maximum.data.length`: the largest request frame accepted.
    pub max_data_length: usize,
    /// `dfs.client-write-packet-size`, as getServerDefaults reports it.
    pub write_packet_size: u32,
    /// `io.file.buffer.size`, as getServerDefaults reports it.
    pub file_buffer_size: u32,
    /// The port's connection cap and silence timeout (both protocols).
    pub limits: ConnectionLimits,
}

impl IpcConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let max_data_length = conf.get_u32(keys::IPC_MAXIMUM_DATA_LENGTH)?;
        if max_data_length == 0 || max_data_length > i32::MAX as u32 {
            return Err(ConfError::Invalid {
                key: keys::IPC_MAXIMUM_DATA_LENGTH.into(),
                value: max_data_length.to_string(),
                expected: "a length between 1 and 2147483647 bytes".into(),
            });
        }
        Ok(Self {
            max_data_length: max_data_length as usize,
            write_packet_size: conf.get_u32(keys::DFS_CLIENT_WRITE_PACKET_SIZE)?,
            file_buffer_size: conf.get_u32(keys::IO_FILE_BUFFER_SIZE)?,
            limits: ConnectionLimits::from_conf(conf)?,
        })
    }
}

/// What the handlers of every connection share.
pub(crate) struct IpcServer {
    client: Arc<ClientRpc>,
    namesystem: Arc<Namesystem>,
    config: IpcConfig,
    /// The RPC port's metrics, which count these calls beside gRPC's.
    metrics: Arc<RpcMetrics>,
}

impl IpcServer {
    pub(crate) fn new(
        client: Arc<ClientRpc>,
        namesystem: Arc<Namesystem>,
        config: IpcConfig,
        metrics: Arc<RpcMetrics>,
    ) -> Arc<Self> {
        Arc::new(Self {
            client,
            namesystem,
            config,
            metrics,
        })
    }
}
