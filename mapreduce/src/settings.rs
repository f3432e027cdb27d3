//! The job's configuration keys (Hadoop's names and defaults), read once
//! into [`JobSettings`]; code below it never reads raw keys.

use std::path::PathBuf;

use common::Configuration;
use common::conf::keys;

use crate::Error;

/// Number of reduce tasks; 0 makes a map-only job.
pub const JOB_REDUCES: &str = keys::MAPREDUCE_JOB_REDUCES;
/// `local` (in-process LocalJobRunner) or `yarn`.
pub const FRAMEWORK_NAME: &str = keys::MAPREDUCE_FRAMEWORK_NAME;
/// Map-side sort buffer, MiB.
pub const SORT_MB: &str = keys::MAPREDUCE_TASK_IO_SORT_MB;
/// Fill fraction of the sort buffer that starts a background spill.
pub const SPILL_PERCENT: &str = keys::MAPREDUCE_MAP_SORT_SPILL_PERCENT;
/// Segments merged at once.
pub const SORT_FACTOR: &str = keys::MAPREDUCE_TASK_IO_SORT_FACTOR;
/// Spills from which the final map-side merge runs the combiner again.
pub const COMBINE_MIN_SPILLS: &str = keys::MAPREDUCE_MAP_COMBINE_MINSPILLS;
/// Memory of the map-side combining table, as a fraction of the sort
/// buffer (Tusk's own key; 0 turns in-map combining off).
pub const COMBINE_TABLE_PERCENT: &str = keys::TUSK_MAP_COMBINE_TABLE_PERCENT;
/// Attempts per map task.
pub const MAP_MAX_ATTEMPTS: &str = keys::MAPREDUCE_MAP_MAXATTEMPTS;
/// Attempts per reduce task.
pub const REDUCE_MAX_ATTEMPTS: &str = keys::MAPREDUCE_REDUCE_MAXATTEMPTS;
/// Maps the local runner runs at once.
pub const LOCAL_MAPS_MAXIMUM: &str = keys::MAPREDUCE_LOCAL_MAP_TASKS_MAXIMUM;
/// Reduces the local runner runs at once.
pub const LOCAL_REDUCES_MAXIMUM: &str = keys::MAPREDUCE_LOCAL_REDUCE_TASKS_MAXIMUM;
/// The job's input paths, comma-separated (set by the client).
pub const INPUT_DIR: &str = keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_INPUTDIR;
/// The job's output directory (set by the client).
pub const OUTPUT_DIR: &str = keys::MAPREDUCE_OUTPUT_FILEOUTPUTFORMAT_OUTPUTDIR;
/// Smallest split, bytes.
pub const SPLIT_MINSIZE: &str = keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MINSIZE;
/// Largest split, bytes.
pub const SPLIT_MAXSIZE: &str = keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MAXSIZE;
/// Local directories for spills and map outputs.
pub const LOCAL_DIR: &str = keys::MAPREDUCE_CLUSTER_LOCAL_DIR;
/// What TextOutputFormat puts between key and value.
pub const TEXT_OUTPUT_SEPARATOR: &str = keys::MAPREDUCE_OUTPUT_TEXTOUTPUTFORMAT_SEPARATOR;
/// What KeyValueTextInputFormat splits lines at (its first byte).
pub const KEY_VALUE_SEPARATOR: &str =
    keys::MAPREDUCE_INPUT_KEYVALUELINERECORDREADER_KEY_VALUE_SEPARATOR;
/// Longest line a LineRecordReader returns; longer lines are skipped.
pub const LINE_MAX_LENGTH: &str = keys::MAPREDUCE_INPUT_LINERECORDREADER_LINE_MAXLENGTH;
/// Replication of output files (Tusk reads dfs.replication like Hadoop).
pub const OUTPUT_REPLICATION: &str = keys::DFS_REPLICATION;

/// Largest sort buffer: offsets in it are 32-bit (Hadoop's limit too).
const MAX_SORT_MB: u64 = 2047;

/// Every setting the runtime uses, validated.
#[derive(Clone, Debug)]
pub struct JobSettings {
    pub reduces: u32,
    pub framework: String,
    pub sort_buffer_bytes: usize,
    pub spill_percent: f64,
    pub sort_factor: usize,
    pub combine_min_spills: usize,
    /// Bytes of the in-map combining table (0: off).
    pub combine_table_bytes: usize,
    pub map_max_attempts: u32,
    pub reduce_max_attempts: u32,
    pub local_maps_maximum: usize,
    pub local_reduces_maximum: usize,
    pub split_min_size: u64,
    pub split_max_size: u64,
    pub local_dir: PathBuf,
    pub text_separator: Vec<u8>,
    pub key_value_separator: u8,
    pub line_max_length: usize,
    pub output_replication: u16,
    pub output_block_size: u64,
}

