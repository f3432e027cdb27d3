//! Fixed loopback ports for daemons whose addresses must be known before they
//! start (a HA nameservice names its NameNodes' ports, a ZooKeeper quorum its
//! peers') and that keep them across restarts.
//!
//! A port the kernel hands out for `bind(0)` lies in the ephemeral range, so
//! while its daemon is down for a restart any outgoing connection on the
//! machine may take it as its local port, and the restart fails with "Address
//! already in use". Ports here come from below that range, where the kernel
//! never picks, and each is reserved across the processes of a test run by a
//! lock on a file named after it, held until the process exits (a kill -9
//! included), so two parallel tests never share one.

use std::collections::HashSet;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;

/// The lowest port handed out: above the well-known daemons' ports a
/// developer may run beside the tests (Hadoop's 8020, 9864-9871, ZooKeeper's 2181).
const LOWEST: u16 = 10_000;

/// The locks this process holds, kept open for its lifetime.
static RESERVED: Mutex<Vec<(u16, File)>> = Mutex::new(Vec::new());

/// A loopback port free now and reserved for this process: outside the
/// kernel's ephemeral range when the range leaves room below it.
pub fn reserve_port() -> anyhow::Result<u16> {
    let Some(highest) = ephemeral_low().map(|low| low.saturating_sub(1)) else {
        return kernel_port();
    };
    if highest <= LOWEST {
        return kernel_port();
    }
    let dir = lock_dir()?;
    let span = u32::from(highest - LOWEST) + 1;
    let start = start_offset() % span;
    let mut reserved = RESERVED.lock().unwrap_or_else(|poison| poison.into_inner());
    let taken: HashSet<u16> = reserved.iter().map(|(port, _)| *port).collect();
    for step in 0..span {
        let port = LOWEST + ((start + step) % span) as u16;
        if taken.contains(&port) {
            continue;
        }
        let Some(lock) = try_lock(&dir, port)? else {
            continue;
        };
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            reserved.push((port, lock));
            return Ok(port);
        }
    }
    kernel_port()
}

/// The start of the kernel's ephemeral port range.
fn ephemeral_low() -> Option<u16> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    range.split_whitespace().next()?.parse().ok()
}

/// A port from `bind(0)`, where the ephemeral range leaves no room below it.
fn kernel_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn lock_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join("tusk-test-ports");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Where this process starts its search, so parallel processes spread out.
fn start_offset() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    nanos ^ std::process::id().wrapping_mul(2_654_435_761)
}

/// The lock on `port`'s file, or None when another process holds it.
fn try_lock(dir: &std::path::Path, port: u16) -> anyhow::Result<Option<File>> {
    let path = dir.join(port.to_string());
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a descriptor this function owns.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    Ok(locked.then_some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ports_are_distinct_bindable_and_below_the_ephemeral_range() {
        let ports: Vec<u16> = (0..20).map(|_| reserve_port().unwrap()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        if let Some(low) = ephemeral_low().filter(|low| *low > LOWEST + 1) {
            assert!(ports.iter().all(|port| (LOWEST..low).contains(port)));
        }
        for port in ports {
            std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        }
    }

    #[test]
    fn a_port_locked_by_another_holder_is_skipped() {
        let dir = lock_dir().unwrap();
        let port = reserve_port().unwrap();
        // A second open file description is a second holder, as another process would be.
        assert!(try_lock(&dir, port).unwrap().is_none());
    }
}
