//! Hadoop-style configuration, the counterpart of `org.apache.hadoop.conf.Configuration`.
//!
//! A [`Configuration`] starts from Hadoop's defaults for the keys Tusk uses, then layers the
//! site files (`core-site.xml`, `hdfs-site.xml`, `yarn-site.xml`, `mapred-site.xml`) and the
//! generic command-line options (`-D`, `-conf`, `-fs`) on top, with Hadoop's precedence rules:
//!
//! - a later resource overrides an earlier one, unless the earlier one marked the key
//!   `<final>true</final>`;
//! - a value set programmatically ([`Configuration::set`], `-D`, `-fs`) wins over every
//!   resource, whenever that resource is added (Hadoop's "overlay").
//!
//! Values are stored raw and `${var}` references are expanded on every read, so a site file can
//! change `hadoop.tmp.dir` and every directory derived from it follows.

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{debug, warn};

/// Environment variable naming the directory holding the site files.
const CONF_DIR_ENV: &str = "HADOOP_CONF_DIR";

/// Site files read by [`Configuration::load_from_dir`], lowest precedence first.
const SITE_FILES: [&str; 4] = [
    "core-site.xml",
    "hdfs-site.xml",
    "yarn-site.xml",
    "mapred-site.xml",
];

/// How many `${var}` references may be nested inside one another before expansion gives up.
const MAX_SUBSTITUTION_DEPTH: usize = 20;

/// Errors naming the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    /// A value that does not parse as the type its key requires.
    #[error("invalid value for {key}: '{value}' ({expected})")]
    Invalid {
        key: String,
        value: String,
        expected: String,
    },
    /// A key that must be set but is absent or empty.
    #[error("configuration {key} is missing")]
    Missing { key: String },
    /// A resource that is not a well-formed Hadoop configuration file.
    #[error("cannot parse {file}: {reason}")]
    Parse { file: String, reason: String },
    /// A resource that cannot be read or written.
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    /// Malformed generic command-line options.
    #[error("{0}")]
    Usage(String),
}

/// Unit of a plain number given to [`Configuration::get_duration`].
#[derive(Clone, Copy, Debug)]
pub enum TimeUnit {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// `amount` of this unit, or `None` if it does not fit in a [`Duration`].
    fn duration(self, amount: u64) -> Option<Duration> {
        let seconds_per_unit = match self {
            TimeUnit::Nanoseconds => return Some(Duration::from_nanos(amount)),
            TimeUnit::Microseconds => return Some(Duration::from_micros(amount)),
            TimeUnit::Milliseconds => return Some(Duration::from_millis(amount)),
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 60 * 60,
            TimeUnit::Days => 24 * 60 * 60,
        };
        amount
            .checked_mul(seconds_per_unit)
            .map(Duration::from_secs)
    }
}

/// Well-known configuration key names, Hadoop's spelling.
pub mod keys {
    // core
    /// URI of the default filesystem.
    pub const FS_DEFAULT_FS: &str = "fs.defaultFS";
    /// Base for other temporary and storage directories.
    pub const HADOOP_TMP_DIR: &str = "hadoop.tmp.dir";
    /// Buffer size for sequential file I/O, in bytes.
    pub const IO_FILE_BUFFER_SIZE: &str = "io.file.buffer.size";
    /// Minutes a deleted file stays in the trash; 0 disables the trash.
    pub const FS_TRASH_INTERVAL: &str = "fs.trash.interval";
    /// Minutes between trash checkpoints; 0 means `fs.trash.interval`.
    pub const FS_TRASH_CHECKPOINT_INTERVAL: &str = "fs.trash.checkpoint.interval";
    /// Octal umask applied when creating files and directories.
    pub const FS_PERMISSIONS_UMASK_MODE: &str = "fs.permissions.umask-mode";
    /// Authentication method; Tusk supports `simple` only.
    pub const HADOOP_SECURITY_AUTHENTICATION: &str = "hadoop.security.authentication";

    // hdfs: namenode
    /// Local directories holding the namenode's fsimage.
    pub const DFS_NAMENODE_NAME_DIR: &str = "dfs.namenode.name.dir";
    /// Local directories holding the namenode's edit log.
    pub const DFS_NAMENODE_EDITS_DIR: &str = "dfs.namenode.edits.dir";
    /// `host:port` of the namenode RPC server; no default.
    pub const DFS_NAMENODE_RPC_ADDRESS: &str = "dfs.namenode.rpc-address";
    /// Host the namenode RPC server binds to, overriding the host of the rpc-address.
    pub const DFS_NAMENODE_RPC_BIND_HOST: &str = "dfs.namenode.rpc-bind-host";
    /// `host:port` of the namenode web UI.
    pub const DFS_NAMENODE_HTTP_ADDRESS: &str = "dfs.namenode.http-address";
    /// `host:port` of the secondary namenode web UI.
    pub const DFS_NAMENODE_SECONDARY_HTTP_ADDRESS: &str = "dfs.namenode.secondary.http-address";
    /// Number of namenode RPC handler threads.
    pub const DFS_NAMENODE_HANDLER_COUNT: &str = "dfs.namenode.handler.count";
    /// Default replication factor of new files.
    pub const DFS_REPLICATION: &str = "dfs.replication";
    /// Largest replication factor a file may ask for.
    pub const DFS_REPLICATION_MAX: &str = "dfs.replication.max";
    /// Replicas a block needs before a write is acknowledged as complete.
    pub const DFS_NAMENODE_REPLICATION_MIN: &str = "dfs.namenode.replication.min";
    /// Default block size of new files, in bytes (size suffixes allowed).
    pub const DFS_BLOCKSIZE: &str = "dfs.blocksize";
    /// Bytes covered by each checksum.
    pub const DFS_BYTES_PER_CHECKSUM: &str = "dfs.bytes-per-checksum";
    /// Size of a client write packet, in bytes.
    pub const DFS_CLIENT_WRITE_PACKET_SIZE: &str = "dfs.client-write-packet-size";
    /// Whether HDFS permission checking is on.
    pub const DFS_PERMISSIONS_ENABLED: &str = "dfs.permissions.enabled";
    /// Group whose members are HDFS superusers.
    pub const DFS_PERMISSIONS_SUPERUSERGROUP: &str = "dfs.permissions.superusergroup";
    /// Most entries returned by one directory-listing call.
    pub const DFS_LS_LIMIT: &str = "dfs.ls.limit";
    /// Longest allowed path component, in bytes; 0 disables the check.
    pub const DFS_NAMENODE_FS_LIMITS_MAX_COMPONENT_LENGTH: &str =
        "dfs.namenode.fs-limits.max-component-length";
    /// Most children one directory may hold.
    pub const DFS_NAMENODE_FS_LIMITS_MAX_DIRECTORY_ITEMS: &str =
        "dfs.namenode.fs-limits.max-directory-items";
    /// Smallest block size a file may ask for, in bytes.
    pub const DFS_NAMENODE_FS_LIMITS_MIN_BLOCK_SIZE: &str = "dfs.namenode.fs-limits.min-block-size";
    /// Most blocks one file may have.
    pub const DFS_NAMENODE_FS_LIMITS_MAX_BLOCKS_PER_FILE: &str =
        "dfs.namenode.fs-limits.max-blocks-per-file";
    /// Fraction of blocks that must be reported before leaving safe mode.
    pub const DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT: &str = "dfs.namenode.safemode.threshold-pct";
    /// Live datanodes required before leaving safe mode.
    pub const DFS_NAMENODE_SAFEMODE_MIN_DATANODES: &str = "dfs.namenode.safemode.min.datanodes";
    /// Milliseconds safe mode lingers after the threshold is reached.
    pub const DFS_NAMENODE_SAFEMODE_EXTENSION: &str = "dfs.namenode.safemode.extension";
    /// Seconds between datanode heartbeats.
    pub const DFS_HEARTBEAT_INTERVAL: &str = "dfs.heartbeat.interval";
    /// Milliseconds between checks for dead datanodes.
    pub const DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL: &str =
        "dfs.namenode.heartbeat.recheck-interval";
    /// Milliseconds between full block reports.
    pub const DFS_BLOCKREPORT_INTERVAL_MSEC: &str = "dfs.blockreport.intervalMsec";
    /// Seconds between checkpoints.
    pub const DFS_NAMENODE_CHECKPOINT_PERIOD: &str = "dfs.namenode.checkpoint.period";
    /// Uncheckpointed transactions that force a checkpoint.
    pub const DFS_NAMENODE_CHECKPOINT_TXNS: &str = "dfs.namenode.checkpoint.txns";
    /// Seconds between checks of the uncheckpointed transaction count.
    pub const DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD: &str = "dfs.namenode.checkpoint.check.period";
    /// Checkpoint images kept on disk.
    pub const DFS_NAMENODE_NUM_CHECKPOINTS_RETAINED: &str = "dfs.namenode.num.checkpoints.retained";
    /// Local directories where the secondary namenode builds checkpoints.
    pub const DFS_NAMENODE_CHECKPOINT_DIR: &str = "dfs.namenode.checkpoint.dir";

