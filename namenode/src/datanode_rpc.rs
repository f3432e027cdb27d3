//! DatanodeProtocol over gRPC: DataNodes register, heartbeat, report. Thin.

use std::sync::Arc;

use common::ids::{DatanodeUuid, GenerationStamp};
use common::required::Required;
use common::{ExceptionKind, RemoteException};
use proto::hdfs as pb;
use proto::hdfs::datanode_protocol_server::DatanodeProtocol;
use tonic::{Request, Response, Status};

use crate::blockmanager::{DatanodeAddress, DatanodeCommand, ReportedReplica, StorageReport};
use crate::namespace::Block;
use crate::namesystem::Namesystem;
use crate::rpc::{block_proto, datanode_proto, uuids};

/// The DatanodeProtocol service of one NameNode.
pub struct DatanodeRpc {
    namesystem: Arc<Namesystem>,
}

impl DatanodeRpc {
    pub fn new(namesystem: Arc<Namesystem>) -> Self {
        Self { namesystem }
    }
}

/// The required block field of a DataNode's request.
fn block(block: Option<pb::Block>) -> Result<Block, RemoteException> {
    Ok(crate::rpc::block(&block.required("block")?))
}

fn port(value: u32) -> Result<u16, Status> {
    u16::try_from(value)
        .map_err(|_| Status::invalid_argument(format!("port {value} is out of range")))
}

fn command_proto(command: DatanodeCommand) -> pb::DatanodeCommand {
    use pb::datanode_command::Command;
    let command = match command {
        DatanodeCommand::Transfer { block, targets } => Command::Transfer(pb::TransferCommand {
            block: Some(block_proto(block)),
            targets: targets.iter().map(datanode_proto).collect(),
        }),
        DatanodeCommand::Recover {
            block,
            recovery_id,
            new_length,
            replicas,
        } => Command::Recover(pb::RecoverBlockCommand {
            block: Some(block_proto(block)),
            new_generation_stamp: recovery_id.0,
            new_length,
            replicas: replicas.iter().map(datanode_proto).collect(),
        }),
        DatanodeCommand::Invalidate(blocks) => Command::Invalidate(pb::InvalidateCommand {
            blocks: blocks.into_iter().map(block_proto).collect(),
        }),
        DatanodeCommand::Reregister => Command::Reregister(true),
    };
    pb::DatanodeCommand {
        command: Some(command),
    }
}

#[tonic::async_trait]
impl DatanodeProtocol for DatanodeRpc {
    async fn register_datanode(
        &self,
        request: Request<pb::RegisterDatanodeRequest>,
    ) -> Result<Response<pb::RegisterDatanodeResponse>, Status> {
        let request = request.into_inner();
        let storage = request.storage;
        let registration = request.registration.required("registration")?;
        let info = self.namesystem.storage_info();
        if !registration.cluster_id.is_empty() && registration.cluster_id != info.cluster_id {
            let message = format!(
                "Incompatible clusterIDs: namenode clusterID = {}; datanode clusterID = {}",
                info.cluster_id, registration.cluster_id
            );
            return Err(RemoteException::new(ExceptionKind::Io, message).into());
        }
        if registration.datanode_uuid.is_empty() || registration.host.is_empty() {
            return Err(RemoteException::illegal_argument(
                "registration needs a datanode uuid and a host",
            )
            .into());
        }
        let address = DatanodeAddress {
            uuid: DatanodeUuid::from(registration.datanode_uuid),
            host: registration.host,
            xfer_port: port(registration.xfer_port)?,
            ipc_port: port(registration.ipc_port)?,
            http_port: port(registration.http_port)?,
        };
        // A topology script may run: keep it off the async workers.
        let namesystem = self.namesystem.clone();
        let rack = tokio::task::spawn_blocking(move || {
            let uuid = address.uuid.clone();
            let rack = namesystem.blocks().register(address);
            if let Some(storage) = storage {
                namesystem.blocks().report_storage(
                    &uuid,
                    StorageReport {
                        capacity: storage.capacity,
                        dfs_used: storage.dfs_used,
                        remaining: storage.remaining,
                        failed_volumes: storage.failed_volumes,
                    },
                );
            }
            rack
        })
        .await
        .map_err(|error| Status::internal(format!("registration failed: {error}")))?;
        Ok(Response::new(pb::RegisterDatanodeResponse {
            cluster_id: info.cluster_id.clone(),
            block_pool_id: info.block_pool_id.clone(),
            rack,
        }))
    }

