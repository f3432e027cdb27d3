//! Network fault injection for tests: a process-global table of rules that
//! drop or delay traffic between named nodes, checked on every gRPC request
//! (through [`channel`]) and on every raw TCP connect (through [`connect`]).
//!
//! Nodes are named (`"nn"`, `"dn0"`, `"rm"`, ...): a component that connects
//! out passes its own name, and [`register`] maps the addresses a node
//! listens on to its name, so a connection's destination is known by its
//! address. An address no node registered is named by itself.
//!
//! Always compiled: with no rule set, a check is one relaxed atomic load, so
//! production daemons pay nothing measurable and the in-process mini-cluster
//! can fault the very code that runs in production.
//!
//! A daemon running in a process of its own takes its rules from a file
//! instead ([`follow_rules_file`], [`RULES_FILE_ENV`]), which a test rewrites
//! from outside ([`RuleSet::write`]).

use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::task::JoinHandle;
use tonic::body::Body;
use tonic::codegen::http::{Request, Response};
use tonic::codegen::{Service, StdError};
use tonic::transport::Endpoint;

/// The name of a component that is not a daemon (a DFS or YARN client).
pub const CLIENT: &str = "client";
/// The name a rule gives for "any node" or "any method".
pub const ANY: &str = "*";
/// The method of a raw TCP connection (data transfer, shuffle), for rules.
pub const CONNECT: &str = "connect";
/// The source of a connection from outside this process: no rule names it,
/// so only rules from [`ANY`] match.
const UNNAMED_PEER: &str = "";

/// What a matching rule does to a call or connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Fail it as if the peer were unreachable.
    Drop,
    /// Hold it this long, then let it through.
    Delay(Duration),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    from: String,
    to: String,
    method: String,
    action: Action,
}

impl Rule {
    fn matches(&self, from: &str, to: &str, method: &str) -> bool {
        fn name_matches(pattern: &str, name: &str) -> bool {
            pattern == ANY || pattern == name
        }
        name_matches(&self.from, from)
            && name_matches(&self.to, to)
            && (self.method == ANY
                || self.method == method
                || method
                    .rsplit('/')
                    .next()
                    .is_some_and(|name| name.eq_ignore_ascii_case(&self.method)))
    }
}

#[derive(Default)]
struct Table {
    /// (address, node name)
    names: Vec<(String, String)>,
    rules: Vec<Rule>,
}

/// Set while at least one rule exists: the only thing a check reads otherwise.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Calls and connections a rule has dropped or delayed so far.
static HITS: AtomicU64 = AtomicU64::new(0);
static TABLE: RwLock<Table> = RwLock::new(Table {
    names: Vec::new(),
    rules: Vec::new(),
});

fn with_table<T>(change: impl FnOnce(&mut Table) -> T) -> T {
    let mut table = TABLE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = change(&mut table);
    ACTIVE.store(!table.rules.is_empty(), Ordering::Release);
    result
}

/// The form addresses are compared in: `localhost` and the wildcard address
/// both mean 127.0.0.1.
fn normalize(address: &str) -> String {
    address
        .replace("localhost", "127.0.0.1")
        .replace("0.0.0.0", "127.0.0.1")
}

/// Names the node listening on `addresses` (`host:port`), so rules about
/// `name` apply to connections to any of them.
pub fn register<A: ToString>(name: &str, addresses: impl IntoIterator<Item = A>) {
    with_table(|table| register_in(table, name, addresses));
}

fn register_in<A: ToString>(table: &mut Table, name: &str, addresses: impl IntoIterator<Item = A>) {
    for address in addresses {
        let address = normalize(&address.to_string());
        table.names.retain(|(known, _)| *known != address);
        table.names.push((address, name.to_string()));
    }
}

/// Fails calls (and connections) from `from` to `to` whose method is
/// `method`: the gRPC method's name in any case (Hadoop's `sendHeartbeat`
/// matches `/hadoop.hdfs.DatanodeProtocol/SendHeartbeat`) or its full path;
/// [`CONNECT`] for raw connections; [`ANY`] for everything.
pub fn drop(from: &str, to: &str, method: &str) {
    add_rule(from, to, method, Action::Drop);
}