    // hdfs: datanode
    /// Local directories holding datanode block files.
    pub const DFS_DATANODE_DATA_DIR: &str = "dfs.datanode.data.dir";
    /// `host:port` of the datanode data-transfer server.
    pub const DFS_DATANODE_ADDRESS: &str = "dfs.datanode.address";
    /// `host:port` of the datanode IPC server.
    pub const DFS_DATANODE_IPC_ADDRESS: &str = "dfs.datanode.ipc.address";
    /// `host:port` of the datanode web UI.
    pub const DFS_DATANODE_HTTP_ADDRESS: &str = "dfs.datanode.http.address";

    // yarn
    /// `host:port` of the resourcemanager client RPC server.
    pub const YARN_RESOURCEMANAGER_ADDRESS: &str = "yarn.resourcemanager.address";
    /// `host:port` of the resourcemanager scheduler (application master) RPC server.
    pub const YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS: &str =
        "yarn.resourcemanager.scheduler.address";
    /// `host:port` of the resourcemanager resource tracker (nodemanager) RPC server.
    pub const YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS: &str =
        "yarn.resourcemanager.resource-tracker.address";
    /// `host:port` of the resourcemanager admin RPC server.
    pub const YARN_RESOURCEMANAGER_ADMIN_ADDRESS: &str = "yarn.resourcemanager.admin.address";
    /// `host:port` of the resourcemanager web UI.
    pub const YARN_RESOURCEMANAGER_WEBAPP_ADDRESS: &str = "yarn.resourcemanager.webapp.address";
    /// `host:port` of the nodemanager container-management RPC server.
    pub const YARN_NODEMANAGER_ADDRESS: &str = "yarn.nodemanager.address";
    /// `host:port` of the nodemanager web UI.
    pub const YARN_NODEMANAGER_WEBAPP_ADDRESS: &str = "yarn.nodemanager.webapp.address";
    /// Smallest container memory the scheduler grants, in MiB.
    pub const YARN_SCHEDULER_MINIMUM_ALLOCATION_MB: &str = "yarn.scheduler.minimum-allocation-mb";
    /// Largest container memory the scheduler grants, in MiB.
    pub const YARN_SCHEDULER_MAXIMUM_ALLOCATION_MB: &str = "yarn.scheduler.maximum-allocation-mb";
    /// Attempts an application master gets before its application fails.
    pub const YARN_RESOURCEMANAGER_AM_MAX_ATTEMPTS: &str = "yarn.resourcemanager.am.max-attempts";

    // mapreduce
    /// Map-side sort buffer, in MiB.
    pub const MAPREDUCE_TASK_IO_SORT_MB: &str = "mapreduce.task.io.sort.mb";
    /// Fill fraction of the sort buffer that starts a spill.
    pub const MAPREDUCE_MAP_SORT_SPILL_PERCENT: &str = "mapreduce.map.sort.spill.percent";
    /// Streams merged at once while sorting.
    pub const MAPREDUCE_TASK_IO_SORT_FACTOR: &str = "mapreduce.task.io.sort.factor";
    /// Default number of reduce tasks per job.
    pub const MAPREDUCE_JOB_REDUCES: &str = "mapreduce.job.reduces";
    /// Port of the nodemanager shuffle service.
    pub const MAPREDUCE_SHUFFLE_PORT: &str = "mapreduce.shuffle.port";
    /// Filesystem directory where job submission files are staged.
    pub const YARN_APP_MAPREDUCE_AM_STAGING_DIR: &str = "yarn.app.mapreduce.am.staging-dir";
}

/// Hadoop's default values for the keys Tusk uses. Keys without a default (such as
/// `dfs.namenode.rpc-address`) are absent.
const DEFAULTS: &[(&str, &str)] = &[
    (keys::FS_DEFAULT_FS, "file:///"),
    (keys::HADOOP_TMP_DIR, "/tmp/hadoop-${user.name}"),
    (keys::IO_FILE_BUFFER_SIZE, "4096"),
    (keys::FS_TRASH_INTERVAL, "0"),
    (keys::FS_TRASH_CHECKPOINT_INTERVAL, "0"),
    (keys::FS_PERMISSIONS_UMASK_MODE, "022"),
    (keys::HADOOP_SECURITY_AUTHENTICATION, "simple"),
    (
        keys::DFS_NAMENODE_NAME_DIR,
        "file://${hadoop.tmp.dir}/dfs/name",
    ),
    (keys::DFS_NAMENODE_EDITS_DIR, "${dfs.namenode.name.dir}"),
    (keys::DFS_NAMENODE_HTTP_ADDRESS, "0.0.0.0:9870"),
    (keys::DFS_NAMENODE_SECONDARY_HTTP_ADDRESS, "0.0.0.0:9868"),
    (keys::DFS_NAMENODE_HANDLER_COUNT, "10"),
    (keys::DFS_REPLICATION, "3"),
    (keys::DFS_REPLICATION_MAX, "512"),
    (keys::DFS_NAMENODE_REPLICATION_MIN, "1"),
    (keys::DFS_BLOCKSIZE, "134217728"),
    (keys::DFS_BYTES_PER_CHECKSUM, "512"),
    (keys::DFS_CLIENT_WRITE_PACKET_SIZE, "65536"),
    (keys::DFS_PERMISSIONS_ENABLED, "true"),
    (keys::DFS_PERMISSIONS_SUPERUSERGROUP, "supergroup"),
    (keys::DFS_LS_LIMIT, "1000"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_COMPONENT_LENGTH, "255"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_DIRECTORY_ITEMS, "1048576"),
    (keys::DFS_NAMENODE_FS_LIMITS_MIN_BLOCK_SIZE, "1048576"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_BLOCKS_PER_FILE, "10000"),
    (keys::DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT, "0.999f"),
    (keys::DFS_NAMENODE_SAFEMODE_MIN_DATANODES, "0"),
    (keys::DFS_NAMENODE_SAFEMODE_EXTENSION, "30000"),
    (keys::DFS_HEARTBEAT_INTERVAL, "3"),
    (keys::DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL, "300000"),
    (keys::DFS_BLOCKREPORT_INTERVAL_MSEC, "21600000"),
    (keys::DFS_NAMENODE_CHECKPOINT_PERIOD, "3600"),
    (keys::DFS_NAMENODE_CHECKPOINT_TXNS, "1000000"),
    (keys::DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD, "60"),
    (keys::DFS_NAMENODE_NUM_CHECKPOINTS_RETAINED, "2"),
    (
        keys::DFS_NAMENODE_CHECKPOINT_DIR,
        "file://${hadoop.tmp.dir}/dfs/namesecondary",
    ),
    (
        keys::DFS_DATANODE_DATA_DIR,
        "file://${hadoop.tmp.dir}/dfs/data",
    ),
    (keys::DFS_DATANODE_ADDRESS, "0.0.0.0:9866"),
    (keys::DFS_DATANODE_IPC_ADDRESS, "0.0.0.0:9867"),
    (keys::DFS_DATANODE_HTTP_ADDRESS, "0.0.0.0:9864"),
    (keys::YARN_RESOURCEMANAGER_ADDRESS, "0.0.0.0:8032"),
    (keys::YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS, "0.0.0.0:8030"),
    (
        keys::YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS,
        "0.0.0.0:8031",
    ),
    (keys::YARN_RESOURCEMANAGER_ADMIN_ADDRESS, "0.0.0.0:8033"),
    (keys::YARN_RESOURCEMANAGER_WEBAPP_ADDRESS, "0.0.0.0:8088"),
    (keys::YARN_NODEMANAGER_ADDRESS, "0.0.0.0:0"),
    (keys::YARN_NODEMANAGER_WEBAPP_ADDRESS, "0.0.0.0:8042"),
    (keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_MB, "1024"),
    (keys::YARN_SCHEDULER_MAXIMUM_ALLOCATION_MB, "8192"),
    (keys::YARN_RESOURCEMANAGER_AM_MAX_ATTEMPTS, "2"),
    (keys::MAPREDUCE_TASK_IO_SORT_MB, "100"),
    (keys::MAPREDUCE_MAP_SORT_SPILL_PERCENT, "0.80"),
    (keys::MAPREDUCE_TASK_IO_SORT_FACTOR, "10"),
    (keys::MAPREDUCE_JOB_REDUCES, "1"),
    (keys::MAPREDUCE_SHUFFLE_PORT, "13562"),
    (
        keys::YARN_APP_MAPREDUCE_AM_STAGING_DIR,
        "/tmp/hadoop-yarn/staging",
    ),
];

/// Where a value came from; decides what may override it.
#[derive(Clone, Debug)]
enum Source {
    Default,
    Resource(String),
    /// Set by the program or on the command line; no resource overrides it.
    Programmatic,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("defaults"),
            Source::Resource(file) => f.write_str(file),
            Source::Programmatic => f.write_str("programmatic"),
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    /// Unexpanded value, `${var}` references intact.
    raw: String,
    /// Set by a resource with `<final>true</final>`: later resources cannot override it.
    is_final: bool,
    source: Source,
}

/// One `<property>` read from a resource.
struct Property {
    name: String,
    value: String,
    is_final: bool,
}

/// Hadoop-style configuration: defaults, site files and overrides, read through typed getters.
#[derive(Clone, Debug)]
pub struct Configuration {
    entries: BTreeMap<String, Entry>,
}

