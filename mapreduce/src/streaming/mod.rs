//! Hadoop Streaming (`mapred streaming -input IN -output OUT -mapper CMD
//! -reducer CMD ...`): any executable as mapper, combiner or reducer. The
//! task starts the command in its working directory (where `-file`s are
//! shipped) and feeds it records as lines on stdin; each line it prints is
//! split at the first separator into key and value (no separator: the whole
//! line is the key and the value is empty). Reducers get their sorted
//! records as `key<TAB>value` lines. A command may update counters and the
//! task's status with `reporter:counter:GROUP,NAME,AMOUNT` and
//! `reporter:status:MESSAGE` lines on stderr; its other stderr lines go to
//! the task's log.

mod pipe;

use common::Configuration;

use crate::{InputFormat, Job, Mapper, Output, Reducer, TaskContext, Values};
use pipe::{Pipe, Report, split_command};

/// The job's name unless `-D mapreduce.job.name` says otherwise.
pub const JOB_NAME: &str = "streamjob";
/// Exit code of a usage error or a failed job (Hadoop's `StreamJob`).
pub const EXIT_FAILURE: i32 = 1;
/// The local paths of the `-file`s, for the local runner (which has no
/// container working directory to ship them to).
const SHIPPED_FILES_KEY: &str = "stream.shipped.files";
/// Environment variables `-cmdenv` gives the commands (`NAME=VALUE`, by newlines).
const CMDENV_KEY: &str = "stream.addenvironment";
/// Longest configuration value exported to a command's environment
/// (Hadoop's `stream.jobconf.truncate.limit` default is none; environments
/// have limits, so very long values are left out).
const ENV_VALUE_LIMIT: usize = 20_000;

pub const USAGE: &str = "Usage: mapred streaming [GENERIC_OPTIONS] [STREAMING_OPTIONS]
Options:
  -input          <path>     DFS input file(s) for the Map step.
  -output         <path>     DFS output directory for the Reduce step.
  -mapper         <cmd>      Optional. Command to be run as mapper.
  -combiner       <cmd>      Optional. Command to be run as combiner.
  -reducer        <cmd>      Optional. Command to be run as reducer (NONE: map-only).
  -file           <file>     Optional. File/dir to be shipped in the Job jar file.
  -inputformat    <name>     Optional. TextInputFormat (default) or KeyValueTextInputFormat.
  -numReduceTasks <num>      Optional. Number of reduce tasks.
  -cmdenv         <n>=<v>    Optional. Pass env.var to streaming commands.
  -D <property=value>        Optional. Set a job configuration property.";

/// A parsed streaming command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    pub inputs: Vec<String>,
    pub output: String,
    pub mapper: Option<String>,
    pub combiner: Option<String>,
    /// None: the identity reducer; `NONE` is turned into zero reduces.
    pub reducer: Option<String>,
    pub files: Vec<String>,
    pub reduces: Option<u32>,
    pub key_value_input: bool,
    pub cmdenv: Vec<String>,
    pub settings: Vec<(String, String)>,
}

impl StreamOptions {
    /// Parses streaming's options; the error is Hadoop's message.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = StreamOptions::default();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let option = word.trim_start_matches('-');
            let known = matches!(
                option,
                "input"
                    | "output"
                    | "mapper"
                    | "combiner"
                    | "reducer"
                    | "file"
                    | "files"
                    | "inputformat"
                    | "numReduceTasks"
                    | "cmdenv"
                    | "D"
                    | "jobconf"
            );
            if !word.starts_with('-') || !known {
                return Err(format!("Unrecognized option: {word}"));
            }
            let value = words
                .next()
                .ok_or_else(|| format!("Missing argument for option: {option}"))?
                .clone();
            match option {
                "input" => options.inputs.extend(
                    value
                        .split(',')
                        .filter(|input| !input.is_empty())
                        .map(str::to_string),
                ),
                "output" => options.output = value,
                "mapper" => options.mapper = Some(value),
                "combiner" => options.combiner = Some(value),
                "reducer" => options.reducer = Some(value),
                "file" => options.files.push(value),
                "files" => options.files.extend(value.split(',').map(str::to_string)),
                "inputformat" => {
                    options.key_value_input = match value.rsplit('.').next() {
                        Some("KeyValueTextInputFormat") => true,
                        Some("TextInputFormat") => false,
                        _ => return Err(format!("Class not found: {value}")),
                    }
                }
                "numReduceTasks" => {
                    let reduces = value
                        .parse()
                        .map_err(|_| format!("-numReduceTasks: not a number: {value}"))?;
                    options.reduces = Some(reduces);
                }
                "cmdenv" => options.cmdenv.push(value),
                _ => {
                    let (key, setting) = value
                        .split_once('=')
                        .ok_or_else(|| format!("-D {value}: expected key=value"))?;
                    options
                        .settings
                        .push((key.to_string(), setting.to_string()));
                }
            }
        }
        if options.inputs.is_empty() {
            return Err("Required argument: -input <name>".into());
        }
        if options.output.is_empty() {
            return Err("Required argument: -output <name>".into());
        }
        Ok(options)
    }

    /// Whether the job has no reduce phase.
    pub fn map_only(&self) -> bool {
        self.reducer.as_deref() == Some("NONE") || self.reduces == Some(0)
    }
}

