//! Writing a file: blocks streamed through DataNode pipelines.
//!
//! Data is cut into packets of at most 64 KiB with one CRC32C per chunk.
//! Packets stay queued until every DataNode of the pipeline acknowledged
//! them, so that when a DataNode fails the client can recover: drop the bad
//! node, get a new generation stamp from the NameNode, resume the block on
//! the survivors from the acknowledged length, and resend what was not yet
//! acknowledged. The NameNode re-replicates the block to full strength later.
//!
//! An append to a file whose last block is partial continues that block
//! (HDFS's PIPELINE_SETUP_APPEND): with a new generation stamp, the DataNodes
//! holding it reopen their replicas at its length, and the first packet only
//! completes the partial chunk, so every later packet is chunk-aligned.

use std::collections::VecDeque;
use std::time::Duration;

use common::datatransfer::{self, DATA_TRANSFER_VERSION, MAX_PACKET_DATA};
use common::ids::DatanodeUuid;
use common::required::Required;
use common::{RemoteException, faults};
use proto::hdfs as pb;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc;

use crate::Result;
use crate::dfs::DfsClient;

/// Packets in flight before the writer waits for acks.
const MAX_UNACKED_PACKETS: usize = 80;
/// How long `complete` is retried while the DataNodes' reports arrive: as
/// long as Hadoop's client waits by default (5 retries from 400 ms, the
/// delay doubling: `dfs.client.block.write.locateFollowingBlock.*`), polled
/// more often at first, where the answer usually is.
const COMPLETE_PATIENCE: Duration = Duration::from_millis(400 * 31);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ACK_READ_BUFFER: usize = 16 * 1024;

struct Packet {
    seqno: i64,
    offset: u64,
    last: bool,
    checksums: Vec<u32>,
    data: Vec<u8>,
}

/// A block being written through a pipeline.
struct BlockPipeline {
    block: pb::Block,
    nodes: Vec<pb::DatanodeInfo>,
    connection: OwnedWriteHalf,
    acks: mpsc::UnboundedReceiver<std::io::Result<pb::PipelineAck>>,
    unacked: VecDeque<Packet>,
    /// Acknowledged packets, whose buffers the next packets reuse.
    acked: Vec<Packet>,
    next_seqno: i64,
    bytes_sent: u64,
    bytes_acked: u64,
}

/// Why a pipeline failed, and which node to blame.
struct PipelineFailure {
    bad_node: Option<usize>,
    reason: String,
}

/// An open file being written. Call [`FileWriter::close`] to finish it.
pub struct FileWriter {
    client: DfsClient,
    path: String,
    file_id: u64,
    block_size: u64,
    /// The file's replication, against which lost DataNodes are replaced.
    replication: u16,
    appending: bool,
    bytes_per_checksum: u32,
    packet: Vec<u8>,
    pipeline: Option<BlockPipeline>,
    /// The partial last block an append continues, until its pipeline is
    /// set up (by the first packet, or at close if nothing was written).
    reopened: Option<pb::LocatedBlock>,
    previous: Option<pb::Block>,
    excluded: Vec<DatanodeUuid>,
    bytes_written: u64,
    _lease_renewal: LeaseRenewal,
}

/// Renews the client's leases while a writer lives (HDFS's LeaseRenewer),
/// so a slow writer keeps its file; a client that dies stops renewing and
/// the NameNode recovers the file after the lease limits.
struct LeaseRenewal(tokio::task::JoinHandle<()>);

impl LeaseRenewal {
    fn start(client: DfsClient) -> Self {
        Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(client.lease_renew_interval());
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if let Err(error) = client.renew_lease().await {
                    tracing::warn!(client = client.client_name(), error = %error.message, "lease renewal failed");
                }
            }
        }))
    }
}

impl Drop for LeaseRenewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The file a writer writes, as the NameNode opened it.
pub(crate) struct WrittenFile {
    pub path: String,
    pub file_id: u64,
    pub block_size: u64,
    pub replication: u16,
    /// Opened by `append`.
    pub appending: bool,
}

