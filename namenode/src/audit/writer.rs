//! The writer thread: drains the queue, formats each event and appends the
//! lines through one buffer, flushed whenever the queue runs empty. After a
//! batch it pauses a moment before taking the next, so under load handlers
//! find it awake with a batch to take instead of waking it for every line.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::time::Duration;

use super::{AuditEvent, AuditLogConfig, CallerContextLimits, LineTime, format_line};

/// Bytes buffered before a write, within one batch.
const BUFFER_BYTES: usize = 256 * 1024;

/// The pause between batches: how long a line may wait in the queue while
/// the writer is busy elsewhere (the queue holds far more than arrive meanwhile).
const BATCH_PAUSE: Duration = Duration::from_millis(1);

/// The fewest events the queue holds, whatever
/// `dfs.namenode.audit.log.async.buffer.size` says (Hadoop's 128 is sized
/// for a dispatcher that never pauses): at this size a full pause's worth of
/// lines fits at over 8 million operations a second, so a handler neither
/// waits for room nor wakes the writer. A larger setting is kept.
const MIN_QUEUE_EVENTS: usize = 8192;

/// Opens the audit file and starts the thread writing it; returns the
/// queue's sender and the count of events dropped on a full queue.
pub(super) fn spawn(
    config: &AuditLogConfig,
) -> std::io::Result<(SyncSender<AuditEvent>, Arc<AtomicU64>)> {
    if let Some(dir) = config.path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&config.path)?;
    let (sender, receiver) =
        std::sync::mpsc::sync_channel(config.queue_capacity.max(MIN_QUEUE_EVENTS));
    let dropped = Arc::new(AtomicU64::new(0));
    let writer = Writer {
        file: BufWriter::with_capacity(BUFFER_BYTES, file),
        caller_context: config.caller_context,
        dropped: dropped.clone(),
        line: String::with_capacity(512),
        time: LineTime::default(),
        failure: None,
    };
    std::thread::Builder::new()
        .name("audit-log-writer".to_string())
        .spawn(move || writer.run(receiver))?;
    tracing::info!(path = %config.path.display(), "audit log started");
    Ok((sender, dropped))
}

struct Writer {
    file: BufWriter<File>,
    caller_context: Option<CallerContextLimits>,
    dropped: Arc<AtomicU64>,
    line: String,
    time: LineTime,
    /// The first write error of the batch being written.
    failure: Option<std::io::Error>,
}

impl Writer {
    /// Writes batches until every sender is gone and the queue is empty.
    fn run(mut self, receiver: Receiver<AuditEvent>) {
        while let Ok(first) = receiver.recv() {
            self.write(&first);
            loop {
                match receiver.try_recv() {
                    Ok(event) => self.write(&event),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.flush();
                        return;
                    }
                }
            }
            self.flush();
            std::thread::sleep(BATCH_PAUSE);
        }
        self.flush();
    }

    fn write(&mut self, event: &AuditEvent) {
        self.line.clear();
        format_line(event, self.caller_context, &mut self.time, &mut self.line);
        if let Err(error) = self.file.write_all(self.line.as_bytes()) {
            self.failure.get_or_insert(error);
        }
    }

    /// Flushes the batch; a batch that could not be written is reported once.
    fn flush(&mut self) {
        if let Err(error) = self.file.flush() {
            self.failure.get_or_insert(error);
        }
        if let Some(error) = self.failure.take() {
            tracing::error!(%error, "cannot write the audit log");
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "audit log queue full: lines discarded (dfs.namenode.audit.log.async.blocking is false)"
            );
        }
    }
}
