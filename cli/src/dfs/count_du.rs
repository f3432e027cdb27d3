//! `-count` and `-du`: sizes and counts below paths (Hadoop's `Count`, `FsUsage.Du`, and the
//! `toString` formats of `ContentSummary` and `QuotaUsage`), and human-readable sizes.

use client::ContentSummary;

use super::CommandInfo;
use super::options::{CommandFormat, UsageError};
use super::shell::Shell;

/// `-count`.
pub const COUNT: CommandInfo = CommandInfo {
    name: "count",
    usage: "[-q] [-h] [-v] [-u] [-x] [-e] <path> ...",
    description: "Counts the directories, files and bytes below the paths that match the \
patterns. The columns are:
DIR_COUNT FILE_COUNT CONTENT_SIZE PATHNAME
or, with -q:
QUOTA REM_QUOTA SPACE_QUOTA REM_SPACE_QUOTA DIR_COUNT FILE_COUNT CONTENT_SIZE PATHNAME
or, with -u:
QUOTA REM_QUOTA SPACE_QUOTA REM_SPACE_QUOTA PATHNAME
  -h  Show sizes in a human-readable form.
  -v  Print a header line first.
  -x  Leave snapshots out of the counts (ignored with -q or -u).
  -e  Show the erasure coding policy.",
};

/// `-du`.
pub const DU: CommandInfo = CommandInfo {
    name: "du",
    usage: "[-s] [-h] [-v] [-x] <path> ...",
    description: "Shows the space used by the paths that match the patterns: for a directory, \
by each of its entries (one level deep) unless -s is given.
Each line shows the size, the disk space consumed with all replicas, and the path.
  -s  Show one total per path instead of one line per entry.
  -h  Show sizes in a human-readable form.
  -v  Print a header line first.
  -x  Leave snapshots out of the sizes.",
};

const COUNT_FORMAT: CommandFormat =
    CommandFormat::new(1, usize::MAX, &["q", "h", "v", "u", "x", "e"]);
const DU_FORMAT: CommandFormat = CommandFormat::new(0, usize::MAX, &["h", "s", "v", "x"]);

const SUMMARY_HEADER: [&str; 3] = ["DIR_COUNT", "FILE_COUNT", "CONTENT_SIZE"];
const QUOTA_HEADER: [&str; 4] = ["QUOTA", "REM_QUOTA", "SPACE_QUOTA", "REM_SPACE_QUOTA"];
const DU_HEADER: [&str; 3] = [
    "SIZE",
    "DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS",
    "FULL_PATH_NAME",
];
/// The erasure coding policy of every path: Tusk only replicates.
const REPLICATED: &str = "Replicated";

/// What `-count` shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountOptions {
    /// -q: quotas, then the counts.
    pub quotas: bool,
    /// -u: quotas only.
    pub quotas_and_usage_only: bool,
    /// -h: human-readable sizes.
    pub human: bool,
    /// -e: the erasure coding policy.
    pub ec_policy: bool,
}

