//! `/jmx` (Hadoop's JMXJsonServlet: `?qry=<ObjectName pattern>`, `?get=<bean>::<attribute>`)
//! and `/prom` (Hadoop's PrometheusServlet), both over the daemon's one set of beans.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::DaemonHttp;
use crate::metrics::{Bean, ObjectName, render_prometheus};

/// The beans, measured off the async workers (they read `/proc` and take daemon locks).
async fn measure(daemon: &Arc<DaemonHttp>) -> Vec<Bean> {
    let daemon = daemon.clone();
    tokio::task::spawn_blocking(move || daemon.all_beans())
        .await
        .unwrap_or_default()
}

pub(super) async fn jmx(
    State(daemon): State<Arc<DaemonHttp>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let beans = measure(&daemon).await;
    if let Some(get) = params.get("get") {
        return get_attribute(&beans, get);
    }
    let query = params.get("qry").map_or("*:*", String::as_str);
    let pattern = match ObjectName::parse(query) {
        Ok(pattern) => pattern,
        Err(error) => return error_answer(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let matched: Vec<Value> = beans
        .iter()
        .filter(|bean| pattern.matches(bean.name()))
        .map(Bean::to_json)
        .collect();
    json_answer(StatusCode::OK, &json!({ "beans": matched }))
}

/// `?get=<bean pattern>::<attribute>`: that attribute of each matching bean; 404 naming the
/// attribute if a matching bean lacks it, as Hadoop does.
fn get_attribute(beans: &[Bean], get: &str) -> Response {
    let parts: Vec<&str> = get.split("::").collect();
    let [bean_query, attribute] = parts[..] else {
        return error_answer(StatusCode::BAD_REQUEST, "query format is not as expected.");
    };
    let pattern = match ObjectName::parse(bean_query) {
        Ok(pattern) => pattern,
        Err(error) => return error_answer(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let mut found = Vec::new();
    for bean in beans.iter().filter(|bean| pattern.matches(bean.name())) {
        match bean.to_json_only(attribute) {
            Some(value) => found.push(value),
            None => {
                found.push(json!({
                    "name": bean.name().to_string(),
                    "modelerType": bean.record_name(),
                    "result": "ERROR",
                    "message": format!("No attribute with name {attribute} was found."),
                }));
                return json_answer(StatusCode::NOT_FOUND, &json!({ "beans": found }));
            }
        }
    }
    json_answer(StatusCode::OK, &json!({ "beans": found }))
}

fn error_answer(status: StatusCode, message: &str) -> Response {
    json_answer(status, &json!({ "result": "ERROR", "message": message }))
}

/// Compact JSON (Hadoop pretty-prints; clients parse it either way, and scripts that grep
/// `"Key":value` keep working).
fn json_answer(status: StatusCode, document: &Value) -> Response {
    let body = document.to_string();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf8"),
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn prom(State(daemon): State<Arc<DaemonHttp>>) -> Response {
    let beans = measure(&daemon).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render_prometheus(&beans),
    )
        .into_response()
}
