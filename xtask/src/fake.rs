//! A loopback HTTP server with fixed answers, for demo steps of the tiers that call a local
//! endpoint (container credentials, instance metadata). Plain std: one thread, one request per
//! connection, living until the demo exits.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// One fixed answer.
pub(crate) struct Route {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
}

/// Starts a server on a free loopback port and returns its base URL (`http://127.0.0.1:PORT`).
/// A request that matches no route gets 404.
pub(crate) fn serve(routes: Vec<Route>) -> Result<String, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot read the fake's port: {e}"))?
        .port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &routes);
        }
    });
    Ok(format!("http://127.0.0.1:{port}"))
}

fn answer(mut stream: TcpStream, routes: &[Route]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, content_type, body) =
        match routes.iter().find(|r| r.method == method && r.path == path) {
            Some(route) => ("200 OK", route.content_type, route.body.as_str()),
            None => ("404 Not Found", "text/plain", "not found"),
        };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
