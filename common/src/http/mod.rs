//! The endpoints every daemon serves on its HTTP port, as Hadoop's HttpServer2 adds them to
//! every daemon: `/jmx`, `/prom`, `/conf`, `/stacks`, `/logLevel` and `/logs/`, plus a 404
//! page listing what the daemon serves, and the web UI's stylesheet and script. A daemon merges [`routes`] into its own router.

mod conf;
pub mod csrf;
mod jmx;
mod loglevel;
mod logs;
mod stacks;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::Configuration;
use crate::metrics::Bean;

/// Where a daemon's log files are: the `hadoop.log.dir` key, else `$HADOOP_LOG_DIR`.
pub const LOG_DIR_KEY: &str = "hadoop.log.dir";
/// The environment variable naming the log dir when the key is unset.
pub const LOG_DIR_ENV: &str = "HADOOP_LOG_DIR";

/// The endpoints [`routes`] adds, with what each gives, for the 404 page.
const COMMON_ENDPOINTS: [(&str, &str); 6] = [
    ("/jmx", "metrics and MXBeans as JSON (?qry=, ?get=)"),
    ("/prom", "metrics in Prometheus text format"),
    (
        "/conf",
        "the effective configuration (?format=json, ?name=)",
    ),
    ("/stacks", "the process's threads"),
    ("/logLevel", "get or set a log level (?log=, &level=)"),
    ("/logs/", "the log directory"),
];

/// Produces a daemon's beans when `/jmx` or `/prom` is asked.
pub type BeanSource = Arc<dyn Fn() -> Vec<Bean> + Send + Sync>;

/// What the common endpoints need to know about the daemon serving them.
#[derive(Clone)]
pub struct DaemonHttp {
    /// Hadoop's service name: `NameNode`, `DataNode`, `ResourceManager`, ...
    service: &'static str,
    conf: Arc<Configuration>,
    beans: BeanSource,
    log_dir: Option<PathBuf>,
    /// The daemon's own endpoints, listed on the 404 page before the common ones.
    pages: Vec<(&'static str, &'static str)>,
}

impl DaemonHttp {
    /// `service`'s endpoints over `conf` (the configuration it runs with); the log dir
    /// is read from `conf` or the environment now.
    pub fn new(service: &'static str, conf: &Configuration) -> Self {
        let log_dir = conf
            .get_trimmed(LOG_DIR_KEY)
            .or_else(|| {
                std::env::var(LOG_DIR_ENV)
                    .ok()
                    .filter(|dir| !dir.is_empty())
            })
            .map(PathBuf::from);
        Self {
            service,
            conf: Arc::new(conf.clone()),
            beans: Arc::new(Vec::new),
            log_dir,
            pages: Vec::new(),
        }
    }

    /// The daemon's beans (`/jmx` adds the process's `JvmMetrics` bean to them).
    pub fn beans(mut self, beans: impl Fn() -> Vec<Bean> + Send + Sync + 'static) -> Self {
        self.beans = Arc::new(beans);
        self
    }

    /// The daemon's own endpoints `(path, what it gives)`, for the 404 page.
    pub fn pages(mut self, pages: &[(&'static str, &'static str)]) -> Self {
        self.pages = pages.to_vec();
        self
    }

    /// The daemon's beans and the process's, freshly measured.
    fn all_beans(&self) -> Vec<Bean> {
        let mut beans = (self.beans)();
        beans.push(crate::metrics::process_bean(self.service));
        beans
    }
}

/// The common endpoints and the 404 fallback, for a daemon to `merge` into its router.
pub fn routes(daemon: DaemonHttp) -> Router {
    Router::new()
        .route("/jmx", get(jmx::jmx))
        .route("/prom", get(jmx::prom))
        .route("/conf", get(conf::conf))
        .route("/stacks", get(stacks::stacks))
        .route("/logLevel", get(loglevel::log_level))
        .route("/logs", get(logs::redirect))
        .route("/logs/", get(logs::root))
        .route("/logs/{*path}", get(logs::file))
        .merge(crate::webui::routes())
        .fallback(not_found)
        .with_state(Arc::new(daemon))
}

/// 404 with a page naming what this daemon serves.
async fn not_found(
    axum::extract::State(daemon): axum::extract::State<Arc<DaemonHttp>>,
    uri: axum::http::Uri,
) -> impl IntoResponse {
    let mut items = String::new();
    for (path, what) in daemon.pages.iter().chain(COMMON_ENDPOINTS.iter()) {
        items.push_str(&format!(
            "<li><a href=\"{path}\">{path}</a>: {}</li>\n",
            escape_html(what)
        ));
    }
    let body = format!(
        "<!doctype html><html><head><title>404 Not Found</title></head><body>\n\
         <h1>404 Not Found</h1>\n<p>{} has no page at {}. It serves:</p>\n<ul>\n{items}</ul>\n\
         </body></html>\n",
        daemon.service,
        escape_html(uri.path())
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
}

/// Text made safe to put in HTML.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
