//! The intermediate file format (Hadoop's IFile, simplified): a segment is
//! records `varint(key length) varint(value length) key value`, then the
//! CRC32C of those bytes (4 bytes, big-endian). A map output file is one
//! segment per partition; its index (`file.out.index`) says where each
//! segment is and carries its own CRC32C (a format shared with the
//! shuffle service, in [`crate::mapoutput`]). The same record
//! framing, without per-segment checksums, is the job-chaining binary format.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Take, Write};
use std::path::Path;

pub use crate::mapoutput::IndexEntry;

use crate::Error;
use crate::records::RecordSource;
use crate::writable::{read_varint, write_varint};

/// Bytes buffered by segment readers and writers.
const IO_BUFFER: usize = 128 * 1024;

/// Appends one record's framing and bytes to `out`.
pub fn frame_record(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    write_varint(out, key.len() as u64);
    write_varint(out, value.len() as u64);
    out.extend_from_slice(key);
    out.extend_from_slice(value);
}

/// Writes consecutive segments to one local file. Records are framed
/// straight into one buffer, which is checksummed and written out in large
/// runs: a record costs a few copies, not a system call or a checksum call.
///
/// Segment files are not fsynced (nor are they in Hadoop): they only live
/// as long as their task or NodeManager, and a map output lost with its
/// machine is produced again by re-running the map.
pub struct SegmentFileWriter {
    file: File,
    buffer: Vec<u8>,
    /// Where the bytes of `buffer` not yet in `crc` start.
    unchecked: usize,
    /// Bytes written to `file` before `buffer`.
    flushed: u64,
    segment_start: u64,
    segment_records: u64,
    crc: u32,
}

impl SegmentFileWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> Result<Self, Error> {
        Ok(Self {
            file: File::create(path)?,
            buffer: Vec::with_capacity(IO_BUFFER),
            unchecked: 0,
            flushed: 0,
            segment_start: 0,
            segment_records: 0,
            crc: 0,
        })
    }

    fn position(&self) -> u64 {
        self.flushed + self.buffer.len() as u64
    }

    /// Appends a record to the current segment.
    pub fn append(&mut self, key: &[u8], value: &[u8]) -> Result<(), Error> {
        frame_record(&mut self.buffer, key, value);
        self.segment_records += 1;
        if self.buffer.len() >= IO_BUFFER {
            self.write_buffer()?;
        }
        Ok(())
    }

    fn update_crc(&mut self) {
        self.crc = crc32c::crc32c_append(self.crc, &self.buffer[self.unchecked..]);
        self.unchecked = self.buffer.len();
    }

    fn write_buffer(&mut self) -> Result<(), Error> {
        self.update_crc();
        self.file.write_all(&self.buffer)?;
        self.flushed += self.buffer.len() as u64;
        self.buffer.clear();
        self.unchecked = 0;
        Ok(())
    }

    /// Ends the current segment (writing its checksum) and starts the next.
    pub fn finish_segment(&mut self) -> Result<IndexEntry, Error> {
        self.update_crc();
        self.buffer.extend_from_slice(&self.crc.to_be_bytes());
        self.unchecked = self.buffer.len();
        let position = self.position();
        let entry = IndexEntry {
            offset: self.segment_start,
            length: position - self.segment_start,
            records: self.segment_records,
        };
        self.segment_start = position;
        self.segment_records = 0;
        self.crc = 0;
        Ok(entry)
    }

    /// Writes what is buffered; returns the file's length.
    pub fn close(mut self) -> Result<u64, Error> {
        debug_assert_eq!(
            self.segment_start,
            self.position(),
            "a segment was left open"
        );
        self.write_buffer()?;
        Ok(self.flushed)
    }
}

/// Writes and syncs a map output index (see [`crate::mapoutput`]).
pub fn write_index(path: &Path, entries: &[IndexEntry]) -> Result<(), Error> {
    crate::mapoutput::write_index(path, entries).map_err(index_error)
}

/// Reads and checks a map output index; damage is [`Error::Corrupt`].
pub fn read_index(path: &Path) -> Result<Vec<IndexEntry>, Error> {
    crate::mapoutput::read_index(path).map_err(index_error)
}

fn index_error(error: io::Error) -> Error {
    if error.kind() == io::ErrorKind::InvalidData {
        Error::Corrupt(error.to_string())
    } else {
        Error::Io(error)
    }
}

