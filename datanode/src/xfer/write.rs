//! WRITE_BLOCK: receive a block through a pipeline, and send a replica to
//! other DataNodes (re-replication).
//!
//! Receiving: packets from upstream are mirrored to the next DataNode (the
//! pipeline's last node checks every chunk's CRC32C instead), then written
//! to the local replica. An ack task waits for each packet's local write and
//! the downstream ack (in seqno order) and sends upstream one status per
//! DataNode from here on. The last packet finalizes the replica and tells
//! the NameNode before it is acked, so a client that saw its last ack can
//! close the file at once. Replica digests are not computed here: the
//! DataNode's digester records them after finalize.
//!
//! An append (`SetupAppend`) reopens the finalized replica at the new
//! generation stamp; its first packet starts inside the partial last chunk
//! and ends at most at that chunk's end, so its one CRC (checked by the last
//! node, as any other) covers the new bytes only, and the store extends the
//! chunk's stored CRC over them.
//!
//! A packet's write goes to the page cache from the receiving task itself,
//! as HDFS's BlockReceiver writes from its own thread: it takes tens of
//! microseconds, and handing every packet to a disk thread and back cost
//! more CPU per byte than the overlap gained (BENCHMARKS.md, session 9).
//! Finalize, whose fsync waits for the disk, runs on the blocking pool.
//!
//! Packet data passes through this process even on a middle node. Moving it
//! between socket, pipe and file with `splice` and `tee` instead was
//! measured slower (BENCHMARKS.md, session 8).

use std::net::ToSocketAddrs;
use std::time::Duration;

