//! The effective configuration as Hadoop's ConfServlet writes it (`Configuration.writeXml`
//! and `Configuration.dumpConfiguration`): every property with its value, finality and
//! source, as XML or JSON, or one property alone. Values of sensitive keys are redacted
//! as Hadoop's default `hadoop.security.sensitive-config-keys` would.

use serde_json::{Value, json};

use super::xml::push_xml_escaped;
use super::{Configuration, PropertyInfo};

/// What Hadoop shows instead of a sensitive value.
const REDACTED: &str = "<redacted>";

/// The two formats of `/conf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpFormat {
    Xml,
    Json,
}

/// Why a dump cannot be written; the texts are Hadoop's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DumpError {
    #[error("Bad format: {0}")]
    BadFormat(String),
    #[error("Property {0} not found")]
    NotFound(String),
}

impl DumpFormat {
    /// `xml` or `json` (Hadoop's `format` values).
    pub fn parse(text: &str) -> Result<Self, DumpError> {
        match text {
            "xml" => Ok(Self::Xml),
            "json" => Ok(Self::Json),
            other => Err(DumpError::BadFormat(other.to_string())),
        }
    }
}

impl Configuration {
    /// Every property, or only `key`, in `format`.
    pub fn dump(&self, format: DumpFormat, key: Option<&str>) -> Result<String, DumpError> {
        let mut properties: Vec<PropertyInfo> = match key {
            None => self.properties().collect(),
            Some(key) => {
                let found = self.properties().find(|property| property.key == key);
                vec![found.ok_or_else(|| DumpError::NotFound(key.to_string()))?]
            }
        };
        for property in &mut properties {
            if is_sensitive(&property.key) {
                property.value = REDACTED.to_string();
            }
        }
        Ok(match format {
            DumpFormat::Xml => dump_xml(&properties),
            DumpFormat::Json => dump_json(&properties, key.is_some()),
        })
    }
}

fn dump_xml(properties: &[PropertyInfo]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><configuration>\n",
    );
    for property in properties {
        xml.push_str("<property><name>");
        push_xml_escaped(&mut xml, &property.key);
        xml.push_str("</name><value>");
        push_xml_escaped(&mut xml, &property.value);
        xml.push_str("</value><final>");
        xml.push_str(if property.is_final { "true" } else { "false" });
        xml.push_str("</final><source>");
        push_xml_escaped(&mut xml, &property.source);
        xml.push_str("</source></property>\n");
    }
    xml.push_str("</configuration>\n");
    xml
}

/// `{"properties":[...]}`, or `{"property":{...}}` for one named key, as Hadoop writes them.
fn dump_json(properties: &[PropertyInfo], single: bool) -> String {
    let entries: Vec<Value> = properties
        .iter()
        .map(|property| {
            json!({
                "key": property.key,
                "value": property.value,
                "isFinal": property.is_final,
                "resource": property.source,
            })
        })
        .collect();
    let document = match (single, entries.first()) {
        (true, Some(entry)) => json!({ "property": entry }),
        _ => json!({ "properties": entries }),
    };
    document.to_string()
}

/// Hadoop's default sensitive keys: names ending in `secret`, `password`, `credential` or
/// `ssl.keystore.pass`, S3 secret and encryption keys, Azure account keys, OAuth secrets,
/// passwords and tokens.
fn is_sensitive(key: &str) -> bool {
    let oauth_tail = key.find("oauth").map(|at| &key[at..]);
    ["secret", "password", "credential", "ssl.keystore.pass"]
        .iter()
        .any(|suffix| key.ends_with(suffix))
        || key.starts_with("fs.azure.account.key")
        || (key.starts_with("fs.s3")
            && ((key.contains("ecret") && key.contains("ey")) || key.contains("encryption.")))
        || oauth_tail.is_some_and(|tail| {
            ["secret", "password", "token"]
                .iter()
                .any(|word| tail.contains(word))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> Configuration {
        let mut conf = Configuration::new();
        conf.set("dfs.replication", "2");
        conf.set("x.y", "a<b");
        conf.set("fs.s3a.secret.key", "hidden");
        conf
    }

    #[test]
    fn xml_lists_every_property_with_its_source() {
        let xml = conf().dump(DumpFormat::Xml, None).unwrap();
        let document = roxmltree::Document::parse(&xml).unwrap();
        let property = document
            .descendants()
            .find(|node| {
                node.has_tag_name("property")
                    && node.children().any(|c| c.text() == Some("dfs.replication"))
            })
            .unwrap();
        let text = |tag: &str| {
            property
                .children()
                .find(|c| c.has_tag_name(tag))
                .and_then(|c| c.text())
        };
        assert_eq!(text("value"), Some("2"));
        assert_eq!(text("final"), Some("false"));
        assert_eq!(text("source"), Some("programmatically"));
        assert!(xml.contains("<value>a&lt;b</value>"));
        assert!(!xml.contains("hidden"));
    }

    #[test]
    fn json_has_hadoops_fields_and_one_key_alone() {
        let all: Value =
            serde_json::from_str(&conf().dump(DumpFormat::Json, None).unwrap()).unwrap();
        let entry = all["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["key"] == "dfs.replication")
            .unwrap();
        assert_eq!(entry["value"], "2");
        assert_eq!(entry["isFinal"], false);
        assert_eq!(entry["resource"], "programmatically");
        let one: Value =
            serde_json::from_str(&conf().dump(DumpFormat::Json, Some("x.y")).unwrap()).unwrap();
        assert_eq!(one["property"]["value"], "a<b");
        assert_eq!(
            conf().dump(DumpFormat::Xml, Some("no.such.key")),
            Err(DumpError::NotFound("no.such.key".into()))
        );
        assert_eq!(
            DumpFormat::parse("yaml"),
            Err(DumpError::BadFormat("yaml".into()))
        );
    }

    #[test]
    fn sensitive_keys_are_recognised() {
        for key in [
            "fs.s3a.secret.key",
            "ssl.server.keystore.password",
            "fs.azure.account.key.acct",
            "dfs.webhdfs.oauth2.refresh.token",
            "hadoop.security.credential",
        ] {
            assert!(is_sensitive(key), "{key}");
        }
        assert!(!is_sensitive("dfs.replication"));
        assert!(!is_sensitive("fs.s3a.endpoint"));
    }
}
