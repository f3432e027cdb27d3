//! One port, two protocols: the RPC listener's connections are told apart by
//! their first four bytes. `hrpc` opens a Hadoop IPC connection, served here;
//! anything else (HTTP/2's preface, `PRI `) goes to tonic with those bytes
//! put back in front of the stream.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use common::net::{AcceptFailures, Admitted, ConnectionSlot};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tracing::debug;

use super::IpcServer;

/// The first bytes of a Hadoop IPC connection.
const HADOOP_IPC_MAGIC: [u8; 4] = *b"hrpc";
/// gRPC connections waiting for tonic to take them.
const GRPC_BACKLOG: usize = 128;

/// The gRPC connections of the shared port, for `serve_with_incoming*`.
pub(crate) type GrpcIncoming = ReceiverStream<io::Result<Admitted>>;

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
    grpc: mpsc::Sender<io::Result<Admitted>>,
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
    grpc: mpsc::Sender<io::Result<Admitted>>,
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
        let connection = Admitted::replaying(first, first.len(), stream, slot);
        let _ = grpc.send(Ok(connection)).await;
    }
}
