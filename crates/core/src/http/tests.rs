//! [`HyperClient`] against loopback servers that misbehave in the ways real endpoints do.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;
use crate::Env;

fn run<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn client() -> HyperClient {
    HyperClient::new(&Env::from_vars([("HOME", "/nonexistent")]))
}

fn timeouts(connect_ms: u64, read_ms: u64) -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(connect_ms),
        read: Duration::from_millis(read_ms),
    }
}

fn get(uri: &str) -> HttpRequest {
    ::http::Request::get(uri).body(Vec::new()).expect("request")
}

/// Reads one request head (up to the blank line) and returns it.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A loopback server that runs `handle` on every connection; returns its address.
async fn serve<H, Fut>(handle: H) -> SocketAddr
where
    H: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    addr
}

/// A server answering every request on a connection with `response`, keeping the connection.
async fn canned(response: &'static str) -> SocketAddr {
    serve(move |mut s| async move {
        loop {
            let head = read_head(&mut s).await;
            if head.is_empty() {
                return;
            }
            if s.write_all(response.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[test]
fn ok_with_body() {
    run(async {
        let addr =
            canned("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"ok\"}\n")
                .await;
        let c = client();
        for _ in 0..3 {
            // Repeated on one client: the pooled connection is reused.
            let r = c
                .send(get(&format!("http://{addr}/x?y=1")), timeouts(1000, 1000))
                .await
                .expect("response");
            assert_eq!(r.status(), 200);
            assert_eq!(r.body(), b"{\"a\":\"ok\"}\n");
            assert_eq!(r.headers()["content-type"], "application/json");
        }
    });
}

#[test]
fn request_line_headers_and_body_reach_the_server() {
    run(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let addr = serve(move |mut s| {
            let tx = tx.clone();
            async move {
                let head = read_head(&mut s).await;
                let mut body = vec![0u8; 5];
                s.read_exact(&mut body).await.expect("body");
                tx.send(format!("{head}{}", String::from_utf8_lossy(&body)))
                    .expect("send");
                s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await.ok();
            }
        })
        .await;
        let request = ::http::Request::put(format!("http://{addr}/latest/api/token"))
            .header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
            .body(b"hello".to_vec())
            .expect("request");
        let r = client()
            .send(request, timeouts(1000, 1000))
            .await
            .expect("response");
        assert_eq!(r.status(), 204);
        let seen = rx.recv().await.expect("seen");
        assert!(
            seen.starts_with("PUT /latest/api/token HTTP/1.1\r\n"),
            "{seen}"
        );
        assert!(
            seen.contains("x-aws-ec2-metadata-token-ttl-seconds: 21600"),
            "{seen}"
        );
        assert!(seen.contains(&format!("host: {addr}")), "{seen}");
        assert!(seen.ends_with("hello"), "{seen}");
    });
}

#[test]
fn server_error_is_a_response() {
    run(async {
        let addr =
            canned("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops").await;
        let r = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
            .await
            .expect("response");
        assert_eq!(r.status(), 500);
        assert_eq!(r.body(), b"oops");
    });
}

#[test]
fn redirect_is_returned_not_followed() {
    run(async {
        let addr = canned(
            "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/elsewhere\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
        let r = client()
            .send(get(&format!("http://{addr}/start")), timeouts(1000, 1000))
            .await
            .expect("response");
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()["location"], "http://169.254.169.254/elsewhere");
    });
}

#[test]
fn connection_refused_names_the_endpoint_without_query() {
    run(async {
        // Bound then dropped: nothing listens there any more.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind")
            .local_addr()
            .expect("addr");
        let started = Instant::now();
        let e = client()
            .send(
                get(&format!("http://{addr}/creds?token=SECRETVALUE")),
                timeouts(1000, 1000),
            )
            .await
            .expect_err("refused");
        assert!(started.elapsed() < Duration::from_millis(900));
        assert_eq!(e.kind(), HttpErrorKind::Connect, "{e}");
        assert_eq!(e.endpoint(), format!("http://{addr}/creds"));
        let text = format!("{e} {e:?}");
        assert!(!text.contains("SECRETVALUE"), "{text}");
        assert!(text.contains(&format!("http://{addr}/creds")), "{text}");
    });
}

#[test]
fn black_hole_hits_the_read_timeout() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(s);
        })
        .await;
        let started = Instant::now();
        let e = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 300))
            .await
            .expect_err("timeout");
        let took = started.elapsed();
        assert!(e.is_timeout(), "{e}");
        assert!(took >= Duration::from_millis(290), "{took:?}");
        assert!(took < Duration::from_millis(1200), "{took:?}");
        assert!(e.to_string().contains("300 ms"), "{e}");
    });
}

