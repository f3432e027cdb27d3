//! Applying edit-log records to the namespace: used for live mutations right
//! after planning, and to replay the edit log at startup. A record that does
//! not fit the namespace (only possible when replaying a damaged log) is an
//! error naming the record, and leaves the namespace unchanged.

use common::path;
use common::{FsPermission, RemoteException};
use proto::namenode_storage as rec;
use rec::edit_record::Op;

use super::plan::block_from_record;
use super::truncate_plan::cut_blocks;
use super::{FileData, INode, INodeKind, Namespace, Slot, UnderConstruction};

impl Namespace {
    /// Applies one record, and its effect on the usage of quota directories.
    pub fn apply(&mut self, op: &Op) -> Result<(), RemoteException> {
        let deltas = self.quota_deltas(op)?;
        self.apply_change(op)?;
        self.add_quota_deltas(deltas);
        Ok(())
    }

    fn apply_change(&mut self, op: &Op) -> Result<(), RemoteException> {
        match op {
            Op::Mkdir(op) => {
                let inode = self.new_inode(
                    op.inode_id,
                    &op.path,
                    op.permission,
                    &op.owner,
                    &op.group,
                    op.mtime,
                    INodeKind::Directory(Vec::new()),
                );
                self.attach(&op.path, inode, op.mtime)?;
                self.num_directories += 1;
            }
            Op::AddFile(op) => {
                if op.overwrite {
                    self.remove(&op.path, op.mtime)?;
                }
                let file = FileData {
                    replication: op.replication as u16,
                    block_size: op.block_size,
                    blocks: Box::default(),
                    under_construction: Some(Box::new(UnderConstruction {
                        client_name: op.client_name.clone(),
                        truncating: false,
                    })),
                };
                let inode = self.new_inode(
                    op.inode_id,
                    &op.path,
                    op.permission,
                    &op.owner,
                    &op.group,
                    op.mtime,
                    INodeKind::File(file),
                );
                self.attach(&op.path, inode, op.mtime)?;
                self.num_files += 1;
            }
            Op::AddBlock(op) => {
                let last = op
                    .last
                    .as_ref()
                    .ok_or_else(|| replay_error("add block without a block", &op.path))?;
                let last = block_from_record(last);
                let file = self.file_mut(&op.path)?;
                // Exactly one more slot: growing a Vec and shrinking it back
                // would leave a freed chunk behind per block (fragmentation).
                let mut blocks = Vec::with_capacity(file.blocks.len() + 1);
                blocks.extend_from_slice(&file.blocks);
                if let (Some(stored), Some(penultimate)) = (blocks.last_mut(), &op.penultimate) {
                    *stored = block_from_record(penultimate);
                }
                blocks.push(last);
                file.blocks = blocks.into_boxed_slice();
                self.num_blocks += 1;
                self.counters.last_block_id = self.counters.last_block_id.max(last.id.0);
                self.counters.generation_stamp =
                    self.counters.generation_stamp.max(last.generation_stamp.0);
            }
            Op::CloseFile(op) => {
                let file = self.file_mut(&op.path)?;
                let before = file.blocks.len() as u64;
                if file.blocks.len() == op.blocks.len() {
                    for (stored, closed) in file.blocks.iter_mut().zip(&op.blocks) {
                        *stored = block_from_record(closed);
                    }
                } else {
                    file.blocks = op.blocks.iter().map(block_from_record).collect();
                }
                file.under_construction = None;
                let after = file.blocks.len() as u64;
                self.num_blocks = self.num_blocks + after - before;
                let slot = self.existing_slot(&op.path)?;
                let inode = self.inode_mut(slot);
                inode.mtime = op.mtime;
                inode.atime = op.atime;
            }
            Op::UpdateBlocks(op) => {
                let file = self.file_mut(&op.path)?;
                let before = file.blocks.len() as u64;
                let blocks: Box<[super::Block]> = op.blocks.iter().map(block_from_record).collect();
                let dropped: Vec<super::Block> = file
                    .blocks
                    .iter()
                    .filter(|old| !blocks.iter().any(|new| new.id == old.id))
                    .copied()
                    .collect();
                let newest_stamp = blocks
                    .iter()
                    .map(|block| block.generation_stamp.0)
                    .max()
                    .unwrap_or(0);
                file.blocks = blocks;
                let after = file.blocks.len() as u64;
                self.num_blocks = self.num_blocks + after - before;
                self.removed_blocks.extend(dropped);
                self.counters.generation_stamp = self.counters.generation_stamp.max(newest_stamp);
            }
            Op::Rename(op) => {
                self.existing_slot(&op.src)?;
                if op.overwrite {
                    self.remove(&op.dst, op.timestamp)?;
                }
                let mut inode = self.detach(&op.src, op.timestamp)?;
                inode.name = path::basename(&op.dst).as_bytes().into();
                if let Err(error) = self.attach(&op.dst, inode, op.timestamp) {
                    return Err(replay_error(&error.message, &op.dst));
                }
            }
            Op::Concat(op) => {
                let mut moved = Vec::new();
                for source in &op.sources {
                    let inode = self.detach(source, op.timestamp)?;
                    let INodeKind::File(file) = inode.kind else {
                        return Err(replay_error("not a file", source));
                    };
                    self.num_files -= 1;
                    moved.extend_from_slice(&file.blocks);
                }
                let slot = self.existing_slot(&op.target)?;
                let target = self.inode_mut(slot);
                target.mtime = op.timestamp;
                let file = target
                    .file_mut()
                    .ok_or_else(|| replay_error("not a file", &op.target))?;
                let mut blocks = std::mem::take(&mut file.blocks).into_vec();
                blocks.extend(moved);
                file.blocks = blocks.into_boxed_slice();
            }
            Op::Truncate(op) => self.apply_truncate(op)?,
            Op::Delete(op) => {
                self.remove(&op.path, op.timestamp)?;
            }
            Op::SetReplication(op) => {
                self.file_mut(&op.path)?.replication = op.replication as u16;
            }
            Op::SetPermission(op) => {
                let slot = self.existing_slot(&op.path)?;
                self.inode_mut(slot).permission = FsPermission::new(op.permission as u16);
            }
            Op::SetOwner(op) => {
                let slot = self.existing_slot(&op.path)?;
                if !op.owner.is_empty() {
                    let owner = self.strings.intern(&op.owner);
                    self.inode_mut(slot).owner = owner;
                }
                if !op.group.is_empty() {
                    let group = self.strings.intern(&op.group);
                    self.inode_mut(slot).group = group;
                }
            }
            Op::ReassignLease(op) => {
                let file = self.file_mut(&op.path)?;
                let open = file
                    .under_construction
                    .as_mut()
                    .ok_or_else(|| replay_error("file is not open for writing", &op.path))?;
                open.client_name.clone_from(&op.new_holder);
            }
            Op::Append(op) => {
                let file = self.file_mut(&op.path)?;
                if file.under_construction.is_some() {
                    return Err(replay_error("file is already open for writing", &op.path));
                }
                file.under_construction = Some(Box::new(UnderConstruction {
                    client_name: op.client_name.clone(),
                    truncating: false,
                }));
                let slot = self.existing_slot(&op.path)?;
                self.inode_mut(slot).mtime = op.mtime;
            }
            Op::SetQuota(op) => self.apply_set_quota(op)?,
            Op::SetTimes(op) => {
                let slot = self.existing_slot(&op.path)?;
                let inode = self.inode_mut(slot);
                if op.mtime >= 0 {
                    inode.mtime = op.mtime;
                }
                if op.atime >= 0 {
                    inode.atime = op.atime;
                }
            }
        }
        Ok(())
    }

