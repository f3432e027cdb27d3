//! The fsimage: a checkpoint of the whole namespace at one txid.
//!
//! `TUSKIMG1`, then `[u32 LE length][protobuf]` records: an `ImageHeader`, the
//! `ImageStringTable` of owner and group names, and one `ImageINode` per inode,
//! parents before children. Written to `<name>.tmp`, fsynced, renamed and the
//! directory fsynced; `<name>.md5` (`<hex> *<name>`, Hadoop's form) beside it
//! is checked on load, so a damaged image is refused, never half-used.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};

use common::ids::{BlockId, GenerationStamp};
use common::os::WritebackFile;
use std::path::Path;

use md5::{Digest, Md5};
use prost::Message;
use proto::namenode_storage::{ImageHeader, ImageINode, ImageStringTable};

use crate::namespace::{
    FileData, INode, INodeKind, IdCounters, Limits, Namespace, NamespaceBuilder, TreeError,
    UnderConstruction,
};

const MAGIC: &[u8; 8] = b"TUSKIMG1";
const LAYOUT_VERSION: u32 = 1;
const MAX_RECORD_LEN: usize = 64 * 1024 * 1024;

/// Why an image cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read fsimage {file}: {source}")]
    Io { file: String, source: io::Error },
    #[error("fsimage {file} is corrupt: {reason}")]
    Corrupt { file: String, reason: String },
    #[error("fsimage {file} is corrupt: {source}")]
    Tree { file: String, source: TreeError },
}

/// A loaded image.
pub struct LoadedImage {
    pub namespace: Namespace,
    pub txid: u64,
    pub namespace_id: u64,
}

/// Writes `namespace` as of `txid` to `path` durably, with its `.md5`.
pub fn save(namespace: &Namespace, txid: u64, namespace_id: u64, path: &Path) -> io::Result<()> {
    let md5 = common::durable::write_atomically_with(path, |file| {
        let mut writer = Md5Writer {
            inner: BufWriter::with_capacity(1 << 20, WritebackFile::new(file)),
            md5: Md5::new(),
        };
        writer.write_all(MAGIC)?;
        let counters = namespace.counters();
        let mut record = Vec::with_capacity(256);
        let header = ImageHeader {
            layout_version: LAYOUT_VERSION,
            namespace_id,
            last_txid: txid,
            last_inode_id: counters.last_inode_id,
            last_block_id: counters.last_block_id,
            generation_stamp: counters.generation_stamp,
            num_inodes: namespace.num_inodes(),
        };
        write_record(&mut writer, &header, &mut record)?;
        let strings = ImageStringTable {
            strings: namespace.strings().all().map(str::to_string).collect(),
        };
        write_record(&mut writer, &strings, &mut record)?;

        let mut image_inode = ImageINode::default();
        let mut result = Ok(());
        namespace.walk(|parent_id, inode| {
            if result.is_err() {
                return;
            }
            fill_image_inode(&mut image_inode, parent_id, inode);
            let quota = namespace.quota_of(inode.id);
            image_inode.namespace_quota = quota.map(|quota| quota.namespace_quota);
            image_inode.space_quota = quota.map(|quota| quota.space_quota);
            result = write_record(&mut writer, &image_inode, &mut record);
        });
        result?;

        let Md5Writer { inner, md5 } = writer;
        let file = inner
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .into_inner();
        Ok((file, md5.finalize()))
    })?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    write_md5_file(path, &hex(&md5), &name)
}

/// Loads the image at `path`, verifying it against its `.md5`.
pub fn load(path: &Path, limits: Limits) -> Result<LoadedImage, ImageError> {
    build(ImageReader::open(path, Md5Check::Sidecar)?, limits)
}

/// Checks the structure of an image whose MD5 was already checked as it
/// arrived (an upload), without loading it: the magic, a header and string
/// table that decode, exactly the header's count of inode records, each
/// whole, and nothing after them. Cheap enough to run while the NameNode
/// serves: records are framed, not decoded. Returns the header.
pub fn check_structure(path: &Path) -> Result<ImageHeader, ImageError> {
    let mut reader = ImageReader::open(path, Md5Check::AlreadyChecked)?;
    while reader.skip_inode()? {}
    Ok(*reader.header())
}

