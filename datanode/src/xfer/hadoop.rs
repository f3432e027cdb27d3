//! Hadoop's DataTransferProtocol (version 28) on the transfer port, for
//! Hadoop's own clients (the Java DFSClient, `hdfs-native`): a thin adapter
//! that decodes each op and calls the same write, read and checksum paths
//! Tusk's framing does.
//!
//! Served: WRITE_BLOCK (every pipeline stage but the two no client sets
//! up), READ_BLOCK, BLOCK_CHECKSUM (MD5CRC and COMPOSITE_CRC) and
//! TRANSFER_BLOCK. Block tokens are accepted and ignored; SASL (data
//! transfer protection) is not spoken. A connection may carry several reads
//! one after the other (a reader's connection cache reuses it). A malformed op (bad version, unknown op, truncated,
//! oversized) is answered with an error status where Hadoop's framing has
//! a place for one, logged with the peer's address, and closes the
//! connection.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use common::datatransfer::hadoop::{self, Op};
use proto::hadoop::hdfs as hpb;
use proto::hadoop::hdfs::op_write_block_proto::BlockConstructionStage;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tracing::{debug, warn};

use super::TransferContext;
use super::checksum::{self, ChecksumKind};
use super::framing::{Downstream, ForwardOp, Framing, Reply, Status};
use super::read::{ReadRange, open_reader, stream_packets};
use super::write::{self, AckMode, WriteRequest, WriteStage};
use crate::storage::ReplicaState;

/// How long a connection waits for another op after one that keeps it
/// (`dfs.datanode.socket.reuse.keepalive`).
const KEEPALIVE: Duration = Duration::from_secs(4);
/// After a refusal, how long and how much of the peer's pending input is
/// read before closing, so the close does not reset the connection before
/// the peer read the reply.
const DRAIN_TIME: Duration = Duration::from_secs(1);
const DRAIN_LIMIT: usize = 1024 * 1024;
/// Write buffer of a read's packets.
const READ_SEND_BUFFER: usize = 256 * 1024;

/// Why an op could not be read.
#[derive(Debug, thiserror::Error)]
enum BadOp {
    #[error("unsupported data transfer version {0} (this DataNode speaks {VERSION})", VERSION = hadoop::VERSION)]
    Version(u16),
    #[error("unknown data transfer op {0}")]
    UnknownOp(u8),
    #[error("{0:?} is not supported by this DataNode")]
    Unsupported(Op),
    #[error("truncated op: {0}")]
    Truncated(io::Error),
    #[error("malformed op: {0}")]
    Malformed(io::Error),
    #[error("no op within {0:?}")]
    Timeout(Duration),
}

impl BadOp {
    fn status(&self) -> Status {
        match self {
            BadOp::UnknownOp(_) | BadOp::Unsupported(_) => Status::ErrorUnsupported,
            _ => Status::ErrorInvalid,
        }
    }

    fn from_io(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            BadOp::Truncated(error)
        } else {
            BadOp::Malformed(error)
        }
    }
}

/// The op messages this DataNode serves.
enum Request {
    WriteBlock(Box<hpb::OpWriteBlockProto>),
    ReadBlock(Box<hpb::OpReadBlockProto>),
    BlockChecksum(Box<hpb::OpBlockChecksumProto>),
    TransferBlock(Box<hpb::OpTransferBlockProto>),
}

/// Serves a connection whose first byte, 0x00 (the version's high byte),
/// was read.
pub(super) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    context: &TransferContext,
) -> io::Result<()> {
    loop {
        let timeout = context.op_timeout;
        let request = match tokio::time::timeout(timeout, read_request(&mut stream)).await {
            Ok(Ok(request)) => request,
            Ok(Err(bad)) => return refuse(stream, peer, bad).await,
            Err(_) => return refuse(stream, peer, BadOp::Timeout(timeout)).await,
        };
        let keep = match request {
            // The write path owns the connection to its end.
            Request::WriteBlock(op) => return write_block(stream, peer, *op, context).await,
            Request::ReadBlock(op) => read_block(&mut stream, *op, context).await?,
            // Hadoop closes after these two.
            Request::BlockChecksum(op) => {
                block_checksum(&mut stream, *op, context).await?;
                false
            }
            Request::TransferBlock(op) => {
                transfer_block(&mut stream, *op, context).await?;
                false
            }
        };
        if !keep {
            return Ok(());
        }
        // Another op may follow; a quiet or closed connection ends here.
        match tokio::time::timeout(KEEPALIVE, stream.read_u8()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(high)) => {
                let version = u16::from_be_bytes([high, stream.read_u8().await.unwrap_or(0)]);
                return refuse(stream, peer, BadOp::Version(version)).await;
            }
            Ok(Err(_)) | Err(_) => return Ok(()),
        }
    }
}

