//! Name directories (`dfs.namenode.name.dir`): layout, VERSION, locking,
//! formatting, and startup = newest valid fsimage + every later edit.
//!
//! ```text
//! <dir>/in_use.lock
//! <dir>/current/VERSION
//! <dir>/current/fsimage_<txid:019>  (+ .md5)
//! <dir>/current/edits_<start:019>-<end:019>
//! <dir>/current/edits_inprogress_<start:019>
//! <dir>/current/seen_txid
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use common::durable::write_atomically;
use common::time::now_millis;
use tracing::{info, warn};

use crate::editlog::finalize_segment;
use crate::editlog::record::{self, SegmentError, SegmentScan};
use crate::fsimage::{self, ImageError};
use crate::namespace::{Limits, Namespace};
use crate::startup_progress::{Phase, StartupProgress};

/// HDFS's layout version for the VERSION file (Hadoop 3.3).
pub const LAYOUT_VERSION: i32 = -66;

/// Why the name dirs cannot be formatted or loaded.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Segment(#[from] SegmentError),
}

/// A storage failure as a client of the NameNode sees it: an `IOException`.
impl From<StorageError> for common::RemoteException {
    fn from(error: StorageError) -> Self {
        common::RemoteException::io(error.to_string())
    }
}

fn io_context(context: impl Into<String>) -> impl FnOnce(io::Error) -> StorageError {
    let context = context.into();
    move |source| StorageError::Io { context, source }
}

pub fn image_name(txid: u64) -> String {
    format!("fsimage_{txid:019}")
}

pub fn inprogress_segment_name(start: u64) -> String {
    format!("edits_inprogress_{start:019}")
}

pub fn finalized_segment_name(start: u64, end: u64) -> String {
    format!("edits_{start:019}-{end:019}")
}

pub use common::durable::sync_dir;

/// Writes `seen_txid` durably (temp file + rename).
pub fn write_seen_txid(current_dir: &Path, txid: u64) -> io::Result<()> {
    write_atomically(
        &current_dir.join("seen_txid"),
        format!("{txid}\n").as_bytes(),
    )
}

/// The identity of a formatted name dir (its VERSION file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageInfo {
    pub namespace_id: u64,
    pub cluster_id: String,
    pub block_pool_id: String,
    pub ctime: i64,
}

impl StorageInfo {
    fn to_properties(&self) -> String {
        format!(
            "#{}\nnamespaceID={}\nclusterID={}\ncTime={}\nstorageType=NAME_NODE\nblockpoolID={}\nlayoutVersion={LAYOUT_VERSION}\n",
            chrono::Utc::now().format("%a %b %d %H:%M:%S UTC %Y"),
            self.namespace_id,
            self.cluster_id,
            self.ctime,
            self.block_pool_id
        )
    }

    /// Writes `current/VERSION` durably.
    pub fn write(&self, current_dir: &Path) -> io::Result<()> {
        write_atomically(
            &current_dir.join("VERSION"),
            self.to_properties().as_bytes(),
        )
    }

    /// Reads `current/VERSION`.
    pub fn read(current_dir: &Path) -> Result<Self, StorageError> {
        let path = current_dir.join("VERSION");
        let text = fs::read_to_string(&path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                StorageError::Invalid(format!(
                    "NameNode is not formatted: {} not found (run `hdfs namenode -format`)",
                    path.display()
                ))
            } else {
                StorageError::Io {
                    context: format!("cannot read {}", path.display()),
                    source,
                }
            }
        })?;
        let mut properties = BTreeMap::new();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            if let Some((key, value)) = line.split_once('=') {
                properties.insert(key.trim(), value.trim());
            }
        }
        let field = |key: &str| {
            properties
                .get(key)
                .map(|value| value.to_string())
                .ok_or_else(|| StorageError::Invalid(format!("{}: missing {key}", path.display())))
        };
        let number = |key: &str| {
            field(key)?.parse::<i64>().map_err(|_| {
                StorageError::Invalid(format!("{}: {key} is not a number", path.display()))
            })
        };
        if number("layoutVersion")? != i64::from(LAYOUT_VERSION) {
            return Err(StorageError::Invalid(format!(
                "{}: unsupported layoutVersion",
                path.display()
            )));
        }
        Ok(Self {
            namespace_id: number("namespaceID")? as u64,
            cluster_id: field("clusterID")?,
            block_pool_id: field("blockpoolID")?,
            ctime: number("cTime")?,
        })
    }
}

/// The locked name directories of one NameNode.
pub struct NameDirs {
    roots: Vec<PathBuf>,
    _locks: Vec<File>,
}

