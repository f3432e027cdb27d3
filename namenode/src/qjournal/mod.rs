//! The NameNode's side of the quorum journal (Hadoop's
//! QuorumJournalManager): every call goes to all JournalNodes of a
//! `qjournal://h1:8485;h2:8485;h3:8485/<journalId>` in parallel and succeeds
//! once a majority (all, for format) answered within the `dfs.qjournal.*`
//! timeout. Writer calls to one JournalNode keep their order (one queue per
//! JournalNode, as Hadoop's IPCLoggerChannel), so a JournalNode that lags
//! still gets every batch in order.

pub mod http;
mod init;
mod logger;
pub mod recovery;
mod startup;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::Configuration;
use common::conf::{ConfError, keys};
use proto::hdfs::{
    AcceptRecoveryRequest, FinalizeLogSegmentRequest, FormatRequest,
    GetJournalEditLogManifestRequest, GetJournalStateRequest, GetJournaledEditsRequest,
    IsFormattedRequest, JournalRequest, NamespaceInfo, NewEpochRequest, PrepareRecoveryRequest,
    PurgeLogsRequest, RequestInfo, SegmentState, StartLogSegmentRequest,
};
use proto::namenode_storage::EditRecord;
use tracing::info;

use crate::editlog::record;
pub use init::{SharedEditsError, format_shared_edits, initialize_shared_edits};
use logger::{Logger, Outcome};
pub use startup::SharedEditsStartup;
use startup::namespace_info;

/// The name a NameNode connects out as in fault rules (`nn`): that of a
/// quorum client made by [`QuorumJournal::from_uri`], so faults between the
/// NameNode and its JournalNodes apply to it, and of its calls to the other
/// NameNodes of its nameservice.
pub const QJM_NODE_NAME: &str = "nn";

/// Why a quorum call failed.
#[derive(Debug, thiserror::Error)]
pub enum QuorumError {
    #[error("invalid shared edits dir {uri}: {reason}")]
    InvalidUri { uri: String, reason: String },
    #[error(transparent)]
    Config(#[from] ConfError),
    /// Hadoop's QuorumException: too many JournalNodes failed.
    #[error(
        "Got too many exceptions to achieve quorum size {needed}/{total}. {} successful responses:{}\n{} exceptions thrown:{}",
        successes.len(), list(successes), failures.len(), list(failures)
    )]
    Quorum {
        needed: usize,
        total: usize,
        successes: Vec<String>,
        failures: Vec<String>,
    },
    /// No quorum within the call's timeout.
    #[error(
        "Timed out waiting {timeout_ms}ms for a quorum of nodes to respond. {} successful responses:{}\n{} exceptions thrown:{}",
        successes.len(), list(successes), failures.len(), list(failures)
    )]
    Timeout {
        timeout_ms: u128,
        successes: Vec<String>,
        failures: Vec<String>,
    },
    /// The JournalNodes answered, but what they hold cannot be used.
    #[error("{0}")]
    Inconsistent(String),
}

fn list(items: &[String]) -> String {
    items.iter().map(|item| format!("\n{item}")).collect()
}

/// The `dfs.qjournal.*` timeouts.
#[derive(Clone, Debug)]
struct Timeouts {
    start_segment: Duration,
    prepare_recovery: Duration,
    accept_recovery: Duration,
    finalize_segment: Duration,
    select_input_streams: Duration,
    get_journal_state: Duration,
    new_epoch: Duration,
    write_txns: Duration,
}

impl Timeouts {
    fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let ms = |key| conf.get_u64(key).map(Duration::from_millis);
        Ok(Self {
            start_segment: ms(keys::DFS_QJOURNAL_START_SEGMENT_TIMEOUT_KEY)?,
            prepare_recovery: ms(keys::DFS_QJOURNAL_PREPARE_RECOVERY_TIMEOUT_KEY)?,
            accept_recovery: ms(keys::DFS_QJOURNAL_ACCEPT_RECOVERY_TIMEOUT_KEY)?,
            finalize_segment: ms(keys::DFS_QJOURNAL_FINALIZE_SEGMENT_TIMEOUT_KEY)?,
            select_input_streams: ms(keys::DFS_QJOURNAL_SELECT_INPUT_STREAMS_TIMEOUT_KEY)?,
            get_journal_state: ms(keys::DFS_QJOURNAL_GET_JOURNAL_STATE_TIMEOUT_KEY)?,
            new_epoch: ms(keys::DFS_QJOURNAL_NEW_EPOCH_TIMEOUT_KEY)?,
            write_txns: ms(keys::DFS_QJOURNAL_WRITE_TXNS_TIMEOUT_KEY)?,
        })
    }
}

