//! The SecondaryNameNode's HTTP port (`dfs.namenode.secondary.http-address`):
//! an overview page, the endpoints of [`common::http`], and its bean with Hadoop's
//! SecondaryNameNodeInfo names.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use common::http::DaemonHttp;
use common::metrics::Bean;

use super::SecondaryNameNode;

#[derive(Clone)]
struct Page {
    secondary: Arc<SecondaryNameNode>,
    address: SocketAddr,
    started_millis: i64,
}

/// The SecondaryNameNode's own pages, for the 404 page of [`common::http`].
const PAGES: &[(&str, &str)] = &[("/", "overview")];

pub fn router(secondary: Arc<SecondaryNameNode>, address: SocketAddr) -> Router {
    let page = Page {
        secondary,
        address,
        started_millis: common::time::now_millis(),
    };
    let beans_of = page.clone();
    let common_routes = common::http::routes(
        DaemonHttp::new("SecondaryNameNode", &page.secondary.config.conf)
            .beans(move || vec![info_bean(&beans_of)])
            .pages(PAGES),
    );
    Router::new()
        .route("/", get(overview))
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

async fn overview(State(page): State<Page>) -> Html<String> {
    let status = page.secondary.status();
    let last = status
        .last_checkpoint_txid
        .map_or("never".to_string(), |txid| format!("at txid {txid}"));
    Html(format!(
        "<!doctype html><html><head><title>Tusk SecondaryNameNode</title></head><body>\
         <h1>SecondaryNameNode</h1><table>\
         <tr><th>NameNode</th><td>{}</td></tr>\
         <tr><th>Last checkpoint</th><td>{last}</td></tr>\
         <tr><th>Checkpoint period</th><td>{} s</td></tr>\
         <tr><th>Checkpoint transactions</th><td>{}</td></tr>\
         <tr><th>Checkpoint dirs</th><td>{}</td></tr>\
         </table></body></html>",
        page.secondary.config.namenode_rpc,
        page.secondary.config.period.as_secs(),
        page.secondary.config.txns,
        checkpoint_dirs(&page).join(", ")
    ))
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