    /// `Truncate`: drops the blocks past the new length; off a block boundary
    /// the record's truncate block replaces the last kept block and the file
    /// is open for the client until the block is recovered.
    fn apply_truncate(&mut self, op: &rec::TruncateOp) -> Result<(), RemoteException> {
        let slot = self.existing_slot(&op.src)?;
        let file = self
            .inode_mut(slot)
            .file_mut()
            .ok_or_else(|| replay_error("not a file", &op.src))?;
        if file.under_construction.is_some() {
            return Err(replay_error("file is open for writing", &op.src));
        }
        if file.length() < op.new_length {
            return Err(replay_error("file is shorter than the truncate", &op.src));
        }
        let cut = cut_blocks(&file.blocks, op.new_length);
        let mut blocks = file.blocks.to_vec();
        let dropped = blocks.split_off(cut.kept);
        let mut newest_stamp = 0;
        match (cut.last_block_length, &op.truncate_block) {
            (None, None) => {}
            (Some(length), Some(record)) => {
                let truncated = block_from_record(record);
                let last = blocks.last_mut().expect("a cut block is kept");
                if truncated.id != last.id || truncated.num_bytes != length {
                    return Err(replay_error(
                        "the truncate block is not the file's cut block",
                        &op.src,
                    ));
                }
                *last = truncated;
                newest_stamp = truncated.generation_stamp.0;
                file.under_construction = Some(Box::new(UnderConstruction {
                    client_name: op.client_name.clone(),
                    truncating: true,
                }));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(replay_error(
                    "a truncate block is needed exactly off a block boundary",
                    &op.src,
                ));
            }
        }
        file.blocks = blocks.into_boxed_slice();
        self.inode_mut(slot).mtime = op.mtime;
        self.num_blocks -= dropped.len() as u64;
        self.removed_blocks.extend(dropped);
        self.counters.generation_stamp = self.counters.generation_stamp.max(newest_stamp);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn new_inode(
        &mut self,
        id: u64,
        path: &str,
        permission: u32,
        owner: &str,
        group: &str,
        mtime: i64,
        kind: INodeKind,
    ) -> INode {
        self.counters.last_inode_id = self.counters.last_inode_id.max(id);
        INode {
            id,
            name: path::basename(path).as_bytes().into(),
            mtime,
            atime: mtime,
            owner: self.strings.intern(owner),
            group: self.strings.intern(group),
            permission: FsPermission::new(permission as u16),
            kind,
        }
    }

    pub(super) fn existing_slot(&self, path: &str) -> Result<Slot, RemoteException> {
        self.resolve(path)?
            .last()
            .ok_or_else(|| replay_error("no such path", path))
    }

    fn file_mut(&mut self, path: &str) -> Result<&mut FileData, RemoteException> {
        let slot = self.existing_slot(path)?;
        self.inode_mut(slot)
            .file_mut()
            .ok_or_else(|| replay_error("not a file", path))
    }

    /// Adds `inode` under the parent directory of `path`.
    fn attach(&mut self, path: &str, inode: INode, mtime: i64) -> Result<(), RemoteException> {
        let parent_path = path::parent(path);
        let parent = self
            .resolve(parent_path)?
            .last()
            .ok_or_else(|| replay_error("no parent directory", path))?;
        let INodeKind::Directory(children) = &self.inode(parent).kind else {
            return Err(replay_error("parent is not a directory", path));
        };
        let at = match self.find_child(children, &inode.name) {
            Ok(_) => return Err(replay_error("already exists", path)),
            Err(at) => at,
        };
        let slot = self.allocate(inode);
        let parent_inode = self.inode_mut(parent);
        parent_inode.mtime = mtime;
        if let INodeKind::Directory(children) = &mut parent_inode.kind {
            children.insert(at, slot);
        }
        Ok(())
    }

    /// Unlinks the inode at `path` from its parent and returns it (its
    /// subtree stays in the arena, linked to it).
    fn detach(&mut self, path: &str, mtime: i64) -> Result<INode, RemoteException> {
        let resolved = self.resolve(path)?;
        let (Some(slot), Some(parent)) = (resolved.last(), resolved.parent()) else {
            return Err(replay_error("no such path", path));
        };
        if resolved.components.is_empty() {
            return Err(replay_error("cannot detach the root", path));
        }
        let parent_inode = self.inode_mut(parent);
        parent_inode.mtime = mtime;
        if let INodeKind::Directory(children) = &mut parent_inode.kind
            && let Some(at) = children.iter().position(|&child| child == slot)
        {
            children.remove(at);
        }
        self.free_slots.push(slot);
        Ok(self.inodes[slot as usize]
            .take()
            .expect("resolved slot is live"))
    }

    /// Deletes the subtree at `path`, if there is one.
    fn remove(&mut self, path: &str, mtime: i64) -> Result<(), RemoteException> {
        if self.resolve(path)?.last().is_none() {
            return Ok(());
        }
        let inode = self.detach(path, mtime)?;
        let mut pending = vec![inode];
        while let Some(inode) = pending.pop() {
            match inode.kind {
                INodeKind::Directory(children) => {
                    self.num_directories -= 1;
                    self.quotas.remove(&inode.id);
                    for child in children {
                        self.free_slots.push(child);
                        pending.push(
                            self.inodes[child as usize]
                                .take()
                                .expect("child slot is live"),
                        );
                    }
                }
                INodeKind::File(file) => {
                    self.num_files -= 1;
                    self.num_blocks -= file.blocks.len() as u64;
                    self.removed_blocks.extend_from_slice(&file.blocks);
                }
            }
        }
        Ok(())
    }

    fn allocate(&mut self, inode: INode) -> Slot {
        if let Some(slot) = self.free_slots.pop() {
            self.inodes[slot as usize] = Some(inode);
            return slot;
        }
        self.inodes.push(Some(inode));
        (self.inodes.len() - 1) as Slot
    }
}

pub(super) fn replay_error(reason: &str, path: &str) -> RemoteException {
    RemoteException::io(format!(
        "edit does not apply to the namespace: {reason}: {path}"
    ))
}

/// Why an inode read from an image cannot join the tree being built.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("inode {0} refers to an unknown owner or group")]
    UnknownOwnerOrGroup(u64),
    #[error("the root inode is not a directory")]
    RootNotDirectory,
    #[error("inode {id} comes before its parent {parent_id}")]
    ParentMissing { id: u64, parent_id: u64 },
    #[error("parent {parent_id} of inode {id} is a file")]
    ParentIsFile { id: u64, parent_id: u64 },
    #[error("children of inode {parent_id} are not in name order")]
    ChildrenOutOfOrder { parent_id: u64 },
}

