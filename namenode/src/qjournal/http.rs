//! Downloading edit segments from a JournalNode's `/getJournal`.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;

/// The path JournalNodes serve segments on, as in Hadoop.
pub const GET_JOURNAL_PATH: &str = "/getJournal";

/// GETs `/getJournal?jid=<jid>&segmentTxId=<txid>` from `http_address`
/// (`host:port`) and returns the whole segment file.
pub async fn get_segment(
    from: &str,
    http_address: &str,
    journal_id: &str,
    segment_txid: u64,
) -> Result<Vec<u8>, String> {
    let fail = |reason: String| {
        format!(
            "cannot download segment {segment_txid} of journal {journal_id} from {http_address}: {reason}"
        )
    };
    let stream = common::faults::connect(from, http_address)
        .await
        .map_err(|error| fail(error.to_string()))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| fail(error.to_string()))?;
    tokio::spawn(connection);
    let request = Request::get(format!(
        "http://{http_address}{GET_JOURNAL_PATH}?jid={journal_id}&segmentTxId={segment_txid}"
    ))
    .header(hyper::header::HOST, http_address)
    .body(Empty::<Bytes>::new())
    .map_err(|error| fail(error.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| fail(error.to_string()))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|error| fail(error.to_string()))?
        .to_bytes();
    if status != StatusCode::OK {
        return Err(fail(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body).trim()
        )));
    }
    Ok(body.to_vec())
}

/// `host:port` of a JournalNode's HTTP server from its `http://host:port` URL.
pub fn address_of(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

/// `url` as reachable from a peer that reached the JournalNode's RPC server
/// at `rpc_address`: a JournalNode bound to the wildcard address reports
/// `0.0.0.0` (or `[::]`), which is replaced by the RPC address's host.
pub fn reachable_url(url: &str, rpc_address: &str) -> String {
    let address = address_of(url);
    let Some((host, port)) = address.rsplit_once(':') else {
        return url.to_string();
    };
    if !matches!(host, "0.0.0.0" | "[::]" | "::") {
        return url.to_string();
    }
    let rpc_host = rpc_address
        .rsplit_once(':')
        .map_or(rpc_address, |(host, _)| host);
    format!("http://{rpc_host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_hosts_become_the_rpc_host() {
        assert_eq!(
            reachable_url("http://0.0.0.0:8480", "jn1.example.com:8485"),
            "http://jn1.example.com:8480"
        );
        assert_eq!(
            reachable_url("http://10.0.0.2:8480", "jn1:8485"),
            "http://10.0.0.2:8480"
        );
    }
}
