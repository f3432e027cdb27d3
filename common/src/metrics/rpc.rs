//! RPC server metrics as Hadoop publishes them: `RpcActivityForPort<port>` (calls and their
//! processing time, calls in progress) and `RpcDetailedActivityForPort<port>` (per method:
//! `<Method>NumOps`, `<Method>AvgTime`), measured by a tower layer around a tonic server (or
//! call by call, [`RpcMetrics::start_call`], for a server that is no tower service).
//!
//! The hot path is a read lock to find the method's counters (a write lock only the first
//! time a method is seen), an `Arc` clone and a few relaxed atomic adds; no allocation.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tonic::codegen::Service;
use tonic::codegen::http::Request;

use super::Bean;

/// Calls of one method: how many, and their total processing time.
#[derive(Default)]
struct MethodStats {
    calls: AtomicU64,
    nanos: AtomicU64,
}

impl MethodStats {
    fn record(&self, nanos: u64) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// (calls, average milliseconds).
    fn read(&self) -> (u64, f64) {
        let calls = self.calls.load(Ordering::Relaxed);
        let nanos = self.nanos.load(Ordering::Relaxed);
        let average = if calls == 0 {
            0.0
        } else {
            nanos as f64 / calls as f64 / 1e6
        };
        (calls, average)
    }
}

/// The metrics of one RPC server (one port).
#[derive(Default)]
pub struct RpcMetrics {
    all: MethodStats,
    in_progress: AtomicI64,
    methods: RwLock<HashMap<String, Arc<MethodStats>>>,
}

impl RpcMetrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The layer to put around the server's services (`Server::builder().layer(..)`).
    pub fn layer(self: &Arc<Self>) -> RpcMetricsLayer {
        RpcMetricsLayer(self.clone())
    }

    fn method(&self, name: &str) -> Arc<MethodStats> {
        let known = self
            .methods
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned();
        known.unwrap_or_else(|| {
            self.methods
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(name.to_string())
                .or_default()
                .clone()
        })
    }

    /// Starts timing a call of a server that is no tower service (the
    /// NameNode's Hadoop IPC); the call counts as in progress until
    /// [`RunningCall::finish`] (or its drop).
    pub fn start_call(self: &Arc<Self>) -> RunningCall {
        self.in_progress.fetch_add(1, Ordering::Relaxed);
        RunningCall {
            metrics: self.clone(),
            start: Instant::now(),
        }
    }

    /// Calls of `method` (the last segment of its gRPC path, e.g. `Mkdirs`) so far.
    pub fn calls(&self, method: &str) -> u64 {
        let methods = self.methods.read().unwrap_or_else(PoisonError::into_inner);
        methods.get(method).map_or(0, |stats| stats.read().0)
    }

    /// Every call so far, their total processing time in milliseconds, and the calls in
    /// progress now: what a page's charts sample.
    pub fn totals(&self) -> (u64, f64, i64) {
        let calls = self.all.calls.load(Ordering::Relaxed);
        let millis = self.all.nanos.load(Ordering::Relaxed) as f64 / 1e6;
        (
            calls,
            millis,
            self.in_progress.load(Ordering::Relaxed).max(0),
        )
    }

    /// `RpcActivityForPort<port>` and `RpcDetailedActivityForPort<port>` of `service`.
    pub fn beans(&self, service: &str, port: u16) -> Vec<Bean> {
        let (calls, average) = self.all.read();
        let port_tag = port.to_string();
        let activity =
            Bean::with_properties(service, &[("name", &format!("RpcActivityForPort{port}"))])
                .record_named("rpc")
                .tag("port", port_tag.clone())
                .tag("Context", "rpc")
                .tag("Hostname", super::hostname())
                .counter("RpcProcessingTimeNumOps", calls)
                .gauge("RpcProcessingTimeAvgTime", average)
                .gauge(
                    "CallQueueLength",
                    self.in_progress.load(Ordering::Relaxed).max(0),
                );
        let mut detailed = Bean::with_properties(
            service,
            &[("name", &format!("RpcDetailedActivityForPort{port}"))],
        )
        .record_named("rpcdetailed")
        .tag("port", port_tag)
        .tag("Context", "rpcdetailed")
        .tag("Hostname", super::hostname());
        let methods = self.methods.read().unwrap_or_else(PoisonError::into_inner);
        let mut names: Vec<&String> = methods.keys().collect();
        names.sort();
        for name in names {
            let (calls, average) = methods[name].read();
            detailed = detailed
                .counter(&format!("{name}NumOps"), calls)
                .gauge(&format!("{name}AvgTime"), average);
        }
        vec![activity, detailed]
    }
}

