//! One spill: the sort buffer's records sorted by (partition, key) through
//! their metadata entries (the bytes never move), the combiner run over
//! each partition's groups, and one checksummed segment per partition
//! written to a local spill file.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::api::{KeyOrder, RawReducer, TaskContext};
use crate::ifile::{IndexEntry, SegmentFileWriter};
use crate::merge::{SegmentSink, reduce_groups};
use crate::records::RecordSource;

/// Where one record lies in the sort buffer: 16 bytes, like Hadoop's kvmeta.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordMeta {
    pub partition: u32,
    pub key_start: u32,
    pub key_length: u32,
    pub value_length: u32,
}

impl RecordMeta {
    #[inline]
    fn key<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = self.key_start as usize;
        &data[start..start + self.key_length as usize]
    }

    #[inline]
    fn value<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = (self.key_start + self.key_length) as usize;
        &data[start..start + self.value_length as usize]
    }
}

/// A record's place in a byte-order sort: its partition and the first 8
/// bytes of its key (big-endian, zero-padded) settle most comparisons
/// without reaching into the record data.
#[derive(Clone, Copy)]
struct SortKey {
    prefix: u64,
    partition: u32,
    record: u32,
}

impl SortKey {
    fn new(meta: &RecordMeta, record: usize, data: &[u8]) -> Self {
        let key = meta.key(data);
        let mut prefix = [0u8; 8];
        let length = key.len().min(8);
        prefix[..length].copy_from_slice(&key[..length]);
        Self {
            prefix: u64::from_be_bytes(prefix),
            partition: meta.partition,
            record: record as u32,
        }
    }
}

/// Serialized records and their metadata.
#[derive(Default)]
pub(crate) struct SortBuffer {
    pub data: Vec<u8>,
    pub meta: Vec<RecordMeta>,
    /// Scratch of the sort, kept with the buffer so spills reuse it.
    sort_keys: Vec<SortKey>,
    sorted: Vec<RecordMeta>,
}

impl SortBuffer {
    /// Bytes accounted against `io.sort.mb`.
    pub fn used(&self) -> usize {
        self.data.len() + self.meta.len() * std::mem::size_of::<RecordMeta>()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.meta.clear();
    }
}

/// A finished spill file.
#[derive(Debug)]
pub(crate) struct SpillFile {
    pub path: PathBuf,
    pub entries: Vec<IndexEntry>,
}

/// What a spill did, for the counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SpillStats {
    pub records_written: u64,
    pub combine_input: u64,
    pub combine_output: u64,
}

/// The sorted records of one partition, read in place.
struct SortedRun<'a> {
    data: &'a [u8],
    meta: &'a [RecordMeta],
    next: usize,
}

impl RecordSource for SortedRun<'_> {
    fn next(&mut self) -> Result<bool, Error> {
        if self.next >= self.meta.len() {
            return Ok(false);
        }
        self.next += 1;
        Ok(true)
    }
    fn key(&self) -> &[u8] {
        self.meta[self.next - 1].key(self.data)
    }
    fn value(&self) -> &[u8] {
        self.meta[self.next - 1].value(self.data)
    }
}

/// Sorts the records of `buffer` by (partition, key).
fn sort(buffer: &mut SortBuffer, order: &KeyOrder) {
    let data = buffer.data.as_slice();
    if let KeyOrder::Custom(_) = order {
        buffer.meta.sort_unstable_by(|left, right| {
            left.partition
                .cmp(&right.partition)
                .then_with(|| order.compare(left.key(data), right.key(data)))
        });
        return;
    }
    let meta = &buffer.meta;
    let keys = &mut buffer.sort_keys;
    keys.clear();
    keys.extend(
        meta.iter()
            .enumerate()
            .map(|(record, meta)| SortKey::new(meta, record, data)),
    );
    keys.sort_unstable_by(|left, right| {
        (left.partition, left.prefix)
            .cmp(&(right.partition, right.prefix))
            .then_with(|| {
                let (left, right) = (&meta[left.record as usize], &meta[right.record as usize]);
                left.key(data).cmp(right.key(data))
            })
    });
    buffer.sorted.clear();
    buffer
        .sorted
        .extend(keys.iter().map(|key| meta[key.record as usize]));
    std::mem::swap(&mut buffer.meta, &mut buffer.sorted);
}

