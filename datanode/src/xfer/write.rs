//! The write path, whichever protocol carries it: receiving a block through
//! a pipeline, and sending a replica to other DataNodes. The protocol
//! adapters (`tusk`, `hadoop`) decode their op into a [`WriteRequest`];
//! everything after that is here, speaking either [`Framing`].
//!
//! Receiving: packets from upstream are mirrored to the next DataNode (the
//! pipeline's last node checks every chunk's CRC32C instead), then written
//! to the local replica. An ack task waits for each packet's local write and
//! the downstream ack (in seqno order) and sends upstream one status per
//! DataNode from here on. The last packet finalizes the replica and tells
//! the NameNode before it is acked, so a client that saw its last ack can
//! close the file at once. Replica digests are not computed here: the
//! DataNode's digester records them after finalize. Heartbeat packets
//! (no data) pass down the pipeline and are acked like any other; a packet
//! asking for a sync (Hadoop's hsync) is fsync'd before it is acked.
//!
//! Hadoop's transfers (TRANSFER_RBW / TRANSFER_FINALIZED, a DataNode copying
//! a replica to one added to a pipeline) ack nothing per packet: the
//! receiver replies once, after the last packet ([`AckMode::OnClose`]).
//!
//! An append (`Append`) reopens the finalized replica at the new
//! generation stamp; its first packet starts inside the partial last chunk
//! and ends at most at that chunk's end, so its one CRC (checked by the last
//! node, as any other) covers the new bytes only, and the store extends the
//! chunk's stored CRC over them. A packet may also start at the chunk
//! boundary before the replica's end (a Hadoop writer resending the partial
//! chunk it flushed): the store skips the bytes it has.
//!
//! A packet's write goes to the page cache from the receiving task itself,
//! as HDFS's BlockReceiver writes from its own thread: it takes tens of
//! microseconds, and handing every packet to a disk thread and back cost
//! more CPU per byte than the overlap gained (BENCHMARKS.md, session 9).
//! Finalize and sync, whose fsync waits for the disk, run on the blocking
//! pool.
//!
//! Packet data passes through this process even on a middle node. Moving it
//! between socket, pipe and file with `splice` and `tee` instead was
//! measured slower (BENCHMARKS.md, session 8).

use std::time::Duration;

use common::datatransfer::{self, PacketBuffer};
use common::ids::{BlockId, GenerationStamp};
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::framing::{Ack, Downstream, Framing, Reply, Status};
use super::read::stream_packets;
use super::{TransferContext, TransferError};
use crate::namenode::NamenodeLink;
use crate::storage::{
    BlockKey, ReplicaInfo, ReplicaReader, ReplicaState, ReplicaWriter, StorageError,
};

/// Read buffer of a pipeline's incoming packets (and of the acks coming
/// back). One call takes a packet's header, checksum table and first data;
/// the rest of its data, larger than the buffer, goes from the socket
/// straight into the packet (tokio's `BufReader` skips its buffer for such
/// reads) instead of being copied through here. Smaller buffers copy less
/// but take more, shorter reads when the sender is the slower side.
const RECEIVE_BUFFER: usize = 16 * 1024;
/// Write buffer of the acks sent upstream (an ack is a few bytes).
const ACK_BUFFER: usize = 8 * 1024;
/// How long close recovery waits for a replica still being flushed.
const CLOSE_RECOVERY_WAIT: Duration = Duration::from_secs(10);

/// How a write opens the local replica and how it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteStage {
    /// A new block written by a client.
    Create,
    /// A client appending to the replica (finalized, or left being written
    /// by a failed append), which holds `bytes_acked` bytes.
    Append,
    /// A client resuming its pipeline after a DataNode failed: the rbw
    /// replica is cut to `bytes_acked` and moves to the new stamp.
    StreamingRecovery,
    /// A client whose pipeline failed after its last packet: the replica
    /// ends finalized at the new stamp. No data follows.
    CloseRecovery,
    /// A copy of a replica from another DataNode, finalized at its end
    /// (re-replication, Hadoop's TRANSFER_FINALIZED); it replaces a replica
    /// a failed write left being written here.
    TransferFinalized,
    /// Hadoop's TRANSFER_RBW: a copy of a replica being written, for a
    /// DataNode added to a pipeline; it stays being written (the client's
    /// recovery continues it).
    TransferRbw,
}

