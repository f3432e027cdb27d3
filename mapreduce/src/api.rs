//! The user API: [`Mapper`], [`Reducer`] (also a combiner), [`Partitioner`],
//! the key order, and the [`TaskContext`] with counters and a status string.
//!
//! User code is typed; the framework moves serialized bytes, so each typed
//! piece is wrapped in an adapter (`Raw*`) that decodes into reused values.

use std::cmp::Ordering;
use std::marker::PhantomData;
use std::sync::Arc;

use common::Configuration;

use crate::Error;
use crate::counters::Counters;
use crate::writable::{Encode, Writable};

/// What a running task offers user code: counters, a status string, the
/// job's configuration and the attempt's id.
pub struct TaskContext {
    attempt_id: String,
    conf: Arc<Configuration>,
    pub(crate) counters: Counters,
    status: String,
    input_split: Option<crate::input::InputSplit>,
    /// The first failure writing output; the framework fails the attempt with it.
    pub(crate) failure: Option<Error>,
}

impl TaskContext {
    pub(crate) fn new(attempt_id: &str, conf: Arc<Configuration>) -> Self {
        Self {
            attempt_id: attempt_id.to_string(),
            conf,
            counters: Counters::new(),
            status: String::new(),
            input_split: None,
            failure: None,
        }
    }

    /// Adds `amount` to the user counter `name` in `group`.
    pub fn increment(&mut self, group: &str, name: &str, amount: u64) {
        self.counters.increment(group, name, amount);
    }

    /// This task's counters so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Sets the status string shown for this task.
    pub fn set_status(&mut self, status: impl Into<String>) {
        self.status = status.into();
    }

    /// The current status string.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The job's configuration (site files, `-D` options and the job's settings).
    pub fn conf(&self) -> &Configuration {
        &self.conf
    }

    /// The split a map task reads (None in reduce tasks).
    pub fn input_split(&self) -> Option<&crate::input::InputSplit> {
        self.input_split.as_ref()
    }

    pub(crate) fn set_input_split(&mut self, split: crate::input::InputSplit) {
        self.input_split = Some(split);
    }

    /// `attempt_<job>_m_000003_0` and the like.
    pub fn attempt_id(&self) -> &str {
        &self.attempt_id
    }

    /// Fails this task attempt with `reason` (Hadoop's exception message)
    /// when the current `map()`, `reduce()` or `cleanup()` call returns; the
    /// first failure recorded wins.
    pub fn fail(&mut self, reason: impl Into<String>) {
        self.failure.get_or_insert(Error::Task(reason.into()));
    }

    /// Takes the failure recorded by an output write, if any.
    pub(crate) fn take_failure(&mut self) -> Result<(), Error> {
        match self.failure.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Where framework code sends the records user code emits.
pub(crate) trait RecordSink {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error>;
}

/// What `map()` and `reduce()` emit records through.
pub struct Output<'a, K, V> {
    sink: &'a mut dyn RecordSink,
    context: &'a mut TaskContext,
    _types: PhantomData<fn(&K, &V)>,
}

impl<'a, K: Encode, V: Encode> Output<'a, K, V> {
    pub(crate) fn new(sink: &'a mut dyn RecordSink, context: &'a mut TaskContext) -> Self {
        Self {
            sink,
            context,
            _types: PhantomData,
        }
    }

    /// Emits one record. A failure to store it (a full disk, a lost DFS
    /// connection) fails the task attempt when the current call returns.
    pub fn emit(&mut self, key: &K, value: &V) {
        if self.context.failure.is_some() {
            return;
        }
        if let Err(error) = self.sink.emit(key, value) {
            self.context.failure = Some(error);
        }
    }

    /// The task's counters, status and configuration.
    pub fn context(&mut self) -> &mut TaskContext {
        self.context
    }
}

/// Turns input records into intermediate records. One clone runs per task
/// attempt. A panic fails the attempt with the panic's message.
pub trait Mapper: Clone + Send + Sync + 'static {
    type KeyIn: Writable;
    type ValueIn: Writable;
    type KeyOut: Writable;
    type ValueOut: Writable;

    /// Called once before the first record.
    fn setup(&mut self, _context: &mut TaskContext) {}

    /// Called for every input record.
    fn map(
        &mut self,
        key: &Self::KeyIn,
        value: &Self::ValueIn,
        output: &mut Output<'_, Self::KeyOut, Self::ValueOut>,
    );