use common::datatransfer::{self, DATA_TRANSFER_VERSION, PacketBuffer};
use common::faults;
use common::ids::{BlockId, GenerationStamp};
use common::required::Required;
use proto::hdfs as pb;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::read::stream_packets;
use super::{TransferContext, TransferError, error_response, refuse_invalid, success_response};
use crate::storage::{BlockKey, ReplicaInfo, ReplicaState, ReplicaWriter, StorageError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
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

/// What this DataNode did with one packet, for the ack task.
struct PacketOutcome {
    seqno: i64,
    status: pb::Status,
    /// No packet follows: the block ended or this node failed.
    last: bool,
    finalized: Option<ReplicaInfo>,
}

impl PacketOutcome {
    fn written(seqno: i64) -> Self {
        Self {
            seqno,
            status: pb::Status::Success,
            last: false,
            finalized: None,
        }
    }

    fn finalized(seqno: i64, replica: ReplicaInfo) -> Self {
        Self {
            seqno,
            status: pb::Status::Success,
            last: true,
            finalized: Some(replica),
        }
    }

    fn failed(seqno: i64, status: pb::Status) -> Self {
        Self {
            seqno,
            status,
            last: true,
            finalized: None,
        }
    }
}

/// `host:port` of a DataNode's data-transfer server.
pub fn transfer_address(node: &pb::DatanodeInfo) -> String {
    format!("{}:{}", node.host, node.xfer_port)
}

/// Connects to a DataNode and sends it `op`; returns the connection after a
/// successful reply, or the reply's failure.
pub async fn connect_and_send(
    from: &str,
    node: &pb::DatanodeInfo,
    op: pb::DataTransferOp,
) -> Result<(TcpStream, pb::BlockOpResponse), TransferError> {
    let address = transfer_address(node);
    let resolved = match address.to_socket_addrs() {
        Ok(mut resolved) => resolved.next(),
        Err(source) => return Err(TransferError::Resolve { address, source }),
    };
    let Some(resolved) = resolved else {
        return Err(TransferError::Unresolved { address });
    };
    let connected = tokio::time::timeout(CONNECT_TIMEOUT, faults::connect(from, resolved)).await;
    let mut stream = match connected {
        Ok(Ok(stream)) => stream,
        Ok(Err(source)) => return Err(TransferError::Connect { address, source }),
        Err(_) => return Err(TransferError::ConnectTimeout { address }),
    };
    let sent = async {
        stream.set_nodelay(true)?;
        stream.write_u8(DATA_TRANSFER_VERSION).await?;
        datatransfer::write_message(&mut stream, &op).await?;
        datatransfer::read_message::<pb::BlockOpResponse, _>(&mut stream).await
    };
    let response = sent
        .await
        .map_err(|source| TransferError::Io { address, source })?;
    Ok((stream, response))
}

pub async fn receive_block(
    mut stream: TcpStream,
    op: pb::OpWriteBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    if op.stage() == pb::PipelineStage::SetupCloseRecovery {
        return recover_close(stream, block, op, context).await;
    }
    let (upstream_read, mut upstream_write) = stream.into_split();
    let mut upstream_read = BufReader::with_capacity(RECEIVE_BUFFER, upstream_read);
    let stage = op.stage();
    let bytes_per_checksum = if op.bytes_per_checksum == 0 {
        context.bytes_per_checksum
    } else {
        op.bytes_per_checksum
    };
    let store = context.store.clone();
    let (new_generation_stamp, bytes_acked) = (op.new_generation_stamp, op.bytes_acked);
    let opened = tokio::task::spawn_blocking(move || match stage {
        pb::PipelineStage::SetupStreamingRecovery => store.recover_rbw(
            BlockId(block.block_id),
            GenerationStamp(new_generation_stamp),
            bytes_acked,
        ),
        pb::PipelineStage::SetupAppend => store.append(
            BlockId(block.block_id),
            GenerationStamp(new_generation_stamp),
            bytes_acked,
            bytes_per_checksum,
        ),
        _ => {
            let key = BlockKey {
                id: block.block_id,
                generation_stamp: block.generation_stamp,
            };
            // A re-replication replaces what a failed write left behind here.
            let leftover = store
                .replica(block.block_id)
                .is_some_and(|replica| replica.state == ReplicaState::Rbw);
            if stage == pb::PipelineStage::Transfer && leftover {
                store.delete(block.block_id)?;
            }
            store.create_rbw(key)
        }
    })
    .await
    .map_err(std::io::Error::other)?;
    let mut writer = match opened {
        Ok(writer) => writer,
        Err(error) => {
            let status = pb::Status::Error;
            return datatransfer::write_message(
                &mut upstream_write,
                &error_response(status, error.to_string()),
            )
            .await;
        }
    };
    let key = writer.block();
    // A replica this setup did not create holds data written before: a
    // failed setup leaves it for the client's next attempt.
    let created_here = matches!(
        stage,
        pb::PipelineStage::SetupCreate | pb::PipelineStage::Transfer
    );

    // Set up the rest of the pipeline before answering upstream.
    let mut downstream = None;
    if let Some((next, rest)) = op.targets.split_first() {
        let mut forwarded = op.clone();
        forwarded.block = Some(pb::Block {
            generation_stamp: key.generation_stamp,
            ..block
        });
        forwarded.targets = rest.to_vec();
        let request = pb::DataTransferOp {
            op: Some(pb::data_transfer_op::Op::WriteBlock(forwarded)),
        };
        match connect_and_send(context.namenode.node_name(), next, request).await {
            Ok((stream, response)) if response.status() == pb::Status::Success => {
                downstream = Some(stream.into_split())
            }
            Ok((_, response)) => {
                let bad = if response.first_bad_link.is_empty() {
                    transfer_address(next)
                } else {
                    response.first_bad_link
                };
                return refuse(
                    &mut upstream_write,
                    writer,
                    created_here,
                    format!("downstream failed: {}", response.message),
                    bad,
                )
                .await;
            }
            Err(error) => {
                let reason = error.to_string();
                let bad = transfer_address(next);
                return refuse(&mut upstream_write, writer, created_here, reason, bad).await;
            }
        }
    }
    datatransfer::write_message(&mut upstream_write, &success_response()).await?;

    let (done_sender, done_receiver) = mpsc::unbounded_channel::<PacketOutcome>();
    let (downstream_read, mut downstream_write) = match downstream {
        Some((read, write)) => (
            Some(BufReader::with_capacity(RECEIVE_BUFFER, read)),
            Some(write),
        ),
        None => (None, None),
    };
    let acks = tokio::spawn(send_acks(
        done_receiver,
        downstream_read,
        upstream_write,
        context.namenode.clone(),
    ));

    // One buffer, reused for every packet: no allocation per packet.
    let mut packet = PacketBuffer::default();
    loop {
        if let Err(error) = packet
            .read_from(&mut upstream_read, bytes_per_checksum)
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
            let _ = done_sender.send(PacketOutcome::failed(seqno, pb::Status::ErrorChecksum));
            break;
        }
        if let Some(mirror) = downstream_write.as_mut()
            && let Err(error) = packet.write_to(mirror).await
        {
            // The ack task reports the downstream failure from its side.
            debug!(block = key.id, %error, "mirroring to the next datanode failed");
            downstream_write = None;
        }
        if packet.header.last_packet_in_block {
            let done = tokio::task::spawn_blocking(move || write_last_packet(writer, &packet))
                .await
                .map_err(std::io::Error::other)?;
            let _ = done_sender.send(done);
            break;
        }
        if let Err(error) = store_packet(&mut writer, &packet) {
            warn!(block = key.id, %error, "writing a replica failed");
            let _ = done_sender.send(PacketOutcome::failed(seqno, pb::Status::Error));
            break;
        }
        let _ = done_sender.send(PacketOutcome::written(seqno));
    }
    drop(done_sender);
    drop(downstream_write);
    let _ = acks.await;
    Ok(())
}

