//! The MapReduce shuffle service (`mapreduce_shuffle`, Hadoop's
//! ShuffleHandler): an HTTP server inside the NodeManager, plugged in as an
//! auxiliary service, from which reduce tasks fetch their partition of each
//! map's output.
//!
//! `GET /mapOutput?job=<job>&reduce=<partition>&map=<attempt>` answers with
//! the partition's segment of that map attempt's `file.out`, streamed from
//! disk as it lies there (checksum included, so the reducer verifies it),
//! with `X-Map-Records` and `X-Map-Attempt` headers. The attempt's output is
//! looked for in every local dir under the application's directory of the
//! user the NodeManager ran it for.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::{Listener, ListenerExt};
use common::faults;
use common::yarn::ApplicationId;
use nodemanager::layout::app_dir;
use nodemanager::{AuxServiceContext, AuxServiceError, AuxiliaryService};
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;
use tokio::sync::oneshot;
use tokio_util::io::ReaderStream;
use tracing::{debug, info, warn};

use crate::ids::{TaskAttemptId, TaskType};
use crate::mapoutput::{
    IndexEntry, MAP_OUTPUT_FILE, MAP_OUTPUT_INDEX_FILE, SHUFFLE_PORT_KEY, SHUFFLE_SERVICE_NAME,
    application_id_of_job, map_output_dir, read_index, serialize_shuffle_port,
};

/// Header with the records of the served segment.
pub const MAP_RECORDS_HEADER: &str = "X-Map-Records";
/// Header naming the map attempt whose segment is served.
pub const MAP_ATTEMPT_HEADER: &str = "X-Map-Attempt";
/// Bytes read from disk per chunk of a response.
const CHUNK_BYTES: usize = 128 * 1024;
/// Connections waiting to be accepted (reducers fetch in parallel).
const LISTEN_BACKLOG: u32 = 1024;

/// Why the shuffle service did not start.
#[derive(Debug, thiserror::Error)]
pub enum ShuffleHandlerError {
    /// `start` was called twice.
    #[error("the shuffle service is already running")]
    AlreadyRunning,
    /// It was started outside the NodeManager's runtime.
    #[error("the shuffle service must start inside a tokio runtime")]
    NoRuntime,
    /// `mapreduce.shuffle.port` is not a port.
    #[error(transparent)]
    Port(#[from] common::conf::ConfError),
    /// The port could not be bound.
    #[error("cannot listen on {host}:{port}: {source}")]
    Listen {
        host: String,
        port: u16,
        source: io::Error,
    },
}

/// The shuffle service of one NodeManager.
#[derive(Default)]
pub struct ShuffleHandler {
    /// The user of each running application, whose directories hold its
    /// map outputs.
    users: Arc<Mutex<HashMap<ApplicationId, String>>>,
    /// Stops the HTTP server once started.
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
}

impl ShuffleHandler {
    /// A handler that is not serving yet (the NodeManager starts it).
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds the port and spawns the server; see [`AuxiliaryService::start`].
    fn serve(&self, context: &AuxServiceContext) -> Result<u16, ShuffleHandlerError> {
        if lock(&self.shutdown).is_some() {
            return Err(ShuffleHandlerError::AlreadyRunning);
        }
        let port = context.conf.get_u16(SHUFFLE_PORT_KEY)?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| ShuffleHandlerError::NoRuntime)?;
        let cannot_listen = |source| ShuffleHandlerError::Listen {
            host: context.host.clone(),
            port,
            source,
        };
        let listener = {
            let _entered = runtime.enter();
            listen(&context.host, port).map_err(cannot_listen)?
        };
        let bound = listener.local_addr().map_err(cannot_listen)?;
        let state = Arc::new(ShuffleState {
            local_dirs: context.local_dirs.clone(),
            users: self.users.clone(),
        });
        let router = Router::new()
            .route("/mapOutput", get(map_output))
            .with_state(state);
        let (stop, stopped) = oneshot::channel();
        // Without NODELAY the last packet of a response waits for the
        // reducer's delayed ACK.
        let listener = AdmittingListener {
            inner: listener,
            local_address: bound.to_string(),
        };
        let listener = listener.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        runtime.spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                warn!(%error, "shuffle service failed");
            }
        });
        *lock(&self.shutdown) = Some(stop);
        info!(address = %bound, "mapreduce_shuffle listening");
        Ok(bound.port())
    }
}

impl AuxiliaryService for ShuffleHandler {
    fn name(&self) -> &str {
        SHUFFLE_SERVICE_NAME
    }

    /// Binds `mapreduce.shuffle.port` on the NodeManager's host and serves
    /// in the current runtime; the metadata is the bound port.
    fn start(&self, context: &AuxServiceContext) -> Result<Vec<u8>, AuxServiceError> {
        Ok(serialize_shuffle_port(self.serve(context)?))
    }

