//! Counters: Hadoop's framework counters under their names and groups, and
//! any group and name a job's code increments.

use std::fmt::Write as _;

/// The group of Hadoop's task counters.
pub const TASK_GROUP: &str = "org.apache.hadoop.mapreduce.TaskCounter";
/// The group of file system counters.
pub const FILE_SYSTEM_GROUP: &str = "org.apache.hadoop.mapreduce.FileSystemCounter";
/// The group of job counters (tasks launched, failed).
pub const JOB_GROUP: &str = "org.apache.hadoop.mapreduce.JobCounter";
/// The group of a reducer's fetch failures, by kind (Hadoop's Fetcher's).
pub const SHUFFLE_ERRORS_GROUP: &str = "Shuffle Errors";
/// The group of the bytes a job's input format read.
pub const FILE_INPUT_FORMAT_GROUP: &str =
    "org.apache.hadoop.mapreduce.lib.input.FileInputFormatCounter";
/// The group of the bytes a job's output format wrote.
pub const FILE_OUTPUT_FORMAT_GROUP: &str =
    "org.apache.hadoop.mapreduce.lib.output.FileOutputFormatCounter";
/// The group of DistCp's copy counters (Hadoop's `CopyMapper.Counter`).
pub const DISTCP_GROUP: &str = "org.apache.hadoop.tools.mapred.CopyMapper$Counter";

/// The counters of [`SHUFFLE_ERRORS_GROUP`], in Hadoop's order; a reducer
/// reports each, zeros included.
pub const SHUFFLE_ERRORS: [&str; 6] = [
    "BAD_ID",
    "CONNECTION",
    "IO_ERROR",
    "WRONG_LENGTH",
    "WRONG_MAP",
    "WRONG_REDUCE",
];

