//! The AM's decisions, apart from its I/O: how many containers to ask for,
//! what to do with each grant, start failure and completion, and when the
//! application is over and how it ended. The allocate loop in
//! [`super::appmaster`] carries them out.

use std::collections::HashSet;

use common::yarn::exit_status;
use proto::yarn as pb;

/// What to do with a container the RM granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Run the shell command in it.
    Launch,
    /// Enough containers run or ran already: give it back.
    Release,
}

/// What to do after a NodeManager refused to start a granted container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartFailure {
    /// Release it, ask for another and blacklist its host.
    Replace,
    /// Too many start failures: the command counts as failed there.
    GiveUp,
}

/// What a completed container means for the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Completion {
    /// Not a container this AM started (a released one, say).
    NotOurs,
    /// The command exited 0.
    Succeeded,
    /// The framework took the container away (node lost, released): ask
    /// for another.
    Replace,
    /// The command failed.
    Failed,
}

/// The counts the AM keeps for `total` shell commands.
#[derive(Debug)]
pub(crate) struct Tracker {
    total: u32,
    launched: HashSet<String>,
    succeeded: u32,
    failed: u32,
    failures: Vec<String>,
    /// Containers that could not be started (their node went away, say).
    start_failures: u32,
}

impl Tracker {
    pub(crate) fn new(total: u32) -> Self {
        Self {
            total,
            launched: HashSet::new(),
            succeeded: 0,
            failed: 0,
            failures: Vec::new(),
            start_failures: 0,
        }
    }

    /// How many containers the first ask is for.
    pub(crate) fn initial_ask(&self) -> u32 {
        self.total
    }

    /// A container was granted: launch it unless every command already has
    /// one running or done.
    pub(crate) fn on_granted(&self) -> Grant {
        let wanted = self.launched.len() as u32 + self.succeeded + self.failed;
        if wanted >= self.total {
            Grant::Release
        } else {
            Grant::Launch
        }
    }

    /// The command started in `container_id`.
    pub(crate) fn on_started(&mut self, container_id: String) {
        self.launched.insert(container_id);
    }

    /// `container_id` could not be started: replace it while fewer than
    /// `total` starts failed, then count the command as failed.
    pub(crate) fn on_start_failed(&mut self, container_id: &str, error: &str) -> StartFailure {
        if self.start_failures < self.total {
            self.start_failures += 1;
            return StartFailure::Replace;
        }
        self.failed += 1;
        self.failures.push(format!("{container_id}: {error}"));
        StartFailure::GiveUp
    }

    /// A container completed with `status`.
    pub(crate) fn on_completed(&mut self, status: &pb::ContainerStatus) -> Completion {
        if !self.launched.remove(&status.container_id) {
            return Completion::NotOurs;
        }
        match status.exit_status {
            exit_status::SUCCESS => {
                self.succeeded += 1;
                Completion::Succeeded
            }
            exit_status::ABORTED => Completion::Replace,
            code => {
                self.failed += 1;
                self.failures.push(format!(
                    "{} exit status {code}: {}",
                    status.container_id, status.diagnostics
                ));
                Completion::Failed
            }
        }
    }

    /// Every command succeeded or failed.
    pub(crate) fn is_done(&self) -> bool {
        self.succeeded + self.failed >= self.total
    }

    /// The share of commands that are over, for the RM.
    pub(crate) fn progress(&self) -> f32 {
        (self.succeeded + self.failed) as f32 / self.total as f32
    }

    pub(crate) fn succeeded(&self) -> u32 {
        self.succeeded
    }

    pub(crate) fn failed(&self) -> u32 {
        self.failed
    }