/// A `qjournal://` URI taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumUri {
    /// `host:port` of each JournalNode's RPC server.
    pub addresses: Vec<String>,
    pub journal_id: String,
}

impl QuorumUri {
    /// Parses `qjournal://h1:8485;h2:8485/<journalId>`.
    pub fn parse(uri: &str) -> Result<Self, QuorumError> {
        let invalid = |reason: &str| QuorumError::InvalidUri {
            uri: uri.to_string(),
            reason: reason.to_string(),
        };
        let rest = uri
            .trim()
            .strip_prefix("qjournal://")
            .ok_or_else(|| invalid("the scheme must be qjournal"))?;
        let (authority, journal_id) = rest
            .split_once('/')
            .ok_or_else(|| invalid("no journal id (qjournal://host:port;.../journalId)"))?;
        let journal_id = journal_id.trim_end_matches('/');
        if journal_id.is_empty() || journal_id.contains('/') {
            return Err(invalid(&format!("Bad journal id: {journal_id}")));
        }
        let addresses: Vec<String> = authority
            .split(';')
            .map(str::trim)
            .filter(|address| !address.is_empty())
            .map(|address| {
                if address.contains(':') {
                    address.to_string()
                } else {
                    format!("{address}:8485")
                }
            })
            .collect();
        if addresses.is_empty() {
            return Err(invalid("Invalid authority in URI"));
        }
        Ok(Self {
            addresses,
            journal_id: journal_id.to_string(),
        })
    }
}

/// The quorum journal of a non-HA NameNode: `dfs.namenode.shared.edits.dir`
/// when it is a `qjournal://` URI and this NameNode is not part of an HA
/// nameservice (an HA NameNode uses it as active or standby instead).
pub fn non_ha_shared_edits(conf: &Configuration) -> Result<Option<QuorumJournal>, ConfError> {
    let Some(uri) = conf.get_trimmed(keys::DFS_NAMENODE_SHARED_EDITS_DIR) else {
        return Ok(None);
    };
    if uri.is_empty() || conf.local_ha_namenode()?.is_some() {
        return Ok(None);
    }
    QuorumJournal::from_uri(&uri, conf)
        .map(Some)
        .map_err(|error| match error {
            QuorumError::Config(error) => error,
            other => ConfError::Invalid {
                key: keys::DFS_NAMENODE_SHARED_EDITS_DIR.into(),
                value: uri.clone(),
                expected: other.to_string(),
            },
        })
}

/// The writer's state: its epoch and what it knows is committed.
#[derive(Default)]
struct WriterState {
    epoch: AtomicU64,
    ipc_serial: AtomicU64,
    committed_txid: AtomicU64,
    /// Held while a writer's call takes its serial and is queued on every
    /// logger, so calls reach each JournalNode in serial order even when two
    /// tasks write at once (the edit log's syncer, a checkpoint's purge).
    order: std::sync::Mutex<()>,
}

/// The quorum client's own runtime, shut down in the background when the
/// last clone of the client goes (possibly inside another runtime).
struct QuorumRuntime(Option<tokio::runtime::Runtime>);

impl QuorumRuntime {
    fn handle(&self) -> &tokio::runtime::Handle {
        self.0
            .as_ref()
            .expect("the runtime lives until drop")
            .handle()
    }
}

impl Drop for QuorumRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

struct Inner {
    runtime: QuorumRuntime,
    node_name: String,
    journal_id: String,
    loggers: Vec<Logger>,
    timeouts: Timeouts,
    writer: WriterState,
}

