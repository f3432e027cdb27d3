//! What the map side, the NodeManager's shuffle service and the reduce side
//! agree on about a map's output: where it lies on a NodeManager
//! (`<app dir>/output/<attempt>/file.out{,.index}`), the index format, the
//! job id a shuffle request names, and the shuffle port AMs learn from
//! startContainers.
//!
//! The index is `TIX1`, a u32 entry count, one (offset, length, records)
//! triple of u64s per partition, then the CRC32C of everything before it;
//! all numbers big-endian.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The auxiliary service's name in `yarn.nodemanager.aux-services`.
pub const SHUFFLE_SERVICE_NAME: &str = "mapreduce_shuffle";
/// The shuffle service's port key; 0 picks a free port.
pub const SHUFFLE_PORT_KEY: &str = common::conf::keys::MAPREDUCE_SHUFFLE_PORT;
/// A map output's data file: one segment per partition.
pub const MAP_OUTPUT_FILE: &str = "file.out";
/// A map output's index file.
pub const MAP_OUTPUT_INDEX_FILE: &str = "file.out.index";

/// Magic at the start of a map output index.
const INDEX_MAGIC: &[u8; 4] = b"TIX1";
/// Magic, count and checksum.
const INDEX_OVERHEAD: usize = 12;
/// Offset, length and records.
const INDEX_ENTRY_BYTES: usize = 24;

/// Where one partition's segment lies in a map output file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexEntry {
    /// Offset of the segment in the file.
    pub offset: u64,
    /// Segment length, checksum included.
    pub length: u64,
    /// Records in the segment.
    pub records: u64,
}

/// Writes and syncs a map output index.
pub fn write_index(path: &Path, entries: &[IndexEntry]) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(INDEX_OVERHEAD + entries.len() * INDEX_ENTRY_BYTES);
    bytes.extend_from_slice(INDEX_MAGIC);
    bytes.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for entry in entries {
        bytes.extend_from_slice(&entry.offset.to_be_bytes());
        bytes.extend_from_slice(&entry.length.to_be_bytes());
        bytes.extend_from_slice(&entry.records.to_be_bytes());
    }
    let crc = crc32c::crc32c(&bytes);
    bytes.extend_from_slice(&crc.to_be_bytes());
    let mut file = File::create(path)?;
    file.write_all(&bytes)?;
    file.sync_data()
}

/// Reads and checks a map output index. A damaged one is `InvalidData`
/// with a message naming the file.
pub fn read_index(path: &Path) -> io::Result<Vec<IndexEntry>> {
    let bytes = std::fs::read(path)?;
    let corrupt = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {why}", path.display()),
        )
    };
    if bytes.len() < INDEX_OVERHEAD || &bytes[..4] != INDEX_MAGIC {
        return Err(corrupt("not a map output index"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32c::crc32c(body).to_be_bytes() != crc {
        return Err(corrupt("index checksum mismatch"));
    }
    let count = u32::from_be_bytes(body[4..8].try_into().expect("4 bytes")) as usize;
    if body.len() != 8 + count * INDEX_ENTRY_BYTES {
        return Err(corrupt("index length does not match its entry count"));
    }
    let number = |at: usize| u64::from_be_bytes(body[at..at + 8].try_into().expect("8 bytes"));
    Ok((0..count)
        .map(|index| {
            let at = 8 + index * INDEX_ENTRY_BYTES;
            IndexEntry {
                offset: number(at),
                length: number(at + 8),
                records: number(at + 16),
            }
        })
        .collect())
}

/// The directory of map attempt `attempt`'s output under an application's
/// directory on one local dir (`<app dir>/output/<attempt>`).
pub fn map_output_dir(app_dir: &Path, attempt: &str) -> PathBuf {
    app_dir.join("output").join(attempt)
}

/// `job_1700000000000_0001` -> `application_1700000000000_0001`; None when
/// `job_id` is not a YARN job id.
pub fn application_id_of_job(job_id: &str) -> Option<String> {
    let suffix = job_id.strip_prefix("job_")?;
    is_cluster_id(suffix).then(|| format!("application_{suffix}"))
}

/// `application_1700000000000_0001` -> `job_1700000000000_0001`; None when
/// `application_id` is not an application id.
pub fn job_id_of_application(application_id: &str) -> Option<String> {
    let suffix = application_id.strip_prefix("application_")?;
    is_cluster_id(suffix).then(|| format!("job_{suffix}"))
}

/// `<cluster timestamp>_<sequence>`, both decimal.
fn is_cluster_id(text: &str) -> bool {
    let Some((timestamp, sequence)) = text.split_once('_') else {
        return false;
    };
    let decimal = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    decimal(timestamp) && decimal(sequence)
}

/// The shuffle service's startContainers metadata: its port as a 4-byte
/// big-endian int (Hadoop's `ShuffleHandler.serializeMetaData`).
pub fn serialize_shuffle_port(port: u16) -> Vec<u8> {
    u32::from(port).to_be_bytes().to_vec()
}

/// The port in the shuffle service's metadata; None if it is not 4 bytes
/// holding a port.
pub fn parse_shuffle_port(metadata: &[u8]) -> Option<u16> {
    let bytes: [u8; 4] = metadata.try_into().ok()?;
    u16::try_from(u32::from_be_bytes(bytes)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<IndexEntry> {
        vec![
            IndexEntry {
                offset: 0,
                length: 4,
                records: 0,
            },
            IndexEntry {
                offset: 4,
                length: 1 << 33,
                records: 12345,
            },
        ]
    }

    #[test]
    fn index_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MAP_OUTPUT_INDEX_FILE);
        write_index(&path, &entries()).unwrap();
        assert_eq!(read_index(&path).unwrap(), entries());
    }

    #[test]
    fn damaged_index_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MAP_OUTPUT_INDEX_FILE);
        write_index(&path, &entries()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0x04;
        std::fs::write(&path, &bytes).unwrap();
        let error = read_index(&path).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("index checksum mismatch"), "{message}");

        std::fs::write(&path, b"TIX2 and more bytes").unwrap();
        let message = read_index(&path).unwrap_err().to_string();
        assert!(message.contains("not a map output index"), "{message}");
    }

    #[test]
    fn map_output_lies_under_the_app_dir() {
        let app_dir = Path::new("/data/usercache/alice/appcache/application_1_0001");
        assert_eq!(
            map_output_dir(app_dir, "attempt_1_0001_m_000003_0"),
            app_dir.join("output/attempt_1_0001_m_000003_0")
        );
    }

    #[test]
    fn job_and_application_ids_convert() {
        assert_eq!(
            application_id_of_job("job_1700000000000_0001").as_deref(),
            Some("application_1700000000000_0001")
        );
        assert_eq!(
            job_id_of_application("application_1700000000000_0001").as_deref(),
            Some("job_1700000000000_0001")
        );
        for bad in ["job_local7_0001", "job_17_", "job__1", "job_17", "task_1_1"] {
            assert_eq!(application_id_of_job(bad), None, "{bad}");
        }
        assert_eq!(job_id_of_application("job_1_0001"), None);
    }

    #[test]
    fn shuffle_port_metadata_round_trips() {
        assert_eq!(serialize_shuffle_port(13562), vec![0, 0, 0x34, 0xfa]);
        assert_eq!(
            parse_shuffle_port(&serialize_shuffle_port(13562)),
            Some(13562)
        );
        assert_eq!(parse_shuffle_port(&[0, 1, 0, 0]), None);
        assert_eq!(parse_shuffle_port(&[0x34, 0xfa]), None);
    }
}
