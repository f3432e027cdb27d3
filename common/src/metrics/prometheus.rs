//! Prometheus text exposition of beans, named as Hadoop 3's PrometheusMetricsSink names
//! metrics: record name and metric name joined and turned from CamelCase into lower snake
//! case (`FSNamesystem` + `FilesTotal` -> `fs_namesystem_files_total`), with the record's
//! tags as lowercase labels.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Attribute, Bean, Number};

/// The tag Hadoop leaves out of labels (it holds a per-user sub-hierarchy).
const SKIPPED_TAG: &str = "numopenconnectionsperuser";

/// Hadoop's `prometheusName(record, metric)`: capitalize both and join them, split the
/// CamelCase words (before an upper-case letter that follows a character other than an
/// upper-case letter or `_`, and before an upper-case letter followed by a lower-case one),
/// join with `_`, lower-case, and turn every run of other characters into one `_`.
pub fn prometheus_name(record: &str, metric: &str) -> String {
    let base: Vec<char> = capitalize(record)
        .chars()
        .chain(capitalize(metric).chars())
        .collect();
    let mut joined = String::with_capacity(base.len() + 8);
    for (index, &c) in base.iter().enumerate() {
        if index > 0 && c.is_ascii_uppercase() {
            let previous = base[index - 1];
            let after_word = !(previous.is_ascii_uppercase() || previous == '_');
            let starts_word = base.get(index + 1).is_some_and(char::is_ascii_lowercase);
            if after_word || starts_word {
                joined.push('_');
            }
        }
        joined.push(c.to_ascii_lowercase());
    }
    let mut name = String::with_capacity(joined.len());
    for c in joined.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One sample line's parts.
struct Sample {
    labels: String,
    value: Number,
}

/// The gauges and counters of `beans` in Prometheus text format: one `# TYPE` line per
/// metric name, then its samples (one per bean that has it), each labelled with its
/// bean's tags (no braces for a bean without tags). Informational attributes are not
/// metrics and are left out.
pub fn render_prometheus(beans: &[Bean]) -> String {
    let mut metrics: BTreeMap<String, (&'static str, Vec<Sample>)> = BTreeMap::new();
    for bean in beans {
        let labels = labels(bean);
        for (name, attribute) in bean.attributes() {
            let (kind, value) = match attribute {
                Attribute::Gauge(value) => ("gauge", *value),
                Attribute::Counter(value) => ("counter", *value),
                Attribute::Tag(_) | Attribute::Info(_) => continue,
            };
            let key = prometheus_name(bean.record_name(), name);
            let entry = metrics.entry(key).or_insert((kind, Vec::new()));
            entry.1.push(Sample {
                labels: labels.clone(),
                value,
            });
        }
    }
    let mut text = String::new();
    for (name, (kind, samples)) in metrics {
        let _ = writeln!(text, "# TYPE {name} {kind}");
        for sample in samples {
            let value = format_value(sample.value);
            if sample.labels.is_empty() {
                let _ = writeln!(text, "{name} {value}");
            } else {
                let _ = writeln!(text, "{name}{{{}}} {value}", sample.labels);
            }
        }
    }
    text
}

/// `context="dfs",hostname="h1",...`: the bean's tags, names lower-cased.
fn labels(bean: &Bean) -> String {
    let mut labels = String::new();
    for (name, attribute) in bean.attributes() {
        let Attribute::Tag(value) = attribute else {
            continue;
        };
        let label = name.to_lowercase();
        if label == SKIPPED_TAG {
            continue;
        }
        if !labels.is_empty() {
            labels.push(',');
        }
        let _ = write!(labels, "{label}=\"{}\"", escape_label_value(value));
    }
    labels
}

fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(value: Number) -> String {
    match value {
        Number::Integer(value) => value.to_string(),
        Number::Float(value) if value.is_nan() => "NaN".to_string(),
        Number::Float(value) if value.is_infinite() => {
            if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        }
        Number::Float(value) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_hadoops_sink() {
        let cases = [
            ("FSNamesystem", "FilesTotal", "fs_namesystem_files_total"),
            ("JvmMetrics", "MemHeapUsedM", "jvm_metrics_mem_heap_used_m"),
            (
                "RpcTime",
                "RpcQueueTimeNumOps",
                "rpc_time_rpc_queue_time_num_ops",
            ),
            ("OMRpcTime", "OMInfoKeys", "om_rpc_time_om_info_keys"),
            ("RpcTime", "small", "rpc_time_small"),
            (
                "DataNodeInfo",
                "XceiverCount",
                "data_node_info_xceiver_count",
            ),
            (
                "JvmMetrics",
                "GcTimeMillisG1 Young Generation",
                "jvm_metrics_gc_time_millis_g1_young_generation",
            ),
            (
                "org.apache.hadoop.hdfs.server.datanode.fsdataset.impl.FsDatasetImpl",
                "DfsUsed",
                "org_apache_hadoop_hdfs_server_datanode_fsdataset_impl_fs_dataset_impl_dfs_used",
            ),
            (
                "SCMPipelineMetrics",
                "NumBlocksAllocated-RATIS-THREE-47659e3d-40c9",
                "scm_pipeline_metrics_num_blocks_allocated_ratis_three_47659e3d_40c9",
            ),
            (
                "Rocksdb_om.db",
                "num_open_connections",
                "rocksdb_om_db_num_open_connections",
            ),
        ];
        for (record, metric, expected) in cases {
            assert_eq!(
                prometheus_name(record, metric),
                expected,
                "{record} {metric}"
            );
        }
    }

    #[test]
    fn metrics_render_with_tags_as_labels() {
        let beans = [
            Bean::new("NameNode", "FSNamesystem")
                .tag("Context", "dfs")
                .tag("HAState", "a\"b")
                .gauge("FilesTotal", 3u64)
                .counter("Ops", 1.5)
                .info("FSState", "Operational"),
            Bean::new("NameNode", "NameNodeInfo")
                .info("ClusterId", "c")
                .gauge("Live", 2u32),
        ];
        let text = render_prometheus(&beans);
        assert_eq!(
            text,
            "# TYPE fs_namesystem_files_total gauge\n\
             fs_namesystem_files_total{context=\"dfs\",hastate=\"a\\\"b\"} 3\n\
             # TYPE fs_namesystem_ops counter\n\
             fs_namesystem_ops{context=\"dfs\",hastate=\"a\\\"b\"} 1.5\n\
             # TYPE name_node_info_live gauge\n\
             name_node_info_live 2\n"
        );
    }
}
