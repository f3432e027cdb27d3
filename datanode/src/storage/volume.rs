//! One volume: its lock, its VERSION file, its directories and its space.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{ReplicaState, StorageError, io_error};

/// Hadoop's DataNode layout version.
const LAYOUT_VERSION: i32 = -57;

/// The identity recorded in a volume's `current/VERSION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionFile {
    pub datanode_uuid: String,
    /// None until the DataNode first registers with a NameNode.
    pub cluster_id: Option<String>,
}

impl VersionFile {
    fn to_properties(&self) -> String {
        format!(
            "#Tusk DataNode storage\ndatanodeUuid={}\nclusterID={}\nstorageType=DATA_NODE\nlayoutVersion={LAYOUT_VERSION}\ncTime=0\n",
            self.datanode_uuid,
            self.cluster_id.as_deref().unwrap_or("")
        )
    }

    fn parse(text: &str, path: &Path) -> Result<Self, StorageError> {
        let malformed = |reason: String| StorageError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let mut properties = BTreeMap::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| malformed(format!("line without '=': {line:?}")))?;
            properties.insert(key.trim(), value.trim());
        }
        let storage_type = properties.get("storageType").copied().unwrap_or("");
        if storage_type != "DATA_NODE" {
            return Err(malformed(format!(
                "storageType is {storage_type:?}, not DATA_NODE"
            )));
        }
        let layout = properties.get("layoutVersion").copied().unwrap_or("");
        if layout != LAYOUT_VERSION.to_string() {
            return Err(malformed(format!(
                "unsupported layoutVersion {layout:?} (expected {LAYOUT_VERSION})"
            )));
        }
        let datanode_uuid = properties.get("datanodeUuid").copied().unwrap_or("");
        if datanode_uuid.is_empty() {
            return Err(malformed("no datanodeUuid".to_string()));
        }
        let cluster_id = properties
            .get("clusterID")
            .copied()
            .filter(|id| !id.is_empty());
        Ok(Self {
            datanode_uuid: datanode_uuid.to_string(),
            cluster_id: cluster_id.map(str::to_string),
        })
    }
}

/// A locked data directory.
pub struct Volume {
    pub root: PathBuf,
    current: PathBuf,
    /// Holds the flock on `in_use.lock` until the store is dropped.
    _lock: File,
}

impl Volume {
    /// Creates the volume's directories if needed and locks it.
    pub fn lock(root: &Path) -> Result<Self, StorageError> {
        let current = root.join("current");
        fs::create_dir_all(&current).map_err(io_error(format!(
            "cannot create data dir {}",
            current.display()
        )))?;
        let lock_path = root.join("in_use.lock");
        let lock = File::create(&lock_path)
            .map_err(io_error(format!("cannot create {}", lock_path.display())))?;
        // SAFETY: flock on a descriptor we own; the lock goes with the descriptor.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(StorageError::AlreadyLocked {
                dir: root.to_path_buf(),
            });
        }
        Ok(Self {
            root: root.to_path_buf(),
            current,
            _lock: lock,
        })
    }

    fn version_path(&self) -> PathBuf {
        self.current.join("VERSION")
    }

    /// The VERSION file, or None for a fresh volume.
    pub fn read_version(&self) -> Result<Option<VersionFile>, StorageError> {
        let path = self.version_path();
        match fs::read_to_string(&path) {
            Ok(text) => VersionFile::parse(&text, &path).map(Some),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_error(format!("cannot read {}", path.display()))(err)),
        }
    }

    pub fn write_version(&self, version: &VersionFile) -> Result<(), StorageError> {
        let path = self.version_path();
        common::durable::write_atomically(&path, version.to_properties().as_bytes())
            .map_err(io_error(format!("cannot write {}", path.display())))
    }

    /// Names of the block pool directories under `current/`.
    pub fn block_pools(&self) -> Result<Vec<String>, StorageError> {
        let context = || format!("cannot list {}", self.current.display());
        let mut pools = Vec::new();
        for entry in fs::read_dir(&self.current).map_err(io_error(context()))? {
            let entry = entry.map_err(io_error(context()))?;
            if entry.file_type().map_err(io_error(context()))?.is_dir() {
                pools.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Ok(pools)
    }

    pub fn pool_dir(&self, pool: &str) -> PathBuf {
        self.current.join(pool)
    }

    pub fn rbw_dir(&self, pool: &str) -> PathBuf {
        self.pool_dir(pool).join("rbw")
    }

    pub fn finalized_dir(&self, pool: &str) -> PathBuf {
        self.pool_dir(pool).join("finalized")
    }

    pub fn create_pool_dirs(&self, pool: &str) -> Result<(), StorageError> {
        for dir in [self.rbw_dir(pool), self.finalized_dir(pool)] {
            fs::create_dir_all(&dir)
                .map_err(io_error(format!("cannot create {}", dir.display())))?;
        }
        Ok(())
    }

    /// The directory a replica's files live in.
    pub fn replica_dir(&self, pool: &str, block_id: u64, state: ReplicaState) -> PathBuf {
        match state {
            ReplicaState::Rbw => self.rbw_dir(pool),
            ReplicaState::Finalized => finalized_subdir(&self.finalized_dir(pool), block_id),
        }
    }

    /// (capacity, available) bytes of the volume's file system.
    pub fn space(&self) -> io::Result<(u64, u64)> {
        let path = CString::new(self.root.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
        // SAFETY: statvfs is plain old data, fully written by a successful call.
        let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid C string and a valid out-pointer.
        if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let fragment = stats.f_frsize as u64;
        Ok((
            stats.f_blocks as u64 * fragment,
            stats.f_bavail as u64 * fragment,
        ))
    }
}

/// The VERSION identity shared by all volumes; fresh volumes get it written.
pub fn load_identity(volumes: &[Volume]) -> Result<VersionFile, StorageError> {
    let mut versions = Vec::new();
    for volume in volumes {
        versions.push(volume.read_version()?);
    }
    let mut identity: Option<(VersionFile, &Path)> = None;
    for (volume, version) in volumes.iter().zip(&versions) {
        let Some(version) = version else { continue };
        let Some((known, known_dir)) = &mut identity else {
            identity = Some((version.clone(), &volume.root));
            continue;
        };
        let differs = |what: &str, mine: &str, theirs: &str| {
            StorageError::InvalidArgument(format!(
                "{} has {what} {mine} but {} has {theirs}: the data dirs belong to different DataNodes",
                volume.root.display(),
                known_dir.display()
            ))
        };
        if version.datanode_uuid != known.datanode_uuid {
            return Err(differs(
                "datanodeUuid",
                &version.datanode_uuid,
                &known.datanode_uuid,
            ));
        }
        match (&version.cluster_id, &known.cluster_id) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                return Err(differs("clusterID", mine, theirs));
            }
            (Some(mine), None) => known.cluster_id = Some(mine.clone()),
            _ => {}
        }
    }
    let identity = match identity {
        Some((identity, _)) => identity,
        None => VersionFile {
            datanode_uuid: random_uuid(),
            cluster_id: None,
        },
    };
    for (volume, version) in volumes.iter().zip(versions) {
        if version.as_ref() != Some(&identity) {
            volume.write_version(&identity)?;
        }
    }
    Ok(identity)
}

