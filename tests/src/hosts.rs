//! Simulated hosts on one Linux machine: the network namespaces, rack bridges and shaped rack
//! uplinks that `sbin/tusk-hosts.sh` makes, and the daemon processes a test runs on them.
//! Dropping [`Hosts`] kills every process on them and deletes them, whether the test passed
//! or not.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// How many sets of hosts this process made, so each gets its own name.
static RUNS: AtomicU32 = AtomicU32::new(0);

/// One simulated host: a network namespace with its own address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// `h1`, `h2`, ... in the order of the racks given to [`Hosts::up`].
    pub name: String,
    /// Its IPv4 address on the hosts' subnet.
    pub address: String,
    /// Its rack, as the topology script answers (`/rack1`).
    pub rack: String,
}

/// A set of simulated hosts and the processes running on them.
pub struct Hosts {
    /// The prefix of every namespace and interface of this set (`tusk-hosts.sh -n`).
    name: String,
    hosts: Vec<Host>,
    topology_script: PathBuf,
    /// Every process started on a host and not yet reaped, with its host's name.
    processes: Vec<(String, Child)>,
}

/// `sbin/tusk-hosts.sh` of this repository.
fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sbin/tusk-hosts.sh")
}

/// Runs `tusk-hosts.sh -n NAME ARGS`, passing on what it says on stderr (such as that
/// netem is missing and racks get a bandwidth cap only).
fn run_script(name: &str, args: &[&str]) -> Output {
    let output = Command::new(script_path())
        .arg("-n")
        .arg(name)
        .args(args)
        .output()
        .expect("run sbin/tusk-hosts.sh");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.trim().is_empty() {
        eprint!("{stderr}");
    }
    output
}

impl Hosts {
    /// Makes `count` hosts on each `(rack, count)`, numbered `h1`, `h2`, ... in order.
    ///
    /// `Err` with the reason when this machine cannot make network namespaces (not root,
    /// no iproute2, a kernel or container that forbids them): the caller skips. Panics when
    /// the machine can but making the hosts fails.
    pub fn up(racks: &[(&str, usize)]) -> Result<Self, String> {
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let name = format!("tk{}{}", std::process::id() % 100_000, run % 10);
        let check = run_script(&name, &["check"]);
        if !check.status.success() {
            let reason = String::from_utf8_lossy(&check.stderr);
            return Err(reason.trim().trim_start_matches("tusk-hosts: ").to_string());
        }
        // Whatever a crashed run of an earlier process with this pid left.
        run_script(&name, &["down"]);
        let specs: Vec<String> = racks
            .iter()
            .map(|(rack, count)| format!("{rack}:{count}"))
            .collect();
        let mut args = vec!["up"];
        args.extend(specs.iter().map(String::as_str));
        let output = run_script(&name, &args);
        assert!(
            output.status.success(),
            "tusk-hosts.sh up {}: {}",
            specs.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let listing = String::from_utf8_lossy(&output.stdout);
        let (hosts, topology_script) = parse_listing(&listing);
        assert_eq!(
            hosts.len(),
            racks.iter().map(|(_, count)| count).sum::<usize>(),
            "tusk-hosts.sh up listed other hosts than asked:\n{listing}"
        );
        Ok(Self {
            name,
            hosts,
            topology_script,
            processes: Vec::new(),
        })
    }

    /// Every host, in order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The host named `name` (`h3`).
    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|host| host.name == name)
            .unwrap_or_else(|| panic!("no host {name}"))
    }

    /// The host whose address is `address`, if any.
    pub fn host_at(&self, address: &str) -> Option<&Host> {
        self.hosts.iter().find(|host| host.address == address)
    }

    /// The executable for `net.topology.script.file.name`: the rack of each host (by
    /// address or name) it is given.
    pub fn topology_script(&self) -> &Path {
        &self.topology_script
    }

    /// Starts `program args` on `host` with `conf_dir` as its HADOOP_CONF_DIR, stdout and
    /// stderr appended to `log`.
    pub fn spawn(
        &mut self,
        host: &str,
        program: &Path,
        args: &[&str],
        conf_dir: &Path,
        log: &Path,
    ) {
        let log_file = File::options()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|error| panic!("cannot open {}: {error}", log.display()));
        let stderr = log_file.try_clone().expect("clone a log file handle");
        let child = Command::new(script_path())
            .args(["-n", &self.name, "exec", host])
            .arg(program)
            .args(args)
            .env("HADOOP_CONF_DIR", conf_dir)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {} on {host}: {error}", program.display())
            });
        self.processes.push((host.to_string(), child));
    }

    /// Crashes `host`: SIGKILL to every process in its namespace (daemons and the
    /// containers they started), then reaps the ones this test started, checking that each
    /// really died of the signal.
    pub fn kill_host(&mut self, host: &str) {
        let output = run_script(&self.name, &["kill", host]);
        assert!(
            output.status.success(),
            "tusk-hosts.sh kill {host}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (killed, running): (Vec<_>, Vec<_>) = std::mem::take(&mut self.processes)
            .into_iter()
            .partition(|(on, _)| on == host);
        self.processes = running;
        for (_, mut child) in killed {
            let status = child.wait().expect("reap a killed process");
            assert!(
                status.code().is_none(),
                "a process on {host} exited with {status} before the kill"
            );
        }
    }

    /// Cuts `rack` (`/rack2`) off the other racks and this machine: its uplink goes down.
    pub fn partition(&self, rack: &str) {
        let output = run_script(&self.name, &["partition", rack]);
        assert!(output.status.success(), "tusk-hosts.sh partition {rack}");
    }

    /// Reconnects a partitioned `rack`.
    pub fn heal(&self, rack: &str) {
        let output = run_script(&self.name, &["heal", rack]);
        assert!(output.status.success(), "tusk-hosts.sh heal {rack}");
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for (_, child) in &mut self.processes {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Also kills what the daemons started (containers), then deletes every namespace
        // and link of this set.
        run_script(&self.name, &["down"]);
    }
}

/// The hosts and the topology script of `tusk-hosts.sh list` (or `up`) output: lines
/// `h1 10.77.0.11 /rack1 NAME-h1`, and `# topology script: PATH`.
fn parse_listing(listing: &str) -> (Vec<Host>, PathBuf) {
    let mut hosts = Vec::new();
    let mut topology_script = None;
    for line in listing.lines() {
        if let Some(path) = line.strip_prefix("# topology script: ") {
            topology_script = Some(PathBuf::from(path.trim()));
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, address, rack, _namespace] = fields.as_slice() else {
            panic!("unexpected tusk-hosts.sh line: {line}");
        };
        hosts.push(Host {
            name: name.to_string(),
            address: address.to_string(),
            rack: rack.to_string(),
        });
    }
    let topology_script = topology_script.expect("tusk-hosts.sh names its topology script");
    (hosts, topology_script)
}