impl Default for Configuration {
    fn default() -> Self {
        Self::new()
    }
}

impl Configuration {
    /// Built-in defaults only (Hadoop's defaults for the keys Tusk uses).
    pub fn new() -> Self {
        let entries = DEFAULTS
            .iter()
            .map(|&(key, value)| {
                let entry = Entry {
                    raw: value.to_string(),
                    is_final: false,
                    source: Source::Default,
                };
                (key.to_string(), entry)
            })
            .collect();
        Configuration { entries }
    }

    /// Defaults, then the site files from `$HADOOP_CONF_DIR` (see [`Self::load_from_dir`]);
    /// only the defaults if the variable is unset or empty.
    pub fn load() -> Result<Self, ConfError> {
        match std::env::var_os(CONF_DIR_ENV) {
            Some(dir) if !dir.is_empty() => Self::load_from_dir(Path::new(&dir)),
            _ => Ok(Self::new()),
        }
    }

    /// Defaults, then `core-site.xml`, `hdfs-site.xml`, `yarn-site.xml` and `mapred-site.xml`
    /// from `dir`, each optional.
    pub fn load_from_dir(dir: &Path) -> Result<Self, ConfError> {
        let mut conf = Self::new();
        if !dir.exists() {
            warn!(dir = %dir.display(), "configuration directory does not exist, using defaults");
        }
        for name in SITE_FILES {
            let path = dir.join(name);
            match fs::read(&path) {
                Ok(bytes) => conf.add_resource_bytes(&path, &bytes)?,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(io_error(&path, source)),
            }
        }
        Ok(conf)
    }

    /// Reads one Hadoop XML resource. It overrides defaults and earlier resources, except keys an
    /// earlier resource marked `<final>true</final>` and keys set programmatically. A malformed
    /// file changes nothing.
    pub fn add_resource(&mut self, path: &Path) -> Result<(), ConfError> {
        let bytes = fs::read(path).map_err(|source| io_error(path, source))?;
        self.add_resource_bytes(path, &bytes)
    }

    fn add_resource_bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<(), ConfError> {
        let file = path.display().to_string();
        let properties = parse_resource(&file, bytes)?;
        debug!(file = %file, properties = properties.len(), "loading configuration resource");
        for property in properties {
            if let Some(existing) = self.entries.get(&property.name) {
                if existing.is_final {
                    if existing.raw != property.value {
                        warn!(
                            key = %property.name,
                            file = %file,
                            final_in = %existing.source,
                            "ignoring attempt to override final parameter"
                        );
                    }
                    continue;
                }
                if matches!(existing.source, Source::Programmatic) {
                    continue;
                }
            }
            let entry = Entry {
                raw: property.value,
                is_final: property.is_final,
                source: Source::Resource(file.clone()),
            };
            self.entries.insert(property.name, entry);
        }
        Ok(())
    }

    /// Sets `key`, overriding defaults, resources (even final ones) and resources added later.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let is_final = self.entries.get(key).is_some_and(|entry| entry.is_final);
        let entry = Entry {
            raw: value.into(),
            is_final,
            source: Source::Programmatic,
        };
        self.entries.insert(key.to_string(), entry);
    }

    /// Removes `key`, its default included; a resource added later may set it again.
    pub fn unset(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Consumes Hadoop's generic options (GenericOptionsParser) from `args` and returns the
    /// remaining arguments in order.
    ///
    /// Recognized anywhere in `args` up to a literal `--` (which is dropped; everything after it
    /// passes through untouched): `-D key=value`, `-Dkey=value`, `-conf FILE` (added as a
    /// resource) and `-fs URI` (sets `fs.defaultFS`; `local` means `file:///`). As in Hadoop,
    /// `-D` and `-fs` values win over `-conf` files whatever their order.
    pub fn apply_generic_options(&mut self, args: Vec<String>) -> Result<Vec<String>, ConfError> {
        let mut remaining = Vec::with_capacity(args.len());
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--" => {
                    remaining.extend(args.by_ref());
                    break;
                }
                "-D" => {
                    let definition = option_argument(&mut args, "-D", "key=value")?;
                    self.set_definition(&definition)?;
                }
                "-conf" => {
                    let file = option_argument(&mut args, "-conf", "a configuration file")?;
                    self.add_resource(Path::new(&file))?;
                }
                "-fs" => {
                    let uri = option_argument(&mut args, "-fs", "a filesystem URI")?;
                    let uri = if uri == "local" {
                        "file:///"
                    } else {
                        uri.as_str()
                    };
                    self.set(keys::FS_DEFAULT_FS, uri);
                }
                _ => match arg.strip_prefix("-D") {
                    Some(definition) => self.set_definition(definition)?,
                    None => remaining.push(arg),
                },
            }
        }
        Ok(remaining)
    }

    /// Applies one `-D` argument, `key=value`.
    fn set_definition(&mut self, definition: &str) -> Result<(), ConfError> {
        let Some((key, value)) = definition.split_once('=') else {
            return Err(ConfError::Usage(format!(
                "-D expects key=value, got '{definition}'"
            )));
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(ConfError::Usage(format!(
                "-D expects key=value with a non-empty key, got '{definition}'"
            )));
        }
        self.set(key, value);
        Ok(())
    }

    /// Value of `key` with `${var}` references expanded.
    ///
    /// A reference names another key of this configuration, else `env.NAME` (an environment
    /// variable), else the system property `user.name` (`HADOOP_USER_NAME`, else the OS user)
    /// or `user.home`. Unknown references, cycles and references nested deeper than 20 are left
    /// as written.
    pub fn get(&self, key: &str) -> Option<String> {
        let (key, entry) = self.entries.get_key_value(key)?;
        Some(self.substitute(&entry.raw, &mut vec![key.as_str()]))
    }

    /// [`Self::get`] trimmed; an empty value counts as absent.
    pub fn get_trimmed(&self, key: &str) -> Option<String> {
        let value = self.get(key)?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(trimmed.to_string())
    }

    /// [`Self::get`], or `default` if `key` is absent.
    pub fn get_or(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or_else(|| default.to_string())
    }

    /// [`Self::get_trimmed`], or [`ConfError::Missing`] if `key` is absent or empty.
    pub fn get_required(&self, key: &str) -> Result<String, ConfError> {
        self.get_trimmed(key).ok_or_else(|| ConfError::Missing {
            key: key.to_string(),
        })
    }

    /// `true` or `false`, case-insensitive; absent or empty gives `default`.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, ConfError> {
        self.get_parsed(key, default, |text| {
            if text.eq_ignore_ascii_case("true") {
                Ok(true)
            } else if text.eq_ignore_ascii_case("false") {
                Ok(false)
            } else {
                Err("expected true or false".to_string())
            }
        })
    }

    /// Unsigned integer, decimal or `0x` hexadecimal; absent or empty gives `default`.
    pub fn get_u64(&self, key: &str, default: u64) -> Result<u64, ConfError> {
        self.get_parsed(key, default, |text| parse_unsigned(text, u64::MAX))
    }

    /// Signed integer, decimal or `0x` hexadecimal; absent or empty gives `default`.
    pub fn get_i64(&self, key: &str, default: i64) -> Result<i64, ConfError> {
        self.get_parsed(key, default, parse_signed)
    }

    /// Like [`Self::get_u64`], limited to `u32`.
    pub fn get_u32(&self, key: &str, default: u32) -> Result<u32, ConfError> {
        self.get_parsed(key, default, |text| {
            let value = parse_unsigned(text, u32::MAX.into())?;
            u32::try_from(value).map_err(|_| "expected a 32-bit unsigned integer".to_string())
        })
    }

    /// Like [`Self::get_u64`], limited to `u16`.
    pub fn get_u16(&self, key: &str, default: u16) -> Result<u16, ConfError> {
        self.get_parsed(key, default, |text| {
            let value = parse_unsigned(text, u16::MAX.into())?;
            u16::try_from(value).map_err(|_| "expected a 16-bit unsigned integer".to_string())
        })
    }

    /// Finite decimal number; a trailing `f` or `d` is accepted as Java's float syntax
    /// (`0.999f`). Absent or empty gives `default`.
    pub fn get_f64(&self, key: &str, default: f64) -> Result<f64, ConfError> {
        self.get_parsed(key, default, |text| {
            let number = text.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(text);
            match number.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(value),
                _ => Err("expected a decimal number".to_string()),
            }
        })
    }

    /// Minutes as a decimal number (how Hadoop reads `fs.trash.interval`);
    /// absent, empty or negative is zero.
    pub fn get_minutes(&self, key: &str) -> Result<std::time::Duration, ConfError> {
        let minutes = self.get_f64(key, 0.0)?;
        Ok(std::time::Duration::from_secs_f64(
            (minutes * 60.0).max(0.0),
        ))
    }

    /// Size in bytes like Hadoop's `getLongBytes`: a plain number, or one with a binary suffix
    /// `k`, `m`, `g`, `t`, `p` or `e`, case-insensitive (`128m` is 134217728). Absent or empty
    /// gives `default`.
    pub fn get_size_bytes(&self, key: &str, default: u64) -> Result<u64, ConfError> {
        self.get_parsed(key, default, parse_size)
    }

    /// Duration like Hadoop's `getTimeDuration`: an integer with an optional unit suffix `ns`,
    /// `us`, `ms`, `s`, `m`, `h` or `d`; a plain number is in `default_unit`. Absent or empty
    /// gives `default`.
    pub fn get_duration(
        &self,
        key: &str,
        default: Duration,
        default_unit: TimeUnit,
    ) -> Result<Duration, ConfError> {
        self.get_parsed(key, default, |text| parse_duration(text, default_unit))
    }

    /// Comma- or newline-separated list, each item trimmed, empty items dropped (Hadoop's
    /// `getTrimmedStrings`). Absent gives an empty list.
    pub fn get_strings(&self, key: &str) -> Vec<String> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        value
            .split([',', '\n'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Local directories from a list of plain paths or `file:` URIs (the form of
    /// `dfs.namenode.name.dir`). A URI with another scheme or a remote host is
    /// [`ConfError::Invalid`], since these directories must be on this machine.
    pub fn get_local_dirs(&self, key: &str) -> Result<Vec<PathBuf>, ConfError> {
        let mut dirs = Vec::new();
        for item in self.get_strings(key) {
            let Some(dir) = local_path(&item) else {
                return Err(invalid(key, item, "expected a local path or file:// URI"));
            };
            dirs.push(dir);
        }
        Ok(dirs)
    }

    /// Host and port of a `host:port` value (IPv6 hosts in brackets, returned without them);
    /// `default` if `key` is absent or empty.
    pub fn get_socket_addr(&self, key: &str, default: &str) -> Result<(String, u16), ConfError> {
        let value = self
            .get_trimmed(key)
            .unwrap_or_else(|| default.trim().to_string());
        match parse_host_port(&value) {
            Some((host, port)) => Ok((host.to_string(), port)),
            None => Err(invalid(key, value, "expected host:port")),
        }
    }

    /// Every key (defaults included) with its expanded value, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.entries.iter().map(|(key, entry)| {
            let value = self.substitute(&entry.raw, &mut vec![key.as_str()]);
            (key.clone(), value)
        })
    }

    /// Writes a Hadoop XML site file holding `props`, atomically: a temporary file is written,
    /// synced and renamed over `path`, then the directory is synced.
    pub fn write_site_file(path: &Path, props: &[(&str, &str)]) -> Result<(), ConfError> {
        let xml = xml_document(&path.display().to_string(), props.iter().copied())?;
        write_atomically(path, xml.as_bytes())
    }

    /// Every key (defaults included) with its expanded value, as one Hadoop XML resource:
    /// what a MapReduce job ships to its tasks as `job.xml`.
    pub fn to_xml(&self) -> Result<String, ConfError> {
        let props: Vec<(String, String)> = self.iter().collect();
        xml_document(
            "job.xml",
            props
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
    }

    /// Parses the trimmed value of `key` with `parse`, whose error is the `expected` text of
    /// [`ConfError::Invalid`]; absent or empty gives `default`.
    fn get_parsed<T>(
        &self,
        key: &str,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfError> {
        let Some(value) = self.get_trimmed(key) else {
            return Ok(default);
        };
        parse(&value).map_err(|expected| ConfError::Invalid {
            key: key.to_string(),
            value,
            expected,
        })
    }

    /// Expands the `${var}` references in `raw`. `expanding` holds the keys whose values are
    /// being expanded, outermost first, to stop cycles and runaway nesting.
    fn substitute<'a>(&'a self, raw: &str, expanding: &mut Vec<&'a str>) -> String {
        let mut expanded = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(start) = rest.find("${") {
            let after_open = &rest[start + 2..];
            let Some(close) = find_closing_brace(after_open) else {
                // Unterminated: keep the `${` and look for references after it.
                expanded.push_str(&rest[..start + 2]);
                rest = after_open;
                continue;
            };
            expanded.push_str(&rest[..start]);
            let reference = &after_open[..close];
            // The name may itself contain references, as in `${dfs.${service}.dir}`.
            let name = self.substitute(reference, expanding);
            match self.resolve_variable(&name, expanding) {
                Some(value) => expanded.push_str(&value),
                None => expanded.push_str(&rest[start..start + 2 + close + 1]),
            }
            rest = &after_open[close + 1..];
        }
        expanded.push_str(rest);
        expanded
    }

    /// Expanded value of the variable `name`, or `None` to leave the reference as written.
    fn resolve_variable<'a>(&'a self, name: &str, expanding: &mut Vec<&'a str>) -> Option<String> {
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '$') {
            return None;
        }
        if let Some((key, entry)) = self.entries.get_key_value(name) {
            let is_cycle = expanding.contains(&key.as_str());
            if is_cycle || expanding.len() >= MAX_SUBSTITUTION_DEPTH {
                return None;
            }
            expanding.push(key);
            let value = self.substitute(&entry.raw, expanding);
            expanding.pop();
            return Some(value);
        }
        if let Some(variable) = name.strip_prefix("env.") {
            return std::env::var(variable).ok();
        }
        system_property(name)
    }
}

