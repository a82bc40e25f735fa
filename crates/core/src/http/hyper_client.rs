//! The production [`HttpClient`]: hyper 1's HTTP/1 connection API over tokio sockets, rustls
//! with the ring provider (through tokio-rustls) for https, and a small connection pool.
//!
//! Why these pieces:
//! - hyper's `client::conn::http1` plus a few hundred lines here (connecting, the proxy tunnel,
//!   the pool) instead of hyper-util's legacy client and hyper-rustls: a credential client needs
//!   a sliver of their machinery, and they bring five more crates into the graph.
//! - TLS roots are Mozilla's list from `webpki-roots`, compiled in. botocore (and so the CLI)
//!   verifies against its own bundled copy of the same list (certifi), not the operating system's
//!   store, so this matches the CLI and avoids `rustls-native-certs` and its platform crates.
//!   `AWS_CA_BUNDLE` (a PEM file) adds its certificates to that list.
//! - The roots are loaded on the first https request only: a resolution that never leaves
//!   loopback http (containers, IMDS, static keys) never parses them.
//! - Proxies come from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (see [`super::proxy`]); https
//!   goes through an HTTP `CONNECT` tunnel, http in absolute form. Loopback is never proxied.
//! - The pool ([`super::pool`]) keeps up to four idle connections per destination for 30 s, so
//!   that a tier's consecutive requests (IMDS: token, role, credentials) share one connection.
//! - Timeouts: the connect timeout covers getting a connection (TCP, proxy tunnel, TLS, or a
//!   pooled connection becoming ready); the read timeout starts once the connection is ready and
//!   covers the whole response, body included. Neither is a per-read idle timer, so a server
//!   that trickles one byte a second cannot keep a request alive past its bound.

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ::http::header::{CONTENT_LENGTH, HOST, HeaderValue, PROXY_AUTHORIZATION};
use ::http::{Request, Uri};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::connect::{Stream, dial, tunnel};
use super::pool::{Key, Pool, Sender};
use super::proxy::{Proxies, Proxy, bare_host};
use super::{
    HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, MAX_BODY_BYTES, Timeouts,
    endpoint_of,
};
use crate::Env;
use crate::provider::BoxFuture;

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
/// let timeouts = Timeouts::new(Duration::from_secs(1), Duration::from_secs(1));
/// let response = client.send(request, timeouts).await?;
/// println!("{} ({} bytes)", response.status(), response.body().len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HyperClient {
    shared: Arc<Shared>,
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The proxies' Debug never prints proxy credentials.
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
        HyperClient {
            shared: Arc::new(Shared {
                proxy: Proxies::from_env(env),
                ca_bundle: env.non_empty_var("AWS_CA_BUNDLE"),
                env: env.clone(),
                tls: OnceLock::new(),
                pool: Pool::default(),
            }),
        }
    }

    /// Whether the TLS configuration (roots, `AWS_CA_BUNDLE`) has been loaded yet.
    #[cfg(test)]
    pub(crate) fn tls_loaded(&self) -> bool {
        self.shared.tls.get().is_some()
    }

    /// How many idle connections the pool holds.
    #[cfg(test)]
    pub(crate) fn idle_connections(&self) -> usize {
        self.shared.pool.idle_count()
    }

    async fn send_inner(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
        endpoint: &str,
    ) -> Result<HttpResponse, HttpError> {
        let err = |kind, message: String| HttpError::new(kind, endpoint, message);
        let uri = request.uri().clone();
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
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
        };
        let host = match uri.host() {
            Some(host) if !host.is_empty() => host,
            _ => {
                return Err(err(
                    HttpErrorKind::InvalidRequest,
                    "the URI has no host".into(),
                ));
            }
        };
        let default_port = if https { 443 } else { 80 };
        let proxy = match request.extensions().get::<super::Direct>() {
            Some(_) => None,
            None => self.shared.proxy.intercept(&uri),
        };
        let target = Target {
            https,
            host,
            port: uri.port_u16().unwrap_or(default_port),
            proxy,
        };

        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key(HOST) {
            let value = match uri.port_u16() {
                Some(port) if port != default_port => format!("{host}:{port}"),
                _ => host.to_owned(),
            };
            let value = HeaderValue::from_str(&value)
                .map_err(|e| err(HttpErrorKind::InvalidRequest, format!("bad host: {e}")))?;
            parts.headers.insert(HOST, value);
        }
        match proxy {
            // A plain-http request through a proxy goes in absolute form to the proxy itself,
            // so its credentials ride on the request.
            Some(proxy) if !https => {
                if let Some(auth) = proxy.authorization() {
                    let mut auth = HeaderValue::from_str(auth.expose()).map_err(|e| {
                        err(
                            HttpErrorKind::InvalidRequest,
                            format!("proxy credentials: {e}"),
                        )
                    })?;
                    auth.set_sensitive(true);
                    parts.headers.insert(PROXY_AUTHORIZATION, auth);
                }
            }
            _ => {
                parts.uri = match uri.path_and_query() {
                    Some(pq) if pq.as_str() != "/" => Uri::from(pq.clone()),
                    _ => Uri::from_static("/"),
                };
            }
        }
        let mut request = Request::from_parts(parts, Full::new(Bytes::from(body)));

        let key = target.key();
        let mut use_pool = true;
        // A copy for one more try when a reused connection is found dead after the request
        // went out (a body is `Bytes`: the copy shares it).
        let mut again = Some(request.clone());
        loop {
            // Phase 1: until a connection (new or pooled) is ready, bounded by the connect timeout.
            let (mut sender, reused) =
                tokio::time::timeout(timeouts.connect, self.connection(&target, &key, use_pool))
                    .await
                    .map_err(|_| {
                        err(
                            HttpErrorKind::Timeout,
                            format!("no connection within {}", fmt_duration(timeouts.connect)),
                        )
                    })?
                    .map_err(|message| err(HttpErrorKind::Connect, message))?;

            // Phase 2: the whole response, headers and body, within the read timeout.
            let attempt =
                tokio::time::timeout(timeouts.read, exchange(&mut sender, request, endpoint))
                    .await
                    .map_err(|_| {
                        err(
                            HttpErrorKind::Timeout,
                            format!(
                                "no complete response within {}",
                                fmt_duration(timeouts.read)
                            ),
                        )
                    })?;
            match attempt {
                // A reused connection that closed with no answer (a server or proxy that
                // answered HTTP/1.1 without `Connection: close`, then closed): hyper sees an
                // incomplete message. Tried once more on a fresh connection, as a pooled
                // connection's death is no answer from the server.
                Attempt::Unanswered(error) => match again.take().filter(|_| reused) {
                    Some(copy) => {
                        tracing::debug!(%key, error = %error_chain(&error), "a reused connection closed without an answer; once more on a fresh one");
                        request = copy;
                        use_pool = false;
                    }
                    None => return Err(err(HttpErrorKind::Io, error_chain(&error))),
                },
                Attempt::Done(response) => {
                    if response.is_ok() {
                        self.shared.pool.checkin(key, sender);
                    }
                    return response;
                }
                // A pooled connection that closed before the request went out (the server
                // dropped it while idle): the request was never sent, so a fresh connection may
                // safely carry it, as hyper-util's client did.
                Attempt::Unsent(unsent, _) if reused => {
                    tracing::trace!(%key, "the idle connection was closed; connecting anew");
                    request = unsent;
                    use_pool = false;
                }
                Attempt::Unsent(_, error) => {
                    return Err(err(HttpErrorKind::Io, error_chain(&error)));
                }
            }
        }
    }

    /// A ready connection for `target`: an idle one from the pool, else a new one. The flag says
    /// whether it came from the pool.
    async fn connection(
        &self,
        target: &Target<'_>,
        key: &Key,
        use_pool: bool,
    ) -> Result<(Sender, bool), String> {
        while use_pool && let Some(mut sender) = self.shared.pool.checkout(key) {
            // The previous exchange may still be winding down in the driver task.
            if sender.ready().await.is_ok() {
                tracing::trace!(%key, "reusing an idle connection");
                return Ok((sender, true));
            }
        }
        Ok((self.connect(target).await?, false))
    }

    /// Opens a connection: TCP (to the proxy when there is one), the `CONNECT` tunnel and TLS
    /// for https, then the HTTP/1 handshake, whose driver is spawned on the current runtime.
    async fn connect(&self, target: &Target<'_>) -> Result<Sender, String> {
        let (dial_host, dial_port) = match target.proxy {
            None => (target.host, target.port),
            Some(proxy) => {
                let uri = proxy.uri();
                if uri.scheme_str() != Some("http") {
                    return Err(format!(
                        "proxy {}: only http:// proxies are supported",
                        endpoint_of(uri)
                    ));
                }
                // `Proxy::parse` only builds URIs with an authority.
                let host = uri.host().unwrap_or_default();
                (host, uri.port_u16().unwrap_or(80))
            }
        };
        match target.proxy {
            Some(proxy) => tracing::debug!(
                endpoint = %target.key(),
                proxy = %endpoint_of(proxy.uri()),
                "opening a connection through a proxy"
            ),
            None => tracing::debug!(endpoint = %target.key(), "opening a connection"),
        }
        // A proxy that cannot be reached is named: the endpoint alone would mislead.
        let mut tcp = dial(dial_host, dial_port)
            .await
            .map_err(|e| match target.proxy {
                Some(proxy) => format!(
                    "proxy {}: {e}",
                    endpoint_of(proxy.uri()).trim_end_matches('/')
                ),
                None => e,
            })?;
        let stream = if target.https {
            if let Some(proxy) = target.proxy {
                let authority = format!("{}:{}", target.host, target.port);
                tunnel(&mut tcp, &authority, proxy.authorization()).await?;
            }
            let config = self.shared.tls()?;
            let name = ServerName::try_from(bare_host(target.host).to_owned())
                .map_err(|e| format!("TLS: bad server name {:?}: {e}", target.host))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS handshake: {}", error_chain(&e)))?;
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(tcp)
        };
        let (sender, connection) = hyper::client::conn::http1::handshake(stream)
            .await
            .map_err(|e| error_chain(&e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %error_chain(&e), "connection ended with an error");
            }
        });
        Ok(sender)
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

