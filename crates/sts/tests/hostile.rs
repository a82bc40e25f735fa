//! Endpoints that misbehave: wrong content, server errors, throttling, silence, huge and truncated
//! bodies. Each gives a clear error naming the endpoint (or succeeds after a retry), never a panic
//! and never a secret in the message.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use awscred_core::http::{HyperClient, Timeouts};
use awscred_core::{Credentials, Env, ErrorKind};
use awscred_sts::{AssumeRoleRequest, RetryConfig, StsClient, StsEndpoint, StsServiceError};

enum Reply {
    Full(u16, &'static str, Vec<u8>),
    Truncated,
    Silent,
}

/// Serves one reply per connection, chosen by the connection's index.
fn serve(replies: impl Fn(usize) -> Reply + Send + 'static) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            read_request(&mut stream);
            match replies(n) {
                Reply::Full(status, content_type, body) => {
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                }
                Reply::Truncated => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: 1000\r\n\r\n<AssumeRole",
                    );
                }
                Reply::Silent => {
                    std::thread::sleep(Duration::from_secs(5));
                }
            }
        }
    });
    (url, count)
}

fn read_request(stream: &mut TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return;
            }
        }
    }
}

fn client(url: &str, attempts: u32) -> StsClient {
    let http = Arc::new(HyperClient::new(&Env::from_vars([("NO_PROXY", "*")])));
    StsClient::new(http, StsEndpoint::custom(url, "us-east-1"))
        .with_retry(RetryConfig::new(
            attempts,
            Duration::from_millis(10),
            Duration::from_millis(50),
        ))
        .with_timeouts(Timeouts::new(
            Duration::from_secs(2),
            Duration::from_millis(500),
        ))
}

fn source() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "very-secret-key",
        Some("very-secret-token".into()),
        None,
        "test",
    )
}

fn request() -> AssumeRoleRequest {
    AssumeRoleRequest::new("arn:aws:iam::123456789012:role/r".into(), "session".into())
}

const GOOD: &str = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAOK</AccessKeyId>\
<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
</Credentials></AssumeRoleResult></AssumeRoleResponse>";

fn no_secrets(text: &str) {
    assert!(!text.contains("very-secret"), "{text}");
}

#[tokio::test]
async fn html_instead_of_xml() {
    let (url, _) = serve(|_| {
        Reply::Full(
            200,
            "text/html",
            b"<html><body>captive portal</body></html>".to_vec(),
        )
    });
    let err = client(&url, 3)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert!(
        text.contains(&url) && text.contains("Credentials/Expiration"),
        "{text}"
    );
    no_secrets(&text);
    let (url, _) = serve(|_| Reply::Full(200, "application/json", b"{\"not\": \"xml\"}".to_vec()));
    let err = client(&url, 3)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no XML document") || err.to_string().contains("malformed"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (url, count) = serve(|_| Reply::Full(503, "text/plain", b"Service Unavailable".to_vec()));
    let err = client(&url, 3)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(err.to_string().contains("HTTP 503"), "{err}");
}

#[tokio::test]
async fn throttling_is_retried() {
    let throttled = b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
    let (url, count) = serve(move |n| match n {
        0 => Reply::Full(400, "text/xml", throttled.to_vec()),
        _ => Reply::Full(200, "text/xml", GOOD.as_bytes().to_vec()),
    });
    let creds = client(&url, 3)
        .assume_role(&source(), &request())
        .await
        .unwrap();
    assert_eq!(
        (creds.access_key_id.as_str(), count.load(Ordering::SeqCst)),
        ("ASIAOK", 2)
    );
}

#[tokio::test]
async fn access_denied_is_not_retried_and_shown_verbatim() {
    let denied = b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error></ErrorResponse>";
    let (url, count) = serve(move |_| Reply::Full(403, "text/xml", denied.to_vec()));
    let err = client(&url, 3)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let service = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<StsServiceError>())
        .unwrap();
    assert_eq!(
        (service.code.as_str(), service.message.as_str()),
        ("AccessDenied", "User: x is not authorized")
    );
}

#[tokio::test]
async fn a_silent_endpoint_gives_up_within_its_timeout() {
    let (url, _) = serve(|_| Reply::Silent);
    let started = Instant::now();
    let err = client(&url, 1)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.to_string().contains(&url), "{err}");
    no_secrets(&err.to_string());
}

#[tokio::test]
async fn huge_and_truncated_bodies_are_errors() {
    let (url, _) = serve(|_| Reply::Full(200, "text/xml", vec![b'a'; 3 * 1024 * 1024]));
    let err = client(&url, 1)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&url), "{err}");
    let (url, count) = serve(|_| Reply::Truncated);
    let err = client(&url, 2)
        .assume_role(&source(), &request())
        .await
        .unwrap_err();
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "a broken connection is retried"
    );
    assert!(err.to_string().contains(&url), "{err}");
}

#[tokio::test]
async fn bad_endpoint_urls_are_configuration_errors() {
    for url in ["ftp://example.com", "not a url", "http://"] {
        let err = client(url, 1)
            .assume_role(&source(), &request())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{url}: {err}");
    }
}
