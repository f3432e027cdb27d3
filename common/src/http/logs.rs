//! `/logs/`: the daemon's log directory (`hadoop.log.dir`, else `$HADOOP_LOG_DIR`), listed
//! as links, and its files served. Paths may not leave the directory: `..` components are
//! refused, and whatever a path resolves to (symbolic links included) must lie inside it.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use tokio_util::io::ReaderStream;

use super::{DaemonHttp, LOG_DIR_ENV, LOG_DIR_KEY, escape_html};

pub(super) async fn redirect() -> Redirect {
    Redirect::permanent("/logs/")
}

pub(super) async fn root(State(daemon): State<Arc<DaemonHttp>>) -> Response {
    serve(&daemon, "").await
}

pub(super) async fn file(
    State(daemon): State<Arc<DaemonHttp>>,
    UrlPath(path): UrlPath<String>,
) -> Response {
    serve(&daemon, &path).await
}

async fn serve(daemon: &DaemonHttp, relative: &str) -> Response {
    let Some(log_dir) = &daemon.log_dir else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "{} has no log directory: neither {LOG_DIR_KEY} nor {LOG_DIR_ENV} is set\n",
                daemon.service
            ),
        )
            .into_response();
    };
    let target = match resolve(log_dir, relative).await {
        Ok(target) => target,
        Err(refusal) => return refusal,
    };
    let Ok(metadata) = tokio::fs::metadata(&target).await else {
        return (StatusCode::NOT_FOUND, format!("No such log: {relative}\n")).into_response();
    };
    if metadata.is_dir() {
        return listing(&target, relative).await;
    }
    match tokio::fs::File::open(&target).await {
        Ok(file) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (header::CONTENT_LENGTH, metadata.len().to_string()),
            ],
            Body::from_stream(ReaderStream::new(file)),
        )
            .into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {relative}: {error}\n"),
        )
            .into_response(),
    }
}

/// The file `relative` names under `log_dir`, or the answer refusing it.
async fn resolve(log_dir: &Path, relative: &str) -> Result<PathBuf, Response> {
    let forbidden = || {
        (
            StatusCode::FORBIDDEN,
            format!("{relative}: outside the log directory\n"),
        )
            .into_response()
    };
    let relative_path = Path::new(relative);
    if !relative_path
        .components()
        .all(|component| matches!(component, Component::Normal(_) | Component::CurDir))
    {
        return Err(forbidden());
    }
    let target = log_dir.join(relative_path);
    // Symbolic links inside the directory must not lead out of it either.
    if let (Ok(root), Ok(resolved)) = (
        tokio::fs::canonicalize(log_dir).await,
        tokio::fs::canonicalize(&target).await,
    ) && !resolved.starts_with(&root)
    {
        return Err(forbidden());
    }
    Ok(target)
}

/// A page of links to the entries of `dir` (sorted, directories with a trailing `/`).
async fn listing(dir: &Path, relative: &str) -> Response {
    let mut names = Vec::new();
    if let Ok(mut entries) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let is_dir = entry.file_type().await.is_ok_and(|kind| kind.is_dir());
            let name = entry.file_name().to_string_lossy().into_owned();
            names.push(if is_dir { format!("{name}/") } else { name });
        }
    }
    names.sort();
    let base = if relative.is_empty() || relative.ends_with('/') {
        format!("/logs/{relative}")
    } else {
        format!("/logs/{relative}/")
    };
    let title = escape_html(&base);
    let mut page = format!(
        "<!doctype html><html><head><title>Directory: {title}</title></head><body>\n\
         <h1>Directory: {title}</h1>\n<ul>\n"
    );
    for name in names {
        let name = escape_html(&name);
        page.push_str(&format!("<li><a href=\"{base}{name}\">{name}</a></li>\n"));
    }
    page.push_str("</ul>\n</body></html>\n");
    Html(page).into_response()
}
