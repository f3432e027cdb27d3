//! The reduce side: a [`ShuffleSource`] supplies the sorted segments of one
//! partition from every map, merge passes bring them down to
//! `io.sort.factor`, and a final k-way merge feeds reduce() grouped by key,
//! whose output goes through the committer's attempt directory.
//!
//! The local runner reads map outputs from local disk
//! ([`LocalMapOutputs`]); on YARN a fetcher pulling from the NodeManagers'
//! shuffle service (port 13562) implements the same trait.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;
use crate::api::TaskContext;
use crate::counters::{
    Counters, FILE_OUTPUT_FORMAT_GROUP, FILE_SYSTEM_GROUP, SHUFFLE_ERRORS, SHUFFLE_ERRORS_GROUP,
};
use crate::ids::TaskType;
use crate::ifile::{FileSegment, read_index};
use crate::map::MapOutputFiles;
use crate::merge::{MergeStats, Merger, merge_to_factor, reduce_groups};
use crate::records::RecordSource;
use crate::task::TaskEnv;

/// A reducer's input: one sorted segment per map.
pub struct ShuffledSegments {
    pub sources: Vec<Box<dyn RecordSource>>,
    /// Records in all segments (for progress).
    pub records: u64,
    /// Bytes shuffled (REDUCE_SHUFFLE_BYTES).
    pub bytes: u64,
    /// Map outputs shuffled (SHUFFLED_MAPS).
    pub maps: u64,
    /// Merges done while fetching (in-memory segments merged to disk), and
    /// the local file bytes the shuffle wrote.
    pub merges: MergeStats,
    /// Failed fetches, by kind ([`SHUFFLE_ERRORS_GROUP`]).
    pub failures: Counters,
}

/// Where a reducer's sorted segments come from.
pub trait ShuffleSource: Send + Sync {
    /// Every map's segment for `partition`.
    fn segments(&self, partition: u32) -> Result<ShuffledSegments, Error>;
}

/// Map outputs on this machine's disk (the local runner's shuffle).
pub struct LocalMapOutputs {
    outputs: Vec<MapOutputFiles>,
}

impl LocalMapOutputs {
    /// The outputs of every map of the job.
    pub fn new(outputs: Vec<MapOutputFiles>) -> Self {
        Self { outputs }
    }
}

impl ShuffleSource for LocalMapOutputs {
    fn segments(&self, partition: u32) -> Result<ShuffledSegments, Error> {
        let mut shuffled = ShuffledSegments {
            sources: Vec::with_capacity(self.outputs.len()),
            records: 0,
            bytes: 0,
            maps: self.outputs.len() as u64,
            merges: MergeStats::default(),
            failures: Counters::new(),
        };
        for output in &self.outputs {
            let index = read_index(&output.index)?;
            let entry = *index.get(partition as usize).ok_or_else(|| {
                Error::Corrupt(format!(
                    "{}: no partition {partition}",
                    output.index.display()
                ))
            })?;
            shuffled.records += entry.records;
            shuffled.bytes += entry.length;
            shuffled
                .sources
                .push(Box::new(FileSegment::open(&output.data, entry)?));
        }
        Ok(shuffled)
    }
}

/// Runs one reduce attempt; `progress` counts records reduced, `total` is
/// set to the records expected.
pub(crate) fn run_reduce_attempt(
    env: &TaskEnv,
    partition: u32,
    attempt_id: &str,
    shuffle: &dyn ShuffleSource,
    progress: &AtomicU64,
    total: &AtomicU64,
) -> Result<Counters, Error> {
    let attempt_dir = env.local_dir.join(attempt_id);
    std::fs::create_dir_all(&attempt_dir)?;
    let shuffled = shuffle.segments(partition)?;
    total.store(shuffled.records, Ordering::Relaxed);
    let mut counters = Counters::new();
    counters.increment_task("REDUCE_SHUFFLE_BYTES", shuffled.bytes);
    counters.increment_task("SHUFFLED_MAPS", shuffled.maps);
    let failed: u64 = shuffled.failures.iter().map(|(_, _, count)| count).sum();
    counters.increment_task("FAILED_SHUFFLE", failed);
    counters.increment_task("MERGED_MAP_OUTPUTS", shuffled.maps);
    for name in SHUFFLE_ERRORS {
        counters.increment(SHUFFLE_ERRORS_GROUP, name, 0);
    }
    counters.merge(&shuffled.failures);
    let mut stats = shuffled.merges;
    let order = &env.spec.key_order;
    let segments = merge_to_factor(
        shuffled.sources,
        env.settings.sort_factor,
        order,
        &attempt_dir,
        "reduce",
        &mut stats,
    )?;
    stats.reading(&segments);
    let mut merger = Merger::new(segments, order.clone());
    let mut writer = env.create_part(attempt_id, TaskType::Reduce, partition as usize)?;
    let factory = env
        .spec
        .reducer
        .as_ref()
        .ok_or_else(|| Error::Config("the job has no reducer".into()))?;
    let mut reducer = factory();
    let mut context = TaskContext::new(attempt_id, env.conf.clone());
    reducer.setup(&mut context);
    let grouped = reduce_groups(
        &mut merger,
        order,
        &mut *reducer,
        &mut writer,
        &mut context,
        |records| {
            progress.fetch_add(records, Ordering::Relaxed);
        },
    )?;
    reducer.cleanup(&mut writer, &mut context);
    context.take_failure()?;
    let output_records = writer.records;
    let written = writer.close()?;
    counters.increment_task("REDUCE_INPUT_GROUPS", grouped.groups);
    counters.increment_task("REDUCE_INPUT_RECORDS", grouped.records);
    counters.increment_task("REDUCE_OUTPUT_RECORDS", output_records);
    counters.increment_task("SPILLED_RECORDS", stats.records_written);
    counters.increment_task("MERGE_PASSES", stats.passes);
    counters.increment(FILE_SYSTEM_GROUP, "FILE_BYTES_READ", stats.local_bytes_read);
    counters.increment(
        FILE_SYSTEM_GROUP,
        "FILE_BYTES_WRITTEN",
        stats.local_bytes_written,
    );
    counters.increment(FILE_SYSTEM_GROUP, "HDFS_BYTES_WRITTEN", written);
    counters.increment(FILE_OUTPUT_FORMAT_GROUP, "BYTES_WRITTEN", written);
    counters.merge(&context.counters);
    Ok(counters)
}
