//! A small async HTTP/1.1 client over a real socket for REST tests
//! (WebHDFS): one request per connection, redirects followed by hand.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one exchange may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(120);

/// A response: status, headers (names lower-cased) and the whole body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; panics (showing the body) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "status {}: body is not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `(exception, message)` of a `RemoteException` body.
    pub fn exception(&self) -> (String, String) {
        let json = self.json();
        let exception = &json["RemoteException"];
        (
            exception["exception"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            exception["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }
}

/// `METHOD target` to `address` (`host:port`) with `body`.
pub async fn request(address: &str, method: &str, target: &str, body: &[u8]) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(address).await?;
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        read_reply(&mut stream).await
    };
    tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {target}: no answer in {EXCHANGE_TIMEOUT:?}"))
        .unwrap_or_else(|error| panic!("{method} {target}: {error}"))
}

/// `GET target` on `address`.
pub async fn get(address: &str, target: &str) -> Reply {
    request(address, "GET", target, b"").await
}

/// The JSON of a `GET target` on `address` that must answer 200.
pub async fn get_json(address: &str, target: &str) -> serde_json::Value {
    let reply = get(address, target).await;
    assert_eq!(
        reply.status,
        200,
        "GET {target}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// Splits `http://host:port/target` into (`host:port`, `/target`).
pub fn split_url(url: &str) -> (String, String) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http:// URL: {url}"));
    let (authority, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    (authority.to_string(), target.to_string())
}

/// Reads a whole response (the server closes the connection after it).
pub async fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers in the reply"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or_else(|| std::io::Error::other("truncated chunk header"))?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| std::io::Error::other(format!("bad chunk size {size_text:?}")))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            return Err(std::io::Error::other("truncated chunk"));
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
