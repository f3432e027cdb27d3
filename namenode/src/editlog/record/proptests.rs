//! Property tests of the segment framing: what is encoded reads back as it was, a cut tail is
//! torn, and a flipped byte is caught, never read as a different record.

use proptest::prelude::*;
use proto::hdfs::Block;
use proto::namenode_storage::edit_record::Op;
use proto::namenode_storage::{
    AddBlockOp, AddFileOp, AppendOp, CloseFileOp, ConcatOp, DeleteOp, MkdirOp, ReassignLeaseOp,
    RenameOp, SetOwnerOp, SetPermissionOp, SetQuotaOp, SetReplicationOp, SetTimesOp, TruncateOp,
    UpdateBlocksOp,
};

use super::*;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

fn path() -> impl Strategy<Value = String> {
    "(/[a-z0-9é._-]{1,12}){1,4}"
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_]{0,10}"
}

fn block() -> impl Strategy<Value = Block> {
    (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(
        |(block_id, generation_stamp, num_bytes)| Block {
            block_id,
            generation_stamp,
            num_bytes,
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            path(),
            any::<u64>(),
            any::<u32>(),
            name(),
            name(),
            any::<i64>()
        )
            .prop_map(
                |(path, inode_id, permission, owner, group, mtime)| Op::Mkdir(MkdirOp {
                    path,
                    inode_id,
                    permission,
                    owner,
                    group,
                    mtime,
                })
            ),
        (
            path(),
            any::<u64>(),
            (any::<u32>(), name(), name(), any::<i64>()),
            (any::<u32>(), any::<u64>(), name(), any::<bool>()),
        )
            .prop_map(
                |(
                    path,
                    inode_id,
                    (permission, owner, group, mtime),
                    (replication, block_size, client_name, overwrite),
                )| Op::AddFile(AddFileOp {
                    path,
                    inode_id,
                    permission,
                    owner,
                    group,
                    mtime,
                    replication,
                    block_size,
                    client_name,
                    overwrite,
                })
            ),
        (path(), proptest::option::of(block()), block()).prop_map(|(path, penultimate, last)| {
            Op::AddBlock(AddBlockOp {
                path,
                penultimate,
                last: Some(last),
            })
        }),
        (
            path(),
            any::<i64>(),
            any::<i64>(),
            prop::collection::vec(block(), 0..5)
        )
            .prop_map(|(path, mtime, atime, blocks)| Op::CloseFile(CloseFileOp {
                path,
                mtime,
                atime,
                blocks,
            })),
        (path(), prop::collection::vec(block(), 0..5))
            .prop_map(|(path, blocks)| Op::UpdateBlocks(UpdateBlocksOp { path, blocks })),
        (path(), path(), any::<i64>(), any::<bool>()).prop_map(
            |(src, dst, timestamp, overwrite)| Op::Rename(RenameOp {
                src,
                dst,
                timestamp,
                overwrite,
            })
        ),
        (path(), any::<i64>())
            .prop_map(|(path, timestamp)| Op::Delete(DeleteOp { path, timestamp })),
        (
            path(),
            name(),
            name(),
            any::<u64>(),
            any::<i64>(),
            prop::option::of(block())
        )
            .prop_map(
                |(src, client_name, client_machine, new_length, mtime, truncate_block)| {
                    Op::Truncate(TruncateOp {
                        src,
                        client_name,
                        client_machine,
                        new_length,
                        mtime,
                        truncate_block,
                    })
                }
            ),
        (path(), prop::collection::vec(path(), 1..4), any::<i64>()).prop_map(
            |(target, sources, timestamp)| Op::Concat(ConcatOp {
                target,
                sources,
                timestamp,
            })
        ),
        (path(), any::<u32>()).prop_map(|(path, replication)| Op::SetReplication(
            SetReplicationOp { path, replication }
        )),
        (path(), any::<u32>())
            .prop_map(|(path, permission)| Op::SetPermission(SetPermissionOp { path, permission })),
        (path(), name(), name()).prop_map(|(path, owner, group)| Op::SetOwner(SetOwnerOp {
            path,
            owner,
            group
        })),
        (path(), any::<i64>(), any::<i64>())
            .prop_map(|(path, mtime, atime)| Op::SetTimes(SetTimesOp { path, mtime, atime })),
        (path(), name())
            .prop_map(|(path, new_holder)| Op::ReassignLease(ReassignLeaseOp { path, new_holder })),
        (path(), name(), any::<i64>()).prop_map(|(path, client_name, mtime)| Op::Append(
            AppendOp {
                path,
                client_name,
                mtime
            }
        )),
        (path(), any::<i64>(), any::<i64>()).prop_map(|(path, namespace_quota, space_quota)| {
            Op::SetQuota(SetQuotaOp {
                path,
                namespace_quota,
                space_quota,
            })
        }),
    ]
}

/// Records with consecutive txids from a random first one.
fn records() -> impl Strategy<Value = Vec<EditRecord>> {
    (1..u64::MAX / 2, prop::collection::vec(op(), 1..8)).prop_map(|(first_txid, ops)| {
        ops.into_iter()
            .zip(first_txid..)
            .map(|(op, txid)| EditRecord {
                txid,
                op: Some(op),
                ..Default::default()
            })
            .collect()
    })
}

/// A segment holding `records`, with the offset where each record starts and the end offset.
fn segment(records: &[EditRecord]) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = file_header().to_vec();
    let mut starts = Vec::with_capacity(records.len() + 1);
    for record in records {
        starts.push(bytes.len());
        encode(record, &mut bytes);
    }
    starts.push(bytes.len());
    (bytes, starts)
}

