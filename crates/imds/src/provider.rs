//! The IMDS credentials tier: token, role name, credentials; IMDSv1 fallback; token reuse;
//! static stability.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, SystemTime};

use awscred_core::http::{HttpClient, HttpRequest, HttpResponse, Method, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{
    Credentials, Detail, Env, Error, ErrorKind, ProvideCredentials, Secret, timestamp,
};
use awscred_profile::ProfileContext;
use http::HeaderValue;
use tokio::time::Instant;
use zeroize::Zeroize;

use crate::config::{ImdsConfig, Overrides, ROLE_PATH, TOKEN_PATH};
use crate::parse::{parse_credentials, parse_role_name};

const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// The token lifetime asked for, as the CLI asks: six hours.
const TOKEN_TTL: Duration = Duration::from_secs(21600);
/// A cached token is dropped this long before IMDS would stop honouring it.
const TOKEN_MARGIN: Duration = Duration::from_secs(120);
/// botocore's `ec2_credential_refresh_window` default.
const REFRESH_WINDOW_SECS: u64 = 600;
/// botocore's jitter, added to the window: 2 to 10 minutes.
const JITTER_SECS: (u64, u64) = (120, 600);
const USER_AGENT: &str = concat!("awscred/", env!("CARGO_PKG_VERSION"), " api/imds");

/// EC2 instance metadata credentials, as the AWS CLI fetches them.
///
/// Each call asks IMDS anew (a credentials cache above the chain decides when to call); the
/// IMDSv2 session token is kept and reused until shortly before it expires, so a refresh costs
/// two requests. See the crate documentation for the full behaviour.
pub struct ImdsProvider {
    config: Result<ImdsConfig, (ErrorKind, String)>,
    env: Env,
    http: Arc<dyn HttpClient>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    token: Option<CachedToken>,
    last: Option<Credentials>,
}

struct CachedToken {
    value: Secret,
    until: SystemTime,
}

impl std::fmt::Debug for ImdsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImdsProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ImdsProvider {
    /// The tier for a resolution: settings from its environment and selected profile.
    /// A configuration error (a bad endpoint, mode, timeout) is reported when credentials are
    /// asked for.
    pub fn new(ctx: &ProfileContext, http: Arc<dyn HttpClient>) -> Self {
        Self::with_overrides(ctx, http, &Overrides::default())
    }

    /// [`ImdsProvider::new`] with settings given in code, which beat the configured ones.
    pub fn with_overrides(
        ctx: &ProfileContext,
        http: Arc<dyn HttpClient>,
        overrides: &Overrides,
    ) -> Self {
        let config =
            ImdsConfig::from_context(ctx, overrides).map_err(|e| (e.kind(), e.to_string()));
        ImdsProvider {
            config,
            env: ctx.env.clone(),
            http,
            state: Mutex::new(State::default()),
        }
    }

    /// A provider with explicit settings; `env` supplies the clock.
    pub fn from_config(config: ImdsConfig, env: Env, http: Arc<dyn HttpClient>) -> Self {
        ImdsProvider {
            config: Ok(config),
            env,
            http,
            state: Mutex::new(State::default()),
        }
    }

    /// The settings in use, or the configuration error.
    pub fn config(&self) -> Result<&ImdsConfig, Error> {
        self.config
            .as_ref()
            .map_err(|(kind, message)| Error::new(*kind, message.clone()))
    }

    async fn provide(&self) -> Result<Credentials, Error> {
        let config = self.config()?;
        if config.disabled {
            return Err(Error::not_configured(
                "EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)",
            ));
        }
        let fetcher = Fetcher {
            provider: self,
            config,
        };
        let now = self.env.now();
        match fetcher.fetch().await {
            Ok(creds) => {
                let creds = extend_if_expiring(creds, now, false);
                self.lock().last = Some(creds.clone());
                Ok(creds)
            }
            Err(error) if error.kind() != ErrorKind::InvalidConfiguration => {
                let last = self.lock().last.clone();
                match last {
                    Some(last) => {
                        tracing::warn!(
                            "refreshing EC2 instance metadata credentials failed ({error}); \
                             using the previous credentials"
                        );
                        let creds = extend_if_expiring(last, now, true);
                        self.lock().last = Some(creds.clone());
                        Ok(creds)
                    }
                    None => Err(error),
                }
            }
            Err(error) => Err(error),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave `State` half-updated (single assignments), so a
        // poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached_token(&self) -> Option<Secret> {
        let now = self.env.now();
        let mut state = self.lock();
        match &state.token {
            Some(t) if t.until > now => Some(t.value.clone()),
            Some(_) => {
                state.token = None;
                None
            }
            None => None,
        }
    }

    fn store_token(&self, value: &Secret, ttl: Duration) {
        let keep = if ttl > TOKEN_MARGIN * 2 {
            ttl - TOKEN_MARGIN
        } else {
            ttl / 2
        };
        self.lock().token = Some(CachedToken {
            value: value.clone(),
            until: self.env.now() + keep,
        });
    }

    fn forget_token(&self) {
        self.lock().token = None;
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.provide())
    }
}

/// Static stability, as botocore's `_evaluate_expiration`: credentials that expire within the
/// refresh window (10 minutes plus 2 to 10 minutes of jitter) are given that window from now,
/// with a warning, so an IMDS outage does not stop a workload that holds credentials. `stale`
/// marks credentials kept from an earlier fetch because this one failed.
fn extend_if_expiring(creds: Credentials, now: SystemTime, stale: bool) -> Credentials {
    let Some(expiration) = creds.expiration() else {
        return creds;
    };
    let window = Duration::from_secs(REFRESH_WINDOW_SECS + jitter(JITTER_SECS.0, JITTER_SECS.1));
    if now + window < expiration {
        return creds;
    }
    let extended = now + window;
    tracing::warn!(
        "Attempting credential expiration extension due to a credential service availability \
         issue{}. A refresh of these credentials will be attempted again within the next {:.0} \
         minutes (credentials expiring {}, now usable until {}).",
        if stale { " (the refresh failed)" } else { "" },
        window.as_secs_f64() / 60.0,
        timestamp::format_z(expiration),
        timestamp::format_z(extended),
    );
    let mut out = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key().clone(),
        creds.session_token().cloned(),
        Some(extended),
        creds.provider(),
    )
    .with_account_id(creds.account_id().map(str::to_owned));
    for origin in creds.origins() {
        out = out.with_origin(origin.what.clone(), origin.from.clone());
    }
    out
}

