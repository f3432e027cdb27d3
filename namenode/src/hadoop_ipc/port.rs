//! One port, two protocols: the RPC listener's connections are told apart by
//! their first four bytes. `hrpc` opens a Hadoop IPC connection, served here;
//! anything else (HTTP/2's preface, `PRI `) goes to tonic with those bytes
//! put back in front of the stream.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use common::net::{Admitted, ConnectionSlot, accept_connections};
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
    stop: watch::Receiver<bool>,
) {
    let limits = ipc.config.limits;
    let mut stopped = stop.clone();
    let until = async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    accept_connections(listener, limits, until, |stream, peer, slot| {
        let connection = Connection { stream, peer, slot };
        tokio::spawn(route(connection, ipc.clone(), grpc.clone(), stop.clone()));
    })
    .await;
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
