//! The STS client: form-encoded query requests, SigV4, retries, XML responses.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::clock::{Clock, SystemClock};
use awscred_core::http::{
    HttpClient, HttpError, HttpRequest, HttpResponse, Method, Timeouts, header,
};
use awscred_core::{Credentials, Error, ErrorKind, Secret};

use crate::endpoint::StsEndpoint;
use crate::xml::{self, CallerIdentity, StsCredentials};

/// How often and how patiently a request is retried: the AWS CLI v2's "standard" mode (three
/// attempts; exponential backoff with full jitter, base 1 s, at most 20 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in all, at least 1.
    pub max_attempts: u32,
    /// The backoff base: attempt `n` waits a random time below `base * 2^(n-1)`.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// An error STS answered with: its `Code` and `Message`, shown verbatim. Attached as the
/// [`source`](std::error::Error::source) of the [`Error`] an operation returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsServiceError {
    /// The operation (`AssumeRole`).
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// `Error/Code`.
    pub code: String,
    /// `Error/Message`.
    pub message: String,
}

impl fmt::Display for StsServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The CLI's wording, so messages read the same in both tools.
        write!(
            f,
            "An error occurred ({}) when calling the {} operation: {}",
            self.code, self.operation, self.message
        )
    }
}

impl std::error::Error for StsServiceError {}

/// The parameters of `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssumeRoleRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber` (the MFA device).
    pub serial_number: Option<String>,
    /// `TokenCode` (the MFA code).
    pub token_code: Option<Secret>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

/// The parameters of `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebIdentityRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `WebIdentityToken`.
    pub web_identity_token: Secret,
}

/// An STS client bound to one endpoint.
#[derive(Debug, Clone)]
pub struct StsClient {
    http: Arc<dyn HttpClient>,
    endpoint: StsEndpoint,
    timeouts: Timeouts,
    retry: RetryConfig,
    clock: Arc<dyn Clock>,
}

impl StsClient {
    /// A client sending through `http` to `endpoint`, with the CLI's timeouts and retries.
    pub fn new(http: Arc<dyn HttpClient>, endpoint: StsEndpoint) -> Self {
        StsClient {
            http,
            endpoint,
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same client with other per-attempt timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The same client signing with another clock's time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &StsEndpoint {
        &self.endpoint
    }

    /// `AssumeRole`, signed with `source`.
    pub async fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<StsCredentials, Error> {
        let mut form = Form::new("AssumeRole");
        form.push("RoleArn", &request.role_arn);
        form.push("RoleSessionName", &request.role_session_name);
        if let Some(v) = &request.external_id {
            form.push("ExternalId", v);
        }
        if let Some(v) = &request.serial_number {
            form.push("SerialNumber", v);
        }
        if let Some(v) = &request.token_code {
            form.push("TokenCode", v.expose());
        }
        if let Some(v) = request.duration_seconds {
            form.push("DurationSeconds", &v.to_string());
        }
        let body = self.call("AssumeRole", form, Some(source)).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("AssumeRole", e))
    }

    /// `AssumeRoleWithWebIdentity`, unsigned.
    pub async fn assume_role_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> Result<StsCredentials, Error> {
        let mut form = Form::new("AssumeRoleWithWebIdentity");
        form.push("RoleArn", &request.role_arn);
        form.push("RoleSessionName", &request.role_session_name);
        form.push("WebIdentityToken", request.web_identity_token.expose());
        let body = self.call("AssumeRoleWithWebIdentity", form, None).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("AssumeRoleWithWebIdentity", e))
    }

    /// `GetCallerIdentity`, signed with `credentials`.
    pub async fn get_caller_identity(
        &self,
        credentials: &Credentials,
    ) -> Result<CallerIdentity, Error> {
        let form = Form::new("GetCallerIdentity");
        let body = self
            .call("GetCallerIdentity", form, Some(credentials))
            .await?;
        xml::parse_caller_identity(&body).map_err(|e| self.bad_response("GetCallerIdentity", e))
    }

    fn bad_response(&self, operation: &str, problem: String) -> Error {
        Error::provider_failed(format!(
            "{operation}: unexpected response from {}: {problem}",
            self.endpoint.url
        ))
    }

    /// Sends the request with retries; the body of a 2xx response, or the error.
    async fn call(
        &self,
        operation: &'static str,
        form: Form,
        signer: Option<&Credentials>,
    ) -> Result<Vec<u8>, Error> {
        let body = form.finish();
        let mut attempt = 1;
        loop {
            let request = self.build(&body, signer)?;
            let last = attempt >= self.retry.max_attempts.max(1);
            match self.http.send(request, self.timeouts).await {
                Ok(response) if response.status().is_success() => return Ok(response.into_body()),
                Ok(response) => {
                    if last || !is_retryable_response(&response) {
                        return Err(self.service_error(operation, &response));
                    }
                }
                Err(e) => {
                    if last || !is_retryable_transport(&e) {
                        let message =
                            format!("{operation}: no response from STS ({})", self.endpoint.url);
                        return Err(Error::new(ErrorKind::Network, message).with_source(e));
                    }
                }
            }
            let delay = backoff(self.retry, attempt);
            tracing::debug!(operation, attempt, ?delay, "retrying STS request");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn service_error(&self, operation: &'static str, response: &HttpResponse) -> Error {
        let status = response.status().as_u16();
        match xml::parse_error(response.body()) {
            Some((code, message)) => {
                Error::provider_failed(format!("{operation} failed at {}", self.endpoint.url))
                    .with_source(StsServiceError {
                        operation,
                        status,
                        code,
                        message,
                    })
            }
            None => {
                let content_type = response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none");
                Error::provider_failed(format!(
                    "{operation}: {} answered HTTP {status} (content-type {content_type}) without an STS error document",
                    self.endpoint.url
                ))
            }
        }
    }

    fn build(&self, body: &[u8], signer: Option<&Credentials>) -> Result<HttpRequest, Error> {
        let url = if self.endpoint.url.ends_with('/') {
            self.endpoint.url.clone()
        } else {
            format!("{}/", self.endpoint.url)
        };
        let invalid = |what: String| Error::invalid_config(format!("STS endpoint {url}: {what}"));
        let uri: ::http::Uri = url
            .parse()
            .map_err(|e| invalid(format!("not a URL: {e}")))?;
        if uri.host().is_none() || !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(invalid("not an http(s) URL".into()));
        }
        let mut request = ::http::Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(
                header::USER_AGENT,
                concat!("awscred/", env!("CARGO_PKG_VERSION")),
            )
            .body(body.to_vec())
            .map_err(|e| invalid(e.to_string()))?;
        if let Some(credentials) = signer {
            sign(
                &mut request,
                credentials,
                &self.endpoint.signing_region,
                self.clock.now(),
            )?;
        }
        Ok(request)
    }
}

