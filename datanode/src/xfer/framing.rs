//! What the transfer cores say on the wire, in either framing: packets,
//! pipeline acks, op replies, and the op that sets the next DataNode of a
//! pipeline up. The cores speak these domain types; each framing encodes
//! them (the status tables below are the one place they are mapped).

use std::io;
use std::time::Duration;

use common::datatransfer::{self, DATA_TRANSFER_VERSION, PacketBuffer, hadoop};
use common::faults;
use proto::hadoop::hdfs as hpb;
use proto::hdfs as pb;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::TransferError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which protocol a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Tusk's own: a version byte, u32-length-prefixed messages.
    Tusk,
    /// Hadoop's DataTransferProtocol 28: varint-delimited messages.
    Hadoop,
}

/// The outcome of an op or of one DataNode's part of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    Error,
    ErrorChecksum,
    ErrorInvalid,
    ErrorExists,
    ErrorUnsupported,
}

/// Our statuses and each protocol's, in decoding order (Tusk has no
/// "unsupported": it says "invalid").
const STATUSES: [(Status, pb::Status, hpb::Status); 6] = [
    (Status::Success, pb::Status::Success, hpb::Status::Success),
    (Status::Error, pb::Status::Error, hpb::Status::Error),
    (
        Status::ErrorChecksum,
        pb::Status::ErrorChecksum,
        hpb::Status::ErrorChecksum,
    ),
    (
        Status::ErrorInvalid,
        pb::Status::ErrorInvalid,
        hpb::Status::ErrorInvalid,
    ),
    (
        Status::ErrorExists,
        pb::Status::ErrorExists,
        hpb::Status::ErrorExists,
    ),
    (
        Status::ErrorUnsupported,
        pb::Status::ErrorInvalid,
        hpb::Status::ErrorUnsupported,
    ),
];

impl Status {
    pub fn to_tusk(self) -> pb::Status {
        STATUSES
            .iter()
            .find(|(status, _, _)| *status == self)
            .map_or(pb::Status::Error, |(_, tusk, _)| *tusk)
    }

    pub fn to_hadoop(self) -> hpb::Status {
        STATUSES
            .iter()
            .find(|(status, _, _)| *status == self)
            .map_or(hpb::Status::Error, |(_, _, hadoop)| *hadoop)
    }

    /// A Tusk status off the wire; anything unknown is an error.
    pub fn from_tusk(value: i32) -> Status {
        STATUSES
            .iter()
            .find(|(_, tusk, _)| *tusk as i32 == value)
            .map_or(Status::Error, |(status, _, _)| *status)
    }

    /// A Hadoop status off the wire; `CHECKSUM_OK` is a success, anything
    /// else unknown here (`ERROR_ACCESS_TOKEN`, `OOB_*`...) an error.
    pub fn from_hadoop(value: i32) -> Status {
        if value == hpb::Status::ChecksumOk as i32 {
            return Status::Success;
        }
        STATUSES
            .iter()
            .find(|(_, _, hadoop)| *hadoop as i32 == value)
            .map_or(Status::Error, |(status, _, _)| *status)
    }
}

/// The reply to an op: the connect ack of a write, or a refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: Status,
    pub message: String,
    /// For writes: `host:port` of the first DataNode of the pipeline that failed.
    pub first_bad_link: String,
}

impl Reply {
    pub fn success() -> Self {
        Self::error(Status::Success, String::new())
    }

    pub fn error(status: Status, message: String) -> Self {
        Self {
            status,
            message,
            first_bad_link: String::new(),
        }
    }

    pub fn with_bad_link(self, first_bad_link: String) -> Self {
        Self {
            first_bad_link,
            ..self
        }
    }

    pub fn to_tusk(&self) -> pb::BlockOpResponse {
        pb::BlockOpResponse {
            status: self.status.to_tusk().into(),
            message: self.message.clone(),
            first_bad_link: self.first_bad_link.clone(),
            ..Default::default()
        }
    }

    pub fn to_hadoop(&self) -> hpb::BlockOpResponseProto {
        let set = |text: &String| Some(text.clone()).filter(|text| !text.is_empty());
        hpb::BlockOpResponseProto {
            status: self.status.to_hadoop().into(),
            first_bad_link: set(&self.first_bad_link),
            message: set(&self.message),
            ..Default::default()
        }
    }
}

