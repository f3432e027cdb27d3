//! What the NameNode did while starting, phase by phase, as Hadoop's StartupProgress tracks
//! it: loading the fsimage, loading the edits, saving a checkpoint, and safe mode. The web
//! UI's Startup Progress tab and the `StartupProgress` bean read it.

use std::sync::Mutex;

/// One step of startup, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    LoadingFsImage,
    LoadingEdits,
    SavingCheckpoint,
    SafeMode,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 4] = [
        Phase::LoadingFsImage,
        Phase::LoadingEdits,
        Phase::SavingCheckpoint,
        Phase::SafeMode,
    ];

    /// Hadoop's name of the phase, as its beans spell it (`LoadingFsImage`).
    pub fn name(self) -> &'static str {
        match self {
            Phase::LoadingFsImage => "LoadingFsImage",
            Phase::LoadingEdits => "LoadingEdits",
            Phase::SavingCheckpoint => "SavingCheckpoint",
            Phase::SafeMode => "SafeMode",
        }
    }

    /// Hadoop's description of the phase, as its web UI shows it.
    pub fn description(self) -> &'static str {
        match self {
            Phase::LoadingFsImage => "Loading fsimage",
            Phase::LoadingEdits => "Loading edits",
            Phase::SavingCheckpoint => "Saving checkpoint",
            Phase::SafeMode => "Safe mode",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Where a phase is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Running,
    Complete,
}

impl Status {
    /// Hadoop's name: `PENDING`, `RUNNING`, `COMPLETE`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Running => "RUNNING",
            Status::Complete => "COMPLETE",
        }
    }
}

/// One phase as the pages show it.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseView {
    pub phase: Phase,
    pub status: Status,
    /// What the phase worked on (the fsimage file, the edit segments), when known.
    pub file: String,
    /// Items done (inodes loaded, transactions applied, blocks reported) and expected.
    pub count: u64,
    pub total: u64,
    /// 0 to 1.
    pub fraction: f64,
    /// Milliseconds the phase ran, up to `now` while it runs.
    pub elapsed_millis: i64,
}

#[derive(Clone, Debug, Default)]
struct PhaseRecord {
    started: Option<i64>,
    ended: Option<i64>,
    file: String,
    count: u64,
    total: u64,
}

/// The phases' records; every method takes the time as milliseconds since the epoch, so
/// tests choose it.
#[derive(Debug, Default)]
pub struct StartupProgress {
    phases: Mutex<[PhaseRecord; 4]>,
}

impl StartupProgress {
    fn lock(&self) -> std::sync::MutexGuard<'_, [PhaseRecord; 4]> {
        self.phases.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `phase` starts at `now`, working on `file` (empty if none). A phase starts once.
    pub fn begin(&self, phase: Phase, file: &str, now: i64) {
        let mut phases = self.lock();
        let record = &mut phases[phase.index()];
        if record.started.is_none() {
            record.started = Some(now);
            record.file = file.to_string();
        }
    }

    /// `phase` has done `count` of `total` items.
    pub fn set_count(&self, phase: Phase, count: u64, total: u64) {
        let mut phases = self.lock();
        let record = &mut phases[phase.index()];
        record.count = count;
        record.total = total;
    }

    /// `phase` ends at `now` (started now if it never started); ending twice keeps the
    /// first end.
    pub fn end(&self, phase: Phase, now: i64) {
        let mut phases = self.lock();
        let record = &mut phases[phase.index()];
        record.started.get_or_insert(now);
        record.ended.get_or_insert(now);
    }

