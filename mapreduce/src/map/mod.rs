//! The map side: read a split, map(), collect into the sort buffer with
//! background spills, then merge the spills into one output file + index.
//! Map-only jobs write straight to the output format instead.

pub mod collector;
pub mod combining;
pub mod spill;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;
use crate::api::{KeyOrder, RawMapper, RecordSink, ReducerFactory, TaskContext};
use crate::counters::{
    Counters, FILE_INPUT_FORMAT_GROUP, FILE_OUTPUT_FORMAT_GROUP, FILE_SYSTEM_GROUP,
};
use crate::ids::TaskType;
use crate::ifile::{FileSegment, SegmentFileWriter, write_index};
use crate::input::{InputSplit, LineOptions, SplitReader};
use crate::merge::{MergeStats, Merger, SegmentSink, merge_to_factor, reduce_groups};
use crate::records::RecordSource;
use crate::task::TaskEnv;
use collector::{MapOutputCollector, SpillSetup};
use combining::{CombiningCollector, CombiningStats};
use spill::SpillFile;

/// A map's output on local disk: `file.out` and `file.out.index`.
#[derive(Clone, Debug)]
pub struct MapOutputFiles {
    pub data: PathBuf,
    pub index: PathBuf,
}

/// What a successful map attempt leaves.
pub(crate) struct MapResult {
    pub counters: Counters,
    /// None for map-only jobs (their output went to the committer).
    pub output: Option<MapOutputFiles>,
}

/// Runs one map attempt over `split`; `bytes_read` follows the input read so far.
pub(crate) fn run_map_attempt(
    env: &TaskEnv,
    task_index: usize,
    split: &InputSplit,
    attempt_id: &str,
    bytes_read: Arc<AtomicU64>,
) -> Result<MapResult, Error> {
    let attempt_dir = env.local_dir.join(attempt_id);
    std::fs::create_dir_all(&attempt_dir)?;
    let mut input = env.dfs.open(&split.path)?;
    input.seek(split.start);
    let options = LineOptions {
        max_line_length: env.settings.line_max_length,
        key_value_separator: env.settings.key_value_separator,
    };
    let mut reader = SplitReader::new(
        env.spec.input_format,
        input,
        split.start,
        split.length,
        options,
        bytes_read.clone(),
    )?;
    let factory = env
        .spec
        .mapper
        .as_ref()
        .ok_or_else(|| Error::Config("the job has no mapper".into()))?;
    let mut mapper = factory();
    let mut context = TaskContext::new(attempt_id, env.conf.clone());
    context.set_input_split(split.clone());
    let mut counters = Counters::new();

    if env.settings.reduces == 0 {
        let mut writer = env.create_part(attempt_id, TaskType::Map, task_index)?;
        let input_records = map_all(&mut *mapper, &mut reader, &mut writer, &mut context)?;
        counters.increment_task("MAP_INPUT_RECORDS", input_records);
        counters.increment_task("MAP_OUTPUT_RECORDS", writer.records);
        let written = writer.close()?;
        counters.increment(FILE_SYSTEM_GROUP, "HDFS_BYTES_WRITTEN", written);
        counters.increment(FILE_OUTPUT_FORMAT_GROUP, "BYTES_WRITTEN", written);
        count_input(&mut counters, bytes_read.load(Ordering::Relaxed));
        counters.merge(&context.counters);
        return Ok(MapResult {
            counters,
            output: None,
        });
    }

    let setup = SpillSetup {
        partitions: env.settings.reduces,
        order: env.spec.key_order.clone(),
        combiner: env.spec.combiner.clone(),
        dir: attempt_dir.clone(),
        attempt_id: attempt_id.to_string(),
        conf: env.conf.clone(),
    };
    let mut collector = MapOutputCollector::new(
        env.settings.sort_buffer_bytes,
        env.settings.spill_percent,
        env.spec.partitioner.clone(),
        setup,
    )?;
    let (input_records, combined) = match &env.spec.combiner {
        Some(factory) if env.settings.combine_table_bytes > 0 => {
            let mut combining = CombiningCollector::new(
                &mut collector,
                factory(),
                TaskContext::new(attempt_id, env.conf.clone()),
                env.settings.combine_table_bytes,
            );
            let input_records = map_all(&mut *mapper, &mut reader, &mut combining, &mut context)?;
            let (stats, combiner_counters) = combining.finish()?;
            counters.merge(&combiner_counters);
            (input_records, Some(stats))
        }
        _ => (
            map_all(&mut *mapper, &mut reader, &mut collector, &mut context)?,
            None,
        ),
    };
    let spills = collector.finish()?;
    let combined = combined.unwrap_or(CombiningStats {
        output_records: collector.output_records,
        output_bytes: collector.output_bytes,
        ..CombiningStats::default()
    });
    counters.increment_task("MAP_INPUT_RECORDS", input_records);
    counters.increment_task("MAP_OUTPUT_RECORDS", combined.output_records);
    counters.increment_task("MAP_OUTPUT_BYTES", combined.output_bytes);
    counters.increment_task(
        "COMBINE_INPUT_RECORDS",
        combined.combine_input + collector.spill_stats.combine_input,
    );
    counters.increment_task(
        "COMBINE_OUTPUT_RECORDS",
        combined.combine_output + collector.spill_stats.combine_output,
    );
    counters.increment_task("SPILLED_RECORDS", collector.spill_stats.records_written);
    counters.merge(&collector.combiner_counters);
    let merge = MergeInputs {
        partitions: env.settings.reduces,
        order: &env.spec.key_order,
        combiner: if spills.len() >= env.settings.combine_min_spills {
            env.spec.combiner.as_ref()
        } else {
            None
        },
        factor: env.settings.sort_factor,
    };
    let output = merge_spills(&spills, &merge, &attempt_dir, &mut context, &mut counters)?;
    count_input(&mut counters, bytes_read.load(Ordering::Relaxed));
    counters.merge(&context.counters);
    Ok(MapResult {
        counters,
        output: Some(output),
    })
}

