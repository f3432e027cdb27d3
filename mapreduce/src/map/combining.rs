//! In-map combining: when a job has a combiner, map output first goes into
//! a hash table keyed by the serialized key. A key's values are combined
//! in place every few records. Combined values leave dead bytes behind, so
//! when the table grows to four times what it held after the last
//! compaction, every key is combined into a fresh table (compaction) and
//! only the live bytes stay. The table goes through the combiner into the
//! sort buffer only when what lives after a compaction is more than a
//! quarter of its budget, and when the map ends. For a job like wordcount
//! (millions of records, tens of thousands of keys) the sort buffer then
//! sees one record per key, and the table stays a few MB.
//!
//! Hadoop runs a combiner zero or more times on any subset of a key's
//! values, so combining here as well is within its contract. Keys are
//! grouped by their bytes; keys a custom comparator calls equal but whose
//! bytes differ are combined apart and meet again in the sort. When the
//! table, at a flush, shows that keys rarely repeated since the last flush,
//! the table steps aside and records go straight to the sort buffer.

use crate::Error;
use crate::api::{RawReducer, RawValues, RecordSink, TaskContext};
use crate::counters::Counters;
use crate::writable::{Encode, RawBytes};

/// A key's values are combined when it holds this many (and then at twice
/// what the last combine left, so a combiner that does not shrink its input
/// costs linear time).
const COMBINE_AT: u32 = 16;
/// Index slots of an empty table (a power of two).
const INITIAL_SLOTS: usize = 1024;
/// Marks an empty index slot and the end of a value list.
const NONE: u32 = u32::MAX;
/// Records per distinct key a full table must show to stay in use.
const MIN_RECORDS_PER_KEY: u64 = 2;
/// The table is compacted at four times its live size after the last
/// compaction, but never below this (so a small table is not compacted over
/// and over, each time calling the combiner once per key).
const MIN_COMPACT_BYTES: usize = 4 << 20;

/// One distinct key of the table.
struct Entry {
    key_start: u32,
    key_len: u32,
    hash: u32,
    values: u32,
    combine_at: u32,
    first: u32,
    last: u32,
}

/// One value: where its bytes are, and the key's next value.
struct ValueRef {
    start: u32,
    len: u32,
    next: u32,
}

/// Keys and their values, in one byte arena.
#[derive(Default)]
struct Table {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    values: Vec<ValueRef>,
    /// Open addressing, linear probing: entry numbers or [`NONE`].
    index: Vec<u32>,
}

impl Table {
    fn memory(&self) -> usize {
        self.bytes.len()
            + self.entries.len() * size_of::<Entry>()
            + self.values.len() * size_of::<ValueRef>()
            + self.index.len() * size_of::<u32>()
    }

    fn key(&self, entry: &Entry) -> &[u8] {
        &self.bytes[entry.key_start as usize..][..entry.key_len as usize]
    }

    /// The entry of `key`, added (without values) when it is new.
    fn entry_for(&mut self, key: &[u8]) -> usize {
        if self.entries.len() * 2 >= self.index.len() {
            self.grow();
        }
        let hash = crc32c::crc32c(key);
        let mask = self.index.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.index[slot] {
                NONE => break,
                number => {
                    let entry = &self.entries[number as usize];
                    if entry.hash == hash && self.key(entry) == key {
                        return number as usize;
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
        let number = self.entries.len();
        self.index[slot] = number as u32;
        self.entries.push(Entry {
            key_start: self.bytes.len() as u32,
            key_len: key.len() as u32,
            hash,
            values: 0,
            combine_at: COMBINE_AT,
            first: NONE,
            last: NONE,
        });
        self.bytes.extend_from_slice(key);
        number
    }

    fn grow(&mut self) {
        let slots = (self.index.len() * 2).max(INITIAL_SLOTS);
        self.index.clear();
        self.index.resize(slots, NONE);
        let mask = slots - 1;
        for (number, entry) in self.entries.iter().enumerate() {
            let mut slot = entry.hash as usize & mask;
            while self.index[slot] != NONE {
                slot = (slot + 1) & mask;
            }
            self.index[slot] = number as u32;
        }
    }

    fn push_value(&mut self, entry: usize, value: &[u8]) {
        let number = self.values.len() as u32;
        self.values.push(ValueRef {
            start: self.bytes.len() as u32,
            len: value.len() as u32,
            next: NONE,
        });
        self.bytes.extend_from_slice(value);
        let entry = &mut self.entries[entry];
        match entry.last {
            NONE => entry.first = number,
            last => self.values[last as usize].next = number,
        }
        entry.last = number;
        entry.values += 1;
    }

    /// Forgets a key's values (their bytes stay until the next clear).
    fn take_values(&mut self, entry: usize) -> ValueList<'_> {
        let entry = &mut self.entries[entry];
        let first = entry.first;
        (entry.first, entry.last, entry.values) = (NONE, NONE, 0);
        ValueList {
            bytes: &self.bytes,
            values: &self.values,
            next: first,
            read: 0,
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
        self.values.clear();
        self.index.fill(NONE);
    }
}

/// A key's values as the combiner reads them.
struct ValueList<'a> {
    bytes: &'a [u8],
    values: &'a [ValueRef],
    next: u32,
    read: u64,
}

impl RawValues for ValueList<'_> {
    fn next_value(&mut self) -> Option<&[u8]> {
        let value = self.values.get(self.next as usize)?;
        self.next = value.next;
        self.read += 1;
        Some(&self.bytes[value.start as usize..][..value.len as usize])
    }
}

/// Holds what a combiner emitted in the middle of the map.
#[derive(Default)]
struct Emitted {
    bytes: Vec<u8>,
    /// (key length, value length) of each record, in order.
    records: Vec<(usize, usize)>,
}

impl RecordSink for Emitted {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        let start = self.bytes.len();
        key.write(&mut self.bytes);
        let key_end = self.bytes.len();
        value.write(&mut self.bytes);
        self.records
            .push((key_end - start, self.bytes.len() - key_end));
        Ok(())
    }
}