impl NameDirs {
    /// Locks every dir (`in_use.lock`, released when the process dies), so two
    /// NameNodes never share one.
    pub fn lock(roots: &[PathBuf]) -> Result<Self, StorageError> {
        if roots.is_empty() {
            return Err(StorageError::Invalid(
                "dfs.namenode.name.dir lists no directory".into(),
            ));
        }
        let mut locks = Vec::new();
        for root in roots {
            fs::create_dir_all(root).map_err(io_context(format!(
                "cannot create name dir {}",
                root.display()
            )))?;
            let lock_path = root.join("in_use.lock");
            let file = File::create(&lock_path)
                .map_err(io_context(format!("cannot create {}", lock_path.display())))?;
            // SAFETY: flock on a file descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                return Err(StorageError::Invalid(format!(
                    "Cannot lock storage {}. The directory is already locked",
                    root.display()
                )));
            }
            locks.push(file);
        }
        Ok(Self {
            roots: roots.to_vec(),
            _locks: locks,
        })
    }

    /// Every `current/` directory.
    pub fn current_dirs(&self) -> Vec<PathBuf> {
        self.roots.iter().map(|root| root.join("current")).collect()
    }

    /// `hdfs namenode -format`: a fresh empty namespace in every dir. Refuses
    /// to touch a formatted dir unless `force`.
    pub fn format(
        &self,
        cluster_id: Option<&str>,
        force: bool,
        superuser: &str,
        supergroup: &str,
    ) -> Result<StorageInfo, StorageError> {
        for current in self.current_dirs() {
            let formatted = fs::read_dir(&current)
                .map(|mut entries| entries.next().is_some())
                .unwrap_or(false);
            if formatted && !force {
                return Err(StorageError::Invalid(format!(
                    "NameNode is already formatted at {}: use -force to format it again",
                    current.display()
                )));
            }
        }
        let namespace_id = u64::from(rand::random::<u32>() & 0x7fff_ffff);
        let cluster_id = match cluster_id {
            Some(id) => id.to_string(),
            None => format!("CID-{}", common::ids::random_uuid()),
        };
        let info = StorageInfo {
            namespace_id,
            cluster_id,
            block_pool_id: format!("BP-{namespace_id}-127.0.0.1-{}", common::time::now_millis()),
            ctime: 0,
        };
        let namespace = Namespace::new(
            superuser,
            supergroup,
            common::time::now_millis(),
            Limits::default(),
        );
        for current in self.current_dirs() {
            if current.exists() {
                fs::remove_dir_all(&current)
                    .map_err(io_context(format!("cannot clear {}", current.display())))?;
            }
            fs::create_dir_all(&current)
                .map_err(io_context(format!("cannot create {}", current.display())))?;
            fsimage::save(&namespace, 0, namespace_id, &current.join(image_name(0))).map_err(
                io_context(format!("cannot write fsimage in {}", current.display())),
            )?;
            write_seen_txid(&current, 0).map_err(io_context("cannot write seen_txid"))?;
            info.write(&current)
                .map_err(io_context("cannot write VERSION"))?;
            info!(dir = %current.display(), cluster_id = %info.cluster_id, "formatted name dir");
        }
        Ok(info)
    }

    /// Loads the newest fsimage and replays every later edit; a torn tail of
    /// the last in-progress segment is cut and that segment finalized.
    /// `progress` records the fsimage and edits phases.
    pub fn load(
        &self,
        limits: Limits,
        progress: &StartupProgress,
    ) -> Result<LoadedState, StorageError> {
        let currents = self.current_dirs();
        let info = self.read_consistent_version(&currents)?;
        let listing = list_files(&currents)?;
        let image_txid = *listing.images.keys().next_back().ok_or_else(|| {
            StorageError::Invalid(format!("no fsimage found in {}", join_dirs(&currents)))
        })?;
        progress.begin(Phase::LoadingFsImage, &image_name(image_txid), now_millis());
        let image = load_image_copies(&listing.images[&image_txid], image_txid, limits)?;
        let mut namespace = image.namespace;
        let inodes = namespace.num_inodes();
        progress.set_count(Phase::LoadingFsImage, inodes, inodes);
        progress.end(Phase::LoadingFsImage, now_millis());
        progress.begin(Phase::LoadingEdits, &join_dirs(&currents), now_millis());
        let mut next_txid = image_txid + 1;

        while let Some(copies) = listing.finalized.get(&next_txid) {
            let (end, _) = copies[0];
            replay_finalized(&mut namespace, copies, next_txid, end)?;
            next_txid = end + 1;
        }
        if let Some(copies) = listing.inprogress.get(&next_txid) {
            let scan = replay_inprogress(&mut namespace, copies, next_txid)?;
            next_txid = scan.last_txid + 1;
        }
        let last_txid = next_txid - 1;
        let applied = last_txid - image_txid;
        progress.set_count(Phase::LoadingEdits, applied, applied);
        progress.end(Phase::LoadingEdits, now_millis());
        let beyond = listing
            .inprogress
            .keys()
            .chain(listing.finalized.keys())
            .find(|start| **start > next_txid);
        if let Some(start) = beyond
            .copied()
            .or((listing.seen_txid > next_txid).then_some(listing.seen_txid))
        {
            return Err(StorageError::Invalid(format!(
                "There appears to be a gap in the edit log: it ends at txid {last_txid} but txid {start} was recorded ({})",
                join_dirs(&currents)
            )));
        }
        for (start, copies) in &listing.inprogress {
            if *start <= image_txid || listing.finalized.contains_key(start) {
                for path in copies {
                    set_aside(path, "stale");
                }
            }
        }
        info!(
            image_txid,
            last_txid,
            inodes = namespace.num_inodes(),
            "loaded namespace"
        );
        Ok(LoadedState {
            namespace,
            last_txid,
            image_txid,
            info,
        })
    }

    fn read_consistent_version(&self, currents: &[PathBuf]) -> Result<StorageInfo, StorageError> {
        let mut info: Option<StorageInfo> = None;
        for current in currents {
            let this = StorageInfo::read(current)?;
            if let Some(first) = &info
                && (first.cluster_id != this.cluster_id || first.namespace_id != this.namespace_id)
            {
                return Err(StorageError::Invalid(format!(
                    "name dirs belong to different namespaces: {} has clusterID {} but another has {}",
                    current.display(),
                    this.cluster_id,
                    first.cluster_id
                )));
            }
            info.get_or_insert(this);
        }
        info.ok_or_else(|| StorageError::Invalid("no name dir".into()))
    }

    /// Writes an fsimage of `namespace` at `txid` into every dir.
    pub fn save_image(
        &self,
        namespace: &Namespace,
        txid: u64,
        namespace_id: u64,
    ) -> Result<(), StorageError> {
        for current in self.current_dirs() {
            let path = current.join(image_name(txid));
            fsimage::save(namespace, txid, namespace_id, &path).map_err(io_context(format!(
                "cannot save fsimage {}",
                path.display()
            )))?;
        }
        Ok(())
    }
}

