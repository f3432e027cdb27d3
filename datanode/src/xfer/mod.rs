//! The data-transfer server: block reads and writes over plain TCP.
//!
//! Each connection carries one op (common::datatransfer framing). Writes flow
//! through a pipeline of DataNodes with acks coming back; reads stream
//! checksummed packets; BLOCK_CHECKSUM returns a replica's recorded digests.

mod read;
mod write;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::RemoteException;
use common::datatransfer::{self, DATA_TRANSFER_VERSION};
use proto::hdfs as pb;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::namenode::NamenodeLink;
use crate::storage::{BlockStore, StorageError};

pub use write::send_replica;

/// What every transfer needs.
pub struct TransferContext {
    pub store: Arc<BlockStore>,
    pub namenode: NamenodeLink,
    pub bytes_per_checksum: u32,
    /// Transfers under way, reported on heartbeats (placement avoids busy nodes).
    pub xceivers: AtomicU32,
}

/// Counts a transfer for as long as it lives.
pub(crate) struct XceiverGuard<'a>(&'a AtomicU32);

impl<'a> XceiverGuard<'a> {
    pub fn new(counter: &'a AtomicU32) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for XceiverGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts connections until `stop` turns true; transfers under way end
/// with it (their tasks live in a set dropped on return).
pub async fn serve(
    listener: TcpListener,
    context: Arc<TransferContext>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let context = context.clone();
                connections.spawn(async move {
                    if let Err(error) = handle(stream, &context).await {
                        debug!(%peer, %error, "data transfer ended with an error");
                    }
                });
            }
            Err(error) => {
                warn!(%error, "accepting a data-transfer connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle(mut stream: TcpStream, context: &TransferContext) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let _guard = XceiverGuard::new(&context.xceivers);
    let version = stream.read_u8().await?;
    if version != DATA_TRANSFER_VERSION {
        let response = error_response(
            pb::Status::ErrorInvalid,
            format!("unsupported data transfer version {version}"),
        );
        return datatransfer::write_message(&mut stream, &response).await;
    }
    let op: pb::DataTransferOp = datatransfer::read_message(&mut stream).await?;
    match op.op {
        Some(pb::data_transfer_op::Op::WriteBlock(op)) => {
            write::receive_block(stream, op, context).await
        }
        Some(pb::data_transfer_op::Op::ReadBlock(op)) => {
            read::send_block(stream, op, context).await
        }
        Some(pb::data_transfer_op::Op::BlockChecksum(op)) => {
            read::block_checksum(stream, op, context).await
        }
        Some(pb::data_transfer_op::Op::TransferBlock(_)) | None => {
            let response = error_response(
                pb::Status::ErrorInvalid,
                "unsupported data transfer op".into(),
            );
            datatransfer::write_message(&mut stream, &response).await
        }
    }
}

/// Why a connection to another DataNode's data-transfer server, or a
/// replica transfer over it, failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("cannot resolve {address}: {source}")]
    Resolve {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot resolve {address}")]
    Unresolved { address: String },
    #[error("connect to {address} timed out")]
    ConnectTimeout { address: String },
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: String,
        source: std::io::Error,
    },
    /// Sending or receiving on an established connection failed.
    #[error("{address}: {source}")]
    Io {
        address: String,
        source: std::io::Error,
    },
    #[error("{address} refused the transfer: {message}")]
    Refused { address: String, message: String },
    #[error("transfer failed downstream: {0:?}")]
    Downstream(Vec<i32>),
    #[error("transfer to {address} ended before its last packet was acknowledged")]
    Unacknowledged { address: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Join(#[from] tokio::task::JoinError),
}

/// Answers a request that lacks a required field (`ERROR_INVALID`, the
/// message naming the field) instead of serving it with a default.
pub(crate) async fn refuse_invalid(
    stream: &mut TcpStream,
    error: RemoteException,
) -> std::io::Result<()> {
    datatransfer::write_message(
        stream,
        &error_response(pb::Status::ErrorInvalid, error.message),
    )
    .await
}

pub(crate) fn error_response(status: pb::Status, message: String) -> pb::BlockOpResponse {
    pb::BlockOpResponse {
        status: status.into(),
        message,
        ..Default::default()
    }
}

pub(crate) fn success_response() -> pb::BlockOpResponse {
    pb::BlockOpResponse {
        status: pb::Status::Success.into(),
        ..Default::default()
    }
}
