//! [`Job`]: what a MapReduce job is made of, built with a fluent builder.
//! The map output types flow from the mapper into the combiner and reducer
//! bounds, so a mismatched reducer does not compile.

use std::cmp::Ordering;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::api::{
    HashPartitioner, IdentityReducer, KeyOrder, Mapper, MapperAdapter, MapperFactory, Partitioner,
    Reducer, ReducerAdapter, ReducerFactory,
};

/// How input files become records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputFormat {
    /// TextInputFormat: key = byte offset of the line (u64), value = the line
    /// without its terminator (LF, CR or CRLF).
    #[default]
    Text,
    /// KeyValueTextInputFormat: each line split at its first tab into key
    /// and value (the whole line is the key when there is no tab).
    KeyValueText,
    /// The compact binary key/value format [`OutputFormat::Binary`] writes,
    /// for chaining jobs.
    Binary,
}

/// How output records become files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// TextOutputFormat: `key<TAB>value` lines (the separator is
    /// `mapreduce.output.textoutputformat.separator`).
    #[default]
    Text,
    /// Serialized keys and values with lengths, readable by [`InputFormat::Binary`].
    Binary,
}

/// A job: mapper, optional combiner, reducer, partitioner, key order,
/// formats, paths and settings. `K` and `V` are the map output types.
pub struct Job<K = (), V = ()> {
    pub(crate) spec: JobSpec,
    _types: PhantomData<fn() -> (K, V)>,
}

/// The type-erased job the runners work with.
#[derive(Clone)]
pub(crate) struct JobSpec {
    pub name: String,
    pub mapper: Option<MapperFactory>,
    pub combiner: Option<ReducerFactory>,
    pub reducer: Option<ReducerFactory>,
    pub partitioner: Arc<dyn Partitioner>,
    pub key_order: KeyOrder,
    pub input_format: InputFormat,
    pub output_format: OutputFormat,
    pub inputs: Vec<String>,
    pub output: Option<String>,
    pub settings: Vec<(String, String)>,
    /// Files shipped to every task's working directory (name, contents).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Job {
    /// A job named `name` (`mapreduce.job.name`), with nothing set yet.
    pub fn new(name: &str) -> Self {
        Job {
            spec: JobSpec {
                name: name.to_string(),
                mapper: None,
                combiner: None,
                reducer: None,
                partitioner: Arc::new(HashPartitioner),
                key_order: KeyOrder::Bytes,
                input_format: InputFormat::Text,
                output_format: OutputFormat::Text,
                inputs: Vec::new(),
                output: None,
                settings: Vec::new(),
                files: Vec::new(),
            },
            _types: PhantomData,
        }
    }
}

fn reducer_factory<R: Reducer>(reducer: R) -> ReducerFactory {
    Arc::new(move || Box::new(ReducerAdapter::new(reducer.clone())))
}

impl<K, V> Job<K, V> {
    fn retype<K2, V2>(self) -> Job<K2, V2> {
        Job {
            spec: self.spec,
            _types: PhantomData,
        }
    }

    /// The job's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Sets the mapper; its output types become the job's map output types.
    /// Until a reducer is set, the reducer is the identity.
    pub fn mapper<M: Mapper>(mut self, mapper: M) -> Job<M::KeyOut, M::ValueOut> {
        let factory: MapperFactory = Arc::new(move || Box::new(MapperAdapter::new(mapper.clone())));
        self.spec.mapper = Some(factory);
        self.spec.reducer = Some(reducer_factory(
            IdentityReducer::<M::KeyOut, M::ValueOut>::default(),
        ));
        self.spec.combiner = None;
        self.retype()
    }

    /// Sets a combiner: a reducer from and to the map output types, run on
    /// each spill and on the final merge of three or more spills.
    pub fn combiner<C>(mut self, combiner: C) -> Self
    where
        C: Reducer<KeyIn = K, ValueIn = V, KeyOut = K, ValueOut = V>,
    {
        self.spec.combiner = Some(reducer_factory(combiner));
        self
    }

    /// Sets the reducer, whose input types are the map output types.
    pub fn reducer<R: Reducer<KeyIn = K, ValueIn = V>>(mut self, reducer: R) -> Self {
        self.spec.reducer = Some(reducer_factory(reducer));
        self
    }

    /// Sets the partitioner (default [`HashPartitioner`]).
    pub fn partitioner(mut self, partitioner: impl Partitioner) -> Self {
        self.spec.partitioner = Arc::new(partitioner);
        self
    }

    /// Orders keys with `compare` over their serialized bytes instead of
    /// byte order; it also decides which keys group together in reduce().
    pub fn sort_comparator(
        mut self,
        compare: impl Fn(&[u8], &[u8]) -> Ordering + Send + Sync + 'static,
    ) -> Self {
        self.spec.key_order = KeyOrder::Custom(Arc::new(compare));
        self
    }

    /// Sets the input format (default [`InputFormat::Text`]).
    pub fn input_format(mut self, format: InputFormat) -> Self {
        self.spec.input_format = format;
        self
    }

    /// Sets the output format (default [`OutputFormat::Text`]).
    pub fn output_format(mut self, format: OutputFormat) -> Self {
        self.spec.output_format = format;
        self
    }

    /// Adds an input path (a file, or a directory whose files are read).
    pub fn input(mut self, path: &str) -> Self {
        self.spec.inputs.push(path.to_string());
        self
    }

    /// Sets the output directory, which must not exist yet.
    pub fn output(mut self, path: &str) -> Self {
        self.spec.output = Some(path.to_string());
        self
    }

    /// Sets a configuration key for this job (over site files and `-D`).
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        self.spec.settings.push((key.to_string(), value.into()));
        self
    }

    /// Sets the number of reduce tasks (`mapreduce.job.reduces`); 0 makes a
    /// map-only job whose maps write the output.
    pub fn reduces(self, reduces: u32) -> Self {
        self.set(crate::settings::JOB_REDUCES, reduces.to_string())
    }

    /// Ships a file named `name` with the job: on YARN every task finds it
    /// in its working directory ([`crate::job_file`] reads it), as files in
    /// Hadoop's distributed cache.
    pub fn file(mut self, name: &str, contents: Vec<u8>) -> Self {
        self.spec.files.push((name.to_string(), contents));
        self
    }

    /// Whether input and output paths are set.
    pub(crate) fn has_paths(&self) -> bool {
        !self.spec.inputs.is_empty() && self.spec.output.is_some()
    }
}