/// The quorum of JournalNodes behind a `qjournal://` URI. Cheap to clone.
#[derive(Clone)]
pub struct QuorumJournal {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for QuorumJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QuorumJournal(qjournal://{}/{})",
            self.addresses().join(";"),
            self.inner.journal_id
        )
    }
}

/// A segment known to the quorum, and where to download it.
#[derive(Clone, Debug)]
struct RemoteSegment {
    start_txid: u64,
    end_txid: u64,
    http_addresses: Vec<String>,
}

impl QuorumJournal {
    /// Connects (lazily) to the JournalNodes of `uri`, with the timeouts of `conf`.
    pub fn from_uri(uri: &str, conf: &Configuration) -> Result<Self, QuorumError> {
        Self::from_uri_as(QJM_NODE_NAME, uri, conf)
    }

    /// [`QuorumJournal::from_uri`] for the node named `node_name` in fault
    /// injection (each NameNode of an in-process HA pair has its own).
    pub fn from_uri_as(
        node_name: &str,
        uri: &str,
        conf: &Configuration,
    ) -> Result<Self, QuorumError> {
        let parsed = QuorumUri::parse(uri)?;
        let timeouts = Timeouts::from_conf(conf)?;
        let queue_limit = usize::try_from(conf.get_u64(keys::DFS_QJOURNAL_QUEUE_SIZE_LIMIT_KEY)?)
            .unwrap_or(usize::MAX / (1 << 20))
            * (1 << 20);
        let loggers = parsed
            .addresses
            .iter()
            .map(|address| Logger::new(node_name, address, timeouts.write_txns, queue_limit))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|reason| QuorumError::InvalidUri {
                uri: uri.to_string(),
                reason,
            })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("qjm")
            .enable_all()
            .build()
            .map_err(|error| {
                QuorumError::Inconsistent(format!(
                    "cannot start the quorum client's threads: {error}"
                ))
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                runtime: QuorumRuntime(Some(runtime)),
                node_name: node_name.to_string(),
                journal_id: parsed.journal_id,
                loggers,
                timeouts,
                writer: WriterState::default(),
            }),
        })
    }

    /// The journal id (the URI's path).
    pub fn journal_id(&self) -> &str {
        &self.inner.journal_id
    }

    /// `host:port` of every JournalNode, in the URI's order.
    pub fn addresses(&self) -> Vec<String> {
        self.inner
            .loggers
            .iter()
            .map(|logger| logger.address().to_string())
            .collect()
    }

    /// Runs `work` on the quorum client's own runtime: the calls work from
    /// any runtime (or none, through [`QuorumJournal::block_on`]) and never
    /// depend on the caller's threads to make progress.
    async fn on_runtime<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, QuorumError>> + Send + 'static,
    ) -> Result<T, QuorumError> {
        self.inner
            .runtime
            .handle()
            .spawn(work)
            .await
            .map_err(|error| {
                QuorumError::Inconsistent(format!("quorum journal task failed: {error}"))
            })?
    }

    /// Starts `work` on the quorum client's runtime (for a caller that does
    /// something else meanwhile, then [`QuorumJournal::block_on`]s the handle).
    pub(crate) fn spawn<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.inner.runtime.handle().spawn(work)
    }

    /// Waits for `work` from a thread outside async code (the edit log's
    /// syncer, a blocking task, a command-line tool).
    pub fn block_on<T>(&self, work: impl Future<Output = T>) -> T {
        self.inner.runtime.handle().block_on(work)
    }

    /// Whether a majority of the JournalNodes hold a formatted journal.
    pub async fn is_formatted(&self) -> Result<bool, QuorumError> {
        let this = self.clone();
        self.on_runtime(async move { this.is_formatted_inner().await })
            .await
    }

    /// Formats the journal on every JournalNode (all must answer). Without
    /// `force`, a JournalNode that already holds a journal refuses.
    pub async fn format(&self, ns: &NamespaceInfo, force: bool) -> Result<(), QuorumError> {
        let (this, ns) = (self.clone(), ns.clone());
        self.on_runtime(async move { this.format_inner(&ns, force).await })
            .await
    }

    /// Becomes the only writer: newEpoch on a majority (fencing any older
    /// writer), recovers and finalizes the last in-progress segment
    /// (prepare/accept/finalize by Hadoop's rule). Returns the last txid
    /// durable on a majority (0 if none).
    pub async fn recover_for_write(&self, ns: &NamespaceInfo) -> Result<u64, QuorumError> {
        let (this, ns) = (self.clone(), ns.clone());
        self.on_runtime(async move { this.recover_for_write_inner(&ns).await })
            .await
    }

    /// Opens segment `txid` on a majority.
    pub async fn start_segment(&self, txid: u64) -> Result<(), QuorumError> {
        let this = self.clone();
        self.on_runtime(async move { this.start_segment_inner(txid).await })
            .await
    }

    /// Sends a batch of framed records (txids `first_txid..first_txid +
    /// count`) of segment `segment_txid`; returns once a majority fsynced it.
    pub async fn send_edits(
        &self,
        segment_txid: u64,
        first_txid: u64,
        count: u32,
        records: &[u8],
    ) -> Result<(), QuorumError> {
        let (this, records) = (self.clone(), records.to_vec());
        self.on_runtime(async move {
            this.send_edits_inner(segment_txid, first_txid, count, records)
                .await
        })
        .await
    }

    /// Finalizes segment `start_txid..=end_txid` on a majority.
    pub async fn finalize_segment(
        &self,
        start_txid: u64,
        end_txid: u64,
    ) -> Result<(), QuorumError> {
        let this = self.clone();
        self.on_runtime(async move { this.finalize_segment_inner(start_txid, end_txid).await })
            .await
    }

    /// Removes segments that end before `min_txid_to_keep` on a majority.
    pub async fn purge_logs(&self, min_txid_to_keep: u64) -> Result<(), QuorumError> {
        let this = self.clone();
        self.on_runtime(async move { this.purge_logs_inner(min_txid_to_keep).await })
            .await
    }

    /// Edit records with txid > since_txid that are durable on a majority:
    /// finalized segments (HTTP) and, with in_progress_ok, the in-progress
    /// one (GetJournaledEdits from the cache, never beyond what a majority
    /// holds: the HDFS-16689 trap). Decoded, in txid order.
    pub async fn read_edits(
        &self,
        since_txid: u64,
        in_progress_ok: bool,
    ) -> Result<Vec<EditRecord>, QuorumError> {
        let this = self.clone();
        self.on_runtime(async move { this.read_edits_inner(since_txid, in_progress_ok).await })
            .await
    }

    fn majority(&self) -> usize {
        self.inner.loggers.len() / 2 + 1
    }

    /// Builds a writer's request with the next IPC serial and starts it on
    /// every logger through `call` (which queues it, `call_ordered`), as one
    /// step under [`WriterState::order`].
    fn dispatch_ordered<R, T: Send + 'static>(
        &self,
        timeout: Duration,
        build: impl FnOnce(RequestInfo) -> R,
        call: impl Fn(&Logger, Duration, &R) -> logger::Answer<T>,
    ) -> logger::Dispatched<'_, T> {
        let _order = self
            .inner
            .writer
            .order
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let request = build(self.request_info());
        logger::dispatch(&self.inner.loggers, timeout, |logger, timeout| {
            call(logger, timeout, &request)
        })
    }

    fn request_info(&self) -> RequestInfo {
        let writer = &self.inner.writer;
        RequestInfo {
            journal_id: self.inner.journal_id.clone(),
            epoch: writer.epoch.load(Ordering::Acquire),
            ipc_serial_number: writer.ipc_serial.fetch_add(1, Ordering::AcqRel),
            committed_txid: writer.committed_txid.load(Ordering::Acquire),
            name_service_id: String::new(),
        }
    }

    /// [`QuorumJournal::is_formatted`], on the client's runtime.
    async fn is_formatted_inner(&self) -> Result<bool, QuorumError> {
        let request = IsFormattedRequest {
            journal_id: self.inner.journal_id.clone(),
            name_service_id: String::new(),
        };
        let answers = logger::quorum(
            &self.inner.loggers,
            self.majority(),
            self.inner.timeouts.get_journal_state,
            |logger, timeout| {
                logger.call_parallel(timeout, request.clone(), |mut c, r| async move {
                    c.is_formatted(r).await
                })
            },
        )
        .await?;
        Ok(answers
            .iter()
            .filter(|(_, answer)| answer.is_formatted)
            .count()
            >= self.majority())
    }

    /// [`QuorumJournal::format`], on the client's runtime.
    async fn format_inner(&self, ns: &NamespaceInfo, force: bool) -> Result<(), QuorumError> {
        let request = FormatRequest {
            journal_id: self.inner.journal_id.clone(),
            ns_info: Some(ns.clone()),
            force,
            name_service_id: String::new(),
        };
        logger::quorum(
            &self.inner.loggers,
            self.inner.loggers.len(),
            self.inner.timeouts.new_epoch,
            |logger, timeout| {
                logger.call_parallel(timeout, request.clone(), |mut c, r| async move {
                    c.format(r).await
                })
            },
        )
        .await?;
        Ok(())
    }

    /// [`QuorumJournal::recover_for_write`], on the client's runtime.
    async fn recover_for_write_inner(&self, ns: &NamespaceInfo) -> Result<u64, QuorumError> {
        let state_request = GetJournalStateRequest {
            journal_id: self.inner.journal_id.clone(),
            name_service_id: String::new(),
        };
        let states = logger::quorum(
            &self.inner.loggers,
            self.majority(),
            self.inner.timeouts.get_journal_state,
            |logger, timeout| {
                logger.call_parallel(timeout, state_request.clone(), |mut c, r| async move {
                    c.get_journal_state(r).await
                })
            },
        )
        .await?;
        for (index, state) in &states {
            self.inner.loggers[*index].set_http_url(&state.from_url);
        }
        let epoch = states
            .iter()
            .map(|(_, state)| state.last_promised_epoch)
            .max()
            .unwrap_or(0)
            + 1;
        let epoch_request = NewEpochRequest {
            journal_id: self.inner.journal_id.clone(),
            ns_info: Some(ns.clone()),
            epoch,
            name_service_id: String::new(),
        };
        let promises = logger::quorum(
            &self.inner.loggers,
            self.majority(),
            self.inner.timeouts.new_epoch,
            |logger, timeout| {
                logger.call_parallel(timeout, epoch_request.clone(), |mut c, r| async move {
                    c.new_epoch(r).await
                })
            },
        )
        .await?;
        self.inner.writer.epoch.store(epoch, Ordering::Release);
        info!(epoch, journal = %self.inner.journal_id, "successfully started new epoch");
        let last_segment = promises
            .iter()
            .map(|(_, promise)| promise.last_segment_txid)
            .max()
            .unwrap_or(0);
        if last_segment > 0 {
            self.recover_unclosed_segment(last_segment).await?;
        }
        let segments = self.remote_segments(0, false).await?;
        let last_txid = segments.last().map_or(0, |segment| segment.end_txid);
        self.inner
            .writer
            .committed_txid
            .store(last_txid, Ordering::Release);
        Ok(last_txid)
    }

    async fn recover_unclosed_segment(&self, segment_txid: u64) -> Result<(), QuorumError> {
        info!(segment_txid, "beginning recovery of unclosed segment");
        let prepared = self
            .dispatch_ordered(
                self.inner.timeouts.prepare_recovery,
                |req_info| PrepareRecoveryRequest {
                    req_info: Some(req_info),
                    segment_txid,
                },
                |logger, timeout, request| {
                    logger.call_ordered(timeout, request.clone(), |mut c, r| async move {
                        c.prepare_recovery(r).await
                    })
                },
            )
            .wait(self.majority())
            .await?;
        let answers: Vec<_> = prepared.iter().map(|(_, answer)| *answer).collect();
        let Some(best) = recovery::choose(&answers) else {
            info!(segment_txid, "none of the responders had a log to recover");
            return Ok(());
        };
        let (source, chosen) = &prepared[best];
        let segment = chosen
            .segment_state
            .expect("the chosen answer has the segment");
        for (index, answer) in &prepared {
            if answer.last_committed_txid > segment.end_txid {
                return Err(QuorumError::Inconsistent(format!(
                    "Decided to synchronize log to {segment:?} but logger {} had seen txid {} committed",
                    self.inner.loggers[*index].address(),
                    answer.last_committed_txid
                )));
            }
        }
        info!(
            segment_txid,
            end_txid = segment.end_txid,
            from = self.inner.loggers[*source].address(),
            "using longest log"
        );
        // The others download the chosen copy from its JournalNode's HTTP
        // server: learn its address from it (it may not have been among the
        // first answers of getJournalState).
        let source_logger = &self.inner.loggers[*source];
        let state = source_logger
            .call_parallel(
                self.inner.timeouts.get_journal_state,
                GetJournalStateRequest {
                    journal_id: self.inner.journal_id.clone(),
                    name_service_id: String::new(),
                },
                |mut c, r| async move { c.get_journal_state(r).await },
            )
            .await
            .map_err(|reason| {
                QuorumError::Inconsistent(format!(
                    "cannot reach {} to recover segment {segment_txid} from it: {reason}",
                    source_logger.address()
                ))
            })?;
        source_logger.set_http_url(&state.from_url);
        let from_url = self.inner.loggers[*source].http_url();
        self.dispatch_ordered(
            self.inner.timeouts.accept_recovery,
            |req_info| AcceptRecoveryRequest {
                req_info: Some(req_info),
                state_to_accept: Some(segment),
                from_url,
            },
            |logger, timeout, request| {
                logger.call_ordered(timeout, request.clone(), |mut c, r| async move {
                    c.accept_recovery(r).await
                })
            },
        )
        .wait(self.majority())
        .await?;
        self.finalize_segment_inner(segment.start_txid, segment.end_txid)
            .await
    }

    /// [`QuorumJournal::start_segment`], on the client's runtime.
    async fn start_segment_inner(&self, txid: u64) -> Result<(), QuorumError> {
        self.dispatch_ordered(
            self.inner.timeouts.start_segment,
            |req_info| StartLogSegmentRequest {
                req_info: Some(req_info),
                txid,
                layout_version: crate::storage::LAYOUT_VERSION,
            },
            |logger, timeout, request| {
                let answer = logger.call_ordered(timeout, request.clone(), |mut c, r| async move {
                    c.start_log_segment(r).await
                });
                logger.back_in_sync_on(answer)
            },
        )
        .wait(self.majority())
        .await?;
        Ok(())
    }

    /// [`QuorumJournal::send_edits`], on the client's runtime.
    async fn send_edits_inner(
        &self,
        segment_txid: u64,
        first_txid: u64,
        count: u32,
        records: Vec<u8>,
    ) -> Result<(), QuorumError> {
        if count == 0 {
            return Ok(());
        }
        self.dispatch_ordered(
            self.inner.timeouts.write_txns,
            |req_info| JournalRequest {
                req_info: Some(req_info),
                first_txn_id: first_txid,
                num_txns: count,
                records,
                segment_txn_id: segment_txid,
            },
            |logger, timeout, request| {
                if logger.is_out_of_sync() {
                    return logger::skipped(format!(
                        "{} is out of sync (it missed edits); skipping it until the next segment",
                        logger.address()
                    ));
                }
                let answer = logger.call_ordered_weighted(
                    timeout,
                    request.records.len(),
                    request.clone(),
                    |mut c, r| async move { c.journal(r).await },
                );
                logger.out_of_sync_on_failure(answer)
            },
        )
        .wait(self.majority())
        .await?;
        self.inner
            .writer
            .committed_txid
            .fetch_max(first_txid + u64::from(count) - 1, Ordering::AcqRel);
        Ok(())
    }

    /// [`QuorumJournal::finalize_segment`], on the client's runtime.
    async fn finalize_segment_inner(
        &self,
        start_txid: u64,
        end_txid: u64,
    ) -> Result<(), QuorumError> {
        self.dispatch_ordered(
            self.inner.timeouts.finalize_segment,
            |req_info| FinalizeLogSegmentRequest {
                req_info: Some(req_info),
                start_txid,
                end_txid,
            },
            |logger, timeout, request| {
                logger.call_ordered(timeout, request.clone(), |mut c, r| async move {
                    c.finalize_log_segment(r).await
                })
            },
        )
        .wait(self.majority())
        .await?;
        Ok(())
    }

    /// [`QuorumJournal::purge_logs`], on the client's runtime.
    async fn purge_logs_inner(&self, min_txid_to_keep: u64) -> Result<(), QuorumError> {
        self.dispatch_ordered(
            self.inner.timeouts.start_segment,
            |req_info| PurgeLogsRequest {
                req_info: Some(req_info),
                min_txid_to_keep,
            },
            |logger, timeout, request| {
                logger.call_ordered(timeout, request.clone(), |mut c, r| async move {
                    c.purge_logs(r).await
                })
            },
        )
        .wait(self.majority())
        .await?;
        Ok(())
    }

    /// The finalized segments (and with `in_progress_ok` the in-progress
    /// ones) a majority reported, merged by start txid, in order.
    async fn remote_segments(
        &self,
        since_txid: u64,
        in_progress_ok: bool,
    ) -> Result<Vec<RemoteSegment>, QuorumError> {
        let request = GetJournalEditLogManifestRequest {
            journal_id: self.inner.journal_id.clone(),
            since_txid,
            in_progress_ok,
            name_service_id: String::new(),
        };
        let manifests = logger::quorum(
            &self.inner.loggers,
            self.majority(),
            self.inner.timeouts.select_input_streams,
            |logger, timeout| {
                logger.call_parallel(timeout, request.clone(), |mut c, r| async move {
                    c.get_edit_log_manifest(r).await
                })
            },
        )
        .await?;
        let mut segments: Vec<RemoteSegment> = Vec::new();
        for (index, manifest) in &manifests {
            let logger = &self.inner.loggers[*index];
            logger.set_http_url(&manifest.from_url);
            let url = logger.http_url();
            let address = http::address_of(&url).to_string();
            for log in manifest.logs.iter().filter(|log| !log.is_in_progress) {
                add_segment(&mut segments, log, &address);
            }
        }
        segments.sort_by_key(|segment| segment.start_txid);
        Ok(segments)
    }

    /// [`QuorumJournal::read_edits`], on the client's runtime.
    async fn read_edits_inner(
        &self,
        since_txid: u64,
        in_progress_ok: bool,
    ) -> Result<Vec<EditRecord>, QuorumError> {
        let segments = self.remote_segments(since_txid, false).await?;
        let mut edits = Vec::new();
        let mut next = since_txid + 1;
        for segment in &segments {
            if segment.end_txid < next {
                continue;
            }
            if segment.start_txid > next {
                return Err(QuorumError::Inconsistent(format!(
                    "gap in the journal {}: txids {next}..{} are in no finalized segment",
                    self.inner.journal_id, segment.start_txid
                )));
            }
            let records = self.download(segment).await?;
            edits.extend(records.into_iter().filter(|edit| edit.txid >= next));
            next = segment.end_txid + 1;
        }
        if in_progress_ok {
            edits.extend(self.read_in_progress(next).await?);
        }
        Ok(edits)
    }

    async fn download(&self, segment: &RemoteSegment) -> Result<Vec<EditRecord>, QuorumError> {
        let mut failures = Vec::new();
        for address in &segment.http_addresses {
            let bytes = match http::get_segment(
                &self.inner.node_name,
                address,
                &self.inner.journal_id,
                segment.start_txid,
            )
            .await
            {
                Ok(bytes) => bytes,
                Err(failure) => {
                    failures.push(failure);
                    continue;
                }
            };
            match decode_segment(&bytes, segment.start_txid, segment.end_txid) {
                Ok(records) => return Ok(records),
                Err(reason) => failures.push(format!("{address}: {reason}")),
            }
        }
        Err(QuorumError::Inconsistent(format!(
            "cannot read segment {}-{} from any JournalNode: {}",
            segment.start_txid,
            segment.end_txid,
            failures.join("; ")
        )))
    }

    /// In-progress edits from `first_txid` on, as many as a majority holds.
    async fn read_in_progress(&self, first_txid: u64) -> Result<Vec<EditRecord>, QuorumError> {
        let request = GetJournaledEditsRequest {
            journal_id: self.inner.journal_id.clone(),
            since_txid: first_txid,
            max_txns: 5000,
            name_service_id: String::new(),
        };
        let Ok(answers) = logger::quorum(
            &self.inner.loggers,
            self.majority(),
            self.inner.timeouts.select_input_streams,
            |logger, timeout| {
                logger.call_parallel(timeout, request.clone(), |mut c, r| async move {
                    c.get_journaled_edits(r).await
                })
            },
        )
        .await
        else {
            return Ok(Vec::new());
        };
        let mut counts: Vec<u32> = answers.iter().map(|(_, answer)| answer.txn_count).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let Some(&durable) = counts.get(self.majority() - 1) else {
            return Ok(Vec::new());
        };
        let Some((_, answer)) = answers
            .iter()
            .find(|(_, answer)| answer.txn_count >= durable)
        else {
            return Ok(Vec::new());
        };
        let records = record::decode_framed(&answer.edit_log).map_err(|reason| {
            QuorumError::Inconsistent(format!("cannot decode journaled edits: {reason}"))
        })?;
        Ok(records.into_iter().take(durable as usize).collect())
    }
}

