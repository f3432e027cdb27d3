//! One journal on a JournalNode (Hadoop's Journal + JNStorage): the epoch
//! promises that fence old writers, the segments in the NameNode's file
//! format, and the Paxos-style recovery of the last segment.
//!
//! ```text
//! <dfs.journalnode.edits.dir>/<journalId>/current/VERSION
//!                                          edits_<start>-<end>
//!                                          edits_inprogress_<start>
//!                                          last-promised-epoch
//!                                          last-writer-epoch
//!                                          committed-txid
//!                                          paxos/<segment txid>
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use common::RemoteException;
use common::durable::{sync_dir, write_atomically};
use prost::Message;
use proto::hdfs::{
    NamespaceInfo, PersistedRecoveryPaxosData, PrepareRecoveryResponse, RequestInfo, SegmentState,
};
use tracing::{info, warn};

use super::cache::EditsCache;
use crate::editlog::record;
use crate::storage::{finalized_segment_name, inprogress_segment_name};

type Result<T> = std::result::Result<T, RemoteException>;

fn io_failure(what: impl std::fmt::Display) -> impl FnOnce(io::Error) -> RemoteException {
    move |error| RemoteException::io(format!("{what}: {error}"))
}

/// A segment file of the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentFile {
    pub start: u64,
    /// `None` for an in-progress segment.
    pub end: Option<u64>,
}

impl SegmentFile {
    fn name(&self) -> String {
        match self.end {
            Some(end) => finalized_segment_name(self.start, end),
            None => inprogress_segment_name(self.start),
        }
    }

    fn parse(name: &str) -> Option<Self> {
        if let Some(start) = name.strip_prefix("edits_inprogress_") {
            return Some(Self {
                start: start.parse().ok()?,
                end: None,
            });
        }
        let (start, end) = name.strip_prefix("edits_")?.split_once('-')?;
        Some(Self {
            start: start.parse().ok()?,
            end: Some(end.parse().ok()?),
        })
    }
}

/// A journal as the JournalNode's page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalStatus {
    pub journal_id: String,
    /// The cluster it was formatted for; None when not formatted.
    pub cluster_id: Option<String>,
    /// The epoch last promised to a writer, and the epoch of the last writer it took.
    pub last_promised_epoch: u64,
    pub last_writer_epoch: u64,
    /// The last txid a writer said a quorum holds.
    pub committed_txid: u64,
    /// The last txid written here (0 if none).
    pub last_txid: u64,
    /// The segment being written: its first txid.
    pub open_segment: Option<u64>,
    pub segments: Vec<SegmentFile>,
}

struct OpenSegment {
    start: u64,
    file: File,
    next_txid: u64,
}

/// A journal's state; every method runs under the journal's lock and
/// makes what it changed durable before returning.
pub struct Journal {
    journal_id: String,
    root: PathBuf,
    current: PathBuf,
    namespace: Option<NamespaceInfo>,
    last_promised_epoch: u64,
    last_writer_epoch: u64,
    committed_txid: u64,
    current_epoch_ipc_serial: Option<u64>,
    segment: Option<OpenSegment>,
    cache: EditsCache,
}

