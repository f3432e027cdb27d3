//! DistCp (`hadoop distcp [OPTIONS] SRC... DST`): a map-only job whose
//! tasks copy files between `hdfs://`, `webhdfs://` and `file://` paths.
//!
//! The client builds the copy listing ([`listing`]), writes it as chunk
//! files to a meta folder in the staging dir (one chunk per map), runs the
//! job and then, as Hadoop's `CopyCommitter`, gives directories their
//! preserved attributes and removes temporary files of failed attempts.
//! The tasks are [`mapper::CopyMapper`]s.

mod listing;
mod mapper;
mod options;
mod store;

use std::collections::BTreeSet;

use common::Configuration;

use crate::Job;
use listing::{CopyEntry, chunk, map_count, relative, source_root};
use mapper::{CopyMapper, preserve_attributes};
pub use options::{Options, Preserve, USAGE};
use store::{Location, Resolver, Store};

/// The job's name (`mapreduce.job.name`), as Hadoop's.
pub const JOB_NAME: &str = "distcp";
/// Exit code of bad arguments and missing sources (Hadoop's `INVALID_ARGUMENT`, -1).
pub const EXIT_INVALID_ARGUMENT: i32 = 255;
/// Exit code of a failed copy (Hadoop's `UNKNOWN_ERROR`, -999, as a process exit code).
pub const EXIT_UNKNOWN_ERROR: i32 = 25;
/// Prefix of the temporary files copies are written to.
const TEMP_PREFIX: &str = ".distcp.tmp.";

/// The copy job, as the client submits it and its containers rebuild it.
fn copy_job() -> Job<(), ()> {
    Job::new(JOB_NAME)
        .mapper(CopyMapper::default())
        .reduces(0)
        .set("mapreduce.map.speculative", "false")
}

/// The whole `main` of the `distcp` binary.
pub fn main() -> ! {
    let (conf, args) = crate::parse_command_line();
    if crate::in_container() {
        let result = crate::submit(copy_job(), &conf);
        crate::runner::exit_with(&result)
    }
    std::process::exit(run_client(&conf, &args))
}

fn invalid_input(reason: &str) -> i32 {
    eprintln!(
        "ERROR tools.DistCp: Invalid input: \n\
         org.apache.hadoop.tools.CopyListing$InvalidInputException: {reason}"
    );
    EXIT_INVALID_ARGUMENT
}

fn exception(reason: &str) -> i32 {
    eprintln!("ERROR tools.DistCp: Exception encountered \njava.io.IOException: {reason}");
    EXIT_UNKNOWN_ERROR
}

/// Why the copy listing could not be made.
enum ListingError {
    /// A source is not there (Hadoop's `InvalidInputException`).
    MissingSource(String),
    /// A file system call failed.
    Failed(String),
}

/// The listing of every source, or the reason it cannot be made.
fn build_listing(
    runtime: &tokio::runtime::Runtime,
    options: &Options,
    sources: &[(Store, Location)],
    target: &Location,
    target_status: Option<&client::FileStatus>,
) -> Result<Vec<CopyEntry>, ListingError> {
    let target_exists = target_status.is_some();
    let target_is_dir = target_status.is_some_and(|status| status.is_dir);
    let mut entries = Vec::new();
    for (store, source) in sources {
        let status = runtime
            .block_on(store.stat(&source.path))
            .map_err(|error| ListingError::Failed(error.message))?;
        let Some(status) = status else {
            return Err(ListingError::MissingSource(format!(
                "Input source {} doesn't exist.",
                source.uri()
            )));
        };
        let root = source_root(
            &source.path,
            status.is_dir,
            sources.len() == 1,
            target_is_dir,
            target_exists,
            options.sync_or_overwrite(),
        );
        let mut pending = vec![status];
        while let Some(status) = pending.pop() {
            let location = Location {
                fs_uri: source.fs_uri.clone(),
                path: status.path.clone(),
            };
            entries.push(CopyEntry {
                source: location.uri(),
                target: target.join(&relative(&status.path, &root)).uri(),
                is_dir: status.is_dir,
                length: status.length,
                permission: status.permission.bits(),
                owner: status.owner.clone(),
                group: status.group.clone(),
                modification_time: status.modification_time,
                access_time: status.access_time,
                replication: status.replication,
                block_size: status.block_size,
            });
            if status.is_dir {
                let children = runtime
                    .block_on(store.list(&status.path))
                    .map_err(|error| ListingError::Failed(error.message))?;
                pending.extend(children.into_iter().rev());
            }
        }
    }
    Ok(entries)
}

