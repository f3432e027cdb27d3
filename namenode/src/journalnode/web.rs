//! The JournalNode's HTTP port: a status page at `/journalstatus.html` (`/` leads there:
//! each journal with its epochs, last txid and segments, as Hadoop's JournalNode page),
//! and `/getJournal?jid=<jid>&segmentTxId=<txid>`, which streams a segment file (a
//! finalized one, or the in-progress one a recovery accepted), as Hadoop's
//! GetJournalEditServlet.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use common::webui::format::facts;
use common::webui::{NavItem, Shell, html};

use super::Journals;
use super::journal::JournalStatus;
use crate::qjournal::http::GET_JOURNAL_PATH;

/// The JournalNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/journalstatus.html", "the journals"),
    (GET_JOURNAL_PATH, "an edit log segment (?jid=&segmentTxId=)"),
];

/// The navigation of its pages, as Hadoop's.
const NAV: &[NavItem] = &[
    ("/journalstatus.html", "Overview"),
    ("/logs/", "Logs"),
    ("/conf", "Configuration"),
    ("/jmx", "Metrics"),
];

#[derive(Clone)]
struct Web {
    journals: Arc<Journals>,
    shell: Shell,
}

pub fn router(journals: Arc<Journals>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/journalstatus.html") }))
        .route("/journalstatus.html", get(status_page))
        .route(GET_JOURNAL_PATH, get(get_journal))
        .with_state(Web {
            journals,
            shell: Shell::new("JournalNode", NAV),
        })
}

async fn status_page(State(web): State<Web>) -> Response {
    let journals = web.journals.clone();
    let lister = journals.clone();
    let mut ids = tokio::task::spawn_blocking(move || lister.journal_ids())
        .await
        .unwrap_or_default();
    ids.sort();
    let mut statuses: Vec<JournalStatus> = Vec::new();
    for id in ids {
        if let Ok(status) = journals.with(&id, |journal| Ok(journal.status())).await {
            statuses.push(status);
        }
    }
    let content = html! {
        div #journals-live data-live="5" {
            (facts([
                ("Edits directory", html! { code { (web.journals.edits_dir.display()) } }),
                ("Journals", html! { (statuses.len()) }),
            ]))
            @if statuses.is_empty() {
                p.notice #no-journals { "No journal is formatted on this JournalNode yet." }
            }
            @for status in &statuses {
                section.journal data-journal=(status.journal_id) {
                    h2 { "Journal " code { (status.journal_id) } }
                    (facts([
                        ("Cluster ID", html! { (status.cluster_id.clone().unwrap_or_else(|| "not formatted".into())) }),
                        ("Last promised epoch", html! { span.promised-epoch { (status.last_promised_epoch) } }),
                        ("Last writer (accepted) epoch", html! { span.writer-epoch { (status.last_writer_epoch) } }),
                        ("Last written txid", html! { span.last-txid { (status.last_txid) } }),
                        ("Committed txid", html! { (status.committed_txid) }),
                        ("Segment being written", html! {
                            @match status.open_segment { Some(start) => { "from txid " (start) } None => { "none" } }
                        }),
                    ]))
                    div.scroll {
                        table.sortable.segments data-filter {
                            thead { tr {
                                th scope="col" { "First txid" }
                                th scope="col" { "Last txid" }
                                th scope="col" { "State" }
                            } }
                            tbody {
                                @for segment in status.segments.iter().rev() {
                                    tr {
                                        td.num { (segment.start) }
                                        td.num { @match segment.end { Some(end) => { (end) } None => { "" } } }
                                        td { @if segment.end.is_some() { "finalized" } @else { span.badge.warn { "in progress" } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    web.shell
        .page("JournalNode", "/journalstatus.html", content)
}

async fn get_journal(
    State(Web { journals, .. }): State<Web>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(journal_id) = query.get("jid").cloned() else {
        return (StatusCode::BAD_REQUEST, "jid is required\n").into_response();
    };
    let Some(txid) = query
        .get("segmentTxId")
        .and_then(|value| value.parse::<u64>().ok())
    else {
        return (StatusCode::BAD_REQUEST, "segmentTxId is required\n").into_response();
    };
    let read = journals
        .with(&journal_id, move |journal| {
            let Some(path) = journal.segment_path(txid)? else {
                return Ok(None);
            };
            std::fs::read(&path).map(Some).map_err(|error| {
                common::RemoteException::io(format!("cannot read {}: {error}", path.display()))
            })
        })
        .await;
    match read {
        Ok(Some(bytes)) => (
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("No edit log segment starting at {txid} in journal {journal_id}\n"),
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")).into_response(),
    }
}