fn sign(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    now: SystemTime,
) -> Result<(), Error> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;

    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key().expose(),
        credentials.session_token().map(|t| t.expose().to_owned()),
        None,
        "awscred",
    )
    .into();
    let failed = |e: &dyn fmt::Display| {
        Error::provider_failed(format!("signing the STS request failed: {e}"))
    };
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| failed(&e))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// Codes the standard retry mode treats as throttling or transient, plus `IDPCommunicationError`
/// (the identity provider could not be reached by STS), which the SDKs retry for web identity.
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
    "IDPCommunicationError",
];

fn is_retryable_response(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if matches!(status, 500 | 502 | 503 | 504) {
        return true;
    }
    xml::parse_error(response.body())
        .is_some_and(|(code, _)| RETRYABLE_CODES.contains(&code.as_str()))
}

fn is_retryable_transport(error: &HttpError) -> bool {
    use awscred_core::http::HttpErrorKind;
    matches!(
        error.kind(),
        HttpErrorKind::Connect | HttpErrorKind::Timeout | HttpErrorKind::Io
    )
}

/// Full jitter: a random wait below `min(base * 2^(attempt-1), max)`.
fn backoff(retry: RetryConfig, attempt: u32) -> Duration {
    let ceiling = retry
        .base_delay
        .saturating_mul(1u32 << (attempt - 1).min(16))
        .min(retry.max_delay);
    ceiling.mul_f64(jitter())
}

/// A number in [0, 1). Jitter only spreads retries out; it needs no cryptographic quality, so a
/// hash of the time and a counter does instead of a random-number crate.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// An `application/x-www-form-urlencoded` query-protocol body.
struct Form(String);

impl Form {
    fn new(action: &str) -> Self {
        Form(format!("Action={action}&Version=2011-06-15"))
    }

    fn push(&mut self, key: &str, value: &str) {
        self.0.push('&');
        self.0.push_str(key);
        self.0.push('=');
        percent_encode(value, &mut self.0);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters, as botocore's query
/// serializer does.
fn percent_encode(value: &str, out: &mut String) {
    use std::fmt::Write;
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_botocore() {
        let mut form = Form::new("AssumeRole");
        form.push("RoleArn", "arn:aws:iam::123456789:role/integration-test");
        form.push("RoleSessionName", "a b+c/é");
        assert_eq!(
            String::from_utf8(form.finish()).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789%3Arole%2Fintegration-test\
             &RoleSessionName=a%20b%2Bc%2F%C3%A9"
        );
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let retry = RetryConfig::default();
        for attempt in 1..10 {
            let d = backoff(retry, attempt);
            assert!(d <= retry.max_delay);
            assert!(d < retry.base_delay * 2u32.pow(attempt - 1) || d <= retry.max_delay);
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| backoff(retry, 3)).collect();
        assert!(spread.len() > 10, "jitter spreads the waits");
    }

    #[test]
    fn service_error_displays_like_the_cli() {
        let e = StsServiceError {
            operation: "AssumeRole",
            status: 403,
            code: "AccessDenied".into(),
            message: "no".into(),
        };
        assert_eq!(
            e.to_string(),
            "An error occurred (AccessDenied) when calling the AssumeRole operation: no"
        );
    }
}
