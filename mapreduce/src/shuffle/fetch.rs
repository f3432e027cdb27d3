//! The reduce side's fetch of one map output: a blocking HTTP/1.1 GET of
//! `/mapOutput` from the shuffle service of the NodeManager that ran the
//! map, the segment kept in memory or streamed to a local file, and its
//! CRC32C checked either way before anything is handed to the merge.
//!
//! One call is one attempt on one connection: retrying, and telling the AM
//! which maps cannot be fetched, are the caller's.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Configuration;
use common::conf::TimeUnit;

use crate::Error;
use crate::ifile::{FileSegment, IndexEntry, MemorySegment};
use crate::records::RecordSource;

/// How long to wait for the shuffle service to accept a connection.
pub const CONNECT_TIMEOUT_KEY: &str = "mapreduce.reduce.shuffle.connect.timeout";
/// How long to wait for each read from the shuffle service.
pub const READ_TIMEOUT_KEY: &str = "mapreduce.reduce.shuffle.read.timeout";
/// Hadoop's default for both timeouts.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(180_000);
/// Bytes read from the socket and written to disk at a time.
const IO_BUFFER: usize = 128 * 1024;
/// Longest response head accepted.
const MAX_HEAD_BYTES: u64 = 64 * 1024;
/// Most of an error answer's body kept for the message.
const MAX_ERROR_BODY: u64 = 4 * 1024;
/// The CRC32C that ends every segment.
const CHECKSUM_BYTES: u64 = 4;

/// Where a map's output can be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOutputLocation {
    /// `host:port` of the shuffle service of the node that ran the map.
    pub address: String,
    /// The map attempt whose output it is.
    pub attempt_id: String,
}

/// Timeouts and the in-memory limit of one fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Segments larger than this go to disk.
    pub max_in_memory: u64,
}

impl FetchLimits {
    /// The timeouts from `mapreduce.reduce.shuffle.{connect,read}.timeout`
    /// (milliseconds unless a unit is given; 180 s by default).
    pub fn from_conf(conf: &Configuration, max_in_memory: u64) -> Result<Self, Error> {
        let timeout = |key: &str| {
            conf.get_duration(key, DEFAULT_TIMEOUT, TimeUnit::Milliseconds)
                .map_err(|error| Error::Config(error.to_string()))
        };
        Ok(Self {
            connect_timeout: timeout(CONNECT_TIMEOUT_KEY)?,
            read_timeout: timeout(READ_TIMEOUT_KEY)?,
            max_in_memory,
        })
    }
}

/// A fetched, checksum-verified segment.
pub enum FetchedSegment {
    /// Held in memory.
    Memory {
        segment: MemorySegment,
        records: u64,
        bytes: u64,
    },
    /// Written to a file of its own (checksum included); the caller removes
    /// it once merged.
    Disk {
        path: PathBuf,
        records: u64,
        bytes: u64,
    },
}

impl FetchedSegment {
    /// Records in the segment.
    pub fn records(&self) -> u64 {
        match self {
            Self::Memory { records, .. } | Self::Disk { records, .. } => *records,
        }
    }

    /// Bytes shuffled, checksum included.
    pub fn bytes(&self) -> u64 {
        match self {
            Self::Memory { bytes, .. } | Self::Disk { bytes, .. } => *bytes,
        }
    }

    /// The segment's records, for the merge.
    pub fn into_source(self) -> Result<Box<dyn RecordSource>, Error> {
        Ok(match self {
            Self::Memory { segment, .. } => Box::new(segment),
            Self::Disk {
                path,
                records,
                bytes,
            } => {
                let whole_file = IndexEntry {
                    offset: 0,
                    length: bytes,
                    records,
                };
                Box::new(FileSegment::open(&path, whole_file)?)
            }
        })
    }
}

impl std::fmt::Debug for FetchedSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory { records, bytes, .. } => f
                .debug_struct("Memory")
                .field("records", records)
                .field("bytes", bytes)
                .finish(),
            Self::Disk {
                path,
                records,
                bytes,
            } => f
                .debug_struct("Disk")
                .field("path", path)
                .field("records", records)
                .field("bytes", bytes)
                .finish(),
        }
    }
}

