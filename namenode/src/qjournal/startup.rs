//! A NameNode starting on a quorum journal (non-HA): become the writer,
//! make the local name dirs agree with the quorum, and write on from there.
//!
//! The quorum is the truth: the local in-progress segment may hold edits
//! that never reached a majority (written beside a failed quorum write, so
//! never acknowledged); they are cut off. Edits the quorum has beyond the
//! local dirs (a lost or older name dir) are applied and written locally.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use proto::hdfs::NamespaceInfo;
use tracing::{info, warn};

use super::{QuorumError, QuorumJournal};
use crate::editlog::{Journal, record};
use crate::namespace::Namespace;
use crate::storage::{
    LAYOUT_VERSION, StorageError, StorageInfo, finalized_segment_name, inprogress_segment_name,
    sync_dir,
};

/// What a NameNode's namespace is, as the JournalNodes check it.
pub(crate) fn namespace_info(info: &StorageInfo) -> NamespaceInfo {
    NamespaceInfo {
        namespace_id: info.namespace_id,
        cluster_id: info.cluster_id.clone(),
        block_pool_id: info.block_pool_id.clone(),
        ctime: info.ctime,
        layout_version: LAYOUT_VERSION,
    }
}

fn quorum_error(quorum: &QuorumJournal, error: QuorumError) -> StorageError {
    StorageError::Invalid(format!(
        "shared edits qjournal://{}/{}: {error}",
        quorum.addresses().join(";"),
        quorum.journal_id()
    ))
}

/// The NameNode's side of startup on a quorum journal.
pub struct SharedEditsStartup {
    quorum: QuorumJournal,
    /// The last txid durable on a majority of the JournalNodes.
    quorum_last_txid: u64,
}

impl SharedEditsStartup {
    /// Becomes the quorum's writer (fencing any other) and cuts local
    /// in-progress edits beyond what the quorum holds. Call it from a
    /// blocking thread (not async code).
    pub fn begin(quorum: &QuorumJournal, current_dirs: &[PathBuf]) -> Result<Self, StorageError> {
        let first = current_dirs
            .first()
            .ok_or_else(|| StorageError::Invalid("no name dir".into()))?;
        let ns = namespace_info(&StorageInfo::read(first)?);
        let formatted = quorum
            .block_on(quorum.is_formatted())
            .map_err(|error| quorum_error(quorum, error))?;
        if !formatted {
            return Err(StorageError::Invalid(format!(
                "Journal qjournal://{}/{} is not formatted on the JournalNodes {}: run `hdfs namenode -format` or `hdfs namenode -initializeSharedEdits`",
                quorum.addresses().join(";"),
                quorum.journal_id(),
                quorum.addresses().join(", ")
            )));
        }
        let quorum_last_txid = quorum
            .block_on(quorum.recover_for_write(&ns))
            .map_err(|error| quorum_error(quorum, error))?;
        info!(
            quorum_last_txid,
            journal = quorum.journal_id(),
            "recovered the quorum journal"
        );
        for dir in current_dirs {
            trim_inprogress(dir, quorum_last_txid)?;
        }
        Ok(Self {
            quorum: quorum.clone(),
            quorum_last_txid,
        })
    }

    /// After the local dirs were loaded up to `local_last_txid`: applies
    /// and stores locally what the quorum has beyond. Returns the last txid.
    pub fn catch_up(
        &self,
        current_dirs: &[PathBuf],
        namespace: &mut Namespace,
        local_last_txid: u64,
    ) -> Result<u64, StorageError> {
        if local_last_txid > self.quorum_last_txid {
            return Err(StorageError::Invalid(format!(
                "the local edits end at txid {local_last_txid} but the shared edits ({}) only at {}: run `hdfs namenode -initializeSharedEdits`",
                self.quorum.journal_id(),
                self.quorum_last_txid
            )));
        }
        if local_last_txid == self.quorum_last_txid {
            return Ok(local_last_txid);
        }
        let edits = self
            .quorum
            .block_on(self.quorum.read_edits(local_last_txid, false))
            .map_err(|error| quorum_error(&self.quorum, error))?;
        let mut bytes = record::file_header().to_vec();
        let mut last = local_last_txid;
        for edit in &edits {
            if edit.txid != last + 1 {
                return Err(StorageError::Invalid(format!(
                    "the shared edits skip from txid {last} to {}",
                    edit.txid
                )));
            }
            let op = edit.op.as_ref().ok_or_else(|| {
                StorageError::Invalid(format!("txid {} has no operation", edit.txid))
            })?;
            namespace.apply(op).map_err(|error| {
                StorageError::Invalid(format!(
                    "cannot apply txid {} from the shared edits: {error}",
                    edit.txid
                ))
            })?;
            record::encode(edit, &mut bytes);
            last = edit.txid;
        }
        if last > local_last_txid {
            for dir in current_dirs {
                write_segment(dir, local_last_txid + 1, last, &bytes)?;
            }
            info!(
                from = local_last_txid + 1,
                to = last,
                "applied edits from the shared journal"
            );
        }
        Ok(last)
    }

    /// Writes the new segment on the quorum too.
    pub fn attach(self, journal: Journal) -> Result<Journal, StorageError> {
        journal
            .with_quorum(self.quorum)
            .map_err(|source| StorageError::Io {
                context: "cannot open a new edit segment on the shared edits".into(),
                source,
            })
    }
}

fn write_segment(dir: &Path, start: u64, end: u64, bytes: &[u8]) -> Result<(), StorageError> {
    let path = dir.join(finalized_segment_name(start, end));
    let io = |source| StorageError::Io {
        context: format!("cannot write {}", path.display()),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    sync_dir(dir).map_err(io)
}

/// Cuts the in-progress segments of `dir` after txid `last` (removing any
/// that starts beyond it).
fn trim_inprogress(dir: &Path, last: u64) -> Result<(), StorageError> {
    let entries = fs::read_dir(dir).map_err(|source| StorageError::Io {
        context: format!("cannot list {}", dir.display()),
        source,
    })?;
    for entry in entries.filter_map(|entry| entry.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(start) = name
            .strip_prefix("edits_inprogress_")
            .and_then(|start| start.parse::<u64>().ok())
        else {
            continue;
        };
        if name != inprogress_segment_name(start) {
            continue;
        }
        let path = entry.path();
        let io = |source| StorageError::Io {
            context: format!("cannot trim {}", path.display()),
            source,
        };
        if start > last {
            warn!(file = %path.display(), last, "removing local edits that never reached a quorum of JournalNodes");
            fs::remove_file(&path)
                .and_then(|()| sync_dir(dir))
                .map_err(io)?;
            continue;
        }
        let bytes = fs::read(&path).map_err(io)?;
        let header = record::FILE_HEADER_LEN as usize;
        let keep = {
            let wanted = usize::try_from(last - start + 1).unwrap_or(usize::MAX);
            let frames = record::split_framed(bytes.get(header..).unwrap_or_default(), wanted)
                .unwrap_or_default();
            if frames.len() < wanted {
                continue;
            }
            header + frames.iter().map(|frame| frame.len()).sum::<usize>()
        };
        if keep < bytes.len() {
            warn!(file = %path.display(), last, "cutting local edits that never reached a quorum of JournalNodes");
            let file = OpenOptions::new().write(true).open(&path).map_err(io)?;
            file.set_len(keep as u64)
                .and_then(|()| file.sync_all())
                .map_err(io)?;
        }
    }
    Ok(())
}
