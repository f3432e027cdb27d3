//! A failure as Hadoop's DataNode WebHDFS answers it: the status of the
//! shared table and the `RemoteException` JSON body.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::RemoteException;
use common::webhdfs;

/// The error response for `error`.
pub(super) fn reply(error: &RemoteException) -> Response {
    let status = StatusCode::from_u16(webhdfs::status_of(error.kind))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        webhdfs::error_body(error),
    )
        .into_response()
}
