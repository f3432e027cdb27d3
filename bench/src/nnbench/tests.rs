//! End-to-end runs of the benchmark with tiny numbers: every op completes, in
//! both modes, with the right counts (no timing is asserted).

use super::*;

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn run_benchmark(words: &[&str]) -> (Summary, String) {
    let options = Options::parse(&args(words)).expect("valid options");
    let mut out = Vec::new();
    let summary =
        benchmark(&Configuration::new(), &options, &mut out).expect("the benchmark completes");
    (summary, String::from_utf8(out).expect("utf-8 report"))
}

#[test]
fn tiny_run_reports_every_op_in_both_modes_and_memory() {
    let (summary, report) = run_benchmark(&[
        "-ops",
        "200",
        "-threads",
        "4",
        "-mode",
        "both",
        "-op",
        "all",
        "-filesPerDir",
        "50",
        "-syncs",
        "20",
        "-memory",
        "2000",
    ]);

    let ran: Vec<(Mode, BenchOp)> = summary
        .throughput
        .iter()
        .map(|measured| (measured.mode, measured.op))
        .collect();
    let expected: Vec<(Mode, BenchOp)> = [Mode::InProcess, Mode::Rpc]
        .into_iter()
        .flat_map(|mode| BenchOp::ALL.map(|op| (mode, op)))
        .collect();
    assert_eq!(ran, expected);
    for measured in &summary.throughput {
        assert_eq!(
            measured.batch.operations, 200,
            "{:?} {}",
            measured.mode, measured.op
        );
        let records_per_op = match measured.op {
            BenchOp::FileStatus => 0,
            BenchOp::Create => 2,
            _ => 1,
        };
        assert_eq!(
            measured.edit_records,
            200 * records_per_op,
            "{:?} {}",
            measured.mode,
            measured.op
        );
    }
    assert_eq!(
        report.matches("# operations: 200\n").count(),
        10,
        "{report}"
    );
    assert_eq!(
        report.matches("--- fileStatus stats (rpc) ---").count(),
        1,
        "{report}"
    );
    assert!(report.contains("fdatasync baseline: "), "{report}");
    assert_eq!(
        summary.baseline.map(|baseline| baseline.iterations),
        Some(20)
    );

    let memory = summary.memory.expect("the memory benchmark ran");
    assert_eq!((memory.files, memory.directories), (2000, 40));
    assert!(memory.image_bytes > 0);
    assert!(
        report.contains("nrFiles = 2000 (one block each)"),
        "{report}"
    );
    assert!(report.contains("Bytes per file: "), "{report}");
}

#[test]
fn a_single_op_sets_up_the_files_it_needs() {
    let (summary, report) = run_benchmark(&[
        "-op",
        "delete",
        "-ops",
        "30",
        "-threads",
        "3",
        "-mode",
        "inprocess",
        "-syncs",
        "5",
    ]);
    assert_eq!(summary.throughput.len(), 1);
    assert_eq!(
        (
            summary.throughput[0].op,
            summary.throughput[0].batch.operations
        ),
        (BenchOp::Delete, 30)
    );
    assert!(report.contains("setup (untimed): 30 files"), "{report}");
    assert!(summary.memory.is_none());
}

#[test]
fn memory_alone_runs_no_throughput_batch() {
    let (summary, _) = run_benchmark(&["-memory", "500", "-filesPerDir", "100"]);
    assert!(summary.throughput.is_empty() && summary.baseline.is_none());
    assert_eq!(summary.memory.map(|memory| memory.files), Some(500));
}

#[test]
fn bad_options_are_a_usage_error() {
    let conf = Configuration::new();
    assert_eq!(
        run_with(&conf, &args(&["-threads", "many"]), &mut Vec::new()),
        common::exit_code::USAGE
    );
    assert_eq!(
        run_with(&conf, &args(&["-op", "chmod"]), &mut Vec::new()),
        common::exit_code::USAGE
    );
}
