//! `-df`: capacity, used and available space of the file system (Hadoop's `FsUsage.Df`).

use client::FsStats;

use super::CommandInfo;
use super::format::{format_percent, long_to_string};
use super::options::{CommandFormat, UsageError};
use super::shell::Shell;

/// `-df`.
pub const DF: CommandInfo = CommandInfo {
    name: "df",
    usage: "[-h] [<path> ...]",
    description: "Shows the capacity, free and used space of the filesystem. If the \
filesystem has multiple partitions, and no path to a particular partition is specified, then \
the status of the root partitions will be shown.
  -h  Formats the sizes of files in a human-readable fashion rather than a number of bytes.",
};

const FORMAT: CommandFormat = CommandFormat::new(0, usize::MAX, &["h"]);
const HEADER: [&str; 5] = ["Filesystem", "Size", "Used", "Available", "Use%"];

/// Runs `-df`.
pub async fn df(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let human = FORMAT.parse(&mut args)?.has("h");
    if args.is_empty() {
        args.push("/".to_string());
    }
    let mut rows = Vec::new();
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let stats = match item.fs.dfs("-df") {
            Ok(fs) => fs.fs_stats().await,
            Err(error) => Err(error),
        };
        match stats {
            Ok(stats) => rows.push(df_row(&item.fs.uri(), &stats, human)),
            Err(error) => shell.error(error),
        }
    }
    if !rows.is_empty() {
        for line in df_table(&rows) {
            shell.print(line);
        }
    }
    Ok(shell.exit_code(0))
}

/// One row: the file system's URI, its size, used and available bytes, and the used share.
pub fn df_row(uri: &str, stats: &FsStats, human: bool) -> [String; 5] {
    let size = |bytes: u64| {
        if human {
            long_to_string(i64::try_from(bytes).unwrap_or(i64::MAX), "", 1)
        } else {
            bytes.to_string()
        }
    };
    // Java divides doubles: an empty cluster shows NaN%.
    let used_fraction = stats.used as f64 / stats.capacity as f64;
    [
        uri.to_string(),
        size(stats.capacity),
        size(stats.used),
        size(stats.remaining),
        format_percent(used_fraction, 0),
    ]
}

/// The header and `rows` as Hadoop's `TableBuilder` aligns them: columns two spaces apart,
/// the file system left-aligned and the numbers right-aligned.
pub fn df_table(rows: &[[String; 5]]) -> Vec<String> {
    let header = HEADER.map(str::to_string);
    let all: Vec<&[String; 5]> = std::iter::once(&header).chain(rows).collect();
    let mut widths = [0usize; 5];
    for row in &all {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    all.iter()
        .map(|row| {
            let [filesystem, size, used, available, percent] = row;
            let [w0, w1, w2, w3, w4] = widths;
            format!("{filesystem:<w0$}  {size:>w1$}  {used:>w2$}  {available:>w3$}  {percent:>w4$}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(capacity: u64, used: u64, remaining: u64) -> FsStats {
        FsStats {
            capacity,
            used,
            remaining,
            ..FsStats::default()
        }
    }

    #[test]
    fn rows_show_bytes_or_human_sizes() {
        let row = df_row("hdfs://nn:8020", &stats(4096, 1024, 2048), false);
        assert_eq!(row, ["hdfs://nn:8020", "4096", "1024", "2048", "25%"]);
        let gib = 1u64 << 30;
        let row = df_row(
            "hdfs://nn:8020",
            &stats(10 * gib, gib + gib / 2, 8 * gib),
            true,
        );
        assert_eq!(row, ["hdfs://nn:8020", "10 G", "1.5 G", "8 G", "15%"]);
        let row = df_row("hdfs://nn:8020", &stats(0, 0, 0), false);
        assert_eq!(row[4], "NaN%");
    }

    #[test]
    fn table_aligns_like_hadoop() {
        let rows = [df_row(
            "hdfs://nn:8020",
            &stats(1_000_000, 123, 999_000),
            false,
        )];
        assert_eq!(
            df_table(&rows),
            [
                "Filesystem         Size  Used  Available  Use%",
                "hdfs://nn:8020  1000000   123     999000    0%",
            ]
        );
    }
}
