//! The copy task (Hadoop's `CopyMapper` and `RetriableFileCopyCommand`):
//! each input line is a [`CopyEntry`]; a directory is created, a file is
//! skipped when the target already has it, or streamed to a temporary file
//! beside the target, checked (length, then file checksum where both file
//! systems have one), renamed into place and given the preserved attributes.

use client::{CreateOptions, FileChecksum, FileStatus};
use common::{Configuration, FsPermission, RemoteException};

use super::listing::CopyEntry;
use super::options::{
    IGNORE_FAILURES_KEY, OVERWRITE_KEY, PRESERVE_KEY, Preserve, SKIP_CRC_KEY, SYNC_FOLDERS_KEY,
    flag,
};
use super::store::{Location, Resolver, Store};
use crate::counters::DISTCP_GROUP;
use crate::{Mapper, Output, TaskContext};

/// Bytes moved per read and write.
const COPY_BUFFER: usize = 1 << 20;

/// What the task was told to do.
struct CopySettings {
    update: bool,
    overwrite: bool,
    skip_crc: bool,
    ignore_failures: bool,
    preserve: Preserve,
    default_block_size: u64,
    default_replication: u16,
}

impl CopySettings {
    fn from_conf(conf: &Configuration) -> Result<Self, String> {
        // The task's setting lists exactly what to keep (to the parser, no
        // letters means everything).
        let letters = conf.get(PRESERVE_KEY).unwrap_or_default();
        let preserve = match letters.trim() {
            "" => Preserve::default(),
            letters => Preserve::parse(letters)?,
        };
        Ok(Self {
            update: flag(conf, SYNC_FOLDERS_KEY),
            overwrite: flag(conf, OVERWRITE_KEY),
            skip_crc: flag(conf, SKIP_CRC_KEY),
            ignore_failures: flag(conf, IGNORE_FAILURES_KEY),
            preserve,
            default_block_size: conf
                .get_size_bytes(common::conf::keys::DFS_BLOCKSIZE)
                .map_err(|error| error.to_string())?,
            default_replication: conf
                .get_u16(common::conf::keys::DFS_REPLICATION)
                .map_err(|error| error.to_string())?,
        })
    }
}

struct CopyState {
    runtime: tokio::runtime::Runtime,
    resolver: Resolver,
    settings: CopySettings,
    attempt_id: String,
    buffer: Vec<u8>,
}

/// What happened to one entry.
enum Outcome {
    Copied(u64),
    Skipped(u64),
    DirectoryCreated,
    DirectoryExists,
}

/// Copies the entries of its chunk.
#[derive(Default)]
pub(crate) struct CopyMapper {
    state: Option<CopyState>,
}

impl Clone for CopyMapper {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl Mapper for CopyMapper {
    type KeyIn = u64;
    type ValueIn = Vec<u8>;
    type KeyOut = ();
    type ValueOut = ();

    fn setup(&mut self, context: &mut TaskContext) {
        let settings = match CopySettings::from_conf(context.conf()) {
            Ok(settings) => settings,
            Err(error) => return context.fail(error),
        };
        let runtime = match crate::dfs_io::io_runtime(2) {
            Ok(runtime) => runtime,
            Err(error) => return context.fail(format!("cannot start the I/O runtime: {error}")),
        };
        let resolver = {
            let _entered = runtime.enter();
            Resolver::new(context.conf())
        };
        self.state = Some(CopyState {
            runtime,
            resolver,
            settings,
            attempt_id: context.attempt_id().to_string(),
            buffer: vec![0; COPY_BUFFER],
        });
    }

