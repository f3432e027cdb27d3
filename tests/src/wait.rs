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

/// Polls `condition` every 20 ms until it holds (or gives a value), and
/// returns that; panics naming `what` after `timeout`.
pub async fn eventually<O: Outcome>(
    timeout: Duration,
    what: &str,
    mut condition: impl AsyncFnMut() -> O,
) -> O::Value {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = condition().await.settled() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