/// A failed fetch: of which map attempt, from where, and why.
#[derive(Debug, thiserror::Error)]
#[error("failed to fetch the map output of {attempt_id} from {address}: {failure}")]
pub struct FetchError {
    pub attempt_id: String,
    pub address: String,
    pub failure: FetchFailure,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchFailure {
    /// The address did not resolve or refused the connection.
    #[error("cannot connect: {0}")]
    Connect(io::Error),
    /// Connecting or a read took longer than its timeout.
    #[error("{stage} timed out after {timeout:?}")]
    Timeout {
        stage: &'static str,
        timeout: Duration,
    },
    /// The service answered with an error.
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// The connection ended before the whole segment came.
    #[error("short body: {received} of {expected} bytes")]
    ShortBody { expected: u64, received: u64 },
    /// The segment's bytes do not match its checksum.
    #[error("checksum mismatch in the {bytes}-byte segment of partition {partition}")]
    Checksum { partition: u32, bytes: u64 },
    /// The answer is not one the shuffle service gives.
    #[error("bad response: {0}")]
    BadResponse(String),
    /// The connection failed mid-answer.
    #[error("connection lost: {0}")]
    Connection(io::Error),
    /// The segment could not be written to local disk.
    #[error("{}: {source}", path.display())]
    LocalDisk { path: PathBuf, source: io::Error },
}

/// Fetches `partition` of the map output at `location`: in memory if it is
/// at most `limits.max_in_memory` bytes, else into a file under `spill_dir`.
pub fn fetch_map_output(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
    spill_dir: &Path,
) -> Result<FetchedSegment, FetchError> {
    fetch(location, job_id, partition, limits, spill_dir).map_err(|failure| FetchError {
        attempt_id: location.attempt_id.clone(),
        address: location.address.clone(),
        failure,
    })
}

fn fetch(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
    spill_dir: &Path,
) -> Result<FetchedSegment, FetchFailure> {
    let (mut input, SegmentHead { bytes, records }) =
        request_segment(location, job_id, partition, limits)?;
    if bytes <= limits.max_in_memory {
        let mut data = vec![0; bytes as usize];
        read_fully(&mut input, &mut data, limits.read_timeout)?;
        let segment =
            MemorySegment::new(data).map_err(|_| FetchFailure::Checksum { partition, bytes })?;
        return Ok(FetchedSegment::Memory {
            segment,
            records,
            bytes,
        });
    }
    let path = spill_dir.join(format!("{}_r{partition:06}.out", location.attempt_id));
    match copy_to_file(&mut input, bytes, &path, limits.read_timeout) {
        Ok(true) => Ok(FetchedSegment::Disk {
            path,
            records,
            bytes,
        }),
        Ok(false) => {
            let _ = std::fs::remove_file(&path);
            Err(FetchFailure::Checksum { partition, bytes })
        }
        Err(failure) => {
            let _ = std::fs::remove_file(&path);
            Err(failure)
        }
    }
}

/// What a 200 answer says of the segment that follows its head.
struct SegmentHead {
    bytes: u64,
    records: u64,
}

/// Sends the request and reads a successful answer's head; the segment's
/// bytes are next on the returned stream.
fn request_segment(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
) -> Result<(BufReader<TcpStream>, SegmentHead), FetchFailure> {
    let attempt = &location.attempt_id;
    let stream = connect(&location.address, limits.connect_timeout)?;
    let setup = |result: io::Result<()>| result.map_err(FetchFailure::Connection);
    setup(stream.set_read_timeout(Some(limits.read_timeout)))?;
    setup(stream.set_write_timeout(Some(limits.read_timeout)))?;
    setup(stream.set_nodelay(true))?;
    let request = format!(
        "GET /mapOutput?job={job_id}&reduce={partition}&map={attempt} HTTP/1.1\r\n\
         Host: {}\r\nConnection: close\r\n\r\n",
        location.address
    );
    (&stream)
        .write_all(request.as_bytes())
        .map_err(|error| read_failure(error, limits.read_timeout))?;
    let mut input = BufReader::with_capacity(IO_BUFFER, stream);
    let head = read_head(&mut input, limits.read_timeout)?;
    if head.status != 200 {
        return Err(error_answer(head, &mut input, limits.read_timeout));
    }
    if head.attempt.as_deref() != Some(attempt.as_str()) {
        return Err(FetchFailure::BadResponse(format!(
            "X-Map-Attempt is {:?}, not {attempt}",
            head.attempt
        )));
    }
    let bytes = head
        .content_length
        .ok_or_else(|| FetchFailure::BadResponse("no Content-Length".to_string()))?;
    let records = head
        .records
        .ok_or_else(|| FetchFailure::BadResponse("no X-Map-Records".to_string()))?;
    if bytes < CHECKSUM_BYTES {
        return Err(FetchFailure::BadResponse(format!(
            "a {bytes}-byte segment is shorter than its checksum"
        )));
    }
    Ok((input, SegmentHead { bytes, records }))
}

/// Connects to the first address of `address` that accepts.
fn connect(address: &str, timeout: Duration) -> Result<TcpStream, FetchFailure> {
    let candidates: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(FetchFailure::Connect)?
        .collect();
    let mut last_failure = FetchFailure::Connect(io::Error::new(
        io::ErrorKind::NotFound,
        format!("{address} resolves to no address"),
    ));
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) if is_timeout(&error) => {
                last_failure = FetchFailure::Timeout {
                    stage: "connect",
                    timeout,
                }
            }
            Err(error) => last_failure = FetchFailure::Connect(error),
        }
    }
    Err(last_failure)
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn read_failure(error: io::Error, timeout: Duration) -> FetchFailure {
    if is_timeout(&error) {
        FetchFailure::Timeout {
            stage: "read",
            timeout,
        }
    } else {
        FetchFailure::Connection(error)
    }
}

