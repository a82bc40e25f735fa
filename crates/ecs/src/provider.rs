//! The container credentials tier.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use awscred_core::fs::ReadLimit;
use awscred_core::http::{Direct, HttpClient, Method, Timeouts, endpoint_of};
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, Secret};
use http::{HeaderValue, Uri};
use zeroize::Zeroize;

use crate::parse::parse;

/// Where `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` points: the ECS agent.
pub const ECS_HOST: &str = "169.254.170.2";
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const RELATIVE_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
pub const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
pub const TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
pub const TOKEN_FILE_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

const USER_AGENT: &str = concat!("awscred/", env!("CARGO_PKG_VERSION"), " api/ecs");
/// The hosts besides loopback addresses plain http may go to (botocore's `_ALLOWED_HOSTS`).
const ALLOWED_HTTP_HOSTS: [&str; 4] = [ECS_HOST, "169.254.170.23", "fd00:ec2::23", "localhost"];

/// How many times, how long each, and how long between: the CLI's `ContainerMetadataFetcher`
/// uses 3 attempts of 2 s with 1 s between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The time limit of one attempt.
    pub timeout: Duration,
    /// How many attempts.
    pub attempts: u32,
    /// The pause between attempts.
    pub pause: Duration,
}

impl RetryPolicy {
    /// `attempts` of at most `timeout` each, `pause` between them.
    pub const fn new(timeout: Duration, attempts: u32, pause: Duration) -> Self {
        RetryPolicy {
            timeout,
            attempts,
            pause,
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            timeout: Duration::from_secs(2),
            attempts: 3,
            pause: Duration::from_secs(1),
        }
    }
}

/// Container credentials: the ECS task role (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) or a full
/// URI (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, as EKS Pod Identity and local emulators use).
/// See the crate documentation for the rules.
pub struct ContainerProvider {
    env: Env,
    http: Arc<dyn HttpClient>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for ContainerProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerProvider")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ContainerProvider {
    /// The tier for an environment; settings are read when credentials are asked for.
    pub fn new(env: &Env, http: Arc<dyn HttpClient>) -> Self {
        ContainerProvider {
            env: env.clone(),
            http,
            policy: RetryPolicy::default(),
        }
    }

    /// The same provider with other timeouts and attempts.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Whether a container endpoint is configured at all.
    pub fn is_configured(&self) -> bool {
        self.env.non_empty_var(RELATIVE_URI_VAR).is_some()
            || self.env.non_empty_var(FULL_URI_VAR).is_some()
    }

