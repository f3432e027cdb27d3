//! Sockets shared by the daemons: the accept loop of their gRPC servers,
//! with Hadoop's connection limits, and the words a client uses when a
//! connection fails.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::{debug, warn};

use crate::Configuration;
use crate::conf::{ConfError, TimeUnit, keys};

/// The pause after a failed accept (out of file descriptors, say), so the
/// loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How often a failing accept is logged at most.
const ACCEPT_WARNING_PERIOD: Duration = Duration::from_secs(10);
/// Connections admitted but not yet taken by the server.
const BACKLOG: usize = 128;

/// Hadoop's limits on a server's connections (`ipc.server.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `ipc.server.max.connections`: open connections beyond it are closed
    /// at once; 0 means no limit.
    pub max_connections: usize,
    /// How long a new connection may send nothing before it is closed:
    /// Hadoop's idle time, twice `ipc.client.connection.maxidletime`.
    pub silent_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// Hadoop's defaults: no cap, 20 s of silence.
    fn default() -> Self {
        Self {
            max_connections: 0,
            silent_timeout: Duration::from_secs(20),
        }
    }
}

impl ConnectionLimits {
    /// The limits `conf` sets.
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        Ok(Self {
            max_connections: conf.get_u32(keys::IPC_SERVER_MAX_CONNECTIONS)? as usize,
            silent_timeout: conf
                .get_duration(
                    keys::IPC_CLIENT_CONNECTION_MAXIDLETIME,
                    TimeUnit::Milliseconds,
                )?
                .saturating_mul(2),
        })
    }

    /// The limits `conf` sets; Hadoop's defaults, with a warning naming the
    /// key, where it sets them badly (a server still starts).
    pub fn of(conf: &Configuration) -> Self {
        Self::from_conf(conf).unwrap_or_else(|error| {
            warn!(%error, "using the default connection limits");
            Self::default()
        })
    }

    /// A slot for a new connection from `peer` among the `open` ones, or
    /// `None` (logged) when the server is full.
    pub fn admit(&self, open: &Arc<AtomicUsize>, peer: SocketAddr) -> Option<ConnectionSlot> {
        let now_open = open.fetch_add(1, Ordering::AcqRel) + 1;
        let slot = ConnectionSlot(open.clone());
        if self.max_connections != 0 && now_open > self.max_connections {
            warn!(
                %peer,
                max = self.max_connections,
                "Server connection from {peer} refused: too many connections (ipc.server.max.connections={})",
                self.max_connections
            );
            return None;
        }
        Some(slot)
    }
}

/// One open connection, counted until dropped.
#[derive(Debug)]
pub struct ConnectionSlot(Arc<AtomicUsize>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Logs failed accepts at most every [`ACCEPT_WARNING_PERIOD`] and pauses
/// after each, so a server out of file descriptors says so and does not spin.
#[derive(Default)]
struct AcceptFailures {
    last_warning: Option<Instant>,
    since_warning: u64,
}

impl AcceptFailures {
    /// Notes a failed accept on `address`; returns after the back-off.
    async fn failed(&mut self, address: &str, error: &io::Error) {
        self.since_warning += 1;
        let due = self
            .last_warning
            .is_none_or(|last| last.elapsed() >= ACCEPT_WARNING_PERIOD);
        if due {
            warn!(
                %error,
                failures = self.since_warning,
                "Accepting a connection on {address} failed; retrying every {} ms",
                ACCEPT_BACKOFF.as_millis()
            );
            self.last_warning = Some(Instant::now());
            self.since_warning = 0;
        }
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    }
}

/// The connections of `listener` for a tonic server (`serve_with_incoming*`),
/// accepted in a task of their own under `limits`: Nagle's algorithm off
/// (tonic's `Server::tcp_nodelay` does not reach sockets handed to it, and
/// without it the tail of a multi-packet answer waits for the peer's
/// delayed ACK), a connection over the cap closed, one silent for too long
/// closed, a failing accept logged and retried. The loop ends when the
/// server drops the stream.
pub fn incoming(
    listener: TcpListener,
    limits: ConnectionLimits,
) -> ReceiverStream<io::Result<Admitted>> {
    let (admitted, stream) = mpsc::channel(BACKLOG);
    tokio::spawn(accept_loop(listener, limits, admitted));
    ReceiverStream::new(stream)
}

async fn accept_loop(
    listener: TcpListener,
    limits: ConnectionLimits,
    admitted: mpsc::Sender<io::Result<Admitted>>,
) {
    let closed = admitted.clone();
    accept_connections(listener, limits, closed.closed(), |stream, peer, slot| {
        let admitted = admitted.clone();
        tokio::spawn(async move {
            if await_first_bytes(&stream, peer, limits.silent_timeout).await {
                let _ = admitted.send(Ok(Admitted::new(stream, slot))).await;
            }
        });
    })
    .await;
}

/// Accepts connections on `listener` until `until` completes, handing each
/// to `serve` (which should spawn its work) with Nagle's algorithm off and
/// its slot under `limits`: one over the cap is closed, a failing accept is
/// logged and retried ([`AcceptFailures`]).
pub async fn accept_connections(
    listener: TcpListener,
    limits: ConnectionLimits,
    until: impl std::future::Future<Output = ()>,
    mut serve: impl FnMut(TcpStream, SocketAddr, ConnectionSlot),
) {
    let address = listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |address| address.to_string());
    let open = Arc::new(AtomicUsize::new(0));
    let mut failures = AcceptFailures::default();
    let mut until = std::pin::pin!(until);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut until => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                failures.failed(&address, &error).await;
                continue;
            }
        };
        let Some(slot) = limits.admit(&open, peer) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        serve(stream, peer, slot);
    }
}