/// A pipeline ack: one status per DataNode, from the one sending it on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ack {
    pub seqno: i64,
    pub replies: Vec<Status>,
}

impl Framing {
    /// Reads the next packet, its checksums one per `bytes_per_checksum` chunk.
    pub async fn read_packet<R: AsyncRead + Unpin>(
        self,
        reader: &mut R,
        packet: &mut PacketBuffer,
        bytes_per_checksum: u32,
    ) -> io::Result<()> {
        match self {
            Framing::Tusk => packet.read_from(reader, bytes_per_checksum).await,
            Framing::Hadoop => packet.read_hadoop_from(reader, bytes_per_checksum).await,
        }
    }

    /// Writes a packet read by [`Framing::read_packet`] (mirroring it).
    pub async fn write_packet<W: AsyncWrite + Unpin>(
        self,
        writer: &mut W,
        packet: &mut PacketBuffer,
    ) -> io::Result<()> {
        match self {
            Framing::Tusk => packet.write_to(writer).await,
            Framing::Hadoop => packet.write_hadoop_to(writer).await,
        }
    }

    /// Writes a packet of replica data (`checksums` empty for a Hadoop
    /// reader that asked for none).
    pub async fn write_data_packet<W: AsyncWrite + Unpin>(
        self,
        writer: &mut W,
        offset_in_block: u64,
        seqno: i64,
        last_packet_in_block: bool,
        checksums: &[u32],
        data: &[u8],
    ) -> io::Result<()> {
        match self {
            Framing::Tusk => {
                let header = pb::PacketHeader {
                    offset_in_block,
                    seqno,
                    last_packet_in_block,
                    data_len: data.len() as u32,
                    checksum_len: (checksums.len() * 4) as u32,
                };
                datatransfer::write_packet(writer, &header, checksums, data).await
            }
            Framing::Hadoop => {
                let header = hadoop::packet_header(
                    offset_in_block,
                    seqno,
                    last_packet_in_block,
                    data.len(),
                    false,
                );
                hadoop::write_packet(writer, &header, checksums, data).await
            }
        }
    }

    pub async fn read_ack<R: AsyncRead + Unpin>(self, reader: &mut R) -> io::Result<Ack> {
        match self {
            Framing::Tusk => {
                let ack: pb::PipelineAck = datatransfer::read_message(reader).await?;
                let replies = ack.replies.into_iter().map(Status::from_tusk).collect();
                Ok(Ack {
                    seqno: ack.seqno,
                    replies,
                })
            }
            Framing::Hadoop => {
                let ack: hpb::PipelineAckProto = hadoop::read_delimited(reader).await?;
                // A sender filling only `flag` keeps each status in its low 4 bits.
                let replies = if ack.reply.is_empty() {
                    let status_of = |flag: &u32| Status::from_hadoop((flag & 0xf) as i32);
                    ack.flag.iter().map(status_of).collect()
                } else {
                    ack.reply.into_iter().map(Status::from_hadoop).collect()
                };
                Ok(Ack {
                    seqno: ack.seqno,
                    replies,
                })
            }
        }
    }

    pub async fn write_ack<W: AsyncWrite + Unpin>(
        self,
        writer: &mut W,
        ack: &Ack,
    ) -> io::Result<()> {
        match self {
            Framing::Tusk => {
                let replies = ack.replies.iter().map(|s| s.to_tusk() as i32).collect();
                let message = pb::PipelineAck {
                    seqno: ack.seqno,
                    replies,
                };
                datatransfer::write_message(writer, &message).await
            }
            Framing::Hadoop => {
                let reply = ack.replies.iter().map(|s| s.to_hadoop() as i32).collect();
                let message = hpb::PipelineAckProto {
                    seqno: ack.seqno,
                    reply,
                    downstream_ack_time_nanos: Some(0),
                    flag: Vec::new(),
                };
                hadoop::write_delimited(writer, &message).await
            }
        }
    }

    pub async fn read_reply<R: AsyncRead + Unpin>(self, reader: &mut R) -> io::Result<Reply> {
        match self {
            Framing::Tusk => {
                let response: pb::BlockOpResponse = datatransfer::read_message(reader).await?;
                Ok(Reply {
                    status: Status::from_tusk(response.status),
                    message: response.message,
                    first_bad_link: response.first_bad_link,
                })
            }
            Framing::Hadoop => {
                let response: hpb::BlockOpResponseProto = hadoop::read_delimited(reader).await?;
                Ok(Reply {
                    status: Status::from_hadoop(response.status),
                    message: response.message.unwrap_or_default(),
                    first_bad_link: response.first_bad_link.unwrap_or_default(),
                })
            }
        }
    }

