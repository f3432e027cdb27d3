//! One HTTP/1.1 GET on a fresh loopback connection, for benchmarks that read daemon pages.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET path` on `address`, read to the end; the body, or an error naming the status
/// unless it is 200.
pub async fn get(address: SocketAddr, path: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    if !answer.starts_with(b"HTTP/1.1 200") {
        let status = answer
            .split(|&byte| byte == b'\r')
            .next()
            .unwrap_or_default();
        return Err(std::io::Error::other(format!(
            "GET {path}: {}",
            String::from_utf8_lossy(status)
        )));
    }
    let body = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|end| answer[end + 4..].to_vec())
        .unwrap_or_default();
    Ok(body)
}
