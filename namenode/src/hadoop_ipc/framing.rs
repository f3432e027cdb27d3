//! Hadoop IPC's bytes on the wire.
//!
//! A connection opens with `hrpc`, the IPC version (9), a service class and
//! an auth protocol (0: none, -33: SASL). Then every request is a frame: a
//! u32 big-endian length, then varint-delimited messages: an
//! RpcRequestHeaderProto, and for a call a RequestHeaderProto and the
//! request. Every answer is a frame too: a u32 length, the delimited
//! RpcResponseHeaderProto and, on success, the delimited response.

use bytes::Bytes;
use prost::Message;
use proto::hadoop::common::RpcResponseHeaderProto;
use proto::hadoop::common::rpc_response_header_proto::RpcStatusProto;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::errors::RpcFailure;

/// The IPC version of Hadoop 2 and 3.
pub(super) const IPC_VERSION: u8 = 9;
/// The auth protocol byte of a client without authentication.
pub(super) const AUTH_PROTOCOL_NONE: u8 = 0;
/// The auth protocol byte of a client starting a SASL exchange (-33).
pub(super) const AUTH_PROTOCOL_SASL: u8 = (-33i8) as u8;

/// The call ids of the out-of-band requests.
pub(super) const CONNECTION_CONTEXT_CALL_ID: i32 = -3;
pub(super) const PING_CALL_ID: i32 = -4;
pub(super) const SASL_CALL_ID: i32 = -33;
/// The call id of an answer to no call (a broken connection header).
pub(super) const INVALID_CALL_ID: i32 = -1;

/// The connection header after `hrpc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ConnectionHeader {
    pub version: u8,
    pub service_class: u8,
    pub auth_protocol: u8,
}

