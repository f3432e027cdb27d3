//! Input: splits computed from block locations, and the record readers
//! (text lines, key-value text, binary key/value) that stream a split from
//! the DFS.

pub mod line;
pub mod split;

use std::io::{BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use line::{LineReader, LineRecordReader};
pub use split::{BlockLocation, InputFile, InputSplit, compute_splits, is_hidden};

use crate::Error;
use crate::dfs_io::Dfs;
use crate::ifile::read_framed;
use crate::job::InputFormat;
use crate::records::RecordSource;

/// Buffer of the line reader: large, so each DFS hop moves a lot.
const LINE_BUFFER: usize = 256 * 1024;
/// First bytes of a binary key/value file.
pub const BINARY_MAGIC: &[u8; 4] = b"TKV1";

/// Counts the bytes read through it into a shared counter (live progress
/// and HDFS_BYTES_READ).
pub struct Counted<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> Counted<R> {
    /// Wraps `inner`, adding to `counter`.
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        Self { inner, counter }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.counter.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

enum Reader<R: Read> {
    Text(LineRecordReader<Counted<R>>),
    KeyValue(LineRecordReader<Counted<R>>, u8),
    Binary(BufReader<Counted<R>>),
}

/// The records of one split, serialized as the mapper's input types read
/// them: text gives (u64 offset, line bytes), key-value text (key bytes,
/// value bytes), binary the stored serialized forms.
pub struct SplitReader<R: Read> {
    reader: Reader<R>,
    offset: u64,
    key: Vec<u8>,
    value: Vec<u8>,
    /// Where the value starts in `value` (key-value text keeps the line whole).
    value_start: usize,
    key_end: usize,
}

/// Options for reading lines.
#[derive(Clone, Copy, Debug)]
pub struct LineOptions {
    pub max_line_length: usize,
    pub key_value_separator: u8,
}

impl<R: Read + Send> SplitReader<R> {
    /// Reads the split `[start, start + length)` of a file from `input`,
    /// positioned at `start`, counting bytes into `bytes_read`.
    pub fn new(
        format: InputFormat,
        input: R,
        start: u64,
        length: u64,
        options: LineOptions,
        bytes_read: Arc<AtomicU64>,
    ) -> Result<Self, Error> {
        let input = Counted::new(input, bytes_read);
        let reader = match format {
            InputFormat::Text => Reader::Text(LineRecordReader::new(
                input,
                start,
                length,
                LINE_BUFFER,
                options.max_line_length,
            )?),
            InputFormat::KeyValueText => Reader::KeyValue(
                LineRecordReader::new(input, start, length, LINE_BUFFER, options.max_line_length)?,
                options.key_value_separator,
            ),
            InputFormat::Binary => {
                let mut input = BufReader::with_capacity(LINE_BUFFER, input);
                let mut magic = [0u8; 4];
                if length > 0 {
                    input.read_exact(&mut magic)?;
                    if &magic != BINARY_MAGIC {
                        return Err(Error::Corrupt(
                            "not a binary key/value file (bad magic)".into(),
                        ));
                    }
                }
                Reader::Binary(input)
            }
        };
        Ok(Self {
            reader,
            offset: 0,
            key: Vec::new(),
            value: Vec::new(),
            value_start: 0,
            key_end: 0,
        })
    }
}

impl<R: Read + Send> RecordSource for SplitReader<R> {
    fn next(&mut self) -> Result<bool, Error> {
        match &mut self.reader {
            Reader::Text(lines) => {
                if !lines.next_line(&mut self.offset, &mut self.value)? {
                    return Ok(false);
                }
                self.key.clear();
                self.key.extend_from_slice(&self.offset.to_be_bytes());
                self.key_end = self.key.len();
                self.value_start = 0;
            }
            Reader::KeyValue(lines, separator) => {
                if !lines.next_line(&mut self.offset, &mut self.value)? {
                    return Ok(false);
                }
                match self.value.iter().position(|byte| byte == separator) {
                    Some(at) => {
                        self.key_end = at;
                        self.value_start = at + 1;
                    }
                    None => {
                        self.key_end = self.value.len();
                        self.value_start = self.value.len();
                    }
                }
            }
            Reader::Binary(input) => {
                if !read_framed(input, &mut self.key, &mut self.value)
                    .map_err(|error| Error::Corrupt(format!("binary key/value file: {error}")))?
                {
                    return Ok(false);
                }
                self.key_end = self.key.len();
                self.value_start = 0;
            }
        }
        Ok(true)
    }

    fn key(&self) -> &[u8] {
        match self.reader {
            Reader::KeyValue(..) => &self.value[..self.key_end],
            _ => &self.key[..self.key_end],
        }
    }

    fn value(&self) -> &[u8] {
        &self.value[self.value_start..]
    }
}

/// The input files named by `inputs` (files, or directories whose visible
/// files are read), with their blocks.
pub(crate) fn list_input_files(dfs: &Dfs, inputs: &[String]) -> Result<Vec<InputFile>, Error> {
    let mut files = Vec::new();
    for input in inputs {
        let listed = dfs.call(async |client| {
            let Some(status) = client.get_file_info(input).await? else {
                return Ok(None);
            };
            let entries = if status.is_dir {
                client.list(input).await?
            } else {
                vec![status]
            };
            let mut found = Vec::new();
            for entry in entries {
                if entry.is_dir || is_hidden(entry.name()) {
                    continue;
                }
                let (_, blocks, _) = client.block_locations(&entry.path, 0, entry.length).await?;
                let blocks = blocks
                    .into_iter()
                    .map(|located| BlockLocation {
                        offset: located.offset,
                        length: located.block.map_or(0, |block| block.num_bytes),
                        hosts: located
                            .locations
                            .iter()
                            .map(|node| node.host.clone())
                            .collect(),
                        racks: located
                            .locations
                            .iter()
                            .map(|node| node.rack.clone())
                            .collect(),
                    })
                    .collect();
                found.push(InputFile {
                    path: entry.path.clone(),
                    length: entry.length,
                    block_size: entry.block_size,
                    blocks,
                });
            }
            Ok(Some(found))
        })?;
        match listed {
            Some(found) => files.extend(found),
            None => {
                return Err(Error::Config(format!(
                    "Input path does not exist: {}{input}",
                    dfs.uri()
                )));
            }
        }
    }
    Ok(files)
}

/// Whether splits of this format may start mid-file.
pub(crate) fn is_splittable(format: InputFormat) -> bool {
    format != InputFormat::Binary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ifile::frame_record;
    use std::io::Cursor;

    fn read_all(format: InputFormat, data: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let options = LineOptions {
            max_line_length: usize::MAX,
            key_value_separator: b'\t',
        };
        let counter = Arc::new(AtomicU64::new(0));
        let mut reader = SplitReader::new(
            format,
            Cursor::new(data.to_vec()),
            0,
            data.len() as u64,
            options,
            counter.clone(),
        )
        .unwrap();
        let mut records = Vec::new();
        while reader.next().unwrap() {
            records.push((reader.key().to_vec(), reader.value().to_vec()));
        }
        assert_eq!(counter.load(Ordering::Relaxed), data.len() as u64);
        records
    }

    #[test]
    fn text_keys_are_offsets() {
        let records = read_all(InputFormat::Text, b"one\ntwo\n");
        assert_eq!(records[1], (4u64.to_be_bytes().to_vec(), b"two".to_vec()));
    }

    #[test]
    fn key_value_text_splits_at_the_first_tab() {
        let records = read_all(InputFormat::KeyValueText, b"k1\tv\t1\nlonely\n\tx\n");
        assert_eq!(
            records,
            vec![
                (b"k1".to_vec(), b"v\t1".to_vec()),
                (b"lonely".to_vec(), b"".to_vec()),
                (b"".to_vec(), b"x".to_vec()),
            ]
        );
    }

    #[test]
    fn binary_records_round_trip() {
        let mut data = BINARY_MAGIC.to_vec();
        frame_record(&mut data, b"key", &7u64.to_be_bytes());
        frame_record(&mut data, b"", b"");
        let records = read_all(InputFormat::Binary, &data);
        assert_eq!(
            records,
            vec![
                (b"key".to_vec(), 7u64.to_be_bytes().to_vec()),
                (vec![], vec![])
            ]
        );
    }
}
