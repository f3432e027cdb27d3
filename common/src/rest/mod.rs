//! Answers of the YARN REST APIs (`/ws/v1/cluster`, `/ws/v1/node`) as
//! Hadoop's Jersey gives them: JSON by default, XML when the client asks
//! for it with `Accept: application/xml`, and failures as a
//! `RemoteException` with Hadoop's exception names and status codes.
//! Shared by the ResourceManager and the NodeManager so both speak alike.

mod error;
mod xml;

pub use error::{RestError, RestErrorKind};
pub use xml::to_xml;

use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use serde_json::Value;

/// A document whose one key names its root (`{"app": {...}}`): the XML
/// root element, and in JSON the outer key unless the document is
/// unwrapped, as Hadoop's `{"state":"KILLED"}` (XML `<appstate>`) is.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    value: Value,
    unwrapped_json: bool,
}

impl Document {
    /// A document whose JSON form leaves out the root key.
    pub fn unwrapped(value: Value) -> Self {
        Self {
            value,
            unwrapped_json: true,
        }
    }

    fn to_json(&self) -> String {
        if self.unwrapped_json
            && let Value::Object(fields) = &self.value
            && let Some(body) = fields.values().next()
        {
            return body.to_string();
        }
        self.value.to_string()
    }
}

impl From<Value> for Document {
    fn from(value: Value) -> Self {
        Self {
            value,
            unwrapped_json: false,
        }
    }
}

/// What a REST resource answers: a status and a document, or a failure.
pub type RestResult = Result<(StatusCode, Document), RestError>;

/// A document answered with 200 OK.
pub fn ok(document: impl Into<Document>) -> RestResult {
    Ok((StatusCode::OK, document.into()))
}

/// Whether the client prefers XML: it names an XML type and not JSON first.
pub fn wants_xml(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let xml_at = accept.find("/xml");
    let json_at = accept.find("/json");
    match (xml_at, json_at) {
        (Some(xml), Some(json)) => xml < json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Renders a result in the representation the client asked for.
pub fn respond(headers: &HeaderMap, result: RestResult) -> Response<String> {
    let (status, document) = match result {
        Ok(answer) => answer,
        Err(error) => (error.kind.status(), error.to_document().into()),
    };
    let (content_type, body) = if wants_xml(headers) {
        ("application/xml; charset=utf-8", to_xml(&document.value))
    } else {
        ("application/json; charset=utf-8", document.to_json())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The comma-separated values of every occurrence of query parameter `name`
/// (Hadoop accepts `states=a,b` as well as `states=a&states=b`), trimmed,
/// empty ones dropped.
pub fn list_param(query: &[(String, String)], name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for (key, value) in query {
        if key != name {
            continue;
        }
        for part in value.split(',') {
            let part = part.trim();
            if !part.is_empty() {
                values.push(part.to_string());
            }
        }
    }
    values
}

/// The last value of query parameter `name`, if given and not empty.
pub fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(key, value)| key == name && !value.trim().is_empty())
        .map(|(_, value)| value.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn json_unless_xml_is_preferred() {
        assert!(!wants_xml(&HeaderMap::new()));
        assert!(!wants_xml(&accept("*/*")));
        assert!(!wants_xml(&accept("application/json, application/xml")));
        assert!(wants_xml(&accept("application/xml")));
        assert!(wants_xml(&accept("text/xml, application/json;q=0.5")));
    }

    #[test]
    fn errors_render_as_remote_exceptions() {
        let response = respond(
            &HeaderMap::new(),
            Err(RestError::not_found("app with id: x not found")),
        );
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: Value = serde_json::from_str(response.body()).unwrap();
        assert_eq!(
            body["RemoteException"]["message"],
            "java.lang.Exception: app with id: x not found"
        );
        assert_eq!(
            body["RemoteException"]["javaClassName"],
            "org.apache.hadoop.yarn.webapp.NotFoundException"
        );
    }

    #[test]
    fn unwrapped_documents_lose_their_root_in_json_only() {
        let state = || {
            ok(Document::unwrapped(
                serde_json::json!({"appstate": {"state": "KILLED"}}),
            ))
        };
        assert_eq!(
            respond(&HeaderMap::new(), state()).body(),
            r#"{"state":"KILLED"}"#
        );
        assert!(
            respond(&accept("application/xml"), state())
                .body()
                .ends_with("<appstate><state>KILLED</state></appstate>")
        );
    }

    #[test]
    fn list_params_split_commas_and_repeat() {
        let query = vec![
            ("states".to_string(), "running, accepted".to_string()),
            ("states".to_string(), "killed".to_string()),
            ("user".to_string(), " ".to_string()),
        ];
        assert_eq!(
            list_param(&query, "states"),
            ["running", "accepted", "killed"]
        );
        assert_eq!(param(&query, "user"), None);
    }
}
