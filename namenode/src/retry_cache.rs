//! The NameNode's retry cache (Hadoop's `RetryCache`): the answers of
//! non-idempotent calls, keyed by the client id and call id the client sends
//! with them, so a call retried after a lost answer or a failover returns its
//! first answer and is not applied twice.
//!
//! A call runs inside [`RetryCache::run`]: the first one with its ids runs
//! and stores its answer when it succeeds (a failure is forgotten, so the
//! retry runs again, as Hadoop's); a retry while the first is still running
//! waits for it. The ids are logged in the edit records the call writes
//! ([`logged_rpc_ids`]), so a standby replaying them fills its cache with
//! [`RetryCache::add_replayed`]; a retry that finds such an entry gets an
//! answer rebuilt from the namespace (the call's `replayed` answer).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::Configuration;
use common::conf::{ConfError, TimeUnit, keys};
use tokio::sync::watch;
use tonic::Status;

/// Bytes Hadoop's `LightWeightGSet.computeCapacity` counts per cache slot.
const SLOT_BYTES: u64 = 8;

/// How the retry cache is sized (`dfs.namenode.*retrycache*`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryCacheConfig {
    /// `dfs.namenode.enable.retrycache`
    pub enabled: bool,
    /// `dfs.namenode.retrycache.expirytime.millis`: how long an answer is kept.
    pub expiry: Duration,
    /// Most entries kept: `dfs.namenode.retrycache.heap.percent` of the
    /// machine's memory in 8-byte slots (Hadoop takes the percentage of the
    /// JVM heap).
    pub capacity: usize,
}

impl RetryCacheConfig {
    /// The retry cache settings of `conf`.
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let percent = conf.get_f64(keys::DFS_NAMENODE_RETRY_CACHE_HEAP_PERCENT)?;
        let memory = physical_memory();
        let capacity = (memory as f64 * percent / 100.0 / SLOT_BYTES as f64) as usize;
        Ok(Self {
            enabled: conf.get_bool(keys::DFS_NAMENODE_ENABLE_RETRY_CACHE)?,
            expiry: conf.get_duration(
                keys::DFS_NAMENODE_RETRY_CACHE_EXPIRYTIME_MILLIS,
                TimeUnit::Milliseconds,
            )?,
            capacity: capacity.max(1),
        })
    }
}

fn physical_memory() -> u64 {
    // SAFETY: sysconf reads system constants and has no preconditions.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    u64::try_from(pages).unwrap_or(0) * u64::try_from(page_size).unwrap_or(0)
}

/// A client's 16-byte id and the id of one of its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RpcIds {
    pub client_id: [u8; 16],
    pub call_id: u32,
}

impl RpcIds {
    /// The ids a request carries ([`proto::CLIENT_ID_METADATA`] in hex,
    /// [`proto::CALL_ID_METADATA`]); `None` when it carries none or they
    /// are malformed (the call is then not cached).
    pub fn of<T>(request: &tonic::Request<T>) -> Option<Self> {
        let metadata = request.metadata();
        let hex = metadata.get(proto::CLIENT_ID_METADATA)?.to_str().ok()?;
        let call_id = metadata.get(proto::CALL_ID_METADATA)?.to_str().ok()?;
        Some(Self {
            client_id: parse_client_id(hex)?,
            call_id: call_id.parse().ok()?,
        })
    }

    /// The ids as an edit record logs them.
    pub fn from_logged(client_id: &[u8], call_id: u32) -> Option<Self> {
        Some(Self {
            client_id: client_id.try_into().ok()?,
            call_id,
        })
    }
}

fn parse_client_id(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut id = [0u8; 16];
    for (byte, pair) in id.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(id)
}

/// The call running on this task, and whether it has logged an edit.
#[derive(Clone)]
struct RunningCall {
    ids: RpcIds,
    logged: Arc<AtomicBool>,
}

tokio::task_local! {
    static RUNNING: RunningCall;
}

/// The client id and call id to log in the edit record being written, for
/// the call of the running task (empty and 0 outside a cached call).
pub fn logged_rpc_ids() -> (Vec<u8>, u32) {
    RUNNING
        .try_with(|call| {
            call.logged.store(true, Ordering::Relaxed);
            (call.ids.client_id.to_vec(), call.ids.call_id)
        })
        .unwrap_or_default()
}