/// The argument following a generic option, or a usage error saying what it needs.
fn option_argument(
    args: &mut impl Iterator<Item = String>,
    option: &str,
    what: &str,
) -> Result<String, ConfError> {
    match args.next() {
        Some(argument) if !argument.is_empty() => Ok(argument),
        _ => Err(ConfError::Usage(format!("{option} requires {what}"))),
    }
}

/// Reads the `<property>` elements of a Hadoop configuration file.
fn parse_resource(file: &str, bytes: &[u8]) -> Result<Vec<Property>, ConfError> {
    let parse_error = |reason: String| ConfError::Parse {
        file: file.to_string(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|error| parse_error(error.to_string()))?;
    let document =
        roxmltree::Document::parse(text).map_err(|error| parse_error(error.to_string()))?;
    let root = document.root_element();
    if root.tag_name().name() != "configuration" {
        return Err(parse_error(format!(
            "root element is <{}>, expected <configuration>",
            root.tag_name().name()
        )));
    }
    let mut properties = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        if node.tag_name().name() != "property" {
            warn!(file = %file, element = node.tag_name().name(), "ignoring unknown element");
            continue;
        }
        let position = document.text_pos_at(node.range().start);
        // Hadoop accepts the fields as attributes too: <property name=".." value=".."/>.
        let mut name = node.attribute("name").map(str::to_string);
        let mut value = node.attribute("value").map(str::to_string);
        let mut is_final = node.attribute("final").is_some_and(is_true);
        for field in node.children().filter(roxmltree::Node::is_element) {
            match field.tag_name().name() {
                "name" => name = Some(element_text(field)),
                "value" => value = Some(element_text(field)),
                "final" => is_final = is_true(&element_text(field)),
                _ => {}
            }
        }
        let name = name.map(|name| name.trim().to_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(parse_error(format!(
                "property without a name at {position}"
            )));
        }
        // Hadoop skips a property that has no value at all.
        let Some(value) = value else {
            debug!(file = %file, key = %name, "skipping property without a value");
            continue;
        };
        properties.push(Property {
            name,
            value,
            is_final,
        });
    }
    Ok(properties)
}

/// Text content of an element, its text and CDATA children joined (comments dropped).
fn element_text(node: roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(roxmltree::Node::is_text)
        .filter_map(|child| child.text())
        .collect()
}

fn is_true(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("true")
}

/// Offset of the `}` closing a reference whose `${` has been consumed, skipping nested
/// references.
fn find_closing_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'$' && bytes.get(index + 1) == Some(&b'{') {
            depth += 1;
            index += 2;
            continue;
        }
        if bytes[index] == b'}' {
            if depth == 0 {
                return Some(index);
            }
            depth -= 1;
        }
        index += 1;
    }
    None
}

/// The Java system properties Hadoop configurations commonly reference.
fn system_property(name: &str) -> Option<String> {
    match name {
        "user.name" => Some(crate::user::current_user()),
        "user.home" => home_directory(),
        _ => None,
    }
}

/// Home directory of the effective user from the password database (as Java's `user.home`),
/// else `$HOME`.
fn home_directory() -> Option<String> {
    passwd_home_directory().or_else(|| std::env::var("HOME").ok().filter(|home| !home.is_empty()))
}

fn passwd_home_directory() -> Option<String> {
    const MAX_BUFFER: usize = 1 << 20;
    let mut buffer: Vec<libc::c_char> = vec![0; 1024];
    loop {
        let mut entry = std::mem::MaybeUninit::<libc::passwd>::uninit();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the duration of the call and `buffer.len()` is the
        // true length of `buffer`; getpwuid_r is the thread-safe variant.
        let code = unsafe {
            libc::getpwuid_r(
                libc::geteuid(),
                entry.as_mut_ptr(),
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut result,
            )
        };
        if code == libc::ERANGE && buffer.len() < MAX_BUFFER {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if code != 0 || result.is_null() {
            return None;
        }
        // SAFETY: on success `result` points to `entry`, fully initialized, whose strings live
        // in `buffer`, which outlives this borrow.
        let home = unsafe { (*result).pw_dir };
        if home.is_null() {
            return None;
        }
        // SAFETY: `pw_dir` is a NUL-terminated string inside `buffer`.
        let home = unsafe { CStr::from_ptr(home) };
        return Some(home.to_string_lossy().into_owned());
    }
}

fn invalid(key: &str, value: impl Into<String>, expected: &str) -> ConfError {
    ConfError::Invalid {
        key: key.to_string(),
        value: value.into(),
        expected: expected.to_string(),
    }
}

fn io_error(path: &Path, source: io::Error) -> ConfError {
    ConfError::Io {
        file: path.display().to_string(),
        source,
    }
}

/// Unsigned integer no greater than `max`, decimal or `0x` hexadecimal.
fn parse_unsigned(text: &str, max: u64) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    match parsed {
        Ok(value) if value <= max => Ok(value),
        Ok(_) => Err(format!(
            "expected an unsigned integer no greater than {max}"
        )),
        Err(_) => Err("expected an unsigned integer".to_string()),
    }
}

