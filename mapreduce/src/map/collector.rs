//! The map output collector: records are serialized into a sort buffer of
//! `io.sort.mb`; at `spill.percent` the full part is handed to a spill
//! thread (sort, combine, write) while map() keeps filling a second buffer
//! with the rest of the budget, and only waits when that fills up too.
//! Buffers are recycled, so steady state allocates nothing per record.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, channel, sync_channel};
use std::thread::JoinHandle;

use common::Configuration;

use crate::Error;
use crate::api::{KeyOrder, Partitioner, RecordSink, ReducerFactory, TaskContext};
use crate::counters::Counters;
use crate::map::spill::{RecordMeta, SortBuffer, SpillFile, SpillStats, write_spill};
use crate::runner::panic_message;
use crate::writable::Encode;

/// What the spill thread needs.
pub(crate) struct SpillSetup {
    pub partitions: u32,
    pub order: KeyOrder,
    pub combiner: Option<ReducerFactory>,
    pub dir: PathBuf,
    pub attempt_id: String,
    pub conf: Arc<Configuration>,
}

struct SpillDone {
    buffer: SortBuffer,
    result: Result<(SpillFile, SpillStats), Error>,
    counters: Counters,
}

/// Collects map output into sorted, partitioned spills.
pub(crate) struct MapOutputCollector {
    active: SortBuffer,
    spare: Option<SortBuffer>,
    capacity: usize,
    spill_threshold: usize,
    partitions: u32,
    partitioner: Arc<dyn Partitioner>,
    /// Bytes of the buffer being spilled, while a spill runs.
    in_flight: Option<usize>,
    next_spill: usize,
    requests: Option<SyncSender<(SortBuffer, usize)>>,
    done: Receiver<SpillDone>,
    thread: Option<JoinHandle<()>>,
    pub spills: Vec<SpillFile>,
    pub spill_stats: SpillStats,
    /// Counters user code incremented in the combiner.
    pub combiner_counters: Counters,
    pub output_records: u64,
    pub output_bytes: u64,
}

impl MapOutputCollector {
    /// A collector with a buffer of `capacity` bytes, spilling at `spill_percent`.
    pub(crate) fn new(
        capacity: usize,
        spill_percent: f64,
        partitioner: Arc<dyn Partitioner>,
        setup: SpillSetup,
    ) -> Result<Self, Error> {
        let partitions = setup.partitions;
        let (requests, request_receiver) = sync_channel(1);
        let (done_sender, done) = channel();
        let thread = std::thread::Builder::new()
            .name(format!("{}-spill", setup.attempt_id))
            .spawn(move || spill_loop(setup, request_receiver, done_sender))?;
        Ok(Self {
            active: SortBuffer::default(),
            spare: None,
            capacity,
            spill_threshold: ((capacity as f64 * spill_percent) as usize).max(1),
            partitions,
            partitioner,
            in_flight: None,
            next_spill: 0,
            requests: Some(requests),
            done,
            thread: Some(thread),
            spills: Vec::new(),
            spill_stats: SpillStats::default(),
            combiner_counters: Counters::new(),
            output_records: 0,
            output_bytes: 0,
        })
    }

    fn start_spill(&mut self) -> Result<(), Error> {
        debug_assert!(self.in_flight.is_none());
        let full = std::mem::replace(&mut self.active, self.spare.take().unwrap_or_default());
        self.in_flight = Some(full.used());
        let number = self.next_spill;
        self.next_spill += 1;
        self.requests
            .as_ref()
            .expect("the spill thread runs until finish")
            .send((full, number))
            .map_err(|_| Error::Task("the spill thread stopped".into()))
    }

    fn spill_finished(&mut self, done: SpillDone) -> Result<(), Error> {
        self.in_flight = None;
        self.spare = Some(done.buffer);
        self.combiner_counters.merge(&done.counters);
        let (file, stats) = done.result?;
        self.spills.push(file);
        self.spill_stats.records_written += stats.records_written;
        self.spill_stats.combine_input += stats.combine_input;
        self.spill_stats.combine_output += stats.combine_output;
        Ok(())
    }

    fn wait_for_spill(&mut self) -> Result<(), Error> {
        if self.in_flight.is_none() {
            return Ok(());
        }
        let done = self
            .done
            .recv()
            .map_err(|_| Error::Task("the spill thread stopped".into()))?;
        self.spill_finished(done)
    }

