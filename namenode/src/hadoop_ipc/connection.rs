//! One Hadoop IPC connection, after its `hrpc`: the rest of the connection
//! header, the connection context (callId -3), then calls until the client
//! closes. Calls run concurrently, at most [`MAX_CALLS_IN_FLIGHT`] at a time
//! (reading stops while that many run), and are answered as they finish, in
//! any order, by one writer task. A FATAL failure is answered, logged with
//! the peer's address, and closes the connection; the NameNode goes on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::user::CallerContext;
use proto::hadoop::common::rpc_request_header_proto::OperationProto;
use proto::hadoop::common::{
    IpcConnectionContextProto, RequestHeaderProto, RpcKindProto, RpcRequestHeaderProto,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tonic::metadata::{Ascii, MetadataValue};
use tracing::{debug, warn};

use super::IpcServer;
use super::dispatch::{self, Call};
use super::errors::RpcFailure;
use super::framing::{
    AUTH_PROTOCOL_NONE, AUTH_PROTOCOL_SASL, CONNECTION_CONTEXT_CALL_ID, ConnectionHeader,
    FrameError, INVALID_CALL_ID, IPC_VERSION, PING_CALL_ID, SASL_CALL_ID, failure_frame,
    next_message, read_connection_header, read_frame,
};

/// Calls of one connection running at once.
const MAX_CALLS_IN_FLIGHT: usize = 64;
/// How long a client may take to send its connection header, and then its
/// connection context.
const HEADER_TIMEOUT: Duration = Duration::from_secs(20);
/// How long, after a FATAL answer, what the client still sends is read and
/// dropped: closing with unread bytes would reset the connection, and the
/// client could lose the answer.
const LINGER: Duration = Duration::from_secs(1);

/// Who calls on a connection, from its context.
#[derive(Debug)]
pub(super) struct ConnectionContext {
    /// The effective user, as the `x-tusk-user` metadata carries it; none
    /// when the client named none.
    pub user: Option<MetadataValue<Ascii>>,
    /// The protocol the connection was opened for.
    pub protocol: Option<String>,
}

/// How a connection ended.
enum End {
    /// The client closed it between frames.
    Closed,
    /// The NameNode is stopping.
    Stopped,
    /// It broke: a truncated frame, a reset, a silent client.
    Broken(FrameError),
    /// A FATAL failure, answered before closing.
    Fatal { call_id: i32, failure: RpcFailure },
}

/// What the writer task writes.
enum Outgoing {
    Answer(Vec<u8>),
    /// Writes the frame, if any, and closes the connection.
    Close(Option<Vec<u8>>),
}

/// Serves a connection whose `hrpc` was read.
pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    server: Arc<IpcServer>,
    mut stop: watch::Receiver<bool>,
) {
    let local = stream.local_addr().ok();
    let (mut reader, writer) = stream.into_split();
    let (answers, outgoing) = mpsc::channel(MAX_CALLS_IN_FLIGHT);
    let mut writer = tokio::spawn(write_answers(writer, outgoing, peer));
    let mut connection = Connection {
        peer,
        local,
        server,
        answers,
        in_flight: Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT)),
        context: None,
    };
    let end = tokio::select! {
        end = connection.read_requests(&mut reader) => end,
        _ = stop.wait_for(|stop| *stop) => End::Stopped,
    };
    // Stopping the NameNode cuts the closing short (and a Stopped end has
    // nothing to close).
    tokio::select! {
        _ = close(end, connection, &mut writer, &mut reader) => {}
        _ = stop.wait_for(|stop| *stop) => {}
    }
    writer.abort();
}