    async fn send_heartbeat(
        &self,
        request: Request<pb::HeartbeatRequest>,
    ) -> Result<Response<pb::HeartbeatResponse>, Status> {
        let heartbeat = request.into_inner();
        let storage = heartbeat.storage.required("storage")?;
        let commands = self.namesystem.blocks().heartbeat(
            &DatanodeUuid::from(heartbeat.datanode_uuid),
            StorageReport {
                capacity: storage.capacity,
                dfs_used: storage.dfs_used,
                remaining: storage.remaining,
                failed_volumes: storage.failed_volumes,
            },
            heartbeat.xceiver_count,
        );
        // As Hadoop's NNHAStatusHeartbeat: the state and txid under which the
        // commands were issued, so a DataNode ignores a stale active.
        let ha_status = self
            .namesystem
            .ha_status()
            .map(|(state, txid)| pb::NnhaStatusHeartbeat {
                state: state.to_proto().into(),
                txid,
            });
        Ok(Response::new(pb::HeartbeatResponse {
            commands: commands.into_iter().map(command_proto).collect(),
            ha_status,
        }))
    }

    async fn block_report(
        &self,
        request: Request<pb::BlockReportRequest>,
    ) -> Result<Response<pb::BlockReportResponse>, Status> {
        let report = request.into_inner();
        let replicas = report
            .replicas
            .into_iter()
            .map(|replica| {
                let finalized = replica.state() == pb::ReplicaState::Finalized;
                Ok(ReportedReplica {
                    block: block(replica.block)?,
                    finalized,
                })
            })
            .collect::<Result<Vec<_>, RemoteException>>()?;
        // Millions of replicas take a while: off the async workers, which
        // keep serving clients meanwhile.
        let namesystem = self.namesystem.clone();
        tokio::task::spawn_blocking(move || {
            namesystem
                .blocks()
                .block_report(&DatanodeUuid::from(report.datanode_uuid), &replicas)?;
            namesystem.check_safe_mode();
            Ok::<_, RemoteException>(())
        })
        .await
        .map_err(|error| Status::internal(format!("block report failed: {error}")))??;
        Ok(Response::new(pb::BlockReportResponse {
            commands: Vec::new(),
        }))
    }

    async fn block_received_and_deleted(
        &self,
        request: Request<pb::BlockReceivedAndDeletedRequest>,
    ) -> Result<Response<pb::BlockReceivedAndDeletedResponse>, Status> {
        let report = request.into_inner();
        let uuid = DatanodeUuid::from(report.datanode_uuid);
        for item in report.blocks {
            let status = item.status();
            let reported = block(item.block)?;
            match status {
                pb::ReceivedDeletedStatus::Received => self
                    .namesystem
                    .blocks()
                    .block_received(&uuid, reported, true)?,
                pb::ReceivedDeletedStatus::Deleted => self
                    .namesystem
                    .blocks()
                    .block_received(&uuid, reported, false)?,
                pb::ReceivedDeletedStatus::Receiving | pb::ReceivedDeletedStatus::Unspecified => {}
            }
        }
        Ok(Response::new(pb::BlockReceivedAndDeletedResponse {}))
    }

    async fn report_bad_blocks(
        &self,
        request: Request<pb::ReportBadBlocksRequest>,
    ) -> Result<Response<pb::ReportBadBlocksResponse>, Status> {
        for bad in request.into_inner().blocks {
            self.namesystem.blocks().report_bad_block(
                &DatanodeUuid::from(bad.datanode_uuid),
                block(bad.block)?,
                &bad.reason,
            )?;
        }
        Ok(Response::new(pb::ReportBadBlocksResponse {}))
    }

    async fn commit_block_synchronization(
        &self,
        request: Request<pb::CommitBlockSynchronizationRequest>,
    ) -> Result<Response<pb::CommitBlockSynchronizationResponse>, Status> {
        let request = request.into_inner();
        let old = block(request.block)?;
        let recovered = Block {
            generation_stamp: GenerationStamp(request.new_generation_stamp),
            num_bytes: if request.delete_block {
                0
            } else {
                request.new_length
            },
            ..old
        };
        self.namesystem
            .commit_block_synchronization(recovered, &uuids(request.new_target_uuids))
            .await?;
        Ok(Response::new(pb::CommitBlockSynchronizationResponse {}))
    }
}
