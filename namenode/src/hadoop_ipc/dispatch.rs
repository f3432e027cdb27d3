//! A call's way through: its protocol and version checked, its method
//! looked up, its request decoded, its handler run, its answer encoded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use common::user::CallerContext;
use proto::hadoop::common::RequestHeaderProto;
use proto::hadoop::common::rpc_response_header_proto::RpcErrorCodeProto;
use tonic::metadata::MetadataValue;
use tonic::transport::server::TcpConnectInfo;
use tracing::debug;

use super::connection::ConnectionContext;
use super::errors::RpcFailure;
use super::framing::{answer_frame, answer_header};
use super::{CLIENT_PROTOCOL, CLIENT_PROTOCOL_VERSION, IpcServer};

/// One call, as its handler sees it.
pub(super) struct Call {
    pub context: Arc<ConnectionContext>,
    pub peer: SocketAddr,
    pub local: Option<SocketAddr>,
    /// Hadoop's clientId: 16 bytes naming the client (its retry-cache key).
    pub client_id: Vec<u8>,
    pub call_id: i32,
    pub retry_count: i32,
    /// What the client said of the call (the header's `callerContext`).
    pub caller_context: Option<CallerContext>,
}

impl Call {
    /// `message` as the gRPC path would receive it: the caller's user and
    /// the retry-cache ids in the metadata, the peer's address.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        if let Some(user) = &self.context.user {
            metadata.insert(proto::USER_METADATA, user.clone());
        }
        if self.client_id.len() == 16 && self.call_id >= 0 {
            let hex: String = self
                .client_id
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            if let Ok(client_id) = MetadataValue::try_from(hex) {
                metadata.insert(proto::CLIENT_ID_METADATA, client_id);
                metadata.insert(proto::CALL_ID_METADATA, self.call_id.into());
            }
        }
        request.extensions_mut().insert(TcpConnectInfo {
            local_addr: self.local,
            remote_addr: Some(self.peer),
        });
        if let Some(context) = &self.caller_context {
            request.extensions_mut().insert(context.clone());
        }
        request
    }
}

/// Runs `call` and returns its answer frame.
pub(super) async fn answer(
    server: &IpcServer,
    call: &Call,
    header: &RequestHeaderProto,
    body: Bytes,
) -> Vec<u8> {
    let started = Instant::now();
    let timer = server.metrics.start_call();
    let outcome = run(server, call, header, body).await;
    timer.finish(metric_name(&header.method_name, &outcome).as_deref());
    let (failure, response) = match &outcome {
        Ok(response) => (None, response.as_slice()),
        Err(failure) => (Some(failure), &[][..]),
    };
    let mut answer = answer_header(call.call_id, failure);
    answer.client_id = Some(call.client_id.clone());
    answer.retry_count = Some(call.retry_count);
    answer.state_id = Some(server.namesystem.last_txid() as i64);
    debug!(
        method = %header.method_name,
        user = ?call.context.user,
        peer = %call.peer,
        elapsed = ?started.elapsed(),
        exception = failure.map(|failure| failure.class.as_str()),
        "Hadoop IPC call"
    );
    answer_frame(&answer, response)
}

/// The name a call is counted under: its method's, capitalized as the gRPC
/// methods are (`GetFileInfo`); none for an unknown method or protocol.
fn metric_name(method: &str, outcome: &Result<Vec<u8>, RpcFailure>) -> Option<String> {
    if let Err(failure) = outcome
        && matches!(
            failure.code,
            RpcErrorCodeProto::ErrorNoSuchMethod
                | RpcErrorCodeProto::ErrorNoSuchProtocol
                | RpcErrorCodeProto::ErrorRpcVersionMismatch
        )
    {
        return None;
    }
    let mut chars = method.chars();
    let first = chars.next()?;
    Some(first.to_ascii_uppercase().to_string() + chars.as_str())
}

async fn run(
    server: &IpcServer,
    call: &Call,
    header: &RequestHeaderProto,
    body: Bytes,
) -> Result<Vec<u8>, RpcFailure> {
    let protocol = header.declaring_class_protocol_name.as_str();
    if protocol != CLIENT_PROTOCOL {
        return Err(RpcFailure::no_such_protocol(protocol));
    }
    if header.client_protocol_version != CLIENT_PROTOCOL_VERSION {
        return Err(RpcFailure::protocol_version_mismatch(
            protocol,
            header.client_protocol_version,
            CLIENT_PROTOCOL_VERSION,
        ));
    }
    let connection_protocol = call.context.protocol.as_deref().unwrap_or(protocol);
    dispatch(server, call, &header.method_name, connection_protocol, body).await
}