/// Holds calls (and connections) from `from` to `to` for `duration`.
pub fn delay(from: &str, to: &str, method: &str, duration: Duration) {
    add_rule(from, to, method, Action::Delay(duration));
}

/// Drops all traffic between every node of `group_a` and every node of
/// `group_b`, both ways.
pub fn partition(group_a: &[&str], group_b: &[&str]) {
    for a in group_a {
        for b in group_b {
            add_rule(a, b, ANY, Action::Drop);
            add_rule(b, a, ANY, Action::Drop);
        }
    }
}

/// Removes every rule (the registered names stay).
pub fn heal() {
    with_table(|table| table.rules.clear());
}

fn add_rule(from: &str, to: &str, method: &str, action: Action) {
    with_table(|table| {
        table.rules.push(Rule {
            from: from.to_string(),
            to: to.to_string(),
            method: method.to_string(),
            action,
        })
    });
}

/// What the rules do to a call from `from` to `address` for `method`; the
/// first matching rule wins. One atomic load when no rule is set.
fn check(from: &str, address: &str, method: &str) -> Option<Action> {
    if !ACTIVE.load(Ordering::Acquire) {
        return None;
    }
    let table = TABLE
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let address = normalize(address);
    let to = table
        .names
        .iter()
        .find(|(known, _)| *known == address)
        .map_or(address.as_str(), |(_, name)| name.as_str());
    let action = table
        .rules
        .iter()
        .find(|rule| rule.matches(from, to, method))
        .map(|rule| rule.action);
    if action.is_some() {
        HITS.fetch_add(1, Ordering::Relaxed);
    }
    action
}

/// How many calls and connections the rules have dropped or delayed in this
/// process: a test reads it to see that its fault really happened.
pub fn hits() -> u64 {
    HITS.load(Ordering::Relaxed)
}

/// The environment variable naming the rules file a daemon process follows
/// ([`follow_rules_file`]). A test hook: the HA mini-cluster sets it for the
/// NameNode and ZKFC processes it starts, so a test can fault their traffic
/// from outside; a production daemon runs without it.
pub const RULES_FILE_ENV: &str = "TUSK_FAULTS_FILE";

/// How often a followed rules file is checked for a change.
const RULES_FILE_POLL: Duration = Duration::from_millis(50);

/// Node names and rules as a rules file holds them, one a line:
///
/// ```text
/// # blank lines and lines starting with '#' are ignored
/// register nn2 127.0.0.1:8020,127.0.0.1:9870
/// drop * nn2 *
/// delay dn0 nn2 sendHeartbeat 200
/// ```
///
/// `register NAME ADDRESS[,ADDRESS...]` is [`register`], `drop FROM TO METHOD`
/// is [`drop`] and `delay FROM TO METHOD MILLISECONDS` is [`delay`]. A test
/// builds one and [`RuleSet::write`]s it (its [`Display`](fmt::Display) is the
/// file's text); the process following the file [`RuleSet::parse`]s it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    /// (node name, its addresses), in the order registered.
    names: Vec<(String, Vec<String>)>,
    rules: Vec<Rule>,
}

