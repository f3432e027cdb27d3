//! Resource usage accounting, as Hadoop's memorySeconds and vcoreSeconds:
//! every container counts its MB and vcores for as long as it is held,
//! from the grant to its release (completion, release by the AM, the end
//! of its attempt or the loss of its node). Also the read-model of the
//! containers live now, with where and since when.

use std::collections::{BTreeMap, HashMap};

use common::yarn::{ApplicationAttemptId, ApplicationId, ContainerId};

use crate::scheduler::Resource;

/// A container the scheduler granted and nothing has released yet.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveContainer {
    pub node_id: String,
    pub resource: Resource,
    pub priority: i32,
    /// Milliseconds since the epoch.
    pub granted_at: i64,
}

/// What an application held over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceSeconds {
    pub memory_seconds: i64,
    pub vcore_seconds: i64,
}

/// Usage in MB-milliseconds and vcore-milliseconds, rounded down to
/// seconds only when reported.
#[derive(Clone, Copy, Debug, Default)]
struct ResourceMillis {
    memory: i64,
    vcores: i64,
}

impl ResourceMillis {
    fn add(&mut self, resource: Resource, millis: i64) {
        let millis = millis.max(0);
        self.memory += resource.memory_mb * millis;
        self.vcores += i64::from(resource.vcores) * millis;
    }
}

/// Live containers and what released ones used, per application.
#[derive(Debug, Default)]
pub struct UsageMeter {
    live: BTreeMap<ContainerId, LiveContainer>,
    released: HashMap<ApplicationId, ResourceMillis>,
}

impl UsageMeter {
    pub fn granted(&mut self, container_id: ContainerId, container: LiveContainer) {
        self.live.insert(container_id, container);
    }

    /// The container stopped counting at `now` (ms since the epoch).
    pub fn released(&mut self, container_id: ContainerId, now: i64) {
        let Some(live) = self.live.remove(&container_id) else {
            return;
        };
        self.released
            .entry(container_id.application())
            .or_default()
            .add(live.resource, now - live.granted_at);
    }

    /// What the application has used up to `now`, live containers included.
    pub fn usage(&self, application: ApplicationId, now: i64) -> ResourceSeconds {
        let mut total = self.released.get(&application).copied().unwrap_or_default();
        for (id, live) in self.live_of_application(application) {
            debug_assert_eq!(id.application(), application);
            total.add(live.resource, now - live.granted_at);
        }
        ResourceSeconds {
            memory_seconds: total.memory / 1000,
            vcore_seconds: total.vcores / 1000,
        }
    }

    /// How many containers are live now.
    pub fn live_count(&self) -> usize {
        self.live.len()
    }

    /// The attempt's containers live now, in id order.
    pub fn live_of_attempt(
        &self,
        attempt: ApplicationAttemptId,
    ) -> impl Iterator<Item = (&ContainerId, &LiveContainer)> {
        let first = attempt.container(0);
        self.live
            .range(first..)
            .take_while(move |(id, _)| id.attempt == attempt)
    }

    fn live_of_application(
        &self,
        application: ApplicationId,
    ) -> impl Iterator<Item = (&ContainerId, &LiveContainer)> {
        let first = application.application_attempt(0).container(0);
        self.live
            .range(first..)
            .take_while(move |(id, _)| id.application() == application)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: u32) -> ApplicationId {
        ApplicationId {
            cluster_timestamp: 7,
            id,
        }
    }

    fn live(memory_mb: i64, vcores: i32, granted_at: i64) -> LiveContainer {
        LiveContainer {
            node_id: "n:1".to_string(),
            resource: Resource { memory_mb, vcores },
            priority: 0,
            granted_at,
        }
    }

    #[test]
    fn usage_is_resources_times_the_time_held() {
        let mut meter = UsageMeter::default();
        let attempt = app(1).application_attempt(1);
        meter.granted(attempt.container(1), live(1024, 1, 0));
        meter.granted(attempt.container(2), live(512, 2, 1_000));
        meter.granted(app(2).application_attempt(1).container(1), live(4096, 4, 0));
        meter.released(attempt.container(2), 3_000);
        // Container 1 still live at 5 s: 1024 * 5 + 512 * 2 MB-seconds.
        let usage = meter.usage(app(1), 5_000);
        assert_eq!(usage.memory_seconds, 1024 * 5 + 512 * 2);
        assert_eq!(usage.vcore_seconds, 5 + 2 * 2);
        assert_eq!(meter.live_of_attempt(attempt).count(), 1);
        meter.released(attempt.container(1), 6_000);
        assert_eq!(meter.usage(app(1), 60_000).memory_seconds, 1024 * 6 + 1024);
        assert_eq!(meter.usage(app(2), 1_000).memory_seconds, 4096);
        // A release of an unknown container changes nothing.
        meter.released(attempt.container(9), 7_000);
        assert_eq!(meter.usage(app(1), 60_000).memory_seconds, 1024 * 7);
    }
}
