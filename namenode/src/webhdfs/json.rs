//! The JSON shapes of Hadoop's WebHDFS answers (`JsonUtil`), field for
//! field: clients parse these names.

use serde_json::{Value, json};

use crate::blockmanager::{BlockStats, DatanodeLocation};
use crate::namespace::{ContentSummary, INodeStatus, QuotaUsage};
use crate::namesystem::{LocatedBlock, NamesystemConfig};

/// Hadoop's `DataChecksum.Type.CRC32C.id`.
const CHECKSUM_TYPE_CRC32C: u8 = 2;
/// Hadoop's default storage policy (HOT).
const DEFAULT_STORAGE_POLICY_ID: u8 = 7;
/// The bytes of one write packet (`dfs.client-write-packet-size`).
const WRITE_PACKET_SIZE: usize = common::datatransfer::MAX_PACKET_DATA;
/// `io.file.buffer.size`'s default, which Hadoop reports.
const FILE_BUFFER_SIZE: u32 = 4096;

/// One FileStatus object; `pathSuffix` is the entry's name in a listing,
/// empty for the path itself.
pub(super) fn file_status(status: &INodeStatus) -> Value {
    let kind = if status.is_directory {
        "DIRECTORY"
    } else {
        "FILE"
    };
    json!({
        "accessTime": status.atime,
        "blockSize": status.block_size,
        "childrenNum": status.children_num,
        "fileId": status.id,
        "group": status.group,
        "length": status.length,
        "modificationTime": status.mtime,
        "owner": status.owner,
        "pathSuffix": String::from_utf8_lossy(&status.name),
        "permission": format!("{:o}", status.permission.bits()),
        "replication": status.replication,
        "storagePolicy": 0,
        "type": kind,
    })
}

/// `{"FileStatuses":{"FileStatus":[...]}}`
pub(super) fn file_statuses(entries: &[INodeStatus]) -> Value {
    let statuses: Vec<Value> = entries.iter().map(file_status).collect();
    json!({ "FileStatuses": { "FileStatus": statuses } })
}

/// An unset quota is -1, as Hadoop reports it.
pub(super) fn content_summary(summary: &ContentSummary) -> Value {
    json!({
        "ContentSummary": {
            "directoryCount": summary.directory_count,
            "ecPolicy": "",
            "fileCount": summary.file_count,
            "length": summary.length,
            "quota": summary.quota,
            "spaceConsumed": summary.space_consumed,
            "spaceQuota": summary.space_quota,
            "typeQuota": {},
        }
    })
}

pub(super) fn quota_usage(usage: &QuotaUsage) -> Value {
    json!({
        "QuotaUsage": {
            "fileAndDirectoryCount": usage.file_and_directory_count,
            "quota": usage.quota,
            "spaceConsumed": usage.space_consumed,
            "spaceQuota": usage.space_quota,
            "typeQuota": {},
        }
    })
}

/// `ip:xferPort`, Hadoop's `DatanodeInfo#getXferAddr`.
fn xfer_address(location: &DatanodeLocation) -> String {
    format!("{}:{}", location.address.host, location.address.xfer_port)
}

/// `{"BlockLocations":{"BlockLocation":[...]}}`, FileSystem#getFileBlockLocations.
pub(super) fn block_locations(blocks: &[LocatedBlock]) -> Value {
    let mut located = Vec::with_capacity(blocks.len());
    for block in blocks {
        let nodes = &block.locations.locations;
        let hosts: Vec<&str> = nodes.iter().map(|n| n.address.host.as_str()).collect();
        let names: Vec<String> = nodes.iter().map(xfer_address).collect();
        let topology: Vec<String> = nodes
            .iter()
            .map(|node| format!("{}/{}", node.rack, xfer_address(node)))
            .collect();
        let storage_types = vec!["DISK"; nodes.len()];
        located.push(json!({
            "cachedHosts": [],
            "corrupt": block.locations.corrupt,
            "hosts": hosts,
            "length": block.block.num_bytes,
            "names": names,
            "offset": block.offset,
            "storageTypes": storage_types,
            "topologyPaths": topology,
        }));
    }
    json!({ "BlockLocations": { "BlockLocation": located } })
}

pub(super) fn server_defaults(config: &NamesystemConfig) -> Value {
    json!({
        "FsServerDefaults": {
            "blockSize": config.default_block_size,
            "bytesPerChecksum": config.bytes_per_checksum,
            "checksumType": CHECKSUM_TYPE_CRC32C,
            "defaultStoragePolicyId": DEFAULT_STORAGE_POLICY_ID,
            "encryptDataTransfer": false,
            "fileBufferSize": FILE_BUFFER_SIZE,
            "keyProviderUri": "",
            "replication": config.default_replication,
            "trashInterval": config.trash_interval.as_secs() / 60,
            "writePacketSize": WRITE_PACKET_SIZE,
        }
    })
}

pub(super) fn fs_status(stats: &BlockStats) -> Value {
    json!({
        "FsStatus": {
            "capacity": stats.capacity,
            "remaining": stats.remaining,
            "used": stats.used,
        }
    })
}
