//! `/conf`: the daemon's effective configuration, as Hadoop's ConfServlet gives it:
//! XML unless `?format=json` (or an `Accept` header naming JSON) asks for JSON, one
//! property with `?name=`; 400 for a bad format, 404 for an unknown name.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::DaemonHttp;
use crate::conf::{DumpError, DumpFormat};

pub(super) async fn conf(
    State(daemon): State<Arc<DaemonHttp>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let format = match params.get("format") {
        Some(format) => DumpFormat::parse(format),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            Ok(if accept.contains("json") {
                DumpFormat::Json
            } else {
                DumpFormat::Xml
            })
        }
    };
    let dumped = format.and_then(|format| {
        let text = daemon
            .conf
            .dump(format, params.get("name").map(String::as_str))?;
        Ok((format, text))
    });
    match dumped {
        Ok((format, text)) => {
            let content_type = match format {
                DumpFormat::Xml => "text/xml; charset=utf-8",
                DumpFormat::Json => "application/json; charset=utf-8",
            };
            ([(header::CONTENT_TYPE, content_type)], text).into_response()
        }
        Err(error) => {
            let status = match error {
                DumpError::BadFormat(_) => StatusCode::BAD_REQUEST,
                DumpError::NotFound(_) => StatusCode::NOT_FOUND,
            };
            (status, format!("{error}\n")).into_response()
        }
    }
}
