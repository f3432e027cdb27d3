//! Rack awareness: which rack each host is on, the counterpart of Hadoop's
//! `DNSToSwitchMapping` (`ScriptBasedMapping`, `TableMapping`) and of the distances of its
//! two-level `NetworkTopology`.
//!
//! A rack is a network location such as `/dc1/rack7`; hosts whose rack is unknown are on
//! [`DEFAULT_RACK`].

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tracing::warn;

use crate::Configuration;
use crate::conf::ConfError;

/// The rack of every host when no mapping is configured, or when a mapping cannot place a host.
pub const DEFAULT_RACK: &str = "/default-rack";

/// Key naming an executable that maps hosts to racks (Hadoop's `ScriptBasedMapping`).
pub const SCRIPT_FILE_KEY: &str = crate::conf::keys::NET_TOPOLOGY_SCRIPT_FILE_NAME;

/// Key giving the most hosts passed to one run of the topology script.
pub const SCRIPT_NUMBER_ARGS_KEY: &str = crate::conf::keys::NET_TOPOLOGY_SCRIPT_NUMBER_ARGS;

/// Key naming a `host /rack` table file (Hadoop's `TableMapping`).
pub const TABLE_FILE_KEY: &str = crate::conf::keys::NET_TOPOLOGY_TABLE_FILE_NAME;

/// Network distance between a node and itself.
const DISTANCE_SAME_NODE: u32 = 0;
/// Network distance between two nodes of one rack.
const DISTANCE_SAME_RACK: u32 = 2;
/// Network distance between nodes of different racks.
const DISTANCE_OFF_RACK: u32 = 4;

/// Errors of [`RackResolver::from_conf`], naming the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// A topology key whose value does not parse.
    #[error(transparent)]
    Conf(#[from] ConfError),
    /// [`SCRIPT_NUMBER_ARGS_KEY`] set to zero.
    #[error("invalid value for {key}: '0' (expected at least 1)")]
    ZeroScriptArgs { key: String },
    /// A table file that cannot be read.
    #[error("cannot read topology table {file} ({key}): {source}")]
    TableIo {
        key: String,
        file: String,
        #[source]
        source: io::Error,
    },
    /// A table line that is not `host /rack`.
    #[error("{file}:{line}: malformed topology table line '{text}' (expected 'host /rack')")]
    TableLine {
        file: String,
        line: usize,
        text: String,
    },
}

/// Maps hosts (names or IPs) to racks, as Hadoop's `DNSToSwitchMapping`.
#[derive(Clone, Debug)]
pub enum RackResolver {
    /// Every host is on [`DEFAULT_RACK`].
    Default,
    /// A fixed host-to-rack table; racks already normalized.
    Table(HashMap<String, String>),
    /// An executable run with hosts as arguments, printing one rack per host.
    Script {
        /// The executable.
        path: PathBuf,
        /// The most hosts passed to one run.
        max_args: usize,
    },
}

impl RackResolver {
    /// The resolver configured by `net.topology.script.file.name` (ScriptBasedMapping, with
    /// `net.topology.script.number.args` hosts per run, default 100) if set; else by
    /// `net.topology.table.file.name` (TableMapping: lines `host-or-ip /rack`, `#` comments and
    /// blank lines ignored); else [`RackResolver::Default`].
    ///
    /// The table is read here, once; a malformed line is an error naming the file and line.
    pub fn from_conf(conf: &Configuration) -> Result<Self, TopologyError> {
        if let Some(script) = conf.get_trimmed(SCRIPT_FILE_KEY) {
            let max_args = conf.get_u32(SCRIPT_NUMBER_ARGS_KEY)?;
            if max_args == 0 {
                return Err(TopologyError::ZeroScriptArgs {
                    key: SCRIPT_NUMBER_ARGS_KEY.to_string(),
                });
            }
            return Ok(Self::Script {
                path: PathBuf::from(script),
                max_args: max_args as usize,
            });
        }
        if let Some(table_file) = conf.get_trimmed(TABLE_FILE_KEY) {
            let table = read_table(Path::new(&table_file))?;
            return Ok(Self::Table(table));
        }
        Ok(Self::Default)
    }