fn add_segment(segments: &mut Vec<RemoteSegment>, log: &SegmentState, address: &str) {
    match segments
        .iter_mut()
        .find(|segment| segment.start_txid == log.start_txid)
    {
        Some(segment) => {
            if segment.end_txid == log.end_txid {
                segment.http_addresses.push(address.to_string());
            }
        }
        None => segments.push(RemoteSegment {
            start_txid: log.start_txid,
            end_txid: log.end_txid,
            http_addresses: vec![address.to_string()],
        }),
    }
}

/// Decodes a downloaded segment file, keeping records `start..=end`.
pub(crate) fn decode_segment(
    bytes: &[u8],
    start: u64,
    end: u64,
) -> Result<Vec<EditRecord>, String> {
    let header = record::file_header();
    if bytes.len() < header.len() || bytes[..header.len()] != header {
        return Err("not an edit log file (bad magic or layout version)".into());
    }
    let wanted = usize::try_from(end + 1 - start).unwrap_or(usize::MAX);
    let frames = record::split_framed(&bytes[header.len()..], wanted)?;
    if frames.len() < wanted {
        return Err(format!(
            "segment {start} holds {} txns, expected {wanted}",
            frames.len()
        ));
    }
    let mut records = Vec::with_capacity(wanted);
    for frame in &frames[..wanted] {
        records.extend(record::decode_framed(frame)?);
    }
    if records.first().is_some_and(|first| first.txid != start) {
        return Err(format!("segment {start} starts at the wrong txid"));
    }
    Ok(records)
}