/// A separator setting (`\t` by default; Java's escapes are not decoded).
fn separator(conf: &Configuration, key: &str) -> Vec<u8> {
    match conf.get(key) {
        Some(value) if !value.is_empty() => value.replace("\\t", "\t").into_bytes(),
        _ => b"\t".to_vec(),
    }
}

/// A count setting (1 by default).
fn count(conf: &Configuration, key: &str) -> usize {
    conf.get(key)
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// How a command's output lines become records (Hadoop's `TextOutputReader`):
/// the key is up to the `fields`-th separator, the value the rest.
#[derive(Clone, Debug)]
struct LineSplitter {
    separator: Vec<u8>,
    fields: usize,
}

impl LineSplitter {
    fn split<'a>(&self, line: &'a [u8]) -> (&'a [u8], &'a [u8]) {
        let mut from = 0;
        let mut found = 0;
        while let Some(at) = find(&line[from..], &self.separator) {
            found += 1;
            let at = from + at;
            if found == self.fields {
                return (&line[..at], &line[at + self.separator.len()..]);
            }
            from = at + self.separator.len();
        }
        (line, &[])
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The command's argv, its program found in the working directory first
/// (where `-file`s land; made executable, as Hadoop does), or among the
/// shipped files' local paths when the job runs locally.
fn command_argv(command: &str, conf: &Configuration) -> Vec<String> {
    let mut argv = split_command(command);
    let Some(program) = argv.first_mut() else {
        return argv;
    };
    if program.contains('/') {
        return argv;
    }
    let in_working_dir = std::path::Path::new(program.as_str());
    if in_working_dir.is_file() {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(in_working_dir) {
            let mut permissions = metadata.permissions();
            permissions.set_mode(permissions.mode() | 0o555);
            let _ = std::fs::set_permissions(in_working_dir, permissions);
        }
        *program = format!("./{program}");
        return argv;
    }
    let shipped = conf.get(SHIPPED_FILES_KEY).unwrap_or_default();
    if let Some(local) = shipped.split(',').find(|path| {
        std::path::Path::new(path)
            .file_name()
            .is_some_and(|name| name.to_string_lossy() == program.as_str())
    }) {
        *program = local.to_string();
    }
    argv
}

/// The environment of a command (Hadoop's `addJobConfToEnvironment`): every
/// job setting with `.` and other non-alphanumerics as `_`, the task's ids,
/// the input file of a map and `-cmdenv`'s variables.
fn command_env(context: &TaskContext) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for (key, value) in context.conf().iter() {
        if value.len() > ENV_VALUE_LIMIT {
            continue;
        }
        let name: String = key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        env.push((name, value));
    }
    let attempt = context.attempt_id().to_string();
    env.push(("mapreduce_task_attempt_id".into(), attempt.clone()));
    if let Ok(parsed) = attempt.parse::<crate::ids::TaskAttemptId>() {
        env.push(("mapreduce_task_id".into(), parsed.task().to_string()));
        env.push((
            "mapreduce_task_partition".into(),
            parsed.task().index().to_string(),
        ));
        env.push((
            "mapreduce_task_ismap".into(),
            matches!(parsed.task_type(), crate::ids::TaskType::Map).to_string(),
        ));
    }
    if let Some(split) = context.input_split() {
        env.push(("mapreduce_map_input_file".into(), split.path.clone()));
        env.push(("map_input_file".into(), split.path.clone()));
        env.push(("mapreduce_map_input_start".into(), split.start.to_string()));
        env.push((
            "mapreduce_map_input_length".into(),
            split.length.to_string(),
        ));
    }
    for variable in context.conf().get(CMDENV_KEY).unwrap_or_default().lines() {
        if let Some((name, value)) = variable.split_once('=') {
            env.push((name.to_string(), value.to_string()));
        }
    }
    env
}

/// The running command of a task and what it needs to emit records.
struct Running {
    pipe: Pipe,
    splitter: LineSplitter,
    input_separator: Vec<u8>,
    write_failure: Option<std::io::Error>,
    key: Vec<u8>,
    value: Vec<u8>,
}

impl Running {
    fn start(
        command: &str,
        context: &mut TaskContext,
        output_separator_key: &str,
        output_fields_key: &str,
        input_separator_key: &str,
    ) -> Result<Self, String> {
        let conf = context.conf();
        let splitter = LineSplitter {
            separator: separator(conf, output_separator_key),
            fields: count(conf, output_fields_key),
        };
        let input_separator = separator(conf, input_separator_key);
        let argv = command_argv(command, conf);
        let non_zero_exit_is_failure = conf
            .get("stream.non.zero.exit.is.failure")
            .is_none_or(|value| !value.trim().eq_ignore_ascii_case("false"));
        let pipe = Pipe::spawn(&argv, &command_env(context), non_zero_exit_is_failure)?;
        Ok(Self {
            pipe,
            splitter,
            input_separator,
            write_failure: None,
            key: Vec::new(),
            value: Vec::new(),
        })
    }

    /// Sends one record; a failed write is kept for [`Self::finish`], which
    /// explains it (the command exited).
    fn send(&mut self, parts: &[&[u8]]) -> bool {
        if self.write_failure.is_some() {
            return false;
        }
        if let Err(error) = self.pipe.write_record(parts) {
            self.write_failure = Some(error);
            return false;
        }
        true
    }

    /// Emits the lines the command printed so far.
    fn drain(&mut self, output: &mut Output<'_, Vec<u8>, Vec<u8>>) -> Result<(), String> {
        let Self {
            pipe,
            splitter,
            key,
            value,
            ..
        } = self;
        pipe.drain(|line| emit_line(splitter, line, key, value, output))?;
        for report in pipe.take_reports() {
            apply_report(report, output.context());
        }
        Ok(())
    }

    /// Closes the command's input, emits the rest of its output and checks its exit.
    fn finish(self, output: &mut Output<'_, Vec<u8>, Vec<u8>>) -> Result<(), String> {
        let Self {
            pipe,
            splitter,
            write_failure,
            mut key,
            mut value,
            ..
        } = self;
        let mut reports = Vec::new();
        let finished = pipe.finish(
            write_failure,
            |line| emit_line(&splitter, line, &mut key, &mut value, output),
            |report| reports.push(report),
        );
        for report in reports {
            apply_report(report, output.context());
        }
        finished
    }
}

/// Applies a command's `reporter:` line to its task.
fn apply_report(report: Report, context: &mut TaskContext) {
    match report {
        Report::Counter {
            group,
            name,
            amount,
        } => context.increment(&group, &name, amount),
        Report::Status(status) => context.set_status(status),
    }
}

fn emit_line(
    splitter: &LineSplitter,
    line: &[u8],
    key: &mut Vec<u8>,
    value: &mut Vec<u8>,
    output: &mut Output<'_, Vec<u8>, Vec<u8>>,
) {
    let (line_key, line_value) = splitter.split(line);
    key.clear();
    key.extend_from_slice(line_key);
    value.clear();
    value.extend_from_slice(line_value);
    output.emit(key, value);
}

/// `-mapper CMD`: one command per map task, fed the split's lines (for
/// key-value input, `key<TAB>value`).
#[derive(Default)]
pub struct StreamMapper {
    command: String,
    key_value_input: bool,
    running: Option<Running>,
}

impl StreamMapper {
    pub fn new(command: &str, key_value_input: bool) -> Self {
        Self {
            command: command.to_string(),
            key_value_input,
            running: None,
        }
    }
}

impl Clone for StreamMapper {
    fn clone(&self) -> Self {
        Self::new(&self.command, self.key_value_input)
    }
}

impl Mapper for StreamMapper {
    type KeyIn = Vec<u8>;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = Vec<u8>;

    fn setup(&mut self, context: &mut TaskContext) {
        match Running::start(
            &self.command,
            context,
            "stream.map.output.field.separator",
            "stream.num.map.output.key.fields",
            "stream.map.input.field.separator",
        ) {
            Ok(running) => self.running = Some(running),
            Err(error) => context.fail(error),
        }
    }

    fn map(&mut self, key: &Vec<u8>, value: &Vec<u8>, output: &mut Output<'_, Vec<u8>, Vec<u8>>) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        let sent = if self.key_value_input {
            let separator = running.input_separator.clone();
            running.send(&[key, &separator, value])
        } else {
            running.send(&[value])
        };
        if !sent {
            // The command stopped reading: finish now for the reason.
            let running = self.running.take().expect("running");
            if let Err(error) = running.finish(output) {
                output.context().fail(error);
            }
            return;
        }
        if let Err(error) = running.drain(output) {
            output.context().fail(error);
        }
    }

    fn cleanup(&mut self, output: &mut Output<'_, Vec<u8>, Vec<u8>>) {
        if let Some(running) = self.running.take()
            && let Err(error) = running.finish(output)
        {
            output.context().fail(error);
        }
    }
}

