//! The in-memory namespace: an arena of inodes with sorted children.
//!
//! Pure domain logic, no I/O. Every mutation is planned first (checks, new ids)
//! as the edit-log record that describes it, then applied by [`Namespace::apply`],
//! the same function that replays the edit log at startup. The records are the
//! on-disk `EditRecord` ops: one language for live changes and replay.

mod apply;
mod inode;
mod lease_plan;
mod permission;
mod plan;
mod quota;
mod strings;
mod truncate_plan;

use std::collections::HashMap;

use common::path;
use common::{ExceptionKind, FsPermission, RemoteException};

pub use apply::{NamespaceBuilder, TreeError};
pub use inode::{Block, FileData, INode, INodeKind, Slot, UnderConstruction};
pub use lease_plan::LeaseRecoveryPlan;
pub use permission::Caller;
pub use plan::CreateRequest;
pub use quota::{
    DirectoryQuota, QUOTA_DONT_SET, QUOTA_RESET, QuotaCounts, QuotaUsage, ROOT_NAMESPACE_QUOTA,
};
pub use strings::StringTable;
pub use truncate_plan::{TruncatePlan, TruncateRecovery};

use permission::PermissionChecker;

/// Id of the root inode, as in HDFS (ids below are reserved).
pub const ROOT_INODE_ID: u64 = 16385;
/// Block ids start above this, as in HDFS's sequential block ids.
pub const LAST_RESERVED_BLOCK_ID: u64 = 1 << 30;
/// Generation stamps start above this, as in HDFS.
pub const LAST_RESERVED_GENERATION_STAMP: u64 = 1000;

const ROOT: Slot = 0;

/// Limits from `dfs.namenode.fs-limits.*` and `dfs.permissions.enabled`.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_component_length: usize,
    pub max_directory_items: usize,
    pub min_block_size: u64,
    pub max_blocks_per_file: usize,
    pub min_replication: u16,
    pub max_replication: u16,
    pub permissions_enabled: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_component_length: 255,
            max_directory_items: 1024 * 1024,
            min_block_size: 1024 * 1024,
            max_blocks_per_file: 10_000,
            min_replication: 1,
            max_replication: 512,
            permissions_enabled: true,
        }
    }
}

/// Counters that persist across restarts through the fsimage and edit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdCounters {
    pub last_inode_id: u64,
    pub last_block_id: u64,
    pub generation_stamp: u64,
}

/// What `getFileInfo` and listings report of one inode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct INodeStatus {
    pub name: Vec<u8>,
    pub is_directory: bool,
    pub length: u64,
    pub permission: FsPermission,
    pub owner: String,
    pub group: String,
    pub mtime: i64,
    pub atime: i64,
    pub replication: u16,
    pub block_size: u64,
    pub id: u64,
    pub children_num: u32,
    pub under_construction: bool,
}

/// One page of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<INodeStatus>,
    pub remaining: u32,
}

/// Sizes and counts below a path, and the path's quotas (-1 when not set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentSummary {
    pub length: u64,
    pub file_count: u64,
    pub directory_count: u64,
    pub space_consumed: u64,
    pub quota: i64,
    pub space_quota: i64,
}

/// The existing inodes along a path: `slots[0]` is the root, `slots[i]` the
/// inode of component `i - 1`; fewer slots than components + 1 means the rest
/// of the path does not exist.
pub(crate) struct ResolvedPath<'p> {
    pub path: &'p str,
    pub components: Vec<&'p str>,
    pub slots: Vec<Slot>,
}

impl ResolvedPath<'_> {
    pub fn exists(&self) -> bool {
        self.slots.len() == self.components.len() + 1
    }

    /// The inode the whole path names, if it exists.
    pub fn last(&self) -> Option<Slot> {
        self.exists().then(|| *self.slots.last().unwrap_or(&ROOT))
    }

    /// The parent directory of the last component, if it exists.
    pub fn parent(&self) -> Option<Slot> {
        (self.slots.len() >= self.components.len())
            .then(|| self.slots[self.components.len().saturating_sub(1)])
    }
}

/// The namespace tree.
#[derive(Debug)]
pub struct Namespace {
    inodes: Vec<Option<INode>>,
    free_slots: Vec<Slot>,
    strings: StringTable,
    counters: IdCounters,
    limits: Limits,
    num_files: u64,
    num_directories: u64,
    num_blocks: u64,
    /// Blocks dropped by applied records (deleted or overwritten files,
    /// abandoned blocks), until the namesystem takes them for invalidation.
    removed_blocks: Vec<Block>,
    /// Directories with a quota, by inode id (stable across renames), with
    /// their cached usage. The root always has one, as in HDFS.
    quotas: HashMap<u64, DirectoryQuota>,
}

