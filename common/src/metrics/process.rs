//! What Hadoop's `JvmMetrics` record says about a process, where it has a meaning for a
//! native one, read from `/proc/self`: resident memory, threads by scheduler state, and
//! how many events were logged per level. Heap, GC and Java thread states have no
//! counterpart here and are left out rather than invented.

use std::fs;

use tracing::Level;

use super::Bean;

/// One thread of this process, from `/proc/self/task/<tid>`.
#[derive(Clone, Debug)]
pub struct ThreadInfo {
    pub tid: u32,
    /// `comm`: the thread's name, at most 15 bytes.
    pub name: String,
    /// The scheduler state letter: `R` running, `S` sleeping, `D` waiting on I/O, ...
    pub state: char,
    pub user_millis: u64,
    pub system_millis: u64,
}

impl ThreadInfo {
    /// The state letter with the words `ps` uses for it.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            'R' => "R (running)",
            'S' => "S (sleeping)",
            'D' => "D (disk sleep)",
            'T' => "T (stopped)",
            't' => "t (tracing stop)",
            'Z' => "Z (zombie)",
            'X' => "X (dead)",
            'I' => "I (idle)",
            _ => "? (unknown)",
        }
    }
}

/// The threads of this process, by thread id; threads that end while being read are skipped.
pub fn threads() -> Vec<ThreadInfo> {
    let Ok(entries) = fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let ticks_per_second = clock_ticks_per_second();
    let mut threads = Vec::new();
    for entry in entries.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(thread) = parse_stat(tid, &stat, ticks_per_second) {
            threads.push(thread);
        }
    }
    threads.sort_by_key(|thread| thread.tid);
    threads
}

/// Parses `/proc/<pid>/task/<tid>/stat`: `tid (comm) state ppid ... utime stime ...`.
/// The name may hold spaces and parentheses, so it is what lies between the first `(`
/// and the last `)`.
fn parse_stat(tid: u32, stat: &str, ticks_per_second: u64) -> Option<ThreadInfo> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    // Fields 14 and 15 of stat (1-based), counted here from the state (field 3).
    let ticks = |index: usize| -> Option<u64> { fields.get(index)?.parse().ok() };
    let to_millis = |ticks: u64| ticks * 1000 / ticks_per_second.max(1);
    Some(ThreadInfo {
        tid,
        name,
        state,
        user_millis: to_millis(ticks(11)?),
        system_millis: to_millis(ticks(12)?),
    })
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf takes no pointers.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).unwrap_or(100)
}

/// Resident set size in bytes (`VmRSS` of `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `Hadoop:service=<service>,name=JvmMetrics` with the fields a native process can
/// fill honestly:
/// - `MemResidentM`: resident memory in MiB (not Hadoop's: a native process has no heap
///   to report as `MemHeapUsedM`);
/// - `ThreadsRunnable`, `ThreadsWaiting`, `ThreadsBlocked`: threads in the kernel's `R`,
///   `S` and `D` states;
/// - `LogInfo`, `LogWarn`, `LogError`: events logged at those levels, when the process
///   logs through [`crate::logging::init`].
pub fn process_bean(service: &str) -> Bean {
    let threads = threads();
    let count = |state: char| threads.iter().filter(|t| t.state == state).count();
    let resident_mib = resident_bytes().unwrap_or(0) as f64 / (1024.0 * 1024.0);
    let mut bean = Bean::record(service, "JvmMetrics", "jvm")
        .tag("ProcessName", service)
        .gauge("MemResidentM", (resident_mib * 100.0).round() / 100.0)
        .gauge("ThreadsRunnable", count('R'))
        .gauge("ThreadsWaiting", count('S'))
        .gauge("ThreadsBlocked", count('D'));
    if crate::logging::is_initialized() {
        bean = bean
            .counter("LogInfo", crate::logging::events_logged(Level::INFO))
            .counter("LogWarn", crate::logging::events_logged(Level::WARN))
            .counter("LogError", crate::logging::events_logged(Level::ERROR));
    }
    bean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_with_odd_names() {
        let stat = "4242 (tokio (x) w) S 1 4242 4242 0 -1 4194368 10 0 0 0 250 50 0 0 20 0";
        let thread = parse_stat(4242, stat, 100).unwrap();
        assert_eq!(thread.name, "tokio (x) w");
        assert_eq!(thread.state, 'S');
        assert_eq!(thread.user_millis, 2500);
        assert_eq!(thread.system_millis, 500);
        assert!(parse_stat(1, "garbage", 100).is_none());
    }

    #[test]
    fn this_process_has_threads_and_memory() {
        let threads = threads();
        assert!(threads.iter().any(|t| t.tid == std::process::id()));
        assert!(resident_bytes().unwrap() > 0);
        let bean = process_bean("Test").to_json();
        assert_eq!(bean["name"], "Hadoop:service=Test,name=JvmMetrics");
        assert_eq!(bean["tag.ProcessName"], "Test");
        assert!(bean["MemResidentM"].as_f64().unwrap() > 0.0);
    }
}
