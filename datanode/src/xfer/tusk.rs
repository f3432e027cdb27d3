//! Tusk's own data-transfer framing: one op per connection, decoded here
//! and served by the shared write and read paths.

use std::sync::atomic::AtomicBool;

use common::RemoteException;
use common::datatransfer::{self, DATA_TRANSFER_VERSION};
use common::required::Required;
use proto::hdfs as pb;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::framing::{Downstream, ForwardOp, Framing};
use super::read::{ReadRange, open_reader, stream_packets};
use super::write::{self, AckMode, WriteRequest, WriteStage};
use super::{TransferContext, TransferError};
use crate::storage::{DigestOutcome, ReplicaState};

/// Serves a connection whose first byte, `version`, was read.
pub(super) async fn serve(
    mut stream: TcpStream,
    version: u8,
    context: &TransferContext,
) -> std::io::Result<()> {
    if version != DATA_TRANSFER_VERSION {
        let response = error_response(
            pb::Status::ErrorInvalid,
            format!("unsupported data transfer version {version}"),
        );
        return datatransfer::write_message(&mut stream, &response).await;
    }
    let op: pb::DataTransferOp =
        tokio::time::timeout(context.op_timeout, datatransfer::read_message(&mut stream))
            .await
            .map_err(|_| super::no_op_within(context.op_timeout))??;
    match op.op {
        Some(pb::data_transfer_op::Op::WriteBlock(op)) => write_block(stream, op, context).await,
        Some(pb::data_transfer_op::Op::ReadBlock(op)) => send_block(stream, op, context).await,
        Some(pb::data_transfer_op::Op::BlockChecksum(op)) => {
            block_checksum(stream, op, context).await
        }
        Some(pb::data_transfer_op::Op::TransferBlock(op)) => {
            transfer_block(stream, op, context).await
        }
        None => {
            let response = error_response(
                pb::Status::ErrorInvalid,
                "unsupported data transfer op".into(),
            );
            datatransfer::write_message(&mut stream, &response).await
        }
    }
}

/// `host:port` of a DataNode's data-transfer server.
fn transfer_address(node: &pb::DatanodeInfo) -> String {
    format!("{}:{}", node.host, node.xfer_port)
}

async fn write_block(
    mut stream: TcpStream,
    op: pb::OpWriteBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let stage = match op.stage() {
        pb::PipelineStage::SetupStreamingRecovery => WriteStage::StreamingRecovery,
        pb::PipelineStage::SetupAppend => WriteStage::Append,
        pb::PipelineStage::SetupCloseRecovery => WriteStage::CloseRecovery,
        pb::PipelineStage::Transfer => WriteStage::TransferFinalized,
        pb::PipelineStage::TransferRbw => WriteStage::TransferRbw,
        pb::PipelineStage::SetupCreate | pb::PipelineStage::Unspecified => WriteStage::Create,
    };
    // The next node gets the stamp the replica has here once opened (a
    // close recovery forwards its op as it came).
    let forwarded_stamp = match stage {
        WriteStage::Append | WriteStage::StreamingRecovery => op.new_generation_stamp,
        _ => block.generation_stamp,
    };
    let downstream = op.targets.split_first().map(|(next, rest)| {
        let forwarded = pb::OpWriteBlock {
            block: Some(pb::Block {
                generation_stamp: forwarded_stamp,
                ..block
            }),
            targets: rest.to_vec(),
            ..op.clone()
        };
        Downstream {
            address: transfer_address(next),
            op: ForwardOp::Tusk(pb::DataTransferOp {
                op: Some(pb::data_transfer_op::Op::WriteBlock(forwarded)),
            }),
        }
    });
    let request = WriteRequest {
        block_id: block.block_id,
        generation_stamp: block.generation_stamp,
        stage,
        new_generation_stamp: op.new_generation_stamp,
        bytes_acked: op.bytes_acked,
        bytes_per_checksum: if op.bytes_per_checksum == 0 {
            context.bytes_per_checksum
        } else {
            op.bytes_per_checksum
        },
        downstream,
        acks: AckMode::PerPacket,
    };
    write::receive_block(stream, Framing::Tusk, request, context).await
}

/// Streams `[offset, offset + length)` of a replica, from the chunk boundary
/// at or before `offset`, in packets; ends with an empty last packet.
async fn send_block(
    mut stream: TcpStream,
    op: pb::OpReadBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let reader = match open_reader(context, block.block_id, block.generation_stamp).await? {
        Ok(reader) => reader,
        Err(error) => {
            return datatransfer::write_message(
                &mut stream,
                &error_response(pb::Status::Error, error.to_string()),
            )
            .await;
        }
    };
    let length = reader.length();
    if op.offset > length {
        let message = format!(
            "offset {} is beyond the replica's length {length}",
            op.offset
        );
        return datatransfer::write_message(
            &mut stream,
            &error_response(pb::Status::ErrorInvalid, message),
        )
        .await;
    }
    let range = ReadRange::new(op.offset, op.length, length, reader.bytes_per_checksum());
    let mut response = pb::BlockOpResponse {
        first_chunk_offset: range.start,
        replica_length: length,
        bytes_per_checksum: reader.bytes_per_checksum(),
        ..success_response()
    };
    if range.start == 0 && range.end == length {
        // A whole-block read: the reader checks the recorded digests (none
        // while they are pending: the reader checks the CRCs only).
        let store = context.store.clone();
        let digests = tokio::task::spawn_blocking(move || store.digests(block.block_id))
            .await
            .map_err(std::io::Error::other)?;
        if let Ok(Some(digests)) = digests {
            response.md5 = digests.md5.to_vec();
            response.sha1 = digests.sha1.to_vec();
        }
    }
    datatransfer::write_message(&mut stream, &response).await?;
    let mut buffered = tokio::io::BufWriter::with_capacity(256 * 1024, &mut stream);
    stream_packets(
        Framing::Tusk,
        &mut buffered,
        reader,
        range.start,
        range.end,
        0,
        true,
    )
    .await?;
    buffered.flush().await
}

