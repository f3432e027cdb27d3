//! Counters: Hadoop's framework counters under their names and groups, and
//! any group and name a job's code increments.

use std::fmt::Write as _;

/// The group of Hadoop's task counters.
pub const TASK_GROUP: &str = "org.apache.hadoop.mapreduce.TaskCounter";
/// The group of file system counters.
pub const FILE_SYSTEM_GROUP: &str = "org.apache.hadoop.mapreduce.FileSystemCounter";
/// The group of job counters (tasks launched, failed).
pub const JOB_GROUP: &str = "org.apache.hadoop.mapreduce.JobCounter";

/// Hadoop's framework counters, as (group, name, display name).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        FILE_SYSTEM_GROUP,
        "HDFS_BYTES_READ",
        "HDFS: Number of bytes read",
    ),
    (
        FILE_SYSTEM_GROUP,
        "HDFS_BYTES_WRITTEN",
        "HDFS: Number of bytes written",
    ),
    (
        FILE_SYSTEM_GROUP,
        "FILE_BYTES_READ",
        "FILE: Number of bytes read",
    ),
    (
        FILE_SYSTEM_GROUP,
        "FILE_BYTES_WRITTEN",
        "FILE: Number of bytes written",
    ),
    (JOB_GROUP, "TOTAL_LAUNCHED_MAPS", "Launched map tasks"),
    (JOB_GROUP, "TOTAL_LAUNCHED_REDUCES", "Launched reduce tasks"),
    (JOB_GROUP, "NUM_FAILED_MAPS", "Failed map tasks"),
    (JOB_GROUP, "NUM_FAILED_REDUCES", "Failed reduce tasks"),
    (JOB_GROUP, "DATA_LOCAL_MAPS", "Data-local map tasks"),
    (JOB_GROUP, "RACK_LOCAL_MAPS", "Rack-local map tasks"),
    (JOB_GROUP, "OTHER_LOCAL_MAPS", "Other local map tasks"),
    (TASK_GROUP, "MAP_INPUT_RECORDS", "Map input records"),
    (TASK_GROUP, "MAP_OUTPUT_RECORDS", "Map output records"),
    (TASK_GROUP, "MAP_OUTPUT_BYTES", "Map output bytes"),
    (
        TASK_GROUP,
        "MAP_OUTPUT_MATERIALIZED_BYTES",
        "Map output materialized bytes",
    ),
    (TASK_GROUP, "SPLIT_RAW_BYTES", "Input split bytes"),
    (TASK_GROUP, "COMBINE_INPUT_RECORDS", "Combine input records"),
    (
        TASK_GROUP,
        "COMBINE_OUTPUT_RECORDS",
        "Combine output records",
    ),
    (TASK_GROUP, "SPILLED_RECORDS", "Spilled Records"),
    (TASK_GROUP, "MERGE_PASSES", "Merge passes"),
    (TASK_GROUP, "REDUCE_SHUFFLE_BYTES", "Reduce shuffle bytes"),
    (TASK_GROUP, "SHUFFLED_MAPS", "Shuffled Maps "),
    (TASK_GROUP, "REDUCE_INPUT_GROUPS", "Reduce input groups"),
    (TASK_GROUP, "REDUCE_INPUT_RECORDS", "Reduce input records"),
    (TASK_GROUP, "REDUCE_OUTPUT_RECORDS", "Reduce output records"),
    (TASK_GROUP, "GC_TIME_MILLIS", "GC time elapsed (ms)"),
    (TASK_GROUP, "CPU_MILLISECONDS", "CPU time spent (ms)"),
];

/// Display name of a group (Hadoop's, for its own groups).
fn group_display_name(group: &str) -> &str {
    match group {
        TASK_GROUP => "Map-Reduce Framework",
        FILE_SYSTEM_GROUP => "File System Counters",
        JOB_GROUP => "Job Counters ",
        other => other,
    }
}

fn counter_display_name<'a>(group: &str, name: &'a str) -> &'a str {
    KNOWN
        .iter()
        .find(|(known_group, known_name, _)| *known_group == group && *known_name == name)
        .map_or(name, |(_, _, display)| display)
}

