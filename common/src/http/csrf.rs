//! Hadoop's RestCsrfPreventionFilter: when enabled, a request from a browser that is not
//! one of the ignored methods (GET, OPTIONS, HEAD, TRACE) must carry a custom header
//! (`X-XSRF-HEADER`), which a page on another site cannot add to a cross-site request.
//! Other clients (curl, the CLIs, Python libraries) are not asked for it, as in Hadoop.

use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use regex::Regex;

use crate::Configuration;

/// The configuration keys of one web app's filter.
pub struct CsrfKeys {
    pub enabled: &'static str,
    pub custom_header: &'static str,
    pub methods_to_ignore: &'static str,
}

/// WebHDFS's keys (NameNode and DataNodes).
pub const WEBHDFS: CsrfKeys = CsrfKeys {
    enabled: crate::conf::keys::DFS_WEBHDFS_REST_CSRF_ENABLED,
    custom_header: crate::conf::keys::DFS_WEBHDFS_REST_CSRF_CUSTOM_HEADER,
    methods_to_ignore: crate::conf::keys::DFS_WEBHDFS_REST_CSRF_METHODS_TO_IGNORE,
};
/// The ResourceManager's keys.
pub const RESOURCEMANAGER: CsrfKeys = CsrfKeys {
    enabled: crate::conf::keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_ENABLED,
    custom_header: crate::conf::keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER,
    methods_to_ignore: crate::conf::keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE,
};
/// The NodeManager's keys.
pub const NODEMANAGER: CsrfKeys = CsrfKeys {
    enabled: crate::conf::keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_ENABLED,
    custom_header: crate::conf::keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER,
    methods_to_ignore: crate::conf::keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE,
};

/// Hadoop's answer to a browser request without the header.
pub const MISSING_HEADER: &str = "Missing Required Header for CSRF Vulnerability Protection";

/// One web app's filter, read from the configuration.
#[derive(Clone, Debug)]
pub struct CsrfGuard {
    header: HeaderName,
    ignored: Vec<String>,
    browsers: Vec<Regex>,
}

impl CsrfGuard {
    /// The filter `keys` configure in `conf`, or `None` when it is off.
    pub fn from_conf(conf: &Configuration, keys: &CsrfKeys) -> Option<Self> {
        if !conf.get_bool(keys.enabled).unwrap_or(false) {
            return None;
        }
        let header = conf
            .get_trimmed_or_default(keys.custom_header)
            .ok()
            .and_then(|name| HeaderName::try_from(name).ok())
            .unwrap_or_else(|| HeaderName::from_static("x-xsrf-header"));
        let list = |key: &str| -> Vec<String> {
            conf.get_trimmed_or_default(key)
                .unwrap_or_default()
                .split(',')
                .map(|item| item.trim().to_string())
                .filter(|item| !item.is_empty())
                .collect()
        };
        let browsers = list(crate::conf::keys::DFS_WEBHDFS_REST_CSRF_BROWSER_USERAGENTS_REGEX)
            .iter()
            .filter_map(|pattern| Regex::new(pattern).ok())
            .collect();
        Some(Self {
            header,
            ignored: list(keys.methods_to_ignore),
            browsers,
        })
    }

    /// Whether `request` may pass.
    fn allows(&self, request: &Request) -> bool {
        let method = request.method().as_str();
        if self.ignored.iter().any(|ignored| ignored == method) {
            return true;
        }
        let from_browser = request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .is_some_and(|agent| self.browsers.iter().any(|regex| regex.is_match(agent)));
        !from_browser || request.headers().contains_key(&self.header)
    }

    /// Adds the filter to `router` (a no-op when `guard` is `None`).
    pub fn apply<S: Clone + Send + Sync + 'static>(
        guard: Option<Self>,
        router: axum::Router<S>,
    ) -> axum::Router<S> {
        match guard {
            Some(guard) => router.layer(axum::middleware::from_fn_with_state(guard, check)),
            None => router,
        }
    }
}

async fn check(State(guard): State<CsrfGuard>, request: Request, next: Next) -> Response {
    if guard.allows(&request) {
        next.run(request).await
    } else {
        (StatusCode::BAD_REQUEST, MISSING_HEADER).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, agent: &str, with_header: bool) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri("/")
            .header(header::USER_AGENT, agent);
        if with_header {
            builder = builder.header("X-XSRF-HEADER", "x");
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn browsers_need_the_header_to_change_state() {
        let mut conf = Configuration::new();
        assert!(CsrfGuard::from_conf(&conf, &WEBHDFS).is_none());
        conf.set(crate::conf::keys::DFS_WEBHDFS_REST_CSRF_ENABLED, "true");
        let guard = CsrfGuard::from_conf(&conf, &WEBHDFS).unwrap();
        assert!(guard.allows(&request("GET", "Mozilla/5.0", false)));
        assert!(!guard.allows(&request("PUT", "Mozilla/5.0", false)));
        assert!(guard.allows(&request("PUT", "Mozilla/5.0", true)));
        assert!(guard.allows(&request("DELETE", "curl/8.0", false)));
    }
}