/// The parts of a response head the fetch uses.
struct ResponseHead {
    status: u16,
    content_length: Option<u64>,
    records: Option<u64>,
    attempt: Option<String>,
}

fn read_head(input: &mut impl BufRead, timeout: Duration) -> Result<ResponseHead, FetchFailure> {
    let mut limited = input.take(MAX_HEAD_BYTES);
    let mut line = String::new();
    let mut next_line = |line: &mut String| -> Result<(), FetchFailure> {
        line.clear();
        let read = limited
            .read_line(line)
            .map_err(|error| read_failure(error, timeout))?;
        if read == 0 || !line.ends_with('\n') {
            return Err(FetchFailure::BadResponse(
                "the response head is cut short or too long".to_string(),
            ));
        }
        Ok(())
    };
    next_line(&mut line)?;
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| FetchFailure::BadResponse(format!("status line {:?}", line.trim_end())))?;
    let mut head = ResponseHead {
        status,
        content_length: None,
        records: None,
        attempt: None,
    };
    loop {
        next_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(FetchFailure::BadResponse(format!("header line {header:?}")));
        };
        let value = value.trim();
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| FetchFailure::BadResponse(format!("{name}: {value:?}")))
        };
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length = Some(number()?);
        } else if name.eq_ignore_ascii_case("x-map-records") {
            head.records = Some(number()?);
        } else if name.eq_ignore_ascii_case("x-map-attempt") {
            head.attempt = Some(value.to_string());
        }
    }
}

/// The failure an error answer stands for, with (the start of) its body.
fn error_answer(head: ResponseHead, input: &mut impl Read, timeout: Duration) -> FetchFailure {
    let limit = head
        .content_length
        .unwrap_or(MAX_ERROR_BODY)
        .min(MAX_ERROR_BODY);
    let mut body = Vec::new();
    if let Err(error) = input.take(limit).read_to_end(&mut body) {
        return read_failure(error, timeout);
    }
    FetchFailure::Status {
        status: head.status,
        body: String::from_utf8_lossy(&body).trim_end().to_string(),
    }
}

/// Fills `buffer` from `input`, or says how much came before it ended.
fn read_fully(
    input: &mut impl Read,
    buffer: &mut [u8],
    timeout: Duration,
) -> Result<(), FetchFailure> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => {
                return Err(FetchFailure::ShortBody {
                    expected: buffer.len() as u64,
                    received: filled as u64,
                });
            }
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(read_failure(error, timeout)),
        }
    }
    Ok(())
}

