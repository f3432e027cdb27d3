//! Value parsing: numbers, booleans, sizes, durations and local directories, as Hadoop reads
//! them. Each parser's error is the `expected` text of [`super::ConfError::Invalid`].

use std::path::PathBuf;
use std::time::Duration;

/// Unit of a plain number given to [`super::Configuration::get_duration`].
#[derive(Clone, Copy, Debug)]
pub enum TimeUnit {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// `amount` of this unit, or `None` if it does not fit in a [`Duration`].
    fn duration(self, amount: u64) -> Option<Duration> {
        let seconds_per_unit = match self {
            TimeUnit::Nanoseconds => return Some(Duration::from_nanos(amount)),
            TimeUnit::Microseconds => return Some(Duration::from_micros(amount)),
            TimeUnit::Milliseconds => return Some(Duration::from_millis(amount)),
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 60 * 60,
            TimeUnit::Days => 24 * 60 * 60,
        };
        amount
            .checked_mul(seconds_per_unit)
            .map(Duration::from_secs)
    }
}

/// `true` or `false`, case-insensitive.
pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err("expected true or false".to_string())
    }
}

/// Finite decimal number; a trailing `f` or `d` is accepted as Java's float syntax (`0.999f`).
pub(super) fn parse_f64(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(text);
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err("expected a decimal number".to_string()),
    }
}

/// Unsigned integer no greater than `u32::MAX`.
pub(super) fn parse_u32(text: &str) -> Result<u32, String> {
    let value = parse_unsigned(text, u32::MAX.into())?;
    u32::try_from(value).map_err(|_| "expected a 32-bit unsigned integer".to_string())
}

/// Unsigned integer no greater than `u16::MAX`.
pub(super) fn parse_u16(text: &str) -> Result<u16, String> {
    let value = parse_unsigned(text, u16::MAX.into())?;
    u16::try_from(value).map_err(|_| "expected a 16-bit unsigned integer".to_string())
}

/// Unsigned integer no greater than `max`, decimal or `0x` hexadecimal.
pub(super) fn parse_unsigned(text: &str, max: u64) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    match parsed {
        Ok(value) if value <= max => Ok(value),
        Ok(_) => Err(format!(
            "expected an unsigned integer no greater than {max}"
        )),
        Err(_) => Err("expected an unsigned integer".to_string()),
    }
}

/// Signed integer, decimal or `0x` hexadecimal with an optional leading `-`.
pub(super) fn parse_signed(text: &str) -> Result<i64, String> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(magnitude) => (true, magnitude),
        None => (false, text),
    };
    let hex = magnitude
        .strip_prefix("0x")
        .or_else(|| magnitude.strip_prefix("0X"));
    let parsed = match hex {
        Some(hex) if negative => i64::from_str_radix(&format!("-{hex}"), 16),
        Some(hex) => i64::from_str_radix(hex, 16),
        None => text.parse::<i64>(),
    };
    parsed.map_err(|_| "expected an integer".to_string())
}

/// Byte count with an optional binary suffix, like Hadoop's `TraditionalBinaryPrefix`.
pub(super) fn parse_size(text: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a size in bytes with an optional k, m, g, t, p or e suffix";
    let Some(last) = text.chars().last() else {
        return Err(EXPECTED.to_string());
    };
    if last.is_ascii_digit() {
        return text.parse::<u64>().map_err(|_| EXPECTED.to_string());
    }
    let shift = match last.to_ascii_lowercase() {
        'k' => 10,
        'm' => 20,
        'g' => 30,
        't' => 40,
        'p' => 50,
        'e' => 60,
        _ => return Err(EXPECTED.to_string()),
    };
    let number = text[..text.len() - last.len_utf8()]
        .parse::<u64>()
        .map_err(|_| EXPECTED.to_string())?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| "expected a size below 16e".to_string())
}

/// Integer with an optional unit suffix, like Hadoop's `getTimeDuration`.
pub(super) fn parse_duration(text: &str, default_unit: TimeUnit) -> Result<Duration, String> {
    const EXPECTED: &str =
        "expected a duration: an integer with an optional unit ns, us, ms, s, m, h or d";
    // Two-letter suffixes first: "ms" also ends in "s".
    const SUFFIXES: [(&str, TimeUnit); 7] = [
        ("ns", TimeUnit::Nanoseconds),
        ("us", TimeUnit::Microseconds),
        ("ms", TimeUnit::Milliseconds),
        ("s", TimeUnit::Seconds),
        ("m", TimeUnit::Minutes),
        ("h", TimeUnit::Hours),
        ("d", TimeUnit::Days),
    ];
    let lowercase = text.to_ascii_lowercase();
    let (number, unit) = SUFFIXES
        .iter()
        .find_map(|&(suffix, unit)| Some((lowercase.strip_suffix(suffix)?, unit)))
        .unwrap_or((lowercase.as_str(), default_unit));
    let amount = number
        .trim_end()
        .parse::<u64>()
        .map_err(|_| EXPECTED.to_string())?;
    unit.duration(amount)
        .ok_or_else(|| "expected a duration that fits in 64-bit seconds".to_string())
}

