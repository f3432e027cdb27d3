//! ClientNamenodeProtocol's calls about the file system as a whole, its
//! DataNodes and the NameNode itself.

use proto::hadoop::common::HaServiceStateProto;
use proto::hadoop::hdfs as hadoop;
use proto::hdfs as pb;
use proto::hdfs::client_protocol_server::ClientProtocol;
use tonic::Status;

use super::IpcServer;
use super::convert::{self, HOT_STORAGE_POLICY_ID};
use super::dispatch::Call;
use crate::ha::{HaState, OperationCategory};

type CallResult<T> = Result<T, Status>;

impl IpcServer {
    pub(super) async fn get_server_defaults(
        &self,
        call: &Call,
        _r: hadoop::GetServerDefaultsRequestProto,
    ) -> CallResult<hadoop::GetServerDefaultsResponseProto> {
        let request = call.request(pb::GetServerDefaultsRequest {});
        let defaults = self.client.get_server_defaults(request).await?.into_inner();
        Ok(hadoop::GetServerDefaultsResponseProto {
            server_defaults: hadoop::FsServerDefaultsProto {
                block_size: defaults.block_size,
                bytes_per_checksum: defaults.bytes_per_checksum,
                write_packet_size: self.config.write_packet_size,
                replication: defaults.replication,
                file_buffer_size: self.config.file_buffer_size,
                encrypt_data_transfer: Some(false),
                trash_interval: Some(defaults.trash_interval_minutes),
                // Tusk's DataNodes checksum every chunk with CRC32C.
                checksum_type: Some(hadoop::ChecksumTypeProto::ChecksumCrc32c as i32),
                key_provider_uri: None,
                policy_id: Some(HOT_STORAGE_POLICY_ID),
                snapshot_trash_root_enabled: Some(false),
            },
        })
    }

    /// No key: data transfer is not encrypted.
    pub(super) async fn get_data_encryption_key(
        &self,
        _call: &Call,
        _r: hadoop::GetDataEncryptionKeyRequestProto,
    ) -> CallResult<hadoop::GetDataEncryptionKeyResponseProto> {
        self.namesystem.check_operation(OperationCategory::Read)?;
        Ok(hadoop::GetDataEncryptionKeyResponseProto {})
    }

    async fn fs_stats(&self, call: &Call) -> CallResult<pb::GetFsStatsResponse> {
        let request = call.request(pb::GetFsStatsRequest {});
        Ok(self.client.get_fs_stats(request).await?.into_inner())
    }

    pub(super) async fn get_fs_stats(
        &self,
        call: &Call,
        _r: hadoop::GetFsStatusRequestProto,
    ) -> CallResult<hadoop::GetFsStatsResponseProto> {
        let stats = self.fs_stats(call).await?;
        Ok(hadoop::GetFsStatsResponseProto {
            capacity: stats.capacity,
            used: stats.used,
            remaining: stats.remaining,
            under_replicated: stats.under_replicated,
            corrupt_blocks: stats.corrupt_blocks,
            missing_blocks: stats.missing_blocks,
            missing_repl_one_blocks: Some(0),
            blocks_in_future: Some(0),
            pending_deletion_blocks: Some(0),
        })
    }

    pub(super) async fn get_fs_replicated_block_stats(
        &self,
        call: &Call,
        _r: hadoop::GetFsReplicatedBlockStatsRequestProto,
    ) -> CallResult<hadoop::GetFsReplicatedBlockStatsResponseProto> {
        let stats = self.fs_stats(call).await?;
        Ok(hadoop::GetFsReplicatedBlockStatsResponseProto {
            low_redundancy: stats.under_replicated,
            corrupt_blocks: stats.corrupt_blocks,
            missing_blocks: stats.missing_blocks,
            missing_repl_one_blocks: 0,
            blocks_in_future: 0,
            pending_deletion_blocks: 0,
            highest_prio_low_redundancy_blocks: None,
        })
    }

    /// No block groups: every file is replicated.
    pub(super) async fn get_fs_ec_block_group_stats(
        &self,
        call: &Call,
        _r: hadoop::GetFsEcBlockGroupStatsRequestProto,
    ) -> CallResult<hadoop::GetFsEcBlockGroupStatsResponseProto> {
        self.fs_stats(call).await?;
        Ok(hadoop::GetFsEcBlockGroupStatsResponseProto::default())
    }

