//! `hdfs oiv -i FSIMAGE [-o OUT] [-p XML|Delimited|FileDistribution]`: the
//! offline image viewer. It streams the image record by record (no NameNode
//! needed) and checks its MD5 when the `.md5` file is beside it.

mod delimited;
mod distribution;
mod paths;
mod xml;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use namenode::formats::{ImageReader, Md5Check};

const USAGE: &str = "Usage: hdfs oiv [OPTIONS] -i INPUTFILE [-o OUTPUTFILE]
  -i,--inputFile <arg>   fsimage file to process
  -o,--outputFile <arg>  output file (default: stdout)
  -p,--processor <arg>   XML (default), Delimited or FileDistribution
  -delimiter <arg>       field delimiter for Delimited (default: a tab)
  -step <arg>            bucket size in bytes for FileDistribution (default: 2097152)
  -maxSize <arg>         largest size FileDistribution tells apart (default: 137438953472)";

/// A processor and its options.
enum Processor {
    Xml,
    Delimited { delimiter: String },
    FileDistribution { step: u64, max_size: u64 },
}

struct Options {
    input: PathBuf,
    output: Option<PathBuf>,
    processor: Processor,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut input = None;
    let mut output = None;
    let mut processor = "XML".to_string();
    let mut delimiter = "\t".to_string();
    let mut step = 2 * 1024 * 1024;
    let mut max_size = 128 * 1024 * 1024 * 1024;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("option {arg} needs a value"))
        };
        let number = |text: String| {
            text.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{arg}: '{text}' is not a positive number"))
        };
        match arg.as_str() {
            "-i" | "--inputFile" => input = Some(PathBuf::from(value()?)),
            "-o" | "--outputFile" => {
                let path = value()?;
                output = (path != "-").then(|| PathBuf::from(path));
            }
            "-p" | "--processor" => processor = value()?,
            "-delimiter" => delimiter = value()?,
            "-step" => step = number(value()?)?,
            "-maxSize" => max_size = number(value()?)?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    let input = input.ok_or("no input file given (-i)")?;
    let processor = match processor.to_ascii_lowercase().as_str() {
        "xml" => Processor::Xml,
        "delimited" => Processor::Delimited { delimiter },
        "filedistribution" => Processor::FileDistribution { step, max_size },
        other => return Err(format!("unsupported processor '{other}'")),
    };
    Ok(Options {
        input,
        output,
        processor,
    })
}

/// Runs `hdfs oiv ARGS`; output goes to `-o` or `out`.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            let _ = writeln!(err, "oiv: {message}\n{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    match process(&options, out) {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "oiv: {message}");
            crate::EXIT_FAILURE
        }
    }
}

fn process(options: &Options, stdout: &mut dyn Write) -> Result<(), String> {
    let reader = ImageReader::open(&options.input, Md5Check::SidecarIfPresent)
        .map_err(|error| error.to_string())?;
    let mut file;
    let out: &mut dyn Write = match &options.output {
        Some(path) => {
            file = BufWriter::new(
                File::create(path)
                    .map_err(|error| format!("cannot create {}: {error}", path.display()))?,
            );
            &mut file
        }
        None => stdout,
    };
    let result = match &options.processor {
        Processor::Xml => xml::write(reader, out),
        Processor::Delimited { delimiter } => delimited::write(reader, delimiter, out),
        Processor::FileDistribution { step, max_size } => {
            distribution::write(reader, *step, *max_size, out)
        }
    };
    result.and_then(|()| {
        out.flush()
            .map_err(|error| format!("cannot write output: {error}"))
    })
}

/// Escapes text for XML content.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                escaped.push_str(&format!("&#x{:x};", c as u32));
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape_xml("a<b>&'\"\u{1}"),
            "a&lt;b&gt;&amp;&apos;&quot;&#x1;"
        );
    }

    #[test]
    fn parses_processors_case_insensitively() {
        let args: Vec<String> = ["-i", "img", "-p", "delimited", "-delimiter", ","]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = parse(&args).unwrap();
        assert!(
            matches!(options.processor, Processor::Delimited { ref delimiter } if delimiter == ",")
        );
        assert!(parse(&["-p".to_string(), "XML".to_string()]).is_err());
        assert!(parse(&["-i".into(), "x".into(), "-p".into(), "Web".into()]).is_err());
    }
}
