//! The ResourceManager's web proxy (Hadoop's WebAppProxyServlet) on the
//! RM's web port: `/proxy/<app>/<path>` forwards GET, HEAD, PUT, POST and
//! DELETE (with the client's body, streamed) to the tracking URL
//! the application's AM registered while it runs, and once it has ended
//! redirects (302) to the final tracking URL the AM gave at unregistration
//! (a MapReduce job's history page). An application without a tracking
//! URL gets Hadoop's "no tracking URL" page, an unknown one a
//! `RemoteException` 404.

mod forward;
mod target;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::handler::Handler;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::routing::{MethodRouter, get};
use common::rest::{RestError, respond};
use common::yarn::ApplicationId;
use tracing::warn;

pub use forward::ForwardError;
pub use target::proxied_tracking_url;

use crate::server::Core;
use crate::state::{App, AppState, RmState};

/// The `/proxy` routes.
pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/proxy/{app}", proxied_methods(proxy_root))
        .route("/proxy/{app}/", proxied_methods(proxy_root))
        .route("/proxy/{app}/{*rest}", proxied_methods(proxy))
        .with_state(core)
}

/// `handler` for the methods Hadoop's proxy servlet passes on (`doGet`,
/// `doHead`, `doPut`, `doPost`, `doDelete`); others get 405.
fn proxied_methods<H, T>(handler: H) -> MethodRouter<Arc<Core>>
where
    H: Handler<T, Arc<Core>>,
    T: 'static,
{
    get(handler.clone())
        .put(handler.clone())
        .post(handler.clone())
        .delete(handler)
}

/// The tracking URL clients are shown for `app`: the proxy's link once its
/// AM gave a URL and started running (Hadoop's proxied tracking URL).
pub fn shown_tracking_url(state: &RmState, app: &App) -> Option<String> {
    let ready = !app.tracking_url.is_empty()
        && !matches!(app.state, AppState::Submitted | AppState::Accepted);
    ready.then(|| proxied_tracking_url(&state.web_proxy, &app.submission.id.to_string()))
}

/// `http://host:port` of the RM's web port as others reach it: a wildcard
/// bind address stands for this machine's host name.
pub fn proxy_base(web_address: SocketAddr) -> String {
    if !web_address.ip().is_unspecified() {
        return format!("http://{web_address}");
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("http://{host}:{}", web_address.port())
}

async fn proxy_root(
    State(core): State<Arc<Core>>,
    Path(app): Path<String>,
    request: Request<Body>,
) -> Response<Body> {
    answer(&core, &app, "", request).await
}

async fn proxy(
    State(core): State<Arc<Core>>,
    Path((app, rest)): Path<(String, String)>,
    request: Request<Body>,
) -> Response<Body> {
    answer(&core, &app, &rest, request).await
}

/// The application's tracking URL and whether its AM runs, or why not.
fn lookup(core: &Core, text: &str) -> Result<(String, bool), RestError> {
    let id: ApplicationId = text.parse().map_err(RestError::bad_argument)?;
    let state = core.lock();
    let app = state.apps.get(&id).ok_or_else(|| {
        RestError::not_found(format!(
            "Application {text} could not be found in RM or history server"
        ))
    })?;
    Ok((app.tracking_url.clone(), app.state == AppState::Running))
}

async fn answer(core: &Core, app: &str, rest: &str, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let (tracking_url, running) = match lookup(core, app) {
        Ok(found) => found,
        Err(error) => return respond(&parts.headers, Err(error)).map(Body::from),
    };
    match target::route(&tracking_url, running, rest, parts.uri.query()) {
        target::Route::Forward(url) => {
            let from = core.config.webapp_address.ip().to_string();
            match forward::forward(&from, &url, parts.method, &parts.headers, body).await {
                Ok(response) => response,
                Err(error) => {
                    warn!(app, %error, "web proxy could not reach the application master");
                    page(
                        StatusCode::BAD_GATEWAY,
                        &format!("Error proxying to {url}: {error}"),
                    )
                }
            }
        }
        target::Route::Redirect(url) => redirect(&url),
        target::Route::NoTrackingUrl => page(
            StatusCode::NOT_FOUND,
            &format!("Application {app} has no tracking URL"),
        ),
    }
}

/// Hadoop's `ProxyUtils.sendRedirect`: 302 and a link to follow.
fn redirect(url: &str) -> Response<Body> {
    let mut response = page(StatusCode::FOUND, &format!("Moved to {url}"));
    if let Ok(location) = HeaderValue::from_str(url) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// A one-heading HTML page, as Hadoop's `ProxyUtils.notFound` writes.
fn page(status: StatusCode, heading: &str) -> Response<Body> {
    let heading = escape(heading);
    let html = format!(
        "<!DOCTYPE html><html><head><title>{heading}</title></head>\
         <body><h1>{heading}</h1></body></html>"
    );
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
