//! The HTTP seam the network tiers (STS, SSO, IMDS, containers) share.
//!
//! Tiers build an [`HttpRequest`] and hand it to an [`HttpClient`]. Production uses
//! [`HyperClient`] (hyper's HTTP/1 connections + rustls with the ring provider); tests use loopback
//! fakes through the real client, or replay recorded traffic by implementing the trait.

use std::fmt;
use std::time::Duration;

use crate::provider::BoxFuture;

mod connect;
mod hyper_client;
mod pool;
mod proxy;
#[cfg(test)]
mod tests;

pub use hyper_client::HyperClient;

/// A request: method, absolute URI, headers and a complete body.
pub type HttpRequest = ::http::Request<Vec<u8>>;

/// A response with its complete body (at most [`MAX_BODY_BYTES`]).
pub type HttpResponse = ::http::Response<Vec<u8>>;

pub use ::http::{Method, StatusCode, header};

/// The largest response body a client reads. Credential responses are a few kilobytes; a larger
/// body comes from something that is not the service, and is refused rather than buffered.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Put in a request's extensions to send it straight to its host, never through a proxy
/// (`HTTP_PROXY` and friends are ignored for it). The container and instance-metadata tiers
/// mark their requests so: the CLI's fetchers for them never use a proxy, and the container
/// authorization token must not travel through one in clear text.
///
/// ```
/// use awscred_core::http::Direct;
/// let mut request = http::Request::get("http://169.254.170.2/v2/credentials").body(Vec::<u8>::new()).unwrap();
/// request.extensions_mut().insert(Direct);
/// assert!(request.extensions().get::<Direct>().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Direct;

/// How long one attempt may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Until the TCP (and TLS) connection is established.
    pub connect: Duration,
    /// From the request being sent until the whole response body has arrived.
    pub read: Duration,
}

impl Timeouts {
    /// `connect` until the connection is established, `read` from the request being sent until
    /// the whole response has arrived.
    pub const fn new(connect: Duration, read: Duration) -> Self {
        Timeouts { connect, read }
    }
}

impl Default for Timeouts {
    /// The AWS CLI's defaults for service calls: 60 s connect, 60 s read.
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(60),
            read: Duration::from_secs(60),
        }
    }
}

/// Sends one request and reads the whole response.
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends `request`, giving up after `timeouts`. Any status is a response, not an error.
    fn send(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>>;
}

impl<T: HttpClient + ?Sized> HttpClient for std::sync::Arc<T> {
    fn send(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        (**self).send(request, timeouts)
    }
}

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The connection could not be made (refused, unreachable, DNS, TLS handshake).
    Connect,
    /// A timeout elapsed.
    Timeout,
    /// The connection broke during the exchange, or the response was not valid HTTP.
    Io,
    /// The response body exceeded [`MAX_BODY_BYTES`].
    BodyTooLarge,
    /// The request itself could not be sent (bad URI, unsupported scheme).
    InvalidRequest,
}

/// A transport error, naming the endpoint.
#[derive(Debug)]
pub struct HttpError {
    kind: HttpErrorKind,
    endpoint: String,
    message: String,
}

impl HttpError {
    /// An error about `endpoint` (scheme, host, port and path; never a query string, which could
    /// carry a secret).
    pub fn new(
        kind: HttpErrorKind,
        endpoint: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        HttpError {
            kind,
            endpoint: endpoint.into(),
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }

    /// The endpoint the request was for.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether the error is a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == HttpErrorKind::Timeout
    }

    /// The typed [`crate::Detail`] of this failure: a timeout, or an endpoint that could not be
    /// reached (refused, TLS, a proxy, a broken connection).
    pub fn detail(&self) -> crate::Detail {
        let endpoint = self.endpoint.clone();
        if self.is_timeout() {
            crate::Detail::Timeout { endpoint }
        } else {
            crate::Detail::Unreachable { endpoint }
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            HttpErrorKind::Connect => "could not connect to",
            HttpErrorKind::Timeout => "timed out talking to",
            HttpErrorKind::Io => "connection failed with",
            HttpErrorKind::BodyTooLarge => "response too large from",
            HttpErrorKind::InvalidRequest => "invalid request for",
        };
        write!(f, "{what} {}: {}", self.endpoint, self.message)
    }
}

impl std::error::Error for HttpError {}

/// The scheme, authority and path of a URI, without its query: safe to show in messages.
pub fn endpoint_of(uri: &::http::Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        out.push_str(authority.as_str());
    }
    out.push_str(uri.path());
    out
}

pub use crate::encoding::{percent_encode, percent_encode_into};
