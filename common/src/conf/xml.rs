//! Hadoop XML resources: reading `<configuration>` files and writing them.

use std::path::Path;

use tracing::{debug, warn};

use super::{ConfError, Configuration, invalid, io_error};

/// One `<property>` read from a resource.
pub(super) struct Property {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) is_final: bool,
}

impl Configuration {
    /// Writes a Hadoop XML site file holding `props`, atomically (see
    /// [`crate::durable::write_atomically`]).
    pub fn write_site_file(path: &Path, props: &[(&str, &str)]) -> Result<(), ConfError> {
        let xml = xml_document(&path.display().to_string(), props.iter().copied())?;
        crate::durable::write_atomically(path, xml.as_bytes())
            .map_err(|source| io_error(path, source))
    }

    /// Every key (defaults included) with its expanded value, as one Hadoop XML resource:
    /// what a MapReduce job ships to its tasks as `job.xml`.
    pub fn to_xml(&self) -> Result<String, ConfError> {
        let props: Vec<(String, String)> = self.iter().collect();
        xml_document(
            "job.xml",
            props
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
    }
}

/// Reads the `<property>` elements of a Hadoop configuration file.
pub(super) fn parse_resource(file: &str, bytes: &[u8]) -> Result<Vec<Property>, ConfError> {
    let parse_error = |reason: String| ConfError::Parse {
        file: file.to_string(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|error| parse_error(error.to_string()))?;
    let document =
        roxmltree::Document::parse(text).map_err(|error| parse_error(error.to_string()))?;
    let root = document.root_element();
    if root.tag_name().name() != "configuration" {
        return Err(parse_error(format!(
            "root element is <{}>, expected <configuration>",
            root.tag_name().name()
        )));
    }
    let mut properties = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        if node.tag_name().name() != "property" {
            warn!(file = %file, element = node.tag_name().name(), "ignoring unknown element");
            continue;
        }
        let position = document.text_pos_at(node.range().start);
        // Hadoop accepts the fields as attributes too: <property name=".." value=".."/>.
        let mut name = node.attribute("name").map(str::to_string);
        let mut value = node.attribute("value").map(str::to_string);
        let mut is_final = node.attribute("final").is_some_and(is_true);
        for field in node.children().filter(roxmltree::Node::is_element) {
            match field.tag_name().name() {
                "name" => name = Some(element_text(field)),
                "value" => value = Some(element_text(field)),
                "final" => is_final = is_true(&element_text(field)),
                _ => {}
            }
        }
        let name = name.map(|name| name.trim().to_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(parse_error(format!(
                "property without a name at {position}"
            )));
        }
        // Hadoop skips a property that has no value at all.
        let Some(value) = value else {
            debug!(file = %file, key = %name, "skipping property without a value");
            continue;
        };
        properties.push(Property {
            name,
            value,
            is_final,
        });
    }
    Ok(properties)
}

/// The problems Hadoop's `ConfTest` (`hadoop conftest`) reports in one
/// configuration file, in its words: XML that does not parse, a root that is
/// not `<configuration>`, an element that is not `<property>`, a property
/// without a `<name>` or a `<value>` or with a field twice, and a name given
/// by two properties. Empty when the file is valid.
pub fn validate_resource(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return vec!["bad conf file: not UTF-8 text".to_string()];
    };
    let document = match roxmltree::Document::parse(text) {
        Ok(document) => document,
        Err(error) => return vec![format!("bad conf file: {error}")],
    };
    let root = document.root_element();
    if root.tag_name().name() != "configuration" {
        return vec!["bad conf file: top-level element not <configuration>".to_string()];
    }
    let line = |node: roxmltree::Node<'_, '_>| document.text_pos_at(node.range().start).row;
    let mut errors = Vec::new();
    let mut first_line_of: Vec<(String, Vec<u32>)> = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        let line = line(node);
        if node.tag_name().name() != "property" {
            errors.push(format!("Line {line}: element not <property>"));
            continue;
        }
        // Each field as an attribute or a child element, in order.
        let fields: Vec<(&str, String)> = node
            .attributes()
            .map(|attribute| (attribute.name(), attribute.value().to_string()))
            .chain(
                node.children()
                    .filter(roxmltree::Node::is_element)
                    .map(|field| (field.tag_name().name(), element_text(field))),
            )
            .collect();
        let names: Vec<&String> = fields
            .iter()
            .filter(|(field, _)| *field == "name")
            .map(|(_, text)| text)
            .collect();
        if names.is_empty() {
            errors.push(format!("Line {line}: <property> has no <name>"));
        }
        for name in &names {
            if name.trim().is_empty() {
                errors.push(format!("Line {line}: <property> has an empty <name>"));
            }
        }
        if let Some(name) = names
            .last()
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
        {
            match first_line_of.iter_mut().find(|(seen, _)| seen == name) {
                Some((_, lines)) => lines.push(line),
                None => first_line_of.push((name.to_string(), vec![line])),
            }
        }
        if !fields.iter().any(|(field, _)| *field == "value") {
            errors.push(format!("Line {line}: <property> has no <value>"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (field, _) in &fields {
            if seen.contains(field) {
                continue;
            }
            seen.push(field);
            if *field != "source" && fields.iter().filter(|(other, _)| other == field).count() > 1 {
                errors.push(format!("Line {line}: <property> has duplicated <{field}>s"));
            }
        }
    }
    for (name, lines) in first_line_of.iter().filter(|(_, lines)| lines.len() > 1) {
        let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
        errors.push(format!(
            "Line {}: duplicated <property>s for {name}",
            lines.join(", ")
        ));
    }
    errors
}

/// Text content of an element, its text and CDATA children joined (comments dropped).
fn element_text(node: roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(roxmltree::Node::is_text)
        .filter_map(|child| child.text())
        .collect()
}

fn is_true(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("true")
}

/// Characters XML 1.0 can carry.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

pub(super) fn push_xml_escaped(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            // A literal CR would be normalized away by the reader.
            '\r' => xml.push_str("&#13;"),
            _ => xml.push(c),
        }
    }
}

