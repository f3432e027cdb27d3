//! The text of `dfsadmin -report` and `-printTopology` (Hadoop's `DFSAdmin.report`,
//! `DatanodeInfo.getDatanodeReport` and `DFSAdmin.printTopology`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use client::FsStats;
use proto::hdfs as pb;

use crate::dfs::format::{byte_desc, format_percent, java_date, percent_to_string};

/// The rack of DataNodes placed nowhere in particular, which the report leaves out.
const DEFAULT_RACK: &str = "/default-rack";
const SEPARATOR: &str = "-------------------------------------------------";

/// `<bytes> (<bytes in units>)`.
fn bytes(value: u64) -> String {
    format!("{value} ({})", byte_desc(value))
}

/// The cluster part of the report, up to and including the dashed line. Tusk has no erasure
/// coding: its block groups are all zero.
pub fn cluster_summary(stats: &FsStats, safe_mode: bool) -> String {
    let present = stats.used + stats.remaining;
    let used_fraction = if present == 0 {
        0.0
    } else {
        stats.used as f64 / present as f64
    };
    let mut out = String::new();
    if safe_mode {
        out.push_str("Safe mode is ON\n");
    }
    let _ = write!(
        out,
        "Configured Capacity: {}\nPresent Capacity: {}\nDFS Remaining: {}\nDFS Used: {}\n\
         DFS Used%: {}\nReplicated Blocks:\n\tUnder replicated blocks: {}\n\
         \tBlocks with corrupt replicas: {}\n\tMissing blocks: {}\n",
        bytes(stats.capacity),
        bytes(present),
        bytes(stats.remaining),
        bytes(stats.used),
        format_percent(used_fraction, 2),
        stats.under_replicated,
        stats.corrupt_blocks,
        stats.missing_blocks,
    );
    out.push_str(
        "Erasure Coded Block Groups: \n\tLow redundancy block groups: 0\n\
         \tBlock groups with corrupt internal blocks: 0\n\tMissing block groups: 0\n\
         \tPending deletion blocks: 0\n\n",
    );
    out.push_str(SEPARATOR);
    out.push('\n');
    out
}

/// `Live datanodes (2):`, a blank line, and each node's report followed by a blank line;
/// nothing for no nodes unless the section was asked for.
pub fn node_section(state: &str, nodes: &[pb::DatanodeReport], asked_for: bool) -> String {
    let mut out = String::new();
    if !nodes.is_empty() || asked_for {
        let _ = write!(out, "{state} datanodes ({}):\n\n", nodes.len());
    }
    for node in nodes {
        out.push_str(&datanode_report(node));
        out.push_str("\n\n");
    }
    out
}

/// `DatanodeInfo.getDatanodeReport`: one node, each line ending in a newline.
pub fn datanode_report(node: &pb::DatanodeReport) -> String {
    let info = node.info.clone().unwrap_or_default();
    let storage = node.storage.unwrap_or_default();
    let (capacity, used, remaining) = (storage.capacity, storage.dfs_used, storage.remaining);
    let non_dfs_used = capacity.saturating_sub(used.saturating_add(remaining));
    // Java computes these as floats.
    let (used_percent, remaining_percent) = if capacity == 0 {
        (100.0f32, 0.0f32)
    } else {
        (
            used as f32 * 100.0 / capacity as f32,
            remaining as f32 * 100.0 / capacity as f32,
        )
    };
    let mut out = format!(
        "Name: {}:{} ({})\nHostname: {}\n",
        info.host, info.xfer_port, info.host, info.host
    );
    if !info.rack.is_empty() && info.rack != DEFAULT_RACK {
        let _ = writeln!(out, "Rack: {}", info.rack);
    }
    let decommission_status = match node.admin_state() {
        pb::AdminState::Normal => "Normal",
        pb::AdminState::DecommissionInProgress => "Decommission in progress",
        pb::AdminState::Decommissioned => "Decommissioned",
    };
    let _ = write!(
        out,
        "Decommission Status : {decommission_status}\nConfigured Capacity: {}\nDFS Used: {}\n\
         Non DFS Used: {}\nDFS Remaining: {}\nDFS Used%: {}\nDFS Remaining%: {}\n\
         Configured Cache Capacity: 0 (0 B)\nCache Used: 0 (0 B)\nCache Remaining: 0 (0 B)\n\
         Cache Used%: 100.00%\nCache Remaining%: 0.00%\nXceivers: {}\nLast contact: {}\n\
         Num of Blocks: {}\n",
        bytes(capacity),
        bytes(used),
        bytes(non_dfs_used),
        bytes(remaining),
        percent_to_string(f64::from(used_percent)),
        percent_to_string(f64::from(remaining_percent)),
        node.xceiver_count,
        java_date(node.last_heartbeat_millis),
        node.num_blocks,
    );
    out
}

