//! Typed identifiers of HDFS: a block's id, its generation stamp and a
//! DataNode's uuid. Distinct types so that a function taking a block id and
//! a stamp (or a uuid and a host) cannot be called with them swapped; the
//! wire keeps bare integers and strings, converted at the RPC adapters.

use std::borrow::Borrow;
use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

/// The id of a block, unique in a block pool (`blk_<id>` on disk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockId(pub u64);

/// A block's generation stamp: bumped by pipeline and lease recovery so a
/// stale replica can be told from a current one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GenerationStamp(pub u64);

macro_rules! integer_id {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }

        impl From<$name> for u64 {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

integer_id!(BlockId);
integer_id!(GenerationStamp);

/// A DataNode's uuid: its identity across restarts and address changes,
/// chosen once when its first volume is formatted.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatanodeUuid(String);

impl DatanodeUuid {
    /// A new random (version 4) uuid.
    pub fn random() -> Self {
        Self(random_uuid())
    }

    /// The uuid as its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the uuid is empty (a registration that did not carry one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for DatanodeUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for DatanodeUuid {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for DatanodeUuid {
    fn from(text: &str) -> Self {
        Self(text.to_string())
    }
}

impl From<DatanodeUuid> for String {
    fn from(uuid: DatanodeUuid) -> Self {
        uuid.0
    }
}

impl Borrow<str> for DatanodeUuid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DatanodeUuid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A random version 4 uuid in its usual text form
/// (`xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`, Y one of 8, 9, a, b): DataNode
/// uuids and the NameNode's cluster id.
pub fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_uuids_are_version_4() {
        for _ in 0..64 {
            let uuid = DatanodeUuid::random();
            let text = uuid.as_str();
            let groups: Vec<&str> = text.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
            assert_eq!(lengths, vec![8, 4, 4, 4, 12], "{text}");
            assert!(text.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
            assert_eq!(&groups[2][..1], "4", "version nibble of {text}");
            assert!(
                matches!(&groups[3][..1], "8" | "9" | "a" | "b"),
                "variant bits of {text}"
            );
        }
        assert_ne!(DatanodeUuid::random(), DatanodeUuid::random());
    }

    #[test]
    fn integer_ids_print_and_parse_as_numbers() {
        assert_eq!(BlockId(1073741825).to_string(), "1073741825");
        assert_eq!("42".parse::<BlockId>().unwrap(), BlockId(42));
        assert_eq!(
            "1001".parse::<GenerationStamp>().unwrap(),
            GenerationStamp(1001)
        );
        assert!("blk_42".parse::<BlockId>().is_err());
        assert!(GenerationStamp(1001) < GenerationStamp(1002));
    }

    #[test]
    fn datanode_uuids_look_up_by_text() {
        let mut map = std::collections::HashMap::new();
        map.insert(DatanodeUuid::from("dn-1"), 1);
        assert_eq!(map.get("dn-1"), Some(&1));
        assert_eq!(DatanodeUuid::from("dn-1").to_string(), "dn-1");
    }
}
