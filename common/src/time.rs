//! Wall-clock helpers: Hadoop stores times as milliseconds since the epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// `yyyy-MM-dd HH:mm` in local time, the format of `hdfs dfs -ls`.
pub fn format_listing_time(millis: i64) -> String {
    format_local(millis, "%Y-%m-%d %H:%M")
}

/// `yyyy-MM-dd HH:mm:ss` in local time, the format of `hdfs dfs -stat %y`.
pub fn format_stat_time(millis: i64) -> String {
    format_local(millis, "%Y-%m-%d %H:%M:%S")
}

fn format_local(millis: i64, pattern: &str) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(millis).single() {
        Some(time) => time.format(pattern).to_string(),
        None => millis.to_string(),
    }
}
