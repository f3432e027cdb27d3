//! Tracing set-up for daemons and tools: logs go to stderr, filtered by `RUST_LOG`
//! (else the caller's default). The filter can be changed while the process runs
//! ([`set_level`], what the daemons' `/logLevel` calls), and events are counted per
//! level for the daemons' metrics. One subscriber serves the whole process, so in a
//! mini-cluster a level set through one daemon applies to all of them.

mod directives;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

pub use directives::{Directives, InvalidTarget, level_name, parse_level};

/// Why a level could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("logging was not set up through common::logging::init in this process")]
    NotInitialized,
    #[error(transparent)]
    InvalidTarget(#[from] InvalidTarget),
    #[error("cannot change the log filter: {0}")]
    Reload(String),
}

/// The reloadable filter and the directives it was built from.
struct Control {
    handle: reload::Handle<EnvFilter, Registry>,
    directives: Mutex<Directives>,
}

static CONTROL: OnceLock<Control> = OnceLock::new();

/// Events logged so far, by level (index: [`level_index`]).
static EVENTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

/// Installs a stderr subscriber; `default_filter` applies when `RUST_LOG` is unset or
/// invalid. Calling it twice is harmless (the second call keeps the first subscriber).
pub fn init(default_filter: &str) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|text| EnvFilter::try_new(text).is_ok());
    let directives = Directives::parse(from_env.as_deref().unwrap_or(default_filter));
    let (filter, handle) = reload::Layer::new(directives.to_filter());
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(EventCounter)
        .with(output)
        .try_init();
    if installed.is_ok() {
        let _ = CONTROL.set(Control {
            handle,
            directives: Mutex::new(directives),
        });
    }
}

/// Whether [`init`] installed this process's subscriber.
pub fn is_initialized() -> bool {
    CONTROL.get().is_some()
}

/// The level events of `target` (a module path such as `tusk_namenode::server`, or a
/// prefix of one) are logged at.
pub fn effective_level(target: &str) -> Result<LevelFilter, LoggingError> {
    let control = CONTROL.get().ok_or(LoggingError::NotInitialized)?;
    let directives = control
        .directives
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(directives.effective(target))
}

/// Logs `target` and the modules under it at `level` from now on; returns the level
/// now in effect.
pub fn set_level(target: &str, level: LevelFilter) -> Result<LevelFilter, LoggingError> {
    let control = CONTROL.get().ok_or(LoggingError::NotInitialized)?;
    let mut directives = control
        .directives
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut changed = directives.clone();
    changed.set(target, level)?;
    control
        .handle
        .reload(changed.to_filter())
        .map_err(|error| LoggingError::Reload(error.to_string()))?;
    *directives = changed;
    Ok(directives.effective(target))
}

/// How many events were logged at `level` since [`init`] (those the filter let through).
pub fn events_logged(level: Level) -> u64 {
    EVENTS[level_index(level)].load(Ordering::Relaxed)
}

fn level_index(level: Level) -> usize {
    match level {
        Level::ERROR => 0,
        Level::WARN => 1,
        Level::INFO => 2,
        Level::DEBUG => 3,
        Level::TRACE => 4,
    }
}

/// Counts the events that pass the filter, by level.
struct EventCounter;

impl<S: Subscriber> Layer<S> for EventCounter {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        EVENTS[level_index(*event.metadata().level())].fetch_add(1, Ordering::Relaxed);
    }
}
