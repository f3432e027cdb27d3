//! `terasort IN OUT`: sorts teragen rows by their 10-byte key with a
//! sampled total-order partitioner, so the reduce outputs in order are one
//! sorted sequence (`-D mapreduce.job.reduces=N`).

use common::conf::keys;
use std::io::Read;

use mapreduce::input::LineRecordReader;
use mapreduce::{FileSystem, Job, Mapper, Output, TotalOrderPartitioner};

const KEY_LENGTH: usize = 10;
/// Keys sampled to choose the cut points (TeraSort's default).
const SAMPLE_SIZE_KEY: &str = common::conf::keys::MAPREDUCE_TERASORT_PARTITIONS_SAMPLE;
/// Replicas of the sorted output (Hadoop's key; its default is 1).
const OUTPUT_REPLICATION_KEY: &str = common::conf::keys::MAPREDUCE_TERASORT_OUTPUT_REPLICATION;
/// The cut points shipped to the tasks (TeraSort's `_partition.lst`).
const PARTITION_FILE: &str = "_partition.lst";
/// Places in the input the sample is read from.
const SAMPLE_PLACES: u64 = 10;

/// A row -> (its key, the rest of it).
#[derive(Clone, Default)]
struct RowMapper {
    key: Vec<u8>,
    rest: Vec<u8>,
}

impl Mapper for RowMapper {
    type KeyIn = u64;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = Vec<u8>;

    fn map(&mut self, _offset: &u64, row: &Vec<u8>, output: &mut Output<'_, Vec<u8>, Vec<u8>>) {
        let split = KEY_LENGTH.min(row.len());
        self.key.clear();
        self.key.extend_from_slice(&row[..split]);
        self.rest.clear();
        self.rest.extend_from_slice(&row[split..]);
        output.emit(&self.key, &self.rest);
    }
}

/// Reads `wanted` keys from evenly spaced places of the input files.
fn sample_keys(
    fs: &FileSystem,
    input: &str,
    wanted: u64,
) -> Result<Vec<Vec<u8>>, mapreduce::Error> {
    let files: Vec<_> = fs
        .list(input)?
        .into_iter()
        .filter(|file| !file.is_dir && !mapreduce::input::is_hidden(file.name()))
        .collect();
    let total: u64 = files.iter().map(|file| file.length).sum();
    let mut keys = Vec::new();
    if total == 0 {
        return Ok(keys);
    }
    let per_place = wanted.div_ceil(SAMPLE_PLACES);
    for place in 0..SAMPLE_PLACES {
        let mut offset = total * place / SAMPLE_PLACES;
        let Some(file) = files.iter().find(|file| {
            if offset < file.length {
                return true;
            }
            offset -= file.length;
            false
        }) else {
            continue;
        };
        let input: Box<dyn Read + Send> = Box::new(fs.open(&file.path, offset)?);
        let mut lines =
            LineRecordReader::new(input, offset, file.length - offset, 1 << 16, usize::MAX)?;
        let (mut position, mut line) = (0, Vec::new());
        let mut taken = 0;
        while taken < per_place && lines.next_line(&mut position, &mut line)? {
            keys.push(line[..KEY_LENGTH.min(line.len())].to_vec());
            taken += 1;
        }
    }
    Ok(keys)
}

fn main() {
    let (conf, args) = mapreduce::parse_command_line();
    if args.len() != 2 {
        eprintln!("Usage: terasort [generic options] <in> <out>");
        std::process::exit(2);
    }
    let reduces = conf
        .get_u32(keys::MAPREDUCE_JOB_REDUCES)
        .unwrap_or_else(|error| {
            eprintln!("terasort: {error}");
            std::process::exit(2);
        })
        .max(1);
    let partitioner = match mapreduce::job_file(PARTITION_FILE) {
        // In a task on YARN: the cut points the client chose.
        Some(file) => TotalOrderPartitioner::from_partition_file(&file),
        None => sample_partitioner(&conf, &args[0], reduces),
    };
    let partitioner = partitioner.unwrap_or_else(|error| {
        eprintln!("terasort: {error}");
        std::process::exit(1);
    });
    // Hadoop's TeraSort writes its output with one replica unless told.
    let replication = conf
        .get_u16(OUTPUT_REPLICATION_KEY)
        .unwrap_or_else(|error| {
            eprintln!("terasort: {error}");
            std::process::exit(2);
        });
    let job = Job::new("TeraSort")
        .mapper(RowMapper::default())
        .set(keys::DFS_REPLICATION, replication.to_string())
        .file(PARTITION_FILE, partitioner.to_partition_file())
        .partitioner(partitioner)
        .set(keys::MAPREDUCE_OUTPUT_TEXTOUTPUTFORMAT_SEPARATOR, "")
        .input(&args[0])
        .output(&args[1]);
    mapreduce::runner::exit_with(&mapreduce::submit(job, &conf))
}

/// Samples the input for `reduces` partitions (in the job client).
fn sample_partitioner(
    conf: &common::Configuration,
    input: &str,
    reduces: u32,
) -> Result<TotalOrderPartitioner, mapreduce::Error> {
    let sample_size = conf.get_u64(SAMPLE_SIZE_KEY)?;
    let sample = sample_keys(&FileSystem::from_conf(conf)?, input, sample_size)?;
    eprintln!(
        "INFO terasort.TeraSort: sampled {} keys for {reduces} partitions",
        sample.len()
    );
    Ok(TotalOrderPartitioner::from_sample(sample, reduces))
}
