//! Hadoop's WebHDFS JSON answers (`JsonUtil`) read back into the client's types.

use common::{ExceptionKind, FsPermission, RemoteException};
use serde_json::Value;

use crate::Result;
use crate::read::FileChecksum;
use crate::status::{ContentSummary, FileStatus};

/// Bytes of Hadoop's serialized MD5MD5CRC32 checksum: bytes per CRC (4), CRCs per block
/// (8), the MD5 (16).
const CHECKSUM_BYTES: usize = 4 + 8 + 16;

/// An answer without the fields its op promises.
pub(super) fn malformed(op: &str) -> RemoteException {
    RemoteException::io(format!("malformed WebHDFS answer to {op}"))
}

/// `{"boolean": b}`
pub(super) fn boolean(value: &Value, op: &str) -> Result<bool> {
    value["boolean"].as_bool().ok_or_else(|| malformed(op))
}

fn u64_field(object: &Value, name: &str) -> Result<u64> {
    object[name]
        .as_u64()
        .ok_or_else(|| RemoteException::io(format!("malformed WebHDFS answer: no {name}")))
}

fn i64_field(object: &Value, name: &str) -> Result<i64> {
    object[name]
        .as_i64()
        .ok_or_else(|| RemoteException::io(format!("malformed WebHDFS answer: no {name}")))
}

fn str_field<'a>(object: &'a Value, name: &str) -> Result<&'a str> {
    object[name]
        .as_str()
        .ok_or_else(|| RemoteException::io(format!("malformed WebHDFS answer: no {name}")))
}

/// One `FileStatus` object of GETFILESTATUS or LISTSTATUS on `queried`: an entry's path is
/// `queried` joined with its `pathSuffix`, or `queried` itself when the suffix is empty.
pub fn parse_file_status(queried: &str, object: &Value) -> Result<FileStatus> {
    let suffix = str_field(object, "pathSuffix")?;
    let path = if suffix.is_empty() {
        queried.to_string()
    } else {
        common::path::join(queried, suffix)
    };
    let permission = str_field(object, "permission")?;
    let permission = FsPermission::from_octal(permission).ok_or_else(|| {
        RemoteException::io(format!("malformed WebHDFS answer: permission {permission}"))
    })?;
    let replication = u64_field(object, "replication")?;
    Ok(FileStatus {
        path,
        is_dir: str_field(object, "type")? == "DIRECTORY",
        length: u64_field(object, "length")?,
        permission,
        owner: str_field(object, "owner")?.to_string(),
        group: str_field(object, "group")?.to_string(),
        modification_time: i64_field(object, "modificationTime")?,
        access_time: i64_field(object, "accessTime")?,
        replication: u16::try_from(replication).unwrap_or(u16::MAX),
        block_size: u64_field(object, "blockSize")?,
        file_id: u64_field(object, "fileId")?,
        children_num: u32::try_from(u64_field(object, "childrenNum")?).unwrap_or(u32::MAX),
        // WebHDFS does not say; Hadoop's WebHdfsFileSystem does not know either.
        under_construction: false,
    })
}

/// `{"ContentSummary": {...}}`
pub fn parse_content_summary(value: &Value) -> Result<ContentSummary> {
    let summary = &value["ContentSummary"];
    Ok(ContentSummary {
        length: u64_field(summary, "length")?,
        file_count: u64_field(summary, "fileCount")?,
        directory_count: u64_field(summary, "directoryCount")?,
        quota: i64_field(summary, "quota")?,
        space_consumed: u64_field(summary, "spaceConsumed")?,
        space_quota: i64_field(summary, "spaceQuota")?,
    })
}

/// `{"FileChecksum": {"algorithm": "MD5-of-<n>MD5-of-<b>CRC32C", "bytes": <hex>, ..}}`:
/// the serialized checksum decoded back into its parts.
pub fn parse_checksum(value: &Value) -> Result<FileChecksum> {
    let checksum = &value["FileChecksum"];
    let algorithm = str_field(checksum, "algorithm")?;
    let hex = str_field(checksum, "bytes")?;
    let bad = || RemoteException::io(format!("malformed WebHDFS checksum {algorithm} {hex}"));
    let crc_type = if algorithm.ends_with("CRC32C") {
        "CRC32C"
    } else if algorithm.ends_with("CRC32") {
        "CRC32"
    } else {
        return Err(bad());
    };
    if hex.len() != 2 * CHECKSUM_BYTES || !hex.is_ascii() {
        return Err(bad());
    }
    let mut bytes = [0u8; CHECKSUM_BYTES];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).map_err(|_| bad())?;
    }
    let (bytes_per_crc, rest) = bytes.split_at(4);
    let (crc_per_block, md5) = rest.split_at(8);
    Ok(FileChecksum {
        crc_type,
        bytes_per_crc: u32::from_be_bytes(bytes_per_crc.try_into().map_err(|_| bad())?),
        crc_per_block: u64::from_be_bytes(crc_per_block.try_into().map_err(|_| bad())?),
        md5: md5.try_into().map_err(|_| bad())?,
        length: CHECKSUM_BYTES as u64,
    })
}

