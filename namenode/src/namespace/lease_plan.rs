//! Planning the mutations around leases: append (reopening a closed file),
//! and lease recovery (the NameNode takes over an abandoned file, then closes
//! it at the length its DataNodes agreed on).

use common::ids::{BlockId, GenerationStamp};
use common::permission::FsAction;
use common::{ExceptionKind, RemoteException};
use proto::namenode_storage as rec;
use rec::edit_record::Op;

use super::plan::block_to_record;
use super::{Block, Caller, INodeKind, Namespace, ROOT, Slot};

/// How lease recovery can end a file whose writer vanished.
#[derive(Clone, Debug, PartialEq)]
pub enum LeaseRecoveryPlan {
    /// Every block is complete, or the last one never got data: the file can
    /// be closed right away by these records.
    Close(Vec<Op>),
    /// The last block's replicas must agree on a length first: these records
    /// hand the lease to the NameNode and give the block a new generation
    /// stamp (the recovery id), then DataNodes recover `block`; for a file
    /// being truncated, cutting every replica to `new_length`.
    RecoverBlock {
        ops: Vec<Op>,
        block: Block,
        new_length: Option<u64>,
    },
}

/// How an append continues a file.
#[derive(Clone, Debug, PartialEq)]
pub struct AppendPlan {
    /// The record reopening the file.
    pub op: Op,
    /// The file's last block, if it has one.
    pub last: Option<Block>,
    /// The last block is partial (shorter than the file's block size): the
    /// append continues it (it is under construction again) instead of
    /// starting a new block. Decided from the namespace alone, so replaying
    /// the `Append` record reaches the same state.
    pub reopen_last: bool,
}