/// The client: listing, job, commit. Returns the exit code.
fn run_client(conf: &Configuration, args: &[String]) -> i32 {
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(reason) => {
            eprintln!("ERROR tools.DistCp: Invalid arguments: {reason}");
            eprintln!("Invalid arguments: {reason}");
            eprintln!("{USAGE}");
            return EXIT_INVALID_ARGUMENT;
        }
    };
    let runtime = match crate::dfs_io::io_runtime(2) {
        Ok(runtime) => runtime,
        Err(error) => return exception(&format!("cannot start the I/O runtime: {error}")),
    };
    let mut resolver = {
        let _entered = runtime.enter();
        Resolver::new(conf)
    };
    let (target_store, target) = match resolver.resolve(&options.target) {
        Ok(resolved) => resolved,
        Err(error) => return exception(&error.message),
    };
    let mut sources = Vec::new();
    for source in &options.sources {
        match resolver.resolve(source) {
            Ok(resolved) => sources.push(resolved),
            Err(error) => return invalid_input(&error.message),
        }
    }
    let target_status = match runtime.block_on(target_store.stat(&target.path)) {
        Ok(status) => status,
        Err(error) => return exception(&error.message),
    };
    let source_uris: Vec<String> = sources.iter().map(|(_, source)| source.uri()).collect();
    eprintln!(
        "INFO tools.DistCp: Input Options: {}",
        options.describe(&source_uris, &target.uri(), target_status.is_some())
    );
    let entries = match build_listing(
        &runtime,
        &options,
        &sources,
        &target,
        target_status.as_ref(),
    ) {
        Ok(entries) => entries,
        Err(ListingError::MissingSource(reason)) => return invalid_input(&reason),
        Err(ListingError::Failed(reason)) => return exception(&reason),
    };
    let directories = entries.iter().filter(|entry| entry.is_dir).count();
    eprintln!(
        "INFO tools.SimpleCopyListing: Paths (files+dirs) cnt = {}; dirCnt = {directories}",
        entries.len()
    );
    eprintln!("INFO tools.SimpleCopyListing: Build file listing completed.");
    eprintln!(
        "INFO tools.DistCp: Number of paths in the copy list: {}",
        entries.len()
    );
    let fs = match crate::FileSystem::from_conf(conf) {
        Ok(fs) => fs,
        Err(error) => return exception(&error.to_string()),
    };
    let meta = match fs.temp_dir(conf, "_distcp") {
        Ok(meta) => meta,
        Err(error) => return exception(&error.to_string()),
    };
    let code = run_job(conf, &options, &fs, &meta, &entries);
    let code = if code == 0 {
        commit(&runtime, &mut resolver, &options, &entries)
    } else {
        code
    };
    let code = if code == 0 && options.delete {
        delete_missing(&runtime, &target_store, &target, &entries)
    } else {
        code
    };
    let _ = fs.delete(&meta, true);
    code
}

