//! A tiny HTTP/1.1 server on 127.0.0.1 for fakes: plain threads, no async runtime, so a fake
//! keeps answering while the code under test blocks its own runtime.
//!
//! Each request is handed to a handler, which chooses a [`Reply`]: a normal response, or one of
//! the ways a real endpoint misbehaves (never answering, trickling, cutting the body short).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// `GET`, `PUT`...
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Headers, names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (by `Content-Length`).
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// A header's value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What the fake does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response with `Content-Length`.
    Respond {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// Keep the connection open and never answer.
    BlackHole,
    /// Headers at once, then the body one byte per `every`.
    Trickle {
        /// Status code.
        status: u16,
        /// Body.
        body: Vec<u8>,
        /// Pause between bytes.
        every: Duration,
    },
    /// Announce `Content-Length` of the full body, send only `sent` bytes, close.
    Truncated {
        /// Status code.
        status: u16,
        /// The full body (its length is announced).
        body: Vec<u8>,
        /// How many bytes actually go out.
        sent: usize,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    /// A response with a body and no extra headers.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// 200 with a body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, body)
    }

    /// The same reply with one more header (only for [`Reply::Respond`]).
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

type Handler = dyn Fn(&SeenRequest) -> Reply + Send + Sync;

/// A running fake server. Stops accepting when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// Starts a server on a fresh 127.0.0.1 port, answering with `handler`.
    pub fn start(handler: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let seen = seen.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let seen = seen.clone();
                    let handler = handler.clone();
                    let stop = stop.clone();
                    std::thread::spawn(move || serve_connection(stream, &*handler, &seen, &stop));
                }
            });
        }
        FakeServer { addr, seen, stop }
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: &Handler,
    seen: &Mutex<Vec<SeenRequest>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request.clone());
        match handler(&request) {
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (n, v) in &headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&body).is_err() {
                    return;
                }
            }
            Reply::BlackHole => {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            Reply::Trickle {
                status,
                body,
                every,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n\r\n",
                    reason(status),
                    body.len()
                );
                if writer.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for byte in body {
                    std::thread::sleep(every);
                    if stop.load(Ordering::SeqCst) || writer.write_all(&[byte]).is_err() {
                        return;
                    }
                }
            }
            Reply::Truncated { status, body, sent } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n\r\n",
                    reason(status),
                    body.len()
                );
                let _ = writer.write_all(head.as_bytes());
                let _ = writer.write_all(&body[..sent.min(body.len())]);
                return;
            }
            Reply::Close => return,
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<SeenRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':')?;
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).ok()?;
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