/// Reads `bytes` as a segment starting at `first_txid`: the scan and every record handed over.
fn scan(bytes: &[u8], first_txid: u64) -> (Result<SegmentScan, SegmentError>, Vec<EditRecord>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("edits_inprogress");
    std::fs::write(&path, bytes).expect("writing the segment");
    let mut seen = Vec::new();
    let result = read_segment(&path, first_txid, |record| {
        seen.push(record);
        Ok::<_, std::convert::Infallible>(())
    });
    (result, seen)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn encoded_records_read_back_unchanged(records in records()) {
        let first_txid = records[0].txid;
        let (bytes, _) = segment(&records);
        let (result, seen) = scan(&bytes, first_txid);
        prop_assert_eq!(
            result.expect("an intact segment reads"),
            SegmentScan {
                last_txid: records.last().expect("at least one record").txid,
                valid_len: bytes.len() as u64,
                torn_tail: false,
            }
        );
        prop_assert_eq!(seen, records);
    }

    #[test]
    fn a_cut_tail_is_torn_and_keeps_the_whole_records(
        records in records(),
        cut in any::<prop::sample::Index>(),
    ) {
        let first_txid = records[0].txid;
        let (bytes, starts) = segment(&records);
        let cut = cut.index(bytes.len());
        let (result, seen) = scan(&bytes[..cut], first_txid);
        let scan = result.expect("a cut segment is torn, not corrupt");
        let whole = starts.iter().skip(1).filter(|&&end| end <= cut).count();
        prop_assert_eq!(&seen[..], &records[..whole]);
        let at_boundary = starts.contains(&cut);
        let valid_len = if cut < FILE_HEADER_LEN as usize { 0 } else { starts[whole] };
        prop_assert_eq!(
            scan,
            SegmentScan {
                last_txid: first_txid + whole as u64 - 1,
                valid_len: valid_len as u64,
                torn_tail: !at_boundary,
            }
        );
    }

    #[test]
    fn a_flipped_byte_is_never_read_as_another_record(
        records in records(),
        position in any::<prop::sample::Index>(),
        flip in 1..=u8::MAX,
    ) {
        let first_txid = records[0].txid;
        let (mut bytes, starts) = segment(&records);
        let position = position.index(bytes.len());
        bytes[position] ^= flip;
        let (result, seen) = scan(&bytes, first_txid);
        // The record holding the flipped byte (none for the file header).
        let damaged = starts.iter().skip(1).filter(|&&end| end <= position).count();
        let in_header = position < FILE_HEADER_LEN as usize;
        let last = records.len() - 1;
        prop_assert_eq!(&seen[..], &records[..if in_header { 0 } else { damaged }]);
        match result {
            Err(SegmentError::Corrupt { offset, txid, .. }) => {
                if in_header {
                    prop_assert_eq!((offset, txid), (0, first_txid));
                } else {
                    prop_assert_eq!(offset, starts[damaged] as u64);
                    prop_assert_eq!(txid, first_txid + damaged as u64);
                }
            }
            Ok(scan) => {
                // Only damage reaching the end of the file may pass for a torn tail.
                prop_assert!(!in_header && damaged == last, "{scan:?} at byte {position}");
                prop_assert_eq!(
                    scan,
                    SegmentScan {
                        last_txid: first_txid + last as u64 - 1,
                        valid_len: starts[last] as u64,
                        torn_tail: true,
                    }
                );
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}