impl FileWriter {
    pub(crate) fn new(
        client: DfsClient,
        file: WrittenFile,
        bytes_per_checksum: u32,
        previous: Option<pb::Block>,
        reopened: Option<pb::LocatedBlock>,
    ) -> Self {
        Self {
            _lease_renewal: LeaseRenewal::start(client.clone()),
            client,
            path: file.path,
            file_id: file.file_id,
            block_size: file.block_size,
            replication: file.replication,
            appending: file.appending,
            bytes_per_checksum,
            packet: Vec::with_capacity(MAX_PACKET_DATA),
            pipeline: None,
            reopened,
            previous,
            excluded: Vec::new(),
            bytes_written: 0,
        }
    }

    fn packet_len(&self) -> usize {
        MAX_PACKET_DATA - MAX_PACKET_DATA % self.bytes_per_checksum.max(1) as usize
    }

    /// Where the packet being filled starts in its block.
    fn packet_offset(&self) -> u64 {
        match (&self.pipeline, &self.reopened) {
            (Some(pipeline), _) => pipeline.bytes_sent,
            (None, Some(reopened)) => reopened.block.map_or(0, |block| block.num_bytes),
            (None, None) => 0,
        }
    }

    /// The bytes a packet starting at `offset` in its block may hold: up to
    /// the end of the chunk when it starts inside one (an append's first
    /// packet completes the partial chunk), else a whole packet.
    fn packet_capacity(&self, offset: u64) -> usize {
        let bytes_per_checksum = u64::from(self.bytes_per_checksum.max(1));
        match offset % bytes_per_checksum {
            0 => self.packet_len(),
            into_chunk => (bytes_per_checksum - into_chunk) as usize,
        }
    }

