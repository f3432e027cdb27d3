//! `wordcount IN... OUT`: counts words (split on space, tab, CR, LF, FF, as
//! Hadoop's example) into `word<TAB>count` lines.

use mapreduce::{Job, LongSumReducer, Mapper, Output};

/// Emits (word, 1) for every word of a line.
#[derive(Clone, Default)]
struct TokenizerMapper {
    word: Vec<u8>,
}

fn is_separator(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0x0c)
}

impl Mapper for TokenizerMapper {
    type KeyIn = u64;
    type ValueIn = Vec<u8>;
    type KeyOut = Vec<u8>;
    type ValueOut = u64;

    fn map(&mut self, _offset: &u64, line: &Vec<u8>, output: &mut Output<'_, Vec<u8>, u64>) {
        for word in line.split(is_separator).filter(|word| !word.is_empty()) {
            self.word.clear();
            self.word.extend_from_slice(word);
            output.emit(&self.word, &1);
        }
    }
}

fn main() {
    mapreduce::run(
        Job::new("word count")
            .mapper(TokenizerMapper::default())
            .combiner(LongSumReducer::default())
            .reducer(LongSumReducer::default()),
    )
}
