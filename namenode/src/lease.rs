//! Leases (HDFS's LeaseManager): which client writes which open files, and
//! when each client last renewed. One writer per file; a client that stops
//! renewing loses its files to lease recovery, at the soft limit if another
//! client asks for them and at the hard limit in any case.
//!
//! Leases live in memory only, like HDFS's: at startup they are rebuilt from
//! the files open in the namespace, renewed as of the restart.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The holder name the NameNode takes leases over with while it recovers them.
pub const NAMENODE_LEASE_HOLDER: &str = "HDFS_NameNode";

/// How long a lease lasts without renewal.
#[derive(Clone, Copy, Debug)]
pub struct LeaseLimits {
    /// After this, another client may take the file over (HDFS: 60 s).
    pub soft: Duration,
    /// After this, the NameNode recovers the file itself
    /// (`dfs.namenode.lease-hard-limit-sec`, HDFS: 20 min).
    pub hard: Duration,
}

#[derive(Debug)]
struct Lease {
    last_renewed: Instant,
    paths: BTreeSet<String>,
}

/// Leases by holder, and the holder of each open file.
#[derive(Debug, Default)]
struct Leases {
    by_holder: HashMap<String, Lease>,
    holder_of: HashMap<String, String>,
}

impl Leases {
    /// Takes `path` out of its holder's lease; a lease left empty ends.
    fn release(&mut self, path: &str) {
        let Some(holder) = self.holder_of.remove(path) else {
            return;
        };
        if let Some(lease) = self.by_holder.get_mut(&holder) {
            lease.paths.remove(path);
            if lease.paths.is_empty() {
                self.by_holder.remove(&holder);
            }
        }
    }

    fn open_at_or_under(&self, ancestor: &str) -> Vec<String> {
        self.holder_of
            .keys()
            .filter(|open| common::path::is_same_or_descendant(open, ancestor))
            .cloned()
            .collect()
    }
}

/// Every lease, behind one mutex taken after the namespace lock, never before.
#[derive(Debug, Default)]
pub struct LeaseManager {
    leases: Mutex<Leases>,
}

impl LeaseManager {
    fn lock(&self) -> std::sync::MutexGuard<'_, Leases> {
        self.leases
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `holder` now writes `path` (create, append, or a recovery takeover).
    pub fn add(&self, holder: &str, path: &str, now: Instant) {
        let mut leases = self.lock();
        leases.release(path);
        let lease = leases
            .by_holder
            .entry(holder.to_string())
            .or_insert_with(|| Lease {
                last_renewed: now,
                paths: BTreeSet::new(),
            });
        lease.last_renewed = now;
        lease.paths.insert(path.to_string());
        leases
            .holder_of
            .insert(path.to_string(), holder.to_string());
    }

    /// A client's renewal: all its leases start over. False if it holds none.
    pub fn renew(&self, holder: &str, now: Instant) -> bool {
        match self.lock().by_holder.get_mut(holder) {
            Some(lease) => {
                lease.last_renewed = now;
                true
            }
            None => false,
        }
    }

    /// The file at `path` was closed (or deleted).
    pub fn remove(&self, path: &str) {
        self.lock().release(path);
    }

    /// Everything at or under `path` was deleted.
    pub fn remove_under(&self, path: &str) {
        let path = without_trailing_slash(path);
        let mut leases = self.lock();
        for open in leases.open_at_or_under(path) {
            leases.release(&open);
        }
    }

    /// `src` (a file or a directory) was renamed to `dst`.
    pub fn rename(&self, src: &str, dst: &str) {
        let (src, dst) = (without_trailing_slash(src), without_trailing_slash(dst));
        let mut leases = self.lock();
        for old in leases.open_at_or_under(src) {
            let Some(holder) = leases.holder_of.remove(&old) else {
                continue;
            };
            let new = format!("{dst}{}", &old[src.len()..]);
            if let Some(lease) = leases.by_holder.get_mut(&holder) {
                lease.paths.remove(&old);
                lease.paths.insert(new.clone());
            }
            leases.holder_of.insert(new, holder);
        }
    }

