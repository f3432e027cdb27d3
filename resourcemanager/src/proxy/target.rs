//! The pure part of the web proxy: the proxied tracking URL applications
//! are shown with, where a request goes (the live AM, a redirect to the
//! final tracking URL, or nowhere), and which headers stop at the proxy.

/// `http://<rm-web>/proxy/<app>/`: the tracking URL the RM shows for an
/// application whose AM gave one (Hadoop's `ProxyUriUtils.getProxyUri`).
pub fn proxied_tracking_url(proxy_base: &str, app_id: &str) -> String {
    format!("{}/proxy/{app_id}/", proxy_base.trim_end_matches('/'))
}

/// What the proxy does with a request for an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The AM runs: fetch this URL and stream its answer back.
    Forward(String),
    /// The application ended: send the client to this URL (302).
    Redirect(String),
    /// The application has no tracking URL (yet, or at all).
    NoTrackingUrl,
}

/// Where a request for `rest` (the path after `/proxy/<app>/`) and `query`
/// goes, given the application's tracking URL and whether it still runs.
pub fn route(tracking_url: &str, running: bool, rest: &str, query: Option<&str>) -> Route {
    if tracking_url.is_empty() || tracking_url == "N/A" {
        return Route::NoTrackingUrl;
    }
    if running {
        return Route::Forward(join(tracking_url, rest, query));
    }
    match history_path(tracking_url, rest) {
        Some(path) => Route::Redirect(join(&path, "", query)),
        None => Route::Redirect(join(tracking_url, rest, query)),
    }
}

/// Where an AM page or REST resource of a finished MapReduce job lives on the history
/// server its final tracking URL (`.../jobhistory/job/<job>`) names: the AM's pages and
/// the history server's share their names (`/mapreduce/<page>` is `/jobhistory/<page>`,
/// `/ws/v1/mapreduce/...` is `/ws/v1/history/mapreduce/...`), so a bookmark of a running
/// job's page keeps working once the job is history.
fn history_path(tracking_url: &str, rest: &str) -> Option<String> {
    let (root, _) = tracking_url.split_once("/jobhistory/")?;
    let rest = rest.trim_start_matches('/');
    if let Some(page) = rest.strip_prefix("mapreduce/") {
        return Some(format!("{root}/jobhistory/{page}"));
    }
    let api = rest.strip_prefix("ws/v1/mapreduce/")?;
    Some(format!("{root}/ws/v1/history/mapreduce/{api}"))
}

/// The tracking URL (`http://` added when it has no scheme) with `rest`
/// appended to its path and `query` replacing its query.
fn join(tracking_url: &str, rest: &str, query: Option<&str>) -> String {
    let with_scheme = if tracking_url.contains("://") {
        tracking_url.to_string()
    } else {
        format!("http://{tracking_url}")
    };
    let base = with_scheme.split(['?', '#']).next().unwrap_or_default();
    let rest = rest.trim_start_matches('/');
    let mut url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{}/{rest}", base.trim_end_matches('/'))
    };
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Hop-by-hop headers (RFC 9110 7.6.1), which a proxy never forwards,
/// plus `host`, which names the proxy rather than the AM.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Whether a header stops at the proxy: a hop-by-hop one, or one the
/// `Connection` header (`connection_tokens`, lower-cased) names.
pub fn is_hop_by_hop(name: &str, connection_tokens: &[String]) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str()) || connection_tokens.contains(&name)
}

/// The header names a `Connection` header value lists, lower-cased.
pub fn connection_tokens(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|token| token.trim().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxied_urls_name_the_rm() {
        assert_eq!(
            proxied_tracking_url("http://rm:8088/", "application_1_0001"),
            "http://rm:8088/proxy/application_1_0001/"
        );
    }

    #[test]
    fn running_applications_are_forwarded_with_path_and_query() {
        assert_eq!(
            route("http://h:4000/", true, "ws/v1/mapreduce/jobs", Some("a=1")),
            Route::Forward("http://h:4000/ws/v1/mapreduce/jobs?a=1".to_string())
        );
        assert_eq!(
            route("h:4000", true, "", None),
            Route::Forward("http://h:4000".to_string())
        );
    }

    #[test]
    fn finished_applications_redirect_to_their_final_url() {
        let final_url = "http://jhs:19888/jobhistory/job/job_1_0001";
        assert_eq!(
            route(final_url, false, "", None),
            Route::Redirect(final_url.to_string())
        );
        assert_eq!(
            route(final_url, false, "/conf", Some("")),
            Route::Redirect(format!("{final_url}/conf"))
        );
        assert_eq!(
            route(final_url, false, "mapreduce/jobcounters/job_1_0001", None),
            Route::Redirect("http://jhs:19888/jobhistory/jobcounters/job_1_0001".to_string())
        );
        assert_eq!(
            route(
                final_url,
                false,
                "/ws/v1/mapreduce/jobs/job_1_0001/tasks",
                Some("type=m")
            ),
            Route::Redirect(
                "http://jhs:19888/ws/v1/history/mapreduce/jobs/job_1_0001/tasks?type=m".to_string()
            )
        );
        assert_eq!(route("", false, "", None), Route::NoTrackingUrl);
        assert_eq!(route("N/A", true, "x", None), Route::NoTrackingUrl);
    }

    #[test]
    fn hop_by_hop_headers_stop_here() {
        let tokens = connection_tokens("close, X-Private");
        assert_eq!(tokens, ["close", "x-private"]);
        assert!(is_hop_by_hop("Transfer-Encoding", &tokens));
        assert!(is_hop_by_hop("Connection", &tokens));
        assert!(is_hop_by_hop("X-Private", &tokens));
        assert!(!is_hop_by_hop("Content-Type", &tokens));
        assert!(!is_hop_by_hop("Content-Length", &tokens));
    }
}
