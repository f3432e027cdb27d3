//! `teravalidate IN OUT`: checks that terasort's output is sorted within
//! each file and across files in name order, and writes a checksum of all
//! rows (sum of each row's CRC32C) plus an `error` line per problem.

use mapreduce::{Job, Mapper, Output, Reducer, Values};

const KEY_LENGTH: usize = 10;

/// Per file: first key, last key, rows out of order, checksum.
#[derive(Clone, Default)]
struct FileChecker {
    first: Option<Vec<u8>>,
    last: Vec<u8>,
    misordered: u64,
    checksum: u64,
    rows: u64,
}

impl Mapper for FileChecker {
    type KeyIn = u64;
    type ValueIn = Vec<u8>;
    type KeyOut = String;
    type ValueOut = String;

    fn map(&mut self, offset: &u64, row: &Vec<u8>, output: &mut Output<'_, String, String>) {
        let key = &row[..KEY_LENGTH.min(row.len())];
        if self.first.is_none() {
            self.first = Some(key.to_vec());
        } else if key < self.last.as_slice() {
            self.misordered += 1;
            let file = output
                .context()
                .input_split()
                .map(|split| split.path.clone())
                .unwrap_or_default();
            output.emit(
                &"error".to_string(),
                &format!("misorder in {file} at offset {offset}"),
            );
        }
        self.last.clear();
        self.last.extend_from_slice(key);
        let mut line = row.clone();
        line.push(b'\n');
        self.checksum = self.checksum.wrapping_add(u64::from(crc32c::crc32c(&line)));
        self.rows += 1;
    }

    fn cleanup(&mut self, output: &mut Output<'_, String, String>) {
        let Some(first) = &self.first else {
            return;
        };
        let file = output
            .context()
            .input_split()
            .map(|split| split.path.clone())
            .unwrap_or_default();
        let summary = format!(
            "{} {} {} {}",
            hex(first),
            hex(&self.last),
            self.checksum,
            self.rows
        );
        output.emit(&file, &summary);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks file boundaries in file-name order and totals the checksum.
#[derive(Clone, Default)]
struct BoundaryChecker {
    previous: Option<(String, String)>,
    checksum: u64,
    rows: u64,
}

impl Reducer for BoundaryChecker {
    type KeyIn = String;
    type ValueIn = String;
    type KeyOut = String;
    type ValueOut = String;

    fn reduce(
        &mut self,
        key: &String,
        values: &mut Values<'_, String>,
        output: &mut Output<'_, String, String>,
    ) {
        for value in values {
            if key == "error" {
                output.emit(key, &value);
                continue;
            }
            let fields: Vec<&str> = value.split(' ').collect();
            let [first, last, checksum, rows] = fields[..] else {
                output.emit(
                    &"error".to_string(),
                    &format!("bad summary for {key}: {value}"),
                );
                continue;
            };
            if let Some((previous_file, previous_last)) = &self.previous
                && first < previous_last.as_str()
            {
                output.emit(
                    &"error".to_string(),
                    &format!("misorder between {previous_file} and {key}"),
                );
            }
            self.previous = Some((key.clone(), last.to_string()));
            self.checksum = self.checksum.wrapping_add(checksum.parse().unwrap_or(0));
            self.rows += rows.parse::<u64>().unwrap_or(0);
        }
    }

    fn cleanup(&mut self, output: &mut Output<'_, String, String>) {
        output.emit(&"checksum".to_string(), &format!("{:x}", self.checksum));
        output.emit(&"rows".to_string(), &self.rows.to_string());
    }
}

fn main() {
    let (conf, args) = mapreduce::parse_command_line();
    if args.len() != 2 {
        eprintln!("Usage: teravalidate [generic options] <terasort output dir> <report dir>");
        std::process::exit(2);
    }
    let job = Job::new("TeraValidate")
        .mapper(FileChecker::default())
        .reducer(BoundaryChecker::default())
        .set(
            common::conf::keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MINSIZE,
            u64::MAX.to_string(),
        )
        .reduces(1)
        .input(&args[0])
        .output(&args[1]);
    mapreduce::runner::exit_with(&mapreduce::submit(job, &conf))
}
