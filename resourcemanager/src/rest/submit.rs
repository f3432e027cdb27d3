//! Submitting applications over REST, as Hadoop's RMWebServices does it:
//! `POST /ws/v1/cluster/apps/new-application` hands out an id, `POST /ws/v1/cluster/apps`
//! takes Hadoop's `ApplicationSubmissionContextInfo` JSON and answers 202 Accepted with the
//! application's URL in `Location`. Submissions go through the same path as the client
//! RPC's, as the request's `user.name` (else the static web user, as Hadoop's
//! StaticUserWebFilter makes it).

use std::collections::HashMap;

use axum::http::StatusCode;
use common::rest::{Document, RestError, RestResult, ok};
use proto::yarn as pb;
use serde_json::{Value, json};

/// `new-application`'s answer: Hadoop's NewApplication.
pub fn new_application(response: &pb::GetNewApplicationResponse) -> RestResult {
    let maximum = response.maximum_capability.unwrap_or_default();
    ok(Document::unwrapped(json!({"NewApplication": {
        "application-id": response.application_id,
        "maximum-resource-capability": {
            "memory": maximum.memory_mb,
            "vCores": maximum.vcores,
        },
    }})))
}

/// The accepted answer of `POST apps`: no body.
pub fn accepted() -> RestResult {
    Ok((
        StatusCode::ACCEPTED,
        Document::unwrapped(json!({"accepted": {}})),
    ))
}

/// Hadoop's ApplicationSubmissionContextInfo JSON as the RPC's submission context.
pub fn parse_context(body: &str) -> Result<pb::ApplicationSubmissionContext, RestError> {
    let json: Value = serde_json::from_str(body)
        .map_err(|error| RestError::bad_request(format!("Malformed submission: {error}")))?;
    let text = |value: &Value, name: &str| value[name].as_str().unwrap_or_default().to_string();
    let number = |value: &Value, name: &str| value[name].as_i64().unwrap_or_default();
    let application_id = text(&json, "application-id");
    if application_id.is_empty() {
        return Err(RestError::bad_request(
            "Missing application-id in the submission",
        ));
    }
    let spec = &json["am-container-spec"];
    let resource = &json["resource"];
    Ok(pb::ApplicationSubmissionContext {
        application_id,
        application_name: text(&json, "application-name"),
        queue: text(&json, "queue"),
        application_type: text(&json, "application-type"),
        application_tags: one_or_many(&json["application-tags"]["tag"])
            .filter_map(|tag| tag.as_str().map(str::to_string))
            .collect(),
        am_resource: Some(pb::Resource {
            memory_mb: number(resource, "memory"),
            vcores: number(resource, "vCores") as i32,
        }),
        am_container_spec: Some(pb::ContainerLaunchContext {
            command: text(&spec["commands"], "command"),
            environment: entries(&spec["environment"])
                .map(|(key, value)| (key, value.as_str().unwrap_or_default().to_string()))
                .collect::<HashMap<_, _>>(),
            local_resources: entries(&spec["local-resources"])
                .map(|(name, value)| pb::LocalResource {
                    name,
                    path: text(&value, "resource"),
                    size: value["size"].as_u64().unwrap_or_default(),
                    timestamp: number(&value, "timestamp"),
                    executable: false,
                })
                .collect(),
        }),
        max_app_attempts: number(&json, "max-app-attempts") as i32,
        priority: number(&json, "priority") as i32,
    })
}

/// A JSON value that is an array, or one item Jersey did not wrap in an array.
fn one_or_many(value: &Value) -> impl Iterator<Item = &Value> {
    match value {
        Value::Array(items) => items.iter().collect::<Vec<_>>().into_iter(),
        Value::Null => Vec::new().into_iter(),
        item => vec![item].into_iter(),
    }
}

/// The `{"entry": [{"key": K, "value": V}, ...]}` maps of Hadoop's JAXB JSON.
fn entries(map: &Value) -> impl Iterator<Item = (String, Value)> + '_ {
    one_or_many(&map["entry"])
        .filter_map(|entry| Some((entry["key"].as_str()?.to_string(), entry["value"].clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadoops_submission_json_is_read() {
        let body = r#"{
            "application-id": "application_1404203615263_0001",
            "application-name": "test",
            "queue": "default",
            "priority": 3,
            "am-container-spec": {
                "local-resources": {"entry": [{"key": "AppMaster.jar", "value": {
                    "resource": "hdfs://nn:8020/apps/AppMaster.jar", "type": "FILE",
                    "visibility": "APPLICATION", "size": 43004, "timestamp": 1405452071209}}]},
                "commands": {"command": "run-am 1><LOG_DIR>/AppMaster.stdout"},
                "environment": {"entry": {"key": "A", "value": "1"}}
            },
            "unmanaged-AM": false,
            "max-app-attempts": 2,
            "resource": {"memory": 1024, "vCores": 1},
            "application-type": "YARN",
            "application-tags": {"tag": ["one", "two"]}
        }"#;
        let context = parse_context(body).unwrap();
        assert_eq!(context.application_name, "test");
        assert_eq!(context.max_app_attempts, 2);
        assert_eq!(context.priority, 3);
        assert_eq!(context.application_tags, ["one", "two"]);
        assert_eq!(context.am_resource.unwrap().memory_mb, 1024);
        let spec = context.am_container_spec.unwrap();
        assert_eq!(spec.command, "run-am 1><LOG_DIR>/AppMaster.stdout");
        assert_eq!(spec.environment["A"], "1");
        assert_eq!(spec.local_resources[0].name, "AppMaster.jar");
        assert_eq!(spec.local_resources[0].size, 43004);
        assert!(parse_context("{").is_err());
        assert!(parse_context("{}").is_err());
    }
}
