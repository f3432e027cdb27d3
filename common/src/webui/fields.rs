//! Reading the pages' rows from the JSON documents the REST APIs serve, so a page and
//! its REST resource show the same figures: a field as text, as a number, compared for
//! sorting, and a URL made safe to link to.

use std::cmp::Ordering;

use serde_json::Value;

/// The text of `key` in `object` (`""` when absent or null; numbers and booleans as
/// written in JSON).
pub fn text<'a>(object: &'a Value, key: &str) -> std::borrow::Cow<'a, str> {
    match &object[key] {
        Value::String(text) => std::borrow::Cow::Borrowed(text.as_str()),
        Value::Null => std::borrow::Cow::Borrowed(""),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// The number in `key` of `object` (0 when absent or not a number).
pub fn number(object: &Value, key: &str) -> f64 {
    object[key].as_f64().unwrap_or(0.0)
}

/// The integer in `key` of `object` (0 when absent or not an integer).
pub fn integer(object: &Value, key: &str) -> i64 {
    object[key]
        .as_i64()
        .or_else(|| object[key].as_f64().map(|value| value as i64))
        .unwrap_or(0)
}

/// How two rows order on `key`: as numbers when both are numbers, else as text.
pub fn compare(a: &Value, b: &Value, key: &str) -> Ordering {
    match (a[key].as_f64(), b[key].as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => text(a, key).cmp(&text(b, key)),
    }
}

/// `url` when it is an `http://` or `https://` address a page may link to, so that a
/// URL supplied by an application (a tracking URL) cannot be a `javascript:` link.
pub fn web_link(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then_some(url)
}

/// `http://` before an address (`host:port`) that has no scheme.
pub fn with_scheme(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_read_and_compare() {
        let a = json!({"name": "b", "size": 10, "ratio": 0.5});
        let b = json!({"name": "a", "size": 9});
        assert_eq!(text(&a, "name"), "b");
        assert_eq!(text(&a, "size"), "10");
        assert_eq!(text(&a, "missing"), "");
        assert_eq!(integer(&a, "size"), 10);
        assert_eq!(number(&a, "ratio"), 0.5);
        assert_eq!(compare(&a, &b, "size"), Ordering::Greater);
        assert_eq!(compare(&a, &b, "name"), Ordering::Greater);
    }

    #[test]
    fn only_web_addresses_are_linked() {
        assert_eq!(web_link("http://h:1/x"), Some("http://h:1/x"));
        assert_eq!(web_link("HTTPS://h"), Some("HTTPS://h"));
        assert_eq!(web_link("javascript:alert(1)"), None);
        assert_eq!(web_link(""), None);
        assert_eq!(with_scheme("h:8042"), "http://h:8042");
        assert_eq!(with_scheme("https://h"), "https://h");
    }
}