    /// Called once after the last record.
    fn cleanup(&mut self, _output: &mut Output<'_, Self::KeyOut, Self::ValueOut>) {}
}

/// The values of one key group, decoded as they are read.
pub struct Values<'a, V> {
    raw: &'a mut dyn RawValues,
    failure: &'a mut Option<Error>,
    _type: PhantomData<fn() -> V>,
}

impl<V: Writable> Iterator for Values<'_, V> {
    type Item = V;

    fn next(&mut self) -> Option<V> {
        let bytes = self.raw.next_value()?;
        match V::read(bytes) {
            Ok(value) => Some(value),
            Err(error) => {
                self.failure.get_or_insert(error);
                None
            }
        }
    }
}

/// Turns each key and all its values into output records. Also the shape of
/// a combiner (whose input and output types are both the map output types).
pub trait Reducer: Clone + Send + Sync + 'static {
    type KeyIn: Writable;
    type ValueIn: Writable;
    type KeyOut: Writable;
    type ValueOut: Writable;

    /// Called once before the first key.
    fn setup(&mut self, _context: &mut TaskContext) {}

    /// Called once per distinct key (by the job's comparator), values in merge order.
    fn reduce(
        &mut self,
        key: &Self::KeyIn,
        values: &mut Values<'_, Self::ValueIn>,
        output: &mut Output<'_, Self::KeyOut, Self::ValueOut>,
    );

    /// Called once after the last key. Not called when the reducer runs as a
    /// combiner (a combine has no place for records that belong to no key).
    fn cleanup(&mut self, _output: &mut Output<'_, Self::KeyOut, Self::ValueOut>) {}
}

/// The reducer a job gets when it names none: every value out under its key.
pub struct IdentityReducer<K, V>(PhantomData<fn() -> (K, V)>);

impl<K, V> Default for IdentityReducer<K, V> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<K, V> Clone for IdentityReducer<K, V> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<K: Writable, V: Writable> Reducer for IdentityReducer<K, V> {
    type KeyIn = K;
    type ValueIn = V;
    type KeyOut = K;
    type ValueOut = V;

    fn reduce(&mut self, key: &K, values: &mut Values<'_, V>, output: &mut Output<'_, K, V>) {
        for value in values {
            output.emit(key, &value);
        }
    }
}

/// Sums the `u64` values of each key (Hadoop's `LongSumReducer`); a combiner
/// too, as its input and output types agree.
pub struct LongSumReducer<K>(PhantomData<fn() -> K>);

impl<K> Default for LongSumReducer<K> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<K> Clone for LongSumReducer<K> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<K: Writable> Reducer for LongSumReducer<K> {
    type KeyIn = K;
    type ValueIn = u64;
    type KeyOut = K;
    type ValueOut = u64;

    fn reduce(&mut self, key: &K, values: &mut Values<'_, u64>, output: &mut Output<'_, K, u64>) {
        output.emit(key, &values.sum());
    }
}

/// Chooses the reduce partition of a serialized key.
pub trait Partitioner: Send + Sync + 'static {
    /// A partition in `0..partitions` for `key` (its serialized bytes).
    fn partition(&self, key: &[u8], partitions: u32) -> u32;
}

/// Hadoop's default: the key's hash (`31 * h + b` over its bytes, as
/// WritableComparator.hashBytes) modulo the number of reducers.
#[derive(Clone, Copy, Debug, Default)]
pub struct HashPartitioner;

impl Partitioner for HashPartitioner {
    fn partition(&self, key: &[u8], partitions: u32) -> u32 {
        let mut hash: i32 = 1;
        for &byte in key {
            hash = hash.wrapping_mul(31).wrapping_add(i32::from(byte as i8));
        }
        (hash & i32::MAX) as u32 % partitions.max(1)
    }
}

/// A comparator over serialized keys.
pub type CompareFn = Arc<dyn Fn(&[u8], &[u8]) -> Ordering + Send + Sync>;

/// A total order over reducers: partition i gets the keys from cut point
/// i-1 (inclusive) to cut point i (exclusive), so the concatenated reduce
/// outputs are sorted (TeraSort's partitioner).
#[derive(Clone, Debug)]
pub struct TotalOrderPartitioner {
    cut_points: Vec<Vec<u8>>,
}

