//! The [`Configuration`] type: entries layered from defaults, resources and overrides, with
//! `${var}` expansion and typed getters that fall back to the defaults table.

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{debug, warn};

use super::defaults::DEFAULTS;
use super::values::{self, TimeUnit};
use super::{ConfError, invalid, io_error, xml};

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
            Source::Programmatic => f.write_str("programmatically"),
        }
    }
}

/// One property with its provenance (see [`Configuration::properties`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    pub key: String,
    /// The value with `${var}` references expanded.
    pub value: String,
    pub is_final: bool,
    /// The resource that set it, `defaults`, or `programmatically` (Hadoop's word for
    /// values set by the program or with `-D`).
    pub source: String,
}

#[derive(Clone, Debug)]
struct Entry {
    /// Unexpanded value, `${var}` references intact.
    raw: String,
    /// Set by a resource with `<final>true</final>`: later resources cannot override it.
    is_final: bool,
    source: Source,
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
    /// Built-in defaults only (the [`super::defaults::DEFAULTS`] table).
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
        let properties = xml::parse_resource(&file, bytes)?;
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

    /// [`Self::get`], else the default of `key` (expanded), else [`ConfError::NoDefault`]. An
    /// empty value is returned as it is.
    pub fn get_string(&self, key: &str) -> Result<String, ConfError> {
        self.get(key)
            .or_else(|| self.expanded_default(key))
            .ok_or_else(|| no_default(key))
    }

    /// [`Self::get_trimmed`], else the default of `key`, else [`ConfError::NoDefault`].
    pub fn get_trimmed_or_default(&self, key: &str) -> Result<String, ConfError> {
        self.value_or_default(key).ok_or_else(|| no_default(key))
    }

    /// [`Self::get_trimmed`], or [`ConfError::Missing`] if `key` is absent or empty.
    pub fn get_required(&self, key: &str) -> Result<String, ConfError> {
        self.get_trimmed(key).ok_or_else(|| ConfError::Missing {
            key: key.to_string(),
        })
    }

    /// `true` or `false`, case-insensitive.
    ///
    /// Like every typed getter: an absent or empty value gives the key's default from the
    /// defaults table, and a key with neither is [`ConfError::NoDefault`].
    pub fn get_bool(&self, key: &str) -> Result<bool, ConfError> {
        self.get_parsed(key, values::parse_bool)
    }

    /// Unsigned integer, decimal or `0x` hexadecimal.
    pub fn get_u64(&self, key: &str) -> Result<u64, ConfError> {
        self.get_parsed(key, |text| values::parse_unsigned(text, u64::MAX))
    }

    /// Signed integer, decimal or `0x` hexadecimal.
    pub fn get_i64(&self, key: &str) -> Result<i64, ConfError> {
        self.get_parsed(key, values::parse_signed)
    }

    /// Like [`Self::get_u64`], limited to `u32`.
    pub fn get_u32(&self, key: &str) -> Result<u32, ConfError> {
        self.get_parsed(key, values::parse_u32)
    }

    /// [`Self::get_u32`] for a key without a default: `None` when it is absent or empty.
    pub fn get_u32_opt(&self, key: &str) -> Result<Option<u32>, ConfError> {
        self.get_parsed_opt(key, values::parse_u32)
    }

    /// Like [`Self::get_u64`], limited to `u16`.
    pub fn get_u16(&self, key: &str) -> Result<u16, ConfError> {
        self.get_parsed(key, values::parse_u16)
    }

    /// Finite decimal number; a trailing `f` or `d` is accepted as Java's float syntax
    /// (`0.999f`).
    pub fn get_f64(&self, key: &str) -> Result<f64, ConfError> {
        self.get_parsed(key, values::parse_f64)
    }

    /// [`Self::get_f64`] for a key without a default (such as a queue's capacity, whose name
    /// holds the queue's path): `None` when it is absent or empty.
    pub fn get_f64_opt(&self, key: &str) -> Result<Option<f64>, ConfError> {
        self.get_parsed_opt(key, values::parse_f64)
    }

    /// Minutes as a decimal number (how Hadoop reads `fs.trash.interval`); negative is zero.
    pub fn get_minutes(&self, key: &str) -> Result<Duration, ConfError> {
        let minutes = self.get_f64(key)?;
        Ok(Duration::from_secs_f64((minutes * 60.0).max(0.0)))
    }

    /// Size in bytes like Hadoop's `getLongBytes`: a plain number, or one with a binary suffix
    /// `k`, `m`, `g`, `t`, `p` or `e`, case-insensitive (`128m` is 134217728).
    pub fn get_size_bytes(&self, key: &str) -> Result<u64, ConfError> {
        self.get_parsed(key, values::parse_size)
    }

