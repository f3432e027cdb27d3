//! `-memory N`: N one-block files built with the domain API (plan + apply, as
//! the NameNode does it, without the edit log), the resident memory they
//! take, and the time to save and load them as an fsimage.
//!
//! Two figures per file: resident memory (`/proc/self/statm`, what the
//! machine pays, allocator fragmentation included) and, with glibc, heap
//! bytes allocated (`mallinfo2`, what the namespace holds, spare capacity
//! included). Run it before anything else in the process: memory freed
//! earlier would be reused by the namespace and hide part of its cost. After
//! the image is loaded only the heap figure is meaningful: the load reuses
//! the heap the built namespace left behind.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::FsPermission;
use namenode::formats;
use namenode::{Block, Caller, CreateRequest, Limits, Namespace};

use super::target::{Area, Layout};

const CLIENT_NAME: &str = "NNBench-memory";
const BLOCK_SIZE: u64 = 128 * 1024 * 1024;

/// What the memory benchmark measured.
#[derive(Clone, Debug)]
pub struct MemoryReport {
    pub files: u64,
    pub directories: u64,
    pub build_time: Duration,
    pub resident_before: u64,
    pub resident_after: u64,
    pub save_time: Duration,
    pub image_bytes: u64,
    pub load_time: Duration,
    /// Heap bytes allocated before and after the build (glibc only).
    pub heap_before_after: Option<(u64, u64)>,
    /// Heap bytes allocated per file of the namespace as loaded from the image
    /// (glibc only).
    pub loaded_heap_per_file: Option<f64>,
}

impl MemoryReport {
    /// Resident bytes the built namespace takes, per file.
    pub fn bytes_per_file(&self) -> f64 {
        self.resident_after.saturating_sub(self.resident_before) as f64 / self.files.max(1) as f64
    }

    /// Heap bytes the built namespace has allocated, per file (glibc only).
    pub fn heap_bytes_per_file(&self) -> Option<f64> {
        let (before, after) = self.heap_before_after?;
        Some(after.saturating_sub(before) as f64 / self.files.max(1) as f64)
    }
}

/// Builds `files` one-block files, `files_per_dir` to a directory, measures
/// the resident memory, then saves and loads them as an fsimage in `dir`.
pub fn measure(dir: &Path, files: u64, files_per_dir: u64) -> anyhow::Result<MemoryReport> {
    let layout = Layout { files_per_dir };
    let user = common::user::os_user();
    let caller = Caller::superuser(&user);
    let now = common::time::now_millis();
    release_free_memory();
    let resident_before = resident_bytes()?;
    let heap_before = live_heap_bytes();
    let mut namespace = Namespace::new(&user, "supergroup", now, Limits::default());
    let started = Instant::now();
    let directories = layout.parents_for(files);
    for index in 0..directories {
        let path = layout.parent(Area::Files, index);
        let ops = namespace.plan_mkdirs(&path, FsPermission::new(0o755), true, &caller, now)?;
        for op in &ops {
            namespace.apply(op)?;
        }
    }
    for index in 0..files {
        add_one_block_file(
            &mut namespace,
            &caller,
            &layout.entry(Area::Files, "file", index),
            now,
        )?;
    }
    let build_time = started.elapsed();
    let resident_after = resident_bytes()?;
    let heap_after = live_heap_bytes();
    if namespace.num_files() != files {
        bail!("built {} files instead of {files}", namespace.num_files());
    }

    let image = dir.join("fsimage_memory");
    let started = Instant::now();
    formats::save(&namespace, 0, 1, &image)
        .with_context(|| format!("saving {}", image.display()))?;
    let save_time = started.elapsed();
    let image_bytes = std::fs::metadata(&image)
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    drop(namespace);
    release_free_memory();

    let heap_before_load = live_heap_bytes();
    let started = Instant::now();
    let loaded = formats::load(&image, Limits::default())?;
    let load_time = started.elapsed();
    let heap_after_load = live_heap_bytes();
    if loaded.namespace.num_files() != files {
        bail!(
            "loaded {} files instead of {files}",
            loaded.namespace.num_files()
        );
    }
    drop(loaded);
    let _ = std::fs::remove_file(&image);
    let _ = std::fs::remove_file(formats::md5_path(&image));
    Ok(MemoryReport {
        files,
        directories,
        build_time,
        resident_before,
        resident_after,
        save_time,
        image_bytes,
        load_time,
        heap_before_after: heap_before.zip(heap_after),
        loaded_heap_per_file: heap_before_load
            .zip(heap_after_load)
            .map(|(before, after)| after.saturating_sub(before) as f64 / files.max(1) as f64),
    })
}

/// create, addBlock, complete: what a client writing one block does.
pub(super) fn add_one_block_file(
    namespace: &mut Namespace,
    caller: &Caller,
    path: &str,
    now: i64,
) -> anyhow::Result<()> {
    let request = CreateRequest {
        path,
        permission: FsPermission::new(0o644),
        client_name: CLIENT_NAME,
        overwrite: false,
        create_parent: false,
        replication: 3,
        block_size: BLOCK_SIZE,
    };
    for op in namespace.plan_create(&request, caller, now)? {
        namespace.apply(&op)?;
    }
    let file_id = namespace.counters().last_inode_id;
    let (op, block) = namespace.plan_add_block(path, CLIENT_NAME, file_id, None)?;
    namespace.apply(&op)?;
    let written = Block {
        num_bytes: BLOCK_SIZE / 2,
        ..block
    };
    if let Some(op) = namespace.plan_complete(path, CLIENT_NAME, file_id, Some(written), now)? {
        namespace.apply(&op)?;
    }
    Ok(())
}

/// The process's resident set size, from `/proc/self/statm`.
pub fn resident_bytes() -> anyhow::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")
        .context("the memory figure needs /proc/self/statm (Linux)")?;
    let resident_pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .context("unexpected /proc/self/statm format")?;
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Ok(resident_pages * u64::try_from(page_size).unwrap_or(4096))
}

/// Bytes the allocator has handed out and not got back, chunk headers
/// included (glibc's `mallinfo2`); `None` with another allocator.
fn live_heap_bytes() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's statistics.
        let info = unsafe { libc::mallinfo2() };
        Some((info.uordblks + info.hblkhd) as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}

/// Gives freed heap memory back to the kernel, so that resident figures
/// measure what is live.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}