/// A set of counters: (group, name) -> value, in first-use order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    entries: Vec<(String, String, u64)>,
}

impl Counters {
    /// No counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `amount` to counter `name` of `group`, creating it at 0.
    pub fn increment(&mut self, group: &str, name: &str, amount: u64) {
        match self
            .entries
            .iter_mut()
            .find(|(entry_group, entry_name, _)| entry_group == group && entry_name == name)
        {
            Some(entry) => entry.2 += amount,
            None => self
                .entries
                .push((group.to_string(), name.to_string(), amount)),
        }
    }

    /// Adds `amount` to one of Hadoop's task counters (`MAP_INPUT_RECORDS`...).
    pub fn increment_task(&mut self, name: &str, amount: u64) {
        self.increment(TASK_GROUP, name, amount);
    }

    /// The value of a counter (0 when never incremented).
    pub fn get(&self, group: &str, name: &str) -> u64 {
        self.entries
            .iter()
            .find(|(entry_group, entry_name, _)| entry_group == group && entry_name == name)
            .map_or(0, |entry| entry.2)
    }

    /// The value of one of Hadoop's task counters.
    pub fn task(&self, name: &str) -> u64 {
        self.get(TASK_GROUP, name)
    }

    /// Adds every counter of `other` to this set.
    pub fn merge(&mut self, other: &Counters) {
        for (group, name, value) in &other.entries {
            self.increment(group, name, *value);
        }
    }

    /// Every counter as (group, name, value), in first-use order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.entries
            .iter()
            .map(|(group, name, value)| (group.as_str(), name.as_str(), *value))
    }

    /// Hadoop's end-of-job listing: `Counters: N`, then each group and its
    /// counters by display name, framework groups first.
    pub fn report(&self) -> String {
        let mut groups: Vec<&str> = Vec::new();
        for (group, _, _) in &self.entries {
            if !groups.contains(&group.as_str()) {
                groups.push(group);
            }
        }
        let rank = |group: &str| match group {
            FILE_SYSTEM_GROUP => 0,
            JOB_GROUP => 1,
            TASK_GROUP => 2,
            _ => 3,
        };
        groups.sort_by_key(|group| rank(group));
        let mut text = format!("Counters: {}\n", self.entries.len());
        for group in groups {
            let _ = writeln!(text, "\t{}", group_display_name(group));
            for (entry_group, name, value) in &self.entries {
                if entry_group == group {
                    let _ = writeln!(text, "\t\t{}={value}", counter_display_name(group, name));
                }
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_merge_and_read_back() {
        let mut counters = Counters::new();
        counters.increment_task("MAP_INPUT_RECORDS", 3);
        counters.increment("WordCount", "WORDS", 2);
        counters.increment_task("MAP_INPUT_RECORDS", 4);
        let mut total = Counters::new();
        total.merge(&counters);
        total.merge(&counters);
        assert_eq!(total.task("MAP_INPUT_RECORDS"), 14);
        assert_eq!(total.get("WordCount", "WORDS"), 4);
        assert_eq!(total.get("WordCount", "MISSING"), 0);
    }

    #[test]
    fn report_uses_hadoop_display_names() {
        let mut counters = Counters::new();
        counters.increment("Mine", "THINGS", 1);
        counters.increment_task("SPILLED_RECORDS", 10);
        counters.increment(FILE_SYSTEM_GROUP, "HDFS_BYTES_READ", 99);
        let report = counters.report();
        assert!(
            report.starts_with("Counters: 3\n\tFile System Counters\n"),
            "{report}"
        );
        assert!(
            report.contains("\t\tHDFS: Number of bytes read=99\n"),
            "{report}"
        );
        assert!(
            report.contains("\tMap-Reduce Framework\n\t\tSpilled Records=10\n"),
            "{report}"
        );
        assert!(report.ends_with("\tMine\n\t\tTHINGS=1\n"), "{report}");
    }
}