enum Slot {
    /// The first call with these ids is running; dropping the sender wakes
    /// its retries.
    InProgress(watch::Sender<()>),
    /// Its answer, encoded.
    Done(Vec<u8>),
    /// Applied, but its answer is not known here: it came from the edit log
    /// (a standby's replay), or its call was cancelled after logging.
    Replayed,
}

struct Entry {
    slot: Slot,
    expires: Instant,
}

#[derive(Default)]
struct Entries {
    map: HashMap<RpcIds, Entry>,
    /// Keys in insertion order, for expiry and overflow.
    order: VecDeque<RpcIds>,
}

/// The retry cache of one NameNode.
pub struct RetryCache {
    config: RetryCacheConfig,
    entries: Mutex<Entries>,
}

/// What [`RetryCache::begin`] found.
enum Lookup {
    Run(watch::Sender<()>),
    Wait(watch::Receiver<()>),
    Done(Vec<u8>),
    Replayed,
}

impl RetryCache {
    pub fn new(config: RetryCacheConfig) -> Self {
        Self {
            config,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of entries held (running and answered).
    pub fn len(&self) -> usize {
        self.entries().map.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `call`, the call with `ids`, at most once: the first answer of a
    /// call with these ids when there is one (`replayed()` when only the
    /// edit log knew of it), else `call`'s, stored when it succeeds.
    pub async fn run<T, Fut>(
        &self,
        ids: Option<RpcIds>,
        replayed: impl FnOnce() -> Result<T, Status>,
        call: Fut,
    ) -> Result<T, Status>
    where
        T: prost::Message + Default,
        Fut: Future<Output = Result<T, Status>>,
    {
        let ids = match ids {
            Some(ids) if self.config.enabled => ids,
            _ => return call.await,
        };
        let running = loop {
            match self.begin(ids) {
                Lookup::Run(sender) => break sender,
                Lookup::Done(answer) => {
                    return T::decode(answer.as_slice()).map_err(|error| {
                        Status::internal(format!("retry cache answer unreadable: {error}"))
                    });
                }
                Lookup::Replayed => return replayed(),
                Lookup::Wait(mut receiver) => {
                    // Wakes when the running call finishes (its sender drops).
                    let _ = receiver.changed().await;
                }
            }
        };
        let logged = Arc::new(AtomicBool::new(false));
        let mut guard = Running {
            cache: self,
            ids,
            logged: logged.clone(),
            finished: false,
            _sender: running,
        };
        let result = RUNNING
            .scope(
                RunningCall {
                    ids,
                    logged: logged.clone(),
                },
                call,
            )
            .await;
        match &result {
            Ok(answer) => self.finish(ids, Some(Slot::Done(answer.encode_to_vec()))),
            // Failed after its edit was logged (its answer was lost, say to a
            // transition to standby): applied all the same, so a retry must
            // not apply it again.
            Err(_) if logged.load(Ordering::Acquire) => self.finish(ids, Some(Slot::Replayed)),
            Err(_) => self.finish(ids, None),
        }
        guard.finished = true;
        result
    }

    fn begin(&self, ids: RpcIds) -> Lookup {
        let now = Instant::now();
        let mut entries = self.entries();
        if let Some(entry) = entries.map.get(&ids) {
            match &entry.slot {
                Slot::InProgress(sender) => return Lookup::Wait(sender.subscribe()),
                _ if entry.expires <= now => {
                    entries.map.remove(&ids);
                }
                Slot::Done(answer) => return Lookup::Done(answer.clone()),
                Slot::Replayed => return Lookup::Replayed,
            }
        }
        let (sender, _) = watch::channel(());
        self.insert(&mut entries, ids, Slot::InProgress(sender.clone()), now);
        Lookup::Run(sender)
    }

    /// Stores the outcome of the running call `ids`: its answer, or nothing
    /// (forgotten) when it failed.
    fn finish(&self, ids: RpcIds, slot: Option<Slot>) {
        let mut entries = self.entries();
        match slot {
            Some(slot) => {
                if let Some(entry) = entries.map.get_mut(&ids) {
                    entry.slot = slot;
                    entry.expires = Instant::now() + self.config.expiry;
                }
            }
            None => {
                entries.map.remove(&ids);
            }
        }
    }

    /// Records a call the edit log says was applied (the standby's tailer
    /// calls it for every record with rpc ids, as Hadoop's
    /// `FSEditLogLoader` does): a retry of it is answered, not applied again.
    pub fn add_replayed(&self, client_id: &[u8], call_id: u32) {
        let Some(ids) = RpcIds::from_logged(client_id, call_id) else {
            return;
        };
        if !self.config.enabled {
            return;
        }
        let mut entries = self.entries();
        if entries.map.contains_key(&ids) {
            return;
        }
        self.insert(&mut entries, ids, Slot::Replayed, Instant::now());
    }

    fn insert(&self, entries: &mut Entries, ids: RpcIds, slot: Slot, now: Instant) {
        while let Some(oldest) = entries.order.front().copied() {
            let evict = match entries.map.get(&oldest) {
                None => true,
                Some(entry) => {
                    let finished = !matches!(entry.slot, Slot::InProgress(_));
                    finished && (entry.expires <= now || entries.map.len() >= self.config.capacity)
                }
            };
            if !evict {
                break;
            }
            entries.order.pop_front();
            entries.map.remove(&oldest);
        }
        entries.order.push_back(ids);
        entries.map.insert(
            ids,
            Entry {
                slot,
                expires: now + self.config.expiry,
            },
        );
    }
}

/// The first call with some ids while it runs: if it is dropped before it
/// finishes (the client went away), its entry is forgotten, or kept as
/// applied when it had logged an edit, so a retry neither waits forever nor
/// applies it twice.
struct Running<'a> {
    cache: &'a RetryCache,
    ids: RpcIds,
    logged: Arc<AtomicBool>,
    finished: bool,
    _sender: watch::Sender<()>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let slot = self
                .logged
                .load(Ordering::Relaxed)
                .then_some(Slot::Replayed);
            self.cache.finish(self.ids, slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use proto::hdfs as pb;

    use super::*;

    fn cache(capacity: usize, expiry: Duration) -> RetryCache {
        RetryCache::new(RetryCacheConfig {
            enabled: true,
            expiry,
            capacity,
        })
    }

    fn ids(call_id: u32) -> Option<RpcIds> {
        Some(RpcIds {
            client_id: [7; 16],
            call_id,
        })
    }

    fn replayed() -> Result<pb::DeleteResponse, Status> {
        Ok(pb::DeleteResponse { result: true })
    }

    async fn delete(
        cache: &RetryCache,
        call_id: u32,
        applied: &AtomicU32,
    ) -> Result<pb::DeleteResponse, Status> {
        cache
            .run(ids(call_id), replayed, async {
                let first = applied.fetch_add(1, Ordering::SeqCst) == 0;
                logged_rpc_ids();
                Ok(pb::DeleteResponse { result: first })
            })
            .await
    }

    #[test]
    fn the_defaults_are_hadoops() {
        let config = RetryCacheConfig::from_conf(&Configuration::new()).unwrap();
        assert!(config.enabled);
        assert_eq!(config.expiry, Duration::from_secs(600));
        assert!(config.capacity > 1000, "{config:?}");
    }

    #[test]
    fn ids_come_from_the_metadata() {
        let mut request = tonic::Request::new(());
        assert_eq!(RpcIds::of(&request), None);
        let metadata = request.metadata_mut();
        metadata.insert(
            proto::CLIENT_ID_METADATA,
            "000102030405060708090a0b0c0d0e0f".parse().unwrap(),
        );
        metadata.insert(proto::CALL_ID_METADATA, "42".parse().unwrap());
        let ids = RpcIds::of(&request).unwrap();
        assert_eq!(ids.call_id, 42);
        assert_eq!(ids.client_id[15], 15);
        request
            .metadata_mut()
            .insert(proto::CLIENT_ID_METADATA, "abc".parse().unwrap());
        assert_eq!(RpcIds::of(&request), None);
    }

    #[tokio::test]
    async fn a_retry_gets_the_first_answer_and_is_not_applied() {
        let cache = cache(100, Duration::from_secs(60));
        let applied = AtomicU32::new(0);
        assert!(delete(&cache, 1, &applied).await.unwrap().result);
        assert!(delete(&cache, 1, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 1);
        // Another call id is another call.
        assert!(!delete(&cache, 2, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_call_runs_again() {
        let cache = cache(100, Duration::from_secs(60));
        let failed: Result<pb::DeleteResponse, Status> = cache
            .run(ids(1), replayed, async { Err(Status::internal("no")) })
            .await;
        assert!(failed.is_err());
        let applied = AtomicU32::new(0);
        assert!(delete(&cache, 1, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_retry_waits_for_the_running_call() {
        let cache = Arc::new(cache(100, Duration::from_secs(60)));
        let applied = Arc::new(AtomicU32::new(0));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let cache = cache.clone();
            let applied = applied.clone();
            tokio::spawn(async move {
                cache
                    .run(ids(1), replayed, async {
                        let _ = released.await;
                        applied.fetch_add(1, Ordering::SeqCst);
                        Ok(pb::DeleteResponse { result: true })
                    })
                    .await
            })
        };
        while cache.is_empty() {
            tokio::task::yield_now().await;
        }
        let retry = {
            let cache = cache.clone();
            let applied = applied.clone();
            tokio::spawn(async move { delete(&cache, 1, &applied).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!retry.is_finished());
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap().result);
        assert!(retry.await.unwrap().unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_replayed_call_is_answered_from_the_namespace() {
        let cache = cache(100, Duration::from_secs(60));
        cache.add_replayed(&[7; 16], 5);
        cache.add_replayed(&[1, 2, 3], 6);
        assert_eq!(cache.len(), 1);
        let applied = AtomicU32::new(0);
        assert!(delete(&cache, 5, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_cancelled_call_that_logged_counts_as_applied() {
        let cache = cache(100, Duration::from_secs(60));
        let applied = AtomicU32::new(0);
        let cancelled = cache.run(ids(1), replayed, async {
            applied.fetch_add(1, Ordering::SeqCst);
            logged_rpc_ids();
            std::future::pending::<Result<pb::DeleteResponse, Status>>().await
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(10), cancelled)
                .await
                .is_err()
        );
        assert!(delete(&cache, 1, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 1);
        let not_logged = cache.run(ids(2), replayed, std::future::pending());
        assert!(
            tokio::time::timeout(Duration::from_millis(10), not_logged)
                .await
                .is_err()
        );
        // Not applied before it was cancelled: the retry runs it.
        delete(&cache, 2, &applied).await.unwrap();
        assert_eq!(applied.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_call_that_failed_after_it_logged_counts_as_applied() {
        let cache = cache(100, Duration::from_secs(60));
        let applied = AtomicU32::new(0);
        let failed: Result<pb::DeleteResponse, Status> = cache
            .run(ids(1), replayed, async {
                applied.fetch_add(1, Ordering::SeqCst);
                logged_rpc_ids();
                Err(Status::unavailable("turned standby before answering"))
            })
            .await;
        assert!(failed.is_err());
        assert!(delete(&cache, 1, &applied).await.unwrap().result);
        assert_eq!(applied.load(Ordering::SeqCst), 1, "applied twice");
    }

    #[tokio::test]
    async fn answers_expire_and_the_oldest_make_room() {
        let cache = cache(2, Duration::ZERO);
        let applied = AtomicU32::new(0);
        delete(&cache, 1, &applied).await.unwrap();
        delete(&cache, 1, &applied).await.unwrap();
        assert_eq!(applied.load(Ordering::SeqCst), 2);
        let cache = self::cache(2, Duration::from_secs(60));
        for call_id in 0..5 {
            delete(&cache, call_id, &applied).await.unwrap();
        }
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn outside_a_cached_call_nothing_is_logged() {
        assert_eq!(logged_rpc_ids(), (Vec::new(), 0));
    }
}
