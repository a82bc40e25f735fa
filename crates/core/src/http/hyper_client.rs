//! The production [`HttpClient`]: hyper 1 through hyper-util's pooled legacy client, rustls with
//! the ring provider for https.
//!
//! Why these pieces:
//! - TLS roots are Mozilla's list from `webpki-roots`, compiled in. botocore (and so the CLI)
//!   verifies against its own bundled copy of the same list (certifi), not the operating system's
//!   store, so this matches the CLI and avoids `rustls-native-certs` and its platform crates.
//!   `AWS_CA_BUNDLE` (a PEM file) adds its certificates to that list.
//! - The roots are loaded on the first https request only: a resolution that never leaves
//!   loopback http (containers, IMDS, static keys) never parses them.
//! - Proxies come from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (lower-case spellings win, as in
//!   Python's `urllib`), matched by hyper-util's `proxy::matcher`; https goes through an HTTP
//!   `CONNECT` tunnel (hyper-util's `Tunnel`), http in absolute form. Loopback is never proxied.
//! - Timeouts: the connect timeout covers getting a connection (TCP, proxy tunnel, TLS); the read
//!   timeout starts once the connection is ready and covers the whole response, body included.
//!   Neither is a per-read idle timer, so a server that trickles one byte a second cannot keep a
//!   request alive past its bound.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use ::http::Uri;
use ::http::header::{CONTENT_LENGTH, HeaderValue, PROXY_AUTHORIZATION};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{DefaultServerNameResolver, HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{
    Connected, Connection, HttpConnector, capture_connection,
};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::net::TcpStream;

use super::{
    HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, MAX_BODY_BYTES, Timeouts,
    endpoint_of,
};
use crate::Env;
use crate::provider::BoxFuture;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The HTTP client the network tiers share in production.
///
/// Cheap to clone (clones share the connection pool). Needs a Tokio runtime with I/O and time
/// enabled when sending.
///
/// ```no_run
/// use std::time::Duration;
/// use awscred_core::Env;
/// use awscred_core::http::{HttpClient, HyperClient, Timeouts};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HyperClient::new(&Env::real());
/// let request = http::Request::get("http://127.0.0.1:8080/health").body(Vec::new())?;
/// let timeouts = Timeouts { connect: Duration::from_secs(1), read: Duration::from_secs(1) };
/// let response = client.send(request, timeouts).await?;
/// println!("{} ({} bytes)", response.status(), response.body().len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HyperClient {
    client: Client<Connector, Full<Bytes>>,
    shared: Arc<Shared>,
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The proxy matcher's Debug never prints proxy credentials.
        f.debug_struct("HyperClient")
            .field("proxy", &self.shared.proxy)
            .field("ca_bundle", &self.shared.ca_bundle)
            .finish_non_exhaustive()
    }
}

impl HyperClient {
    /// A client configured from `env`: proxies (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` and
    /// their lower-case spellings) and extra trusted certificates (`AWS_CA_BUNDLE`, read through
    /// the environment's file system on the first https request).
    pub fn new(env: &Env) -> Self {
        let first = |names: &[&str]| -> String {
            names
                .iter()
                .find_map(|n| env.non_empty_var(n))
                .unwrap_or_default()
        };
        let proxy = Matcher::builder()
            .http(first(&["http_proxy", "HTTP_PROXY"]))
            .https(first(&["https_proxy", "HTTPS_PROXY"]))
            .no(first(&["no_proxy", "NO_PROXY"]))
            .build();
        let mut http = HttpConnector::new();
        // The connector also dials proxies and https hosts; the scheme is checked in `send`.
        http.enforce_http(false);
        http.set_nodelay(true);
        let shared = Arc::new(Shared {
            http,
            proxy,
            ca_bundle: env.non_empty_var("AWS_CA_BUNDLE"),
            env: env.clone(),
            tls: OnceLock::new(),
        });
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(4)
            .build(Connector {
                shared: shared.clone(),
            });
        HyperClient { client, shared }
    }

    /// Whether the TLS configuration (roots, `AWS_CA_BUNDLE`) has been loaded yet.
    #[cfg(test)]
    pub(crate) fn tls_loaded(&self) -> bool {
        self.shared.tls.get().is_some()
    }

