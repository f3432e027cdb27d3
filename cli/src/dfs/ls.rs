//! `-ls`: list files and directories (Hadoop's `Ls`).

use client::FileStatus;

use super::CommandInfo;
use super::count_du::format_size;
use super::options::{CommandFormat, UsageError};
use super::shell::{PathItem, Shell, TreeWalk};

/// `-ls`.
pub const LS: CommandInfo = CommandInfo {
    name: "ls",
    usage: "[-C] [-d] [-h] [-q] [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]",
    description: "Lists the paths that match the patterns; a directory lists its entries (unless \
-d is given). Without a path, lists /user/<currentUser>.
Each line shows permissions, replication (- for a directory), owner, group, size in bytes, \
modification time (yyyy-MM-dd HH:mm) and path.
  -C  Show only the paths.
  -d  List a directory as itself, not its entries.
  -h  Show sizes in a human-readable form (1.5 K) instead of bytes.
  -q  Print ? in place of non-printable characters.
  -R  List subdirectories recursively.
  -t  Sort by modification time, newest first.
  -S  Sort by size, largest first.
  -r  Reverse the sort order.
  -u  Show and sort by access time instead of modification time.
  -e  Show the erasure coding policy (Replicated for every file here).",
};

const FORMAT: CommandFormat = CommandFormat::new(
    0,
    usize::MAX,
    &["C", "d", "h", "q", "R", "r", "t", "S", "u", "e"],
);

/// The erasure coding policy of every file: Tusk only replicates.
const REPLICATED: &str = "Replicated";

/// How `-ls` lists and prints.
#[derive(Clone, Copy, Debug, Default)]
pub struct LsOptions {
    /// -C: paths only.
    pub path_only: bool,
    /// Not -d: a directory argument lists its entries.
    pub list_directories: bool,
    /// -h: human-readable sizes.
    pub human: bool,
    /// -q: `?` for non-printable characters.
    pub hide_non_printable: bool,
    /// -R (without -d).
    pub recursive: bool,
    /// -r: reverse the sort.
    pub reverse: bool,
    /// -t: newest first.
    pub by_time: bool,
    /// -S (without -t): largest first.
    pub by_size: bool,
    /// -u: access instead of modification time.
    pub use_atime: bool,
    /// -e: the erasure coding policy column.
    pub show_ec_policy: bool,
}

/// Runs `-ls`.
pub async fn ls(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let flags = FORMAT.parse(&mut args)?;
    let list_directories = !flags.has("d");
    let by_time = flags.has("t");
    let options = LsOptions {
        path_only: flags.has("C"),
        list_directories,
        human: flags.has("h"),
        hide_non_printable: flags.has("q"),
        recursive: flags.has("R") && list_directories,
        reverse: flags.has("r"),
        by_time,
        by_size: !by_time && flags.has("S"),
        use_atime: flags.has("u"),
        show_ec_policy: flags.has("e"),
    };
    if args.is_empty() {
        args.push(".".to_string());
    }
    let mut columns = LsColumns::default();
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let mut group = vec![item];
        if options.list_directories && group[0].is_dir() {
            group = match shell.children(&group[0]).await {
                Ok(children) => children,
                Err(error) => {
                    shell.error(error);
                    continue;
                }
            };
            if !options.recursive && !group.is_empty() {
                if !options.path_only {
                    shell.print(format_args!("Found {} items", group.len()));
                }
                sort_listing(&mut group, &options);
            }
        }
        print_tree(shell, group, &mut columns, &options).await;
    }
    Ok(shell.exit_code(0))
}

/// Prints `items` and, with -R, everything below them.
async fn print_tree(
    shell: &mut Shell<'_>,
    items: Vec<PathItem>,
    columns: &mut LsColumns,
    options: &LsOptions,
) {
    columns.adjust(items.iter().filter_map(|item| item.stat.as_ref()));
    let mut walk = TreeWalk::new(items);
    while let Some(item) = walk.next() {
        let Some(status) = &item.stat else { continue };
        if options.path_only {
            // As in Hadoop, -q applies to long listings only.
            shell.print(&item.display);
        } else if options.hide_non_printable {
            shell.print(columns.line(status, &printable(&item.display), options));
        } else {
            shell.print(columns.line(status, &item.display, options));
        }
        if options.recursive && status.is_dir {
            match shell.children(&item).await {
                Ok(children) => {
                    columns.adjust(children.iter().filter_map(|child| child.stat.as_ref()));
                    walk.descend(children);
                }
                Err(error) => shell.error(error),
            }
        }
    }
}

