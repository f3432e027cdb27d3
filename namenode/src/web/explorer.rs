//! `/explorer.html`: Hadoop's file browser, rendered on the server. `?path=/dir` lists a
//! directory one page at a time (sorted and filtered by [`Listing`]), `?path=/file` shows
//! a file with its blocks and the head of its content; Hadoop's `explorer.html#/dir`
//! bookmarks are turned into `?path=/dir`. Changes (upload, mkdir, chmod, delete) are sent
//! by the page's script to WebHDFS, with the CSRF header, as the user the page names.

use std::cmp::Ordering;
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use common::webui::format::{bytes, datetime, facts};
use common::webui::listing::{Listing, encode};
use common::webui::{Markup, PreEscaped, html};

use super::Web;
use crate::namespace::INodeStatus;

/// How the rows of forms are laid out (the shared stylesheet has no rule for them).
const FORM_ROW: &str =
    "display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;margin:.6rem 0";

/// The most entries one page lists, whatever the query asks: keeps a page well under
/// 300 KB.
const MAX_ROWS: usize = 500;

/// How many bytes of a file the page shows.
const HEAD_BYTES: u64 = 32 * 1024;

/// The page's own behaviour: Hadoop's `#/dir` bookmarks, the user name copied into the
/// forms before they are sent, and the head of a file read through WebHDFS (shown as
/// text, never as markup).
const SCRIPT: &str = r##"
(function () {
  if (location.hash.startsWith("#/")) {
    location.replace("/explorer.html?path=" + encodeURIComponent(decodeURIComponent(location.hash.slice(1))));
    return;
  }
  document.addEventListener("submit", function (event) {
    var user = document.getElementById("user-name");
    if (!user || !event.target.matches("form[data-method], form[data-upload]")) return;
    event.target.querySelectorAll("input[name=user]").forEach(function (input) { input.value = user.value; });
    if (event.target.matches("form[data-upload]")) event.target.dataset.user = user.value;
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    var head = document.getElementById("file-head");
    if (!head) return;
    fetch(head.dataset.src).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.text();
    }).then(function (text) { head.textContent = text; })
      .catch(function (error) { head.textContent = "Cannot read the file: " + error.message; });
  });
})();
"##;

/// The name of an entry as text.
fn name_of(entry: &INodeStatus) -> String {
    String::from_utf8_lossy(&entry.name).into_owned()
}

/// `dir` joined with `name`.
fn child_path(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The parent directory of `path` (`/` for `/` itself).
fn parent_path(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/",
        Some(at) => &path[..at],
    }
}

fn compare(a: &INodeStatus, b: &INodeStatus, column: &str) -> Ordering {
    let by_column = match column {
        "size" => a.length.cmp(&b.length),
        "owner" => a.owner.cmp(&b.owner),
        "group" => a.group.cmp(&b.group),
        "permission" => a.permission.to_string().cmp(&b.permission.to_string()),
        "modified" => a.mtime.cmp(&b.mtime),
        "replication" => a.replication.cmp(&b.replication),
        "blocksize" => a.block_size.cmp(&b.block_size),
        _ => Ordering::Equal,
    };
    by_column.then_with(|| a.name.cmp(&b.name))
}

/// The entries of the page `view` asks for among `entries` (a directory's, in name
/// order): those whose name passes the filter, sorted on the asked column, then the asked
/// window; and how many passed the filter.
pub(super) fn directory_page(
    entries: Vec<INodeStatus>,
    view: &Listing,
) -> (usize, Vec<INodeStatus>) {
    debug_assert!(entries.windows(2).all(|pair| pair[0].name <= pair[1].name));
    let mut kept: Vec<INodeStatus> = if view.filter.is_empty() {
        entries
    } else {
        entries
            .into_iter()
            .filter(|entry| view.matches(&name_of(entry)))
            .collect()
    };
    let by_name = matches!(view.sort.as_deref(), None | Some("name"));
    if by_name && view.descending {
        kept.reverse();
    } else if !by_name {
        view.order(&mut kept, "name", compare);
    }
    let total = kept.len();
    let window = view.window(total);
    kept.truncate(window.end);
    kept.drain(..window.start);
    (total, kept)
}

/// A link to the browser at `path`, as `user` when one was asked.
fn browse_link(path: &str, user: Option<&str>) -> String {
    match user {
        Some(user) => format!(
            "/explorer.html?path={}&user.name={}",
            encode(path),
            encode(user)
        ),
        None => format!("/explorer.html?path={}", encode(path)),
    }
}