    /// One rack per host, in order, normalized (leading `/`, no trailing `/`, empty meaning
    /// [`DEFAULT_RACK`]).
    ///
    /// Hosts missing from a table are on [`DEFAULT_RACK`]. A script runs once per batch of at
    /// most `max_args` hosts and must print one whitespace-separated rack per host; when it
    /// cannot start, exits non-zero or prints the wrong number of racks, a warning is logged
    /// and the hosts of that batch are on [`DEFAULT_RACK`], as in Hadoop.
    ///
    /// A script resolver blocks while the script runs: call it off async worker threads.
    pub fn resolve(&self, hosts: &[String]) -> Vec<String> {
        match self {
            Self::Default => vec![DEFAULT_RACK.to_string(); hosts.len()],
            Self::Table(table) => hosts
                .iter()
                .map(|host| {
                    table
                        .get(host)
                        .cloned()
                        .unwrap_or_else(|| DEFAULT_RACK.to_string())
                })
                .collect(),
            Self::Script { path, max_args } => {
                let mut racks = Vec::with_capacity(hosts.len());
                for batch in hosts.chunks((*max_args).max(1)) {
                    racks.extend(run_script(path, batch));
                }
                racks
            }
        }
    }
}

/// Hadoop's `NetworkTopology` distance for a two-level tree: 0 for the same node, 2 for two
/// nodes of one rack, 4 otherwise.
pub fn network_distance(host_a: &str, rack_a: &str, host_b: &str, rack_b: &str) -> u32 {
    if rack_a != rack_b {
        return DISTANCE_OFF_RACK;
    }
    if host_a == host_b {
        return DISTANCE_SAME_NODE;
    }
    DISTANCE_SAME_RACK
}

/// `rack` with surrounding blanks and trailing `/` removed and a leading `/` added; an empty
/// rack is [`DEFAULT_RACK`].
fn normalize_rack(rack: &str) -> String {
    let trimmed = rack.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return DEFAULT_RACK.to_string();
    }
    if trimmed.starts_with('/') {
        return trimmed.to_string();
    }
    format!("/{trimmed}")
}

/// Parses a TableMapping file: one `host rack` pair per line.
fn read_table(file: &Path) -> Result<HashMap<String, String>, TopologyError> {
    let file_name = file.display().to_string();
    let text = fs::read_to_string(file).map_err(|source| TopologyError::TableIo {
        key: TABLE_FILE_KEY.to_string(),
        file: file_name.clone(),
        source,
    })?;
    let mut table = HashMap::new();
    for (line_index, line) in text.lines().enumerate() {
        let content = match line.split_once('#') {
            Some((before_comment, _)) => before_comment,
            None => line,
        };
        let columns: Vec<&str> = content.split_whitespace().collect();
        match columns.as_slice() {
            [] => continue,
            [host, rack] => {
                table.insert(host.to_string(), normalize_rack(rack));
            }
            _ => {
                return Err(TopologyError::TableLine {
                    file: file_name,
                    line: line_index + 1,
                    text: line.trim().to_string(),
                });
            }
        }
    }
    Ok(table)
}

