//! One port, two protocols: the RPC listener's connections are told apart by
//! their first four bytes. `hrpc` opens a Hadoop IPC connection, served here;
//! anything else (HTTP/2's preface, `PRI `) goes to tonic with those bytes
//! put back in front of the stream.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::task::{Context, Poll};

use common::net::{AcceptFailures, ConnectionSlot};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::debug;

use super::IpcServer;

/// The first bytes of a Hadoop IPC connection.
const HADOOP_IPC_MAGIC: [u8; 4] = *b"hrpc";
/// gRPC connections waiting for tonic to take them.
const GRPC_BACKLOG: usize = 128;

/// The gRPC connections of the shared port, for `serve_with_incoming*`.
pub(crate) type GrpcIncoming = ReceiverStream<io::Result<SniffedStream>>;

/// Accepts connections on `listener` until `stop`: Hadoop IPC ones are
/// served by `ipc`, the others are handed to tonic through the returned
/// stream (which ends when the accept loop does).
pub(crate) fn share_rpc_port(
    listener: TcpListener,
    ipc: Arc<IpcServer>,
    stop: watch::Receiver<bool>,
) -> (JoinHandle<()>, GrpcIncoming) {
    let (grpc, incoming) = mpsc::channel(GRPC_BACKLOG);
    let acceptor = tokio::spawn(accept_loop(listener, ipc, grpc, stop));
    (acceptor, ReceiverStream::new(incoming))
}

async fn accept_loop(
    listener: TcpListener,
    ipc: Arc<IpcServer>,
    grpc: mpsc::Sender<io::Result<SniffedStream>>,
    mut stop: watch::Receiver<bool>,
) {
    let address = listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |address| address.to_string());
    let limits = ipc.config.limits;
    let open = Arc::new(AtomicUsize::new(0));
    let mut failures = AcceptFailures::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
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
        // Without it the tail of a multi-packet answer waits for the peer's
        // delayed ACK (see common::net::incoming).
        let _ = stream.set_nodelay(true);
        let connection = Connection { stream, peer, slot };
        tokio::spawn(route(connection, ipc.clone(), grpc.clone(), stop.clone()));
    }
}

/// An accepted connection, counted against the port's cap while open.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    slot: ConnectionSlot,
}

/// Reads a connection's first bytes (in its own task: a silent client does
/// not hold up the accept loop) and hands the connection to its server.
async fn route(
    connection: Connection,
    ipc: Arc<IpcServer>,
    grpc: mpsc::Sender<io::Result<SniffedStream>>,
    stop: watch::Receiver<bool>,
) {
    let Connection {
        mut stream,
        peer,
        slot,
    } = connection;
    let silence = ipc.config.limits.silent_timeout;
    let mut first = [0u8; 4];
    match tokio::time::timeout(silence, stream.read_exact(&mut first)).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => {
            debug!(%peer, %error, "RPC connection closed before its first bytes");
            return;
        }
        Err(_) => {
            debug!(%peer, timeout = ?silence, "RPC connection sent nothing; closed");
            return;
        }
    }
    if first == HADOOP_IPC_MAGIC {
        super::connection::serve(stream, peer, ipc, stop).await;
        drop(slot);
    } else {
        let _ = grpc.send(Ok(SniffedStream::new(first, stream, slot))).await;
    }
}

/// A TCP stream whose first bytes were read to route it, and which yields
/// them again before the rest.
pub(crate) struct SniffedStream {
    first: [u8; 4],
    replayed: usize,
    stream: TcpStream,
    _slot: ConnectionSlot,
}

impl SniffedStream {
    fn new(first: [u8; 4], stream: TcpStream, slot: ConnectionSlot) -> Self {
        Self {
            first,
            replayed: 0,
            stream,
            _slot: slot,
        }
    }
}

impl AsyncRead for SniffedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.replayed < this.first.len() {
            let pending = &this.first[this.replayed..];
            let count = pending.len().min(buf.remaining());
            buf.put_slice(&pending[..count]);
            this.replayed += count;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SniffedStream {
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

/// The peer's address reaches tonic's requests (`Request::remote_addr`) as
/// for a plain TCP stream: placement and replica ordering use it.
impl Connected for SniffedStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::net::ConnectionLimits;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_sniffed_stream_yields_its_first_bytes_again() {
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
        let mut sniffed = SniffedStream::new(first, stream, slot);
        let mut all = Vec::new();
        sniffed.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"PRI * HTTP/2.0");
        assert_eq!(open.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(
            sniffed.connect_info().remote_addr.map(|a| a.ip()),
            Some(address.ip())
        );
        drop(sniffed);
        assert_eq!(open.load(std::sync::atomic::Ordering::Relaxed), 0);
    }
}
