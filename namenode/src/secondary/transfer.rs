//! The SecondaryNameNode's HTTP client for the NameNode's `/imagetransfer`:
//! downloads stream into files (MD5 computed on the way), uploads stream
//! from a file, both off the runtime threads and throttled by
//! `dfs.image.transfer.bandwidthPerSec`.

use std::fs::File;
use std::path::PathBuf;

use bytes::Bytes;
use common::faults;
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::{Body, Frame};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_stream::StreamExt;

use crate::checkpoint::stream::{self, FileSink, WrittenFile};
use crate::checkpoint::transfer::{MD5_HEADER, PATH};

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
#[error("image transfer {what} with {address} failed: {reason}")]
pub struct TransferError {
    what: String,
    address: String,
    reason: String,
}

/// Talks to one NameNode's HTTP port.
pub struct TransferClient {
    /// The name this client connects as, for fault rules.
    node_name: String,
    address: String,
    bandwidth: u64,
}

/// A finished download: what was written and the response's MD5 header.
pub struct Downloaded {
    pub written: WrittenFile,
    pub advertised_md5: Option<String>,
}

impl TransferClient {
    /// `address` is the NameNode's `host:port` for HTTP; `node_name` names
    /// the caller in fault rules (see [`common::faults::connect`]).
    pub fn new(node_name: &str, address: String, bandwidth: u64) -> Self {
        Self {
            node_name: node_name.to_string(),
            address,
            bandwidth,
        }
    }

    fn error(&self, what: &str, reason: impl ToString) -> TransferError {
        TransferError {
            what: what.to_string(),
            address: self.address.clone(),
            reason: reason.to_string(),
        }
    }

    async fn send<B>(
        &self,
        what: &str,
        request: Request<B>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, TransferError>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let stream = faults::connect(&self.node_name, self.address.as_str())
            .await
            .map_err(|error| self.error(what, error))?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| self.error(what, error))?;
        tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| self.error(what, error))?;
        if response.status() == StatusCode::OK {
            return Ok(response);
        }
        let status = response.status();
        let text = response
            .into_body()
            .collect()
            .await
            .map(|body| String::from_utf8_lossy(&body.to_bytes()).into_owned())
            .unwrap_or_default();
        Err(self.error(what, format!("{status}: {}", text.trim())))
    }

    fn uri(&self, query: &str) -> String {
        format!("http://{}{PATH}?{query}", self.address)
    }

    /// GETs `/imagetransfer?QUERY` into every one of `paths`.
    pub async fn download(
        &self,
        query: &str,
        paths: Vec<PathBuf>,
    ) -> Result<Downloaded, TransferError> {
        let what = "download";
        let request = Request::get(self.uri(query))
            .header(hyper::header::HOST, &self.address)
            .body(Empty::<Bytes>::new())
            .map_err(|error| self.error(what, error))?;
        let response = self.send(what, request).await?;
        let advertised_md5 = response
            .headers()
            .get(MD5_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let sink = FileSink::create(paths).map_err(|error| self.error(what, error))?;
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| self.error(what, error))?;
            if let Ok(data) = frame.into_data() {
                sink.write(data)
                    .await
                    .map_err(|error| self.error(what, error))?;
            }
        }
        let written = sink
            .finish()
            .await
            .map_err(|error| self.error(what, error))?;
        Ok(Downloaded {
            written,
            advertised_md5,
        })
    }

    /// PUTs `file` (`len` bytes, MD5 `md5_hex`) to `/imagetransfer?QUERY`.
    pub async fn upload(
        &self,
        query: &str,
        file: File,
        len: u64,
        md5_hex: &str,
    ) -> Result<(), TransferError> {
        let what = "upload";
        let chunks = stream::file_chunks(file, self.bandwidth).map(|chunk| chunk.map(Frame::data));
        let request = Request::put(self.uri(query))
            .header(hyper::header::HOST, &self.address)
            .header(hyper::header::CONTENT_LENGTH, len)
            .header(MD5_HEADER, md5_hex)
            .body(StreamBody::new(chunks))
            .map_err(|error| self.error(what, error))?;
        self.send(what, request).await?;
        Ok(())
    }
}
