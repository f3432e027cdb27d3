//! The floors `mrbench` measures each job against: plain single-threaded
//! Rust doing the job's work on a local file, with nothing a framework adds
//! (no DFS, no tasks, no serialization).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Wordcount's separators (Hadoop's example: space, tab, CR, LF, FF).
fn is_separator(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0x0c)
}

/// Counts the words of `text` with a hash map.
pub fn count_words(text: &[u8]) -> HashMap<&[u8], u64> {
    let mut counts: HashMap<&[u8], u64> = HashMap::new();
    for word in text.split(is_separator).filter(|word| !word.is_empty()) {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// The word-count floor: reads `input`, counts its words with a hash map and
/// writes `word<TAB>count` lines to `output`; the number of distinct words.
pub fn word_count_file(input: &Path, output: &Path) -> std::io::Result<usize> {
    let text = std::fs::read(input)?;
    let counts = count_words(&text);
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    for (word, count) in &counts {
        out.write_all(word)?;
        writeln!(out, "\t{count}")?;
    }
    out.flush()?;
    Ok(counts.len())
}

/// The row-sort floor: reads `input`, sorts its lines in memory (byte
/// order, which is key order for rows with distinct keys) and writes them to
/// `output`; the number of rows.
pub fn sort_rows_file(input: &Path, output: &Path) -> std::io::Result<usize> {
    let data = std::fs::read(input)?;
    let mut rows: Vec<&[u8]> = data.split_inclusive(|&byte| byte == b'\n').collect();
    rows.sort_unstable();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(output)?);
    for row in &rows {
        out.write_all(row)?;
    }
    out.flush()?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_multi_byte_words_and_skips_empty_lines() {
        let text = "é ü\n\nnaïve 日本 naïve\t日本\r\n".as_bytes();
        let counts = super::count_words(text);
        assert_eq!(counts.len(), 4);
        assert_eq!(counts["naïve".as_bytes()], 2);
        assert_eq!(counts["日本".as_bytes()], 2);
        assert_eq!(counts["é".as_bytes()], 1);
    }

    #[test]
    fn sorts_rows_by_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("in"), dir.path().join("out"));
        std::fs::write(&input, "b 2\na 1\nc 3\nB 0\n").unwrap();
        assert_eq!(super::sort_rows_file(&input, &output).unwrap(), 4);
        assert_eq!(std::fs::read(&output).unwrap(), b"B 0\na 1\nb 2\nc 3\n");
    }
}
