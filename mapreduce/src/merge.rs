//! Merging sorted record streams: a k-way heap merge, merge passes that
//! bring many segments down to `io.sort.factor`, and the grouping of a
//! sorted stream into reduce() (or combine) calls, one per distinct key.

use std::cmp::Ordering;
use std::path::Path;

use crate::Error;
use crate::api::{KeyOrder, RawReducer, RawValues, RecordSink, TaskContext};
use crate::ifile::{FileSegment, IndexEntry, SegmentFileWriter};
use crate::records::RecordSource;
use crate::writable::Encode;

/// A k-way merge of sorted sources into one sorted stream. Ties go to the
/// earlier source, so the merge is stable.
pub struct Merger {
    sources: Vec<Box<dyn RecordSource>>,
    /// Indices of sources that have a current record, as a binary min-heap.
    heap: Vec<usize>,
    order: KeyOrder,
    started: bool,
}

impl Merger {
    /// Merges `sources`, each sorted by `order`.
    pub fn new(sources: Vec<Box<dyn RecordSource>>, order: KeyOrder) -> Self {
        Self {
            heap: Vec::with_capacity(sources.len()),
            sources,
            order,
            started: false,
        }
    }

    fn less(&self, left: usize, right: usize) -> bool {
        match self
            .order
            .compare(self.sources[left].key(), self.sources[right].key())
        {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => left < right,
        }
    }

    fn sift_down(&mut self, mut slot: usize) {
        loop {
            let left = 2 * slot + 1;
            if left >= self.heap.len() {
                return;
            }
            let right = left + 1;
            let mut smallest = left;
            if right < self.heap.len() && self.less(self.heap[right], self.heap[left]) {
                smallest = right;
            }
            if !self.less(self.heap[smallest], self.heap[slot]) {
                return;
            }
            self.heap.swap(slot, smallest);
            slot = smallest;
        }
    }
}

impl RecordSource for Merger {
    fn next(&mut self) -> Result<bool, Error> {
        if !self.started {
            self.started = true;
            for index in 0..self.sources.len() {
                if self.sources[index].next()? {
                    self.heap.push(index);
                }
            }
            for slot in (0..self.heap.len() / 2).rev() {
                self.sift_down(slot);
            }
            return Ok(!self.heap.is_empty());
        }
        let Some(&top) = self.heap.first() else {
            return Ok(false);
        };
        if !self.sources[top].next()? {
            self.heap.swap_remove(0);
        }
        self.sift_down(0);
        Ok(!self.heap.is_empty())
    }

    fn key(&self) -> &[u8] {
        self.sources[self.heap[0]].key()
    }

    fn value(&self) -> &[u8] {
        self.sources[self.heap[0]].value()
    }
}

/// What merge passes did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeStats {
    /// Intermediate passes written to disk (MERGE_PASSES).
    pub passes: u64,
    /// Records written by them (part of SPILLED_RECORDS).
    pub records_written: u64,
    /// Bytes of local files read and written (FILE_BYTES_READ and
    /// FILE_BYTES_WRITTEN), by merges and by whoever records its own I/O.
    pub local_bytes_read: u64,
    pub local_bytes_written: u64,
}

impl MergeStats {
    /// Counts the local file bytes `sources` will be read for.
    pub fn reading(&mut self, sources: &[Box<dyn RecordSource>]) {
        self.local_bytes_read += sources
            .iter()
            .map(|source| source.local_file_bytes())
            .sum::<u64>();
    }
}

/// How many segments the next pass merges (Hadoop's Merger.getPassFactor:
/// the first pass takes just enough that later passes are full).
fn pass_factor(factor: usize, pass: u64, segments: usize) -> usize {
    let remainder = (segments - 1) % (factor - 1);
    if pass > 0 || remainder == 0 {
        return factor;
    }
    remainder + 1
}