/// Counts the records a sink takes.
struct Counting<'a> {
    sink: &'a mut dyn RecordSink,
    records: u64,
}

impl RecordSink for Counting<'_> {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        self.records += 1;
        self.sink.emit(key, value)
    }
}

/// Map output counts and combiner figures of a [`CombiningCollector`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CombiningStats {
    pub output_records: u64,
    pub output_bytes: u64,
    pub combine_input: u64,
    pub combine_output: u64,
}

/// A sink in front of the sort buffer that combines map output in memory.
pub(crate) struct CombiningCollector<'a> {
    downstream: &'a mut dyn RecordSink,
    combiner: Box<dyn RawReducer>,
    /// The combiner's own context (its counters join the map's at the end).
    context: TaskContext,
    table: Table,
    /// The table a compaction fills; empty otherwise, its buffers kept.
    spare: Table,
    budget: usize,
    /// Table memory at which the next compaction runs.
    compact_at: usize,
    /// Set when keys turned out not to repeat: records pass straight through.
    bypass: bool,
    /// Records that went into the table since it was last emptied.
    table_records: u64,
    record: Vec<u8>,
    emitted: Emitted,
    pub stats: CombiningStats,
}

impl<'a> CombiningCollector<'a> {
    /// Combines with `combiner` in a table of about `budget` bytes before
    /// records reach `downstream`.
    pub(crate) fn new(
        downstream: &'a mut dyn RecordSink,
        mut combiner: Box<dyn RawReducer>,
        mut context: TaskContext,
        budget: usize,
    ) -> Self {
        combiner.setup(&mut context);
        Self {
            downstream,
            combiner,
            context,
            table: Table::default(),
            spare: Table::default(),
            budget,
            compact_at: MIN_COMPACT_BYTES.min(budget / 2),
            bypass: false,
            table_records: 0,
            record: Vec::new(),
            emitted: Emitted::default(),
            stats: CombiningStats::default(),
        }
    }

    /// Combines what the table holds into the sort buffer, then ends the
    /// combiner (its cleanup may emit too); returns the figures and the
    /// counters the combiner incremented.
    pub(crate) fn finish(mut self) -> Result<(CombiningStats, Counters), Error> {
        self.flush()?;
        let mut sink = Counting {
            sink: &mut *self.downstream,
            records: 0,
        };
        self.combiner.cleanup(&mut sink, &mut self.context);
        self.stats.combine_output += sink.records;
        self.context.take_failure()?;
        Ok((self.stats, self.context.counters))
    }

    /// Combines `entry`'s values and keeps the result in the table; records
    /// the combiner emits under another key go on to the sort buffer.
    fn combine_in_place(&mut self, entry: usize) -> Result<(), Error> {
        let key_start = self.table.entries[entry].key_start as usize;
        let key_len = self.table.entries[entry].key_len as usize;
        self.emitted.bytes.clear();
        self.emitted.records.clear();
        let mut values = self.table.take_values(entry);
        let key = &values.bytes[key_start..][..key_len];
        self.combiner
            .reduce(key, &mut values, &mut self.emitted, &mut self.context)?;
        self.stats.combine_input += values.read;
        let mut at = 0;
        for &(emitted_key_len, value_len) in &self.emitted.records {
            let key = &self.emitted.bytes[at..][..emitted_key_len];
            let value = &self.emitted.bytes[at + emitted_key_len..][..value_len];
            at += emitted_key_len + value_len;
            self.stats.combine_output += 1;
            if key == self.table.key(&self.table.entries[entry]) {
                self.table.push_value(entry, value);
            } else {
                self.downstream.emit(&RawBytes(key), &RawBytes(value))?;
            }
        }
        let left = self.table.entries[entry].values;
        self.table.entries[entry].combine_at = COMBINE_AT.max(left.saturating_mul(2));
        Ok(())
    }