/// Sorts `buffer` and writes it to `path` as one segment per partition.
pub(crate) fn write_spill(
    buffer: &mut SortBuffer,
    partitions: u32,
    order: &KeyOrder,
    mut combiner: Option<&mut (dyn RawReducer + '_)>,
    context: &mut TaskContext,
    path: &Path,
) -> Result<(SpillFile, SpillStats), Error> {
    sort(buffer, order);
    let data = buffer.data.as_slice();
    let mut writer = SegmentFileWriter::create(path)?;
    let mut entries = Vec::with_capacity(partitions as usize);
    let mut stats = SpillStats::default();
    let mut run_start = 0;
    for partition in 0..partitions {
        let run_length = buffer.meta[run_start..]
            .iter()
            .take_while(|meta| meta.partition == partition)
            .count();
        let run = &buffer.meta[run_start..run_start + run_length];
        run_start += run_length;
        match combiner.as_deref_mut() {
            Some(combiner) => {
                let mut source = SortedRun {
                    data,
                    meta: run,
                    next: 0,
                };
                let mut sink = SegmentSink::new(&mut writer);
                reduce_groups(&mut source, order, combiner, &mut sink, context, |_| {})?;
                stats.combine_input += run.len() as u64;
                stats.combine_output += sink.records;
                stats.records_written += sink.records;
            }
            None => {
                for meta in run {
                    writer.append(meta.key(data), meta.value(data))?;
                }
                stats.records_written += run.len() as u64;
            }
        }
        entries.push(writer.finish_segment()?);
    }
    debug_assert_eq!(
        run_start,
        buffer.meta.len(),
        "a record had a partition out of range"
    );
    writer.close()?;
    Ok((
        SpillFile {
            path: path.to_path_buf(),
            entries,
        },
        stats,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ifile::FileSegment;
    use std::sync::Arc;

    fn push(buffer: &mut SortBuffer, partition: u32, key: &[u8], value: &[u8]) {
        let key_start = buffer.data.len() as u32;
        buffer.data.extend_from_slice(key);
        buffer.data.extend_from_slice(value);
        buffer.meta.push(RecordMeta {
            partition,
            key_start,
            key_length: key.len() as u32,
            value_length: value.len() as u32,
        });
    }

    #[test]
    fn keys_sharing_their_first_eight_bytes_sort_in_byte_order() {
        let keys: [&[u8]; 7] = [
            b"abcdefgh1",
            b"abcdefgh",
            b"abcdefgh0",
            b"ab",
            b"ab\0",
            b"",
            b"abcdefgh\0\xff",
        ];
        let mut buffer = SortBuffer::default();
        for key in keys {
            push(&mut buffer, 0, key, b"");
        }
        sort(&mut buffer, &KeyOrder::Bytes);
        let sorted: Vec<&[u8]> = buffer
            .meta
            .iter()
            .map(|meta| meta.key(&buffer.data))
            .collect();
        let mut expected = keys.to_vec();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    #[test]
    fn spills_are_sorted_per_partition() {
        let dir = tempfile::tempdir().unwrap();
        let mut buffer = SortBuffer::default();
        for (partition, key) in [(1, "d"), (0, "b"), (1, "a"), (0, "a"), (2, "z"), (0, "c")] {
            push(
                &mut buffer,
                partition,
                key.as_bytes(),
                key.to_uppercase().as_bytes(),
            );
        }
        let mut context = TaskContext::new("attempt", Arc::default());
        let path = dir.path().join("spill0.out");
        let (spill, stats) =
            write_spill(&mut buffer, 4, &KeyOrder::Bytes, None, &mut context, &path).unwrap();
        assert_eq!(stats.records_written, 6);
        assert_eq!(spill.entries.len(), 4);
        let mut partitions = Vec::new();
        for entry in &spill.entries {
            let mut segment = FileSegment::open(&path, *entry).unwrap();
            let mut records = Vec::new();
            while segment.next().unwrap() {
                records.push(format!(
                    "{}{}",
                    String::from_utf8_lossy(segment.key()),
                    String::from_utf8_lossy(segment.value())
                ));
            }
            partitions.push(records);
        }
        assert_eq!(
            partitions,
            vec![vec!["aA", "bB", "cC"], vec!["aA", "dD"], vec!["zZ"], vec![]]
        );
    }
}