/// Hadoop's framework counters, as (group, name, display name), each group
/// in the order of Hadoop's enum, which is the order a report lists them in.
const KNOWN: &[(&str, &str, &str)] = &[
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
    (JOB_GROUP, "NUM_FAILED_MAPS", "Failed map tasks"),
    (JOB_GROUP, "NUM_FAILED_REDUCES", "Failed reduce tasks"),
    (JOB_GROUP, "NUM_KILLED_MAPS", "Killed map tasks"),
    (JOB_GROUP, "NUM_KILLED_REDUCES", "Killed reduce tasks"),
    (JOB_GROUP, "TOTAL_LAUNCHED_MAPS", "Launched map tasks"),
    (JOB_GROUP, "TOTAL_LAUNCHED_REDUCES", "Launched reduce tasks"),
    (JOB_GROUP, "OTHER_LOCAL_MAPS", "Other local map tasks"),
    (JOB_GROUP, "DATA_LOCAL_MAPS", "Data-local map tasks"),
    (JOB_GROUP, "RACK_LOCAL_MAPS", "Rack-local map tasks"),
    (
        JOB_GROUP,
        "SLOTS_MILLIS_MAPS",
        "Total time spent by all maps in occupied slots (ms)",
    ),
    (
        JOB_GROUP,
        "SLOTS_MILLIS_REDUCES",
        "Total time spent by all reduces in occupied slots (ms)",
    ),
    (
        JOB_GROUP,
        "MILLIS_MAPS",
        "Total time spent by all map tasks (ms)",
    ),
    (
        JOB_GROUP,
        "MILLIS_REDUCES",
        "Total time spent by all reduce tasks (ms)",
    ),
    (
        JOB_GROUP,
        "VCORES_MILLIS_MAPS",
        "Total vcore-milliseconds taken by all map tasks",
    ),
    (
        JOB_GROUP,
        "VCORES_MILLIS_REDUCES",
        "Total vcore-milliseconds taken by all reduce tasks",
    ),
    (
        JOB_GROUP,
        "MB_MILLIS_MAPS",
        "Total megabyte-milliseconds taken by all map tasks",
    ),
    (
        JOB_GROUP,
        "MB_MILLIS_REDUCES",
        "Total megabyte-milliseconds taken by all reduce tasks",
    ),
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
    (TASK_GROUP, "REDUCE_INPUT_GROUPS", "Reduce input groups"),
    (TASK_GROUP, "REDUCE_SHUFFLE_BYTES", "Reduce shuffle bytes"),
    (TASK_GROUP, "REDUCE_INPUT_RECORDS", "Reduce input records"),
    (TASK_GROUP, "REDUCE_OUTPUT_RECORDS", "Reduce output records"),
    (TASK_GROUP, "SPILLED_RECORDS", "Spilled Records"),
    (TASK_GROUP, "MERGE_PASSES", "Merge passes"),
    (TASK_GROUP, "SHUFFLED_MAPS", "Shuffled Maps "),
    (TASK_GROUP, "FAILED_SHUFFLE", "Failed Shuffles"),
    (TASK_GROUP, "MERGED_MAP_OUTPUTS", "Merged Map outputs"),
    (TASK_GROUP, "GC_TIME_MILLIS", "GC time elapsed (ms)"),
    (TASK_GROUP, "CPU_MILLISECONDS", "CPU time spent (ms)"),
    (
        TASK_GROUP,
        "PHYSICAL_MEMORY_BYTES",
        "Physical memory (bytes) snapshot",
    ),
    (
        TASK_GROUP,
        "VIRTUAL_MEMORY_BYTES",
        "Virtual memory (bytes) snapshot",
    ),
    (
        TASK_GROUP,
        "MAP_PHYSICAL_MEMORY_BYTES_MAX",
        "Peak Map Physical memory (bytes)",
    ),
    (
        TASK_GROUP,
        "MAP_VIRTUAL_MEMORY_BYTES_MAX",
        "Peak Map Virtual memory (bytes)",
    ),
    (
        TASK_GROUP,
        "REDUCE_PHYSICAL_MEMORY_BYTES_MAX",
        "Peak Reduce Physical memory (bytes)",
    ),
    (
        TASK_GROUP,
        "REDUCE_VIRTUAL_MEMORY_BYTES_MAX",
        "Peak Reduce Virtual memory (bytes)",
    ),
    (SHUFFLE_ERRORS_GROUP, "BAD_ID", "BAD_ID"),
    (SHUFFLE_ERRORS_GROUP, "CONNECTION", "CONNECTION"),
    (SHUFFLE_ERRORS_GROUP, "IO_ERROR", "IO_ERROR"),
    (SHUFFLE_ERRORS_GROUP, "WRONG_LENGTH", "WRONG_LENGTH"),
    (SHUFFLE_ERRORS_GROUP, "WRONG_MAP", "WRONG_MAP"),
    (SHUFFLE_ERRORS_GROUP, "WRONG_REDUCE", "WRONG_REDUCE"),
    (FILE_INPUT_FORMAT_GROUP, "BYTES_READ", "Bytes Read"),
    (FILE_OUTPUT_FORMAT_GROUP, "BYTES_WRITTEN", "Bytes Written"),
    (DISTCP_GROUP, "BANDWIDTH_IN_BYTES", "Bandwidth in Btyes"),
    (DISTCP_GROUP, "BYTESCOPIED", "Bytes Copied"),
    (DISTCP_GROUP, "BYTESEXPECTED", "Bytes Expected"),
    (DISTCP_GROUP, "BYTESFAILED", "Bytes Failed"),
    (DISTCP_GROUP, "BYTESSKIPPED", "Bytes Skipped"),
    (DISTCP_GROUP, "COPY", "Files Copied"),
    (DISTCP_GROUP, "DIR_COPY", "Directories Copied"),
    (DISTCP_GROUP, "FAIL", "Files Failed"),
    (DISTCP_GROUP, "SKIP", "Files Skipped"),
];

/// Display name of a group (Hadoop's, for its own groups).
pub fn group_display_name(group: &str) -> &str {
    match group {
        TASK_GROUP => "Map-Reduce Framework",
        FILE_SYSTEM_GROUP => "File System Counters",
        JOB_GROUP => "Job Counters ",
        FILE_INPUT_FORMAT_GROUP => "File Input Format Counters ",
        FILE_OUTPUT_FORMAT_GROUP => "File Output Format Counters ",
        DISTCP_GROUP => "DistCp Counters",
        other => other,
    }
}

/// Where a group comes in a report: Hadoop's groups in the order Hadoop
/// prints them, then the job's own.
fn group_rank(group: &str) -> usize {
    [
        FILE_SYSTEM_GROUP,
        JOB_GROUP,
        TASK_GROUP,
        SHUFFLE_ERRORS_GROUP,
        FILE_INPUT_FORMAT_GROUP,
        FILE_OUTPUT_FORMAT_GROUP,
        DISTCP_GROUP,
    ]
    .iter()
    .position(|known| *known == group)
    .unwrap_or(usize::MAX)
}

