//! The block map: every block the NameNode knows, by id, in little more
//! memory than a block's facts take. The namespace allocates block ids in
//! sequence (as Hadoop's SequentialBlockIdGenerator does), so a block's
//! slot is its id's offset from the first one, in pages of [`PAGE`] slots
//! allocated when an id in them is first used and freed when their last
//! block goes: no key stored, no hashing, no half-empty hash table. An id
//! below the first one or far past the pages (a legacy random id) goes to
//! a hash map instead.

use std::collections::HashMap;

use common::ids::BlockId;

use super::state::BlockInfo;

const PAGE_BITS: u32 = 9;
/// Slots of a page.
const PAGE: usize = 1 << PAGE_BITS;
/// How many pages past the last one an id may land and still get a page.
const MAX_GAP_PAGES: usize = 1 << 16;

#[derive(Debug)]
struct Page {
    slots: Box<[Option<BlockInfo>]>,
    used: usize,
}

impl Page {
    fn new() -> Self {
        Self {
            slots: (0..PAGE).map(|_| None).collect(),
            used: 0,
        }
    }
}

/// Blocks by id.
#[derive(Debug, Default)]
pub struct BlockMap {
    /// The id of page 0's slot 0, set by the first insert.
    base: Option<u64>,
    pages: Vec<Option<Page>>,
    sparse: HashMap<BlockId, BlockInfo>,
}

impl BlockMap {
    /// The page and slot of `id`, if it is at or past the base.
    fn slot(&self, id: BlockId) -> Option<(usize, usize)> {
        let offset = id.0.checked_sub(self.base?)?;
        let page = usize::try_from(offset >> PAGE_BITS).ok()?;
        Some((page, (offset as usize) & (PAGE - 1)))
    }

    pub fn get(&self, id: &BlockId) -> Option<&BlockInfo> {
        if let Some((page, slot)) = self.slot(*id)
            && let Some(Some(page)) = self.pages.get(page)
            && let Some(info) = &page.slots[slot]
        {
            return Some(info);
        }
        self.sparse.get(id)
    }

    pub fn get_mut(&mut self, id: &BlockId) -> Option<&mut BlockInfo> {
        if let Some((page, slot)) = self.slot(*id)
            && let Some(Some(page)) = self.pages.get_mut(page)
            && page.slots[slot].is_some()
        {
            return page.slots[slot].as_mut();
        }
        self.sparse.get_mut(id)
    }

    pub fn contains_key(&self, id: &BlockId) -> bool {
        self.get(id).is_some()
    }

    /// Adds `info` as block `id`; returns the block it replaced.
    pub fn insert(&mut self, id: BlockId, info: BlockInfo) -> Option<BlockInfo> {
        if let Some(known) = self.sparse.get_mut(&id) {
            return Some(std::mem::replace(known, info));
        }
        let base = *self.base.get_or_insert(id.0 & !(PAGE as u64 - 1));
        let dense = self
            .slot(id)
            .filter(|&(page, _)| id.0 >= base && page < self.pages.len() + MAX_GAP_PAGES);
        let Some((page, slot)) = dense else {
            return self.sparse.insert(id, info);
        };
        if page >= self.pages.len() {
            self.pages.resize_with(page + 1, || None);
        }
        let page = self.pages[page].get_or_insert_with(Page::new);
        let old = page.slots[slot].replace(info);
        if old.is_none() {
            page.used += 1;
        }
        old
    }

    pub fn remove(&mut self, id: &BlockId) -> Option<BlockInfo> {
        if let Some((index, slot)) = self.slot(*id)
            && let Some(Some(page)) = self.pages.get_mut(index)
            && let Some(info) = page.slots[slot].take()
        {
            page.used -= 1;
            if page.used == 0 {
                self.pages[index] = None;
            }
            return Some(info);
        }
        self.sparse.remove(id)
    }

    /// Every block, in no particular order.
    #[cfg(test)]
    pub fn values(&self) -> impl Iterator<Item = &BlockInfo> {
        self.pages
            .iter()
            .flatten()
            .flat_map(|page| page.slots.iter().flatten())
            .chain(self.sparse.values())
    }
}

impl std::ops::Index<&BlockId> for BlockMap {
    type Output = BlockInfo;

    fn index(&self, id: &BlockId) -> &BlockInfo {
        self.get(id).expect("no such block in the block map")
    }
}

#[cfg(test)]
mod tests {
    use common::ids::GenerationStamp;
    use proptest::prelude::*;

    use super::*;
    use crate::namespace::Block;

    fn info(stamp: u64) -> BlockInfo {
        let block = Block {
            id: BlockId(0),
            generation_stamp: GenerationStamp(stamp),
            num_bytes: 0,
        };
        BlockInfo::new(&block, 3, false)
    }

    proptest! {
        /// The map answers as a HashMap does, whatever the ids.
        #[test]
        fn behaves_as_a_hash_map(ops in proptest::collection::vec(
            (0u8..3, prop_oneof![1_073_741_824u64..1_073_745_000, any::<u64>()]),
            1..400,
        )) {
            let mut map = BlockMap::default();
            let mut model: HashMap<BlockId, u64> = HashMap::new();
            for (step, (op, id)) in ops.into_iter().enumerate() {
                let id = BlockId(id);
                let stamp = step as u64;
                match op {
                    0 => prop_assert_eq!(
                        map.insert(id, info(stamp)).map(|old| old.generation_stamp.0),
                        model.insert(id, stamp)
                    ),
                    1 => prop_assert_eq!(
                        map.remove(&id).map(|old| old.generation_stamp.0),
                        model.remove(&id)
                    ),
                    _ => prop_assert_eq!(
                        map.get(&id).map(|info| info.generation_stamp.0),
                        model.get(&id).copied()
                    ),
                }
            }
            prop_assert_eq!(map.values().count(), model.len());
        }
    }

    #[test]
    fn pages_are_freed_with_their_last_block() {
        let mut map = BlockMap::default();
        for id in 1_000_000..1_000_000 + 3 * PAGE as u64 {
            map.insert(BlockId(id), info(1));
        }
        let pages = |map: &BlockMap| map.pages.iter().flatten().count();
        assert_eq!(pages(&map), 4, "3 pages of ids from an unaligned base");
        for id in 1_000_000..1_000_000 + 2 * PAGE as u64 {
            map.remove(&BlockId(id));
        }
        assert!(pages(&map) <= 2);
        assert_eq!(map.values().count(), PAGE);
        assert!(map.sparse.is_empty());
    }
}