/// Signed integer, decimal or `0x` hexadecimal with an optional leading `-`.
fn parse_signed(text: &str) -> Result<i64, String> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(magnitude) => (true, magnitude),
        None => (false, text),
    };
    let hex = magnitude
        .strip_prefix("0x")
        .or_else(|| magnitude.strip_prefix("0X"));
    let parsed = match hex {
        Some(hex) if negative => i64::from_str_radix(&format!("-{hex}"), 16),
        Some(hex) => i64::from_str_radix(hex, 16),
        None => text.parse::<i64>(),
    };
    parsed.map_err(|_| "expected an integer".to_string())
}

/// Byte count with an optional binary suffix, like Hadoop's `TraditionalBinaryPrefix`.
fn parse_size(text: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a size in bytes with an optional k, m, g, t, p or e suffix";
    let Some(last) = text.chars().last() else {
        return Err(EXPECTED.to_string());
    };
    if last.is_ascii_digit() {
        return text.parse::<u64>().map_err(|_| EXPECTED.to_string());
    }
    let shift = match last.to_ascii_lowercase() {
        'k' => 10,
        'm' => 20,
        'g' => 30,
        't' => 40,
        'p' => 50,
        'e' => 60,
        _ => return Err(EXPECTED.to_string()),
    };
    let number = text[..text.len() - last.len_utf8()]
        .parse::<u64>()
        .map_err(|_| EXPECTED.to_string())?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| "expected a size below 16e".to_string())
}

/// Integer with an optional unit suffix, like Hadoop's `getTimeDuration`.
fn parse_duration(text: &str, default_unit: TimeUnit) -> Result<Duration, String> {
    const EXPECTED: &str =
        "expected a duration: an integer with an optional unit ns, us, ms, s, m, h or d";
    // Two-letter suffixes first: "ms" also ends in "s".
    const SUFFIXES: [(&str, TimeUnit); 7] = [
        ("ns", TimeUnit::Nanoseconds),
        ("us", TimeUnit::Microseconds),
        ("ms", TimeUnit::Milliseconds),
        ("s", TimeUnit::Seconds),
        ("m", TimeUnit::Minutes),
        ("h", TimeUnit::Hours),
        ("d", TimeUnit::Days),
    ];
    let lowercase = text.to_ascii_lowercase();
    let (number, unit) = SUFFIXES
        .iter()
        .find_map(|&(suffix, unit)| Some((lowercase.strip_suffix(suffix)?, unit)))
        .unwrap_or((lowercase.as_str(), default_unit));
    let amount = number
        .trim_end()
        .parse::<u64>()
        .map_err(|_| EXPECTED.to_string())?;
    unit.duration(amount)
        .ok_or_else(|| "expected a duration that fits in 64-bit seconds".to_string())
}

/// `host:port`, or `[ipv6]:port`; the host is returned without brackets.
fn parse_host_port(text: &str) -> Option<(&str, u16)> {
    let (host, port) = match text.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => {
            let (host, port) = text.rsplit_once(':')?;
            // An unbracketed IPv6 address or a URI is ambiguous.
            if host.contains([':', '/']) {
                return None;
            }
            (host, port)
        }
    };
    let host_is_valid = !host.is_empty() && !host.contains(char::is_whitespace);
    let port_is_digits = !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit());
    if !host_is_valid || !port_is_digits {
        return None;
    }
    Some((host, port.parse().ok()?))
}

/// Path named by a plain path or a `file:` URI on this machine; `None` for anything else.
fn local_path(item: &str) -> Option<PathBuf> {
    let Some(scheme) = uri_scheme(item) else {
        return Some(PathBuf::from(item));
    };
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let after_scheme = &item[scheme.len() + 1..];
    let path = match after_scheme.strip_prefix("//") {
        Some(authority_and_path) => {
            let slash = authority_and_path.find('/')?;
            let authority = &authority_and_path[..slash];
            if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
                return None;
            }
            &authority_and_path[slash..]
        }
        None => after_scheme,
    };
    if !path.starts_with('/') || path.contains(['?', '#']) {
        return None;
    }
    percent_decode(path).map(PathBuf::from)
}

/// Scheme of `text` if it starts like a URI (`scheme:`), per RFC 3986.
fn uri_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next()?.is_ascii_alphabetic();
    let rest_is_valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_is_valid).then_some(scheme)
}

/// Decodes `%XX` escapes of a URI path; `None` if an escape or the result is malformed.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Characters XML 1.0 can carry.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn push_xml_escaped(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            // A literal CR would be normalized away by the reader.
            '\r' => xml.push_str("&#13;"),
            _ => xml.push(c),
        }
    }
}

/// A Hadoop XML resource holding `props`; `name` labels errors.
fn xml_document<'a>(
    name: &str,
    props: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<String, ConfError> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
    for (key, value) in props {
        if key.trim().is_empty() {
            return Err(ConfError::Usage(format!(
                "{name}: cannot write a property with an empty name"
            )));
        }
        if !key.chars().chain(value.chars()).all(is_xml_char) {
            return Err(invalid(
                key,
                value,
                "expected text without control characters",
            ));
        }
        xml.push_str("  <property>\n    <name>");
        push_xml_escaped(&mut xml, key);
        xml.push_str("</name>\n    <value>");
        push_xml_escaped(&mut xml, value);
        xml.push_str("</value>\n  </property>\n");
    }
    xml.push_str("</configuration>\n");
    Ok(xml)
}

/// Writes `bytes` to `path.tmp`, syncs it, renames it over `path` and syncs the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ConfError> {
    let Some(file_name) = path.file_name() else {
        return Err(ConfError::Usage(format!(
            "{}: not a file path",
            path.display()
        )));
    };
    let mut temporary_name = file_name.to_os_string();
    temporary_name.push(".tmp");
    let temporary_path = path.with_file_name(temporary_name);

    let written = File::create(&temporary_path).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(source) = written {
        let _ = fs::remove_file(&temporary_path);
        return Err(io_error(&temporary_path, source));
    }
    if let Err(source) = fs::rename(&temporary_path, path) {
        let _ = fs::remove_file(&temporary_path);
        return Err(io_error(path, source));
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(directory)
        .and_then(|directory| directory.sync_all())
        .map_err(|source| io_error(directory, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_xml(properties: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<configuration>\n{properties}\n</configuration>\n")
    }

    fn property(name: &str, value: &str) -> String {
        format!("<property><name>{name}</name><value>{value}</value></property>")
    }

    fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    fn conf_with(pairs: &[(&str, &str)]) -> Configuration {
        let mut conf = Configuration::new();
        for &(key, value) in pairs {
            conf.set(key, value);
        }
        conf
    }

    #[test]
    fn defaults_are_present_and_parse() {
        let conf = Configuration::new();
        assert_eq!(conf.get(keys::FS_DEFAULT_FS).as_deref(), Some("file:///"));
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION, 0).unwrap(), 3);
        assert_eq!(
            conf.get_size_bytes(keys::DFS_BLOCKSIZE, 0).unwrap(),
            128 << 20
        );
        assert_eq!(
            conf.get_f64(keys::DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT, 0.0)
                .unwrap(),
            0.999
        );
        assert_eq!(
            conf.get_f64(keys::MAPREDUCE_MAP_SORT_SPILL_PERCENT, 0.0)
                .unwrap(),
            0.8
        );
        assert!(conf.get_bool(keys::DFS_PERMISSIONS_ENABLED, false).unwrap());
        assert_eq!(conf.get(keys::DFS_NAMENODE_RPC_ADDRESS), None);
        assert_eq!(conf.get(keys::DFS_NAMENODE_RPC_BIND_HOST), None);
        assert_eq!(
            conf.get_socket_addr(keys::YARN_NODEMANAGER_ADDRESS, "")
                .unwrap(),
            ("0.0.0.0".to_string(), 0)
        );

        let mut seen = std::collections::HashSet::new();
        for &(key, _) in DEFAULTS {
            assert!(seen.insert(key), "duplicate default for {key}");
        }
        assert_eq!(conf.iter().count(), DEFAULTS.len());
    }

    #[test]
    fn default_directories_derive_from_tmp_dir_and_user() {
        let conf = Configuration::new();
        let user = crate::user::current_user();
        let tmp_dir = format!("/tmp/hadoop-{user}");
        assert_eq!(conf.get(keys::HADOOP_TMP_DIR), Some(tmp_dir.clone()));
        let name_dir = format!("file://{tmp_dir}/dfs/name");
        assert_eq!(
            conf.get(keys::DFS_NAMENODE_NAME_DIR),
            Some(name_dir.clone())
        );
        assert_eq!(conf.get(keys::DFS_NAMENODE_EDITS_DIR), Some(name_dir));
        assert_eq!(
            conf.get_local_dirs(keys::DFS_DATANODE_DATA_DIR).unwrap(),
            vec![PathBuf::from(format!("{tmp_dir}/dfs/data"))]
        );
    }

    #[test]
    fn resources_override_defaults_and_earlier_resources() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_file(
            dir.path(),
            "first.xml",
            &site_xml(&[property("dfs.replication", "2"), property("a", "first")].concat()),
        );
        let second = write_file(
            dir.path(),
            "second.xml",
            &site_xml(&property("a", "second")),
        );
        let mut conf = Configuration::new();
        conf.add_resource(&first).unwrap();
        conf.add_resource(&second).unwrap();
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION, 0).unwrap(), 2);
        assert_eq!(conf.get("a").as_deref(), Some("second"));
    }

    #[test]
    fn final_properties_resist_later_resources_but_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_file(
            dir.path(),
            "first.xml",
            &site_xml(
                "<property><name>locked</name><value>1</value><final>true</final></property>
                 <property><name>locked</name><value>2</value></property>",
            ),
        );
        let second = write_file(
            dir.path(),
            "second.xml",
            &site_xml(&property("locked", "3")),
        );
        let mut conf = Configuration::new();
        conf.add_resource(&first).unwrap();
        conf.add_resource(&second).unwrap();
        assert_eq!(conf.get("locked").as_deref(), Some("1"));

        conf.set("locked", "4");
        assert_eq!(conf.get("locked").as_deref(), Some("4"));
    }

    #[test]
    fn programmatic_values_win_over_resources_added_later() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(dir.path(), "site.xml", &site_xml(&property("k", "file")));
        let mut conf = conf_with(&[("k", "set")]);
        conf.add_resource(&file).unwrap();
        assert_eq!(conf.get("k").as_deref(), Some("set"));

        conf.unset("k");
        assert_eq!(conf.get("k"), None);
        conf.add_resource(&file).unwrap();
        assert_eq!(conf.get("k").as_deref(), Some("file"));
    }

    #[test]
    fn xml_tolerates_comments_descriptions_and_whitespace() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- site overrides -->
