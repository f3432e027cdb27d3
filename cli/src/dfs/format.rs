//! Hadoop's ways of printing numbers and dates (`StringUtils.byteDesc`, `formatPercent`,
//! `TraditionalBinaryPrefix.long2String`, Java's `String.format("%.2f")`, `Float.toString` and
//! `Date.toString`), shared by `-df`, `dfsadmin -report` and `fsck`.

pub use common::units::{byte_desc, java_fixed, long_to_string};

/// `StringUtils.formatPercent(fraction, decimals)`: `12.50%` for 0.125 with 2 decimals.
pub fn format_percent(fraction: f64, decimals: usize) -> String {
    format!("{}%", java_fixed(fraction * 100.0, decimals))
}

/// `DFSUtilClient.percent2String`: a percentage already times 100, with 2 decimals.
pub fn percent_to_string(percentage: f64) -> String {
    format!("{}%", java_fixed(percentage, 2))
}

/// Java's `Float.toString`: `100.0`, `33.333332`, `1.0E-4`.
pub fn java_float(value: f32) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        let sign = if value < 0.0 { "-" } else { "" };
        return format!("{sign}Infinity");
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{value}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

/// Java's `Date.toString` in local time: `Mon Jan 15 10:22:33 +01:00 2024` (the zone as an
/// offset: its abbreviation is not known here).
pub fn java_date(millis: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(millis).single() {
        Some(time) => time.format("%a %b %d %H:%M:%S %Z %Y").to_string(),
        None => millis.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_rounds_the_decimal_digits_half_up() {
        assert_eq!(java_fixed(0.125, 2), "0.13");
        assert_eq!(java_fixed(0.124, 2), "0.12");
        assert_eq!(java_fixed(1.005, 2), "1.01");
        assert_eq!(java_fixed(99.999, 2), "100.00");
        assert_eq!(java_fixed(9.5, 0), "10");
        assert_eq!(java_fixed(0.0, 2), "0.00");
        assert_eq!(java_fixed(42.0, 0), "42");
        assert_eq!(java_fixed(-2.345, 2), "-2.35");
        assert_eq!(java_fixed(1e-7, 2), "0.00");
        assert_eq!(java_fixed(f64::NAN, 0), "NaN");
        assert_eq!(java_fixed(f64::INFINITY, 2), "Infinity");
    }

    #[test]
    fn percentages_like_string_utils() {
        assert_eq!(format_percent(0.5, 0), "50%");
        assert_eq!(format_percent(1.0 / 3.0, 0), "33%");
        assert_eq!(format_percent(f64::NAN, 0), "NaN%");
        assert_eq!(percent_to_string(12.3456), "12.35%");
        assert_eq!(percent_to_string(100.0), "100.00%");
    }

    #[test]
    fn byte_descriptions_use_binary_prefixes() {
        assert_eq!(byte_desc(0), "0 B");
        assert_eq!(byte_desc(1023), "1023 B");
        assert_eq!(byte_desc(1024), "1 KB");
        assert_eq!(byte_desc(1536), "1.50 KB");
        assert_eq!(byte_desc(10 * 1024 * 1024 * 1024), "10 GB");
        assert_eq!(byte_desc(1024 * 1024 - 1), "1.00 MB");
        assert_eq!(byte_desc(u64::MAX), "8.00 EB");
        assert_eq!(long_to_string(1536, "", 1), "1.5 K");
        assert_eq!(long_to_string(-2048, "", 1), "-2 K");
        assert_eq!(long_to_string(5, "", 1), "5");
    }

    #[test]
    fn floats_print_like_java() {
        assert_eq!(java_float(100.0), "100.0");
        assert_eq!(java_float(0.0), "0.0");
        assert_eq!(java_float(100.0 / 3.0), "33.333332");
        assert_eq!(java_float(3.0), "3.0");
        assert_eq!(java_float(0.0001), "1.0E-4");
        assert_eq!(java_float(1.5e7), "1.5E7");
        assert_eq!(java_float(f32::NAN), "NaN");
    }

    #[test]
    fn dates_print_like_java() {
        let text = java_date(0);
        let fields: Vec<&str> = text.split(' ').collect();
        assert_eq!(fields.len(), 6, "{text}");
        assert!(["1969", "1970"].contains(&fields[5]), "{text}");
    }
}