/// Merges `segments` into files under `dir` until at most `factor` remain,
/// and returns what remains (untouched ones first, merged runs last).
pub fn merge_to_factor(
    mut segments: Vec<Box<dyn RecordSource>>,
    factor: usize,
    order: &KeyOrder,
    dir: &Path,
    name: &str,
    stats: &mut MergeStats,
) -> Result<Vec<Box<dyn RecordSource>>, Error> {
    debug_assert!(factor >= 2);
    while segments.len() > factor {
        let take = pass_factor(factor, stats.passes, segments.len());
        let inputs: Vec<_> = segments.drain(..take).collect();
        stats.reading(&inputs);
        let path = dir.join(format!("{name}.merged{}", stats.passes));
        let entry = merge_into_file(inputs, order, &path)?;
        stats.records_written += entry.records;
        stats.local_bytes_written += entry.length;
        stats.passes += 1;
        segments.push(Box::new(FileSegment::open(&path, entry)?));
    }
    Ok(segments)
}

/// Merges `sources` into one segment, the only one of a new file at `path`.
pub(crate) fn merge_into_file(
    sources: Vec<Box<dyn RecordSource>>,
    order: &KeyOrder,
    path: &Path,
) -> Result<IndexEntry, Error> {
    let mut writer = SegmentFileWriter::create(path)?;
    let mut merger = Merger::new(sources, order.clone());
    while merger.next()? {
        writer.append(merger.key(), merger.value())?;
    }
    let entry = writer.finish_segment()?;
    writer.close()?;
    Ok(entry)
}

/// Counts of a grouping run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub groups: u64,
    pub records: u64,
}

enum GroupState {
    /// The source's current record is the group's first value, not yet handed out.
    FirstPending,
    InGroup,
    /// The group ended; `more` says whether the source has a next group.
    Ended {
        more: bool,
    },
}

/// The values of one group, read straight from the sorted source.
struct GroupValues<'a> {
    source: &'a mut dyn RecordSource,
    group_key: &'a [u8],
    order: &'a KeyOrder,
    state: GroupState,
    records: u64,
    failure: Option<Error>,
}

impl RawValues for GroupValues<'_> {
    fn next_value(&mut self) -> Option<&[u8]> {
        match self.state {
            GroupState::FirstPending => {
                self.state = GroupState::InGroup;
            }
            GroupState::InGroup => match self.source.next() {
                Ok(true)
                    if self
                        .order
                        .compare(self.source.key(), self.group_key)
                        .is_eq() => {}
                Ok(more) => {
                    self.state = GroupState::Ended { more };
                    return None;
                }
                Err(error) => {
                    self.failure = Some(error);
                    self.state = GroupState::Ended { more: false };
                    return None;
                }
            },
            GroupState::Ended { .. } => return None,
        }
        self.records += 1;
        Some(self.source.value())
    }
}

/// Calls `reducer` once per run of equal keys in the sorted `source`,
/// sending what it emits to `sink`. `on_records` hears how many records
/// each group consumed (for progress).
pub(crate) fn reduce_groups(
    source: &mut dyn RecordSource,
    order: &KeyOrder,
    reducer: &mut dyn RawReducer,
    sink: &mut dyn RecordSink,
    context: &mut TaskContext,
    mut on_records: impl FnMut(u64),
) -> Result<GroupStats, Error> {
    let mut stats = GroupStats::default();
    let mut group_key = Vec::new();
    let mut more = source.next()?;
    while more {
        group_key.clear();
        group_key.extend_from_slice(source.key());
        let mut values = GroupValues {
            source: &mut *source,
            group_key: &group_key,
            order,
            state: GroupState::FirstPending,
            records: 0,
            failure: None,
        };
        reducer.reduce(&group_key, &mut values, sink, context)?;
        while values.next_value().is_some() {}
        if let Some(error) = values.failure {
            return Err(error);
        }
        more = matches!(values.state, GroupState::Ended { more: true });
        stats.groups += 1;
        stats.records += values.records;
        on_records(values.records);
    }
    Ok(stats)
}

/// A sink writing serialized records into a segment file (spills, merges).
pub(crate) struct SegmentSink<'a> {
    pub writer: &'a mut SegmentFileWriter,
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub records: u64,
}

