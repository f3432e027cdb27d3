//! Seeded generators of `mrbench`'s inputs: text with a realistic vocabulary
//! (Zipf s = 1 over tens of thousands of words, accented Latin and CJK
//! words, lines of varying length), the older simple text, and 100-byte rows
//! with a 10-character alphanumeric key.

use std::collections::HashSet;
use std::io::Write;

/// SplitMix64: small, fast and seeded, so a corpus is the same in every run.
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// A uniform value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A uniform value in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Lower-case Latin letters with diacritics (two UTF-8 bytes each).
const ACCENTED: [char; 12] = ['é', 'è', 'à', 'ü', 'ö', 'ä', 'ñ', 'ç', 'ø', 'å', 'ß', 'ô'];

/// How the words of the realistic corpus are made and drawn.
#[derive(Clone, Copy, Debug)]
pub struct ZipfSpec {
    /// Distinct words.
    pub vocabulary: usize,
    /// Share of the words holding one or two accented Latin letters.
    pub accented_share: f64,
    /// Share of the words written in CJK ideographs.
    pub cjk_share: f64,
    /// Share of empty lines.
    pub empty_line_share: f64,
    /// Fewest and most words of a non-empty line.
    pub words_per_line: (u64, u64),
}

impl Default for ZipfSpec {
    fn default() -> ZipfSpec {
        ZipfSpec {
            vocabulary: 60_000,
            accented_share: 0.04,
            cjk_share: 0.01,
            empty_line_share: 0.03,
            words_per_line: (5, 20),
        }
    }
}

/// One word: CJK ideographs, or Latin letters with perhaps some accented.
fn make_word(spec: &ZipfSpec, rng: &mut Rng) -> String {
    let kind = rng.unit();
    let mut word = String::new();
    if kind < spec.cjk_share {
        for _ in 0..2 + rng.below(3) {
            let ideograph = char::from_u32(0x4e00 + rng.below(0x51a5) as u32);
            word.push(ideograph.expect("CJK unified ideographs are chars"));
        }
        return word;
    }
    let length = 2 + rng.below(9) as usize;
    for _ in 0..length {
        word.push((b'a' + rng.below(26) as u8) as char);
    }
    if kind < spec.cjk_share + spec.accented_share {
        let mut letters: Vec<char> = word.chars().collect();
        for _ in 0..1 + rng.below(2) {
            let place = rng.below(letters.len() as u64) as usize;
            letters[place] = ACCENTED[rng.below(ACCENTED.len() as u64) as usize];
        }
        word = letters.into_iter().collect();
    }
    word
}

/// `spec.vocabulary` distinct words, in rank order.
pub fn vocabulary(spec: &ZipfSpec, rng: &mut Rng) -> Vec<String> {
    let mut seen = HashSet::with_capacity(spec.vocabulary);
    let mut words = Vec::with_capacity(spec.vocabulary);
    while words.len() < spec.vocabulary {
        let word = make_word(spec, rng);
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// Draws ranks `0..n` with probability proportional to `1 / (rank + 1)`.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    /// The Zipf (s = 1) distribution over `n` ranks.
    pub fn new(n: usize) -> Zipf {
        let mut cumulative = Vec::with_capacity(n);
        let mut sum = 0.0;
        for rank in 0..n {
            sum += 1.0 / (rank + 1) as f64;
            cumulative.push(sum);
        }
        for value in &mut cumulative {
            *value /= sum;
        }
        Zipf { cumulative }
    }

    /// One rank.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let uniform = rng.unit();
        let rank = self.cumulative.partition_point(|&value| value <= uniform);
        rank.min(self.cumulative.len() - 1)
    }
}

/// Writes at least `bytes` of the realistic corpus (whole lines) to `out`.
pub fn write_zipf_text(
    out: &mut impl Write,
    bytes: usize,
    spec: &ZipfSpec,
    seed: u64,
) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let words = vocabulary(spec, &mut rng);
    let zipf = Zipf::new(words.len());
    let (fewest, most) = spec.words_per_line;
    let mut line = String::new();
    let mut written = 0;
    while written < bytes {
        line.clear();
        if rng.unit() >= spec.empty_line_share {
            for word in 0..fewest + rng.below(most - fewest + 1) {
                if word > 0 {
                    line.push(' ');
                }
                line.push_str(&words[zipf.sample(&mut rng)]);
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len();
    }
    Ok(())
}

/// Writes at least `bytes` of the earlier corpus: 12 words a line from a
/// 5,000-word ASCII vocabulary with a Zipf-like spread.
pub fn write_simple_text(out: &mut impl Write, bytes: usize) -> std::io::Result<()> {
    let vocabulary: Vec<String> = (0..5_000u32)
        .map(|rank| format!("w{}{}", rank, ["", "ing", "ed", "s"][rank as usize % 4]))
        .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut written = 0;
    let mut line = String::new();
    while written < bytes {
        line.clear();
        for word in 0..12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1u64 << 53) as f64;
            let rank = ((vocabulary.len() as f64).powf(uniform) as usize).min(vocabulary.len() - 1);
            if word > 0 {
                line.push(' ');
            }
            line.push_str(&vocabulary[rank]);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len();
    }
    Ok(())
}

