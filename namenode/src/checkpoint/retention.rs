//! Which images and edit segments a name dir keeps after a checkpoint, as
//! HDFS's NNStorageRetentionManager decides it: the newest
//! `dfs.namenode.num.checkpoints.retained` images, every segment needed to
//! roll the oldest of them forward, plus up to
//! `dfs.namenode.num.extra.edits.retained` older transactions (in at most
//! `dfs.namenode.max.extra.edits.segments.retained` segments) for forensics.
//! Pure: the caller lists the files and deletes what the plan names.

/// How much history to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub images_retained: usize,
    pub extra_edits_retained: u64,
    pub max_extra_segments: usize,
}

/// What to delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgePlan {
    /// Txids of the images to delete.
    pub images: Vec<u64>,
    /// `(start, end)` of the finalized segments to delete.
    pub segments: Vec<(u64, u64)>,
    /// The first txid still kept: a shared journal purges the segments
    /// ending before it (Hadoop's `purgeLogsOlderThan`). 0 keeps everything.
    pub min_txid_to_keep: u64,
}

/// Plans the purge for the images at `image_txids` and the finalized
/// segments `segments` (both in any order). Nothing is purged while there
/// is no image at all.
pub fn plan(image_txids: &[u64], segments: &[(u64, u64)], policy: RetentionPolicy) -> PurgePlan {
    let mut images = image_txids.to_vec();
    images.sort_unstable();
    images.dedup();
    let keep_from = images.len().saturating_sub(policy.images_retained.max(1));
    let Some(&oldest_kept_image) = images.get(keep_from) else {
        return PurgePlan::default();
    };
    let purged_images = images[..keep_from].to_vec();

    let first_needed_txid = oldest_kept_image + 1;
    let min_txid_to_keep = first_needed_txid.saturating_sub(policy.extra_edits_retained);
    let mut segments = segments.to_vec();
    segments.sort_unstable();
    segments.dedup();
    let mut purged_segments = Vec::new();
    let mut extra_segments = Vec::new();
    for &(start, end) in &segments {
        if end < min_txid_to_keep {
            purged_segments.push((start, end));
        } else if end < first_needed_txid {
            extra_segments.push((start, end));
        }
    }
    let too_many = extra_segments
        .len()
        .saturating_sub(policy.max_extra_segments);
    purged_segments.extend_from_slice(&extra_segments[..too_many]);
    purged_segments.sort_unstable();
    let min_txid_to_keep = purged_segments
        .iter()
        .map(|&(_, end)| end + 1)
        .fold(min_txid_to_keep, u64::max);
    PurgePlan {
        images: purged_images,
        segments: purged_segments,
        min_txid_to_keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(images: usize, extra: u64) -> RetentionPolicy {
        RetentionPolicy {
            images_retained: images,
            extra_edits_retained: extra,
            max_extra_segments: 10_000,
        }
    }

    const SEGMENTS: [(u64, u64); 4] = [(1, 10), (11, 20), (21, 30), (31, 40)];

    #[test]
    fn keeps_newest_images_and_the_edits_after_the_oldest() {
        let plan = plan(&[0, 10, 20, 30], &SEGMENTS, policy(2, 0));
        assert_eq!(plan.images, vec![0, 10]);
        assert_eq!(plan.segments, vec![(1, 10), (11, 20)]);
        assert_eq!(plan.min_txid_to_keep, 21);
    }

    #[test]
    fn extra_edits_keep_older_segments_they_reach() {
        // The oldest kept image is 20: txids 16..=20 are extra, so (11, 20)
        // stays while (1, 10) goes.
        let some_extra = plan(&[0, 10, 20, 30], &SEGMENTS, policy(2, 5));
        assert_eq!(some_extra.segments, vec![(1, 10)]);
        assert_eq!(some_extra.min_txid_to_keep, 16);
        let everything = plan(&[0, 10, 20, 30], &SEGMENTS, policy(2, 1_000_000));
        assert!(everything.segments.is_empty());
        assert_eq!(everything.min_txid_to_keep, 0);
    }

    #[test]
    fn extra_segments_are_capped_oldest_first() {
        let mut capped = policy(1, 1_000_000);
        capped.max_extra_segments = 1;
        let plan = plan(&[30], &SEGMENTS, capped);
        assert_eq!(plan.segments, vec![(1, 10), (11, 20)]);
        assert_eq!(
            plan.min_txid_to_keep, 21,
            "the shared journal drops them too"
        );
    }

    #[test]
    fn segment_straddling_the_oldest_image_is_kept() {
        let one_image = plan(&[15, 30], &SEGMENTS, policy(1, 0));
        assert_eq!(one_image.images, vec![15]);
        assert_eq!(one_image.segments, vec![(1, 10), (11, 20), (21, 30)]);
        let two_images = plan(&[15, 30], &SEGMENTS, policy(2, 0));
        assert_eq!(two_images.segments, vec![(1, 10)]);
    }

    #[test]
    fn no_image_means_no_purge() {
        assert_eq!(plan(&[], &SEGMENTS, policy(2, 0)), PurgePlan::default());
    }

    #[test]
    fn zero_retained_still_keeps_the_newest_image() {
        let plan = plan(&[10, 20], &SEGMENTS, policy(0, 0));
        assert_eq!(plan.images, vec![10]);
    }
}
