//! Hadoop's JournalNodeSyncer: every `dfs.journalnode.sync.interval`, ask a
//! peer (in turn) for its finalized segments and download those this
//! JournalNode lacks, so one that was down catches up without a writer.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use common::faults;
use proto::hdfs::GetJournalEditLogManifestRequest;
use proto::hdfs::q_journal_protocol_client::QJournalProtocolClient;
use tokio::sync::watch;
use tracing::{debug, warn};

use super::Journals;
use crate::qjournal::{QuorumUri, http};

/// The other JournalNodes of the `qjournal://` URI (`own` is this one's
/// RPC address): an entry naming this node's port on a local address is
/// this node.
pub fn peers(uri: &str, own: SocketAddr) -> Vec<String> {
    let Ok(parsed) = QuorumUri::parse(uri) else {
        warn!(
            uri,
            "cannot parse the shared edits dir; the JournalNode syncer has no peers"
        );
        return Vec::new();
    };
    parsed
        .addresses
        .into_iter()
        .filter(|address| {
            let resolved: Vec<SocketAddr> = address
                .to_socket_addrs()
                .map(|addresses| addresses.collect())
                .unwrap_or_default();
            !resolved.iter().any(|peer| {
                *peer == own
                    || (peer.port() == own.port()
                        && (own.ip().is_unspecified()
                            || peer.ip().is_loopback() && own.ip().is_loopback()))
            })
        })
        .collect()
}

/// Runs sync rounds until `stop`.
pub async fn run(
    journals: Arc<Journals>,
    peers: Vec<String>,
    interval: Duration,
    node_name: String,
    mut stop: watch::Receiver<bool>,
) {
    if peers.is_empty() {
        return;
    }
    let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(100)));
    ticks.tick().await;
    let mut next_peer = 0;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let peer = &peers[next_peer % peers.len()];
        next_peer += 1;
        for journal_id in journals.journal_ids() {
            if let Err(reason) = sync_journal(&journals, &journal_id, peer, &node_name).await {
                debug!(journal = %journal_id, peer, %reason, "journal sync round failed");
            }
        }
    }
}

async fn sync_journal(
    journals: &Arc<Journals>,
    journal_id: &str,
    peer: &str,
    node_name: &str,
) -> Result<(), String> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{peer}"))
        .map_err(|error| error.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30));
    let mut client = QJournalProtocolClient::new(faults::channel(node_name, endpoint));
    let manifest = client
        .get_edit_log_manifest(GetJournalEditLogManifestRequest {
            journal_id: journal_id.to_string(),
            since_txid: 0,
            in_progress_ok: false,
            name_service_id: String::new(),
        })
        .await
        .map_err(|status| status.message().to_string())?
        .into_inner();
    let local = journals
        .with(journal_id, |journal| journal.manifest(0, false))
        .await
        .map_err(|error| error.to_string())?;
    let oldest_local = local.first().map(|segment| segment.start_txid);
    let missing: Vec<_> = manifest
        .logs
        .iter()
        .filter(|remote| !remote.is_in_progress)
        .filter(|remote| oldest_local.is_none_or(|oldest| remote.start_txid >= oldest))
        .filter(|remote| {
            !local.iter().any(|mine| {
                mine.start_txid <= remote.end_txid && remote.start_txid <= mine.end_txid
            })
        })
        .cloned()
        .collect();
    let url = http::reachable_url(&manifest.from_url, peer);
    for segment in missing {
        let bytes = http::get_segment(
            node_name,
            http::address_of(&url),
            journal_id,
            segment.start_txid,
        )
        .await?;
        journals
            .with(journal_id, move |journal| {
                journal.install_finalized(segment.start_txid, segment.end_txid, &bytes)
            })
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}