/// The outcome of one JournalNode's call, for error messages.
pub(crate) fn describe(address: &str, outcome: &Outcome) -> String {
    match outcome {
        Ok(()) => format!("{address}: success"),
        Err(reason) => format!("{address}: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_qjournal_uri() {
        let uri = QuorumUri::parse("qjournal://h1:8485;h2:9000;h3/mycluster").unwrap();
        assert_eq!(uri.addresses, ["h1:8485", "h2:9000", "h3:8485"]);
        assert_eq!(uri.journal_id, "mycluster");
    }

    #[test]
    fn rejects_bad_uris() {
        for bad in [
            "file:///x",
            "qjournal://h1:8485",
            "qjournal://h1:8485/",
            "qjournal:///j",
        ] {
            assert!(QuorumUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quorum_error_names_each_failed_journal_node() {
        let error = QuorumError::Quorum {
            needed: 2,
            total: 3,
            successes: vec!["h1:8485: success".into()],
            failures: vec![
                "h2:8485: Connection refused".into(),
                "h3:8485: Connection refused".into(),
            ],
        };
        let text = error.to_string();
        assert!(text.starts_with(
            "Got too many exceptions to achieve quorum size 2/3. 1 successful responses:"
        ));
        assert!(text.contains("h2:8485: Connection refused") && text.contains("h3:8485"));
    }
}
