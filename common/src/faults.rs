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

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::net::{TcpStream, ToSocketAddrs};
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

#[derive(Clone, Debug)]
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
    with_table(|table| {
        for address in addresses {
            let address = normalize(&address.to_string());
            table.names.retain(|(known, _)| *known != address);
            table.names.push((address, name.to_string()));
        }
    });
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
    /// No rule applied: the request went straight to the connection.
    Direct(InnerFuture),
    /// A rule dropped or delays the request.
    Faulted(FaultedFuture),
}

impl Future for ResponseFuture {
    type Output = Result<Response<Body>, StdError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Direct(inner) => Pin::new(inner).poll(cx).map_err(Into::into),
            Self::Faulted(faulted) => faulted.as_mut().poll(cx),
        }
    }
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
            return ResponseFuture::Direct(self.inner.call(request));
        }
        match check(&self.from, &self.to, request.uri().path()) {
            None => ResponseFuture::Direct(self.inner.call(request)),
            Some(Action::Drop) => {
                let status = tonic::Status::unavailable(refused(&self.from, &self.to).to_string());
                ResponseFuture::Faulted(Box::pin(async move { Err(status.into()) }))
            }
            Some(Action::Delay(duration)) => {
                // The ready handle goes with the request; this one is a fresh clone.
                let clone = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, clone);
                ResponseFuture::Faulted(Box::pin(async move {
                    tokio::time::sleep(duration).await;
                    ready.call(request).await.map_err(Into::into)
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
    }
}
