//! What crosses process boundaries: counters as protocol messages, splits
//! as `job.split` (JSON), and gRPC channels to the AM.

use common::faults::Channel;
use proto::mapreduce as pb;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::counters::Counters;
use crate::input::InputSplit;

/// Counters as protocol messages.
pub(crate) fn counters_to_proto(counters: &Counters) -> Vec<pb::Counter> {
    counters
        .iter()
        .map(|(group, name, value)| pb::Counter {
            group: group.to_string(),
            name: name.to_string(),
            value,
        })
        .collect()
}

/// Counters from protocol messages.
pub(crate) fn counters_from_proto(counters: &[pb::Counter]) -> Counters {
    let mut result = Counters::new();
    for counter in counters {
        result.increment(&counter.group, &counter.name, counter.value);
    }
    result
}

#[derive(Serialize, Deserialize)]
struct SplitRecord {
    path: String,
    start: u64,
    length: u64,
    hosts: Vec<String>,
    racks: Vec<String>,
}

/// `job.split`: every split, in task order.
pub(crate) fn encode_splits(splits: &[InputSplit]) -> Vec<u8> {
    let records: Vec<SplitRecord> = splits
        .iter()
        .map(|split| SplitRecord {
            path: split.path.clone(),
            start: split.start,
            length: split.length,
            hosts: split.hosts.clone(),
            racks: split.racks.clone(),
        })
        .collect();
    serde_json::to_vec(&records).expect("splits serialize")
}

/// Reads `job.split`.
pub(crate) fn decode_splits(bytes: &[u8]) -> Result<Vec<InputSplit>, Error> {
    let records: Vec<SplitRecord> = serde_json::from_slice(bytes)
        .map_err(|error| Error::Corrupt(format!("job.split: {error}")))?;
    Ok(records
        .into_iter()
        .map(|record| InputSplit {
            path: record.path,
            start: record.start,
            length: record.length,
            hosts: record.hosts,
            racks: record.racks,
        })
        .collect())
}

/// A lazily connected channel to `host:port`.
pub(crate) fn channel(address: &str) -> Result<Channel, Error> {
    Ok(client::yarn::channel(address)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counters_round_trip() {
        let splits = vec![InputSplit {
            path: "/in/a\tb".into(),
            start: 5,
            length: 10,
            hosts: vec!["127.0.0.2".into()],
            racks: vec!["/r1".into()],
        }];
        assert_eq!(decode_splits(&encode_splits(&splits)).unwrap(), splits);
        assert!(decode_splits(b"[{]").is_err());
        let mut counters = Counters::new();
        counters.increment_task("MAP_INPUT_RECORDS", 7);
        counters.increment("Mine", "X", 1);
        assert_eq!(counters_from_proto(&counters_to_proto(&counters)), counters);
    }
}
