//! The machine's durable-write rate: single-threaded 4 KiB append +
//! `fdatasync`, as the edit log does it, in the directory the name dirs use.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const WRITE_BYTES: usize = 4096;

/// The measured baseline.
#[derive(Clone, Copy, Debug)]
pub struct SyncBaseline {
    pub iterations: u64,
    pub elapsed: Duration,
}

impl SyncBaseline {
    /// Durable writes per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.iterations as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Mean latency of one write + fdatasync, in microseconds.
    pub fn average_micros(&self) -> f64 {
        self.elapsed.as_secs_f64() * 1e6 / self.iterations.max(1) as f64
    }
}

/// Appends 4 KiB and `fdatasync`s, `iterations` times, in a scratch file of
/// `dir` (removed afterwards).
pub fn measure(dir: &Path, iterations: u64) -> std::io::Result<SyncBaseline> {
    let path = dir.join("fdatasync-baseline.dat");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)?;
    file.sync_all()?;
    let block = [0x5au8; WRITE_BYTES];
    let started = Instant::now();
    for _ in 0..iterations {
        file.write_all(&block)?;
        file.sync_data()?;
    }
    let elapsed = started.elapsed();
    drop(file);
    fs::remove_file(&path)?;
    Ok(SyncBaseline {
        iterations,
        elapsed,
    })
}

/// The file system type of `dir` (from `statfs`), for the report; tmpfs is
/// flagged because fdatasync does nothing there.
pub fn filesystem_type(dir: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return "unknown".into();
    };
    // SAFETY: statfs writes into a zeroed struct we own; the path is a valid C string.
    let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut stats) } != 0 {
        return "unknown".into();
    }
    #[allow(clippy::unnecessary_cast)] // f_type's width differs between platforms
    let magic = stats.f_type as u64;
    let name = match magic {
        0xEF53 => "ext2/3/4",
        0x0102_1994 => "tmpfs (not durable: fdatasync is a no-op)",
        0x5846_5342 => "xfs",
        0x9123_683E => "btrfs",
        0x794C_7630 => "overlayfs",
        0x2FC1_2FC1 => "zfs",
        0x6969 => "nfs",
        _ => return format!("unknown (statfs type {magic:#x})"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_counts_its_iterations_and_cleans_up() {
        let dir =
            std::env::temp_dir().join(format!("nnbench-baseline-test-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("creating the test dir");
        let baseline = measure(&dir, 5).expect("measuring");
        assert_eq!(baseline.iterations, 5);
        assert!(baseline.ops_per_sec() > 0.0);
        assert!(
            fs::read_dir(&dir).expect("listing").next().is_none(),
            "scratch file left behind"
        );
        assert_ne!(filesystem_type(&dir), "unknown");
        fs::remove_dir_all(&dir).expect("removing the test dir");
    }
}