impl WriteStage {
    fn is_transfer(self) -> bool {
        matches!(
            self,
            WriteStage::TransferFinalized | WriteStage::TransferRbw
        )
    }
}

/// How the receiver answers the packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckMode {
    /// A pipeline ack per packet, one status per DataNode from here on.
    PerPacket,
    /// One reply after the last packet (Hadoop's transfers).
    OnClose,
}

/// A WRITE_BLOCK, as the protocol adapters decode it.
#[derive(Clone, Debug)]
pub(crate) struct WriteRequest {
    pub block_id: u64,
    /// The block's stamp as the op names it (a new replica gets it).
    pub generation_stamp: u64,
    pub stage: WriteStage,
    /// Append and recoveries: the stamp the replica moves to.
    pub new_generation_stamp: u64,
    /// Append and recoveries: the bytes the client had acknowledged.
    pub bytes_acked: u64,
    pub bytes_per_checksum: u32,
    /// The rest of the pipeline: its first DataNode and the op it gets.
    pub downstream: Option<Downstream>,
    pub acks: AckMode,
}

/// What this DataNode did with one packet, for the ack task.
struct PacketOutcome {
    seqno: i64,
    status: Status,
    /// No packet follows: the block ended or this node failed.
    last: bool,
    finalized: Option<ReplicaInfo>,
}

impl PacketOutcome {
    fn written(seqno: i64) -> Self {
        Self {
            seqno,
            status: Status::Success,
            last: false,
            finalized: None,
        }
    }

    fn ended(seqno: i64, finalized: Option<ReplicaInfo>) -> Self {
        Self {
            seqno,
            status: Status::Success,
            last: true,
            finalized,
        }
    }

    fn failed(seqno: i64, status: Status) -> Self {
        Self {
            seqno,
            status,
            last: true,
            finalized: None,
        }
    }
}