/// `finalized/subdir<A>/subdir<B>` for a block id.
pub fn finalized_subdir(finalized: &Path, block_id: u64) -> PathBuf {
    let first = (block_id >> 16) & 0x1F;
    let second = (block_id >> 8) & 0x1F;
    finalized
        .join(format!("subdir{first}"))
        .join(format!("subdir{second}"))
}

pub fn data_file_name(block_id: u64) -> String {
    format!("blk_{block_id}")
}

pub fn meta_file_name(block_id: u64, generation_stamp: u64) -> String {
    format!("blk_{block_id}_{generation_stamp}.meta")
}

/// What a file name in a replica directory denotes.
#[derive(Debug, PartialEq, Eq)]
pub enum BlockFileName {
    Data {
        block_id: u64,
    },
    Meta {
        block_id: u64,
        generation_stamp: u64,
    },
}

/// Parses `blk_<id>` and `blk_<id>_<gs>.meta`; anything else is None.
pub fn parse_block_file_name(name: &str) -> Option<BlockFileName> {
    let rest = name.strip_prefix("blk_")?;
    if let Some(stem) = rest.strip_suffix(".meta") {
        let (id, gs) = stem.split_once('_')?;
        return Some(BlockFileName::Meta {
            block_id: parse_decimal(id)?,
            generation_stamp: parse_decimal(gs)?,
        });
    }
    Some(BlockFileName::Data {
        block_id: parse_decimal(rest)?,
    })
}

fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub use common::durable::sync_dir;

/// A random UUID (version 4) as text.
pub fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_file_names_parse_strictly() {
        assert_eq!(
            parse_block_file_name("blk_42"),
            Some(BlockFileName::Data { block_id: 42 })
        );
        assert_eq!(
            parse_block_file_name("blk_42_1007.meta"),
            Some(BlockFileName::Meta {
                block_id: 42,
                generation_stamp: 1007
            })
        );
        for other in [
            "blk_42.corrupt",
            "blk_42_7.meta.corrupt",
            "blk_",
            "blk_-1",
            "blk_1_.meta",
            "VERSION",
        ] {
            assert_eq!(parse_block_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn finalized_subdirs_follow_hadoop() {
        let dir = finalized_subdir(Path::new("f"), 0x0012_3456);
        assert_eq!(dir, Path::new("f/subdir18/subdir20"));
    }

    #[test]
    fn version_file_round_trips_and_rejects_other_layouts() {
        let path = Path::new("VERSION");
        let version = VersionFile {
            datanode_uuid: random_uuid(),
            cluster_id: None,
        };
        assert_eq!(
            VersionFile::parse(&version.to_properties(), path).unwrap(),
            version
        );
        let bound = VersionFile {
            cluster_id: Some("CID-1".into()),
            ..version
        };
        assert_eq!(
            VersionFile::parse(&bound.to_properties(), path).unwrap(),
            bound
        );
        let other = bound.to_properties().replace("-57", "-56");
        let err = VersionFile::parse(&other, path).unwrap_err().to_string();
        assert!(err.contains("layoutVersion"), "{err}");
    }
}
