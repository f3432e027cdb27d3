//! Hadoop's segment recovery rule (SegmentRecoveryComparator): which
//! JournalNode's copy of the last, unfinalized segment the new writer makes
//! every JournalNode accept.

use std::cmp::Ordering;

use proto::hdfs::PrepareRecoveryResponse;

/// Orders two prepareRecovery answers for the same segment: having the
/// segment beats not having it; finalized beats in progress; between two
/// in-progress copies, the one written or accepted in the higher epoch wins,
/// then the longer one.
pub fn compare(a: &PrepareRecoveryResponse, b: &PrepareRecoveryResponse) -> Ordering {
    let (Some(a_segment), Some(b_segment)) = (&a.segment_state, &b.segment_state) else {
        return a.segment_state.is_some().cmp(&b.segment_state.is_some());
    };
    if a_segment.is_in_progress != b_segment.is_in_progress {
        return (!a_segment.is_in_progress).cmp(&!b_segment.is_in_progress);
    }
    if !a_segment.is_in_progress {
        return Ordering::Equal;
    }
    let seen_epoch = |response: &PrepareRecoveryResponse| {
        response.accepted_in_epoch.max(response.last_writer_epoch)
    };
    seen_epoch(a)
        .cmp(&seen_epoch(b))
        .then(a_segment.end_txid.cmp(&b_segment.end_txid))
}

