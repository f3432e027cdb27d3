//! Long lists on a page: which slice to show, in which order, filtered by what, read from
//! the query string (`?page=2&size=100&sort=name&order=desc&filter=log`), so a directory of
//! 100,000 files or 1,000 applications renders one page at a time on the server.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use maud::{Markup, html};

/// Rows per page unless the query says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The most rows one page shows, whatever the query asks.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The view of a long list the query string asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// 1-based page number.
    pub page: usize,
    pub size: usize,
    /// The column to sort on, when one is asked.
    pub sort: Option<String>,
    pub descending: bool,
    /// Rows are kept when they contain this text (case-insensitive); empty keeps all.
    pub filter: String,
    /// Other query parameters the page's links keep (`path=/dir`, `state=RUNNING`).
    keep: Vec<(String, String)>,
    /// The page's own path, which its links lead back to.
    path: String,
}

impl Listing {
    /// The view `params` ask for on the page at `path`; `keep` names the other
    /// parameters its links carry over.
    pub fn from_query(path: &str, params: &HashMap<String, String>, keep: &[&str]) -> Self {
        let number = |name: &str| {
            params
                .get(name)
                .and_then(|value| value.parse::<usize>().ok())
        };
        Self {
            page: number("page").unwrap_or(1).max(1),
            size: number("size")
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
            sort: params.get("sort").filter(|sort| !sort.is_empty()).cloned(),
            descending: params.get("order").is_some_and(|order| order == "desc"),
            filter: params.get("filter").cloned().unwrap_or_default(),
            keep: keep
                .iter()
                .filter_map(|name| Some((name.to_string(), params.get(*name)?.clone())))
                .collect(),
            path: path.to_string(),
        }
    }

    /// Whether a row showing `text` passes the filter.
    pub fn matches(&self, text: &str) -> bool {
        self.filter.is_empty() || contains_ignoring_case(text, &self.filter)
    }

    /// Sorts `rows` on the asked column with `compare(a, b, column)`, ascending or
    /// descending; with no column asked, `default` is used ascending.
    pub fn order<T>(
        &self,
        rows: &mut [T],
        default: &str,
        compare: impl Fn(&T, &T, &str) -> Ordering,
    ) {
        let column = self.sort.as_deref().unwrap_or(default);
        rows.sort_by(|a, b| {
            let ordering = compare(a, b, column);
            if self.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }

    /// The rows of the asked page among `total`.
    pub fn window(&self, total: usize) -> Range<usize> {
        let start = ((self.page - 1) * self.size).min(total);
        start..(start + self.size).min(total)
    }

    /// A link to this listing with `changes` applied to its parameters.
    fn link(&self, changes: &[(&str, String)]) -> String {
        let mut params: Vec<(String, String)> = self.keep.clone();
        let mut own = vec![
            ("page", self.page.to_string()),
            ("size", self.size.to_string()),
            ("sort", self.sort.clone().unwrap_or_default()),
            (
                "order",
                if self.descending { "desc" } else { "asc" }.to_string(),
            ),
            ("filter", self.filter.clone()),
        ];
        for (name, value) in changes {
            if let Some(slot) = own.iter_mut().find(|(own_name, _)| own_name == name) {
                slot.1 = value.clone();
            }
        }
        params.extend(
            own.into_iter()
                .filter(|(name, value)| !(value.is_empty() || *name == "page" && value == "1"))
                .map(|(name, value)| (name.to_string(), value)),
        );
        let query: Vec<String> = params
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }

    /// A column heading whose link sorts on `column` (again: the other way round).
    pub fn heading(&self, column: &str, label: &str) -> Markup {
        let current = self.sort.as_deref() == Some(column);
        let next = if current && !self.descending {
            "desc"
        } else {
            "asc"
        };
        let sort = match (current, self.descending) {
            (true, false) => "ascending",
            (true, true) => "descending",
            _ => "none",
        };
        html! {
            th scope="col" aria-sort=(sort) {
                a href=(self.link(&[("sort", column.to_string()), ("order", next.to_string()), ("page", "1".to_string())])) { (label) }
            }
        }
    }

    /// The filter box and the page links for a list of `total` rows.
    pub fn controls(&self, total: usize) -> Markup {
        let pages = total.div_ceil(self.size).max(1);
        let window = self.window(total);
        html! {
            div.listing-controls {
                form.filter method="get" action=(self.path) {
                    @for (name, value) in &self.keep {
                        input type="hidden" name=(name) value=(value);
                    }
                    input type="hidden" name="size" value=(self.size);
                    @if let Some(sort) = &self.sort {
                        input type="hidden" name="sort" value=(sort);
                        input type="hidden" name="order" value=(if self.descending { "desc" } else { "asc" });
                    }
                    input type="search" name="filter" value=(self.filter) placeholder="Filter" aria-label="Filter";
                    button type="submit" { "Filter" }
                }
                nav.pager aria-label="Pages" {
                    span.count {
                        @if total == 0 { "No entries" } @else {
                            "Showing " (window.start + 1) " to " (window.end) " of " (total) " entries"
                        }
                    }
                    @if self.page > 1 {
                        a rel="prev" href=(self.link(&[("page", (self.page - 1).to_string())])) { "Previous" }
                    }
                    span { "Page " (self.page.min(pages)) " of " (pages) }
                    @if self.page < pages {
                        a rel="next" href=(self.link(&[("page", (self.page + 1).to_string())])) { "Next" }
                    }
                }
            }
        }
    }
}

fn contains_ignoring_case(text: &str, part: &str) -> bool {
    if text.is_ascii() && part.is_ascii() {
        text.as_bytes()
            .windows(part.len())
            .any(|window| window.eq_ignore_ascii_case(part.as_bytes()))
    } else {
        text.to_lowercase().contains(&part.to_lowercase())
    }
}

/// `text` percent-encoded for a URL's query or path segment.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(query: &[(&str, &str)]) -> Listing {
        let params = query
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Listing::from_query("/explorer.html", &params, &["path"])
    }

    #[test]
    fn the_window_is_the_asked_page() {
        let view = listing(&[("page", "3"), ("size", "10")]);
        assert_eq!(view.window(25), 20..25);
        assert_eq!(view.window(5), 5..5);
        assert_eq!(listing(&[("size", "999999")]).size, MAX_PAGE_SIZE);
        assert_eq!(listing(&[("page", "0")]).page, 1);
    }

    #[test]
    fn links_keep_the_page_parameters_and_encode_them() {
        let view = listing(&[("path", "/a b&c"), ("sort", "size"), ("page", "2")]);
        let link = view.link(&[("page", "3".to_string())]);
        assert_eq!(
            link,
            "/explorer.html?path=/a%20b%26c&page=3&size=100&sort=size&order=asc"
        );
        let heading = view.heading("size", "Size").into_string();
        assert!(heading.contains("order=desc"), "{heading}");
    }

    #[test]
    fn filters_and_orders() {
        let view = listing(&[("filter", "LOG"), ("order", "desc")]);
        assert!(view.matches("syslog"));
        assert!(!view.matches("stdout"));
        let mut rows = vec![1, 3, 2];
        view.order(&mut rows, "n", |a, b, _| a.cmp(b));
        assert_eq!(rows, [3, 2, 1]);
    }
}
