//! Opening a connection's byte stream: TCP (through DNS when the host is a name), the proxy's
//! `CONNECT` tunnel, and the stream type hyper drives (plain TCP or TLS over it).

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use zeroize::Zeroizing;

use super::proxy::bare_host;
use crate::Secret;

/// The longest answer to `CONNECT` a proxy may send (hyper-util's bound).
const MAX_TUNNEL_HEAD: usize = 8 * 1024;

/// The most one read hands hyper at a time (hyper's own first read buffer is this size).
const READ_CHUNK: usize = 8 * 1024;

/// A TCP connection to `host` (a name, or an IP literal with or without brackets), with Nagle
/// off: requests are small and written at once.
pub(super) async fn dial(host: &str, port: u16) -> Result<TcpStream, String> {
    let host = bare_host(host);
    let stream = match host.parse::<IpAddr>() {
        Ok(ip) => TcpStream::connect(SocketAddr::new(ip, port))
            .await
            .map_err(|e| format!("tcp connect error: {e}"))?,
        Err(_) => {
            let addrs = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("dns error: {e}"))?;
            let mut last = None;
            let mut stream = None;
            for addr in addrs {
                match TcpStream::connect(addr).await {
                    Ok(s) => {
                        stream = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match (stream, last) {
                (Some(s), _) => s,
                (None, Some(e)) => return Err(format!("tcp connect error: {e}")),
                (None, None) => return Err(format!("dns error: no address for {host}")),
            }
        }
    };
    stream
        .set_nodelay(true)
        .map_err(|e| format!("tcp set_nodelay error: {e}"))?;
    Ok(stream)
}

/// Asks an HTTP proxy for a tunnel to `authority` (`host:port`) over `tcp`.
pub(super) async fn tunnel(
    tcp: &mut TcpStream,
    authority: &str,
    authorization: Option<&Secret>,
) -> Result<(), String> {
    let mut head = Zeroizing::new(format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    ));
    if let Some(auth) = authorization {
        head.push_str("Proxy-Authorization: ");
        head.push_str(auth.expose());
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes())
        .await
        .map_err(|e| format!("proxy tunnel: sending CONNECT: {e}"))?;

    let mut answer = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    loop {
        let n = tcp
            .read(&mut chunk)
            .await
            .map_err(|e| format!("proxy tunnel: reading the answer to CONNECT: {e}"))?;
        if n == 0 {
            return Err("proxy tunnel: the proxy closed the connection before answering".into());
        }
        // Only the new bytes and the three before them can complete the blank line.
        let from = answer.len().saturating_sub(3);
        answer.extend_from_slice(&chunk[..n]);
        if answer[from..].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if answer.len() > MAX_TUNNEL_HEAD {
            return Err(format!(
                "proxy tunnel: the answer to CONNECT is longer than {MAX_TUNNEL_HEAD} bytes"
            ));
        }
    }
    let line = answer.split(|&b| b == b'\n').next().unwrap_or_default();
    let line: String = String::from_utf8_lossy(line)
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let mut words = line.split(' ');
    let version = words.next().unwrap_or_default();
    let status = words.next().and_then(|s| s.parse::<u16>().ok());
    match status {
        _ if !version.starts_with("HTTP/1.") => Err(format!(
            "proxy tunnel: the answer to CONNECT is not HTTP/1: {line:?}"
        )),
        Some(200..=299) => Ok(()),
        Some(407) => Err(format!(
            "proxy tunnel: the proxy requires authentication ({line})"
        )),
        _ => Err(format!("proxy tunnel: the proxy refused CONNECT ({line})")),
    }
}

/// A connection's byte stream: plain TCP, or TLS over TCP (possibly through a tunnel). One type
/// for both keeps a single copy of hyper's connection code in the binary.
pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}

/// hyper's reading side: the stream's tokio reads, copied into hyper's buffer. Writing into that
/// buffer's spare capacity directly, as hyper-util's `TokioIo` does, takes `unsafe`, which this
/// workspace forbids; a copy from a stack buffer (never zeroed: tokio reads into uninitialised
/// memory safely) costs less than the system call it follows, and spares a crate.
impl hyper::rt::Read for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
        let len = buf.remaining().min(READ_CHUNK);
        let mut read = ReadBuf::uninit(&mut chunk[..len]);
        match AsyncRead::poll_read(self, cx, &mut read) {
            Poll::Ready(Ok(())) => {
                buf.put_slice(read.filled());
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

/// hyper's writing side: the stream's tokio writes as they are.
impl hyper::rt::Write for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(self, cx)
    }

    fn is_write_vectored(&self) -> bool {
        AsyncWrite::is_write_vectored(self)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write_vectored(self, cx, bufs)
    }
}
