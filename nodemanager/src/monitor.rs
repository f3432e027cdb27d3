//! Resident memory of process trees, read from `/proc` (Hadoop's
//! ProcfsBasedProcessTree), and the diagnostics of a container killed for it.

use std::collections::HashMap;

/// One `/proc` snapshot: every process's parent and resident bytes.
pub struct ProcessTable {
    processes: HashMap<u32, (u32, u64)>,
}

impl ProcessTable {
    /// Reads `/proc/<pid>/stat` of every process. Processes that vanish
    /// while reading are skipped.
    pub fn snapshot() -> Self {
        let page_size = page_size();
        let mut processes = HashMap::new();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Self { processes };
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            if let Some((ppid, rss_pages)) = parse_stat(&stat) {
                processes.insert(pid, (ppid, rss_pages * page_size));
            }
        }
        Self { processes }
    }

    /// Resident bytes of `root` and all its descendants.
    pub fn tree_rss(&self, root: u32) -> u64 {
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for (pid, (ppid, _)) in &self.processes {
            children.entry(*ppid).or_default().push(*pid);
        }
        let mut total = 0;
        let mut pending = vec![root];
        while let Some(pid) = pending.pop() {
            if let Some((_, rss)) = self.processes.get(&pid) {
                total += rss;
            }
            if let Some(kids) = children.get(&pid) {
                pending.extend(kids);
            }
        }
        total
    }
}

/// Parent pid and resident pages from a `/proc/<pid>/stat` line. The
/// command name (field 2) may hold spaces and parentheses, so fields are
/// counted from its closing parenthesis.
fn parse_stat(stat: &str) -> Option<(u32, u64)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is the state (field 3); ppid is field 4, rss field 24.
    let ppid = fields.get(1)?.parse().ok()?;
    let rss = fields.get(21)?.parse::<i64>().ok()?.max(0) as u64;
    Some((ppid, rss))
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as u64 } else { 4096 }
}

/// Hadoop's `TraditionalBinaryPrefix.long2String(bytes, "B", 1)`: `512 MB`,
/// `1.2 GB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 5] = [
        ("PB", 1 << 50),
        ("TB", 1 << 40),
        ("GB", 1 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
    ];
    for (symbol, size) in UNITS {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format!("{} {symbol}", bytes / size);
            }
            return format!("{:.1} {symbol}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} B")
}

/// The diagnostics of a container killed for its resident memory.
pub fn over_limit_diagnostics(pid: u32, container_id: &str, used: u64, limit: u64) -> String {
    format!(
        "Container [pid={pid},containerID={container_id}] is running beyond physical memory limits. \
         Current usage: {} of {} physical memory used. Killing container.",
        format_bytes(used),
        format_bytes(limit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_hadoop() {
        assert_eq!(format_bytes(1 << 30), "1 GB");
        assert_eq!(format_bytes((1.2 * (1u64 << 30) as f64) as u64), "1.2 GB");
        assert_eq!(format_bytes(512 << 20), "512 MB");
        assert_eq!(format_bytes(100), "100 B");
        assert_eq!(
            over_limit_diagnostics(42, "container_1_0001_01_000002", 1288490189, 1 << 30),
            "Container [pid=42,containerID=container_1_0001_01_000002] is running beyond physical memory limits. Current usage: 1.2 GB of 1 GB physical memory used. Killing container."
        );
    }

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        let line = "1234 (a b) c) S 77 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 500 1000000 250 18446744073709551615";
        assert_eq!(parse_stat(line), Some((77, 250)));
    }

    #[test]
    fn this_process_tree_has_resident_memory() {
        let table = ProcessTable::snapshot();
        assert!(table.tree_rss(std::process::id()) > 0);
        assert_eq!(table.tree_rss(u32::MAX), 0);
    }
}
