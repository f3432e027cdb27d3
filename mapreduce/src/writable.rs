//! How keys and values become bytes: the serialized form is what the sort
//! buffer, spill files and the shuffle carry, and (unless the job sets a
//! comparator) what keys sort by, so integers are encoded big-endian with the
//! sign bit flipped: byte order equals numeric order.

use crate::Error;

/// The object-safe half of [`Writable`]: writing a value out.
pub trait Encode {
    /// Appends the serialized form (what sorts and travels) to `out`.
    fn write(&self, out: &mut Vec<u8>);
    /// Appends the form `TextOutputFormat` prints to `out`.
    fn write_text(&self, out: &mut Vec<u8>);
    /// True for the unit type, which `TextOutputFormat` leaves out with its tab.
    fn is_null(&self) -> bool {
        false
    }
}

/// A key or value type: serialized with [`Encode::write`], read back with
/// [`Writable::read_into`] into a reused instance (no allocation per record
/// for reused buffers).
pub trait Writable: Encode + Default + Send + 'static {
    /// Replaces `self` with the value serialized in `bytes`.
    fn read_into(&mut self, bytes: &[u8]) -> Result<(), Error>;

    /// A fresh value read from `bytes`.
    fn read(bytes: &[u8]) -> Result<Self, Error> {
        let mut value = Self::default();
        value.read_into(bytes)?;
        Ok(value)
    }
}

impl Encode for Vec<u8> {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn write_text(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl Writable for Vec<u8> {
    fn read_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.clear();
        self.extend_from_slice(bytes);
        Ok(())
    }
}

impl Encode for String {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn write_text(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Writable for String {
    fn read_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let text = std::str::from_utf8(bytes)
            .map_err(|error| Error::Decode(format!("not UTF-8 text: {error}")))?;
        self.clear();
        self.push_str(text);
        Ok(())
    }
}

/// Bytes already serialized, passed on as they are (the framework moving
/// records between buffers).
pub(crate) struct RawBytes<'a>(pub &'a [u8]);

impl Encode for RawBytes<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
    }
    fn write_text(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
    }
}

/// NullWritable: no bytes at all.
impl Encode for () {
    fn write(&self, _out: &mut Vec<u8>) {}
    fn write_text(&self, _out: &mut Vec<u8>) {}
    fn is_null(&self) -> bool {
        true
    }
}

impl Writable for () {
    fn read_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.is_empty() {
            return Ok(());
        }
        Err(Error::Decode(format!(
            "expected no bytes for (), got {}",
            bytes.len()
        )))
    }
}

macro_rules! ordered_integer {
    ($type:ty, $unsigned:ty, $flip:expr) => {
        impl Encode for $type {
            fn write(&self, out: &mut Vec<u8>) {
                let flipped = (*self as $unsigned) ^ $flip;
                out.extend_from_slice(&flipped.to_be_bytes());
            }
            fn write_text(&self, out: &mut Vec<u8>) {
                use std::io::Write;
                write!(out, "{self}").expect("writing to a Vec cannot fail");
            }
        }

        impl Writable for $type {
            fn read_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
                let array: [u8; std::mem::size_of::<$type>()] = bytes.try_into().map_err(|_| {
                    Error::Decode(format!(
                        "expected {} bytes for {}, got {}",
                        std::mem::size_of::<$type>(),
                        stringify!($type),
                        bytes.len()
                    ))
                })?;
                *self = (<$unsigned>::from_be_bytes(array) ^ $flip) as $type;
                Ok(())
            }
        }
    };
}

ordered_integer!(u64, u64, 0);
ordered_integer!(u32, u32, 0);
ordered_integer!(i64, u64, 1 << 63);
ordered_integer!(i32, u32, 1 << 31);

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a varint from the front of `bytes`: (value, bytes used).
pub(crate) fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<T: Encode>(value: T) -> Vec<u8> {
        let mut out = Vec::new();
        value.write(&mut out);
        out
    }

    #[test]
    fn integers_sort_by_their_bytes() {
        let signed = [i64::MIN, -300, -1, 0, 1, 255, 256, i64::MAX];
        for pair in signed.windows(2) {
            assert!(bytes(pair[0]) < bytes(pair[1]), "{pair:?}");
        }
        let small = [i32::MIN, -2, 0, 7, i32::MAX];
        for pair in small.windows(2) {
            assert!(bytes(pair[0]) < bytes(pair[1]), "{pair:?}");
        }
        let unsigned = [0u64, 1, 255, 256, 65_536, u64::MAX];
        for pair in unsigned.windows(2) {
            assert!(bytes(pair[0]) < bytes(pair[1]), "{pair:?}");
        }
        assert!(bytes(3u32) < bytes(300u32));
    }

    #[test]
    fn values_round_trip() {
        for value in [i64::MIN, -5, 0, 5, i64::MAX] {
            assert_eq!(i64::read(&bytes(value)).unwrap(), value);
        }
        assert_eq!(i32::read(&bytes(-9i32)).unwrap(), -9);
        assert_eq!(u32::read(&bytes(9u32)).unwrap(), 9);
        assert_eq!(u64::read(&bytes(9u64)).unwrap(), 9);
        let text = String::from("grüße");
        assert_eq!(String::read(&bytes(text.clone())).unwrap(), text);
        assert_eq!(Vec::<u8>::read(&[1, 2, 3]).unwrap(), vec![1, 2, 3]);
        <()>::read(&[]).unwrap();
    }

    #[test]
    fn bad_bytes_are_clear_errors() {
        let error = u64::read(&[1, 2]).unwrap_err().to_string();
        assert!(error.contains("expected 8 bytes for u64, got 2"), "{error}");
        assert!(String::read(&[0xff]).is_err());
        assert!(<()>::read(&[0]).is_err());
    }

    #[test]
    fn text_forms_are_readable() {
        let mut out = Vec::new();
        (-42i64).write_text(&mut out);
        assert_eq!(out, b"-42");
        assert!(().is_null());
    }

    #[test]
    fn varints_round_trip() {
        for value in [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut out = Vec::new();
            write_varint(&mut out, value);
            assert_eq!(read_varint(&out), Some((value, out.len())));
        }
        assert_eq!(read_varint(&[0x80]), None);
    }
}
