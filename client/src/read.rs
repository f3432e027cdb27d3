//! Reading a file: each block from the nearest good replica, every chunk
//! checked against its CRC32C, and a whole-block read checked against the
//! MD5 and SHA-1 the DataNode recorded for the replica (its digester records
//! them shortly after finalize; a read before that checks the CRCs alone). A
//! replica that fails is reported to the NameNode and the read goes on from
//! the next one.

use std::collections::HashSet;
use std::time::Duration;

use common::datatransfer::{self, DATA_TRANSFER_VERSION, PacketBuffer};
use common::ids::DatanodeUuid;
use common::required::Required;
use common::{RemoteException, faults};
use md5::Digest;
use proto::hdfs as pb;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::Result;
use crate::dfs::DfsClient;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An open block read from one DataNode.
struct BlockRead {
    stream: BufReader<TcpStream>,
    node: pb::DatanodeInfo,
    block: pb::Block,
    /// Offset in the file of the next byte to hand out.
    position: u64,
    /// Bytes of the current packet not yet handed out: `packet.data[consumed..]`.
    packet: PacketBuffer,
    consumed: usize,
    bytes_per_checksum: u32,
    /// The whole block's SHA-1, when reading all of it.
    digest: Option<WholeBlockDigest>,
    finished: bool,
}

/// A whole-block read's check against the SHA-1 the DataNode recorded. The
/// MD5 is recorded too but not checked here: SHA-1 runs on the CPU's SHA
/// instructions at about three times MD5's speed, and a replica whose bytes
/// changed fails either one.
struct WholeBlockDigest {
    expected_sha1: Vec<u8>,
    sha1: sha1::Sha1,
}

/// An open file being read.
pub struct FileReader {
    client: DfsClient,
    path: String,
    length: u64,
    blocks: Vec<pb::LocatedBlock>,
    position: u64,
    current: Option<BlockRead>,
    /// Replicas that failed for this reader: (block id, datanode uuid).
    failed: HashSet<(u64, String)>,
}

impl FileReader {
    pub(crate) async fn open(client: DfsClient, path: &str) -> Result<Self> {
        let (length, blocks, _) = client.block_locations(path, 0, u64::MAX).await?;
        Ok(Self {
            client,
            path: path.to_string(),
            length,
            blocks,
            position: 0,
            current: None,
            failed: HashSet::new(),
        })
    }

    pub fn length(&self) -> u64 {
        self.length
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves the read position.
    pub fn seek(&mut self, position: u64) {
        if position != self.position {
            self.current = None;
            self.position = position.min(self.length);
        }
    }

    /// Reads up to `buf.len()` bytes; 0 at the end of the file.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() || self.position >= self.length {
            return Ok(0);
        }
        loop {
            if self.current.is_none() {
                self.current = Some(self.open_block().await?);
            }
            let current = self.current.as_mut().expect("a block read is open");
            match read_from_block(current, buf).await {
                Ok(0) => {
                    self.current = None;
                }
                Ok(read) => {
                    self.position += read as u64;
                    return Ok(read);
                }
                Err(failure) => {
                    let (block, node) = (current.block, current.node.clone());
                    self.current = None;
                    tracing::warn!(path = %self.path, block = block.block_id, datanode = %node.host, reason = %failure.reason, "read failed; trying another replica");
                    if failure.corrupt {
                        self.client
                            .report_bad_block(
                                block,
                                &DatanodeUuid::from(node.datanode_uuid.as_str()),
                                &failure.reason,
                            )
                            .await?;
                    }
                    self.failed.insert((block.block_id, node.datanode_uuid));
                }
            }
        }
    }

    /// Reads everything from the current position to the end.
    pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> Result<usize> {
        let start = out.len();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let read = self.read(&mut buf).await?;
            if read == 0 {
                return Ok(out.len() - start);
            }
            out.extend_from_slice(&buf[..read]);
        }
    }

    fn located(&self) -> Result<&pb::LocatedBlock> {
        self.blocks
            .iter()
            .find(|located| {
                let length = located.block.map_or(0, |block| block.num_bytes);
                located.offset <= self.position && self.position < located.offset + length
            })
            .ok_or_else(|| {
                RemoteException::io(format!(
                    "'{}': no block holds offset {}",
                    self.path, self.position
                ))
            })
    }

    async fn open_block(&mut self) -> Result<BlockRead> {
        let located = self.located()?.clone();
        let block = located.block.required("block")?;
        let mut last_error = String::from("no replica locations");
        for node in &located.locations {
            if self
                .failed
                .contains(&(block.block_id, node.datanode_uuid.clone()))
            {
                continue;
            }
            match connect_read(
                node,
                block,
                located.offset,
                self.position,
                self.client.verify_block_digests(),
            )
            .await
            {
                Ok(read) => return Ok(read),
                Err(failure) => {
                    last_error = failure.reason;
                    self.failed
                        .insert((block.block_id, node.datanode_uuid.clone()));
                }
            }
        }
        Err(RemoteException::io(format!(
            "Could not obtain block: blk_{}_{} file={} (No live nodes contain current block; last error: {last_error})",
            block.block_id, block.generation_stamp, self.path
        )))
    }
}