/// The answer to recover from (its index), `None` when no responder has
/// the segment.
pub fn choose(responses: &[PrepareRecoveryResponse]) -> Option<usize> {
    let best = responses
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| compare(a, b))?;
    best.1.segment_state.as_ref()?;
    Some(best.0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proto::hdfs::SegmentState;

    use super::*;

    fn response(
        end: Option<(u64, bool)>,
        writer_epoch: u64,
        accepted: u64,
    ) -> PrepareRecoveryResponse {
        PrepareRecoveryResponse {
            segment_state: end.map(|(end_txid, is_in_progress)| SegmentState {
                start_txid: 1,
                end_txid,
                is_in_progress,
            }),
            accepted_in_epoch: accepted,
            last_writer_epoch: writer_epoch,
            last_committed_txid: 0,
        }
    }

    #[test]
    fn no_segment_anywhere_recovers_nothing() {
        assert_eq!(choose(&[response(None, 1, 0), response(None, 1, 0)]), None);
        assert_eq!(choose(&[]), None);
    }

    #[test]
    fn finalized_beats_a_longer_in_progress_copy() {
        let answers = [
            response(Some((9, true)), 3, 0),
            response(Some((5, false)), 2, 0),
        ];
        assert_eq!(choose(&answers), Some(1));
    }

    #[test]
    fn higher_epoch_beats_longer() {
        let answers = [
            response(Some((9, true)), 2, 0),
            response(Some((5, true)), 2, 3),
        ];
        assert_eq!(choose(&answers), Some(1));
    }

    #[test]
    fn same_epoch_longer_wins() {
        let answers = [
            response(Some((4, true)), 2, 0),
            response(Some((7, true)), 2, 0),
        ];
        assert_eq!(choose(&answers), Some(1));
    }

    /// Every torn-tail position (each JournalNode holds 0..=4 txns of the
    /// segment written in epoch 1), every majority answering the recovery of
    /// epoch 2, every subset accepting its choice before a crash, every
    /// majority answering the recovery of epoch 3: each choice keeps every
    /// acknowledged txn (one a majority held), and once a choice was
    /// accepted by a majority, the later recovery chooses it again.
    #[test]
    fn recovery_is_safe_for_every_subset_and_torn_tail() {
        let subsets: Vec<Vec<usize>> = (0u8..8)
            .map(|mask| (0..3).filter(|i| mask & (1 << i) != 0).collect())
            .collect();
        let majorities: Vec<&Vec<usize>> = subsets.iter().filter(|s| s.len() >= 2).collect();
        let written = |len: u64| response((len > 0).then_some((len, true)), 1, 0);
        for a in 0..=4u64 {
            for b in 0..=4u64 {
                for c in 0..=4u64 {
                    let lengths = [a, b, c];
                    let mut sorted = lengths;
                    sorted.sort_unstable_by(|x, y| y.cmp(x));
                    let acknowledged = sorted[1];
                    for prepare2 in &majorities {
                        let answers: Vec<_> =
                            prepare2.iter().map(|&i| written(lengths[i])).collect();
                        let Some(index) = choose(&answers) else {
                            assert_eq!(acknowledged, 0, "{lengths:?} {prepare2:?}");
                            continue;
                        };
                        let chosen = answers[index].segment_state.unwrap();
                        assert!(chosen.end_txid >= acknowledged, "{lengths:?} {prepare2:?}");
                        for accepted in &subsets {
                            for prepare3 in &majorities {
                                let answers: Vec<_> = prepare3
                                    .iter()
                                    .map(|&i| {
                                        if accepted.contains(&i) {
                                            response(Some((chosen.end_txid, true)), 1, 2)
                                        } else {
                                            written(lengths[i])
                                        }
                                    })
                                    .collect();
                                let Some(index) = choose(&answers) else {
                                    assert_eq!(acknowledged, 0);
                                    assert!(
                                        accepted.len() < 2,
                                        "{lengths:?} {accepted:?} {prepare3:?}"
                                    );
                                    continue;
                                };
                                let end = answers[index].segment_state.as_ref().unwrap().end_txid;
                                assert!(
                                    end >= acknowledged,
                                    "{lengths:?} {accepted:?} {prepare3:?}"
                                );
                                if accepted.len() >= 2 {
                                    assert_eq!(
                                        end, chosen.end_txid,
                                        "{lengths:?} {accepted:?} {prepare3:?}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    proptest! {
        /// One writer (epoch 1) sent `written` txns: every JournalNode got a
        /// prefix (torn at any position), and a txn was acknowledged only
        /// once a majority of the three had it. Whatever majority answers,
        /// the chosen copy holds every acknowledged txn and nothing beyond
        /// what some JournalNode really holds.
        #[test]
        fn chosen_copy_keeps_every_acknowledged_txn(
            lengths in proptest::collection::vec(0u64..12, 3),
            responders in proptest::collection::vec(any::<bool>(), 3),
        ) {
            let mut sorted = lengths.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let acknowledged = sorted[1];
            let answers: Vec<PrepareRecoveryResponse> = lengths
                .iter()
                .zip(&responders)
                .filter(|(_, responds)| **responds)
                .map(|(&len, _)| response((len > 0).then_some((len, true)), 1, 0))
                .collect();
            prop_assume!(answers.len() >= 2);
            match choose(&answers) {
                Some(index) => {
                    let end = answers[index].segment_state.as_ref().unwrap().end_txid;
                    prop_assert!(end >= acknowledged);
                    prop_assert!(lengths.contains(&end));
                }
                None => prop_assert_eq!(acknowledged, 0),
            }
        }

        /// A recovery accepted in a later epoch wins over any copy of an
        /// older writer, whatever its length, so a second recovery after a
        /// crashed first one decides the same as the first.
        #[test]
        fn accepted_value_is_stable(
            lengths in proptest::collection::vec(1u64..12, 3),
            accepted_on in proptest::collection::vec(any::<bool>(), 3),
            chosen in 1u64..12,
            responders in proptest::collection::vec(any::<bool>(), 3),
        ) {
            prop_assume!(accepted_on.iter().any(|on| *on));
            let answers: Vec<PrepareRecoveryResponse> = (0..3)
                .filter(|&i| responders[i])
                .map(|i| if accepted_on[i] {
                    response(Some((chosen, true)), 1, 2)
                } else {
                    response(Some((lengths[i], true)), 1, 0)
                })
                .collect();
            let answered_accepted = (0..3).any(|i| responders[i] && accepted_on[i]);
            prop_assume!(answered_accepted);
            let index = choose(&answers).unwrap();
            prop_assert_eq!(answers[index].segment_state.as_ref().unwrap().end_txid, chosen);
        }
    }
}