    /// The URI credentials would be fetched from, checked against the rules (resolving a host
    /// name given in a plain-http full URI). `NotConfigured` when neither variable is set.
    pub async fn endpoint(&self) -> Result<Uri, Error> {
        if let Some(relative) = self.env.non_empty_var(RELATIVE_URI_VAR) {
            // Only a path: `@127.0.0.1:PORT/x` would make `http://169.254.170.2@127.0.0.1...`,
            // sending the token to another host (the CLI pastes it unchecked).
            if !relative.starts_with('/') || relative.contains('@') {
                return Err(Error::invalid_config(format!(
                    "{RELATIVE_URI_VAR} `{}` is invalid: it must be a path on the ECS agent \
                     (start with `/`, no `@`)",
                    relative.split('?').next().unwrap_or_default()
                )));
            }
            return format!("http://{ECS_HOST}{relative}").parse().map_err(
                |e: http::uri::InvalidUri| {
                    Error::invalid_config(format!(
                        "{RELATIVE_URI_VAR} `{}` does not make a valid URI: {e}",
                        relative.split('?').next().unwrap_or_default()
                    ))
                },
            );
        }
        let Some(full) = self.env.non_empty_var(FULL_URI_VAR) else {
            return Err(Error::not_configured(format!(
                "No environment variables were set to configure ECS provider \
                 ({RELATIVE_URI_VAR}, {FULL_URI_VAR})"
            )));
        };
        let shown = full.split('?').next().unwrap_or_default().to_owned();
        let invalid = |why: String| {
            Error::invalid_config(format!("{FULL_URI_VAR} `{shown}` is invalid: {why}"))
        };
        let uri: Uri = full
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(e.to_string()))?;
        let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
            return Err(invalid("URI did not specify a host".into()));
        };
        match uri.scheme_str() {
            Some("https") => Ok(uri),
            Some("http") => {
                check_http_host(host).map_err(invalid)?;
                Ok(uri)
            }
            _ => Err(invalid("the scheme must be http or https".into())),
        }
    }

    /// The `Authorization` value: the token file (read now, every time) over the variable.
    fn authorization(&self) -> Result<Option<Secret>, Error> {
        let (token, source) = if let Some(path) = self.env.non_empty_var(TOKEN_FILE_VAR) {
            let bytes = self
                .env
                .read_file(std::path::Path::new(&path), ReadLimit::TOKEN)
                .map_err(|e| Error::new(ErrorKind::Io, format!("{TOKEN_FILE_VAR} {path}: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                e.into_bytes().zeroize();
                Error::invalid_config(format!(
                    "{TOKEN_FILE_VAR} {path}: the token is not UTF-8 text"
                ))
            })?;
            (Secret::from(text), format!("{TOKEN_FILE_VAR} {path}"))
        } else if let Some(token) = self.env.var(TOKEN_VAR) {
            (Secret::from(token), TOKEN_VAR.to_owned())
        } else {
            return Ok(None);
        };
        if token.expose().contains(['\r', '\n']) {
            return Err(Error::invalid_config(format!(
                "{source}: the authorization token contains a CR or LF character, which is not \
                 a legal header value"
            )));
        }
        if HeaderValue::from_str(token.expose()).is_err() {
            return Err(Error::invalid_config(format!(
                "{source}: the authorization token contains characters not allowed in a header"
            )));
        }
        Ok(Some(token))
    }

    async fn provide(&self) -> Result<Credentials, Error> {
        let uri = self.endpoint().await?;
        let shown = endpoint_of(&uri);
        let authorization = self.authorization()?;
        let source = if self.env.non_empty_var(RELATIVE_URI_VAR).is_some() {
            RELATIVE_URI_VAR
        } else {
            FULL_URI_VAR
        };
        tracing::debug!(endpoint = %shown, from = source, "asking the container credentials endpoint");
        let timeouts = Timeouts::new(self.policy.timeout, self.policy.timeout);
        let mut last_failure = String::new();
        let mut last_kind = ErrorKind::ProviderFailed;
        for attempt in 1..=self.policy.attempts.max(1) {
            if attempt > 1 {
                tokio::time::sleep(self.policy.pause).await;
            }
            let mut request = http::Request::builder()
                .method(Method::GET)
                .uri(uri.clone())
                .header(http::header::ACCEPT, "application/json")
                .header(http::header::USER_AGENT, USER_AGENT)
                // Never through a proxy, as the CLI's fetcher: the token is not the proxy's.
                .extension(Direct);
            if let Some(token) = &authorization {
                let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                    Error::invalid_config("the authorization token is not a header value")
                })?;
                value.set_sensitive(true);
                request = request.header(http::header::AUTHORIZATION, value);
            }
            let request = request
                .body(Vec::new())
                .map_err(|e| Error::invalid_config(format!("{shown}: {e}")))?;
            let sent =
                tokio::time::timeout(self.policy.timeout, self.http.send(request, timeouts)).await;
            let mut response = match sent {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    last_failure = e.to_string();
                    last_kind = ErrorKind::Network;
                    tracing::debug!("container credentials attempt {attempt}: {e}");
                    continue;
                }
                Err(_) => {
                    last_failure = format!(
                        "timed out talking to {shown} after {} ms",
                        self.policy.timeout.as_millis()
                    );
                    last_kind = ErrorKind::Network;
                    continue;
                }
            };
            let status = response.status();
            if status != http::StatusCode::OK {
                last_failure = format!(
                    "received non 200 response {} from {shown}{}",
                    status.as_u16(),
                    error_detail(response.body())
                );
                last_kind = ErrorKind::ProviderFailed;
                tracing::debug!("container credentials attempt {attempt}: {last_failure}");
                continue;
            }
            let parsed = parse(response.body());
            response.body_mut().zeroize();
            match parsed {
                Ok(creds) => {
                    return Ok(creds
                        .with_origin("access_key_id", shown.clone())
                        .with_origin("endpoint", format!("env {source}")));
                }
                Err(e) if e.retry => {
                    last_failure = format!("{shown}: {}", e.error);
                    last_kind = ErrorKind::ProviderFailed;
                }
                Err(e) => {
                    return Err(e
                        .error
                        .context(format!("container credentials from {shown}")));
                }
            }
        }
        Err(Error::new(
            last_kind,
            format!(
                "Error when retrieving credentials from container-role ({} attempts): {last_failure}",
                self.policy.attempts.max(1)
            ),
        ))
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.provide())
    }
}

