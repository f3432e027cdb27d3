//! `-truncate`: cut files to a length (Hadoop's `Truncate`). A file cut
//! inside a block stays open until the DataNodes have cut that block; `-w`
//! waits for it.

use std::time::Duration;

use common::RemoteException;

use super::CommandInfo;
use super::options::{CommandFormat, UsageError};
use super::shell::{self, PathItem, Shell};

/// `-truncate`.
pub const TRUNCATE: CommandInfo = CommandInfo {
    name: "truncate",
    usage: "[-w] <length> <path> ...",
    description: "Truncate all files that match the specified file pattern to the specified \
length.
  -w  Requests that the command wait for block recovery to complete, if necessary.",
};

const FORMAT: CommandFormat = CommandFormat::new(2, usize::MAX, &["w"]);

/// How often `-w` looks at a file whose last block is being cut.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Runs `-truncate [-w] LENGTH PATH...`.
pub async fn truncate(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let wait = FORMAT.parse(&mut args)?.has("w");
    let new_length = parse_length(shell, &args.remove(0))?;
    let mut waiting = Vec::new();
    for item in shell.expand_all(&args).await {
        match truncate_one(&item, new_length).await {
            Ok(true) => shell.print(format_args!(
                "Truncated {} to length: {new_length}",
                item.display
            )),
            Ok(false) if wait => waiting.push(item),
            Ok(false) => shell.print(format_args!(
                "Truncating {} to length: {new_length}. Wait for block recovery to complete \
before further updating this file.",
                item.display
            )),
            Err(error) => shell.error(error),
        }
    }
    for item in waiting {
        shell.print(format_args!("Waiting for {} ...", item.display));
        let _ = shell.out.flush();
        match wait_for_recovery(&item, new_length).await {
            Ok(()) => shell.print(format_args!(
                "Truncated {} to length: {new_length}",
                item.display
            )),
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// Hadoop's `Truncate.processPath`: files only, never longer.
async fn truncate_one(item: &PathItem, new_length: u64) -> Result<bool, RemoteException> {
    let Some(status) = &item.stat else {
        return Err(item.not_found());
    };
    if status.is_dir {
        return Err(item.error("Is a directory"));
    }
    if new_length > status.length {
        return Err(RemoteException::illegal_argument(format!(
            "Cannot truncate to a larger file size. Current size: {}, truncate size: {new_length}.",
            status.length
        )));
    }
    item.fs.truncate(&item.path, new_length).await
}

/// Polls until the file has `new_length` and is closed: its last block is cut.
async fn wait_for_recovery(item: &PathItem, new_length: u64) -> Result<(), RemoteException> {
    loop {
        let status = shell::lookup(&item.fs, &item.path)
            .await?
            .ok_or_else(|| item.not_found())?;
        if status.length == new_length && !status.under_construction {
            return Ok(());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The length argument: a Java long of at least 0. One that does not parse is first warned
/// about, as Hadoop does.
fn parse_length(shell: &mut Shell<'_>, text: &str) -> Result<u64, UsageError> {
    let Ok(length) = text.parse::<i64>() else {
        shell.warn("Illegal length, a non-negative integer expected");
        return Err(UsageError(format!("For input string: \"{text}\"")));
    };
    u64::try_from(length).map_err(|_| UsageError("length must be >= 0".to_string()))
}

#[cfg(test)]
mod tests {
    use common::Configuration;

    use super::*;

    #[tokio::test]
    async fn parses_length_like_a_java_long() {
        let conf = Configuration::new();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut shell = Shell::new(&conf, "truncate", &mut out, &mut err);
        assert_eq!(parse_length(&mut shell, "0"), Ok(0));
        assert_eq!(parse_length(&mut shell, "5"), Ok(5));
        assert_eq!(
            parse_length(&mut shell, "-1"),
            Err(UsageError("length must be >= 0".to_string()))
        );
        assert_eq!(
            parse_length(&mut shell, "x"),
            Err(UsageError("For input string: \"x\"".to_string()))
        );
        drop(shell);
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "truncate: Illegal length, a non-negative integer expected\n"
        );
    }
}