    async fn send_inner(
        &self,
        mut request: HttpRequest,
        timeouts: Timeouts,
        endpoint: &str,
    ) -> Result<HttpResponse, HttpError> {
        let err = |kind, message: String| HttpError::new(kind, endpoint, message);
        let uri = request.uri().clone();
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            Some(other) => {
                return Err(err(
                    HttpErrorKind::InvalidRequest,
                    format!("unsupported scheme {other:?} (only http and https)"),
                ));
            }
            None => {
                return Err(err(
                    HttpErrorKind::InvalidRequest,
                    "the URI is not absolute".into(),
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(err(
                HttpErrorKind::InvalidRequest,
                "the URI has no host".into(),
            ));
        }
        if uri.scheme_str() == Some("http") {
            // A plain-http request through a proxy goes in absolute form to the proxy itself,
            // so its credentials ride on the request.
            if let Some(auth) = self
                .shared
                .intercept(&uri)
                .and_then(|i| i.basic_auth().cloned())
            {
                let mut auth: HeaderValue = auth;
                auth.set_sensitive(true);
                request.headers_mut().insert(PROXY_AUTHORIZATION, auth);
            }
        }

        let (parts, body) = request.into_parts();
        let mut request = ::http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let mut connected = capture_connection(&mut request);
        let response = self.client.request(request);
        tokio::pin!(response);

        // Phase 1: until a connection (new or pooled) is ready, bounded by the connect timeout.
        let early = tokio::time::timeout(timeouts.connect, async {
            let ready = connected.wait_for_connection_metadata();
            tokio::pin!(ready);
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = response.as_mut().poll(cx) {
                    return Poll::Ready(Some(result));
                }
                ready.as_mut().poll(cx).map(|_| None)
            })
            .await
        })
        .await
        .map_err(|_| {
            err(
                HttpErrorKind::Timeout,
                format!("no connection within {}", fmt_duration(timeouts.connect)),
            )
        })?;

        // Phase 2: the whole response, headers and body, within the read timeout.
        let read = async {
            let response = match early {
                Some(result) => result,
                None => response.await,
            }
            .map_err(|e| {
                let kind = if e.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Io
                };
                err(kind, error_chain(&e))
            })?;
            let (parts, mut body) = response.into_parts();
            let declared = parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
                return Err(too_large(endpoint));
            }
            let mut bytes =
                Vec::with_capacity(declared.map_or(0, |n| n as usize).min(MAX_BODY_BYTES));
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| {
                    err(
                        HttpErrorKind::Io,
                        format!("reading the response body: {}", error_chain(&e)),
                    )
                })?;
                if let Ok(data) = frame.into_data() {
                    if bytes.len() + data.len() > MAX_BODY_BYTES {
                        return Err(too_large(endpoint));
                    }
                    bytes.extend_from_slice(&data);
                }
            }
            Ok(::http::Response::from_parts(parts, bytes))
        };
        tokio::time::timeout(timeouts.read, read)
            .await
            .map_err(|_| {
                err(
                    HttpErrorKind::Timeout,
                    format!(
                        "no complete response within {}",
                        fmt_duration(timeouts.read)
                    ),
                )
            })?
    }
}

impl HttpClient for HyperClient {
    fn send(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        Box::pin(async move {
            let endpoint = endpoint_of(request.uri());
            let method = request.method().clone();
            let result = self.send_inner(request, timeouts, &endpoint).await;
            match &result {
                Ok(r) => tracing::debug!(%method, %endpoint, status = r.status().as_u16(), "http"),
                Err(e) => tracing::debug!(%method, %endpoint, error = %e, "http failed"),
            }
            result
        })
    }
}

