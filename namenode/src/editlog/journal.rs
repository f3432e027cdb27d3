//! The open edit segment, one copy per name directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing::{error, info};

use super::record;
use crate::storage::{finalized_segment_name, inprogress_segment_name, sync_dir, write_seen_txid};

/// The in-progress segment being appended to, in every healthy name dir.
pub struct Journal {
    copies: Vec<(PathBuf, File)>,
    segment_start: u64,
}

impl Journal {
    /// Creates `edits_inprogress_<start>` (header only) in each `current/`
    /// directory and records `start` in `seen_txid`.
    pub fn open_segment(current_dirs: &[PathBuf], start_txid: u64) -> io::Result<Self> {
        let mut copies = Vec::with_capacity(current_dirs.len());
        for dir in current_dirs {
            let mut file = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(dir.join(inprogress_segment_name(start_txid)))?;
            file.write_all(&record::file_header())?;
            file.sync_all()?;
            sync_dir(dir)?;
            write_seen_txid(dir, start_txid)?;
            copies.push((dir.clone(), file));
        }
        Ok(Self {
            copies,
            segment_start: start_txid,
        })
    }

    pub fn segment_start(&self) -> u64 {
        self.segment_start
    }

    /// Appends `bytes` to every copy and makes them durable. A directory that
    /// fails is dropped (and logged) as long as another one still works.
    pub fn write_and_sync(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.for_each_copy("append to edit log", |_, file| {
            file.write_all(bytes)?;
            file.sync_data()
        })
    }

    /// Renames the segment to `edits_<start>-<last>` (or removes it when it
    /// holds no record) and opens `edits_inprogress_<last + 1>`.
    pub fn roll(&mut self, last_txid: u64) -> io::Result<()> {
        let start = self.segment_start;
        if last_txid < start {
            return Ok(());
        }
        self.for_each_copy("finalize edit segment", |dir, _| {
            finalize_segment(dir, start, last_txid)
        })?;
        let dirs: Vec<PathBuf> = self.copies.iter().map(|(dir, _)| dir.clone()).collect();
        *self = Self::open_segment(&dirs, last_txid + 1)?;
        info!(segment_start = last_txid + 1, "rolled edit log");
        Ok(())
    }

    /// Finalizes the segment on a clean shutdown.
    pub fn close(&mut self, last_txid: u64) -> io::Result<()> {
        let start = self.segment_start;
        self.for_each_copy("finalize edit segment", |dir, _| {
            if last_txid < start {
                fs::remove_file(dir.join(inprogress_segment_name(start)))?;
                return sync_dir(dir);
            }
            finalize_segment(dir, start, last_txid)
        })
    }

    fn for_each_copy(
        &mut self,
        what: &str,
        mut action: impl FnMut(&Path, &mut File) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut last_error = None;
        self.copies.retain_mut(|(dir, file)| match action(dir, file) {
            Ok(()) => true,
            Err(failure) => {
                error!(dir = %dir.display(), error = %failure, "cannot {what}; dropping this name dir");
                last_error = Some(failure);
                false
            }
        });
        match last_error {
            Some(failure) if self.copies.is_empty() => Err(io::Error::new(
                failure.kind(),
                format!("cannot {what} in any name dir: {failure}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Renames `edits_inprogress_<start>` to `edits_<start>-<last>` durably.
pub fn finalize_segment(current_dir: &Path, start: u64, last: u64) -> io::Result<()> {
    fs::rename(
        current_dir.join(inprogress_segment_name(start)),
        current_dir.join(finalized_segment_name(start, last)),
    )?;
    sync_dir(current_dir)
}