fn build(mut reader: ImageReader, limits: Limits) -> Result<LoadedImage, ImageError> {
    let header = *reader.header();
    let counters = IdCounters {
        last_inode_id: header.last_inode_id,
        last_block_id: header.last_block_id,
        generation_stamp: header.generation_stamp,
    };
    let mut builder = NamespaceBuilder::new(reader.strings().to_vec(), counters, limits);
    while let Some(record) = reader.next_inode()? {
        let parent_id = record.parent_id;
        let id = record.id;
        let quotas = (record.namespace_quota, record.space_quota);
        builder
            .add(parent_id, inode_from_image(record))
            .map_err(|source| ImageError::Tree {
                file: reader.file.clone(),
                source,
            })?;
        if let (Some(namespace_quota), Some(space_quota)) = quotas {
            builder.set_quota(id, namespace_quota, space_quota);
        }
    }
    Ok(LoadedImage {
        namespace: builder.finish(),
        txid: header.last_txid,
        namespace_id: header.namespace_id,
    })
}

/// Which MD5 an [`ImageReader`] checks the image against.
pub enum Md5Check {
    /// The `.md5` file beside the image (it must exist).
    Sidecar,
    /// The `.md5` file beside the image when there is one (offline tools).
    SidecarIfPresent,
    /// None: the caller checked the MD5 as the file arrived.
    AlreadyChecked,
}

/// Reads an fsimage record by record, so tools can stream images of any
/// size; the MD5 is checked when the last inode has been read.
pub struct ImageReader {
    reader: Md5Reader<BufReader<File>>,
    file: String,
    expected_md5: Option<String>,
    header: ImageHeader,
    strings: Vec<String>,
    remaining: u64,
    buffer: Vec<u8>,
}

impl ImageReader {
    /// Opens `path` and reads its header and string table.
    pub fn open(path: &Path, md5_check: Md5Check) -> Result<Self, ImageError> {
        let file_name = path.display().to_string();
        let corrupt = |reason: String| ImageError::Corrupt {
            file: file_name.clone(),
            reason,
        };
        let expected_md5 = match md5_check {
            Md5Check::Sidecar => Some(
                read_md5_file(path)
                    .map_err(|error| corrupt(format!("cannot read its .md5 file: {error}")))?,
            ),
            Md5Check::SidecarIfPresent => match read_md5_file(path) {
                Ok(digest) => Some(digest),
                Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                Err(error) => return Err(corrupt(format!("cannot read its .md5 file: {error}"))),
            },
            Md5Check::AlreadyChecked => None,
        };
        let file = File::open(path).map_err(|source| ImageError::Io {
            file: file_name.clone(),
            source,
        })?;
        let mut reader = Md5Reader {
            inner: BufReader::with_capacity(1 << 20, file),
            md5: expected_md5.as_ref().map(|_| Md5::new()),
        };
        let mut magic = [0u8; 8];
        reader
            .read_exact(&mut magic)
            .map_err(|error| corrupt(format!("truncated: {error}")))?;
        if &magic != MAGIC {
            return Err(corrupt("not an fsimage (bad magic)".into()));
        }
        let mut buffer = Vec::new();
        let header: ImageHeader = read_record(&mut reader, &mut buffer).map_err(corrupt)?;
        if header.layout_version != LAYOUT_VERSION {
            return Err(corrupt(format!(
                "unsupported layout version {}",
                header.layout_version
            )));
        }
        let strings: ImageStringTable = read_record(&mut reader, &mut buffer).map_err(corrupt)?;
        Ok(Self {
            reader,
            file: file_name,
            expected_md5,
            remaining: header.num_inodes,
            header,
            strings: strings.strings,
            buffer,
        })
    }

    pub fn header(&self) -> &ImageHeader {
        &self.header
    }

    /// Owner and group names, indexed by the inodes' `owner` and `group`.
    pub fn strings(&self) -> &[String] {
        &self.strings
    }

