//! Planning `truncate` (Hadoop's FSDirTruncateOp, HDFS-3107, in-place only:
//! Tusk has no snapshots, so there is no copy-on-truncate).
//!
//! The blocks wholly past the new length are dropped at once. On a block
//! boundary that is all, and the file stays closed. Off a boundary, the block
//! holding the new end keeps its id and takes a new generation stamp and the
//! new length; the file is open for the caller (its lease) until the
//! DataNodes have cut that block's replicas and reported it
//! (`commitBlockSynchronization`), which closes it.

use common::ids::GenerationStamp;
use common::permission::FsAction;
use common::{ExceptionKind, RemoteException};
use proto::namenode_storage as rec;
use rec::edit_record::Op;

use super::plan::block_to_record;
use super::{Block, Caller, Namespace};

/// Where a new length falls among a file's blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TruncateCut {
    /// How many leading blocks stay (the one cut included).
    pub kept: usize,
    /// The new length of the last kept block, when the new end falls inside
    /// it; None on a block boundary.
    pub last_block_length: Option<u64>,
}

/// Splits `blocks` at `new_length` (at most their total length).
pub fn cut_blocks(blocks: &[Block], new_length: u64) -> TruncateCut {
    let mut block_start = 0u64;
    for (index, block) in blocks.iter().enumerate() {
        if block_start >= new_length {
            return TruncateCut {
                kept: index,
                last_block_length: None,
            };
        }
        let block_end = block_start + block.num_bytes;
        if block_end > new_length {
            return TruncateCut {
                kept: index + 1,
                last_block_length: Some(new_length - block_start),
            };
        }
        block_start = block_end;
    }
    TruncateCut {
        kept: blocks.len(),
        last_block_length: None,
    }
}

/// The last block's replicas to cut: the block as the DataNodes hold it, and
/// what it becomes (new generation stamp, new length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TruncateRecovery {
    pub old: Block,
    pub truncated: Block,
}

/// What a truncate does.
#[derive(Clone, Debug, PartialEq)]
pub enum TruncatePlan {
    /// Nothing to change: the file has the length already (`done`), or is
    /// being truncated to it already (not `done`: wait for the recovery).
    Unchanged { done: bool },
    /// Log and apply `op`; `recovery` is the block recovery to start when
    /// the new end falls inside a block.
    Truncate {
        op: Op,
        recovery: Option<TruncateRecovery>,
    },
}

impl Namespace {
    /// `truncate(path, new_length)` for `client_name` on `client_machine`:
    /// Hadoop's checks, messages and order.
    pub fn plan_truncate(
        &self,
        path: &str,
        new_length: u64,
        client_name: &str,
        client_machine: &str,
        caller: &Caller,
        now: i64,
    ) -> Result<TruncatePlan, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved.last().ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("File does not exist: {path}"),
            )
        })?;
        checker.check_access(&resolved, slot, FsAction::WRITE)?;
        let file = self.inode(slot).file().ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("Path is not a file: {path}"),
            )
        })?;
        let refused = |reason: String| {
            RemoteException::new(
                ExceptionKind::AlreadyBeingCreated,
                format!(
                    "Failed to TRUNCATE_FILE {path} for {client_name} on {client_machine} because {reason}"
                ),
            )
        };
        if let Some(open) = &file.under_construction {
            if open.truncating {
                if file.length() == new_length {
                    return Ok(TruncatePlan::Unchanged { done: false });
                }
                return Err(refused(format!("{path} is being truncated.")));
            }
            if open.client_name == client_name {
                return Err(refused(format!(
                    "{client_name} is already the current lease holder."
                )));
            }
            return Err(refused(format!(
                "this file lease is currently owned by {}",
                open.client_name
            )));
        }
        let old_length = file.length();
        if old_length == new_length {
            return Ok(TruncatePlan::Unchanged { done: true });
        }
        if old_length < new_length {
            return Err(RemoteException::new(
                ExceptionKind::HadoopIllegalArgument,
                format!(
                    "Cannot truncate to a larger file size. Current size: {old_length}, truncate size: {new_length}."
                ),
            ));
        }
        let cut = cut_blocks(&file.blocks, new_length);
        let recovery = cut.last_block_length.map(|length| {
            let old = file.blocks[cut.kept - 1];
            TruncateRecovery {
                old,
                truncated: Block {
                    generation_stamp: GenerationStamp(self.counters.generation_stamp + 1),
                    num_bytes: length,
                    ..old
                },
            }
        });
        let op = Op::Truncate(rec::TruncateOp {
            src: path.to_string(),
            client_name: client_name.to_string(),
            client_machine: client_machine.to_string(),
            new_length,
            mtime: now,
            truncate_block: recovery.map(|recovery| block_to_record(recovery.truncated)),
        });
        Ok(TruncatePlan::Truncate { op, recovery })
    }

    /// Whether the file at `path` is open only until a truncate's block
    /// recovery commits.
    pub fn is_being_truncated(&self, path: &str) -> bool {
        let Ok(resolved) = self.resolve(path) else {
            return false;
        };
        resolved
            .last()
            .and_then(|slot| self.inode(slot).file())
            .and_then(|file| file.under_construction.as_ref())
            .is_some_and(|open| open.truncating)
    }
}

#[cfg(test)]
mod tests {
    use common::ids::BlockId;

    use super::*;

    fn blocks(lengths: &[u64]) -> Vec<Block> {
        lengths
            .iter()
            .enumerate()
            .map(|(index, &num_bytes)| Block {
                id: BlockId(index as u64 + 1),
                generation_stamp: GenerationStamp(1001),
                num_bytes,
            })
            .collect()
    }

    #[test]
    fn cut_on_a_boundary_keeps_whole_blocks() {
        let file = blocks(&[10, 10, 5]);
        let cut = |new_length| cut_blocks(&file, new_length);
        assert_eq!(
            cut(0),
            TruncateCut {
                kept: 0,
                last_block_length: None
            }
        );
        assert_eq!(
            cut(10),
            TruncateCut {
                kept: 1,
                last_block_length: None
            }
        );
        assert_eq!(
            cut(20),
            TruncateCut {
                kept: 2,
                last_block_length: None
            }
        );
        assert_eq!(
            cut(25),
            TruncateCut {
                kept: 3,
                last_block_length: None
            }
        );
    }

    #[test]
    fn cut_inside_a_block_keeps_it_shorter() {
        let file = blocks(&[10, 10, 5]);
        assert_eq!(
            cut_blocks(&file, 3),
            TruncateCut {
                kept: 1,
                last_block_length: Some(3)
            }
        );
        assert_eq!(
            cut_blocks(&file, 24),
            TruncateCut {
                kept: 3,
                last_block_length: Some(4)
            }
        );
    }
}