struct ReadFailure {
    corrupt: bool,
    reason: String,
}

fn io_failure(error: impl std::fmt::Display) -> ReadFailure {
    ReadFailure {
        corrupt: false,
        reason: error.to_string(),
    }
}

async fn connect_read(
    node: &pb::DatanodeInfo,
    block: pb::Block,
    block_offset: u64,
    position: u64,
    verify_digests: bool,
) -> std::result::Result<BlockRead, ReadFailure> {
    let address = format!("{}:{}", node.host, node.xfer_port);
    let mut stream =
        tokio::time::timeout(CONNECT_TIMEOUT, faults::connect(faults::CLIENT, &address))
            .await
            .map_err(|_| io_failure(format!("connect to {address} timed out")))?
            .map_err(|error| io_failure(format!("cannot connect to {address}: {error}")))?;
    stream.set_nodelay(true).map_err(io_failure)?;
    let offset_in_block = position - block_offset;
    let op = pb::OpReadBlock {
        block: Some(block),
        offset: offset_in_block,
        length: block.num_bytes - offset_in_block,
        client_name: String::new(),
    };
    stream
        .write_u8(DATA_TRANSFER_VERSION)
        .await
        .map_err(io_failure)?;
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::ReadBlock(op)),
    };
    datatransfer::write_message(&mut stream, &request)
        .await
        .map_err(io_failure)?;
    let response: pb::BlockOpResponse = datatransfer::read_message(&mut stream)
        .await
        .map_err(io_failure)?;
    if response.status() != pb::Status::Success {
        return Err(io_failure(format!("{address}: {}", response.message)));
    }
    if response.replica_length < block.num_bytes {
        return Err(ReadFailure {
            corrupt: true,
            reason: format!(
                "replica on {address} has {} bytes, the block {}",
                response.replica_length, block.num_bytes
            ),
        });
    }
    let whole_block =
        verify_digests && response.first_chunk_offset == 0 && !response.sha1.is_empty();
    let digest = whole_block.then(|| WholeBlockDigest {
        expected_sha1: response.sha1.clone(),
        sha1: sha1::Sha1::new(),
    });
    let mut read = BlockRead {
        stream: BufReader::with_capacity(256 * 1024, stream),
        node: node.clone(),
        block,
        position: block_offset + response.first_chunk_offset,
        packet: PacketBuffer::default(),
        consumed: 0,
        bytes_per_checksum: response.bytes_per_checksum.max(1),
        digest,
        finished: false,
    };
    // Skip from the chunk boundary the DataNode starts at to the position asked for.
    let mut skip = vec![0u8; 64 * 1024];
    while read.position < position {
        let want = ((position - read.position) as usize).min(skip.len());
        let got = read_from_block(&mut read, &mut skip[..want]).await?;
        if got == 0 {
            return Err(io_failure("replica ended before the requested offset"));
        }
    }
    Ok(read)
}

/// Copies the next bytes of the block into `buf`, fetching and verifying
/// packets as needed; 0 at the end of the block.
async fn read_from_block(
    read: &mut BlockRead,
    buf: &mut [u8],
) -> std::result::Result<usize, ReadFailure> {
    while read.consumed >= read.packet.data.len() {
        if read.finished {
            return Ok(0);
        }
        read.packet
            .read_from(&mut read.stream, read.bytes_per_checksum)
            .await
            .map_err(io_failure)?;
        read.consumed = 0;
        if let Err(chunk) = datatransfer::verify_chunks(
            &read.packet.data,
            read.bytes_per_checksum,
            &read.packet.checksums,
        ) {
            let offset = read.packet.header.offset_in_block
                + (chunk as u64) * u64::from(read.bytes_per_checksum);
            return Err(ReadFailure {
                corrupt: true,
                reason: format!(
                    "checksum error at offset {offset} of block {}",
                    read.block.block_id
                ),
            });
        }
        if let Some(digest) = read.digest.as_mut() {
            digest.sha1.update(&read.packet.data);
        }
        if read.packet.header.last_packet_in_block {
            read.finished = true;
            if let Some(digest) = read.digest.take()
                && digest.sha1.finalize().as_slice() != digest.expected_sha1.as_slice()
            {
                return Err(ReadFailure {
                    corrupt: true,
                    reason: format!("SHA-1 mismatch for block {}", read.block.block_id),
                });
            }
        }
    }
    let available = &read.packet.data[read.consumed..];
    let take = available.len().min(buf.len());
    buf[..take].copy_from_slice(&available[..take]);
    read.consumed += take;
    read.position += take as u64;
    Ok(take)
}

