//! The WebHDFS client (Hadoop's `WebHdfsFileSystem`): the user file-system calls over
//! `/webhdfs/v1` on a NameNode's HTTP port, one HTTP/1.1 connection per request.
//!
//! OPEN and CREATE follow the NameNode's 307 to a DataNode and stream: a reader yields the
//! response body as it arrives, a writer sends the request body as it is written. Failures
//! come back as Hadoop's `RemoteException` JSON and become typed [`RemoteException`]s (the
//! kind from the Java class name), so callers word them as they do the DFS client's.

mod json;

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use common::webhdfs::{PATH_PREFIX, percent_encode};
use common::{FsPermission, RemoteException};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{HOST, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::Result;
use crate::dfs::CreateOptions;
use crate::read::FileChecksum;
use crate::status::{ContentSummary, FileStatus};

pub use json::{parse_checksum, parse_content_summary, parse_file_status, parse_remote_exception};

/// The NameNode HTTP port a `webhdfs://host` URI without a port means (Hadoop's
/// `dfs.namenode.http-address` default).
pub const DEFAULT_WEBHDFS_PORT: u16 = 9870;

/// The `host:port` a `webhdfs://<authority>` URI names: port 9870 when it gives none, and
/// the host of `default_authority` (the default file system's) when it is empty.
pub fn webhdfs_authority(authority: &str, default_authority: Option<&str>) -> String {
    let host = if authority.is_empty() {
        let default_authority = default_authority.unwrap_or("localhost");
        default_authority
            .rsplit_once(':')
            .map_or(default_authority, |(host, _)| host)
            .to_string()
    } else {
        authority.to_string()
    };
    if host.contains(':') {
        host
    } else {
        format!("{host}:{DEFAULT_WEBHDFS_PORT}")
    }
}

/// Chunks a writer may have in flight before `write` waits for the connection.
const WRITE_QUEUE_CHUNKS: usize = 4;

/// A WebHDFS file system at one NameNode HTTP address, acting as one user. Cheap to clone:
/// it holds no connection.
#[derive(Clone, Debug)]
pub struct WebHdfsClient {
    authority: String,
    user: String,
}

impl WebHdfsClient {
    /// A client of the NameNode at `authority` (`host:port`), sending `user.name=<user>`.
    pub fn new(authority: &str, user: &str) -> Self {
        Self {
            authority: authority.to_string(),
            user: user.to_string(),
        }
    }

    /// `host:port` of the NameNode's HTTP server.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `webhdfs://host:port`
    pub fn uri(&self) -> String {
        format!("webhdfs://{}", self.authority)
    }

    /// The status of `path`, or `None` when it does not exist.
    pub async fn get_file_info(&self, path: &str) -> Result<Option<FileStatus>> {
        match self.call(Method::GET, path, "GETFILESTATUS", &[]).await {
            Ok(value) => Ok(Some(parse_file_status(path, &value["FileStatus"])?)),
            Err(error) if error.kind == common::ExceptionKind::FileNotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The entries of a directory, sorted by name, or the file itself when `path` is a file.
    pub async fn list(&self, path: &str) -> Result<Vec<FileStatus>> {
        let value = self.call(Method::GET, path, "LISTSTATUS", &[]).await?;
        let Some(entries) = value["FileStatuses"]["FileStatus"].as_array() else {
            return Err(json::malformed("LISTSTATUS"));
        };
        let mut statuses = Vec::with_capacity(entries.len());
        for entry in entries {
            statuses.push(parse_file_status(path, entry)?);
        }
        Ok(statuses)
    }

    /// Creates a directory and its missing ancestors (WebHDFS MKDIRS always does).
    pub async fn mkdirs(&self, path: &str, permission: FsPermission) -> Result<()> {
        let permission = format!("{:o}", permission.bits());
        let query = [("permission", permission.as_str())];
        self.call(Method::PUT, path, "MKDIRS", &query).await?;
        Ok(())
    }

    /// Renames `src` to `dst`; an existing directory `dst` receives `src` inside it.
    /// Returns false when the NameNode refused (a missing source, an existing file `dst`).
    pub async fn rename(&self, src: &str, dst: &str) -> Result<bool> {
        let query = [("destination", dst)];
        let value = self.call(Method::PUT, src, "RENAME", &query).await?;
        json::boolean(&value, "RENAME")
    }

    /// Deletes `path` (a non-empty directory only when `recursive`). Returns whether
    /// something was deleted.
    pub async fn delete(&self, path: &str, recursive: bool) -> Result<bool> {
        let query = [("recursive", if recursive { "true" } else { "false" })];
        let value = self.call(Method::DELETE, path, "DELETE", &query).await?;
        json::boolean(&value, "DELETE")
    }

    /// Cuts the file at `path` to `new_length` (TRUNCATE); false while its
    /// last block is still being cut.
    pub async fn truncate(&self, path: &str, new_length: u64) -> Result<bool> {
        let new_length = new_length.to_string();
        let query = [("newlength", new_length.as_str())];
        let value = self.call(Method::POST, path, "TRUNCATE", &query).await?;
        json::boolean(&value, "TRUNCATE")
    }

    /// Moves the blocks of `sources`, in order, to the end of `target` (CONCAT).
    pub async fn concat(&self, target: &str, sources: &[String]) -> Result<()> {
        let sources = sources.join(",");
        let path_and_query = self.path_and_query(target, "CONCAT", &[("sources", &sources)]);
        let response = send(Method::POST, &self.authority, &path_and_query, Empty::new()).await?;
        expect_success(response).await?;
        Ok(())
    }

    /// Sets a file's replication; returns false for a directory.
    pub async fn set_replication(&self, path: &str, replication: u16) -> Result<bool> {
        let replication = replication.to_string();
        let query = [("replication", replication.as_str())];
        let value = self
            .call(Method::PUT, path, "SETREPLICATION", &query)
            .await?;
        json::boolean(&value, "SETREPLICATION")
    }

    /// Sets the permission bits of `path`.
    pub async fn set_permission(&self, path: &str, permission: FsPermission) -> Result<()> {
        let permission = format!("{:o}", permission.bits());
        let query = [("permission", permission.as_str())];
        self.call(Method::PUT, path, "SETPERMISSION", &query)
            .await?;
        Ok(())
    }

    /// Sets the owner and/or group of `path`.
    pub async fn set_owner(
        &self,
        path: &str,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> Result<()> {
        let mut query = Vec::new();
        if let Some(owner) = owner {
            query.push(("owner", owner));
        }
        if let Some(group) = group {
            query.push(("group", group));
        }
        self.call(Method::PUT, path, "SETOWNER", &query).await?;
        Ok(())
    }

    /// Sets the modification and access times of `path` (milliseconds; -1 keeps one).
    pub async fn set_times(&self, path: &str, mtime: i64, atime: i64) -> Result<()> {
        let (mtime, atime) = (mtime.to_string(), atime.to_string());
        let query = [
            ("modificationtime", mtime.as_str()),
            ("accesstime", atime.as_str()),
        ];
        self.call(Method::PUT, path, "SETTIMES", &query).await?;
        Ok(())
    }

    /// Sizes and counts below `path`.
    pub async fn content_summary(&self, path: &str) -> Result<ContentSummary> {
        let value = self
            .call(Method::GET, path, "GETCONTENTSUMMARY", &[])
            .await?;
        parse_content_summary(&value)
    }

    /// The server's `fs.trash.interval` in minutes (GETSERVERDEFAULTS); 0 when off.
    pub async fn trash_interval_minutes(&self) -> Result<u64> {
        let value = self
            .call(Method::GET, "/", "GETSERVERDEFAULTS", &[])
            .await?;
        value["FsServerDefaults"]["trashInterval"]
            .as_u64()
            .ok_or_else(|| json::malformed("GETSERVERDEFAULTS"))
    }

    /// The file's checksum, as the DataNode holding its last block computes it.
    pub async fn file_checksum(&self, path: &str) -> Result<FileChecksum> {
        let response = self
            .redirected(Method::GET, path, "GETFILECHECKSUM", &[])
            .await?;
        parse_checksum(&read_json(response).await?)
    }

    /// Reads `path` from `offset`, at most `length` bytes (`None`: to the end).
    pub async fn open(
        &self,
        path: &str,
        offset: u64,
        length: Option<u64>,
    ) -> Result<WebHdfsReader> {
        let offset_text = offset.to_string();
        let length_text = length.map(|length| length.to_string());
        let mut query = vec![("offset", offset_text.as_str())];
        if let Some(length) = &length_text {
            query.push(("length", length.as_str()));
        }
        let response = self.redirected(Method::GET, path, "OPEN", &query).await?;
        Ok(WebHdfsReader {
            body: response.into_body(),
            pending: Bytes::new(),
            position: offset,
        })
    }

    /// Creates `path` and returns a writer streaming its bytes to a DataNode.
    pub async fn create(&self, path: &str, options: &CreateOptions) -> Result<WebHdfsWriter> {
        let permission = format!("{:o}", options.permission.bits());
        let replication = options.replication.to_string();
        let block_size = options.block_size.to_string();
        let query = [
            (
                "overwrite",
                if options.overwrite { "true" } else { "false" },
            ),
            ("permission", permission.as_str()),
            ("replication", replication.as_str()),
            ("blocksize", block_size.as_str()),
        ];
        let (sender, receiver) = mpsc::channel(WRITE_QUEUE_CHUNKS);
        let body = ChannelBody { receiver };
        let location = self.location(Method::PUT, path, "CREATE", &query).await?;
        let (authority, path_and_query) = split_location(&location)?;
        let response = tokio::spawn(async move {
            let response = send(Method::PUT, &authority, &path_and_query, body).await?;
            expect_success(response).await
        });
        Ok(WebHdfsWriter {
            sender: Some(sender),
            response,
        })
    }

    /// The URL path and query of `op` on `path`, with `user.name`.
    fn path_and_query(&self, path: &str, op: &str, query: &[(&str, &str)]) -> String {
        let mut url = format!(
            "{PATH_PREFIX}{}?op={op}&user.name={}",
            percent_encode(path, true),
            percent_encode(&self.user, false)
        );
        for (name, value) in query {
            url.push_str(&format!("&{name}={}", percent_encode(value, false)));
        }
        url
    }

    /// Runs an op answered by the NameNode itself; its JSON answer.
    async fn call(
        &self,
        method: Method,
        path: &str,
        op: &str,
        query: &[(&str, &str)],
    ) -> Result<serde_json::Value> {
        let path_and_query = self.path_and_query(path, op, query);
        let response = send(method, &self.authority, &path_and_query, Empty::new()).await?;
        read_json(expect_success(response).await?).await
    }

    /// Where the NameNode redirects `op` on `path` (its 307 `Location`).
    async fn location(
        &self,
        method: Method,
        path: &str,
        op: &str,
        query: &[(&str, &str)],
    ) -> Result<String> {
        let path_and_query = self.path_and_query(path, op, query);
        let response = send(method, &self.authority, &path_and_query, Empty::new()).await?;
        if response.status() != StatusCode::TEMPORARY_REDIRECT {
            expect_success(response).await?;
            return Err(RemoteException::io(format!(
                "{op}: the NameNode did not redirect to a DataNode"
            )));
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok());
        location
            .map(str::to_string)
            .ok_or_else(|| RemoteException::io(format!("{op}: a redirect without a Location")))
    }

    /// Runs an op the NameNode redirects to a DataNode; the DataNode's successful answer.
    async fn redirected(
        &self,
        method: Method,
        path: &str,
        op: &str,
        query: &[(&str, &str)],
    ) -> Result<Response<Incoming>> {
        let location = self.location(method.clone(), path, op, query).await?;
        let (authority, path_and_query) = split_location(&location)?;
        let response = send(method, &authority, &path_and_query, Empty::new()).await?;
        expect_success(response).await
    }
}

/// A file being read over WebHDFS: the DataNode's response body, consumed as it arrives.
pub struct WebHdfsReader {
    body: Incoming,
    pending: Bytes,
    position: u64,
}

impl WebHdfsReader {
    /// The offset of the next byte [`read`](Self::read) returns.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Reads up to `buf.len()` bytes; 0 at the end of the file (or of the requested range).
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        while self.pending.is_empty() {
            let Some(frame) = self.body.frame().await else {
                return Ok(0);
            };
            let frame = frame.map_err(|error| {
                RemoteException::io(format!("reading from the DataNode failed: {error}"))
            })?;
            if let Ok(data) = frame.into_data() {
                self.pending = data;
            }
        }
        let take = self.pending.len().min(buf.len());
        buf[..take].copy_from_slice(&self.pending.split_to(take));
        self.position += take as u64;
        Ok(take)
    }
}

/// A file being written over WebHDFS: what is written goes out as the body of the CREATE
/// request to the DataNode, as it is written.
pub struct WebHdfsWriter {
    sender: Option<mpsc::Sender<Bytes>>,
    response: JoinHandle<Result<Response<Incoming>>>,
}

impl WebHdfsWriter {
    /// Sends `data` (waits while the connection is behind).
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        let Some(sender) = &self.sender else {
            return Err(RemoteException::io("write after close"));
        };
        if sender.send(Bytes::copy_from_slice(data)).await.is_ok() {
            return Ok(());
        }
        // The request ended early: its answer says why.
        self.sender = None;
        match (&mut self.response).await {
            Ok(Err(error)) => Err(error),
            _ => Err(RemoteException::io(
                "the DataNode ended the upload before the end of the file",
            )),
        }
    }

    /// Ends the body and waits for the DataNode's 201: the file is then closed.
    pub async fn close(mut self) -> Result<()> {
        drop(self.sender.take());
        match (&mut self.response).await {
            Ok(answer) => answer.map(drop),
            Err(error) => Err(RemoteException::io(format!("upload task failed: {error}"))),
        }
    }
}

/// A request body fed by a channel: each chunk is sent as it arrives, the body ends when
/// the sender is dropped.
struct ChannelBody {
    receiver: mpsc::Receiver<Bytes>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        self.receiver
            .poll_recv(context)
            .map(|chunk| chunk.map(|data| Ok(Frame::data(data))))
    }
}

/// `http://host:port/path?query` split into the authority and the path with its query.
fn split_location(location: &str) -> Result<(String, String)> {
    let rest = location
        .strip_prefix("http://")
        .ok_or_else(|| RemoteException::io(format!("unsupported redirect target {location}")))?;
    let slash = rest.find('/').unwrap_or(rest.len());
    let path_and_query = if slash == rest.len() {
        "/"
    } else {
        &rest[slash..]
    };
    Ok((rest[..slash].to_string(), path_and_query.to_string()))
}

/// Sends one request on a new connection to `authority`.
async fn send<B>(
    method: Method,
    authority: &str,
    path_and_query: &str,
    body: B,
) -> Result<Response<Incoming>>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let unreachable =
        |error: &dyn std::fmt::Display| RemoteException::io(format!("{authority}: {error}"));
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|error| {
            RemoteException::io(format!(
                "Call to {authority} failed on connection exception: {error}"
            ))
        })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| unreachable(&error))?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path_and_query)
        .header(HOST, authority)
        .body(body)
        .map_err(|error| unreachable(&error))?;
    sender
        .send_request(request)
        .await
        .map_err(|error| unreachable(&error))
}