/// Orders a directory listing: by time or size (largest first) or path, reversed with -r.
/// The sort is stable, so entries that compare equal keep their name order.
pub fn sort_listing(items: &mut [PathItem], options: &LsOptions) {
    let key = |item: &PathItem| -> (i64, u64) {
        let Some(status) = &item.stat else {
            return (0, 0);
        };
        let time = if options.use_atime {
            status.access_time
        } else {
            status.modification_time
        };
        (time, status.length)
    };
    items.sort_by(|a, b| {
        let order = if options.by_time {
            key(b).0.cmp(&key(a).0)
        } else if options.by_size {
            key(b).1.cmp(&key(a).1)
        } else {
            a.path.cmp(&b.path)
        };
        if options.reverse {
            order.reverse()
        } else {
            order
        }
    });
}

/// Column widths, which only grow during one command, as in Hadoop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LsColumns {
    replication: usize,
    length: usize,
    owner: usize,
    group: usize,
}

impl Default for LsColumns {
    fn default() -> Self {
        Self {
            replication: 3,
            length: 10,
            owner: 0,
            group: 0,
        }
    }
}

impl LsColumns {
    /// Widens the columns for a listing about to be printed.
    pub fn adjust<'s>(&mut self, statuses: impl IntoIterator<Item = &'s FileStatus>) {
        for status in statuses {
            self.replication = self.replication.max(status.replication.to_string().len());
            self.length = self.length.max(status.length.to_string().len());
            self.owner = self.owner.max(status.owner.chars().count());
            self.group = self.group.max(status.group.chars().count());
        }
    }

    /// One line of a long listing.
    pub fn line(&self, status: &FileStatus, display: &str, options: &LsOptions) -> String {
        let kind = if status.is_dir { 'd' } else { '-' };
        let replication = if status.is_dir {
            "-".to_string()
        } else {
            status.replication.to_string()
        };
        let time = if options.use_atime {
            status.access_time
        } else {
            status.modification_time
        };
        let size = format_size(status.length as i64, options.human);
        // Hadoop 3 passes owner, group and policy to the slots sized for the policy (whose
        // width is the number of digits of its length), the owner and the group.
        let (owner_slot, group_slot) = if options.show_ec_policy {
            let policy_width = REPLICATED.len().to_string().len();
            let owner = format!(" {:>policy_width$} ", status.owner);
            (
                owner + &pad_left_aligned(&status.group, self.owner),
                pad_left_aligned(REPLICATED, self.group),
            )
        } else {
            (
                pad_left_aligned(&status.owner, self.owner),
                pad_left_aligned(&status.group, self.group),
            )
        };
        format!(
            "{kind}{} {replication:>repl_width$} {owner_slot}{group_slot}{size:>len_width$} {} {display}",
            status.permission,
            common::time::format_listing_time(time),
            repl_width = self.replication,
            len_width = self.length,
        )
    }
}

/// `%-<width>s ` in Java, or the bare value when the width is 0.
fn pad_left_aligned(value: &str, width: usize) -> String {
    if width == 0 {
        value.to_string()
    } else {
        format!("{value:<width$} ")
    }
}

/// `text` with non-printable characters replaced by `?` (-q).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_printable(c) { c } else { '?' })
        .collect()
}

fn is_printable(c: char) -> bool {
    let format_or_private = matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{E000}'..='\u{F8FF}'
    );
    !c.is_control() && !format_or_private
}

#[cfg(test)]
mod tests {
    use client::DfsClient;
    use common::FsPermission;

    use super::*;

    fn status(path: &str, is_dir: bool, length: u64, mtime: i64) -> FileStatus {
        FileStatus {
            path: path.to_string(),
            is_dir,
            length,
            permission: FsPermission::new(if is_dir { 0o755 } else { 0o644 }),
            owner: "alice".to_string(),
            group: "supergroup".to_string(),
            modification_time: mtime,
            access_time: mtime + 1,
            replication: if is_dir { 0 } else { 3 },
            block_size: if is_dir { 0 } else { 134217728 },
            file_id: 1,
            children_num: 0,
            under_construction: false,
        }
    }