/// The path's components as links.
fn breadcrumb(path: &str, user: Option<&str>) -> Markup {
    let mut crumbs: Vec<(&str, String)> = Vec::new();
    let mut prefix = String::new();
    for component in path.split('/').filter(|component| !component.is_empty()) {
        prefix.push('/');
        prefix.push_str(component);
        crumbs.push((component, prefix.clone()));
    }
    html! {
        nav.breadcrumb aria-label="Path" {
            a href=(browse_link("/", user)) { "/" }
            @for (index, (component, prefix)) in crumbs.iter().enumerate() {
                @if index > 0 { span.muted { "/" } }
                a href=(browse_link(prefix, user)) { (component) }
            }
        }
    }
}

/// The WebHDFS URL of `path` for `op`, with `{user}` filled in by the form.
fn webhdfs(path: &str, query: &str) -> String {
    format!("/webhdfs/v1{}?{query}&user.name={{user}}", encode(path))
}

/// chmod and delete of `path` (not for `/`).
fn actions(path: &str, permission: &str, user: Option<&str>) -> Markup {
    let parent = browse_link(parent_path(path), user);
    html! {
        div.actions style=(FORM_ROW) {
            form.inline #chmod-form data-method="PUT"
                data-url=(webhdfs(path, "op=SETPERMISSION&permission={permission}")) data-done="Permission changed" {
                input type="hidden" name="user";
                label { "Permission " input type="text" name="permission" value=(permission) size="5" pattern="[0-7]{3,4}" aria-label="Permission (octal)"; }
                button type="submit" { "Change" }
            }
            @if path != "/" {
                form.inline #delete-form data-method="DELETE"
                    data-url=(webhdfs(path, "op=DELETE&recursive=true"))
                    data-confirm=(format!("Delete {path} and everything below it?"))
                    data-then=(parent) {
                    input type="hidden" name="user";
                    button.danger type="submit" { "Delete" }
                }
            }
        }
    }
}