/// Receives a block: opens the local replica, sets the rest of the
/// pipeline up, answers upstream, then stores (and mirrors) packets until
/// the last one while the ack task answers them.
pub(crate) async fn receive_block(
    stream: TcpStream,
    framing: Framing,
    request: WriteRequest,
    context: &TransferContext,
) -> std::io::Result<()> {
    if request.stage == WriteStage::CloseRecovery {
        return recover_close(stream, framing, request, context).await;
    }
    let (upstream_read, mut upstream_write) = stream.into_split();
    let mut upstream_read = BufReader::with_capacity(RECEIVE_BUFFER, upstream_read);
    let bytes_per_checksum = request.bytes_per_checksum;
    let mut writer = match open_writer(context, &request).await? {
        Ok(writer) => writer,
        Err(error) => {
            let reply = Reply::error(Status::Error, error.to_string());
            return framing.write_reply(&mut upstream_write, &reply).await;
        }
    };
    let key = writer.block();
    // A replica this setup did not create holds data written before: a
    // failed setup leaves it for the client's next attempt.
    let created_here = matches!(request.stage, WriteStage::Create) || request.stage.is_transfer();

    // Set up the rest of the pipeline before answering upstream.
    let mut downstream = None;
    if let Some(next) = &request.downstream {
        match next.connect(context.namenode.node_name()).await {
            Ok((stream, reply)) if reply.status == Status::Success => {
                downstream = Some((next.framing(), next.address.clone(), stream.into_split()))
            }
            Ok((_, reply)) => {
                let bad = if reply.first_bad_link.is_empty() {
                    next.address.clone()
                } else {
                    reply.first_bad_link
                };
                let message = format!("downstream failed: {}", reply.message);
                let refusal = Reply::error(Status::Error, message).with_bad_link(bad);
                return refuse(framing, &mut upstream_write, writer, created_here, refusal).await;
            }
            Err(error) => {
                let refusal = Reply::error(Status::Error, error.to_string())
                    .with_bad_link(next.address.clone());
                return refuse(framing, &mut upstream_write, writer, created_here, refusal).await;
            }
        }
    }
    framing
        .write_reply(&mut upstream_write, &Reply::success())
        .await?;

    let (done_sender, done_receiver) = mpsc::unbounded_channel::<PacketOutcome>();
    let (downstream_read, mut downstream_write) = match downstream {
        Some((downstream_framing, address, (read, write))) => (
            Some(DownstreamAcks {
                framing: downstream_framing,
                address,
                reader: BufReader::with_capacity(RECEIVE_BUFFER, read),
            }),
            Some((downstream_framing, write)),
        ),
        None => (None, None),
    };
    let acks = AckTask {
        framing,
        done: done_receiver,
        downstream: downstream_read,
        upstream: BufWriter::with_capacity(ACK_BUFFER, upstream_write),
        namenode: context.namenode.clone(),
    };
    let ack_mode = request.acks;
    let acks = tokio::spawn(async move {
        match ack_mode {
            AckMode::PerPacket => acks.per_packet().await,
            AckMode::OnClose => acks.on_close().await,
        }
    });

    let finalize_at_end = request.stage != WriteStage::TransferRbw;
    // One buffer, reused for every packet: no allocation per packet.
    let mut packet = PacketBuffer::default();
    loop {
        if let Err(error) = framing
            .read_packet(&mut upstream_read, &mut packet, bytes_per_checksum)
            .await
        {
            // The writer is dropped, leaving the rbw replica for recovery.
            debug!(block = key.id, %error, "upstream closed the write pipeline");
            break;
        }
        let seqno = packet.header.seqno;
        // The pipeline's last node verifies the chunks (as HDFS does): the
        // nodes before it forward the same bytes, and nothing is acked
        // before the last node checked it. A node whose mirror failed is
        // the last one from then on.
        if downstream_write.is_none()
            && datatransfer::verify_chunks(&packet.data, bytes_per_checksum, &packet.checksums)
                .is_err()
        {
            warn!(block = key.id, seqno, "checksum error in received packet");
            let _ = done_sender.send(PacketOutcome::failed(seqno, Status::ErrorChecksum));
            break;
        }
        if let Some((mirror_framing, mirror)) = downstream_write.as_mut()
            && let Err(error) = mirror_framing.write_packet(mirror, &mut packet).await
        {
            // The ack task reports the downstream failure from its side.
            debug!(block = key.id, %error, "mirroring to the next datanode failed");
            downstream_write = None;
        }
        if packet.header.last_packet_in_block {
            let done = tokio::task::spawn_blocking(move || {
                write_last_packet(writer, &packet, finalize_at_end)
            })
            .await
            .map_err(std::io::Error::other)?;
            let _ = done_sender.send(done);
            break;
        }
        let stored = if packet.sync_block {
            // The fsync waits for the disk: off this task, buffers and all.
            let (returned_writer, returned_packet, stored) =
                tokio::task::spawn_blocking(move || {
                    let stored = store_packet(&mut writer, &packet).and_then(|()| writer.sync());
                    (writer, packet, stored)
                })
                .await
                .map_err(std::io::Error::other)?;
            writer = returned_writer;
            packet = returned_packet;
            stored
        } else {
            store_packet(&mut writer, &packet)
        };
        if let Err(error) = stored {
            warn!(block = key.id, %error, "writing a replica failed");
            let _ = done_sender.send(PacketOutcome::failed(seqno, Status::Error));
            break;
        }
        let _ = done_sender.send(PacketOutcome::written(seqno));
    }
    drop(done_sender);
    drop(downstream_write);
    let _ = acks.await;
    Ok(())
}