/// Where a counter comes in its group's listing: Hadoop's in enum order,
/// then any other in first-use order.
fn counter_rank(group: &str, name: &str) -> usize {
    KNOWN
        .iter()
        .position(|(known_group, known_name, _)| *known_group == group && *known_name == name)
        .unwrap_or(usize::MAX)
}

/// Whether a counter holds the largest value reported rather than a sum
/// (Hadoop's peak-memory task counters).
fn is_max_counter(group: &str, name: &str) -> bool {
    group == TASK_GROUP && name.ends_with("_MAX")
}

/// Display name of a counter (Hadoop's, for its own counters).
pub fn counter_display_name<'a>(group: &str, name: &'a str) -> &'a str {
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

    /// Adds `amount` to counter `name` of `group`, creating it at 0; a
    /// peak counter (`..._MAX`) keeps the larger value instead.
    pub fn increment(&mut self, group: &str, name: &str, amount: u64) {
        match self
            .entries
            .iter_mut()
            .find(|(entry_group, entry_name, _)| entry_group == group && entry_name == name)
        {
            Some(entry) if is_max_counter(group, name) => entry.2 = entry.2.max(amount),
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
    /// counters by display name, Hadoop's groups and counters in Hadoop's
    /// order first.
    pub fn report(&self) -> String {
        let mut groups: Vec<&str> = Vec::new();
        for (group, _, _) in &self.entries {
            if !groups.contains(&group.as_str()) {
                groups.push(group);
            }
        }
        groups.sort_by_key(|group| group_rank(group));
        let mut text = format!("Counters: {}\n", self.entries.len());
        for group in groups {
            let _ = writeln!(text, "\t{}", group_display_name(group));
            let mut entries: Vec<_> = self
                .entries
                .iter()
                .filter(|(entry_group, _, _)| entry_group == group)
                .collect();
            entries.sort_by_key(|(_, name, _)| counter_rank(group, name));
            for (_, name, value) in entries {
                let _ = writeln!(text, "\t\t{}={value}", counter_display_name(group, name));
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

    #[test]
    fn hadoops_groups_and_counters_come_in_hadoops_order() {
        let mut counters = Counters::new();
        counters.increment(FILE_OUTPUT_FORMAT_GROUP, "BYTES_WRITTEN", 5);
        counters.increment(SHUFFLE_ERRORS_GROUP, "IO_ERROR", 0);
        counters.increment(FILE_INPUT_FORMAT_GROUP, "BYTES_READ", 7);
        counters.increment_task("CPU_MILLISECONDS", 30);
        counters.increment_task("MAP_INPUT_RECORDS", 2);
        counters.increment(FILE_SYSTEM_GROUP, "HDFS_BYTES_READ", 7);
        counters.increment(FILE_SYSTEM_GROUP, "FILE_BYTES_WRITTEN", 9);
        let report = counters.report();
        assert_eq!(
            report,
            "Counters: 7\n\
             \tFile System Counters\n\
             \t\tFILE: Number of bytes written=9\n\
             \t\tHDFS: Number of bytes read=7\n\
             \tMap-Reduce Framework\n\
             \t\tMap input records=2\n\
             \t\tCPU time spent (ms)=30\n\
             \tShuffle Errors\n\
             \t\tIO_ERROR=0\n\
             \tFile Input Format Counters \n\
             \t\tBytes Read=7\n\
             \tFile Output Format Counters \n\
             \t\tBytes Written=5\n"
        );
    }

    #[test]
    fn peak_counters_keep_the_largest_value() {
        let mut first = Counters::new();
        first.increment_task("MAP_PHYSICAL_MEMORY_BYTES_MAX", 300);
        first.increment_task("PHYSICAL_MEMORY_BYTES", 300);
        let mut second = Counters::new();
        second.increment_task("MAP_PHYSICAL_MEMORY_BYTES_MAX", 200);
        second.increment_task("PHYSICAL_MEMORY_BYTES", 200);
        let mut job = Counters::new();
        job.merge(&first);
        job.merge(&second);
        assert_eq!(job.task("MAP_PHYSICAL_MEMORY_BYTES_MAX"), 300);
        assert_eq!(job.task("PHYSICAL_MEMORY_BYTES"), 500);
    }
}
