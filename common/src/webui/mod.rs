//! The daemons' web UIs: one look for every daemon. Pages are rendered on the server from
//! the daemon's own state with `maud` templates (which escape every value they are given),
//! inside [`Shell::page`]: a header naming the daemon, its state and version, the daemon's
//! navigation, and one embedded stylesheet and script (served at [`STYLESHEET`] and
//! [`SCRIPT`] by [`routes`]) that sort and filter tables, refresh live sections and draw
//! charts from [`series`]. Nothing is fetched from another host: the pages work offline.

pub mod chart;
pub mod fields;
pub mod format;
pub mod listing;
pub mod series;
mod shell;
pub mod tabs;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

pub use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
pub use shell::{NavItem, Shell};

/// Where the stylesheet is served.
pub const STYLESHEET: &str = "/static/tusk.css";
/// Where the script is served.
pub const SCRIPT: &str = "/static/tusk.js";

const CSS: &str = include_str!("assets/tusk.css");
const JS: &str = include_str!("assets/tusk.js");

/// The embedded assets, for a daemon to merge into its router (done by
/// [`crate::http::routes`], so every daemon serves them).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(STYLESHEET, get(stylesheet))
        .route(SCRIPT, get(script))
}

async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", CSS)
}

async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