/// The failure a non-2xx answer reports: its `RemoteException` JSON (the kind from
/// `javaClassName`), or for a body that is not one, an I/O error naming the HTTP status.
pub fn parse_remote_exception(status: u16, body: &[u8]) -> RemoteException {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let exception = &value["RemoteException"];
    let (Some(class_name), Some(message)) = (
        exception["javaClassName"].as_str(),
        exception["message"].as_str(),
    ) else {
        let text = String::from_utf8_lossy(body);
        return RemoteException::io(format!("WebHDFS answered HTTP {status}: {}", text.trim()));
    };
    RemoteException::new(ExceptionKind::from_class_name(class_name), message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn file_json(suffix: &str) -> Value {
        json!({
            "accessTime": 1700000000123i64, "blockSize": 134217728, "childrenNum": 0,
            "fileId": 16390, "group": "supergroup", "length": 42,
            "modificationTime": 1700000000456i64, "owner": "alice", "pathSuffix": suffix,
            "permission": "644", "replication": 3, "storagePolicy": 0, "type": "FILE",
        })
    }

    #[test]
    fn maps_a_file_status() {
        let status = parse_file_status("/d", &file_json("f.txt")).unwrap();
        assert_eq!(
            status,
            FileStatus {
                path: "/d/f.txt".to_string(),
                is_dir: false,
                length: 42,
                permission: FsPermission::new(0o644),
                owner: "alice".to_string(),
                group: "supergroup".to_string(),
                modification_time: 1700000000456,
                access_time: 1700000000123,
                replication: 3,
                block_size: 134217728,
                file_id: 16390,
                children_num: 0,
                under_construction: false,
            }
        );
        // GETFILESTATUS (and LISTSTATUS of a file) name the queried path itself.
        assert_eq!(
            parse_file_status("/d/f", &file_json("")).unwrap().path,
            "/d/f"
        );
        assert_eq!(parse_file_status("/", &file_json("x")).unwrap().path, "/x");
    }

    #[test]
    fn maps_a_directory_with_sticky_bit() {
        let mut value = file_json("tmp");
        value["type"] = json!("DIRECTORY");
        value["permission"] = json!("1777");
        value["childrenNum"] = json!(5);
        let status = parse_file_status("/", &value).unwrap();
        assert!(status.is_dir);
        assert_eq!(status.permission, FsPermission::new(0o1777));
        assert_eq!(status.children_num, 5);
    }

    #[test]
    fn rejects_a_status_without_its_fields() {
        let mut value = file_json("x");
        value.as_object_mut().unwrap().remove("owner");
        let error = parse_file_status("/", &value).unwrap_err();
        assert_eq!(error.message, "malformed WebHDFS answer: no owner");
    }

    #[test]
    fn maps_a_content_summary() {
        let value = json!({"ContentSummary": {
            "directoryCount": 2, "ecPolicy": "", "fileCount": 3, "length": 100,
            "quota": -1, "spaceConsumed": 300, "spaceQuota": -1, "typeQuota": {},
        }});
        let summary = parse_content_summary(&value).unwrap();
        assert_eq!(
            summary,
            ContentSummary {
                length: 100,
                file_count: 3,
                directory_count: 2,
                quota: -1,
                space_consumed: 300,
                space_quota: -1,
            }
        );
    }

    #[test]
    fn decodes_the_serialized_checksum() {
        let original = FileChecksum {
            crc_type: "CRC32C",
            bytes_per_crc: 512,
            crc_per_block: 262144,
            md5: *b"0123456789abcdef",
            length: 28,
        };
        let value = json!({"FileChecksum": {
            "algorithm": original.algorithm(), "bytes": original.hex(), "length": 28,
        }});
        let decoded = parse_checksum(&value).unwrap();
        assert_eq!(decoded, original);
        assert_eq!(decoded.algorithm(), "MD5-of-262144MD5-of-512CRC32C");
        let value = json!({"FileChecksum": {"algorithm": "MD5-of-0MD5-of-0CRC32", "bytes": "00"}});
        assert!(parse_checksum(&value).is_err());
    }

    #[test]
    fn maps_remote_exceptions_by_class_name() {
        let body = br#"{"RemoteException":{"exception":"FileNotFoundException",
            "javaClassName":"java.io.FileNotFoundException","message":"File does not exist: /x"}}"#;
        let error = parse_remote_exception(404, body);
        assert_eq!(error.kind, ExceptionKind::FileNotFound);
        assert_eq!(error.message, "File does not exist: /x");
        let body = br#"{"RemoteException":{"exception":"AccessControlException",
            "javaClassName":"org.apache.hadoop.security.AccessControlException",
            "message":"Permission denied: user=bob"}}"#;
        assert_eq!(
            parse_remote_exception(403, body).kind,
            ExceptionKind::AccessControl
        );
        let error = parse_remote_exception(502, b"Bad Gateway\n");
        assert_eq!(error.kind, ExceptionKind::Io);
        assert_eq!(error.message, "WebHDFS answered HTTP 502: Bad Gateway");
    }
}