/// Answers a FATAL end, lets the running calls answer (the writer ends
/// once they have, or at once after a FATAL answer), and logs the end.
async fn close(
    end: End,
    connection: Connection,
    writer: &mut JoinHandle<()>,
    reader: &mut OwnedReadHalf,
) {
    let peer = connection.peer;
    let mut lingers = false;
    match end {
        End::Closed => debug!(%peer, "Hadoop IPC connection closed by the client"),
        End::Stopped => return,
        End::Broken(error) => warn!(%peer, %error, "Hadoop IPC connection dropped"),
        End::Fatal { call_id, failure } => {
            warn!(
                %peer,
                exception = %failure.class,
                error = %failure.message,
                "Hadoop IPC connection closed on a fatal error"
            );
            let frame = failure_frame(call_id, &failure);
            let _ = connection.answers.send(Outgoing::Close(Some(frame))).await;
            lingers = true;
        }
    }
    drop(connection);
    let _ = writer.await;
    if lingers {
        linger(reader).await;
    }
}

struct Connection {
    peer: SocketAddr,
    local: Option<SocketAddr>,
    server: Arc<IpcServer>,
    answers: mpsc::Sender<Outgoing>,
    in_flight: Arc<Semaphore>,
    context: Option<Arc<ConnectionContext>>,
}

impl Connection {
    async fn read_requests(&mut self, reader: &mut OwnedReadHalf) -> End {
        let header = match within(HEADER_TIMEOUT, read_connection_header(reader)).await {
            Ok(header) => header,
            Err(error) => return End::Broken(error),
        };
        if let Err(end) = check_connection_header(header) {
            return end;
        }
        let max_length = self.server.config.max_data_length;
        loop {
            let next_frame = read_frame(reader, max_length);
            let next_frame = if self.context.is_none() {
                within(HEADER_TIMEOUT, next_frame).await
            } else {
                next_frame.await
            };
            let frame = match next_frame {
                Ok(frame) => frame,
                Err(FrameError::Closed) => return End::Closed,
                Err(error @ FrameError::TooLong { .. }) => {
                    let message = format!("{error}.  RPC came from {}", self.peer.ip());
                    return fatal(INVALID_CALL_ID, RpcFailure::frame_too_long(message));
                }
                Err(error) => return End::Broken(error),
            };
            if let Err(end) = self.handle(frame).await {
                return end;
            }
        }
    }

    async fn handle(&mut self, mut frame: Bytes) -> Result<(), End> {
        let header: RpcRequestHeaderProto = next_message(&mut frame).map_err(|error| {
            fatal(
                INVALID_CALL_ID,
                RpcFailure::undecodable("the RPC header", &error),
            )
        })?;
        match header.call_id {
            CONNECTION_CONTEXT_CALL_ID => self.read_context(frame),
            PING_CALL_ID => Ok(()),
            SASL_CALL_ID => Err(fatal(SASL_CALL_ID, RpcFailure::sasl_refused())),
            call_id if call_id < 0 => Err(fatal(
                call_id,
                RpcFailure::invalid_header(format!("Unknown out of band call #{call_id}")),
            )),
            _ => self.start_call(header, frame).await,
        }
    }

    fn read_context(&mut self, mut frame: Bytes) -> Result<(), End> {
        let call_id = CONNECTION_CONTEXT_CALL_ID;
        if self.context.is_some() {
            let failure = RpcFailure::invalid_header("Connection context already processed");
            return Err(fatal(call_id, failure));
        }
        let context: IpcConnectionContextProto = next_message(&mut frame).map_err(|error| {
            fatal(
                call_id,
                RpcFailure::undecodable("the connection context", &error),
            )
        })?;
        let user_info = context.user_info.unwrap_or_default();
        let user = match (user_info.effective_user, user_info.real_user) {
            (Some(effective), Some(real)) if effective != real => {
                return Err(fatal(
                    call_id,
                    RpcFailure::impersonation_refused(&real, &effective),
                ));
            }
            (Some(effective), _) if !effective.is_empty() => {
                let value = MetadataValue::try_from(effective.as_str())
                    .map_err(|_| fatal(call_id, RpcFailure::invalid_user(&effective)))?;
                Some(value)
            }
            _ => None,
        };
        debug!(peer = %self.peer, user = ?user, protocol = ?context.protocol, "Hadoop IPC connection");
        self.context = Some(Arc::new(ConnectionContext {
            user,
            protocol: context.protocol,
        }));
        Ok(())
    }

