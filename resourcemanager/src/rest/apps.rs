//! `/ws/v1/cluster/apps` and one application's resources: its attempts,
//! their live containers, its state (PUT KILLED kills it), queue and
//! priority.

use axum::http::StatusCode;
use common::rest::{Document, RestError, RestErrorKind, RestResult, ok, param};
use common::yarn::ApplicationAttemptId;
use serde_json::{Value, json};

use super::app_filter::AppFilter;
use super::app_info::{app_info, app_state_name, attempt_info, container_info};
use super::find_app;
use crate::state::{AmLaunch, RmState};

/// Every application the filters in `query` let through, oldest first.
pub fn list(state: &RmState, query: &[(String, String)]) -> RestResult {
    let filter = AppFilter::from_query(query)?;
    let now = common::time::now_millis();
    let mut apps = Vec::new();
    for app in state.apps.values() {
        if filter.limit.is_some_and(|limit| apps.len() >= limit) {
            break;
        }
        if filter.matches(app) {
            apps.push(app_info(state, app, now));
        }
    }
    ok(json!({"apps": {"app": apps}}))
}

pub fn one(state: &RmState, app_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    ok(json!({"app": app_info(state, app, common::time::now_millis())}))
}

pub fn attempts(state: &RmState, app_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    let attempts: Vec<Value> = app
        .attempts
        .iter()
        .map(|attempt| attempt_info(app, attempt))
        .collect();
    ok(json!({"appAttempts": {"appAttempt": attempts}}))
}

/// The containers of an attempt that are live now.
pub fn attempt_containers(state: &RmState, app_text: &str, attempt_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    let attempt_id: ApplicationAttemptId = attempt_text.parse().map_err(RestError::bad_argument)?;
    let known = app.attempts.iter().any(|attempt| attempt.id == attempt_id);
    if !known {
        return Err(RestError::not_found(format!(
            "appAttempt with id: {attempt_text} not found"
        )));
    }
    let now = common::time::now_millis();
    let containers: Vec<Value> = state
        .usage()
        .live_of_attempt(attempt_id)
        .map(|(id, live)| container_info(state, &app.submission.user, id, live, now))
        .collect();
    ok(json!({"containers": {"container": containers}}))
}

pub fn state(state: &RmState, app_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    ok(Document::unwrapped(
        json!({"appstate": {"state": app_state_name(app.state)}}),
    ))
}

/// The value of `field` in a JSON (`{"state":"KILLED"}`) or XML
/// (`<appstate><state>KILLED</state></appstate>`) request body.
fn body_field(body: &str, field: &str) -> Option<String> {
    if let Ok(document) = serde_json::from_str::<Value>(body) {
        return match &document[field] {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
    }
    let open = format!("<{field}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{field}>"))?;
    Some(body[start..end].trim().to_string())
}

/// PUT `{"state":"KILLED"}`: kills the application. 200 with the state
/// once the kill is complete, 202 with the state while it is under way
/// (Hadoop's answers); only KILLED is a valid target.
pub fn put_state(
    state: &mut RmState,
    app_text: &str,
    query: &[(String, String)],
    body: &str,
) -> RestResult {
    find_app(state, app_text)?;
    if body_field(body, "state").as_deref() != Some("KILLED") {
        return Err(RestError::bad_request(
            "Only 'KILLED' is allowed as a target state.",
        ));
    }
    let user = param(query, "user.name").unwrap_or("dr.who");
    let diagnostics = format!("Application {app_text} was killed by user {user}");
    let completed = state
        .kill(app_text, &diagnostics)
        .map_err(|error| RestError::not_found(error.to_string()))?;
    let app = find_app(state, app_text)?;
    let status = if completed {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((
        status,
        Document::unwrapped(json!({"appstate": {"state": app_state_name(app.state)}})),
    ))
}

pub fn queue(state: &RmState, app_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    ok(Document::unwrapped(
        json!({"appqueue": {"queue": app.submission.queue}}),
    ))
}

/// PUT `{"queue":...}`: moves the application to that leaf queue; the
/// AMs a move lets start come back for the caller to launch.
pub fn put_queue(
    state: &mut RmState,
    app_text: &str,
    body: &str,
) -> Result<(Document, Vec<AmLaunch>), RestError> {
    find_app(state, app_text)?;
    let target = body_field(body, "queue").unwrap_or_default();
    state
        .move_application(app_text, &target)
        .map_err(|error| RestError {
            kind: RestErrorKind::YarnException,
            message: error.to_string(),
        })?;
    let launches = state.schedule();
    let app = find_app(state, app_text)?;
    let document = Document::unwrapped(json!({"appqueue": {"queue": app.submission.queue}}));
    Ok((document, launches))
}

pub fn priority(state: &RmState, app_text: &str) -> RestResult {
    let app = find_app(state, app_text)?;
    ok(Document::unwrapped(
        json!({"apppriority": {"priority": app.submission.priority}}),
    ))
}

/// PUT `{"priority":N}`: the priority, capped at
/// `yarn.cluster.max-application-priority`, is the application's from now on.
pub fn put_priority(
    state: &mut RmState,
    app_text: &str,
    body: &str,
) -> Result<(Document, Vec<AmLaunch>), RestError> {
    let app = find_app(state, app_text)?;
    if app.state.is_final() {
        return Err(RestError::bad_request(format!(
            "Application in {} state cannot update priority.",
            app_state_name(app.state)
        )));
    }
    let Some(Ok(requested)) = body_field(body, "priority").map(|text| text.parse::<i32>()) else {
        return Err(RestError::bad_request("Priority cannot be null."));
    };
    let granted = state
        .update_priority(app_text, requested)
        .map_err(|error| RestError::not_found(error.to_string()))?;
    let launches = state.schedule();
    let document = Document::unwrapped(json!({"apppriority": {"priority": granted}}));
    Ok((document, launches))
}
