//! Hadoop's ResourceManager REST API under `/ws/v1/cluster`: cluster info
//! and metrics, applications (list with Hadoop's filters, one, attempts,
//! their containers, state with kill, queue, priority; new-application and submission),
//! statistics, nodes
//! and the capacity scheduler's queues. Thin adapters over the RM state;
//! answers render through [`common::rest`] (JSON, or XML on request).

mod app_filter;
pub(crate) mod app_info;
mod apps;
pub(crate) mod cluster;
pub(crate) mod nodes;
pub(crate) mod scheduler;
mod submit;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Response};
use axum::routing::{get, post};
use common::RemoteException;
use common::rest::{Document, RestError, RestResult, ok, respond};
use common::yarn::ApplicationId;

use crate::server::Core;
use crate::state::{AmLaunch, App, RmState};

/// Query parameters in order, repeated ones kept.
type Params = Query<Vec<(String, String)>>;

/// The `/ws/v1/cluster` routes.
pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/ws/v1/cluster", get(info))
        .route("/ws/v1/cluster/info", get(info))
        .route("/ws/v1/cluster/metrics", get(metrics))
        .route("/ws/v1/cluster/scheduler", get(scheduler_info))
        .route("/ws/v1/cluster/apps", get(apps_list).post(submit_app))
        .route("/ws/v1/cluster/apps/new-application", post(new_application))
        .route("/ws/v1/cluster/appstatistics", get(statistics))
        .route("/ws/v1/cluster/apps/{app}", get(app))
        .route("/ws/v1/cluster/apps/{app}/appattempts", get(attempts))
        .route(
            "/ws/v1/cluster/apps/{app}/appattempts/{attempt}/containers",
            get(attempt_containers),
        )
        .route(
            "/ws/v1/cluster/apps/{app}/state",
            get(app_state).put(put_app_state),
        )
        .route(
            "/ws/v1/cluster/apps/{app}/queue",
            get(app_queue).put(put_app_queue),
        )
        .route(
            "/ws/v1/cluster/apps/{app}/priority",
            get(app_priority).put(put_app_priority),
        )
        .route("/ws/v1/cluster/nodes", get(nodes_list))
        .route("/ws/v1/cluster/nodes/{node}", get(node))
        .with_state(core)
}

/// Hadoop's `WebAppUtils.parseApplicationId` then the RM's lookup.
fn find_app<'a>(state: &'a RmState, text: &str) -> Result<&'a App, RestError> {
    let id: ApplicationId = text.parse().map_err(RestError::bad_argument)?;
    state
        .apps
        .get(&id)
        .ok_or_else(|| RestError::not_found(format!("app with id: {text} not found")))
}

async fn info(State(core): State<Arc<Core>>, headers: HeaderMap) -> Response<String> {
    respond(&headers, cluster::info(&core.lock()))
}

async fn metrics(State(core): State<Arc<Core>>, headers: HeaderMap) -> Response<String> {
    respond(&headers, cluster::metrics(&core.lock()))
}

async fn scheduler_info(State(core): State<Arc<Core>>, headers: HeaderMap) -> Response<String> {
    respond(&headers, scheduler::scheduler(&core.lock()))
}

async fn apps_list(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response<String> {
    respond(&headers, apps::list(&core.lock(), &query))
}

async fn statistics(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response<String> {
    respond(&headers, app_filter::statistics(&core.lock(), &query))
}

async fn app(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, apps::one(&core.lock(), &app))
}

async fn attempts(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, apps::attempts(&core.lock(), &app))
}

async fn attempt_containers(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path((app, attempt)): Path<(String, String)>,
) -> Response<String> {
    respond(
        &headers,
        apps::attempt_containers(&core.lock(), &app, &attempt),
    )
}

async fn app_state(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, apps::state(&core.lock(), &app))
}

async fn put_app_state(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Query(query): Params,
    body: String,
) -> Response<String> {
    respond(
        &headers,
        apps::put_state(&mut core.lock(), &app, &query, &body),
    )
}

async fn app_queue(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, apps::queue(&core.lock(), &app))
}

async fn put_app_queue(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    body: String,
) -> Response<String> {
    let answer = apps::put_queue(&mut core.lock(), &app, &body);
    respond(&headers, launch_then_answer(&core, answer))
}

async fn app_priority(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
) -> Response<String> {
    respond(&headers, apps::priority(&core.lock(), &app))
}

async fn put_app_priority(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    body: String,
) -> Response<String> {
    let answer = apps::put_priority(&mut core.lock(), &app, &body);
    respond(&headers, launch_then_answer(&core, answer))
}

/// Launches the AMs a change let start (the lock released) and answers.
fn launch_then_answer(
    core: &Arc<Core>,
    answer: Result<(Document, Vec<AmLaunch>), RestError>,
) -> RestResult {
    let (document, launches) = answer?;
    core.launch(launches);
    ok(document)
}

async fn nodes_list(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response<String> {
    respond(&headers, nodes::list(&core.lock(), &query))
}

async fn node(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Path(node): Path<String>,
) -> Response<String> {
    respond(&headers, nodes::one(&core.lock(), &node))
}

async fn new_application(State(core): State<Arc<Core>>, headers: HeaderMap) -> Response<String> {
    respond(
        &headers,
        submit::new_application(&crate::rpc::new_application(&core)),
    )
}

async fn submit_app(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(query): Params,
    body: String,
) -> Response<String> {
    let context = match submit::parse_context(&body) {
        Ok(context) => context,
        Err(error) => return respond(&headers, Err(error)),
    };
    let id = context.application_id.clone();
    let user = common::rest::param(&query, "user.name")
        .map(str::to_string)
        .unwrap_or_else(|| {
            core.config
                .conf
                .get_trimmed_or_default(common::conf::keys::HADOOP_HTTP_STATICUSER_USER)
                .unwrap_or_else(|_| "dr.who".to_string())
        });
    if let Err(status) = crate::rpc::submit(&core, user, context).await {
        let error = RemoteException::from_status(&status);
        return respond(&headers, Err(RestError::bad_request(error.message)));
    }
    let mut response = respond(&headers, submit::accepted());
    let location = format!("/ws/v1/cluster/apps/{id}");
    if let Ok(value) = axum::http::HeaderValue::from_str(&location) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, value);
    }
    *response.body_mut() = String::new();
    response
}