    async fn start_call(
        &mut self,
        header: RpcRequestHeaderProto,
        mut frame: Bytes,
    ) -> Result<(), End> {
        let call_id = header.call_id;
        let Some(context) = self.context.clone() else {
            let failure = RpcFailure::invalid_header("Connection context not established");
            return Err(fatal(call_id, failure));
        };
        if header.rpc_kind != Some(RpcKindProto::RpcProtocolBuffer as i32) {
            let failure = RpcFailure::invalid_header(format!(
                "Unknown rpc kind in rpc header: {:?}; only RPC_PROTOCOL_BUFFER is served",
                header.rpc_kind
            ));
            return Err(fatal(call_id, failure));
        }
        if let Some(operation) = header.rpc_op
            && operation != OperationProto::RpcFinalPacket as i32
        {
            let failure = RpcFailure::invalid_header(format!(
                "IPC Server does not implement rpc header operation {operation}"
            ));
            return Err(fatal(call_id, failure));
        }
        let request_header: RequestHeaderProto = next_message(&mut frame).map_err(|error| {
            fatal(
                call_id,
                RpcFailure::undecodable("the request header", &error),
            )
        })?;
        let permit = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let call = Call {
            context,
            peer: self.peer,
            local: self.local,
            retry_count: header.retry_count(),
            client_id: header.client_id,
            call_id,
            caller_context: header.caller_context.map(|context| CallerContext {
                context: context.context,
                signature: context.signature.unwrap_or_default(),
            }),
        };
        let server = self.server.clone();
        let answers = self.answers.clone();
        tokio::spawn(async move {
            let answer = dispatch::answer(&server, &call, &request_header, frame).await;
            let _ = answers.send(Outgoing::Answer(answer)).await;
            drop(permit);
        });
        Ok(())
    }
}

/// `read`, or a timeout error once `limit` passed.
async fn within<T>(
    limit: Duration,
    read: impl Future<Output = Result<T, FrameError>>,
) -> Result<T, FrameError> {
    tokio::time::timeout(limit, read).await.unwrap_or_else(|_| {
        let silent = std::io::Error::new(std::io::ErrorKind::TimedOut, "the client went silent");
        Err(FrameError::Io(silent))
    })
}

fn fatal(call_id: i32, failure: RpcFailure) -> End {
    debug_assert!(failure.is_fatal());
    End::Fatal { call_id, failure }
}

fn check_connection_header(header: ConnectionHeader) -> Result<(), End> {
    if header.version != IPC_VERSION {
        return Err(fatal(
            INVALID_CALL_ID,
            RpcFailure::ipc_version_mismatch(header.version),
        ));
    }
    match header.auth_protocol {
        AUTH_PROTOCOL_NONE => Ok(()),
        AUTH_PROTOCOL_SASL => Err(fatal(SASL_CALL_ID, RpcFailure::sasl_refused())),
        other => Err(fatal(
            SASL_CALL_ID,
            RpcFailure::unknown_auth_protocol(other),
        )),
    }
}

async fn write_answers(
    mut writer: OwnedWriteHalf,
    mut outgoing: mpsc::Receiver<Outgoing>,
    peer: SocketAddr,
) {
    while let Some(next) = outgoing.recv().await {
        let (frame, close) = match next {
            Outgoing::Answer(frame) => (Some(frame), false),
            Outgoing::Close(frame) => (frame, true),
        };
        if let Some(frame) = frame
            && let Err(error) = writer.write_all(&frame).await
        {
            debug!(%peer, %error, "writing a Hadoop IPC answer failed");
            return;
        }
        if close {
            let _ = writer.shutdown().await;
            return;
        }
    }
}

async fn linger(reader: &mut OwnedReadHalf) {
    let mut dropped = vec![0u8; 8192];
    let drain = async {
        while let Ok(read) = reader.read(&mut dropped).await {
            if read == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}