/// Rebuilds a namespace from fsimage records: parents before children,
/// children in name order.
pub struct NamespaceBuilder {
    namespace: Namespace,
    /// Slot of each directory by inode id, while loading.
    directories: std::collections::HashMap<u64, Slot>,
}

impl NamespaceBuilder {
    /// Starts from `strings` (the image's string table), with the root's
    /// attributes coming from the first `add` call.
    pub fn new(strings: Vec<String>, counters: super::IdCounters, limits: super::Limits) -> Self {
        let mut namespace = Namespace::new("", "", 0, limits);
        namespace.strings = super::StringTable::default();
        for name in &strings {
            namespace.strings.intern(name);
        }
        namespace.counters = counters;
        Self {
            namespace,
            directories: std::collections::HashMap::new(),
        }
    }

    /// Adds an inode below the directory with id `parent_id` (0 for the root
    /// itself, which replaces the placeholder root).
    pub fn add(&mut self, parent_id: u64, inode: INode) -> Result<(), TreeError> {
        let is_directory = inode.is_directory();
        let id = inode.id;
        let strings = self.namespace.strings.all().count() as u32;
        if inode.owner >= strings || inode.group >= strings {
            return Err(TreeError::UnknownOwnerOrGroup(id));
        }
        if parent_id == 0 {
            if !is_directory {
                return Err(TreeError::RootNotDirectory);
            }
            self.namespace.inodes[0] = Some(inode);
            self.directories.insert(id, 0);
            return Ok(());
        }
        let parent = *self
            .directories
            .get(&parent_id)
            .ok_or(TreeError::ParentMissing { id, parent_id })?;
        if let INodeKind::File(file) = &inode.kind {
            self.namespace.num_files += 1;
            self.namespace.num_blocks += file.blocks.len() as u64;
        } else {
            self.namespace.num_directories += 1;
        }
        let slot = self.namespace.allocate(inode);
        if is_directory {
            self.directories.insert(id, slot);
        }
        let namespace = &self.namespace;
        let in_order = match &namespace.inode(parent).kind {
            INodeKind::Directory(children) => children.last().is_none_or(|&previous| {
                namespace.inode(previous).name < namespace.inode(slot).name
            }),
            INodeKind::File(_) => {
                return Err(TreeError::ParentIsFile { id, parent_id });
            }
        };
        if !in_order {
            return Err(TreeError::ChildrenOutOfOrder { parent_id });
        }
        if let INodeKind::Directory(children) = &mut self.namespace.inode_mut(parent).kind {
            children.push(slot);
        }
        Ok(())
    }

    /// Sets the quotas of the directory with inode id `id` (already added; a file's
    /// quota is ignored); its usage is counted by [`Self::finish`].
    pub fn set_quota(&mut self, id: u64, namespace_quota: i64, space_quota: i64) {
        if !self.directories.contains_key(&id) {
            return;
        }
        self.namespace.quotas.insert(
            id,
            super::DirectoryQuota {
                namespace_quota,
                space_quota,
                usage: super::QuotaCounts::default(),
            },
        );
    }

    /// The namespace, with the usage of every quota directory counted.
    pub fn finish(mut self) -> Namespace {
        self.namespace.recount_quota_usage();
        self.namespace
    }
}
