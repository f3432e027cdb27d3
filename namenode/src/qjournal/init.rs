//! `hdfs namenode -format` and `-initializeSharedEdits` on a quorum
//! journal: format the journals for the local namespace and, for the
//! latter, copy the local edits since the newest fsimage onto them.

use std::path::PathBuf;

use proto::namenode_storage::EditRecord;
use tracing::info;

use super::{QuorumError, QuorumJournal, namespace_info};
use crate::editlog::record;
use crate::storage::{NameDirs, StorageInfo, list_files};

/// Why the shared edits could not be formatted or initialized.
#[derive(Debug, thiserror::Error)]
pub enum SharedEditsError {
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Quorum(#[from] QuorumError),
}

/// Edits per batch when copying local edits onto the journals.
const COPY_BATCH: usize = 1000;

fn local_namespace(name_dirs: &[PathBuf]) -> Result<StorageInfo, SharedEditsError> {
    let first = name_dirs
        .first()
        .ok_or_else(|| crate::storage::StorageError::Invalid("no name dir".into()))?;
    Ok(StorageInfo::read(&first.join("current"))?)
}

/// Formats the journals for the namespace of the (formatted) `name_dirs`.
/// Without `force`, JournalNodes that already hold a journal refuse.
pub async fn format_shared_edits(
    quorum: &QuorumJournal,
    name_dirs: &[PathBuf],
    force: bool,
) -> Result<(), SharedEditsError> {
    let info = local_namespace(name_dirs)?;
    quorum.format(&namespace_info(&info), force).await?;
    Ok(())
}

/// Formats the journals and copies onto them every local edit after the
/// newest fsimage, segment by segment, so a NameNode that ran on local
/// edits only can start on the quorum. The NameNode must be stopped (the
/// name dirs are locked meanwhile). Returns the last txid copied.
pub async fn initialize_shared_edits(
    quorum: &QuorumJournal,
    name_dirs: &[PathBuf],
    force: bool,
) -> Result<u64, SharedEditsError> {
    let dirs = NameDirs::lock(name_dirs)?;
    let currents = dirs.current_dirs();
    let info = local_namespace(name_dirs)?;
    let segments = read_local_edits(&currents)?;
    let ns = namespace_info(&info);
    quorum.format(&ns, force).await?;
    quorum.recover_for_write(&ns).await?;
    let mut last = 0;
    for records in segments.iter().filter(|records| !records.is_empty()) {
        let start = records[0].txid;
        quorum.start_segment(start).await?;
        for batch in records.chunks(COPY_BATCH) {
            let mut bytes = Vec::new();
            for edit in batch {
                record::encode(edit, &mut bytes);
            }
            quorum
                .send_edits(start, batch[0].txid, batch.len() as u32, &bytes)
                .await?;
        }
        last = records[records.len() - 1].txid;
        quorum.finalize_segment(start, last).await?;
        info!(start, end = last, "copied edits onto the shared journal");
    }
    drop(dirs);
    Ok(last)
}

/// The local edits after the newest fsimage, one list per segment.
fn read_local_edits(currents: &[PathBuf]) -> Result<Vec<Vec<EditRecord>>, SharedEditsError> {
    let listing = list_files(currents)?;
    let image_txid = listing.images.keys().next_back().copied().unwrap_or(0);
    let mut starts: Vec<(u64, PathBuf)> = listing
        .finalized
        .iter()
        .map(|(start, copies)| (*start, copies[0].1.clone()))
        .chain(
            listing
                .inprogress
                .iter()
                .filter(|(start, _)| !listing.finalized.contains_key(start))
                .map(|(start, copies)| (*start, copies[0].clone())),
        )
        .collect();
    starts.sort_by_key(|(start, _)| *start);
    let mut segments = Vec::new();
    for (start, path) in starts {
        let mut records = Vec::new();
        record::read_segment(&path, start, |edit| {
            if edit.txid > image_txid {
                records.push(edit);
            }
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(crate::storage::StorageError::from)?;
        segments.push(records);
    }
    Ok(segments)
}