    /// Bytes accepted so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Appends `data` to the file.
    pub async fn write(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let packet_offset = self.packet_offset();
            let packet_capacity = self.packet_capacity(packet_offset);
            let block_used = packet_offset + self.packet.len() as u64;
            let block_room = (self.block_size - block_used) as usize;
            let packet_room = packet_capacity - self.packet.len();
            let take = data.len().min(packet_room).min(block_room.max(1));
            self.packet.extend_from_slice(&data[..take]);
            data = &data[take..];
            self.bytes_written += take as u64;
            let block_full = block_used + take as u64 >= self.block_size;
            if self.packet.len() == packet_capacity || block_full {
                self.send_packet(false).await?;
            }
            if block_full {
                self.end_block().await?;
            }
        }
        Ok(())
    }

    /// Flushes, ends the last block and closes the file on the NameNode.
    pub async fn close(mut self) -> Result<()> {
        if !self.packet.is_empty() {
            self.send_packet(false).await?;
        }
        if self.pipeline.is_some() || self.reopened.is_some() {
            self.end_block().await?;
        }
        let last = self.previous;
        let started = std::time::Instant::now();
        let mut delay = Duration::from_millis(20);
        while started.elapsed() < COMPLETE_PATIENCE {
            if self.client.complete(&self.path, self.file_id, last).await? {
                return Ok(());
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(400));
        }
        Err(RemoteException::io(format!(
            "Unable to close file because the last block {} does not have enough number of replicas",
            last.map_or(0, |block| block.block_id)
        )))
    }

    /// Sends the buffered data as one packet (opening a block first if needed).
    async fn send_packet(&mut self, last: bool) -> Result<()> {
        if self.pipeline.is_none() {
            match self.reopened.take() {
                Some(reopened) => self.start_append(reopened).await?,
                None => self.start_block().await?,
            }
        }
        let packet_len = self.packet_len();
        let pipeline = self.pipeline.as_mut().expect("a block is open");
        let (next, mut checksums) = match pipeline.acked.pop() {
            Some(Packet {
                mut data,
                checksums,
                ..
            }) => {
                data.clear();
                (data, checksums)
            }
            None => (Vec::with_capacity(packet_len), Vec::new()),
        };
        let data = std::mem::replace(&mut self.packet, next);
        datatransfer::checksum_chunks(&data, self.bytes_per_checksum, &mut checksums);
        let packet = Packet {
            seqno: pipeline.next_seqno,
            offset: pipeline.bytes_sent,
            last,
            checksums,
            data,
        };
        pipeline.next_seqno += 1;
        pipeline.bytes_sent += packet.data.len() as u64;
        let sent = send(&mut pipeline.connection, &packet).await;
        pipeline.unacked.push_back(packet);
        let mut outcome = sent.map_err(|error| PipelineFailure {
            bad_node: None,
            reason: error.to_string(),
        });
        if outcome.is_ok() {
            outcome = drain_acks(pipeline, MAX_UNACKED_PACKETS).await;
        }
        if let Err(failure) = outcome {
            self.recover(failure).await?;
        }
        Ok(())
    }

    /// Sends the empty last packet and waits until every packet is acked.
    async fn end_block(&mut self) -> Result<()> {
        self.send_packet(true).await?;
        loop {
            let pipeline = self.pipeline.as_mut().expect("a block is open");
            match drain_acks(pipeline, 0).await {
                Ok(()) => break,
                Err(failure) => self.recover(failure).await?,
            }
        }
        let pipeline = self.pipeline.take().expect("a block is open");
        self.previous = Some(pb::Block {
            num_bytes: pipeline.bytes_sent,
            ..pipeline.block
        });
        Ok(())
    }

    async fn start_block(&mut self) -> Result<()> {
        loop {
            let located = self
                .client
                .add_block(&self.path, self.file_id, self.previous, &self.excluded)
                .await?;
            let block = located.block.required("block")?;
            match connect_pipeline(
                &block,
                &located.locations,
                pb::PipelineStage::SetupCreate,
                0,
                self.bytes_per_checksum,
            )
            .await
            {
                Ok((connection, acks)) => {
                    self.pipeline = Some(BlockPipeline {
                        block,
                        nodes: located.locations,
                        connection,
                        acks,
                        unacked: VecDeque::new(),
                        acked: Vec::new(),
                        next_seqno: 0,
                        bytes_sent: 0,
                        bytes_acked: 0,
                    });
                    return Ok(());
                }
                Err(failure) => {
                    // As HDFS: give the block up and ask again without the bad node.
                    let bad = failure
                        .bad_node
                        .and_then(|index| located.locations.get(index));
                    let Some(bad) = bad.or(located.locations.first()) else {
                        return Err(RemoteException::io(format!(
                            "no DataNode to write {}: {}",
                            self.path, failure.reason
                        )));
                    };
                    tracing::warn!(block = block.block_id, datanode = %bad.host, reason = %failure.reason, "abandoning block");
                    self.excluded
                        .push(DatanodeUuid::from(bad.datanode_uuid.as_str()));
                    self.client
                        .abandon_block(&self.path, self.file_id, block)
                        .await?;
                }
            }
        }
    }

    /// Sets up the pipeline continuing `reopened`, the partial last block an
    /// append goes on with: a new generation stamp, then its DataNodes reopen
    /// their replicas at the block's length. A DataNode failing the setup is
    /// dropped and the others are tried again at a newer stamp.
    async fn start_append(&mut self, reopened: pb::LocatedBlock) -> Result<()> {
        let mut block = reopened.block.required("block")?;
        let mut nodes = reopened.locations;
        let length = block.num_bytes;
        loop {
            if nodes.is_empty() {
                return Err(RemoteException::io(format!(
                    "no DataNode to append to block {} of {}",
                    block.block_id, self.path
                )));
            }
            let bumped = self
                .client
                .update_block_for_pipeline(&self.path, block)
                .await?;
            let new_block = pb::Block {
                num_bytes: length,
                ..bumped
            };
            let connected = connect_pipeline(
                &pb::Block {
                    generation_stamp: block.generation_stamp,
                    ..new_block
                },
                &nodes,
                pb::PipelineStage::SetupAppend,
                new_block.generation_stamp,
                self.bytes_per_checksum,
            )
            .await;
            match connected {
                Ok((connection, acks)) => {
                    let node_uuids: Vec<DatanodeUuid> = nodes
                        .iter()
                        .map(|node| DatanodeUuid::from(node.datanode_uuid.as_str()))
                        .collect();
                    self.client
                        .update_pipeline(&self.path, block, new_block, &node_uuids)
                        .await?;
                    self.pipeline = Some(BlockPipeline {
                        block: pb::Block {
                            num_bytes: 0,
                            ..new_block
                        },
                        nodes,
                        connection,
                        acks,
                        unacked: VecDeque::new(),
                        acked: Vec::new(),
                        next_seqno: 0,
                        bytes_sent: length,
                        bytes_acked: length,
                    });
                    return Ok(());
                }
                Err(failure) => {
                    let bad = failure
                        .bad_node
                        .unwrap_or(0)
                        .min(nodes.len().saturating_sub(1));
                    let removed = nodes.remove(bad);
                    tracing::warn!(block = block.block_id, datanode = %removed.host, reason = %failure.reason, "append pipeline setup: dropping datanode");
                    self.excluded
                        .push(DatanodeUuid::from(removed.datanode_uuid));
                    block = new_block;
                }
            }
        }
    }

    /// Pipeline recovery (see the module docs).
    async fn recover(&mut self, failure: PipelineFailure) -> Result<()> {
        let mut failure = failure;
        loop {
            let pipeline = self.pipeline.as_mut().expect("a block is open");
            let bad = failure
                .bad_node
                .unwrap_or(0)
                .min(pipeline.nodes.len().saturating_sub(1));
            let removed = pipeline.nodes.remove(bad);
            tracing::warn!(block = pipeline.block.block_id, datanode = %removed.host, reason = %failure.reason, "pipeline recovery: dropping datanode");
            self.excluded
                .push(DatanodeUuid::from(removed.datanode_uuid.as_str()));
            if pipeline.nodes.is_empty() {
                return Err(RemoteException::io(format!(
                    "All datanodes are bad for block {} of {}: {}",
                    pipeline.block.block_id, self.path, failure.reason
                )));
            }
            let closing = pipeline.unacked.back().is_some_and(|packet| packet.last);
            // A closing pipeline is not replenished (Hadoop's neither): the
            // NameNode re-replicates the complete block. Nor is one with
            // nothing acknowledged, for want of a replica to copy.
            let policy = self.client.replace_datanode();
            if !closing
                && pipeline.bytes_acked > 0
                && policy.should_replace(self.replication, pipeline.nodes.len(), self.appending)
            {
                let replacement = Replacement {
                    client: &self.client,
                    path: &self.path,
                    lost: &removed,
                    excluded: &mut self.excluded,
                };
                replacement.add_to(pipeline).await?;
            }
            let old_block = pipeline.block;
            let bumped = self
                .client
                .update_block_for_pipeline(&self.path, old_block)
                .await?;
            // Once the block's last packet was sent the survivors may have
            // finalized it: they only need the new stamp (close recovery).
            let (stage, recovered_length) = if closing {
                (pb::PipelineStage::SetupCloseRecovery, pipeline.bytes_sent)
            } else {
                (
                    pb::PipelineStage::SetupStreamingRecovery,
                    pipeline.bytes_acked,
                )
            };
            let new_block = pb::Block {
                num_bytes: recovered_length,
                ..bumped
            };
            let connected = connect_pipeline(
                &pb::Block {
                    generation_stamp: old_block.generation_stamp,
                    ..new_block
                },
                &pipeline.nodes,
                stage,
                new_block.generation_stamp,
                self.bytes_per_checksum,
            )
            .await;
            let (connection, acks) = match connected {
                Ok(connected) => connected,
                Err(next_failure) => {
                    failure = next_failure;
                    continue;
                }
            };
            let node_uuids: Vec<DatanodeUuid> = pipeline
                .nodes
                .iter()
                .map(|node| DatanodeUuid::from(node.datanode_uuid.as_str()))
                .collect();
            self.client
                .update_pipeline(&self.path, old_block, new_block, &node_uuids)
                .await?;
            pipeline.block = pb::Block {
                num_bytes: 0,
                ..new_block
            };
            pipeline.connection = connection;
            pipeline.acks = acks;
            if closing {
                // Every survivor holds the whole block, finalized: done.
                pipeline.unacked.clear();
                pipeline.bytes_acked = pipeline.bytes_sent;
                return Ok(());
            }
            let mut resent = Ok(());
            for packet in &pipeline.unacked {
                resent = send(&mut pipeline.connection, packet).await;
                if resent.is_err() {
                    break;
                }
            }
            match resent {
                Ok(()) => return Ok(()),
                Err(error) => {
                    failure = PipelineFailure {
                        bad_node: None,
                        reason: error.to_string(),
                    }
                }
            }
        }
    }
}

