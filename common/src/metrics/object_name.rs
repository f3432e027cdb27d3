//! JMX ObjectNames (`domain:key=value,...`) and the patterns `/jmx?qry=` takes, with
//! JMX's wildcards: `*` and `?` in the domain and in property values, and a trailing
//! `*` in the property list ("these properties and any others"). Quoted values are
//! not supported: Hadoop's bean names never need them.

use std::fmt;

/// A qry that is not a well-formed ObjectName (Hadoop answers 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed ObjectName '{text}': {reason}")]
pub struct MalformedObjectName {
    text: String,
    reason: &'static str,
}

/// A bean's name, or a pattern matching names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName {
    domain: String,
    /// Key properties in the order written (that order is how a name prints).
    properties: Vec<(String, String)>,
    /// The property list ends with `*`: names may have more properties.
    property_list_pattern: bool,
}

impl ObjectName {
    /// A name from its parts; what beans are named with.
    pub fn new(domain: &str, properties: Vec<(String, String)>) -> Self {
        Self {
            domain: domain.to_string(),
            properties,
            property_list_pattern: false,
        }
    }

    /// Parses `domain:key=value,...[,*]` (or `domain:*`).
    pub fn parse(text: &str) -> Result<Self, MalformedObjectName> {
        let malformed = |reason| MalformedObjectName {
            text: text.to_string(),
            reason,
        };
        let (domain, list) = text
            .split_once(':')
            .ok_or_else(|| malformed("no ':' after the domain"))?;
        if list.is_empty() {
            return Err(malformed("the key property list is empty"));
        }
        let mut properties: Vec<(String, String)> = Vec::new();
        let mut property_list_pattern = false;
        for element in list.split(',') {
            if element == "*" {
                if property_list_pattern {
                    return Err(malformed("'*' appears twice in the key property list"));
                }
                property_list_pattern = true;
                continue;
            }
            let (key, value) = element
                .split_once('=')
                .ok_or_else(|| malformed("a key property has no '='"))?;
            if key.is_empty() || value.is_empty() {
                return Err(malformed("a key or a value is empty"));
            }
            if key.contains(['*', '?', '=', ':']) || value.contains(['=', ':']) {
                return Err(malformed(
                    "a key or a value has a character it may not have",
                ));
            }
            if properties.iter().any(|(seen, _)| seen == key) {
                return Err(malformed("a key appears twice"));
            }
            properties.push((key.to_string(), value.to_string()));
        }
        Ok(Self {
            domain: domain.to_string(),
            properties,
            property_list_pattern,
        })
    }

    /// The value of key property `key`.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// Whether `name` matches this pattern (an exact name matches only itself,
    /// whatever the order of its key properties).
    pub fn matches(&self, name: &ObjectName) -> bool {
        if !wildcard_match(&self.domain, &name.domain) {
            return false;
        }
        if !self.property_list_pattern && self.properties.len() != name.properties.len() {
            return false;
        }
        self.properties.iter().all(|(key, pattern)| {
            name.property(key)
                .is_some_and(|value| wildcard_match(pattern, value))
        })
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.domain)?;
        let mut separator = "";
        for (key, value) in &self.properties {
            write!(f, "{separator}{key}={value}")?;
            separator = ",";
        }
        if self.property_list_pattern {
            write!(f, "{separator}*")?;
        }
        Ok(())
    }
}

/// Glob matching with `*` (any run, empty included) and `?` (one character).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched_to)) = backtrack {
            p = star + 1;
            t = matched_to + 1;
            backtrack = Some((star, t));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> ObjectName {
        ObjectName::parse(text).unwrap()
    }

    fn matches(pattern: &str, text: &str) -> bool {
        name(pattern).matches(&name(text))
    }

    const FSN: &str = "Hadoop:service=NameNode,name=FSNamesystem";

    #[test]
    fn exact_names_match_only_themselves() {
        assert!(matches(FSN, FSN));
        assert!(matches("Hadoop:name=FSNamesystem,service=NameNode", FSN));
        assert!(!matches(
            "Hadoop:service=NameNode,name=FSNamesystemState",
            FSN
        ));
        assert!(!matches("Hadoop:service=NameNode", FSN));
        assert!(!matches(
            "java.lang:service=NameNode,name=FSNamesystem",
            FSN
        ));
    }

    #[test]
    fn wildcards_in_values_domain_and_property_list() {
        assert!(matches("*:*", FSN));
        assert!(matches("Hadoop:*", FSN));
        assert!(matches("Had*:*", FSN));
        assert!(matches("Hadoop:service=NameNode,name=*", FSN));
        assert!(matches("Hadoop:service=NameNode,name=FS*", FSN));
        assert!(matches("Hadoop:service=NameNode,name=FSNamesyste?", FSN));
        assert!(matches("Hadoop:service=NameNode,*", FSN));
        assert!(matches("Hadoop:name=FSNamesystem,*", FSN));
        assert!(!matches("Hadoop:service=DataNode,*", FSN));
        assert!(!matches("Hadoop:service=NameNode,name=Jvm*", FSN));
        // Without the trailing `*`, the bean may have no other key properties.
        assert!(!matches("Hadoop:name=*", FSN));
        assert!(!matches(
            "Hadoop:service=NameNode,name=*",
            "Hadoop:service=ResourceManager,name=QueueMetrics,q0=root"
        ));
    }

    #[test]
    fn glob_backtracks() {
        assert!(wildcard_match("*a*b", "xaxxab"));
        assert!(wildcard_match("a*", "a"));
        assert!(!wildcard_match("a*c", "abcd"));
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "a"));
    }

    #[test]
    fn malformed_queries_are_refused() {
        for bad in [
            "",
            "Hadoop",
            "Hadoop:",
            "Hadoop:service",
            "Hadoop:service=",
            "Hadoop:=x",
            "Hadoop:a=1,a=2",
            "Hadoop:*,*",
        ] {
            assert!(ObjectName::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn names_print_as_written() {
        assert_eq!(name(FSN).to_string(), FSN);
        assert_eq!(name("Hadoop:service=X,*").to_string(), "Hadoop:service=X,*");
        assert_eq!(name(FSN).property("name"), Some("FSNamesystem"));
    }
}
