//! The reduce side of the shuffle on YARN: follows the AM's map completion
//! events and fetches this reducer's partition of every map from the
//! NodeManagers' shuffle service with `mapreduce.reduce.shuffle.parallelcopies`
//! fetchers. Small segments stay in memory within the shuffle budget, the
//! rest go to local disk. Once the segments in memory fill
//! `mapreduce.reduce.shuffle.merge.percent` of the budget, a merge thread
//! writes them into one sorted file while fetching goes on (Hadoop's
//! in-memory merger), so the budget never stops the fetchers for long and
//! the final merge has fewer inputs. A failed fetch is reported to the AM (which
//! re-runs the map once enough reducers complain) and retried with backoff,
//! also from the map's new attempt once it has one.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::Configuration;
use common::conf::keys;
use proto::mapreduce as pb;

use crate::Error;
use crate::api::KeyOrder;
use crate::counters::{Counters, SHUFFLE_ERRORS_GROUP};
use crate::merge::{MergeStats, merge_into_file};
use crate::reduce::{ShuffleSource, ShuffledSegments};
use crate::shuffle::{
    FetchError, FetchLimits, FetchedSegment, MapOutputLocation, fetch_map_output,
};
use crate::yarn::umbilical::Umbilical;

/// How often the reducer asks the AM for new events while it waits.
const EVENT_POLL: Duration = Duration::from_millis(100);
/// First and largest wait before fetching a failed map output again.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Shuffle settings (Hadoop's keys).
pub(crate) struct ShuffleSettings {
    pub parallel_copies: usize,
    /// Bytes of map output kept in memory in all.
    pub memory_budget: u64,
    /// Largest segment kept in memory.
    pub single_segment_limit: u64,
    /// Bytes in memory from which they are merged to disk.
    pub merge_threshold: u64,
    pub limits: FetchLimits,
}

impl ShuffleSettings {
    pub fn from_conf(conf: &Configuration) -> Result<Self, Error> {
        let memory_mb = conf.get_u64(keys::MAPREDUCE_REDUCE_MEMORY_MB)?;
        let buffer_percent = conf
            .get_f64(keys::MAPREDUCE_REDUCE_SHUFFLE_INPUT_BUFFER_PERCENT)?
            .clamp(0.0, 1.0);
        let single_percent = conf
            .get_f64(keys::MAPREDUCE_REDUCE_SHUFFLE_MEMORY_LIMIT_PERCENT)?
            .clamp(0.0, 1.0);
        let merge_percent = conf
            .get_f64(keys::MAPREDUCE_REDUCE_SHUFFLE_MERGE_PERCENT)?
            .clamp(0.0, 1.0);
        let memory_budget = ((memory_mb << 20) as f64 * buffer_percent) as u64;
        let single_segment_limit = (memory_budget as f64 * single_percent) as u64;
        Ok(Self {
            parallel_copies: conf
                .get_u32(keys::MAPREDUCE_REDUCE_SHUFFLE_PARALLELCOPIES)?
                .max(1) as usize,
            memory_budget,
            single_segment_limit,
            merge_threshold: (memory_budget as f64 * merge_percent) as u64,
            limits: FetchLimits::from_conf(conf, single_segment_limit)?,
        })
    }
}

/// One map's output for this reducer: where it is and whether we have it.
#[derive(Default)]
struct MapSlot {
    location: Option<MapOutputLocation>,
    fetched: bool,
    in_flight: bool,
    failures: u32,
    retry_at: Option<Instant>,
}

/// Fetches this reducer's partition from the shuffle service.
pub(crate) struct YarnShuffle {
    pub umbilical: Umbilical,
    pub job_id: String,
    pub settings: ShuffleSettings,
    pub spill_dir: PathBuf,
    /// The job's key order, for merges during the fetch.
    pub order: KeyOrder,
}

/// Segments fetched so far, and the merge of in-memory ones under way.
#[derive(Default)]
struct Fetched {
    segments: Vec<FetchedSegment>,
    /// Bytes of the segments held in memory (merging ones included).
    in_memory: u64,
    records: u64,
    bytes: u64,
    merging: Option<(u64, JoinHandle<Result<FetchedSegment, Error>>)>,
    merges: MergeStats,
    /// Failed fetches by kind (the Shuffle Errors counters).
    failures: Counters,
}

