//! Administration calls (`hdfs dfsadmin`): safe mode, the DataNode report,
//! cluster totals, saving the namespace, rolling edits, refreshing nodes.

use proto::hdfs as pb;

use super::DfsClient;
use crate::Result;
use crate::status::FsStats;

/// What `hdfs dfsadmin -safemode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeModeAction {
    Get,
    Enter,
    Leave,
}

impl DfsClient {
    /// Cluster capacity and block health totals (`-df`, `dfsadmin -report`).
    pub async fn fs_stats(&self) -> Result<FsStats> {
        let response = call!(self, get_fs_stats, pb::GetFsStatsRequest {})?;
        Ok(response.into())
    }

    /// DataNodes as the NameNode sees them (`dfsadmin -report`).
    pub async fn datanode_report(
        &self,
        kind: pb::DatanodeReportType,
    ) -> Result<Vec<pb::DatanodeReport>> {
        let request = pb::GetDatanodeReportRequest {
            r#type: kind.into(),
        };
        let response = call!(self, get_datanode_report, request)?;
        Ok(response.reports)
    }

    /// Enters, leaves or queries safe mode; returns whether it is on.
    pub async fn set_safe_mode(&self, action: SafeModeAction) -> Result<bool> {
        let action = match action {
            SafeModeAction::Get => pb::SafeModeAction::Get,
            SafeModeAction::Enter => pb::SafeModeAction::Enter,
            SafeModeAction::Leave => pb::SafeModeAction::Leave,
        };
        let request = pb::SetSafeModeRequest {
            action: action.into(),
        };
        let response = call!(self, set_safe_mode, request)?;
        Ok(response.result)
    }

    /// Writes a new fsimage (the NameNode must be in safe mode); returns its txid.
    pub async fn save_namespace(&self) -> Result<u64> {
        let response = call!(self, save_namespace, pb::SaveNamespaceRequest {})?;
        Ok(response.txid)
    }

    /// Finalizes the current edit segment; returns the first txid of the new one.
    pub async fn roll_edits(&self) -> Result<u64> {
        let response = call!(self, roll_edits, pb::RollEditsRequest {})?;
        Ok(response.new_segment_txid)
    }

    /// `dfsadmin -refreshNodes`: the NameNode rereads `dfs.hosts.exclude`.
    pub async fn refresh_nodes(&self) -> Result<()> {
        call!(self, refresh_nodes, pb::RefreshNodesRequest {})?;
        Ok(())
    }
}
