//! The checks and the text of `hdfs fsck` (Hadoop's `NamenodeFsck`): per-file lines, block
//! reports and the summary, computed from what the NameNode says of each file's blocks.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::dfs::format::java_float;

/// A DataNode's admin state, as it counts replicas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdminState {
    #[default]
    Normal,
    Decommissioning,
    Decommissioned,
}

/// Where one replica of a block is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replica {
    /// `host:xfer_port`.
    pub name: String,
    /// The storage holding it (Tusk has one per DataNode: its UUID).
    pub storage_id: String,
    pub rack: String,
    pub admin_state: AdminState,
}

/// One block of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub id: u64,
    pub generation_stamp: u64,
    pub length: u64,
    /// Every replica is corrupt (the locations are the corrupt replicas).
    pub corrupt: bool,
    pub replicas: Vec<Replica>,
}

/// A file with its blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub length: u64,
    pub replication: u16,
    pub under_construction: bool,
    pub blocks: Vec<Block>,
}

/// What `-files`, `-blocks`, `-locations` and `-racks` ask to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Show {
    pub files: bool,
    pub blocks: bool,
    pub locations: bool,
    pub racks: bool,
}

/// What fsck knows of the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    /// The block pool, when the client can tell (`BP-...`).
    pub block_pool: Option<String>,
    pub live_datanodes: usize,
    pub racks: usize,
    /// `dfs.replication`.
    pub default_replication: u16,
    /// `dfs.namenode.replication.min`.
    pub min_replication: u16,
}

impl Cluster {
    /// `BP-1:blk_<id>_<gs>` (Hadoop's `ExtendedBlock.toString`), without the pool when unknown.
    pub fn block_name(&self, block: &Block) -> String {
        let local = format!("blk_{}_{}", block.id, block.generation_stamp);
        match &self.block_pool {
            Some(pool) => format!("{pool}:{local}"),
            None => local,
        }
    }
}

/// Hadoop's `NamenodeFsck.Result` for replicated blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub total_dirs: u64,
    pub total_files: u64,
    pub total_size: u64,
    pub total_blocks: u64,
    pub open_files: u64,
    pub open_files_size: u64,
    pub open_files_blocks: u64,
    pub missing_blocks: Vec<String>,
    pub missing_size: u64,
    pub corrupt_files: u64,
    pub corrupt_blocks: u64,
    pub corrupt_size: u64,
    pub excess_replicas: u64,
    pub missing_replicas: u64,
    pub decommissioned_replicas: u64,
    pub decommissioning_replicas: u64,
    pub under_min_replicated: u64,
    pub over_replicated: u64,
    pub under_replicated: u64,
    pub mis_replicated: u64,
    pub min_replicated: u64,
    pub expected_replicas: u64,
    pub total_replicas: u64,
}

impl Totals {
    /// Healthy when no block is missing or corrupt.
    pub fn is_healthy(&self) -> bool {
        self.missing_blocks.is_empty() && self.corrupt_blocks == 0
    }
}

/// The racks a block's replicas still miss under the default placement policy (Hadoop's
/// `BlockPlacementPolicyDefault.verifyBlockPlacement`), by the NameNode's own rule.
pub fn missing_racks(replicas: &[Replica], replication: u16, cluster_racks: usize) -> usize {
    let racks: BTreeSet<&str> = replicas
        .iter()
        .map(|replica| replica.rack.as_str())
        .collect();
    namenode::additional_racks_required(racks.len(), usize::from(replication), cluster_racks)
}

/// `<path> <dir>`, shown for a directory with `-files`.
pub fn directory_line(path: &str) -> String {
    format!("{path} <dir>\n")
}

