//! `awscred serve`: a container-credentials endpoint on the loopback interface, so that any SDK
//! (or a second awscred) gets the profile's credentials through its container tier
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
//!
//! Every request asks the chain ([`awscred_chain::Chain::resolve_shared`]), whose cache refreshes
//! the credentials with the CLI's windows, so clients always get fresh ones. The listener binds
//! 127.0.0.1 only, on a port the OS picks; the bearer token is 32 bytes from the system CSPRNG,
//! compared in constant time. The HTTP side is a few dozen lines on tokio's listener rather than
//! hyper's server (which would add crates): one GET request per connection, the request head
//! capped at 16 KiB and 10 seconds, then a fixed response and `Connection: close`.
//! SIGINT and SIGTERM end it (their default action: there is nothing to clean up).

use std::io::Write;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::{Credentials, Env, Secret, timestamp};
use clap::Command;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zeroize::Zeroizing;

use crate::cli::{self, Globals};
use crate::export;
use crate::failure::Failure;

/// The path of the endpoint; any other path is a 404.
const PATH: &str = "/credentials";
/// The most a request head (request line and headers) may take.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The `Expiration` given for credentials that have none (long-lived session credentials in a
/// file): SDKs require the field, and come back within this time, still through the chain.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    Command::new("serve")
        .about("Serve the credentials on a local container-credentials endpoint")
        .long_about(
            "Serve the credentials on a local container-credentials endpoint (127.0.0.1, a random \
             port and a random bearer token). Prints `export AWS_CONTAINER_CREDENTIALS_FULL_URI=...` \
             and `export AWS_CONTAINER_AUTHORIZATION_TOKEN=...` for the shell that runs the SDKs, \
             then serves until interrupted (SIGINT or SIGTERM). Every request goes through the \
             chain's cache, which refreshes the credentials before they expire.",
        )
}

/// Serves until killed; returns the exit status of a failure to start.
pub(crate) fn run(globals: &Globals, env: &Env) -> u8 {
    match serve(globals, env) {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

struct Server {
    chain: awscred_chain::Chain,
    token: Secret,
}

fn serve(globals: &Globals, env: &Env) -> Result<(), Failure> {
    let chain = globals.chain(env);
    cli::check_profile_exists(globals, env, &chain)?;
    let token = random_token()?;
    // One runtime for everything: the HTTP client's pooled connections belong to the runtime
    // that opened them, and the first resolution's are reused by the refreshes.
    cli::block_on(async move {
        // Fails now, with the CLI's message and status, rather than on every request.
        let creds = export::checked(chain.resolve().await, env)?;
        if creds.session_token().is_none() {
            return Err(Failure::Configuration(no_session_token(&creds)));
        }
        drop(creds);
        let server = Arc::new(Server { chain, token });
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| Failure::General(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Failure::General(format!("cannot read the listening port: {e}")))?
            .port();
        let mut out = std::io::stdout().lock();
        write!(
            out,
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:{port}{PATH}\n\
             export AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
            server.token.expose()
        )
        .and_then(|()| out.flush())
        .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")))?;
        drop(out);
        tracing::debug!(port, "serving container credentials");
        eprintln!(
            "awscred: serving the credentials of profile {} on http://127.0.0.1:{port}{PATH} until Ctrl-C (SIGINT) or SIGTERM",
            server.chain.profile_name()
        );
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: keep serving the others.
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let server = server.clone();
            tokio::spawn(async move { server.connection(stream).await });
        }
    })?
}

fn no_session_token(creds: &Credentials) -> String {
    format!(
        "the credentials (from {}) are long-term keys without a session token; the container \
         credentials format requires a Token, so serve a profile that gives temporary \
         credentials (a role, SSO, a credential process...)",
        creds.provider()
    )
}

/// 32 bytes from the system's CSPRNG, in hex.
fn random_token() -> Result<Secret, Failure> {
    use ring::rand::SecureRandom;
    let mut bytes = Zeroizing::new([0u8; 32]);
    ring::rand::SystemRandom::new()
        .fill(&mut bytes[..])
        .map_err(|_| Failure::General("the system random generator failed".into()))?;
    let mut hex = String::with_capacity(64);
    for b in bytes.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    Ok(Secret::new(hex))
}

/// Equality whose time does not depend on where the values differ (their lengths are public:
/// the token's is fixed).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    method: &'a str,
    path: &'a str,
    /// Every `Authorization` header's value.
    authorization: Vec<&'a str>,
}

fn parse_head(head: &str) -> Option<Request<'_>> {
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

/// Reads the request head: up to the blank line, at most [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, u16> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end + 2);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(431);
        }
    }
}

impl Server {
    async fn connection(&self, mut stream: TcpStream) {
        let response = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
            Err(_) => error(408, "RequestTimeout", "the request took too long"),
            Ok(Err(status)) => error(status, "BadRequest", "the request is not valid HTTP/1.1"),
            Ok(Ok(head)) => self.respond(&head).await,
        };
        let _ = tokio::time::timeout(READ_TIMEOUT, async {
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            // Closing with unread bytes would reset the connection and could destroy the
            // response before the client reads it: drain a little of what is left first.
            let mut rest = [0u8; 4096];
            for _ in 0..16 {
                match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut rest)).await {
                    Ok(Ok(n)) if n > 0 => continue,
                    _ => break,
                }
            }
        })
        .await;
    }

    async fn respond(&self, head: &[u8]) -> Zeroizing<String> {
        let Some(request) = std::str::from_utf8(head).ok().and_then(parse_head) else {
            return error(400, "BadRequest", "the request is not valid HTTP/1.1");
        };
        tracing::debug!(method = request.method, path = request.path, "request");
        if request.path != PATH {
            return error(404, "NotFound", "no such path");
        }
        if request.method != "GET" {
            return error(405, "MethodNotAllowed", "only GET is allowed");
        }
        let token = self.token.expose().as_bytes();
        let authorized = matches!(request.authorization[..], [value] if constant_time_eq(value.as_bytes(), token));
        if !authorized {
            return error(
                401,
                "Unauthorized",
                "the Authorization header does not hold the token",
            );
        }
        match self.chain.resolve_shared().await {
            Ok(creds) if creds.session_token().is_none() => {
                error(500, "NoSessionToken", &no_session_token(&creds))
            }
            Ok(creds) if creds.expiration().is_some_and(|at| at <= SystemTime::now()) => error(
                500,
                "CredentialsExpired",
                "the credentials were refreshed, but the refreshed credentials are still expired",
            ),
            Ok(creds) => response(200, &document(&creds, SystemTime::now())),
            Err(e) => error(500, "CredentialsUnavailable", &e.to_string()),
        }
    }
}

/// The container credentials document, as ECS and EKS Pod Identity serve it.
fn document(creds: &Credentials, now: SystemTime) -> Zeroizing<String> {
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

fn error(status: u16, code: &str, message: &str) -> Zeroizing<String> {
    let mut body = String::from("{\"code\":");
    awscred_core::pyjson::write_str(&mut body, code);
    body.push_str(",\"message\":");
    awscred_core::pyjson::write_str(&mut body, message);
    body.push('}');
    response(status, &body)
}

fn response(status: u16, body: &str) -> Zeroizing<String> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
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
    use std::time::UNIX_EPOCH;

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
