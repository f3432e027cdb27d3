//! Output: record writers (text lines, binary key/value) streaming to the
//! DFS, and the FileOutputCommitter that makes task output visible.

pub mod committer;

pub use committer::FileOutputCommitter;

use crate::Error;
use crate::api::RecordSink;
use crate::dfs_io::{Dfs, DfsOutput};
use crate::ifile::frame_record;
use crate::input::BINARY_MAGIC;
use crate::job::OutputFormat;
use crate::writable::Encode;

/// `part-m-00003` / `part-r-00000`.
pub fn part_name(is_map: bool, task: usize) -> String {
    format!("part-{}-{task:05}", if is_map { 'm' } else { 'r' })
}

/// Writes a task's records to one output file.
pub(crate) struct RecordWriter {
    out: DfsOutput,
    format: OutputFormat,
    separator: Vec<u8>,
    line: Vec<u8>,
    value: Vec<u8>,
    pub records: u64,
}

impl RecordWriter {
    /// Creates `path` for records in `format`.
    pub(crate) fn create(
        dfs: &Dfs,
        path: &str,
        format: OutputFormat,
        separator: &[u8],
        replication: u16,
        block_size: u64,
    ) -> Result<Self, Error> {
        let mut out = dfs.create(path, replication, block_size)?;
        if format == OutputFormat::Binary {
            out.write_all(BINARY_MAGIC)?;
        }
        Ok(Self {
            out,
            format,
            separator: separator.to_vec(),
            line: Vec::with_capacity(256),
            value: Vec::with_capacity(256),
            records: 0,
        })
    }

    /// Finishes the file; returns the bytes written.
    pub(crate) fn close(self) -> Result<u64, Error> {
        self.out.close()
    }
}

impl RecordSink for RecordWriter {
    fn emit(&mut self, key: &dyn Encode, value: &dyn Encode) -> Result<(), Error> {
        self.line.clear();
        match self.format {
            OutputFormat::Text => {
                text_line(&mut self.line, key, value, &self.separator);
            }
            OutputFormat::Binary => {
                self.value.clear();
                key.write(&mut self.value);
                let key_length = self.value.len();
                value.write(&mut self.value);
                let (key_bytes, value_bytes) = self.value.split_at(key_length);
                frame_record(&mut self.line, key_bytes, value_bytes);
            }
        }
        self.records += 1;
        self.out.write_all(&self.line)
    }
}

/// TextOutputFormat's line: `key SEP value \n`; a null key or value is left
/// out with the separator, and a record with both null writes nothing.
pub(crate) fn text_line(
    line: &mut Vec<u8>,
    key: &dyn Encode,
    value: &dyn Encode,
    separator: &[u8],
) {
    if key.is_null() && value.is_null() {
        return;
    }
    if !key.is_null() {
        key.write_text(line);
    }
    if !key.is_null() && !value.is_null() {
        line.extend_from_slice(separator);
    }
    if !value.is_null() {
        value.write_text(line);
    }
    line.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(key: &dyn Encode, value: &dyn Encode) -> Vec<u8> {
        let mut line = Vec::new();
        text_line(&mut line, key, value, b"\t");
        line
    }

    #[test]
    fn text_lines_as_text_output_format() {
        assert_eq!(line(&b"word".to_vec(), &3u64), b"word\t3\n");
        assert_eq!(line(&String::from("k"), &()), b"k\n");
        assert_eq!(line(&(), &-7i64), b"-7\n");
        assert_eq!(line(&(), &()), b"");
        assert_eq!(part_name(true, 3), "part-m-00003");
        assert_eq!(part_name(false, 12), "part-r-00012");
    }
}
