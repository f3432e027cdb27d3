//! The shuffle: reduce tasks fetch their partition of every map's output
//! over HTTP from the `mapreduce_shuffle` auxiliary service of the
//! NodeManager that ran the map.
//!
//! [`handler`] is that service (Hadoop's ShuffleHandler), which the
//! NodeManager runs through its auxiliary-service trait; [`fetch`] is the
//! reduce side's client.

pub mod fetch;
pub mod handler;

pub use fetch::{
    CONNECT_TIMEOUT_KEY, FetchError, FetchFailure, FetchLimits, FetchedSegment, MapOutputLocation,
    READ_TIMEOUT_KEY, fetch_map_output,
};
pub use handler::{MAP_ATTEMPT_HEADER, MAP_RECORDS_HEADER, ShuffleHandler, ShuffleHandlerError};