/// Why no frame was read.
#[derive(Debug, thiserror::Error)]
pub(super) enum FrameError {
    /// The client closed the connection between frames.
    #[error("connection closed")]
    Closed,
    #[error("connection closed {got} bytes into a {expected}-byte {what}")]
    Truncated {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// Hadoop's message, sent back in a FATAL answer.
    #[error("Requested data length {length} is longer than maximum configured RPC length {max}")]
    TooLong { length: u32, max: usize },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads the three bytes after `hrpc`.
pub(super) async fn read_connection_header(
    reader: &mut (impl AsyncRead + Unpin),
) -> Result<ConnectionHeader, FrameError> {
    let mut bytes = [0u8; 3];
    read_fully(reader, &mut bytes, "connection header").await?;
    Ok(ConnectionHeader {
        version: bytes[0],
        service_class: bytes[1],
        auth_protocol: bytes[2],
    })
}

/// Reads one frame of at most `max_length` bytes (after its length).
pub(super) async fn read_frame(
    reader: &mut (impl AsyncRead + Unpin),
    max_length: usize,
) -> Result<Bytes, FrameError> {
    let mut length = [0u8; 4];
    match read_fully(reader, &mut length, "frame length").await {
        Err(FrameError::Truncated { got: 0, .. }) => return Err(FrameError::Closed),
        result => result?,
    }
    let length = u32::from_be_bytes(length);
    // Hadoop reads the length as a signed int: above i32::MAX is negative.
    if length as usize > max_length || length > i32::MAX as u32 {
        return Err(FrameError::TooLong {
            length,
            max: max_length,
        });
    }
    let mut frame = vec![0u8; length as usize];
    read_fully(reader, &mut frame, "frame").await?;
    Ok(Bytes::from(frame))
}

async fn read_fully(
    reader: &mut (impl AsyncRead + Unpin),
    buf: &mut [u8],
    what: &'static str,
) -> Result<(), FrameError> {
    let mut got = 0;
    while got < buf.len() {
        let read = reader.read(&mut buf[got..]).await?;
        if read == 0 {
            return Err(FrameError::Truncated {
                what,
                expected: buf.len(),
                got,
            });
        }
        got += read;
    }
    Ok(())
}

/// Decodes the next varint-delimited message of a frame, advancing past it.
pub(super) fn next_message<M: Message + Default>(
    frame: &mut Bytes,
) -> Result<M, prost::DecodeError> {
    M::decode_length_delimited(frame)
}

/// The header of an answer: a success, or the failure of `call_id` (-1: of
/// no call).
pub(super) fn answer_header(call_id: i32, failure: Option<&RpcFailure>) -> RpcResponseHeaderProto {
    let mut header = RpcResponseHeaderProto {
        // Hadoop sends the int's bits as an unsigned varint.
        call_id: call_id as u32,
        status: RpcStatusProto::Success as i32,
        server_ipc_version_num: Some(IPC_VERSION.into()),
        ..Default::default()
    };
    if let Some(failure) = failure {
        header.status = failure.status as i32;
        header.exception_class_name = Some(failure.class.clone());
        header.error_msg = Some(failure.message.clone());
        header.error_detail = Some(failure.code as i32);
    }
    header
}

/// The answer frame of a failure of no particular call, or of a FATAL one.
pub(super) fn failure_frame(call_id: i32, failure: &RpcFailure) -> Vec<u8> {
    answer_frame(&answer_header(call_id, Some(failure)), &[])
}

/// An answer frame: the header and, on success, the delimited response.
pub(super) fn answer_frame(header: &RpcResponseHeaderProto, response: &[u8]) -> Vec<u8> {
    let header_length = header.encoded_len();
    let delimited_header = prost::length_delimiter_len(header_length) + header_length;
    let length = delimited_header + response.len();
    let mut frame = Vec::with_capacity(4 + length);
    frame.extend_from_slice(&(length as u32).to_be_bytes());
    header
        .encode_length_delimited(&mut frame)
        .expect("a Vec grows to fit");
    frame.extend_from_slice(response);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::hadoop::common::RpcRequestHeaderProto;

    #[tokio::test]
    async fn frames_are_read_whole_or_refused() {
        let header = RpcRequestHeaderProto {
            call_id: 7,
            client_id: vec![1; 16],
            ..Default::default()
        };
        let body = header.encode_length_delimited_to_vec();
        let mut wire = (body.len() as u32).to_be_bytes().to_vec();
        wire.extend_from_slice(&body);

        let mut frame = read_frame(&mut wire.as_slice(), 1024).await.unwrap();
        let decoded: RpcRequestHeaderProto = next_message(&mut frame).unwrap();
        assert_eq!(decoded, header);
        assert!(frame.is_empty());

        assert!(matches!(
            read_frame(&mut &wire[..wire.len() - 1], 1024).await,
            Err(FrameError::Truncated { what: "frame", .. })
        ));
        assert!(matches!(
            read_frame(&mut &wire[..2], 1024).await,
            Err(FrameError::Truncated { got: 2, .. })
        ));
        assert!(matches!(
            read_frame(&mut &wire[..0], 1024).await,
            Err(FrameError::Closed)
        ));
        assert!(matches!(
            read_frame(&mut wire.as_slice(), 3).await,
            Err(FrameError::TooLong { max: 3, .. })
        ));
        let negative = u32::MAX.to_be_bytes();
        assert!(matches!(
            read_frame(&mut negative.as_slice(), usize::MAX).await,
            Err(FrameError::TooLong { .. })
        ));
    }

    #[test]
    fn an_answer_frame_counts_its_own_length() {
        let header = RpcResponseHeaderProto {
            call_id: 3,
            status: 0,
            ..Default::default()
        };
        let response = vec![2, 8, 1];
        let frame = answer_frame(&header, &response);
        let length = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(length, frame.len() - 4);
        let mut rest = Bytes::from(frame[4..].to_vec());
        let decoded: RpcResponseHeaderProto = next_message(&mut rest).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(&rest[..], &response[..]);
    }
}
