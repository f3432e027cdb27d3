//! Metrics as Hadoop publishes them: named JMX beans (`Hadoop:service=NameNode,name=FSNamesystem`)
//! of tags, gauges, counters and informational attributes. A daemon describes its beans once;
//! `/jmx` renders them as JSON and `/prom` as Prometheus text from that one description, so
//! the two views cannot disagree.

mod object_name;
mod process;
mod prometheus;
mod rpc;

use serde_json::{Map, Value};

pub use object_name::{MalformedObjectName, ObjectName};
pub use process::{ThreadInfo, process_bean, resident_bytes, threads};
pub use prometheus::{prometheus_name, render_prometheus};
pub use rpc::{Measured, RpcMetrics, RpcMetricsLayer};

/// A number a gauge or counter holds; integers stay integers in JSON and Prometheus text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Integer(i64),
    Float(f64),
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Number::Integer(value)
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Self {
        Number::Integer(value.into())
    }
}

impl From<u32> for Number {
    fn from(value: u32) -> Self {
        Number::Integer(value.into())
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Number::Integer(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Number {
    fn from(value: usize) -> Self {
        Number::Integer(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Number {
    fn from(value: f64) -> Self {
        Number::Float(value)
    }
}

impl Number {
    fn to_json(self) -> Value {
        match self {
            Number::Integer(value) => Value::from(value),
            Number::Float(value) => Value::from(value),
        }
    }
}

/// One attribute of a bean. Only gauges and counters are metrics (and appear in `/prom`);
/// tags label them, as metrics2 record tags do.
#[derive(Clone, Debug)]
pub enum Attribute {
    /// A record tag, shown in JSON as `tag.<name>` and in Prometheus as a label.
    Tag(String),
    Gauge(Number),
    Counter(Number),
    /// Any other value an MXBean exposes (strings, lists, JSON-in-a-string).
    Info(Value),
}

/// A JMX bean: its ObjectName and its attributes, in the order `/jmx` lists them.
#[derive(Clone, Debug)]
pub struct Bean {
    name: ObjectName,
    /// The metrics2 record name when it is not the `name` property (`rpc` for
    /// `RpcActivityForPort8020`).
    record: Option<String>,
    attributes: Vec<(String, Attribute)>,
}

impl Bean {
    /// A bean named `Hadoop:service=<service>,name=<name>`.
    pub fn new(service: &str, name: &str) -> Self {
        Self::with_properties(service, &[("name", name)])
    }

    /// A bean named `Hadoop:service=<service>,<key>=<value>,...` (e.g. `QueueMetrics,q0=root`).
    pub fn with_properties(service: &str, properties: &[(&str, &str)]) -> Self {
        let mut all = vec![("service".to_string(), service.to_string())];
        all.extend(
            properties
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string())),
        );
        Self {
            name: ObjectName::new("Hadoop", all),
            record: None,
            attributes: Vec::new(),
        }
    }

    /// Names the metrics2 record behind the bean, when it differs from its `name` property.
    pub fn record_named(mut self, record: &str) -> Self {
        self.record = Some(record.to_string());
        self
    }

    /// A metrics2 record's bean: like [`Bean::new`] with Hadoop's `Context` and
    /// `Hostname` tags, which every record carries.
    pub fn record(service: &str, name: &str, context: &str) -> Self {
        Self::new(service, name)
            .tag("Context", context)
            .tag("Hostname", hostname())
    }

    pub fn tag(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attributes
            .push((name.to_string(), Attribute::Tag(value.into())));
        self
    }

    pub fn gauge(mut self, name: &str, value: impl Into<Number>) -> Self {
        self.attributes
            .push((name.to_string(), Attribute::Gauge(value.into())));
        self
    }

    pub fn counter(mut self, name: &str, value: impl Into<Number>) -> Self {
        self.attributes
            .push((name.to_string(), Attribute::Counter(value.into())));
        self
    }

    pub fn info(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.attributes
            .push((name.to_string(), Attribute::Info(value.into())));
        self
    }

    pub fn name(&self) -> &ObjectName {
        &self.name
    }

    /// The record name metrics are prefixed with in Prometheus: the record's own name, else
    /// the `name` key property.
    pub fn record_name(&self) -> &str {
        match &self.record {
            Some(record) => record,
            None => self.name.property("name").unwrap_or_default(),
        }
    }

    pub fn attributes(&self) -> &[(String, Attribute)] {
        &self.attributes
    }

    /// The JSON key of an attribute: tags are `tag.<name>`, as Hadoop's metrics2 beans show them.
    fn json_key(name: &str, attribute: &Attribute) -> String {
        match attribute {
            Attribute::Tag(_) => format!("tag.{name}"),
            _ => name.to_string(),
        }
    }

    fn attribute_json(attribute: &Attribute) -> Value {
        match attribute {
            Attribute::Tag(value) => Value::from(value.as_str()),
            Attribute::Gauge(number) | Attribute::Counter(number) => number.to_json(),
            Attribute::Info(value) => value.clone(),
        }
    }

    /// `{"name": ..., "modelerType": ..., <attributes>}` as Hadoop's JMXJsonServlet writes a bean.
    pub fn to_json(&self) -> Value {
        let mut object = self.json_head();
        for (name, attribute) in &self.attributes {
            object.insert(
                Self::json_key(name, attribute),
                Self::attribute_json(attribute),
            );
        }
        Value::Object(object)
    }

    /// The bean with only `attribute` (a JSON key, so `tag.X` for tags), as `?get=` gives it;
    /// `None` if it has no such attribute.
    pub fn to_json_only(&self, attribute: &str) -> Option<Value> {
        let (name, found) = self
            .attributes
            .iter()
            .find(|(name, value)| Self::json_key(name, value) == attribute)?;
        let mut object = self.json_head();
        object.insert(Self::json_key(name, found), Self::attribute_json(found));
        Some(Value::Object(object))
    }

    fn json_head(&self) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("name".into(), Value::from(self.name.to_string()));
        object.insert("modelerType".into(), Value::from(self.record_name()));
        object
    }
}

/// This machine's host name (`/proc/sys/kernel/hostname`), for the `Hostname` tag.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beans_render_as_hadoop_writes_them() {
        let bean = Bean::new("NameNode", "FSNamesystem")
            .tag("HAState", "active")
            .gauge("FilesTotal", 7u64)
            .info("FSState", "Operational");
        let json = bean.to_json();
        assert_eq!(json["name"], "Hadoop:service=NameNode,name=FSNamesystem");
        assert_eq!(json["modelerType"], "FSNamesystem");
        assert_eq!(json["tag.HAState"], "active");
        assert_eq!(json["FilesTotal"], 7);
        assert_eq!(json["FSState"], "Operational");
        let only = bean.to_json_only("FilesTotal").unwrap();
        assert_eq!(only.as_object().unwrap().len(), 3);
        assert!(bean.to_json_only("Missing").is_none());
        assert!(bean.to_json_only("tag.HAState").is_some());
    }
}