pub(super) async fn page(
    State(web): State<Web>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let path = params
        .get("path")
        .map(|path| path.trim())
        .filter(|path| path.starts_with('/'))
        .unwrap_or("/")
        .to_string();
    let asked_user = params
        .get("user.name")
        .filter(|user| !user.is_empty())
        .cloned();
    let user = asked_user
        .clone()
        .unwrap_or_else(|| web.static_user.to_string());
    let caller = web.namesystem.caller(&user);
    let mut view = Listing::from_query("/explorer.html", &params, &["path", "user.name"]);
    view.size = view.size.min(MAX_ROWS);
    let namesystem = web.namesystem.clone();
    let lookup_path = path.clone();
    let lookup_caller = caller.clone();
    let looked_up = tokio::task::spawn_blocking(move || {
        let status = namesystem.file_info(&lookup_path, &lookup_caller)?;
        match status {
            Some(status) if status.is_directory => {
                let entries = namesystem
                    .directory_entries(&lookup_path, &lookup_caller)?
                    .map(|listing| listing.entries)
                    .unwrap_or_default();
                Ok(Some((status, Some(entries))))
            }
            Some(status) => Ok(Some((status, None))),
            None => Ok(None),
        }
    })
    .await
    .unwrap_or_else(|error| {
        Err(common::RemoteException::io(format!(
            "listing failed: {error}"
        )))
    });
    let body = match looked_up {
        Err(error) => html! {
            p.notice.bad #explorer-error { "Cannot show " code { (path) } ": " (error.message) }
        },
        Ok(None) => html! {
            p.notice.bad #explorer-error { "Path does not exist: " code { (path) } }
        },
        Ok(Some((status, Some(entries)))) => {
            let (total, rows) = directory_page(entries, &view);
            directory(
                &path,
                &status,
                total,
                &rows,
                &view,
                asked_user.as_deref(),
                &user,
            )
        }
        Ok(Some((status, None))) => file(&web, &path, &status, asked_user.as_deref(), &caller),
    };
    let content = html! {
        div.explorer-top style=(FORM_ROW) {
            (breadcrumb(&path, asked_user.as_deref()))
            form.inline.user method="get" action="/explorer.html" {
                input type="hidden" name="path" value=(path);
                label { "User " input #user-name type="text" name="user.name" value=(user) size="10" aria-label="user.name"; }
                button.plain type="submit" { "Browse as" }
            }
        }
        (body)
        script { (PreEscaped(SCRIPT)) }
    };
    web.shell
        .page("Browse Directory", "/explorer.html", content)
}

fn permission_text(status: &INodeStatus) -> String {
    format!(
        "{}{}",
        if status.is_directory { "d" } else { "-" },
        status.permission
    )
}

fn directory(
    path: &str,
    status: &INodeStatus,
    total: usize,
    rows: &[INodeStatus],
    view: &Listing,
    asked_user: Option<&str>,
    user: &str,
) -> Markup {
    html! {
        div.toolbar style=(FORM_ROW) {
            form.inline #upload-form data-upload=(path) data-user=(user) {
                label { "Upload " input type="file" name="file" aria-label="File to upload"; }
                button type="submit" { "Upload" }
            }
            form.inline #mkdir-form data-method="PUT" data-url=(format!("/webhdfs/v1{}/{{name}}?op=MKDIRS&user.name={{user}}", encode(path.trim_end_matches('/')))) data-done="Created" {
                input type="hidden" name="user";
                label { "New directory " input type="text" name="name" required aria-label="Directory name"; }
                button type="submit" { "Create" }
            }
        }
        section #explorer-listing data-live="30" {
            (view.controls(total))
            div.scroll {
                table #explorer-table {
                    thead {
                        tr {
                            (view.heading("permission", "Permission"))
                            (view.heading("owner", "Owner"))
                            (view.heading("group", "Group"))
                            (view.heading("size", "Size"))
                            (view.heading("modified", "Last Modified"))
                            (view.heading("replication", "Replication"))
                            (view.heading("blocksize", "Block Size"))
                            (view.heading("name", "Name"))
                        }
                    }
                    tbody {
                        @for entry in rows {
                            @let name = name_of(entry);
                            tr {
                                td { code { (permission_text(entry)) } }
                                td { (entry.owner) }
                                td { (entry.group) }
                                td.num { @if entry.is_directory { "0 B" } @else { (bytes(entry.length)) } }
                                td.nowrap { (datetime(entry.mtime)) }
                                td.num { @if !entry.is_directory { (entry.replication) } }
                                td.num { @if !entry.is_directory { (bytes(entry.block_size)) } }
                                td.name {
                                    a href=(browse_link(&child_path(path, &name), asked_user)) {
                                        (name) @if entry.is_directory { "/" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "This directory" }
            (facts([
                ("Path", html! { code { (path) } }),
                ("Permission", html! { code #dir-permission { (permission_text(status)) } }),
                ("Owner", html! { (status.owner) " : " (status.group) }),
                ("Last modified", html! { (datetime(status.mtime)) }),
            ]))
        }
        (actions(path, &format!("{:o}", status.permission), asked_user))
    }
}

fn file(
    web: &Web,
    path: &str,
    status: &INodeStatus,
    asked_user: Option<&str>,
    caller: &crate::namespace::Caller,
) -> Markup {
    let blocks = web
        .namesystem
        .block_locations(path, 0, u64::MAX, "", caller)
        .map(|(blocks, _, _)| blocks);
    let user = asked_user.unwrap_or(&*web.static_user);
    let open = format!(
        "/webhdfs/v1{}?op=OPEN&user.name={}",
        encode(path),
        encode(user)
    );
    html! {
        section #file-info data-live="30" {
            (facts([
                ("Path", html! { code { (path) } }),
                ("Size", html! { (bytes(status.length)) " (" (status.length) " bytes)" }),
                ("Permission", html! { code #file-permission { (permission_text(status)) } }),
                ("Owner", html! { (status.owner) }),
                ("Group", html! { (status.group) }),
                ("Replication", html! { (status.replication) }),
                ("Block Size", html! { (bytes(status.block_size)) }),
                ("Last Modified", html! { (datetime(status.mtime)) }),
                ("Last Accessed", html! { (datetime(status.atime)) }),
                ("Open for writing", html! { @if status.under_construction { "yes" } @else { "no" } }),
            ]))
        }
        p { a.button #download href=(open) download { "Download" } }
        (actions(path, &format!("{:o}", status.permission), asked_user))
        h2 { "Blocks" }
        @match blocks {
            Err(error) => { p.notice.bad { (error.message) } }
            Ok(blocks) => {
                div.scroll {
                    table.sortable #file-blocks {
                        thead { tr {
                            th scope="col" { "Block ID" }
                            th scope="col" { "Generation stamp" }
                            th scope="col" { "Offset" }
                            th scope="col" { "Size" }
                            th scope="col" { "Availability" }
                        } }
                        tbody {
                            @for block in &blocks {
                                tr {
                                    td { code { "blk_" (block.block.id.0) } }
                                    td.num { (block.block.generation_stamp.0) }
                                    td.num data-sort=(block.offset) { (bytes(block.offset)) }
                                    td.num data-sort=(block.block.num_bytes) { (bytes(block.block.num_bytes)) }
                                    td {
                                        @if block.locations.locations.is_empty() { span.badge.bad { "missing" } }
                                        @for location in &block.locations.locations {
                                            a href=(format!("http://{}:{}/", location.address.host, location.address.http_port)) {
                                                (location.address.host) ":" (location.address.xfer_port)
                                            }
                                            " "
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Head of the file (first " (bytes(HEAD_BYTES)) ")" }
        pre #file-head data-src=(format!("{open}&length={HEAD_BYTES}")) { "Loading…" }
    }
}

#[cfg(test)]
mod tests {
    use common::FsPermission;

    use super::*;

    fn entry(name: &str, length: u64) -> INodeStatus {
        INodeStatus {
            name: name.as_bytes().to_vec(),
            is_directory: false,
            length,
            permission: FsPermission::new(0o644),
            owner: "hdfs".into(),
            group: "supergroup".into(),
            mtime: 0,
            atime: 0,
            replication: 3,
            block_size: 128 << 20,
            id: 0,
            children_num: 0,
            under_construction: false,
        }
    }

    fn view(query: &[(&str, &str)]) -> Listing {
        let params = query
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Listing::from_query("/explorer.html", &params, &["path"])
    }

    fn names(rows: &[INodeStatus]) -> Vec<String> {
        rows.iter().map(name_of).collect()
    }

    fn many(count: usize) -> Vec<INodeStatus> {
        (0..count)
            .map(|index| entry(&format!("part-{index:06}"), (index % 7) as u64))
            .collect()
    }

    #[test]
    fn a_page_of_a_large_directory_in_name_order() {
        let (total, rows) = directory_page(many(100_000), &view(&[("page", "3")]));
        assert_eq!(total, 100_000);
        assert_eq!(rows.len(), 100);
        assert_eq!(name_of(&rows[0]), "part-000200");
        let (_, last) = directory_page(many(100_000), &view(&[("page", "1000"), ("size", "100")]));
        assert_eq!(name_of(last.last().unwrap()), "part-099999");
        let (_, beyond) = directory_page(many(10), &view(&[("page", "5")]));
        assert!(beyond.is_empty());
    }

    #[test]
    fn filters_then_sorts_then_pages() {
        let entries = vec![
            entry("a.log", 30),
            entry("b.txt", 10),
            entry("c.log", 20),
            entry("d.LOG", 10),
        ];
        let (total, rows) = directory_page(
            entries.clone(),
            &view(&[("filter", "log"), ("sort", "size"), ("size", "2")]),
        );
        assert_eq!(total, 3);
        assert_eq!(names(&rows), ["d.LOG", "c.log"]);
        let (_, rows) = directory_page(entries.clone(), &view(&[("order", "desc")]));
        assert_eq!(names(&rows), ["d.LOG", "c.log", "b.txt", "a.log"]);
        let (_, rows) = directory_page(entries, &view(&[("sort", "size"), ("order", "desc")]));
        assert_eq!(names(&rows), ["a.log", "c.log", "d.LOG", "b.txt"]);
    }

    #[test]
    fn paths_and_links() {
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
        assert_eq!(parent_path("/a/b"), "/a");
        assert_eq!(parent_path("/a"), "/");
        assert_eq!(parent_path("/"), "/");
        assert_eq!(
            browse_link("/x y", Some("bob")),
            "/explorer.html?path=/x%20y&user.name=bob"
        );
        let crumbs = breadcrumb("/a/<b>", None).into_string();
        assert!(crumbs.contains("&lt;b&gt;"), "{crumbs}");
        assert!(crumbs.contains("path=/a/%3Cb%3E"), "{crumbs}");
    }
}