fn invalid(key: &str, value: impl std::fmt::Display, why: &str) -> Error {
    Error::Config(format!("{key}: invalid value '{value}': {why}"))
}

impl JobSettings {
    /// Reads and checks the settings; a bad value names its key.
    pub fn from_conf(conf: &Configuration) -> Result<Self, Error> {
        let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
        let sort_mb = conf.get_u64(SORT_MB)?;
        if sort_mb == 0 || sort_mb > MAX_SORT_MB {
            return Err(invalid(SORT_MB, sort_mb, "must be in 1..=2047"));
        }
        let spill_percent = conf.get_f64(SPILL_PERCENT)?;
        if !(spill_percent > 0.0 && spill_percent <= 1.0) {
            return Err(invalid(SPILL_PERCENT, spill_percent, "must be in (0, 1]"));
        }
        let sort_factor = conf.get_u32(SORT_FACTOR)? as usize;
        if sort_factor < 2 {
            return Err(invalid(SORT_FACTOR, sort_factor, "must be at least 2"));
        }
        let combine_table_percent = conf.get_f64(COMBINE_TABLE_PERCENT)?;
        if !(0.0..=1.0).contains(&combine_table_percent) {
            return Err(invalid(
                COMBINE_TABLE_PERCENT,
                combine_table_percent,
                "must be in [0, 1]",
            ));
        }
        let map_max_attempts = conf.get_u32(MAP_MAX_ATTEMPTS)?;
        let reduce_max_attempts = conf.get_u32(REDUCE_MAX_ATTEMPTS)?;
        if map_max_attempts == 0 {
            return Err(invalid(MAP_MAX_ATTEMPTS, 0, "must be at least 1"));
        }
        if reduce_max_attempts == 0 {
            return Err(invalid(REDUCE_MAX_ATTEMPTS, 0, "must be at least 1"));
        }
        let local_dir = conf.get_trimmed_or_default(LOCAL_DIR)?;
        let local_dir = PathBuf::from(local_dir.split(',').next().unwrap_or_default());
        let key_value_separator = conf.get_string(KEY_VALUE_SEPARATOR)?;
        Ok(Self {
            reduces: conf.get_u32(JOB_REDUCES)?,
            framework: conf.get_string(FRAMEWORK_NAME)?,
            sort_buffer_bytes: (sort_mb as usize) << 20,
            spill_percent,
            sort_factor,
            combine_min_spills: conf.get_u32(COMBINE_MIN_SPILLS)? as usize,
            combine_table_bytes: (((sort_mb as usize) << 20) as f64 * combine_table_percent)
                as usize,
            map_max_attempts,
            reduce_max_attempts,
            local_maps_maximum: (conf
                .get_u32_opt(LOCAL_MAPS_MAXIMUM)?
                .map_or(parallelism, |maximum| maximum as usize))
            .max(1),
            local_reduces_maximum: (conf
                .get_u32_opt(LOCAL_REDUCES_MAXIMUM)?
                .map_or(parallelism, |maximum| maximum as usize))
            .max(1),
            split_min_size: conf.get_u64(SPLIT_MINSIZE)?.max(1),
            split_max_size: conf.get_u64(SPLIT_MAXSIZE)?,
            local_dir,
            text_separator: conf.get_string(TEXT_OUTPUT_SEPARATOR)?.into_bytes(),
            key_value_separator: key_value_separator.bytes().next().unwrap_or(b'\t'),
            line_max_length: conf.get_u64(LINE_MAX_LENGTH)? as usize,
            output_replication: conf.get_u16(OUTPUT_REPLICATION)?,
            output_block_size: conf.get_size_bytes(keys::DFS_BLOCKSIZE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_hadoops() {
        let settings = JobSettings::from_conf(&Configuration::new()).unwrap();
        assert_eq!(settings.reduces, 1);
        assert_eq!(settings.sort_buffer_bytes, 100 << 20);
        assert_eq!(settings.sort_factor, 10);
        assert_eq!(settings.map_max_attempts, 4);
        assert_eq!(settings.framework, "local");
        assert_eq!(settings.text_separator, b"\t");
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut conf = Configuration::new();
        conf.set(SORT_MB, "0");
        let error = JobSettings::from_conf(&conf).unwrap_err().to_string();
        assert!(
            error.starts_with("mapreduce.task.io.sort.mb: invalid value '0'"),
            "{error}"
        );
        let mut conf = Configuration::new();
        conf.set(SPILL_PERCENT, "1.5");
        let error = JobSettings::from_conf(&conf).unwrap_err().to_string();
        assert!(error.contains(SPILL_PERCENT), "{error}");
    }
}
