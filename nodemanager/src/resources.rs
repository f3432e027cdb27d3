//! What this machine has: physical memory and CPUs (Hadoop's
//! ResourceCalculatorPlugin), read from `/proc/meminfo` and the scheduler's
//! view of available CPUs.

/// Total physical memory in MiB; 8192 (Hadoop's default) when unreadable.
pub fn physical_memory_mb() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| parse_mem_total_kb(&text))
        .map(|kb| kb / 1024)
        .unwrap_or(8192)
}

fn parse_mem_total_kb(meminfo: &str) -> Option<i64> {
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPUs this process may use; 8 (Hadoop's default) when unknown.
pub fn cpu_count() -> i32 {
    std::thread::available_parallelism()
        .map(|count| count.get() as i32)
        .unwrap_or(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_total_is_read_in_kib() {
        let text = "MemTotal:       24576000 kB\nMemFree:        1000 kB\n";
        assert_eq!(parse_mem_total_kb(text), Some(24576000));
        assert_eq!(parse_mem_total_kb("nothing"), None);
        assert!(physical_memory_mb() > 0);
        assert!(cpu_count() > 0);
    }
}
