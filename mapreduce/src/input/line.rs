//! Lines as Hadoop's LineReader and LineRecordReader read them: LF, CR and
//! CRLF end a line (a CRLF split across buffer refills too); lines longer
//! than the buffer grow the value; a split other than the first skips its
//! first (partial) line, and every split reads one line past its end, so
//! each line is read by exactly one split.

use std::io::{self, Read};

/// Buffered line reading from a byte stream.
pub struct LineReader<R> {
    input: R,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
}

impl<R: Read> LineReader<R> {
    /// Reads `input` through a buffer of `buffer_size` bytes.
    pub fn new(input: R, buffer_size: usize) -> Self {
        Self {
            input,
            buffer: vec![0; buffer_size.max(1)].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// The underlying input.
    pub fn get_ref(&self) -> &R {
        &self.input
    }

    /// Refills an exhausted buffer; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        debug_assert_eq!(self.start, self.end);
        let read = loop {
            match self.input.read(&mut self.buffer) {
                Ok(read) => break read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        };
        self.start = 0;
        self.end = read;
        Ok(read > 0)
    }

    /// Reads one line into `line` (replacing it), without its terminator and
    /// keeping at most `max_length` bytes of it. Returns (bytes consumed
    /// including the terminator, the line's full length); consumed is 0 at the end.
    pub fn read_line(&mut self, line: &mut Vec<u8>, max_length: usize) -> io::Result<(u64, u64)> {
        line.clear();
        let mut consumed = 0u64;
        let mut full_length = 0u64;
        let mut after_cr = false;
        loop {
            if self.start == self.end && !self.fill()? {
                break;
            }
            if after_cr {
                if self.buffer[self.start] == b'\n' {
                    self.start += 1;
                    consumed += 1;
                }
                break;
            }
            let window = &self.buffer[self.start..self.end];
            let terminator = window
                .iter()
                .position(|&byte| byte == b'\n' || byte == b'\r');
            let content_end = terminator.unwrap_or(window.len());
            let room = max_length.saturating_sub(line.len());
            line.extend_from_slice(&window[..content_end.min(room)]);
            full_length += content_end as u64;
            match terminator {
                None => {
                    consumed += window.len() as u64;
                    self.start = self.end;
                }
                Some(index) => {
                    let is_cr = window[index] == b'\r';
                    consumed += index as u64 + 1;
                    self.start += index + 1;
                    if !is_cr {
                        break;
                    }
                    after_cr = true;
                }
            }
        }
        Ok((consumed, full_length))
    }
}

/// The lines of one split, each with the byte offset where it starts.
pub struct LineRecordReader<R> {
    reader: LineReader<R>,
    start: u64,
    position: u64,
    end: u64,
    max_line_length: usize,
    skipped_lines: u64,
}

impl<R: Read> LineRecordReader<R> {
    /// Reads the split `[start, start + length)` from `input`, which must be
    /// positioned at `start`. A split not at 0 skips to after the first line end.
    pub fn new(
        input: R,
        start: u64,
        length: u64,
        buffer_size: usize,
        max_line_length: usize,
    ) -> io::Result<Self> {
        let mut reader = LineReader::new(input, buffer_size);
        let mut position = start;
        if start != 0 {
            let (consumed, _) = reader.read_line(&mut Vec::new(), 0)?;
            position += consumed;
        }
        Ok(Self {
            reader,
            start,
            position,
            end: start + length,
            max_line_length,
            skipped_lines: 0,
        })
    }

    /// Reads the next line into `line` and its offset into `offset`; false
    /// when the split is done. Lines longer than the maximum are skipped.
    pub fn next_line(&mut self, offset: &mut u64, line: &mut Vec<u8>) -> io::Result<bool> {
        while self.position <= self.end {
            *offset = self.position;
            let (consumed, full_length) = self.reader.read_line(line, self.max_line_length)?;
            if consumed == 0 {
                return Ok(false);
            }
            self.position += consumed;
            if full_length <= self.max_line_length as u64 {
                return Ok(true);
            }
            self.skipped_lines += 1;
            tracing::warn!(
                offset = *offset,
                length = full_length,
                "skipped line longer than the maximum"
            );
        }
        Ok(false)
    }

    /// Fraction of the split consumed, 0.0 to 1.0.
    pub fn progress(&self) -> f32 {
        if self.end == self.start {
            return 1.0;
        }
        ((self.position - self.start) as f32 / (self.end - self.start) as f32).min(1.0)
    }

    /// Lines skipped for exceeding the maximum length.
    pub fn skipped_lines(&self) -> u64 {
        self.skipped_lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn lines_of_split(data: &[u8], start: u64, length: u64, buffer: usize) -> Vec<(u64, Vec<u8>)> {
        let mut input = Cursor::new(data.to_vec());
        input.set_position(start);
        let mut reader = LineRecordReader::new(input, start, length, buffer, usize::MAX).unwrap();
        let mut lines = Vec::new();
        let (mut offset, mut line) = (0, Vec::new());
        while reader.next_line(&mut offset, &mut line).unwrap() {
            lines.push((offset, line.clone()));
        }
        lines
    }

    fn all_lines(data: &[u8], buffer: usize) -> Vec<(u64, Vec<u8>)> {
        lines_of_split(data, 0, data.len() as u64, buffer)
    }

    #[test]
    fn lf_cr_and_crlf_end_lines() {
        let lines = all_lines(b"a\nbb\r\nccc\rd\n\ne", 4);
        let expected: Vec<(u64, Vec<u8>)> = vec![
            (0, b"a".to_vec()),
            (2, b"bb".to_vec()),
            (6, b"ccc".to_vec()),
            (10, b"d".to_vec()),
            (12, b"".to_vec()),
            (13, b"e".to_vec()),
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn crlf_split_across_buffer_refills_is_one_terminator() {
        for buffer in 1..8 {
            let lines = all_lines(b"abc\r\ndef\r\n", buffer);
            assert_eq!(
                lines,
                vec![(0, b"abc".to_vec()), (5, b"def".to_vec())],
                "buffer {buffer}"
            );
        }
    }

    #[test]
    fn lines_longer_than_the_buffer_are_whole() {
        let long = vec![b'x'; 100_000];
        let mut data = long.clone();
        data.extend_from_slice(b"\nshort\n");
        let lines = all_lines(&data, 4096);
        assert_eq!(lines, vec![(0, long), (100_001, b"short".to_vec())]);
    }

    #[test]
    fn every_line_is_read_by_exactly_one_split_at_every_boundary() {
        let data = b"alpha\r\nbeta\n\ngamma\rdelta\r\n\r\nepsilon";
        let whole = all_lines(data, 3);
        // Zero-length splits exist only for empty files, so boundaries are distinct.
        for first in 1..data.len() as u64 {
            for second in first + 1..data.len() as u64 {
                let mut joined = lines_of_split(data, 0, first, 3);
                joined.extend(lines_of_split(data, first, second - first, 5));
                joined.extend(lines_of_split(data, second, data.len() as u64 - second, 2));
                assert_eq!(joined, whole, "splits at {first} and {second}");
            }
        }
    }

    #[test]
    fn over_long_lines_are_skipped() {
        let data = b"ok\nthis one is too long\nfine\n";
        let mut reader = LineRecordReader::new(Cursor::new(data.to_vec()), 0, 29, 4, 5).unwrap();
        let (mut offset, mut line) = (0, Vec::new());
        let mut lines = Vec::new();
        while reader.next_line(&mut offset, &mut line).unwrap() {
            lines.push(line.clone());
        }
        assert_eq!(lines, vec![b"ok".to_vec(), b"fine".to_vec()]);
        assert_eq!(reader.skipped_lines(), 1);
    }
}