    fn initialize_application(&self, application: ApplicationId, user: &str) {
        lock(&self.users).insert(application, user.to_string());
    }

    fn stop_application(&self, application: ApplicationId) {
        lock(&self.users).remove(&application);
    }

    fn stop(&self) {
        if let Some(stop) = lock(&self.shutdown).take() {
            let _ = stop.send(());
        }
    }
}

/// Listens on `host:port` with SO_REUSEADDR, as tokio's own `bind` does,
/// so a restarted NodeManager gets its fixed port back at once.
/// The shuffle's listener: each accepted connection passes the fault rules
/// first ([`faults::admit`]), so a test can cut reducers, which run in other
/// processes, off this NodeManager's map outputs.
struct AdmittingListener {
    inner: tokio::net::TcpListener,
    local_address: String,
}

impl Listener for AdmittingListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, peer) = Listener::accept(&mut self.inner).await;
            if faults::admit(&self.local_address).await {
                return (stream, peer);
            }
            debug!(%peer, "shuffle connection closed by a fault rule");
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.inner)
    }
}

fn listen(host: &str, port: u16) -> io::Result<tokio::net::TcpListener> {
    let address = (host, port).to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the host resolves to no address")
    })?;
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the request handlers share.
struct ShuffleState {
    local_dirs: Vec<PathBuf>,
    users: Arc<Mutex<HashMap<ApplicationId, String>>>,
}

/// A checked `/mapOutput` request.
struct MapOutputRequest {
    application: ApplicationId,
    partition: u32,
    attempt: String,
}

/// An error answer: a status and a text body saying why.
struct Failure {
    status: StatusCode,
    message: String,
}

impl Failure {
    fn bad_request(message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message,
        }
    }

    fn not_found(attempt: &str, why: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: format!("{attempt}: map output not found{why}"),
        }
    }

    fn internal(message: String) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

/// Checks the `job`, `reduce` and `map` parameters.
fn parse_request(params: &HashMap<String, String>) -> Result<MapOutputRequest, Failure> {
    let param = |name: &str| {
        params
            .get(name)
            .ok_or_else(|| Failure::bad_request(format!("missing parameter: {name}")))
    };
    let job = param("job")?;
    let reduce = param("reduce")?;
    let attempt = param("map")?;
    let application = application_id_of_job(job)
        .and_then(|application| application.parse::<ApplicationId>().ok())
        .ok_or_else(|| Failure::bad_request(format!("job: invalid job id '{job}'")))?;
    let partition = reduce
        .parse::<u32>()
        .map_err(|_| Failure::bad_request(format!("reduce: invalid partition '{reduce}'")))?;
    let is_map_attempt = attempt
        .parse::<TaskAttemptId>()
        .is_ok_and(|id| id.task_type() == TaskType::Map && id.job_id() == *job);
    if !is_map_attempt {
        return Err(Failure::bad_request(format!(
            "map: '{attempt}' is not a map attempt of {job}"
        )));
    }
    Ok(MapOutputRequest {
        application,
        partition,
        attempt: attempt.clone(),
    })
}

async fn map_output(
    State(state): State<Arc<ShuffleState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match serve_map_output(state, &params).await {
        Ok(response) => response,
        Err(failure) => {
            if failure.status == StatusCode::INTERNAL_SERVER_ERROR {
                warn!(error = %failure.message, "cannot serve map output");
            }
            failure.into_response()
        }
    }
}

async fn serve_map_output(
    state: Arc<ShuffleState>,
    params: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let request = parse_request(params)?;
    let attempt = request.attempt.clone();
    let (file, entry) = tokio::task::spawn_blocking(move || open_segment(&state, &request))
        .await
        .map_err(|error| Failure::internal(format!("{attempt}: {error}")))??;
    let segment = tokio::fs::File::from_std(file).take(entry.length);
    let body = Body::from_stream(ReaderStream::with_capacity(segment, CHUNK_BYTES));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, entry.length)
        .header(MAP_RECORDS_HEADER, entry.records)
        .header(MAP_ATTEMPT_HEADER, &attempt)
        .body(body)
        .map_err(|error| Failure::internal(format!("{attempt}: {error}")))
}

