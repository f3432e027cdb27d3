//! The SecondaryNameNode's HTTP port (`dfs.namenode.secondary.http-address`):
//! Hadoop's `/status.html` (the NameNode it checkpoints, the last checkpoint, the
//! checkpoint period and transactions, the checkpoint dirs), the endpoints of
//! [`common::http`], and its bean with Hadoop's SecondaryNameNodeInfo names.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::http::DaemonHttp;
use common::metrics::Bean;
use common::webui::format::{self, datetime, facts};
use common::webui::{NavItem, Shell, html};

use super::SecondaryNameNode;

#[derive(Clone)]
struct Page {
    secondary: Arc<SecondaryNameNode>,
    address: SocketAddr,
    started_millis: i64,
    shell: Shell,
}

/// The SecondaryNameNode's own pages, for the 404 page of [`common::http`].
const PAGES: &[(&str, &str)] = &[("/status.html", "overview")];

/// The navigation of its pages, as Hadoop's.
const NAV: &[NavItem] = &[
    ("/status.html", "Overview"),
    ("/logs/", "Logs"),
    ("/conf", "Configuration"),
    ("/jmx", "Metrics"),
];

pub fn router(secondary: Arc<SecondaryNameNode>, address: SocketAddr) -> Router {
    let shell = Shell::new("SecondaryNameNode", NAV);
    let page = Page {
        secondary,
        address,
        started_millis: shell.started(),
        shell,
    };
    let beans_of = page.clone();
    let common_routes = common::http::routes(
        DaemonHttp::new("SecondaryNameNode", &page.secondary.config.conf)
            .beans(move || vec![info_bean(&beans_of)])
            .pages(PAGES),
    );
    Router::new()
        .route("/", get(|| async { Redirect::to("/status.html") }))
        .route(
            "/index.html",
            get(|| async { Redirect::to("/status.html") }),
        )
        .route("/status.html", get(overview))
        .with_state(page)
        .merge(common_routes)
}

fn checkpoint_dirs(page: &Page) -> Vec<String> {
    page.secondary
        .dir
        .image_dirs()
        .iter()
        .map(|dir| dir.display().to_string())
        .collect()
}

async fn overview(State(page): State<Page>) -> Response {
    let status = page.secondary.status();
    let config = &page.secondary.config;
    let now = common::time::now_millis();
    let last_checkpoint = status.last_checkpoint_millis.unwrap_or(0);
    let content = html! {
        div #secondary-live data-live="10" {
            (facts([
                ("Version", html! { "Tusk " (env!("CARGO_PKG_VERSION")) }),
                ("HTTP address", html! { (page.address) }),
                ("Name Node Address", html! { code #namenode-address { (config.namenode_rpc) } }),
                ("Started", html! { (datetime(page.started_millis)) }),
                ("Last Checkpoint", html! {
                    span #last-checkpoint {
                        @if last_checkpoint > 0 {
                            (datetime(last_checkpoint)) " (" (format::ago(last_checkpoint, now)) ")"
                        } @else { "Never" }
                    }
                }),
                ("Last Checkpoint Transaction ID", html! {
                    span #last-checkpoint-txid {
                        @match status.last_checkpoint_txid { Some(txid) => { (txid) } None => { "N/A" } }
                    }
                }),
                ("Checkpoint Period", html! { (format::duration(config.period.as_millis() as i64)) " (" (config.period.as_secs()) " seconds)" }),
                ("Checkpoint Transactions", html! { (config.txns) }),
            ]))
            h2 { "Checkpoint Image URI" }
            ul #checkpoint-dirs {
                @for dir in checkpoint_dirs(&page) { li { code { "file://" (dir) } } }
            }
        }
    };
    page.shell.page("Overview", "/status.html", content)
}

/// `Hadoop:service=SecondaryNameNode,name=SecondaryNameNodeInfo`.
fn info_bean(page: &Page) -> Bean {
    let status = page.secondary.status();
    Bean::new("SecondaryNameNode", "SecondaryNameNodeInfo")
        .info("HostAndPort", page.address.to_string())
        .info("StartTime", page.started_millis)
        .info(
            "LastCheckpointTime",
            status.last_checkpoint_millis.unwrap_or(0),
        )
        .info(
            "LastCheckpointTxId",
            status.last_checkpoint_txid.unwrap_or(0),
        )
        .info("CheckpointDirectories", checkpoint_dirs(page))
        .info("CheckpointPeriod", page.secondary.config.period.as_secs())
        .info("TxnCount", page.secondary.config.txns)
}
