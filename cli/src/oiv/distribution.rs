//! The FileDistribution processor, as Hadoop's FileDistributionCalculator:
//! file sizes counted in buckets of `step` bytes up to `max_size` (bucket
//! `i` holds sizes in `((i-1)*step, i*step]`, printed by its upper bound;
//! larger files go to the last bucket), then totals.

use std::io::Write;

use namenode::formats::ImageReader;

/// Most buckets a distribution may have (memory bound).
const MAX_BUCKETS: u64 = 10_000_000;

pub fn write(
    mut reader: ImageReader,
    step: u64,
    max_size: u64,
    out: &mut dyn Write,
) -> Result<(), String> {
    let failed = |error: std::io::Error| format!("cannot write output: {error}");
    let buckets = max_size.div_ceil(step) + 1;
    if buckets > MAX_BUCKETS {
        return Err(format!(
            "-maxSize {max_size} / -step {step} makes {buckets} buckets, more than {MAX_BUCKETS}: use a larger -step"
        ));
    }
    let buckets = buckets as usize;
    let mut distribution = vec![0u64; buckets];
    let (mut files, mut directories, mut blocks, mut space, mut max_file) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    while let Some(inode) = reader.next_inode().map_err(|error| error.to_string())? {
        if inode.is_directory {
            directories += 1;
            continue;
        }
        let size: u64 = inode.blocks.iter().map(|block| block.num_bytes).sum();
        files += 1;
        blocks += inode.blocks.len() as u64;
        space += size * u64::from(inode.replication);
        max_file = max_file.max(size);
        let bucket = if size > max_size {
            buckets - 1
        } else {
            size.div_ceil(step) as usize
        };
        distribution[bucket] += 1;
    }
    writeln!(out, "Processed {} inodes.", files + directories).map_err(failed)?;
    writeln!(out, "Size\tNumFiles").map_err(failed)?;
    for (bucket, count) in distribution.iter().enumerate() {
        if *count > 0 {
            writeln!(out, "{}\t{count}", bucket as u64 * step).map_err(failed)?;
        }
    }
    writeln!(out, "totalFiles = {files}").map_err(failed)?;
    writeln!(out, "totalDirectories = {directories}").map_err(failed)?;
    writeln!(out, "totalBlocks = {blocks}").map_err(failed)?;
    writeln!(out, "totalSpace = {space}").map_err(failed)?;
    writeln!(out, "maxFileSize = {max_file}").map_err(failed)?;
    Ok(())
}