    /// The next inode (parents before children), or `None` after the last
    /// one once the file has been checked to end there with the right MD5.
    pub fn next_inode(&mut self) -> Result<Option<ImageINode>, ImageError> {
        if self.remaining == 0 {
            self.finish()?;
            return Ok(None);
        }
        self.remaining -= 1;
        let record = read_record(&mut self.reader, &mut self.buffer)
            .map_err(|reason| self.corrupt(reason))?;
        Ok(Some(record))
    }

    /// Reads past the next inode record without decoding it; `false` after
    /// the last one, as [`ImageReader::next_inode`]'s `None`.
    pub fn skip_inode(&mut self) -> Result<bool, ImageError> {
        if self.remaining == 0 {
            self.finish()?;
            return Ok(false);
        }
        self.remaining -= 1;
        read_frame(&mut self.reader, &mut self.buffer).map_err(|reason| self.corrupt(reason))?;
        Ok(true)
    }

    fn finish(&mut self) -> Result<(), ImageError> {
        let mut trailing = [0u8; 1];
        let read = self
            .reader
            .read(&mut trailing)
            .map_err(|source| ImageError::Io {
                file: self.file.clone(),
                source,
            })?;
        if read != 0 {
            return Err(self.corrupt("unexpected data after the last inode".into()));
        }
        let (Some(expected), Some(md5)) = (self.expected_md5.take(), self.reader.md5.take()) else {
            return Ok(());
        };
        let actual_md5 = hex(&md5.finalize());
        if expected != actual_md5 {
            return Err(self.corrupt(format!(
                "MD5 mismatch (expected {expected}, computed {actual_md5})"
            )));
        }
        Ok(())
    }

    fn corrupt(&self, reason: String) -> ImageError {
        ImageError::Corrupt {
            file: self.file.clone(),
            reason,
        }
    }
}

fn fill_image_inode(record: &mut ImageINode, parent_id: u64, inode: &INode) {
    record.id = inode.id;
    record.parent_id = parent_id;
    record.name.clear();
    record.name.extend_from_slice(&inode.name);
    record.permission = inode.permission.bits().into();
    record.owner = inode.owner;
    record.group = inode.group;
    record.mtime = inode.mtime;
    record.atime = inode.atime;
    record.blocks.clear();
    record.client_name.clear();
    record.truncating = false;
    match &inode.kind {
        INodeKind::Directory(_) => {
            record.is_directory = true;
            record.replication = 0;
            record.block_size = 0;
        }
        INodeKind::File(file) => {
            record.is_directory = false;
            record.replication = file.replication.into();
            record.block_size = file.block_size;
            record
                .blocks
                .extend(file.blocks.iter().map(|block| proto::hdfs::Block {
                    block_id: block.id.0,
                    generation_stamp: block.generation_stamp.0,
                    num_bytes: block.num_bytes,
                }));
            if let Some(open) = &file.under_construction {
                record.client_name.push_str(&open.client_name);
                record.truncating = open.truncating;
            }
        }
    }
}

fn inode_from_image(record: ImageINode) -> INode {
    let kind = if record.is_directory {
        INodeKind::Directory(Vec::new())
    } else {
        INodeKind::File(FileData {
            replication: record.replication as u16,
            block_size: record.block_size,
            blocks: record
                .blocks
                .iter()
                .map(|block| crate::namespace::Block {
                    id: BlockId(block.block_id),
                    generation_stamp: GenerationStamp(block.generation_stamp),
                    num_bytes: block.num_bytes,
                })
                .collect(),
            under_construction: (!record.client_name.is_empty()).then(|| {
                Box::new(UnderConstruction {
                    client_name: record.client_name,
                    truncating: record.truncating,
                })
            }),
        })
    };
    INode {
        id: record.id,
        name: record.name.into_boxed_slice(),
        mtime: record.mtime,
        atime: record.atime,
        owner: record.owner,
        group: record.group,
        permission: common::FsPermission::new(record.permission as u16),
        kind,
    }
}