impl TotalOrderPartitioner {
    /// Cut points from a sample of serialized keys: `partitions - 1` keys
    /// evenly spaced through the sorted sample.
    pub fn from_sample(mut sample: Vec<Vec<u8>>, partitions: u32) -> Self {
        sample.sort_unstable();
        let partitions = partitions.max(1) as usize;
        let cut_points = (1..partitions)
            .filter_map(|index| sample.get(index * sample.len() / partitions).cloned())
            .collect();
        Self { cut_points }
    }

    /// The cut points, sorted.
    pub fn cut_points(&self) -> &[Vec<u8>] {
        &self.cut_points
    }

    /// The partition file (Hadoop's `_partition.lst`): one cut point per
    /// line, hex-encoded so any key bytes fit.
    pub fn to_partition_file(&self) -> Vec<u8> {
        let mut file = String::new();
        for cut in &self.cut_points {
            for byte in cut {
                file.push_str(&format!("{byte:02x}"));
            }
            file.push('\n');
        }
        file.into_bytes()
    }

    /// Reads a partition file written by [`Self::to_partition_file`].
    pub fn from_partition_file(bytes: &[u8]) -> Result<Self, crate::Error> {
        let bad = || crate::Error::Corrupt("partition file: not hex lines".into());
        let text = std::str::from_utf8(bytes).map_err(|_| bad())?;
        let cut_points = text
            .lines()
            .map(|line| {
                (0..line.len())
                    .step_by(2)
                    .map(|at| {
                        line.get(at..at + 2)
                            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                            .ok_or_else(bad)
                    })
                    .collect::<Result<Vec<u8>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { cut_points })
    }
}

impl Partitioner for TotalOrderPartitioner {
    fn partition(&self, key: &[u8], partitions: u32) -> u32 {
        let index = self.cut_points.partition_point(|cut| cut.as_slice() <= key) as u32;
        index.min(partitions.saturating_sub(1))
    }
}

/// The order of keys: their serialized bytes, unless the job supplies a
/// comparator over those bytes.
#[derive(Clone, Default)]
pub enum KeyOrder {
    /// Unsigned byte order of the serialized keys (memcmp).
    #[default]
    Bytes,
    /// A user comparator over serialized keys.
    Custom(CompareFn),
}

impl KeyOrder {
    /// Compares two serialized keys.
    #[inline]
    pub fn compare(&self, left: &[u8], right: &[u8]) -> Ordering {
        match self {
            KeyOrder::Bytes => left.cmp(right),
            KeyOrder::Custom(compare) => compare(left, right),
        }
    }
}

/// A mapper over serialized records.
pub(crate) trait RawMapper: Send {
    fn setup(&mut self, context: &mut TaskContext);
    fn map(
        &mut self,
        key: &[u8],
        value: &[u8],
        sink: &mut dyn RecordSink,
        context: &mut TaskContext,
    ) -> Result<(), Error>;
    fn cleanup(&mut self, sink: &mut dyn RecordSink, context: &mut TaskContext);
}

/// A typed [`Mapper`] with its reused input values.
pub(crate) struct MapperAdapter<M: Mapper> {
    mapper: M,
    key: M::KeyIn,
    value: M::ValueIn,
}

impl<M: Mapper> MapperAdapter<M> {
    pub(crate) fn new(mapper: M) -> Self {
        Self {
            mapper,
            key: Default::default(),
            value: Default::default(),
        }
    }
}

impl<M: Mapper> RawMapper for MapperAdapter<M> {
    fn setup(&mut self, context: &mut TaskContext) {
        self.mapper.setup(context);
    }

    fn map(
        &mut self,
        key: &[u8],
        value: &[u8],
        sink: &mut dyn RecordSink,
        context: &mut TaskContext,
    ) -> Result<(), Error> {
        self.key.read_into(key)?;
        self.value.read_into(value)?;
        let mut output = Output::new(sink, context);
        self.mapper.map(&self.key, &self.value, &mut output);
        context.take_failure()
    }