/// A Hadoop XML resource holding `props`; `name` labels errors.
pub(super) fn xml_document<'a>(
    name: &str,
    props: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<String, ConfError> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
    for (key, value) in props {
        if key.trim().is_empty() {
            return Err(ConfError::Usage(format!(
                "{name}: cannot write a property with an empty name"
            )));
        }
        if !key.chars().chain(value.chars()).all(is_xml_char) {
            return Err(invalid(
                key,
                value,
                "expected text without control characters",
            ));
        }
        xml.push_str("  <property>\n    <name>");
        push_xml_escaped(&mut xml, key);
        xml.push_str("</name>\n    <value>");
        push_xml_escaped(&mut xml, value);
        xml.push_str("</value>\n  </property>\n");
    }
    xml.push_str("</configuration>\n");
    Ok(xml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::test_support::*;

    #[test]
    fn validate_resource_reports_what_conftest_reports() {
        let valid = site_xml(&[property("a", "1"), property("b", "2")].concat());
        assert!(validate_resource(valid.as_bytes()).is_empty());
        let errors = validate_resource(
            b"<configuration>\n<property><value>1</value></property>\n<other/>\n\
              <property><name>a</name><value>1</value></property>\n\
              <property name=\"a\"><value>2</value><value>3</value></property>\n\
              <property><name>b</name></property>\n</configuration>",
        );
        assert_eq!(
            errors,
            [
                "Line 2: <property> has no <name>",
                "Line 3: element not <property>",
                "Line 5: <property> has duplicated <value>s",
                "Line 6: <property> has no <value>",
                "Line 4, 5: duplicated <property>s for a",
            ]
        );
        assert_eq!(
            validate_resource(b"<conf/>"),
            ["bad conf file: top-level element not <configuration>"]
        );
        let broken = validate_resource(b"<configuration><property>");
        assert!(broken[0].starts_with("bad conf file: "), "{broken:?}");
    }

    #[test]
    fn xml_tolerates_comments_descriptions_and_whitespace() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- site overrides -->
<configuration>
  <!-- a comment between properties -->
  <property>
    <name>
      spaced.name
    </name>
    <value>a<!-- inside -->b</value>
    <description>ignored &amp; harmless</description>
  </property>
  <property><name>cdata</name><value><![CDATA[x<y]]></value></property>
  <property><name>empty</name><value/></property>
  <property><name>no.value</name><description>skipped</description></property>
  <property name="attr.name" value="attr.value" final="true"/>
  <unknown>ignored</unknown>
</configuration>"#;
        let file = write_file(dir.path(), "site.xml", text);
        let mut conf = Configuration::new();
        conf.add_resource(&file).unwrap();
        assert_eq!(conf.get("spaced.name").as_deref(), Some("ab"));
        assert_eq!(conf.get("cdata").as_deref(), Some("x<y"));
        assert_eq!(conf.get("empty").as_deref(), Some(""));
        assert_eq!(conf.get("no.value"), None);
        assert_eq!(conf.get("attr.name").as_deref(), Some("attr.value"));
    }

    #[test]
    fn property_without_name_is_a_parse_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(
            dir.path(),
            "broken-site.xml",
            &site_xml(
                &[
                    property("good", "1"),
                    "<property><value>v</value></property>".into(),
                ]
                .concat(),
            ),
        );
        let mut conf = Configuration::new();
        let error = conf.add_resource(&file).unwrap_err();
        assert!(matches!(error, ConfError::Parse { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("broken-site.xml"), "{message}");
        assert!(message.contains("without a name"), "{message}");
        // A rejected file changes nothing.
        assert_eq!(conf.get("good"), None);
    }

    #[test]
    fn malformed_xml_and_wrong_root_are_parse_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let malformed = write_file(
            dir.path(),
            "malformed.xml",
            "<configuration><property><name>a</name>",
        );
        let wrong_root = write_file(
            dir.path(),
            "wrong-root.xml",
            "<settings><property><name>a</name><value>1</value></property></settings>",
        );
        let not_utf8 = dir.path().join("latin1.xml");
        fs::write(&not_utf8, b"<configuration>\xff</configuration>").unwrap();

        let mut conf = Configuration::new();
        for path in [&malformed, &wrong_root, &not_utf8] {
            let error = conf.add_resource(path).unwrap_err();
            assert!(matches!(error, ConfError::Parse { .. }), "{error:?}");
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("cannot parse {}: ", path.display())),
                "{message}"
            );
        }
        let message = conf.add_resource(&wrong_root).unwrap_err().to_string();
        assert!(message.contains("<settings>"), "{message}");
    }

    #[test]
    fn unreadable_resource_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.xml");
        let error = Configuration::new().add_resource(&missing).unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("missing.xml"));
    }

    #[test]
    fn site_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("core-site.xml");
        let tricky = " <a href=\"x\">&'y'</a>\r\n\ttail ";
        Configuration::write_site_file(
            &path,
            &[("fs.defaultFS", "hdfs://nn:8020"), ("tricky", tricky)],
        )
        .unwrap();
        Configuration::write_site_file(
            &path,
            &[("fs.defaultFS", "hdfs://other:8020"), ("tricky", tricky)],
        )
        .unwrap();
        assert!(!dir.path().join("core-site.xml.tmp").exists());

        let conf = Configuration::load_from_dir(dir.path()).unwrap();
        assert_eq!(
            conf.get(keys::FS_DEFAULT_FS).as_deref(),
            Some("hdfs://other:8020")
        );
        assert_eq!(conf.get("tricky").as_deref(), Some(tricky));
    }

    #[test]
    fn site_file_rejects_unwritable_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.xml");
        let error = Configuration::write_site_file(&path, &[("bell", "\u{7}")]).unwrap_err();
        assert!(matches!(error, ConfError::Invalid { ref key, .. } if key == "bell"));
        assert!(Configuration::write_site_file(&path, &[(" ", "v")]).is_err());
        assert!(!path.exists());

        let missing_dir = dir.path().join("absent").join("site.xml");
        let error = Configuration::write_site_file(&missing_dir, &[("k", "v")]).unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
    }
}