fn write_record(
    writer: &mut impl Write,
    message: &impl Message,
    buffer: &mut Vec<u8>,
) -> io::Result<()> {
    buffer.clear();
    message.encode(buffer).map_err(io::Error::other)?;
    writer.write_all(&(buffer.len() as u32).to_le_bytes())?;
    writer.write_all(buffer)
}

fn read_record<M: Message + Default>(
    reader: &mut impl Read,
    buffer: &mut Vec<u8>,
) -> Result<M, String> {
    read_frame(reader, buffer)?;
    M::decode(buffer.as_slice()).map_err(|error| format!("undecodable record: {error}"))
}

/// Reads one length-prefixed record into `buffer`.
fn read_frame(reader: &mut impl Read, buffer: &mut Vec<u8>) -> Result<(), String> {
    let mut len = [0u8; 4];
    reader
        .read_exact(&mut len)
        .map_err(|error| format!("truncated: {error}"))?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_RECORD_LEN {
        return Err(format!(
            "record of {len} bytes is larger than any valid one"
        ));
    }
    buffer.resize(len, 0);
    reader
        .read_exact(buffer)
        .map_err(|error| format!("truncated: {error}"))
}

/// The path of the `.md5` file that goes with an image.
pub fn md5_path(image: &Path) -> std::path::PathBuf {
    let mut name = image.as_os_str().to_owned();
    name.push(".md5");
    name.into()
}

/// Writes `<image>.md5` durably in Hadoop's `<hex> *<name>` form.
pub fn write_md5_file(image: &Path, md5_hex: &str, image_name: &str) -> io::Result<()> {
    let line = format!("{md5_hex} *{image_name}\n");
    common::durable::write_atomically(&md5_path(image), line.as_bytes())
}

/// The hex MD5 recorded in `<image>.md5`.
pub fn read_md5_file(image: &Path) -> io::Result<String> {
    let text = fs::read_to_string(md5_path(image))?;
    let digest = text.split_whitespace().next().unwrap_or_default();
    if digest.len() != 32 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed MD5 line '{}'", text.trim()),
        ));
    }
    Ok(digest.to_ascii_lowercase())
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Md5Writer<W> {
    inner: W,
    md5: Md5,
}

impl<W: Write> Write for Md5Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.md5.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes what it reads, unless the MD5 is not to be checked.
struct Md5Reader<R> {
    inner: R,
    md5: Option<Md5>,
}

impl<R: Read> Read for Md5Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if let Some(md5) = &mut self.md5 {
            md5.update(&buf[..read]);
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;

    use common::FsPermission;

    use super::*;
    use crate::namespace::Caller;

    fn saved_image(dir: &Path) -> std::path::PathBuf {
        let mut namespace = Namespace::new("hdfs", "supergroup", 0, Limits::default());
        let caller = Caller::superuser("hdfs");
        for path in ["/a/b", "/a/c", "/d"] {
            for op in namespace
                .plan_mkdirs(path, FsPermission::new(0o755), true, &caller, 0)
                .unwrap()
            {
                namespace.apply(&op).unwrap();
            }
        }
        let path = dir.join("fsimage_0000000000000000007");
        save(&namespace, 7, 42, &path).unwrap();
        path
    }

    #[test]
    fn check_structure_accepts_a_whole_image_and_refuses_a_cut_or_padded_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = saved_image(dir.path());
        let header = check_structure(&path).unwrap();
        assert_eq!((header.last_txid, header.namespace_id), (7, 42));
        assert_eq!(header.num_inodes, 5);

        let whole = fs::read(&path).unwrap();
        let cut = dir.path().join("cut");
        fs::write(&cut, &whole[..whole.len() - 3]).unwrap();
        let error = check_structure(&cut).unwrap_err().to_string();
        assert!(error.contains("truncated"), "{error}");

        let padded = dir.path().join("padded");
        fs::write(&padded, &whole).unwrap();
        OpenOptions::new()
            .append(true)
            .open(&padded)
            .unwrap()
            .write_all(&[0])
            .unwrap();
        let error = check_structure(&padded).unwrap_err().to_string();
        assert!(
            error.contains("unexpected data after the last inode"),
            "{error}"
        );
    }
}
