//! The shared edits of an HA pair (`dfs.namenode.shared.edits.dir`): the
//! active writes every transaction there as well as in its name dirs, the
//! standby reads them. A `qjournal://` URI names a quorum of JournalNodes
//! (the active is the quorum's writer, fencing any former one by epoch); a
//! `file://` URI (or a plain path) names a directory both NameNodes mount,
//! as Hadoop's shared-storage HA does: its `current/` holds edit segments
//! with the name dirs' file names.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use common::Configuration;
use common::conf::{ConfError, keys};
use proto::namenode_storage::EditRecord;
use tokio::runtime::Handle;
use tracing::{info, warn};

use crate::editlog::record::{self, SegmentError};
use crate::editlog::{Journal, finalize_segment};
use crate::qjournal::{QuorumError, QuorumJournal};
use crate::storage::{
    self, LAYOUT_VERSION, StorageError, StorageInfo, inprogress_segment_name, sync_dir,
};

/// Where the shared edits are.
#[derive(Clone)]
pub enum SharedEdits {
    /// A quorum of JournalNodes.
    Quorum(QuorumJournal),
    /// A directory on shared storage.
    Dir(PathBuf),
}

impl fmt::Debug for SharedEdits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Quorum(quorum) => write!(
                f,
                "qjournal://{}/{}",
                quorum.addresses().join(";"),
                quorum.journal_id()
            ),
            Self::Dir(root) => write!(f, "file://{}", root.display()),
        }
    }
}

fn quorum_error(quorum: &QuorumJournal, error: QuorumError) -> StorageError {
    StorageError::Invalid(format!(
        "shared edits qjournal://{}/{}: {error}",
        quorum.addresses().join(";"),
        quorum.journal_id()
    ))
}

/// What the JournalNodes check a writer's namespace against.
fn namespace_info(info: &StorageInfo) -> proto::hdfs::NamespaceInfo {
    proto::hdfs::NamespaceInfo {
        namespace_id: info.namespace_id,
        cluster_id: info.cluster_id.clone(),
        block_pool_id: info.block_pool_id.clone(),
        ctime: info.ctime,
        layout_version: LAYOUT_VERSION,
    }
}

impl SharedEdits {
    /// Parses `dfs.namenode.shared.edits.dir` (`conf` has the quorum's timeouts).
    pub fn from_uri(uri: &str, conf: &Configuration) -> Result<Self, ConfError> {
        let uri = uri.trim();
        let invalid = |expected: String| ConfError::Invalid {
            key: keys::DFS_NAMENODE_SHARED_EDITS_DIR.into(),
            value: uri.to_string(),
            expected,
        };
        if uri.starts_with("qjournal://") {
            return QuorumJournal::from_uri(uri, conf)
                .map(Self::Quorum)
                .map_err(|error| match error {
                    QuorumError::Config(error) => error,
                    other => invalid(other.to_string()),
                });
        }
        if let Some(path) = uri.strip_prefix("file://") {
            return Ok(Self::Dir(PathBuf::from(path)));
        }
        if uri.starts_with('/') {
            return Ok(Self::Dir(PathBuf::from(uri)));
        }
        Err(invalid("a qjournal:// or file:// URI".into()))
    }

    /// Makes the shared edits usable: a directory gets its `current/`; a
    /// quorum must be formatted. Blocking (runs on a blocking thread of the
    /// runtime).
    pub fn prepare(&self) -> Result<(), StorageError> {
        match self {
            Self::Quorum(quorum) => {
                let runtime = Handle::try_current().map_err(|_| {
                    StorageError::Invalid("a quorum journal needs the tokio runtime".into())
                })?;
                let formatted = runtime
                    .block_on(quorum.is_formatted())
                    .map_err(|error| quorum_error(quorum, error))?;
                if formatted {
                    return Ok(());
                }
                Err(StorageError::Invalid(format!(
                    "Journal qjournal://{}/{} is not formatted on the JournalNodes {}: run `hdfs namenode -format` or `hdfs namenode -initializeSharedEdits`",
                    quorum.addresses().join(";"),
                    quorum.journal_id(),
                    quorum.addresses().join(", ")
                )))
            }
            Self::Dir(root) => {
                let current = root.join("current");
                fs::create_dir_all(&current).map_err(|source| StorageError::Io {
                    context: format!("cannot create shared edits dir {}", current.display()),
                    source,
                })
            }
        }
    }