/// A call [`RpcMetrics::start_call`] times.
pub struct RunningCall {
    metrics: Arc<RpcMetrics>,
    start: Instant,
}

impl RunningCall {
    /// Records the call under `method` (capitalized as the gRPC methods are,
    /// e.g. `GetFileInfo`), or only in the totals with `None` (a method the
    /// server does not know, whose name a client chose).
    pub fn finish(self, method: Option<&str>) {
        let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.metrics.all.record(nanos);
        if let Some(method) = method {
            self.metrics.method(method).record(nanos);
        }
    }
}

impl Drop for RunningCall {
    fn drop(&mut self) {
        self.metrics.in_progress.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The tower layer of [`RpcMetrics`].
#[derive(Clone)]
pub struct RpcMetricsLayer(Arc<RpcMetrics>);

impl<S> tower_layer::Layer<S> for RpcMetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// A service whose calls [`RpcMetrics`] counts and times.
#[derive(Clone)]
pub struct Measured<S> {
    inner: S,
    metrics: Arc<RpcMetrics>,
}

impl<S, B> Service<Request<B>> for Measured<S>
where
    S: Service<Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method = self
            .metrics
            .method(request.uri().path().rsplit('/').next().unwrap_or_default());
        let metrics = self.metrics.clone();
        let call = self.inner.call(request);
        Box::pin(async move {
            let start = Instant::now();
            metrics.in_progress.fetch_add(1, Ordering::Relaxed);
            let answer = call.await;
            metrics.in_progress.fetch_sub(1, Ordering::Relaxed);
            let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            metrics.all.record(nanos);
            method.record(nanos);
            answer
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_per_method_and_in_total() {
        let metrics = RpcMetrics::new();
        metrics.all.record(2_000_000);
        metrics.method("Mkdirs").record(2_000_000);
        metrics.all.record(4_000_000);
        metrics.method("Mkdirs").record(4_000_000);
        assert_eq!(metrics.calls("Mkdirs"), 2);
        assert_eq!(metrics.calls("Delete"), 0);
        let beans = metrics.beans("NameNode", 8020);
        let activity = beans[0].to_json();
        assert_eq!(
            activity["name"],
            "Hadoop:service=NameNode,name=RpcActivityForPort8020"
        );
        assert_eq!(activity["RpcProcessingTimeNumOps"], 2);
        assert_eq!(activity["RpcProcessingTimeAvgTime"], 3.0);
        let detailed = beans[1].to_json();
        assert_eq!(detailed["MkdirsNumOps"], 2);
        assert_eq!(detailed["MkdirsAvgTime"], 3.0);
    }

    #[test]
    fn calls_timed_by_hand_count_as_in_progress_until_finished() {
        let metrics = RpcMetrics::new();
        let known = metrics.start_call();
        let unknown = metrics.start_call();
        assert_eq!(metrics.totals().2, 2);
        known.finish(Some("GetFileInfo"));
        unknown.finish(None);
        assert_eq!(metrics.totals().0, 2);
        assert_eq!(metrics.totals().2, 0);
        assert_eq!(metrics.calls("GetFileInfo"), 1);
        drop(metrics.start_call());
        assert_eq!(metrics.totals(), (2, metrics.totals().1, 0));
    }
}
