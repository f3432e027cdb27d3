//! The RM's web port: an overview page, and Hadoop's REST API
//! (`/ws/v1/cluster`, see [`crate::rest`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::reports;
use crate::server::Core;

pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/cluster", get(overview))
        .with_state(core.clone())
        .merge(crate::rest::router(core.clone()))
        .merge(crate::proxy::router(core))
}

async fn overview(State(core): State<Arc<Core>>) -> Html<String> {
    let state = core.lock();
    let mut rows = String::new();
    for app in state.apps.values().rev() {
        let report = reports::app_report(&state, app);
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:?}</td><td>{:?}</td></tr>",
            report.application_id,
            report.user,
            report.name,
            report.queue,
            app.state,
            app.final_status
        ));
    }
    Html(format!(
        "<!doctype html><html><head><title>Tusk ResourceManager</title></head><body>\
         <h1>All Applications</h1><p>Active nodes: {}</p>\
         <table><tr><th>ID</th><th>User</th><th>Name</th><th>Queue</th><th>State</th><th>FinalStatus</th></tr>{rows}</table>\
         </body></html>",
        state.node_counts().get("running").unwrap_or(&0)
    ))
}