/// Reads a varint from a buffered stream; None at a clean end.
pub(crate) fn read_varint_from(input: &mut impl BufRead) -> io::Result<Option<u64>> {
    let mut value = 0u64;
    for index in 0..10 {
        let available = input.fill_buf()?;
        let Some(&byte) = available.first() else {
            if index == 0 {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated varint",
            ));
        };
        input.consume(1);
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "varint too long",
    ))
}

/// Reads one framed record into reused buffers; false at a clean end.
pub(crate) fn read_framed(
    input: &mut impl BufRead,
    key: &mut Vec<u8>,
    value: &mut Vec<u8>,
) -> io::Result<bool> {
    // Most records lie whole in the reader's buffer: copy them out of it.
    let available = input.fill_buf()?;
    if let Some((key_length, key_used)) = read_varint(available)
        && let Some((value_length, value_used)) = read_varint(&available[key_used..])
    {
        let key_start = key_used + value_used;
        let value_start = key_start.saturating_add(key_length as usize);
        let end = value_start.saturating_add(value_length as usize);
        if end <= available.len() {
            key.clear();
            key.extend_from_slice(&available[key_start..value_start]);
            value.clear();
            value.extend_from_slice(&available[value_start..end]);
            input.consume(end);
            return Ok(true);
        }
    }
    let Some(key_length) = read_varint_from(input)? else {
        return Ok(false);
    };
    let value_length = read_varint_from(input)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "truncated record"))?;
    key.resize(key_length as usize, 0);
    input.read_exact(key)?;
    value.resize(value_length as usize, 0);
    input.read_exact(value)?;
    Ok(true)
}

/// Checksums what passes through it.
struct CrcReader<R> {
    inner: R,
    crc: u32,
}

impl<R: Read> Read for CrcReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.crc = crc32c::crc32c_append(self.crc, &buf[..read]);
        Ok(read)
    }
}

/// One segment of a local file, streamed and checked against its checksum
/// when its end is reached.
pub struct FileSegment {
    input: BufReader<CrcReader<Take<File>>>,
    name: String,
    /// The segment's length in the file, checksum included.
    length: u64,
    key: Vec<u8>,
    value: Vec<u8>,
    done: bool,
}

impl FileSegment {
    /// Opens the segment `entry` of `path`.
    pub fn open(path: &Path, entry: IndexEntry) -> Result<Self, Error> {
        if entry.length < 4 {
            return Err(Error::Corrupt(format!(
                "{}: segment at {} is shorter than its checksum",
                path.display(),
                entry.offset
            )));
        }
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(entry.offset))?;
        let data = CrcReader {
            inner: file.take(entry.length - 4),
            crc: 0,
        };
        Ok(Self {
            input: BufReader::with_capacity(IO_BUFFER, data),
            name: format!("{} segment at {}", path.display(), entry.offset),
            length: entry.length,
            key: Vec::new(),
            value: Vec::new(),
            done: false,
        })
    }

    fn verify_checksum(&mut self) -> Result<(), Error> {
        let reader = self.input.get_mut();
        let computed = reader.crc;
        let mut stored = [0u8; 4];
        reader.inner.get_mut().read_exact(&mut stored)?;
        if u32::from_be_bytes(stored) != computed {
            return Err(Error::Corrupt(format!("{}: checksum mismatch", self.name)));
        }
        Ok(())
    }
}

impl RecordSource for FileSegment {
    fn next(&mut self) -> Result<bool, Error> {
        if self.done {
            return Ok(false);
        }
        let more = read_framed(&mut self.input, &mut self.key, &mut self.value)
            .map_err(|error| Error::Corrupt(format!("{}: {error}", self.name)))?;
        if !more {
            self.done = true;
            self.verify_checksum()?;
        }
        Ok(more)
    }

    fn key(&self) -> &[u8] {
        &self.key
    }

    fn value(&self) -> &[u8] {
        &self.value
    }

    fn local_file_bytes(&self) -> u64 {
        self.length
    }
}

/// A whole segment in memory (a small shuffled map output), checked once
/// and then read in place without copies.
pub struct MemorySegment {
    bytes: Vec<u8>,
    position: usize,
    data_end: usize,
    key: (usize, usize),
    value: (usize, usize),
}