    fn map(&mut self, _offset: &u64, line: &Vec<u8>, output: &mut Output<'_, (), ()>) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        let context = output.context();
        let entry: CopyEntry = match serde_json::from_slice(line) {
            Ok(entry) => entry,
            Err(error) => return context.fail(format!("bad copy listing line: {error}")),
        };
        context.set_status(format!("Copying {} to {}", entry.source, entry.target));
        let CopyState {
            runtime,
            resolver,
            settings,
            attempt_id,
            buffer,
        } = state;
        let outcome = runtime.block_on(copy_entry(resolver, settings, attempt_id, buffer, &entry));
        match outcome {
            Ok(Outcome::Copied(bytes)) => {
                context.increment(DISTCP_GROUP, "BYTESEXPECTED", entry.length);
                context.increment(DISTCP_GROUP, "COPY", 1);
                context.increment(DISTCP_GROUP, "BYTESCOPIED", bytes);
            }
            Ok(Outcome::Skipped(bytes)) => {
                context.increment(DISTCP_GROUP, "SKIP", 1);
                context.increment(DISTCP_GROUP, "BYTESSKIPPED", bytes);
            }
            Ok(Outcome::DirectoryCreated) => context.increment(DISTCP_GROUP, "DIR_COPY", 1),
            Ok(Outcome::DirectoryExists) => {}
            Err(reason) => {
                if !entry.is_dir {
                    context.increment(DISTCP_GROUP, "BYTESEXPECTED", entry.length);
                }
                let message = format!(
                    "File copy failed: {} --> {}: {reason}",
                    entry.source, entry.target
                );
                if settings.ignore_failures {
                    eprintln!("WARN mapred.CopyMapper: {message}");
                    context.increment(DISTCP_GROUP, "FAIL", 1);
                    context.increment(DISTCP_GROUP, "BYTESFAILED", entry.length);
                } else {
                    context.fail(message);
                }
            }
        }
    }
}

async fn copy_entry(
    resolver: &mut Resolver,
    settings: &CopySettings,
    attempt_id: &str,
    buffer: &mut [u8],
    entry: &CopyEntry,
) -> Result<Outcome, String> {
    let text = |error: RemoteException| error.message;
    let (source_store, source) = resolver.resolve(&entry.source).map_err(text)?;
    let (target_store, target) = resolver.resolve(&entry.target).map_err(text)?;
    let umask = resolver.umask();
    let existing = target_store.stat(&target.path).await.map_err(text)?;
    if entry.is_dir {
        if existing.as_ref().is_some_and(|status| status.is_dir) {
            return Ok(Outcome::DirectoryExists);
        }
        target_store
            .mkdirs(&target.path, FsPermission::default_for(true, umask))
            .await
            .map_err(text)?;
        preserve_attributes(&target_store, &target.path, entry, settings.preserve, false)
            .await
            .map_err(text)?;
        return Ok(Outcome::DirectoryCreated);
    }
    if let Some(existing) = &existing
        && !existing.is_dir
        && !settings.overwrite
        && can_skip(
            settings,
            &source_store,
            &source,
            &target_store,
            existing,
            entry,
        )
        .await?
    {
        return Ok(Outcome::Skipped(entry.length));
    }
    let temp = target.parent().join(&format!("/.distcp.tmp.{attempt_id}"));
    let options = CreateOptions {
        permission: FsPermission::default_for(false, umask),
        overwrite: true,
        create_parent: true,
        replication: if settings.preserve.replication {
            entry.replication.max(1)
        } else {
            settings.default_replication
        },
        block_size: if settings.preserve.block_size && entry.block_size > 0 {
            entry.block_size
        } else {
            settings.default_block_size
        },
    };
    let copied = copy_bytes(
        &source_store,
        &source,
        &target_store,
        &temp,
        &options,
        buffer,
    )
    .await;
    let checked = match copied {
        Ok(bytes) => check_copy(
            settings,
            entry,
            bytes,
            &source_store,
            &source,
            &target_store,
            &temp,
        )
        .await
        .map(|()| bytes),
        Err(error) => Err(error),
    };
    let bytes = match checked {
        Ok(bytes) => bytes,
        Err(reason) => {
            let _ = target_store.delete_file(&temp.path).await;
            return Err(reason);
        }
    };
    target_store
        .rename_over(&temp.path, &target.path)
        .await
        .map_err(text)?;
    preserve_attributes(&target_store, &target.path, entry, settings.preserve, true)
        .await
        .map_err(text)?;
    Ok(Outcome::Copied(bytes))
}

/// Whether an existing target file may stay (Hadoop's `canSkip`): always
/// without `-update`; with it when lengths (and block sizes, with `-pb`)
/// agree and the checksums do, or `-skipcrccheck` was given.
async fn can_skip(
    settings: &CopySettings,
    source_store: &Store,
    source: &Location,
    target_store: &Store,
    existing: &FileStatus,
    entry: &CopyEntry,
) -> Result<bool, String> {
    if !settings.update {
        return Ok(true);
    }
    let same_length = existing.length == entry.length;
    let same_block_size = !settings.preserve.block_size || existing.block_size == entry.block_size;
    if !(same_length && same_block_size) {
        return Ok(false);
    }
    if settings.skip_crc {
        return Ok(true);
    }
    let text = |error: RemoteException| error.message;
    let source_checksum = source_store.checksum(&source.path).await.map_err(text)?;
    let target_checksum = target_store.checksum(&existing.path).await.map_err(text)?;
    Ok(match (source_checksum, target_checksum) {
        (Some(source), Some(target)) => same_checksum(&source, &target),
        _ => true,
    })
}

/// Whether two file checksums agree as Hadoop's `FileChecksum.equals` has
/// it: same algorithm, same bytes (the `length` field is not part of it:
/// WebHDFS reports the checksum's length, the DFS client the file's).
fn same_checksum(left: &FileChecksum, right: &FileChecksum) -> bool {
    left.algorithm() == right.algorithm() && left.md5 == right.md5
}

/// Streams the source into `temp`; the bytes copied.
async fn copy_bytes(
    source_store: &Store,
    source: &Location,
    target_store: &Store,
    temp: &Location,
    options: &CreateOptions,
    buffer: &mut [u8],
) -> Result<u64, String> {
    let text = |error: RemoteException| error.message;
    let mut input = source_store.open(&source.path).await.map_err(text)?;
    let mut output = target_store
        .create(&temp.path, options)
        .await
        .map_err(text)?;
    let mut copied = 0u64;
    loop {
        let read = input.read(buffer).await.map_err(text)?;
        if read == 0 {
            break;
        }
        output.write(&buffer[..read]).await.map_err(text)?;
        copied += read as u64;
    }
    output.close().await.map_err(text)?;
    Ok(copied)
}

/// Compares the copy with its source: length, then checksums where both
/// file systems have them (same algorithm on both), unless skipped.
async fn check_copy(
    settings: &CopySettings,
    entry: &CopyEntry,
    copied: u64,
    source_store: &Store,
    source: &Location,
    target_store: &Store,
    temp: &Location,
) -> Result<(), String> {
    let text = |error: RemoteException| error.message;
    let written = target_store
        .stat(&temp.path)
        .await
        .map_err(text)?
        .map_or(0, |status| status.length);
    if copied != entry.length || written != entry.length {
        return Err(format!(
            "Mismatch in length of source:{} ({}) and target:{} ({written})",
            source.uri(),
            entry.length,
            temp.uri()
        ));
    }
    if settings.skip_crc {
        return Ok(());
    }
    let source_checksum = source_store.checksum(&source.path).await.map_err(text)?;
    let target_checksum = target_store.checksum(&temp.path).await.map_err(text)?;
    let (Some(source_checksum), Some(target_checksum)) = (source_checksum, target_checksum) else {
        return Ok(());
    };
    if same_checksum(&source_checksum, &target_checksum) {
        return Ok(());
    }
    let block_size_hint = if source_checksum.crc_per_block != target_checksum.crc_per_block {
        " Source and target differ in block-size. Use -pb to preserve block-sizes during copy."
    } else {
        ""
    };
    Err(format!(
        "Checksum mismatch between {} and {}.{block_size_hint} Alternatively, skip \
         checksum-checks altogether, using -skipCrc. (NOTE: By skipping checksums, one runs \
         the risk of masking data-corruption during file-transfer.)",
        source.uri(),
        temp.uri()
    ))
}

/// Gives `path` the attributes `-p` keeps (a directory's times are set by
/// the client once every file in it is there).
pub(crate) async fn preserve_attributes(
    store: &Store,
    path: &str,
    entry: &CopyEntry,
    preserve: Preserve,
    with_times: bool,
) -> Result<(), RemoteException> {
    if preserve.permission {
        store
            .set_permission(path, FsPermission::new(entry.permission))
            .await?;
    }
    let owner = preserve.user.then_some(entry.owner.as_str());
    let group = preserve.group.then_some(entry.group.as_str());
    if owner.is_some() || group.is_some() {
        store.set_owner(path, owner, group).await?;
    }
    if preserve.replication && !entry.is_dir && entry.replication > 0 {
        store.set_replication(path, entry.replication).await?;
    }
    if preserve.times && with_times {
        store
            .set_times(path, entry.modification_time, entry.access_time)
            .await?;
    }
    Ok(())
}
