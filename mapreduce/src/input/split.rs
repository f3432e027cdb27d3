//! Input splits from block locations, as FileInputFormat.getSplits: split
//! size = max(minsize, min(maxsize, blocksize)); the last split may be up to
//! 1.1 split sizes; each split's hosts are those of the block it starts in.

/// A piece of one input file that one map task reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSplit {
    pub path: String,
    pub start: u64,
    pub length: u64,
    /// Hosts holding the block the split starts in (for data-local maps).
    pub hosts: Vec<String>,
    /// Their racks, for rack-local maps.
    pub racks: Vec<String>,
}

/// One block of an input file and where its replicas are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockLocation {
    pub offset: u64,
    pub length: u64,
    pub hosts: Vec<String>,
    pub racks: Vec<String>,
}

/// An input file with its blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub length: u64,
    pub block_size: u64,
    pub blocks: Vec<BlockLocation>,
}

/// How much longer than a split the last one may be.
const SPLIT_SLOP: f64 = 1.1;

/// Files whose names start with `_` or `.` (`_SUCCESS`, `_logs`, `.crc`) are not input.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

/// The block holding `offset` (the last block when past the end).
fn block_at(blocks: &[BlockLocation], offset: u64) -> Option<&BlockLocation> {
    blocks
        .iter()
        .find(|block| block.offset <= offset && offset < block.offset + block.length)
        .or_else(|| blocks.last())
}

fn split_at(file: &InputFile, start: u64, length: u64) -> InputSplit {
    let block = block_at(&file.blocks, start);
    InputSplit {
        path: file.path.clone(),
        start,
        length,
        hosts: block.map(|block| block.hosts.clone()).unwrap_or_default(),
        racks: block.map(|block| block.racks.clone()).unwrap_or_default(),
    }
}

/// Splits for `files`; a file that is not `splittable` is one split.
pub fn compute_splits(
    files: &[InputFile],
    min_size: u64,
    max_size: u64,
    splittable: bool,
) -> Vec<InputSplit> {
    let mut splits = Vec::new();
    for file in files {
        if file.length == 0 {
            splits.push(InputSplit {
                path: file.path.clone(),
                start: 0,
                length: 0,
                hosts: Vec::new(),
                racks: Vec::new(),
            });
            continue;
        }
        if !splittable {
            splits.push(split_at(file, 0, file.length));
            continue;
        }
        let split_size = min_size.max(max_size.min(file.block_size.max(1)));
        let mut remaining = file.length;
        while remaining as f64 / split_size as f64 > SPLIT_SLOP {
            splits.push(split_at(file, file.length - remaining, split_size));
            remaining -= split_size;
        }
        if remaining != 0 {
            splits.push(split_at(file, file.length - remaining, remaining));
        }
    }
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(length: u64, block_size: u64) -> InputFile {
        let mut blocks = Vec::new();
        let mut offset = 0;
        while offset < length {
            let block_length = block_size.min(length - offset);
            blocks.push(BlockLocation {
                offset,
                length: block_length,
                hosts: vec![format!("host{}", offset / block_size)],
                racks: vec!["/r1".to_string()],
            });
            offset += block_length;
        }
        InputFile {
            path: "/in/f".to_string(),
            length,
            block_size,
            blocks,
        }
    }

    fn extents(splits: &[InputSplit]) -> Vec<(u64, u64)> {
        splits
            .iter()
            .map(|split| (split.start, split.length))
            .collect()
    }

    #[test]
    fn one_split_per_block_with_slop_on_the_last() {
        let splits = compute_splits(&[file(310, 100)], 1, u64::MAX, true);
        assert_eq!(extents(&splits), [(0, 100), (100, 100), (200, 110)]);
        assert_eq!(splits[1].hosts, ["host1"]);
        assert_eq!(splits[2].hosts, ["host2"]);
        // 1.1 x is still one split; just over makes two.
        assert_eq!(
            compute_splits(&[file(110, 100)], 1, u64::MAX, true).len(),
            1
        );
        assert_eq!(
            extents(&compute_splits(&[file(111, 100)], 1, u64::MAX, true)),
            [(0, 100), (100, 11)]
        );
    }

    #[test]
    fn min_and_max_sizes_bound_the_split_size() {
        let by_max = compute_splits(&[file(400, 100)], 1, 50, true);
        assert_eq!(by_max.len(), 8);
        assert_eq!(by_max[3].hosts, ["host1"]);
        let by_min = compute_splits(&[file(400, 100)], 200, u64::MAX, true);
        assert_eq!(extents(&by_min), [(0, 200), (200, 200)]);
    }

    #[test]
    fn empty_and_unsplittable_files() {
        let splits = compute_splits(&[file(0, 100), file(350, 100)], 1, u64::MAX, false);
        assert_eq!(extents(&splits), [(0, 0), (0, 350)]);
        assert!(splits[0].hosts.is_empty());
    }

    #[test]
    fn hidden_files() {
        assert!(is_hidden("_SUCCESS"));
        assert!(is_hidden(".part-00000.crc"));
        assert!(!is_hidden("part-r-00000"));
    }
}
