//! Client-side views of what the NameNode reports.

use common::FsPermission;
use proto::hdfs as pb;

/// What the NameNode knows of one file or directory (Hadoop's FileStatus).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStatus {
    /// Absolute path of the entry.
    pub path: String,
    pub is_dir: bool,
    pub length: u64,
    pub permission: FsPermission,
    pub owner: String,
    pub group: String,
    /// Milliseconds since the epoch.
    pub modification_time: i64,
    pub access_time: i64,
    /// 0 for directories.
    pub replication: u16,
    /// 0 for directories.
    pub block_size: u64,
    pub file_id: u64,
    /// Number of entries, for a directory.
    pub children_num: u32,
    pub under_construction: bool,
}

impl FileStatus {
    pub(crate) fn from_proto(path: String, status: pb::FileStatus) -> Self {
        Self {
            path,
            is_dir: status.file_type() == pb::FileType::Directory,
            length: status.length,
            permission: FsPermission::new(status.permission as u16),
            owner: status.owner,
            group: status.group,
            modification_time: status.modification_time,
            access_time: status.access_time,
            replication: status.replication as u16,
            block_size: status.block_size,
            file_id: status.file_id,
            children_num: status.children_num,
            under_construction: status.under_construction,
        }
    }

    /// The last component of the path.
    pub fn name(&self) -> &str {
        common::path::basename(&self.path)
    }
}

/// Sizes and counts below a path (Hadoop's ContentSummary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContentSummary {
    pub length: u64,
    pub file_count: u64,
    pub directory_count: u64,
    /// Name quota; -1 when none is set.
    pub quota: i64,
    /// Bytes with every replica counted.
    pub space_consumed: u64,
    /// Space quota; -1 when none is set.
    pub space_quota: i64,
}

/// A directory's usage as its quotas count it (Hadoop's QuotaUsage); -1: no quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaUsage {
    pub file_and_directory_count: i64,
    pub quota: i64,
    pub space_consumed: i64,
    pub space_quota: i64,
}

impl From<pb::ContentSummary> for ContentSummary {
    fn from(summary: pb::ContentSummary) -> Self {
        Self {
            length: summary.length,
            file_count: summary.file_count,
            directory_count: summary.directory_count,
            quota: summary.quota,
            space_consumed: summary.space_consumed,
            space_quota: summary.space_quota,
        }
    }
}

/// Cluster-wide capacity and block health (`hdfs dfs -df`, `dfsadmin -report`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FsStats {
    pub capacity: u64,
    pub used: u64,
    pub remaining: u64,
    pub under_replicated: u64,
    pub corrupt_blocks: u64,
    pub missing_blocks: u64,
    pub files_total: u64,
    pub blocks_total: u64,
}

impl From<pb::GetFsStatsResponse> for FsStats {
    fn from(stats: pb::GetFsStatsResponse) -> Self {
        Self {
            capacity: stats.capacity,
            used: stats.used,
            remaining: stats.remaining,
            under_replicated: stats.under_replicated,
            corrupt_blocks: stats.corrupt_blocks,
            missing_blocks: stats.missing_blocks,
            files_total: stats.files_total,
            blocks_total: stats.blocks_total,
        }
    }
}

/// The NameNode's defaults for new files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerDefaults {
    pub block_size: u64,
    pub bytes_per_checksum: u32,
    pub replication: u16,
    pub trash_interval_minutes: u64,
    pub block_pool_id: String,
}