    /// The active's edit log: a new segment at `start_txid` in `current_dirs`
    /// (the name dirs) and on the shared edits. Blocking.
    pub fn open_journal(
        &self,
        current_dirs: &[PathBuf],
        start_txid: u64,
    ) -> std::io::Result<Journal> {
        match self {
            Self::Quorum(quorum) => {
                Journal::open_segment(current_dirs, start_txid)?.with_quorum(quorum.clone())
            }
            Self::Dir(root) => {
                let mut dirs = current_dirs.to_vec();
                dirs.push(root.join("current"));
                Journal::open_segment(&dirs, start_txid)
            }
        }
    }

    /// Every record after `since_txid`, in order: finalized segments, and the
    /// valid prefix of the one in progress when `in_progress_ok`.
    pub async fn read_edits(
        &self,
        since_txid: u64,
        in_progress_ok: bool,
    ) -> Result<Vec<EditRecord>, StorageError> {
        match self {
            Self::Quorum(quorum) => quorum
                .read_edits(since_txid, in_progress_ok)
                .await
                .map_err(|error| quorum_error(quorum, error)),
            Self::Dir(root) => {
                let current = root.join("current");
                tokio::task::spawn_blocking(move || {
                    read_dir_edits(&current, since_txid, in_progress_ok)
                })
                .await
                .map_err(|error| StorageError::Invalid(format!("reading shared edits: {error}")))?
            }
        }
    }

    /// Makes the shared edits ready for a new writer: on a quorum, a new
    /// epoch fences the former writer and its unfinalized segment is
    /// recovered; in a directory, the segment a former active left in
    /// progress is cut to its valid records and finalized. Returns the last
    /// txid they hold.
    pub async fn recover_for_write(&self, info: &StorageInfo) -> Result<u64, StorageError> {
        match self {
            Self::Quorum(quorum) => quorum
                .recover_for_write(&namespace_info(info))
                .await
                .map_err(|error| quorum_error(quorum, error)),
            Self::Dir(root) => {
                let current = root.join("current");
                tokio::task::spawn_blocking(move || recover_dir(&current))
                    .await
                    .map_err(|error| {
                        StorageError::Invalid(format!("recovering shared edits: {error}"))
                    })?
            }
        }
    }
}

fn read_dir_edits(
    current: &Path,
    since_txid: u64,
    in_progress_ok: bool,
) -> Result<Vec<EditRecord>, StorageError> {
    let listing = storage::list_files(&[current.to_path_buf()])?;
    let mut records = Vec::new();
    let mut collect = |record: EditRecord| {
        if record.txid > since_txid {
            records.push(record);
        }
        Ok::<_, std::convert::Infallible>(())
    };
    for (&start, copies) in &listing.finalized {
        let (end, path) = &copies[0];
        if *end <= since_txid {
            continue;
        }
        read_ignoring_vanished(path, start, &mut collect)?;
    }
    if in_progress_ok
        && let Some((&start, copies)) = listing.inprogress.iter().next_back()
        && !listing.finalized.contains_key(&start)
    {
        read_ignoring_vanished(&copies[0], start, &mut collect)?;
    }
    Ok(records)
}

