//! Edit-log file format.
//!
//! A segment file is `TUSKEDIT` + layout version (u32 LE), then records:
//! `[payload length u32][payload CRC32C u32][header CRC32C u32]` + payload (an
//! `EditRecord`, protobuf). The header CRC covers the first eight bytes, so a
//! damaged length is detected instead of trusted. Damage that reaches the end
//! of the file is a torn tail (a write cut short by a crash); damage followed
//! by more data is corruption.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use prost::Message;
use proto::namenode_storage::EditRecord;

pub const MAGIC: &[u8; 8] = b"TUSKEDIT";
pub const LAYOUT_VERSION: u32 = 1;
pub const FILE_HEADER_LEN: u64 = 12;
const RECORD_HEADER_LEN: usize = 12;
const MAX_RECORD_LEN: usize = 16 * 1024 * 1024;

/// The bytes every segment file starts with.
pub fn file_header() -> [u8; FILE_HEADER_LEN as usize] {
    let mut header = [0u8; FILE_HEADER_LEN as usize];
    header[..8].copy_from_slice(MAGIC);
    header[8..].copy_from_slice(&LAYOUT_VERSION.to_le_bytes());
    header
}

/// Appends one framed record to `out`.
pub fn encode(record: &EditRecord, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0u8; RECORD_HEADER_LEN]);
    record
        .encode(out)
        .expect("encoding into a Vec cannot run out of space");
    let payload_len = (out.len() - start - RECORD_HEADER_LEN) as u32;
    let payload_crc = crc32c::crc32c(&out[start + RECORD_HEADER_LEN..]);
    out[start..start + 4].copy_from_slice(&payload_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32c::crc32c(&out[start..start + 8]);
    out[start + 8..start + 12].copy_from_slice(&header_crc.to_le_bytes());
}

/// What reading a segment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentScan {
    /// Txid of the last good record (`first_txid - 1` when there is none).
    pub last_txid: u64,
    /// Bytes up to the end of the last good record.
    pub valid_len: u64,
    /// Whether damaged bytes follow `valid_len` up to the end of the file.
    pub torn_tail: bool,
}

impl SegmentScan {
    /// Says, for the log, what cutting the torn tail of `file` (a segment
    /// from `start_txid`) keeps and drops: the txids kept, the bytes and the
    /// first txid dropped. What is dropped was never acknowledged, for a
    /// write is acknowledged only once its records are synced whole.
    pub fn describe_cut(&self, file: &std::path::Path, start_txid: u64) -> String {
        let length = std::fs::metadata(file).map_or(self.valid_len, |meta| meta.len());
        let kept = if self.last_txid >= start_txid {
            format!("kept txids {start_txid}-{}", self.last_txid)
        } else {
            "kept no txid".to_string()
        };
        format!(
            "cutting the torn tail of {}: {kept}; dropped {} bytes from txid {} on, never acknowledged",
            file.display(),
            length.saturating_sub(self.valid_len),
            self.last_txid + 1
        )
    }
}