/// How one exchange on a ready connection ended.
enum Attempt {
    /// A complete response, or an error once the request may have gone out.
    Done(Result<HttpResponse, HttpError>),
    /// The connection failed before the request was written: here it is back.
    Unsent(Request<Full<Bytes>>, hyper::Error),
    /// The connection closed before a complete response head, after the request went out.
    Unanswered(hyper::Error),
}

/// Sends `request` and reads the whole response, at most [`MAX_BODY_BYTES`] of body.
async fn exchange(sender: &mut Sender, request: Request<Full<Bytes>>, endpoint: &str) -> Attempt {
    let err = |kind, message: String| HttpError::new(kind, endpoint, message);
    let response = match sender.try_send_request(request).await {
        Ok(response) => response,
        Err(mut e) => {
            return match e.take_message() {
                Some(request) => Attempt::Unsent(request, e.into_error()),
                None if e.error().is_incomplete_message() => Attempt::Unanswered(e.into_error()),
                None => Attempt::Done(Err(err(HttpErrorKind::Io, error_chain(e.error())))),
            };
        }
    };
    let (parts, mut body) = response.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Attempt::Done(Err(too_large(endpoint)));
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(MAX_BODY_BYTES));
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                return Attempt::Done(Err(err(
                    HttpErrorKind::Io,
                    format!("reading the response body: {}", error_chain(&e)),
                )));
            }
        };
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_BODY_BYTES {
                return Attempt::Done(Err(too_large(endpoint)));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Attempt::Done(Ok(::http::Response::from_parts(parts, bytes)))
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

/// Where one request goes.
struct Target<'a> {
    https: bool,
    /// As the URI spells it (IPv6 literals in brackets).
    host: &'a str,
    /// The explicit port, else the scheme's.
    port: u16,
    proxy: Option<&'a Proxy>,
}