/// Bytes of a row, its newline included.
pub const ROW_BYTES: usize = 100;
/// Bytes of a row's key.
pub const ROW_KEY_BYTES: usize = 10;
const ALPHANUMERIC: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Writes `rows` rows of 100 bytes: a random 10-character alphanumeric key,
/// a space, the row number and filler, a newline.
pub fn write_alnum_rows(out: &mut impl Write, rows: u64, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut row = [b'.'; ROW_BYTES];
    for index in 0..rows {
        for byte in &mut row[..ROW_KEY_BYTES] {
            *byte = ALPHANUMERIC[rng.below(62) as usize];
        }
        row[ROW_KEY_BYTES] = b' ';
        let number = format!("{index:020}");
        row[ROW_KEY_BYTES + 1..ROW_KEY_BYTES + 21].copy_from_slice(number.as_bytes());
        row[ROW_BYTES - 1] = b'\n';
        out.write_all(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_text_has_the_promised_shape() {
        let spec = ZipfSpec::default();
        let mut text = Vec::new();
        write_zipf_text(&mut text, 4 << 20, &spec, 25).unwrap();
        let text = String::from_utf8(text).expect("the corpus is UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        let empty = lines.iter().filter(|line| line.is_empty()).count();
        let empty_share = empty as f64 / lines.len() as f64;
        assert!((0.02..0.04).contains(&empty_share), "{empty_share}");
        let mut distinct = HashSet::new();
        let (mut cjk, mut accented, mut total) = (0, 0, 0);
        for line in lines.iter().filter(|line| !line.is_empty()) {
            let words: Vec<&str> = line.split(' ').collect();
            assert!((5..=20).contains(&words.len()), "{line}");
            for word in words {
                assert!(!word.is_empty());
                total += 1;
                cjk += usize::from(word.chars().any(|c| c >= '\u{4e00}'));
                accented += usize::from(word.chars().any(|c| ACCENTED.contains(&c)));
                distinct.insert(word);
            }
        }
        assert!(distinct.len() > 20_000, "{}", distinct.len());
        assert!(cjk > 0 && cjk < total / 20, "{cjk} of {total}");
        assert!(
            accented > 0 && accented < total / 5,
            "{accented} of {total}"
        );
    }

    #[test]
    fn zipf_text_is_seeded() {
        let spec = ZipfSpec::default();
        let (mut first, mut again, mut other) = (Vec::new(), Vec::new(), Vec::new());
        write_zipf_text(&mut first, 1 << 16, &spec, 7).unwrap();
        write_zipf_text(&mut again, 1 << 16, &spec, 7).unwrap();
        write_zipf_text(&mut other, 1 << 16, &spec, 8).unwrap();
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn vocabulary_words_are_distinct() {
        let spec = ZipfSpec::default();
        let words = vocabulary(&spec, &mut Rng::new(1));
        let distinct: HashSet<&String> = words.iter().collect();
        assert_eq!(distinct.len(), spec.vocabulary);
    }

    #[test]
    fn zipf_rank_one_is_drawn_about_twice_as_often_as_rank_two() {
        let zipf = Zipf::new(50_000);
        let mut rng = Rng::new(3);
        let mut counts = [0u32; 2];
        for _ in 0..200_000 {
            let rank = zipf.sample(&mut rng);
            if rank < 2 {
                counts[rank] += 1;
            }
        }
        let ratio = f64::from(counts[0]) / f64::from(counts[1]);
        assert!((1.8..2.2).contains(&ratio), "{ratio}");
    }

    #[test]
    fn alnum_rows_are_100_bytes_with_an_alphanumeric_key() {
        let mut rows = Vec::new();
        write_alnum_rows(&mut rows, 1_000, 5).unwrap();
        assert_eq!(rows.len(), 100_000);
        for row in rows.chunks(ROW_BYTES) {
            assert!(row[..ROW_KEY_BYTES].iter().all(u8::is_ascii_alphanumeric));
            assert_eq!(row[ROW_KEY_BYTES], b' ');
            assert_eq!(row[ROW_BYTES - 1], b'\n');
            assert!(!row[..ROW_BYTES - 1].contains(&b'\n'));
        }
    }
}
