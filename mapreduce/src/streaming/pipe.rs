//! A streaming command as a child process (Hadoop's `PipeMapRed`): records
//! go to its stdin as lines while a thread reads its stdout lines, so
//! neither side can block the other however much the command buffers; the
//! task drains the lines read so far after every record it writes.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::thread::JoinHandle;

/// Lines handed over from the reading thread at a time.
const LINES_PER_BATCH: usize = 256;

/// A running command.
pub(crate) struct Pipe {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    /// In a mutex only so a task's mapper is `Sync`; used through `&mut self`.
    lines: Mutex<Receiver<std::io::Result<Vec<Vec<u8>>>>>,
    reader: Option<JoinHandle<()>>,
    /// Reads stderr: `reporter:` lines become [`Report`]s, the rest goes to
    /// this task's stderr (its log).
    errors: Option<JoinHandle<()>>,
    reports: Mutex<Receiver<Report>>,
    /// Whether a non-zero exit fails the task (`stream.non.zero.exit.is.failure`).
    non_zero_exit_is_failure: bool,
}

/// What a command asks of its task on stderr (Hadoop's reporter protocol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Report {
    /// `reporter:counter:<group>,<counter>,<amount>`
    Counter {
        group: String,
        name: String,
        amount: u64,
    },
    /// `reporter:status:<message>`
    Status(String),
}

/// The report a stderr line makes, if it is one.
pub(crate) fn parse_report(line: &str) -> Option<Report> {
    let rest = line.strip_prefix("reporter:")?;
    if let Some(status) = rest.strip_prefix("status:") {
        return Some(Report::Status(status.to_string()));
    }
    let counter = rest.strip_prefix("counter:")?;
    let mut fields = counter.rsplitn(3, ',');
    let amount = fields.next()?.trim().parse().ok()?;
    let name = fields.next()?.to_string();
    let group = fields.next()?.to_string();
    Some(Report::Counter {
        group,
        name,
        amount,
    })
}

