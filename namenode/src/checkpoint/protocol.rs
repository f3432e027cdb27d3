//! NamenodeProtocol over gRPC: what a SecondaryNameNode asks while it takes a
//! checkpoint. Thin: decode, call [`Checkpoints`], encode.

use std::sync::Arc;

use common::RemoteException;
use proto::hdfs as pb;
use proto::hdfs::namenode_protocol_server::NamenodeProtocol;
use tonic::{Request, Response, Status};

use super::Checkpoints;

/// The NamenodeProtocol service of one NameNode.
pub struct NamenodeRpc {
    checkpoints: Arc<Checkpoints>,
}

impl NamenodeRpc {
    pub fn new(checkpoints: Arc<Checkpoints>) -> Self {
        Self { checkpoints }
    }
}

fn user<T>(request: &Request<T>) -> String {
    request
        .metadata()
        .get(proto::USER_METADATA)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tonic::async_trait]
impl NamenodeProtocol for NamenodeRpc {
    async fn get_transaction_id(
        &self,
        _request: Request<pb::GetTransactionIdRequest>,
    ) -> Result<Response<pb::GetTransactionIdResponse>, Status> {
        let most_recent_checkpoint_txid = self.checkpoints.blocking_newest_image().await?;
        Ok(Response::new(pb::GetTransactionIdResponse {
            txid: self.checkpoints.namesystem().last_txid(),
            most_recent_checkpoint_txid,
        }))
    }

    async fn roll_edit_log(
        &self,
        request: Request<pb::RollEditLogRequest>,
    ) -> Result<Response<pb::RollEditLogResponse>, Status> {
        let signature = self.checkpoints.roll(&user(&request)).await?;
        Ok(Response::new(pb::RollEditLogResponse {
            signature: Some(pb::CheckpointSignature {
                namespace_id: signature.info.namespace_id,
                cluster_id: signature.info.cluster_id,
                block_pool_id: signature.info.block_pool_id,
                ctime: signature.info.ctime,
                most_recent_checkpoint_txid: signature.most_recent_checkpoint_txid,
                cur_segment_txid: signature.cur_segment_txid,
            }),
        }))
    }

    async fn get_edit_log_manifest(
        &self,
        request: Request<pb::GetEditLogManifestRequest>,
    ) -> Result<Response<pb::GetEditLogManifestResponse>, Status> {
        let since_txid = request.into_inner().since_txid;
        let checkpoints = self.checkpoints.clone();
        let segments = tokio::task::spawn_blocking(move || checkpoints.manifest(since_txid))
            .await
            .map_err(|error| RemoteException::io(error.to_string()))?
            .map_err(|error| RemoteException::io(error.to_string()))?;
        Ok(Response::new(pb::GetEditLogManifestResponse {
            logs: segments
                .into_iter()
                .map(|(start_txid, end_txid)| pb::RemoteEditLog {
                    start_txid,
                    end_txid,
                })
                .collect(),
        }))
    }
}