/// `-reducer CMD`: one command per reduce task, fed `key<TAB>value` lines
/// in key order.
#[derive(Default)]
pub struct StreamReducer {
    command: String,
    running: Option<Running>,
}

impl StreamReducer {
    pub fn new(command: &str) -> Self {
        Self {
            command: command.to_string(),
            running: None,
        }
    }
}

impl Clone for StreamReducer {
    fn clone(&self) -> Self {
        Self::new(&self.command)
    }
}

fn start_reduce_command(command: &str, context: &mut TaskContext) -> Result<Running, String> {
    Running::start(
        command,
        context,
        "stream.reduce.output.field.separator",
        "stream.num.reduce.output.key.fields",
        "stream.reduce.input.field.separator",
    )
}

/// Feeds a key's values to `running`; false when the command stopped reading.
fn send_group(
    running: &mut Running,
    key: &[u8],
    values: &mut Values<'_, Vec<u8>>,
    output: &mut Output<'_, Vec<u8>, Vec<u8>>,
) -> Result<bool, String> {
    let separator = running.input_separator.clone();
    for value in values {
        if !running.send(&[key, &separator, &value]) {
            return Ok(false);
        }
        running.drain(output)?;
    }
    Ok(true)
}

impl Reducer for StreamReducer {
    type KeyIn = Vec<u8>;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = Vec<u8>;

