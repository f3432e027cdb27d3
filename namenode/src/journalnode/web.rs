//! The JournalNode's HTTP port: `/getJournal?jid=<jid>&segmentTxId=<txid>`
//! streams a segment file (a finalized one, or the in-progress one a
//! recovery accepted), as Hadoop's GetJournalEditServlet.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Journals;
use crate::qjournal::http::GET_JOURNAL_PATH;

/// The JournalNode's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] =
    &[(GET_JOURNAL_PATH, "an edit log segment (?jid=&segmentTxId=)")];

pub fn router(journals: Arc<Journals>) -> Router {
    Router::new()
        .route(GET_JOURNAL_PATH, get(get_journal))
        .with_state(journals)
}

async fn get_journal(
    State(journals): State<Arc<Journals>>,
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
