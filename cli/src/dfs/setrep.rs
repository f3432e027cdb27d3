//! `-setrep`: change the replication of files (Hadoop's `SetReplication`).

use super::CommandInfo;
use super::options::{CommandFormat, UsageError};
use super::replication_wait;
use super::shell::{Shell, TreeWalk};

/// `-setrep`.
pub const SETREP: CommandInfo = CommandInfo {
    name: "setrep",
    usage: "[-R] [-w] <rep> <path> ...",
    description: "Sets the replication of files; for a directory, of every file below it.
  -w  Wait until the blocks reach the new replication.
  -R  Accepted for compatibility; directories are always handled recursively.",
};

const FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &["R", "w"]);

/// Runs `-setrep`.
pub async fn setrep(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let wait = FORMAT.parse(&mut args)?.has("w");
    let replication = parse_replication(shell, &args.remove(0))?;
    let mut waiting = Vec::new();
    for item in shell.expand_all(&args).await {
        if item.stat.is_none() {
            shell.error(item.not_found());
            continue;
        }
        let mut walk = TreeWalk::new(vec![item]);
        while let Some(entry) = walk.next() {
            if entry.is_dir() {
                match shell.children(&entry).await {
                    Ok(children) => walk.descend(children),
                    Err(error) => shell.error(error),
                }
                continue;
            }
            match entry.fs.set_replication(&entry.path, replication).await {
                Ok(true) => {
                    shell.print(format_args!(
                        "Replication {replication} set: {}",
                        entry.display
                    ));
                    if wait {
                        waiting.push(entry);
                    }
                }
                Ok(false) => shell.error(format_args!(
                    "Could not set replication for: {}",
                    entry.display
                )),
                Err(error) => shell.error(error),
            }
        }
    }
    replication_wait::wait_for_replication(shell, &waiting, replication).await;
    Ok(shell.exit_code(0))
}

/// The replication argument: a Java short of at least 1. A number that does not parse is
/// first warned about, as Hadoop does.
fn parse_replication(shell: &mut Shell<'_>, text: &str) -> Result<u16, UsageError> {
    let Ok(replication) = text.parse::<i16>() else {
        shell.warn("Illegal replication, a positive integer expected");
        return Err(UsageError(format!("For input string: \"{text}\"")));
    };
    u16::try_from(replication)
        .ok()
        .filter(|replication| *replication >= 1)
        .ok_or_else(|| UsageError("replication must be >= 1".to_string()))
}

#[cfg(test)]
mod tests {
    use common::Configuration;

    use super::*;

    #[tokio::test]
    async fn parses_replication_like_a_java_short() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut shell = Shell::new(&conf, "setrep", &mut out, &mut err);
        assert_eq!(parse_replication(&mut shell, "3"), Ok(3));
        assert_eq!(parse_replication(&mut shell, "32767"), Ok(32767));
        let too_small = Err(UsageError("replication must be >= 1".to_string()));
        assert_eq!(parse_replication(&mut shell, "0"), too_small);
        assert_eq!(parse_replication(&mut shell, "-2"), too_small);
        let not_a_short = Err(UsageError("For input string: \"40000\"".to_string()));
        assert_eq!(parse_replication(&mut shell, "40000"), not_a_short);
        assert_eq!(shell.exit_code(0), 0);
        drop(shell);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "setrep: Illegal replication, a positive integer expected\n"
        );
    }
}