/// Opens the local replica the request's stage writes (blocking work, on
/// the blocking pool); the outer error is the pool's.
async fn open_writer(
    context: &TransferContext,
    request: &WriteRequest,
) -> std::io::Result<Result<ReplicaWriter, StorageError>> {
    let store = context.store.clone();
    let store_bytes_per_checksum = context.bytes_per_checksum;
    let request = request.clone();
    tokio::task::spawn_blocking(move || {
        let block_id = request.block_id;
        let new_stamp = GenerationStamp(request.new_generation_stamp);
        match request.stage {
            WriteStage::StreamingRecovery => {
                store.recover_rbw(BlockId(block_id), new_stamp, request.bytes_acked)
            }
            WriteStage::Append => store.append(
                BlockId(block_id),
                new_stamp,
                request.bytes_acked,
                request.bytes_per_checksum,
            ),
            WriteStage::CloseRecovery => Err(StorageError::InvalidArgument(format!(
                "blk_{block_id}: close recovery writes no data"
            ))),
            WriteStage::Create | WriteStage::TransferFinalized | WriteStage::TransferRbw => {
                if request.bytes_per_checksum != store_bytes_per_checksum {
                    return Err(StorageError::InvalidArgument(format!(
                        "blk_{block_id}: {} bytes per checksum requested, this DataNode stores {store_bytes_per_checksum}",
                        request.bytes_per_checksum
                    )));
                }
                // A copy replaces what a failed write left behind here.
                let leftover = store
                    .replica(block_id)
                    .is_some_and(|replica| replica.state == ReplicaState::Rbw);
                if request.stage.is_transfer() && leftover {
                    store.delete(block_id)?;
                }
                store.create_rbw(BlockKey {
                    id: block_id,
                    generation_stamp: request.generation_stamp,
                })
            }
        }
    })
    .await
    .map_err(std::io::Error::other)
}

/// Close recovery: finalizes the local replica at the new stamp, then the
/// rest of the pipeline, then answers upstream.
async fn recover_close(
    mut stream: TcpStream,
    framing: Framing,
    request: WriteRequest,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block_id = request.block_id;
    let (generation_stamp, length) = (request.new_generation_stamp, request.bytes_acked);
    // The writer of the failed pipeline may still be flushing the block's
    // last packets: give it the time to finish before taking over.
    let deadline = tokio::time::Instant::now() + CLOSE_RECOVERY_WAIT;
    while tokio::time::Instant::now() < deadline
        && context
            .store
            .replica(block_id)
            .is_some_and(|replica| replica.state == ReplicaState::Rbw && replica.length < length)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = context.store.clone();
    let recovered = tokio::task::spawn_blocking(move || {
        store.recover_close(BlockId(block_id), GenerationStamp(generation_stamp), length)
    })
    .await
    .map_err(std::io::Error::other)?;
    let replica = match recovered {
        Ok(replica) => replica,
        Err(error) => {
            let reply = Reply::error(Status::Error, error.to_string());
            return framing.write_reply(&mut stream, &reply).await;
        }
    };
    context.namenode.block_received(&replica).await;
    if let Some(next) = &request.downstream {
        let failure = match next.connect(context.namenode.node_name()).await {
            Ok((_, reply)) if reply.status == Status::Success => None,
            Ok((_, reply)) => Some((
                format!("downstream failed: {}", reply.message),
                if reply.first_bad_link.is_empty() {
                    next.address.clone()
                } else {
                    reply.first_bad_link
                },
            )),
            Err(error) => Some((error.to_string(), next.address.clone())),
        };
        if let Some((message, first_bad_link)) = failure {
            let reply = Reply::error(Status::Error, message).with_bad_link(first_bad_link);
            return framing.write_reply(&mut stream, &reply).await;
        }
    }
    framing.write_reply(&mut stream, &Reply::success()).await
}

