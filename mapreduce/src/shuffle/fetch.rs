//! The reduce side's fetch of one map output: an HTTP/1.1 GET of
//! `/mapOutput` (hyper's client) from the shuffle service of the
//! NodeManager that ran the map, the segment kept in memory or streamed to
//! a local file, and its CRC32C checked either way before anything is
//! handed to the merge.
//!
//! One call is one attempt on one connection: retrying, and telling the AM
//! which maps cannot be fetched, are the caller's. Every connection is made
//! by [`connect`].

use std::cell::RefCell;
use std::fs::File;
use std::future::Future;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Configuration;
use common::conf::TimeUnit;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, HeaderMap};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Error;
use crate::ifile::{FileSegment, IndexEntry, MemorySegment};
use crate::records::RecordSource;
use crate::shuffle::handler::{MAP_ATTEMPT_HEADER, MAP_RECORDS_HEADER};

/// How long to wait for the shuffle service to accept a connection.
pub const CONNECT_TIMEOUT_KEY: &str = common::conf::keys::MAPREDUCE_REDUCE_SHUFFLE_CONNECT_TIMEOUT;
/// How long to wait for each read from the shuffle service.
pub const READ_TIMEOUT_KEY: &str = common::conf::keys::MAPREDUCE_REDUCE_SHUFFLE_READ_TIMEOUT;
/// Bytes written to disk at a time.
const IO_BUFFER: usize = 128 * 1024;
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
            conf.get_duration(key, TimeUnit::Milliseconds)
                .map_err(Error::from)
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

impl FetchFailure {
    /// The counter of [`crate::counters::SHUFFLE_ERRORS`] this failure
    /// counts under, as Hadoop's Fetcher sorts its failures.
    pub fn shuffle_error(&self) -> &'static str {
        match self {
            Self::Connect(_) | Self::Timeout { .. } | Self::Status { .. } | Self::Connection(_) => {
                "CONNECTION"
            }
            Self::ShortBody { .. } => "WRONG_LENGTH",
            Self::Checksum { .. } | Self::LocalDisk { .. } => "IO_ERROR",
            Self::BadResponse(_) => "BAD_ID",
        }
    }
}

/// Fetches `partition` of the map output at `location`: in memory if it is
/// at most `limits.max_in_memory` bytes, else into a file under `spill_dir`.
/// Blocks the calling thread (a reducer's fetcher) until done.
pub fn fetch_map_output(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
    spill_dir: &Path,
) -> Result<FetchedSegment, FetchError> {
    block_on(fetch(location, job_id, partition, limits, spill_dir)).map_err(|failure| FetchError {
        attempt_id: location.attempt_id.clone(),
        address: location.address.clone(),
        failure,
    })
}