    /// Moves every key with its combined values into the spare table, which
    /// becomes the table: the bytes of values already combined are dropped.
    /// Records the combiner emits under another key go on to the sort buffer.
    fn compact(&mut self) -> Result<(), Error> {
        std::mem::swap(&mut self.table, &mut self.spare);
        let old = &mut self.spare;
        for number in 0..old.entries.len() {
            let (key_start, key_len, values) = {
                let entry = &old.entries[number];
                (
                    entry.key_start as usize,
                    entry.key_len as usize,
                    entry.values,
                )
            };
            if values == 0 {
                continue;
            }
            let mut list = old.take_values(number);
            let key = &list.bytes[key_start..][..key_len];
            let entry = self.table.entry_for(key);
            if values == 1 {
                let value = list.next_value().unwrap_or_default();
                self.table.push_value(entry, value);
                continue;
            }
            self.emitted.bytes.clear();
            self.emitted.records.clear();
            self.combiner
                .reduce(key, &mut list, &mut self.emitted, &mut self.context)?;
            self.stats.combine_input += list.read;
            let mut at = 0;
            for &(emitted_key_len, value_len) in &self.emitted.records {
                let emitted_key = &self.emitted.bytes[at..][..emitted_key_len];
                let value = &self.emitted.bytes[at + emitted_key_len..][..value_len];
                at += emitted_key_len + value_len;
                self.stats.combine_output += 1;
                if emitted_key == key {
                    self.table.push_value(entry, value);
                } else {
                    self.downstream
                        .emit(&RawBytes(emitted_key), &RawBytes(value))?;
                }
            }
        }
        old.clear();
        Ok(())
    }

    /// Called when the table reached `compact_at`: compacts it, and flushes
    /// it when what lives is still more than a quarter of the budget (the
    /// table and its spare together stay within the budget).
    fn make_room(&mut self) -> Result<(), Error> {
        self.compact()?;
        let live = self.table.memory();
        if live <= self.budget / 4 {
            self.compact_at = (live * 4).max(MIN_COMPACT_BYTES).min(self.budget / 2);
            return Ok(());
        }
        self.bypass = self.table_records < MIN_RECORDS_PER_KEY * self.table.entries.len() as u64;
        self.flush()?;
        self.compact_at = MIN_COMPACT_BYTES.min(self.budget / 2);
        Ok(())
    }

    /// Sends every key through the combiner (a single value goes as it is)
    /// into the sort buffer, and empties the table.
    fn flush(&mut self) -> Result<(), Error> {
        let table = &mut self.table;
        for entry in 0..table.entries.len() {
            let (key_start, key_len, values) = {
                let entry = &table.entries[entry];
                (
                    entry.key_start as usize,
                    entry.key_len as usize,
                    entry.values,
                )
            };
            let mut list = table.take_values(entry);
            let key = &list.bytes[key_start..][..key_len];
            match values {
                0 => {}
                1 => {
                    let value = list.next_value().unwrap_or_default();
                    self.downstream.emit(&RawBytes(key), &RawBytes(value))?;
                }
                _ => {
                    let mut sink = Counting {
                        sink: &mut *self.downstream,
                        records: 0,
                    };
                    self.combiner
                        .reduce(key, &mut list, &mut sink, &mut self.context)?;
                    self.stats.combine_input += list.read;
                    self.stats.combine_output += sink.records;
                }
            }
        }
        table.clear();
        self.table_records = 0;
        Ok(())
    }
}

impl RecordSink for CombiningCollector<'_> {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        self.record.clear();
        key.write(&mut self.record);
        let key_len = self.record.len();
        value.write(&mut self.record);
        self.stats.output_records += 1;
        self.stats.output_bytes += self.record.len() as u64;
        let (key, value) = self.record.split_at(key_len);
        if self.bypass {
            return self.downstream.emit(&RawBytes(key), &RawBytes(value));
        }
        if self.table.bytes.len() + self.record.len() > u32::MAX as usize {
            self.flush()?;
        }
        let (key, value) = self.record.split_at(key_len);
        let entry = self.table.entry_for(key);
        self.table.push_value(entry, value);
        self.table_records += 1;
        if self.table.entries[entry].values >= self.table.entries[entry].combine_at {
            self.combine_in_place(entry)?;
        }
        if self.table.memory() >= self.compact_at {
            self.make_room()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