    fn item(status: FileStatus) -> PathItem {
        let fs = DfsClient::connect("127.0.0.1:1", "alice", FsPermission::new(0o022)).unwrap();
        PathItem {
            fs: crate::dfs::fs::FileSystem::Dfs(fs),
            display: status.path.clone(),
            path: status.path.clone(),
            stat: Some(status),
            represents_directory: false,
        }
    }

    #[test]
    fn formats_long_lines_like_hadoop() {
        let dir = status("/d", true, 0, 0);
        let file = status("/f", false, 1536, 0);
        let mut columns = LsColumns::default();
        columns.adjust([&dir, &file]);
        let options = LsOptions::default();
        let time = common::time::format_listing_time(0);
        assert_eq!(
            columns.line(&dir, "/d", &options),
            format!("drwxr-xr-x   - alice supergroup          0 {time} /d")
        );
        assert_eq!(
            columns.line(&file, "/f", &options),
            format!("-rw-r--r--   3 alice supergroup       1536 {time} /f")
        );
        let human = LsOptions {
            human: true,
            ..options
        };
        assert_eq!(
            columns.line(&file, "f", &human),
            format!("-rw-r--r--   3 alice supergroup      1.5 K {time} f")
        );
        let ec = LsOptions {
            show_ec_policy: true,
            ..options
        };
        assert_eq!(
            columns.line(&file, "/f", &ec),
            format!("-rw-r--r--   3  alice supergroup Replicated       1536 {time} /f")
        );
    }

    #[test]
    fn columns_only_grow() {
        let mut columns = LsColumns::default();
        let mut big = status("/big", false, 12_345_678_901, 0);
        big.owner = "someone-long".to_string();
        big.replication = 1000;
        columns.adjust([&big]);
        columns.adjust([&status("/small", false, 1, 0)]);
        let expected = LsColumns {
            replication: 4,
            length: 11,
            owner: 12,
            group: 10,
        };
        assert_eq!(columns, expected);
        let line = columns.line(
            &status("/small", false, 1, 0),
            "/small",
            &LsOptions::default(),
        );
        assert!(
            line.starts_with("-rw-r--r--    3 alice        supergroup           1 "),
            "{line}"
        );
    }

    #[test]
    fn empty_owner_and_group_have_no_padding() {
        let mut bare = status("/f", false, 1, 0);
        bare.owner.clear();
        bare.group.clear();
        let line = LsColumns::default().line(&bare, "/f", &LsOptions::default());
        assert!(line.starts_with("-rw-r--r--   3          1 "), "{line}");
    }

    #[tokio::test]
    async fn sorts_listings() {
        let listing = || {
            vec![
                item(status("/a", false, 10, 300)),
                item(status("/b", false, 30, 100)),
                item(status("/c", false, 20, 300)),
            ]
        };
        let order = |items: &[PathItem]| items.iter().map(|i| i.path.clone()).collect::<Vec<_>>();

        let mut items = listing();
        sort_listing(
            &mut items,
            &LsOptions {
                reverse: true,
                ..Default::default()
            },
        );
        assert_eq!(order(&items), ["/c", "/b", "/a"]);

        let mut items = listing();
        sort_listing(
            &mut items,
            &LsOptions {
                by_time: true,
                ..Default::default()
            },
        );
        assert_eq!(order(&items), ["/a", "/c", "/b"]);

        // Equal times keep name order even reversed, as Java's stable sort does.
        let mut items = listing();
        let options = LsOptions {
            by_time: true,
            reverse: true,
            ..Default::default()
        };
        sort_listing(&mut items, &options);
        assert_eq!(order(&items), ["/b", "/a", "/c"]);

        let mut items = listing();
        sort_listing(
            &mut items,
            &LsOptions {
                by_size: true,
                ..Default::default()
            },
        );
        assert_eq!(order(&items), ["/b", "/c", "/a"]);

        let mut items = listing();
        let options = LsOptions {
            by_time: true,
            use_atime: true,
            ..Default::default()
        };
        sort_listing(&mut items, &options);
        assert_eq!(order(&items), ["/a", "/c", "/b"]);
    }

    #[test]
    fn hides_non_printable_characters() {
        assert_eq!(printable("a\tb\u{7}c\u{200B}é"), "a?b?c?é");
    }
}