/// Streams a `length`-byte segment from `input` into a new file at `path`,
/// computing the CRC32C of its data on the way; false if it does not match
/// the stored one.
fn copy_to_file(
    input: &mut impl Read,
    length: u64,
    path: &Path,
    timeout: Duration,
) -> Result<bool, FetchFailure> {
    let local_disk = |source| FetchFailure::LocalDisk {
        path: path.to_path_buf(),
        source,
    };
    let mut output = BufWriter::with_capacity(IO_BUFFER, File::create(path).map_err(local_disk)?);
    let data_length = length - CHECKSUM_BYTES;
    let mut buffer = vec![0; IO_BUFFER];
    let mut position = 0u64;
    let mut computed = 0u32;
    let mut stored = [0u8; CHECKSUM_BYTES as usize];
    while position < length {
        let wanted = (length - position).min(IO_BUFFER as u64) as usize;
        let read = match input.read(&mut buffer[..wanted]) {
            Ok(0) => {
                return Err(FetchFailure::ShortBody {
                    expected: length,
                    received: position,
                });
            }
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_failure(error, timeout)),
        };
        let chunk = &buffer[..read];
        let data_in_chunk = data_length.saturating_sub(position).min(read as u64) as usize;
        computed = crc32c::crc32c_append(computed, &chunk[..data_in_chunk]);
        if data_in_chunk < read {
            let checksum_at = (position + data_in_chunk as u64 - data_length) as usize;
            stored[checksum_at..checksum_at + read - data_in_chunk]
                .copy_from_slice(&chunk[data_in_chunk..]);
        }
        output.write_all(chunk).map_err(local_disk)?;
        position += read as u64;
    }
    output.flush().map_err(local_disk)?;
    Ok(computed == u32::from_be_bytes(stored))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;
    use crate::ifile::frame_record;

    const ATTEMPT: &str = "attempt_1700000000000_0001_m_000000_0";

    /// A segment of `count` records, checksum appended.
    fn segment(count: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        for i in 0..count {
            frame_record(&mut bytes, format!("key{i:04}").as_bytes(), &[i as u8; 9]);
        }
        let crc = crc32c::crc32c(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        bytes
    }

    /// Answers one connection with `answer` once its request head is read,
    /// then closes its side.
    fn canned_server(answer: Vec<u8>) -> String {
        serve_once(move |stream| {
            let mut reader = BufReader::new(&*stream);
            let mut line = String::new();
            while line != "\r\n" {
                line.clear();
                reader.read_line(&mut line).unwrap();
            }
            let _ = (&*stream).write_all(&answer);
            let _ = stream.shutdown(std::net::Shutdown::Write);
        })
    }

    /// Accepts one connection and says nothing until the client hangs up.
    fn silent_server() -> String {
        serve_once(|stream| {
            let _ = std::io::copy(stream, &mut std::io::sink());
        })
    }

    fn serve_once(serve: impl FnOnce(&mut TcpStream) + Send + 'static) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            serve(&mut stream);
        });
        address
    }

    fn ok_head(length: usize, records: u64, attempt: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {length}\r\nx-map-records: {records}\r\n\
             x-map-attempt: {attempt}\r\n\r\n"
        )
        .into_bytes()
    }

    fn limits(max_in_memory: u64) -> FetchLimits {
        FetchLimits {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            max_in_memory,
        }
    }

    fn fetch_from(
        address: String,
        limits: FetchLimits,
        spill_dir: &Path,
    ) -> Result<FetchedSegment, FetchError> {
        let location = MapOutputLocation {
            address,
            attempt_id: ATTEMPT.to_string(),
        };
        fetch_map_output(&location, "job_1700000000000_0001", 2, &limits, spill_dir)
    }

    fn no_files_in(dir: &Path) -> bool {
        std::fs::read_dir(dir).unwrap().next().is_none()
    }

    #[test]
    fn limits_come_from_the_configuration() {
        let mut conf = Configuration::new();
        let defaults = FetchLimits::from_conf(&conf, 7).unwrap();
        assert_eq!(defaults.connect_timeout, Duration::from_secs(180));
        assert_eq!(defaults.read_timeout, Duration::from_secs(180));
        assert_eq!(defaults.max_in_memory, 7);
        conf.set(CONNECT_TIMEOUT_KEY, "2500");
        conf.set(READ_TIMEOUT_KEY, "1m");
        let set = FetchLimits::from_conf(&conf, 7).unwrap();
        assert_eq!(set.connect_timeout, Duration::from_millis(2500));
        assert_eq!(set.read_timeout, Duration::from_secs(60));
        conf.set(READ_TIMEOUT_KEY, "soon");
        let error = FetchLimits::from_conf(&conf, 7).unwrap_err().to_string();
        assert!(error.contains(READ_TIMEOUT_KEY), "{error}");
    }

    /// Reads at most `step` bytes at a time.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let read = self.step.min(buffer.len()).min(self.bytes.len());
            buffer[..read].copy_from_slice(&self.bytes[..read]);
            self.bytes = &self.bytes[read..];
            Ok(read)
        }
    }

    #[test]
    fn copy_checks_a_checksum_split_across_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        let bytes = segment(20);
        for step in [1, 3, 7, bytes.len() - 2, IO_BUFFER] {
            let mut input = Trickle {
                bytes: &bytes,
                step,
            };
            let timeout = Duration::from_secs(1);
            assert!(copy_to_file(&mut input, bytes.len() as u64, &path, timeout).unwrap());
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "step {step}");
            let mut damaged = bytes.clone();
            *damaged.last_mut().unwrap() ^= 0x80;
            let mut input = Trickle {
                bytes: &damaged,
                step,
            };
            assert!(!copy_to_file(&mut input, bytes.len() as u64, &path, timeout).unwrap());
        }
    }

    #[test]
    fn short_body_is_reported_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = segment(50);
        for max_in_memory in [u64::MAX, 0] {
            let mut answer = ok_head(bytes.len(), 50, ATTEMPT);
            answer.extend_from_slice(&bytes[..100]);
            let address = canned_server(answer);
            let error = fetch_from(address, limits(max_in_memory), dir.path()).unwrap_err();
            assert!(
                matches!(error.failure, FetchFailure::ShortBody { expected, received: 100 } if expected == bytes.len() as u64),
                "{error}"
            );
            assert!(error.to_string().contains(ATTEMPT), "{error}");
            assert!(no_files_in(dir.path()));
        }
    }

    #[test]
    fn answers_the_service_does_not_give_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = segment(3);
        let other = "attempt_1700000000000_0001_m_000001_0";
        let mut wrong_attempt = ok_head(bytes.len(), 3, other);
        wrong_attempt.extend_from_slice(&bytes);
        let no_records =
            format!("HTTP/1.1 200 OK\r\ncontent-length: 4\r\nx-map-attempt: {ATTEMPT}\r\n\r\n0000");
        let cases = [
            (wrong_attempt, other),
            (no_records.into_bytes(), "no X-Map-Records"),
            (b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(), "status line"),
        ];
        for (answer, expected) in cases {
            let error =
                fetch_from(canned_server(answer), limits(u64::MAX), dir.path()).unwrap_err();
            assert!(
                matches!(error.failure, FetchFailure::BadResponse(_)),
                "{error}"
            );
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn error_answers_carry_status_and_body() {
        let dir = tempfile::tempdir().unwrap();
        let answer = b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot here\n".to_vec();
        let error = fetch_from(canned_server(answer), limits(0), dir.path()).unwrap_err();
        assert!(
            matches!(&error.failure, FetchFailure::Status { status: 404, body } if body == "not here"),
            "{error}"
        );
    }

    #[test]
    fn silent_server_is_a_read_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let mut quick = limits(0);
        quick.read_timeout = Duration::from_millis(100);
        let error = fetch_from(silent_server(), quick, dir.path()).unwrap_err();
        assert!(
            matches!(error.failure, FetchFailure::Timeout { stage: "read", .. }),
            "{error}"
        );
    }
}