impl Namespace {
    /// An empty namespace: a root directory owned by `owner:group`, mode 755.
    pub fn new(owner: &str, group: &str, now: i64, limits: Limits) -> Self {
        let mut namespace = Self {
            inodes: Vec::new(),
            free_slots: Vec::new(),
            strings: StringTable::default(),
            counters: IdCounters {
                last_inode_id: ROOT_INODE_ID,
                last_block_id: LAST_RESERVED_BLOCK_ID,
                generation_stamp: LAST_RESERVED_GENERATION_STAMP,
            },
            limits,
            num_files: 0,
            num_directories: 1,
            num_blocks: 0,
            removed_blocks: Vec::new(),
            quotas: HashMap::from([(
                ROOT_INODE_ID,
                DirectoryQuota {
                    namespace_quota: ROOT_NAMESPACE_QUOTA,
                    space_quota: QUOTA_RESET,
                    usage: QuotaCounts {
                        namespace: 1,
                        storage_space: 0,
                    },
                },
            )]),
        };
        let owner = namespace.strings.intern(owner);
        let group = namespace.strings.intern(group);
        namespace.inodes.push(Some(INode {
            id: ROOT_INODE_ID,
            name: Box::default(),
            mtime: now,
            atime: now,
            owner,
            group,
            permission: FsPermission::new(0o755),
            kind: INodeKind::Directory(Vec::new()),
        }));
        namespace
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn counters(&self) -> IdCounters {
        self.counters
    }

    pub fn num_files(&self) -> u64 {
        self.num_files
    }

    pub fn num_directories(&self) -> u64 {
        self.num_directories
    }

    pub fn num_blocks(&self) -> u64 {
        self.num_blocks
    }

    /// Takes the blocks that applied records dropped since the last call.
    pub fn take_removed_blocks(&mut self) -> Vec<Block> {
        std::mem::take(&mut self.removed_blocks)
    }

    /// Number of live inodes (files and directories).
    pub fn num_inodes(&self) -> u64 {
        self.num_files + self.num_directories
    }

    pub fn strings(&self) -> &StringTable {
        &self.strings
    }

    pub(crate) fn inode(&self, slot: Slot) -> &INode {
        self.inodes[slot as usize]
            .as_ref()
            .expect("slot refers to a live inode")
    }

    pub(crate) fn inode_mut(&mut self, slot: Slot) -> &mut INode {
        self.inodes[slot as usize]
            .as_mut()
            .expect("slot refers to a live inode")
    }

    pub(crate) fn root(&self) -> Slot {
        ROOT
    }

    /// Looks `name` up among a directory's children: `Ok(index)` when present,
    /// `Err(insertion index)` otherwise.
    pub(crate) fn find_child(&self, children: &[Slot], name: &[u8]) -> Result<usize, usize> {
        children.binary_search_by(|&child| self.inode(child).name.as_ref().cmp(name))
    }

    /// Walks `path` as far as it exists. A file in the middle of the path is
    /// `'<path>': Not a directory`.
    pub(crate) fn resolve<'p>(&self, path: &'p str) -> Result<ResolvedPath<'p>, RemoteException> {
        let components = path::components(path)?;
        let mut slots = Vec::with_capacity(components.len() + 1);
        slots.push(ROOT);
        let mut current = ROOT;
        for (index, name) in components.iter().enumerate() {
            let Some(children) = self.inode(current).children() else {
                return Err(not_a_directory(path));
            };
            match self.find_child(children, name.as_bytes()) {
                Ok(at) => current = children[at],
                Err(_) => break,
            }
            slots.push(current);
            let is_last = index + 1 == components.len();
            if !is_last && !self.inode(current).is_directory() {
                return Err(not_a_directory(path));
            }
        }
        Ok(ResolvedPath {
            path,
            components,
            slots,
        })
    }

    fn checker<'a>(&'a self, caller: &'a Caller) -> PermissionChecker<'a> {
        PermissionChecker::new(self, caller)
    }

    /// The status of `path`, or `None` if it does not exist.
    pub fn file_info(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<Option<INodeStatus>, RemoteException> {
        let resolved = self.resolve(path)?;
        self.checker(caller).check_traverse(&resolved)?;
        Ok(resolved.last().map(|slot| self.status(slot, false)))
    }

    /// Up to `limit` entries after `start_after`; a file lists as itself (with
    /// an empty name). `None` when `path` does not exist.
    pub fn listing(
        &self,
        path: &str,
        start_after: &[u8],
        limit: usize,
        caller: &Caller,
    ) -> Result<Option<Listing>, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let Some(slot) = resolved.last() else {
            return Ok(None);
        };
        let Some(children) = self.inode(slot).children() else {
            return Ok(Some(Listing {
                entries: vec![self.status(slot, false)],
                remaining: 0,
            }));
        };
        checker.check_access(&resolved, slot, common::permission::FsAction::READ_EXECUTE)?;
        let start = match self.find_child(children, start_after) {
            Ok(at) => at + 1,
            Err(at) => at,
        };
        let end = children.len().min(start.saturating_add(limit.max(1)));
        let entries = children[start..end]
            .iter()
            .map(|&child| self.status(child, true))
            .collect();
        Ok(Some(Listing {
            entries,
            remaining: (children.len() - end) as u32,
        }))
    }

    /// Whether `caller` may do `action` on `path` (Hadoop's `checkAccess`):
    /// traverse to it, then `action` on the inode itself.
    pub fn check_access(
        &self,
        path: &str,
        action: common::permission::FsAction,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        checker.check_access(&resolved, slot, action)
    }

    /// Sizes and counts of everything below `path` (needs read+execute on
    /// every directory in it, as HDFS).
    pub fn content_summary(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<ContentSummary, RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        checker.check_subtree(&resolved, slot, common::permission::FsAction::READ_EXECUTE)?;
        let (quota, space_quota) = self
            .quotas
            .get(&self.inode(slot).id)
            .map_or((QUOTA_RESET, QUOTA_RESET), |quota| {
                (quota.namespace_quota, quota.space_quota)
            });
        let mut summary = ContentSummary {
            length: 0,
            file_count: 0,
            directory_count: 0,
            space_consumed: 0,
            quota,
            space_quota,
        };
        let mut stack = vec![slot];
        while let Some(slot) = stack.pop() {
            match &self.inode(slot).kind {
                INodeKind::Directory(children) => {
                    summary.directory_count += 1;
                    stack.extend_from_slice(children);
                }
                INodeKind::File(file) => {
                    let length = file.length();
                    summary.file_count += 1;
                    summary.length += length;
                    summary.space_consumed += length * u64::from(file.replication);
                }
            }
        }
        Ok(summary)
    }

    /// The blocks of a file with their offsets, and whether it is still open.
    pub fn file_blocks(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<(Vec<Block>, bool), RemoteException> {
        let resolved = self.resolve(path)?;
        let checker = self.checker(caller);
        checker.check_traverse(&resolved)?;
        let slot = resolved
            .last()
            .ok_or_else(|| RemoteException::not_found(path))?;
        checker.check_access(&resolved, slot, common::permission::FsAction::READ)?;
        let file = self.inode(slot).file().ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("'{path}': Is a directory"),
            )
        })?;
        Ok((file.blocks.to_vec(), file.is_under_construction()))
    }

    pub(crate) fn status(&self, slot: Slot, with_name: bool) -> INodeStatus {
        let inode = self.inode(slot);
        let (length, replication, block_size, children_num, under_construction) = match &inode.kind
        {
            INodeKind::Directory(children) => (0, 0, 0, children.len() as u32, false),
            INodeKind::File(file) => (
                file.length(),
                file.replication,
                file.block_size,
                0,
                file.is_under_construction(),
            ),
        };
        INodeStatus {
            name: if with_name {
                inode.name.to_vec()
            } else {
                Vec::new()
            },
            is_directory: inode.is_directory(),
            length,
            permission: inode.permission,
            owner: self.strings.get(inode.owner).to_string(),
            group: self.strings.get(inode.group).to_string(),
            mtime: inode.mtime,
            atime: inode.atime,
            replication,
            block_size,
            id: inode.id,
            children_num,
            under_construction,
        }
    }

    /// Visits every inode, parents before children and children in name
    /// order, with its parent's id (the root's parent id is 0).
    pub fn walk(&self, mut visit: impl FnMut(u64, &INode)) {
        let mut stack: Vec<(u64, Slot)> = vec![(0, ROOT)];
        while let Some((parent_id, slot)) = stack.pop() {
            let inode = self.inode(slot);
            visit(parent_id, inode);
            if let Some(children) = inode.children() {
                stack.extend(children.iter().rev().map(|&child| (inode.id, child)));
            }
        }
    }
}

/// `/` followed by the first `depth` components of a path.
pub(crate) fn prefix_path(components: &[&str], depth: usize) -> String {
    if depth == 0 {
        return "/".to_string();
    }
    let mut path = String::new();
    for component in &components[..depth] {
        path.push('/');
        path.push_str(component);
    }
    path
}

pub(crate) fn not_a_directory(path: &str) -> RemoteException {
    RemoteException::new(
        ExceptionKind::ParentNotDirectory,
        format!("'{path}': Not a directory"),
    )
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod quota_tests;
#[cfg(test)]
mod tests;
