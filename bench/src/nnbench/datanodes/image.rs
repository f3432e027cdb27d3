//! The simulation's namespace: files of a few blocks each, built with
//! the domain API (as `-memory` does) and saved as a formatted name dir's
//! fsimage, so a NameNode process starts from it.
//!
//! Block `j` of the namespace has id `first.id + j` and generation stamp
//! `first.generation_stamp + j` (the namespace allocates both in sequence;
//! the build checks it), so the simulated DataNodes compute their replicas
//! instead of holding a list of them.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::FsPermission;
use common::ids::{BlockId, GenerationStamp};
use namenode::formats::NameDirs;
use namenode::{Block, Caller, CreateRequest, Limits, Namespace};

use crate::nnbench::target::{Area, Layout};

const CLIENT_NAME: &str = "NNBench-datanodes";
const BLOCK_SIZE: u64 = 128 * 1024 * 1024;
/// Every block's length: what the simulated DataNodes report.
pub const BLOCK_BYTES: u64 = 1024;
/// The cluster id the simulated DataNodes register with.
pub const CLUSTER_ID: &str = "CID-nnbench-datanodes";

/// A built and saved namespace.
#[derive(Clone, Copy, Debug)]
pub struct Image {
    /// Block 0; block `j` follows it by `j` in id and stamp.
    pub first: Block,
    pub build_time: Duration,
}

impl Image {
    /// Block `j` as its DataNodes report it.
    pub fn block(&self, j: u64) -> Block {
        Block {
            id: BlockId(self.first.id.0 + j),
            generation_stamp: GenerationStamp(self.first.generation_stamp.0 + j),
            num_bytes: BLOCK_BYTES,
        }
    }
}

/// Builds `files` files holding `blocks` blocks between them (as evenly as
/// they divide; none when `blocks` is 0) and saves them as the image of a
/// new name dir `name_dir`.
pub fn write(
    name_dir: &Path,
    files: u64,
    blocks: u64,
    files_per_dir: u64,
) -> anyhow::Result<Image> {
    let user = common::user::os_user();
    let caller = Caller::superuser(&user);
    let now = common::time::now_millis();
    let layout = Layout { files_per_dir };
    let limits = Limits::default();
    let mut namespace = Namespace::new(&user, "supergroup", now, limits);
    let started = Instant::now();
    for index in 0..layout.parents_for(files) {
        let path = layout.parent(Area::Files, index);
        for op in namespace.plan_mkdirs(&path, FsPermission::new(0o755), true, &caller, now)? {
            namespace.apply(&op)?;
        }
    }
    let mut first = None;
    for index in 0..files {
        let path = file_path(files_per_dir, index);
        let count = blocks / files + u64::from(index < blocks % files);
        add_file(&mut namespace, &caller, &path, count, now, &mut first)
            .with_context(|| format!("building '{path}'"))?;
    }
    let build_time = started.elapsed();
    let names = NameDirs::lock(&[name_dir.to_path_buf()])?;
    let info = names.format(Some(CLUSTER_ID), true, &user, "supergroup")?;
    names.save_image(&namespace, 1, info.namespace_id)?;
    Ok(Image {
        first: first.unwrap_or(Block {
            id: BlockId(0),
            generation_stamp: GenerationStamp(0),
            num_bytes: 0,
        }),
        build_time,
    })
}

/// The path of file `index`.
pub fn file_path(files_per_dir: u64, index: u64) -> String {
    Layout { files_per_dir }.entry(Area::Files, "file", index)
}

/// create, `blocks` x addBlock, complete; checks each block follows the
/// first one in sequence.
fn add_file(
    namespace: &mut Namespace,
    caller: &Caller,
    path: &str,
    blocks: u64,
    now: i64,
    first: &mut Option<Block>,
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
    let mut previous: Option<Block> = None;
    for _ in 0..blocks {
        let (op, block) = namespace.plan_add_block(path, CLIENT_NAME, file_id, previous)?;
        namespace.apply(&op)?;
        let first = *first.get_or_insert(block);
        let j = block.id.0 - first.id.0;
        if block.generation_stamp.0 != first.generation_stamp.0 + j {
            bail!(
                "block {} has generation stamp {}, not {}: the simulation needs them in sequence",
                block.id,
                block.generation_stamp.0,
                first.generation_stamp.0 + j
            );
        }
        previous = Some(Block {
            num_bytes: BLOCK_BYTES,
            ..block
        });
    }
    if let Some(op) = namespace.plan_complete(path, CLIENT_NAME, file_id, previous, now)? {
        namespace.apply(&op)?;
    }
    Ok(())
}
