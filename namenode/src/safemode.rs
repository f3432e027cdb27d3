//! Safe mode (HDFS's BlockManagerSafeMode): the namespace is read-only.
//!
//! At startup the NameNode waits until `dfs.namenode.safemode.threshold-pct`
//! of its complete blocks have a reported replica and
//! `dfs.namenode.safemode.min.datanodes` DataNodes are alive, then for
//! `dfs.namenode.safemode.extension` more, and leaves by itself. An operator
//! may also enter it (`dfsadmin -safemode enter`); that only ends by hand.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Thresholds of startup safe mode.
#[derive(Clone, Copy, Debug)]
pub struct SafeModeConfig {
    /// `dfs.namenode.safemode.threshold-pct`: <= 0 starts out of safe mode,
    /// > 1 keeps it on.
    pub threshold: f64,
    /// `dfs.namenode.safemode.min.datanodes`
    pub min_datanodes: usize,
    /// `dfs.namenode.safemode.extension`
    pub extension: Duration,
}

/// What the block manager reports for safe mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SafeModeCounts {
    /// Complete blocks with at least the minimum replicas reported.
    pub safe_blocks: u64,
    /// Complete blocks.
    pub total_blocks: u64,
    pub live_datanodes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Off,
    Manual,
    /// Waiting for block reports; `Some` once the thresholds were met.
    Startup {
        thresholds_met_at: Option<Instant>,
    },
}

/// Whether the namespace is read-only, and why.
#[derive(Debug)]
pub struct SafeMode {
    config: SafeModeConfig,
    state: Mutex<State>,
    /// Mirrors `state != Off` for the hot path of every mutation.
    on: AtomicBool,
}

