//! `hdfs oev -i EDITS [-o OUT] [-p xml|stats]`: the offline edits viewer.
//! Reads one edit segment (checked record by record, no NameNode needed)
//! and prints it as Hadoop's XML or as per-opcode counts.

mod ops;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use namenode::formats;
use proto::namenode_storage::EditRecord;

use crate::oiv::escape_xml;
use ops::{OpCode, describe};

const USAGE: &str = "Usage: hdfs oev [OPTIONS] -i INPUT_FILE [-o OUTPUT_FILE]
  -i,--inputFile <arg>   edits file to process
  -o,--outputFile <arg>  output file (default: stdout)
  -p,--processor <arg>   xml (default) or stats";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Processor {
    Xml,
    Stats,
}

fn parse(args: &[String]) -> Result<(PathBuf, Option<PathBuf>, Processor), String> {
    let mut input = None;
    let mut output = None;
    let mut processor = Processor::Xml;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("option {arg} needs a value"))
        };
        match arg.as_str() {
            "-i" | "--inputFile" => input = Some(PathBuf::from(value()?)),
            "-o" | "--outputFile" => {
                let path = value()?;
                output = (path != "-").then(|| PathBuf::from(path));
            }
            "-p" | "--processor" => {
                processor = match value()?.to_ascii_lowercase().as_str() {
                    "xml" => Processor::Xml,
                    "stats" => Processor::Stats,
                    other => return Err(format!("unsupported processor '{other}'")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok((input.ok_or("no input file given (-i)")?, output, processor))
}

/// Runs `hdfs oev ARGS`; output goes to `-o` or `out`.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let (input, output, processor) = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            let _ = writeln!(err, "oev: {message}\n{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    let mut file;
    let out: &mut dyn Write = match &output {
        Some(path) => match File::create(path) {
            Ok(created) => {
                file = BufWriter::new(created);
                &mut file
            }
            Err(error) => {
                let _ = writeln!(err, "oev: cannot create {}: {error}", path.display());
                return crate::EXIT_FAILURE;
            }
        },
        None => out,
    };
    match process(&input, processor, out) {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "oev: {message}");
            crate::EXIT_FAILURE
        }
    }
}

/// The first txid, from the segment's name or else its first record.
fn first_txid(path: &Path) -> Result<Option<u64>, String> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let from_name = name
        .strip_prefix("edits_inprogress_")
        .or_else(|| {
            name.strip_prefix("edits_")
                .and_then(|rest| rest.split('-').next())
        })
        .and_then(|start| start.parse().ok());
    match from_name {
        Some(start) => Ok(Some(start)),
        None => formats::first_txid(path).map_err(|error| error.to_string()),
    }
}

fn process(input: &Path, processor: Processor, out: &mut dyn Write) -> Result<(), String> {
    let failed = |error: std::io::Error| format!("cannot write output: {error}");
    let version = namenode::formats::LAYOUT_VERSION;
    let mut counts = [0u64; OpCode::ALL.len()];
    if processor == Processor::Xml {
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EDITS>\n  <EDITS_VERSION>{version}</EDITS_VERSION>\n"
        )
        .map_err(failed)?;
    }
    let mut write_error = None;
    let mut visit = |edit: EditRecord| -> Result<(), String> {
        let Some(op) = edit.op else {
            return Err("record without an operation".into());
        };
        let (code, fields) = describe(edit.txid, &op);
        counts[code as usize] += 1;
        if processor == Processor::Xml
            && let Err(error) = write_record(out, code, &fields)
        {
            write_error.get_or_insert(error);
            return Err("output failed".into());
        }
        Ok(())
    };
    let scan = first_txid(input)?.map(|start| formats::read_segment(input, start, &mut visit));
    if let Some(error) = write_error {
        return Err(failed(error));
    }
    if let Some(scan) = scan {
        let scan = scan.map_err(|error| error.to_string())?;
        if scan.torn_tail {
            eprintln!(
                "oev: {}: ignoring a torn record at offset {} (the segment was being written)",
                input.display(),
                scan.valid_len
            );
        }
    }
    match processor {
        Processor::Xml => writeln!(out, "</EDITS>").map_err(failed),
        Processor::Stats => {
            writeln!(out, "    {:<30.30}      : {version}", "VERSION").map_err(failed)?;
            for code in OpCode::ALL {
                writeln!(
                    out,
                    "    {:<30.30} ({:>3}): {}",
                    code.name(),
                    code.hadoop_opcode(),
                    counts[code as usize]
                )
                .map_err(failed)?;
            }
            Ok(())
        }
    }
}

fn write_record(out: &mut dyn Write, code: OpCode, fields: &[ops::Field]) -> std::io::Result<()> {
    writeln!(
        out,
        "  <RECORD>\n    <OPCODE>{}</OPCODE>\n    <DATA>",
        code.name()
    )?;
    for field in fields {
        write_field(out, field, 6)?;
    }
    writeln!(out, "    </DATA>\n  </RECORD>")
}

fn write_field(out: &mut dyn Write, field: &ops::Field, indent: usize) -> std::io::Result<()> {
    let pad = " ".repeat(indent);
    match field {
        ops::Field::Value(name, value) => {
            writeln!(out, "{pad}<{name}>{}</{name}>", escape_xml(value))
        }
        ops::Field::Group(name, children) => {
            writeln!(out, "{pad}<{name}>")?;
            for child in children {
                write_field(out, child, indent + 2)?;
            }
            writeln!(out, "{pad}</{name}>")
        }
    }
}