    pub async fn write_reply<W: AsyncWrite + Unpin>(
        self,
        writer: &mut W,
        reply: &Reply,
    ) -> io::Result<()> {
        match self {
            Framing::Tusk => datatransfer::write_message(writer, &reply.to_tusk()).await,
            Framing::Hadoop => hadoop::write_delimited(writer, &reply.to_hadoop()).await,
        }
    }
}

/// The write op that sets up the rest of a pipeline, as the next DataNode
/// is to receive it.
#[derive(Clone, Debug)]
pub(crate) enum ForwardOp {
    Tusk(pb::DataTransferOp),
    Hadoop(Box<hpb::OpWriteBlockProto>),
}

/// The next DataNode of a pipeline and the op it gets.
#[derive(Clone, Debug)]
pub(crate) struct Downstream {
    /// `host:port` of its data-transfer server (as a first bad link names it).
    pub address: String,
    pub op: ForwardOp,
}

impl Downstream {
    pub fn framing(&self) -> Framing {
        match self.op {
            ForwardOp::Tusk(_) => Framing::Tusk,
            ForwardOp::Hadoop(_) => Framing::Hadoop,
        }
    }

    /// Connects (through the fault layer, as `from`) and sends the op;
    /// returns the connection and the reply, whatever its status.
    pub async fn connect(&self, from: &str) -> Result<(TcpStream, Reply), TransferError> {
        let address = self.address.clone();
        let resolved = match tokio::net::lookup_host(self.address.as_str()).await {
            Ok(mut resolved) => resolved.next(),
            Err(source) => return Err(TransferError::Resolve { address, source }),
        };
        let Some(resolved) = resolved else {
            return Err(TransferError::Unresolved { address });
        };
        let connected =
            tokio::time::timeout(CONNECT_TIMEOUT, faults::connect(from, resolved)).await;
        let mut stream = match connected {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => return Err(TransferError::Connect { address, source }),
            Err(_) => return Err(TransferError::ConnectTimeout { address }),
        };
        let sent = async {
            stream.set_nodelay(true)?;
            match &self.op {
                ForwardOp::Tusk(op) => {
                    stream.write_u8(DATA_TRANSFER_VERSION).await?;
                    datatransfer::write_message(&mut stream, op).await?;
                }
                ForwardOp::Hadoop(op) => {
                    hadoop::write_op(&mut stream, hadoop::Op::WriteBlock, op.as_ref()).await?;
                }
            }
            self.framing().read_reply(&mut stream).await
        };
        let reply = sent
            .await
            .map_err(|source| TransferError::Io { address, source })?;
        Ok((stream, reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_both_ways() {
        for (status, tusk, hadoop) in STATUSES {
            assert_eq!(status.to_hadoop(), hadoop);
            assert_eq!(Status::from_hadoop(hadoop as i32), status);
            assert_eq!(status.to_tusk(), tusk);
        }
        assert_eq!(
            Status::from_tusk(pb::Status::ErrorInvalid as i32),
            Status::ErrorInvalid
        );
        assert_eq!(
            Status::from_hadoop(hpb::Status::ChecksumOk as i32),
            Status::Success
        );
        assert_eq!(
            Status::from_hadoop(hpb::Status::ErrorAccessToken as i32),
            Status::Error
        );
    }

    #[tokio::test]
    async fn acks_and_replies_round_trip_in_both_framings() {
        let ack = Ack {
            seqno: -1,
            replies: vec![Status::Success, Status::ErrorChecksum],
        };
        let reply = Reply::error(Status::Error, "down".into()).with_bad_link("1.2.3.4:5".into());
        for framing in [Framing::Tusk, Framing::Hadoop] {
            let mut wire = Vec::new();
            framing.write_ack(&mut wire, &ack).await.unwrap();
            framing.write_reply(&mut wire, &reply).await.unwrap();
            let mut reader = wire.as_slice();
            assert_eq!(framing.read_ack(&mut reader).await.unwrap(), ack);
            assert_eq!(framing.read_reply(&mut reader).await.unwrap(), reply);
        }
    }
}