    pub(super) async fn get_datanode_report(
        &self,
        call: &Call,
        r: hadoop::GetDatanodeReportRequestProto,
    ) -> CallResult<hadoop::GetDatanodeReportResponseProto> {
        use hadoop::DatanodeReportTypeProto as Hadoop;
        let kind = match r.r#type() {
            Hadoop::All => pb::DatanodeReportType::All,
            Hadoop::Live => pb::DatanodeReportType::Live,
            Hadoop::Dead => pb::DatanodeReportType::Dead,
            Hadoop::Decommissioning => pb::DatanodeReportType::Decommissioning,
            // There is no maintenance state.
            Hadoop::EnteringMaintenance | Hadoop::InMaintenance => {
                return Ok(hadoop::GetDatanodeReportResponseProto { di: Vec::new() });
            }
        };
        let request = call.request(pb::GetDatanodeReportRequest {
            r#type: kind.into(),
        });
        let reports = self.client.get_datanode_report(request).await?.into_inner();
        Ok(hadoop::GetDatanodeReportResponseProto {
            di: reports
                .reports
                .into_iter()
                .map(convert::datanode_report)
                .collect(),
        })
    }

    pub(super) async fn set_safe_mode(
        &self,
        call: &Call,
        r: hadoop::SetSafeModeRequestProto,
    ) -> CallResult<hadoop::SetSafeModeResponseProto> {
        use hadoop::SafeModeActionProto as Hadoop;
        let action = match r.action() {
            Hadoop::SafemodeLeave | Hadoop::SafemodeForceExit => pb::SafeModeAction::Leave,
            Hadoop::SafemodeEnter => pb::SafeModeAction::Enter,
            Hadoop::SafemodeGet => pb::SafeModeAction::Get,
        };
        let request = call.request(pb::SetSafeModeRequest {
            action: action.into(),
        });
        let result = self
            .client
            .set_safe_mode(request)
            .await?
            .into_inner()
            .result;
        Ok(hadoop::SetSafeModeResponseProto { result })
    }

    pub(super) async fn save_namespace(
        &self,
        call: &Call,
        _r: hadoop::SaveNamespaceRequestProto,
    ) -> CallResult<hadoop::SaveNamespaceResponseProto> {
        let request = call.request(pb::SaveNamespaceRequest {});
        self.client.save_namespace(request).await?;
        Ok(hadoop::SaveNamespaceResponseProto { saved: Some(true) })
    }

    pub(super) async fn roll_edits(
        &self,
        call: &Call,
        _r: hadoop::RollEditsRequestProto,
    ) -> CallResult<hadoop::RollEditsResponseProto> {
        let request = call.request(pb::RollEditsRequest {});
        let rolled = self.client.roll_edits(request).await?.into_inner();
        Ok(hadoop::RollEditsResponseProto {
            new_segment_tx_id: rolled.new_segment_txid,
        })
    }

    pub(super) async fn refresh_nodes(
        &self,
        call: &Call,
        _r: hadoop::RefreshNodesRequestProto,
    ) -> CallResult<hadoop::RefreshNodesResponseProto> {
        self.client
            .refresh_nodes(call.request(pb::RefreshNodesRequest {}))
            .await?;
        Ok(hadoop::RefreshNodesResponseProto {})
    }

    /// The active NameNode is always up to date (there are no observers);
    /// a standby refuses, so the client turns to the active.
    pub(super) async fn msync(
        &self,
        _call: &Call,
        _r: hadoop::MsyncRequestProto,
    ) -> CallResult<hadoop::MsyncResponseProto> {
        self.namesystem.check_operation(OperationCategory::Write)?;
        Ok(hadoop::MsyncResponseProto {})
    }

    pub(super) async fn get_ha_service_state(
        &self,
        _call: &Call,
        _r: hadoop::HaServiceStateRequestProto,
    ) -> CallResult<hadoop::HaServiceStateResponseProto> {
        let state = match self.namesystem.ha_state() {
            HaState::Active => HaServiceStateProto::Active,
            HaState::Standby => HaServiceStateProto::Standby,
        };
        Ok(hadoop::HaServiceStateResponseProto {
            state: state as i32,
        })
    }
}