/// Whether `stream` sends something within `timeout` (peeked, left to be
/// read); a silent connection holds a descriptor for nothing.
async fn await_first_bytes(stream: &TcpStream, peer: SocketAddr, timeout: Duration) -> bool {
    let mut first = [0u8; 1];
    match tokio::time::timeout(timeout, stream.peek(&mut first)).await {
        Ok(Ok(read)) => read > 0,
        Ok(Err(error)) => {
            debug!(%peer, %error, "connection closed before its first bytes");
            false
        }
        Err(_) => {
            debug!(%peer, ?timeout, "connection sent nothing; closed");
            false
        }
    }
}

/// An accepted connection, counted against its server's cap while open. A
/// connection whose first bytes were read to route it yields them again
/// before the rest ([`Admitted::replaying`]).
pub struct Admitted {
    stream: TcpStream,
    _slot: ConnectionSlot,
    first: [u8; 4],
    /// How many of `first` are to be yielded again, and how many were.
    first_len: usize,
    replayed: usize,
}

impl Admitted {
    fn new(stream: TcpStream, slot: ConnectionSlot) -> Self {
        Self::replaying([0; 4], 0, stream, slot)
    }

    /// A connection whose first `len` bytes, `first`, were read already.
    pub fn replaying(first: [u8; 4], len: usize, stream: TcpStream, slot: ConnectionSlot) -> Self {
        Self {
            stream,
            _slot: slot,
            first,
            first_len: len.min(first.len()),
            replayed: 0,
        }
    }
}

impl AsyncRead for Admitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.replayed < this.first_len {
            let pending = &this.first[this.replayed..this.first_len];
            let count = pending.len().min(buf.remaining());
            buf.put_slice(&pending[..count]);
            this.replayed += count;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Admitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The peer's address reaches tonic's requests (`Request::remote_addr`).
impl Connected for Admitted {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

/// Hadoop's wiki page a connection failure's message points to
/// (`NetUtils.wrapException`).
const HADOOP_WIKI: &str = " For more details see:  http://wiki.apache.org/hadoop/";

/// `host/ip` of this machine, as Hadoop's `NetUtils.getHostname()` names the
/// caller in connection failures. Looked up once.
pub fn local_host_details() -> &'static str {
    static DETAILS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DETAILS.get_or_init(|| {
        let host = crate::metrics::hostname();
        let ip = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), 0))
            .ok()
            .and_then(|mut addresses| addresses.next())
            .map_or_else(
                || "127.0.0.1".to_string(),
                |address| address.ip().to_string(),
            );
        format!("{host}/{ip}")
    })
}

/// What went wrong on a connection to `to` (`host:port`), in the words of
/// Hadoop's `NetUtils.wrapException`: the caller, the address, the Java
/// exception the cause corresponds to, and the wiki page.
/// `Call From h/10.0.0.1 to nn:8020 failed on connection exception:
/// java.net.ConnectException: Connection refused; For more details see: ...`
pub fn describe_connection_failure(to: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let local = local_host_details();
    let (host, port) = to.rsplit_once(':').unwrap_or((to, "0"));
    let io = io_cause(error);
    if chain(error).any(|cause| cause.to_string() == "dns error") {
        return format!(
            "Invalid host name: local host is: \"{local}\"; destination host is: \"{host}\":{port}; \
             java.net.UnknownHostException: {host};{HADOOP_WIKI}UnknownHost"
        );
    }
    let Some(io) = io else {
        return format!(
            "DestHost:destPort {to} , LocalHost:localPort {local}:0. Failed on local exception: \
             java.io.IOException: {}",
            chain(error)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ")
        );
    };
    let cause = strip_os_error(io);
    match io.kind() {
        std::io::ErrorKind::ConnectionRefused => format!(
            "Call From {local} to {to} failed on connection exception: \
             java.net.ConnectException: {cause};{HADOOP_WIKI}ConnectionRefused"
        ),
        std::io::ErrorKind::TimedOut => format!(
            "Call From {local} to {to} failed on socket timeout exception: \
             java.net.SocketTimeoutException: {cause};{HADOOP_WIKI}SocketTimeout"
        ),
        std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable => format!(
            "No Route to Host from  {local} to {to} failed on socket timeout exception: \
             java.net.NoRouteToHostException: {cause};{HADOOP_WIKI}NoRouteToHost"
        ),
        std::io::ErrorKind::UnexpectedEof => format!(
            "End of File Exception between local host is: \"{local}\"; destination host is: \
             \"{host}\":{port}; : java.io.EOFException;{HADOOP_WIKI}EOFException"
        ),
        _ => format!(
            "Call From {local} to {to} failed on socket exception: \
             java.net.SocketException: {cause};{HADOOP_WIKI}SocketException"
        ),
    }
}