#[test]
fn slow_trickle_cannot_outlast_the_read_timeout() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if s.write_all(b"x").await.is_err() {
                    return;
                }
            }
        })
        .await;
        let started = Instant::now();
        let e = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 400))
            .await
            .expect_err("timeout");
        assert!(e.is_timeout(), "{e}");
        assert!(started.elapsed() < Duration::from_millis(1200));
    });
}

#[test]
fn declared_oversized_body_is_refused() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                MAX_BODY_BYTES + 1
            );
            let _ = s.write_all(head.as_bytes()).await;
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..20 {
                if s.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        })
        .await;
        let e = client()
            .send(get(&format!("http://{addr}/big")), timeouts(1000, 2000))
            .await
            .expect_err("too large");
        assert_eq!(e.kind(), HttpErrorKind::BodyTooLarge, "{e}");
        assert!(e.to_string().contains("/big"), "{e}");
    });
}

#[test]
fn undeclared_oversized_body_is_cut_off() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            // Endless: the client must stop reading, not buffer.
            let chunk = format!("10000\r\n{}\r\n", "b".repeat(0x10000));
            loop {
                if s.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        })
        .await;
        let e = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 5000))
            .await
            .expect_err("too large");
        assert_eq!(e.kind(), HttpErrorKind::BodyTooLarge, "{e}");
    });
}

#[test]
fn body_at_the_cap_is_accepted() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {MAX_BODY_BYTES}\r\n\r\n");
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&vec![b'c'; MAX_BODY_BYTES]).await;
        })
        .await;
        let r = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 5000))
            .await
            .expect("response");
        assert_eq!(r.body().len(), MAX_BODY_BYTES);
    });
}

#[test]
fn truncated_body_is_an_io_error() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"AccessKeyId\":")
                .await;
        })
        .await;
        let e = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
            .await
            .expect_err("truncated");
        assert_eq!(e.kind(), HttpErrorKind::Io, "{e}");
    });
}

#[test]
fn garbage_instead_of_http_is_an_io_error() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
        })
        .await;
        let e = client()
            .send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
            .await
            .expect_err("not http");
        assert_eq!(e.kind(), HttpErrorKind::Io, "{e}");
    });
}

#[test]
fn unsupported_uris_are_refused_up_front() {
    run(async {
        let c = client();
        for uri in ["ftp://127.0.0.1/x", "/relative/path"] {
            let e = c
                .send(get(uri), timeouts(1000, 1000))
                .await
                .expect_err("invalid");
            assert_eq!(e.kind(), HttpErrorKind::InvalidRequest, "{uri}: {e}");
        }
    });
}

#[test]
fn http_through_a_proxy_uses_absolute_form_and_proxy_auth() {
    run(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let proxy = serve(move |mut s| {
            let tx = tx.clone();
            async move {
                let head = read_head(&mut s).await;
                tx.send(head).expect("send");
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        })
        .await;
        let env = Env::from_vars([("HTTP_PROXY", format!("http://u:p@{proxy}"))]);
        let r = HyperClient::new(&env)
            .send(
                get("http://metadata.example/latest/x"),
                timeouts(1000, 1000),
            )
            .await
            .expect("response");
        assert_eq!(r.body(), b"ok");
        let head = rx.recv().await.expect("head");
        assert!(
            head.starts_with("GET http://metadata.example/latest/x HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("proxy-authorization: basic dtpw"),
            "{head}"
        );
    });
}

#[test]
fn https_through_a_proxy_opens_a_connect_tunnel() {
    run(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let proxy = serve(move |mut s| {
            let tx = tx.clone();
            async move {
                let head = read_head(&mut s).await;
                tx.send(head).expect("send");
                // Refuse the tunnel: the client must report it, not hang.
                let _ = s
                    .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        })
        .await;
        let env = Env::from_vars([("HTTPS_PROXY", format!("http://u:p@{proxy}"))]);
        let e = HyperClient::new(&env)
            .send(get("https://sts.example:443/"), timeouts(1000, 1000))
            .await
            .expect_err("tunnel refused");
        assert_eq!(e.kind(), HttpErrorKind::Connect, "{e}");
        let head = rx.recv().await.expect("head");
        assert!(
            head.starts_with("CONNECT sts.example:443 HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("proxy-authorization: basic dtpw"),
            "{head}"
        );
        assert!(!e.to_string().contains("u:p"), "{e}");
    });
}

#[test]
fn https_to_a_plain_http_server_fails_cleanly() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        })
        .await;
        let e = client()
            .send(get(&format!("https://{addr}/")), timeouts(1000, 1000))
            .await
            .expect_err("no tls");
        assert!(
            matches!(e.kind(), HttpErrorKind::Connect | HttpErrorKind::Io),
            "{e}"
        );
    });
}