/// Checks `file`, adds it to `totals` and returns what fsck prints for it (Hadoop's
/// `collectFileSummary` and `collectBlocksSummary`). A file being written is only counted.
pub fn check_file(file: &File, show: Show, cluster: &Cluster, totals: &mut Totals) -> String {
    let block_count = file.blocks.len() as u64;
    if file.under_construction {
        totals.open_files += 1;
        totals.open_files_size += file.length;
        totals.open_files_blocks += block_count;
        return String::new();
    }
    totals.total_files += 1;
    totals.total_size += file.length;
    totals.total_blocks += block_count;
    let path = &file.path;
    let mut out = String::new();
    if show.files {
        let _ = write!(
            out,
            "{path} {} bytes, replicated: replication={}, {block_count} block(s): ",
            file.length, file.replication
        );
    }
    let (mut missing, mut missing_size, mut corrupt, mut corrupt_size) = (0u64, 0u64, 0u64, 0u64);
    let (mut under_replicated, mut mis_replicated) = (0u64, 0u64);
    let mut report = String::new();
    for (number, block) in file.blocks.iter().enumerate() {
        let name = cluster.block_name(block);
        let count = |state| {
            block
                .replicas
                .iter()
                .filter(|replica| replica.admin_state == state)
                .count() as u64
        };
        let (live, decommissioned, decommissioning) = if block.corrupt {
            (0, 0, 0)
        } else {
            (
                count(AdminState::Normal),
                count(AdminState::Decommissioned),
                count(AdminState::Decommissioning),
            )
        };
        totals.decommissioned_replicas += decommissioned;
        totals.decommissioning_replicas += decommissioning;
        let replicas = live + decommissioned + decommissioning;
        totals.total_replicas += replicas;
        let is_missing = replicas == 0;
        let target = u64::from(file.replication);
        totals.expected_replicas += target;
        if replicas < u64::from(cluster.min_replication) {
            totals.under_min_replicated += 1;
        }
        if live > target {
            totals.excess_replicas += live - target;
            totals.over_replicated += 1;
        }
        if block.corrupt {
            totals.corrupt_blocks += 1;
            totals.corrupt_size += block.length;
            corrupt += 1;
            corrupt_size += block.length;
            let pool = match &cluster.block_pool {
                Some(pool) => format!("blockpool {pool} "),
                None => String::new(),
            };
            let _ = write!(out, "\n{path}: CORRUPT {pool}block blk_{}\n", block.id);
        }
        if replicas >= u64::from(cluster.min_replication) {
            totals.min_replicated += 1;
        }
        if replicas < target && !is_missing {
            totals.missing_replicas += target - replicas;
            totals.under_replicated += 1;
            under_replicated += 1;
            if !show.files {
                let _ = write!(out, "\n{path}: ");
            }
            let _ = writeln!(
                out,
                " Under replicated {name}. Target Replicas is {target} but found {live} live \
                 replica(s), {decommissioned} decommissioned replica(s), {decommissioning} \
                 decommissioning replica(s)."
            );
        }
        let racks_short = missing_racks(&block.replicas, file.replication, cluster.racks);
        if racks_short > 0 {
            totals.mis_replicated += 1;
            mis_replicated += 1;
            if !show.files {
                if under_replicated == 0 {
                    out.push('\n');
                }
                let _ = write!(out, "{path}: ");
            }
            let _ = writeln!(
                out,
                " Replica placement policy is violated for {name}. Block should be additionally \
                 replicated on {racks_short} more rack(s). Total number of racks in the cluster: {}",
                cluster.racks
            );
        }
        let _ = write!(report, "{number}. {name} len={}", block.length);
        if is_missing && !block.corrupt {
            report.push_str(" MISSING!");
            totals.missing_blocks.push(name);
            totals.missing_size += block.length;
            missing += 1;
            missing_size += block.length;
        } else {
            let _ = write!(report, " Live_repl={live}");
            report.push_str(&replica_info(&block.replicas, show));
        }
        report.push('\n');
    }
    if missing > 0 || corrupt > 0 {
        totals.corrupt_files += 1;
        if !show.files {
            if missing > 0 {
                let _ = write!(
                    out,
                    "\n{path}: MISSING {missing} blocks of total size {missing_size} B."
                );
            }
            if corrupt > 0 {
                let _ = write!(
                    out,
                    "\n{path}: CORRUPT {corrupt} blocks of total size {corrupt_size} B."
                );
            }
        }
    }
    if show.files {
        if missing > 0 {
            let _ = writeln!(
                out,
                " MISSING {missing} blocks of total size {missing_size} B"
            );
        }
        if corrupt > 0 {
            let _ = writeln!(
                out,
                " CORRUPT {corrupt} blocks of total size {corrupt_size} B"
            );
        }
        if missing == 0 && corrupt == 0 && under_replicated == 0 && mis_replicated == 0 {
            out.push_str(" OK\n");
        }
        if show.blocks {
            out.push_str(&report);
            out.push('\n');
        }
    }
    out
}