async fn send(connection: &mut OwnedWriteHalf, packet: &Packet) -> std::io::Result<()> {
    let header = pb::PacketHeader {
        offset_in_block: packet.offset,
        seqno: packet.seqno,
        last_packet_in_block: packet.last,
        data_len: packet.data.len() as u32,
        checksum_len: (packet.checksums.len() * 4) as u32,
    };
    datatransfer::write_packet(connection, &header, &packet.checksums, &packet.data).await?;
    connection.flush().await
}

/// Processes acks until at most `max_unacked` packets remain unacknowledged.
async fn drain_acks(
    pipeline: &mut BlockPipeline,
    max_unacked: usize,
) -> std::result::Result<(), PipelineFailure> {
    loop {
        // Once everything is acknowledged the DataNode may close: not a failure.
        if pipeline.unacked.is_empty() {
            return Ok(());
        }
        let ack = if pipeline.unacked.len() > max_unacked {
            pipeline.acks.recv().await
        } else {
            match pipeline.acks.try_recv() {
                Ok(ack) => Some(ack),
                Err(mpsc::error::TryRecvError::Empty) => return Ok(()),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        };
        let ack = match ack {
            Some(Ok(ack)) => ack,
            Some(Err(error)) => {
                return Err(PipelineFailure {
                    bad_node: None,
                    reason: error.to_string(),
                });
            }
            None => {
                return Err(PipelineFailure {
                    bad_node: None,
                    reason: "pipeline closed".into(),
                });
            }
        };
        if let Some(bad) = ack
            .replies
            .iter()
            .position(|&status| status != pb::Status::Success as i32)
        {
            return Err(PipelineFailure {
                bad_node: Some(bad),
                reason: format!("datanode {bad} of the pipeline failed the packet"),
            });
        }
        let Some(front) = pipeline.unacked.front() else {
            continue;
        };
        if front.seqno != ack.seqno {
            return Err(PipelineFailure {
                bad_node: None,
                reason: format!(
                    "ack for seqno {} while {} was expected",
                    ack.seqno, front.seqno
                ),
            });
        }
        let packet = pipeline.unacked.pop_front().expect("checked front");
        pipeline.bytes_acked = packet.offset + packet.data.len() as u64;
        pipeline.acked.push(packet);
    }
}

/// A DataNode added to a pipeline that lost `lost`
/// (`dfs.client.block.write.replace-datanode-on-failure.*`): the NameNode
/// chooses it, a survivor copies it the acknowledged bytes
/// (TRANSFER_BLOCK), and it joins the recovery that follows.
struct Replacement<'a> {
    client: &'a DfsClient,
    path: &'a str,
    lost: &'a pb::DatanodeInfo,
    excluded: &'a mut Vec<DatanodeUuid>,
}

