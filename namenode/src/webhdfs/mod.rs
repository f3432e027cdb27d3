//! WebHDFS (`/webhdfs/v1/<path>?op=...`) on the NameNode's HTTP port, as
//! Hadoop 3's `NamenodeWebHdfsMethods`: namespace operations answered here
//! by calling the same namesystem functions the RPC adapter calls, as the
//! caller `user.name` names (else `hadoop.http.staticuser.user`); data
//! operations (OPEN, CREATE, APPEND, GETFILECHECKSUM) redirected to a
//! DataNode ([`redirect`]). Parameters, op names and the error table are
//! shared with the DataNodes (`common::webhdfs`).

mod json;
mod listing;
mod ops;
mod redirect;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use common::RemoteException;
use common::user::{CallOrigin, CallProtocol};
use common::webhdfs::{self, HttpMethod, Params};

use crate::ha::OperationCategory;
use crate::namespace::Caller;
use crate::namesystem::Namesystem;

/// What every WebHDFS handler of this NameNode needs.
#[derive(Clone)]
pub(crate) struct WebHdfs {
    namesystem: Arc<Namesystem>,
    /// The RPC address the DataNodes' WebHDFS calls back
    /// (`namenoderpcaddress`).
    rpc_address: SocketAddr,
    /// The HA nameservice this NameNode belongs to: named in redirects
    /// instead of `rpc_address`, so a DataNode calls whichever NameNode is
    /// active by the time the client follows the redirect (as Hadoop's).
    nameservice: Option<String>,
    /// `hadoop.http.staticuser.user`: the user of requests naming none.
    static_user: Arc<str>,
}

/// One decoded request.
pub(crate) struct WebRequest {
    /// The absolute path after `/webhdfs/v1`.
    path: String,
    params: Params,
    /// The user the request acts as.
    user: String,
    caller: Caller,
    /// The `Host` header's host, for redirects when the NameNode binds a
    /// wildcard address.
    host: Option<String>,
}

/// The `/webhdfs/v1` routes, to merge into the NameNode's HTTP router.
pub(crate) fn router(
    namesystem: Arc<Namesystem>,
    rpc_address: SocketAddr,
    nameservice: Option<String>,
    static_user: &str,
) -> Router {
    let state = WebHdfs {
        namesystem,
        rpc_address,
        nameservice,
        static_user: static_user.into(),
    };
    Router::new()
        .route(webhdfs::PATH_PREFIX, any(at_root))
        .route("/webhdfs/v1/", any(at_root))
        .route("/webhdfs/v1/{*path}", any(at_path))
        .with_state(state)
}

type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

async fn at_root(
    State(web): State<WebHdfs>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    query: QueryPairs,
) -> Response {
    let path = Ok("/".to_string());
    handle(&web, peer, &method, &headers, path, query).await
}

async fn at_path(
    State(web): State<WebHdfs>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: QueryPairs,
) -> Response {
    let path = path
        .map(|Path(path)| format!("/{path}"))
        .map_err(|rejection| RemoteException::illegal_argument(rejection.body_text()));
    handle(&web, peer, &method, &headers, path, query).await
}

async fn handle(
    web: &WebHdfs,
    peer: SocketAddr,
    method: &Method,
    headers: &HeaderMap,
    path: Result<String, RemoteException>,
    query: QueryPairs,
) -> Response {
    let Some(http_method) = http_method(method) else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    let answered = async {
        let Query(pairs) =
            query.map_err(|rejection| RemoteException::illegal_argument(rejection.body_text()))?;
        let params = Params::new(pairs);
        let op = webhdfs::parse_op(http_method, params.get("op"))?;
        let user = params.acting_user(&web.static_user)?;
        let request = WebRequest {
            path: path?,
            caller: web.namesystem.caller(&user).with_origin(CallOrigin {
                address: Some(peer.ip()),
                protocol: CallProtocol::WebHdfs,
                caller_context: None,
            }),
            user,
            params,
            host: request_host(headers),
        };
        let category = match http_method {
            HttpMethod::Get => OperationCategory::Read,
            _ => OperationCategory::Write,
        };
        web.namesystem.check_operation(category)?;
        ops::run(web, op, &request).await
    };
    answered
        .await
        .unwrap_or_else(|error| webhdfs::error_response(&error))
}

fn http_method(method: &Method) -> Option<HttpMethod> {
    match *method {
        Method::GET => Some(HttpMethod::Get),
        Method::PUT => Some(HttpMethod::Put),
        Method::POST => Some(HttpMethod::Post),
        Method::DELETE => Some(HttpMethod::Delete),
        _ => None,
    }
}

fn request_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let without_port = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    Some(without_port.to_string())
}