impl Target<'_> {
    fn key(&self) -> Key {
        Key {
            https: self.https,
            host: self.host.to_ascii_lowercase(),
            port: self.port,
            proxied: self.proxy.is_some(),
        }
    }
}

/// What the connections need, shared by all clones.
struct Shared {
    proxy: Proxies,
    ca_bundle: Option<String>,
    env: Env,
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
    pool: Pool,
}

impl Shared {
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
                .read_file(std::path::Path::new(path), crate::fs::ReadLimit::CA_BUNDLE)
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
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::super::proxy::is_loopback;
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
    fn a_request_a_dying_pooled_connection_never_sent_goes_out_on_a_fresh_one() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let accepted = Arc::new(AtomicUsize::new(0));
            let count = accepted.clone();
            tokio::spawn(async move {
                while let Ok((mut s, _)) = listener.accept().await {
                    count.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        let mut buf = [0u8; 1024];
                        let _ = s.read(&mut buf).await;
                        let _ = s
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
                            .await;
                    });
                }
            });

            // A pooled connection for that server whose driver dies, by our hand, after the
            // request is queued on it and before it is written: what a server hanging up on an
            // idle connection looks like at the worst moment.
            let client = HyperClient::new(&Env::from_vars([("HOME", "/nonexistent")]));
            // Its peer: a listener of its own that never answers (nor counts as `accepted`).
            let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let io = tokio::net::TcpStream::connect(silent.local_addr().expect("addr"))
                .await
                .expect("connect");
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake::<_, Full<Bytes>>(Stream::Plain(io))
                    .await
                    .expect("handshake");
            let (kill, killed) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                tokio::select! {
                    biased;
                    _ = killed => {}
                    _ = connection => {}
                }
            });
            sender.ready().await.expect("ready");
            let key = Key {
                https: false,
                host: "127.0.0.1".into(),
                port: addr.port(),
                proxied: false,
            };
            client.shared.pool.checkin(key, sender);
            kill.send(()).expect("kill");

            let request = ::http::Request::get(format!("http://{addr}/"))
                .body(Vec::new())
                .expect("request");
            let timeouts = Timeouts {
                connect: Duration::from_secs(1),
                read: Duration::from_secs(1),
            };
            let response = client.send(request, timeouts).await.expect("retried");
            assert_eq!(response.body(), b"fresh");
            assert_eq!(accepted.load(Ordering::SeqCst), 1);
        });
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
            s.proxy
                .intercept(&u.parse().unwrap())
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
        assert!(debug.contains("proxy.internal:3128"), "{debug}");
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
        let config = client.shared.tls().expect("default roots");
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }
}