    /// After each record: collect a finished spill, start one at the
    /// threshold, or wait when both buffers together reach the capacity.
    fn after_record(&mut self) -> Result<(), Error> {
        if self.in_flight.is_some() {
            match self.done.try_recv() {
                Ok(done) => self.spill_finished(done)?,
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    return Err(Error::Task("the spill thread stopped".into()));
                }
            }
        }
        let used = self.active.used();
        match self.in_flight {
            None if used >= self.spill_threshold => self.start_spill(),
            Some(spilling) if used + spilling >= self.capacity => {
                self.wait_for_spill()?;
                if self.active.used() >= self.spill_threshold {
                    self.start_spill()?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Spills what is left and returns the spill files (at least one).
    pub(crate) fn finish(&mut self) -> Result<Vec<SpillFile>, Error> {
        self.wait_for_spill()?;
        if !self.active.meta.is_empty() || self.spills.is_empty() {
            self.start_spill()?;
            self.wait_for_spill()?;
        }
        self.stop_thread();
        Ok(std::mem::take(&mut self.spills))
    }

    fn stop_thread(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MapOutputCollector {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

impl RecordSink for MapOutputCollector {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        let data = &mut self.active.data;
        let key_start = data.len();
        key.write(data);
        let value_start = data.len();
        value.write(data);
        let end = data.len();
        if end > u32::MAX as usize {
            return Err(Error::Task(format!(
                "map output record of {} bytes does not fit the sort buffer",
                end - key_start
            )));
        }
        let partition = if self.partitions == 1 {
            0
        } else {
            self.partitioner
                .partition(&data[key_start..value_start], self.partitions)
        };
        if partition >= self.partitions {
            return Err(Error::Task(format!(
                "Illegal partition for key: {partition}"
            )));
        }
        self.active.meta.push(RecordMeta {
            partition,
            key_start: key_start as u32,
            key_length: (value_start - key_start) as u32,
            value_length: (end - value_start) as u32,
        });
        self.output_records += 1;
        self.output_bytes += (end - key_start) as u64;
        self.after_record()
    }
}

fn spill_loop(
    setup: SpillSetup,
    requests: Receiver<(SortBuffer, usize)>,
    done: std::sync::mpsc::Sender<SpillDone>,
) {
    for (mut buffer, number) in requests {
        let mut context = TaskContext::new(&setup.attempt_id, setup.conf.clone());
        let path = setup.dir.join(format!("spill{number}.out"));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut combiner = setup.combiner.as_ref().map(|factory| factory());
            if let Some(combiner) = combiner.as_mut() {
                combiner.setup(&mut context);
            }
            write_spill(
                &mut buffer,
                setup.partitions,
                &setup.order,
                combiner.as_deref_mut(),
                &mut context,
                &path,
            )
        }))
        .unwrap_or_else(|panic| {
            Err(Error::Task(format!(
                "combiner panicked: {}",
                panic_message(panic.as_ref())
            )))
        });
        buffer.clear();
        let counters = std::mem::take(&mut context.counters);
        if done
            .send(SpillDone {
                buffer,
                result,
                counters,
            })
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::HashPartitioner;
    use crate::ifile::FileSegment;
    use crate::records::RecordSource;

    #[test]
    fn a_small_buffer_spills_many_sorted_runs_without_losing_records() {
        let dir = tempfile::tempdir().unwrap();
        let setup = SpillSetup {
            partitions: 3,
            order: KeyOrder::Bytes,
            combiner: None,
            dir: dir.path().to_path_buf(),
            attempt_id: "attempt_test_m_000000_0".into(),
            conf: Arc::default(),
        };
        let mut collector =
            MapOutputCollector::new(4096, 0.5, Arc::new(HashPartitioner), setup).unwrap();
        let mut expected = Vec::new();
        for i in 0..5000u64 {
            let key = format!("key{:05}", (i * 7919) % 5000).into_bytes();
            collector.emit(&key, &i).unwrap();
            expected.push(key);
        }
        let spills = collector.finish().unwrap();
        assert!(spills.len() > 10, "only {} spills", spills.len());
        assert_eq!(collector.spill_stats.records_written, 5000);
        let mut seen = Vec::new();
        for spill in &spills {
            for (partition, entry) in spill.entries.iter().enumerate() {
                let mut segment = FileSegment::open(&spill.path, *entry).unwrap();
                let mut previous: Option<Vec<u8>> = None;
                while segment.next().unwrap() {
                    let key = segment.key().to_vec();
                    assert_eq!(HashPartitioner.partition(&key, 3) as usize, partition);
                    assert!(previous.as_ref().is_none_or(|previous| *previous <= key));
                    previous = Some(key.clone());
                    seen.push(key);
                }
            }
        }
        seen.sort();
        expected.sort();
        assert_eq!(seen, expected);
    }
}