/// Runs the topology script once for `hosts`; [`DEFAULT_RACK`] for all of them on failure.
fn run_script(script: &Path, hosts: &[String]) -> Vec<String> {
    let fallback = || vec![DEFAULT_RACK.to_string(); hosts.len()];
    let output = match Command::new(script)
        .args(hosts)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            warn!(script = %script.display(), %error, "cannot run topology script, using default rack");
            return fallback();
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        warn!(
            script = %script.display(),
            status = %output.status,
            stderr = %stderr.trim(),
            "topology script failed, using default rack"
        );
        return fallback();
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let racks: Vec<String> = stdout.split_whitespace().map(normalize_rack).collect();
    if racks.len() != hosts.len() {
        warn!(
            script = %script.display(),
            expected = hosts.len(),
            returned = racks.len(),
            "topology script returned the wrong number of racks, using default rack"
        );
        return fallback();
    }
    racks
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Mutex, MutexGuard};

    use super::*;

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    /// Serializes the tests that write and run scripts: a script written while another test
    /// thread forks can be briefly held open by the child, and exec then fails (ETXTBSY).
    static SCRIPT_LOCK: Mutex<()> = Mutex::new(());

    fn lock_scripts() -> MutexGuard<'static, ()> {
        SCRIPT_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Maps 127.0.0.N to /rN and anything else to /default-rack; refuses more than 2 hosts.
    const MAPPING_SCRIPT: &str = r#"[ "$#" -le 2 ] || exit 1
for host in "$@"; do
  case "$host" in
    127.0.0.*) echo "/r${host##*.}" ;;
    *) echo "/default-rack" ;;
  esac
