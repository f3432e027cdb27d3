//! Client failover between the NameNodes of a HA nameservice (Hadoop's
//! `ConfiguredFailoverProxyProvider` with `RetryPolicies.failoverOnNetworkException`).
//!
//! The client keeps a channel per NameNode and the index of the one it
//! believes active. A call refused with `StandbyException`, or lost to a dead
//! connection, goes to the next NameNode after an exponential backoff with
//! jitter, up to `dfs.client.failover.max.attempts` failovers. Every call of
//! ClientProtocol is idempotent or at-most-once (non-idempotent calls carry a
//! client id and call id the NameNode's retry cache answers from), so all of
//! them are retried.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::conf::{Nameservice, TimeUnit, key_with_suffixes, keys};
use common::faults::Channel;
use common::{Configuration, RemoteException};
use proto::hdfs::client_protocol_client::ClientProtocolClient;
use tracing::{debug, info};

use crate::Result;

/// Hadoop's class name of the exception a standby NameNode answers with.
pub const STANDBY_EXCEPTION_CLASS: &str = "org.apache.hadoop.ipc.StandbyException";

/// The failover proxy providers a nameservice may name in
/// `dfs.client.failover.proxy.provider.<ns>`. Both try the NameNodes in turn
/// here: Tusk's client remembers the active one, so hedging the first call
/// buys little.
pub const PROXY_PROVIDERS: [&str; 2] = [
    "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider",
    "org.apache.hadoop.hdfs.server.namenode.ha.RequestHedgingProxyProvider",
];

/// What to do after a failed call (Hadoop's `RetryPolicy.RetryAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Give the error to the caller.
    Fail,
    /// Try the same NameNode again after the delay.
    Retry(Duration),
    /// Switch to the next NameNode and try there after the delay.
    FailoverAndRetry(Duration),
}

/// Hadoop's `failoverOnNetworkException` policy, from the
/// `dfs.client.failover.*` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailoverPolicy {
    /// `dfs.client.failover.max.attempts`
    pub max_failovers: u32,
    /// `dfs.client.failover.sleep.base.millis`
    pub sleep_base: Duration,
    /// `dfs.client.failover.sleep.max.millis`
    pub sleep_max: Duration,
    /// `dfs.client.failover.connection.retries`: connection attempts to one
    /// NameNode before failing over.
    pub connection_retries: u32,
}

impl FailoverPolicy {
    /// The policy of `conf`.
    pub fn from_conf(conf: &Configuration) -> Result<Self> {
        let conf_error =
            |error: common::conf::ConfError| RemoteException::illegal_argument(error.to_string());
        Ok(Self {
            max_failovers: conf
                .get_u32(keys::DFS_CLIENT_FAILOVER_MAX_ATTEMPTS)
                .map_err(conf_error)?,
            sleep_base: conf
                .get_duration(
                    keys::DFS_CLIENT_FAILOVER_SLEEPTIME_BASE,
                    TimeUnit::Milliseconds,
                )
                .map_err(conf_error)?,
            sleep_max: conf
                .get_duration(
                    keys::DFS_CLIENT_FAILOVER_SLEEPTIME_MAX,
                    TimeUnit::Milliseconds,
                )
                .map_err(conf_error)?,
            connection_retries: conf
                .get_u32(keys::DFS_CLIENT_FAILOVER_CONNECTION_RETRIES)
                .map_err(conf_error)?,
        })
    }

    /// What to do after `status`, a failed attempt of a call that has been
    /// retried `retries` times on the current NameNode and has failed over
    /// `failovers` times so far.
    pub fn should_retry(
        &self,
        status: &tonic::Status,
        retries: u32,
        failovers: u32,
    ) -> RetryDecision {
        if failovers >= self.max_failovers {
            return RetryDecision::Fail;
        }
        if is_standby(status) {
            return RetryDecision::FailoverAndRetry(self.sleep_time(failovers));
        }
        if !is_network_error(status) {
            return RetryDecision::Fail;
        }
        if retries < self.connection_retries {
            return RetryDecision::Retry(self.sleep_base);
        }
        RetryDecision::FailoverAndRetry(self.sleep_time(failovers))
    }

    /// Hadoop's `getFailoverOrRetrySleepTime`: none before the first
    /// failover, then `min(base * 2^times, max)` scaled by a random factor
    /// in [0.5, 1.5).
    pub fn sleep_time(&self, times: u32) -> Duration {
        if times == 0 {
            return Duration::ZERO;
        }
        let exponential = self
            .sleep_base
            .saturating_mul(1u32.checked_shl(times).unwrap_or(u32::MAX))
            .min(self.sleep_max);
        exponential.mul_f64(rand::random::<f64>() + 0.5)
    }
}

