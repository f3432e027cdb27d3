//! Name and space quotas on directories, Hadoop's `DirectoryWithQuotaFeature`.
//!
//! A directory with a quota caches its usage: the namespace count (itself and every
//! file and directory below it) and the storage space (bytes times replication, a block
//! under construction counted at the file's full block size as Hadoop does). The cache is
//! kept up to date incrementally: every record's effect on usage is computed as deltas per
//! quota directory on its path ([`Namespace::quota_deltas`]), checked by the plan
//! ([`Namespace::check_quota`]) and added by `apply`. The only walk of a subtree is when a
//! quota is first set (its initial usage), when a subtree moves between quota
//! directories (rename) or is deleted, and at load.

use common::units::byte_desc;
use common::{ExceptionKind, RemoteException};
use proto::namenode_storage as rec;
use rec::edit_record::Op;

use super::plan::block_from_record;
use super::{
    Block, FileData, INodeKind, Namespace, ROOT_INODE_ID, ResolvedPath, Slot, prefix_path,
};

/// Hadoop's `HdfsConstants.QUOTA_RESET`: no quota.
pub const QUOTA_RESET: i64 = -1;
/// Hadoop's `HdfsConstants.QUOTA_DONT_SET`: leave this quota as it is.
pub const QUOTA_DONT_SET: i64 = i64::MAX;
/// The root's namespace quota when none was set (Hadoop's `DEFAULT_NAMESPACE_QUOTA`).
pub const ROOT_NAMESPACE_QUOTA: i64 = i64::MAX;

/// Namespace count and storage space, as usage or as a change of usage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuotaCounts {
    pub namespace: i64,
    pub storage_space: i64,
}

impl QuotaCounts {
    fn add(&mut self, other: QuotaCounts) {
        self.namespace += other.namespace;
        self.storage_space += other.storage_space;
    }

    fn negated(self) -> QuotaCounts {
        QuotaCounts {
            namespace: -self.namespace,
            storage_space: -self.storage_space,
        }
    }

    fn is_zero(self) -> bool {
        self == QuotaCounts::default()
    }
}

/// The quotas of one directory and its cached usage. A quota of -1 is not set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectoryQuota {
    pub namespace_quota: i64,
    pub space_quota: i64,
    pub usage: QuotaCounts,
}

/// What `getQuotaUsage` reports of a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaUsage {
    pub file_and_directory_count: i64,
    pub quota: i64,
    pub space_consumed: i64,
    pub space_quota: i64,
}

/// Changes of usage per quota directory, for one or more records.
#[derive(Debug, Default)]
pub(crate) struct QuotaDeltas {
    entries: Vec<QuotaDelta>,
}

#[derive(Debug)]
struct QuotaDelta {
    directory_id: u64,
    /// Path components from the root to the directory: its depth, for ordering and messages.
    depth: usize,
    path: String,
    delta: QuotaCounts,
}

impl QuotaDeltas {
    fn add(
        &mut self,
        directory_id: u64,
        depth: usize,
        path: impl FnOnce() -> String,
        delta: QuotaCounts,
    ) {
        if let Some(entry) = self
            .entries
            .iter_mut()
            .find(|entry| entry.directory_id == directory_id)
        {
            entry.delta.add(delta);
            return;
        }
        self.entries.push(QuotaDelta {
            directory_id,
            depth,
            path: path(),
            delta,
        });
    }

    fn extend(&mut self, other: QuotaDeltas) {
        for entry in other.entries {
            let path = entry.path;
            self.add(entry.directory_id, entry.depth, || path, entry.delta);
        }
    }
}

/// Storage space of a file: bytes times replication, the last block of a file under
/// construction counted at the full block size (Hadoop's
/// `computeFileSize(true, true) * replication`).
pub(crate) fn file_storage_space(
    replication: u16,
    block_size: u64,
    blocks: &[Block],
    under_construction: bool,
) -> i64 {
    let mut bytes: u64 = blocks.iter().map(|block| block.num_bytes).sum();
    if under_construction && let Some(last) = blocks.last() {
        bytes = bytes - last.num_bytes + last.num_bytes.max(block_size);
    }
    bytes as i64 * i64::from(replication)
}

fn file_space(file: &FileData) -> i64 {
    file_storage_space(
        file.replication,
        file.block_size,
        &file.blocks,
        file.is_under_construction(),
    )
}