/// Counts the bytes a map read of its input, as HDFS bytes and as its
/// input format's (a split of no file reads none).
fn count_input(counters: &mut Counters, bytes_read: u64) {
    counters.increment(FILE_SYSTEM_GROUP, "HDFS_BYTES_READ", bytes_read);
    if bytes_read > 0 {
        counters.increment(FILE_INPUT_FORMAT_GROUP, "BYTES_READ", bytes_read);
    }
}

/// Feeds every record of `reader` to `mapper`; returns the records read.
fn map_all(
    mapper: &mut dyn RawMapper,
    reader: &mut dyn RecordSource,
    sink: &mut dyn RecordSink,
    context: &mut TaskContext,
) -> Result<u64, Error> {
    let mut records = 0;
    mapper.setup(context);
    while reader.next()? {
        records += 1;
        mapper.map(reader.key(), reader.value(), sink, context)?;
    }
    mapper.cleanup(sink, context);
    context.take_failure()?;
    Ok(records)
}

/// How the final merge runs.
pub(crate) struct MergeInputs<'a> {
    pub partitions: u32,
    pub order: &'a KeyOrder,
    /// The combiner, when it runs again on the merge (enough spills).
    pub combiner: Option<&'a ReducerFactory>,
    pub factor: usize,
}

/// Merges the spills into `file.out` + `file.out.index` in `dir`, at most
/// `factor` segments at a time per partition. One spill is just renamed.
pub(crate) fn merge_spills(
    spills: &[SpillFile],
    merge: &MergeInputs<'_>,
    dir: &Path,
    context: &mut TaskContext,
    counters: &mut Counters,
) -> Result<MapOutputFiles, Error> {
    let output = MapOutputFiles {
        data: dir.join("file.out"),
        index: dir.join("file.out.index"),
    };
    let spilled: u64 = spills
        .iter()
        .flat_map(|spill| &spill.entries)
        .map(|entry| entry.length)
        .sum();
    counters.increment(FILE_SYSTEM_GROUP, "FILE_BYTES_WRITTEN", spilled);
    if let [only] = spills {
        std::fs::rename(&only.path, &output.data)?;
        write_index(&output.index, &only.entries)?;
        counters.increment_task(
            "MAP_OUTPUT_MATERIALIZED_BYTES",
            std::fs::metadata(&output.data)?.len(),
        );
        return Ok(output);
    }
    let mut writer = SegmentFileWriter::create(&output.data)?;
    let mut entries = Vec::with_capacity(merge.partitions as usize);
    let mut stats = MergeStats::default();
    let mut written = 0u64;
    let (mut combine_input, mut combine_output) = (0u64, 0u64);
    for partition in 0..merge.partitions as usize {
        let mut segments: Vec<Box<dyn RecordSource>> = Vec::with_capacity(spills.len());
        for spill in spills {
            segments.push(Box::new(FileSegment::open(
                &spill.path,
                spill.entries[partition],
            )?));
        }
        let name = format!("partition{partition}");
        let segments =
            merge_to_factor(segments, merge.factor, merge.order, dir, &name, &mut stats)?;
        stats.reading(&segments);
        let mut merger = Merger::new(segments, merge.order.clone());
        match merge.combiner {
            Some(factory) => {
                let mut combiner = factory();
                combiner.setup(context);
                let mut sink = SegmentSink::new(&mut writer);
                let grouped = reduce_groups(
                    &mut merger,
                    merge.order,
                    &mut *combiner,
                    &mut sink,
                    context,
                    |_| {},
                )?;
                combine_input += grouped.records;
                combine_output += sink.records;
                written += sink.records;
            }
            None => {
                while merger.next()? {
                    writer.append(merger.key(), merger.value())?;
                    written += 1;
                }
            }
        }
        entries.push(writer.finish_segment()?);
    }
    let length = writer.close()?;
    write_index(&output.index, &entries)?;
    for spill in spills {
        std::fs::remove_file(&spill.path)?;
    }
    counters.increment_task("SPILLED_RECORDS", written + stats.records_written);
    counters.increment_task("MERGE_PASSES", stats.passes + 1);
    counters.increment_task("COMBINE_INPUT_RECORDS", combine_input);
    counters.increment_task("COMBINE_OUTPUT_RECORDS", combine_output);
    counters.increment_task("MAP_OUTPUT_MATERIALIZED_BYTES", length);
    counters.increment(FILE_SYSTEM_GROUP, "FILE_BYTES_READ", stats.local_bytes_read);
    counters.increment(
        FILE_SYSTEM_GROUP,
        "FILE_BYTES_WRITTEN",
        length + stats.local_bytes_written,
    );
    Ok(output)
}
