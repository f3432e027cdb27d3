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
