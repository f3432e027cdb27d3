//! The data-transfer server: block reads and writes over plain TCP, in
//! Tusk's own framing or Hadoop's DataTransferProtocol.
//!
//! A connection's first byte says which: Tusk's starts with its version
//! byte (28), Hadoop's with its u16 version (28, so 0x00 first). Each
//! framing has a thin adapter (`tusk`, `hadoop`) decoding its ops into the
//! shared paths: `write` (pipelines, acks, finalize and the NameNode's
//! incremental report, replica copies), `read` (checksummed packets) and
//! `checksum` (Hadoop's block checksums); `framing` encodes what those
//! paths send in either framing.

mod checksum;
mod framing;
mod hadoop;
mod read;
mod tusk;
mod write;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::datatransfer::DATA_TRANSFER_VERSION;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::namenode::NamenodeLink;
use crate::storage::{BlockStore, StorageError};

pub use framing::Status;
pub use tusk::send_replica;

/// What every transfer needs.
pub struct TransferContext {
    pub store: Arc<BlockStore>,
    pub namenode: NamenodeLink,
    pub bytes_per_checksum: u32,
    /// Transfers under way, reported on heartbeats (placement avoids busy nodes).
    pub xceivers: AtomicU32,
    /// How long a peer has to send an op, or to answer one
    /// (`dfs.client.socket-timeout`, as Hadoop's DataXceiver): a silent
    /// connection does not hold a transfer slot and a descriptor forever.
    pub op_timeout: std::time::Duration,
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
                    if let Err(error) = handle(stream, peer, &context).await {
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

/// The first byte of a SASL handshake (its magic number 0xDEADBEEF).
const SASL_FIRST_BYTE: u8 = 0xde;

async fn handle(
    mut stream: TcpStream,
    peer: SocketAddr,
    context: &TransferContext,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let _guard = XceiverGuard::new(&context.xceivers);
    let first = tokio::time::timeout(context.op_timeout, stream.read_u8())
        .await
        .map_err(|_| no_op_within(context.op_timeout))??;
    match first {
        0 => hadoop::serve(stream, peer, context).await,
        DATA_TRANSFER_VERSION => tusk::serve(stream, first, context).await,
        SASL_FIRST_BYTE => {
            warn!(%peer, "refused a data-transfer connection: SASL data transfer protection is not supported");
            hadoop::close_gracefully(stream).await;
            Ok(())
        }
        _ => {
            warn!(%peer, first_byte = first, "data-transfer connection starts with neither framing's version");
            tusk::serve(stream, first, context).await
        }
    }
}

/// The error of a peer that sent no op in time.
pub(super) fn no_op_within(timeout: std::time::Duration) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no op within {} ms", timeout.as_millis()),
    )
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
    Downstream(Vec<Status>),
    #[error("transfer to {address} ended before its last packet was acknowledged")]
    Unacknowledged { address: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Join(#[from] tokio::task::JoinError),
}