struct FetchJob {
    map: usize,
    location: MapOutputLocation,
    max_in_memory: u64,
}

type FetchResult = (usize, MapOutputLocation, Result<FetchedSegment, FetchError>);

impl ShuffleSource for YarnShuffle {
    fn segments(&self, partition: u32) -> Result<ShuffledSegments, Error> {
        let first = self.umbilical.events(0)?;
        let mut slots: Vec<MapSlot> = (0..first.total_maps.max(0) as usize)
            .map(|_| MapSlot::default())
            .collect();
        let mut next_event = 0;
        let mut fetched = Fetched::default();
        let (jobs_tx, jobs_rx) = channel::<FetchJob>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let (results_tx, results) = channel::<FetchResult>();
        std::thread::scope(|scope| {
            for _ in 0..self.settings.parallel_copies.min(slots.len().max(1)) {
                let (jobs, results) = (jobs_rx.clone(), results_tx.clone());
                scope.spawn(move || self.fetcher(jobs, results, partition));
            }
            drop(results_tx);
            let outcome = self.follow_events(
                &mut slots,
                &mut next_event,
                &jobs_tx,
                &results,
                &mut fetched,
            );
            drop(jobs_tx);
            outcome
        })?;
        self.merge_finished(&mut fetched, true)?;
        let sources = fetched
            .segments
            .into_iter()
            .map(FetchedSegment::into_source)
            .collect::<Result<_, _>>()?;
        Ok(ShuffledSegments {
            sources,
            records: fetched.records,
            bytes: fetched.bytes,
            maps: slots.len() as u64,
            merges: fetched.merges,
            failures: fetched.failures,
        })
    }
}

