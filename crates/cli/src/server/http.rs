//! The HTTP/1.1 side of the container endpoint: the request head (read with a hard cap, parsed
//! strictly), the bearer token, and the fixed responses.

use std::time::SystemTime;

use awscred_core::{Credentials, Secret, timestamp};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use zeroize::Zeroizing;

use crate::failure::Failure;

/// The path of the endpoint; any other path is a 404.
pub(crate) const PATH: &str = "/credentials";
/// The most a request head may take: the request line, the headers and the blank line that ends
/// them. A head of exactly this many bytes is read; one byte more is a 431.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The `Expiration` given for credentials that have none (long-lived session credentials in a
/// file): SDKs require the field, and come back within this time.
const DEFAULT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// 32 bytes from the system's CSPRNG, in hex.
pub(crate) fn random_token() -> Result<Secret, Failure> {
    use ring::rand::SecureRandom;
    let mut bytes = Zeroizing::new([0u8; 32]);
    ring::rand::SystemRandom::new()
        .fill(&mut bytes[..])
        .map_err(|_| Failure::General("the system random generator failed".into()))?;
    Ok(Secret::new(awscred_core::encoding::hex(&bytes[..])))
}

/// Equality whose time does not depend on where the values differ (their lengths are public:
/// the token's is fixed).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// Every `Authorization` header's value.
    pub(crate) authorization: Vec<&'a str>,
}

/// Parses a request head (without its final blank line); `None` when it is not HTTP/1.x.
pub(crate) fn parse_head(head: &str) -> Option<Request<'_>> {
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    let mut authorization = Vec::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("authorization") {
            authorization.push(value.trim());
        }
    }
    Some(Request {
        method,
        path,
        authorization,
    })
}

/// Where a head ends in `bytes` (the index just past its `\r\n\r\n`), if it ends within
/// [`MAX_HEAD`] bytes.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let window = &bytes[..bytes.len().min(MAX_HEAD)];
    window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// Reads the request head: up to and including the blank line, never more than [`MAX_HEAD`]
/// bytes from the socket. The head is returned without its final `\r\n`. Errors are the status
/// to answer with.
pub(crate) async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, u16> {
    let mut head = vec![0u8; MAX_HEAD];
    let mut filled = 0;
    loop {
        // Reads stop at the cap, so whatever the client sends, no more than the cap is taken.
        let n = stream.read(&mut head[filled..]).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        // The terminator may straddle two reads: search from three bytes back.
        let from = filled.saturating_sub(3);
        filled += n;
        if let Some(end) = head_end(&head[from..filled]) {
            head.truncate(from + end - 2);
            return Ok(head);
        }
        if filled == MAX_HEAD {
            return Err(431);
        }
    }
}

/// The container credentials document, as ECS and EKS Pod Identity serve it.
pub(crate) fn document(creds: &Credentials, now: SystemTime) -> Zeroizing<String> {
    let expiration = timestamp::format_z(creds.expiration().unwrap_or(now + DEFAULT_LIFETIME));
    let token = creds.session_token().map_or("", |t| t.expose());
    let secret = creds.secret_access_key().expose();
    // Room for the worst case up front: growing the buffer would leave copies of the secrets in
    // freed memory.
    let values = creds.access_key_id().len() + secret.len() + token.len() + 64;
    let mut out = Zeroizing::new(String::with_capacity(128 + 6 * values));
    let mut field = |key: &str, value: &str| {
        let open = if out.is_empty() { "{\"" } else { ",\"" };
        out.push_str(open);
        out.push_str(key);
        out.push_str("\":");
        awscred_core::pyjson::write_str(&mut out, value);
    };
    field("AccessKeyId", creds.access_key_id());
    field("SecretAccessKey", secret);
    field("Token", token);
    field("Expiration", &expiration);
    if let Some(account) = creds.account_id() {
        field("AccountId", account);
    }
    out.push('}');
    out
}

/// A JSON error response: `{"code": ..., "message": ...}`.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Zeroizing<String> {
    let mut body = String::from("{\"code\":");
    awscred_core::pyjson::write_str(&mut body, code);
    body.push_str(",\"message\":");
    awscred_core::pyjson::write_str(&mut body, message);
    body.push('}');
    response(status, &body)
}

/// A whole response with `body` as JSON, closing the connection.
pub(crate) fn response(status: u16, body: &str) -> Zeroizing<String> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let mut out = Zeroizing::new(String::with_capacity(256 + body.len()));
    out.push_str(&format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         {allow}Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.push_str(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn heads_are_parsed_strictly() {
        let r =
            parse_head("GET /credentials?x=1 HTTP/1.1\r\nHost: a\r\nauthorization: t\r\n").unwrap();
        assert_eq!(
            r,
            Request {
                method: "GET",
                path: "/credentials",
                authorization: vec!["t"],
            }
        );
        assert_eq!(parse_head("GET /credentials\r\n"), None);
        assert_eq!(parse_head("GET / HTTP/2 x\r\n"), None);
        assert_eq!(parse_head("GET / HTTP/1.1\r\nno colon\r\n"), None);
    }

    #[test]
    fn a_head_ends_within_the_cap_or_not_at_all() {
        let head = |len: usize| {
            let mut h = b"GET / HTTP/1.1\r\nX: ".to_vec();
            h.resize(len - 4, b'a');
            h.extend_from_slice(b"\r\n\r\n");
            h
        };
        assert_eq!(head_end(&head(MAX_HEAD)), Some(MAX_HEAD));
        assert_eq!(head_end(&head(MAX_HEAD + 1)), None);
        let mut longer = head(100);
        longer.extend_from_slice(&[b'z'; 2 * MAX_HEAD]);
        assert_eq!(head_end(&longer), Some(100));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn the_document_is_what_the_container_tier_parses() {
        let now = UNIX_EPOCH + Duration::from_secs(1_632_197_813);
        let creds = Credentials::new(
            "ASIA1",
            Secret::new("se\"cret"),
            Some(Secret::new("tok")),
            None,
            "test",
        )
        .with_account_id(Some("123456789012".into()));
        let doc = document(&creds, now);
        assert_eq!(
            doc.as_str(),
            r#"{"AccessKeyId":"ASIA1","SecretAccessKey":"se\"cret","Token":"tok","Expiration":"2021-09-21T05:16:53Z","AccountId":"123456789012"}"#
        );
        let parsed = awscred_ecs::parse_credentials(doc.as_bytes()).unwrap();
        assert_eq!(parsed.secret_access_key().expose(), "se\"cret");
        assert_eq!(parsed.account_id(), Some("123456789012"));
    }

    #[test]
    fn errors_are_json_without_secrets() {
        let r = error(401, "Unauthorized", "no \"token\"");
        assert!(r.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
        assert!(
            r.ends_with("\r\n\r\n{\"code\":\"Unauthorized\",\"message\":\"no \\\"token\\\"\"}")
        );
        assert!(error(405, "M", "m").contains("\r\nAllow: GET\r\n"));
    }
}