fn too_large(endpoint: &str) -> HttpError {
    HttpError::new(
        HttpErrorKind::BodyTooLarge,
        endpoint,
        format!("the body exceeds {MAX_BODY_BYTES} bytes"),
    )
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// An error and its causes on one line, without repeating a message a wrapper already shows.
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(error);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// What the connector needs, shared by all clones.
struct Shared {
    http: HttpConnector,
    proxy: Matcher,
    ca_bundle: Option<String>,
    env: Env,
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

impl Shared {
    fn intercept(&self, uri: &Uri) -> Option<Intercept> {
        if is_loopback(uri.host()?) {
            return None;
        }
        self.proxy.intercept(uri)
    }

    fn tls(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        self.tls
            .get_or_init(|| self.build_tls().map(Arc::new))
            .clone()
    }

    fn build_tls(&self) -> Result<rustls::ClientConfig, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = &self.ca_bundle {
            let pem = self
                .env
                .read_file(std::path::Path::new(path))
                .map_err(|e| format!("AWS_CA_BUNDLE {path}: cannot read it: {e}"))?;
            let mut added = 0usize;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("AWS_CA_BUNDLE {path}: bad PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("AWS_CA_BUNDLE {path}: unusable certificate: {e}"))?;
                added += 1;
            }
            if added == 0 {
                return Err(format!(
                    "AWS_CA_BUNDLE {path}: no PEM certificate found in the file"
                ));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(config)
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let lower = bare.to_ascii_lowercase();
    lower == "localhost" || lower.ends_with(".localhost")
}

/// Opens connections: direct, through a proxy, with or without TLS.
#[derive(Clone)]
struct Connector {
    shared: Arc<Shared>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Conn, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move {
            let https = dst.scheme_str() == Some("https");
            let proxy = shared.intercept(&dst);
            let tls = || -> Result<Arc<rustls::ClientConfig>, BoxError> {
                shared.tls().map_err(|m| std::io::Error::other(m).into())
            };
            let resolver = || Arc::new(DefaultServerNameResolver::default());
            let mut http = shared.http.clone();
            match proxy {
                None if !https => {
                    let io = tower_service::Service::call(&mut http, dst).await?;
                    Ok(Conn {
                        inner: MaybeHttpsStream::Http(io),
                        proxied: false,
                    })
                }
                None => {
                    let mut c = HttpsConnector::new(http, tls()?, true, resolver());
                    let inner = tower_service::Service::call(&mut c, dst).await?;
                    Ok(Conn {
                        inner,
                        proxied: false,
                    })
                }
                Some(p) => {
                    let proxy_uri = p.uri().clone();
                    if proxy_uri.scheme_str() != Some("http") {
                        return Err(std::io::Error::other(format!(
                            "proxy {}: only http:// proxies are supported",
                            endpoint_of(&proxy_uri)
                        ))
                        .into());
                    }
                    if !https {
                        let io = tower_service::Service::call(&mut http, proxy_uri).await?;
                        return Ok(Conn {
                            inner: MaybeHttpsStream::Http(io),
                            proxied: true,
                        });
                    }
                    let mut tunnel = Tunnel::new(proxy_uri, http);
                    if let Some(auth) = p.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    let mut c = HttpsConnector::new(tunnel, tls()?, true, resolver());
                    let inner = tower_service::Service::call(&mut c, dst).await?;
                    Ok(Conn {
                        inner,
                        proxied: false,
                    })
                }
            }
        })
    }
}

/// A connection, remembering whether it goes to a forwarding proxy (then requests are sent in
/// absolute form).
struct Conn {
    inner: MaybeHttpsStream<TokioIo<TcpStream>>,
    proxied: bool,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        self.inner.connected().proxy(self.proxied)
    }
}

impl Read for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl Write for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "localhost",
            "LOCALHOST",
            "a.localhost",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "169.254.169.254",
            "example.com",
            "[fd00:ec2::254]",
            "localhost.example",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn proxy_settings_come_from_env_and_skip_loopback() {
        let env = Env::from_vars([
            ("HTTPS_PROXY", "http://user:pw@proxy.internal:3128"),
            ("http_proxy", "http://lower.internal:8080"),
            ("HTTP_PROXY", "http://upper.internal:8080"),
            ("NO_PROXY", "skip.example"),
        ]);
        let client = HyperClient::new(&env);
        let s = &client.shared;
        let via = |u: &str| {
            s.intercept(&u.parse().unwrap())
                .map(|i| i.uri().to_string())
        };
        assert_eq!(
            via("https://sts.amazonaws.com/").as_deref(),
            Some("http://proxy.internal:3128/")
        );
        assert_eq!(
            via("http://169.254.169.254/").as_deref(),
            Some("http://lower.internal:8080/")
        );
        assert_eq!(via("https://skip.example/"), None);
        assert_eq!(via("https://a.skip.example/"), None);
        assert_eq!(via("http://127.0.0.1:8080/"), None);
        assert_eq!(via("http://localhost:8080/"), None);
        assert_eq!(via("http://[::1]:8080/"), None);
        let debug = format!("{client:?}");
        assert!(!debug.contains("pw"), "{debug}");
    }

    #[test]
    fn tls_roots_are_lazy_and_ca_bundle_errors_name_the_file() {
        let fs = crate::fs::MemFs::default();
        fs.insert("/ca/bad.pem", b"not a certificate".to_vec());
        let env = Env::from_vars([("AWS_CA_BUNDLE", "/ca/bad.pem")]).with_fs(Arc::new(fs));
        let client = HyperClient::new(&env);
        assert!(client.shared.tls.get().is_none());
        let e = client.shared.tls().unwrap_err();
        assert!(e.contains("AWS_CA_BUNDLE /ca/bad.pem"), "{e}");
        let env = Env::from_vars([("AWS_CA_BUNDLE", "/ca/missing.pem")])
            .with_fs(Arc::new(crate::fs::MemFs::default()));
        let e = HyperClient::new(&env).shared.tls().unwrap_err();
        assert!(
            e.contains("/ca/missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        let client = HyperClient::new(&Env::from_vars([("HOME", "/nowhere")]));
        assert!(client.shared.tls().is_ok());
    }
}