    fn setup(&mut self, context: &mut TaskContext) {
        match start_reduce_command(&self.command, context) {
            Ok(running) => self.running = Some(running),
            Err(error) => context.fail(error),
        }
    }

    fn reduce(
        &mut self,
        key: &Vec<u8>,
        values: &mut Values<'_, Vec<u8>>,
        output: &mut Output<'_, Vec<u8>, Vec<u8>>,
    ) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        match send_group(running, key, values, output) {
            Ok(true) => {}
            Ok(false) => {
                let running = self.running.take().expect("running");
                if let Err(error) = running.finish(output) {
                    output.context().fail(error);
                }
            }
            Err(error) => output.context().fail(error),
        }
    }

    fn cleanup(&mut self, output: &mut Output<'_, Vec<u8>, Vec<u8>>) {
        if let Some(running) = self.running.take()
            && let Err(error) = running.finish(output)
        {
            output.context().fail(error);
        }
    }
}

/// `-combiner CMD`: a combine has no end to flush a long-running command
/// at, so the command runs once per key group, fed that group's lines.
#[derive(Clone, Default)]
pub struct StreamCombiner {
    command: String,
}

impl Reducer for StreamCombiner {
    type KeyIn = Vec<u8>;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = Vec<u8>;

    fn reduce(
        &mut self,
        key: &Vec<u8>,
        values: &mut Values<'_, Vec<u8>>,
        output: &mut Output<'_, Vec<u8>, Vec<u8>>,
    ) {
        let mut running = match start_reduce_command(&self.command, output.context()) {
            Ok(running) => running,
            Err(error) => return output.context().fail(error),
        };
        let result =
            send_group(&mut running, key, values, output).and_then(|_| running.finish(output));
        if let Err(error) = result {
            output.context().fail(error);
        }
    }
}