/// `-printTopology`: each rack (sorted) with its nodes (sorted), then a blank line.
pub fn topology(nodes: &[pb::DatanodeReport]) -> String {
    let mut racks: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for node in nodes {
        let info = node.info.clone().unwrap_or_default();
        let name = format!("{}:{}", info.host, info.xfer_port);
        racks
            .entry(info.rack)
            .or_default()
            .insert((name, info.host));
    }
    let mut out = String::new();
    for (rack, nodes) in racks {
        let _ = writeln!(out, "Rack: {rack}");
        for (name, host) in nodes {
            let _ = writeln!(out, "   {name} ({host})");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(
        host: &str,
        rack: &str,
        capacity: u64,
        used: u64,
        remaining: u64,
    ) -> pb::DatanodeReport {
        pb::DatanodeReport {
            info: Some(pb::DatanodeInfo {
                datanode_uuid: format!("uuid-{host}"),
                host: host.to_string(),
                xfer_port: 9866,
                rack: rack.to_string(),
                ..pb::DatanodeInfo::default()
            }),
            storage: Some(pb::StorageReport {
                capacity,
                dfs_used: used,
                remaining,
                failed_volumes: 0,
            }),
            live: true,
            xceiver_count: 2,
            num_blocks: 7,
            ..pb::DatanodeReport::default()
        }
    }

    #[test]
    fn summarizes_the_cluster() {
        let stats = FsStats {
            capacity: 4096,
            used: 1024,
            remaining: 2048,
            under_replicated: 1,
            corrupt_blocks: 2,
            missing_blocks: 3,
            ..FsStats::default()
        };
        assert_eq!(
            cluster_summary(&stats, false),
            "Configured Capacity: 4096 (4 KB)\nPresent Capacity: 3072 (3 KB)\n\
             DFS Remaining: 2048 (2 KB)\nDFS Used: 1024 (1 KB)\nDFS Used%: 33.33%\n\
             Replicated Blocks:\n\tUnder replicated blocks: 1\n\tBlocks with corrupt replicas: 2\n\
             \tMissing blocks: 3\nErasure Coded Block Groups: \n\tLow redundancy block groups: 0\n\
             \tBlock groups with corrupt internal blocks: 0\n\tMissing block groups: 0\n\
             \tPending deletion blocks: 0\n\n-------------------------------------------------\n"
        );
        let empty = cluster_summary(&FsStats::default(), true);
        assert!(empty.starts_with("Safe mode is ON\nConfigured Capacity: 0 (0 B)\n"));
        assert!(empty.contains("\nDFS Used%: 0.00%\n"));
    }

    #[test]
    fn reports_each_datanode() {
        let text = datanode_report(&node("dn1", "/default-rack", 3000, 1000, 1500));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name: dn1:9866 (dn1)");
        assert_eq!(lines[1], "Hostname: dn1");
        assert_eq!(lines[2], "Decommission Status : Normal");
        assert_eq!(lines[3], "Configured Capacity: 3000 (2.93 KB)");
        assert_eq!(lines[4], "DFS Used: 1000 (1000 B)");
        assert_eq!(lines[5], "Non DFS Used: 500 (500 B)");
        assert_eq!(lines[6], "DFS Remaining: 1500 (1.46 KB)");
        assert_eq!(lines[7], "DFS Used%: 33.33%");
        assert_eq!(lines[8], "DFS Remaining%: 50.00%");
        assert_eq!(lines[14], "Xceivers: 2");
        assert!(lines[15].starts_with("Last contact: "));
        assert_eq!(lines[16], "Num of Blocks: 7");
        assert!(text.ends_with("Num of Blocks: 7\n"));

        let mut leaving = node("dn2", "/r1", 0, 0, 0);
        leaving.admin_state = pb::AdminState::DecommissionInProgress.into();
        let text = datanode_report(&leaving);
        assert!(text.contains(
            "Hostname: dn2\nRack: /r1\nDecommission Status : Decommission in progress\n"
        ));
        assert!(text.contains("DFS Used%: 100.00%\nDFS Remaining%: 0.00%\n"));
    }

    #[test]
    fn lists_nodes_by_state() {
        let nodes = [node("a", "/r", 1, 0, 1)];
        let text = node_section("Live", &nodes, false);
        assert!(text.starts_with("Live datanodes (1):\n\nName: a:9866 (a)\n"));
        assert!(text.ends_with("Num of Blocks: 7\n\n\n"));
        assert_eq!(node_section("Dead", &[], false), "");
        assert_eq!(node_section("Dead", &[], true), "Dead datanodes (0):\n\n");
    }

    #[test]
    fn prints_the_topology_sorted() {
        let nodes = [
            node("b", "/r2", 0, 0, 0),
            node("c", "/r1", 0, 0, 0),
            node("a", "/r2", 0, 0, 0),
        ];
        assert_eq!(
            topology(&nodes),
            "Rack: /r1\n   c:9866 (c)\n\nRack: /r2\n   a:9866 (a)\n   b:9866 (b)\n\n"
        );
        assert_eq!(topology(&[]), "");
    }
}