/// ` [DatanodeInfoWithStorage[host:port,storage,DISK], ...]` with `-locations`, ` [/rack/host:port,
/// ...]` with `-racks`, nothing otherwise.
fn replica_info(replicas: &[Replica], show: Show) -> String {
    if !show.locations && !show.racks {
        return String::new();
    }
    let shown: Vec<String> = replicas
        .iter()
        .map(|replica| {
            if show.racks {
                format!("{}/{}", replica.rack, replica.name)
            } else {
                format!(
                    "DatanodeInfoWithStorage[{},{},DISK]",
                    replica.name, replica.storage_id
                )
            }
        })
        .collect();
    format!(" [{}]", shown.join(", "))
}

/// ` (12.5 %)`: `count` as a share of the validated blocks, printed as Java prints a float.
fn share(count: u64, total_blocks: u64) -> String {
    if total_blocks == 0 {
        return String::new();
    }
    format!(
        " ({} %)",
        java_float((count * 100) as f32 / total_blocks as f32)
    )
}

/// Everything after the per-file lines up to the end time: status, cluster, the replicated
/// blocks' totals and the (empty: Tusk only replicates) erasure-coded ones.
pub fn summary(totals: &Totals, cluster: &Cluster) -> String {
    let status = if totals.is_healthy() {
        "HEALTHY"
    } else {
        "CORRUPT"
    };
    let mut out = format!(
        "\nStatus: {status}\n Number of data-nodes:\t{}\n Number of racks:\t\t{}\n Total dirs:\t\t\t{}\n \
         Total symlinks:\t\t0\n\nReplicated Blocks:\n",
        cluster.live_datanodes, cluster.racks, totals.total_dirs
    );
    out.push_str(&replicated_totals(totals, cluster));
    out.push_str("\n\nErasure Coded Block Groups:\n");
    out.push_str(EMPTY_ERASURE_CODED_TOTALS);
    out.push('\n');
    out
}

const EMPTY_ERASURE_CODED_TOTALS: &str = " Total size:\t0 B\n Total files:\t0\n \
Total block groups (validated):\t0\n Minimally erasure-coded block groups:\t0\n \
Over-erasure-coded block groups:\t0\n Under-erasure-coded block groups:\t0\n \
Unsatisfactory placement block groups:\t0\n Average block group size:\t0.0\n \
Missing block groups:\t\t0\n Corrupt block groups:\t\t0\n Missing internal blocks:\t0";