/// A TLS server for `localhost` / `127.0.0.1` with a certificate from a private test CA
/// (`testdata/`: `ca.pem`, and `leaf.pem`/`leaf.key` signed by it; the CA key was discarded).
async fn tls_server() -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("testdata/leaf.pem"))
            .collect::<Result<_, _>>()
            .expect("leaf certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("testdata/leaf.key")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn env_with_ca_bundle() -> Env {
    let fs = crate::fs::MemFs::default()
        .with_file("/ca.pem", include_bytes!("testdata/ca.pem").to_vec());
    Env::from_vars([("AWS_CA_BUNDLE", "/ca.pem")]).with_fs(std::sync::Arc::new(fs))
}

#[test]
fn https_trusts_the_ca_bundle_and_loads_roots_lazily() {
    run(async {
        let plain = canned("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
        let tls = tls_server().await;
        let c = HyperClient::new(&env_with_ca_bundle());
        c.send(get(&format!("http://{plain}/")), timeouts(1000, 1000))
            .await
            .expect("plain http");
        assert!(!c.tls_loaded(), "plain http must not load the TLS roots");
        for host in ["localhost", "127.0.0.1"] {
            let r = c
                .send(
                    get(&format!("https://{host}:{}/x", tls.port())),
                    timeouts(2000, 2000),
                )
                .await
                .expect("https");
            assert_eq!(r.body(), b"secure");
        }
        assert!(c.tls_loaded());
    });
}

#[test]
fn https_with_an_unknown_issuer_is_a_connect_error() {
    run(async {
        let tls = tls_server().await;
        let e = client()
            .send(
                get(&format!("https://localhost:{}/x?sig=SECRET", tls.port())),
                timeouts(2000, 2000),
            )
            .await
            .expect_err("untrusted");
        assert_eq!(e.kind(), HttpErrorKind::Connect, "{e}");
        let text = e.to_string();
        assert!(
            text.contains(&format!("https://localhost:{}/x", tls.port())),
            "{text}"
        );
        assert!(text.to_ascii_lowercase().contains("certificate"), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    });
}

#[test]
fn connect_timeout_covers_a_proxy_that_never_opens_the_tunnel() {
    run(async {
        // The proxy accepts the TCP connection but never answers CONNECT: the connection is
        // never ready, so the connect timeout (not the read timeout) ends the request.
        let proxy = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
        .await;
        let env = Env::from_vars([("HTTPS_PROXY", format!("http://{proxy}"))]);
        let started = Instant::now();
        let e = HyperClient::new(&env)
            .send(get("https://sts.example/"), timeouts(300, 5000))
            .await
            .expect_err("no tunnel");
        let took = started.elapsed();
        assert!(e.is_timeout(), "{e}");
        assert!(e.to_string().contains("no connection within 300 ms"), "{e}");
        assert!(took < Duration::from_millis(1000), "{took:?}");
    });
}

/// A keep-alive server answering every request with an empty 200 (plus `extra` headers), that
/// counts the connections it accepts and reports each one's end on `closed`.
async fn counting(
    extra: &'static str,
) -> (
    SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    tokio::sync::mpsc::UnboundedReceiver<()>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let (tx, closed) = tokio::sync::mpsc::unbounded_channel();
    let count = accepted.clone();
    let addr = serve(move |mut s| {
        count.fetch_add(1, Ordering::SeqCst);
        let tx = tx.clone();
        async move {
            loop {
                let head = read_head(&mut s).await;
                if head.is_empty() {
                    break;
                }
                let response = format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{extra}\r\nok");
                if s.write_all(response.as_bytes()).await.is_err() {
                    break;
                }
                if extra.contains("close") {
                    break;
                }
            }
            let _ = tx.send(());
        }
    })
    .await;
    (addr, accepted, closed)
}

fn accepted(n: &std::sync::atomic::AtomicUsize) -> usize {
    n.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn sequential_requests_share_one_connection() {
    run(async {
        let (addr, count, _closed) = counting("").await;
        let (other, other_count, _other_closed) = counting("").await;
        let c = client();
        let clone = c.clone();
        for (i, client) in [&c, &clone, &c, &clone].into_iter().enumerate() {
            // Like the IMDS tier: a PUT with a body, then GETs.
            let request = if i == 0 {
                ::http::Request::put(format!("http://{addr}/latest/api/token"))
                    .body(b"x".to_vec())
                    .expect("request")
            } else {
                get(&format!("http://{addr}/latest/meta-data/{i}"))
            };
            let r = client
                .send(request, timeouts(1000, 1000))
                .await
                .expect("response");
            assert_eq!(r.body(), b"ok");
        }
        assert_eq!(accepted(&count), 1, "clones share one pooled connection");
        assert_eq!(c.idle_connections(), 1);
        // Another destination gets its own connection.
        c.send(get(&format!("http://{other}/")), timeouts(1000, 1000))
            .await
            .expect("other");
        assert_eq!(accepted(&other_count), 1);
        assert_eq!(accepted(&count), 1);
        assert_eq!(c.idle_connections(), 2);
    });
}

#[test]
fn concurrent_requests_open_connections_that_are_then_reused() {
    run(async {
        let (addr, count, _closed) = counting("").await;
        let c = client();
        let uri = format!("http://{addr}/");
        let (a, b) = tokio::join!(
            c.send(get(&uri), timeouts(1000, 1000)),
            c.send(get(&uri), timeouts(1000, 1000))
        );
        a.expect("a");
        b.expect("b");
        assert_eq!(accepted(&count), 2);
        assert_eq!(c.idle_connections(), 2);
        for _ in 0..3 {
            c.send(get(&uri), timeouts(1000, 1000))
                .await
                .expect("again");
        }
        assert_eq!(accepted(&count), 2);
    });
}

#[test]
fn a_connection_the_server_closes_is_not_reused() {
    run(async {
        // Announced: `Connection: close`.
        let (addr, count, _closed) = counting("Connection: close\r\n").await;
        let c = client();
        for _ in 0..2 {
            c.send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
                .await
                .expect("response");
        }
        assert_eq!(accepted(&count), 2);

        // Unannounced: the server hangs up after one response, while the connection is idle.
        let (tx, mut hung_up) = tokio::sync::mpsc::unbounded_channel::<()>();
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = count.clone();
        let addr = serve(move |mut s| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let tx = tx.clone();
            async move {
                let _ = read_head(&mut s).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
                drop(s);
                let _ = tx.send(());
            }
        })
        .await;
        for _ in 0..2 {
            let r = c
                .send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
                .await
                .expect("a fresh connection replaces the closed one");
            assert_eq!(r.body(), b"ok");
            hung_up.recv().await.expect("hung up");
            // Let the connection's driver see the end of the stream.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted(&count), 2);
        assert_eq!(c.idle_connections(), 0);
    });
}

#[test]
fn failed_exchanges_leave_nothing_in_the_pool() {
    run(async {
        let addr = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                .await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
        .await;
        let c = client();
        let e = c
            .send(get(&format!("http://{addr}/")), timeouts(1000, 200))
            .await
            .expect_err("timeout");
        assert!(e.is_timeout(), "{e}");
        assert_eq!(c.idle_connections(), 0);
    });
}

#[test]
fn idle_connections_are_closed_after_30_seconds() {
    run(async {
        let (addr, count, mut closed) = counting("").await;
        let c = client();
        let uri = format!("http://{addr}/");
        c.send(get(&uri), timeouts(1000, 1000))
            .await
            .expect("first");
        assert_eq!(c.idle_connections(), 1);
        // Only the pool's clock moves: no request is in flight.
        tokio::time::pause();
        tokio::time::advance(Duration::from_secs(29)).await;
        tokio::task::yield_now().await;
        assert_eq!(c.idle_connections(), 1, "still fresh at 29 s");
        tokio::time::advance(Duration::from_secs(2)).await;
        tokio::task::yield_now().await;
        tokio::time::resume();
        assert_eq!(c.idle_connections(), 0, "reaped at 31 s");
        tokio::time::timeout(Duration::from_secs(2), closed.recv())
            .await
            .expect("the server sees the connection close")
            .expect("closed");
        c.send(get(&uri), timeouts(1000, 1000))
            .await
            .expect("second");
        assert_eq!(accepted(&count), 2);
    });
}

#[test]
fn a_client_outlives_the_runtime_that_opened_its_connections() {
    let c = client();
    run(async {
        let (addr, _, _) = counting("").await;
        c.send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
            .await
            .expect("first runtime");
        assert_eq!(c.idle_connections(), 1);
    });
    run(async {
        let (addr, count, _) = counting("").await;
        for _ in 0..2 {
            c.send(get(&format!("http://{addr}/")), timeouts(1000, 1000))
                .await
                .expect("second runtime");
        }
        assert_eq!(accepted(&count), 1);
        // A new reaper started on this runtime and dropped the dead runtime's connection.
        tokio::task::yield_now().await;
        assert_eq!(c.idle_connections(), 1);
    });
}

/// A server that answers one request per connection (keep-alive, no `Connection: close`) and
/// hangs up, after reading the next request when `read_the_next` (a connection dying with a
/// request on it); with the count of connections accepted.
async fn one_answer_per_connection(
    read_the_next: bool,
) -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    let addr = serve(move |mut s| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            let _ = read_head(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
            if read_the_next {
                let _ = read_head(&mut s).await;
            }
        }
    })
    .await;
    (addr, count)
}

#[test]
fn requests_right_after_a_hang_up_still_succeed() {
    run(async {
        // The server hangs up after every response without saying so. A request that follows at
        // once finds the pooled connection either already closed, or closing before the request
        // is written: either way it must go out on a fresh connection, not fail.
        let (addr, count) = one_answer_per_connection(false).await;
        let c = client();
        for i in 0..20 {
            let r = c
                .send(get(&format!("http://{addr}/{i}")), timeouts(1000, 1000))
                .await
                .unwrap_or_else(|e| panic!("request {i}: {e}"));
            assert_eq!(r.body(), b"ok");
        }
        assert_eq!(accepted(&count), 20);
    });
}

#[test]
fn a_request_unanswered_on_a_reused_connection_is_tried_once_more_on_a_fresh_one() {
    run(async {
        // A keep-alive server (or proxy) that answers once without `Connection: close`, then
        // reads the next request and closes without a word: the client reused a connection
        // that was already dying. The request goes once more, on a fresh connection.
        let (addr, count) = one_answer_per_connection(true).await;
        let c = client();
        for i in 0..3 {
            let r = c
                .send(get(&format!("http://{addr}/{i}")), timeouts(2000, 2000))
                .await
                .unwrap_or_else(|e| panic!("request {i}: {e}"));
            assert_eq!(r.body(), b"ok");
        }
        assert_eq!(accepted(&count), 3, "one connection per request");

        // A fresh connection closed without an answer is an error, not another try.
        let mute = serve(|mut s| async move {
            let _ = read_head(&mut s).await;
        })
        .await;
        let e = c
            .send(get(&format!("http://{mute}/")), timeouts(2000, 2000))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), HttpErrorKind::Io, "{e}");
    });
}

