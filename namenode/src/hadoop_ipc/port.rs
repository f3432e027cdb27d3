//! One port, two protocols: the RPC listener's connections are told apart by
//! their first four bytes. `hrpc` opens a Hadoop IPC connection, served here;
//! anything else (HTTP/2's preface, `PRI `) goes to tonic with those bytes
//! put back in front of the stream.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::{debug, warn};

use super::IpcServer;

/// The first bytes of a Hadoop IPC connection.
const HADOOP_IPC_MAGIC: [u8; 4] = *b"hrpc";
/// How long a new connection may take to send its first four bytes.
const FIRST_BYTES_TIMEOUT: Duration = Duration::from_secs(20);
/// The pause after a failed accept (out of file descriptors, say), so the
/// loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
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
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                warn!(%error, "accepting an RPC connection failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Without it the tail of a multi-packet answer waits for the peer's
        // delayed ACK (see common::net::nodelay_incoming).
        let _ = stream.set_nodelay(true);
        tokio::spawn(route(stream, peer, ipc.clone(), grpc.clone(), stop.clone()));
    }
}

/// Reads a connection's first bytes (in its own task: a silent client does
/// not hold up the accept loop) and hands the connection to its server.
async fn route(
    mut stream: TcpStream,
    peer: SocketAddr,
    ipc: Arc<IpcServer>,
    grpc: mpsc::Sender<io::Result<SniffedStream>>,
    stop: watch::Receiver<bool>,
) {
    let mut first = [0u8; 4];
    match tokio::time::timeout(FIRST_BYTES_TIMEOUT, stream.read_exact(&mut first)).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => {
            debug!(%peer, %error, "RPC connection closed before its first bytes");
            return;
        }
        Err(_) => {
            debug!(%peer, timeout = ?FIRST_BYTES_TIMEOUT, "RPC connection sent nothing; closed");
            return;
        }
    }
    if first == HADOOP_IPC_MAGIC {
        super::connection::serve(stream, peer, ipc, stop).await;
    } else {
        let _ = grpc.send(Ok(SniffedStream::new(first, stream))).await;
    }
}

/// A TCP stream whose first bytes were read to route it, and which yields
/// them again before the rest.
pub(crate) struct SniffedStream {
    first: [u8; 4],
    replayed: usize,
    stream: TcpStream,
}

impl SniffedStream {
    fn new(first: [u8; 4], stream: TcpStream) -> Self {
        Self {
            first,
            replayed: 0,
            stream,
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
        let mut sniffed = SniffedStream::new(first, stream);
        let mut all = Vec::new();
        sniffed.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"PRI * HTTP/2.0");
        assert_eq!(
            sniffed.connect_info().remote_addr.map(|a| a.ip()),
            Some(address.ip())
        );
    }
}