fn read_number(path: &Path) -> u64 {
    fs::read_to_string(path)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

fn write_number(path: &Path, value: u64) -> io::Result<()> {
    write_atomically(path, format!("{value}\n").as_bytes())
}

fn version_text(ns: &NamespaceInfo) -> String {
    format!(
        "#{}\nnamespaceID={}\nclusterID={}\ncTime={}\nstorageType=JOURNAL_NODE\nblockpoolID={}\nlayoutVersion={}\n",
        chrono::Utc::now().format("%a %b %d %H:%M:%S UTC %Y"),
        ns.namespace_id,
        ns.cluster_id,
        ns.ctime,
        ns.block_pool_id,
        ns.layout_version
    )
}

fn read_version(path: &Path) -> Option<NamespaceInfo> {
    let text = fs::read_to_string(path).ok()?;
    let properties: BTreeMap<&str, &str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect();
    Some(NamespaceInfo {
        namespace_id: properties.get("namespaceID")?.parse().ok()?,
        cluster_id: properties.get("clusterID")?.to_string(),
        block_pool_id: properties.get("blockpoolID").unwrap_or(&"").to_string(),
        ctime: properties
            .get("cTime")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        layout_version: properties
            .get("layoutVersion")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

impl Journal {
    /// Loads journal `journal_id` under `edits_dir` (nothing on disk is a
    /// journal that is not formatted yet).
    pub fn open(edits_dir: &Path, journal_id: &str, cache_bytes: usize) -> Self {
        let root = edits_dir.join(journal_id);
        let current = root.join("current");
        let mut journal = Self {
            journal_id: journal_id.to_string(),
            root,
            current,
            namespace: None,
            last_promised_epoch: 0,
            last_writer_epoch: 0,
            committed_txid: 0,
            current_epoch_ipc_serial: None,
            segment: None,
            cache: EditsCache::new(cache_bytes),
        };
        journal.load();
        journal
    }

    fn load(&mut self) {
        self.namespace = read_version(&self.current.join("VERSION"));
        self.last_promised_epoch = read_number(&self.current.join("last-promised-epoch"));
        self.last_writer_epoch = read_number(&self.current.join("last-writer-epoch"));
        self.committed_txid = read_number(&self.current.join("committed-txid"));
    }

    /// Whether `current/VERSION` exists.
    pub fn is_formatted(&self) -> bool {
        self.namespace.is_some()
    }

    fn check_formatted(&self) -> Result<()> {
        if self.namespace.is_none() {
            return Err(RemoteException::io(format!(
                "Journal Storage Directory {} not formatted ; journal id: {}",
                self.root.display(),
                self.journal_id
            )));
        }
        Ok(())
    }

    fn check_namespace(&self, ns: &NamespaceInfo) -> Result<()> {
        let Some(mine) = &self.namespace else {
            return self.check_formatted();
        };
        if mine.namespace_id != ns.namespace_id {
            return Err(RemoteException::io(format!(
                "Incompatible namespaceID for journal Storage Directory {}: NameNode has nsId {} but storage has nsId {}",
                self.root.display(),
                ns.namespace_id,
                mine.namespace_id
            )));
        }
        if mine.cluster_id != ns.cluster_id {
            return Err(RemoteException::io(format!(
                "Incompatible clusterID for journal Storage Directory {}: NameNode has clusterId '{}' but storage has clusterId '{}'",
                self.root.display(),
                ns.cluster_id,
                mine.cluster_id
            )));
        }
        Ok(())
    }

    /// Formats the journal for `ns`. Without `force`, a journal that holds
    /// anything is refused.
    pub fn format(&mut self, ns: &NamespaceInfo, force: bool) -> Result<()> {
        let has_data = fs::read_dir(&self.current)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false);
        if has_data && !force {
            return Err(RemoteException::io(format!(
                "Directory {} is not empty; refusing to format journal {} without force",
                self.current.display(),
                self.journal_id
            )));
        }
        info!(journal = %self.journal_id, nsid = ns.namespace_id, "Formatting journal");
        self.abort_segment();
        self.cache.clear();
        let fail = io_failure(format!("cannot format {}", self.current.display()));
        if self.current.exists() {
            fs::remove_dir_all(&self.current).map_err(fail)?;
        }
        let fail = io_failure(format!("cannot format {}", self.current.display()));
        fs::create_dir_all(self.current.join("paxos"))
            .and_then(|()| {
                write_atomically(&self.current.join("VERSION"), version_text(ns).as_bytes())
            })
            .and_then(|()| sync_dir(&self.current))
            .and_then(|()| sync_dir(&self.root))
            .map_err(fail)?;
        self.load();
        self.current_epoch_ipc_serial = None;
        Ok(())
    }

    /// The epoch last promised to a writer.
    pub fn last_promised_epoch(&self) -> Result<u64> {
        self.check_formatted()?;
        Ok(self.last_promised_epoch)
    }

    fn update_promise(&mut self, epoch: u64) -> Result<()> {
        info!(journal = %self.journal_id, from = self.last_promised_epoch, to = epoch, "Updating lastPromisedEpoch");
        write_number(&self.current.join("last-promised-epoch"), epoch)
            .map_err(io_failure("cannot persist last-promised-epoch"))?;
        self.last_promised_epoch = epoch;
        self.current_epoch_ipc_serial = None;
        // Cached edits of an older writer may never be committed: a reader
        // must not get them from here once a newer writer exists.
        self.cache.clear();
        Ok(())
    }

    /// Promises `epoch` to a new writer (no call of an older epoch is
    /// served after this); returns the first txid of the newest segment.
    pub fn new_epoch(&mut self, ns: &NamespaceInfo, epoch: u64) -> Result<u64> {
        self.check_formatted()?;
        self.check_namespace(ns)?;
        if epoch <= self.last_promised_epoch {
            return Err(RemoteException::io(format!(
                "Proposed epoch {epoch} <= last promise {} ; journal id: {}",
                self.last_promised_epoch, self.journal_id
            )));
        }
        self.update_promise(epoch)?;
        self.abort_segment();
        Ok(self.segments()?.last().map_or(0, |segment| segment.start))
    }

    fn check_request(&mut self, request: &RequestInfo) -> Result<()> {
        self.check_formatted()?;
        if request.epoch < self.last_promised_epoch {
            return Err(RemoteException::io(format!(
                "IPC's epoch {} is less than the last promised epoch {} ; journal id: {}",
                request.epoch, self.last_promised_epoch, self.journal_id
            )));
        }
        if request.epoch > self.last_promised_epoch {
            self.update_promise(request.epoch)?;
        }
        if let Some(highest) = self.current_epoch_ipc_serial
            && request.ipc_serial_number <= highest
        {
            return Err(RemoteException::io(format!(
                "IPC serial {} from client was not higher than prior highest IPC serial {highest} ; journal id: {}",
                request.ipc_serial_number, self.journal_id
            )));
        }
        self.current_epoch_ipc_serial = Some(request.ipc_serial_number);
        if request.committed_txid > self.committed_txid {
            self.committed_txid = request.committed_txid;
            // Best effort, as Hadoop's BestEffortLongFile: a sanity check
            // for recovery, not a durability promise.
            let _ = fs::write(
                self.current.join("committed-txid"),
                format!("{}\n", self.committed_txid),
            );
        }
        Ok(())
    }

    fn check_write_request(&mut self, request: &RequestInfo) -> Result<()> {
        self.check_request(request)?;
        if request.epoch != self.last_writer_epoch {
            return Err(RemoteException::io(format!(
                "IPC's epoch {} is not the current writer epoch  {} ; journal id: {}",
                request.epoch, self.last_writer_epoch, self.journal_id
            )));
        }
        Ok(())
    }

    fn out_of_sync(&self, message: String) -> RemoteException {
        RemoteException::io(format!("{message} ; journal id: {}", self.journal_id))
    }

    fn abort_segment(&mut self) {
        if let Some(segment) = self.segment.take() {
            info!(journal = %self.journal_id, start = segment.start, "aborting the open segment");
        }
    }

    /// What the page shows of this journal (lists its segments).
    pub fn status(&self) -> JournalStatus {
        let segments = self.segments().unwrap_or_default();
        let last_txid = match &self.segment {
            Some(open) => open.next_txid.saturating_sub(1),
            None => segments
                .iter()
                .filter_map(|segment| segment.end)
                .max()
                .unwrap_or(0),
        };
        JournalStatus {
            journal_id: self.journal_id.clone(),
            cluster_id: self.namespace.as_ref().map(|ns| ns.cluster_id.clone()),
            last_promised_epoch: self.last_promised_epoch,
            last_writer_epoch: self.last_writer_epoch,
            committed_txid: self.committed_txid,
            last_txid,
            open_segment: self.segment.as_ref().map(|open| open.start),
            segments,
        }
    }

    /// Every segment file, by start txid.
    pub fn segments(&self) -> Result<Vec<SegmentFile>> {
        let mut segments: Vec<SegmentFile> = match fs::read_dir(&self.current) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok())
                .filter_map(|entry| SegmentFile::parse(&entry.file_name().to_string_lossy()))
                .collect(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(io_failure("cannot list the journal")(error)),
        };
        segments.sort_by_key(|segment| (segment.start, segment.end.is_none()));
        Ok(segments)
    }

    fn segment_file(&self, start: u64) -> Result<Option<SegmentFile>> {
        Ok(self
            .segments()?
            .into_iter()
            .find(|segment| segment.start == start))
    }

    /// The file of segment `start` (finalized first), to serve it.
    pub fn segment_path(&self, start: u64) -> Result<Option<PathBuf>> {
        self.check_formatted()?;
        Ok(self
            .segment_file(start)?
            .map(|segment| self.current.join(segment.name())))
    }

    /// Last txid and valid length of an in-progress segment on disk.
    fn scan(&self, start: u64) -> Result<record::SegmentScan> {
        let path = self.current.join(inprogress_segment_name(start));
        record::read_segment(&path, start, |_| Ok::<(), RemoteException>(()))
            .map_err(|error| RemoteException::io(error.to_string()))
    }

    /// What this journal holds of segment `start`; an in-progress segment
    /// with no record is removed and counts as absent (as Hadoop's).
    fn segment_info(&mut self, start: u64) -> Result<Option<SegmentState>> {
        let Some(file) = self.segment_file(start)? else {
            return Ok(None);
        };
        if let Some(end) = file.end {
            return Ok(Some(SegmentState {
                start_txid: start,
                end_txid: end,
                is_in_progress: false,
            }));
        }
        let scan = self.scan(start)?;
        if scan.last_txid < start {
            warn!(journal = %self.journal_id, start, "Edit log file appears to be empty. Removing it");
            fs::remove_file(self.current.join(file.name()))
                .and_then(|()| sync_dir(&self.current))
                .map_err(io_failure("cannot remove an empty segment"))?;
            return Ok(None);
        }
        Ok(Some(SegmentState {
            start_txid: start,
            end_txid: scan.last_txid,
            is_in_progress: true,
        }))
    }

    /// Opens segment `txid` for the writer of `request`'s epoch.
    pub fn start_log_segment(&mut self, request: &RequestInfo, txid: u64) -> Result<()> {
        self.check_request(request)?;
        if let Some(open) = &self.segment {
            warn!(journal = %self.journal_id, requested = txid, writing = open.start,
                "Client is requesting a new log segment though we are already writing one; aborting the current segment");
            self.abort_segment();
        }
        if let Some(existing) = self.segment_file(txid)? {
            if existing.end.is_some() {
                return Err(self.out_of_sync(format!(
                    "Already have a finalized segment {} beginning at {txid}",
                    existing.name()
                )));
            }
            warn!(journal = %self.journal_id, txid, "replacing an unfinalized segment that recovery did not keep");
        }
        if self.last_writer_epoch != request.epoch {
            write_number(&self.current.join("last-writer-epoch"), request.epoch)
                .map_err(io_failure("cannot persist last-writer-epoch"))?;
            self.last_writer_epoch = request.epoch;
        }
        let path = self.current.join(inprogress_segment_name(txid));
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(io_failure(format!("cannot create {}", path.display())))?;
        file.write_all(&record::file_header())
            .and_then(|()| file.sync_all())
            .and_then(|()| sync_dir(&self.current))
            .map_err(io_failure(format!("cannot write {}", path.display())))?;
        self.segment = Some(OpenSegment {
            start: txid,
            file,
            next_txid: txid,
        });
        Ok(())
    }

    /// Appends a batch of framed records to the open segment, durably.
    pub fn journal(
        &mut self,
        request: &RequestInfo,
        segment_txid: u64,
        first_txid: u64,
        count: u32,
        records: &[u8],
    ) -> Result<()> {
        self.check_write_request(request)?;
        let journal_id = self.journal_id.clone();
        let Some(segment) = self.segment.as_mut() else {
            return Err(self.out_of_sync("Can't write, no segment open".into()));
        };
        if segment.start != segment_txid {
            let message = format!(
                "Writer wrote to segment {segment_txid} but the open segment is {}",
                segment.start
            );
            return Err(self.out_of_sync(message));
        }
        if segment.next_txid != first_txid {
            let message = format!(
                "Can't write txid {first_txid} expecting nextTxId={}",
                segment.next_txid
            );
            return Err(self.out_of_sync(message));
        }
        let frames = record::split_framed(records, usize::MAX).map_err(|reason| {
            RemoteException::io(format!("bad edits from the writer: {reason}"))
        })?;
        if frames.len() != count as usize {
            return Err(RemoteException::io(format!(
                "the writer sent {} records but said {count} ; journal id: {journal_id}",
                frames.len()
            )));
        }
        if let Err(error) = segment
            .file
            .write_all(records)
            .and_then(|()| segment.file.sync_data())
        {
            self.segment = None;
            return Err(RemoteException::io(format!(
                "cannot write segment {segment_txid}: {error} ; journal id: {journal_id}"
            )));
        }
        segment.next_txid += u64::from(count);
        self.cache.store(first_txid, frames);
        Ok(())
    }

    /// A writer's liveness call: refuses an old epoch like any other.
    pub fn heartbeat(&mut self, request: &RequestInfo) -> Result<()> {
        self.check_request(request)
    }

    /// Renames segment `start` to `edits_<start>-<end>` (idempotent).
    pub fn finalize_log_segment(
        &mut self,
        request: &RequestInfo,
        start: u64,
        end: u64,
    ) -> Result<()> {
        self.check_request(request)?;
        if let Some(open) = &self.segment
            && open.start == start
        {
            let written = open.next_txid - 1;
            self.segment = None;
            if written != end {
                return Err(self.out_of_sync(format!(
                    "Trying to finalize in-progress log segment {start} to end at txid {end} but only written up to txid {written}"
                )));
            }
        }
        let Some(file) = self.segment_file(start)? else {
            return Err(
                self.out_of_sync(format!("No log file to finalize at transaction ID {start}"))
            );
        };
        match file.end {
            Some(existing) if existing == end => {}
            Some(existing) => {
                return Err(RemoteException::illegal_argument(format!(
                    "Trying to re-finalize already finalized log {} with different endTxId {end} (has {existing})",
                    file.name()
                )));
            }
            None => {
                let scan = self.scan(start)?;
                if scan.last_txid != end {
                    return Err(self.out_of_sync(format!(
                        "Trying to finalize in-progress log segment {start} to end at txid {end} but log {} on disk only contains up to txid {}",
                        file.name(),
                        scan.last_txid
                    )));
                }
                self.finalize_file(start, end, scan.valid_len)?;
            }
        }
        self.purge_paxos(start);
        Ok(())
    }

    /// Cuts any torn tail off and renames the in-progress file, durably.
    fn finalize_file(&self, start: u64, end: u64, valid_len: u64) -> Result<()> {
        let from = self.current.join(inprogress_segment_name(start));
        let to = self.current.join(finalized_segment_name(start, end));
        let fail = io_failure(format!("cannot finalize {}", from.display()));
        (|| {
            let file = OpenOptions::new().write(true).open(&from)?;
            if file.metadata()?.len() != valid_len {
                file.set_len(valid_len)?;
                file.sync_all()?;
            }
            fs::rename(&from, &to)?;
            sync_dir(&self.current)
        })()
        .map_err(fail)
    }

    fn paxos_path(&self, segment_txid: u64) -> PathBuf {
        self.current.join("paxos").join(segment_txid.to_string())
    }

    fn sync_temp_path(&self, segment_txid: u64, epoch: u64) -> PathBuf {
        self.current.join("paxos").join(format!(
            "{}.epoch={epoch}",
            inprogress_segment_name(segment_txid)
        ))
    }

    fn purge_paxos(&self, segment_txid: u64) {
        let _ = fs::remove_file(self.paxos_path(segment_txid));
    }

    fn paxos(&self, segment_txid: u64) -> Result<Option<PersistedRecoveryPaxosData>> {
        match fs::read(self.paxos_path(segment_txid)) {
            Ok(bytes) => PersistedRecoveryPaxosData::decode(bytes.as_slice())
                .map(Some)
                .map_err(|error| {
                    RemoteException::io(format!("bad paxos data for {segment_txid}: {error}"))
                }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_failure("cannot read paxos data")(error)),
        }
    }

    /// Removes segments (and recovery data) ending before `min_txid_to_keep`.
    pub fn purge_logs(&mut self, request: &RequestInfo, min_txid_to_keep: u64) -> Result<()> {
        self.check_write_request(request)?;
        let open = self.segment.as_ref().map(|segment| segment.start);
        for segment in self.segments()? {
            let last = match segment.end {
                Some(end) => end,
                None if Some(segment.start) == open => continue,
                None => self.scan(segment.start)?.last_txid,
            };
            if last < min_txid_to_keep {
                info!(journal = %self.journal_id, file = %segment.name(), "purging old edit log");
                let _ = fs::remove_file(self.current.join(segment.name()));
                self.purge_paxos(segment.start);
            }
        }
        sync_dir(&self.current).map_err(io_failure("cannot purge logs"))
    }

    /// The segments holding txids from `since_txid` on; the in-progress
    /// one (up to its last written txid) with `in_progress_ok`.
    pub fn manifest(&self, since_txid: u64, in_progress_ok: bool) -> Result<Vec<SegmentState>> {
        self.check_formatted()?;
        let mut logs = Vec::new();
        for segment in self.segments()? {
            let (end, in_progress) = match segment.end {
                Some(end) => (end, false),
                None if !in_progress_ok => continue,
                None => match &self.segment {
                    Some(open) if open.start == segment.start => (open.next_txid - 1, true),
                    _ => (self.scan(segment.start)?.last_txid, true),
                },
            };
            if end >= since_txid && end >= segment.start {
                logs.push(SegmentState {
                    start_txid: segment.start,
                    end_txid: end,
                    is_in_progress: in_progress,
                });
            }
        }
        Ok(logs)
    }

    /// Up to `max_txns` recent records from `since_txid` on, from memory.
    pub fn journaled_edits(&self, since_txid: u64, max_txns: u32) -> Result<(u32, Vec<u8>)> {
        self.check_formatted()?;
        self.cache
            .read(since_txid, max_txns)
            .map_err(RemoteException::io)
    }

    /// Phase one of recovering segment `segment_txid`: what this journal
    /// holds of it, and what it accepted in an earlier recovery.
    pub fn prepare_recovery(
        &mut self,
        request: &RequestInfo,
        segment_txid: u64,
    ) -> Result<PrepareRecoveryResponse> {
        self.check_request(request)?;
        self.abort_segment();
        self.cache.clear();
        let previously_accepted = self.paxos(segment_txid)?;
        if let Some(accepted) = &previously_accepted {
            self.complete_half_done_accept(segment_txid, accepted.accepted_in_epoch)?;
        }
        let segment = self.segment_info(segment_txid)?;
        let finalized = segment.as_ref().is_some_and(|state| !state.is_in_progress);
        let mut response = PrepareRecoveryResponse {
            segment_state: segment,
            accepted_in_epoch: 0,
            last_writer_epoch: self.last_writer_epoch,
            last_committed_txid: self.committed_txid,
        };
        if let Some(accepted) = previously_accepted
            && !finalized
        {
            response.accepted_in_epoch = accepted.accepted_in_epoch;
            response.segment_state = accepted.segment_state;
        }
        Ok(response)
    }

    fn complete_half_done_accept(&self, segment_txid: u64, epoch: u64) -> Result<()> {
        let temp = self.sync_temp_path(segment_txid, epoch);
        if temp.exists() {
            info!(journal = %self.journal_id, segment_txid, "rolling forward a previously half-completed synchronization");
            fs::rename(
                &temp,
                self.current.join(inprogress_segment_name(segment_txid)),
            )
            .and_then(|()| sync_dir(&self.current))
            .map_err(io_failure("cannot complete an accepted recovery"))?;
        }
        Ok(())
    }

    /// Whether accepting `segment` needs its records from another
    /// JournalNode (this one lacks them or holds a different length);
    /// refuses what would break the protocol.
    pub fn accept_needs_download(
        &mut self,
        request: &RequestInfo,
        segment: &SegmentState,
    ) -> Result<bool> {
        self.check_request(request)?;
        self.abort_segment();
        if segment.end_txid < segment.start_txid || segment.end_txid == 0 {
            return Err(RemoteException::illegal_argument(format!(
                "bad recovery state for segment {}: {segment:?} ; journal id: {}",
                segment.start_txid, self.journal_id
            )));
        }
        if let Some(old) = self.paxos(segment.start_txid)?
            && old.accepted_in_epoch > request.epoch
        {
            return Err(RemoteException::io(format!(
                "Bad paxos transition, out-of-order epochs. Old: accepted in {}, New: {}",
                old.accepted_in_epoch, request.epoch
            )));
        }
        let Some(current) = self.segment_info(segment.start_txid)? else {
            info!(journal = %self.journal_id, segment = segment.start_txid, "Synchronizing log: no current segment in place");
            return Ok(true);
        };
        if current.end_txid == segment.end_txid {
            info!(journal = %self.journal_id, segment = segment.start_txid, "Skipping download of log: already have up-to-date logs");
            return Ok(false);
        }
        let committed = self.committed_txid;
        let contains =
            |state: &SegmentState| (state.start_txid..=state.end_txid).contains(&committed);
        if committed > 0 && contains(&current) && !contains(segment) {
            return Err(RemoteException::io(format!(
                "Cannot replace segment {current:?} with new segment {segment:?}: would discard already-committed txn {committed}"
            )));
        }
        if !current.is_in_progress {
            return Err(RemoteException::io(
                "Should never be asked to synchronize a different log on top of an already-finalized segment",
            ));
        }
        info!(journal = %self.journal_id, segment = segment.start_txid, "Synchronizing log: old segment is not the right length");
        Ok(true)
    }

    /// Phase two: records `segment` as accepted in `request`'s epoch and,
    /// when `downloaded` (the segment file's bytes) is given, puts those
    /// records in place of this journal's copy.
    pub fn accept_recovery(
        &mut self,
        request: &RequestInfo,
        segment: &SegmentState,
        downloaded: Option<Vec<u8>>,
    ) -> Result<()> {
        if request.epoch < self.last_promised_epoch {
            return Err(RemoteException::io(format!(
                "IPC's epoch {} is less than the last promised epoch {} ; journal id: {}",
                request.epoch, self.last_promised_epoch, self.journal_id
            )));
        }
        let temp = match downloaded {
            Some(bytes) => {
                let wanted = usize::try_from(segment.end_txid - segment.start_txid + 1)
                    .unwrap_or(usize::MAX);
                let header = record::file_header();
                if bytes.len() < header.len() || bytes[..header.len()] != header {
                    return Err(RemoteException::io(
                        "downloaded segment is not an edit log file",
                    ));
                }
                let frames =
                    record::split_framed(&bytes[header.len()..], wanted).map_err(|reason| {
                        RemoteException::io(format!("bad downloaded segment: {reason}"))
                    })?;
                if frames.len() < wanted {
                    return Err(RemoteException::io(format!(
                        "downloaded segment {} holds {} txns, expected {wanted}",
                        segment.start_txid,
                        frames.len()
                    )));
                }
                let mut content = header.to_vec();
                for frame in frames {
                    content.extend_from_slice(frame);
                }
                let temp = self.sync_temp_path(segment.start_txid, request.epoch);
                write_atomically(&temp, &content)
                    .map_err(io_failure("cannot store the downloaded segment"))?;
                Some(temp)
            }
            None => None,
        };
        let data = PersistedRecoveryPaxosData {
            segment_state: Some(*segment),
            accepted_in_epoch: request.epoch,
        };
        write_atomically(&self.paxos_path(segment.start_txid), &data.encode_to_vec())
            .map_err(io_failure("cannot persist paxos data"))?;
        if let Some(temp) = temp {
            fs::rename(
                &temp,
                self.current
                    .join(inprogress_segment_name(segment.start_txid)),
            )
            .and_then(|()| sync_dir(&self.current))
            .map_err(io_failure("cannot put the accepted segment in place"))?;
        }
        info!(journal = %self.journal_id, segment = segment.start_txid, end = segment.end_txid, epoch = request.epoch, "accepted recovery");
        Ok(())
    }

    /// Puts a finalized segment downloaded from a peer in place (the
    /// syncer), replacing a stale unfinalized copy of it.
    pub fn install_finalized(&mut self, start: u64, end: u64, bytes: &[u8]) -> Result<bool> {
        self.check_formatted()?;
        if self.segment.as_ref().is_some_and(|open| open.start <= end) {
            return Ok(false);
        }
        if let Some(existing) = self.segment_file(start)?
            && existing.end.is_some()
        {
            return Ok(false);
        }
        let wanted = usize::try_from(end + 1 - start).unwrap_or(usize::MAX);
        let header = record::file_header();
        if bytes.len() < header.len() || bytes[..header.len()] != header {
            return Err(RemoteException::io(
                "downloaded segment is not an edit log file",
            ));
        }
        let frames = record::split_framed(&bytes[header.len()..], wanted)
            .map_err(|reason| RemoteException::io(format!("bad downloaded segment: {reason}")))?;
        if frames.len() != wanted {
            return Err(RemoteException::io(format!(
                "downloaded segment {start}-{end} holds {} txns",
                frames.len()
            )));
        }
        let mut content = header.to_vec();
        for frame in frames {
            content.extend_from_slice(frame);
        }
        write_atomically(
            &self.current.join(finalized_segment_name(start, end)),
            &content,
        )
        .map_err(io_failure("cannot store a synced segment"))?;
        let stale = self.current.join(inprogress_segment_name(start));
        if stale.exists() {
            let _ = fs::remove_file(&stale);
            let _ = sync_dir(&self.current);
        }
        info!(journal = %self.journal_id, start, end, "synced a finalized segment from a peer");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use proto::namenode_storage::EditRecord;
    use proto::namenode_storage::edit_record::Op;

    use super::*;

    fn ns(id: u64) -> NamespaceInfo {
        NamespaceInfo {
            namespace_id: id,
            cluster_id: "CID-test".into(),
            block_pool_id: "BP-test".into(),
            ctime: 0,
            layout_version: crate::storage::LAYOUT_VERSION,
        }
    }

    fn request(epoch: u64, serial: u64) -> RequestInfo {
        RequestInfo {
            journal_id: "j".into(),
            epoch,
            ipc_serial_number: serial,
            committed_txid: 0,
            name_service_id: String::new(),
        }
    }

    fn records(first: u64, count: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        for txid in first..first + count {
            let op = Op::Mkdir(Default::default());
            record::encode(
                &EditRecord {
                    txid,
                    op: Some(op),
                    ..Default::default()
                },
                &mut bytes,
            );
        }
        bytes
    }

    #[test]
    fn unformatted_and_foreign_journals_are_refused_in_hadoops_words() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path(), "j", 1 << 20);
        let error = journal.new_epoch(&ns(1), 1).unwrap_err().to_string();
        assert!(error.starts_with("Journal Storage Directory "), "{error}");
        assert!(error.ends_with("not formatted ; journal id: j"), "{error}");
        journal.format(&ns(1), false).unwrap();
        let error = journal.new_epoch(&ns(2), 1).unwrap_err().to_string();
        assert!(
            error.contains("Incompatible namespaceID for journal"),
            "{error}"
        );
        assert!(
            error.contains("NameNode has nsId 2 but storage has nsId 1"),
            "{error}"
        );
        assert!(
            journal.format(&ns(2), false).is_err(),
            "formatted without force"
        );
    }

    #[test]
    fn epochs_fence_older_writers() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path(), "j", 1 << 20);
        journal.format(&ns(1), false).unwrap();
        assert_eq!(journal.new_epoch(&ns(1), 45).unwrap(), 0);
        journal.start_log_segment(&request(45, 0), 1).unwrap();
        journal
            .journal(&request(45, 1), 1, 1, 2, &records(1, 2))
            .unwrap();
        assert_eq!(journal.new_epoch(&ns(1), 46).unwrap(), 1);
        let error = journal
            .journal(&request(45, 2), 1, 3, 1, &records(3, 1))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "IPC's epoch 45 is less than the last promised epoch 46 ; journal id: j"
        );
        let error = journal.new_epoch(&ns(1), 46).unwrap_err().to_string();
        assert!(
            error.starts_with("Proposed epoch 46 <= last promise 46"),
            "{error}"
        );
        // The promise survives a restart.
        let reopened = Journal::open(dir.path(), "j", 1 << 20);
        assert_eq!(reopened.last_promised_epoch().unwrap(), 46);
    }

    #[test]
    fn writes_must_follow_on_and_finalize_checks_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path(), "j", 1 << 20);
        journal.format(&ns(1), false).unwrap();
        journal.new_epoch(&ns(1), 1).unwrap();
        journal.start_log_segment(&request(1, 0), 1).unwrap();
        journal
            .journal(&request(1, 1), 1, 1, 3, &records(1, 3))
            .unwrap();
        let error = journal
            .journal(&request(1, 2), 1, 5, 1, &records(5, 1))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("Can't write txid 5 expecting nextTxId=4"),
            "{error}"
        );
        let error = journal
            .journal(&request(1, 2), 1, 4, 1, &records(4, 1))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("not higher than prior highest IPC serial 2"),
            "{error}"
        );
        assert_eq!(journal.journaled_edits(2, 10).unwrap().0, 2);
        let error = journal
            .finalize_log_segment(&request(1, 3), 1, 5)
            .unwrap_err()
            .to_string();
        assert!(error.contains("but only written up to txid 3"), "{error}");
        journal.finalize_log_segment(&request(1, 4), 1, 3).unwrap();
        journal.finalize_log_segment(&request(1, 5), 1, 3).unwrap();
        assert_eq!(
            journal.manifest(0, true).unwrap(),
            vec![SegmentState {
                start_txid: 1,
                end_txid: 3,
                is_in_progress: false
            }]
        );
    }
}