/// Whether a NameNode refused the call because it is standby.
pub fn is_standby(status: &tonic::Status) -> bool {
    status
        .metadata()
        .get(proto::EXCEPTION_METADATA)
        .is_some_and(|class| class.as_bytes() == STANDBY_EXCEPTION_CLASS.as_bytes())
}

/// Whether the call failed in the transport (no NameNode answered it)
/// rather than with a NameNode's exception.
pub fn is_network_error(status: &tonic::Status) -> bool {
    status.metadata().get(proto::EXCEPTION_METADATA).is_none()
        && matches!(
            status.code(),
            tonic::Code::Unavailable
                | tonic::Code::Unknown
                | tonic::Code::Cancelled
                | tonic::Code::DeadlineExceeded
        )
}

/// Checks `dfs.client.failover.proxy.provider.<ns>` names a provider Tusk
/// has (unset means the configured one, as with Hadoop's logical URIs).
pub fn check_proxy_provider(conf: &Configuration, nameservice: &str) -> Result<()> {
    let key = key_with_suffixes(
        keys::DFS_CLIENT_FAILOVER_PROXY_PROVIDER_PREFIX,
        &[nameservice],
    );
    match conf.get_trimmed(&key) {
        Some(class) if !PROXY_PROVIDERS.contains(&class.as_str()) => {
            Err(RemoteException::io(format!(
                "Could not load failover proxy provider class {class} which is configured for \
                 authority hdfs://{nameservice} ({key})"
            )))
        }
        _ => Ok(()),
    }
}

/// The NameNodes of a nameservice, one channel each, and which one calls go to.
pub(crate) struct FailoverProxies {
    namenodes: Vec<(String, ClientProtocolClient<Channel>)>,
    current: AtomicUsize,
    policy: FailoverPolicy,
}