/// Answers upstream that the pipeline could not be set up; the replica is
/// deleted if `abandon` (this setup created it), else kept as it is.
async fn refuse(
    framing: Framing,
    upstream: &mut OwnedWriteHalf,
    writer: ReplicaWriter,
    abandon: bool,
    refusal: Reply,
) -> std::io::Result<()> {
    if abandon {
        let _ = tokio::task::spawn_blocking(move || writer.abandon()).await;
    }
    framing.write_reply(upstream, &refusal).await
}

/// Writes a packet's data (if any) to the replica.
fn store_packet(writer: &mut ReplicaWriter, packet: &PacketBuffer) -> Result<(), StorageError> {
    if packet.data.is_empty() {
        return Ok(());
    }
    writer.write_packet(
        packet.header.offset_in_block,
        &packet.data,
        &packet.checksums,
    )
}

/// Writes the block's last packet and, with `finalize`, finalizes the
/// replica (blocking: it fsyncs); without, the replica stays being written.
fn write_last_packet(
    mut writer: ReplicaWriter,
    packet: &PacketBuffer,
    finalize: bool,
) -> PacketOutcome {
    let seqno = packet.header.seqno;
    let stored = store_packet(&mut writer, packet);
    let ended = match stored {
        Ok(()) if finalize => writer.finalize().map(Some),
        Ok(()) => Ok(None),
        Err(error) => Err(error),
    };
    match ended {
        Ok(finalized) => PacketOutcome::ended(seqno, finalized),
        Err(error) => {
            warn!(%error, "finishing a replica failed");
            PacketOutcome::failed(seqno, Status::Error)
        }
    }
}

/// The acks (or the close reply) of the rest of the pipeline.
struct DownstreamAcks {
    framing: Framing,
    /// As a first bad link names it.
    address: String,
    reader: BufReader<OwnedReadHalf>,
}

/// Answers upstream for the packets the receiving loop handled.
struct AckTask {
    framing: Framing,
    done: mpsc::UnboundedReceiver<PacketOutcome>,
    downstream: Option<DownstreamAcks>,
    upstream: BufWriter<OwnedWriteHalf>,
    namenode: NamenodeLink,
}

impl AckTask {
    /// Acks each packet upstream once it is on the local disk and acked by
    /// the rest of the pipeline, one status per node. Acks that are ready
    /// together leave in one write: they are buffered while the next local
    /// completion and downstream ack are already at hand, and flushed
    /// before any wait.
    async fn per_packet(mut self) {
        let mut downstream_failed = false;
        loop {
            if self.done.is_empty() && self.upstream.flush().await.is_err() {
                return;
            }
            let Some(local) = self.done.recv().await else {
                let _ = self.upstream.flush().await;
                return;
            };
            if let Some(replica) = &local.finalized {
                // Before the downstream ack: the nodes of a pipeline report
                // in parallel, not one after the other.
                if self.upstream.flush().await.is_err() {
                    return;
                }
                self.namenode.block_received(replica).await;
            }
            let downstream_ack = match self.downstream.as_mut() {
                Some(downstream) if !downstream_failed => {
                    if downstream.reader.buffer().is_empty() && self.upstream.flush().await.is_err()
                    {
                        return;
                    }
                    downstream
                        .framing
                        .read_ack(&mut downstream.reader)
                        .await
                        .ok()
                }
                _ => None,
            };
            let mut replies = vec![local.status];
            if self.downstream.is_some() {
                match downstream_ack {
                    Some(ack) if ack.seqno == local.seqno => replies.extend(ack.replies),
                    _ => {
                        downstream_failed = true;
                        replies.push(Status::Error);
                    }
                }
            }
            let failed = replies.iter().any(|&status| status != Status::Success);
            let ack = Ack {
                seqno: local.seqno,
                replies,
            };
            if self
                .framing
                .write_ack(&mut self.upstream, &ack)
                .await
                .is_err()
            {
                return;
            }
            if local.last || failed {
                let _ = self.upstream.flush().await;
                return;
            }
        }
    }

