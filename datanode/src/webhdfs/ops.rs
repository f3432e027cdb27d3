//! The DataNode's WebHDFS operations, streamed: OPEN sends the file in
//! chunks as the reader verifies them, CREATE and APPEND feed the request
//! body into the writer's pipeline as it arrives. Neither holds more than a
//! few chunks in memory.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use client::{CreateOptions, DfsClient, FileWriter};
use common::webhdfs::Params;
use common::{FsPermission, RemoteException};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

/// Bytes read per chunk of an OPEN answer.
const READ_CHUNK: usize = 64 * 1024;
/// Chunks read ahead of the HTTP connection.
const READ_AHEAD_CHUNKS: usize = 4;
/// Hadoop's default permission of a new file, before the umask.
const DEFAULT_FILE_PERMISSION: u16 = 0o644;

type Answer = Result<Response, RemoteException>;

/// OPEN: `length` bytes (default: to the end) from `offset`.
pub(super) async fn open(client: &DfsClient, path: &str, params: &Params) -> Answer {
    let offset = params.offset()?;
    let length = params.length()?;
    let mut reader = client.open(path).await?;
    let file_length = reader.length();
    if offset >= file_length && file_length > 0 {
        return Err(RemoteException::io(format!(
            "Offset={offset} out of the range [0, {file_length}); OPEN, path={path}"
        )));
    }
    let available = file_length.saturating_sub(offset);
    let to_send = length.map_or(available, |length| length.min(available));
    reader.seek(offset);
    let (chunks, receiver) = mpsc::channel::<std::io::Result<Vec<u8>>>(READ_AHEAD_CHUNKS);
    tokio::spawn(async move {
        let mut left = to_send;
        while left > 0 {
            let mut chunk = vec![0; left.min(READ_CHUNK as u64) as usize];
            let read = match reader.read(&mut chunk).await {
                Ok(0) => Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file ended early",
                )),
                Ok(read) => Ok(read),
                Err(error) => Err(std::io::Error::other(error.message)),
            };
            let read = match read {
                Ok(read) => read,
                Err(error) => {
                    tracing::warn!(%error, "webhdfs open failed mid-stream");
                    let _ = chunks.send(Err(error)).await;
                    return;
                }
            };
            chunk.truncate(read);
            left -= read as u64;
            if chunks.send(Ok(chunk)).await.is_err() {
                // The client went away.
                return;
            }
        }
    });
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, to_send.to_string()),
        ],
        Body::from_stream(ReceiverStream::new(receiver)),
    )
        .into_response())
}

/// CREATE: a new file from the request body; 201 with its `webhdfs://` URI.
pub(super) async fn create(
    client: &DfsClient,
    path: &str,
    params: &Params,
    body: Body,
    namenode: &str,
) -> Answer {
    let defaults = client.server_defaults().await?;
    let requested = params
        .permission()?
        .unwrap_or(FsPermission::new(DEFAULT_FILE_PERMISSION));
    let options = CreateOptions {
        permission: FsPermission::new(requested.bits() & !client.umask().bits()),
        overwrite: params.overwrite()?,
        create_parent: params.create_parent()?,
        replication: params.replication()?.unwrap_or(defaults.replication),
        block_size: params.block_size()?.unwrap_or(defaults.block_size),
    };
    let mut writer = client.create_writer(path, &options).await?;
    write_body(&mut writer, body).await?;
    writer.close().await?;
    let location = format!(
        "webhdfs://{namenode}{}",
        common::webhdfs::percent_encode(path, true)
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Body::empty(),
    )
        .into_response())
}

/// APPEND: the request body after the file's end.
pub(super) async fn append(client: &DfsClient, path: &str, body: Body) -> Answer {
    let mut writer = client.append_writer(path).await?;
    write_body(&mut writer, body).await?;
    writer.close().await?;
    Ok(StatusCode::OK.into_response())
}

/// Streams `body` into `writer`. When the client goes away first, the
/// writer is dropped unclosed: the file keeps what the pipeline
/// acknowledged and stays open until lease recovery closes it.
async fn write_body(writer: &mut FileWriter, body: Body) -> Result<(), RemoteException> {
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| {
            RemoteException::io(format!("reading the request body failed: {error}"))
        })?;
        writer.write(&chunk).await?;
    }
    Ok(())
}

/// GETFILECHECKSUM: Hadoop's MD5MD5CRC32C file checksum, in its JSON shape
/// (`bytes` is its serialized form, 4 + 8 + 16 bytes, in hex).
pub(super) async fn checksum(client: &DfsClient, path: &str) -> Answer {
    let checksum = client.file_checksum(path).await?;
    let bytes = checksum.hex();
    let body = json!({
        "FileChecksum": {
            "algorithm": checksum.algorithm(),
            "length": bytes.len() / 2,
            "bytes": bytes,
        }
    });
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}
