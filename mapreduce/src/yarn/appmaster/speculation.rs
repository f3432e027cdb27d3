//! Speculative execution: which straggling task gets a second attempt.
//! A task is a straggler once its only attempt ran (1 + threshold) times
//! the mean of finished attempts of its type (and at least a minimum), and
//! will not finish before a fresh attempt would, judged from its progress
//! (Hadoop's default speculator estimates the same way). At most a fraction
//! of the running tasks speculate at once, and a task speculates once.
//! Pure: the job state describes its tasks, the speculator picks.

use std::collections::HashMap;
use std::time::Duration;

use crate::ids::TaskType;

/// When stragglers get a speculative attempt (from the AM's settings).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpeculationPolicy {
    /// Running tasks that may have a speculative attempt at once, as a fraction.
    pub cap: f64,
    /// `mapreduce.job.speculative.slowtaskthreshold`.
    pub slow_task_threshold: f64,
    /// Tasks shorter than this are cheaper to wait for.
    pub min_runtime: Duration,
}

/// What the speculator needs to know of one task.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskView {
    pub index: usize,
    pub succeeded: bool,
    /// Attempts waiting for or running in a container.
    pub live_attempts: usize,
    /// Whether the task ever had a speculative attempt.
    pub speculated: bool,
    /// Whether a speculative attempt of the task is live.
    pub speculating: bool,
    /// The running attempt's time so far and progress (0.0 to 1.0), once
    /// its container started.
    pub running: Option<(Duration, f32)>,
}

/// How long finished attempts took, by task type.
#[derive(Debug, Default)]
pub(crate) struct Speculator {
    durations: HashMap<TaskType, Vec<Duration>>,
}

impl Speculator {
    /// An attempt of type `kind` succeeded after `elapsed`.
    pub fn finished(&mut self, kind: TaskType, elapsed: Duration) {
        self.durations.entry(kind).or_default().push(elapsed);
    }

    /// The index of the task of type `kind` to start a speculative attempt
    /// of, if any.
    pub fn straggler(
        &self,
        kind: TaskType,
        policy: &SpeculationPolicy,
        tasks: &[TaskView],
    ) -> Option<usize> {
        let durations = self.durations.get(&kind).filter(|d| !d.is_empty())?;
        let mean = durations.iter().sum::<Duration>() / durations.len() as u32;
        let slow = mean
            .mul_f64(1.0 + policy.slow_task_threshold)
            .max(policy.min_runtime);
        let running = tasks.iter().filter(|task| task.live_attempts > 0).count();
        let speculating = tasks.iter().filter(|task| task.speculating).count();
        let cap = ((running as f64 * policy.cap).ceil() as usize).max(1);
        if speculating >= cap {
            return None;
        }
        tasks
            .iter()
            .find(|task| {
                if task.succeeded || task.live_attempts != 1 || task.speculated {
                    return false;
                }
                let Some((elapsed, progress)) = task.running else {
                    return false;
                };
                let remaining = if progress > 0.0 {
                    elapsed.mul_f32((1.0 - progress) / progress)
                } else {
                    Duration::MAX
                };
                elapsed > slow && remaining > mean
            })
            .map(|task| task.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn policy() -> SpeculationPolicy {
        SpeculationPolicy {
            cap: 0.1,
            slow_task_threshold: 1.0,
            min_runtime: Duration::ZERO,
        }
    }

    fn running(index: usize, elapsed: Duration, progress: f32) -> TaskView {
        TaskView {
            index,
            succeeded: false,
            live_attempts: 1,
            speculated: false,
            speculating: false,
            running: Some((elapsed, progress)),
        }
    }

    /// Maps that took 10 s each.
    fn speculator() -> Speculator {
        let mut speculator = Speculator::default();
        speculator.finished(TaskType::Map, 10 * SECOND);
        speculator.finished(TaskType::Map, 10 * SECOND);
        speculator
    }

    #[test]
    fn nothing_speculates_before_an_attempt_of_its_type_finished() {
        let tasks = [running(0, 100 * SECOND, 0.0)];
        assert_eq!(
            Speculator::default().straggler(TaskType::Map, &policy(), &tasks),
            None
        );
        assert_eq!(
            speculator().straggler(TaskType::Reduce, &policy(), &tasks),
            None
        );
    }

    #[test]
    fn a_straggler_is_slow_and_far_from_done() {
        let speculator = speculator();
        let tasks = [
            running(0, 15 * SECOND, 0.0),
            running(1, 25 * SECOND, 0.9),
            running(2, 25 * SECOND, 0.5),
        ];
        // 0 is not past twice the mean; 1 finishes in ~3 s, sooner than a
        // fresh attempt; 2 needs another 25 s.
        assert_eq!(
            speculator.straggler(TaskType::Map, &policy(), &tasks),
            Some(2)
        );
        let slower = SpeculationPolicy {
            min_runtime: 30 * SECOND,
            ..policy()
        };
        assert_eq!(speculator.straggler(TaskType::Map, &slower, &tasks), None);
    }

    #[test]
    fn a_task_speculates_once_and_within_the_cap() {
        let speculator = speculator();
        let mut tasks = [running(0, 100 * SECOND, 0.0), running(1, 100 * SECOND, 0.0)];
        tasks[0].speculated = true;
        assert_eq!(
            speculator.straggler(TaskType::Map, &policy(), &tasks),
            Some(1)
        );
        tasks[0].speculating = true;
        tasks[0].live_attempts = 2;
        assert_eq!(speculator.straggler(TaskType::Map, &policy(), &tasks), None);
        let generous = SpeculationPolicy {
            cap: 1.0,
            ..policy()
        };
        assert_eq!(
            speculator.straggler(TaskType::Map, &generous, &tasks),
            Some(1)
        );
    }

    #[test]
    fn only_a_started_lone_attempt_of_an_unfinished_task_counts() {
        let speculator = speculator();
        let mut done = running(0, 100 * SECOND, 0.0);
        done.succeeded = true;
        let mut waiting = running(1, 100 * SECOND, 0.0);
        waiting.running = None;
        let mut retried = running(2, 100 * SECOND, 0.0);
        retried.live_attempts = 2;
        let tasks = [done, waiting, retried];
        assert_eq!(speculator.straggler(TaskType::Map, &policy(), &tasks), None);
    }
}