/// A number in `lo..=hi`, from the standard library's randomly keyed hasher: enough for
/// spreading refreshes, without a random-number crate.
fn jitter(lo: u64, hi: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    lo + hasher.finish() % (hi - lo + 1)
}

/// Why a request gave nothing usable.
#[derive(Debug)]
enum Failure {
    /// No answer: refused, unreachable, timed out, broken connection.
    Transport { message: String, timed_out: bool },
    /// An HTTP status that is not success.
    Status(u16),
    /// 200 with an empty body.
    Empty,
}

impl Failure {
    fn reachable(&self) -> bool {
        !matches!(self, Failure::Transport { .. })
    }

    /// What failed, in a word or two, for the person reading the error.
    fn cause(&self) -> &'static str {
        match self {
            Failure::Transport {
                timed_out: true, ..
            } => "timed out",
            Failure::Transport { message, .. } => {
                let m = message.to_ascii_lowercase();
                if m.contains("proxy") {
                    "the proxy failed"
                } else if m.contains("tls") || m.contains("certificate") {
                    "TLS failed"
                } else if m.contains("refused") {
                    "connection refused"
                } else {
                    "no connection"
                }
            }
            Failure::Status(_) => "an HTTP error",
            Failure::Empty => "an empty answer",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Transport { message, .. } => f.write_str(message),
            Failure::Status(s) => write!(f, "HTTP {s}"),
            Failure::Empty => f.write_str("an empty answer"),
        }
    }
}

/// The outcome of a GET that was answered usefully, refused for the token, or not at all.
enum Got<T> {
    Value(T),
    Unauthorized,
    Failed(Failure),
}

enum TokenOutcome {
    Token(Secret),
    /// No token: fall back to IMDSv1 if allowed.
    None(Failure),
}

/// One fetch: borrows the provider's client, settings and token cache.
struct Fetcher<'a> {
    provider: &'a ImdsProvider,
    config: &'a ImdsConfig,
}