impl Namespace {
    /// `append`: reopens the closed file at `path` for `client_name`, with
    /// its last block, which the append continues when it is partial.
    pub fn plan_append(
        &self,
        path: &str,
        client_name: &str,
        caller: &Caller,
        now: i64,
    ) -> Result<AppendPlan, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved.last().ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("Failed to append to non-existent file {path} for client {client_name}"),
            )
        })?;
        let INodeKind::File(file) = &self.inode(slot).kind else {
            return Err(RemoteException::new(
                ExceptionKind::PathIsDirectory,
                format!("'{path}': Is a directory"),
            ));
        };
        checker.check_access(&resolved, slot, FsAction::WRITE)?;
        if let Some(open) = &file.under_construction {
            return Err(RemoteException::new(
                ExceptionKind::AlreadyBeingCreated,
                format!(
                    "Failed to APPEND_FILE {path} for {client_name} because this file lease is currently owned by {}",
                    open.client_name
                ),
            ));
        }
        if file.blocks.len() >= self.limits.max_blocks_per_file {
            return Err(RemoteException::io(format!(
                "File has reached the limit on maximum number of blocks (dfs.namenode.fs-limits.max-blocks-per-file): {} >= {}",
                file.blocks.len(),
                self.limits.max_blocks_per_file
            )));
        }
        let op = Op::Append(rec::AppendOp {
            path: path.to_string(),
            client_name: client_name.to_string(),
            mtime: now,
        });
        self.check_quota(std::slice::from_ref(&op))?;
        let last = file.blocks.last().copied();
        Ok(AppendPlan {
            op,
            last,
            reopen_last: last.is_some_and(|block| block.num_bytes < file.block_size),
        })
    }

    /// Lease recovery of the file at `path`, open by `holder`, on behalf of
    /// `new_holder` (the NameNode). `last_block_written` says whether any
    /// DataNode may hold data of the last block; `last_block_complete`
    /// whether it already has its minimum replicas.
    pub fn plan_lease_recovery(
        &self,
        path: &str,
        holder: &str,
        new_holder: &str,
        last_block_written: bool,
        last_block_complete: bool,
        now: i64,
    ) -> Result<LeaseRecoveryPlan, RemoteException> {
        let slot = self.open_file(path, holder, 0)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        let close = |blocks: &[Block]| {
            Op::CloseFile(rec::CloseFileOp {
                path: path.to_string(),
                mtime: now,
                atime: now,
                blocks: blocks.iter().copied().map(block_to_record).collect(),
            })
        };
        let Some(last) = file.blocks.last().copied() else {
            return Ok(LeaseRecoveryPlan::Close(vec![close(&[])]));
        };
        // A truncate's cut is not done until the DataNodes report it.
        let truncating = file
            .under_construction
            .as_ref()
            .is_some_and(|open| open.truncating);
        let new_length = truncating.then_some(last.num_bytes);
        if last_block_complete && !truncating {
            return Ok(LeaseRecoveryPlan::Close(vec![close(&file.blocks)]));
        }
        let kept = &file.blocks[..file.blocks.len() - 1];
        if !last_block_written && !truncating {
            let update = Op::UpdateBlocks(rec::UpdateBlocksOp {
                path: path.to_string(),
                blocks: kept.iter().copied().map(block_to_record).collect(),
            });
            return Ok(LeaseRecoveryPlan::Close(vec![update, close(kept)]));
        }
        let recovering = Block {
            generation_stamp: GenerationStamp(self.counters.generation_stamp + 1),
            ..last
        };
        let mut blocks: Vec<_> = kept.iter().copied().map(block_to_record).collect();
        blocks.push(block_to_record(recovering));
        Ok(LeaseRecoveryPlan::RecoverBlock {
            ops: vec![
                Op::ReassignLease(rec::ReassignLeaseOp {
                    path: path.to_string(),
                    new_holder: new_holder.to_string(),
                }),
                Op::UpdateBlocks(rec::UpdateBlocksOp {
                    path: path.to_string(),
                    blocks,
                }),
            ],
            block: recovering,
            new_length,
        })
    }

    /// `commitBlockSynchronization`: closes the file at `path`, held by
    /// `holder`, whose last block `block_id` was recovered to `recovered`
    /// (new stamp and length); a zero-length block is dropped.
    pub fn plan_recovered_close(
        &self,
        path: &str,
        holder: &str,
        block_id: BlockId,
        recovered: Block,
        now: i64,
    ) -> Result<Vec<Op>, RemoteException> {
        let slot = self.open_file(path, holder, 0)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        if file.blocks.last().map(|last| last.id) != Some(block_id) {
            return Err(RemoteException::io(format!(
                "commitBlockSynchronization: block {block_id} is not the last block of {path}"
            )));
        }
        let mut blocks: Vec<_> = file.blocks.iter().copied().map(block_to_record).collect();
        let mut ops = Vec::with_capacity(2);
        if recovered.num_bytes == 0 {
            blocks.pop();
            ops.push(Op::UpdateBlocks(rec::UpdateBlocksOp {
                path: path.to_string(),
                blocks: blocks.clone(),
            }));
        } else if let Some(stored) = blocks.last_mut() {
            *stored = block_to_record(recovered);
        }
        ops.push(Op::CloseFile(rec::CloseFileOp {
            path: path.to_string(),
            mtime: now,
            atime: now,
            blocks,
        }));
        Ok(ops)
    }

    /// The last block of the file at `path`, which must be open for writing.
    pub fn open_file_last_block(&self, path: &str) -> Result<Option<Block>, RemoteException> {
        let not_open = || {
            RemoteException::new(
                ExceptionKind::LeaseExpired,
                format!("No lease on {path}: File is not open for writing"),
            )
        };
        let slot = self.resolve(path)?.last().ok_or_else(not_open)?;
        let file = self.inode(slot).file().ok_or_else(not_open)?;
        if file.under_construction.is_none() {
            return Err(not_open());
        }
        Ok(file.blocks.last().copied())
    }

    /// Every file open for writing: its path and lease holder (to rebuild
    /// the leases at startup).
    pub fn open_files(&self) -> Vec<(String, String)> {
        let mut open = Vec::new();
        let mut stack: Vec<(String, Slot)> = vec![(String::new(), ROOT)];
        while let Some((path, slot)) = stack.pop() {
            let inode = self.inode(slot);
            match &inode.kind {
                INodeKind::Directory(children) => {
                    for &child in children {
                        let name = String::from_utf8_lossy(&self.inode(child).name);
                        stack.push((format!("{path}/{name}"), child));
                    }
                }
                INodeKind::File(file) => {
                    if let Some(under_construction) = &file.under_construction {
                        open.push((path, under_construction.client_name.clone()));
                    }
                }
            }
        }
        open
    }
}