    /// Duration like Hadoop's `getTimeDuration`: an integer with an optional unit suffix `ns`,
    /// `us`, `ms`, `s`, `m`, `h` or `d`; a plain number (the default included) is in `unit`.
    pub fn get_duration(&self, key: &str, unit: TimeUnit) -> Result<Duration, ConfError> {
        self.get_parsed(key, |text| values::parse_duration(text, unit))
    }

    /// Comma- or newline-separated list, each item trimmed, empty items dropped (Hadoop's
    /// `getTrimmedStrings`). Absent gives an empty list.
    pub fn get_strings(&self, key: &str) -> Vec<String> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        split_list(&value)
    }

    /// Local directories from a list of plain paths or `file:` URIs (the form of
    /// `dfs.namenode.name.dir`). A URI with another scheme or a remote host is
    /// [`ConfError::Invalid`], since these directories must be on this machine. An empty list
    /// stays empty (Hadoop refuses to start without its directories).
    pub fn get_local_dirs(&self, key: &str) -> Result<Vec<PathBuf>, ConfError> {
        local_dirs(key, self.get_strings(key))
    }

    /// [`Self::get_local_dirs`], falling back to the key's default when the list is empty (how
    /// the NodeManager reads its local and log directories).
    pub fn get_local_dirs_or_default(&self, key: &str) -> Result<Vec<PathBuf>, ConfError> {
        let dirs = self.get_local_dirs(key)?;
        if !dirs.is_empty() {
            return Ok(dirs);
        }
        let default = self.expanded_default(key).ok_or_else(|| no_default(key))?;
        local_dirs(key, split_list(&default))
    }

    /// Every key (defaults included) with its expanded value, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.entries.iter().map(|(key, entry)| {
            let value = self.substitute(&entry.raw, &mut vec![key.as_str()]);
            (key.clone(), value)
        })
    }

    /// Every key (defaults included) with its expanded value, whether a resource made it
    /// final, and where it came from, sorted by key: what `/conf` shows.
    pub fn properties(&self) -> impl Iterator<Item = PropertyInfo> + '_ {
        self.entries.iter().map(|(key, entry)| PropertyInfo {
            key: key.clone(),
            value: self.substitute(&entry.raw, &mut vec![key.as_str()]),
            is_final: entry.is_final,
            source: entry.source.to_string(),
        })
    }

    /// Trimmed value of `key`, else its default; `None` if the key has neither.
    pub(super) fn value_or_default(&self, key: &str) -> Option<String> {
        self.get_trimmed(key).or_else(|| {
            let default = self.expanded_default(key)?;
            let trimmed = default.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_string())
        })
    }

    /// The default of `key` from the table, expanded against this configuration.
    fn expanded_default(&self, key: &str) -> Option<String> {
        let &(name, raw) = DEFAULTS.iter().find(|&&(name, _)| name == key)?;
        Some(self.substitute(raw, &mut vec![name]))
    }

    /// Parses [`Self::value_or_default`] of `key` with `parse`, whose error is the `expected`
    /// text of [`ConfError::Invalid`]; [`ConfError::NoDefault`] if `key` has no value.
    fn get_parsed<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfError> {
        self.get_parsed_opt(key, parse)?
            .ok_or_else(|| no_default(key))
    }

    /// [`Self::get_parsed`], with `None` for a key that has no value.
    fn get_parsed_opt<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfError> {
        let Some(value) = self.value_or_default(key) else {
            return Ok(None);
        };
        parse(&value)
            .map(Some)
            .map_err(|expected| ConfError::Invalid {
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

fn no_default(key: &str) -> ConfError {
    ConfError::NoDefault {
        key: key.to_string(),
    }
}

/// Items of a comma- or newline-separated list, trimmed, empty ones dropped.
fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Local directories named by `items`, or [`ConfError::Invalid`] naming `key`.
fn local_dirs(key: &str, items: Vec<String>) -> Result<Vec<PathBuf>, ConfError> {
    let mut dirs = Vec::new();
    for item in items {
        let Some(dir) = values::local_path(&item) else {
            return Err(invalid(key, item, "expected a local path or file:// URI"));
        };
        dirs.push(dir);
    }
    Ok(dirs)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::test_support::*;

    #[test]
    fn defaults_are_present_and_parse() {
        let conf = Configuration::new();
        assert_eq!(conf.get(keys::FS_DEFAULT_FS).as_deref(), Some("file:///"));
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION).unwrap(), 3);
        assert_eq!(conf.get_size_bytes(keys::DFS_BLOCKSIZE).unwrap(), 128 << 20);
        assert_eq!(
            conf.get_f64(keys::DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT)
                .unwrap(),
            0.999
        );
        assert_eq!(
            conf.get_f64(keys::MAPREDUCE_MAP_SORT_SPILL_PERCENT)
                .unwrap(),
            0.8
        );
        assert!(conf.get_bool(keys::DFS_PERMISSIONS_ENABLED).unwrap());
        assert_eq!(conf.get(keys::DFS_NAMENODE_RPC_ADDRESS), None);
        assert_eq!(conf.get(keys::DFS_NAMENODE_RPC_BIND_HOST), None);
        assert_eq!(
            conf.get_socket_addr(keys::YARN_NODEMANAGER_ADDRESS)
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
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION).unwrap(), 2);
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
        assert_eq!(conf.get_u32(keys::MAPREDUCE_JOB_REDUCES).unwrap(), 4);
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
    fn string_getters() {
        let conf = conf_with(&[("padded", "  value \n"), ("blank", "   ")]);
        assert_eq!(conf.get("padded").as_deref(), Some("  value \n"));
        assert_eq!(conf.get_trimmed("padded").as_deref(), Some("value"));
        assert_eq!(conf.get_trimmed("blank"), None);
        assert_eq!(
            conf.get_string("absent").unwrap_err().to_string(),
            "configuration absent is not set and has no default"
        );
        assert_eq!(conf.get_string("blank").unwrap(), "   ");
        let mut unset = Configuration::new();
        unset.unset(keys::DFS_PERMISSIONS_SUPERUSERGROUP);
        assert_eq!(unset.get(keys::DFS_PERMISSIONS_SUPERUSERGROUP), None);
        assert_eq!(
            unset
                .get_string(keys::DFS_PERMISSIONS_SUPERUSERGROUP)
                .unwrap(),
            "supergroup"
        );
        assert_eq!(conf.get_required("padded").unwrap(), "value");
        for key in ["blank", "absent"] {
            let error = conf.get_required(key).unwrap_err();
            assert_eq!(error.to_string(), format!("configuration {key} is missing"));
        }
    }

    #[test]
    fn typed_getters_fall_back_to_the_defaults_table() {
        let mut conf = conf_with(&[(keys::DFS_REPLICATION, "  ")]);
        conf.unset(keys::DFS_BLOCKSIZE);
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION).unwrap(), 3);
        assert_eq!(conf.get(keys::DFS_BLOCKSIZE), None);
        assert_eq!(conf.get_size_bytes(keys::DFS_BLOCKSIZE).unwrap(), 128 << 20);
        assert_eq!(
            conf.get_trimmed_or_default(keys::DFS_REPLICATION).unwrap(),
            "3"
        );
        // A default expands against the configuration it is read from.
        conf.set(keys::HADOOP_TMP_DIR, "/data/tmp");
        conf.unset(keys::YARN_NODEMANAGER_LOCAL_DIRS);
        assert_eq!(
            conf.get_local_dirs_or_default(keys::YARN_NODEMANAGER_LOCAL_DIRS)
                .unwrap(),
            vec![PathBuf::from("/data/tmp/nm-local-dir")]
        );
        conf.set(keys::YARN_NODEMANAGER_LOG_DIRS, " ");
        assert_eq!(
            conf.get_local_dirs(keys::YARN_NODEMANAGER_LOG_DIRS)
                .unwrap(),
            Vec::<PathBuf>::new()
        );
        assert_eq!(
            conf.get_local_dirs_or_default(keys::YARN_NODEMANAGER_LOG_DIRS)
                .unwrap(),
            vec![PathBuf::from("/data/tmp/userlogs")]
        );
    }

    #[test]
    fn keys_without_a_default_read_as_none_or_a_clear_error() {
        let conf = conf_with(&[(keys::MAPREDUCE_LOCAL_MAP_TASKS_MAXIMUM, "3")]);
        assert_eq!(
            conf.get_u32_opt(keys::MAPREDUCE_LOCAL_MAP_TASKS_MAXIMUM)
                .unwrap(),
            Some(3)
        );
        assert_eq!(
            conf.get_u32_opt(keys::MAPREDUCE_LOCAL_REDUCE_TASKS_MAXIMUM)
                .unwrap(),
            None
        );
        let error = conf
            .get_u32(keys::MAPREDUCE_LOCAL_REDUCE_TASKS_MAXIMUM)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "configuration mapreduce.local.reduce.tasks.maximum is not set and has no default"
        );
        for error in [
            conf.get_trimmed_or_default("no.such.key").unwrap_err(),
            conf.get_local_dirs_or_default("no.such.key").unwrap_err(),
            conf.get_string("no.such.key").unwrap_err(),
        ] {
            assert!(
                matches!(error, ConfError::NoDefault { ref key } if key == "no.such.key"),
                "{error:?}"
            );
        }
    }

    #[test]
    fn strings_getter_trims_and_drops_empties() {
        let conf = conf_with(&[("list", " a, b ,,c\n  d ,\n"), ("blank", " , ")]);
        assert_eq!(conf.get_strings("list"), args(&["a", "b", "c", "d"]));
        assert!(conf.get_strings("blank").is_empty());
        assert!(conf.get_strings("absent").is_empty());
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
}