done"#;

    #[test]
    fn normalize_rack_adds_leading_and_strips_trailing_slash() {
        assert_eq!(normalize_rack("rack1"), "/rack1");
        assert_eq!(normalize_rack(" /dc/rack1/ "), "/dc/rack1");
        assert_eq!(normalize_rack("/rack1//"), "/rack1");
        assert_eq!(normalize_rack(""), DEFAULT_RACK);
        assert_eq!(normalize_rack("/"), DEFAULT_RACK);
    }

    #[test]
    fn no_mapping_configured_puts_every_host_on_default_rack() {
        let resolver = RackResolver::from_conf(&Configuration::new()).unwrap();
        assert!(matches!(resolver, RackResolver::Default));
        assert_eq!(
            resolver.resolve(&hosts(&["a", "b"])),
            vec![DEFAULT_RACK, DEFAULT_RACK]
        );
        assert!(resolver.resolve(&[]).is_empty());
    }

    #[test]
    fn table_file_with_comments_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("topology.table");
        fs::write(
            &table,
            "# host rack\n\n  127.0.0.2 /r1\n127.0.0.3\track2/ # trailing comment\n   \nhost4.example.com /dc1/r3\n",
        )
        .unwrap();
        let mut conf = Configuration::new();
        conf.set(TABLE_FILE_KEY, table.display().to_string());

        let resolver = RackResolver::from_conf(&conf).unwrap();
        let racks = resolver.resolve(&hosts(&[
            "127.0.0.3",
            "127.0.0.2",
            "unknown",
            "host4.example.com",
        ]));
        assert_eq!(racks, vec!["/rack2", "/r1", DEFAULT_RACK, "/dc1/r3"]);
    }

    #[test]
    fn malformed_table_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("topology.table");
        fs::write(&table, "# comment\n127.0.0.2 /r1\n127.0.0.3 /r2 extra\n").unwrap();
        let mut conf = Configuration::new();
        conf.set(TABLE_FILE_KEY, table.display().to_string());

        let error = RackResolver::from_conf(&conf).unwrap_err();
        assert!(
            matches!(&error, TopologyError::TableLine { line: 3, .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("{}:3", table.display())),
            "{message}"
        );
        assert!(message.contains("127.0.0.3 /r2 extra"), "{message}");
    }

    #[test]
    fn missing_table_file_names_key_and_file() {
        let mut conf = Configuration::new();
        conf.set(TABLE_FILE_KEY, "/nonexistent/tusk/topology.table");
        let message = RackResolver::from_conf(&conf).unwrap_err().to_string();
        assert!(message.contains(TABLE_FILE_KEY), "{message}");
        assert!(
            message.contains("/nonexistent/tusk/topology.table"),
            "{message}"
        );
    }

    #[test]
    fn script_takes_precedence_over_table() {
        let mut conf = Configuration::new();
        conf.set(SCRIPT_FILE_KEY, "/opt/topology.sh");
        conf.set(TABLE_FILE_KEY, "/nonexistent/tusk/topology.table");
        let resolver = RackResolver::from_conf(&conf).unwrap();
        assert!(matches!(
            resolver,
            RackResolver::Script { ref path, max_args: 100 } if path == Path::new("/opt/topology.sh")
        ));
    }

    #[test]
    fn script_number_args_is_validated() {
        let mut conf = Configuration::new();
        conf.set(SCRIPT_FILE_KEY, "/opt/topology.sh");
        conf.set(SCRIPT_NUMBER_ARGS_KEY, "0");
        let message = RackResolver::from_conf(&conf).unwrap_err().to_string();
        assert!(message.contains(SCRIPT_NUMBER_ARGS_KEY), "{message}");

        conf.set(SCRIPT_NUMBER_ARGS_KEY, "many");
        let message = RackResolver::from_conf(&conf).unwrap_err().to_string();
        assert!(message.contains(SCRIPT_NUMBER_ARGS_KEY), "{message}");
    }

    #[test]
    fn script_maps_hosts_in_batches() {
        let _scripts = lock_scripts();
        let dir = tempfile::tempdir().unwrap();
        let script = write_script(dir.path(), "topology.sh", MAPPING_SCRIPT);
        let mut conf = Configuration::new();
        conf.set(SCRIPT_FILE_KEY, script.display().to_string());
        conf.set(SCRIPT_NUMBER_ARGS_KEY, "2");
        let resolver = RackResolver::from_conf(&conf).unwrap();

        let racks = resolver.resolve(&hosts(&[
            "127.0.0.2",
            "127.0.0.3",
            "10.1.1.1",
            "127.0.0.2",
            "127.0.0.7",
        ]));
        assert_eq!(racks, vec!["/r2", "/r3", DEFAULT_RACK, "/r2", "/r7"]);
    }

    #[test]
    fn script_output_is_normalized() {
        let _scripts = lock_scripts();
        let dir = tempfile::tempdir().unwrap();
        let script = write_script(dir.path(), "topology.sh", "echo 'r1/ /dc/r2/'");
        let resolver = RackResolver::Script {
            path: script,
            max_args: 100,
        };
        assert_eq!(resolver.resolve(&hosts(&["a", "b"])), vec!["/r1", "/dc/r2"]);
    }

    #[test]
    fn failing_script_falls_back_to_default_rack() {
        let _scripts = lock_scripts();
        let dir = tempfile::tempdir().unwrap();
        let failing = write_script(dir.path(), "failing.sh", "echo /r1; exit 3");
        let resolver = RackResolver::Script {
            path: failing,
            max_args: 100,
        };
        assert_eq!(resolver.resolve(&hosts(&["127.0.0.2"])), vec![DEFAULT_RACK]);

        let missing = RackResolver::Script {
            path: dir.path().join("missing.sh"),
            max_args: 100,
        };
        assert_eq!(
            missing.resolve(&hosts(&["a", "b"])),
            vec![DEFAULT_RACK, DEFAULT_RACK]
        );

        let too_many = write_script(dir.path(), "too_many.sh", "echo /r1 /r2 /r3");
        let resolver = RackResolver::Script {
            path: too_many,
            max_args: 100,
        };
        assert_eq!(
            resolver.resolve(&hosts(&["a", "b"])),
            vec![DEFAULT_RACK, DEFAULT_RACK]
        );
    }

    #[test]
    fn distances_of_a_two_level_tree() {
        assert_eq!(network_distance("h1", "/r1", "h1", "/r1"), 0);
        assert_eq!(network_distance("h1", "/r1", "h2", "/r1"), 2);
        assert_eq!(network_distance("h1", "/r1", "h2", "/r2"), 4);
        assert_eq!(network_distance("h1", "/r1", "h1", "/r2"), 4);
        assert_eq!(
            network_distance("h2", "/r2", "h1", "/r1"),
            network_distance("h1", "/r1", "h2", "/r2")
        );
    }
}