thread_local! {
    /// Each fetcher thread drives its connections on a runtime of its own.
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// Runs `future` to completion on this thread's runtime.
fn block_on<T>(future: impl Future<Output = Result<T, FetchFailure>>) -> Result<T, FetchFailure> {
    RUNTIME.with(|cell| {
        let mut runtime = cell.borrow_mut();
        if runtime.is_none() {
            let built = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .enable_time()
                .build()
                .map_err(FetchFailure::Connection)?;
            *runtime = Some(built);
        }
        runtime.as_ref().expect("built above").block_on(future)
    })
}

async fn fetch(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
    spill_dir: &Path,
) -> Result<FetchedSegment, FetchFailure> {
    fail::fail_point!("shuffle::fetch", |_| Err(FetchFailure::Connection(
        io::Error::other("failpoint shuffle::fetch")
    )));
    let (mut body, SegmentHead { bytes, records }, _connection) =
        request_segment(location, job_id, partition, limits).await?;
    if bytes <= limits.max_in_memory {
        let mut data = Vec::with_capacity(bytes as usize);
        while let Some(chunk) = next_chunk(&mut body, bytes, data.len() as u64, limits).await? {
            data.extend_from_slice(&chunk);
        }
        if data.len() as u64 != bytes {
            return Err(FetchFailure::ShortBody {
                expected: bytes,
                received: data.len() as u64,
            });
        }
        let segment =
            MemorySegment::new(data).map_err(|_| FetchFailure::Checksum { partition, bytes })?;
        return Ok(FetchedSegment::Memory {
            segment,
            records,
            bytes,
        });
    }
    let path = spill_dir.join(format!("{}_r{partition:06}.out", location.attempt_id));
    match copy_to_file(&mut body, bytes, &path, limits).await {
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

/// What a 200 answer says of the segment in its body.
struct SegmentHead {
    bytes: u64,
    records: u64,
}

/// The task driving a fetch's connection, ended (closing the socket) when
/// the fetch is done with it.
struct ConnectionTask(tokio::task::JoinHandle<()>);

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends the request and checks a successful answer's head; the segment is
/// the returned body, read while the connection's task lives.
async fn request_segment(
    location: &MapOutputLocation,
    job_id: &str,
    partition: u32,
    limits: &FetchLimits,
) -> Result<(Incoming, SegmentHead, ConnectionTask), FetchFailure> {
    let attempt = &location.attempt_id;
    let stream = connect(&location.address, limits.connect_timeout)
        .await
        .map_err(|error| {
            if error.kind() == io::ErrorKind::TimedOut {
                FetchFailure::Timeout {
                    stage: "connect",
                    timeout: limits.connect_timeout,
                }
            } else {
                FetchFailure::Connect(error)
            }
        })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| FetchFailure::Connection(io::Error::other(error)))?;
    let connection = ConnectionTask(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let request = Request::get(format!(
        "/mapOutput?job={job_id}&reduce={partition}&map={attempt}"
    ))
    .header(HOST, &location.address)
    .header(CONNECTION, "close")
    .body(Empty::<Bytes>::new())
    .map_err(|error| FetchFailure::BadResponse(format!("cannot make the request: {error}")))?;
    let response = within(limits.read_timeout, sender.send_request(request))
        .await?
        .map_err(head_failure)?;
    if response.status() != StatusCode::OK {
        return Err(error_answer(response, limits).await);
    }
    let headers = response.headers();
    let attempt_header = headers
        .get(MAP_ATTEMPT_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    if attempt_header.as_deref() != Some(attempt.as_str()) {
        return Err(FetchFailure::BadResponse(format!(
            "X-Map-Attempt is {attempt_header:?}, not {attempt}"
        )));
    }
    let bytes = number_header(headers, CONTENT_LENGTH.as_str())?
        .ok_or_else(|| FetchFailure::BadResponse("no Content-Length".to_string()))?;
    let records = number_header(headers, MAP_RECORDS_HEADER)?
        .ok_or_else(|| FetchFailure::BadResponse("no X-Map-Records".to_string()))?;
    if bytes < CHECKSUM_BYTES {
        return Err(FetchFailure::BadResponse(format!(
            "a {bytes}-byte segment is shorter than its checksum"
        )));
    }
    Ok((
        response.into_body(),
        SegmentHead { bytes, records },
        connection,
    ))
}

/// Opens a connection to the shuffle service at `address` (`host:port`):
/// the first of its addresses that accepts within `timeout`. Every
/// connection of the shuffle's fetch is made here; a timeout is `TimedOut`.
pub(crate) async fn connect(address: &str, timeout: Duration) -> io::Result<TcpStream> {
    let mut last_error = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{address} resolves to no address"),
    );
    for candidate in tokio::net::lookup_host(address).await? {
        match tokio::time::timeout(timeout, TcpStream::connect(candidate)).await {
            Ok(Ok(stream)) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Ok(Err(error)) => last_error = error,
            Err(_) => last_error = io::Error::from(io::ErrorKind::TimedOut),
        }
    }
    Err(last_error)
}

/// `future`, or a read timeout if it takes longer than `timeout`.
async fn within<T>(timeout: Duration, future: impl Future<Output = T>) -> Result<T, FetchFailure> {
    tokio::time::timeout(timeout, future)
        .await
        .map_err(|_| FetchFailure::Timeout {
            stage: "read",
            timeout,
        })
}

/// The failure a hyper error stands for while the head is awaited.
fn head_failure(error: hyper::Error) -> FetchFailure {
    if error.is_parse() || error.is_parse_status() {
        FetchFailure::BadResponse(format!("bad status line or headers: {error}"))
    } else if error.is_incomplete_message() {
        FetchFailure::BadResponse(format!("the response head is cut short: {error}"))
    } else {
        FetchFailure::Connection(io::Error::other(error))
    }
}

/// A header's value as a number; None when absent.
fn number_header(headers: &HeaderMap, name: &str) -> Result<Option<u64>, FetchFailure> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| FetchFailure::BadResponse(format!("{name}: {value:?}")))
}

/// The next piece of a `length`-byte body of which `received` bytes came;
/// None at its end.
async fn next_chunk(
    body: &mut Incoming,
    length: u64,
    received: u64,
    limits: &FetchLimits,
) -> Result<Option<Bytes>, FetchFailure> {
    loop {
        let frame = match within(limits.read_timeout, body.frame()).await? {
            None => return Ok(None),
            Some(Ok(frame)) => frame,
            Some(Err(error)) if is_cut_short(&error) => {
                return Err(FetchFailure::ShortBody {
                    expected: length,
                    received,
                });
            }
            Some(Err(error)) => return Err(FetchFailure::Connection(io::Error::other(error))),
        };
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
}

/// Whether a body error is its connection ending before the whole body.
fn is_cut_short(error: &hyper::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof)
        {
            return true;
        }
        source = cause.source();
    }
    error.is_incomplete_message()
}

