//! One proxied request: it goes to the AM over a connection of its own,
//! its body streamed through, and the AM's answer streams back as it
//! arrives, hop-by-hop headers dropped both ways.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CONNECTION, HOST};
use axum::http::{HeaderMap, Method, Request, Response, Uri};
use hyper_util::rt::TokioIo;

use crate::proxy::target::{connection_tokens, is_hop_by_hop};

/// How long the AM may take to accept the connection and send its headers.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the AM could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("not a proxiable URL: {0}")]
    BadUrl(String),
    #[error("{url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The headers of `headers` a proxy passes on.
pub fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let tokens: Vec<String> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(connection_tokens)
        .collect();
    let mut kept = HeaderMap::new();
    for (name, value) in headers {
        if !is_hop_by_hop(name.as_str(), &tokens) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

/// Sends `method` to `url` (an `http://` URL) with the client's end-to-end
/// headers and `body`, from the proxy at `from`; the AM's status, headers
/// and streamed body.
pub async fn forward(
    from: &str,
    url: &str,
    method: Method,
    client_headers: &HeaderMap,
    body: Body,
) -> Result<Response<Body>, ForwardError> {
    let uri: Uri = url
        .parse()
        .map_err(|_| ForwardError::BadUrl(url.to_string()))?;
    let authority = match (uri.scheme_str(), uri.authority()) {
        (Some("http"), Some(authority)) => authority.clone(),
        _ => return Err(ForwardError::BadUrl(url.to_string())),
    };
    let address = format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let unreachable = |reason: String| ForwardError::Unreachable {
        url: url.to_string(),
        reason,
    };
    let exchange = async {
        let stream = common::faults::connect(from, address.as_str())
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        tokio::spawn(connection);
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .body(body)
            .map_err(|error| unreachable(error.to_string()))?;
        *request.headers_mut() = end_to_end(client_headers);
        let host = authority
            .as_str()
            .parse()
            .map_err(|_| ForwardError::BadUrl(url.to_string()))?;
        request.headers_mut().insert(HOST, host);
        sender
            .send_request(request)
            .await
            .map_err(|error| unreachable(error.to_string()))
    };
    let answer = tokio::time::timeout(ANSWER_TIMEOUT, exchange)
        .await
        .map_err(|_| unreachable(format!("no answer in {ANSWER_TIMEOUT:?}")))??;
    let (parts, body) = answer.into_parts();
    let mut response = Response::new(Body::new(body));
    *response.status_mut() = parts.status;
    *response.headers_mut() = end_to_end(&parts.headers);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::any;
    use http_body_util::BodyExt;

    use super::*;

    /// An AM stand-in answering `<method> <path> <body>`.
    async fn echo_server() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let echo = any(|request: Request<Body>| async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            format!(
                "{} {} {}",
                parts.method,
                parts.uri,
                String::from_utf8_lossy(&body)
            )
        });
        let app = Router::new().fallback(echo);
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    #[tokio::test]
    async fn each_method_reaches_the_am_with_its_body() {
        let address = echo_server().await;
        for (method, body) in [
            (Method::GET, ""),
            (Method::PUT, r#"{"state":"KILLED"}"#),
            (Method::POST, "posted"),
            (Method::DELETE, ""),
        ] {
            let url = format!("http://{address}/ws/v1/x?a=1");
            let answer = forward(
                "127.0.0.1",
                &url,
                method.clone(),
                &HeaderMap::new(),
                Body::from(body),
            )
            .await
            .unwrap();
            let text = answer.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(text, format!("{method} /ws/v1/x?a=1 {body}"));
        }
    }
}
