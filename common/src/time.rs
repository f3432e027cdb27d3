//! Wall-clock helpers: Hadoop stores times as milliseconds since the epoch.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// `yyyy-MM-dd HH:mm:ss,SSS` in local time, log4j's ISO8601 (the start of a
/// Hadoop log line).
pub fn format_log_time(millis: i64) -> String {
    format_local(millis, "%Y-%m-%d %H:%M:%S,%3f")
}

fn format_local(millis: i64, pattern: &str) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(millis).single() {
        Some(time) => time.format(pattern).to_string(),
        None => millis.to_string(),
    }
}

/// The clock liveness logic reads (DataNode expiry in the NameNode,
/// NodeManager expiry in the ResourceManager). The system clock in
/// production; a manual one in tests, which moves only when advanced, so an
/// expiry of minutes passes in milliseconds.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<Instant>>>,
}

impl Clock {
    /// The system's monotonic clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that starts now and moves only by [`Clock::advance`].
    pub fn manual() -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(Instant::now()))),
        }
    }

    /// The current instant of this clock.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(now) => *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock forward by `by`; the system clock cannot be moved.
    ///
    /// # Panics
    /// On the system clock: a test that advances it expects a manual one.
    pub fn advance(&self, by: Duration) {
        let now = self
            .manual
            .as_ref()
            .expect("only a manual clock can be advanced");
        *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Clock;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        let start = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), start);
        clock.clone().advance(Duration::from_secs(600));
        assert_eq!(clock.now() - start, Duration::from_secs(600));
        assert!(Clock::system().now() >= start);
    }
}