<configuration>
  <!-- a comment between properties -->
  <property>
    <name>
      spaced.name
    </name>
    <value>a<!-- inside -->b</value>
    <description>ignored &amp; harmless</description>
  </property>
  <property><name>cdata</name><value><![CDATA[x<y]]></value></property>
  <property><name>empty</name><value/></property>
  <property><name>no.value</name><description>skipped</description></property>
  <property name="attr.name" value="attr.value" final="true"/>
  <unknown>ignored</unknown>
</configuration>"#;
        let file = write_file(dir.path(), "site.xml", text);
        let mut conf = Configuration::new();
        conf.add_resource(&file).unwrap();
        assert_eq!(conf.get("spaced.name").as_deref(), Some("ab"));
        assert_eq!(conf.get("cdata").as_deref(), Some("x<y"));
        assert_eq!(conf.get("empty").as_deref(), Some(""));
        assert_eq!(conf.get("no.value"), None);
        assert_eq!(conf.get("attr.name").as_deref(), Some("attr.value"));
    }

    #[test]
    fn property_without_name_is_a_parse_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(
            dir.path(),
            "broken-site.xml",
            &site_xml(
                &[
                    property("good", "1"),
                    "<property><value>v</value></property>".into(),
                ]
                .concat(),
            ),
        );
        let mut conf = Configuration::new();
        let error = conf.add_resource(&file).unwrap_err();
        assert!(matches!(error, ConfError::Parse { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("broken-site.xml"), "{message}");
        assert!(message.contains("without a name"), "{message}");
        // A rejected file changes nothing.
        assert_eq!(conf.get("good"), None);
    }

    #[test]
    fn malformed_xml_and_wrong_root_are_parse_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let malformed = write_file(
            dir.path(),
            "malformed.xml",
            "<configuration><property><name>a</name>",
        );
        let wrong_root = write_file(
            dir.path(),
            "wrong-root.xml",
            "<settings><property><name>a</name><value>1</value></property></settings>",
        );
        let not_utf8 = dir.path().join("latin1.xml");
        fs::write(&not_utf8, b"<configuration>\xff</configuration>").unwrap();

        let mut conf = Configuration::new();
        for path in [&malformed, &wrong_root, &not_utf8] {
            let error = conf.add_resource(path).unwrap_err();
            assert!(matches!(error, ConfError::Parse { .. }), "{error:?}");
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("cannot parse {}: ", path.display())),
                "{message}"
            );
        }
        let message = conf.add_resource(&wrong_root).unwrap_err().to_string();
        assert!(message.contains("<settings>"), "{message}");
    }

    #[test]
    fn unreadable_resource_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.xml");
        let error = Configuration::new().add_resource(&missing).unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("missing.xml"));
    }

    #[test]
    fn load_from_dir_reads_site_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write_file(
            dir.path(),
            "core-site.xml",
            &site_xml(
                &[
                    property("fs.defaultFS", "hdfs://nn:8020"),
                    property("shared", "core"),
                    property("hadoop.tmp.dir", "/data/tmp"),
                ]
                .concat(),
            ),
        );
        write_file(
            dir.path(),
            "hdfs-site.xml",
            &site_xml(&property("shared", "hdfs")),
        );
        write_file(
            dir.path(),
            "mapred-site.xml",
            &site_xml(&property("mapreduce.job.reduces", "4")),
        );
        write_file(
            dir.path(),
            "other-site.xml",
            &site_xml(&property("other", "x")),
        );

        let conf = Configuration::load_from_dir(dir.path()).unwrap();
        assert_eq!(
            conf.get(keys::FS_DEFAULT_FS).as_deref(),
            Some("hdfs://nn:8020")
        );
        assert_eq!(conf.get("shared").as_deref(), Some("hdfs"));
        assert_eq!(conf.get_u32(keys::MAPREDUCE_JOB_REDUCES, 0).unwrap(), 4);
        assert_eq!(conf.get("other"), None);
        assert_eq!(
            conf.get(keys::DFS_NAMENODE_NAME_DIR).as_deref(),
            Some("file:///data/tmp/dfs/name")
        );
    }

    #[test]
    fn load_from_missing_dir_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let conf = Configuration::load_from_dir(&dir.path().join("absent")).unwrap();
        assert_eq!(conf.iter().count(), DEFAULTS.len());
    }

    #[test]
    fn load_from_dir_reports_a_broken_site_file() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), "yarn-site.xml", "<configuration>");
        let message = Configuration::load_from_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(message.contains("yarn-site.xml"), "{message}");
    }

    #[test]
    fn substitution_expands_nested_references() {
        let conf = conf_with(&[
            ("base", "/srv"),
            ("middle", "${base}/tusk"),
            ("top", "${middle}/data and ${base}"),
            ("service", "namenode"),
            ("dir.namenode", "/nn"),
            ("indirect", "${dir.${service}}"),
        ]);
        assert_eq!(conf.get("top").as_deref(), Some("/srv/tusk/data and /srv"));
        assert_eq!(conf.get("indirect").as_deref(), Some("/nn"));
    }

    #[test]
    fn substitution_leaves_unknown_and_malformed_references() {
        let conf = conf_with(&[
            ("known", "k"),
            (
                "value",
                "${unknown.key}-${known}-${ spaced }-${}-${unterminated ${known}",
            ),
        ]);
        assert_eq!(
            conf.get("value").as_deref(),
            Some("${unknown.key}-k-${ spaced }-${}-${unterminated k")
        );
    }

    #[test]
    fn substitution_reads_environment_and_system_properties() {
        let conf = conf_with(&[
            ("path", "${env.PATH}"),
            ("absent", "${env.TUSK_CONF_TEST_SURELY_UNSET_VARIABLE}"),
            ("user", "${user.name}"),
            ("home", "${user.home}"),
        ]);
        let expected_path = std::env::var("PATH").unwrap_or_else(|_| "${env.PATH}".into());
        assert_eq!(conf.get("path"), Some(expected_path));
        assert_eq!(
            conf.get("absent").as_deref(),
            Some("${env.TUSK_CONF_TEST_SURELY_UNSET_VARIABLE}")
        );
        assert_eq!(conf.get("user"), Some(crate::user::current_user()));
        let expected_home = home_directory().unwrap_or_else(|| "${user.home}".into());
        assert_eq!(conf.get("home"), Some(expected_home));

        // A configuration key of the same name takes precedence.
        let conf = conf_with(&[("user.name", "alice"), ("dir", "/home/${user.name}")]);
        assert_eq!(conf.get("dir").as_deref(), Some("/home/alice"));
    }

    #[test]
    fn substitution_breaks_cycles() {
        let conf = conf_with(&[("self", "x${self}"), ("a", "a${b}"), ("b", "b${a}")]);
        assert_eq!(conf.get("self").as_deref(), Some("x${self}"));
        assert_eq!(conf.get("a").as_deref(), Some("ab${a}"));
        assert_eq!(conf.get("b").as_deref(), Some("ba${b}"));
    }

    #[test]
    fn substitution_depth_is_limited() {
        let mut conf = Configuration::new();
        for level in 0..30 {
            conf.set(
                &format!("chain.{level}"),
                format!("${{chain.{}}}", level + 1),
            );
        }
        conf.set("chain.30", "end");
        assert_eq!(conf.get("chain.0").as_deref(), Some("${chain.20}"));
        assert_eq!(conf.get("chain.15").as_deref(), Some("end"));
    }

    #[test]
    fn generic_options_set_values_and_keep_other_args() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(
            dir.path(),
            "extra.xml",
            &site_xml(&[property("from.file", "yes"), property("both", "file")].concat()),
        );
        let file_arg = file.display().to_string();
        let mut conf = Configuration::new();
        let remaining = conf
            .apply_generic_options(args(&[
                "-ls",
                "-D",
                "dfs.replication=2",
                "-Dpair=a=b",
                "-Dboth=cli",
                "-conf",
                &file_arg,
                "/path",
                "-fs",
                "hdfs://nn:8020",
                "-R",
                "--",
                "-D",
                "after=dash",
                "--",
            ]))
            .unwrap();
        assert_eq!(
            remaining,
            args(&["-ls", "/path", "-R", "-D", "after=dash", "--"])
        );
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION, 0).unwrap(), 2);
        assert_eq!(conf.get("pair").as_deref(), Some("a=b"));
        assert_eq!(conf.get("from.file").as_deref(), Some("yes"));
        // -D wins over -conf even when it comes first, as in Hadoop.
        assert_eq!(conf.get("both").as_deref(), Some("cli"));
        assert_eq!(
            conf.get(keys::FS_DEFAULT_FS).as_deref(),
            Some("hdfs://nn:8020")
        );
        assert_eq!(conf.get("after"), None);

        conf.apply_generic_options(args(&["-fs", "local", "-Dempty="]))
            .unwrap();
        assert_eq!(conf.get(keys::FS_DEFAULT_FS).as_deref(), Some("file:///"));
        assert_eq!(conf.get("empty").as_deref(), Some(""));
    }

    #[test]
    fn malformed_generic_options_are_usage_errors() {
        for bad in [
            &["-D", "novalue"][..],
            &["-Dnovalue"],
            &["-D=value"],
            &["-D"],
            &["-conf"],
            &["-fs"],
        ] {
            let error = Configuration::new()
                .apply_generic_options(args(bad))
                .unwrap_err();
            assert!(matches!(error, ConfError::Usage(_)), "{bad:?}: {error:?}");
        }
        let message = Configuration::new()
            .apply_generic_options(args(&["-Dnovalue"]))
            .unwrap_err()
            .to_string();
        assert_eq!(message, "-D expects key=value, got 'novalue'");

        let error = Configuration::new()
            .apply_generic_options(args(&["-conf", "/nonexistent/tusk/conf.xml"]))
            .unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
    }

    #[test]
    fn string_getters() {
        let conf = conf_with(&[("padded", "  value \n"), ("blank", "   ")]);
        assert_eq!(conf.get("padded").as_deref(), Some("  value \n"));
        assert_eq!(conf.get_trimmed("padded").as_deref(), Some("value"));
        assert_eq!(conf.get_trimmed("blank"), None);
        assert_eq!(conf.get_or("absent", "fallback"), "fallback");
        assert_eq!(conf.get_or("blank", "fallback"), "   ");
        assert_eq!(conf.get_required("padded").unwrap(), "value");
        for key in ["blank", "absent"] {
            let error = conf.get_required(key).unwrap_err();
            assert_eq!(error.to_string(), format!("configuration {key} is missing"));
        }
    }

    #[test]
    fn bool_getter() {
        let conf = conf_with(&[
            ("yes", " TRUE "),
            ("no", "False"),
            ("bad", "yes"),
            ("blank", ""),
        ]);
        assert!(conf.get_bool("yes", false).unwrap());
        assert!(!conf.get_bool("no", true).unwrap());
        assert!(conf.get_bool("absent", true).unwrap());
        assert!(conf.get_bool("blank", true).unwrap());
        assert_eq!(
            conf.get_bool("bad", false).unwrap_err().to_string(),
            "invalid value for bad: 'yes' (expected true or false)"
        );
    }

    #[test]
    fn integer_getters() {
        let conf = conf_with(&[
            ("dfs.replication", "abc"),
            ("big", "18446744073709551615"),
            ("hex", "0x1F"),
            ("negative", "-42"),
            ("negative.hex", "-0x10"),
            ("port", "70000"),
            ("huge", "5000000000"),
        ]);
        assert_eq!(
            conf.get_u16("dfs.replication", 3).unwrap_err().to_string(),
            "invalid value for dfs.replication: 'abc' (expected an unsigned integer)"
        );
        assert_eq!(conf.get_u64("big", 0).unwrap(), u64::MAX);
        assert_eq!(conf.get_u64("hex", 0).unwrap(), 31);
        assert_eq!(conf.get_u64("absent", 7).unwrap(), 7);
        assert_eq!(
            conf.get_u64("negative", 0).unwrap_err().to_string(),
            "invalid value for negative: '-42' (expected an unsigned integer)"
        );
        assert_eq!(conf.get_i64("negative", 0).unwrap(), -42);
        assert_eq!(conf.get_i64("negative.hex", 0).unwrap(), -16);
        assert_eq!(conf.get_i64("absent", -1).unwrap(), -1);
        assert_eq!(
            conf.get_i64("dfs.replication", 0).unwrap_err().to_string(),
            "invalid value for dfs.replication: 'abc' (expected an integer)"
        );
        assert_eq!(conf.get_u32("port", 0).unwrap(), 70000);
        assert_eq!(
            conf.get_u32("huge", 0).unwrap_err().to_string(),
            "invalid value for huge: '5000000000' (expected an unsigned integer no greater than 4294967295)"
        );
        assert_eq!(conf.get_u16("hex", 0).unwrap(), 31);
        assert_eq!(
            conf.get_u16("port", 0).unwrap_err().to_string(),
            "invalid value for port: '70000' (expected an unsigned integer no greater than 65535)"
        );
    }

    #[test]
    fn float_getter() {
        let conf = conf_with(&[
            ("java", "0.999f"),
            ("plain", " 0.5 "),
            ("exponent", "1e3"),
            ("bad", "half"),
            ("infinite", "inf"),
        ]);
        assert_eq!(conf.get_f64("java", 0.0).unwrap(), 0.999);
        assert_eq!(conf.get_f64("plain", 0.0).unwrap(), 0.5);
        assert_eq!(conf.get_f64("exponent", 0.0).unwrap(), 1000.0);
        assert_eq!(conf.get_f64("absent", 0.25).unwrap(), 0.25);
        assert_eq!(
            conf.get_f64("bad", 0.0).unwrap_err().to_string(),
            "invalid value for bad: 'half' (expected a decimal number)"
        );
        assert!(conf.get_f64("infinite", 0.0).is_err());
    }

    #[test]
    fn size_getter_accepts_binary_suffixes() {
        let cases = [
            ("4096", 4096),
            ("1k", 1 << 10),
            ("128m", 134_217_728),
            ("128M", 134_217_728),
            ("2g", 2 << 30),
            ("3T", 3 << 40),
            ("1p", 1 << 50),
            ("1e", 1 << 60),
            ("0k", 0),
        ];
        for (text, expected) in cases {
            let conf = conf_with(&[("size", text)]);
            assert_eq!(conf.get_size_bytes("size", 0).unwrap(), expected, "{text}");
        }
        assert_eq!(Configuration::new().get_size_bytes("absent", 9).unwrap(), 9);
        for bad in ["12x", "m", "1.5g", "-1k", "16e", "1 k"] {
            let conf = conf_with(&[("dfs.blocksize", bad)]);
            let message = conf
                .get_size_bytes("dfs.blocksize", 0)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid value for dfs.blocksize: '{bad}' (expected"
                )),
                "{message}"
            );
        }
    }

    #[test]
    fn duration_getter_accepts_unit_suffixes() {
        let cases = [
            ("5ns", Duration::from_nanos(5)),
            ("7us", Duration::from_micros(7)),
            ("500ms", Duration::from_millis(500)),
            ("30s", Duration::from_secs(30)),
            ("10m", Duration::from_secs(600)),
            ("2h", Duration::from_secs(7200)),
            ("1d", Duration::from_secs(86_400)),
            ("3S", Duration::from_secs(3)),
            ("4 ms", Duration::from_millis(4)),
            ("3", Duration::from_secs(3)),
        ];
        for (text, expected) in cases {
            let conf = conf_with(&[("interval", text)]);
            let parsed = conf
                .get_duration("interval", Duration::ZERO, TimeUnit::Seconds)
                .unwrap();
            assert_eq!(parsed, expected, "{text}");
        }
        let conf = Configuration::new();
        assert_eq!(
            conf.get_duration(
                keys::DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL,
                Duration::ZERO,
                TimeUnit::Milliseconds
            )
            .unwrap(),
            Duration::from_secs(300)
        );
        assert_eq!(
            conf.get_duration("absent", Duration::from_secs(9), TimeUnit::Minutes)
                .unwrap(),
            Duration::from_secs(9)
        );
        for bad in ["soon", "-3s", "1.5s", "3w", "s", "99999999999999999999d"] {
            let conf = conf_with(&[("dfs.heartbeat.interval", bad)]);
            let message = conf
                .get_duration("dfs.heartbeat.interval", Duration::ZERO, TimeUnit::Seconds)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid value for dfs.heartbeat.interval: '{bad}' (expected"
                )),
                "{message}"
            );
        }
        let overflow = conf_with(&[("long", "18446744073709551615d")]);
        assert!(
            overflow
                .get_duration("long", Duration::ZERO, TimeUnit::Seconds)
                .is_err()
        );
    }

    #[test]
    fn strings_getter_trims_and_drops_empties() {
        let conf = conf_with(&[("list", " a, b ,,c\n  d ,\n"), ("blank", " , ")]);
        assert_eq!(conf.get_strings("list"), args(&["a", "b", "c", "d"]));
        assert!(conf.get_strings("blank").is_empty());
        assert!(conf.get_strings("absent").is_empty());
    }

    #[test]
    fn local_dirs_accept_paths_and_file_uris() {
        let conf = conf_with(&[(
            "dirs",
            "file:///data/1, /data/2,relative/3,file://localhost/data/4,file:/data/5,file:///with%20space",
        )]);
        let expected: Vec<PathBuf> = [
            "/data/1",
            "/data/2",
            "relative/3",
            "/data/4",
            "/data/5",
            "/with space",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(conf.get_local_dirs("dirs").unwrap(), expected);
        assert!(conf.get_local_dirs("absent").unwrap().is_empty());
    }

    #[test]
    fn local_dirs_reject_remote_uris() {
        let conf = conf_with(&[("dfs.namenode.name.dir", "/data/1,hdfs://nn:8020/name")]);
        assert_eq!(
            conf.get_local_dirs("dfs.namenode.name.dir")
                .unwrap_err()
                .to_string(),
            "invalid value for dfs.namenode.name.dir: 'hdfs://nn:8020/name' \
             (expected a local path or file:// URI)"
        );
        for bad in [
            "file://otherhost/data",
            "file://",
            "file:relative",
            "file:///bad%zz",
        ] {
            let conf = conf_with(&[("dir", bad)]);
            let error = conf.get_local_dirs("dir").unwrap_err();
            assert!(
                matches!(error, ConfError::Invalid { ref key, .. } if key == "dir"),
                "{bad}"
            );
        }
    }

    #[test]
    fn socket_addr_getter() {
        let conf = conf_with(&[
            ("rpc", " nn.example.com:8020 "),
            ("v6", "[::1]:9000"),
            ("no.port", "nn.example.com"),
            ("big.port", "nn:99999"),
            ("no.host", ":80"),
            ("uri", "hdfs://nn:8020"),
        ]);
        assert_eq!(
            conf.get_socket_addr("rpc", "").unwrap(),
            ("nn.example.com".to_string(), 8020)
        );
        assert_eq!(
            conf.get_socket_addr("v6", "").unwrap(),
            ("::1".to_string(), 9000)
        );
        assert_eq!(
            conf.get_socket_addr(keys::DFS_NAMENODE_HTTP_ADDRESS, "")
                .unwrap(),
            ("0.0.0.0".to_string(), 9870)
        );
        assert_eq!(
            conf.get_socket_addr("absent", "localhost:1").unwrap(),
            ("localhost".to_string(), 1)
        );
        assert_eq!(
            conf.get_socket_addr("no.port", "").unwrap_err().to_string(),
            "invalid value for no.port: 'nn.example.com' (expected host:port)"
        );
        for key in ["big.port", "no.host", "uri"] {
            let error = conf.get_socket_addr(key, "").unwrap_err();
            assert!(
                matches!(error, ConfError::Invalid { key: ref k, .. } if k == key),
                "{key}"
            );
        }
        assert!(conf.get_socket_addr("absent", "bad").is_err());
    }

    #[test]
    fn iter_is_sorted_and_expanded() {
        let mut conf = Configuration::new();
        conf.set("zz.last", "${aa.first}!");
        conf.set("aa.first", "one");
        let entries: Vec<(String, String)> = conf.iter().collect();
        let keys_in_order: Vec<&String> = entries.iter().map(|(key, _)| key).collect();
        let mut sorted = keys_in_order.clone();
        sorted.sort();
        assert_eq!(keys_in_order, sorted);
        assert_eq!(entries.first().unwrap(), &("aa.first".into(), "one".into()));
        assert_eq!(entries.last().unwrap(), &("zz.last".into(), "one!".into()));
        assert!(entries.iter().all(|(_, value)| !value.contains("${")));
    }

    #[test]
    fn site_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("core-site.xml");
        let tricky = " <a href=\"x\">&'y'</a>\r\n\ttail ";
        Configuration::write_site_file(
            &path,
            &[("fs.defaultFS", "hdfs://nn:8020"), ("tricky", tricky)],
        )
        .unwrap();
        Configuration::write_site_file(
            &path,
            &[("fs.defaultFS", "hdfs://other:8020"), ("tricky", tricky)],
        )
        .unwrap();
        assert!(!dir.path().join("core-site.xml.tmp").exists());

        let conf = Configuration::load_from_dir(dir.path()).unwrap();
        assert_eq!(
            conf.get(keys::FS_DEFAULT_FS).as_deref(),
            Some("hdfs://other:8020")
        );
        assert_eq!(conf.get("tricky").as_deref(), Some(tricky));
    }

    #[test]
    fn site_file_rejects_unwritable_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.xml");
        let error = Configuration::write_site_file(&path, &[("bell", "\u{7}")]).unwrap_err();
        assert!(matches!(error, ConfError::Invalid { ref key, .. } if key == "bell"));
        assert!(Configuration::write_site_file(&path, &[(" ", "v")]).is_err());
        assert!(!path.exists());

        let missing_dir = dir.path().join("absent").join("site.xml");
        let error = Configuration::write_site_file(&missing_dir, &[("k", "v")]).unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
    }
}

