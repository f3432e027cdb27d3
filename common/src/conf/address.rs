//! Addresses: `host:port` values, the NameNode's RPC address and resolving to socket addresses.

use std::net::{SocketAddr, ToSocketAddrs};

use super::{ConfError, Configuration, invalid, keys};

/// The NameNode RPC port when an `hdfs://` URI names none.
pub const DEFAULT_NAMENODE_PORT: u16 = 8020;

/// `host:port` of the NameNode in an `hdfs://host[:port][/path]` URI (port
/// 8020 when absent); `None` for any other URI.
pub fn hdfs_authority(uri: &str) -> Option<String> {
    let authority = uri.strip_prefix("hdfs://")?.split('/').next()?;
    if authority.is_empty() {
        return None;
    }
    Some(if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{DEFAULT_NAMENODE_PORT}")
    })
}

impl Configuration {
    /// The NameNode's RPC `host:port` as daemons find it: `dfs.namenode.rpc-address`,
    /// else the authority of `fs.defaultFS`.
    pub fn namenode_rpc_address(&self) -> Result<String, ConfError> {
        if let Some(address) = self.get_trimmed(keys::DFS_NAMENODE_RPC_ADDRESS) {
            return Ok(address);
        }
        let default_fs = self.get_string(keys::FS_DEFAULT_FS)?;
        hdfs_authority(&default_fs).ok_or_else(|| ConfError::Invalid {
            key: keys::FS_DEFAULT_FS.into(),
            value: default_fs,
            expected: "an hdfs://host:port URI, or set dfs.namenode.rpc-address".into(),
        })
    }

    /// Host and port of a `host:port` value (IPv6 hosts in brackets, returned without them);
    /// the key's default if it is absent or empty.
    pub fn get_socket_addr(&self, key: &str) -> Result<(String, u16), ConfError> {
        let value = self
            .value_or_default(key)
            .ok_or_else(|| ConfError::NoDefault {
                key: key.to_string(),
            })?;
        match parse_host_port(&value) {
            Some((host, port)) => Ok((host.to_string(), port)),
            None => Err(invalid(key, value, "expected host:port")),
        }
    }

    /// [`Configuration::get_socket_addr`], resolved to an address to bind.
    pub fn get_resolved_socket_addr(&self, key: &str) -> Result<SocketAddr, ConfError> {
        let (host, port) = self.get_socket_addr(key)?;
        resolve_socket_addr(key, &host, port)
    }
}

/// Resolves `host:port` (named by `key` in errors) to one socket address.
pub fn resolve_socket_addr(key: &str, host: &str, port: u16) -> Result<SocketAddr, ConfError> {
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| ConfError::Invalid {
            key: key.into(),
            value: format!("{host}:{port}"),
            expected: "a resolvable host:port".into(),
        })
}

/// `host:port`, or `[ipv6]:port`; the host is returned without brackets.
fn parse_host_port(text: &str) -> Option<(&str, u16)> {
    let (host, port) = match text.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':')?)
        }
        None => {
            let (host, port) = text.rsplit_once(':')?;
            // An unbracketed IPv6 address or a URI is ambiguous.
            if host.contains([':', '/']) {
                return None;
            }
            (host, port)
        }
    };
    let host_is_valid = !host.is_empty() && !host.contains(char::is_whitespace);
    let port_is_digits = !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit());
    if !host_is_valid || !port_is_digits {
        return None;
    }
    Some((host, port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::test_support::*;

    #[test]
    fn socket_addr_getter() {
        let conf = conf_with(&[
            ("rpc", " nn.example.com:8020 "),
            ("v6", "[::1]:9000"),
            ("no.port", "nn.example.com"),
            ("big.port", "nn:99999"),
            ("no.host", ":80"),
            ("uri", "hdfs://nn:8020"),
        ]);
        assert_eq!(
            conf.get_socket_addr("rpc").unwrap(),
            ("nn.example.com".to_string(), 8020)
        );
        assert_eq!(
            conf.get_socket_addr("v6").unwrap(),
            ("::1".to_string(), 9000)
        );
        assert_eq!(
            conf.get_socket_addr(keys::DFS_NAMENODE_HTTP_ADDRESS)
                .unwrap(),
            ("0.0.0.0".to_string(), 9870)
        );
        let blank = conf_with(&[(keys::DFS_NAMENODE_HTTP_ADDRESS, " ")]);
        assert_eq!(
            blank
                .get_socket_addr(keys::DFS_NAMENODE_HTTP_ADDRESS)
                .unwrap(),
            ("0.0.0.0".to_string(), 9870)
        );
        assert_eq!(
            conf.get_socket_addr("no.port").unwrap_err().to_string(),
            "invalid value for no.port: 'nn.example.com' (expected host:port)"
        );
        for key in ["big.port", "no.host", "uri"] {
            let error = conf.get_socket_addr(key).unwrap_err();
            assert!(
                matches!(error, ConfError::Invalid { key: ref k, .. } if k == key),
                "{key}"
            );
        }
        assert!(matches!(
            conf.get_socket_addr("absent"),
            Err(ConfError::NoDefault { .. })
        ));
    }

    #[test]
    fn hdfs_authorities() {
        assert_eq!(hdfs_authority("hdfs://nn:9000").as_deref(), Some("nn:9000"));
        assert_eq!(hdfs_authority("hdfs://nn").as_deref(), Some("nn:8020"));
        assert_eq!(
            hdfs_authority("hdfs://nn:9000/x").as_deref(),
            Some("nn:9000")
        );
        assert_eq!(hdfs_authority("file:///"), None);
        assert_eq!(hdfs_authority("hdfs:///x"), None);
    }

    #[test]
    fn namenode_address_prefers_the_rpc_key() {
        let mut conf = Configuration::new();
        assert!(conf.namenode_rpc_address().is_err());
        conf.set("fs.defaultFS", "hdfs://nn");
        assert_eq!(conf.namenode_rpc_address().unwrap(), "nn:8020");
        conf.set("dfs.namenode.rpc-address", "other:1234");
        assert_eq!(conf.namenode_rpc_address().unwrap(), "other:1234");
    }
}
