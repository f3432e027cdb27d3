//! Hadoop's ways of printing sizes: `StringUtils.byteDesc`,
//! `TraditionalBinaryPrefix.long2String` and Java's `String.format("%.2f")`, shared by
//! the NameNode's quota messages and the shell's reports.

/// Java's `String.format("%.<decimals>f", value)`: the shortest decimal form of `value`,
/// rounded half up (Java rounds those decimal digits, not the binary value).
pub fn java_fixed(value: f64, decimals: usize) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        let sign = if value < 0.0 { "-" } else { "" };
        return format!("{sign}Infinity");
    }
    // Rust prints the shortest round-trip digits and never an exponent.
    let shortest = format!("{}", value.abs());
    let (integer, fraction) = shortest.split_once('.').unwrap_or((&shortest, ""));
    let mut digits: Vec<u8> = integer.bytes().collect();
    digits.extend(
        fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(decimals),
    );
    let rounds_up = fraction
        .as_bytes()
        .get(decimals)
        .is_some_and(|digit| *digit >= b'5');
    if rounds_up && increment_decimal(&mut digits) {
        digits.insert(0, b'1');
    }
    let integer_len = digits.len() - decimals;
    let mut text = String::with_capacity(digits.len() + 2);
    if value < 0.0 {
        text.push('-');
    }
    text.push_str(&String::from_utf8_lossy(&digits[..integer_len]));
    if decimals > 0 {
        text.push('.');
        text.push_str(&String::from_utf8_lossy(&digits[integer_len..]));
    }
    text
}

/// Adds one to the last of the ASCII `digits`; true when the carry runs off the front.
fn increment_decimal(digits: &mut [u8]) -> bool {
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return false;
        }
    }
    true
}

/// `StringUtils.byteDesc`: `512 B`, `1 KB`, `1.50 KB`, `2.34 GB`.
pub fn byte_desc(bytes: u64) -> String {
    long_to_string(i64::try_from(bytes).unwrap_or(i64::MAX), "B", 2)
}

/// `TraditionalBinaryPrefix.long2String(n, unit, decimals)`: below 1024 the plain number, else
/// the largest binary prefix not above `n`, exact values without decimals.
pub fn long_to_string(n: i64, unit: &str, decimals: usize) -> String {
    const SYMBOLS: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];
    let sign = if n < 0 { "-" } else { "" };
    let magnitude = n.unsigned_abs();
    if magnitude < 1024 {
        return if unit.is_empty() {
            format!("{sign}{magnitude}")
        } else {
            format!("{sign}{magnitude} {unit}")
        };
    }
    let mut prefix = ((63 - magnitude.leading_zeros()) / 10) as usize;
    let shift = 10 * prefix as u32;
    let number = if magnitude & ((1u64 << shift) - 1) == 0 {
        (magnitude >> shift).to_string()
    } else {
        let mut scaled = java_fixed(magnitude as f64 / (1u64 << shift) as f64, decimals);
        if scaled.starts_with("1024") && prefix < SYMBOLS.len() {
            prefix += 1;
            scaled = java_fixed(magnitude as f64 / 2f64.powi(10 * prefix as i32), decimals);
        }
        scaled
    };
    format!("{sign}{number} {}{unit}", SYMBOLS[prefix - 1])
}

/// `TraditionalBinaryPrefix.string2long`: a long with an optional binary prefix (`10g`,
/// `5M`), or Hadoop's message for why `text` is not one.
pub fn string_to_long(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let not_a_number = || format!("For input string: \"{text}\"");
    let Some(last) = text.chars().last() else {
        return Err(not_a_number());
    };
    if last.is_ascii_digit() {
        return text.parse::<i64>().map_err(|_| not_a_number());
    }
    let shift = match last.to_ascii_lowercase() {
        'k' => 10,
        'm' => 20,
        'g' => 30,
        't' => 40,
        'p' => 50,
        'e' => 60,
        _ => {
            return Err(format!(
                "Invalid size prefix '{last}' in '{text}'. Allowed prefixes are k, m, g, t, p, e(case insensitive)"
            ));
        }
    };
    let digits = &text[..text.len() - last.len_utf8()];
    let number = digits
        .parse::<i64>()
        .map_err(|_| format!("For input string: \"{digits}\""))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text} does not fit in a Long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_prefixes() {
        assert_eq!(string_to_long("10g"), Ok(10 << 30));
        assert_eq!(string_to_long(" 5M "), Ok(5 << 20));
        assert_eq!(string_to_long("-1"), Ok(-1));
        assert_eq!(string_to_long("123"), Ok(123));
        assert_eq!(
            string_to_long("abc"),
            Err("Invalid size prefix 'c' in 'abc'. Allowed prefixes are k, m, g, t, p, e(case insensitive)".to_string())
        );
        assert_eq!(
            string_to_long("x1"),
            Err("For input string: \"x1\"".to_string())
        );
        assert_eq!(
            string_to_long("9e"),
            Err("9e does not fit in a Long".to_string())
        );
    }

    #[test]
    fn byte_descriptions_match_hadoop() {
        assert_eq!(byte_desc(1048576), "1 MB");
        assert_eq!(byte_desc(402653184), "384 MB");
        assert_eq!(byte_desc(1536), "1.50 KB");
        assert_eq!(byte_desc(500), "500 B");
    }
}