impl<'a> SegmentSink<'a> {
    pub(crate) fn new(writer: &'a mut SegmentFileWriter) -> Self {
        Self {
            writer,
            key: Vec::new(),
            value: Vec::new(),
            records: 0,
        }
    }
}

impl RecordSink for SegmentSink<'_> {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        self.key.clear();
        self.value.clear();
        key.write(&mut self.key);
        value.write(&mut self.value);
        self.records += 1;
        self.writer.append(&self.key, &self.value)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::{Output, Reducer, ReducerAdapter, Values};
    use std::sync::Arc;

    /// Records held in memory, for tests.
    pub(crate) struct VecSource {
        records: Vec<(Vec<u8>, Vec<u8>)>,
        position: usize,
    }

    impl VecSource {
        pub(crate) fn new(records: Vec<(Vec<u8>, Vec<u8>)>) -> Self {
            Self {
                records,
                position: 0,
            }
        }
    }

    impl RecordSource for VecSource {
        fn next(&mut self) -> Result<bool, Error> {
            self.position += 1;
            Ok(self.position <= self.records.len())
        }
        fn key(&self) -> &[u8] {
            &self.records[self.position - 1].0
        }
        fn value(&self) -> &[u8] {
            &self.records[self.position - 1].1
        }
    }

    fn drain(source: &mut dyn RecordSource) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut records = Vec::new();
        while source.next().unwrap() {
            records.push((source.key().to_vec(), source.value().to_vec()));
        }
        records
    }

    /// Sorted runs of pseudo-random keys; the reference is their sorted concatenation.
    type Records = Vec<(Vec<u8>, Vec<u8>)>;

    fn runs(count: usize) -> (Vec<Box<dyn RecordSource>>, Records) {
        let mut all = Vec::new();
        let mut sources: Vec<Box<dyn RecordSource>> = Vec::new();
        let mut seed = 7u64;
        for run in 0..count {
            let mut records: Vec<(Vec<u8>, Vec<u8>)> = (0..(run * 37) % 101)
                .map(|i| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    (
                        vec![(seed >> 60) as u8, (seed >> 52) as u8],
                        vec![run as u8, i as u8],
                    )
                })
                .collect();
            records.sort_by(|left, right| left.0.cmp(&right.0));
            all.extend(records.clone());
            sources.push(Box::new(VecSource::new(records)));
        }
        all.sort_by(|left, right| left.0.cmp(&right.0));
        (sources, all)
    }

    #[test]
    fn merge_equals_a_stable_sort_of_the_runs() {
        for count in [0, 1, 2, 5, 17] {
            let (sources, expected) = runs(count);
            let mut merger = Merger::new(sources, KeyOrder::Bytes);
            assert_eq!(drain(&mut merger), expected, "{count} runs");
        }
    }

    #[test]
    fn merge_passes_bring_segments_down_to_the_factor() {
        let dir = tempfile::tempdir().unwrap();
        let (sources, expected) = runs(23);
        let mut stats = MergeStats::default();
        let remaining =
            merge_to_factor(sources, 4, &KeyOrder::Bytes, dir.path(), "p0", &mut stats).unwrap();
        assert!(remaining.len() <= 4);
        // 23 segments at factor 4: a pass of 2 (22 left), then six of 4 -> 4 left.
        assert_eq!(stats.passes, 7);
        let mut merger = Merger::new(remaining, KeyOrder::Bytes);
        let merged = drain(&mut merger);
        let keys = |records: &[(Vec<u8>, Vec<u8>)]| {
            records
                .iter()
                .map(|record| record.0.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&merged), keys(&expected));
        let mut values: Vec<_> = merged.into_iter().map(|record| record.1).collect();
        let mut expected_values: Vec<_> = expected.into_iter().map(|record| record.1).collect();
        values.sort();
        expected_values.sort();
        assert_eq!(values, expected_values);
    }

    /// A `Vec<u8>`/`u64` reducer made of a closure, for tests.
    #[derive(Clone)]
    pub(crate) struct ReduceFn<F>(F);

    /// Spells out the closure's signature, so that its arguments' lifetimes
    /// are inferred as the trait needs.
    pub(crate) fn reduce_fn<F>(reduce: F) -> ReduceFn<F>
    where
        F: Fn(&Vec<u8>, &mut Values<'_, u64>, &mut Output<'_, Vec<u8>, u64>)
            + Clone
            + Send
            + Sync
            + 'static,
    {
        ReduceFn(reduce)
    }

    impl<F> Reducer for ReduceFn<F>
    where
        F: Fn(&Vec<u8>, &mut Values<'_, u64>, &mut Output<'_, Vec<u8>, u64>)
            + Clone
            + Send
            + Sync
            + 'static,
    {
        type KeyIn = Vec<u8>;
        type ValueIn = u64;
        type KeyOut = Vec<u8>;
        type ValueOut = u64;

        fn reduce(
            &mut self,
            key: &Vec<u8>,
            values: &mut Values<'_, u64>,
            output: &mut Output<'_, Vec<u8>, u64>,
        ) {
            (self.0)(key, values, output);
        }
    }

    /// Reads only the first value itself: the framework skips the rest.
    fn sum() -> impl Reducer<KeyIn = Vec<u8>, ValueIn = u64, KeyOut = Vec<u8>, ValueOut = u64> {
        reduce_fn(|key, values, output| {
            let total = values.next().unwrap_or(0) * 1000 + values.sum::<u64>();
            output.emit(key, &total);
        })
    }

    /// A sink keeping every record it is given, serialized.
    #[derive(Default)]
    pub(crate) struct Collect(pub Vec<(Vec<u8>, Vec<u8>)>);

    impl RecordSink for Collect {
        fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
            let (mut k, mut v) = (Vec::new(), Vec::new());
            key.write(&mut k);
            value.write(&mut v);
            self.0.push((k, v));
            Ok(())
        }
    }

    #[test]
    fn groups_reach_the_reducer_once_per_key() {
        let one = 1u64.to_be_bytes().to_vec();
        let records = ["a", "a", "b", "c", "c", "c"]
            .iter()
            .map(|key| (key.as_bytes().to_vec(), one.clone()))
            .collect();
        let mut source = VecSource::new(records);
        let mut reducer = ReducerAdapter::new(sum());
        let mut sink = Collect(Vec::new());
        let mut context = TaskContext::new("attempt", Arc::default());
        let mut consumed = Vec::new();
        let stats = reduce_groups(
            &mut source,
            &KeyOrder::Bytes,
            &mut reducer,
            &mut sink,
            &mut context,
            |records| consumed.push(records),
        )
        .unwrap();
        assert_eq!(
            stats,
            GroupStats {
                groups: 3,
                records: 6
            }
        );
        assert_eq!(consumed, [2, 1, 3]);
        let totals: Vec<(Vec<u8>, u64)> = sink
            .0
            .iter()
            .map(|(key, value)| {
                (
                    key.clone(),
                    u64::from_be_bytes(value[..].try_into().unwrap()),
                )
            })
            .collect();
        assert_eq!(
            totals,
            vec![
                (b"a".to_vec(), 1001),
                (b"b".to_vec(), 1000),
                (b"c".to_vec(), 1002)
            ]
        );
    }

    #[test]
    fn a_custom_order_decides_the_groups() {
        // Case-insensitive order: "A" and "a" are one group.
        let order = KeyOrder::Custom(Arc::new(|left: &[u8], right: &[u8]| {
            left.to_ascii_lowercase().cmp(&right.to_ascii_lowercase())
        }));
        let one = 1u64.to_be_bytes().to_vec();
        let records = vec![
            (b"A".to_vec(), one.clone()),
            (b"a".to_vec(), one.clone()),
            (b"b".to_vec(), one),
        ];
        let mut reducer = ReducerAdapter::new(sum());
        let mut sink = Collect(Vec::new());
        let mut context = TaskContext::new("attempt", Arc::default());
        let stats = reduce_groups(
            &mut VecSource::new(records),
            &order,
            &mut reducer,
            &mut sink,
            &mut context,
            |_| {},
        )
        .unwrap();
        assert_eq!(stats.groups, 2);
        assert_eq!(sink.0[0].0, b"A");
    }
}