/// The streaming job of `options`. The client reads the `-file`s to ship
/// them; in a container they are already in the working directory.
/// Its name is `mapreduce.job.name` when set (so a container, whose
/// configuration has the submitted name, rebuilds the same job).
pub fn build_job(
    options: &StreamOptions,
    conf: &Configuration,
) -> Result<Job<Vec<u8>, Vec<u8>>, String> {
    let name = options
        .settings
        .iter()
        .rev()
        .find(|(key, _)| key == common::conf::keys::MAPREDUCE_JOB_NAME)
        .map(|(_, name)| name.clone())
        .or_else(|| conf.get(common::conf::keys::MAPREDUCE_JOB_NAME))
        .unwrap_or_else(|| JOB_NAME.to_string());
    let mapper = StreamMapper::new(
        options.mapper.as_deref().unwrap_or("cat"),
        options.key_value_input,
    );
    let mut job = Job::new(&name)
        .mapper(mapper)
        .input_format(if options.key_value_input {
            InputFormat::KeyValueText
        } else {
            InputFormat::Text
        })
        .output(&options.output);
    for input in &options.inputs {
        job = job.input(input);
    }
    if let Some(combiner) = &options.combiner {
        job = job.combiner(StreamCombiner {
            command: combiner.clone(),
        });
    }
    match options.reducer.as_deref() {
        Some("NONE") => {}
        Some(reducer) => job = job.reducer(StreamReducer::new(reducer)),
        None => {}
    }
    if options.map_only() {
        job = job.reduces(0);
    } else if let Some(reduces) = options.reduces {
        job = job.reduces(reduces);
    }
    if !options.cmdenv.is_empty() {
        job = job.set(CMDENV_KEY, options.cmdenv.join("\n"));
    }
    let mut shipped = Vec::new();
    for file in &options.files {
        let path = std::path::Path::new(file);
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| format!("-file {file}: not a file name"))?;
        if !crate::in_container() {
            let contents = std::fs::read(path).map_err(|error| {
                format!("File: {file} does not exist, or is not readable. ({error})")
            })?;
            job = job.file(&name, contents);
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            shipped.push(absolute.to_string_lossy().into_owned());
        }
    }
    if !shipped.is_empty() {
        job = job.set(SHIPPED_FILES_KEY, shipped.join(","));
    }
    for (key, value) in &options.settings {
        job = job.set(key, value.clone());
    }
    Ok(job)
}

/// The whole `main` of the `streaming` binary.
pub fn main() -> ! {
    let (conf, args) = crate::parse_command_line();
    // `hadoop jar hadoop-streaming.jar ARGS`: the jar's name comes first.
    let args: Vec<String> = match args.first() {
        Some(first) if first.ends_with(".jar") => args[1..].to_vec(),
        _ => args,
    };
    if matches!(
        args.first().map(String::as_str),
        Some("-help" | "--help" | "-h")
    ) {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let job = StreamOptions::parse(&args).and_then(|options| build_job(&options, &conf));
    let job = match job {
        Ok(job) => job,
        Err(reason) => {
            eprintln!("{reason}");
            eprintln!("Try -help for more information");
            eprintln!("Streaming Command Failed!");
            std::process::exit(EXIT_FAILURE);
        }
    };
    let output = job_output(&job);
    match crate::submit(job, &conf) {
        Ok(_) => {
            eprintln!("INFO streaming.StreamJob: Output directory: {output}");
            std::process::exit(0)
        }
        Err(_) => {
            eprintln!("ERROR streaming.StreamJob: Job not successful!");
            eprintln!("Streaming Command Failed!");
            std::process::exit(EXIT_FAILURE)
        }
    }
}

fn job_output<K, V>(job: &Job<K, V>) -> String {
    job.spec.output.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn parses_streaming_options() {
        let options = StreamOptions::parse(&args(&[
            "-input",
            "/a,/b",
            "-input",
            "/c",
            "-output",
            "/out",
            "-mapper",
            "tr -s ' ' '\\n'",
            "-reducer",
            "uniq -c",
            "-file",
            "m.sh",
            "-numReduceTasks",
            "2",
            "-D",
            "k=v=w",
        ]))
        .unwrap();
        assert_eq!(options.inputs, ["/a", "/b", "/c"]);
        assert_eq!(options.reducer.as_deref(), Some("uniq -c"));
        assert_eq!(options.files, ["m.sh"]);
        assert_eq!(options.reduces, Some(2));
        assert_eq!(options.settings, [("k".to_string(), "v=w".to_string())]);
        assert!(!options.map_only());
        let none =
            StreamOptions::parse(&args(&["-input", "i", "-output", "o", "-reducer", "NONE"]));
        assert!(none.unwrap().map_only());
        assert_eq!(
            StreamOptions::parse(&args(&["-output", "o"])).unwrap_err(),
            "Required argument: -input <name>"
        );
        assert!(StreamOptions::parse(&args(&["-bogus", "x"])).is_err());
    }

    #[test]
    fn lines_split_at_the_nth_separator() {
        let first = LineSplitter {
            separator: b"\t".to_vec(),
            fields: 1,
        };
        assert_eq!(first.split(b"k\tv\tw"), (&b"k"[..], &b"v\tw"[..]));
        assert_eq!(first.split(b"whole line"), (&b"whole line"[..], &b""[..]));
        assert_eq!(first.split(b"\tv"), (&b""[..], &b"v"[..]));
        let second = LineSplitter {
            separator: b".".to_vec(),
            fields: 2,
        };
        assert_eq!(second.split(b"a.b.c.d"), (&b"a.b"[..], &b"c.d"[..]));
        assert_eq!(second.split(b"a.b"), (&b"a.b"[..], &b""[..]));
    }
}
