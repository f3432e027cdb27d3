//! WebHDFS (`/webhdfs/v1`), the vocabulary the NameNode's and the DataNodes'
//! HTTP adapters share: Hadoop's operations per HTTP method ([`ops`]), its
//! query parameters with their defaults, ranges and error texts ([`params`]),
//! and its exception -> status table and `RemoteException` answer ([`errors`]),
//! so both daemons answer alike. No I/O.

pub mod errors;
pub mod ops;
pub mod params;

pub use errors::{error_body, error_response, status_of};
pub use ops::{HttpMethod, Op, parse_op};
pub use params::Params;

/// Every WebHDFS URL starts with this.
pub const PATH_PREFIX: &str = "/webhdfs/v1";

/// `text` percent-encoded for a URL path (`/` kept) or, with `keep_slash`
/// false, for a query value: everything but RFC 3986's unreserved bytes.
pub fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
        if unreserved || (keep_slash && byte == b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_paths_and_values() {
        assert_eq!(percent_encode("/a b/ü", true), "/a%20b/%C3%BC");
        assert_eq!(percent_encode("h:1/x&y", false), "h%3A1%2Fx%26y");
        assert_eq!(
            percent_encode("plain-name_1.txt~", false),
            "plain-name_1.txt~"
        );
    }
}
