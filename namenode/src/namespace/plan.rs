//! Planning mutations: every check a request must pass, and the edit-log
//! records that describe the change. Nothing here modifies the namespace.

use common::ids::{BlockId, GenerationStamp};
use common::path;
use common::permission::FsAction;
use common::{ExceptionKind, FsPermission, RemoteException};
use proto::hdfs as pb;
use proto::namenode_storage as rec;
use rec::edit_record::Op;

use super::{Block, Caller, INodeKind, Namespace, ResolvedPath, Slot, prefix_path};

/// What `create` asks for.
#[derive(Clone, Debug)]
pub struct CreateRequest<'a> {
    pub path: &'a str,
    pub permission: FsPermission,
    pub client_name: &'a str,
    pub overwrite: bool,
    pub create_parent: bool,
    pub replication: u16,
    pub block_size: u64,
}

impl Namespace {
    /// `mkdirs`: the directories to create, none when `path` already is one.
    pub fn plan_mkdirs(
        &self,
        path: &str,
        permission: FsPermission,
        create_parent: bool,
        caller: &Caller,
        now: i64,
    ) -> Result<Vec<Op>, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        if let Some(slot) = resolved.last() {
            if self.inode(slot).is_directory() {
                return Ok(Vec::new());
            }
            return Err(file_exists(path));
        }
        let missing = resolved.components.len() + 1 - resolved.slots.len();
        if missing > 1 && !create_parent {
            return Err(RemoteException::not_found(path));
        }
        checker.check_ancestor(&resolved, FsAction::WRITE_EXECUTE)?;
        let ancestor = *resolved.slots.last().unwrap_or(&self.root());
        self.check_new_child(&resolved, ancestor)?;
        let group = self.strings.get(self.inode(ancestor).group).to_string();
        let mut ops = Vec::with_capacity(missing);
        let mut directory = prefix_path(&resolved.components, resolved.slots.len() - 1);
        for (offset, name) in resolved.components[resolved.slots.len() - 1..]
            .iter()
            .enumerate()
        {
            self.check_component_length(&directory, name)?;
            directory = path::join(&directory, name);
            let is_last = offset + 1 == missing;
            // Implicit parents stay writable and traversable by their owner, as in HDFS.
            let mode = if is_last {
                permission.bits()
            } else {
                permission.bits() | 0o300
            };
            ops.push(Op::Mkdir(rec::MkdirOp {
                path: directory.clone(),
                inode_id: self.counters.last_inode_id + 1 + offset as u64,
                permission: mode.into(),
                owner: caller.user.clone(),
                group: group.clone(),
                mtime: now,
            }));
        }
        self.check_quota(&ops)?;
        Ok(ops)
    }

    /// `create`: parents (with `create_parent`) and the new file, open for
    /// writing by `request.client_name`.
    pub fn plan_create(
        &self,
        request: &CreateRequest<'_>,
        caller: &Caller,
        now: i64,
    ) -> Result<Vec<Op>, RemoteException> {
        let path = request.path;
        self.check_replication(path, request.replication)?;
        if request.block_size < self.limits.min_block_size {
            return Err(RemoteException::io(format!(
                "Specified block size is less than configured minimum value \
                 (dfs.namenode.fs-limits.min-block-size): {} < {}",
                request.block_size, self.limits.min_block_size
            )));
        }
        let resolved = self.resolve(path)?;
        if resolved.components.is_empty() {
            return Err(file_exists(path));
        }
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let mut overwrite = false;
        if let Some(slot) = resolved.last() {
            let inode = self.inode(slot);
            let INodeKind::File(file) = &inode.kind else {
                return Err(RemoteException::new(
                    ExceptionKind::FileAlreadyExists,
                    format!("'{path}': Is a directory"),
                ));
            };
            if let Some(open) = &file.under_construction {
                return Err(RemoteException::new(
                    ExceptionKind::AlreadyBeingCreated,
                    format!(
                        "Failed to CREATE_FILE {path} for {} because this file lease is currently owned by {}",
                        request.client_name, open.client_name
                    ),
                ));
            }
            if !request.overwrite {
                return Err(file_exists(path));
            }
            checker.check_ancestor(&resolved, FsAction::WRITE)?;
            if let Some(parent) = resolved.parent() {
                checker.check_sticky(&resolved, parent, slot)?;
            }
            overwrite = true;
        }
        let mut ops = Vec::new();
        if resolved.parent().is_none() {
            if !request.create_parent {
                return Err(RemoteException::not_found(path));
            }
            let parent_permission = FsPermission::new(request.permission.bits() | 0o300);
            ops = self.plan_mkdirs(path::parent(path), parent_permission, true, caller, now)?;
        } else if !overwrite {
            checker.check_ancestor(&resolved, FsAction::WRITE)?;
            let parent = resolved.slots[resolved.components.len() - 1];
            self.check_new_child(&resolved, parent)?;
            self.check_component_length(path::parent(path), path::basename(path))?;
        }
        let ancestor = *resolved.slots[..resolved.components.len().min(resolved.slots.len())]
            .last()
            .unwrap_or(&self.root());
        ops.push(Op::AddFile(rec::AddFileOp {
            path: path.to_string(),
            inode_id: self.counters.last_inode_id + 1 + ops.len() as u64,
            permission: request.permission.bits().into(),
            owner: caller.user.clone(),
            group: self.strings.get(self.inode(ancestor).group).to_string(),
            mtime: now,
            replication: request.replication.into(),
            block_size: request.block_size,
            client_name: request.client_name.to_string(),
            overwrite,
        }));
        self.check_quota(&ops)?;
        Ok(ops)
    }

    /// `addBlock`: the next block of a file open for writing by `client_name`.
    pub fn plan_add_block(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        previous: Option<Block>,
    ) -> Result<(Op, Block), RemoteException> {
        let slot = self.open_file(path, client_name, file_id)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        if file.blocks.len() >= self.limits.max_blocks_per_file {
            return Err(RemoteException::io(format!(
                "File has reached the limit on maximum number of blocks \
                 (dfs.namenode.fs-limits.max-blocks-per-file): {} >= {}",
                file.blocks.len(),
                self.limits.max_blocks_per_file
            )));
        }
        let penultimate = match (file.blocks.last(), previous) {
            (None, None) => None,
            (Some(last), Some(previous)) if last.id == previous.id => Some(Block {
                generation_stamp: last.generation_stamp,
                ..previous
            }),
            (last, previous) => {
                return Err(RemoteException::io(format!(
                    "addBlock: '{path}': previous block {:?} is not the last block {:?} of the file",
                    previous.map(|block| block.id),
                    last.map(|block| block.id)
                )));
            }
        };
        let block = Block {
            id: BlockId(self.counters.last_block_id + 1),
            generation_stamp: GenerationStamp(self.counters.generation_stamp + 1),
            num_bytes: 0,
        };
        let op = Op::AddBlock(rec::AddBlockOp {
            path: path.to_string(),
            penultimate: penultimate.map(block_to_record),
            last: Some(block_to_record(block)),
        });
        self.check_quota(std::slice::from_ref(&op))?;
        Ok((op, block))
    }

    /// Hadoop's retry check for `addBlock`: when `previous` is the block before the file's
    /// last one and the last one never received a byte, the call is a retry of the call that
    /// allocated it (whose answer was lost, say across a failover): that block answers it,
    /// instead of a second one that would leave the file with an empty block in its middle.
    pub fn retried_add_block(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        previous: Option<Block>,
    ) -> Result<Option<Block>, RemoteException> {
        let slot = self.open_file(path, client_name, file_id)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        let Some(last) = file.blocks.last() else {
            return Ok(None);
        };
        let before_last = file
            .blocks
            .len()
            .checked_sub(2)
            .map(|index| file.blocks[index].id);
        let is_retry = last.num_bytes == 0 && before_last == previous.map(|block| block.id);
        Ok(is_retry.then_some(*last))
    }

    /// Pipeline recovery: the last block of a file open by `client_name`
    /// moves to a new generation stamp.
    pub fn plan_bump_generation_stamp(
        &self,
        path: &str,
        client_name: &str,
        block_id: BlockId,
    ) -> Result<(Op, Block), RemoteException> {
        let slot = self.open_file(path, client_name, 0)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        let Some(last) = file.blocks.last().filter(|last| last.id == block_id) else {
            return Err(RemoteException::io(format!(
                "'{path}': block {block_id} is not the block being written"
            )));
        };
        let bumped = Block {
            generation_stamp: GenerationStamp(self.counters.generation_stamp + 1),
            ..*last
        };
        let mut blocks: Vec<pb::Block> = file.blocks.iter().copied().map(block_to_record).collect();
        if let Some(stored) = blocks.last_mut() {
            *stored = block_to_record(bumped);
        }
        Ok((
            Op::UpdateBlocks(rec::UpdateBlocksOp {
                path: path.to_string(),
                blocks,
            }),
            bumped,
        ))
    }

    /// Replication, block size, and the bytes in all blocks but the last, of
    /// a file being written.
    pub fn open_file_layout(&self, path: &str) -> Result<(u16, u64, u64), RemoteException> {
        let slot = self
            .resolve(path)?
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        let file = self
            .inode(slot)
            .file()
            .ok_or_else(|| RemoteException::io(format!("'{path}': Is a directory")))?;
        let before_last = file
            .blocks
            .iter()
            .rev()
            .skip(1)
            .map(|block| block.num_bytes)
            .sum();
        Ok((file.replication, file.block_size, before_last))
    }

    /// `abandonBlock`: drops the last block if it is `block_id`.
    pub fn plan_abandon_block(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        block_id: BlockId,
    ) -> Result<Option<Op>, RemoteException> {
        let slot = self.open_file(path, client_name, file_id)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        let Some((last, kept)) = file.blocks.split_last() else {
            return Ok(None);
        };
        if last.id != block_id {
            return Ok(None);
        }
        Ok(Some(Op::UpdateBlocks(rec::UpdateBlocksOp {
            path: path.to_string(),
            blocks: kept.iter().copied().map(block_to_record).collect(),
        })))
    }

    /// `complete`: closes a file open by `client_name`, fixing the last block's
    /// length. Completing an already closed file again is a no-op.
    pub fn plan_complete(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        last: Option<Block>,
        now: i64,
    ) -> Result<Option<Op>, RemoteException> {
        if let Some(slot) = self.resolve(path)?.last() {
            let inode = self.inode(slot);
            if let Some(file) = inode.file()
                && file.under_construction.is_none()
                && (file_id == 0 || file_id == inode.id)
            {
                return Ok(None);
            }
        }
        let slot = self.open_file(path, client_name, file_id)?;
        let file = self.inode(slot).file().expect("open_file returns a file");
        let mut blocks: Vec<pb::Block> = Vec::with_capacity(file.blocks.len());
        blocks.extend(file.blocks.iter().copied().map(block_to_record));
        match (blocks.last_mut(), last) {
            (Some(stored), Some(reported)) if stored.block_id == reported.id.0 => {
                stored.num_bytes = reported.num_bytes;
            }
            (None, None) | (Some(_), None) => {}
            (stored, Some(reported)) => {
                return Err(RemoteException::io(format!(
                    "complete: '{path}': block {} is not the last block {:?} of the file",
                    reported.id,
                    stored.map(|block| block.block_id)
                )));
            }
        }
        Ok(Some(Op::CloseFile(rec::CloseFileOp {
            path: path.to_string(),
            mtime: now,
            atime: now,
            blocks,
        })))
    }

    /// `rename`: with `move_into_directory`, an existing directory `dst`
    /// receives `src` as a child; with `overwrite`, an existing file or empty
    /// directory `dst` of the same kind is replaced.
    pub fn plan_rename(
        &self,
        src: &str,
        dst: &str,
        overwrite: bool,
        move_into_directory: bool,
        caller: &Caller,
        now: i64,
    ) -> Result<Op, RemoteException> {
        let failure = |kind, reason: &str, dst: &str| {
            RemoteException::new(kind, format!("'{src}' to '{dst}': {reason}"))
        };
        let source = self.resolve(src)?;
        let checker = self.checker(caller);
        checker.check_traverse(&source)?;
        let Some(source_slot) = source.last() else {
            return Err(RemoteException::not_found(src));
        };
        if source.components.is_empty() {
            return Err(failure(
                ExceptionKind::Io,
                "cannot rename the root directory",
                dst,
            ));
        }
        let mut target_path = dst.to_string();
        let mut target = self.resolve(dst)?;
        if move_into_directory
            && let Some(slot) = target.last()
            && self.inode(slot).is_directory()
        {
            target_path = path::join(dst, path::basename(src));
            target = self.resolve(&target_path)?;
        }
        let dst = target_path.as_str();
        checker.check_traverse(&target)?;
        if path::components(src)? == target.components {
            return Err(failure(
                ExceptionKind::FileAlreadyExists,
                "source and destination are the same",
                dst,
            ));
        }
        if target.components.starts_with(&source.components) {
            return Err(failure(
                ExceptionKind::Io,
                "cannot move a directory into itself",
                dst,
            ));
        }
        let Some(target_parent) = target.parent() else {
            return Err(RemoteException::not_found(path::parent(dst)));
        };
        checker.check_ancestor(&source, FsAction::WRITE)?;
        checker.check_ancestor(&target, FsAction::WRITE)?;
        let source_parent = source.parent().expect("an existing path has a parent");
        checker.check_sticky(&source, source_parent, source_slot)?;
        let mut replaces = false;
        if let Some(existing) = target.last() {
            if !overwrite {
                return Err(file_exists(dst));
            }
            let source_is_dir = self.inode(source_slot).is_directory();
            match &self.inode(existing).kind {
                INodeKind::Directory(children) if !source_is_dir => {
                    return Err(failure(
                        ExceptionKind::Io,
                        "source is a file but destination is a directory",
                        dst,
                    ));
                }
                INodeKind::File(_) if source_is_dir => {
                    return Err(failure(
                        ExceptionKind::Io,
                        "source is a directory but destination is a file",
                        dst,
                    ));
                }
                INodeKind::Directory(children) if !children.is_empty() => {
                    return Err(RemoteException::new(
                        ExceptionKind::Io,
                        format!("'{dst}': Directory is not empty"),
                    ));
                }
                _ => {}
            }
            checker.check_sticky(&target, target_parent, existing)?;
            replaces = true;
        } else if target_parent != source_parent {
            self.check_new_child(&target, target_parent)?;
        }
        self.check_component_length(path::parent(dst), path::basename(dst))?;
        let op = Op::Rename(rec::RenameOp {
            src: src.to_string(),
            dst: dst.to_string(),
            timestamp: now,
            overwrite: replaces,
        });
        self.check_quota(std::slice::from_ref(&op))?;
        Ok(op)
    }

    /// `delete`: `None` when nothing is at `path`.
    pub fn plan_delete(
        &self,
        path: &str,
        recursive: bool,
        caller: &Caller,
        now: i64,
    ) -> Result<Option<Op>, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let Some(slot) = resolved.last() else {
            return Ok(None);
        };
        if resolved.components.is_empty() {
            return Err(RemoteException::io(format!(
                "'{path}': Cannot delete the root directory"
            )));
        }
        let non_empty = self
            .inode(slot)
            .children()
            .is_some_and(|children| !children.is_empty());
        if non_empty && !recursive {
            return Err(RemoteException::new(
                ExceptionKind::PathIsNotEmptyDirectory,
                format!("'{path}': Directory is not empty"),
            ));
        }
        checker.check_ancestor(&resolved, FsAction::WRITE_EXECUTE)?;
        let parent = resolved.parent().expect("an existing path has a parent");
        checker.check_sticky(&resolved, parent, slot)?;
        if non_empty {
            checker.check_subtree(&resolved, slot, FsAction::ALL)?;
        }
        Ok(Some(Op::Delete(rec::DeleteOp {
            path: path.to_string(),
            timestamp: now,
        })))
    }

    /// `setReplication`: `None` for a directory (HDFS returns false).
    /// `concat`: every source must be a closed, non-empty file other than the target and
    /// named once; the target a closed file. Hadoop's FSDirConcatOp rules and messages.
    pub fn plan_concat(
        &self,
        target: &str,
        sources: &[String],
        caller: &Caller,
        now: i64,
    ) -> Result<Op, RemoteException> {
        let illegal =
            |message: String| RemoteException::new(ExceptionKind::IllegalArgument, message);
        if sources.is_empty() {
            return Err(illegal("No sources given".to_string()));
        }
        let checker = self.checker(caller);
        let (resolved, target_slot) = self.existing(target, caller)?;
        match self.inode(target_slot).file() {
            Some(file) if file.under_construction.is_some() => {
                return Err(illegal(format!(
                    "concat: target file {target} is under construction"
                )));
            }
            Some(_) => {}
            None => {
                return Err(illegal(format!(
                    "concat: target file {target} is not a file"
                )));
            }
        }
        checker.check_access(&resolved, target_slot, FsAction::WRITE)?;
        let mut seen = Vec::with_capacity(sources.len());
        for source in sources {
            let (resolved, slot) = self.existing(source, caller)?;
            if slot == target_slot {
                return Err(illegal(format!(
                    "concat: the src file {source} is the same with the target file {target}"
                )));
            }
            if seen.contains(&slot) {
                return Err(illegal(format!(
                    "concat: the src file {source} is referred twice"
                )));
            }
            seen.push(slot);
            let usable = self
                .inode(slot)
                .file()
                .is_some_and(|file| file.under_construction.is_none() && !file.blocks.is_empty());
            if !usable {
                return Err(illegal(format!(
                    "concat: source file {source} is invalid or empty or underConstruction"
                )));
            }
            checker.check_access(&resolved, slot, FsAction::READ)?;
            checker.check_ancestor(&resolved, FsAction::WRITE)?;
        }
        let op = Op::Concat(rec::ConcatOp {
            target: target.to_string(),
            sources: sources.to_vec(),
            timestamp: now,
        });
        self.check_quota(std::slice::from_ref(&op))?;
        Ok(op)
    }

    pub fn plan_set_replication(
        &self,
        path: &str,
        replication: u16,
        caller: &Caller,
    ) -> Result<Option<Op>, RemoteException> {
        self.check_replication(path, replication)?;
        let (resolved, slot) = self.existing(path, caller)?;
        if self.inode(slot).is_directory() {
            return Ok(None);
        }
        self.checker(caller)
            .check_access(&resolved, slot, FsAction::WRITE)?;
        let op = Op::SetReplication(rec::SetReplicationOp {
            path: path.to_string(),
            replication: replication.into(),
        });
        self.check_quota(std::slice::from_ref(&op))?;
        Ok(Some(op))
    }

    pub fn plan_set_permission(
        &self,
        path: &str,
        permission: FsPermission,
        caller: &Caller,
    ) -> Result<Op, RemoteException> {
        let (resolved, slot) = self.existing(path, caller)?;
        self.checker(caller).check_owner(&resolved, slot)?;
        Ok(Op::SetPermission(rec::SetPermissionOp {
            path: path.to_string(),
            permission: permission.bits().into(),
        }))
    }

    /// `setOwner`: only the superuser changes owners; an owner may change the
    /// group to one of its own groups.
    pub fn plan_set_owner(
        &self,
        path: &str,
        owner: &str,
        group: &str,
        caller: &Caller,
    ) -> Result<Op, RemoteException> {
        if owner.is_empty() && group.is_empty() {
            return Err(RemoteException::illegal_argument(format!(
                "'{path}': username == null && groupname == null"
            )));
        }
        let (resolved, slot) = self.existing(path, caller)?;
        let checks_apply = self.limits.permissions_enabled && !caller.is_superuser;
        if checks_apply {
            self.checker(caller).check_owner(&resolved, slot)?;
            let inode = self.inode(slot);
            if !owner.is_empty() && owner != self.strings.get(inode.owner) {
                return Err(RemoteException::new(
                    ExceptionKind::AccessControl,
                    "User ".to_string()
                        + &caller.user
                        + " is not a super user (non-super user cannot change owner).",
                ));
            }
            if !group.is_empty()
                && group != self.strings.get(inode.group)
                && !caller.groups.iter().any(|g| g == group)
            {
                return Err(RemoteException::new(
                    ExceptionKind::AccessControl,
                    format!("User {} does not belong to {group}", caller.user),
                ));
            }
        }
        Ok(Op::SetOwner(rec::SetOwnerOp {
            path: path.to_string(),
            owner: owner.to_string(),
            group: group.to_string(),
        }))
    }

    /// `setTimes`: -1 keeps a time; needs write access (or ownership).
    pub fn plan_set_times(
        &self,
        path: &str,
        mtime: i64,
        atime: i64,
        caller: &Caller,
    ) -> Result<Op, RemoteException> {
        let (resolved, slot) = self.existing(path, caller)?;
        let checker = self.checker(caller);
        if checker.check_owner(&resolved, slot).is_err() {
            checker.check_access(&resolved, slot, FsAction::WRITE)?;
        }
        Ok(Op::SetTimes(rec::SetTimesOp {
            path: path.to_string(),
            mtime,
            atime,
        }))
    }

    fn existing<'p>(
        &self,
        path: &'p str,
        caller: &Caller,
    ) -> Result<(ResolvedPath<'p>, Slot), RemoteException> {
        let resolved = self.resolve(path)?;
        self.checker(caller).check_traverse(&resolved)?;
        let slot = resolved
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        Ok((resolved, slot))
    }

    /// The file at `path`, open for writing by `client_name`.
    pub(super) fn open_file(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
    ) -> Result<Slot, RemoteException> {
        let no_lease = |detail: &str| {
            RemoteException::new(
                ExceptionKind::LeaseExpired,
                format!(
                    "No lease on {path}: {detail}. Holder {client_name} does not have any open files."
                ),
            )
        };
        let slot = self
            .resolve(path)?
            .last()
            .ok_or_else(|| no_lease("File does not exist"))?;
        let inode = self.inode(slot);
        if file_id != 0 && file_id != inode.id {
            return Err(no_lease(&format!("File does not exist (inode {file_id})")));
        }
        let file = inode
            .file()
            .ok_or_else(|| no_lease("Path is a directory"))?;
        match &file.under_construction {
            Some(open) if open.client_name == client_name => Ok(slot),
            Some(open) => Err(no_lease(&format!("Lease is owned by {}", open.client_name))),
            None => Err(no_lease("File is not open for writing")),
        }
    }

    fn check_replication(&self, path: &str, replication: u16) -> Result<(), RemoteException> {
        if replication < self.limits.min_replication {
            return Err(RemoteException::io(format!(
                "Requested replication factor of {replication} is less than the required minimum of {} for {path}",
                self.limits.min_replication
            )));
        }
        if replication > self.limits.max_replication {
            return Err(RemoteException::io(format!(
                "Requested replication factor of {replication} exceeds maximum of {} for {path}",
                self.limits.max_replication
            )));
        }
        Ok(())
    }

    fn check_component_length(&self, parent: &str, name: &str) -> Result<(), RemoteException> {
        let limit = self.limits.max_component_length;
        if limit > 0 && name.len() > limit {
            return Err(RemoteException::new(
                ExceptionKind::PathComponentTooLong,
                format!(
                    "The maximum path component name limit of {name} in directory {parent} is exceeded: limit={limit} length={}",
                    name.len()
                ),
            ));
        }
        Ok(())
    }

    fn check_new_child(
        &self,
        resolved: &ResolvedPath<'_>,
        directory: Slot,
    ) -> Result<(), RemoteException> {
        let limit = self.limits.max_directory_items;
        let items = self.inode(directory).children().map_or(0, <[Slot]>::len);
        if limit > 0 && items >= limit {
            let depth = resolved
                .slots
                .iter()
                .position(|&slot| slot == directory)
                .unwrap_or(0);
            return Err(RemoteException::new(
                ExceptionKind::MaxDirectoryItemsExceeded,
                format!(
                    "The directory item limit of {} is exceeded: limit={limit} items={items}",
                    prefix_path(&resolved.components, depth)
                ),
            ));
        }
        Ok(())
    }
}

fn file_exists(path: &str) -> RemoteException {
    RemoteException::new(
        ExceptionKind::FileAlreadyExists,
        format!("'{path}': File exists"),
    )
}

pub(crate) fn block_to_record(block: Block) -> pb::Block {
    pb::Block {
        block_id: block.id.0,
        generation_stamp: block.generation_stamp.0,
        num_bytes: block.num_bytes,
    }
}

pub(crate) fn block_from_record(block: &pb::Block) -> Block {
    Block {
        id: BlockId(block.block_id),
        generation_stamp: GenerationStamp(block.generation_stamp),
        num_bytes: block.num_bytes,
    }
}