/// Close recovery (`SetupCloseRecovery`): finalizes the local replica at
/// the new stamp, then the rest of the pipeline, then answers upstream.
async fn recover_close(
    mut stream: TcpStream,
    block: pb::Block,
    op: pb::OpWriteBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let (generation_stamp, length) = (op.new_generation_stamp, op.bytes_acked);
    // The writer of the failed pipeline may still be flushing the block's
    // last packets: give it the time to finish before taking over.
    let deadline = tokio::time::Instant::now() + CLOSE_RECOVERY_WAIT;
    while tokio::time::Instant::now() < deadline
        && context
            .store
            .replica(block.block_id)
            .is_some_and(|replica| replica.state == ReplicaState::Rbw && replica.length < length)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = context.store.clone();
    let recovered = tokio::task::spawn_blocking(move || {
        store.recover_close(
            BlockId(block.block_id),
            GenerationStamp(generation_stamp),
            length,
        )
    })
    .await
    .map_err(std::io::Error::other)?;
    let replica = match recovered {
        Ok(replica) => replica,
        Err(error) => {
            let response = error_response(pb::Status::Error, error.to_string());
            return datatransfer::write_message(&mut stream, &response).await;
        }
    };
    context.namenode.block_received(&replica).await;
    if let Some((next, rest)) = op.targets.split_first() {
        let forwarded = pb::OpWriteBlock {
            targets: rest.to_vec(),
            ..op.clone()
        };
        let request = pb::DataTransferOp {
            op: Some(pb::data_transfer_op::Op::WriteBlock(forwarded)),
        };
        let failure = match connect_and_send(context.namenode.node_name(), next, request).await {
            Ok((_, response)) if response.status() == pb::Status::Success => None,
            Ok((_, response)) => Some((
                format!("downstream failed: {}", response.message),
                if response.first_bad_link.is_empty() {
                    transfer_address(next)
                } else {
                    response.first_bad_link
                },
            )),
            Err(error) => Some((error.to_string(), transfer_address(next))),
        };
        if let Some((message, first_bad_link)) = failure {
            let response = pb::BlockOpResponse {
                first_bad_link,
                ..error_response(pb::Status::Error, message)
            };
            return datatransfer::write_message(&mut stream, &response).await;
        }
    }
    datatransfer::write_message(&mut stream, &success_response()).await
}

