//! One JournalNode as the quorum client sees it (Hadoop's
//! IPCLoggerChannel), and waiting for a quorum of answers.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::{RemoteException, faults};
use proto::hdfs::q_journal_protocol_client::QJournalProtocolClient;
use tokio::sync::{mpsc, oneshot};

use super::{QuorumError, describe};

/// The client every call gets.
pub type Client = QJournalProtocolClient<faults::Channel>;

/// Success or the reason of a failure, for error messages.
pub type Outcome = Result<(), String>;

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A pending answer of one JournalNode.
pub type Answer<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Pause before retrying a call whose connection failed.
const RETRY_DELAY: Duration = Duration::from_millis(50);

/// One JournalNode: its RPC client, its HTTP URL once known, and the queue
/// that keeps the writer's calls to it in order.
pub struct Logger {
    node_name: String,
    address: String,
    endpoint: tonic::transport::Endpoint,
    client: OnceLock<Client>,
    http_url: Mutex<String>,
    queue: Mutex<Option<mpsc::UnboundedSender<Task>>>,
    queued_bytes: Arc<AtomicUsize>,
    queue_limit: usize,
    /// Set when a batch failed here: later batches of the segment would
    /// fail too (a gap), so they are not sent until a segment starts on it
    /// (Hadoop's IPCLoggerChannel.outOfSync).
    out_of_sync: Arc<AtomicBool>,
}

/// An answer that fails at once without calling the JournalNode.
pub fn skipped<T: Send + 'static>(reason: String) -> Answer<T> {
    Box::pin(async move { Err(reason) })
}