/// Reads the rest of an op after the version's high byte: the low byte,
/// the op byte, the op message.
async fn read_request(stream: &mut TcpStream) -> Result<Request, BadOp> {
    let mut header = [0u8; 2];
    stream
        .read_exact(&mut header)
        .await
        .map_err(BadOp::from_io)?;
    let version = u16::from(header[0]);
    if version != hadoop::VERSION {
        return Err(BadOp::Version(version));
    }
    let op = Op::from_code(header[1]).ok_or(BadOp::UnknownOp(header[1]))?;
    let request = match op {
        Op::WriteBlock => Request::WriteBlock(read_message(stream).await?),
        Op::ReadBlock => Request::ReadBlock(read_message(stream).await?),
        Op::BlockChecksum => Request::BlockChecksum(read_message(stream).await?),
        Op::TransferBlock => Request::TransferBlock(read_message(stream).await?),
        other => return Err(BadOp::Unsupported(other)),
    };
    Ok(request)
}

async fn read_message<M: prost::Message + Default>(
    stream: &mut TcpStream,
) -> Result<Box<M>, BadOp> {
    hadoop::read_delimited(stream)
        .await
        .map(Box::new)
        .map_err(BadOp::from_io)
}

/// Refuses what could not be served: logs it naming the peer, answers
/// with an error status, and closes the connection.
async fn refuse(mut stream: TcpStream, peer: SocketAddr, bad: BadOp) -> io::Result<()> {
    warn!(%peer, error = %bad, "refused a hadoop data-transfer request");
    let reply = Reply::error(bad.status(), bad.to_string());
    if Framing::Hadoop
        .write_reply(&mut stream, &reply)
        .await
        .is_ok()
    {
        close_gracefully(stream).await;
    }
    Ok(())
}

/// Closes after a reply: the write side first, then what the peer still
/// sends is read (for a moment, up to a limit) so that closing with unread
/// input does not reset the connection under the reply.
pub(super) async fn close_gracefully(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < DRAIN_LIMIT {
        match tokio::time::timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(read)) if read > 0 => drained += read,
            _ => return,
        }
    }
}

/// `ip:port` of a DataNode's transfer server, as Hadoop's `getXferAddr`
/// names it (a first bad link is compared with it).
fn transfer_address(node: &hpb::DatanodeInfoProto) -> String {
    let id = &node.id;
    let host = if id.ip_addr.is_empty() {
        &id.host_name
    } else {
        &id.ip_addr
    };
    format!("{host}:{}", id.xfer_port)
}

/// The first element and the rest of a list that lines up with the targets
/// (a DataNode forwards the rest).
fn split_first_owned<T: Clone>(items: &[T]) -> (Option<T>, Vec<T>) {
    match items.split_first() {
        Some((first, rest)) => (Some(first.clone()), rest.to_vec()),
        None => (None, Vec::new()),
    }
}

