//! Inodes: the namespace's directories and files, kept compact in an arena.

use common::FsPermission;
use common::ids::{BlockId, GenerationStamp};

/// Index of an inode in the namespace arena (not its persistent id).
pub type Slot = u32;

/// A block of a file: id, generation stamp and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    pub id: BlockId,
    pub generation_stamp: GenerationStamp,
    pub num_bytes: u64,
}

/// A directory or a file. Owner and group are indices into the namespace's
/// string table; the name is the raw UTF-8 component.
#[derive(Debug)]
pub struct INode {
    pub id: u64,
    pub name: Box<[u8]>,
    pub mtime: i64,
    pub atime: i64,
    pub owner: u32,
    pub group: u32,
    pub permission: FsPermission,
    pub kind: INodeKind,
}

#[derive(Debug)]
pub enum INodeKind {
    /// Children slots, sorted by name for binary search.
    Directory(Vec<Slot>),
    File(FileData),
}

/// What only files have.
#[derive(Debug)]
pub struct FileData {
    pub replication: u16,
    pub block_size: u64,
    pub blocks: Box<[Block]>,
    /// Set while the file is being written (boxed: most files are closed).
    pub under_construction: Option<Box<UnderConstruction>>,
}

/// The state of a file open for writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnderConstruction {
    /// The lease holder: the client writing the file.
    pub client_name: String,
    /// Open because truncate is cutting the last block's replicas (Hadoop's
    /// truncate block of an UNDER_RECOVERY last block), not for writing.
    pub truncating: bool,
}

impl FileData {
    pub fn length(&self) -> u64 {
        self.blocks.iter().map(|block| block.num_bytes).sum()
    }

    pub fn is_under_construction(&self) -> bool {
        self.under_construction.is_some()
    }
}

impl INode {
    pub fn is_directory(&self) -> bool {
        matches!(self.kind, INodeKind::Directory(_))
    }

    pub fn children(&self) -> Option<&[Slot]> {
        match &self.kind {
            INodeKind::Directory(children) => Some(children),
            INodeKind::File(_) => None,
        }
    }

    pub fn file(&self) -> Option<&FileData> {
        match &self.kind {
            INodeKind::File(file) => Some(file),
            INodeKind::Directory(_) => None,
        }
    }

    pub fn file_mut(&mut self) -> Option<&mut FileData> {
        match &mut self.kind {
            INodeKind::File(file) => Some(file),
            INodeKind::Directory(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_stays_small() {
        // Memory per file is a target of the design: keep the struct tight.
        assert!(
            std::mem::size_of::<INode>() <= 96,
            "{}",
            std::mem::size_of::<INode>()
        );
        assert_eq!(
            std::mem::size_of::<Option<INode>>(),
            std::mem::size_of::<INode>()
        );
    }
}