    /// Every phase as of `now`, in order.
    pub fn view(&self, now: i64) -> Vec<PhaseView> {
        let phases = self.lock();
        Phase::ALL
            .iter()
            .map(|&phase| {
                let record = &phases[phase.index()];
                let status = match (record.started, record.ended) {
                    (_, Some(_)) => Status::Complete,
                    (Some(_), None) => Status::Running,
                    (None, None) => Status::Pending,
                };
                let fraction = match status {
                    Status::Complete => 1.0,
                    Status::Pending => 0.0,
                    Status::Running if record.total > 0 => {
                        (record.count as f64 / record.total as f64).min(1.0)
                    }
                    Status::Running => 0.0,
                };
                let elapsed_millis = match (record.started, record.ended) {
                    (Some(start), Some(end)) => end - start,
                    (Some(start), None) => now - start,
                    _ => 0,
                };
                PhaseView {
                    phase,
                    status,
                    file: record.file.clone(),
                    count: record.count,
                    total: record.total,
                    fraction,
                    elapsed_millis: elapsed_millis.max(0),
                }
            })
            .collect()
    }

    /// The share of startup done (the phases weigh the same), 0 to 1.
    pub fn fraction_complete(&self, now: i64) -> f64 {
        let phases = self.view(now);
        phases.iter().map(|phase| phase.fraction).sum::<f64>() / phases.len() as f64
    }

    /// Milliseconds from the first phase's start to the last one's end (or `now`).
    pub fn elapsed_millis(&self, now: i64) -> i64 {
        let phases = self.lock();
        let first = phases.iter().filter_map(|record| record.started).min();
        let unfinished = phases.iter().any(|record| record.ended.is_none());
        let last = if unfinished {
            Some(now)
        } else {
            phases.iter().filter_map(|record| record.ended).max()
        };
        match (first, last) {
            (Some(first), Some(last)) => (last - first).max(0),
            _ => 0,
        }
    }

    /// Hadoop's `StartupProgress` bean.
    pub fn bean(&self, now: i64) -> common::metrics::Bean {
        let mut bean = common::metrics::Bean::new("NameNode", "StartupProgress")
            .gauge("ElapsedTime", self.elapsed_millis(now))
            .info(
                "PercentComplete",
                format!("{:.2}", self.fraction_complete(now)),
            );
        for phase in self.view(now) {
            let name = phase.phase.name();
            bean = bean
                .gauge(&format!("{name}Count"), phase.count)
                .gauge(&format!("{name}ElapsedTime"), phase.elapsed_millis)
                .gauge(&format!("{name}Total"), phase.total)
                .info(
                    &format!("{name}PercentComplete"),
                    format!("{:.2}", phase.fraction),
                );
        }
        bean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_run_in_turn_and_complete() {
        let progress = StartupProgress::default();
        assert!(
            progress
                .view(0)
                .iter()
                .all(|phase| phase.status == Status::Pending)
        );
        progress.begin(Phase::LoadingFsImage, "fsimage_0000000000000000007", 1_000);
        progress.set_count(Phase::LoadingFsImage, 5, 10);
        let view = progress.view(1_500);
        assert_eq!(view[0].status, Status::Running);
        assert_eq!(view[0].fraction, 0.5);
        assert_eq!(view[0].elapsed_millis, 500);
        assert_eq!(view[0].file, "fsimage_0000000000000000007");

        progress.end(Phase::LoadingFsImage, 2_000);
        progress.end(Phase::LoadingFsImage, 9_000);
        progress.begin(Phase::LoadingEdits, "", 2_000);
        progress.end(Phase::LoadingEdits, 2_200);
        let view = progress.view(10_000);
        assert_eq!(view[0].status, Status::Complete);
        assert_eq!(view[0].elapsed_millis, 1_000, "the first end counts");
        assert_eq!(view[1].elapsed_millis, 200);
        assert_eq!(view[2].status, Status::Pending);
        assert_eq!(progress.fraction_complete(10_000), 0.5);
        assert_eq!(progress.elapsed_millis(10_000), 9_000, "still running");
    }

    #[test]
    fn a_phase_ended_without_a_start_took_no_time() {
        let progress = StartupProgress::default();
        for phase in Phase::ALL {
            progress.end(phase, 3_000);
        }
        let view = progress.view(5_000);
        assert!(
            view.iter()
                .all(|phase| phase.status == Status::Complete && phase.elapsed_millis == 0)
        );
        assert_eq!(progress.fraction_complete(5_000), 1.0);
        assert_eq!(progress.elapsed_millis(5_000), 0);
    }
}
