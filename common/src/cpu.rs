//! CPU accounting around a benchmark step: what this process used (clients
//! and in-process daemons alike) and what other processes on the machine
//! used meanwhile, so that a figure taken on a busy, shared machine says so.

use std::time::{Duration, Instant};

/// CPU counters at one instant.
#[derive(Clone, Copy, Debug)]
pub struct CpuSnapshot {
    at: Instant,
    process: Duration,
    /// Busy time of every CPU of the machine (`/proc/stat`).
    machine_busy: Duration,
}

/// CPU used over an interval.
#[derive(Clone, Copy, Debug)]
pub struct CpuUsage {
    /// Cores this process kept busy on average.
    pub process_cores: f64,
    /// Cores other processes kept busy on average.
    pub other_cores: f64,
    /// This process's CPU time, in microseconds.
    pub process_micros: f64,
}

impl CpuSnapshot {
    /// The counters now; `None` where `/proc/stat` is not available.
    pub fn take() -> Option<Self> {
        Some(Self {
            at: Instant::now(),
            process: process_cpu_time()?,
            machine_busy: machine_busy_time()?,
        })
    }

    /// CPU used between `self` and `later`.
    pub fn usage_until(&self, later: &CpuSnapshot) -> CpuUsage {
        let wall = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let process = later.process.saturating_sub(self.process).as_secs_f64();
        let machine = later
            .machine_busy
            .saturating_sub(self.machine_busy)
            .as_secs_f64();
        CpuUsage {
            process_cores: process / wall,
            other_cores: ((machine - process) / wall).max(0.0),
            process_micros: process * 1e6,
        }
    }
}

/// The CPU time (user + system) this process has used so far.
pub fn process_cpu_time() -> Option<Duration> {
    // SAFETY: getrusage fills a zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let micros = |time: libc::timeval| time.tv_sec as u64 * 1_000_000 + time.tv_usec as u64;
    Some(Duration::from_micros(
        micros(usage.ru_utime) + micros(usage.ru_stime),
    ))
}

/// user + nice + system + irq + softirq + steal of the `cpu` line.
fn machine_busy_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = fields.as_slice() else {
        return None;
    };
    // SAFETY: sysconf has no preconditions.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let busy_ticks = (user + nice + system + irq + softirq + steal) as f64;
    Some(Duration::from_secs_f64(busy_ticks / ticks_per_second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_loop_shows_as_this_process() {
        let Some(before) = CpuSnapshot::take() else {
            return; // no /proc/stat here
        };
        let started = Instant::now();
        let mut spin = 0u64;
        while started.elapsed() < Duration::from_millis(50) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let usage = before.usage_until(&CpuSnapshot::take().expect("still there"));
        assert!(usage.process_micros > 10_000.0, "{usage:?}");
        assert!(
            usage.process_cores > 0.0 && usage.other_cores >= 0.0,
            "{usage:?}"
        );
    }
}
