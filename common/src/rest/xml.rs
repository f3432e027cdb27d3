//! JSON documents as Hadoop's JAXB writes them in XML: the document's one
//! key is the root element, object fields are child elements (in name
//! order, which XML readers do not depend on),
//! an array is its key's element repeated, null fields are left out.

use serde_json::Value;

/// The XML form of `document` (`{"root": {...}}`), with the declaration.
pub fn to_xml(document: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    match document {
        Value::Object(fields) => {
            for (name, value) in fields {
                element(&mut out, name, value);
            }
        }
        other => element(&mut out, "value", other),
    }
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                element(out, name, item);
            }
        }
        Value::Object(fields) => {
            let renders_nothing =
                |value: &Value| value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if fields.values().all(renders_nothing) {
                out.push_str(&format!("<{name}/>"));
                return;
            }
            out.push_str(&format!("<{name}>"));
            for (child, child_value) in fields {
                element(out, child, child_value);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(text) if text.is_empty() => out.push_str(&format!("<{name}/>")),
        Value::String(text) => {
            out.push_str(&format!("<{name}>"));
            escape_into(out, text);
            out.push_str(&format!("</{name}>"));
        }
        Value::Bool(_) | Value::Number(_) => {
            out.push_str(&format!("<{name}>{value}</{name}>"));
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_xml;

    #[test]
    fn arrays_repeat_their_element_and_text_is_escaped() {
        let document = json!({"apps": {"app": [
            {"id": "a_1", "progress": 100.0, "diagnostics": "", "tags": null},
            {"id": "a<2>&", "unmanaged": false},
        ]}});
        assert_eq!(
            to_xml(&document),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                "<apps><app><diagnostics/><id>a_1</id><progress>100.0</progress></app>",
                "<app><id>a&lt;2&gt;&amp;</id><unmanaged>false</unmanaged></app></apps>"
            )
        );
    }

    #[test]
    fn an_empty_collection_is_an_empty_element() {
        assert!(to_xml(&json!({"apps": {"app": []}})).ends_with("<apps/>"));
    }
}