/// The agents' error bodies are JSON with `code`/`message` (or `Code`/`Message`); anything
/// else is shown as a short, single-line excerpt.
fn error_detail(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let field = |v: &serde_json::Value, lower: &str, upper: &str| -> Option<String> {
        v.get(lower)
            .or_else(|| v.get(upper))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let parsed = serde_json::from_slice::<serde_json::Value>(body).ok();
    let text = match parsed.as_ref().filter(|v| v.is_object()) {
        Some(v) => {
            let parts: Vec<String> = [field(v, "code", "Code"), field(v, "message", "Message")]
                .into_iter()
                .flatten()
                .collect();
            if parts.is_empty() {
                String::from_utf8_lossy(body).into_owned()
            } else {
                parts.join(": ")
            }
        }
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    format!(": {}", one_line.trim())
}

/// Plain http may only go to a loopback address or the container agents, exactly as the CLI's
/// `ContainerMetadataFetcher._validate_allowed_url` decides: an IP literal that is loopback
/// (`127.0.0.0/8`, `::1`; an IPv4-mapped `::ffff:127.0.0.1` is not, as in Python's
/// `ipaddress`), or one of the host names `169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`,
/// `localhost`, compared as written. No name is resolved.
fn check_http_host(host: &str) -> Result<(), String> {
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let loopback = match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback(),
        Err(_) => false,
    };
    if loopback || ALLOWED_HTTP_HOSTS.contains(&bare.as_str()) {
        return Ok(());
    }
    Err(format!(
        "Unsupported host '{bare}'.  Can only retrieve metadata from a loopback address or one \
         of these hosts: {}",
        ALLOWED_HTTP_HOSTS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_hosts_are_the_clis() {
        for host in [
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "169.254.170.2",
            "169.254.170.23",
            "[fd00:ec2::23]",
            "localhost",
            "LocalHost",
        ] {
            assert_eq!(check_http_host(host), Ok(()), "{host}");
        }
        for host in [
            "169.254.169.254",
            "10.0.0.1",
            "[fd00:ec2::254]",
            "[::ffff:127.0.0.1]",
            "[::ffff:10.0.0.1]",
            "[fd00:ec2:0::23]",
            "0.0.0.0",
            "localhost.localdomain",
            "example.com",
        ] {
            let e = check_http_host(host).unwrap_err();
            assert!(e.starts_with("Unsupported host '"), "{host}: {e}");
        }
        assert_eq!(
            check_http_host("[::ffff:127.0.0.1]").unwrap_err(),
            "Unsupported host '::ffff:127.0.0.1'.  Can only retrieve metadata from a loopback \
             address or one of these hosts: 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost"
        );
    }

    #[test]
    fn a_relative_uri_is_a_path_on_the_ecs_agent() {
        let provider = |relative: &str| {
            ContainerProvider::new(
                &Env::from_vars([(RELATIVE_URI_VAR, relative)]),
                Arc::new(awscred_core::http::HyperClient::new(&Env::from_vars(
                    Vec::<(String, String)>::new(),
                ))),
            )
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for bad in ["@127.0.0.1:9/x", "/x@127.0.0.1", "x/y", ":9/x"] {
            let e = rt.block_on(provider(bad).endpoint()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfiguration, "{bad}");
            assert!(e.to_string().contains("must be a path"), "{e}");
        }
        let uri = rt
            .block_on(provider("/v2/credentials/abc?x=1").endpoint())
            .unwrap();
        assert_eq!(uri.host(), Some(ECS_HOST));
    }

    #[test]
    fn error_details_are_short_and_single_line() {
        assert_eq!(error_detail(b""), "");
        assert_eq!(
            error_detail(br#"{"code":"AccessDeniedException","message":"bad token"}"#),
            ": AccessDeniedException: bad token"
        );
        let long = error_detail("line1\nline2 ".repeat(100).as_bytes());
        assert!(
            !long.contains('\n') && long.chars().count() <= 202,
            "{long}"
        );
    }
}