/// Why a segment cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("cannot read edit log {file}: {source}")]
    Io { file: String, source: io::Error },
    #[error("edit log {file} is corrupt at offset {offset} (expected txid {txid}): {reason}")]
    Corrupt {
        file: String,
        offset: u64,
        txid: u64,
        reason: String,
    },
    #[error("{file}: txid {txid}: {source}")]
    Apply {
        file: String,
        txid: u64,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Reads `path` record by record, checking framing and that txids run on
/// from `first_txid`, and hands each record to `apply`.
pub fn read_segment<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    path: &Path,
    first_txid: u64,
    mut apply: impl FnMut(EditRecord) -> Result<(), E>,
) -> Result<SegmentScan, SegmentError> {
    let file_name = path.display().to_string();
    let io_error = |source| SegmentError::Io {
        file: file_name.clone(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let file_len = file.metadata().map_err(io_error)?.len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut expected_txid = first_txid;
    let corrupt = |offset: u64, txid: u64, reason: String| SegmentError::Corrupt {
        file: file_name.clone(),
        offset,
        txid,
        reason,
    };

    let mut header = [0u8; FILE_HEADER_LEN as usize];
    let header_read = read_full(&mut reader, &mut header).map_err(io_error)?;
    if header_read < header.len() {
        // A crash right after creating the file: no record can be in it.
        return Ok(SegmentScan {
            last_txid: first_txid - 1,
            valid_len: 0,
            torn_tail: true,
        });
    }
    if header != file_header() {
        return Err(corrupt(
            0,
            first_txid,
            "not an edit log file (bad magic or layout version)".into(),
        ));
    }

    let mut offset = FILE_HEADER_LEN;
    let mut payload = Vec::new();
    loop {
        let torn = |offset| SegmentScan {
            last_txid: expected_txid - 1,
            valid_len: offset,
            torn_tail: true,
        };
        let mut record_header = [0u8; RECORD_HEADER_LEN];
        let got = read_full(&mut reader, &mut record_header).map_err(io_error)?;
        if got == 0 {
            return Ok(SegmentScan {
                last_txid: expected_txid - 1,
                valid_len: offset,
                torn_tail: false,
            });
        }
        if got < RECORD_HEADER_LEN {
            return Ok(torn(offset));
        }
        let len = u32::from_le_bytes(record_header[0..4].try_into().expect("4 bytes")) as usize;
        let payload_crc = u32::from_le_bytes(record_header[4..8].try_into().expect("4 bytes"));
        let header_crc = u32::from_le_bytes(record_header[8..12].try_into().expect("4 bytes"));
        if crc32c::crc32c(&record_header[..8]) != header_crc || len > MAX_RECORD_LEN {
            if record_header.iter().all(|&b| b == 0)
                && rest_is_zero(&mut reader).map_err(io_error)?
            {
                return Ok(torn(offset));
            }
            return Err(corrupt(
                offset,
                expected_txid,
                "record header checksum mismatch".into(),
            ));
        }
        let record_end = offset + (RECORD_HEADER_LEN + len) as u64;
        payload.resize(len, 0);
        if read_full(&mut reader, &mut payload).map_err(io_error)? < len {
            return Ok(torn(offset));
        }
        if crc32c::crc32c(&payload) != payload_crc {
            if record_end == file_len {
                return Ok(torn(offset));
            }
            return Err(corrupt(
                offset,
                expected_txid,
                "record checksum mismatch".into(),
            ));
        }
        let record = EditRecord::decode(payload.as_slice()).map_err(|error| {
            corrupt(
                offset,
                expected_txid,
                format!("undecodable record: {error}"),
            )
        })?;
        if record.txid != expected_txid {
            return Err(corrupt(
                offset,
                expected_txid,
                format!("found txid {}", record.txid),
            ));
        }
        apply(record).map_err(|source| SegmentError::Apply {
            file: file_name.clone(),
            txid: expected_txid,
            source: source.into(),
        })?;
        expected_txid += 1;
        offset = record_end;
    }
}

/// Decodes framed records held in memory (a batch sent to a JournalNode,
/// edits read back from one): any damage is an error, as the bytes come
/// whole from a peer that checked them.
pub fn decode_framed(mut bytes: &[u8]) -> Result<Vec<EditRecord>, String> {
    let mut records = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < RECORD_HEADER_LEN {
            return Err(format!(
                "{} trailing bytes after the last record",
                bytes.len()
            ));
        }
        let len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
        let payload_crc = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
        let header_crc = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if crc32c::crc32c(&bytes[..8]) != header_crc || len > MAX_RECORD_LEN {
            return Err("record header checksum mismatch".into());
        }
        let end = RECORD_HEADER_LEN + len;
        if bytes.len() < end {
            return Err("record cut short".into());
        }
        let payload = &bytes[RECORD_HEADER_LEN..end];
        if crc32c::crc32c(payload) != payload_crc {
            return Err("record checksum mismatch".into());
        }
        records.push(
            EditRecord::decode(payload).map_err(|error| format!("undecodable record: {error}"))?,
        );
        bytes = &bytes[end..];
    }
    Ok(records)
}

/// Splits framed records into one slice per record, at most `limit` of
/// them (what follows is not looked at: a torn tail after them is fine).
pub fn split_framed(mut bytes: &[u8], limit: usize) -> Result<Vec<&[u8]>, String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() && frames.len() < limit {
        if bytes.len() < RECORD_HEADER_LEN {
            return Err("record cut short".into());
        }
        let len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
        let end = RECORD_HEADER_LEN + len;
        if bytes.len() < end {
            return Err("record cut short".into());
        }
        frames.push(&bytes[..end]);
        bytes = &bytes[end..];
    }
    Ok(frames)
}