impl Fetcher<'_> {
    fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
    ) -> Result<HttpRequest, Error> {
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(self.config.uri(path))
            .header(http::header::USER_AGENT, USER_AGENT)
            // Never through a proxy, as the CLI's `InstanceMetadataFetcher`.
            .extension(awscred_core::http::Direct);
        if method == Method::PUT {
            builder = builder.header(TOKEN_TTL_HEADER, TOKEN_TTL.as_secs().to_string());
        }
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                Error::provider_failed(format!(
                    "the IMDS token from {} is not a valid header value",
                    self.endpoint()
                ))
            })?;
            value.set_sensitive(true);
            builder = builder.header(TOKEN_HEADER, value);
        }
        builder
            .body(Vec::new())
            .map_err(|e| Error::invalid_config(format!("IMDS endpoint {}: {e}", self.endpoint())))
    }

    /// Sends one request, bounded by the request timeout and, when given, the deadline.
    async fn send(
        &self,
        request: HttpRequest,
        deadline: Option<Instant>,
    ) -> Result<HttpResponse, Failure> {
        let mut limit = self.config.timeout;
        if let Some(deadline) = deadline {
            limit = limit.min(deadline.saturating_duration_since(Instant::now()));
        }
        if limit.is_zero() {
            return Err(Failure::Transport {
                message: format!("no time left to ask {}", self.endpoint()),
                timed_out: true,
            });
        }
        let timeouts = Timeouts::new(limit, limit);
        match tokio::time::timeout(limit, self.provider.http.send(request, timeouts)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(Failure::Transport {
                message: e.to_string(),
                timed_out: e.is_timeout(),
            }),
            Err(_) => Err(Failure::Transport {
                message: format!(
                    "timed out talking to {} after {} ms",
                    self.endpoint(),
                    limit.as_millis()
                ),
                timed_out: true,
            }),
        }
    }

    /// `PUT /latest/api/token`, as botocore's `_fetch_metadata_token`: 200 is a token;
    /// 403/404/405, a timeout, or failures on every attempt mean "no token"; 400 is an error.
    async fn fetch_token(&self, deadline: Instant) -> Result<TokenOutcome, Error> {
        let mut last = Failure::Empty;
        for _ in 0..self.config.attempts {
            let request = self.request(Method::PUT, TOKEN_PATH, None)?;
            let mut response = match self.send(request, Some(deadline)).await {
                Ok(r) => r,
                // A timeout ends the token attempts at once, as in botocore.
                Err(
                    f @ Failure::Transport {
                        timed_out: true, ..
                    },
                ) => return Ok(TokenOutcome::None(f)),
                Err(f) => {
                    last = f;
                    continue;
                }
            };
            match response.status().as_u16() {
                200 => {
                    let ttl = response
                        .headers()
                        .get(TOKEN_TTL_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map_or(TOKEN_TTL, |s| Duration::from_secs(s).min(TOKEN_TTL));
                    let text = std::str::from_utf8(response.body()).map(|t| t.trim().to_owned());
                    response.body_mut().zeroize();
                    let token = Secret::new(text.map_err(|_| {
                        Error::provider_failed(format!(
                            "the IMDS token from {} is not text",
                            self.endpoint()
                        ))
                    })?);
                    if token.is_empty() {
                        return Ok(TokenOutcome::None(Failure::Empty));
                    }
                    if HeaderValue::from_str(token.expose()).is_err() {
                        return Err(Error::provider_failed(format!(
                            "the IMDS token from {} is not a valid header value",
                            self.endpoint()
                        )));
                    }
                    self.provider.store_token(&token, ttl);
                    return Ok(TokenOutcome::Token(token));
                }
                403..=405 => {
                    return Ok(TokenOutcome::None(Failure::Status(
                        response.status().as_u16(),
                    )));
                }
                400 => {
                    return Err(Error::not_configured(format!(
                        "IMDS at {} rejected the token request as malformed (HTTP 400)",
                        self.endpoint()
                    )));
                }
                status => last = Failure::Status(status),
            }
        }
        Ok(TokenOutcome::None(last))
    }

    /// A GET retried as botocore's `_get_request`: non-200, empty, or unreadable (`read`
    /// returning an error) answers are tried again up to the attempt count. 401 with a token
    /// returns at once so the caller can fetch a new token.
    async fn get<T>(
        &self,
        path: &str,
        token: Option<&Secret>,
        deadline: Option<Instant>,
        read: impl Fn(&[u8]) -> Result<Option<T>, Error>,
    ) -> Result<Got<T>, Error> {
        let mut last: Result<Failure, Error> = Ok(Failure::Empty);
        for _ in 0..self.config.attempts {
            let request = self.request(Method::GET, path, token)?;
            let mut response = match self.send(request, deadline).await {
                Ok(r) => r,
                Err(f) => {
                    last = Ok(f);
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status == 401 && token.is_some() {
                return Ok(Got::Unauthorized);
            }
            if status != 200 {
                last = Ok(Failure::Status(status));
                continue;
            }
            let value = read(response.body());
            response.body_mut().zeroize();
            match value {
                Ok(Some(v)) => return Ok(Got::Value(v)),
                Ok(None) => last = Ok(Failure::Empty),
                Err(e) => last = Err(e),
            }
        }
        last.map(Got::Failed)
    }

    async fn get_role(
        &self,
        token: Option<&Secret>,
        deadline: Option<Instant>,
    ) -> Result<Got<String>, Error> {
        self.get(ROLE_PATH, token, deadline, |body| {
            parse_role_name(body).map_err(|e| e.context(format!("IMDS at {}", self.endpoint())))
        })
        .await
    }

    async fn get_credentials(
        &self,
        role: &str,
        token: Option<&Secret>,
    ) -> Result<Got<Credentials>, Error> {
        let path = format!("{ROLE_PATH}{role}");
        self.get(&path, token, None, |body| {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            parse_credentials(body)
                .map(Some)
                .map_err(|e| e.context(format!("IMDS at {} for role {role}", self.endpoint())))
        })
        .await
    }

    /// The deadline shared by the token request and the IMDSv1 fallback: one timeout per
    /// attempt, not one per request, so a black hole costs one timeout.
    fn phase_deadline(&self) -> Instant {
        Instant::now() + self.config.timeout * self.config.attempts
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        tracing::debug!(
            cached_token = self.provider.cached_token().is_some(),
            "asking instance metadata for the role credentials"
        );
        let (mut token, role) = match self.provider.cached_token() {
            Some(token) => match self
                .get_role(Some(&token), Some(self.phase_deadline()))
                .await?
            {
                Got::Value(role) => (Some(token), role),
                Got::Unauthorized => {
                    tracing::debug!("IMDS refused the cached token; fetching a new one");
                    self.provider.forget_token();
                    self.role_without_cached_token().await?
                }
                Got::Failed(f) => return Err(self.no_role(None, &f)),
            },
            None => self.role_without_cached_token().await?,
        };

        let mut retried = false;
        loop {
            match self.get_credentials(&role, token.as_ref()).await? {
                Got::Value(creds) => {
                    let from = format!("{}", self.config.uri(&format!("{ROLE_PATH}{role}")));
                    return Ok(creds
                        .with_origin("access_key_id", from)
                        .with_origin("role_name", format!("IAM role {role} of the instance")));
                }
                Got::Unauthorized if !retried => {
                    retried = true;
                    self.provider.forget_token();
                    token = match self.fetch_token(self.phase_deadline()).await? {
                        TokenOutcome::Token(t) => Some(t),
                        TokenOutcome::None(f) if self.config.v1_disabled => {
                            return Err(self.v1_disabled_error(&f));
                        }
                        TokenOutcome::None(_) => None,
                    };
                }
                Got::Unauthorized => {
                    return Err(Error::provider_failed(format!(
                        "IMDS at {} refused a freshly issued token (HTTP 401) for role {role}",
                        self.endpoint()
                    )));
                }
                Got::Failed(f) => {
                    return Err(Error::not_configured(format!(
                        "IMDS at {} gave no credentials for role {role}: {f}",
                        self.endpoint()
                    )));
                }
            }
        }
    }

    /// Phase one without a usable cached token: a new token and the role listing with it, or,
    /// as the CLI, the role listing without a token when no token comes. The two are raced
    /// within one deadline: the IMDSv1 request starts when the token request fails, or after
    /// half a timeout without an answer (a PUT whose answer is lost to the hop limit, in a
    /// container, never answers).
    async fn role_without_cached_token(&self) -> Result<(Option<Secret>, String), Error> {
        let deadline = self.phase_deadline();
        if self.config.v1_disabled {
            return match self.fetch_token(deadline).await? {
                TokenOutcome::Token(t) => self.role_with_new_token(t).await,
                TokenOutcome::None(f) => Err(self.v1_disabled_error(&f)),
            };
        }

        type Fut<'f, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'f>>;
        let mut v2: Fut<'_, Result<(Option<Secret>, String), Failure>> = Box::pin(async move {
            match self.fetch_token(deadline).await? {
                TokenOutcome::Token(t) => self.role_with_new_token(t).await.map(Ok),
                TokenOutcome::None(f) => Ok(Err(f)),
            }
        });
        let v1_start = || -> Fut<'_, Got<String>> { Box::pin(self.get_role(None, Some(deadline))) };
        let head_start = tokio::time::sleep(self.config.timeout / 2);
        tokio::pin!(head_start);
        let mut v1: Option<Fut<'_, Got<String>>> = None;
        let mut v2_failure: Option<Failure> = None;
        let mut v1_result: Option<Result<Got<String>, Error>> = None;

        std::future::poll_fn(|cx| {
            if v2_failure.is_none()
                && let Poll::Ready(result) = v2.as_mut().poll(cx)
            {
                match result {
                    Ok(Ok(found)) => return Poll::Ready(Ok(found)),
                    Err(e) => return Poll::Ready(Err(e)),
                    Ok(Err(failure)) => {
                        tracing::debug!("no IMDSv2 token ({failure}); trying IMDSv1");
                        v2_failure = Some(failure);
                    }
                }
            }
            if v1.is_none()
                && v1_result.is_none()
                && (v2_failure.is_some() || head_start.as_mut().poll(cx).is_ready())
            {
                v1 = Some(v1_start());
            }
            if let Some(fut) = v1.as_mut()
                && let Poll::Ready(result) = fut.as_mut().poll(cx)
            {
                v1 = None;
                if let Ok(Got::Value(role)) = result {
                    return Poll::Ready(Ok((None, role)));
                }
                v1_result = Some(result);
            }
            if let Some(token_failure) = v2_failure.as_ref()
                && let Some(result) = v1_result.take()
            {
                return Poll::Ready(match result {
                    Err(e) => Err(e),
                    Ok(Got::Failed(f)) => Err(self.no_role(Some(token_failure), &f)),
                    // Without a token, a GET yields neither (and a value returned above).
                    Ok(Got::Value(_) | Got::Unauthorized) => {
                        Err(self.no_role(Some(token_failure), &Failure::Status(401)))
                    }
                });
            }
            Poll::Pending
        })
        .await
    }

    /// The role listing with a token just issued; a 401 to a new token is not retried.
    async fn role_with_new_token(&self, token: Secret) -> Result<(Option<Secret>, String), Error> {
        match self.get_role(Some(&token), None).await? {
            Got::Value(role) => Ok((Some(token), role)),
            Got::Unauthorized => Err(Error::provider_failed(format!(
                "IMDS at {} refused a freshly issued token (HTTP 401)",
                self.endpoint()
            ))),
            Got::Failed(f) => Err(self.no_role(None, &f)),
        }
    }

    fn v1_disabled_error(&self, failure: &Failure) -> Error {
        Error::provider_failed(format!(
            "Unable to retrieve token for use in IMDSv2 call from {} ({failure}) and IMDSv1 has \
             been disabled (AWS_EC2_METADATA_V1_DISABLED / ec2_metadata_v1_disabled)",
            self.endpoint()
        ))
    }

    /// No role name: not on EC2, no role attached, or IMDS not answering. The CLI reports these
    /// as "no credentials", so the chain goes on.
    fn no_role(&self, token_failure: Option<&Failure>, failure: &Failure) -> Error {
        let endpoint = self.endpoint();
        let token_part = token_failure
            .map(|t| format!(" (token request: {t}; IMDSv1 role listing: {failure})"))
            .unwrap_or_else(|| format!(" ({failure})"));
        let unreachable = !failure.reachable() && token_failure.is_none_or(|t| !t.reachable());
        if unreachable {
            return Error::not_configured(format!(
                "no EC2 instance metadata service answered at {endpoint}: {}{token_part}",
                failure.cause()
            ))
            .with_detail(Detail::Unreachable {
                endpoint: endpoint.to_string(),
            });
        }
        let message = if matches!(failure, Failure::Status(404) | Failure::Empty) {
            format!(
                "no IAM role is attached to this instance according to IMDS at {endpoint}{token_part}"
            )
        } else {
            format!("IMDS at {endpoint} did not name an IAM role{token_part}")
        };
        Error::not_configured(message)
    }
}