#[test]
fn a_dead_proxy_is_named_and_direct_requests_never_use_one() {
    run(async {
        let dead = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let dead_addr = dead.local_addr().expect("addr");
        drop(dead);
        let env = Env::from_vars([("HTTP_PROXY", format!("http://{dead_addr}"))]);
        let c = HyperClient::new(&env);
        // Through the proxy the client never looks the host up (the proxy would): the dead
        // proxy is what fails. The direct request goes to the same dead loopback port, so no
        // name is looked up and nothing leaves the machine.
        let e = c
            .send(get("http://creds.invalid/x"), timeouts(3000, 1000))
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("proxy http://{dead_addr}: tcp connect error")),
            "{e}"
        );
        let mut direct = get(&format!("http://{dead_addr}/x"));
        direct.extensions_mut().insert(Direct);
        let e = c.send(direct, timeouts(3000, 1000)).await.unwrap_err();
        assert!(!e.to_string().contains("proxy"), "{e}");
    });
}

#[test]
fn transport_errors_have_a_typed_detail() {
    let timeout = HttpError::new(HttpErrorKind::Timeout, "http://127.0.0.1:1/", "slow");
    assert_eq!(
        timeout.detail(),
        crate::Detail::Timeout {
            endpoint: "http://127.0.0.1:1/".into()
        }
    );
    let refused = HttpError::new(HttpErrorKind::Connect, "http://127.0.0.1:1/", "refused");
    assert_eq!(
        refused.detail(),
        crate::Detail::Unreachable {
            endpoint: "http://127.0.0.1:1/".into()
        }
    );
}