/// Reads a segment; one renamed meanwhile (the writer finalized it) is read
/// on the next round.
fn read_ignoring_vanished(
    path: &Path,
    start: u64,
    collect: &mut impl FnMut(EditRecord) -> Result<(), std::convert::Infallible>,
) -> Result<(), StorageError> {
    match record::read_segment(path, start, collect) {
        Ok(_) => Ok(()),
        Err(SegmentError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

fn recover_dir(current: &Path) -> Result<u64, StorageError> {
    let listing = storage::list_files(&[current.to_path_buf()])?;
    let mut last = listing
        .finalized
        .values()
        .map(|copies| copies[0].0)
        .max()
        .unwrap_or(0);
    for (&start, copies) in &listing.inprogress {
        let path = &copies[0];
        if listing.finalized.contains_key(&start) || start <= last {
            continue;
        }
        let scan = record::read_segment(path, start, |_| Ok::<_, std::convert::Infallible>(()))?;
        let io = |context: String| {
            move |source| StorageError::Io {
                context: context.clone(),
                source,
            }
        };
        if scan.last_txid < start {
            fs::remove_file(path).map_err(io(format!("cannot remove {}", path.display())))?;
            sync_dir(current).map_err(io(format!("cannot sync {}", current.display())))?;
            continue;
        }
        if scan.torn_tail {
            warn!("{}", scan.describe_cut(path, start));
            let file = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io(format!("cannot open {}", path.display())))?;
            file.set_len(scan.valid_len)
                .and_then(|()| file.sync_all())
                .map_err(io(format!("cannot cut {}", path.display())))?;
        }
        finalize_segment(current, start, scan.last_txid).map_err(io(format!(
            "cannot finalize {}",
            inprogress_segment_name(start)
        )))?;
        info!(
            start,
            end = scan.last_txid,
            "finalized the in-progress shared edit segment"
        );
        last = last.max(scan.last_txid);
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editlog::record::{encode, file_header};
    use crate::storage::finalized_segment_name;
    use proto::namenode_storage::MkdirOp;
    use proto::namenode_storage::edit_record::Op;

    fn segment(path: &Path, txids: std::ops::RangeInclusive<u64>) {
        let mut bytes = file_header().to_vec();
        for txid in txids {
            encode(
                &EditRecord {
                    txid,
                    op: Some(Op::Mkdir(MkdirOp {
                        path: format!("/d{txid}"),
                        ..Default::default()
                    })),
                    ..Default::default()
                },
                &mut bytes,
            );
        }
        fs::write(path, bytes).unwrap();
    }

    #[tokio::test]
    async fn reads_finalized_and_in_progress_records_after_a_txid() {
        let root = tempfile::tempdir().unwrap();
        let shared = SharedEdits::from_uri(
            &format!("file://{}", root.path().display()),
            &Configuration::new(),
        )
        .unwrap();
        shared.prepare().unwrap();
        let current = root.path().join("current");
        segment(&current.join(finalized_segment_name(1, 3)), 1..=3);
        segment(&current.join(inprogress_segment_name(4)), 4..=5);
        let txids = |records: Vec<EditRecord>| records.iter().map(|r| r.txid).collect::<Vec<_>>();
        assert_eq!(txids(shared.read_edits(2, false).await.unwrap()), [3]);
        assert_eq!(txids(shared.read_edits(2, true).await.unwrap()), [3, 4, 5]);
        let info = StorageInfo {
            namespace_id: 1,
            cluster_id: "CID-1".into(),
            block_pool_id: "BP-1".into(),
            ctime: 0,
        };
        assert_eq!(shared.recover_for_write(&info).await.unwrap(), 5);
        assert!(current.join(finalized_segment_name(4, 5)).exists());
        assert_eq!(
            txids(shared.read_edits(0, false).await.unwrap()),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn an_unknown_scheme_is_refused() {
        let error = SharedEdits::from_uri("hdfs://elsewhere/edits", &Configuration::new())
            .unwrap_err()
            .to_string();
        assert!(error.contains("dfs.namenode.shared.edits.dir"), "{error}");
    }
}