    fn cleanup(&mut self, sink: &mut dyn RecordSink, context: &mut TaskContext) {
        let mut output = Output::new(sink, context);
        self.mapper.cleanup(&mut output);
    }
}

/// The values of the current group, as serialized bytes.
pub(crate) trait RawValues {
    /// The next value of the group, or None at its end.
    fn next_value(&mut self) -> Option<&[u8]>;
}

/// A reducer over serialized records.
pub(crate) trait RawReducer: Send {
    fn setup(&mut self, context: &mut TaskContext);
    fn reduce(
        &mut self,
        key: &[u8],
        values: &mut dyn RawValues,
        sink: &mut dyn RecordSink,
        context: &mut TaskContext,
    ) -> Result<(), Error>;
    fn cleanup(&mut self, sink: &mut dyn RecordSink, context: &mut TaskContext);
}

/// A typed [`Reducer`] with its reused key.
pub(crate) struct ReducerAdapter<R: Reducer> {
    reducer: R,
    key: R::KeyIn,
}

impl<R: Reducer> ReducerAdapter<R> {
    pub(crate) fn new(reducer: R) -> Self {
        Self {
            reducer,
            key: Default::default(),
        }
    }
}

impl<R: Reducer> RawReducer for ReducerAdapter<R> {
    fn setup(&mut self, context: &mut TaskContext) {
        self.reducer.setup(context);
    }

    fn reduce(
        &mut self,
        key: &[u8],
        values: &mut dyn RawValues,
        sink: &mut dyn RecordSink,
        context: &mut TaskContext,
    ) -> Result<(), Error> {
        self.key.read_into(key)?;
        let mut failure = None;
        let mut typed_values = Values {
            raw: values,
            failure: &mut failure,
            _type: PhantomData,
        };
        let mut output = Output::new(sink, context);
        self.reducer
            .reduce(&self.key, &mut typed_values, &mut output);
        if let Some(error) = failure {
            return Err(error);
        }
        context.take_failure()
    }

    fn cleanup(&mut self, sink: &mut dyn RecordSink, context: &mut TaskContext) {
        let mut output = Output::new(sink, context);
        self.reducer.cleanup(&mut output);
    }
}

/// Makes a fresh mapper for each task attempt.
pub(crate) type MapperFactory = Arc<dyn Fn() -> Box<dyn RawMapper> + Send + Sync>;
/// Makes a fresh reducer (or combiner) for each task attempt or spill.
pub(crate) type ReducerFactory = Arc<dyn Fn() -> Box<dyn RawReducer> + Send + Sync>;

#[cfg(test)]
mod tests {
    #[test]
    fn partition_files_round_trip() {
        let partitioner = super::TotalOrderPartitioner::from_sample(
            vec![b"k\x00\xff".to_vec(), b"a".to_vec(), b"z".to_vec()],
            3,
        );
        let file = partitioner.to_partition_file();
        let read = super::TotalOrderPartitioner::from_partition_file(&file).unwrap();
        assert_eq!(read.cut_points(), partitioner.cut_points());
        assert!(super::TotalOrderPartitioner::from_partition_file(b"zz\n").is_err());
    }

    use super::*;

    #[test]
    fn hash_partitioner_matches_hadoops_hash_bytes() {
        // WritableComparator.hashBytes("abc") = ((1*31 + 97)*31 + 98)*31 + 99 = 126145.
        assert_eq!(HashPartitioner.partition(b"abc", 1_000_000), 126_145);
        assert_eq!(HashPartitioner.partition(b"", 7), 1);
        for key in [&b"x"[..], b"\xff\xfe", b"long key with bytes"] {
            assert!(HashPartitioner.partition(key, 3) < 3);
        }
    }

    #[test]
    fn total_order_partitions_are_ordered_ranges() {
        let sample: Vec<Vec<u8>> = (0..100u8).rev().map(|i| vec![i]).collect();
        let partitioner = TotalOrderPartitioner::from_sample(sample, 4);
        assert_eq!(partitioner.cut_points(), [vec![25], vec![50], vec![75]]);
        assert_eq!(partitioner.partition(&[0], 4), 0);
        assert_eq!(partitioner.partition(&[24, 9], 4), 0);
        assert_eq!(partitioner.partition(&[25], 4), 1);
        assert_eq!(partitioner.partition(&[99], 4), 3);
        let mut previous = 0;
        for key in 0..=255u8 {
            let partition = partitioner.partition(&[key], 4);
            assert!(partition >= previous);
            previous = partition;
        }
    }

    #[test]
    fn custom_key_order_is_used() {
        let reverse = KeyOrder::Custom(Arc::new(|left: &[u8], right: &[u8]| right.cmp(left)));
        assert_eq!(reverse.compare(b"a", b"b"), Ordering::Greater);
        assert_eq!(KeyOrder::Bytes.compare(b"a", b"b"), Ordering::Less);
    }
}