/// Decodes the request of `$server.$handler`, runs it, encodes its response.
macro_rules! handle {
    ($server:ident . $handler:ident, $call:expr, $body:expr) => {{
        let request = prost::Message::decode_length_delimited($body)
            .map_err(|error| RpcFailure::undecodable_parameters(&error))?;
        let response = $server
            .$handler($call, request)
            .await
            .map_err(|status| RpcFailure::application(&status))?;
        Ok(prost::Message::encode_length_delimited_to_vec(&response))
    }};
}

async fn dispatch(
    server: &IpcServer,
    call: &Call,
    method: &str,
    protocol: &str,
    body: Bytes,
) -> Result<Vec<u8>, RpcFailure> {
    match method {
        // The namespace.
        "getFileInfo" => handle!(server.get_file_info, call, body),
        "getFileLinkInfo" => handle!(server.get_file_link_info, call, body),
        "getLocatedFileInfo" => handle!(server.get_located_file_info, call, body),
        "getListing" => handle!(server.get_listing, call, body),
        "getBlockLocations" => handle!(server.get_block_locations, call, body),
        "getContentSummary" => handle!(server.get_content_summary, call, body),
        "getQuotaUsage" => handle!(server.get_quota_usage, call, body),
        "getPreferredBlockSize" => handle!(server.get_preferred_block_size, call, body),
        "isFileClosed" => handle!(server.is_file_closed, call, body),
        "checkAccess" => handle!(server.check_access, call, body),
        "mkdirs" => handle!(server.mkdirs, call, body),
        "rename" => handle!(server.rename, call, body),
        "rename2" => handle!(server.rename2, call, body),
        "delete" => handle!(server.delete, call, body),
        "concat" => handle!(server.concat, call, body),
        "truncate" => handle!(server.truncate, call, body),
        "setPermission" => handle!(server.set_permission, call, body),
        "setOwner" => handle!(server.set_owner, call, body),
        "setReplication" => handle!(server.set_replication, call, body),
        "setTimes" => handle!(server.set_times, call, body),
        "setQuota" => handle!(server.set_quota, call, body),
        // Writing files.
        "create" => handle!(server.create, call, body),
        "append" => handle!(server.append, call, body),
        "addBlock" => handle!(server.add_block, call, body),
        "abandonBlock" => handle!(server.abandon_block, call, body),
        "getAdditionalDatanode" => handle!(server.get_additional_datanode, call, body),
        "complete" => handle!(server.complete, call, body),
        "fsync" => handle!(server.fsync, call, body),
        "updateBlockForPipeline" => handle!(server.update_block_for_pipeline, call, body),
        "updatePipeline" => handle!(server.update_pipeline, call, body),
        "reportBadBlocks" => handle!(server.report_bad_blocks, call, body),
        "renewLease" => handle!(server.renew_lease, call, body),
        "recoverLease" => handle!(server.recover_lease, call, body),
        // The file system, its DataNodes, the NameNode.
        "getServerDefaults" => handle!(server.get_server_defaults, call, body),
        "getDataEncryptionKey" => handle!(server.get_data_encryption_key, call, body),
        "getFsStats" => handle!(server.get_fs_stats, call, body),
        "getFsReplicatedBlockStats" => handle!(server.get_fs_replicated_block_stats, call, body),
        "getFsECBlockGroupStats" => handle!(server.get_fs_ec_block_group_stats, call, body),
        "getDatanodeReport" => handle!(server.get_datanode_report, call, body),
        "setSafeMode" => handle!(server.set_safe_mode, call, body),
        "saveNamespace" => handle!(server.save_namespace, call, body),
        "rollEdits" => handle!(server.roll_edits, call, body),
        "refreshNodes" => handle!(server.refresh_nodes, call, body),
        "msync" => handle!(server.msync, call, body),
        "getHAServiceState" => handle!(server.get_ha_service_state, call, body),
        // Features Tusk lacks, answered as a namespace without them.
        "getAclStatus" => handle!(server.get_acl_status, call, body),
        "getXAttrs" => handle!(server.get_xattrs, call, body),
        "listXAttrs" => handle!(server.list_xattrs, call, body),
        "getStoragePolicy" => handle!(server.get_storage_policy, call, body),
        "getStoragePolicies" => handle!(server.get_storage_policies, call, body),
        "getErasureCodingPolicy" => handle!(server.get_erasure_coding_policy, call, body),
        "getErasureCodingPolicies" => handle!(server.get_erasure_coding_policies, call, body),
        "getErasureCodingCodecs" => handle!(server.get_erasure_coding_codecs, call, body),
        "getEZForPath" => handle!(server.get_ez_for_path, call, body),
        "listEncryptionZones" => handle!(server.list_encryption_zones, call, body),
        "getSnapshottableDirListing" => {
            handle!(server.get_snapshottable_dir_listing, call, body)
        }
        method => match unsupported(method) {
            Some(why) => Err(RpcFailure::unsupported(method, why)),
            None => Err(RpcFailure::no_such_method(method, protocol)),
        },
    }
}