/// Path named by a plain path or a `file:` URI on this machine; `None` for anything else.
pub(super) fn local_path(item: &str) -> Option<PathBuf> {
    let Some(scheme) = uri_scheme(item) else {
        return Some(PathBuf::from(item));
    };
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let after_scheme = &item[scheme.len() + 1..];
    let path = match after_scheme.strip_prefix("//") {
        Some(authority_and_path) => {
            let slash = authority_and_path.find('/')?;
            let authority = &authority_and_path[..slash];
            if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
                return None;
            }
            &authority_and_path[slash..]
        }
        None => after_scheme,
    };
    if !path.starts_with('/') || path.contains(['?', '#']) {
        return None;
    }
    percent_decode(path).map(PathBuf::from)
}

/// Scheme of `text` if it starts like a URI (`scheme:`), per RFC 3986.
fn uri_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next()?.is_ascii_alphabetic();
    let rest_is_valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_is_valid).then_some(scheme)
}

/// Decodes `%XX` escapes of a URI path; `None` if an escape or the result is malformed.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::test_support::*;

    fn assert_no_default<T: std::fmt::Debug>(result: Result<T, ConfError>, key: &str) {
        let error = result.unwrap_err();
        assert!(
            matches!(error, ConfError::NoDefault { key: ref k } if k == key),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("configuration {key} is not set and has no default")
        );
    }

    #[test]
    fn bool_getter() {
        let conf = conf_with(&[
            ("yes", " TRUE "),
            ("no", "False"),
            ("bad", "yes"),
            ("blank", ""),
        ]);
        assert!(conf.get_bool("yes").unwrap());
        assert!(!conf.get_bool("no").unwrap());
        assert_no_default(conf.get_bool("absent"), "absent");
        assert_no_default(conf.get_bool("blank"), "blank");
        let blank_permissions = conf_with(&[(keys::DFS_PERMISSIONS_ENABLED, " ")]);
        assert!(
            blank_permissions
                .get_bool(keys::DFS_PERMISSIONS_ENABLED)
                .unwrap()
        );
        assert_eq!(
            conf.get_bool("bad").unwrap_err().to_string(),
            "invalid value for bad: 'yes' (expected true or false)"
        );
    }

    #[test]
    fn integer_getters() {
        let conf = conf_with(&[
            ("dfs.replication", "abc"),
            ("big", "18446744073709551615"),
            ("hex", "0x1F"),
            ("negative", "-42"),
            ("negative.hex", "-0x10"),
            ("port", "70000"),
            ("huge", "5000000000"),
        ]);
        assert_eq!(
            conf.get_u16("dfs.replication").unwrap_err().to_string(),
            "invalid value for dfs.replication: 'abc' (expected an unsigned integer)"
        );
        assert_eq!(conf.get_u64("big").unwrap(), u64::MAX);
        assert_eq!(conf.get_u64("hex").unwrap(), 31);
        assert_no_default(conf.get_u64("absent"), "absent");
        assert_eq!(
            conf.get_u64("negative").unwrap_err().to_string(),
            "invalid value for negative: '-42' (expected an unsigned integer)"
        );
        assert_eq!(conf.get_i64("negative").unwrap(), -42);
        assert_eq!(conf.get_i64("negative.hex").unwrap(), -16);
        assert_no_default(conf.get_i64("absent"), "absent");
        assert_eq!(
            conf.get_i64(keys::YARN_NODEMANAGER_RESOURCE_MEMORY_MB)
                .unwrap(),
            -1
        );
        assert_eq!(
            conf.get_i64("dfs.replication").unwrap_err().to_string(),
            "invalid value for dfs.replication: 'abc' (expected an integer)"
        );
        assert_eq!(conf.get_u32("port").unwrap(), 70000);
        assert_eq!(
            conf.get_u32("huge").unwrap_err().to_string(),
            "invalid value for huge: '5000000000' (expected an unsigned integer no greater than 4294967295)"
        );
        assert_eq!(conf.get_u16("hex").unwrap(), 31);
        assert_eq!(
            conf.get_u16("port").unwrap_err().to_string(),
            "invalid value for port: '70000' (expected an unsigned integer no greater than 65535)"
        );
    }

    #[test]
    fn float_getter() {
        let conf = conf_with(&[
            ("java", "0.999f"),
            ("plain", " 0.5 "),
            ("exponent", "1e3"),
            ("bad", "half"),
            ("infinite", "inf"),
        ]);
        assert_eq!(conf.get_f64("java").unwrap(), 0.999);
        assert_eq!(conf.get_f64("plain").unwrap(), 0.5);
        assert_eq!(conf.get_f64("exponent").unwrap(), 1000.0);
        assert_no_default(conf.get_f64("absent"), "absent");
        assert_eq!(conf.get_f64_opt("absent").unwrap(), None);
        assert_eq!(conf.get_f64_opt("plain").unwrap(), Some(0.5));
        assert_eq!(
            conf.get_f64("bad").unwrap_err().to_string(),
            "invalid value for bad: 'half' (expected a decimal number)"
        );
        assert!(conf.get_f64("infinite").is_err());
    }

    #[test]
    fn size_getter_accepts_binary_suffixes() {
        let cases = [
            ("4096", 4096),
            ("1k", 1 << 10),
            ("128m", 134_217_728),
            ("128M", 134_217_728),
            ("2g", 2 << 30),
            ("3T", 3 << 40),
            ("1p", 1 << 50),
            ("1e", 1 << 60),
            ("0k", 0),
        ];
        for (text, expected) in cases {
            let conf = conf_with(&[("size", text)]);
            assert_eq!(conf.get_size_bytes("size").unwrap(), expected, "{text}");
        }
        assert_no_default(Configuration::new().get_size_bytes("absent"), "absent");
        for bad in ["12x", "m", "1.5g", "-1k", "16e", "1 k"] {
            let conf = conf_with(&[("dfs.blocksize", bad)]);
            let message = conf
                .get_size_bytes("dfs.blocksize")
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid value for dfs.blocksize: '{bad}' (expected"
                )),
                "{message}"
            );
        }
    }

    #[test]
    fn duration_getter_accepts_unit_suffixes() {
        let cases = [
            ("5ns", Duration::from_nanos(5)),
            ("7us", Duration::from_micros(7)),
            ("500ms", Duration::from_millis(500)),
            ("30s", Duration::from_secs(30)),
            ("10m", Duration::from_secs(600)),
            ("2h", Duration::from_secs(7200)),
            ("1d", Duration::from_secs(86_400)),
            ("3S", Duration::from_secs(3)),
            ("4 ms", Duration::from_millis(4)),
            ("3", Duration::from_secs(3)),
        ];
        for (text, expected) in cases {
            let conf = conf_with(&[("interval", text)]);
            let parsed = conf.get_duration("interval", TimeUnit::Seconds).unwrap();
            assert_eq!(parsed, expected, "{text}");
        }
        let conf = Configuration::new();
        assert_eq!(
            conf.get_duration(
                keys::DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL,
                TimeUnit::Milliseconds
            )
            .unwrap(),
            Duration::from_secs(300)
        );
        assert_no_default(conf.get_duration("absent", TimeUnit::Minutes), "absent");
        for bad in ["soon", "-3s", "1.5s", "3w", "s", "99999999999999999999d"] {
            let conf = conf_with(&[("dfs.heartbeat.interval", bad)]);
            let message = conf
                .get_duration("dfs.heartbeat.interval", TimeUnit::Seconds)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(&format!(
                    "invalid value for dfs.heartbeat.interval: '{bad}' (expected"
                )),
                "{message}"
            );
        }
        let overflow = conf_with(&[("long", "18446744073709551615d")]);
        assert!(overflow.get_duration("long", TimeUnit::Seconds).is_err());
    }

    #[test]
    fn local_dirs_accept_paths_and_file_uris() {
        let conf = conf_with(&[(
            "dirs",
            "file:///data/1, /data/2,relative/3,file://localhost/data/4,file:/data/5,file:///with%20space",
        )]);
        let expected: Vec<PathBuf> = [
            "/data/1",
            "/data/2",
            "relative/3",
            "/data/4",
            "/data/5",
            "/with space",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(conf.get_local_dirs("dirs").unwrap(), expected);
        assert!(conf.get_local_dirs("absent").unwrap().is_empty());
    }

    #[test]
    fn local_dirs_reject_remote_uris() {
        let conf = conf_with(&[("dfs.namenode.name.dir", "/data/1,hdfs://nn:8020/name")]);
        assert_eq!(
            conf.get_local_dirs("dfs.namenode.name.dir")
                .unwrap_err()
                .to_string(),
            "invalid value for dfs.namenode.name.dir: 'hdfs://nn:8020/name' \
             (expected a local path or file:// URI)"
        );
        for bad in [
            "file://otherhost/data",
            "file://",
            "file:relative",
            "file:///bad%zz",
        ] {
            let conf = conf_with(&[("dir", bad)]);
            let error = conf.get_local_dirs("dir").unwrap_err();
            assert!(
                matches!(error, ConfError::Invalid { ref key, .. } if key == "dir"),
                "{bad}"
            );
        }
    }
}