    /// Replies once after the last packet: this node's outcome, then the
    /// rest of the pipeline's close reply.
    async fn on_close(mut self) {
        let mut last = None;
        while let Some(outcome) = self.done.recv().await {
            if outcome.last {
                last = Some(outcome);
                break;
            }
        }
        // Upstream went away before its last packet: nobody to answer.
        let Some(last) = last else {
            return;
        };
        let reply = if last.status != Status::Success {
            Reply::error(last.status, "storing the transferred replica failed".into())
        } else {
            if let Some(replica) = &last.finalized {
                self.namenode.block_received(replica).await;
            }
            match self.downstream.as_mut() {
                None => Reply::success(),
                Some(downstream) => {
                    match downstream.framing.read_reply(&mut downstream.reader).await {
                        Ok(reply) if reply.status == Status::Success => Reply::success(),
                        Ok(reply) => {
                            let bad = if reply.first_bad_link.is_empty() {
                                downstream.address.clone()
                            } else {
                                reply.first_bad_link
                            };
                            let message = format!("downstream failed: {}", reply.message);
                            Reply::error(Status::Error, message).with_bad_link(bad)
                        }
                        Err(error) => Reply::error(Status::Error, error.to_string())
                            .with_bad_link(downstream.address.clone()),
                    }
                }
            }
        };
        if self
            .framing
            .write_reply(&mut self.upstream, &reply)
            .await
            .is_ok()
        {
            let _ = self.upstream.flush().await;
        }
    }
}

/// Copies a local replica to a pipeline of DataNodes: `downstream` is the
/// first, with the op setting the pipeline up. With per-packet acks every
/// packet must be acked; on close, the one reply must be a success.
pub(crate) async fn send_replica_to(
    context: &TransferContext,
    reader: ReplicaReader,
    downstream: Downstream,
    acks: AckMode,
) -> Result<(), TransferError> {
    let length = reader.length();
    let address = downstream.address.clone();
    let framing = downstream.framing();
    let (stream, reply) = downstream.connect(context.namenode.node_name()).await?;
    if reply.status != Status::Success {
        return Err(TransferError::Refused {
            address,
            message: reply.message,
        });
    }
    let (mut acks_from, mut packets_to) = stream.into_split();
    let answers = tokio::spawn(async move {
        match acks {
            // The target closes the connection after acking the last packet.
            AckMode::PerPacket => {
                let mut last_acked = None;
                while let Ok(ack) = framing.read_ack(&mut acks_from).await {
                    if ack.replies.iter().any(|&status| status != Status::Success) {
                        return Err(ack.replies);
                    }
                    last_acked = Some(ack.seqno);
                }
                Ok(Settled::LastAcked(last_acked))
            }
            AckMode::OnClose => match framing.read_reply(&mut acks_from).await {
                Ok(reply) if reply.status == Status::Success => Ok(Settled::Closed(true)),
                Ok(reply) => Err(vec![reply.status]),
                Err(_) => Ok(Settled::Closed(false)),
            },
        }
    });
    let _guard = super::XceiverGuard::new(&context.xceivers);
    let next_seqno = stream_packets(framing, &mut packets_to, reader, 0, length, 0, true)
        .await
        .map_err(|source| TransferError::Io {
            address: address.clone(),
            source,
        })?;
    match answers.await? {
        Err(replies) => Err(TransferError::Downstream(replies)),
        Ok(Settled::LastAcked(Some(last))) if last == next_seqno - 1 => Ok(()),
        Ok(Settled::Closed(true)) => Ok(()),
        Ok(_) => Err(TransferError::Unacknowledged { address }),
    }
}

/// How the target of a replica copy answered, short of a failure status.
enum Settled {
    /// Per-packet acks: the last seqno acked before the connection closed.
    LastAcked(Option<i64>),
    /// One reply on close: whether it came.
    Closed(bool),
}