impl Logger {
    /// A lazily connected client of the JournalNode at `address`.
    pub fn new(
        node_name: &str,
        address: &str,
        connect_timeout: Duration,
        queue_limit: usize,
    ) -> Result<Self, String> {
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
            .map_err(|error| format!("invalid JournalNode address {address}: {error}"))?
            .connect_timeout(connect_timeout);
        let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
        Ok(Self {
            node_name: node_name.to_string(),
            address: address.to_string(),
            endpoint,
            client: OnceLock::new(),
            http_url: Mutex::new(format!("http://{host}:8480")),
            queue: Mutex::new(None),
            queued_bytes: Arc::new(AtomicUsize::new(0)),
            queue_limit,
            out_of_sync: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The gRPC client, made on first use (inside the runtime).
    fn client(&self) -> &Client {
        self.client.get_or_init(|| {
            QJournalProtocolClient::new(faults::channel(&self.node_name, self.endpoint.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES)
        })
    }

    /// Whether batches are not sent here until the next segment.
    pub fn is_out_of_sync(&self) -> bool {
        self.out_of_sync.load(Ordering::Acquire)
    }

    /// Marks this JournalNode out of sync when `answer` (a batch) fails.
    pub fn out_of_sync_on_failure<T: Send + 'static>(&self, answer: Answer<T>) -> Answer<T> {
        let flag = self.out_of_sync.clone();
        Box::pin(async move {
            let result = answer.await;
            if result.is_err() {
                flag.store(true, Ordering::Release);
            }
            result
        })
    }

    /// Marks this JournalNode in sync again when `answer` (a new segment
    /// started on it) succeeds.
    pub fn back_in_sync_on<T: Send + 'static>(&self, answer: Answer<T>) -> Answer<T> {
        let flag = self.out_of_sync.clone();
        Box::pin(async move {
            let result = answer.await;
            if result.is_ok() {
                flag.store(false, Ordering::Release);
            }
            result
        })
    }

    /// `host:port` of its RPC server.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `http://host:port` of its HTTP server.
    pub fn http_url(&self) -> String {
        self.http_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Records the HTTP URL a JournalNode reported.
    pub fn set_http_url(&self, url: &str) {
        if !url.is_empty() {
            *self
                .http_url
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                super::http::reachable_url(url, &self.address);
        }
    }

    /// One call with the call timeout. A transport failure (a connection
    /// the JournalNode closed, as after its restart) is retried once on a
    /// fresh connection: the request never reached the JournalNode.
    fn run<R, T, F, Fut>(
        &self,
        timeout: Duration,
        request: R,
        call: F,
    ) -> impl Future<Output = Result<T, String>> + Send + 'static
    where
        R: Clone + Send + 'static,
        T: Send + 'static,
        F: Fn(Client, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    {
        let client = self.client().clone();
        async move {
            let attempt = async {
                match call(client.clone(), request.clone()).await {
                    Err(status) if status.code() == tonic::Code::Unavailable => {
                        tokio::time::sleep(RETRY_DELAY).await;
                        call(client, request).await
                    }
                    result => result,
                }
            };
            match tokio::time::timeout(timeout, attempt).await {
                Ok(Ok(response)) => Ok(response.into_inner()),
                Ok(Err(status)) => Err(RemoteException::from_status(&status).to_string()),
                Err(_) => Err(format!("Call timed out after {}ms", timeout.as_millis())),
            }
        }
    }

    /// A call that may run beside any other (reads).
    pub fn call_parallel<R, T, F, Fut>(&self, timeout: Duration, request: R, call: F) -> Answer<T>
    where
        R: Clone + Send + 'static,
        T: Send + 'static,
        F: Fn(Client, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    {
        Box::pin(self.run(timeout, request, call))
    }

    /// A writer's call: runs after every earlier ordered call to this
    /// JournalNode has finished.
    pub fn call_ordered<R, T, F, Fut>(&self, timeout: Duration, request: R, call: F) -> Answer<T>
    where
        R: Clone + Send + 'static,
        T: Send + 'static,
        F: Fn(Client, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    {
        self.call_ordered_weighted(timeout, 0, request, call)
    }

    /// An ordered call carrying `bytes` of edits: refused at once when the
    /// edits queued for this JournalNode would pass
    /// `dfs.qjournal.queued-edits.limit.mb` (a JournalNode that stalls).
    pub fn call_ordered_weighted<R, T, F, Fut>(
        &self,
        timeout: Duration,
        bytes: usize,
        request: R,
        call: F,
    ) -> Answer<T>
    where
        R: Clone + Send + 'static,
        T: Send + 'static,
        F: Fn(Client, R) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send + 'static,
    {
        let queued = self.queued_bytes.load(Ordering::Acquire);
        if bytes > 0 && queued + bytes > self.queue_limit {
            let message = format!(
                "Pending edits to {} is going to exceed limit size: {}, current queued edits size: {queued}",
                self.address, self.queue_limit
            );
            return Box::pin(async move { Err(message) });
        }
        self.queued_bytes.fetch_add(bytes, Ordering::AcqRel);
        let queued_bytes = self.queued_bytes.clone();
        let (sender, receiver) = oneshot::channel();
        let work = self.run(timeout, request, call);
        let task: Task = Box::pin(async move {
            let result = work.await;
            queued_bytes.fetch_sub(bytes, Ordering::AcqRel);
            let _ = sender.send(result);
        });
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sender = queue.get_or_insert_with(|| {
            let (sender, mut tasks) = mpsc::unbounded_channel::<Task>();
            tokio::spawn(async move {
                while let Some(task) = tasks.recv().await {
                    task.await;
                }
            });
            sender
        });
        if let Err(rejected) = sender.send(task) {
            drop(rejected);
        }
        drop(queue);
        Box::pin(async move {
            receiver
                .await
                .unwrap_or_else(|_| Err("the call queue stopped".to_string()))
        })
    }
}

/// Starts `call` on every logger and waits until `needed` succeeded (their
/// answers, with the logger's index, in arrival order), too many failed, or
/// `timeout` passed. Calls still running go on in the background.
pub async fn quorum<T: Send + 'static>(
    loggers: &[Logger],
    needed: usize,
    timeout: Duration,
    call: impl Fn(&Logger, Duration) -> Answer<T>,
) -> Result<Vec<(usize, T)>, QuorumError> {
    dispatch(loggers, timeout, call).wait(needed).await
}

/// Calls started on every logger, their answers still to come.
pub struct Dispatched<'a, T> {
    loggers: &'a [Logger],
    timeout: Duration,
    answers: mpsc::UnboundedReceiver<(usize, Result<T, String>)>,
}

/// Starts `call` on every logger, without waiting: an ordered call is queued
/// on its logger when this returns.
pub fn dispatch<T: Send + 'static>(
    loggers: &[Logger],
    timeout: Duration,
    call: impl Fn(&Logger, Duration) -> Answer<T>,
) -> Dispatched<'_, T> {
    let (sender, answers) = mpsc::unbounded_channel();
    for (index, logger) in loggers.iter().enumerate() {
        let answer = call(logger, timeout);
        let sender = sender.clone();
        tokio::spawn(async move {
            let _ = sender.send((index, answer.await));
        });
    }
    Dispatched {
        loggers,
        timeout,
        answers,
    }
}

impl<T> Dispatched<'_, T> {
    /// Waits until `needed` calls succeeded (their answers, with the
    /// logger's index, in arrival order), too many failed, or the timeout
    /// passed.
    pub async fn wait(self, needed: usize) -> Result<Vec<(usize, T)>, QuorumError> {
        let Self {
            loggers,
            timeout,
            mut answers,
        } = self;
        let total = loggers.len();
        let deadline = Instant::now() + timeout;
        let mut successes = Vec::new();
        let mut outcomes: Vec<(usize, Outcome)> = Vec::new();
        loop {
            if successes.len() >= needed {
                return Ok(successes);
            }
            let failed = outcomes
                .iter()
                .filter(|(_, outcome)| outcome.is_err())
                .count();
            if failed > total - needed {
                let (ok, failures) = split(loggers, &outcomes);
                return Err(QuorumError::Quorum {
                    needed,
                    total,
                    successes: ok,
                    failures,
                });
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, answers.recv()).await {
                Ok(Some((index, Ok(answer)))) => {
                    outcomes.push((index, Ok(())));
                    successes.push((index, answer));
                }
                Ok(Some((index, Err(reason)))) => outcomes.push((index, Err(reason))),
                Ok(None) | Err(_) => {
                    let (ok, mut failures) = split(loggers, &outcomes);
                    for (index, logger) in loggers.iter().enumerate() {
                        if !outcomes.iter().any(|(answered, _)| *answered == index) {
                            failures.push(format!("{}: no answer", logger.address()));
                        }
                    }
                    return Err(QuorumError::Timeout {
                        timeout_ms: timeout.as_millis(),
                        successes: ok,
                        failures,
                    });
                }
            }
        }
    }
}

fn split(loggers: &[Logger], outcomes: &[(usize, Outcome)]) -> (Vec<String>, Vec<String>) {
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    for (index, outcome) in outcomes {
        let text = describe(loggers[*index].address(), outcome);
        match outcome {
            Ok(()) => successes.push(text),
            Err(_) => failures.push(text),
        }
    }
    (successes, failures)
}