impl SafeMode {
    /// Starts in startup safe mode (unless the threshold is 0 or below).
    pub fn new(config: SafeModeConfig) -> Self {
        let state = if config.threshold <= 0.0 {
            State::Off
        } else {
            State::Startup {
                thresholds_met_at: None,
            }
        };
        Self {
            config,
            on: AtomicBool::new(state != State::Off),
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set(&self, state: &mut State, next: State) {
        *state = next;
        self.on.store(next != State::Off, Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::SeqCst)
    }

    /// `dfsadmin -safemode enter|leave`.
    pub fn set_manual(&self, enter: bool) {
        let mut state = self.lock();
        let next = if enter { State::Manual } else { State::Off };
        self.set(&mut state, next);
    }

    fn block_threshold(&self, total_blocks: u64) -> u64 {
        (total_blocks as f64 * self.config.threshold) as u64
    }

    fn thresholds_met(&self, counts: SafeModeCounts) -> bool {
        self.config.threshold <= 1.0
            && counts.safe_blocks >= self.block_threshold(counts.total_blocks)
            && counts.live_datanodes >= self.config.min_datanodes
    }

    /// Advances startup safe mode with the latest counts; true when it just
    /// turned off.
    pub fn update(&self, counts: SafeModeCounts, now: Instant) -> bool {
        let mut state = self.lock();
        let State::Startup { thresholds_met_at } = *state else {
            return false;
        };
        if !self.thresholds_met(counts) {
            self.set(
                &mut state,
                State::Startup {
                    thresholds_met_at: None,
                },
            );
            return false;
        }
        // Nothing to wait for: no blocks and no DataNodes required.
        let nothing_to_report = counts.total_blocks == 0 && self.config.min_datanodes == 0;
        let met_at = thresholds_met_at.unwrap_or(now);
        if nothing_to_report || now.saturating_duration_since(met_at) >= self.config.extension {
            self.set(&mut state, State::Off);
            return true;
        }
        self.set(
            &mut state,
            State::Startup {
                thresholds_met_at: Some(met_at),
            },
        );
        false
    }

    /// Hadoop's safe mode tip: why it is on and what ends it.
    pub fn tip(&self, counts: SafeModeCounts, now: Instant) -> String {
        let state = *self.lock();
        let thresholds_met_at = match state {
            State::Off => return "Safe mode is OFF.".to_string(),
            State::Manual => {
                return "Safe mode is ON. It was turned on manually. Use \"hdfs dfsadmin -safemode leave\" to turn safe mode off.".to_string();
            }
            State::Startup { thresholds_met_at } => thresholds_met_at,
        };
        let mut tip = String::from("Safe mode is ON. ");
        let threshold = self.block_threshold(counts.total_blocks);
        let mut met = true;
        if counts.safe_blocks < threshold {
            met = false;
            tip += &format!(
                "The reported blocks {} needs additional {} blocks to reach the threshold {:.4} of total blocks {}.\n",
                counts.safe_blocks,
                threshold - counts.safe_blocks,
                self.config.threshold,
                counts.total_blocks
            );
        } else {
            tip += &format!(
                "The reported blocks {} has reached the threshold {:.4} of total blocks {}. ",
                counts.safe_blocks, self.config.threshold, counts.total_blocks
            );
        }
        let min = self.config.min_datanodes;
        if min == 0 {
            tip += "The minimum number of live datanodes is not required. ";
        } else if counts.live_datanodes >= min {
            tip += &format!(
                "The number of live datanodes {} has reached the minimum number {min}. ",
                counts.live_datanodes
            );
        } else {
            met = false;
            tip += &format!(
                "The number of live datanodes {} needs an additional {} live datanodes to reach the minimum number {min}.\n",
                counts.live_datanodes,
                min - counts.live_datanodes
            );
        }
        match thresholds_met_at {
            Some(met_at) if met => {
                let left = self
                    .config
                    .extension
                    .saturating_sub(now.saturating_duration_since(met_at));
                tip += &format!(
                    "In safe mode extension. Safe mode will be turned off automatically in {} seconds.",
                    left.as_secs()
                );
            }
            _ if met => tip += "Safe mode will be turned off automatically soon.",
            _ => {
                tip += "Safe mode will be turned off automatically once the thresholds have been reached."
            }
        }
        tip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe_mode(extension_secs: u64, min_datanodes: usize) -> SafeMode {
        SafeMode::new(SafeModeConfig {
            threshold: 0.999,
            min_datanodes,
            extension: Duration::from_secs(extension_secs),
        })
    }

    fn counts(safe_blocks: u64, total_blocks: u64, live_datanodes: usize) -> SafeModeCounts {
        SafeModeCounts {
            safe_blocks,
            total_blocks,
            live_datanodes,
        }
    }

    #[test]
    fn waits_for_blocks_then_the_extension() {
        let mode = safe_mode(30, 0);
        let start = Instant::now();
        assert!(mode.is_on());
        assert!(!mode.update(counts(10, 12, 3), start));
        assert_eq!(
            mode.tip(counts(10, 12, 3), start),
            "Safe mode is ON. The reported blocks 10 needs additional 1 blocks to reach the threshold 0.9990 of total blocks 12.\n\
             The minimum number of live datanodes is not required. \
             Safe mode will be turned off automatically once the thresholds have been reached."
        );
        assert!(!mode.update(counts(12, 12, 3), start));
        let later = start + Duration::from_secs(5);
        assert!(
            mode.tip(counts(12, 12, 3), later).ends_with(
                "In safe mode extension. Safe mode will be turned off automatically in 25 seconds."
            ),
            "{}",
            mode.tip(counts(12, 12, 3), later)
        );
        assert!(!mode.update(counts(12, 12, 3), later));
        assert!(mode.update(counts(12, 12, 3), start + Duration::from_secs(30)));
        assert!(!mode.is_on());
    }

    #[test]
    fn an_empty_namespace_starts_writable_unless_datanodes_are_required() {
        let mode = safe_mode(30, 0);
        assert!(mode.update(counts(0, 0, 0), Instant::now()));
        let mode = safe_mode(0, 2);
        assert!(!mode.update(counts(0, 0, 1), Instant::now()));
        assert!(mode.tip(counts(0, 0, 1), Instant::now()).contains(
            "The number of live datanodes 1 needs an additional 1 live datanodes to reach the minimum number 2."
        ));
        assert!(mode.update(counts(0, 0, 2), Instant::now()));
    }

    #[test]
    fn manual_safe_mode_only_ends_by_hand() {
        let mode = safe_mode(0, 0);
        mode.set_manual(true);
        assert!(!mode.update(counts(5, 5, 3), Instant::now()));
        assert!(mode.is_on());
        assert!(
            mode.tip(counts(5, 5, 3), Instant::now())
                .contains("turned on manually")
        );
        mode.set_manual(false);
        assert!(!mode.is_on());
    }

    #[test]
    fn a_threshold_above_one_keeps_it_on() {
        let mode = SafeMode::new(SafeModeConfig {
            threshold: 1.5,
            min_datanodes: 0,
            extension: Duration::ZERO,
        });
        assert!(!mode.update(counts(5, 5, 3), Instant::now()));
        assert!(mode.is_on());
    }
}