pub(crate) fn ns_quota_exceeded(path: &str, quota: i64, count: i64) -> RemoteException {
    RemoteException::new(
        ExceptionKind::NsQuotaExceeded,
        format!(
            "The NameSpace quota (directories and files) of directory {path} is exceeded: \
             quota={quota} file count={count}"
        ),
    )
}

pub(crate) fn ds_quota_exceeded(path: &str, quota: i64, consumed: i64) -> RemoteException {
    RemoteException::new(
        ExceptionKind::DsQuotaExceeded,
        format!(
            "The DiskSpace quota of {path} is exceeded: quota = {quota} B = {} \
             but diskspace consumed = {consumed} B = {}",
            byte_desc(quota.max(0) as u64),
            byte_desc(consumed.max(0) as u64)
        ),
    )
}

impl Namespace {
    /// The quota of the directory with inode id `id`, if it has one.
    pub fn quota_of(&self, id: u64) -> Option<&DirectoryQuota> {
        self.quotas.get(&id)
    }

    /// Every directory with a quota, by inode id.
    pub fn quotas(&self) -> impl Iterator<Item = (u64, &DirectoryQuota)> {
        self.quotas.iter().map(|(&id, quota)| (id, quota))
    }

    /// `getQuotaUsage`: the cached usage of a directory with a quota, else a count of
    /// its subtree with no quota.
    pub fn quota_usage(
        &self,
        path: &str,
        caller: &super::Caller,
    ) -> Result<QuotaUsage, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        if let Some(quota) = self.quotas.get(&self.inode(slot).id) {
            return Ok(QuotaUsage {
                file_and_directory_count: quota.usage.namespace,
                quota: quota.namespace_quota,
                space_consumed: quota.usage.storage_space,
                space_quota: quota.space_quota,
            });
        }
        checker.check_subtree(&resolved, slot, common::permission::FsAction::READ_EXECUTE)?;
        let usage = self.subtree_usage(slot, true);
        Ok(QuotaUsage {
            file_and_directory_count: usage.namespace,
            quota: QUOTA_RESET,
            space_consumed: usage.storage_space,
            space_quota: QUOTA_RESET,
        })
    }

    /// `setQuota`: the record setting the quotas of the directory at `path`, `None` when
    /// they would not change. `QUOTA_DONT_SET` keeps a quota, `QUOTA_RESET` clears it.
    /// The caller checks superuser privilege.
    pub fn plan_set_quota(
        &self,
        path: &str,
        namespace_quota: i64,
        space_quota: i64,
    ) -> Result<Option<Op>, RemoteException> {
        let valid = |quota: i64| quota >= 0 || quota == QUOTA_RESET;
        if !valid(namespace_quota) || !valid(space_quota) {
            return Err(RemoteException::illegal_argument(format!(
                "Illegal value for nsQuota or ssQuota : {namespace_quota} and {space_quota}"
            )));
        }
        let resolved = self.resolve(path)?;
        let slot = resolved.last().ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("Directory does not exist: {path}"),
            )
        })?;
        let inode = self.inode(slot);
        if !inode.is_directory() {
            return Err(RemoteException::new(
                ExceptionKind::PathIsNotDirectory,
                format!("'{path}': Is not a directory"),
            ));
        }
        if slot == self.root() && namespace_quota == QUOTA_RESET {
            return Err(RemoteException::illegal_argument(
                "Cannot clear namespace quota on root.",
            ));
        }
        let (old_namespace, old_space) = self
            .quotas
            .get(&inode.id)
            .map_or((QUOTA_RESET, QUOTA_RESET), |quota| {
                (quota.namespace_quota, quota.space_quota)
            });
        let namespace_quota = if namespace_quota == QUOTA_DONT_SET {
            old_namespace
        } else {
            namespace_quota
        };
        let space_quota = if space_quota == QUOTA_DONT_SET {
            old_space
        } else {
            space_quota
        };
        if (namespace_quota, space_quota) == (old_namespace, old_space) {
            return Ok(None);
        }
        Ok(Some(Op::SetQuota(rec::SetQuotaOp {
            path: path.to_string(),
            namespace_quota,
            space_quota,
        })))
    }

    /// Applies a `SetQuota` record: a directory getting its first quota has its usage
    /// counted once; clearing both quotas drops it (never the root's).
    pub(super) fn apply_set_quota(&mut self, op: &rec::SetQuotaOp) -> Result<(), RemoteException> {
        let slot = self.existing_slot(&op.path)?;
        let inode = self.inode(slot);
        if !inode.is_directory() {
            return Err(super::apply::replay_error("not a directory", &op.path));
        }
        let id = inode.id;
        let cleared = op.namespace_quota == QUOTA_RESET && op.space_quota == QUOTA_RESET;
        if cleared && id != ROOT_INODE_ID {
            self.quotas.remove(&id);
            return Ok(());
        }
        if let Some(quota) = self.quotas.get_mut(&id) {
            quota.namespace_quota = op.namespace_quota;
            quota.space_quota = op.space_quota;
            return Ok(());
        }
        let usage = self.subtree_usage(slot, true);
        self.quotas.insert(
            id,
            DirectoryQuota {
                namespace_quota: op.namespace_quota,
                space_quota: op.space_quota,
                usage,
            },
        );
        Ok(())
    }

    /// Usage of the subtree at `slot`; with `use_cache`, a directory below it with a
    /// quota answers from its cached usage instead of being walked.
    pub(crate) fn subtree_usage(&self, slot: Slot, use_cache: bool) -> QuotaCounts {
        let mut usage = QuotaCounts::default();
        let mut stack = vec![slot];
        while let Some(slot) = stack.pop() {
            let inode = self.inode(slot);
            if use_cache && let Some(quota) = self.quotas.get(&inode.id) {
                usage.add(quota.usage);
                continue;
            }
            usage.namespace += 1;
            match &inode.kind {
                INodeKind::Directory(children) => stack.extend_from_slice(children),
                INodeKind::File(file) => usage.storage_space += file_space(file),
            }
        }
        usage
    }

    /// Recounts the usage of every directory with a quota (after loading an image).
    pub(crate) fn recount_quota_usage(&mut self) {
        let ids: Vec<u64> = self.quotas.keys().copied().collect();
        let mut slots = std::collections::HashMap::with_capacity(ids.len());
        self.walk_slots(|slot, id| {
            if self.quotas.contains_key(&id) {
                slots.insert(id, slot);
            }
        });
        for id in ids {
            match slots.get(&id) {
                Some(&slot) => {
                    let usage = self.subtree_usage(slot, false);
                    if let Some(quota) = self.quotas.get_mut(&id) {
                        quota.usage = usage;
                    }
                }
                None => {
                    self.quotas.remove(&id);
                }
            }
        }
    }

    /// Quota directories whose cached usage differs from a full recount: (id, cached,
    /// recounted). Empty unless incremental counting has a bug.
    #[cfg(test)]
    pub(crate) fn stale_quota_usage(&self) -> Vec<(u64, QuotaCounts, QuotaCounts)> {
        let mut stale = Vec::new();
        self.walk_slots(|slot, id| {
            if let Some(quota) = self.quotas.get(&id) {
                let recounted = self.subtree_usage(slot, false);
                if recounted != quota.usage {
                    stale.push((id, quota.usage, recounted));
                }
            }
        });
        stale
    }

    fn walk_slots(&self, mut visit: impl FnMut(Slot, u64)) {
        let mut stack = vec![self.root()];
        while let Some(slot) = stack.pop() {
            let inode = self.inode(slot);
            visit(slot, inode.id);
            if let Some(children) = inode.children() {
                stack.extend_from_slice(children);
            }
        }
    }

    /// Refuses the records `ops` (planned together, against the current namespace) when
    /// they would take a directory over its quota: Hadoop's `verifyQuota`, innermost
    /// directory first, the name quota before the space quota, and only for growth. The
    /// records are checked one after the other, so the message names the count at the
    /// first one over the quota, as Hadoop's record-by-record checks would.
    pub(crate) fn check_quota(&self, ops: &[Op]) -> Result<(), RemoteException> {
        let mut deltas = QuotaDeltas::default();
        for op in ops {
            deltas.extend(self.quota_deltas(op)?);
            deltas
                .entries
                .sort_by_key(|entry| std::cmp::Reverse(entry.depth));
            for entry in &deltas.entries {
                self.check_directory_quota(entry)?;
            }
        }
        Ok(())
    }

    fn check_directory_quota(&self, entry: &QuotaDelta) -> Result<(), RemoteException> {
        let Some(quota) = self.quotas.get(&entry.directory_id) else {
            return Ok(());
        };
        let namespace = quota.usage.namespace + entry.delta.namespace;
        if entry.delta.namespace > 0
            && quota.namespace_quota >= 0
            && namespace > quota.namespace_quota
        {
            return Err(ns_quota_exceeded(
                &entry.path,
                quota.namespace_quota,
                namespace,
            ));
        }
        let space = quota.usage.storage_space + entry.delta.storage_space;
        if entry.delta.storage_space > 0 && quota.space_quota >= 0 && space > quota.space_quota {
            return Err(ds_quota_exceeded(&entry.path, quota.space_quota, space));
        }
        Ok(())
    }

    /// Adds the effect of `op` (computed before it was applied) to the cached usage.
    pub(super) fn add_quota_deltas(&mut self, deltas: QuotaDeltas) {
        for entry in deltas.entries {
            if let Some(quota) = self.quotas.get_mut(&entry.directory_id) {
                quota.usage.add(entry.delta);
            }
        }
    }

    /// Charges `delta` to every directory with a quota among the first `count` inodes
    /// of `resolved` (the root first).
    fn charge(
        &self,
        deltas: &mut QuotaDeltas,
        resolved: &ResolvedPath<'_>,
        count: usize,
        delta: QuotaCounts,
    ) {
        if delta.is_zero() {
            return;
        }
        for (depth, &slot) in resolved.slots.iter().take(count).enumerate() {
            let id = self.inode(slot).id;
            if self.quotas.contains_key(&id) {
                deltas.add(
                    id,
                    depth,
                    || prefix_path(&resolved.components, depth),
                    delta,
                );
            }
        }
    }

    /// Ids of the directories with a quota among the first `count` inodes of `resolved`.
    fn quota_ids(&self, resolved: &ResolvedPath<'_>, count: usize) -> Vec<u64> {
        resolved
            .slots
            .iter()
            .take(count)
            .map(|&slot| self.inode(slot).id)
            .filter(|id| self.quotas.contains_key(id))
            .collect()
    }

    /// How applying `op` to the namespace as it is now changes the usage of each
    /// directory with a quota.
    pub(crate) fn quota_deltas(&self, op: &Op) -> Result<QuotaDeltas, RemoteException> {
        let mut deltas = QuotaDeltas::default();
        if self.quotas.is_empty() {
            return Ok(deltas);
        }
        match op {
            Op::Mkdir(op) => {
                let resolved = self.resolve(&op.path)?;
                let parents = resolved.components.len();
                self.charge(
                    &mut deltas,
                    &resolved,
                    parents,
                    QuotaCounts {
                        namespace: 1,
                        storage_space: 0,
                    },
                );
            }
            Op::AddFile(op) => {
                let resolved = self.resolve(&op.path)?;
                let mut delta = QuotaCounts {
                    namespace: 1,
                    storage_space: 0,
                };
                if op.overwrite
                    && let Some(existing) = resolved.last()
                {
                    delta.add(self.subtree_usage(existing, true).negated());
                }
                self.charge(&mut deltas, &resolved, resolved.components.len(), delta);
            }
            Op::AddBlock(op) => {
                let Some(last) = &op.last else {
                    return Ok(deltas);
                };
                let new_last = block_from_record(last);
                self.charge_file_change(&mut deltas, &op.path, |file| {
                    // The last block is committed at its reported length; the new one is
                    // under construction, counted at the full block size.
                    let mut bytes: u64 = file.blocks.iter().map(|block| block.num_bytes).sum();
                    if let (Some(stored), Some(penultimate)) = (file.blocks.last(), &op.penultimate)
                    {
                        bytes = bytes - stored.num_bytes + penultimate.num_bytes;
                    }
                    bytes += new_last.num_bytes.max(file.block_size);
                    bytes as i64 * i64::from(file.replication)
                })?;
            }
            Op::CloseFile(op) => {
                self.charge_file_change(&mut deltas, &op.path, |file| {
                    let blocks: Vec<Block> = op.blocks.iter().map(block_from_record).collect();
                    file_storage_space(file.replication, file.block_size, &blocks, false)
                })?;
            }
            Op::UpdateBlocks(op) => {
                self.charge_file_change(&mut deltas, &op.path, |file| {
                    let blocks: Vec<Block> = op.blocks.iter().map(block_from_record).collect();
                    file_storage_space(
                        file.replication,
                        file.block_size,
                        &blocks,
                        file.is_under_construction(),
                    )
                })?;
            }
            Op::Append(op) => {
                self.charge_file_change(&mut deltas, &op.path, |file| {
                    file_storage_space(file.replication, file.block_size, &file.blocks, true)
                })?;
            }
            Op::Truncate(op) => {
                // The tail blocks go; a cut block is under construction
                // (counted at the full block size, as Hadoop does) until the
                // DataNodes' recovery closes the file at its new length.
                self.charge_file_change(&mut deltas, &op.src, |file| {
                    let cut = super::truncate_plan::cut_blocks(&file.blocks, op.new_length);
                    let mut blocks = file.blocks[..cut.kept].to_vec();
                    if let (Some(last), Some(record)) = (blocks.last_mut(), &op.truncate_block) {
                        *last = block_from_record(record);
                    }
                    file_storage_space(
                        file.replication,
                        file.block_size,
                        &blocks,
                        op.truncate_block.is_some(),
                    )
                })?;
            }
            Op::SetReplication(op) => {
                let replication = op.replication as u16;
                self.charge_file_change(&mut deltas, &op.path, |file| {
                    file_storage_space(
                        replication,
                        file.block_size,
                        &file.blocks,
                        file.is_under_construction(),
                    )
                })?;
            }
            Op::Rename(op) => {
                let source = self.resolve(&op.src)?;
                let target = self.resolve(&op.dst)?;
                let Some(moved) = source.last() else {
                    return Ok(deltas);
                };
                let source_parents = source.components.len();
                let target_parents = target.components.len();
                let replaced = target.last().filter(|_| op.overwrite);
                let source_quotas = self.quota_ids(&source, source_parents);
                let target_quotas = self.quota_ids(&target, target_parents);
                if source_quotas != target_quotas {
                    let usage = self.subtree_usage(moved, true);
                    self.charge(&mut deltas, &source, source_parents, usage.negated());
                    self.charge(&mut deltas, &target, target_parents, usage);
                }
                if let Some(replaced) = replaced {
                    let usage = self.subtree_usage(replaced, true);
                    self.charge(&mut deltas, &target, target_parents, usage.negated());
                }
            }
            Op::Concat(op) => {
                let target = self.resolve(&op.target)?;
                let Some(target_slot) = target.last() else {
                    return Ok(deltas);
                };
                let Some(target_file) = self.inode(target_slot).file() else {
                    return Ok(deltas);
                };
                let replication = target_file.replication;
                for source in &op.sources {
                    let resolved = self.resolve(source)?;
                    let Some(file) = resolved.last().and_then(|slot| self.inode(slot).file())
                    else {
                        continue;
                    };
                    self.charge(
                        &mut deltas,
                        &resolved,
                        resolved.components.len(),
                        QuotaCounts {
                            namespace: -1,
                            storage_space: -file_space(file),
                        },
                    );
                    let moved =
                        file_storage_space(replication, file.block_size, &file.blocks, false);
                    self.charge(
                        &mut deltas,
                        &target,
                        target.components.len(),
                        QuotaCounts {
                            namespace: 0,
                            storage_space: moved,
                        },
                    );
                }
            }
            Op::Delete(op) => {
                let resolved = self.resolve(&op.path)?;
                if let Some(slot) = resolved.last() {
                    let usage = self.subtree_usage(slot, true);
                    self.charge(
                        &mut deltas,
                        &resolved,
                        resolved.components.len(),
                        usage.negated(),
                    );
                }
            }
            Op::SetPermission(_)
            | Op::SetOwner(_)
            | Op::SetTimes(_)
            | Op::ReassignLease(_)
            | Op::SetQuota(_) => {}
        }
        Ok(deltas)
    }

    /// Charges the change of a file's storage space, `after` computing the new one, to
    /// the quota directories above it.
    fn charge_file_change(
        &self,
        deltas: &mut QuotaDeltas,
        path: &str,
        after: impl FnOnce(&FileData) -> i64,
    ) -> Result<(), RemoteException> {
        let resolved = self.resolve(path)?;
        let Some(file) = resolved.last().and_then(|slot| self.inode(slot).file()) else {
            return Ok(());
        };
        let delta = after(file) - file_space(file);
        self.charge(
            deltas,
            &resolved,
            resolved.components.len(),
            QuotaCounts {
                namespace: 0,
                storage_space: delta,
            },
        );
        Ok(())
    }
}
