//! The RM's web port: Hadoop 3's pages under `/cluster` (overview, applications, one
//! application and its attempts, nodes, the scheduler's queues, about), Hadoop's REST API
//! (`/ws/v1/cluster`, see [`crate::rest`]), the web proxy, the samples the overview's
//! charts draw, and the beans `/jmx` and `/prom` show (Hadoop's ClusterMetrics and root
//! QueueMetrics names). Pages render the same documents the REST API serves, read under
//! one short lock and rendered after it is released. Hadoop's REST CSRF filter guards it
//! all when `yarn.resourcemanager.webapp.rest-csrf.enabled` is set.

mod apps;
mod cluster;
mod nodes;
mod scheduler;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::get;
use common::http::csrf::{self, CsrfGuard};
use common::metrics::Bean;
use common::webui::series::{SAMPLE_PERIOD, SeriesStore};
use common::webui::{NavItem, Shell, fields, html};

use crate::server::Core;
use crate::state::RmState;

/// The ResourceManager's own pages, for the 404 page of [`common::http`].
pub const PAGES: &[(&str, &str)] = &[
    ("/cluster", "the cluster's overview"),
    ("/cluster/apps", "applications (/cluster/apps/RUNNING, ...)"),
    ("/cluster/nodes", "NodeManagers (/cluster/nodes/lost, ...)"),
    ("/cluster/scheduler", "the scheduler's queues"),
    ("/cluster/about", "about the cluster"),
    ("/ws/v1/cluster/info", "about the cluster"),
    ("/ws/v1/cluster/metrics", "cluster metrics"),
    ("/ws/v1/cluster/apps", "applications"),
    ("/ws/v1/cluster/nodes", "NodeManagers"),
    ("/ws/v1/cluster/scheduler", "the scheduler's queues"),
    (
        "/ws/v1/cluster/appstatistics",
        "applications by state and type",
    ),
    ("/proxy/<application id>/", "an application's tracking page"),
];

/// The navigation of every page.
const NAV: &[NavItem] = &[
    ("/cluster", "Cluster"),
    ("/cluster/apps", "Applications"),
    ("/cluster/nodes", "Nodes"),
    ("/cluster/scheduler", "Scheduler"),
    ("/cluster/about", "About"),
];

/// What the page handlers share: the ResourceManager and the frame of its pages.
#[derive(Clone)]
struct Web {
    core: Arc<Core>,
    shell: Shell,
}

impl Web {
    /// What `read` takes from the state, under the lock for just that long.
    fn read<T>(&self, read: impl FnOnce(&RmState) -> T) -> T {
        read(&self.core.lock())
    }

    /// A 404 page saying what was not found.
    fn missing(&self, title: &str, active: &str, message: &str) -> Response {
        let mut response = self
            .shell
            .page(title, active, html! { p.notice.bad { (message) } });
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    }
}

/// The web port's routes: pages, samples, REST and proxy, behind the CSRF filter.
pub fn router(core: Arc<Core>) -> Router {
    let series_of = core.clone();
    let series = SeriesStore::start(
        SAMPLE_PERIOD,
        Box::new(move || allocation_sample(&series_of.lock())),
    );
    let state_of = core.clone();
    let shell = Shell::new("ResourceManager", NAV).state(move || ha_state(&state_of.lock()));
    let web = Web {
        core: core.clone(),
        shell,
    };
    let pages = Router::new()
        .route("/", get(|| async { Redirect::to("/cluster") }))
        .route("/cluster", get(cluster::overview))
        .route("/cluster/cluster", get(cluster::overview))
        .route("/cluster/about", get(cluster::about))
        .route("/cluster/apps", get(apps::list))
        .route("/cluster/apps/{state}", get(apps::list_in_state))
        .route("/cluster/app/{app}", get(apps::app))
        .route("/cluster/appattempt/{attempt}", get(apps::attempt))
        .route("/cluster/nodes", get(nodes::list))
        .route("/cluster/nodes/{state}", get(nodes::list_in_state))
        .route("/cluster/scheduler", get(scheduler::queues))
        .with_state(web);
    let guard = CsrfGuard::from_conf(&core.config.conf, &csrf::RESOURCEMANAGER);
    let router = pages
        .merge(series.route())
        .merge(crate::rest::router(core.clone()))
        .merge(crate::proxy::router(core));
    CsrfGuard::apply(guard, router)
}

/// The RM's HA state as the header shows it (`active`).
fn ha_state(state: &RmState) -> String {
    let info = crate::rest::cluster::cluster_info(state);
    fields::text(&info, "haState").to_ascii_lowercase()
}

/// Memory and vcores allocated and in total, for the overview's charts.
fn allocation_sample(state: &RmState) -> Vec<(&'static str, f64)> {
    let metrics = crate::rest::cluster::metrics_info(state);
    vec![
        ("allocated MB", fields::number(&metrics, "allocatedMB")),
        ("total MB", fields::number(&metrics, "totalMB")),
        (
            "allocated vcores",
            fields::number(&metrics, "allocatedVirtualCores"),
        ),
        (
            "total vcores",
            fields::number(&metrics, "totalVirtualCores"),
        ),
    ]
}

/// The badge class of a YARN state: `ok` running or succeeded, `warn` on its way,
/// `bad` failed or killed.
fn state_class(state: &str) -> &'static str {
    match state {
        "RUNNING" | "SUCCEEDED" => "ok",
        "NEW" | "NEW_SAVING" | "SUBMITTED" | "ACCEPTED" | "UNDEFINED" | "DECOMMISSIONING" => "warn",
        "FAILED" | "KILLED" | "LOST" | "UNHEALTHY" => "bad",
        _ => "",
    }
}

/// A state written as a colored badge.
fn badge(state: &str) -> common::webui::Markup {
    html! { span.badge.(state_class(state)) { (state) } }
}

/// Mebibytes as the pages write sizes (`1.5 GB`).
fn megabytes(mb: f64) -> String {
    common::webui::format::bytes((mb.max(0.0) as u64) << 20)
}

/// The NodeManager's page of a node, from its HTTP address.
fn node_page(http_address: &str) -> String {
    format!("{}/node", fields::with_scheme(http_address))
}

/// The ResourceManager's beans: cluster node counts and the root queue's resources.
pub fn beans(core: &Core) -> Vec<Bean> {
    let state = core.lock();
    let (total, used) = (
        state.scheduler.cluster_resource(),
        state.scheduler.used_resource(),
    );
    let counts = state.node_counts();
    let count = |state: &str| counts.get(state).copied().unwrap_or(0);
    vec![
        Bean::record("ResourceManager", "ClusterMetrics", "yarn")
            .gauge("NumActiveNMs", count("running"))
            .gauge("NumLostNMs", count("lost"))
            .gauge("NumUnhealthyNMs", count("unhealthy")),
        Bean::with_properties(
            "ResourceManager",
            &[("name", "QueueMetrics"), ("q0", "root")],
        )
        .tag("Queue", "root")
        .tag("Context", "yarn")
        .tag("Hostname", common::metrics::hostname())
        .counter("AppsSubmitted", state.apps.len())
        .counter("AggregateContainersAllocated", state.containers_allocated)
        .gauge("AllocatedMB", used.memory_mb)
        .gauge("AllocatedVCores", used.vcores)
        .gauge("AvailableMB", total.memory_mb - used.memory_mb)
        .gauge("AvailableVCores", total.vcores - used.vcores),
    ]
}