/// A line of a rules file that says nothing a [`RuleSet`] can hold: skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedLine {
    /// Its number in the file, from 1.
    pub number: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl RuleSet {
    /// No names and no rules: what an empty file holds.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the node listening on `addresses` (see [`register`]); no line
    /// when there is no address.
    pub fn register<A: ToString>(
        &mut self,
        name: &str,
        addresses: impl IntoIterator<Item = A>,
    ) -> &mut Self {
        let addresses: Vec<String> = addresses.into_iter().map(|a| a.to_string()).collect();
        debug_assert!(is_word(name), "a node name is one word: {name:?}");
        debug_assert!(
            addresses.iter().all(|a| is_word(a) && !a.contains(',')),
            "an address is one word without commas: {addresses:?}"
        );
        if !addresses.is_empty() {
            self.names.push((name.to_string(), addresses));
        }
        self
    }

    /// Adds a rule dropping calls from `from` to `to` (see [`drop`]).
    pub fn drop(&mut self, from: &str, to: &str, method: &str) -> &mut Self {
        self.add_rule(from, to, method, Action::Drop)
    }

    /// Adds a rule holding calls from `from` to `to` for `duration`, in whole
    /// milliseconds (see [`delay`]).
    pub fn delay(&mut self, from: &str, to: &str, method: &str, duration: Duration) -> &mut Self {
        self.add_rule(from, to, method, Action::Delay(duration))
    }

    fn add_rule(&mut self, from: &str, to: &str, method: &str, action: Action) -> &mut Self {
        debug_assert!(
            [from, to, method].iter().all(|word| is_word(word)),
            "a rule's node names and method are one word each: {from:?} {to:?} {method:?}"
        );
        self.rules.push(Rule {
            from: from.to_string(),
            to: to.to_string(),
            method: method.to_string(),
            action,
        });
        self
    }

    /// Reads a rules file's text: the names and rules of its well-formed
    /// lines, and which lines are malformed.
    pub fn parse(text: &str) -> (Self, Vec<MalformedLine>) {
        let mut rule_set = Self::new();
        let mut malformed = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Err(reason) = rule_set.parse_line(line) {
                malformed.push(MalformedLine {
                    number: index + 1,
                    reason,
                });
            }
        }
        (rule_set, malformed)
    }

    fn parse_line(&mut self, line: &str) -> Result<(), String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["register", name, addresses] => {
                let addresses: Vec<&str> = addresses.split(',').collect();
                if addresses.iter().any(|address| address.is_empty()) {
                    return Err(format!("an empty address in '{line}'"));
                }
                self.register(name, addresses);
            }
            ["drop", from, to, method] => {
                self.drop(from, to, method);
            }
            ["delay", from, to, method, millis] => {
                let millis: u64 = millis
                    .parse()
                    .map_err(|_| format!("'{millis}' is not a delay in milliseconds"))?;
                self.delay(from, to, method, Duration::from_millis(millis));
            }
            ["register", ..] => {
                return Err(format!(
                    "expected 'register NAME ADDRESS[,ADDRESS...]', got '{line}'"
                ));
            }
            ["drop", ..] => return Err(format!("expected 'drop FROM TO METHOD', got '{line}'")),
            ["delay", ..] => {
                return Err(format!(
                    "expected 'delay FROM TO METHOD MILLISECONDS', got '{line}'"
                ));
            }
            _ => return Err(format!("unknown rule '{line}'")),
        }
        Ok(())
    }

    /// Replaces the file at `path` by these rules in one step (a temporary
    /// file renamed over it), so a process following it never reads half of
    /// them. Not synced to disk: the rules matter only while processes run.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        std::fs::write(&temporary, self.to_string())?;
        std::fs::rename(&temporary, path)
    }
}

/// Whether `word` is one non-empty word of a rules file line.
fn is_word(word: &str) -> bool {
    !word.is_empty() && !word.contains(char::is_whitespace)
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, addresses) in &self.names {
            writeln!(f, "register {name} {}", addresses.join(","))?;
        }
        for Rule {
            from,
            to,
            method,
            action,
        } in &self.rules
        {
            match action {
                Action::Drop => writeln!(f, "drop {from} {to} {method}")?,
                Action::Delay(duration) => {
                    writeln!(f, "delay {from} {to} {method} {}", duration.as_millis())?
                }
            }
        }
        Ok(())
    }
}

/// Makes this process's rule table follow the rules file at `path` (see
/// [`RuleSet`]): the file is read now, and again within ~50 ms of each change
/// (of its inode, length or modification time); every version read replaces
/// the whole table, names and rules. A missing or empty file means no rules; a
/// malformed line is logged with its number and skipped. Must be called
/// inside a tokio runtime; the task polling the file runs until aborted.
pub fn follow_rules_file(path: impl Into<PathBuf>) -> JoinHandle<()> {
    let path = path.into();
    let mut version = load_rules_file(&path);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(RULES_FILE_POLL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let current = std::fs::metadata(&path).ok().map(|m| FileVersion::of(&m));
            if current != version {
                version = load_rules_file(&path);
            }
        }
    })
}