/// Writes the chunks and runs the copy job.
fn run_job(
    conf: &Configuration,
    options: &Options,
    fs: &crate::FileSystem,
    meta: &str,
    entries: &[CopyEntry],
) -> i32 {
    let sizes: Vec<u64> = entries.iter().map(|entry| entry.length).collect();
    let total: u64 = sizes.iter().sum();
    let maps = map_count(options.max_maps, entries.len(), total);
    let listing_dir = format!("{meta}/fileList");
    for (index, members) in chunk(&sizes, maps).iter().enumerate() {
        let mut lines = Vec::new();
        for &member in members {
            let line = serde_json::to_vec(&entries[member]).expect("entries serialize");
            lines.extend_from_slice(&line);
            lines.push(b'\n');
        }
        let path = format!("{listing_dir}/part-{index:05}");
        if let Err(error) = fs.write_file(&path, &lines) {
            return exception(&error.to_string());
        }
    }
    let mut job = copy_job()
        .input(&listing_dir)
        .output(&format!("{meta}/_logs"));
    for (key, value) in options.task_settings() {
        job = job.set(key, value);
    }
    match crate::submit(job, conf) {
        Ok(_) => 0,
        Err(failure) => {
            let job_id = failure.job_id.as_deref().unwrap_or("(not submitted)");
            exception(&format!(
                "DistCp failure: Job {job_id} has failed: {}",
                failure.reason
            ))
        }
    }
}

/// After the job (Hadoop's `CopyCommitter`): temporary files of failed
/// attempts removed, directories given their preserved attributes.
fn commit(
    runtime: &tokio::runtime::Runtime,
    resolver: &mut Resolver,
    options: &Options,
    entries: &[CopyEntry],
) -> i32 {
    let parents: BTreeSet<String> = entries
        .iter()
        .filter(|entry| !entry.is_dir)
        .filter_map(|entry| {
            let (_, target) = resolver.resolve(&entry.target).ok()?;
            Some(target.parent().uri())
        })
        .collect();
    for parent in parents {
        let Ok((store, location)) = resolver.resolve(&parent) else {
            continue;
        };
        let Ok(children) = runtime.block_on(store.list(&location.path)) else {
            continue;
        };
        for child in children {
            if child.name().starts_with(TEMP_PREFIX) {
                let _ = runtime.block_on(store.delete_file(&child.path));
            }
        }
    }
    if !options.preserve.any_of_directories() {
        return 0;
    }
    for entry in entries.iter().rev().filter(|entry| entry.is_dir) {
        let result = resolver.resolve(&entry.target).map(|(store, target)| {
            runtime.block_on(preserve_attributes(
                &store,
                &target.path,
                entry,
                options.preserve,
                true,
            ))
        });
        if let Err(error) | Ok(Err(error)) = result {
            return exception(&format!(
                "cannot preserve the attributes of {}: {}",
                entry.target, error.message
            ));
        }
    }
    0
}

/// `-delete` (Hadoop's `CopyCommitter.deleteMissing`): every path below the
/// target that no listed source maps to is deleted (a directory with all
/// it holds).
fn delete_missing(
    runtime: &tokio::runtime::Runtime,
    store: &Store,
    target: &Location,
    entries: &[CopyEntry],
) -> i32 {
    let listed: BTreeSet<&str> = entries.iter().map(|entry| entry.target.as_str()).collect();
    let (mut files, mut directories) = (0u64, 0u64);
    let mut pending = vec![target.path.clone()];
    while let Some(dir) = pending.pop() {
        let children = match runtime.block_on(store.list(&dir)) {
            Ok(children) => children,
            Err(error) => return exception(&error.message),
        };
        for child in children {
            let uri = Location {
                fs_uri: target.fs_uri.clone(),
                path: child.path.clone(),
            }
            .uri();
            if listed.contains(uri.as_str()) {
                if child.is_dir {
                    pending.push(child.path.clone());
                }
                continue;
            }
            if let Err(error) = runtime.block_on(store.delete_tree(&child.path)) {
                return exception(&error.message);
            }
            if child.is_dir {
                directories += 1;
            } else {
                files += 1;
            }
        }
    }
    eprintln!(
        "INFO mapred.CopyCommitter: Deleted from target: files: {files} directories: \
         {directories}; skipped deletions 0; deletions already missing 0; failed deletes 0"
    );
    0
}