/// Runs `-count`.
pub async fn count(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = COUNT_FORMAT.parse(&mut args)?;
    let options = CountOptions {
        quotas: flags.has("q"),
        quotas_and_usage_only: flags.has("u"),
        human: flags.has("h"),
        ec_policy: flags.has("e"),
    };
    if flags.has("x") && (options.quotas || options.quotas_and_usage_only) {
        shell.print("q or u option is given, the -x option is ignored.");
    }
    if flags.has("v") {
        shell.print(count_header(&options));
    }
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        match item.fs.content_summary(&item.path).await {
            Ok(summary) => shell.print(format!(
                "{}{}",
                count_line(&summary, &options),
                item.display
            )),
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// Runs `-du`.
pub async fn du(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = DU_FORMAT.parse(&mut args)?;
    let (human, summary_only) = (flags.has("h"), flags.has("s"));
    if args.is_empty() {
        args.push(".".to_string());
    }
    let mut rows = Vec::new();
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let entries = if !summary_only && item.is_dir() {
            match shell.children(&item).await {
                Ok(children) => children,
                Err(error) => {
                    shell.error(error);
                    continue;
                }
            }
        } else {
            vec![item]
        };
        for entry in entries {
            match entry.fs.content_summary(&entry.path).await {
                Ok(summary) => rows.push([
                    format_size(summary.length as i64, human),
                    format_size(summary.space_consumed as i64, human),
                    entry.display,
                ]),
                Err(error) => shell.error(error),
            }
        }
    }
    for line in du_table(&rows, flags.has("v")) {
        shell.print(line);
    }
    Ok(shell.exit_code(0))
}

/// The `-count` header line, up to and including `PATHNAME`.
pub fn count_header(options: &CountOptions) -> String {
    let mut header = String::new();
    if options.quotas || options.quotas_and_usage_only {
        header.push_str(&quota_columns(QUOTA_HEADER.map(String::from)));
    }
    if !options.quotas_and_usage_only {
        header.push_str(&summary_columns(SUMMARY_HEADER.map(String::from)));
    }
    if options.ec_policy {
        header.push_str("ERASURECODING_POLICY ");
    }
    header.push_str("PATHNAME");
    header
}

/// The columns of one `-count` line, before the path.
pub fn count_line(summary: &ContentSummary, options: &CountOptions) -> String {
    let human = options.human;
    let mut line = String::new();
    if options.quotas || options.quotas_and_usage_only {
        let (mut quota, mut remaining) = ("none".to_string(), "inf".to_string());
        if summary.quota > 0 {
            let used = (summary.file_count + summary.directory_count) as i64;
            quota = format_size(summary.quota, human);
            remaining = format_size(summary.quota - used, human);
        }
        let (mut space_quota, mut space_remaining) = ("none".to_string(), "inf".to_string());
        if summary.space_quota >= 0 {
            space_quota = format_size(summary.space_quota, human);
            space_remaining =
                format_size(summary.space_quota - summary.space_consumed as i64, human);
        }
        line.push_str(&quota_columns([
            quota,
            remaining,
            space_quota,
            space_remaining,
        ]));
    }
    if !options.quotas_and_usage_only {
        line.push_str(&summary_columns([
            format_size(summary.directory_count as i64, human),
            format_size(summary.file_count as i64, human),
            format_size(summary.length as i64, human),
        ]));
    }
    if options.ec_policy {
        line.push_str(REPLICATED);
        line.push(' ');
    }
    line
}

/// `%12s %15s %15s %15s `
fn quota_columns([quota, remaining, space_quota, space_remaining]: [String; 4]) -> String {
    format!("{quota:>12} {remaining:>15} {space_quota:>15} {space_remaining:>15} ")
}

/// `%12s %12s %18s `
fn summary_columns([directories, files, bytes]: [String; 3]) -> String {
    format!("{directories:>12} {files:>12} {bytes:>18} ")
}

/// The `-du` rows as Hadoop's `TableBuilder` prints them: columns left-aligned to their
/// widest value, two spaces apart; nothing at all without rows.
pub fn du_table(rows: &[[String; 3]], with_header: bool) -> Vec<String> {
    if rows.is_empty() {
        return Vec::new();
    }
    let header = DU_HEADER.map(String::from);
    let all: Vec<&[String; 3]> = with_header
        .then_some(&header)
        .into_iter()
        .chain(rows)
        .collect();
    let width = |column: usize| all.iter().map(|row| row[column].chars().count()).max();
    let (size_width, consumed_width) = (width(0).unwrap_or(0), width(1).unwrap_or(0));
    all.iter()
        .map(|[size, consumed, path]| {
            format!("{size:<size_width$}  {consumed:<consumed_width$}  {path}")
        })
        .collect()
}

/// Bytes, or with `human` Hadoop's `TraditionalBinaryPrefix.long2String(size, "", 1)`.
pub fn format_size(size: i64, human: bool) -> String {
    if human {
        human_size(size)
    } else {
        size.to_string()
    }
}

/// `1023`, `1 K`, `1.5 K`, `2.3 M`...: one decimal (rounded half up) unless exact, with the
/// binary prefix of the largest power of 1024 not above the size.
pub fn human_size(size: i64) -> String {
    const SYMBOLS: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];
    let sign = if size < 0 { "-" } else { "" };
    let magnitude = size.unsigned_abs();
    if magnitude < 1024 {
        return format!("{sign}{magnitude}");
    }
    let mut prefix = ((63 - magnitude.leading_zeros()) / 10) as usize;
    let mut tenths = rounded_tenths(magnitude, prefix);
    if tenths / 10 >= 1024 && prefix < SYMBOLS.len() {
        // 1023.96 K shows as 1.0 M, not 1024.0 K.
        prefix += 1;
        tenths = rounded_tenths(magnitude, prefix);
    }
    let symbol = SYMBOLS[prefix - 1];
    let unit = 1u128 << (10 * prefix);
    if u128::from(magnitude) % unit == 0 {
        return format!("{sign}{} {symbol}", u128::from(magnitude) / unit);
    }
    format!("{sign}{}.{} {symbol}", tenths / 10, tenths % 10)
}