/// Splits a command line into words as a shell would for simple cases:
/// whitespace separates, single and double quotes group, a backslash
/// escapes the next character outside single quotes.
pub(crate) fn split_command(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

impl Pipe {
    /// Starts `argv` with `env` added to this process's environment.
    pub fn spawn(
        argv: &[String],
        env: &[(String, String)],
        non_zero_exit_is_failure: bool,
    ) -> Result<Self, String> {
        let Some((program, args)) = argv.split_first() else {
            return Err("empty streaming command".into());
        };
        let mut child = Command::new(program)
            .args(args)
            .envs(env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("Cannot run program \"{program}\": {error}"))?;
        let stdin = child
            .stdin
            .take()
            .map(|stdin| BufWriter::with_capacity(1 << 16, stdin));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (report_sender, reports) = channel();
        let errors = std::thread::Builder::new()
            .name("stream-errors".into())
            .spawn(move || {
                let stderr = BufReader::new(stderr);
                for line in stderr.split(b'\n') {
                    let Ok(line) = line else { return };
                    match parse_report(&String::from_utf8_lossy(&line)) {
                        Some(report) => {
                            let _ = report_sender.send(report);
                        }
                        None => {
                            let mut own = std::io::stderr().lock();
                            let _ = own.write_all(&line);
                            let _ = own.write_all(b"\n");
                        }
                    }
                }
            })
            .map_err(|error| format!("cannot start the error thread: {error}"))?;
        let (sender, lines) = channel();
        let reader = std::thread::Builder::new()
            .name("stream-output".into())
            .spawn(move || {
                let mut stdout = BufReader::with_capacity(1 << 16, stdout);
                let mut batch = Vec::with_capacity(LINES_PER_BATCH);
                loop {
                    let mut line = Vec::new();
                    match stdout.read_until(b'\n', &mut line) {
                        Ok(0) => break,
                        Ok(_) => {
                            if line.last() == Some(&b'\n') {
                                line.pop();
                                if line.last() == Some(&b'\r') {
                                    line.pop();
                                }
                            }
                            batch.push(line);
                            if batch.len() == LINES_PER_BATCH
                                && sender.send(Ok(std::mem::take(&mut batch))).is_err()
                            {
                                return;
                            }
                        }
                        Err(error) => {
                            let _ = sender.send(Err(error));
                            return;
                        }
                    }
                }
                if !batch.is_empty() {
                    let _ = sender.send(Ok(batch));
                }
            })
            .map_err(|error| format!("cannot start the output thread: {error}"))?;
        Ok(Self {
            child,
            stdin,
            lines: Mutex::new(lines),
            reader: Some(reader),
            errors: Some(errors),
            reports: Mutex::new(reports),
            non_zero_exit_is_failure,
        })
    }

    /// Writes one record line made of `parts` and a newline. A command that
    /// stopped reading fails here: then the caller calls [`Self::finish`]
    /// for the reason.
    pub fn write_record(&mut self, parts: &[&[u8]]) -> std::io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the command's input is closed"))?;
        for part in parts {
            stdin.write_all(part)?;
        }
        stdin.write_all(b"\n")
    }

    /// The reports the command made on stderr since the last call.
    pub fn take_reports(&mut self) -> Vec<Report> {
        let reports = self
            .reports
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        reports.try_iter().collect()
    }

    /// Hands every output line read so far to `each`.
    pub fn drain(&mut self, mut each: impl FnMut(&[u8])) -> Result<(), String> {
        let lines = self
            .lines
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            match lines.try_recv() {
                Ok(Ok(batch)) => batch.iter().for_each(|line| each(line)),
                Ok(Err(error)) => return Err(format!("MROutputThread failed: {error}")),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return Ok(()),
            }
        }
    }

    /// Closes the command's input, hands every remaining output line to
    /// `each` and waits for it; a non-zero exit is Hadoop's failure.
    /// `write_failure` is the error a write hit, if any.
    pub fn finish(
        mut self,
        write_failure: Option<std::io::Error>,
        mut each: impl FnMut(&[u8]),
        mut report: impl FnMut(Report),
    ) -> Result<(), String> {
        let flushed = match self.stdin.take() {
            Some(mut stdin) => stdin.flush(),
            None => Ok(()),
        };
        let mut output_failure = None;
        let lines = self
            .lines
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for batch in lines.iter() {
            match batch {
                Ok(batch) => batch.iter().for_each(|line| each(line)),
                Err(error) => output_failure = Some(format!("MROutputThread failed: {error}")),
            }
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let status = self
            .child
            .wait()
            .map_err(|error| format!("cannot wait for the command: {error}"))?;
        if let Some(errors) = self.errors.take() {
            let _ = errors.join();
        }
        self.take_reports().into_iter().for_each(&mut report);
        match status.code() {
            Some(0) => {}
            Some(_) | None if !self.non_zero_exit_is_failure => {}
            Some(code) => {
                return Err(format!(
                    "PipeMapRed.waitOutputThreads(): subprocess failed with code {code}"
                ));
            }
            None => {
                use std::os::unix::process::ExitStatusExt;
                let signal = status.signal().unwrap_or(0);
                return Err(format!(
                    "PipeMapRed.waitOutputThreads(): subprocess failed with code {}",
                    128 + signal
                ));
            }
        }
        if let Some(failure) = output_failure {
            return Err(failure);
        }
        if let Some(error) = write_failure.or(flushed.err()) {
            return Err(format!("subprocess exited successfully\n{error}"));
        }
        Ok(())
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        if self.errors.is_some() {
            self.stdin.take();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_like_a_shell() {
        assert_eq!(split_command("wc -l"), ["wc", "-l"]);
        assert_eq!(split_command("tr -s ' ' '\\n'"), ["tr", "-s", " ", "\\n"]);
        assert_eq!(
            split_command(r#"awk "{ print \$1 }"  x"#),
            ["awk", "{ print $1 }", "x"]
        );
        assert_eq!(split_command("  "), Vec::<String>::new());
        assert_eq!(split_command("a ''"), ["a", ""]);
    }

    #[test]
    fn feeds_and_reads_concurrently_without_deadlock() {
        // More output than any pipe buffer holds before the input ends.
        let argv = vec!["cat".to_string()];
        let mut pipe = Pipe::spawn(&argv, &[], true).unwrap();
        let line = vec![b'x'; 1000];
        let mut seen = 0usize;
        for _ in 0..2000 {
            pipe.write_record(&[&line]).unwrap();
            pipe.drain(|_| seen += 1).unwrap();
        }
        pipe.finish(
            None,
            |out| {
                assert_eq!(out.len(), 1000);
                seen += 1;
            },
            |_| {},
        )
        .unwrap();
        assert_eq!(seen, 2000);
    }

    #[test]
    fn a_failing_command_is_hadoops_failure() {
        let pipe = Pipe::spawn(&["false".to_string()], &[], true).unwrap();
        let error = pipe.finish(None, |_| {}, |_| {}).unwrap_err();
        assert_eq!(
            error,
            "PipeMapRed.waitOutputThreads(): subprocess failed with code 1"
        );
        assert!(Pipe::spawn(&["/no/such/program".to_string()], &[], true).is_err());
        let tolerated = Pipe::spawn(&["false".to_string()], &[], false).unwrap();
        assert!(tolerated.finish(None, |_| {}, |_| {}).is_ok());
    }

    #[test]
    fn stderr_reports_are_read() {
        let script = "echo out; echo 'reporter:counter:My Group,lines,3' >&2; \
                      echo 'reporter:status:half way' >&2; echo noise >&2";
        let argv = ["sh", "-c", script].map(str::to_string);
        let pipe = Pipe::spawn(&argv, &[], true).unwrap();
        let mut reports = Vec::new();
        let mut lines = Vec::new();
        pipe.finish(
            None,
            |line| lines.push(line.to_vec()),
            |report| reports.push(report),
        )
        .unwrap();
        assert_eq!(lines, [b"out".to_vec()]);
        assert_eq!(
            reports,
            [
                Report::Counter {
                    group: "My Group".into(),
                    name: "lines".into(),
                    amount: 3
                },
                Report::Status("half way".into()),
            ]
        );
        assert_eq!(parse_report("reporter:counter:g,c,x"), None);
        assert_eq!(parse_report("plain"), None);
    }
}