/// What startup loaded.
pub struct LoadedState {
    pub namespace: Namespace,
    pub last_txid: u64,
    pub image_txid: u64,
    pub info: StorageInfo,
}

/// The images and edit segments found in a set of `current/` dirs.
#[derive(Default)]
pub struct FileListing {
    /// txid -> copies of that image.
    pub images: BTreeMap<u64, Vec<PathBuf>>,
    /// start -> (end, path) copies.
    pub finalized: BTreeMap<u64, Vec<(u64, PathBuf)>>,
    /// start -> copies.
    pub inprogress: BTreeMap<u64, Vec<PathBuf>>,
    pub seen_txid: u64,
}

/// Lists the images and edit segments of `currents` by their txids.
pub fn list_files(currents: &[PathBuf]) -> Result<FileListing, StorageError> {
    let mut listing = FileListing::default();
    for current in currents {
        let entries = fs::read_dir(current)
            .map_err(io_context(format!("cannot list {}", current.display())))?;
        for entry in entries {
            let entry = entry.map_err(io_context(format!("cannot list {}", current.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if let Some(txid) = name
                .strip_prefix("fsimage_")
                .and_then(|rest| rest.parse::<u64>().ok())
            {
                listing.images.entry(txid).or_default().push(path);
            } else if let Some(start) = name
                .strip_prefix("edits_inprogress_")
                .and_then(|rest| rest.parse::<u64>().ok())
            {
                listing.inprogress.entry(start).or_default().push(path);
            } else if let Some((start, end)) = name
                .strip_prefix("edits_")
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(start, end)| {
                    Some((start.parse::<u64>().ok()?, end.parse::<u64>().ok()?))
                })
            {
                listing
                    .finalized
                    .entry(start)
                    .or_default()
                    .push((end, path));
            } else if name == "seen_txid" {
                let text = fs::read_to_string(&path)
                    .map_err(io_context(format!("cannot read {}", path.display())))?;
                let seen = text.trim().parse::<u64>().map_err(|_| {
                    StorageError::Invalid(format!(
                        "{}: not a txid: '{}'",
                        path.display(),
                        text.trim()
                    ))
                })?;
                listing.seen_txid = listing.seen_txid.max(seen);
            }
        }
    }
    Ok(listing)
}

fn load_image_copies(
    copies: &[PathBuf],
    txid: u64,
    limits: Limits,
) -> Result<fsimage::LoadedImage, StorageError> {
    let mut first_error = None;
    for path in copies {
        match fsimage::load(path, limits.clone()) {
            Ok(image) if image.txid == txid => return Ok(image),
            Ok(image) => {
                first_error.get_or_insert(StorageError::Invalid(format!(
                    "fsimage {} holds txid {} instead of {txid}",
                    path.display(),
                    image.txid
                )));
            }
            Err(error) => {
                warn!(%error, "cannot use fsimage copy");
                first_error.get_or_insert(error.into());
            }
        }
    }
    Err(first_error.unwrap_or_else(|| StorageError::Invalid(format!("no copy of fsimage {txid}"))))
}

pub(crate) fn replay_finalized(
    namespace: &mut Namespace,
    copies: &[(u64, PathBuf)],
    start: u64,
    end: u64,
) -> Result<(), StorageError> {
    // Check a copy end to end before applying anything from it.
    let mut chosen = None;
    let mut first_error = None;
    for (copy_end, path) in copies {
        match record::read_segment(path, start, |_| Ok::<_, std::convert::Infallible>(())) {
            Ok(scan) if !scan.torn_tail && scan.last_txid == end && *copy_end == end => {
                chosen = Some(path);
                break;
            }
            Ok(scan) => {
                first_error.get_or_insert(StorageError::Invalid(format!(
                    "edit log {} should hold txids {start}-{end} but its valid records end at txid {}",
                    path.display(),
                    scan.last_txid
                )));
            }
            Err(error) => {
                first_error.get_or_insert(error.into());
            }
        }
    }
    let Some(path) = chosen else {
        return Err(first_error
            .unwrap_or_else(|| StorageError::Invalid(format!("no copy of edits {start}-{end}"))));
    };
    apply_segment(namespace, path, start)?;
    Ok(())
}

/// Replays the longest valid copy of an in-progress segment, then cuts every
/// copy to that valid prefix and finalizes it.
fn replay_inprogress(
    namespace: &mut Namespace,
    copies: &[PathBuf],
    start: u64,
) -> Result<SegmentScan, StorageError> {
    let mut best: Option<(SegmentScan, &PathBuf)> = None;
    let mut first_error = None;
    for path in copies {
        match record::read_segment(path, start, |_| Ok::<_, std::convert::Infallible>(())) {
            Ok(scan) => {
                if best
                    .as_ref()
                    .is_none_or(|(found, _)| scan.last_txid > found.last_txid)
                {
                    best = Some((scan, path));
                }
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let Some((scan, chosen)) = best else {
        return Err(first_error
            .map(StorageError::from)
            .unwrap_or_else(|| StorageError::Invalid("no in-progress segment".into())));
    };
    if let Some(error) = first_error {
        warn!(%error, "ignoring a damaged copy of the in-progress edit segment");
    }
    apply_segment(namespace, chosen, start)?;
    if scan.torn_tail {
        warn!("{}", scan.describe_cut(chosen, start));
    }
    let valid = if scan.valid_len == 0 {
        record::file_header().to_vec()
    } else {
        let mut bytes =
            fs::read(chosen).map_err(io_context(format!("cannot read {}", chosen.display())))?;
        bytes.truncate(scan.valid_len as usize);
        bytes
    };
    for path in copies {
        let current = path.parent().unwrap_or(Path::new("."));
        if scan.last_txid < start {
            fs::remove_file(path).map_err(io_context(format!(
                "cannot remove empty segment {}",
                path.display()
            )))?;
            sync_dir(current).map_err(io_context("cannot sync name dir"))?;
            continue;
        }
        write_atomically(path, &valid)
            .map_err(io_context(format!("cannot repair {}", path.display())))?;
        finalize_segment(current, start, scan.last_txid)
            .map_err(io_context(format!("cannot finalize {}", path.display())))?;
    }
    Ok(scan)
}

fn apply_segment(
    namespace: &mut Namespace,
    path: &Path,
    start: u64,
) -> Result<SegmentScan, StorageError> {
    let scan = record::read_segment(path, start, |record| {
        let op = record
            .op
            .ok_or_else(|| common::RemoteException::io("record without an operation"))?;
        namespace.apply(&op)
    })?;
    Ok(scan)
}

fn set_aside(path: &Path, suffix: &str) {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".");
    aside.push(suffix);
    match fs::rename(path, &aside) {
        Ok(()) => {
            warn!(file = %path.display(), "set aside an edit segment that is not part of the log")
        }
        Err(error) => warn!(file = %path.display(), %error, "cannot set aside edit segment"),
    }
}

fn join_dirs(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|dir| dir.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