/// The ClientNamenodeProtocol methods Tusk refuses, with why: an
/// `UnsupportedOperationException` (unknown methods get
/// `RpcNoSuchMethodException`).
fn unsupported(method: &str) -> Option<&'static str> {
    const REFUSED: &[(&[&str], &str)] = &[
        (
            &["createSymlink", "getLinkTarget"],
            "there are no symbolic links",
        ),
        (
            &[
                "modifyAclEntries",
                "removeAclEntries",
                "removeDefaultAcl",
                "removeAcl",
                "setAcl",
            ],
            "there are no ACLs",
        ),
        (
            &["setXAttr", "removeXAttr"],
            "there are no extended attributes",
        ),
        (
            &[
                "setStoragePolicy",
                "unsetStoragePolicy",
                "satisfyStoragePolicy",
            ],
            "every file has the HOT storage policy",
        ),
        (
            &[
                "setErasureCodingPolicy",
                "unsetErasureCodingPolicy",
                "getECTopologyResultForPolicies",
                "addErasureCodingPolicies",
                "removeErasureCodingPolicy",
                "enableErasureCodingPolicy",
                "disableErasureCodingPolicy",
            ],
            "every file is replicated, none erasure-coded",
        ),
        (
            &[
                "createEncryptionZone",
                "reencryptEncryptionZone",
                "listReencryptionStatus",
            ],
            "there are no encryption zones",
        ),
        (
            &[
                "createSnapshot",
                "renameSnapshot",
                "allowSnapshot",
                "disallowSnapshot",
                "deleteSnapshot",
                "getSnapshotListing",
                "getSnapshotDiffReport",
                "getSnapshotDiffReportListing",
            ],
            "there are no snapshots",
        ),
        (
            &[
                "addCacheDirective",
                "modifyCacheDirective",
                "removeCacheDirective",
                "listCacheDirectives",
                "addCachePool",
                "modifyCachePool",
                "removeCachePool",
                "listCachePools",
            ],
            "there is no centralized cache",
        ),
        (
            &[
                "getDelegationToken",
                "renewDelegationToken",
                "cancelDelegationToken",
            ],
            "no delegation tokens are issued (simple authentication)",
        ),
        (
            &["getCurrentEditLogTxid", "getEditsFromTxid"],
            "there is no inotify",
        ),
        (
            &["finalizeUpgrade", "upgradeStatus", "rollingUpgrade"],
            "there are no upgrades",
        ),
        (
            &[
                "getBatchedListing",
                "getDatanodeStorageReport",
                "getSlowDatanodeReport",
                "listCorruptFileBlocks",
                "listOpenFiles",
                "metaSave",
                "restoreFailedStorage",
                "setBalancerBandwidth",
            ],
            "not implemented",
        ),
    ];
    REFUSED
        .iter()
        .find(|(methods, _)| methods.contains(&method))
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_methods_name_their_reason() {
        assert_eq!(unsupported("truncate"), None);
        assert_eq!(unsupported("setQuota"), None);
        assert_eq!(
            unsupported("createSymlink"),
            Some("there are no symbolic links")
        );
        assert_eq!(unsupported("setAcl"), Some("there are no ACLs"));
        assert_eq!(unsupported("getFileInfo"), None);
        assert_eq!(unsupported("frobnicate"), None);
    }
}