/// BLOCK_CHECKSUM: the replica's MD5 and SHA-1, computed (and recorded)
/// now if the digester has not recorded them yet (which checks its CRCs),
/// and Hadoop's block checksum, the MD5 of its chunk CRCs.
async fn block_checksum(
    mut stream: TcpStream,
    op: pb::OpBlockChecksum,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let store = context.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        let length = store.replica(block.block_id).map(|replica| replica.length);
        let outcome = store.record_digests(block.block_id, &AtomicBool::new(false))?;
        let crcs = match outcome {
            DigestOutcome::Recorded(_) => Some(store.crc_md5(block.block_id)?),
            DigestOutcome::Corrupt(_) => None,
        };
        Ok::<_, crate::storage::StorageError>((outcome, crcs, length.unwrap_or_default()))
    })
    .await
    .map_err(std::io::Error::other)?;
    let response = match result {
        Ok((DigestOutcome::Recorded(digests), Some(crcs), length)) => pb::BlockOpResponse {
            md5: digests.md5.to_vec(),
            sha1: digests.sha1.to_vec(),
            replica_length: length,
            bytes_per_checksum: crcs.bytes_per_crc,
            crc_md5: crcs.md5.to_vec(),
            crc_per_block: crcs.crc_count,
            ..success_response()
        },
        Ok((DigestOutcome::Recorded(_), None, _)) => {
            error_response(pb::Status::Error, "no block checksum".into())
        }
        Ok((DigestOutcome::Corrupt(reason), _, _)) => error_response(
            pb::Status::ErrorChecksum,
            format!("replica blk_{} is corrupt: {reason}", block.block_id),
        ),
        Err(error) => error_response(pb::Status::Error, error.to_string()),
    };
    datatransfer::write_message(&mut stream, &response).await
}

/// TRANSFER_BLOCK: copies the local replica (being written, or finalized)
/// to the targets, which are joining a writer's pipeline, then answers.
async fn transfer_block(
    mut stream: TcpStream,
    op: pb::OpTransferBlock,
    context: &TransferContext,
) -> std::io::Result<()> {
    let block = match op.block.required("block") {
        Ok(block) => block,
        Err(error) => return refuse_invalid(&mut stream, error).await,
    };
    let response = match send_replica(context, block, op.targets).await {
        Ok(()) => success_response(),
        Err(error) => {
            tracing::warn!(block = block.block_id, %error, "transferring a replica failed");
            error_response(pb::Status::Error, error.to_string())
        }
    };
    datatransfer::write_message(&mut stream, &response).await
}

/// Copies a local replica to `targets` (a pipeline), as the NameNode's
/// transfer command asks (a finalized replica) or a writer replacing a
/// failed DataNode (a replica being written, which stays so on the targets).
pub async fn send_replica(
    context: &TransferContext,
    block: pb::Block,
    targets: Vec<pb::DatanodeInfo>,
) -> Result<(), TransferError> {
    let Some((first, rest)) = targets.split_first() else {
        return Ok(());
    };
    let reader = open_reader(context, block.block_id, block.generation_stamp)
        .await
        .map_err(|error| TransferError::Io {
            address: transfer_address(first),
            source: error,
        })??;
    let stage = match context.store.replica(block.block_id) {
        Some(replica) if replica.state == ReplicaState::Finalized => pb::PipelineStage::Transfer,
        _ => pb::PipelineStage::TransferRbw,
    };
    let op = pb::OpWriteBlock {
        block: Some(pb::Block {
            generation_stamp: reader.block().generation_stamp,
            num_bytes: reader.length(),
            ..block
        }),
        targets: rest.to_vec(),
        client_name: String::new(),
        stage: stage.into(),
        bytes_per_checksum: reader.bytes_per_checksum(),
        ..Default::default()
    };
    let downstream = Downstream {
        address: transfer_address(first),
        op: ForwardOp::Tusk(pb::DataTransferOp {
            op: Some(pb::data_transfer_op::Op::WriteBlock(op)),
        }),
    };
    write::send_replica_to(context, reader, downstream, AckMode::PerPacket).await
}

/// Answers a request that lacks a required field (`ERROR_INVALID`, the
/// message naming the field) instead of serving it with a default.
async fn refuse_invalid(stream: &mut TcpStream, error: RemoteException) -> std::io::Result<()> {
    datatransfer::write_message(
        stream,
        &error_response(pb::Status::ErrorInvalid, error.message),
    )
    .await
}

fn error_response(status: pb::Status, message: String) -> pb::BlockOpResponse {
    pb::BlockOpResponse {
        status: status.into(),
        message,
        ..Default::default()
    }
}

fn success_response() -> pb::BlockOpResponse {
    pb::BlockOpResponse {
        status: pb::Status::Success.into(),
        ..Default::default()
    }
}