    /// The holder of the lease on `path` and whether it passed the soft limit.
    pub fn holder(&self, path: &str, limits: LeaseLimits, now: Instant) -> Option<(String, bool)> {
        let leases = self.lock();
        let holder = leases.holder_of.get(path)?;
        let lease = leases.by_holder.get(holder)?;
        let expired = now.saturating_duration_since(lease.last_renewed) > limits.soft;
        Some((holder.clone(), expired))
    }

    /// The files `holder` writes.
    pub fn paths_of(&self, holder: &str) -> Vec<String> {
        self.lock()
            .by_holder
            .get(holder)
            .map(|lease| lease.paths.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every open file with its lease holder.
    pub fn all_open(&self) -> Vec<(String, String)> {
        self.lock()
            .holder_of
            .iter()
            .map(|(path, holder)| (path.clone(), holder.clone()))
            .collect()
    }

    /// Files whose lease passed the hard limit, with their holders.
    pub fn expired(&self, limits: LeaseLimits, now: Instant) -> Vec<(String, String)> {
        let leases = self.lock();
        let mut expired = Vec::new();
        for (holder, lease) in &leases.by_holder {
            if now.saturating_duration_since(lease.last_renewed) > limits.hard {
                expired.extend(
                    lease
                        .paths
                        .iter()
                        .map(|path| (path.clone(), holder.clone())),
                );
            }
        }
        expired
    }

    /// Number of open files, for the web UI.
    pub fn open_files(&self) -> usize {
        self.lock().holder_of.len()
    }
}

/// `path` as the lease table names files: without a trailing `/` (a client may
/// name a directory `/d/`), the root staying `/`.
fn without_trailing_slash(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LeaseLimits = LeaseLimits {
        soft: Duration::from_secs(60),
        hard: Duration::from_secs(1200),
    };

    #[test]
    fn renewal_keeps_a_lease_alive_until_the_hard_limit() {
        let leases = LeaseManager::default();
        let start = Instant::now();
        leases.add("client-a", "/f", start);
        assert!(leases.renew("client-a", start + Duration::from_secs(1000)));
        assert!(!leases.renew("client-b", start));
        assert!(
            leases
                .expired(LIMITS, start + Duration::from_secs(1300))
                .is_empty()
        );
        assert_eq!(
            leases.expired(LIMITS, start + Duration::from_secs(2201)),
            vec![("/f".to_string(), "client-a".to_string())]
        );
        assert_eq!(
            leases.holder("/f", LIMITS, start + Duration::from_secs(1061)),
            Some(("client-a".to_string(), true))
        );
        assert_eq!(
            leases.holder("/f", LIMITS, start + Duration::from_secs(1059)),
            Some(("client-a".to_string(), false))
        );
    }

    #[test]
    fn renames_and_deletes_follow_the_open_files() {
        let leases = LeaseManager::default();
        let now = Instant::now();
        leases.add("c", "/a/b/f", now);
        leases.add("c", "/a/bc", now);
        leases.rename("/a/b", "/x");
        assert!(leases.holder("/x/f", LIMITS, now).is_some());
        assert!(leases.holder("/a/bc", LIMITS, now).is_some());
        leases.remove_under("/x");
        assert!(leases.holder("/x/f", LIMITS, now).is_none());
        assert_eq!(leases.open_files(), 1);
        leases.remove("/a/bc");
        assert_eq!(leases.open_files(), 0);
        assert!(
            !leases.renew("c", now),
            "a holder with no files has no lease"
        );
    }

    #[test]
    fn a_directory_named_with_a_trailing_slash_moves_and_drops_its_open_files() {
        let leases = LeaseManager::default();
        let now = Instant::now();
        leases.add("c", "/d/f", now);
        leases.rename("/d/", "/e/");
        assert!(leases.holder("/e/f", LIMITS, now).is_some());
        assert!(leases.holder("/d/f", LIMITS, now).is_none());
        leases.remove_under("/e/");
        assert_eq!(leases.open_files(), 0);
    }

    #[test]
    fn a_takeover_moves_the_file_to_the_new_holder() {
        let leases = LeaseManager::default();
        let now = Instant::now();
        leases.add("c", "/f", now);
        leases.add(NAMENODE_LEASE_HOLDER, "/f", now);
        assert_eq!(
            leases.holder("/f", LIMITS, now).map(|(holder, _)| holder),
            Some(NAMENODE_LEASE_HOLDER.to_string())
        );
        assert!(!leases.renew("c", now));
    }
}
