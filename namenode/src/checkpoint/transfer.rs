//! `/imagetransfer` on the NameNode's HTTP port, in the manner of Hadoop's
//! ImageServlet:
//!
//! - `GET  /imagetransfer?getimage=1&txid=N` (or `txid=latest`): an fsimage,
//!   with its MD5 in `X-MD5-Digest` and its txid in `X-Image-Txid`;
//! - `GET  /imagetransfer?getedit=1&startTxId=A&endTxId=B`: a finalized segment;
//! - `PUT  /imagetransfer?txid=N&storageInfo=LV:NSID:CTIME:CID` with
//!   `X-MD5-Digest`: a checkpoint image, verified before it is installed.
//!
//! A thin adapter over [`Checkpoints`].

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Checkpoints, UploadError, stream};
use crate::storage::{LAYOUT_VERSION, StorageInfo};

/// Path of the transfer endpoint.
pub const PATH: &str = "/imagetransfer";
/// Header carrying an image's MD5 (hex), both ways.
pub const MD5_HEADER: &str = "X-MD5-Digest";
/// Header carrying the txid of a downloaded image.
pub const TXID_HEADER: &str = "X-Image-Txid";

pub fn router(checkpoints: Arc<Checkpoints>) -> Router {
    Router::new()
        .route(PATH, get(download).put(upload))
        .with_state(checkpoints)
}

/// Hadoop's `storageInfo` parameter: `layoutVersion:namespaceID:cTime:clusterID`.
pub fn storage_info_param(info: &StorageInfo) -> String {
    format!(
        "{LAYOUT_VERSION}:{}:{}:{}",
        info.namespace_id, info.ctime, info.cluster_id
    )
}

fn parse_storage_info_param(text: &str) -> Option<StorageInfo> {
    let mut fields = text.splitn(4, ':');
    let layout: i32 = fields.next()?.parse().ok()?;
    let namespace_id = fields.next()?.parse().ok()?;
    let ctime = fields.next()?.parse().ok()?;
    let cluster_id = fields.next()?.to_string();
    (layout == LAYOUT_VERSION).then_some(StorageInfo {
        namespace_id,
        cluster_id,
        block_pool_id: String::new(),
        ctime,
    })
}

/// A refused request: its status and the reason, as the response body.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

/// A file to send and the headers that go with it.
type Located = (PathBuf, Vec<(&'static str, String)>);

fn txid_param(params: &HashMap<String, String>, key: &str) -> Result<u64, Refusal> {
    params
        .get(key)
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("missing or invalid parameter {key}"),
            )
        })
}

async fn download(
    State(checkpoints): State<Arc<Checkpoints>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let wanted = if params.get("getimage").map(String::as_str) == Some("1") {
        match params.get("txid").map(String::as_str) {
            Some("latest") => Wanted::LatestImage,
            _ => match txid_param(&params, "txid") {
                Ok(txid) => Wanted::Image(txid),
                Err(refusal) => return refusal.into_response(),
            },
        }
    } else if params.get("getedit").map(String::as_str) == Some("1") {
        match (
            txid_param(&params, "startTxId"),
            txid_param(&params, "endTxId"),
        ) {
            (Ok(start), Ok(end)) => Wanted::Segment(start, end),
            (Err(refusal), _) | (_, Err(refusal)) => return refusal.into_response(),
        }
    } else {
        return error(StatusCode::BAD_REQUEST, "expected getimage=1 or getedit=1").into_response();
    };
    let lookup = checkpoints.clone();
    let found = tokio::task::spawn_blocking(move || lookup.locate(wanted)).await;
    let (path, headers) = match found {
        Ok(Ok(found)) => found,
        Ok(Err(refusal)) => return refusal.into_response(),
        Err(join) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, join.to_string()).into_response();
        }
    };
    let (file, len) = match File::open(&path).and_then(|file| {
        let len = file.metadata()?.len();
        Ok((file, len))
    }) {
        Ok(opened) => opened,
        Err(open) => {
            return error(
                StatusCode::NOT_FOUND,
                format!("cannot open {}: {open}", path.display()),
            )
            .into_response();
        }
    };
    let body = Body::from_stream(stream::file_chunks(
        file,
        checkpoints.config().transfer_bandwidth,
    ));
    let mut response = Response::new(body);
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_LENGTH, len.into());
    response_headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    for (name, value) in headers {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            response_headers.insert(name, value);
        }
    }
    response
}

#[derive(Clone, Copy)]
enum Wanted {
    LatestImage,
    Image(u64),
    Segment(u64, u64),
}

impl Checkpoints {
    fn locate(&self, wanted: Wanted) -> Result<Located, Refusal> {
        let storage_error = |failure: crate::storage::StorageError| {
            error(StatusCode::INTERNAL_SERVER_ERROR, failure.to_string())
        };
        match wanted {
            Wanted::Segment(start, end) => {
                let path = self
                    .segment_path(start, end)
                    .map_err(storage_error)?
                    .ok_or_else(|| {
                        error(
                            StatusCode::NOT_FOUND,
                            format!("no finalized edit segment {start}-{end}"),
                        )
                    })?;
                Ok((path, Vec::new()))
            }
            Wanted::LatestImage | Wanted::Image(_) => {
                let txid = match wanted {
                    Wanted::Image(txid) => txid,
                    _ => self.most_recent_checkpoint_txid().map_err(storage_error)?,
                };
                let path = self
                    .image_path(txid)
                    .map_err(storage_error)?
                    .ok_or_else(|| {
                        error(StatusCode::NOT_FOUND, format!("no fsimage at txid {txid}"))
                    })?;
                let md5 = crate::fsimage::read_md5_file(&path).map_err(|md5| {
                    error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot read the MD5 of {}: {md5}", path.display()),
                    )
                })?;
                Ok((
                    path,
                    vec![(MD5_HEADER, md5), (TXID_HEADER, txid.to_string())],
                ))
            }
        }
    }
}

async fn upload(
    State(checkpoints): State<Arc<Checkpoints>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let txid = match txid_param(&params, "txid") {
        Ok(txid) => txid,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(uploader) = params
        .get("storageInfo")
        .and_then(|text| parse_storage_info_param(text))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing or invalid parameter storageInfo",
        )
        .into_response();
    };
    let Some(md5) = headers
        .get(MD5_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("missing header {MD5_HEADER}"),
        )
        .into_response();
    };
    fail::fail_point!("checkpoint::upload", |_| error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "injected checkpoint upload failure"
    )
    .into_response());
    match checkpoints
        .receive_image(txid, &md5, &uploader, body.into_data_stream())
        .await
    {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refused) => {
            let status = match &refused {
                UploadError::Conflict(_) => StatusCode::CONFLICT,
                UploadError::Forbidden(_) => StatusCode::FORBIDDEN,
                UploadError::Invalid(_) => StatusCode::BAD_REQUEST,
                UploadError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, refused.to_string()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_info_param_round_trips() {
        let info = StorageInfo {
            namespace_id: 42,
            cluster_id: "CID-a:b".into(),
            block_pool_id: String::new(),
            ctime: 0,
        };
        assert_eq!(
            parse_storage_info_param(&storage_info_param(&info)),
            Some(info)
        );
        assert_eq!(parse_storage_info_param("-1:42:0:CID"), None);
        assert_eq!(parse_storage_info_param("garbage"), None);
    }
}