impl MemorySegment {
    /// Takes a segment's bytes (checksum included) and checks them.
    pub fn new(bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.len() < 4 {
            return Err(Error::Corrupt("segment shorter than its checksum".into()));
        }
        let data_end = bytes.len() - 4;
        let stored = u32::from_be_bytes(bytes[data_end..].try_into().expect("4 bytes"));
        if crc32c::crc32c(&bytes[..data_end]) != stored {
            return Err(Error::Corrupt("in-memory segment checksum mismatch".into()));
        }
        Ok(Self {
            bytes,
            position: 0,
            data_end,
            key: (0, 0),
            value: (0, 0),
        })
    }
}

impl RecordSource for MemorySegment {
    fn next(&mut self) -> Result<bool, Error> {
        if self.position >= self.data_end {
            return Ok(false);
        }
        let corrupt = || Error::Corrupt("truncated record in an in-memory segment".into());
        let data = &self.bytes[..self.data_end];
        let (key_length, used) = read_varint(&data[self.position..]).ok_or_else(corrupt)?;
        self.position += used;
        let (value_length, used) = read_varint(&data[self.position..]).ok_or_else(corrupt)?;
        self.position += used;
        let key_end = self.position + key_length as usize;
        let value_end = key_end + value_length as usize;
        if value_end > self.data_end {
            return Err(corrupt());
        }
        self.key = (self.position, key_end);
        self.value = (key_end, value_end);
        self.position = value_end;
        Ok(true)
    }

    fn key(&self) -> &[u8] {
        &self.bytes[self.key.0..self.key.1]
    }

    fn value(&self) -> &[u8] {
        &self.bytes[self.value.0..self.value.1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Records = Vec<(Vec<u8>, Vec<u8>)>;

    fn drain(source: &mut dyn RecordSource) -> Result<Records, Error> {
        let mut records = Vec::new();
        while source.next()? {
            records.push((source.key().to_vec(), source.value().to_vec()));
        }
        Ok(records)
    }

    fn sample(partition: usize) -> Records {
        (0..partition * 50)
            .map(|i| {
                (
                    format!("k{i:05}").into_bytes(),
                    vec![partition as u8; i % 300],
                )
            })
            .collect()
    }

    #[test]
    fn segments_and_index_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.out");
        let mut writer = SegmentFileWriter::create(&path).unwrap();
        let mut entries = Vec::new();
        for partition in 0..4 {
            for (key, value) in sample(partition) {
                writer.append(&key, &value).unwrap();
            }
            entries.push(writer.finish_segment().unwrap());
        }
        writer.close().unwrap();
        write_index(&dir.path().join("file.out.index"), &entries).unwrap();
        let index = read_index(&dir.path().join("file.out.index")).unwrap();
        assert_eq!(index, entries);
        assert_eq!(index[0].records, 0);
        for (partition, entry) in index.iter().enumerate() {
            let mut segment = FileSegment::open(&path, *entry).unwrap();
            assert_eq!(drain(&mut segment).unwrap(), sample(partition));
            let bytes = std::fs::read(&path).unwrap();
            let range = entry.offset as usize..(entry.offset + entry.length) as usize;
            let mut memory = MemorySegment::new(bytes[range].to_vec()).unwrap();
            assert_eq!(drain(&mut memory).unwrap(), sample(partition));
        }
    }

    #[test]
    fn flipped_bytes_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.out");
        let mut writer = SegmentFileWriter::create(&path).unwrap();
        for (key, value) in sample(2) {
            writer.append(&key, &value).unwrap();
        }
        let entry = writer.finish_segment().unwrap();
        writer.close().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[7] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let error = drain(&mut FileSegment::open(&path, entry).unwrap()).unwrap_err();
        assert!(error.to_string().contains("checksum mismatch"), "{error}");
        assert!(MemorySegment::new(bytes).is_err());

        let index_path = dir.path().join("file.out.index");
        write_index(&index_path, &[entry]).unwrap();
        let mut index = std::fs::read(&index_path).unwrap();
        index[9] ^= 0x10;
        std::fs::write(&index_path, &index).unwrap();
        let error = read_index(&index_path).unwrap_err().to_string();
        assert!(error.contains("index checksum mismatch"), "{error}");
    }
}