/// Whether `message` (from [`describe_connection_failure`]) says no
/// connection could be made, so nothing was sent: a call is safe to retry.
pub fn is_connection_refused(message: &str) -> bool {
    message.contains("failed on connection exception: java.net.ConnectException")
}

fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |error| error.source())
}

fn io_cause<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    chain(error).find_map(|cause| cause.downcast_ref::<std::io::Error>())
}

/// `Connection refused (os error 111)` as Java says it: `Connection refused`.
fn strip_os_error(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapped(&'static str, Option<std::io::Error>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_ref().map(|error| error as _)
        }
    }

    /// Whether the server closed `stream` (a read sees the end or a reset).
    async fn closed(stream: &mut TcpStream) -> bool {
        use tokio::io::AsyncReadExt;
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    #[tokio::test]
    async fn the_cap_and_the_silence_timeout_close_connections_and_talkers_are_served() {
        use tokio::io::AsyncWriteExt;
        use tokio_stream::StreamExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let limits = ConnectionLimits {
            max_connections: 2,
            silent_timeout: Duration::from_millis(300),
        };
        let mut admitted = incoming(listener, limits);
        let mut talker = TcpStream::connect(address).await.unwrap();
        talker.write_all(b"hello").await.unwrap();
        let mut served = admitted.next().await.unwrap().unwrap();
        let mut silent = TcpStream::connect(address).await.unwrap();
        let mut over_cap = TcpStream::connect(address).await.unwrap();
        assert!(
            closed(&mut over_cap).await,
            "a third connection is over the cap"
        );
        assert!(closed(&mut silent).await, "a silent connection is closed");
        let mut hello = [0u8; 5];
        tokio::io::AsyncReadExt::read_exact(&mut served, &mut hello)
            .await
            .unwrap();
        assert_eq!(&hello, b"hello");
        drop((served, talker));
        // The slots are free again.
        let mut next = TcpStream::connect(address).await.unwrap();
        next.write_all(b"x").await.unwrap();
        assert!(admitted.next().await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_replaying_connection_yields_its_first_bytes_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(b"PRI * HTTP/2.0").await.unwrap();
        });
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 4];
        stream.read_exact(&mut first).await.unwrap();
        client.await.unwrap();
        let open = Arc::new(AtomicUsize::new(0));
        let slot = ConnectionLimits::default().admit(&open, address).unwrap();
        let mut replaying = Admitted::replaying(first, first.len(), stream, slot);
        let mut all = Vec::new();
        replaying.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"PRI * HTTP/2.0");
        assert_eq!(open.load(Ordering::Relaxed), 1);
        assert_eq!(
            replaying.connect_info().remote_addr.map(|a| a.ip()),
            Some(address.ip())
        );
        drop(replaying);
        assert_eq!(open.load(Ordering::Relaxed), 0, "the slot is given back");
    }

    #[test]
    fn failures_name_the_caller_the_address_and_the_cause_as_hadoop_does() {
        let local = local_host_details();
        let refused = Wrapped(
            "tcp connect error",
            Some(std::io::Error::from_raw_os_error(111)),
        );
        let message = describe_connection_failure("127.0.0.1:1", &refused);
        assert_eq!(
            message,
            format!(
                "Call From {local} to 127.0.0.1:1 failed on connection exception: \
                 java.net.ConnectException: Connection refused; For more details see:  \
                 http://wiki.apache.org/hadoop/ConnectionRefused"
            )
        );
        assert!(is_connection_refused(&message));

        let dns = Wrapped("dns error", Some(std::io::Error::other("no such host")));
        let message = describe_connection_failure("nn.invalid:8020", &dns);
        assert!(
            message.starts_with(&format!(
                "Invalid host name: local host is: \"{local}\"; destination host is: \
                 \"nn.invalid\":8020; java.net.UnknownHostException: nn.invalid;"
            )),
            "{message}"
        );
        assert!(!is_connection_refused(&message));

        let reset = Wrapped(
            "connection error",
            Some(std::io::ErrorKind::ConnectionReset.into()),
        );
        let message = describe_connection_failure("dn:9866", &reset);
        assert!(
            message.contains("to dn:9866 failed on socket exception: java.net.SocketException"),
            "{message}"
        );

        let closed = Wrapped("connection closed before message completed", None);
        let message = describe_connection_failure("nn:8020", &closed);
        assert!(
            message.starts_with("DestHost:destPort nn:8020 , LocalHost:localPort")
                && message
                    .ends_with("java.io.IOException: connection closed before message completed"),
            "{message}"
        );
    }
}