/// The NameNode RPC port when an `hdfs://` URI names none.
pub const DEFAULT_NAMENODE_PORT: u16 = 8020;

/// `host:port` of the NameNode in an `hdfs://host[:port][/path]` URI (port
/// 8020 when absent); `None` for any other URI.
pub fn hdfs_authority(uri: &str) -> Option<String> {
    let authority = uri.strip_prefix("hdfs://")?.split('/').next()?;
    if authority.is_empty() {
        return None;
    }
    Some(if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{DEFAULT_NAMENODE_PORT}")
    })
}

impl Configuration {
    /// The NameNode's RPC `host:port` as daemons find it: `dfs.namenode.rpc-address`,
    /// else the authority of `fs.defaultFS`.
    pub fn namenode_rpc_address(&self) -> Result<String, ConfError> {
        if let Some(address) = self.get_trimmed("dfs.namenode.rpc-address") {
            return Ok(address);
        }
        let default_fs = self.get_or("fs.defaultFS", "file:///");
        hdfs_authority(&default_fs).ok_or_else(|| ConfError::Invalid {
            key: "fs.defaultFS".into(),
            value: default_fs,
            expected: "an hdfs://host:port URI, or set dfs.namenode.rpc-address".into(),
        })
    }

    /// [`Configuration::get_socket_addr`], resolved to an address to bind.
    pub fn get_resolved_socket_addr(
        &self,
        key: &str,
        default: &str,
    ) -> Result<std::net::SocketAddr, ConfError> {
        let (host, port) = self.get_socket_addr(key, default)?;
        resolve_socket_addr(key, &host, port)
    }
}