/// What tells one version of a rules file from another without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileVersion {
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileVersion {
    fn of(metadata: &std::fs::Metadata) -> Self {
        Self {
            inode: metadata.ino(),
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

/// Puts the rules of the file at `path` in the table (none when there is no
/// file); returns the version read.
fn load_rules_file(path: &Path) -> Option<FileVersion> {
    // The version is taken from the open file, so a change after it is seen later.
    let read = std::fs::File::open(path).and_then(|mut file| {
        let version = FileVersion::of(&file.metadata()?);
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut file, &mut bytes)?;
        Ok((version, bytes))
    });
    let (version, text) = match read {
        Ok((version, bytes)) => (Some(version), String::from_utf8_lossy(&bytes).into_owned()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => (None, String::new()),
        Err(error) => {
            tracing::warn!(file = %path.display(), %error, "cannot read the fault rules file; no rules");
            let version = std::fs::metadata(path).ok().map(|m| FileVersion::of(&m));
            (version, String::new())
        }
    };
    let (rule_set, malformed) = RuleSet::parse(&text);
    for line in &malformed {
        tracing::warn!(
            file = %path.display(),
            line = line.number,
            reason = %line.reason,
            "malformed fault rule ignored"
        );
    }
    tracing::info!(
        file = %path.display(),
        names = rule_set.names.len(),
        rules = rule_set.rules.len(),
        "fault rules loaded"
    );
    with_table(|table| {
        table.names.clear();
        for (name, addresses) in &rule_set.names {
            register_in(table, name, addresses);
        }
        table.rules = rule_set.rules;
    });
    version
}

/// Whether a server listening on `local_address` serves a connection it
/// has just accepted from a peer this table cannot name (another process,
/// such as a task in a container): only rules from [`ANY`] node about
/// [`CONNECT`]s apply. `false` means close it unanswered, as a lost link
/// would; a delay rule holds it first.
pub async fn admit(local_address: &str) -> bool {
    if !ACTIVE.load(Ordering::Acquire) {
        return true;
    }
    match check(UNNAMED_PEER, local_address, CONNECT) {
        Some(Action::Drop) => false,
        Some(Action::Delay(duration)) => {
            tokio::time::sleep(duration).await;
            true
        }
        None => true,
    }
}

/// The error a dropped connection gets: what an unreachable peer gives.
fn refused(from: &str, address: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("Connection refused (fault injected from {from} to {address})"),
    )
}

/// Opens a TCP connection from node `from` to `address`, as
/// [`TcpStream::connect`] does, unless a rule drops or delays it.
pub async fn connect(from: &str, address: impl ToSocketAddrs + ToString) -> io::Result<TcpStream> {
    if ACTIVE.load(Ordering::Acquire) {
        let target = address.to_string();
        match check(from, &target, CONNECT) {
            Some(Action::Drop) => return Err(refused(from, &target)),
            Some(Action::Delay(duration)) => tokio::time::sleep(duration).await,
            None => {}
        }
    }
    TcpStream::connect(address).await
}

/// Builds a lazily connected gRPC channel from node `from` to `endpoint`,
/// checked against the fault rules on every request. Every Tusk component
/// that calls a gRPC service builds its channel here.
pub fn channel(from: &str, endpoint: Endpoint) -> Channel {
    let to = endpoint
        .uri()
        .authority()
        .map(ToString::to_string)
        .unwrap_or_default();
    Channel {
        inner: endpoint.connect_lazy(),
        from: from.into(),
        to: to.into(),
    }
}

/// A tonic channel whose requests pass the fault rules first (see
/// [`channel`]); generated clients take it in place of tonic's `Channel`.
#[derive(Clone, Debug)]
pub struct Channel {
    inner: tonic::transport::Channel,
    from: Arc<str>,
    to: Arc<str>,
}

type InnerFuture = <tonic::transport::Channel as Service<Request<Body>>>::Future;
type FaultedFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, StdError>> + Send>>;

/// The response of a [`Channel`] call: tonic's, or the outcome of a fault.
pub enum ResponseFuture {
    /// No rule applied: the request went straight to the connection to the
    /// address named.
    Direct(InnerFuture, Arc<str>),
    /// A rule dropped or delays the request.
    Faulted(FaultedFuture),
}

impl Future for ResponseFuture {
    type Output = Result<Response<Body>, StdError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Direct(inner, to) => Pin::new(inner)
                .poll(cx)
                .map_err(|error| transport_failure(to, error.into())),
            Self::Faulted(faulted) => faulted.as_mut().poll(cx),
        }
    }
}