impl YarnShuffle {
    /// Dispatches fetches as events arrive until every map's output is here.
    fn follow_events(
        &self,
        slots: &mut [MapSlot],
        next_event: &mut usize,
        jobs: &Sender<FetchJob>,
        results: &Receiver<FetchResult>,
        fetched: &mut Fetched,
    ) -> Result<(), Error> {
        let mut last_poll = None::<Instant>;
        while slots.iter().any(|slot| !slot.fetched) {
            if last_poll.is_none_or(|at: Instant| at.elapsed() >= EVENT_POLL) {
                let response = self.umbilical.events(*next_event)?;
                if response.should_die {
                    return Err(Error::Task(
                        "the MRAppMaster no longer wants this attempt".into(),
                    ));
                }
                *next_event += response.events.len();
                for event in response.events {
                    apply_event(slots, &event);
                }
                last_poll = Some(Instant::now());
            }
            let now = Instant::now();
            for (map, slot) in slots.iter_mut().enumerate() {
                let due = slot.retry_at.is_none_or(|at| at <= now);
                if slot.fetched || slot.in_flight || !due {
                    continue;
                }
                let Some(location) = slot.location.clone() else {
                    continue;
                };
                let used = fetched.in_memory;
                let max_in_memory = self
                    .settings
                    .single_segment_limit
                    .min(self.settings.memory_budget.saturating_sub(used));
                slot.in_flight = true;
                let job = FetchJob {
                    map,
                    location,
                    max_in_memory,
                };
                jobs.send(job)
                    .map_err(|_| Error::Task("the shuffle fetchers stopped".into()))?;
            }
            match results.recv_timeout(EVENT_POLL) {
                Ok((map, location, result)) => {
                    self.take_result(&mut slots[map], &location, result, fetched)?;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Task("the shuffle fetchers stopped".into()));
                }
            }
            self.merge_finished(fetched, false)?;
            if fetched.merging.is_none() && fetched.in_memory >= self.settings.merge_threshold {
                self.start_memory_merge(fetched);
            }
        }
        Ok(())
    }

    /// Moves every in-memory segment to a merge thread that writes them
    /// into one sorted file.
    fn start_memory_merge(&self, fetched: &mut Fetched) {
        let (memory, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut fetched.segments)
            .into_iter()
            .partition(|segment| matches!(segment, FetchedSegment::Memory { .. }));
        fetched.segments = rest;
        if memory.len() < 2 {
            fetched.segments.extend(memory);
            return;
        }
        let bytes = memory.iter().map(FetchedSegment::bytes).sum();
        let path = self
            .spill_dir
            .join(format!("memory-merge{}.out", fetched.merges.passes));
        let order = self.order.clone();
        let merge = std::thread::spawn(move || merge_to_file(memory, &order, &path));
        fetched.merging = Some((bytes, merge));
    }

    /// Takes in the result of the merge under way once it ended (or, with
    /// `wait`, when it ends).
    fn merge_finished(&self, fetched: &mut Fetched, wait: bool) -> Result<(), Error> {
        if !wait
            && !fetched
                .merging
                .as_ref()
                .is_some_and(|(_, merge)| merge.is_finished())
        {
            return Ok(());
        }
        let Some((bytes, merge)) = fetched.merging.take() else {
            return Ok(());
        };
        let merged = merge
            .join()
            .map_err(|_| Error::Task("the in-memory merge panicked".into()))??;
        fetched.in_memory -= bytes;
        fetched.merges.local_bytes_written += merged.bytes();
        fetched.merges.passes += 1;
        fetched.merges.records_written += merged.records();
        fetched.segments.push(merged);
        Ok(())
    }

    fn take_result(
        &self,
        slot: &mut MapSlot,
        location: &MapOutputLocation,
        result: Result<FetchedSegment, FetchError>,
        fetched: &mut Fetched,
    ) -> Result<(), Error> {
        slot.in_flight = false;
        match result {
            Ok(segment) => {
                match segment {
                    FetchedSegment::Memory { .. } => fetched.in_memory += segment.bytes(),
                    FetchedSegment::Disk { .. } => {
                        fetched.merges.local_bytes_written += segment.bytes();
                    }
                }
                fetched.records += segment.records();
                fetched.bytes += segment.bytes();
                fetched.segments.push(segment);
                slot.fetched = true;
            }
            Err(error) => {
                fetched
                    .failures
                    .increment(SHUFFLE_ERRORS_GROUP, error.failure.shuffle_error(), 1);
                let reason = error.to_string();
                tracing::warn!(map = %location.attempt_id, %reason, "fetch failed");
                self.umbilical
                    .fetch_failure(&location.attempt_id, &reason)?;
                slot.failures += 1;
                let backoff = FIRST_BACKOFF
                    .saturating_mul(1 << slot.failures.min(8))
                    .min(MAX_BACKOFF);
                slot.retry_at = Some(Instant::now() + backoff);
            }
        }
        Ok(())
    }

    /// A fetcher thread: fetches what it is handed until the queue closes.
    fn fetcher(
        &self,
        jobs: Arc<Mutex<Receiver<FetchJob>>>,
        results: Sender<FetchResult>,
        partition: u32,
    ) {
        loop {
            let job = match jobs.lock().expect("fetch queue").recv() {
                Ok(job) => job,
                Err(_) => return,
            };
            let limits = FetchLimits {
                max_in_memory: job.max_in_memory,
                ..self.settings.limits
            };
            let result = fetch_map_output(
                &job.location,
                &self.job_id,
                partition,
                &limits,
                &self.spill_dir,
            );
            if results.send((job.map, job.location, result)).is_err() {
                return;
            }
        }
    }
}

/// Merges `segments` into one sorted segment file at `path`.
fn merge_to_file(
    segments: Vec<FetchedSegment>,
    order: &KeyOrder,
    path: &Path,
) -> Result<FetchedSegment, Error> {
    let sources = segments
        .into_iter()
        .map(FetchedSegment::into_source)
        .collect::<Result<_, _>>()?;
    let entry = merge_into_file(sources, order, path)?;
    Ok(FetchedSegment::Disk {
        path: path.to_path_buf(),
        records: entry.records,
        bytes: entry.length,
    })
}

/// A SUCCEEDED event gives a map's location; an OBSOLETE one takes away
/// the location it names (output already fetched from it stays valid).
fn apply_event(slots: &mut [MapSlot], event: &pb::MapCompletionEvent) {
    let Some(slot) = slots.get_mut(event.map_index.max(0) as usize) else {
        return;
    };
    if event.status == pb::CompletionStatus::CompletionObsolete as i32 {
        if slot
            .location
            .as_ref()
            .is_some_and(|location| location.attempt_id == event.attempt_id)
        {
            slot.location = None;
        }
        return;
    }
    slot.location = Some(MapOutputLocation {
        address: event.shuffle_address.clone(),
        attempt_id: event.attempt_id.clone(),
    });
    slot.retry_at = None;
}
