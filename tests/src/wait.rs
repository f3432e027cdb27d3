//! Waiting for a condition with a deadline: the one polling loop of the
//! tests, so every wait reports what it waited for when it times out.

use std::time::{Duration, Instant};

/// How often a condition is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// What a polled condition gives: `true`/`false`, or `Some(value)` once a
/// value is there.
pub trait Outcome {
    /// What [`eventually`] returns once the condition holds.
    type Value;
    /// `Some` once the condition holds.
    fn settled(self) -> Option<Self::Value>;
}

impl Outcome for bool {
    type Value = ();
    fn settled(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn settled(self) -> Option<T> {
        self
    }
}

/// A deadline that panics naming what was awaited.
struct Deadline<'a> {
    at: Instant,
    timeout: Duration,
    what: &'a str,
}

impl<'a> Deadline<'a> {
    fn new(timeout: Duration, what: &'a str) -> Self {
        Self {
            at: Instant::now() + timeout,
            timeout,
            what,
        }
    }

    fn check(&self) {
        assert!(
            Instant::now() < self.at,
            "timed out after {:?} waiting for {}",
            self.timeout,
            self.what
        );
    }
}

/// Polls `condition` every 20 ms until it holds (or gives a value), and
/// returns that; panics naming `what` after `timeout`.
pub async fn eventually<O: Outcome>(
    timeout: Duration,
    what: &str,
    mut condition: impl AsyncFnMut() -> O,
) -> O::Value {
    let deadline = Deadline::new(timeout, what);
    loop {
        if let Some(value) = condition().await.settled() {
            return value;
        }
        deadline.check();
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// [`eventually`] for tests without an async runtime (they drive daemon
/// processes): polls on the calling thread.
pub fn eventually_blocking<O: Outcome>(
    timeout: Duration,
    what: &str,
    mut condition: impl FnMut() -> O,
) -> O::Value {
    let deadline = Deadline::new(timeout, what);
    loop {
        if let Some(value) = condition().settled() {
            return value;
        }
        deadline.check();
        std::thread::sleep(POLL_INTERVAL);
    }
}