/// A file's checksum as Hadoop's `getFileChecksum` gives it for CRC32C files
/// (`MD5MD5CRC32CastagnoliFileChecksum`): the MD5 over its blocks' MD5s, each
/// the MD5 of the block's chunk CRCs, so it compares with a Hadoop cluster's
/// checksum of the same bytes written with the same chunk size. The
/// DataNode answering for a block first checks it (its recorded MD5/SHA-1,
/// or every CRC when it has not recorded them yet); a bad replica is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChecksum {
    /// `CRC32C`, or `CRC32` for a file without blocks (Hadoop's answer then).
    pub crc_type: &'static str,
    /// Bytes per CRC (`dfs.bytes-per-checksum` of the blocks); 0 for no block.
    pub bytes_per_crc: u32,
    /// CRCs per block when the file has more than one block, else 0 (Hadoop's rule).
    pub crc_per_block: u64,
    pub md5: [u8; 16],
    pub length: u64,
}

impl FileChecksum {
    /// The algorithm's name, as `hdfs dfs -checksum` prints it:
    /// `MD5-of-<crcPerBlock>MD5-of-<bytesPerCRC>CRC32C`.
    pub fn algorithm(&self) -> String {
        format!(
            "MD5-of-{}MD5-of-{}{}",
            self.crc_per_block, self.bytes_per_crc, self.crc_type
        )
    }

    /// The checksum's bytes as Hadoop serializes it (bytes per CRC as a 4-byte and CRCs per
    /// block as an 8-byte big-endian integer, then the MD5), in hex.
    pub fn hex(&self) -> String {
        self.bytes_per_crc
            .to_be_bytes()
            .iter()
            .chain(&self.crc_per_block.to_be_bytes())
            .chain(&self.md5)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

pub(crate) async fn file_checksum(client: &DfsClient, path: &str) -> Result<FileChecksum> {
    let (length, blocks, _) = client.block_locations(path, 0, u64::MAX).await?;
    if blocks.is_empty() {
        // Hadoop's FileChecksumHelper: the MD5 of 32 zero bytes, typed CRC32.
        return Ok(FileChecksum {
            crc_type: "CRC32",
            bytes_per_crc: 0,
            crc_per_block: 0,
            md5: md5::Md5::digest([0u8; 32]).into(),
            length,
        });
    }
    let mut all = md5::Md5::new();
    let (mut bytes_per_crc, mut crc_per_block) = (0, 0);
    let several = blocks.len() > 1;
    for (index, located) in blocks.into_iter().enumerate() {
        let block = located.block.required("block")?;
        let mut last_error = String::from("no replica locations");
        let mut found = None;
        for node in &located.locations {
            match block_checksum(node, block).await {
                Ok(answer) => {
                    found = Some(answer);
                    break;
                }
                Err(error) => last_error = error.message,
            }
        }
        let answer = found.ok_or_else(|| {
            RemoteException::io(format!(
                "'{path}': cannot get the checksum of block {}: {last_error}",
                block.block_id
            ))
        })?;
        if index == 0 {
            bytes_per_crc = answer.bytes_per_checksum;
            if several {
                crc_per_block = answer.crc_per_block;
            }
        } else if answer.bytes_per_checksum != bytes_per_crc {
            return Err(RemoteException::io(format!(
                "'{path}': blocks with different bytes per checksum ({bytes_per_crc} and {}) have no file checksum",
                answer.bytes_per_checksum
            )));
        }
        all.update(&answer.crc_md5);
    }
    Ok(FileChecksum {
        crc_type: "CRC32C",
        bytes_per_crc,
        crc_per_block,
        md5: all.finalize().into(),
        length,
    })
}

/// A DataNode's BLOCK_CHECKSUM answer for its replica of `block`.
async fn block_checksum(node: &pb::DatanodeInfo, block: pb::Block) -> Result<pb::BlockOpResponse> {
    let address = format!("{}:{}", node.host, node.xfer_port);
    let failed = |reason: String| RemoteException::io(format!("{address}: {reason}"));
    let mut stream = match tokio::time::timeout(
        CONNECT_TIMEOUT,
        faults::connect(faults::CLIENT, &address),
    )
    .await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            return Err(RemoteException::io(format!(
                "cannot connect to {address}: {error}"
            )));
        }
        Err(_) => {
            return Err(RemoteException::io(format!(
                "connect to {address} timed out"
            )));
        }
    };
    let request = pb::DataTransferOp {
        op: Some(pb::data_transfer_op::Op::BlockChecksum(
            pb::OpBlockChecksum { block: Some(block) },
        )),
    };
    let exchanged = async {
        stream.write_u8(DATA_TRANSFER_VERSION).await?;
        datatransfer::write_message(&mut stream, &request).await?;
        datatransfer::read_message::<pb::BlockOpResponse, _>(&mut stream).await
    };
    let response = exchanged.await.map_err(|error| failed(error.to_string()))?;
    if response.status() != pb::Status::Success || response.crc_md5.len() != 16 {
        return Err(failed(response.message));
    }
    Ok(response)
}