/// A call that failed in the transport, as the gRPC status the caller sees:
/// the code tonic gives it, and a message naming the caller, the address and
/// the cause as Hadoop's client does ([`crate::net::describe_connection_failure`]).
fn transport_failure(to: &str, error: StdError) -> StdError {
    if error.is::<tonic::Status>() {
        return error;
    }
    let message = crate::net::describe_connection_failure(to, &*error);
    let code = tonic::Status::from_error(error).code();
    tonic::Status::new(code, message).into()
}

impl Service<Request<Body>> for Channel {
    type Response = Response<Body>;
    type Error = StdError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StdError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        if !ACTIVE.load(Ordering::Acquire) {
            return ResponseFuture::Direct(self.inner.call(request), self.to.clone());
        }
        match check(&self.from, &self.to, request.uri().path()) {
            None => ResponseFuture::Direct(self.inner.call(request), self.to.clone()),
            Some(Action::Drop) => {
                let error = transport_failure(&self.to, refused(&self.from, &self.to).into());
                ResponseFuture::Faulted(Box::pin(async move { Err(error) }))
            }
            Some(Action::Delay(duration)) => {
                // The ready handle goes with the request; this one is a fresh clone.
                let clone = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, clone);
                let to = self.to.clone();
                ResponseFuture::Faulted(Box::pin(async move {
                    tokio::time::sleep(duration).await;
                    ready
                        .call(request)
                        .await
                        .map_err(|error| transport_failure(&to, error.into()))
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule table is process-global: one test walks through it all.
    #[tokio::test]
    async fn rules_match_by_node_address_and_method() {
        register("nn", ["127.0.0.1:8020"]);
        register("dn0", ["127.0.0.2:9866", "127.0.0.2:9867"]);
        assert_eq!(check("dn0", "127.0.0.1:8020", "/p.S/sendHeartbeat"), None);

        drop("dn0", "nn", "sendHeartbeat");
        assert_eq!(
            check("dn0", "localhost:8020", "/p.S/SendHeartbeat"),
            Some(Action::Drop)
        );
        assert_eq!(check("dn0", "127.0.0.1:8020", "/p.S/blockReport"), None);
        assert_eq!(check("dn1", "127.0.0.1:8020", "/p.S/sendHeartbeat"), None);
        heal();
        assert_eq!(check("dn0", "127.0.0.1:8020", "/p.S/sendHeartbeat"), None);

        partition(&["nn"], &["dn0"]);
        assert_eq!(check("nn", "127.0.0.2:9867", CONNECT), Some(Action::Drop));
        assert_eq!(check("dn0", "127.0.0.1:8020", "/p.S/x"), Some(Action::Drop));
        assert_eq!(check(CLIENT, "127.0.0.1:8020", "/p.S/x"), None);
        heal();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        register("peer", [&address]);
        drop(ANY, "peer", CONNECT);
        let error = connect("dn0", address.as_str()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        heal();
        connect("dn0", address.as_str()).await.unwrap();

        delay(ANY, "peer", ANY, Duration::from_millis(50));
        let started = std::time::Instant::now();
        connect("dn0", address.as_str()).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
        heal();
        assert_eq!(check("x", &address, CONNECT), None);

        // A followed rules file replaces the table at once, then on every change.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("faults.rules");
        let mut rule_set = RuleSet::new();
        rule_set
            .register("far", ["127.0.0.9:1"])
            .drop(ANY, "far", ANY);
        rule_set.write(&file).unwrap();
        let follower = follow_rules_file(&file);
        assert_eq!(check("x", "127.0.0.9:1", "/p.S/x"), Some(Action::Drop));
        assert_eq!(
            check("x", &address, CONNECT),
            None,
            "names the file lacks are gone"
        );
        let mut rule_set = RuleSet::new();
        rule_set.drop(ANY, ANY, "mkdirs");
        rule_set.write(&file).unwrap();
        wait_until(|| check("x", "127.0.0.9:1", "/p.S/x").is_none()).await;
        assert_eq!(check("x", "127.0.0.9:1", "/p.S/Mkdirs"), Some(Action::Drop));
        std::fs::write(&file, "").unwrap();
        wait_until(|| !ACTIVE.load(Ordering::Acquire)).await;
        rule_set.write(&file).unwrap();
        wait_until(|| ACTIVE.load(Ordering::Acquire)).await;
        std::fs::remove_file(&file).unwrap();
        wait_until(|| !ACTIVE.load(Ordering::Acquire)).await;
        follower.abort();
    }

    /// Polls `condition` until it holds; panics after 5 s.
    async fn wait_until(condition: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !condition() {
            assert!(
                std::time::Instant::now() < deadline,
                "the rules file was not followed"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[test]
    fn a_rules_file_parses_into_names_and_rules() {
        let text = "\
# the test's rules
register nn2 127.0.0.1:8020,localhost:9870

  drop * nn2 *
delay\tdn0 nn2 sendHeartbeat 200
";
        let (rule_set, malformed) = RuleSet::parse(text);
        assert_eq!(malformed, []);
        let mut expected = RuleSet::new();
        expected
            .register("nn2", ["127.0.0.1:8020", "localhost:9870"])
            .drop(ANY, "nn2", ANY)
            .delay("dn0", "nn2", "sendHeartbeat", Duration::from_millis(200));
        assert_eq!(rule_set, expected);
    }

    #[test]
    fn malformed_lines_are_skipped_with_their_numbers() {
        let text = "\
drop * nn2
drop a b c
delay a b c soon
delay a b c -5
register nn1 127.0.0.1:1,,127.0.0.1:2
register nn1
partition nn1 nn2
drop a b c d
\u{1F4A5}
delay a b c 7
";
        let (rule_set, malformed) = RuleSet::parse(text);
        let numbers: Vec<usize> = malformed.iter().map(|line| line.number).collect();
        assert_eq!(numbers, [1, 3, 4, 5, 6, 7, 8, 9]);
        assert!(
            malformed[0].reason.contains("drop FROM TO METHOD"),
            "{malformed:?}"
        );
        assert!(malformed[1].reason.contains("'soon'"), "{malformed:?}");
        let mut expected = RuleSet::new();
        expected
            .drop("a", "b", "c")
            .delay("a", "b", "c", Duration::from_millis(7));
        assert_eq!(rule_set, expected);
    }

    #[test]
    fn a_written_rule_set_reads_back_the_same() {
        let mut rule_set = RuleSet::new();
        rule_set
            .register("nn1", ["127.0.0.1:1", "127.0.0.1:2"])
            .register("none", Vec::<String>::new())
            .drop(ANY, ANY, ANY)
            .delay(CLIENT, "nn1", CONNECT, Duration::from_millis(1500));
        assert_eq!(
            rule_set.to_string(),
            "register nn1 127.0.0.1:1,127.0.0.1:2\n\
             drop * * *\n\
             delay client nn1 connect 1500\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules");
        rule_set.write(&file).unwrap();
        let (read, malformed) = RuleSet::parse(&std::fs::read_to_string(&file).unwrap());
        assert_eq!((read, malformed), (rule_set, Vec::new()));
        assert_eq!(RuleSet::parse(""), (RuleSet::new(), Vec::new()));
    }
}
