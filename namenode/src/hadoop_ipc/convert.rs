//! Tusk's messages as Hadoop's, and back: file statuses, blocks, their
//! locations, DataNodes.

use proto::hadoop::common::TokenProto;
use proto::hadoop::hdfs as hadoop;
use proto::hdfs as pb;

use hadoop::datanode_info_proto::AdminState;
use hadoop::hdfs_file_status_proto::FileType;

/// The storage policy every file has (Hadoop's default, id 7).
pub(super) const HOT_STORAGE_POLICY_ID: u32 = 7;

/// A file or directory status; `path` is its local name (empty for the path
/// asked about itself).
pub(super) fn file_status(status: pb::FileStatus) -> hadoop::HdfsFileStatusProto {
    let file_type = if status.file_type() == pb::FileType::Directory {
        FileType::IsDir
    } else {
        FileType::IsFile
    };
    hadoop::HdfsFileStatusProto {
        file_type: file_type as i32,
        path: status.name,
        length: status.length,
        permission: hadoop::FsPermissionProto {
            perm: status.permission,
        },
        owner: status.owner,
        group: status.group,
        modification_time: status.modification_time.max(0) as u64,
        access_time: status.access_time.max(0) as u64,
        symlink: None,
        block_replication: Some(status.replication),
        blocksize: Some(status.block_size),
        locations: None,
        file_id: Some(status.file_id),
        children_num: Some(i32::try_from(status.children_num).unwrap_or(i32::MAX)),
        // Unspecified: the file inherits the default (HOT).
        storage_policy: Some(0),
        flags: Some(0),
        namespace: None,
    }
}

/// Whether a status is a file's (not a directory's).
pub(super) fn is_file(status: &pb::FileStatus) -> bool {
    status.file_type() == pb::FileType::File
}

/// The path of a listing entry: its local name under `parent`, or `parent`
/// itself for the entry of a file listed on its own (no name).
pub(super) fn child_path(parent: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if name.is_empty() {
        return parent.to_string();
    }
    format!("{}/{name}", parent.trim_end_matches('/'))
}

/// A Tusk block as Hadoop's ExtendedBlockProto of block pool `pool`.
pub(super) fn extended_block(block: &pb::Block, pool: &str) -> hadoop::ExtendedBlockProto {
    hadoop::ExtendedBlockProto {
        pool_id: pool.to_string(),
        block_id: block.block_id,
        generation_stamp: block.generation_stamp,
        num_bytes: Some(block.num_bytes),
    }
}

/// A Hadoop block as Tusk's (the block pool is this NameNode's).
pub(super) fn block(block: &hadoop::ExtendedBlockProto) -> pb::Block {
    pb::Block {
        block_id: block.block_id,
        generation_stamp: block.generation_stamp,
        num_bytes: block.num_bytes.unwrap_or(0),
    }
}

/// The storage id Hadoop clients pass back for a DataNode's replica (Tusk's
/// DataNodes have one storage each).
pub(super) fn storage_id(datanode_uuid: &str) -> String {
    format!("DS-{datanode_uuid}")
}

pub(super) fn datanode_id(node: &pb::DatanodeInfo) -> hadoop::DatanodeIdProto {
    hadoop::DatanodeIdProto {
        // The host a DataNode registers is its IP unless it was given a
        // name (`dfs.datanode.hostname`); clients connect to either.
        ip_addr: node.host.clone(),
        host_name: node.host.clone(),
        datanode_uuid: node.datanode_uuid.clone(),
        xfer_port: node.xfer_port,
        info_port: node.http_port,
        ipc_port: node.ipc_port,
        info_secure_port: Some(0),
    }
}

pub(super) fn datanode_info(node: &pb::DatanodeInfo) -> hadoop::DatanodeInfoProto {
    hadoop::DatanodeInfoProto {
        id: datanode_id(node),
        location: Some(node.rack.clone()),
        admin_state: Some(AdminState::Normal as i32),
        ..Default::default()
    }
}

