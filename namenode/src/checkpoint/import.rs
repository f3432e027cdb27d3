//! `hdfs namenode -importCheckpoint`: rebuilds lost name dirs from the
//! SecondaryNameNode's checkpoint dir (`dfs.namenode.checkpoint.dir`), which
//! has the same layout. The name dirs must hold no image; the checkpoint dir
//! is only read.

use std::fs;
use std::path::PathBuf;

use tracing::info;

use crate::fsimage;
use crate::namespace::Limits;
use crate::storage::{NameDirs, StorageError, image_name, write_seen_txid};

/// Loads the newest checkpoint from `checkpoint_dirs` and writes it, with
/// the checkpoint's VERSION, into every one of `name_dirs`. Returns its txid.
pub fn import_checkpoint(
    name_dirs: &[PathBuf],
    checkpoint_dirs: &[PathBuf],
    limits: Limits,
) -> Result<u64, StorageError> {
    let names = NameDirs::lock(name_dirs)?;
    for current in names.current_dirs() {
        let holds_image = fs::read_dir(&current)
            .map(|entries| {
                entries.flatten().any(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    name == "VERSION" || name.starts_with("fsimage_")
                })
            })
            .unwrap_or(false);
        if holds_image {
            return Err(StorageError::Invalid(format!(
                "NameNode already contains an image in {}: cannot import a checkpoint over it",
                current.display()
            )));
        }
    }
    let checkpoint = NameDirs::lock(checkpoint_dirs)?;
    let loaded = checkpoint.load(limits, &Default::default())?;
    let txid = loaded.last_txid;
    for current in names.current_dirs() {
        let io_error = |context: &str| {
            let context = format!("{context} in {}", current.display());
            move |source| StorageError::Io { context, source }
        };
        fs::create_dir_all(&current).map_err(io_error("cannot create"))?;
        fsimage::save(
            &loaded.namespace,
            txid,
            loaded.info.namespace_id,
            &current.join(image_name(txid)),
        )
        .map_err(io_error("cannot write the imported fsimage"))?;
        write_seen_txid(&current, txid).map_err(io_error("cannot write seen_txid"))?;
        loaded
            .info
            .write(&current)
            .map_err(io_error("cannot write VERSION"))?;
        info!(dir = %current.display(), txid, "imported checkpoint");
    }
    Ok(txid)
}
