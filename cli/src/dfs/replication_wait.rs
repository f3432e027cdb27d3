//! `-setrep -w`: waiting until every block of each file has the new number of replicas
//! (Hadoop's `SetReplication.waitForReplication`).

use std::time::Duration;

use proto::hdfs::LocatedBlock;

use super::shell::{PathItem, Shell};

/// How often the block locations are checked.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
const DECREASING_WARNING: &str =
    "WARNING: the waiting time may be long for DECREASING the number of replications.";

/// How a file's blocks stand against the replication asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicationState {
    /// Every block has exactly that many replicas.
    Reached,
    /// The first block that differs has too few.
    Growing,
    /// The first block that differs has too many: excess replicas go slowly.
    Shrinking,
}

/// Where `blocks` stand against `replication` (the first differing block decides).
pub fn replication_state(blocks: &[LocatedBlock], replication: u16) -> ReplicationState {
    let wanted = usize::from(replication);
    for block in blocks {
        let current = block.locations.len();
        if current > wanted {
            return ReplicationState::Shrinking;
        }
        if current < wanted {
            return ReplicationState::Growing;
        }
    }
    ReplicationState::Reached
}

/// Prints `Waiting for <file> ...`, a dot per unsuccessful check, and ` done` once every
/// block of the file has `replication` replicas; then the next file. Waits as long as it
/// takes, as Hadoop does.
pub async fn wait_for_replication(shell: &mut Shell<'_>, files: &[PathItem], replication: u16) {
    for file in files {
        let _ = write!(shell.out, "Waiting for {} ...", file.display);
        let _ = shell.out.flush();
        let mut warned = false;
        loop {
            let locations = match file.fs.dfs("-setrep -w") {
                Ok(fs) => fs.block_locations(&file.path, 0, u64::MAX).await,
                Err(error) => Err(error),
            };
            let state = match locations {
                Ok((_, blocks, _)) => replication_state(&blocks, replication),
                Err(error) => {
                    let _ = writeln!(shell.out);
                    shell.error(error);
                    break;
                }
            };
            if state == ReplicationState::Reached {
                let _ = writeln!(shell.out, " done");
                break;
            }
            if state == ReplicationState::Shrinking && !warned {
                let _ = write!(shell.out, "\n{DECREASING_WARNING}\n");
                warned = true;
            }
            let _ = write!(shell.out, ".");
            let _ = shell.out.flush();
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use proto::hdfs::DatanodeInfo;

    use super::*;

    fn block(replicas: usize) -> LocatedBlock {
        LocatedBlock {
            locations: vec![DatanodeInfo::default(); replicas],
            ..LocatedBlock::default()
        }
    }

    #[test]
    fn the_first_differing_block_decides() {
        assert_eq!(replication_state(&[], 3), ReplicationState::Reached);
        assert_eq!(
            replication_state(&[block(3), block(3)], 3),
            ReplicationState::Reached
        );
        assert_eq!(
            replication_state(&[block(3), block(1)], 3),
            ReplicationState::Growing
        );
        assert_eq!(
            replication_state(&[block(4), block(1)], 3),
            ReplicationState::Shrinking
        );
    }
}