/// The failure an error answer stands for, with (the start of) its body.
async fn error_answer(response: Response<Incoming>, limits: &FetchLimits) -> FetchFailure {
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut message = Vec::new();
    while (message.len() as u64) < MAX_ERROR_BODY {
        match next_chunk(&mut body, MAX_ERROR_BODY, message.len() as u64, limits).await {
            Ok(Some(chunk)) => message.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(failure @ FetchFailure::Timeout { .. }) => return failure,
            Err(_) => break,
        }
    }
    message.truncate(MAX_ERROR_BODY as usize);
    FetchFailure::Status {
        status,
        body: String::from_utf8_lossy(&message).trim_end().to_string(),
    }
}

/// Streams a `length`-byte segment from `body` into a new file at `path`,
/// checking its checksum on the way; false if it does not match.
async fn copy_to_file(
    body: &mut Incoming,
    length: u64,
    path: &Path,
    limits: &FetchLimits,
) -> Result<bool, FetchFailure> {
    let mut file = SegmentFile::create(path, length)?;
    while let Some(chunk) = next_chunk(body, length, file.position, limits).await? {
        file.append(&chunk)?;
    }
    file.finish()
}

/// A segment being written to its own file, with the CRC32C of its data
/// computed on the way and its stored checksum (the last 4 bytes) kept.
struct SegmentFile {
    path: PathBuf,
    output: BufWriter<File>,
    length: u64,
    position: u64,
    computed: u32,
    stored: [u8; CHECKSUM_BYTES as usize],
}

impl SegmentFile {
    fn create(path: &Path, length: u64) -> Result<Self, FetchFailure> {
        let file = File::create(path).map_err(|source| FetchFailure::LocalDisk {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            output: BufWriter::with_capacity(IO_BUFFER, file),
            length,
            position: 0,
            computed: 0,
            stored: [0; CHECKSUM_BYTES as usize],
        })
    }

    fn local_disk(&self, source: io::Error) -> FetchFailure {
        FetchFailure::LocalDisk {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends the next bytes of the segment.
    fn append(&mut self, chunk: &[u8]) -> Result<(), FetchFailure> {
        if self.position + chunk.len() as u64 > self.length {
            return Err(FetchFailure::BadResponse(format!(
                "more than the {} bytes of its Content-Length",
                self.length
            )));
        }
        let data_length = self.length - CHECKSUM_BYTES;
        let data_in_chunk = data_length
            .saturating_sub(self.position)
            .min(chunk.len() as u64) as usize;
        self.computed = crc32c::crc32c_append(self.computed, &chunk[..data_in_chunk]);
        if data_in_chunk < chunk.len() {
            let checksum_at = (self.position + data_in_chunk as u64 - data_length) as usize;
            self.stored[checksum_at..checksum_at + chunk.len() - data_in_chunk]
                .copy_from_slice(&chunk[data_in_chunk..]);
        }
        if let Err(error) = self.output.write_all(chunk) {
            return Err(self.local_disk(error));
        }
        self.position += chunk.len() as u64;
        Ok(())
    }

    /// Flushes the file; whether the data matches its checksum.
    fn finish(mut self) -> Result<bool, FetchFailure> {
        if self.position != self.length {
            return Err(FetchFailure::ShortBody {
                expected: self.length,
                received: self.position,
            });
        }
        if let Err(error) = self.output.flush() {
            return Err(self.local_disk(error));
        }
        Ok(self.computed == u32::from_be_bytes(self.stored))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};

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

    #[test]
    fn copy_checks_a_checksum_split_across_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        let bytes = segment(20);
        let copy = |bytes: &[u8], step: usize| {
            let mut file = SegmentFile::create(&path, bytes.len() as u64).unwrap();
            for chunk in bytes.chunks(step) {
                file.append(chunk).unwrap();
            }
            file.finish().unwrap()
        };
        for step in [1, 3, 7, bytes.len() - 2, IO_BUFFER] {
            assert!(copy(&bytes, step));
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "step {step}");
            let mut damaged = bytes.clone();
            *damaged.last_mut().unwrap() ^= 0x80;
            assert!(!copy(&damaged, step));
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

    #[cfg(feature = "failpoints")]
    #[test]
    fn the_fetch_failpoint_fails_fetches_until_removed() {
        let scenario = fail::FailScenario::setup();
        let dir = tempfile::tempdir().unwrap();
        let bytes = segment(3);
        let mut answer = ok_head(bytes.len(), 3, ATTEMPT);
        answer.extend_from_slice(&bytes);
        let address = canned_server(answer);
        fail::cfg("shuffle::fetch", "return").unwrap();
        let error = fetch_from(address.clone(), limits(u64::MAX), dir.path()).unwrap_err();
        assert!(
            matches!(error.failure, FetchFailure::Connection(_)),
            "{error}"
        );
        assert!(
            error.to_string().contains("failpoint shuffle::fetch"),
            "{error}"
        );
        fail::remove("shuffle::fetch");
        let fetched = fetch_from(address, limits(u64::MAX), dir.path()).unwrap();
        assert_eq!(fetched.records(), 3);
        scenario.teardown();
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