/// The txid of the first record of `path`, `None` when it holds none: for
/// tools reading a segment whose file name does not say where it starts.
pub fn first_txid(path: &Path) -> Result<Option<u64>, SegmentError> {
    let file_name = path.display().to_string();
    let io_error = |source| SegmentError::Io {
        file: file_name.clone(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io_error)?);
    let mut header = [0u8; FILE_HEADER_LEN as usize + RECORD_HEADER_LEN];
    if read_full(&mut reader, &mut header).map_err(io_error)? < header.len() {
        return Ok(None);
    }
    let len = u32::from_le_bytes(header[12..16].try_into().expect("4 bytes")) as usize;
    if len > MAX_RECORD_LEN {
        return Ok(None);
    }
    let mut payload = vec![0u8; len];
    if read_full(&mut reader, &mut payload).map_err(io_error)? < len {
        return Ok(None);
    }
    Ok(EditRecord::decode(payload.as_slice())
        .ok()
        .map(|record| record.txid))
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn rest_is_zero(reader: &mut impl Read) -> io::Result<bool> {
    let mut chunk = [0u8; 8192];
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            return Ok(true);
        }
        if chunk[..n].iter().any(|&b| b != 0) {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;
    use proto::namenode_storage::DeleteOp;
    use proto::namenode_storage::edit_record::Op;

    fn record(txid: u64) -> EditRecord {
        EditRecord {
            txid,
            op: Some(Op::Delete(DeleteOp {
                path: format!("/f{txid}"),
                timestamp: 1,
            })),
            ..Default::default()
        }
    }

    fn segment(records: std::ops::RangeInclusive<u64>) -> Vec<u8> {
        let mut bytes = file_header().to_vec();
        for txid in records {
            encode(&record(txid), &mut bytes);
        }
        bytes
    }

    fn scan(bytes: &[u8], first: u64) -> (Result<SegmentScan, SegmentError>, Vec<u64>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edits");
        std::fs::write(&path, bytes).unwrap();
        let mut seen = Vec::new();
        let result = read_segment(&path, first, |record| {
            seen.push(record.txid);
            Ok::<_, std::convert::Infallible>(())
        });
        (result, seen)
    }

    #[test]
    fn reads_back_what_was_written() {
        let bytes = segment(5..=9);
        let (result, seen) = scan(&bytes, 5);
        let scan = result.unwrap();
        assert_eq!(seen, vec![5, 6, 7, 8, 9]);
        assert_eq!(
            scan,
            SegmentScan {
                last_txid: 9,
                valid_len: bytes.len() as u64,
                torn_tail: false
            }
        );
    }

    #[test]
    fn every_cut_of_the_last_record_is_a_torn_tail() {
        let whole = segment(1..=3);
        let before_last = segment(1..=2).len();
        for cut in before_last + 1..whole.len() {
            let (result, seen) = scan(&whole[..cut], 1);
            let scan = result.unwrap();
            assert_eq!(seen, vec![1, 2], "cut at {cut}");
            assert!(scan.torn_tail);
            assert_eq!(scan.valid_len, before_last as u64);
        }
    }

    #[test]
    fn a_cut_says_which_txids_it_keeps_and_drops() {
        let whole = segment(4..=6);
        let torn = &whole[..whole.len() - 3];
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("edits_inprogress_4");
        std::fs::write(&file, torn).unwrap();
        let (result, _) = scan(torn, 4);
        let said = result.unwrap().describe_cut(&file, 4);
        let dropped = torn.len() - segment(4..=5).len();
        assert!(
            said.ends_with(&format!(
                ": kept txids 4-5; dropped {dropped} bytes from txid 6 on, never acknowledged"
            )),
            "{said}"
        );
    }

    #[test]
    fn a_flipped_byte_in_the_middle_is_corruption() {
        let mut bytes = segment(1..=3);
        let middle = segment(1..=1).len() + 14;
        bytes[middle] ^= 0x40;
        let (result, seen) = scan(&bytes, 1);
        assert!(
            matches!(result, Err(SegmentError::Corrupt { txid: 2, .. })),
            "{result:?}"
        );
        assert_eq!(seen, vec![1]);
        let mut bytes = segment(1..=3);
        bytes[segment(1..=1).len() + 1] ^= 0x01; // the length field
        assert!(matches!(
            scan(&bytes, 1).0,
            Err(SegmentError::Corrupt { .. })
        ));
    }

    #[test]
    fn zero_filled_tail_is_torn_and_gaps_are_corrupt() {
        let mut bytes = segment(1..=2);
        let valid = bytes.len() as u64;
        bytes.extend_from_slice(&[0u8; 100]);
        let scan_result = scan(&bytes, 1).0.unwrap();
        assert_eq!(
            (scan_result.valid_len, scan_result.torn_tail),
            (valid, true)
        );
        let (result, _) = scan(&segment(1..=2), 4);
        assert!(matches!(result, Err(SegmentError::Corrupt { .. })));
    }
}
