//! The trash (Hadoop's TrashPolicyDefault): with `fs.trash.interval` > 0,
//! `-rm` moves a path to `/user/<user>/.Trash/Current/<full path>` instead of
//! deleting it. Checkpoints rename `Current` to a `yyMMddHHmmss` directory;
//! checkpoints older than the interval are deleted, by `-expunge` or by the
//! NameNode's emptier every `fs.trash.checkpoint.interval`.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeZone, Utc};
use common::{Configuration, ExceptionKind, FsPermission, RemoteException};

use crate::{DfsClient, Result};

/// `fs.trash.interval`: minutes a deleted path stays in the trash (0: no trash).
pub const TRASH_INTERVAL_KEY: &str = common::conf::keys::FS_TRASH_INTERVAL;

const CURRENT: &str = "Current";
const CHECKPOINT_FORMAT: &str = "%y%m%d%H%M%S";

/// One user's trash on one file system.
pub struct Trash {
    fs: DfsClient,
    interval: Duration,
}

impl Trash {
    /// The trash of `fs`'s user; the interval is the NameNode's if it sets
    /// one, else the client's (as Hadoop's `Trash.moveToAppropriateTrash`).
    pub async fn new(fs: &DfsClient, conf: &Configuration) -> Result<Self> {
        let server = fs.server_defaults().await?.trash_interval_minutes;
        let interval = if server > 0 {
            Duration::from_secs(server * 60)
        } else {
            conf.get_minutes(TRASH_INTERVAL_KEY)
                .map_err(|error| RemoteException::illegal_argument(error.to_string()))?
        };
        Ok(Self::with_interval(fs.clone(), interval))
    }

    pub fn with_interval(fs: DfsClient, interval: Duration) -> Self {
        Self { fs, interval }
    }

    pub fn is_enabled(&self) -> bool {
        !self.interval.is_zero()
    }

    /// `/user/<user>/.Trash`
    pub fn root(&self) -> String {
        format!("/user/{}/.Trash", self.fs.user())
    }

    /// Moves `path` into the trash; `None` when the trash is off or `path`
    /// already is in it (the caller then deletes it for good).
    pub async fn move_to_trash(&self, path: &str) -> Result<Option<String>> {
        let root = self.root();
        if !self.is_enabled() || common::path::is_same_or_descendant(path, &root) {
            return Ok(None);
        }
        if common::path::is_same_or_descendant(&root, path) {
            return Err(RemoteException::io(format!(
                "Failed to move to trash: {}{path}: Cannot move \"{path}\" to the trash, as it contains the trash. Consider using -skipTrash option",
                self.fs.uri()
            )));
        }
        let mut target = format!("{root}/{CURRENT}{path}");
        let parent = common::path::parent(&target).to_string();
        self.fs
            .mkdirs(&parent, FsPermission::new(0o700), true)
            .await?;
        if self.fs.get_file_info(&target).await?.is_some() {
            // As Hadoop: a name already in the trash gets the time appended.
            target = format!("{target}{}", common::time::now_millis());
        }
        self.fs.rename(path, &target, false, false).await?;
        Ok(Some(target))
    }

    /// `-expunge`: checkpoints `Current`, then deletes the checkpoints older
    /// than the interval (all of them with `immediate`).
    pub async fn expunge(&self, immediate: bool) -> Result<()> {
        let root = self.root();
        self.checkpoint(&root).await?;
        self.delete_checkpoints(&root, immediate).await
    }

    /// One round of the NameNode's emptier over every user's trash.
    pub async fn empty_all(&self) -> Result<()> {
        let users = match self.fs.list("/user").await {
            Ok(users) => users,
            Err(error) if error.kind == ExceptionKind::FileNotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        for home in users.into_iter().filter(|home| home.is_dir) {
            let root = format!("{}/.Trash", home.path);
            if self.fs.get_file_info(&root).await?.is_some() {
                self.checkpoint(&root).await?;
                self.delete_checkpoints(&root, false).await?;
            }
        }
        Ok(())
    }

    async fn checkpoint(&self, root: &str) -> Result<()> {
        let current = format!("{root}/{CURRENT}");
        if self.fs.get_file_info(&current).await?.is_none() {
            return Ok(());
        }
        let name = Utc::now().format(CHECKPOINT_FORMAT).to_string();
        let mut checkpoint = format!("{root}/{name}");
        let mut attempt = 1;
        while self.fs.get_file_info(&checkpoint).await?.is_some() {
            checkpoint = format!("{root}/{name}-{attempt}");
            attempt += 1;
        }
        self.fs.rename(&current, &checkpoint, false, false).await?;
        tracing::info!(checkpoint, "created trash checkpoint");
        Ok(())
    }

    async fn delete_checkpoints(&self, root: &str, all: bool) -> Result<()> {
        let now = Utc::now().timestamp();
        for entry in self.fs.list(root).await? {
            let name = common::path::basename(&entry.path);
            if name == CURRENT {
                continue;
            }
            let Some(taken) = checkpoint_time(name) else {
                tracing::warn!(path = %entry.path, "unexpected item in trash, left alone");
                continue;
            };
            let age = Duration::from_secs(now.saturating_sub(taken).max(0) as u64);
            if all || age >= self.interval {
                self.fs.delete(&entry.path, true).await?;
                tracing::info!(checkpoint = %entry.path, "deleted trash checkpoint");
            }
        }
        Ok(())
    }
}

/// Seconds since the epoch of a checkpoint named `yyMMddHHmmss[-N]`.
fn checkpoint_time(name: &str) -> Option<i64> {
    let stamp = name.split('-').next()?;
    let time = NaiveDateTime::parse_from_str(stamp, CHECKPOINT_FORMAT).ok()?;
    Some(Utc.from_utc_datetime(&time).timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_names_are_times() {
        assert_eq!(checkpoint_time("700101000001"), Some(1));
        assert_eq!(
            checkpoint_time("261122113000-2"),
            checkpoint_time("261122113000")
        );
        assert_eq!(checkpoint_time("Current"), None);
        assert_eq!(checkpoint_time("not-a-time"), None);
    }
}
