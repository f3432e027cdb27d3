//! The XML processor, shaped like Hadoop's PBImageXmlWriter: a version
//! element, then NameSection, INodeSection, INodeDirectorySection and
//! FileUnderConstructionSection, one element per line.

use std::collections::BTreeMap;
use std::io::Write;

use common::FsPermission;
use namenode::formats::ImageReader;

use super::escape_xml;
use super::paths::PathTable;

/// Hadoop's namespace quota of a directory without one (root's default).
const NO_NAMESPACE_QUOTA: i64 = i64::MAX;

pub fn write(mut reader: ImageReader, out: &mut dyn Write) -> Result<(), String> {
    let failed = |error: std::io::Error| format!("cannot write output: {error}");
    let header = *reader.header();
    let strings = reader.strings().to_vec();
    let name_of = |index: u32| {
        strings
            .get(index as usize)
            .map(String::as_str)
            .unwrap_or("")
            .to_string()
    };
    write!(
        out,
        "<?xml version=\"1.0\"?>\n<fsimage><version><layoutVersion>{}</layoutVersion>\
         <onDiskVersion>{}</onDiskVersion><oivRevision>tusk-{}</oivRevision></version>\n",
        namenode::formats::LAYOUT_VERSION,
        header.layout_version,
        env!("CARGO_PKG_VERSION")
    )
    .map_err(failed)?;
    writeln!(
        out,
        "<NameSection><namespaceId>{}</namespaceId><genstampV1>1000</genstampV1>\
         <genstampV2>{}</genstampV2><genstampV1Limit>0</genstampV1Limit>\
         <lastAllocatedBlockId>{}</lastAllocatedBlockId><txid>{}</txid></NameSection>",
        header.namespace_id, header.generation_stamp, header.last_block_id, header.last_txid
    )
    .map_err(failed)?;
    writeln!(
        out,
        "<INodeSection><lastInodeId>{}</lastInodeId><numInodes>{}</numInodes>",
        header.last_inode_id, header.num_inodes
    )
    .map_err(failed)?;

    let mut children: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut under_construction = Vec::new();
    let mut paths = PathTable::default();
    while let Some(inode) = reader.next_inode().map_err(|error| error.to_string())? {
        let path = paths.path_of(&inode);
        if inode.parent_id != 0 {
            children.entry(inode.parent_id).or_default().push(inode.id);
        }
        let permission = format!(
            "{}:{}:{:04o}",
            escape_xml(&name_of(inode.owner)),
            escape_xml(&name_of(inode.group)),
            FsPermission::new(inode.permission as u16).bits()
        );
        let name = escape_xml(&String::from_utf8_lossy(&inode.name));
        if inode.is_directory {
            let default_nsquota = if inode.parent_id == 0 {
                NO_NAMESPACE_QUOTA
            } else {
                -1
            };
            let nsquota = inode.namespace_quota.unwrap_or(default_nsquota);
            let dsquota = inode.space_quota.unwrap_or(-1);
            writeln!(
                out,
                "<inode><id>{}</id><type>DIRECTORY</type><name>{name}</name><mtime>{}</mtime>\
                 <permission>{permission}</permission><nsquota>{nsquota}</nsquota><dsquota>{dsquota}</dsquota></inode>",
                inode.id, inode.mtime
            )
            .map_err(failed)?;
            continue;
        }
        let mut blocks = String::new();
        for block in &inode.blocks {
            blocks.push_str(&format!(
                "<block><id>{}</id><genstamp>{}</genstamp><numBytes>{}</numBytes></block>",
                block.block_id, block.generation_stamp, block.num_bytes
            ));
        }
        let open = if inode.client_name.is_empty() {
            String::new()
        } else {
            under_construction.push((inode.id, path));
            format!(
                "<file-under-construction><clientName>{}</clientName><clientMachine></clientMachine></file-under-construction>",
                escape_xml(&inode.client_name)
            )
        };
        writeln!(
            out,
            "<inode><id>{}</id><type>FILE</type><name>{name}</name><replication>{}</replication>\
             <mtime>{}</mtime><atime>{}</atime><preferredBlockSize>{}</preferredBlockSize>\
             <permission>{permission}</permission><blocks>{blocks}</blocks>{open}\
             <storagePolicyId>0</storagePolicyId></inode>",
            inode.id, inode.replication, inode.mtime, inode.atime, inode.block_size
        )
        .map_err(failed)?;
    }
    writeln!(out, "</INodeSection>").map_err(failed)?;

    write!(out, "<INodeDirectorySection>").map_err(failed)?;
    for (parent, kids) in &children {
        write!(out, "<directory><parent>{parent}</parent>").map_err(failed)?;
        for child in kids {
            write!(out, "<child>{child}</child>").map_err(failed)?;
        }
        writeln!(out, "</directory>").map_err(failed)?;
    }
    writeln!(out, "</INodeDirectorySection>").map_err(failed)?;

    write!(out, "<FileUnderConstructionSection>").map_err(failed)?;
    for (id, path) in &under_construction {
        write!(
            out,
            "<inode><id>{id}</id><path>{}</path></inode>",
            escape_xml(path)
        )
        .map_err(failed)?;
    }
    writeln!(out, "</FileUnderConstructionSection>\n</fsimage>").map_err(failed)?;
    Ok(())
}
