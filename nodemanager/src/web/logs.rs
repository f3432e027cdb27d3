//! `/node/containerlogs/{id}/{user}` (a container's log files with their sizes) and
//! `/node/containerlogs/{id}/{user}/{file}` (one log in the page, escaped). As Hadoop's
//! page, `?start=` and `?end=` pick a byte range, negative offsets counting from the end
//! (`?start=-4096` is the last 4 KB); without them the whole file is shown up to
//! [`SHOWN_AT_MOST`] bytes, its end when it is longer. The whole file is at the REST API's
//! `/ws/v1/node/containerlogs/{id}/{file}`. Logs are read from this node's log dirs, for
//! running and finished containers alike.

use std::collections::HashMap;
use std::ops::Range;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use common::webui::listing::encode;
use common::webui::{Markup, format, html};
use common::yarn::ContainerId;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::Web;
use crate::rest::logs;

/// The most bytes of a log one page shows.
pub const SHOWN_AT_MOST: u64 = 64 * 1024;

/// The links to a container's log files, with their sizes.
pub(super) fn file_list(container: &str, user: &str, files: &[(String, u64)]) -> Markup {
    html! {
        @if files.is_empty() {
            p.muted { "No logs on this node." }
        } @else {
            table.log-files {
                thead { tr { th { "Log Type" } th.num { "Size" } } }
                tbody {
                    @for (name, size) in files {
                        tr {
                            td { a href=(format!("/node/containerlogs/{container}/{}/{}", encode(user), encode(name))) { (name) } }
                            td.num data-sort=(size) { (format::bytes(*size)) }
                        }
                    }
                }
            }
        }
    }
}

/// `/node/containerlogs/{id}/{user}`.
pub(super) async fn files(
    State(web): State<Web>,
    Path((container, user)): Path<(String, String)>,
) -> Response {
    let title = format!("Logs of {container}");
    let Ok(container_id) = container.parse::<ContainerId>() else {
        let message = format!("Invalid ContainerId: {container}");
        return web.missing(&title, "/node/allContainers", &message);
    };
    let manager = web.manager.clone();
    let files = tokio::task::spawn_blocking(move || logs::log_files(&manager, container_id))
        .await
        .unwrap_or_default();
    if files.is_empty() {
        let message = format!("Logs not available for {container}: there are none on this node.");
        return web.missing(&title, "/node/allContainers", &message);
    }
    let content = html! {
        section #log-files data-live="5" {
            p { "Container " a href=(format!("/node/container/{container}")) { (container) } " of user " (user) }
            (file_list(&container, &user, &files))
        }
    };
    web.shell.page(&title, "/node/allContainers", content)
}

/// The bytes of a file of `length` bytes that `start` and `end` ask for (negative:
/// from the end), at most [`SHOWN_AT_MOST`] of them: the first ones from an asked
/// `start`, else the last ones before `end`.
fn byte_range(start: Option<i64>, end: Option<i64>, length: u64) -> Range<u64> {
    let length_signed = i64::try_from(length).unwrap_or(i64::MAX);
    let resolve = |offset: i64| -> u64 {
        let absolute = if offset < 0 {
            length_signed.saturating_add(offset)
        } else {
            offset
        };
        absolute.clamp(0, length_signed) as u64
    };
    let end = end.map_or(length, resolve);
    match start {
        Some(start) => {
            let start = resolve(start).min(end);
            start..end.min(start + SHOWN_AT_MOST)
        }
        None => end.saturating_sub(SHOWN_AT_MOST)..end,
    }
}

/// `/node/containerlogs/{id}/{user}/{file}`.
pub(super) async fn file(
    State(web): State<Web>,
    Path((container, user, file)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let title = format!("{file} of {container}");
    let Ok(container_id) = container.parse::<ContainerId>() else {
        let message = format!("Invalid ContainerId: {container}");
        return web.missing(&title, "/node/allContainers", &message);
    };
    let offset = |name: &str| {
        params
            .get(name)
            .and_then(|value| value.trim().parse::<i64>().ok())
    };
    let manager = web.manager.clone();
    let wanted = file.clone();
    let path = tokio::task::spawn_blocking(move || logs::log_path(&manager, container_id, &wanted))
        .await
        .ok()
        .flatten();
    let Some(path) = path else {
        let message = format!("Cannot find {file} of {container} on the local disk.");
        return web.missing(&title, "/node/allContainers", &message);
    };
    let read = async {
        let mut handle = tokio::fs::File::open(&path).await?;
        let length = handle.metadata().await?.len();
        let range = byte_range(offset("start"), offset("end"), length);
        handle.seek(std::io::SeekFrom::Start(range.start)).await?;
        let mut bytes = Vec::with_capacity((range.end - range.start) as usize);
        handle
            .take(range.end - range.start)
            .read_to_end(&mut bytes)
            .await?;
        Ok::<_, std::io::Error>((length, range, bytes))
    };
    let (length, range, bytes) = match read.await {
        Ok(read) => read,
        Err(error) => {
            let message = format!("Cannot read {file} of {container}: {error}");
            return web.missing(&title, "/node/allContainers", &message);
        }
    };
    let whole = range.start == 0 && range.end == length;
    let raw = format!("/ws/v1/node/containerlogs/{container}/{}", encode(&file));
    let here = format!(
        "/node/containerlogs/{container}/{}/{}",
        encode(&user),
        encode(&file)
    );
    let content = html! {
        p.breadcrumb {
            a href=(format!("/node/container/{container}")) { (container) } " / "
            a href=(format!("/node/containerlogs/{container}/{}", encode(&user))) { "logs" } " / "
            (file)
        }
        p.log-range {
            @if whole {
                "Showing the whole file: " (format::bytes(length)) ". "
            } @else {
                "Showing bytes " (range.start) " to " (range.end) " of " (length) ". "
                @if range.start > 0 {
                    a href=(format!("{here}?start=0")) { "From the start" } " · "
                }
            }
            a href=(format!("{here}?start=-4096")) { "Last 4 KB" } " · "
            a.full-log href=(raw) { "Full log" }
        }
        pre.log #log { (String::from_utf8_lossy(&bytes)) }
    };
    web.shell.page(&title, "/node/allContainers", content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_negative_offsets_from_the_end_and_are_capped() {
        assert_eq!(byte_range(None, None, 100), 0..100);
        assert_eq!(byte_range(Some(-10), None, 100), 90..100);
        assert_eq!(byte_range(Some(10), Some(20), 100), 10..20);
        assert_eq!(byte_range(Some(50), Some(-60), 100), 40..40);
        assert_eq!(byte_range(Some(-1000), Some(1000), 100), 0..100);
        let long = 10 * SHOWN_AT_MOST;
        assert_eq!(byte_range(None, None, long), long - SHOWN_AT_MOST..long);
        assert_eq!(byte_range(Some(0), None, long), 0..SHOWN_AT_MOST);
    }
}