impl Replacement<'_> {
    /// Tries a few candidates; without one, fails the write unless the
    /// policy lets it go on with the DataNodes it has.
    async fn add_to(self, pipeline: &mut BlockPipeline) -> Result<()> {
        const ATTEMPTS: usize = 3;
        let policy = self.client.replace_datanode();
        let block = pb::Block {
            num_bytes: pipeline.bytes_acked,
            ..pipeline.block
        };
        let mut reason = String::from("no DataNode was offered");
        for _ in 0..ATTEMPTS {
            let offered = self
                .client
                .get_additional_datanode(self.path, block, &pipeline.nodes, self.excluded, 1)
                .await;
            let Some(added) = offered.ok().and_then(|nodes| {
                nodes.into_iter().find(|node| {
                    !pipeline
                        .nodes
                        .iter()
                        .any(|kept| kept.datanode_uuid == node.datanode_uuid)
                })
            }) else {
                break;
            };
            match transfer_replica(&pipeline.nodes[0], block, &added).await {
                Ok(()) => {
                    tracing::info!(block = block.block_id, datanode = %added.host, "pipeline recovery: added datanode");
                    pipeline.nodes.push(added);
                    return Ok(());
                }
                Err(error) => {
                    tracing::warn!(block = block.block_id, datanode = %added.host, %error, "pipeline recovery: copying to the added datanode failed");
                    self.excluded
                        .push(DatanodeUuid::from(added.datanode_uuid.as_str()));
                    reason = error;
                }
            }
        }
        if policy.may_go_on_without(pipeline.nodes.len()) {
            tracing::warn!(block = block.block_id, %reason, "pipeline recovery: no replacement datanode; going on with the datanodes left (best effort)");
            return Ok(());
        }
        let hosts = |nodes: &[pb::DatanodeInfo]| -> Vec<String> {
            nodes
                .iter()
                .map(|node| format!("{}:{}", node.host, node.xfer_port))
                .collect()
        };
        let current = hosts(&pipeline.nodes);
        let mut original = current.clone();
        original.extend(hosts(std::slice::from_ref(self.lost)));
        Err(RemoteException::io(
            policy.no_replacement(&current, &original),
        ))
    }
}

