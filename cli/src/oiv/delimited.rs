//! The Delimited processor, as Hadoop's PBImageDelimitedTextWriter: a
//! header line, then one line per inode with its full path, times as
//! `yyyy-MM-dd HH:mm` (local time), and `-rw-r--r--`-style permissions.

use std::io::Write;

use common::FsPermission;
use namenode::formats::ImageReader;

use super::paths::PathTable;

const COLUMNS: [&str; 12] = [
    "Path",
    "Replication",
    "ModificationTime",
    "AccessTime",
    "PreferredBlockSize",
    "BlocksCount",
    "FileSize",
    "NSQUOTA",
    "DSQUOTA",
    "Permission",
    "UserName",
    "GroupName",
];

fn date(millis: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(millis)
        .single()
        .map(|time| time.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn write(mut reader: ImageReader, delimiter: &str, out: &mut dyn Write) -> Result<(), String> {
    let failed = |error: std::io::Error| format!("cannot write output: {error}");
    let strings = reader.strings().to_vec();
    let name_of = |index: u32| {
        strings
            .get(index as usize)
            .map(String::as_str)
            .unwrap_or("")
    };
    writeln!(out, "{}", COLUMNS.join(delimiter)).map_err(failed)?;
    let mut paths = PathTable::default();
    while let Some(inode) = reader.next_inode().map_err(|error| error.to_string())? {
        let path = paths.path_of(&inode);
        let permission = FsPermission::new(inode.permission as u16);
        let fields: [String; 12] = if inode.is_directory {
            let default_nsquota = if inode.parent_id == 0 { i64::MAX } else { -1 };
            let nsquota = inode.namespace_quota.unwrap_or(default_nsquota);
            let dsquota = inode.space_quota.unwrap_or(-1);
            [
                path,
                "0".into(),
                date(inode.mtime),
                date(0),
                "0".into(),
                "0".into(),
                "0".into(),
                nsquota.to_string(),
                dsquota.to_string(),
                format!("d{permission}"),
                name_of(inode.owner).into(),
                name_of(inode.group).into(),
            ]
        } else {
            let size: u64 = inode.blocks.iter().map(|block| block.num_bytes).sum();
            [
                path,
                inode.replication.to_string(),
                date(inode.mtime),
                date(inode.atime),
                inode.block_size.to_string(),
                inode.blocks.len().to_string(),
                size.to_string(),
                "0".into(),
                "0".into(),
                format!("-{permission}"),
                name_of(inode.owner).into(),
                name_of(inode.group).into(),
            ]
        };
        writeln!(out, "{}", fields.join(delimiter)).map_err(failed)?;
    }
    Ok(())
}