impl FailoverProxies {
    /// Channels (lazily connected) to every NameNode of `nameservice`.
    pub(crate) fn new(
        nameservice: &Nameservice,
        policy: FailoverPolicy,
        connect: impl Fn(&str) -> Result<ClientProtocolClient<Channel>>,
    ) -> Result<Self> {
        let namenodes = nameservice
            .namenodes
            .iter()
            .map(|namenode| {
                Ok((
                    namenode.rpc_address.clone(),
                    connect(&namenode.rpc_address)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            namenodes,
            current: AtomicUsize::new(0),
            policy,
        })
    }

    /// The channel to the first NameNode.
    pub(crate) fn first(&self) -> &ClientProtocolClient<Channel> {
        &self.namenodes[0].1
    }

    /// Runs `attempt` against the current NameNode, failing over and
    /// retrying as the policy says.
    pub(crate) async fn invoke<T, F, Fut>(&self, method: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut(ClientProtocolClient<Channel>) -> Fut,
        Fut: Future<Output = std::result::Result<T, tonic::Status>>,
    {
        let mut retries = 0;
        let mut failovers = 0;
        loop {
            let index = self.current.load(Ordering::Relaxed);
            let (address, rpc) = &self.namenodes[index];
            let status = match attempt(rpc.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(status) => status,
            };
            match self.policy.should_retry(&status, retries, failovers) {
                RetryDecision::Fail => return Err(RemoteException::from_status(&status)),
                RetryDecision::Retry(delay) => {
                    debug!(
                        error = %status.message(),
                        "Exception while invoking {method} over {address}. Retrying after \
                         sleeping for {}ms.",
                        delay.as_millis()
                    );
                    retries += 1;
                    tokio::time::sleep(delay).await;
                }
                RetryDecision::FailoverAndRetry(delay) => {
                    let when = if delay.is_zero() {
                        "immediately".to_string()
                    } else {
                        format!("after sleeping for {}ms", delay.as_millis())
                    };
                    info!(
                        error = %status.message(),
                        "Exception while invoking {method} over {address}. Trying to failover \
                         {when}."
                    );
                    // Another call may have failed over already.
                    let next = (index + 1) % self.namenodes.len();
                    let _ = self.current.compare_exchange(
                        index,
                        next,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    retries = 0;
                    failovers += 1;
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FailoverPolicy {
        FailoverPolicy {
            max_failovers: 15,
            sleep_base: Duration::from_millis(500),
            sleep_max: Duration::from_millis(15_000),
            connection_retries: 0,
        }
    }

    fn standby() -> tonic::Status {
        let mut status = tonic::Status::failed_precondition(
            "Operation category WRITE is not supported in state standby",
        );
        status.metadata_mut().insert(
            proto::EXCEPTION_METADATA,
            tonic::metadata::MetadataValue::from_static(STANDBY_EXCEPTION_CLASS),
        );
        status
    }

    #[test]
    fn the_defaults_are_hadoops() {
        let conf = common::Configuration::new();
        assert_eq!(FailoverPolicy::from_conf(&conf).unwrap(), policy());
    }

    #[test]
    fn the_first_failover_is_immediate_then_backoff_is_bounded() {
        let policy = policy();
        assert_eq!(policy.sleep_time(0), Duration::ZERO);
        for times in 1..40 {
            let base = Duration::from_millis(500)
                .saturating_mul(1u32.checked_shl(times).unwrap_or(u32::MAX))
                .min(Duration::from_millis(15_000));
            for _ in 0..50 {
                let sleep = policy.sleep_time(times);
                assert!(sleep >= base.mul_f64(0.5), "{times}: {sleep:?}");
                assert!(sleep < base.mul_f64(1.5), "{times}: {sleep:?}");
            }
        }
        for _ in 0..50 {
            assert!(policy.sleep_time(30) < Duration::from_millis(22_500));
            assert!(policy.sleep_time(1) >= Duration::from_millis(500));
            assert!(policy.sleep_time(1) < Duration::from_millis(1_500));
        }
    }

    #[test]
    fn standby_and_dead_connections_fail_over_until_the_attempts_run_out() {
        let policy = policy();
        let refused = tonic::Status::unavailable("tcp connect error: Connection refused");
        assert_eq!(
            policy.should_retry(&standby(), 0, 0),
            RetryDecision::FailoverAndRetry(Duration::ZERO)
        );
        assert_eq!(
            policy.should_retry(&refused, 0, 0),
            RetryDecision::FailoverAndRetry(Duration::ZERO)
        );
        assert!(matches!(
            policy.should_retry(&refused, 0, 14),
            RetryDecision::FailoverAndRetry(_)
        ));
        assert_eq!(policy.should_retry(&refused, 0, 15), RetryDecision::Fail);
        assert_eq!(policy.should_retry(&standby(), 0, 15), RetryDecision::Fail);
    }

    #[test]
    fn a_namenodes_own_exception_is_not_retried() {
        let not_found = RemoteException::not_found("/x").to_status();
        assert_eq!(policy().should_retry(&not_found, 0, 0), RetryDecision::Fail);
        let internal = tonic::Status::internal("decode error");
        assert_eq!(policy().should_retry(&internal, 0, 0), RetryDecision::Fail);
    }

    #[test]
    fn connection_retries_stay_on_one_namenode_first() {
        let policy = FailoverPolicy {
            connection_retries: 2,
            ..policy()
        };
        let refused = tonic::Status::unavailable("Connection refused");
        assert!(matches!(
            policy.should_retry(&refused, 0, 0),
            RetryDecision::Retry(_)
        ));
        assert!(matches!(
            policy.should_retry(&refused, 1, 0),
            RetryDecision::Retry(_)
        ));
        assert!(matches!(
            policy.should_retry(&refused, 2, 0),
            RetryDecision::FailoverAndRetry(_)
        ));
        assert_eq!(
            policy.should_retry(&refused, 0, 1),
            RetryDecision::Retry(Duration::from_millis(500))
        );
        // A standby is never retried in place.
        assert!(matches!(
            policy.should_retry(&standby(), 0, 0),
            RetryDecision::FailoverAndRetry(_)
        ));
    }

    #[test]
    fn proxy_providers_are_checked() {
        let mut conf = common::Configuration::new();
        assert!(check_proxy_provider(&conf, "mycluster").is_ok());
        conf.set(
            "dfs.client.failover.proxy.provider.mycluster",
            PROXY_PROVIDERS[1],
        );
        assert!(check_proxy_provider(&conf, "mycluster").is_ok());
        conf.set(
            "dfs.client.failover.proxy.provider.mycluster",
            "org.example.NoSuchProvider",
        );
        let error = check_proxy_provider(&conf, "mycluster").unwrap_err();
        assert_eq!(
            error.message,
            "Could not load failover proxy provider class org.example.NoSuchProvider which is \
             configured for authority hdfs://mycluster (dfs.client.failover.proxy.provider.mycluster)"
        );
    }
}