/// Answers upstream that the pipeline could not be set up; the replica is
/// deleted if `abandon` (this setup created it), else kept as it is.
async fn refuse(
    upstream: &mut OwnedWriteHalf,
    writer: ReplicaWriter,
    abandon: bool,
    message: String,
    first_bad_link: String,
) -> std::io::Result<()> {
    if abandon {
        let _ = tokio::task::spawn_blocking(move || writer.abandon()).await;
    }
    let response = pb::BlockOpResponse {
        first_bad_link,
        ..error_response(pb::Status::Error, message)
    };
    datatransfer::write_message(upstream, &response).await
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

/// Writes the block's last packet and finalizes the replica (blocking: it
/// fsyncs).
fn write_last_packet(mut writer: ReplicaWriter, packet: &PacketBuffer) -> PacketOutcome {
    let seqno = packet.header.seqno;
    match store_packet(&mut writer, packet).and_then(|()| writer.finalize()) {
        Ok(replica) => PacketOutcome::finalized(seqno, replica),
        Err(error) => {
            warn!(%error, "finishing a replica failed");
            PacketOutcome::failed(seqno, pb::Status::Error)
        }
    }
}

/// Acks each packet upstream once it is on the local disk and acked by the
/// rest of the pipeline, one status per node. Acks that are ready together
/// leave in one write: they are buffered while the next local completion
/// and downstream ack are already at hand, and flushed before any wait.
async fn send_acks(
    mut done: mpsc::UnboundedReceiver<PacketOutcome>,
    mut downstream: Option<BufReader<OwnedReadHalf>>,
    upstream: OwnedWriteHalf,
    namenode: crate::namenode::NamenodeLink,
) {
    let mut upstream = BufWriter::with_capacity(ACK_BUFFER, upstream);
    let mut downstream_failed = false;
    loop {
        if done.is_empty() && upstream.flush().await.is_err() {
            return;
        }
        let Some(local) = done.recv().await else {
            let _ = upstream.flush().await;
            return;
        };
        if let Some(replica) = &local.finalized {
            // Before the downstream ack: the nodes of a pipeline report in
            // parallel, not one after the other.
            if upstream.flush().await.is_err() {
                return;
            }
            namenode.block_received(replica).await;
        }
        let downstream_ack = match downstream.as_mut() {
            Some(reader) if !downstream_failed => {
                if reader.buffer().is_empty() && upstream.flush().await.is_err() {
                    return;
                }
                datatransfer::read_message::<pb::PipelineAck, _>(reader)
                    .await
                    .ok()
            }
            _ => None,
        };
        let mut replies = vec![local.status as i32];
        if downstream.is_some() {
            match downstream_ack {
                Some(ack) if ack.seqno == local.seqno => replies.extend(ack.replies),
                _ => {
                    downstream_failed = true;
                    replies.push(pb::Status::Error as i32);
                }
            }
        }
        let ack = pb::PipelineAck {
            seqno: local.seqno,
            replies,
        };
        let failed = ack
            .replies
            .iter()
            .any(|&status| status != pb::Status::Success as i32);
        if datatransfer::write_message(&mut upstream, &ack)
            .await
            .is_err()
        {
            return;
        }
        if local.last || failed {
            let _ = upstream.flush().await;
            return;
        }
    }
}

/// Copies a local finalized replica to `targets` (a pipeline), as the
/// NameNode's transfer command asks.
pub async fn send_replica(
    context: &TransferContext,
    block: pb::Block,
    targets: Vec<pb::DatanodeInfo>,
) -> Result<(), TransferError> {
    let Some((first, rest)) = targets.split_first() else {
        return Ok(());
    };
    let store = context.store.clone();
    let reader = tokio::task::spawn_blocking(move || {
        store.open_replica(
            BlockId(block.block_id),
            GenerationStamp(block.generation_stamp),
        )
    })
    .await??;
    let length = reader.length();
    let op = pb::OpWriteBlock {
        block: Some(block),
        targets: rest.to_vec(),
        client_name: String::new(),
        stage: pb::PipelineStage::Transfer.into(),
        bytes_per_checksum: reader.bytes_per_checksum(),
        ..Default::default()
    };
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::WriteBlock(op)),
    };
    let (stream, response) = connect_and_send(context.namenode.node_name(), first, request).await?;
    if response.status() != pb::Status::Success {
        return Err(TransferError::Refused {
            address: transfer_address(first),
            message: response.message,
        });
    }
    let (mut acks_from, mut packets_to) = stream.into_split();
    // The target closes the connection after acking the last packet.
    let acks = tokio::spawn(async move {
        let mut last_acked = -1;
        while let Ok(ack) = datatransfer::read_message::<pb::PipelineAck, _>(&mut acks_from).await {
            if ack
                .replies
                .iter()
                .any(|&status| status != pb::Status::Success as i32)
            {
                return Err(TransferError::Downstream(ack.replies));
            }
            last_acked = ack.seqno;
        }
        Ok(last_acked)
    });
    let _guard = super::XceiverGuard::new(&context.xceivers);
    let next_seqno = stream_packets(&mut packets_to, reader, 0, length, 0)
        .await
        .map_err(|source| TransferError::Io {
            address: transfer_address(first),
            source,
        })?;
    let last_acked = acks.await??;
    if last_acked != next_seqno - 1 {
        return Err(TransferError::Unacknowledged {
            address: transfer_address(first),
        });
    }
    Ok(())
}
