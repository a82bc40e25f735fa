//! A loopback HTTP forward proxy for plain-http requests (absolute-form, as `HTTP_PROXY`
//! clients send them), forwarding every request to one upstream server whatever host it names,
//! and answering over HTTP/1.1 keep-alive without `Connection: close`, as tinyproxy does. It can
//! close a connection without answering one chosen request: what a proxy does when it drops a
//! kept-alive connection the client is reusing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::fake_http::{FakeServer, Reply, SeenRequest};

/// The running proxy.
pub struct FakeProxy {
    server: FakeServer,
}

impl FakeProxy {
    /// Starts a proxy on a fresh loopback port forwarding to `upstream` (`127.0.0.1:PORT`); the
    /// requests numbered in `unanswered` (1-based, in arrival order) get their connection closed
    /// instead of an answer.
    pub fn start(upstream: SocketAddr, unanswered: &[usize]) -> FakeProxy {
        let unanswered = unanswered.to_vec();
        let count = Arc::new(AtomicUsize::new(0));
        let server = FakeServer::start(move |req| {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            if unanswered.contains(&n) {
                return Reply::Close;
            }
            forward(upstream, req)
                .unwrap_or_else(|e| Reply::status(502, format!("fake proxy: upstream: {e}")))
        });
        FakeProxy { server }
    }

    /// `http://127.0.0.1:<port>`, for `HTTP_PROXY`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Every request the proxy received, targets in absolute form.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.server.requests()
    }
}

/// Sends `req` to `upstream` in origin form on a connection of its own and returns its answer.
fn forward(upstream: SocketAddr, req: &SeenRequest) -> std::io::Result<Reply> {
    let path = req
        .target
        .strip_prefix("http://")
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(&req.target);
    let mut stream = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{} {path} HTTP/1.1\r\n", req.method);
    for (name, value) in &req.headers {
        if !matches!(
            name.as_str(),
            "connection" | "proxy-authorization" | "content-length"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        req.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&req.body)?;
    // The head, then the body by its `Content-Length` (the fakes keep connections open).
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::other("no response head"));
        }
        raw.push(byte[0]);
    }
    let split = raw.len() - 4;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    raw.extend_from_slice(&body);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let mut reply = Reply::status(status, raw[split + 4..].to_vec());
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && !matches!(
                name.trim().to_ascii_lowercase().as_str(),
                "content-length" | "connection"
            )
        {
            reply = reply.with_header(name.trim(), value.trim());
        }
    }
    Ok(reply)
}