/// `response` when it succeeded, else the `RemoteException` its JSON body carries.
async fn expect_success(response: Response<Incoming>) -> Result<Response<Incoming>> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body = collect(response).await?;
    Err(parse_remote_exception(status.as_u16(), &body))
}

async fn collect(response: Response<Incoming>) -> Result<Bytes> {
    let body = response.into_body().collect().await.map_err(|error| {
        RemoteException::io(format!("reading the WebHDFS answer failed: {error}"))
    })?;
    Ok(body.to_bytes())
}

async fn read_json(response: Response<Incoming>) -> Result<serde_json::Value> {
    let body = collect(response).await?;
    if body.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&body)
        .map_err(|error| RemoteException::io(format!("malformed WebHDFS answer: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_redirect_targets() {
        assert_eq!(
            split_location("http://dn:9864/webhdfs/v1/a?op=OPEN").unwrap(),
            ("dn:9864".to_string(), "/webhdfs/v1/a?op=OPEN".to_string())
        );
        assert!(split_location("https://dn:9865/x").is_err());
    }

    #[test]
    fn builds_urls_with_the_user() {
        let client = WebHdfsClient::new("nn:9870", "alice");
        assert_eq!(
            client.path_and_query("/a b", "RENAME", &[("destination", "/c&d")]),
            "/webhdfs/v1/a%20b?op=RENAME&user.name=alice&destination=%2Fc%26d"
        );
        assert_eq!(client.uri(), "webhdfs://nn:9870");
    }
}
