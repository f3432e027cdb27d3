//! `-find`: the paths below each argument whose names match an expression (Hadoop's
//! `Find` with its `-name`, `-iname` and `-print` expressions).

use super::CommandInfo;
use super::options::UsageError;
use super::paths::GlobComponent;
use super::shell::{Shell, TreeWalk};

/// `-find`.
pub const FIND: CommandInfo = CommandInfo {
    name: "find",
    usage: "<path> ... <expression> ...",
    description: "Finds all files that match the specified expression and applies selected \
actions to them. If no <path> is specified then defaults to the current working directory. \
If no expression is specified then defaults to -print.
The following primary expressions are recognised:
  -name pattern
  -iname pattern
    Evaluates as true if the basename of the file matches the pattern using standard file \
system globbing. If -iname is used then the match is case insensitive.

  -print
  -print0
    Always evaluates to true. Causes the current pathname to be written to standard output \
followed by a newline. If the -print0 expression is used then an ASCII NULL character is \
appended rather than a newline.

The following operators are recognised:
  expression -a expression
  expression -and expression
  expression expression
    Logical AND operator for joining two expressions. Returns true if the child expressions \
both return true. Implied by the juxtaposition of two expressions and so does not need to be \
explicitly specified. The second expression will not be applied if the first fails.",
};

/// One test or action of the expression; all are joined by AND.
#[derive(Debug)]
enum Primary {
    /// `-name` (case-sensitive) or `-iname` (pattern lower-cased, name lower-cased).
    Name {
        pattern: GlobComponent,
        ignore_case: bool,
    },
    /// `-print` (`\n`) or `-print0` (`\0`).
    Print(char),
}

/// The path arguments and the expression of a `-find` command line.
#[derive(Debug)]
struct FindArgs {
    paths: Vec<String>,
    expression: Vec<Primary>,
}

/// Splits the arguments: paths up to the first that starts with `-`, then the expression; a
/// `-print` is added when the expression has no action.
fn parse(args: Vec<String>) -> Result<FindArgs, UsageError> {
    let split = args
        .iter()
        .position(|arg| arg.starts_with('-') && arg.len() > 1)
        .unwrap_or(args.len());
    let mut paths = args[..split].to_vec();
    if paths.is_empty() {
        paths.push(".".to_string());
    }
    let mut expression = Vec::new();
    let mut rest = args[split..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-name" | "-iname" => {
                let ignore_case = arg == "-iname";
                let Some(pattern) = rest.next() else {
                    return Err(UsageError(format!(
                        "Not enough arguments: expected 1 but got 0 for {arg}"
                    )));
                };
                let pattern = if ignore_case {
                    pattern.to_lowercase()
                } else {
                    pattern.clone()
                };
                let pattern = GlobComponent::compile(&pattern).map_err(UsageError)?;
                expression.push(Primary::Name {
                    pattern,
                    ignore_case,
                });
            }
            "-print" => expression.push(Primary::Print('\n')),
            "-print0" => expression.push(Primary::Print('\0')),
            "-a" | "-and" => {}
            other => return Err(UsageError(format!("Unexpected argument: {other}"))),
        }
    }
    if !expression
        .iter()
        .any(|primary| matches!(primary, Primary::Print(_)))
    {
        expression.push(Primary::Print('\n'));
    }
    Ok(FindArgs { paths, expression })
}

/// The last component of absolute path `path` (empty for `/`).
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

/// Applies the expression to one path: tests stop it at the first failure, each action
/// prints `display`.
fn apply(expression: &[Primary], path: &str, display: &str, output: &mut String) {
    for primary in expression {
        match primary {
            Primary::Name {
                pattern,
                ignore_case,
            } => {
                let name = base_name(path);
                let matched = if *ignore_case {
                    pattern.matches(&name.to_lowercase())
                } else {
                    pattern.matches(name)
                };
                if !matched {
                    return;
                }
            }
            Primary::Print(terminator) => {
                output.push_str(display);
                output.push(*terminator);
            }
        }
    }
}

/// Runs `-find`.
pub async fn find(shell: &mut Shell<'_>, args: Vec<String>) -> Result<i32, UsageError> {
    let FindArgs { paths, expression } = parse(args)?;
    for raw in &paths {
        let items = match shell.expand(raw).await {
            Ok(items) => items,
            Err(error) => {
                shell.error(error);
                continue;
            }
        };
        let mut starts = Vec::new();
        for item in items {
            if item.stat.is_none() {
                shell.error(item.not_found());
            } else {
                starts.push(item);
            }
        }
        let mut walk = TreeWalk::new(starts);
        while let Some(item) = walk.next() {
            let mut output = String::new();
            apply(&expression, &item.path, &item.display, &mut output);
            if !output.is_empty() {
                let _ = shell.out.write_all(output.as_bytes());
            }
            if item.is_dir() {
                match shell.children(&item).await {
                    Ok(children) => walk.descend(children),
                    Err(error) => shell.error(error),
                }
            }
        }
    }
    let _ = shell.out.flush();
    Ok(shell.exit_code(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    fn printed(expression: &[Primary], path: &str) -> String {
        let mut output = String::new();
        apply(expression, path, path, &mut output);
        output
    }

    #[test]
    fn parses_paths_then_the_expression() {
        let parsed = parse(args(&["/a", "b", "-name", "*.txt"])).unwrap();
        assert_eq!(parsed.paths, ["/a", "b"]);
        assert_eq!(parsed.expression.len(), 2, "-print is implied");
        let parsed = parse(args(&[])).unwrap();
        assert_eq!(parsed.paths, ["."]);
        let parsed = parse(args(&["/", "-print"])).unwrap();
        assert_eq!(parsed.expression.len(), 1);
        assert_eq!(
            parse(args(&["/", "-bogus"])).unwrap_err(),
            UsageError("Unexpected argument: -bogus".to_string())
        );
        assert!(parse(args(&["/", "-name"])).is_err());
    }

    #[test]
    fn matches_names_with_globs() {
        let parsed = parse(args(&["/", "-name", "*.TXT"])).unwrap();
        assert_eq!(printed(&parsed.expression, "/a/b.TXT"), "/a/b.TXT\n");
        assert_eq!(printed(&parsed.expression, "/a/b.txt"), "");
        assert_eq!(printed(&parsed.expression, "/a.TXT/b"), "");
        let parsed = parse(args(&["/", "-iname", "?.TXT"])).unwrap();
        assert_eq!(printed(&parsed.expression, "/a/b.txt"), "/a/b.txt\n");
        assert_eq!(printed(&parsed.expression, "/a/B.Txt"), "/a/B.Txt\n");
        assert_eq!(printed(&parsed.expression, "/a/bb.txt"), "");
        let parsed = parse(args(&["/", "-name", "[ab]*", "-print0"])).unwrap();
        assert_eq!(printed(&parsed.expression, "/x/apple"), "/x/apple\0");
        assert_eq!(printed(&parsed.expression, "/x/cherry"), "");
        let parsed = parse(args(&["/"])).unwrap();
        assert_eq!(printed(&parsed.expression, "/"), "/\n");
    }
}