/// Finds the attempt's output in the local dirs and opens its data file at
/// the partition's segment (blocking: stats, the index read, the open).
fn open_segment(
    state: &ShuffleState,
    request: &MapOutputRequest,
) -> Result<(File, IndexEntry), Failure> {
    let attempt = &request.attempt;
    let Some(user) = lock(&state.users).get(&request.application).cloned() else {
        let why = format!(" ({} is not running on this node)", request.application);
        return Err(Failure::not_found(attempt, &why));
    };
    let output_dir = state
        .local_dirs
        .iter()
        .map(|local_dir| map_output_dir(&app_dir(local_dir, &user, request.application), attempt))
        .find(|dir| dir.join(MAP_OUTPUT_INDEX_FILE).is_file())
        .ok_or_else(|| Failure::not_found(attempt, ""))?;
    let index_path = output_dir.join(MAP_OUTPUT_INDEX_FILE);
    let index = read_index(&index_path).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => Failure::not_found(attempt, ""),
        io::ErrorKind::InvalidData => Failure::internal(error.to_string()),
        _ => Failure::internal(format!("{}: {error}", index_path.display())),
    })?;
    let Some(&entry) = index.get(request.partition as usize) else {
        return Err(Failure::bad_request(format!(
            "reduce: partition {} is out of range: {attempt} has {} partitions",
            request.partition,
            index.len()
        )));
    };
    let data_path = output_dir.join(MAP_OUTPUT_FILE);
    let io_failure =
        |error: io::Error| Failure::internal(format!("{}: {error}", data_path.display()));
    let mut file = File::open(&data_path).map_err(io_failure)?;
    let file_length = file.metadata().map_err(io_failure)?.len();
    let segment_end = entry.offset.checked_add(entry.length);
    if segment_end.is_none_or(|end| end > file_length) {
        return Err(Failure::internal(format!(
            "{}: {file_length} bytes, but its index puts partition {} at {}+{}",
            data_path.display(),
            request.partition,
            entry.offset,
            entry.length
        )));
    }
    file.seek(SeekFrom::Start(entry.offset))
        .map_err(io_failure)?;
    Ok((file, entry))
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::path::Path;
    use std::time::Duration;

    use common::Configuration;
    use tokio::io::AsyncWriteExt;

    use crate::mapoutput::{parse_shuffle_port, write_index};

    use super::*;

    const JOB: &str = "job_1700000000000_0001";
    const ATTEMPT: &str = "attempt_1700000000000_0001_m_000003_0";
    const USER: &str = "alice";

    fn application() -> ApplicationId {
        "application_1700000000000_0001".parse().unwrap()
    }

    /// Three partitions' segments: opaque bytes to the service.
    fn segments() -> Vec<Vec<u8>> {
        vec![
            b"partition zero".to_vec(),
            vec![],
            (0..300_000u32).map(|i| (i % 251) as u8).collect(),
        ]
    }

    /// Writes `segments` as ATTEMPT's output under `local_dir`; returns its dir.
    fn write_map_output(local_dir: &Path, segments: &[Vec<u8>]) -> PathBuf {
        let dir = map_output_dir(&app_dir(local_dir, USER, application()), ATTEMPT);
        std::fs::create_dir_all(&dir).unwrap();
        let mut data = Vec::new();
        let mut entries = Vec::new();
        for (partition, segment) in segments.iter().enumerate() {
            entries.push(IndexEntry {
                offset: data.len() as u64,
                length: segment.len() as u64,
                records: partition as u64 * 10,
            });
            data.extend_from_slice(segment);
        }
        std::fs::write(dir.join(MAP_OUTPUT_FILE), &data).unwrap();
        write_index(&dir.join(MAP_OUTPUT_INDEX_FILE), &entries).unwrap();
        dir
    }

    /// Starts a handler on port 0 over `local_dirs`, with the test
    /// application running; returns it and its address.
    fn start(local_dirs: Vec<PathBuf>) -> (ShuffleHandler, SocketAddr) {
        let mut conf = Configuration::new();
        conf.set(SHUFFLE_PORT_KEY, "0");
        let context = AuxServiceContext {
            conf,
            local_dirs,
            host: "127.0.0.1".to_string(),
        };
        let handler = ShuffleHandler::new();
        let metadata = handler.start(&context).unwrap();
        let port = parse_shuffle_port(&metadata).expect("metadata is a port");
        assert_ne!(port, 0);
        handler.initialize_application(application(), USER);
        (handler, SocketAddr::from(([127, 0, 0, 1], port)))
    }

    struct Answer {
        status: u16,
        headers: HashMap<String, String>,
        body: Vec<u8>,
    }

    impl Answer {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    /// One HTTP/1.1 GET on a fresh connection, read to its close.
    async fn get(address: SocketAddr, target: &str) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request =
            format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let head_end = response
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("end of the response head");
        let head = String::from_utf8(response[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        Answer {
            status,
            headers,
            body: response[head_end + 4..].to_vec(),
        }
    }

    fn target(job: &str, reduce: u32, attempt: &str) -> String {
        format!("/mapOutput?job={job}&reduce={reduce}&map={attempt}")
    }

    #[tokio::test]
    async fn serves_each_partition_from_any_local_dir() {
        let dirs = tempfile::tempdir().unwrap();
        let local_dirs = vec![dirs.path().join("a"), dirs.path().join("b")];
        write_map_output(&local_dirs[1], &segments());
        let (handler, address) = start(local_dirs);
        for (partition, segment) in segments().iter().enumerate() {
            let answer = get(address, &target(JOB, partition as u32, ATTEMPT)).await;
            assert_eq!(answer.status, 200, "{}", answer.text());
            assert_eq!(&answer.body, segment, "partition {partition}");
            assert_eq!(answer.headers["content-length"], segment.len().to_string());
            assert_eq!(
                answer.headers["x-map-records"],
                (partition * 10).to_string()
            );
            assert_eq!(answer.headers["x-map-attempt"], ATTEMPT);
        }
        handler.stop();
    }

    #[tokio::test]
    async fn unknown_attempt_or_application_is_not_found() {
        let dirs = tempfile::tempdir().unwrap();
        write_map_output(dirs.path(), &segments());
        let (handler, address) = start(vec![dirs.path().to_path_buf()]);

        let other_attempt = "attempt_1700000000000_0001_m_000004_0";
        let answer = get(address, &target(JOB, 0, other_attempt)).await;
        assert_eq!(answer.status, 404);
        assert_eq!(
            answer.text(),
            format!("{other_attempt}: map output not found")
        );

        let other_attempt = "attempt_1700000000000_0002_m_000003_0";
        let answer = get(address, &target("job_1700000000000_0002", 0, other_attempt)).await;
        assert_eq!(answer.status, 404);
        assert!(
            answer
                .text()
                .contains("application_1700000000000_0002 is not running"),
            "{}",
            answer.text()
        );

        handler.stop_application(application());
        let answer = get(address, &target(JOB, 0, ATTEMPT)).await;
        assert_eq!(answer.status, 404, "{}", answer.text());
        handler.stop();
    }

    #[tokio::test]
    async fn bad_parameters_are_named() {
        let dirs = tempfile::tempdir().unwrap();
        write_map_output(dirs.path(), &segments());
        let (handler, address) = start(vec![dirs.path().to_path_buf()]);
        let cases = [
            (
                format!("/mapOutput?job={JOB}&reduce=0"),
                "missing parameter: map",
            ),
            (
                format!("/mapOutput?reduce=0&map={ATTEMPT}"),
                "missing parameter: job",
            ),
            (
                format!("/mapOutput?job={JOB}&map={ATTEMPT}"),
                "missing parameter: reduce",
            ),
            (
                target(JOB, 0, "../../etc"),
                "map: '../../etc' is not a map attempt",
            ),
            (
                target(JOB, 0, "attempt_1700000000000_0001_r_000003_0"),
                "is not a map attempt of job_1700000000000_0001",
            ),
            (
                target("job_local5_0001", 0, ATTEMPT),
                "job: invalid job id 'job_local5_0001'",
            ),
            (
                format!("/mapOutput?job={JOB}&reduce=-1&map={ATTEMPT}"),
                "reduce: invalid partition '-1'",
            ),
            (
                target(JOB, 3, ATTEMPT),
                "reduce: partition 3 is out of range",
            ),
        ];
        for (request, expected) in cases {
            let answer = get(address, &request).await;
            assert_eq!(answer.status, 400, "{request}: {}", answer.text());
            assert!(
                answer.text().contains(expected),
                "{request}: {}",
                answer.text()
            );
        }
        handler.stop();
    }

    #[tokio::test]
    async fn damaged_output_is_a_server_error_naming_the_file() {
        let dirs = tempfile::tempdir().unwrap();
        let output = write_map_output(dirs.path(), &segments());
        let (handler, address) = start(vec![dirs.path().to_path_buf()]);

        let data = output.join(MAP_OUTPUT_FILE);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&data)
            .unwrap()
            .set_len(100)
            .unwrap();
        let answer = get(address, &target(JOB, 2, ATTEMPT)).await;
        assert_eq!(answer.status, 500);
        assert!(
            answer.text().contains(&data.display().to_string()),
            "{}",
            answer.text()
        );

        let index = output.join(MAP_OUTPUT_INDEX_FILE);
        let mut bytes = std::fs::read(&index).unwrap();
        bytes[10] ^= 0x01;
        std::fs::write(&index, &bytes).unwrap();
        let answer = get(address, &target(JOB, 0, ATTEMPT)).await;
        assert_eq!(answer.status, 500);
        assert!(
            answer.text().contains(&index.display().to_string()),
            "{}",
            answer.text()
        );
        assert!(
            answer.text().contains("index checksum mismatch"),
            "{}",
            answer.text()
        );
        handler.stop();
    }

    #[tokio::test]
    async fn stop_closes_the_port() {
        let dirs = tempfile::tempdir().unwrap();
        let (handler, address) = start(vec![dirs.path().to_path_buf()]);
        assert_eq!(get(address, "/mapOutput").await.status, 400);
        handler.stop();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(address).await.is_ok() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{address} still accepts"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
