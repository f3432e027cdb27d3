//! `-touchz` and `-touch` (Hadoop's `TouchCommands`).

use chrono::TimeZone;
use client::CreateOptions;
use common::conf::keys;
use common::{FsPermission, RemoteException};

use super::CommandInfo;
use super::options::{self, CommandFormat, UsageError};
use super::shell::{PathItem, Shell};

/// `-touchz`.
pub const TOUCHZ: CommandInfo = CommandInfo {
    name: "touchz",
    usage: "<path> ...",
    description: "Creates empty files, stamped with the current time. An existing file must \
already be empty.",
};

/// `-touch`.
pub const TOUCH: CommandInfo = CommandInfo {
    name: "touch",
    usage: "[-a] [-m] [-t TIMESTAMP (yyyyMMdd:HHmmss) ] [-c] <path> ...",
    description: "Sets the access and modification times of files to now, creating missing \
files empty.
  -a  Change only the access time.
  -m  Change only the modification time.
  -t  Use TIMESTAMP (yyyyMMdd:HHmmss, local time) instead of now.
  -c  Do not create missing files.",
};

const TOUCHZ_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &[]);
const TOUCH_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["t", "a", "m", "c"]);
const TIMESTAMP_PATTERN: &str = "yyyyMMdd:HHmmss";

/// Runs `-touchz`.
pub async fn touchz(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    TOUCHZ_FORMAT.parse(&mut args)?;
    for item in shell.expand_all(&args).await {
        let result = match &item.stat {
            Some(status) if status.is_dir => Err(item.error("Is a directory")),
            Some(status) if status.length != 0 => Err(item.error("Not a zero-length file")),
            Some(_) => create_empty(shell, &item).await,
            None => create_missing(shell, &item).await,
        };
        if let Err(error) = result {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

/// Which times `-touch` sets, and to what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TouchTimes {
    /// Milliseconds since the epoch; `None` means now.
    pub timestamp: Option<i64>,
    /// -a: the access time only.
    pub access_only: bool,
    /// -m: the modification time only.
    pub modification_only: bool,
}

impl TouchTimes {
    /// `(mtime, atime)` for `set_times` at time `now`; -1 leaves one unchanged.
    pub fn times(&self, now: i64) -> (i64, i64) {
        let time = self.timestamp.unwrap_or(now);
        if self.access_only != self.modification_only {
            let mtime = if self.access_only { -1 } else { time };
            let atime = if self.modification_only { -1 } else { time };
            (mtime, atime)
        } else {
            (time, time)
        }
    }
}

/// Runs `-touch`.
pub async fn touch(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let timestamp = options::pop_option_with_argument("-t", &mut args)?;
    let flags = TOUCH_FORMAT.parse(&mut args)?;
    let times = TouchTimes {
        timestamp: timestamp.as_deref().map(parse_timestamp).transpose()?,
        access_only: flags.has("a"),
        modification_only: flags.has("m"),
    };
    let do_not_create = flags.has("c");
    for item in shell.expand_all(&args).await {
        let result = match &item.stat {
            Some(status) if status.is_dir => Err(item.error("Is a directory")),
            Some(_) => set_times(&item, &times).await,
            None if do_not_create => match shell.parent_exists(&item).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(item.not_found()),
                Err(error) => Err(error),
            },
            None => match create_missing(shell, &item).await {
                Ok(()) if times.timestamp.is_some() => set_times(&item, &times).await,
                other => other,
            },
        };
        if let Err(error) = result {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

async fn set_times(item: &PathItem, times: &TouchTimes) -> Result<(), RemoteException> {
    let (mtime, atime) = times.times(common::time::now_millis());
    item.fs.set_times(&item.path, mtime, atime).await
}

/// Parses `yyyyMMdd:HHmmss` in local time into milliseconds since the epoch.
pub fn parse_timestamp(text: &str) -> Result<i64, UsageError> {
    let invalid = || {
        UsageError(format!(
            "Unable to parse the specified timestamp {text}. The expected format is \
             {TIMESTAMP_PATTERN}"
        ))
    };
    let naive =
        chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d:%H%M%S").map_err(|_| invalid())?;
    let local = chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(invalid)?;
    Ok(local.timestamp_millis())
}

/// Creates a missing file empty, provided its parent exists.
async fn create_missing(shell: &Shell<'_>, item: &PathItem) -> Result<(), RemoteException> {
    if !shell.parent_exists(item).await? {
        return Err(item.not_found());
    }
    create_empty(shell, item).await
}

/// (Re)creates `item` as an empty file with the configured replication and block size.
async fn create_empty(shell: &Shell<'_>, item: &PathItem) -> Result<(), RemoteException> {
    let config_error = |error: common::conf::ConfError| RemoteException::io(error.to_string());
    let options = CreateOptions {
        permission: FsPermission::default_for(false, item.fs.umask()),
        overwrite: true,
        create_parent: true,
        replication: shell
            .conf
            .get_u16(keys::DFS_REPLICATION)
            .map_err(config_error)?,
        block_size: shell
            .conf
            .get_size_bytes(keys::DFS_BLOCKSIZE)
            .map_err(config_error)?,
    };
    item.fs.create_empty(&item.path, &options).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_which_times_to_set() {
        let now = 5_000;
        let both = TouchTimes {
            timestamp: None,
            access_only: false,
            modification_only: false,
        };
        assert_eq!(both.times(now), (5_000, 5_000));
        let access = TouchTimes {
            access_only: true,
            ..both
        };
        assert_eq!(access.times(now), (-1, 5_000));
        let modification = TouchTimes {
            modification_only: true,
            timestamp: Some(7),
            ..both
        };
        assert_eq!(modification.times(now), (7, -1));
        let both_flags = TouchTimes {
            access_only: true,
            modification_only: true,
            ..both
        };
        assert_eq!(both_flags.times(now), (5_000, 5_000));
    }

    #[test]
    fn parses_local_timestamps() {
        let millis = parse_timestamp("20240229:235958").unwrap();
        let local = chrono::Local.timestamp_millis_opt(millis).unwrap();
        assert_eq!(
            local.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2024-02-29 23:59:58"
        );
        let error = parse_timestamp("2024-02-29").unwrap_err();
        assert_eq!(
            error.0,
            "Unable to parse the specified timestamp 2024-02-29. The expected format is \
             yyyyMMdd:HHmmss"
        );
    }
}