    /// The final status to unregister with, and its diagnostics: SUCCEEDED
    /// only when no command failed.
    pub(crate) fn outcome(&self) -> (pb::FinalApplicationStatus, String) {
        if self.failed == 0 {
            return (pb::FinalApplicationStatus::Succeeded, String::new());
        }
        let completed = self.succeeded + self.failed;
        (
            pb::FinalApplicationStatus::FailedStatus,
            format!(
                "Diagnostics., total={}, completed={completed}, allocated={completed}, failed={}\n{}",
                self.total,
                self.failed,
                self.failures.join("\n")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(container_id: &str, exit_status: i32, diagnostics: &str) -> pb::ContainerStatus {
        pb::ContainerStatus {
            container_id: container_id.to_string(),
            state: pb::ContainerState::ContainerComplete as i32,
            exit_status,
            diagnostics: diagnostics.to_string(),
        }
    }

    #[test]
    fn asks_for_every_command_and_releases_surplus_grants() {
        let mut tracker = Tracker::new(2);
        assert_eq!(tracker.initial_ask(), 2);
        assert_eq!(tracker.on_granted(), Grant::Launch);
        tracker.on_started("c1".to_string());
        assert_eq!(tracker.on_granted(), Grant::Launch);
        tracker.on_started("c2".to_string());
        assert_eq!(tracker.on_granted(), Grant::Release);
        assert_eq!(
            tracker.on_completed(&status("c1", 0, "")),
            Completion::Succeeded
        );
        assert_eq!(tracker.on_granted(), Grant::Release);
        assert!(!tracker.is_done());
        assert_eq!(tracker.progress(), 0.5);
    }

    #[test]
    fn succeeds_when_every_command_exits_zero() {
        let mut tracker = Tracker::new(2);
        for id in ["c1", "c2"] {
            tracker.on_started(id.to_string());
        }
        for id in ["c1", "c2"] {
            assert_eq!(
                tracker.on_completed(&status(id, exit_status::SUCCESS, "")),
                Completion::Succeeded
            );
        }
        assert!(tracker.is_done());
        assert_eq!(tracker.progress(), 1.0);
        assert_eq!(
            tracker.outcome(),
            (pb::FinalApplicationStatus::Succeeded, String::new())
        );
    }

    #[test]
    fn aborted_containers_are_asked_for_again() {
        let mut tracker = Tracker::new(1);
        tracker.on_started("c1".to_string());
        let lost = status(
            "c1",
            exit_status::ABORTED,
            "Container released on a *lost* node",
        );
        assert_eq!(tracker.on_completed(&lost), Completion::Replace);
        assert!(!tracker.is_done());
        assert_eq!(tracker.on_granted(), Grant::Launch);
        tracker.on_started("c2".to_string());
        assert_eq!(
            tracker.on_completed(&status("c2", 0, "")),
            Completion::Succeeded
        );
        assert!(tracker.is_done());
        assert_eq!(tracker.succeeded(), 1);
        assert_eq!(tracker.failed(), 0);
    }

    #[test]
    fn a_failed_command_fails_the_application() {
        let mut tracker = Tracker::new(2);
        tracker.on_started("c1".to_string());
        tracker.on_started("c2".to_string());
        tracker.on_completed(&status("c1", 0, ""));
        assert_eq!(
            tracker.on_completed(&status("c2", 3, "boom")),
            Completion::Failed
        );
        assert!(tracker.is_done());
        assert_eq!(
            tracker.outcome(),
            (
                pb::FinalApplicationStatus::FailedStatus,
                "Diagnostics., total=2, completed=2, allocated=2, failed=1\nc2 exit status 3: boom"
                    .to_string()
            )
        );
    }

    #[test]
    fn start_failures_are_replaced_until_there_were_as_many_as_commands() {
        let mut tracker = Tracker::new(1);
        assert_eq!(
            tracker.on_start_failed("c1", "node gone"),
            StartFailure::Replace
        );
        assert!(!tracker.is_done());
        assert_eq!(
            tracker.on_start_failed("c2", "node gone"),
            StartFailure::GiveUp
        );
        assert!(tracker.is_done());
        let (final_status, diagnostics) = tracker.outcome();
        assert_eq!(final_status, pb::FinalApplicationStatus::FailedStatus);
        assert!(diagnostics.ends_with("\nc2: node gone"), "{diagnostics}");
    }

    #[test]
    fn completions_of_other_containers_are_ignored() {
        let mut tracker = Tracker::new(1);
        assert_eq!(
            tracker.on_completed(&status("released", exit_status::ABORTED, "")),
            Completion::NotOurs
        );
        assert_eq!(
            tracker.on_completed(&status("released", 1, "")),
            Completion::NotOurs
        );
        assert!(!tracker.is_done());
        assert_eq!(tracker.failed(), 0);
    }
}
