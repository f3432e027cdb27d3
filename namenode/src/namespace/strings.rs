//! Interned owner and group names: inodes hold a u32 index, not a string.

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct StringTable {
    strings: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl StringTable {
    /// The index of `name`, adding it on first use.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.index.get(name) {
            return index;
        }
        let index = self.strings.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.strings.push(name.clone());
        self.index.insert(name, index);
        index
    }

    /// The name at `index` (empty for an index this table never gave out).
    pub fn get(&self, index: u32) -> &str {
        self.strings.get(index as usize).map_or("", |name| name)
    }

    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(|name| &**name)
    }
}
