//! Socket helpers shared by the daemons' gRPC servers.

use tokio::net::{TcpListener, TcpStream};
use tokio_stream::Stream;
use tokio_stream::wrappers::TcpListenerStream;

/// The connections accepted on `listener`, with Nagle's algorithm off.
///
/// tonic's `Server::tcp_nodelay` does not reach sockets handed to
/// `serve_with_incoming*`; without this the tail of a multi-packet answer
/// waits for the peer's delayed ACK (40 ms).
pub fn nodelay_incoming(listener: TcpListener) -> impl Stream<Item = std::io::Result<TcpStream>> {
    tokio_stream::StreamExt::map(TcpListenerStream::new(listener), |stream| {
        if let Ok(stream) = &stream {
            let _ = stream.set_nodelay(true);
        }
        stream
    })
}
