//! The filters of `/ws/v1/cluster/apps` and `/appstatistics`, checked and
//! worded as Hadoop's RMWebServices and ApplicationsRequestBuilder do.

use common::rest::{RestError, RestResult, list_param, ok, param};
use serde_json::json;

use super::app_info::{APP_STATES, app_state_name, final_status_name};
use crate::state::{App, RmState};

/// What `/apps` was asked to keep.
#[derive(Debug, Default)]
pub struct AppFilter {
    /// Upper-case YarnApplicationState names; empty keeps every state.
    states: Vec<String>,
    final_status: Option<String>,
    user: Option<String>,
    queue: Option<String>,
    name: Option<String>,
    pub limit: Option<usize>,
    started: (i64, i64),
    finished: (i64, i64),
    /// Lower-cased; empty keeps every type.
    types: Vec<String>,
    /// Lower-cased; an application matches with any one of them.
    tags: Vec<String>,
}

/// The `states` (and deprecated `state`) parameters, each checked.
fn app_states(query: &[(String, String)]) -> Result<Vec<String>, RestError> {
    let mut states = list_param(query, "states");
    states.extend(list_param(query, "state"));
    let mut upper = Vec::new();
    for state in states {
        let name = state.to_uppercase();
        if !APP_STATES.contains(&name.as_str()) {
            return Err(RestError::bad_request(format!(
                "Invalid application-state {state} specified. It should be one of [{}]",
                APP_STATES.join(", ")
            )));
        }
        upper.push(name);
    }
    Ok(upper)
}

/// A time parameter in ms since the epoch; `None` when absent.
fn time_param(query: &[(String, String)], name: &str) -> Result<Option<i64>, RestError> {
    let Some(text) = param(query, name) else {
        return Ok(None);
    };
    let value: i64 = text.parse().map_err(|_| RestError::number_format(text))?;
    Ok(Some(value))
}

/// A `[begin, end]` range; Hadoop's messages name the parameters so.
fn time_range(
    query: &[(String, String)],
    (begin_param, end_param): (&str, &str),
    (begin_name, end_name): (&str, &str),
) -> Result<(i64, i64), RestError> {
    let begin = time_param(query, begin_param)?.unwrap_or(0);
    let end = time_param(query, end_param)?.unwrap_or(i64::MAX);
    if begin < 0 {
        return Err(RestError::bad_request(format!(
            "{begin_name} must be greater than 0"
        )));
    }
    if end < 0 {
        return Err(RestError::bad_request(format!(
            "{end_name} must be greater than 0"
        )));
    }
    if begin > end {
        return Err(RestError::bad_request(format!(
            "{end_name} must be greater than {begin_name}"
        )));
    }
    Ok((begin, end))
}

fn lower_list(query: &[(String, String)], name: &str) -> Vec<String> {
    list_param(query, name)
        .into_iter()
        .map(|value| value.to_lowercase())
        .collect()
}

impl AppFilter {
    pub fn from_query(query: &[(String, String)]) -> Result<Self, RestError> {
        let final_status = param(query, "finalStatus").map(str::to_string);
        if let Some(status) = &final_status
            && !["UNDEFINED", "SUCCEEDED", "FAILED", "KILLED", "ENDED"].contains(&status.as_str())
        {
            return Err(RestError::illegal_argument(format!(
                "No enum constant org.apache.hadoop.yarn.api.records.FinalApplicationStatus.{status}"
            )));
        }
        let limit = match param(query, "limit") {
            None => None,
            Some(text) => {
                let limit: i64 = text.parse().map_err(|_| RestError::number_format(text))?;
                if limit <= 0 {
                    return Err(RestError::bad_request("limit value must be greater then 0"));
                }
                Some(usize::try_from(limit).unwrap_or(usize::MAX))
            }
        };
        Ok(Self {
            states: app_states(query)?,
            final_status,
            user: param(query, "user").map(str::to_string),
            queue: param(query, "queue").map(str::to_string),
            name: param(query, "name").map(str::to_string),
            limit,
            started: time_range(
                query,
                ("startedTimeBegin", "startedTimeEnd"),
                ("startedTimeBegin", "startedTimeEnd"),
            )?,
            finished: time_range(
                query,
                ("finishedTimeBegin", "finishedTimeEnd"),
                ("finishTimeBegin", "finishTimeEnd"),
            )?,
            types: lower_list(query, "applicationTypes"),
            tags: lower_list(query, "applicationTags"),
        })
    }

    pub fn matches(&self, app: &App) -> bool {
        let submission = &app.submission;
        let state_ok = self.states.is_empty()
            || self
                .states
                .iter()
                .any(|state| state == app_state_name(app.state));
        let final_ok = self
            .final_status
            .as_deref()
            .is_none_or(|status| status == final_status_name(app.final_status));
        let type_ok = self.types.is_empty()
            || self
                .types
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(&submission.app_type));
        let tag_ok = self.tags.is_empty()
            || submission
                .tags
                .iter()
                .any(|tag| self.tags.contains(&tag.to_lowercase()));
        let in_range = |(begin, end): (i64, i64), time: i64| begin <= time && time <= end;
        let finished_ok = self.finished == (0, i64::MAX)
            || (app.finish_time > 0 && in_range(self.finished, app.finish_time));
        state_ok
            && final_ok
            && type_ok
            && tag_ok
            && finished_ok
            && in_range(self.started, app.start_time)
            && self
                .user
                .as_deref()
                .is_none_or(|user| user == submission.user)
            && self
                .queue
                .as_deref()
                .is_none_or(|queue| queue == submission.queue)
            && self
                .name
                .as_deref()
                .is_none_or(|name| name == submission.name)
    }
}

/// `/appstatistics`: how many applications are in each state asked for
/// (every state when none is), of the one type asked for or of any (`*`).
pub fn statistics(state: &RmState, query: &[(String, String)]) -> RestResult {
    let mut states = app_states(query)?;
    if states.is_empty() {
        states = APP_STATES.iter().map(|state| state.to_string()).collect();
    }
    let types = lower_list(query, "applicationTypes");
    if types.len() > 1 {
        return Err(RestError::bad_request(format!(
            "# of applicationTypes = {}, we temporarily support at most one applicationType",
            types.len()
        )));
    }
    let wanted_type = types.first();
    let mut items = Vec::new();
    for name in &states {
        let count = state
            .apps
            .values()
            .filter(|app| app_state_name(app.state) == name)
            .filter(|app| {
                wanted_type
                    .is_none_or(|wanted| wanted.eq_ignore_ascii_case(&app.submission.app_type))
            })
            .count();
        items.push(json!({
            "state": name,
            "type": wanted_type.map_or("*", String::as_str),
            "count": count,
        }));
    }
    ok(json!({"appStatInfo": {"statItem": items}}))
}
