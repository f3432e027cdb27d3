//! The copy listing (Hadoop's `SimpleCopyListing`): every file and
//! directory under the sources with the target path it goes to, and its
//! division into one chunk per map (`UniformSizeInputFormat`: chunks of
//! about equal bytes).

use serde::{Deserialize, Serialize};

/// One path to copy, with the source attributes `-p` may preserve. A line
/// of JSON in a chunk file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CopyEntry {
    /// Fully qualified source URI.
    pub source: String,
    /// Fully qualified target URI.
    pub target: String,
    pub is_dir: bool,
    pub length: u64,
    pub permission: u16,
    pub owner: String,
    pub group: String,
    pub modification_time: i64,
    pub access_time: i64,
    pub replication: u16,
    pub block_size: u64,
}

/// What a source is relative to (Hadoop's `computeSourceRootPath`): its
/// paths below the root are the paths below the target. A lone file goes
/// to the target itself unless the target is an existing directory; a
/// directory's contents go straight into the target with `-update` or
/// `-overwrite`, or when it is the only source and the target does not
/// exist; otherwise the source keeps its name under the target.
pub(crate) fn source_root(
    source: &str,
    source_is_dir: bool,
    single_source: bool,
    target_exists_as_dir: bool,
    target_exists: bool,
    sync_or_overwrite: bool,
) -> String {
    let parent = || common::path::parent(source).to_string();
    if single_source && !source_is_dir {
        return if target_exists_as_dir {
            parent()
        } else {
            source.to_string()
        };
    }
    let contents_into_target = (single_source && !target_exists) || sync_or_overwrite;
    if (contents_into_target && source_is_dir) || source == "/" {
        source.to_string()
    } else {
        parent()
    }
}

/// `path` relative to `root`: `""` for the root itself, else `/a/b`.
pub(crate) fn relative(path: &str, root: &str) -> String {
    if path == root {
        return String::new();
    }
    if root == "/" {
        return path.to_string();
    }
    debug_assert!(common::path::is_same_or_descendant(path, root));
    path[root.len()..].to_string()
}

/// How many maps copy `entries` paths of `bytes` bytes: `-m` (at most one
/// map per path), else one per 256 MiB, at least 1 and at most 20.
pub(crate) fn map_count(max_maps: Option<usize>, entries: usize, bytes: u64) -> usize {
    let wanted = match max_maps {
        Some(maps) => maps,
        None => usize::try_from(bytes / super::options::BYTES_PER_MAP)
            .unwrap_or(usize::MAX)
            .clamp(1, super::options::DEFAULT_MAPS),
    };
    wanted.min(entries).max(1)
}

/// Divides entries of the given sizes into `chunks` groups of about equal
/// bytes (largest first, each to the lightest group), each group keeping
/// the listing's order; empty groups are dropped.
pub(crate) fn chunk(sizes: &[u64], chunks: usize) -> Vec<Vec<usize>> {
    let chunks = chunks.max(1);
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(sizes[index]));
    let mut groups: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); chunks];
    for index in order {
        let lightest = groups
            .iter_mut()
            .min_by_key(|(bytes, members)| (*bytes, members.len()))
            .expect("at least one chunk");
        // Every path costs something, so directories spread too.
        lightest.0 += sizes[index] + 1;
        lightest.1.push(index);
    }
    groups
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_unstable();
            members
        })
        .filter(|members| !members.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_hadoops_rules() {
        // A lone file: copied as the target, or into an existing directory.
        assert_eq!(
            source_root("/s/f", false, true, false, false, false),
            "/s/f"
        );
        assert_eq!(source_root("/s/f", false, true, true, true, false), "/s");
        // A lone directory to a new target: the target is its copy.
        assert_eq!(source_root("/s/d", true, true, false, false, false), "/s/d");
        // To an existing directory: under it, by name.
        assert_eq!(source_root("/s/d", true, true, true, true, false), "/s");
        // -update / -overwrite: its contents into the target.
        assert_eq!(source_root("/s/d", true, true, true, true, true), "/s/d");
        // Several sources: each under the target by name.
        assert_eq!(source_root("/s/d", true, false, false, false, false), "/s");
        assert_eq!(source_root("/", true, false, true, true, false), "/");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative("/s/d", "/s/d"), "");
        assert_eq!(relative("/s/d/x/y", "/s/d"), "/x/y");
        assert_eq!(relative("/s/d", "/s"), "/d");
        assert_eq!(relative("/a", "/"), "/a");
    }

    #[test]
    fn map_counts() {
        assert_eq!(map_count(None, 10, 1000), 1);
        assert_eq!(map_count(None, 100, 10 << 30), 20);
        assert_eq!(map_count(Some(4), 10, 0), 4);
        assert_eq!(map_count(Some(4), 2, 0), 2);
        assert_eq!(map_count(Some(4), 0, 0), 1);
    }

    #[test]
    fn chunks_balance_bytes_and_keep_order() {
        let groups = chunk(&[100, 1, 1, 100, 0, 50, 50], 3);
        assert_eq!(groups.len(), 3);
        let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
        for group in &groups {
            assert!(group.windows(2).all(|pair| pair[0] < pair[1]));
        }
        assert_eq!(chunk(&[5], 4), vec![vec![0]]);
        assert!(chunk(&[], 4).is_empty());
    }
}
