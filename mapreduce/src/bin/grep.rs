//! `grep IN... OUT REGEX [GROUP]`: counts the matches of a regular
//! expression (or of one of its groups), then sorts them by count, highest
//! first, into `count<TAB>match` lines (Hadoop's Grep: two chained jobs).

use mapreduce::{FileSystem, InputFormat, Job, LongSumReducer, Mapper, Output, OutputFormat};
use regex::bytes::Regex;

/// Emits (match, 1) for every match in a line.
#[derive(Clone)]
struct RegexMapper {
    pattern: Regex,
    group: usize,
    found: Vec<u8>,
}

impl Mapper for RegexMapper {
    type KeyIn = u64;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = u64;

    fn map(&mut self, _offset: &u64, line: &Vec<u8>, output: &mut Output<'_, Vec<u8>, u64>) {
        for captures in self.pattern.captures_iter(line) {
            if let Some(found) = captures.get(self.group) {
                self.found.clear();
                self.found.extend_from_slice(found.as_bytes());
                output.emit(&self.found, &1);
            }
        }
    }
}

/// (match, count) -> (count, match).
#[derive(Clone)]
struct InverseMapper;

impl Mapper for InverseMapper {
    type KeyIn = Vec<u8>;
    type ValueIn = u64;
    type KeyOut = u64;
    type ValueOut = Vec<u8>;

    fn map(&mut self, found: &Vec<u8>, count: &u64, output: &mut Output<'_, u64, Vec<u8>>) {
        output.emit(count, found);
    }
}

fn main() {
    let (conf, args) = mapreduce::parse_command_line();
    if args.len() < 3 {
        eprintln!("Usage: grep [generic options] <inDir> <outDir> <regex> [<group>]");
        std::process::exit(2);
    }
    let group = match args.get(3).map(|group| group.parse::<usize>()) {
        None => 0,
        Some(Ok(group)) => group,
        Some(Err(_)) => {
            eprintln!("grep: group must be a number, got '{}'", args[3]);
            std::process::exit(2);
        }
    };
    let pattern = match Regex::new(&args[2]) {
        Ok(pattern) => pattern,
        Err(error) => {
            eprintln!("grep: invalid regex '{}': {error}", args[2]);
            std::process::exit(2);
        }
    };
    let fs = match FileSystem::from_conf(&conf) {
        Ok(fs) => fs,
        Err(error) => {
            eprintln!("grep: {error}");
            std::process::exit(1);
        }
    };
    let temp = match fs.temp_dir(&conf, "grep-temp") {
        Ok(temp) => temp,
        Err(error) => {
            eprintln!("grep: {error}");
            std::process::exit(1);
        }
    };
    let search = Job::new("grep-search")
        .mapper(RegexMapper {
            pattern,
            group,
            found: Vec::new(),
        })
        .combiner(LongSumReducer::default())
        .reducer(LongSumReducer::default())
        .input(&args[0])
        .output(&temp)
        .output_format(OutputFormat::Binary);
    let result = mapreduce::submit(search, &conf).and_then(|_| {
        let sort = Job::new("grep-sort")
            .mapper(InverseMapper)
            .input(&temp)
            .input_format(InputFormat::Binary)
            .output(&args[1])
            .reduces(1)
            .sort_comparator(|left, right| right.cmp(left));
        mapreduce::submit(sort, &conf)
    });
    let _ = fs.delete(&temp, true);
    mapreduce::runner::exit_with(&result)
}