/// Resolves `host:port` (named by `key` in errors) to one socket address.
pub fn resolve_socket_addr(
    key: &str,
    host: &str,
    port: u16,
) -> Result<std::net::SocketAddr, ConfError> {
    use std::net::ToSocketAddrs;
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| ConfError::Invalid {
            key: key.into(),
            value: format!("{host}:{port}"),
            expected: "a resolvable host:port".into(),
        })
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn hdfs_authorities() {
        assert_eq!(hdfs_authority("hdfs://nn:9000").as_deref(), Some("nn:9000"));
        assert_eq!(hdfs_authority("hdfs://nn").as_deref(), Some("nn:8020"));
        assert_eq!(
            hdfs_authority("hdfs://nn:9000/x").as_deref(),
            Some("nn:9000")
        );
        assert_eq!(hdfs_authority("file:///"), None);
        assert_eq!(hdfs_authority("hdfs:///x"), None);
    }

    #[test]
    fn namenode_address_prefers_the_rpc_key() {
        let mut conf = Configuration::new();
        assert!(conf.namenode_rpc_address().is_err());
        conf.set("fs.defaultFS", "hdfs://nn");
        assert_eq!(conf.namenode_rpc_address().unwrap(), "nn:8020");
        conf.set("dfs.namenode.rpc-address", "other:1234");
        assert_eq!(conf.namenode_rpc_address().unwrap(), "other:1234");
    }
}