/// A DataNode with its figures, as `getDatanodeReport` gives it.
pub(super) fn datanode_report(report: pb::DatanodeReport) -> hadoop::DatanodeInfoProto {
    let storage = report.storage.unwrap_or_default();
    let admin_state = match report.admin_state() {
        pb::AdminState::Normal => AdminState::Normal,
        pb::AdminState::DecommissionInProgress => AdminState::DecommissionInprogress,
        pb::AdminState::Decommissioned => AdminState::Decommissioned,
    };
    let non_dfs_used = storage
        .capacity
        .saturating_sub(storage.dfs_used)
        .saturating_sub(storage.remaining);
    let info = report.info.unwrap_or_default();
    hadoop::DatanodeInfoProto {
        capacity: Some(storage.capacity),
        dfs_used: Some(storage.dfs_used),
        remaining: Some(storage.remaining),
        block_pool_used: Some(storage.dfs_used),
        last_update: Some(report.last_heartbeat_millis.max(0) as u64),
        xceiver_count: Some(report.xceiver_count),
        non_dfs_used: Some(non_dfs_used),
        admin_state: Some(admin_state as i32),
        num_blocks: Some(u32::try_from(report.num_blocks).unwrap_or(u32::MAX)),
        ..datanode_info(&info)
    }
}

/// A block with where its replicas are, nearest first; `blockToken` empty
/// (Tusk issues no block tokens).
pub(super) fn located_block(located: pb::LocatedBlock, pool: &str) -> hadoop::LocatedBlockProto {
    let block = located.block.unwrap_or_default();
    let storage_ids = located
        .locations
        .iter()
        .map(|node| storage_id(&node.datanode_uuid))
        .collect();
    let storage_types = vec![hadoop::StorageTypeProto::Disk as i32; located.locations.len()];
    hadoop::LocatedBlockProto {
        b: extended_block(&block, pool),
        offset: located.offset,
        locs: located.locations.iter().map(datanode_info).collect(),
        corrupt: located.corrupt,
        block_token: empty_token(),
        is_cached: Vec::new(),
        storage_types,
        storage_i_ds: storage_ids,
    }
}

/// A file's blocks in a range, and its last block.
pub(super) fn located_blocks(
    range: pb::GetBlockLocationsResponse,
    last: Option<pb::LocatedBlock>,
    pool: &str,
) -> hadoop::LocatedBlocksProto {
    hadoop::LocatedBlocksProto {
        file_length: range.file_length,
        blocks: range
            .blocks
            .into_iter()
            .map(|block| located_block(block, pool))
            .collect(),
        under_construction: range.under_construction,
        last_block: last.map(|block| located_block(block, pool)),
        is_last_block_complete: !range.under_construction,
    }
}

pub(super) fn empty_token() -> TokenProto {
    TokenProto {
        identifier: Vec::new(),
        password: Vec::new(),
        kind: String::new(),
        service: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_located_block_names_a_storage_per_location() {
        let node = |uuid: &str| pb::DatanodeInfo {
            datanode_uuid: uuid.to_string(),
            host: "127.0.0.2".to_string(),
            xfer_port: 9866,
            ipc_port: 9867,
            http_port: 9864,
            rack: "/default-rack".to_string(),
        };
        let located = located_block(
            pb::LocatedBlock {
                block: Some(pb::Block {
                    block_id: 1073741825,
                    generation_stamp: 1001,
                    num_bytes: 42,
                }),
                offset: 0,
                locations: vec![node("a"), node("b")],
                corrupt: false,
            },
            "BP-1-127.0.0.1-1",
        );
        assert_eq!(located.b.pool_id, "BP-1-127.0.0.1-1");
        assert_eq!(located.b.num_bytes, Some(42));
        assert_eq!(located.storage_i_ds, ["DS-a", "DS-b"]);
        assert_eq!(located.storage_types.len(), 2);
        assert_eq!(located.locs[1].id.xfer_port, 9866);
        assert_eq!(located.locs[1].id.ip_addr, "127.0.0.2");
        assert_eq!(located.locs[1].location.as_deref(), Some("/default-rack"));
    }

    #[test]
    fn listing_entries_are_named_under_their_parent() {
        assert_eq!(child_path("/a", b"b"), "/a/b");
        assert_eq!(child_path("/", b"b"), "/b");
        assert_eq!(child_path("/a/", b"b"), "/a/b");
        assert_eq!(child_path("/a/file", b""), "/a/file");
    }
}
