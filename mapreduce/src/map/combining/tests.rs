use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::api::{IdentityReducer, LongSumReducer, ReducerAdapter};
use crate::merge::tests::{Collect, reduce_fn};

fn context() -> TaskContext {
    TaskContext::new("attempt_test_m_000000_0", Arc::default())
}

fn summing() -> Box<dyn RawReducer> {
    Box::new(ReducerAdapter::new(LongSumReducer::<Vec<u8>>::default()))
}

/// `count` words drawn with a skew from `vocabulary` distinct ones.
fn words(count: usize, vocabulary: u64) -> Vec<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let rank = (state % vocabulary) * (state % vocabulary) / vocabulary;
            format!("word{rank}").into_bytes()
        })
        .collect()
}

/// Sums the u64 values per key of what reached the sink.
fn totals(records: &[(Vec<u8>, Vec<u8>)]) -> BTreeMap<Vec<u8>, u64> {
    let mut totals = BTreeMap::new();
    for (key, value) in records {
        let value = <u64 as crate::writable::Writable>::read(value).unwrap();
        *totals.entry(key.clone()).or_default() += value;
    }
    totals
}

#[test]
fn combined_counts_equal_the_plain_counts_across_many_flushes() {
    // About 650 distinct words: more than a quarter of the 128 KiB table
    // holds after a compaction, so the table is flushed again and again,
    // yet each word repeats before a flush, so the table stays in use.
    let input = words(200_000, 900);
    let mut sink = Collect::default();
    let mut collector = CombiningCollector::new(&mut sink, summing(), context(), 128 * 1024);
    for word in &input {
        collector.emit(word, &1u64).unwrap();
    }
    assert!(!collector.bypass, "words repeat: the table stays in use");
    let (stats, _) = collector.finish().unwrap();

    let mut expected = BTreeMap::new();
    for word in &input {
        *expected.entry(word.clone()).or_default() += 1u64;
    }
    assert_eq!(totals(&sink.0), expected);
    assert_eq!(stats.output_records, 200_000);
    assert_eq!(
        stats.output_bytes,
        input.iter().map(|w| w.len() as u64 + 8).sum::<u64>()
    );
    // Fewer records than words reach the sort buffer, though the small
    // table was flushed many times (each flush sends every key once).
    assert!(sink.0.len() < 200_000 / 2, "{} records", sink.0.len());
    assert!(
        sink.0.len() > 2 * expected.len(),
        "{} records",
        sink.0.len()
    );
    assert!(stats.combine_input > stats.combine_output);
}

#[test]
fn a_vocabulary_that_fits_reaches_the_sort_buffer_once_per_key() {
    let input = words(400_000, 2_000);
    let mut sink = Collect::default();
    let mut collector = CombiningCollector::new(&mut sink, summing(), context(), 4 << 20);
    for word in &input {
        collector.emit(word, &1u64).unwrap();
    }
    assert!(!collector.bypass);
    let (stats, _) = collector.finish().unwrap();
    let mut expected = BTreeMap::new();
    for word in &input {
        *expected.entry(word.clone()).or_default() += 1u64;
    }
    assert_eq!(totals(&sink.0), expected);
    // 400,000 values of 8 bytes and their references outgrow the 4 MiB
    // table several times over; compaction keeps only the combined ones,
    // so the table is never flushed before the map ends.
    assert_eq!(sink.0.len(), expected.len());
    assert_eq!(stats.output_records, 400_000);
}

#[test]
fn a_combiner_that_keeps_every_value_loses_none() {
    let input = words(20_000, 50);
    let mut sink = Collect::default();
    let mut collector = CombiningCollector::new(
        &mut sink,
        Box::new(ReducerAdapter::new(
            IdentityReducer::<Vec<u8>, u64>::default(),
        )),
        context(),
        1 << 20,
    );
    for (index, word) in input.iter().enumerate() {
        collector.emit(word, &(index as u64)).unwrap();
    }
    collector.finish().unwrap();
    let mut expected: Vec<_> = input
        .iter()
        .enumerate()
        .map(|(index, word)| (word.clone(), (index as u64).to_be_bytes().to_vec()))
        .collect();
    let mut got = sink.0;
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn records_a_combiner_emits_under_another_key_go_on_to_the_sort_buffer() {
    let input = words(5_000, 20);
    let mut sink = Collect::default();
    let collector = {
        let mut collector = CombiningCollector::new(
            &mut sink,
            Box::new(ReducerAdapter::new(reduce_fn(|key, values, output| {
                // Each key's sum under the key with a `#` appended.
                let mut renamed = key.clone();
                renamed.push(b'#');
                output.emit(&renamed, &values.sum());
            }))),
            context(),
            1 << 20,
        );
        for word in &input {
            collector.emit(word, &1u64).unwrap();
        }
        collector.finish().unwrap().0
    };
    let total: u64 = totals(&sink.0).values().sum();
    assert_eq!(total, 5_000);
    assert!(sink.0.iter().all(|(key, _)| key.ends_with(b"#")));
    assert!(collector.combine_input > 0);
}

#[test]
fn keys_that_do_not_repeat_bypass_the_table_after_its_first_fill() {
    let mut sink = Collect::default();
    let mut collector = CombiningCollector::new(&mut sink, summing(), context(), 8 * 1024);
    for index in 0..10_000u64 {
        collector
            .emit(&format!("key{index}").into_bytes(), &1u64)
            .unwrap();
    }
    assert!(collector.bypass);
    let (stats, _) = collector.finish().unwrap();
    assert_eq!(stats.output_records, 10_000);
    assert_eq!(sink.0.len(), 10_000);
    assert_eq!(totals(&sink.0).len(), 10_000);
}
