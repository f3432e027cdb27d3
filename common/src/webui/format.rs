//! How the pages write sizes, times and shares.

use maud::{Markup, html};

/// `n` bytes as Hadoop's web UI writes them: `0 B`, `512 B`, `1.5 KB`, `2.25 GB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text} {}", UNITS[unit])
    }
}

/// A time in milliseconds since the epoch, in UTC; `N/A` for 0 or less (never happened).
pub fn datetime(millis: i64) -> String {
    if millis <= 0 {
        return "N/A".to_string();
    }
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "N/A".to_string())
}

/// A span of milliseconds as YARN's UI writes it: `45sec`, `3mins, 2sec`, `1hrs, 0mins, 5sec`.
pub fn duration(millis: i64) -> String {
    let seconds = millis.max(0) / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}hrs, {minutes}mins, {seconds}sec")
    } else if minutes > 0 {
        format!("{minutes}mins, {seconds}sec")
    } else if millis < 1000 {
        format!("{}ms", millis.max(0))
    } else {
        format!("{seconds}sec")
    }
}

/// How long ago `millis` was, from `now`: `3s ago`, `5m ago`, `2h ago`.
pub fn ago(millis: i64, now: i64) -> String {
    if millis <= 0 {
        return "never".to_string();
    }
    let seconds = (now - millis).max(0) / 1000;
    match seconds {
        0..60 => format!("{seconds}s ago"),
        60..3600 => format!("{}m ago", seconds / 60),
        3600..86400 => format!("{}h ago", seconds / 3600),
        _ => format!("{}d ago", seconds / 86400),
    }
}

/// `part` of `whole` as a percentage with two decimals (`0.00%` of nothing).
pub fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        "0.00%".to_string()
    } else {
        format!("{:.2}%", 100.0 * part / whole)
    }
}

/// A progress bar at `fraction` (0 to 1) with its percentage written on it; `state`
/// (`ok`, `warn`, `bad`) colors it.
pub fn progress(fraction: f64, state: &str) -> Markup {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let percent = format!("{:.1}%", 100.0 * fraction);
    html! {
        span.progress role="progressbar" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow=(format!("{:.1}", 100.0 * fraction)) data-sort=(format!("{fraction:.6}")) {
            span.fill.(state) style=(format!("width:{:.2}%", 100.0 * fraction)) {}
            span.label { (percent) }
        }
    }
}

/// A table of `(name, value)` rows, as Hadoop's overview pages have.
pub fn facts<'a>(rows: impl IntoIterator<Item = (&'a str, Markup)>) -> Markup {
    html! {
        table.facts {
            tbody {
                @for (name, value) in rows {
                    tr { th scope="row" { (name) } td { (value) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_hadoops() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(3 << 30), "3 GB");
        assert_eq!(bytes(u64::MAX), "16 EB");
    }

    #[test]
    fn durations_read_like_yarns() {
        assert_eq!(duration(250), "250ms");
        assert_eq!(duration(45_000), "45sec");
        assert_eq!(duration(182_000), "3mins, 2sec");
        assert_eq!(duration(3_605_000), "1hrs, 0mins, 5sec");
        assert_eq!(datetime(0), "N/A");
        assert_eq!(datetime(1_000), "1970-01-01 00:00:01 UTC");
    }

    #[test]
    fn values_in_facts_are_escaped() {
        let page = facts([("Name", html! { ("<script>x</script>") })]).into_string();
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"), "{page}");
        assert!(!page.contains("<script>"));
    }
}