async fn write_block(
    mut stream: TcpStream,
    peer: SocketAddr,
    op: hpb::OpWriteBlockProto,
    context: &TransferContext,
) -> io::Result<()> {
    let block = &op.header.base_header.block;
    let stage = match BlockConstructionStage::try_from(op.stage) {
        Ok(BlockConstructionStage::PipelineSetupCreate) => Some(WriteStage::Create),
        Ok(
            BlockConstructionStage::PipelineSetupAppend
            | BlockConstructionStage::PipelineSetupAppendRecovery,
        ) => Some(WriteStage::Append),
        Ok(BlockConstructionStage::PipelineSetupStreamingRecovery) => {
            Some(WriteStage::StreamingRecovery)
        }
        Ok(BlockConstructionStage::PipelineCloseRecovery) => Some(WriteStage::CloseRecovery),
        Ok(BlockConstructionStage::TransferRbw) => Some(WriteStage::TransferRbw),
        Ok(BlockConstructionStage::TransferFinalized) => Some(WriteStage::TransferFinalized),
        Ok(BlockConstructionStage::DataStreaming | BlockConstructionStage::PipelineClose)
        | Err(_) => None,
    };
    let Some(stage) = stage else {
        let message = format!("write stage {} sets no pipeline up", op.stage);
        warn!(%peer, block = block.block_id, %message, "refused a hadoop write");
        let reply = Reply::error(Status::ErrorInvalid, message);
        return Framing::Hadoop.write_reply(&mut stream, &reply).await;
    };
    let checksum = &op.requested_checksum;
    let crc32c = hpb::ChecksumTypeProto::ChecksumCrc32c as i32;
    if stage != WriteStage::CloseRecovery
        && (checksum.r#type != crc32c || checksum.bytes_per_checksum == 0)
    {
        let type_name = hpb::ChecksumTypeProto::try_from(checksum.r#type)
            .map_or_else(|_| checksum.r#type.to_string(), |t| t.as_str_name().into());
        let message = format!(
            "checksum {type_name} with {} bytes per checksum is not supported: \
             this DataNode keeps CRC32C checksums (set dfs.checksum.type to CRC32C)",
            checksum.bytes_per_checksum
        );
        warn!(%peer, block = block.block_id, %message, "refused a hadoop write");
        let reply = Reply::error(Status::Error, message);
        return Framing::Hadoop.write_reply(&mut stream, &reply).await;
    }
    let downstream = op.targets.split_first().map(|(next, rest)| {
        let (storage_type, target_storage_types) = split_first_owned(&op.target_storage_types);
        let (storage_id, target_storage_ids) = split_first_owned(&op.target_storage_ids);
        let (pinning, target_pinnings) = split_first_owned(&op.target_pinnings);
        let forwarded = hpb::OpWriteBlockProto {
            targets: rest.to_vec(),
            storage_type: storage_type.or(op.storage_type),
            target_storage_types,
            storage_id,
            target_storage_ids,
            pinning,
            target_pinnings,
            ..op.clone()
        };
        Downstream {
            address: transfer_address(next),
            op: ForwardOp::Hadoop(Box::new(forwarded)),
        }
    });
    let request = WriteRequest {
        block_id: block.block_id,
        generation_stamp: block.generation_stamp,
        stage,
        new_generation_stamp: op.latest_generation_stamp,
        bytes_acked: op.min_bytes_rcvd,
        bytes_per_checksum: checksum.bytes_per_checksum,
        downstream,
        acks: if matches!(
            stage,
            WriteStage::TransferRbw | WriteStage::TransferFinalized
        ) {
            AckMode::OnClose
        } else {
            AckMode::PerPacket
        },
    };
    debug!(%peer, block = block.block_id, ?stage, targets = op.targets.len(), "hadoop write");
    write::receive_block(stream, Framing::Hadoop, request, context).await
}

/// READ_BLOCK: the reply with the checksum and the chunk offset, the
/// packets, then the reader's status. True when the connection may carry
/// another op.
async fn read_block(
    stream: &mut TcpStream,
    op: hpb::OpReadBlockProto,
    context: &TransferContext,
) -> io::Result<bool> {
    let block = &op.header.base_header.block;
    let reader = match open_reader(context, block.block_id, block.generation_stamp).await? {
        Ok(reader) => reader,
        Err(error) => {
            let reply = Reply::error(Status::Error, error.to_string());
            Framing::Hadoop.write_reply(stream, &reply).await?;
            return Ok(false);
        }
    };
    let length = reader.length();
    let bytes_per_checksum = reader.bytes_per_checksum();
    if op.offset.checked_add(op.len).is_none_or(|end| end > length) {
        let message = format!(
            "offset {} and length {} don't match blk_{} (replica length {length})",
            op.offset, op.len, block.block_id
        );
        let reply = Reply::error(Status::ErrorInvalid, message);
        Framing::Hadoop.write_reply(stream, &reply).await?;
        return Ok(false);
    }
    let send_checksums = op.send_checksums.unwrap_or(true);
    let checksum_type = if send_checksums {
        hpb::ChecksumTypeProto::ChecksumCrc32c
    } else {
        hpb::ChecksumTypeProto::ChecksumNull
    };
    let range = ReadRange::new(op.offset, op.len, length, bytes_per_checksum);
    let response = hpb::BlockOpResponseProto {
        status: hpb::Status::Success.into(),
        read_op_checksum_info: Some(hpb::ReadOpChecksumInfoProto {
            checksum: hpb::ChecksumProto {
                r#type: checksum_type.into(),
                bytes_per_checksum,
            },
            chunk_offset: range.start,
        }),
        ..Default::default()
    };
    let mut buffered = BufWriter::with_capacity(READ_SEND_BUFFER, &mut *stream);
    hadoop::write_delimited(&mut buffered, &response).await?;
    stream_packets(
        Framing::Hadoop,
        &mut buffered,
        reader,
        range.start,
        range.end,
        0,
        send_checksums,
    )
    .await?;
    buffered.flush().await?;
    // The reader says whether the checksums matched; a reader that says
    // nothing closes the connection.
    let status = tokio::time::timeout(
        context.op_timeout,
        hadoop::read_delimited::<hpb::ClientReadStatusProto, _>(stream),
    )
    .await;
    match status {
        Ok(Ok(status)) => {
            if Status::from_hadoop(status.status) != Status::Success {
                debug!(
                    block = block.block_id,
                    status = status.status,
                    "reader reported a failed read"
                );
            }
            Ok(true)
        }
        Ok(Err(_)) | Err(_) => Ok(false),
    }
}

/// BLOCK_CHECKSUM: the replica's MD5-of-CRCs or composite CRC over the
/// block's length as the request names it.
async fn block_checksum(
    stream: &mut TcpStream,
    op: hpb::OpBlockChecksumProto,
    context: &TransferContext,
) -> io::Result<()> {
    let block = op.header.block;
    let options = op.block_checksum_options.unwrap_or_default();
    let stripe_length = options.stripe_length.unwrap_or(0);
    let kind = match options.block_checksum_type() {
        hpb::BlockChecksumTypeProto::Md5crc => ChecksumKind::Md5OfCrcs,
        hpb::BlockChecksumTypeProto::CompositeCrc => ChecksumKind::CompositeCrc { stripe_length },
    };
    let request_length = block.num_bytes.unwrap_or(u64::MAX);
    let store = context.store.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let mut reader = store.open_replica(
            common::ids::BlockId(block.block_id),
            common::ids::GenerationStamp(block.generation_stamp),
        )?;
        checksum::compute(&mut reader, request_length, kind)
    })
    .await
    .map_err(io::Error::other)?;
    let response = match computed {
        Ok(checksum) => hpb::BlockOpResponseProto {
            status: hpb::Status::Success.into(),
            checksum_response: Some(hpb::OpBlockChecksumResponseProto {
                bytes_per_crc: checksum.bytes_per_crc,
                crc_per_block: checksum.crc_per_block,
                block_checksum: checksum.checksum,
                crc_type: Some(hpb::ChecksumTypeProto::ChecksumCrc32c.into()),
                block_checksum_options: Some(hpb::BlockChecksumOptionsProto {
                    block_checksum_type: options.block_checksum_type,
                    stripe_length: Some(stripe_length),
                }),
            }),
            ..Default::default()
        },
        Err(error) => Reply::error(Status::Error, error.to_string()).to_hadoop(),
    };
    hadoop::write_delimited(stream, &response).await
}

/// TRANSFER_BLOCK: copies the local replica (being written, or finalized)
/// to the targets, which are joining the client's pipeline, then answers.
async fn transfer_block(
    stream: &mut TcpStream,
    op: hpb::OpTransferBlockProto,
    context: &TransferContext,
) -> io::Result<()> {
    let header = &op.header;
    let block = &header.base_header.block;
    let Some((first, rest)) = op.targets.split_first() else {
        return Framing::Hadoop.write_reply(stream, &Reply::success()).await;
    };
    let stage = match context.store.replica(block.block_id) {
        Some(replica) if replica.state == ReplicaState::Finalized => {
            BlockConstructionStage::TransferFinalized
        }
        _ => BlockConstructionStage::TransferRbw,
    };
    let reader = match open_reader(context, block.block_id, block.generation_stamp).await? {
        Ok(reader) => reader,
        Err(error) => {
            let reply = Reply::error(Status::Error, error.to_string());
            return Framing::Hadoop.write_reply(stream, &reply).await;
        }
    };
    let (storage_type, target_storage_types) = split_first_owned(&op.target_storage_types);
    let (storage_id, target_storage_ids) = split_first_owned(&op.target_storage_ids);
    let generation_stamp = reader.block().generation_stamp;
    let forwarded = hpb::OpWriteBlockProto {
        header: hpb::ClientOperationHeaderProto {
            base_header: hpb::BaseHeaderProto {
                block: hpb::ExtendedBlockProto {
                    generation_stamp,
                    num_bytes: Some(reader.length()),
                    ..block.clone()
                },
                token: header.base_header.token.clone(),
                trace_info: None,
            },
            client_name: header.client_name.clone(),
        },
        targets: rest.to_vec(),
        stage: stage.into(),
        pipeline_size: op.targets.len() as u32,
        min_bytes_rcvd: 0,
        max_bytes_rcvd: 0,
        latest_generation_stamp: generation_stamp,
        requested_checksum: hpb::ChecksumProto {
            r#type: hpb::ChecksumTypeProto::ChecksumCrc32c.into(),
            bytes_per_checksum: reader.bytes_per_checksum(),
        },
        storage_type,
        target_storage_types,
        storage_id,
        target_storage_ids,
        ..Default::default()
    };
    let downstream = Downstream {
        address: transfer_address(first),
        op: ForwardOp::Hadoop(Box::new(forwarded)),
    };
    let reply = match write::send_replica_to(context, reader, downstream, AckMode::OnClose).await {
        Ok(()) => Reply::success(),
        Err(error) => {
            warn!(block = block.block_id, %error, "transferring a replica failed");
            Reply::error(Status::Error, error.to_string())
        }
    };
    Framing::Hadoop.write_reply(stream, &reply).await
}
