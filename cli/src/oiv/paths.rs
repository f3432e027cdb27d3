//! Full paths of image inodes. Images list parents before children, so a
//! table of directory paths by id, filled as the image streams by, names
//! every inode; files are not kept.

use std::collections::HashMap;

use proto::namenode_storage::ImageINode;

/// The root directory's inode id.
const ROOT_PARENT: u64 = 0;

#[derive(Default)]
pub struct PathTable {
    directories: HashMap<u64, String>,
}

impl PathTable {
    /// The path of `inode`, remembering it when it is a directory.
    pub fn path_of(&mut self, inode: &ImageINode) -> String {
        let name = String::from_utf8_lossy(&inode.name);
        let path = if inode.parent_id == ROOT_PARENT {
            "/".to_string()
        } else {
            match self.directories.get(&inode.parent_id) {
                Some(parent) if parent == "/" => format!("/{name}"),
                Some(parent) => format!("{parent}/{name}"),
                None => format!("/<unknown parent {}>/{name}", inode.parent_id),
            }
        };
        if inode.is_directory {
            self.directories.insert(inode.id, path.clone());
        }
        path
    }
}
