//! Administration calls (`hdfs dfsadmin`): safe mode, the DataNode report,
//! cluster totals, saving the namespace, rolling edits, refreshing nodes, quotas.

use proto::hdfs as pb;

use super::DfsClient;
use crate::Result;
use crate::status::{FsStats, QuotaUsage};

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

    /// `dfsadmin -setQuota` and friends (superuser only): Hadoop's values, -1 clears a
    /// quota and `i64::MAX` (`QUOTA_DONT_SET`) keeps it.
    pub async fn set_quota(
        &self,
        path: &str,
        namespace_quota: i64,
        space_quota: i64,
        storage_type: Option<&str>,
    ) -> Result<()> {
        let request = pb::SetQuotaRequest {
            path: path.to_string(),
            namespace_quota,
            space_quota,
            storage_type: storage_type.map(str::to_string),
        };
        call!(self, set_quota, request)?;
        Ok(())
    }

    /// A directory's usage as its quotas count it (`getQuotaUsage`).
    pub async fn quota_usage(&self, path: &str) -> Result<QuotaUsage> {
        let request = pb::GetQuotaUsageRequest {
            path: path.to_string(),
        };
        let response = call!(self, get_quota_usage, request)?;
        let usage = response.usage.unwrap_or_default();
        Ok(QuotaUsage {
            file_and_directory_count: usage.file_and_directory_count,
            quota: usage.quota,
            space_consumed: usage.space_consumed,
            space_quota: usage.space_quota,
        })
    }
}
