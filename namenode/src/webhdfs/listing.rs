//! LISTSTATUS streamed a page at a time, as Hadoop's `getListingStream`:
//! the body is written as the directory is read, `dfs.ls.limit` entries per
//! namesystem call, so a million-entry directory is never one JSON value in
//! memory and the namesystem lock is taken per page, not for the whole walk.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use common::RemoteException;

use super::json;
use crate::namespace::{Caller, Listing};
use crate::namesystem::Namesystem;

const OPENING: &str = r#"{"FileStatuses":{"FileStatus":["#;
const CLOSING: &str = "]}}";

/// The answer to LISTSTATUS of a directory whose first page is `first`;
/// the following pages are read as the body is sent.
pub(super) fn respond(
    namesystem: Arc<Namesystem>,
    path: String,
    caller: Caller,
    first: Listing,
) -> Response {
    let pages = Pages {
        namesystem,
        path,
        caller,
        next: Some(first),
        opened: false,
        written: 0,
    };
    let body = Body::from_stream(tokio_stream::iter(pages));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The body's chunks: the opening and the first page's entries, each later
/// page's entries, and the closing after the last.
struct Pages {
    namesystem: Arc<Namesystem>,
    path: String,
    caller: Caller,
    /// The page to write next; None once the closing is written.
    next: Option<Listing>,
    opened: bool,
    /// Entries written so far (each after the first is preceded by a comma).
    written: usize,
}

impl Iterator for Pages {
    type Item = Result<Bytes, std::io::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let page = self.next.take()?;
        let mut chunk = String::new();
        if !self.opened {
            chunk.push_str(OPENING);
            self.opened = true;
        }
        for entry in &page.entries {
            if self.written > 0 {
                chunk.push(',');
            }
            chunk.push_str(&json::file_status(entry).to_string());
            self.written += 1;
        }
        let start_after = page.entries.last().map(|last| last.name.as_slice());
        match start_after.filter(|name| page.remaining > 0 && !name.is_empty()) {
            Some(start_after) => match self.read_page(start_after) {
                // A directory deleted while it was being listed ends the listing.
                Ok(Some(listing)) => self.next = Some(listing),
                Ok(None) => chunk.push_str(CLOSING),
                // The body is cut short: the client sees a truncated answer, never a
                // listing that looks whole.
                Err(error) => return Some(Err(std::io::Error::other(error.to_string()))),
            },
            None => chunk.push_str(CLOSING),
        }
        Some(Ok(Bytes::from(chunk)))
    }
}

impl Pages {
    fn read_page(&self, start_after: &[u8]) -> Result<Option<Listing>, RemoteException> {
        self.namesystem
            .listing(&self.path, start_after, &self.caller)
    }
}