/// Asks `source` to copy its replica of `block` (the acknowledged bytes at
/// least) to `target`, which then holds it being written.
async fn transfer_replica(
    source: &pb::DatanodeInfo,
    block: pb::Block,
    target: &pb::DatanodeInfo,
) -> std::result::Result<(), String> {
    let address = format!("{}:{}", source.host, source.xfer_port);
    let mut stream =
        tokio::time::timeout(CONNECT_TIMEOUT, faults::connect(faults::CLIENT, &address))
            .await
            .map_err(|_| format!("connect to {address} timed out"))?
            .map_err(|error| format!("cannot connect to {address}: {error}"))?;
    let op = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::TransferBlock(
            pb::OpTransferBlock {
                block: Some(block),
                targets: vec![target.clone()],
            },
        )),
    };
    let exchange = async {
        stream.write_u8(DATA_TRANSFER_VERSION).await?;
        datatransfer::write_message(&mut stream, &op).await?;
        datatransfer::read_message::<pb::BlockOpResponse, _>(&mut stream).await
    };
    let response = exchange
        .await
        .map_err(|error| format!("{address}: {error}"))?;
    if response.status() != pb::Status::Success {
        return Err(format!("{address}: {}", response.message));
    }
    Ok(())
}

type Connected = (
    OwnedWriteHalf,
    mpsc::UnboundedReceiver<std::io::Result<pb::PipelineAck>>,
);

/// Opens a write pipeline at `nodes[0]`; acks arrive on the returned channel.
async fn connect_pipeline(
    block: &pb::Block,
    nodes: &[pb::DatanodeInfo],
    stage: pb::PipelineStage,
    new_generation_stamp: u64,
    bytes_per_checksum: u32,
) -> std::result::Result<Connected, PipelineFailure> {
    let Some(first) = nodes.first() else {
        return Err(PipelineFailure {
            bad_node: None,
            reason: "no datanode to write to".into(),
        });
    };
    let fail_first = |reason: String| PipelineFailure {
        bad_node: Some(0),
        reason,
    };
    let address = format!("{}:{}", first.host, first.xfer_port);
    let mut stream =
        tokio::time::timeout(CONNECT_TIMEOUT, faults::connect(faults::CLIENT, &address))
            .await
            .map_err(|_| fail_first(format!("connect to {address} timed out")))?
            .map_err(|error| fail_first(format!("cannot connect to {address}: {error}")))?;
    stream
        .set_nodelay(true)
        .map_err(|error| fail_first(error.to_string()))?;
    let op = pb::OpWriteBlock {
        block: Some(*block),
        targets: nodes[1..].to_vec(),
        client_name: String::new(),
        stage: stage.into(),
        new_generation_stamp,
        bytes_per_checksum,
        bytes_acked: block.num_bytes,
    };
    stream
        .write_u8(DATA_TRANSFER_VERSION)
        .await
        .map_err(|error| fail_first(error.to_string()))?;
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::WriteBlock(op)),
    };
    datatransfer::write_message(&mut stream, &request)
        .await
        .map_err(|error| fail_first(error.to_string()))?;
    let response: pb::BlockOpResponse = datatransfer::read_message(&mut stream)
        .await
        .map_err(|error| fail_first(error.to_string()))?;
    if response.status() != pb::Status::Success {
        let bad_node = nodes
            .iter()
            .position(|node| format!("{}:{}", node.host, node.xfer_port) == response.first_bad_link)
            .or(Some(0));
        return Err(PipelineFailure {
            bad_node,
            reason: format!("{address}: {}", response.message),
        });
    }
    let (reader, writer) = stream.into_split();
    // Acks are small: read several per system call.
    let mut reader = BufReader::with_capacity(ACK_READ_BUFFER, reader);
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let ack = datatransfer::read_message::<pb::PipelineAck, _>(&mut reader).await;
            let failed = ack.is_err();
            if sender.send(ack).is_err() || failed {
                return;
            }
        }
    });
    Ok((writer, receiver))
}
