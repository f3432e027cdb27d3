//! WebHDFS on the DataNode's HTTP port: where the NameNode redirects OPEN,
//! CREATE, APPEND and GETFILECHECKSUM (Hadoop's DataNode `WebHdfsHandler`).
//! The DataNode acts as a DFS client of the NameNode the redirect names
//! (`namenoderpcaddress`: an RPC address, or an HA nameservice of its
//! configuration, reached with failover), as the user it names, and streams data both ways
//! through the normal checksummed read and write paths ([`ops`]). As Hadoop's handler,
//! it lets any origin read the answers and answers preflights, so the NameNode's file
//! browser (another origin) uploads and reads through it.

mod ops;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use client::DfsClient;
use common::webhdfs::{self, HttpMethod, Op, Params};
use common::{Configuration, FsPermission, RemoteException};

use crate::config::DataNodeConfig;

/// What the DataNode's WebHDFS handlers need from its configuration.
#[derive(Clone)]
struct WebHdfs {
    /// `hadoop.http.staticuser.user`
    static_user: Arc<str>,
    /// Applied to the permission of files created here.
    umask: FsPermission,
    /// The DataNode's configuration: a `namenoderpcaddress` naming one of its
    /// HA nameservices is reached through it, with failover.
    conf: Arc<Configuration>,
}

/// The `/webhdfs/v1` routes, to merge into the DataNode's HTTP router.
pub fn router(config: &DataNodeConfig) -> Router {
    let state = WebHdfs {
        static_user: config.http_static_user.as_str().into(),
        umask: config.umask,
        conf: Arc::new(config.conf.clone()),
    };
    Router::new()
        .route("/webhdfs/v1/{*path}", any(handle))
        .with_state(state)
        .layer(axum::middleware::from_fn(cross_origin))
}

/// Hadoop's DataNode answers: `Access-Control-Allow-Origin: *` on every answer, and a
/// preflight (`OPTIONS`) allowing the methods and headers of uploads.
async fn cross_origin(request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return (
            StatusCode::OK,
            [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, PUT, POST"),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Content-Type, X-XSRF-HEADER",
                ),
                (header::ACCESS_CONTROL_MAX_AGE, "1728000"),
            ],
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn handle(
    State(web): State<WebHdfs>,
    method: Method,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: Body,
) -> Response {
    let http_method = match method {
        Method::GET => HttpMethod::Get,
        Method::PUT => HttpMethod::Put,
        Method::POST => HttpMethod::Post,
        _ => return StatusCode::METHOD_NOT_ALLOWED.into_response(),
    };
    let answered = async {
        let Path(path) =
            path.map_err(|rejection| RemoteException::illegal_argument(rejection.body_text()))?;
        let Query(pairs) =
            query.map_err(|rejection| RemoteException::illegal_argument(rejection.body_text()))?;
        let params = Params::new(pairs);
        let op = webhdfs::parse_op(http_method, params.get("op"))?;
        let namenode = params
            .get("namenoderpcaddress")
            .ok_or_else(|| {
                RemoteException::illegal_argument("namenoderpcaddress is not specified.")
            })?
            .to_string();
        let user = params.acting_user(&web.static_user)?;
        let client = if web.conf.is_ha_nameservice(&namenode) {
            DfsClient::connect_nameservice(&web.conf, &namenode, &user, web.umask)?
        } else {
            DfsClient::connect(&namenode, &user, web.umask)?
        };
        let path = format!("/{path}");
        match op {
            Op::Open => ops::open(&client, &path, &params).await,
            Op::Create => ops::create(&client, &path, &params, body, &namenode).await,
            Op::Append => ops::append(&client, &path, body).await,
            Op::GetFileChecksum => ops::checksum(&client, &path).await,
            other => Err(RemoteException::illegal_argument(format!(
                "Invalid operation {}",
                other.name()
            ))),
        }
    };
    answered
        .await
        .unwrap_or_else(|error| webhdfs::error_response(&error))
}