/// Hadoop's `ReplicationResult.toString`.
fn replicated_totals(totals: &Totals, cluster: &Cluster) -> String {
    let blocks = totals.total_blocks;
    let mut out = format!(" Total size:\t{} B", totals.total_size);
    if totals.open_files_size != 0 {
        let _ = write!(
            out,
            " (Total open files size: {} B)",
            totals.open_files_size
        );
    }
    let _ = write!(out, "\n Total files:\t{}", totals.total_files);
    if totals.open_files != 0 {
        let _ = write!(
            out,
            " (Files currently being written: {})",
            totals.open_files
        );
    }
    let _ = write!(out, "\n Total blocks (validated):\t{blocks}");
    if let Some(average) = totals.total_size.checked_div(blocks) {
        let _ = write!(out, " (avg. block size {average} B)");
    }
    if totals.open_files_blocks != 0 {
        let _ = write!(
            out,
            " (Total open file blocks (not validated): {})",
            totals.open_files_blocks
        );
    }
    if totals.corrupt_files > 0 || totals.under_min_replicated > 0 {
        out.push_str("\n  ********************************");
        if totals.under_min_replicated > 0 {
            let under_min = totals.under_min_replicated;
            let _ = write!(
                out,
                "\n  UNDER MIN REPL'D BLOCKS:\t{under_min}{}",
                share(under_min, blocks)
            );
            let _ = write!(
                out,
                "\n  dfs.namenode.replication.min:\t{}",
                cluster.min_replication
            );
        }
        if totals.corrupt_files > 0 {
            let _ = write!(out, "\n  CORRUPT FILES:\t{}", totals.corrupt_files);
            if totals.missing_size > 0 {
                let _ = write!(
                    out,
                    "\n  MISSING BLOCKS:\t{}\n  MISSING SIZE:\t\t{} B",
                    totals.missing_blocks.len(),
                    totals.missing_size
                );
            }
            if totals.corrupt_blocks > 0 {
                let _ = write!(
                    out,
                    "\n  CORRUPT BLOCKS: \t{}\n  CORRUPT SIZE:\t\t{} B",
                    totals.corrupt_blocks, totals.corrupt_size
                );
            }
        }
        out.push_str("\n  ********************************");
    }
    let counts = [
        ("Minimally replicated blocks:\t", totals.min_replicated),
        ("Over-replicated blocks:\t", totals.over_replicated),
        ("Under-replicated blocks:\t", totals.under_replicated),
        ("Mis-replicated blocks:\t\t", totals.mis_replicated),
    ];
    for (label, count) in counts {
        let _ = write!(out, "\n {label}{count}{}", share(count, blocks));
    }
    let average = if blocks == 0 {
        0.0
    } else {
        totals.total_replicas as f32 / blocks as f32
    };
    let _ = write!(
        out,
        "\n Default replication factor:\t{}\n Average block replication:\t{}\n Missing blocks:\t\t{}\n \
         Corrupt blocks:\t\t{}\n Missing replicas:\t\t{}",
        cluster.default_replication,
        java_float(average),
        totals.missing_blocks.len(),
        totals.corrupt_blocks,
        totals.missing_replicas
    );
    if totals.total_replicas > 0 && totals.expected_replicas > 0 {
        let missing = (totals.missing_replicas * 100) as f32 / totals.expected_replicas as f32;
        let _ = write!(out, " ({} %)", java_float(missing));
    }
    if totals.decommissioned_replicas > 0 {
        let _ = write!(
            out,
            "\n DecommissionedReplicas:\t{}",
            totals.decommissioned_replicas
        );
    }
    if totals.decommissioning_replicas > 0 {
        let _ = write!(
            out,
            "\n DecommissioningReplicas:\t{}",
            totals.decommissioning_replicas
        );
    }
    out
}

/// The last line, which scripts read: `The filesystem under path '/x' is HEALTHY`.
pub fn final_line(path: &str, healthy: bool) -> String {
    let status = if healthy { "HEALTHY" } else { "CORRUPT" };
    format!("The filesystem under path '{path}' is {status}")
}

/// The blocks of `file` no replica of which is usable, as `blk_<id>\t<path>` lines paired
/// with the block id (what `-list-corruptfileblocks` lists).
pub fn corrupt_block_lines(file: &File) -> Vec<(u64, String)> {
    file.blocks
        .iter()
        .filter(|block| block.corrupt || block.replicas.is_empty())
        .map(|block| (block.id, format!("blk_{}\t{}", block.id, file.path)))
        .collect()
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
