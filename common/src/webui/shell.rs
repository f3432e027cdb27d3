//! The frame around every page: header, navigation, footer.

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{SCRIPT, STYLESHEET};

/// One link of a daemon's navigation: `(path, label)`.
pub type NavItem = (&'static str, &'static str);

/// What every page of one daemon shows around its content.
#[derive(Clone)]
pub struct Shell {
    /// Hadoop's name of the daemon: `NameNode`, `ResourceManager`, ...
    service: &'static str,
    nav: &'static [NavItem],
    /// The daemon's state as the header shows it (`active`, `standby`, `STARTED`), asked
    /// at every render.
    state: Arc<dyn Fn() -> String + Send + Sync>,
    /// Milliseconds since the epoch at which the daemon started.
    started: i64,
}

impl Shell {
    /// The frame of `service`'s pages, with `nav` as its navigation.
    pub fn new(service: &'static str, nav: &'static [NavItem]) -> Self {
        Self {
            service,
            nav,
            state: Arc::new(|| "started".to_string()),
            started: crate::time::now_millis(),
        }
    }

    /// How the header learns the daemon's state.
    pub fn state(mut self, state: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.state = Arc::new(state);
        self
    }

    /// The daemon's name, as the header shows it.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// When the daemon started, in milliseconds since the epoch.
    pub fn started(&self) -> i64 {
        self.started
    }

    /// A whole page: `title` in the tab and as the heading, `content` inside the frame,
    /// the navigation item whose path is `active` marked as the current one.
    pub fn page(&self, title: &str, active: &str, content: Markup) -> Response {
        self.page_under("/", title, active, content)
    }

    /// As [`Shell::page`], for a page also reached under a prefix the daemon does not know
    /// (an ApplicationMaster's pages under the ResourceManager's `/proxy/{app}/`): `root`
    /// is the way from this page back to the daemon's root (`../../`, or `/` when there is
    /// no prefix), and the navigation's paths are written under it.
    pub fn page_under(&self, root: &str, title: &str, active: &str, content: Markup) -> Response {
        let under_root = |path: &str| format!("{root}{}", path.trim_start_matches('/'));
        let state = (self.state)();
        let markup = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (self.service) " · Tusk" }
                    link rel="stylesheet" href=(STYLESHEET);
                    script src=(SCRIPT) defer {}
                }
                body {
                    header.top {
                        a.brand href=(root) { "Tusk " span.service { (self.service) } }
                        span.state data-state=(state.to_ascii_lowercase()) { (state) }
                        span.meta {
                            "v" (env!("CARGO_PKG_VERSION"))
                            " · started " (super::format::datetime(self.started))
                            " · " (crate::metrics::hostname())
                        }
                    }
                    nav.main aria-label="Main" {
                        @for (path, label) in self.nav {
                            @if *path == active {
                                a.current href=(under_root(path)) aria-current="page" { (label) }
                            } @else {
                                a href=(under_root(path)) { (label) }
                            }
                        }
                    }
                    main {
                        h1 { (title) }
                        (content)
                    }
                    footer { "Tusk " (env!("CARGO_PKG_VERSION")) " · " (self.service) }
                }
            }
        };
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response()
    }
}