/// `magnitude / 1024^prefix` in tenths, rounded half up like Java's `%.1f`.
fn rounded_tenths(magnitude: u64, prefix: usize) -> u128 {
    let unit = 1u128 << (10 * prefix);
    (u128::from(magnitude) * 10 + unit / 2) / unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> ContentSummary {
        ContentSummary {
            length: 1536,
            file_count: 3,
            directory_count: 2,
            quota: -1,
            space_consumed: 4608,
            space_quota: -1,
        }
    }

    #[test]
    fn human_sizes_follow_traditional_binary_prefixes() {
        assert_eq!(human_size(0), "0");
        assert_eq!(human_size(1023), "1023");
        assert_eq!(human_size(1024), "1 K");
        assert_eq!(human_size(1536), "1.5 K");
        assert_eq!(human_size(1280), "1.3 K"); // 1.25 rounds half up
        assert_eq!(human_size(1075), "1.0 K");
        assert_eq!(human_size(1_048_575), "1.0 M"); // not 1024.0 K
        assert_eq!(human_size(1_048_576), "1 M");
        assert_eq!(human_size(1_572_864), "1.5 M");
        assert_eq!(human_size(134_217_728), "128 M");
        assert_eq!(human_size(5 << 40), "5 T");
        assert_eq!(human_size(-1536), "-1.5 K");
        assert_eq!(human_size(i64::MAX), "8.0 E");
        assert_eq!(human_size(i64::MIN), "-8 E");
        assert_eq!(format_size(1536, false), "1536");
    }

    #[test]
    fn formats_count_lines() {
        let options = CountOptions::default();
        assert_eq!(
            count_line(&summary(), &options),
            "           2            3               1536 "
        );
        let human = CountOptions {
            human: true,
            ..options
        };
        assert_eq!(
            count_line(&summary(), &human),
            "           2            3              1.5 K "
        );
        let quotas = CountOptions {
            quotas: true,
            ..options
        };
        assert_eq!(
            count_line(&summary(), &quotas),
            concat!(
                "        none             inf            none             inf ",
                "           2            3               1536 "
            )
        );
        let mut limited = summary();
        limited.quota = 10;
        limited.space_quota = 0;
        assert_eq!(
            count_line(&limited, &quotas),
            concat!(
                "          10               5               0           -4608 ",
                "           2            3               1536 "
            )
        );
        let usage = CountOptions {
            quotas_and_usage_only: true,
            ec_policy: true,
            ..options
        };
        assert_eq!(
            count_line(&limited, &usage),
            "          10               5               0           -4608 Replicated "
        );
    }

    #[test]
    fn formats_count_headers() {
        assert_eq!(
            count_header(&CountOptions::default()),
            "   DIR_COUNT   FILE_COUNT       CONTENT_SIZE PATHNAME"
        );
        let quotas = CountOptions {
            quotas: true,
            ..Default::default()
        };
        assert_eq!(
            count_header(&quotas),
            "       QUOTA       REM_QUOTA     SPACE_QUOTA REM_SPACE_QUOTA    DIR_COUNT   \
             FILE_COUNT       CONTENT_SIZE PATHNAME"
        );
        let usage = CountOptions {
            quotas_and_usage_only: true,
            ec_policy: true,
            ..Default::default()
        };
        assert_eq!(
            count_header(&usage),
            "       QUOTA       REM_QUOTA     SPACE_QUOTA REM_SPACE_QUOTA ERASURECODING_POLICY PATHNAME"
        );
    }

    #[test]
    fn formats_du_tables() {
        let rows = vec![
            ["0".to_string(), "0".to_string(), "/a/empty".to_string()],
            ["1536".to_string(), "4608".to_string(), "/a/f".to_string()],
        ];
        assert_eq!(
            du_table(&rows, false),
            ["0     0     /a/empty", "1536  4608  /a/f"]
        );
        assert_eq!(
            du_table(&rows, true),
            [
                "SIZE  DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS  FULL_PATH_NAME",
                "0     0                                      /a/empty",
                "1536  4608                                   /a/f",
            ]
        );
        assert!(du_table(&[], true).is_empty());
    }
}
